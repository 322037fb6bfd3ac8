"""What a hearing packet holds: plain, already-localized data handed over by the service layer.

Nothing here touches the database: the service layer decides who appears (visibility,
moderation) and how strings read; the PDF engine only lays them out. Every string that a
resident wrote is treated as hostile text and escaped by the templates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload


@dataclass(frozen=True)
class RosterEntry:
    """One named signer in the roster (counted-only signers are never given here)."""

    district: str
    name: str
    zip: str
    signed_on: str
    source: str  # "online" or "paper"


class RosterReadFailed(Exception):
    """Carries what reading a streamed Roster raised, so it reaches the caller as it was."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


class Roster(Sequence[RosterEntry]):
    """The roster's entries in print order, read block by block as they are first needed.

    Reading and decrypting a 100,000-name roster takes seconds; given as a Roster, the first
    districts are laid out and their pages rendered while later ones are still being read.
    Its length is known before any entry is read. `possible_metas`, when given, holds every
    (zip, signed_on, source) that an entry may have (a superset), so that the layout can
    choose its column shape without reading the entries first.
    """

    def __init__(
        self,
        blocks: Iterable[Sequence[RosterEntry]],
        length: int,
        *,
        possible_metas: frozenset[tuple[str, str, str]] | None = None,
    ) -> None:
        self._blocks: Iterator[Sequence[RosterEntry]] | None = iter(blocks)
        self._entries: list[RosterEntry] = []
        self._length = length
        self.possible_metas = possible_metas

    def _read_through(self, index: int) -> None:
        """Read blocks until entry `index` is read, or all of them."""
        while index >= len(self._entries) and self._blocks is not None:
            try:
                block = next(self._blocks, None)
            except Exception as exc:
                self.close()
                raise RosterReadFailed(exc) from exc
            if block is None:
                self.close()
                break
            self._entries.extend(block)
        if self._blocks is None and len(self._entries) != self._length:
            raise RosterReadFailed(
                RuntimeError(
                    f"the roster held {len(self._entries)} names where {self._length} were counted"
                )
            )

    def entries_through(self, index: int) -> list[RosterEntry]:
        """The entries read so far, after reading through entry `index` (or to the end).

        The list is the Roster's own: read it, do not change it.
        """
        self._read_through(index)
        return self._entries

    def read_all(self) -> Roster:
        self._read_through(self._length)
        return self

    def close(self) -> None:
        """Stop reading (what is read stays), and close the blocks' generator."""
        blocks, self._blocks = self._blocks, None
        if blocks is not None and hasattr(blocks, "close"):
            blocks.close()

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> RosterEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RosterEntry]: ...
    def __getitem__(self, index: int | slice) -> RosterEntry | Sequence[RosterEntry]:
        if isinstance(index, slice) or index < 0:
            return tuple(self.read_all()._entries)[index]
        if index >= self._length:
            raise IndexError(index)
        self._read_through(index)
        return self._entries[index]

    def __iter__(self) -> Iterator[RosterEntry]:
        for index in range(self._length):
            yield self[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Roster):
            other = tuple(other)
        return tuple(self) == other if isinstance(other, tuple) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  (mutable while it is being read)

    def __deepcopy__(self, memo: dict) -> tuple[RosterEntry, ...]:
        # dataclasses.asdict() deep-copies fields: give the entries as a plain tuple.
        return tuple(self.read_all()._entries)


@dataclass(frozen=True)
class TestimonyEntry:
    """One approved written testimony, with the author shown as the resident chose."""

    # Tell pytest this is not a test class when it is imported into a test module.
    __test__ = False

    reference: str
    author: str
    affiliation: str | None
    district: str
    position: str  # "support", "oppose" or "neutral"
    position_label: str
    submitted_on: str
    language_label: str
    body: str  # plain text, paragraphs separated by blank lines
    speaks: str | None
    language: str = ""  # the body's language code (e.g. "es"), for the tagged PDF's /Lang


@dataclass(frozen=True)
class FormLetterSender:
    """One resident who sent a form letter, shown as they chose, with what they added."""

    reference: str
    author: str
    district: str
    submitted_on: str
    added: str  # the sentences they added to the letter ("" if none), plain text
    speaks: str | None = None


@dataclass(frozen=True)
class FormLetterEntry:
    """Testimony several residents sent with the same text: printed once, with its senders.

    `count` is every sender; `senders` lists those the packet names (and those counted
    without a name who added something, shown as the service words them); `unnamed` is how
    many senders counted without a name added nothing, and appear only in the count.
    """

    __test__ = False

    reference: str  # the reference of the copy printed
    position: str
    position_label: str
    language_label: str
    body: str
    count: int
    senders: tuple[FormLetterSender, ...]
    unnamed: int
    first_submitted: str
    last_submitted: str


@dataclass(frozen=True)
class TestimonyGroup:
    """Testimonies printed together under one heading (e.g. by position)."""

    __test__ = False

    title: str
    entries: tuple[TestimonyEntry | FormLetterEntry, ...]

    @property
    def testimony_count(self) -> int:
        """Every testimony in the group: a form letter counts once per sender."""
        return sum(e.count if isinstance(e, FormLetterEntry) else 1 for e in self.entries)


@dataclass(frozen=True)
class DistrictTotal:
    """Signatures and testimonies counted in one council district."""

    district: str
    signatures: int
    support: int
    oppose: int
    neutral: int


@dataclass(frozen=True)
class ZipTotal:
    """Signatures counted in one ZIP code."""

    zip: str
    district: str
    signatures: int


@dataclass(frozen=True)
class EndorsementEntry:
    """An organization that signed on to the campaign."""

    organization: str
    role_label: str
    # Founding members are listed before supporters; the order given is kept otherwise.
    founding: bool = False


@dataclass(frozen=True)
class PacketLabels:
    """Fixed wording of the packet, so the service layer can hand over another language."""

    lang: str = "en"
    packet_kicker: str = "Hearing packet for the public record"
    cover: str = "Cover"
    reference: str = "Reference"
    hearing: str = "Hearing"
    when: str = "When"
    where: str = "Where"
    committee: str = "Committee"
    the_ask: str = "Our ask"
    coalition: str = "Submitted by"
    verified_signatures: str = "verified signatures"
    signatures_breakdown: str = (
        "{online} online · {paper} on paper · {counted_only} counted without a name"
    )
    testimonies: str = "written testimonies"
    testimonies_one: str = "written testimony"
    testimonies_breakdown: str = "{support} support · {oppose} oppose · {neutral} neutral"
    organizations: str = "organizations"
    content_hash: str = "Content hash"
    generated: str = "Generated"
    contents: str = "Contents"
    totals_by_district: str = "Totals by council district"
    totals_by_zip: str = "Totals by ZIP code"
    district: str = "District"
    signatures: str = "Signatures"
    support: str = "Support"
    oppose: str = "Oppose"
    neutral: str = "Neutral"
    total: str = "Total"
    testimony_columns_note: str = "Support, oppose and neutral count approved written testimony."
    counted_only_note: str = (
        "Signature totals include {counted_only} signers who asked to be counted without their "
        "name; they do not appear in the roster."
    )
    endorsements: str = "Endorsing organizations"
    no_endorsements: str = "No organization has signed on yet."
    written_testimony: str = "Written testimony"
    no_testimony: str = "No written testimony was approved for this hearing."
    submitted: str = "Submitted"
    language: str = "Language"
    empty_testimony: str = "(No text was submitted.)"
    form_letter: str = "Form letter"
    form_letter_sent_by: str = "Sent by {count} residents"
    form_letter_dates: str = "Submitted {first} to {last}"
    form_letter_senders: str = "Senders"
    form_letter_added: str = "Added"
    form_letter_unnamed: str = (
        "and {count} residents who asked to be counted without their name and added nothing"
    )
    form_letter_senders_note: str = (
        "Each sender as they chose to appear, with the sentences they added to the letter."
    )
    volume_of: str = "Volume {volume} of {volumes}"
    volume_pages: str = "Pages {first} to {last} of the packet ({pages} pages)"
    volume_note: str = (
        "The packet is split into volumes so that each file stays under {limit}. Every volume "
        "has the same content hash; page numbers run through the whole packet."
    )
    roster: str = "Signature roster"
    roster_note: str = "Sorted by district, then name"
    paper_mark: str = "✎"
    paper_legend: str = "gathered on paper"
    no_signatures: str = "No named signatures."
    continued: str = "{district} (continued)"
    district_heading: str = "{district}"
    methods: str = "Methods"
    excluded: str = "Signatures left out of the totals"
    excluded_pending: str = "Signatures not yet verified"
    excluded_duplicates: str = "Duplicate signatures"
    excluded_invalidated: str = "Signatures invalidated"
    full_content_hash: str = "Content hash (SHA-256)"
    hash_note: str = (
        "The hash covers every line of this packet except the generation time: two printings "
        "with the same hash have the same content."
    )
    # Stamped on every page after merging; base-14 Helvetica, so keep it to Latin-1 letters.
    page_of: str = "page {page} of {pages}"
    number_separator: str = ","


@dataclass(frozen=True)
class PacketContent:
    """Everything printed in one hearing packet, ready to lay out."""

    campaign_title: str
    campaign_slug: str
    ask: str
    decision_title: str
    decision_body: str
    decision_kind_label: str
    decision_reference: str
    hearing_title: str
    hearing_when: str
    hearing_location: str
    committee: str | None
    coalition: tuple[EndorsementEntry, ...]
    signatures_verified: int
    signatures_online: int
    signatures_paper: int
    signatures_counted_only: int
    testimonies_support: int
    testimonies_oppose: int
    testimonies_neutral: int
    districts: tuple[DistrictTotal, ...]
    zips: tuple[ZipTotal, ...]
    testimony_groups: tuple[TestimonyGroup, ...]
    roster: Sequence[RosterEntry]  # a tuple, or a Roster read as it is laid out
    methods: tuple[str, ...]
    excluded_pending: int
    excluded_duplicates: int
    excluded_invalidated: int
    generated_at: str
    variant_note: str | None
    labels: PacketLabels = field(default_factory=PacketLabels)

    def content_hash(self) -> str:
        """SHA-256 hex of every field except generated_at, in a canonical serialization."""
        digest = hashlib.sha256()
        # One JSON document per top-level field keeps memory flat for 100,000-line rosters
        # while staying canonical: field order is the dataclass order, never dict order.
        for item in dataclasses.fields(self):
            if item.name == "generated_at":
                continue
            value = getattr(self, item.name)
            if isinstance(value, Roster):
                value = list(value)  # the same JSON as the tuple it stands for
            digest.update(item.name.encode())
            digest.update(b"\x00")
            digest.update(
                json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":")).encode(
                    "utf-8"
                )
            )
            digest.update(b"\x00")
        return digest.hexdigest()


_FIELD_GETTERS: dict[type, Any] = {}


def _plain(value: Any) -> Any:
    """JSON form of a content dataclass: its type name then its fields in declared order."""
    kind = type(value)
    getter = _FIELD_GETTERS.get(kind)
    if getter is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"not packet content: {kind.__name__}")
        names = [f.name for f in dataclasses.fields(value)]
        fetch = operator.attrgetter(*names)
        # attrgetter returns a bare value, not a tuple, for a single field.
        getter = _FIELD_GETTERS[kind] = (lambda v, f=fetch: (f(v),)) if len(names) == 1 else fetch
    return [kind.__name__, *getter(value)]
