"""Form letters: testimony many residents sent with the same text, grouped as one letter.

Federal guidance on mass comments (ACUS Recommendation 2021-1) and clerks' practice is to keep
one copy of a form letter with the number of senders and the list of them, plus what each
sender added. The rule, as the packet's methods page states it:

- Texts are compared after normalizing: Unicode NFKC, case folded, every punctuation mark and
  symbol taken as a space, runs of spaces as one. Texts equal after that are the same letter.
- A text is nearly the same as a letter when at least 80 % of the three-word sequences
  (word shingles) of the two texts, taken together, are in both (Jaccard similarity). Measured
  on a 150-word letter: three sentences added give 0.82, five words changed 0.85, eight
  words changed 0.77; on a 95-word letter, two sentences added give 0.84. The demo's own
  testimonies, drawn from only twelve stock sentences, reach 0.77 between two residents among
  400 of them, and a few pairs pass 0.8 among 3,000 (real testimony shares far less).
- Only testimony with the same position is grouped; a letter needs two senders or more.
- What a sender added is every sentence of theirs not found, normalized, in the letter.

Finding near copies stays fast for thousands of testimonies: the same normalized text is
found by a dictionary; near copies by locality-sensitive hashing of MinHash signatures
(one-permutation hashing, 64 bins, 12 bands of 5), then each candidate is checked exactly.
The hashes are fixed (BLAKE2b per word, Python's tuple hash per shingle), so the same
testimony always groups the same way.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import RejectionReason, Testimony, TestimonyStatus, User
from campaign.services import DomainError, NotFound, audit, moderation

# The measured choice (see the module's docstring; benchmarks/form_letters.py measures it):
# the Jaccard similarity of two texts' three-word shingles at or above which they are one
# letter.
SAME_SHINGLES = 0.8
SHINGLE_WORDS = 3
MIN_SENDERS = 2
# Locality-sensitive hashing of the MinHash signatures: two texts are compared when one of
# BANDS bands of ROWS bins agrees. Texts sharing 80 % of their shingles meet with a
# probability of 0.991, 90 %: 0.99999; texts sharing 50 %: 0.32, 30 %: 0.03.
SIGNATURE_BINS = 64
BANDS, ROWS = 12, 5
SIGNATURE_GATE = int(0.65 * SIGNATURE_BINS)

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


class _Spaces(dict):
    """str.translate table: punctuation, symbols, separators and controls become a space."""

    def __missing__(self, code: int) -> int:
        kept = 32 if unicodedata.category(chr(code))[0] in "PSZC" else code
        self[code] = kept
        return kept


_SPACES = _Spaces()


def normalized_words(text: str) -> list[str]:
    """The words of a text with case, spacing and punctuation normalized away."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_SPACES).split()


class _WordHashes(dict):
    """A fixed 64-bit hash per word (BLAKE2b), each word hashed once per grouping."""

    def __missing__(self, word: str) -> int:
        value = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        self[word] = value
        return value


def _shingles(words: Sequence[str], hashes: _WordHashes) -> frozenset[int]:
    """The text's three-word sequences, each as a 64-bit hash.

    The hash of a tuple of integers is Python's own, the same in every process (hash
    randomization touches only strings and bytes), so the same texts always group the same
    way on one Python version.
    """
    values = [hashes[word] for word in words]
    if 0 < len(values) < SHINGLE_WORDS:
        values += [0] * (SHINGLE_WORDS - len(values))
    return frozenset(map(hash, zip(values, values[1:], values[2:], strict=False)))


def _signature(shingles: frozenset[int]) -> list[int | None]:
    """A MinHash signature in one pass (one-permutation hashing, densified): the smallest
    shingle hash in each of 64 bins, chosen by its six low bits."""
    smallest = {value & 63: value for value in sorted(shingles, reverse=True)}
    if not smallest:
        return [None] * SIGNATURE_BINS
    bins: list[int | None] = []
    for slot in range(SIGNATURE_BINS):
        step = 0
        while (slot + step) % SIGNATURE_BINS not in smallest:
            step += 1
        # An empty bin borrows the next full one's value, marked by the distance borrowed.
        bins.append((smallest[(slot + step) % SIGNATURE_BINS] << 6) + step)
    return bins


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Shared shingles over all shingles of the two texts."""
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 1.0


@dataclass(frozen=True)
class Sender:
    """One testimony in a form letter's group, with the sentences its author added."""

    testimony_id: int
    added: tuple[str, ...]


@dataclass(frozen=True)
class FormLetter:
    """Testimony sent with the same (or nearly the same) text by several residents."""

    key: str  # stable: the hash of the position and the letter's normalized text
    position: str
    letter_id: int  # the testimony whose text is printed as the letter
    senders: tuple[Sender, ...]  # in the order the testimony was given

    @property
    def count(self) -> int:
        return len(self.senders)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(s.testimony_id for s in self.senders)


@dataclass
class _Text:
    """One distinct normalized text and the testimony that have it."""

    words: list[str]
    ids: list[int]
    shingles: frozenset[int]
    signature: list[int | None]
    joined: str


def _distinct(items: Iterable[tuple[int, str]]) -> list[_Text]:
    by_text: dict[str, _Text] = {}
    hashes = _WordHashes()
    for testimony_id, text in items:
        words = normalized_words(text)
        joined = " ".join(words)
        found = by_text.get(joined)
        if found is None:
            shingles = _shingles(words, hashes)
            found = by_text[joined] = _Text(words, [], shingles, _signature(shingles), joined)
        found.ids.append(testimony_id)
    # Letters first: the most sent, then the shortest (the text without additions), then
    # the first sent.
    return sorted(by_text.values(), key=lambda t: (-len(t.ids), len(t.words), t.ids[0]))


def _candidates(texts: list[_Text]) -> list[set[int]]:
    """For each text, the others that agree with it on a band of their signatures."""
    buckets: defaultdict[tuple, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        signature = text.signature
        for band in range(BANDS):
            buckets[(band, *signature[band * ROWS : (band + 1) * ROWS])].append(i)
    found: list[set[int]] = [set() for _ in texts]
    for members in buckets.values():
        if len(members) > 1:
            for i in members:
                found[i].update(members)
    return found


def _added(letter: _Text, text: str) -> tuple[str, ...]:
    """The sentences of `text` not found, normalized, in the letter."""
    haystack = f" {letter.joined} "
    added = []
    for sentence in _SENTENCE_END.split(text.strip()):
        words = normalized_words(sentence)
        if words and f" {' '.join(words)} " not in haystack:
            added.append(sentence.strip())
    return tuple(added)


def _group_one_position(items: list[tuple[int, str]], position: str) -> list[FormLetter]:
    texts = _distinct(items)
    bodies = dict(items)
    given_order = {t: n for n, (t, _body) in enumerate(items)}
    candidates = _candidates(texts)
    taken: set[int] = set()
    letters = []
    for i, letter in enumerate(texts):
        if i in taken:
            continue
        taken.add(i)
        if not letter.words:  # empty once normalized (no text, or punctuation only)
            continue
        size = len(letter.shingles)
        near = [
            j
            for j in sorted(candidates[i] - taken)
            # Jaccard similarity is at most the ratio of the two sizes: skip the sure misses.
            if SAME_SHINGLES * size <= len(texts[j].shingles) <= size / SAME_SHINGLES
            # The signatures' agreement estimates the similarity cheaply: 41 of 64 bins
            # drops a pair at 0.8 about once in 1,500.
            and sum(map(operator.eq, letter.signature, texts[j].signature)) >= SIGNATURE_GATE
            and jaccard(letter.shingles, texts[j].shingles) >= SAME_SHINGLES
        ]
        taken.update(near)
        if len(letter.ids) + sum(len(texts[j].ids) for j in near) < MIN_SENDERS:
            continue
        senders = [Sender(t, ()) for t in letter.ids]
        senders += [Sender(t, _added(letter, bodies[t])) for j in near for t in texts[j].ids]
        senders.sort(key=lambda s: given_order[s.testimony_id])
        key = hashlib.sha256(f"{position}\x00{letter.joined}".encode()).hexdigest()[:16]
        letters.append(FormLetter(key, position, letter.ids[0], tuple(senders)))
    return letters


def group(items: Iterable[tuple[int, str, str]]) -> list[FormLetter]:
    """Form letters among testimony given as (id, position, text), most senders first.

    Testimony that is in no form letter is left out of the answer.
    """
    by_position: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for testimony_id, position, text in items:
        by_position[str(position)].append((testimony_id, text))
    letters = [
        letter
        for position, listed in by_position.items()
        for letter in _group_one_position(listed, position)
    ]
    letters.sort(key=lambda letter: (-letter.count, letter.senders[0].testimony_id))
    return letters


# The rule and the hashes a grouping was made with (tuple hashes are Python's own): a grouping
# kept under another rule or Python is never used.
_RULE = (
    f"{SAME_SHINGLES}/{SHINGLE_WORDS}/{MIN_SENDERS}/{SIGNATURE_BINS}/{BANDS}x{ROWS}/"
    f"{SIGNATURE_GATE}/{sys.implementation.cache_tag}"
)


class GroupingCache:
    """The form letters last found among one campaign's packet testimony, kept on disk.

    Grouping 1,000 testimonies of 400 words takes 0.5 to 0.7 s of a packet build; a rebuild
    whose testimony did not change (new signatures, say) reads the grouping from here. One
    file per campaign, in the packet cache (which the purge deletes with the rendered pages),
    holding the grouping and the SHA-256 of what it was made from: any change to a
    testimony's id, position or text, to their order, or to the rule, groups again.
    """

    def __init__(self, folder: Path, campaign_id: int) -> None:
        self.path = folder / f"form-letters-{campaign_id}.json"

    def group(self, items: Iterable[tuple[int, str, str]]) -> list[FormLetter]:
        """group(items), read from the file when it was made from the same items."""
        listed = [(int(i), str(position), text) for i, position, text in items]
        made_from = _made_from(listed)
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            if kept["made_from"] == made_from:
                return [_letter_from_json(letter) for letter in kept["letters"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass  # none kept yet, or unreadable: group again
        letters = group(listed)
        from campaign.pdf.cache import write_atomically

        data = {"made_from": made_from, "letters": [_letter_to_json(x) for x in letters]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(data).encode("utf-8"))
        except OSError:  # a full or read-only cache costs the next build the grouping only
            pass
        return letters


def _made_from(items: list[tuple[int, str, str]]) -> str:
    digest = hashlib.sha256(_RULE.encode())
    for testimony_id, position, text in items:
        for part in (str(testimony_id), position, text):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    return digest.hexdigest()


def _letter_to_json(letter: FormLetter) -> list:
    senders = [[s.testimony_id, list(s.added)] for s in letter.senders]
    return [letter.key, letter.position, letter.letter_id, senders]


def _letter_from_json(data: list) -> FormLetter:
    key, position, letter_id, senders = data
    return FormLetter(
        str(key),
        str(position),
        int(letter_id),
        tuple(Sender(int(i), tuple(str(a) for a in added)) for i, added in senders),
    )


# Moderation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterForModeration:
    """A form letter among testimony in one moderation status, with its testimony."""

    letter: FormLetter
    text: str  # the printed copy's text
    testimony: tuple[Testimony, ...]  # the senders' rows, in the letter's order
    added: dict[int, tuple[str, ...]]  # testimony id -> the sentences that sender added


def for_moderation(
    session: Session, campaign_id: int, status: TestimonyStatus
) -> list[LetterForModeration]:
    """The form letters among a campaign's testimony in one moderation status."""
    if status not in moderation.MODERATED_STATUSES:
        raise NotFound("no such list")
    rows = session.scalars(
        sa.select(Testimony)
        .where(Testimony.campaign_id == campaign_id, Testimony.status == status)
        .order_by(Testimony.confirmed_at, Testimony.id)
    ).all()
    by_id = {t.id: t for t in rows}
    return [
        LetterForModeration(
            letter,
            by_id[letter.letter_id].public_body,
            tuple(by_id[i] for i in letter.ids),
            {s.testimony_id: s.added for s in letter.senders},
        )
        for letter in group((t.id, t.position.value, t.public_body) for t in rows)
    ]


@dataclass(frozen=True)
class GroupOutcome:
    """What a decision on a whole form letter did."""

    moved: int
    skipped: int  # moderated by someone else meanwhile, or no longer in that status


MAX_GROUP = 20_000


def moderate(
    session: Session,
    campaign_id: int,
    testimony_ids: Sequence[int],
    actor: User,
    *,
    approve: bool,
    reason: RejectionReason | None = None,
    note: str | None = None,
) -> GroupOutcome:
    """Approve, or reject with a reason, every testimony of a form letter the moderator saw.

    Only the testimony listed is moved (a copy that arrived after the page was shown waits
    for its own decision); each move is audited as a single decision would be, and the
    group decision once more with its size.
    """
    ids = list(dict.fromkeys(testimony_ids))
    if not ids or len(ids) > MAX_GROUP:
        raise DomainError("no testimony chosen", code="form_letter_empty")
    if not approve and reason is None:
        raise DomainError("a rejection needs a reason", code="reason_missing")
    # Every one is checked before any moves: a list with another campaign's testimony in it
    # changes nothing.
    chosen = [moderation.get(session, campaign_id, testimony_id) for testimony_id in ids]
    target = TestimonyStatus.APPROVED if approve else TestimonyStatus.REJECTED
    moved = skipped = 0
    for testimony in chosen:
        if testimony.status == target:
            skipped += 1
            continue
        try:
            # A refusal changes nothing: _move updates only a row still in the status read.
            if approve:
                moderation.approve(session, testimony, actor)
            else:
                moderation.reject(session, testimony, actor, reason, note)
        except DomainError:  # moderated meanwhile, or a move that is not allowed from there
            skipped += 1
        else:
            moved += 1
    audit.record(
        session,
        "testimony.form_letter_approved" if approve else "testimony.form_letter_rejected",
        actor=actor,
        campaign_id=campaign_id,
        target_type="testimony",
        target_id=ids[0],
        rows=moved,
        skipped=skipped,
    )
    return GroupOutcome(moved, skipped)
