"""Hearing packets: what goes in (visibility and moderation respected), builds, downloads.

The PDF engine (campaign.pdf) only lays out plain data; this module decides who appears and
how. A build runs as a background job that writes to a temporary file and renames it, so the
previous packet stays downloadable until the new one is complete and a failed build never
serves a partial file. Refusals are typed errors with a stable `code`, and a failed build
records a `BuildFailure` code: the packets page words both in the organizer's language.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import traceback
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign import after_commit
from campaign.crypto import KeyRing, keyring
from campaign.jobs import huey, in_app_context
from campaign.models import (
    Campaign,
    Deadline,
    DeadlineKind,
    Decision,
    DecisionMaker,
    Packet,
    PacketStatus,
    Position,
    Signature,
    SignatureSource,
    SignatureStatus,
    SpeakMode,
    Testimony,
    TestimonyStatus,
    User,
    Visibility,
)
from campaign.models.types import utcnow
from campaign.pdf import (
    DistrictTotal,
    EndorsementEntry,
    FormLetterEntry,
    FormLetterSender,
    PacketContent,
    PacketResult,
    Roster,
    RosterEntry,
    RosterReadFailed,
    TestimonyEntry,
    TestimonyGroup,
    ZipTotal,
    build_packet,
)
from campaign.pdf.volumes import Volume, split_volumes
from campaign.services import DomainError, NotFound, audit, context, form_letters
from campaign.services import campaigns as campaign_service
from campaign.services import deadlines as deadline_service
from campaign.services.campaigns import district_sort_key
from campaign.services.context import gettext as _

log = logging.getLogger(__name__)

GROUP_BY = ("position", "district")
# The size limit of a packet's volumes, in megabytes (1,000,000 bytes), as the lead sets it.
VOLUME_MB = range(1, 101)
DEFAULT_VOLUME_MB = 10
STALE_AFTER = timedelta(minutes=3)
LANGUAGE_NAMES = {"en": "English", "es": "Spanish / Español"}


class PacketError(DomainError):
    """A packet request refused; `code` names the reason (the web words it)."""

    code = "packet_error"


class HearingNotFound(PacketError, NotFound):
    """The campaign has no such hearing (or none at all)."""

    code = "hearing_not_found"


class DecisionMakerNotFound(PacketError, NotFound):
    """The campaign has no such decision-maker."""

    code = "decision_maker_not_found"


class BadGrouping(PacketError):
    """Testimony can be grouped by position or by district, nothing else."""

    code = "bad_grouping"


class BadVolumeLimit(PacketError):
    """A volume size limit must be a whole number of megabytes within VOLUME_MB."""

    code = "bad_volume_limit"


class PacketNotFound(PacketError, NotFound):
    """The campaign has no such packet."""

    code = "packet_not_found"


class PacketNotReady(PacketError):
    """There is no finished packet to download."""

    code = "packet_not_ready"


class PacketFileChanged(PacketNotReady):
    """The packet's file is not the one that was built (its checksum differs)."""

    code = "packet_file_changed"


class PacketSourceGone(PacketError):
    """The campaign or hearing of a queued build was deleted before it ran."""

    code = "source_gone"


class BuildFailure(StrEnum):
    """Why a build failed, as `packet.error` records it."""

    DISK_FULL = "disk_full"
    INTERRUPTED = "interrupted"  # the worker stopped (killed, restarted) mid-build
    SOURCE_GONE = "source_gone"
    ERROR = "error"  # anything else; the exception's text is kept as the detail


@dataclass(frozen=True)
class Failure:
    """A failed build's reason, and for an unexpected error its technical detail."""

    code: BuildFailure
    detail: str = ""


# `packet.error` holds the code, then for BuildFailure.ERROR a newline and the exception's
# text. A code column would hold the same thing: the code is the only part the program reads
# (the detail is shown to staff as is), so the existing text column keeps it and the schema
# stays as it is. Text that is not a code was written before codes were: it reads as an
# error with that text as its detail.
def _stored(failure: Failure) -> str:
    return f"{failure.code}\n{failure.detail}" if failure.detail else str(failure.code)


def _read_failure(stored: str) -> Failure:
    code, _newline, detail = stored.partition("\n")
    try:
        return Failure(BuildFailure(code), detail)
    except ValueError:
        return Failure(BuildFailure.ERROR, stored)


def _hearing(campaign: Campaign, hearing_id: int | None) -> Deadline:
    found = deadline_service.hearings(campaign)  # in date order (the relationship's)
    if hearing_id is None:
        now = utcnow()
        upcoming = [h for h in found if h.at >= now - timedelta(hours=12)]
        chosen = upcoming[0] if upcoming else (found[-1] if found else None)
    else:
        chosen = next((h for h in found if h.id == hearing_id), None)
    if chosen is None:
        raise HearingNotFound("this campaign has no such hearing")
    return chosen


def _decision_maker(campaign: Campaign, decision_maker_id: int | None) -> DecisionMaker | None:
    if decision_maker_id is None:
        return None
    member = next((m for m in campaign.decision_makers if m.id == decision_maker_id), None)
    if member is None:
        raise DecisionMakerNotFound("no such decision-maker in this campaign")
    return member


def _sort_name(name: str) -> str:
    """Accent- and case-insensitive order, as a clerk would alphabetize ("Á" with "A")."""
    if name.isascii():  # nothing to decompose (most names): C speed
        return name.casefold()
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _SortNames:
    """_sort_name for a whole roster, each distinct word worked out once.

    Exact: a space never decomposes and never joins a run of combining marks, so NFKD, the
    dropping of combining marks and casefold of a name equal those of its words, rejoined.
    """

    def __init__(self) -> None:
        self.words: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name.isascii():
            return name.casefold()
        words = self.words
        keys = []
        for word in name.split(" "):
            key = words.get(word)
            if key is None:
                key = words[word] = _sort_name(word)
            keys.append(key)
        return " ".join(keys)


def _local_date(stored: str | datetime, zone: ZoneInfo) -> str:
    """The day, where the campaign is, of a moment stored as naive UTC."""
    # SQLite gives the stored text; other drivers give a naive datetime.
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment.replace(tzinfo=UTC).astimezone(zone).date().isoformat()


class _LocalDates:
    """_local_date for many moments, worked out once per UTC hour where that is exact.

    Most UTC hours fall within one local day; an hour that holds a local midnight (a zone
    whose offset is not whole hours, or a clock change) is worked out moment by moment.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.hours: dict[object, str | None] = {}

    def __call__(self, stored: str | datetime) -> str:
        if isinstance(stored, str):
            key: object = stored[:13]  # "YYYY-MM-DD HH"
        else:
            key = (stored.year, stored.month, stored.day, stored.hour)
        if key in self.hours:
            day = self.hours[key]
        else:
            moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
            start = moment.replace(minute=0, second=0, microsecond=0)
            first = _local_date(start, self.zone)
            last = _local_date(start + timedelta(hours=1, microseconds=-1), self.zone)
            day = self.hours[key] = first if first == last else None
        return day if day is not None else _local_date(stored, self.zone)


def _author(testimony: Testimony) -> str:
    if testimony.visibility == Visibility.COUNTED:
        district = testimony.district
        return (
            _("A resident of District %(district)s", district=district)
            if district != "unassigned"
            else _("A resident")
        )
    return testimony.name


@dataclass
class _Testimonies:
    """The approved testimony of a packet: grouped entries and counts."""

    groups: tuple[TestimonyGroup, ...]
    by_position: Counter[str]
    by_district: defaultdict[str, Counter[str]]


@dataclass
class _Signatures:
    """One pass over a campaign's verified signatures: the totals, and the roster's rows.

    `named` holds, per district, each named signer as (stored name, ZIP, local date, source);
    `metas` every distinct (ZIP, local date, source) among them.
    """

    by_district: Counter[str]
    by_zip: Counter[tuple[str, str]]
    online: int
    paper: int
    counted_only: int
    named: defaultdict[str, list[tuple[str, str, str, str]]]
    metas: set[tuple[str, str, str]]


def gather(
    session: Session,
    campaign: Campaign,
    hearing: Deadline,
    *,
    group_by: str = "position",
    decision_maker_id: int | None = None,
    stream_roster: bool = False,
    cache_dir: Path | None = None,
) -> PacketContent:
    """The packet's content for one hearing: approved testimony, verified named signers.

    The roster is read before this returns, unless `stream_roster`: then it is read as it
    is first used (content.Roster), so a build lays out and renders the first districts
    while later ones are read; close it (`content.roster.close()`) when done with it.
    With `cache_dir` (a build's), the form letters' grouping is kept there for the next
    build (form_letters.GroupingCache).
    """
    if group_by not in GROUP_BY:
        raise BadGrouping("group testimony by position or by district")
    zone = ZoneInfo(campaign.time_zone)
    member = _decision_maker(campaign, decision_maker_id)
    district_order = _district_order(member.district if member else None)
    grouping = form_letters.GroupingCache(cache_dir, campaign.id) if cache_dir else None
    testimony = _testimonies(session, campaign, hearing, zone, group_by, district_order, grouping)
    signatures = _signatures(session, campaign, zone)
    status_counts = _status_counts(session, campaign)
    # One translated label per district, not one gettext call per signer (and the roster
    # is read after this function returns, perhaps outside its locale).
    labels = {
        d: _district_label(d) for d in set(signatures.by_district) | set(testimony.by_district)
    }
    roster = _roster(signatures, labels, district_order)
    if not stream_roster:
        try:
            roster.read_all()
        except RosterReadFailed as failed:  # say, a name that does not decrypt
            raise failed.original from None
    comment_deadline = next(
        (d for d in hearing.dependents if d.kind == DeadlineKind.COMMENT_DEADLINE), None
    )
    return PacketContent(
        campaign_title=campaign.title,
        campaign_slug=campaign.slug,
        ask=campaign.ask,
        **_decision_fields(campaign.decision),
        hearing_title=hearing.title,
        hearing_when=_when(hearing, zone),
        hearing_location=hearing.location or "",
        committee=hearing.committee,
        coalition=_coalition(session, campaign),
        signatures_verified=sum(signatures.by_district.values()),
        signatures_online=signatures.online,
        signatures_paper=signatures.paper,
        signatures_counted_only=signatures.counted_only,
        testimonies_support=testimony.by_position["support"],
        testimonies_oppose=testimony.by_position["oppose"],
        testimonies_neutral=testimony.by_position["neutral"],
        districts=_district_totals(signatures, testimony, labels, district_order),
        zips=tuple(
            ZipTotal(zip=z, district=labels[d], signatures=n)
            for (z, d), n in sorted(signatures.by_zip.items(), key=itemgetter(0))
        ),
        testimony_groups=testimony.groups,
        roster=roster,
        methods=_methods(comment_deadline, zone, status_counts),
        excluded_pending=status_counts.get(SignatureStatus.PENDING, 0),
        excluded_duplicates=0,
        excluded_invalidated=status_counts.get(SignatureStatus.INVALIDATED, 0),
        generated_at=utcnow().astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        variant_note=_variant_note(member),
    )


def _district_order(first_district: str | None) -> Callable[[str], tuple]:
    """Districts in print order: a decision-maker's own first, then the usual order."""

    def key(name: str) -> tuple:
        return (0 if name == first_district else 1, *district_sort_key(name))

    return key


def _decision_fields(decision: Decision | None) -> dict[str, str]:
    if decision is None:
        return {
            "decision_title": "",
            "decision_body": "",
            "decision_kind_label": "",
            "decision_reference": "",
        }
    return {
        "decision_title": decision.title,
        "decision_body": decision.body,
        "decision_kind_label": decision.kind.value.replace("_", " ").capitalize(),
        "decision_reference": decision.reference,
    }


def _variant_note(member: DecisionMaker | None) -> str | None:
    if member is None or not member.district:
        return None
    return _(
        "Prepared for %(name)s (District %(district)s): residents of District %(district)s "
        "are listed first.",
        name=member.name,
        district=member.district,
    )


def _testimonies(
    session: Session,
    campaign: Campaign,
    hearing: Deadline,
    zone: ZoneInfo,
    group_by: str,
    district_order: Callable[[str], tuple],
    grouping: form_letters.GroupingCache | None = None,
) -> _Testimonies:
    """Approved testimony for this hearing (or for no particular one), oldest first."""
    testimonies = session.scalars(
        sa.select(Testimony)
        .where(
            Testimony.campaign_id == campaign.id,
            Testimony.status == TestimonyStatus.APPROVED,
            sa.or_(Testimony.hearing_id == hearing.id, Testimony.hearing_id.is_(None)),
        )
        .order_by(Testimony.confirmed_at, Testimony.id)
    ).all()
    position_labels = _position_labels(campaign.decision)
    speak_labels = {
        SpeakMode.IN_PERSON: _("in person"),
        SpeakMode.REMOTE: _("remotely"),
        SpeakMode.PHONE: _("by phone"),
    }
    entries = [_testimony_entry(t, zone, position_labels, speak_labels) for t in testimonies]
    by_district: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for testimony in testimonies:
        by_district[testimony.district][testimony.position.value] += 1
    letters = _form_letters(testimonies, entries, district_order, grouping)
    return _Testimonies(
        groups=_group(entries, testimonies, group_by, district_order, letters),
        by_position=Counter(t.position.value for t in testimonies),
        by_district=by_district,
    )


def _position_labels(decision: Decision | None) -> dict[Position, str]:
    action = decision.action if decision and decision.action else _("the decision")
    return {
        Position.SUPPORT: _("Supports %(action)s", action=action),
        Position.OPPOSE: _("Opposes %(action)s", action=action),
        Position.NEUTRAL: _("Neutral on %(action)s", action=action),
    }


def _testimony_entry(
    testimony: Testimony,
    zone: ZoneInfo,
    position_labels: dict[Position, str],
    speak_labels: dict[SpeakMode, str],
) -> TestimonyEntry:
    speaks = None
    if testimony.wants_to_speak and testimony.speak_mode:
        speaks = _("Asked to speak %(mode)s", mode=speak_labels[testimony.speak_mode])
        if testimony.interpreter_language:
            speaks += " · " + _(
                "interpreter: %(language)s", language=testimony.interpreter_language
            )
    return TestimonyEntry(
        reference=testimony.reference,
        author=_author(testimony),
        affiliation=testimony.affiliation,
        district=_district_label(testimony.district),
        position=testimony.position.value,
        position_label=position_labels[testimony.position],
        submitted_on=(testimony.confirmed_at or testimony.created_at)
        .astimezone(zone)
        .date()
        .isoformat(),
        language_label=LANGUAGE_NAMES.get(testimony.language, testimony.language),
        body=testimony.public_body,
        speaks=speaks,
        language=testimony.language,
    )


def _coalition(session: Session, campaign: Campaign) -> tuple[EndorsementEntry, ...]:
    return tuple(
        EndorsementEntry(
            organization=e.organization,
            role_label=_("Founding member") if e.role.value == "founding" else _("Supporter"),
            founding=e.role.value == "founding",
        )
        for e in campaign_service.approved_endorsements(session, campaign.id)
    )


def _signatures(session: Session, campaign: Campaign, zone: ZoneInfo) -> _Signatures:
    """The verified signatures' totals and the roster's rows, in one pass.

    Plain columns, no ORM objects or ORM result rows, for the totals and the roster alike.
    Names come as stored; they are decrypted and sorted one district at a time, in print
    order, as the roster is read (content.Roster), and only for the signers the roster
    prints ("counted only" ones never are).
    """
    verified = (
        session.connection()
        .execute(
            sa.select(
                Signature.district,
                Signature.zip,
                sa.type_coerce(Signature.name, sa.Text),
                # The enums' stored values (StrEnum members compare equal to them).
                sa.type_coerce(Signature.visibility, sa.String),
                sa.type_coerce(Signature.source, sa.String),
                # As stored (naive UTC): converted with one time-zone look-up per hour.
                sa.type_coerce(
                    sa.func.coalesce(Signature.verified_at, Signature.created_at), sa.String
                ),
            ).where(
                Signature.campaign_id == campaign.id, Signature.status == SignatureStatus.VERIFIED
            )
        )
        .all()
    )
    by_district: Counter[str] = Counter()
    by_zip: Counter[tuple[str, str]] = Counter()
    online = paper = counted_only = 0
    named: defaultdict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    metas: set[tuple[str, str, str]] = set()
    local_date = _LocalDates(zone)
    for district, zip_code, stored, visibility, source, signed_at in verified:
        by_district[district] += 1
        by_zip[(zip_code, district)] += 1
        if source == SignatureSource.PAPER:
            paper += 1
        else:
            online += 1
        if visibility == Visibility.COUNTED:
            counted_only += 1
            continue
        signed_on = local_date(signed_at)
        named[district].append((stored, zip_code, signed_on, source))
        metas.add((zip_code, signed_on, source))
    return _Signatures(by_district, by_zip, online, paper, counted_only, named, metas)


def _status_counts(session: Session, campaign: Campaign) -> dict[SignatureStatus, int]:
    return dict(
        session.execute(
            sa.select(Signature.status, sa.func.count())
            .where(Signature.campaign_id == campaign.id)
            .group_by(Signature.status)
        ).all()
    )


def _roster(
    signatures: _Signatures, labels: dict[str, str], district_order: Callable[[str], tuple]
) -> Roster:
    """The roster, read a district at a time as it is used (or at once: read_all)."""
    named = signatures.named
    return Roster(
        _roster_blocks(
            [(labels[d], named[d]) for d in sorted(named, key=district_order)], keyring()
        ),
        sum(len(rows) for rows in named.values()),
        possible_metas=frozenset(signatures.metas),
    )


def _district_totals(
    signatures: _Signatures,
    testimony: _Testimonies,
    labels: dict[str, str],
    district_order: Callable[[str], tuple],
) -> tuple[DistrictTotal, ...]:
    return tuple(
        DistrictTotal(
            district=labels[d],
            signatures=signatures.by_district.get(d, 0),
            support=testimony.by_district[d]["support"],
            oppose=testimony.by_district[d]["oppose"],
            neutral=testimony.by_district[d]["neutral"],
        )
        for d in sorted(labels, key=district_order)
    )


def _roster_blocks(
    districts: list[tuple[str, list[tuple[str, str, str, str]]]], ring: KeyRing
) -> Iterator[list[RosterEntry]]:
    """The roster's named signers, a district at a time, each decrypted and sorted by name.

    `districts` holds each district's label and its signers as (stored name, ZIP, local
    date, source), in print order. Ties in name keep the order the signers were read in.
    """
    sort_name = _SortNames()
    for label, rows in districts:
        names = [ring.decrypt(row[0]) for row in rows]
        keyed = sorted(
            ((sort_name(name), name, row) for row, name in zip(rows, names, strict=True)),
            key=itemgetter(0),
        )
        yield [
            RosterEntry(district=label, name=name, zip=row[1], signed_on=row[2], source=row[3])
            for _key, name, row in keyed
        ]


def _district_label(district: str) -> str:
    if district == "unassigned":
        return _("Unassigned")
    return _("District %(district)s", district=district) if district.isdigit() else district


def _when(deadline: Deadline, zone: ZoneInfo) -> str:
    local = deadline.at.astimezone(zone)
    return local.strftime("%A, %B %-d, %Y, %-I:%M %p ") + (local.tzname() or "")


def _form_letters(
    testimonies: list[Testimony],
    entries: list[TestimonyEntry],
    district_order: Callable[[str], tuple],
    grouping: form_letters.GroupingCache | None = None,
) -> dict[int, FormLetterEntry]:
    """Form letters among the approved testimony, keyed by the id of each of their senders."""
    items = ((t.id, t.position.value, t.public_body) for t in testimonies)
    found = grouping.group(items) if grouping else form_letters.group(items)
    by_id = {t.id: (t, e) for t, e in zip(testimonies, entries, strict=True)}
    sort_name = _SortNames()
    letters: dict[int, FormLetterEntry] = {}
    for letter in found:
        printed = by_id[letter.letter_id][1]
        senders: list[tuple[tuple, FormLetterSender]] = []
        unnamed = 0
        for sender in letter.senders:
            testimony, entry = by_id[sender.testimony_id]
            added = "\n".join(sender.added)
            if testimony.visibility == Visibility.COUNTED and not added:
                unnamed += 1
                continue
            key = (district_order(testimony.district), sort_name(entry.author), testimony.id)
            senders.append(
                (
                    key,
                    FormLetterSender(
                        entry.reference,
                        entry.author,
                        entry.district,
                        entry.submitted_on,
                        added,
                        entry.speaks,
                    ),
                )
            )
        dates = sorted(by_id[i][1].submitted_on for i in letter.ids)
        form_letter = FormLetterEntry(
            reference=printed.reference,
            position=printed.position,
            position_label=printed.position_label,
            language_label=printed.language_label,
            body=printed.body,
            count=letter.count,
            senders=tuple(sender for _key, sender in sorted(senders, key=itemgetter(0))),
            unnamed=unnamed,
            first_submitted=dates[0],
            last_submitted=dates[-1],
        )
        letters.update(dict.fromkeys(letter.ids, form_letter))
    return letters


def _group(
    entries: list[TestimonyEntry],
    testimonies: list[Testimony],
    group_by: str,
    district_order: Callable[[str], tuple],
    letters: dict[int, FormLetterEntry],
) -> tuple[TestimonyGroup, ...]:
    """Testimony in printed order: form letters first in their group, most senders first."""
    alone = [(e, t) for e, t in zip(entries, testimonies, strict=True) if t.id not in letters]
    distinct = sorted(
        {id(letter): letter for letter in letters.values()}.values(),
        key=lambda letter: -letter.count,
    )
    if group_by == "district":
        buckets: dict[str, list[TestimonyEntry]] = defaultdict(list)
        for entry, testimony in alone:
            buckets[testimony.district].append(entry)
        groups = [
            TestimonyGroup(title=_district_label(d), entries=tuple(buckets[d]))
            for d in sorted(buckets, key=district_order)
        ]
        if distinct:
            groups.append(TestimonyGroup(title=_("Form letters"), entries=tuple(distinct)))
        return tuple(groups)
    order = (Position.OPPOSE, Position.SUPPORT, Position.NEUTRAL)
    titles = {
        Position.OPPOSE: _("Testimony in opposition"),
        Position.SUPPORT: _("Testimony in support"),
        Position.NEUTRAL: _("Neutral testimony"),
    }
    groups = []
    for position in order:
        chosen = tuple(
            [letter for letter in distinct if letter.position == position.value]
            + [e for e, _t in alone if e.position == position.value]
        )
        if chosen:
            groups.append(TestimonyGroup(title=titles[position], entries=chosen))
    return tuple(groups)


def _methods(comment_deadline, zone, status_counts) -> tuple[str, ...]:
    paragraphs = [
        _(
            "Online signatures count only after the signer opened the link emailed to them and "
            "pressed a confirmation button; opening the link alone (as mail scanners do) confirms "
            "nothing."
        ),
        _(
            "Each person can sign once: email addresses are compared after removing case, "
            "surrounding spaces, '+' tags and Gmail dots, so a repeated signature is refused when "
            "it is made and never stored."
        ),
        _(
            "Paper signatures were gathered on printed sign-up sheets and typed in by organizers; "
            "rows with missing names or ZIP codes, and rows repeating a signer, were left out at "
            "import."
        ),
        _(
            "Districts come from each signer's ZIP code using the campaign's ZIP-to-district "
            "table; ZIP codes outside it are counted as unassigned."
        ),
        _(
            "Each resident chose how their name appears. Those who asked to be counted without "
            "their name appear only in the totals. No email, street address or phone number "
            "appears in this packet."
        ),
        _(
            "Written testimony was read by organizers before inclusion; testimony that was "
            "withdrawn, not confirmed by email, or rejected (duplicate, off-topic, abusive, or "
            "naming a private person) is not included."
        ),
        _(
            "Form letters: testimony whose text is the same once case, spacing and punctuation "
            "are set aside, or nearly the same (at least 80 percent of the three-word sequences "
            "of the two texts, taken together, appear in both), and that takes the same position, "
            "is printed once, with the number of residents who sent it. Each sender is then "
            "listed as they chose to appear, with the sentences they added to the letter; "
            "those counted without their name who added nothing are counted only. Every copy "
            "counts in the totals."
        ),
    ]
    if comment_deadline is not None:
        paragraphs.append(
            _("Written testimony was accepted until %(when)s.", when=_when(comment_deadline, zone))
        )
    return tuple(paragraphs)


# Builds ---------------------------------------------------------------------------------


def packets_folder() -> Path:
    """Where packet PDFs (and the rendering cache) are written."""
    return Path(context.setting("PACKETS_PATH"))


def file_path(packet: Packet) -> Path:
    """Where a finished packet's PDF lives."""
    return packets_folder() / (packet.file_name or f"packet-{packet.id}.pdf")


def request_build(
    session: Session,
    campaign: Campaign,
    actor: User | None,
    *,
    hearing_id: int | None = None,
    group_by: str = "position",
    decision_maker_id: int | None = None,
    two_sided: bool = False,
    volume_mb: int | None = None,
    in_background: bool = True,
) -> Packet:
    """Record a build; the job worker runs it after the commit, or the caller (run_build).

    `two_sided` starts every testimony on a right-hand page; `volume_mb` also writes a packet
    larger than that many megabytes as volumes (None: never; the build form offers
    DEFAULT_VOLUME_MB).
    """
    hearing = _hearing(campaign, hearing_id)
    if group_by not in GROUP_BY:
        raise BadGrouping("group testimony by position or by district")
    if volume_mb is not None and volume_mb not in VOLUME_MB:
        raise BadVolumeLimit("volumes of 1 to 100 MB", low=VOLUME_MB[0], high=VOLUME_MB[-1])
    _decision_maker(campaign, decision_maker_id)
    mark_stale(session)
    packet = Packet(
        campaign_id=campaign.id,
        hearing_id=hearing.id,
        status=PacketStatus.QUEUED,
        stage="queued",
        progress=0,
        options={
            "group_by": group_by,
            "decision_maker_id": decision_maker_id,
            "two_sided": bool(two_sided),
            "volume_mb": volume_mb,
        },
        requested_by_id=actor.id if actor else None,
    )
    session.add(packet)
    session.flush()
    audit.record(
        session,
        "packet.requested",
        actor=actor,
        campaign_id=campaign.id,
        target_type="packet",
        target_id=packet.id,
        hearing_id=hearing.id,
        **packet.options,
    )
    if in_background:
        after_commit.request(session, build_packet_job, packet.id)
    return packet


def _stalled(now: datetime) -> sa.ColumnElement[bool]:
    limit = now - STALE_AFTER
    return sa.and_(
        Packet.status == PacketStatus.RUNNING,
        sa.or_(
            Packet.heartbeat_at < limit,
            sa.and_(Packet.heartbeat_at.is_(None), Packet.started_at < limit),
        ),
    )


def is_stalled(packet: Packet, now: datetime | None = None) -> bool:
    """True for a running build whose worker stopped: no heartbeat for STALE_AFTER."""
    if packet.status != PacketStatus.RUNNING:
        return False
    limit = (now or utcnow()) - STALE_AFTER
    last_sign = packet.heartbeat_at or packet.started_at
    return last_sign is not None and last_sign < limit


def mark_stale(session: Session) -> int:
    """Record running builds whose worker stopped as failed (interrupted); returns how many."""
    now = utcnow()
    stale = session.scalars(sa.select(Packet).where(_stalled(now))).all()
    for packet in stale:
        packet.status = PacketStatus.FAILED
        packet.error = _stored(Failure(BuildFailure.INTERRUPTED))
        packet.finished_at = now
    return len(stale)


def status_of(packet: Packet, now: datetime | None = None) -> PacketStatus:
    """A build's status as it stands: a stalled build is failed, recorded so or not yet."""
    return PacketStatus.FAILED if is_stalled(packet, now) else packet.status


def failure_of(packet: Packet, now: datetime | None = None) -> Failure | None:
    """Why a build failed (a stalled one was interrupted); None if it has not failed."""
    if is_stalled(packet, now):
        return Failure(BuildFailure.INTERRUPTED)
    if packet.status != PacketStatus.FAILED:
        return None
    return _read_failure(packet.error or "")


def run_build(
    packet_id: int,
    *,
    workers: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Packet:
    """Build one queued packet now (in the job worker or the CLI), recording progress."""
    from campaign.extensions import db

    with Session(bind=db.engine) as session:
        packet = _start(session, packet_id)
        report = _reporter(db.engine, packet_id, progress)
        try:
            built = _build_file(session, packet, report, workers)
        except Exception as error:  # any failure must show on the packet page, not vanish
            _record_failure(session, packet_id, error)
            raise
        return _record_done(session, packet_id, built)


@dataclass(frozen=True)
class _Built:
    file_name: str
    result: PacketResult
    content: PacketContent
    volumes: tuple[Volume, ...] = ()


def _start(session: Session, packet_id: int) -> Packet:
    packet = session.get(Packet, packet_id)
    if packet is None:
        raise PacketNotFound(f"packet {packet_id}")
    packet.status = PacketStatus.RUNNING
    packet.started_at = packet.heartbeat_at = utcnow()
    packet.stage, packet.progress, packet.error = "preparing", 0, None
    session.commit()
    return packet


def _reporter(
    engine: sa.Engine, packet_id: int, progress: Callable[[str, int], None] | None
) -> Callable[[str, int], None]:
    """Records each stage and percent (and so a heartbeat) in a session of its own."""

    def report(stage: str, percent: int) -> None:
        if progress:
            progress(stage, percent)
        with Session(bind=engine) as progress_session:
            progress_session.execute(
                sa.update(Packet)
                .where(Packet.id == packet_id)
                .values(
                    stage=stage[:40], progress=max(0, min(100, int(percent))), heartbeat_at=utcnow()
                )
            )
            progress_session.commit()

    return report


def _build_file(
    session: Session, packet: Packet, report: Callable[[str, int], None], workers: int | None
) -> _Built:
    campaign = session.get(Campaign, packet.campaign_id)
    hearing = session.get(Deadline, packet.hearing_id) if packet.hearing_id else None
    if campaign is None or hearing is None:
        raise PacketSourceGone("the campaign or hearing of this packet no longer exists")
    options: dict[str, Any] = packet.options or {}
    gathered: list[PacketContent] = []

    def load() -> PacketContent:
        with context.in_language("en"):
            gathered.append(
                gather(
                    session,
                    campaign,
                    hearing,
                    group_by=options.get("group_by", "position"),
                    decision_maker_id=options.get("decision_maker_id"),
                    stream_roster=True,
                    cache_dir=folder / "cache",
                )
            )
        return gathered[0]

    folder = packets_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{campaign.slug}-hearing-{hearing.id}-packet-{packet.id}.pdf"
    if workers is None:
        workers = int(context.setting("PACKET_WORKERS", 2))
    # The content is read while the rendering workers start, and the roster as it is laid
    # out, so that its first pages render while the rest is read.
    try:
        result = build_packet(
            load,
            folder / name,
            cache_dir=folder / "cache",
            workers=workers,
            progress=report,
            two_sided=bool(options.get("two_sided")),
            # Tagged PDF/UA-1 + PDF/A-2u (docs/packets.md); False: the untagged pypdf merge.
            tagged=bool(context.setting("PACKET_TAGGED", True)),
        )
    finally:
        for content in gathered:
            content.roster.close()
    volumes: list[Volume] = []
    if options.get("volume_mb"):
        report("writing", 100)
        volumes = split_volumes(
            folder / name,
            gathered[0],
            result.content_hash,
            limit_bytes=int(options["volume_mb"]) * 1_000_000,
        )
    return _Built(name, result, gathered[0], tuple(volumes))


def _record_failure(session: Session, packet_id: int, error: Exception) -> None:
    session.rollback()
    packet = session.get(Packet, packet_id)
    packet.status = PacketStatus.FAILED
    packet.error = _stored(_failure(error))
    packet.finished_at = utcnow()
    session.commit()
    log.error("packet %s failed: %s", packet_id, traceback.format_exc())


def _failure(error: BaseException) -> Failure:
    if isinstance(error, PacketSourceGone):
        return Failure(BuildFailure.SOURCE_GONE)
    # The PDF engine raises its own error from the OSError of a full disk.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return Failure(BuildFailure.DISK_FULL)
        cause = cause.__cause__
    return Failure(BuildFailure.ERROR, (str(error) or type(error).__name__)[:400])


def _record_done(session: Session, packet_id: int, built: _Built) -> Packet:
    result, content = built.result, built.content
    packet = session.get(Packet, packet_id)
    packet.status = PacketStatus.DONE
    packet.stage, packet.progress = "done", 100
    packet.file_name = built.file_name
    packet.sha256 = result.sha256
    packet.content_hash = result.content_hash
    packet.pages = result.pages
    packet.size_bytes = result.size_bytes
    packet.volumes = [v.as_record() for v in built.volumes] or None
    packet.counts = {
        "signatures": content.signatures_verified,
        "named_in_roster": len(content.roster),
        "testimonies": content.testimonies_support
        + content.testimonies_oppose
        + content.testimonies_neutral,
        "organizations": len(content.coalition),
        "chunks_rendered": result.chunks_rendered,
        "chunks_cached": result.chunks_cached,
        "worker_peak_rss_mb": result.worker_peak_rss_mb,
    }
    packet.finished_at = utcnow()
    session.commit()
    session.refresh(packet)
    session.expunge(packet)
    return packet


BUILDS_PER_PAGE = 20


@dataclass(frozen=True)
class BuildsPage:
    packets: list[Packet]
    newest: bool  # the first page (no `before` of this campaign was given)
    older: bool  # older builds follow


def latest(
    session: Session, campaign: Campaign, before: int | None = None, limit: int = BUILDS_PER_PAGE
) -> BuildsPage:
    """A campaign's builds, newest first (read only: see status_of for stalled builds).

    `before` is the id of a build of this campaign: only builds older than it are listed (a
    packet handed in months ago stays reachable however many builds came after it). An id
    that is not one of this campaign's builds lists the newest.
    """
    query = sa.select(Packet).where(Packet.campaign_id == campaign.id)
    after = session.get(Packet, before) if before is not None else None
    newest = after is None or after.campaign_id != campaign.id
    if not newest:
        query = query.where(
            sa.or_(
                Packet.created_at < after.created_at,
                sa.and_(Packet.created_at == after.created_at, Packet.id < after.id),
            )
        )
    rows = list(
        session.scalars(query.order_by(Packet.created_at.desc(), Packet.id.desc()).limit(limit + 1))
    )
    return BuildsPage(rows[:limit], newest, len(rows) > limit)


def downloadable(session: Session, campaign: Campaign, packet_id: int, actor: User) -> Path:
    """The finished file of a packet, after writing the download to the audit log."""
    packet = session.get(Packet, packet_id)
    if packet is None or packet.campaign_id != campaign.id:
        raise PacketNotFound("no such packet")
    path = file_path(packet)
    if packet.status != PacketStatus.DONE or not path.exists():
        raise PacketNotReady("this packet is not ready")
    if _sha256(path) != packet.sha256:
        raise PacketFileChanged("the packet file does not match its recorded checksum")
    audit.record(
        session,
        "packet.downloaded",
        actor=actor,
        campaign_id=campaign.id,
        target_type="packet",
        target_id=packet.id,
        rows=packet.counts.get("signatures"),
        sha256=packet.sha256,
    )
    return path


def volume_downloadable(
    session: Session, campaign: Campaign, packet_id: int, number: int, actor: User
) -> Path:
    """One volume's file (1-based `number`), after writing the download to the audit log."""
    packet = session.get(Packet, packet_id)
    if packet is None or packet.campaign_id != campaign.id:
        raise PacketNotFound("no such packet")
    volumes = packet.volumes or []
    if packet.status != PacketStatus.DONE or not 1 <= number <= len(volumes):
        raise PacketNotReady("no such volume")
    volume = volumes[number - 1]
    path = packets_folder() / Path(str(volume["file_name"])).name
    if not path.exists():
        raise PacketNotReady("this volume is not ready")
    if _sha256(path) != volume["sha256"]:
        raise PacketFileChanged("the volume file does not match its recorded checksum")
    audit.record(
        session,
        "packet.volume_downloaded",
        actor=actor,
        campaign_id=campaign.id,
        target_type="packet",
        target_id=packet.id,
        rows=packet.counts.get("signatures"),
        volume=number,
        volumes=len(volumes),
        sha256=volume["sha256"],
    )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@huey.task()
@in_app_context
def build_packet_job(packet_id: int) -> None:
    """Job: build a queued packet (failures are recorded on the packet)."""
    # A failure is already recorded on the packet row, where the organizer sees it.
    with contextlib.suppress(Exception):
        run_build(packet_id)
