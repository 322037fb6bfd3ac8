"""Hearing packets: what goes in (visibility and moderation respected), builds, downloads.

The PDF engine (campaign.pdf) only lays out plain data; this module decides who appears and
how. A build runs as a background job that writes to a temporary file and renames it, so the
previous packet stays downloadable until the new one is complete and a failed build never
serves a partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import traceback
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from campaign.crypto import KeyRing, keyring
from campaign.jobs import huey, in_app_context
from campaign.models import (
    Campaign,
    Deadline,
    DeadlineKind,
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
    PacketContent,
    Roster,
    RosterEntry,
    RosterReadFailed,
    TestimonyEntry,
    TestimonyGroup,
    ZipTotal,
    build_packet,
)
from campaign.services import DomainError, NotFound, audit
from campaign.services import campaigns as campaign_service
from campaign.services.campaigns import district_sort_key

GROUP_BY = ("position", "district")
STALE_AFTER = timedelta(minutes=3)
LANGUAGE_NAMES = {"en": "English", "es": "Spanish / Español"}


# What a failed build records (in English, as the status API gives it; the packets page
# shows it in the organizer's language: campaign.packets.views.failure_text).
DISK_FULL = "The disk is full: the packet could not be written. Free space and build again."
INTERRUPTED = "The build stopped: the worker was interrupted. Build it again."
FAILED_PREFIX = "The build failed: "


class PacketNotReady(DomainError):
    """There is no finished packet to download."""


class PacketFileChanged(PacketNotReady):
    """The packet's file is not the one that was built (its checksum differs)."""


def hearings(campaign: Campaign) -> list[Deadline]:
    """The campaign's hearings, soonest first."""
    return sorted((d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING),
                  key=lambda d: d.at)


def _hearing(session: Session, campaign: Campaign, hearing_id: int | None) -> Deadline:
    found = hearings(campaign)
    if hearing_id is None:
        now = utcnow()
        upcoming = [h for h in found if h.at >= now - timedelta(hours=12)]
        chosen = upcoming[0] if upcoming else (found[-1] if found else None)
    else:
        chosen = next((h for h in found if h.id == hearing_id), None)
    if chosen is None:
        raise NotFound("this campaign has no such hearing")
    return chosen


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
        return (_("A resident of District %(district)s", district=district)
                if district != "unassigned" else _("A resident"))
    return testimony.name


def gather(
    session: Session,
    campaign: Campaign,
    hearing: Deadline,
    *,
    group_by: str = "position",
    decision_maker_id: int | None = None,
    stream_roster: bool = False,
) -> PacketContent:
    """The packet's content for one hearing: approved testimony, verified named signers.

    The roster is read before this returns, unless `stream_roster`: then it is read as it
    is first used (content.Roster), so a build lays out and renders the first districts
    while later ones are read; close it (`content.roster.close()`) when done with it.
    """
    if group_by not in GROUP_BY:
        raise DomainError("group testimony by position or by district")
    zone = ZoneInfo(campaign.time_zone)
    decision = campaign.decision
    member: DecisionMaker | None = None
    if decision_maker_id is not None:
        member = next((m for m in campaign.decision_makers if m.id == decision_maker_id), None)
        if member is None:
            raise NotFound("no such decision-maker in this campaign")
    first_district = member.district if member else None

    def district_order(name: str) -> tuple:
        return (0 if name == first_district else 1, *district_sort_key(name))

    testimonies = session.scalars(
        sa.select(Testimony)
        .where(Testimony.campaign_id == campaign.id,
               Testimony.status == TestimonyStatus.APPROVED,
               sa.or_(Testimony.hearing_id == hearing.id, Testimony.hearing_id.is_(None)))
        .order_by(Testimony.confirmed_at, Testimony.id)
    ).all()
    position_counts: Counter[str] = Counter()
    testimony_by_district: dict[str, Counter[str]] = defaultdict(Counter)
    entries: list[TestimonyEntry] = []
    action = decision.action if decision and decision.action else _("the decision")
    position_labels = {
        Position.SUPPORT: _("Supports %(action)s", action=action),
        Position.OPPOSE: _("Opposes %(action)s", action=action),
        Position.NEUTRAL: _("Neutral on %(action)s", action=action),
    }
    speak_labels = {SpeakMode.IN_PERSON: _("in person"), SpeakMode.REMOTE: _("remotely"),
                    SpeakMode.PHONE: _("by phone")}
    for testimony in testimonies:
        position_counts[testimony.position.value] += 1
        testimony_by_district[testimony.district][testimony.position.value] += 1
        speaks = None
        if testimony.wants_to_speak and testimony.speak_mode:
            speaks = _("Asked to speak %(mode)s", mode=speak_labels[testimony.speak_mode])
            if testimony.interpreter_language:
                speaks += " · " + _("interpreter: %(language)s",
                                    language=testimony.interpreter_language)
        entries.append(TestimonyEntry(
            reference=testimony.reference,
            author=_author(testimony),
            affiliation=testimony.affiliation,
            district=_district_label(testimony.district),
            position=testimony.position.value,
            position_label=position_labels[testimony.position],
            submitted_on=(testimony.confirmed_at or testimony.created_at)
            .astimezone(zone).date().isoformat(),
            language_label=LANGUAGE_NAMES.get(testimony.language, testimony.language),
            body=testimony.public_body,
            speaks=speaks,
        ))
    groups = _group(entries, testimonies, group_by, district_order, position_labels)

    endorsements = campaign_service.approved_endorsements(session, campaign.id)
    coalition = tuple(
        EndorsementEntry(
            organization=e.organization,
            role_label=_("Founding member") if e.role.value == "founding" else _("Supporter"),
            founding=e.role.value == "founding",
        )
        for e in endorsements
    )
    comment_deadline = next((d for d in hearing.dependents
                             if d.kind == DeadlineKind.COMMENT_DEADLINE), None)

    # Signatures: one pass over plain columns, no ORM objects or ORM result rows, for the
    # totals and the roster alike. Names come as stored; they are decrypted and sorted one
    # district at a time, in print order, as the roster is read (content.Roster), and only
    # for the signers the roster prints ("counted only" ones never are).
    verified = session.connection().execute(
        sa.select(Signature.district, Signature.zip,
                  sa.type_coerce(Signature.name, sa.Text),
                  # The enums' stored values (StrEnum members compare equal to them).
                  sa.type_coerce(Signature.visibility, sa.String),
                  sa.type_coerce(Signature.source, sa.String),
                  # As stored (naive UTC): converted with one time-zone look-up per hour.
                  sa.type_coerce(sa.func.coalesce(Signature.verified_at, Signature.created_at),
                                 sa.String))
        .where(Signature.campaign_id == campaign.id,
               Signature.status == SignatureStatus.VERIFIED)
    ).all()
    status_counts = dict(session.execute(
        sa.select(Signature.status, sa.func.count())
        .where(Signature.campaign_id == campaign.id).group_by(Signature.status)
    ).all())
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
    del verified
    districts_all = set(by_district) | set(testimony_by_district)
    # One translated label per district, not one gettext call per signer (and the roster
    # is read after this function returns, perhaps outside its locale).
    district_labels = {d: _district_label(d) for d in districts_all}
    roster = Roster(
        _roster_blocks([(district_labels[d], named[d]) for d in sorted(named, key=district_order)],
                       keyring()),
        sum(len(rows) for rows in named.values()),
        possible_metas=frozenset(metas),
    )
    if not stream_roster:
        try:
            roster.read_all()
        except RosterReadFailed as failed:  # say, a name that does not decrypt
            raise failed.original from None
    districts = tuple(
        DistrictTotal(
            district=district_labels[d],
            signatures=by_district.get(d, 0),
            support=testimony_by_district[d]["support"],
            oppose=testimony_by_district[d]["oppose"],
            neutral=testimony_by_district[d]["neutral"],
        )
        for d in sorted(districts_all, key=district_order)
    )
    zips = tuple(
        ZipTotal(zip=z, district=district_labels[d], signatures=n)
        for (z, d), n in sorted(by_zip.items(), key=lambda item: (item[0][0], item[0][1]))
    )
    return PacketContent(
        campaign_title=campaign.title,
        campaign_slug=campaign.slug,
        ask=campaign.ask,
        decision_title=decision.title if decision else "",
        decision_body=decision.body if decision else "",
        decision_kind_label=decision.kind.value.replace("_", " ").capitalize() if decision else "",
        decision_reference=decision.reference if decision else "",
        hearing_title=hearing.title,
        hearing_when=_when(hearing, zone),
        hearing_location=hearing.location or "",
        committee=hearing.committee,
        coalition=coalition,
        signatures_verified=sum(by_district.values()),
        signatures_online=online,
        signatures_paper=paper,
        signatures_counted_only=counted_only,
        testimonies_support=position_counts["support"],
        testimonies_oppose=position_counts["oppose"],
        testimonies_neutral=position_counts["neutral"],
        districts=districts,
        zips=zips,
        testimony_groups=groups,
        roster=roster,
        methods=_methods(comment_deadline, zone, status_counts),
        excluded_pending=status_counts.get(SignatureStatus.PENDING, 0),
        excluded_duplicates=0,
        excluded_invalidated=status_counts.get(SignatureStatus.INVALIDATED, 0),
        generated_at=utcnow().astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        variant_note=(
            _("Prepared for %(name)s (District %(district)s): residents of District %(district)s "
              "are listed first.", name=member.name, district=member.district)
            if member and member.district else None
        ),
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
        yield [RosterEntry(district=label, name=name, zip=row[1], signed_on=row[2],
                           source=row[3])
               for _key, name, row in keyed]


def _district_label(district: str) -> str:
    if district == "unassigned":
        return _("Unassigned")
    return _("District %(district)s", district=district) if district.isdigit() else district


def _when(deadline: Deadline, zone: ZoneInfo) -> str:
    local = deadline.at.astimezone(zone)
    return local.strftime("%A, %B %-d, %Y, %-I:%M %p ") + (local.tzname() or "")


def _group(entries, testimonies, group_by, district_order, position_labels):
    if group_by == "district":
        buckets: dict[str, list[TestimonyEntry]] = defaultdict(list)
        for entry, testimony in zip(entries, testimonies, strict=True):
            buckets[testimony.district].append(entry)
        return tuple(
            TestimonyGroup(title=_district_label(d), entries=tuple(buckets[d]))
            for d in sorted(buckets, key=district_order)
        )
    order = (Position.OPPOSE, Position.SUPPORT, Position.NEUTRAL)
    titles = {
        Position.OPPOSE: _("Testimony in opposition"),
        Position.SUPPORT: _("Testimony in support"),
        Position.NEUTRAL: _("Neutral testimony"),
    }
    groups = []
    for position in order:
        chosen = tuple(e for e in entries if e.position == position.value)
        if chosen:
            groups.append(TestimonyGroup(title=titles[position], entries=chosen))
    return tuple(groups)


def _methods(comment_deadline, zone, status_counts) -> tuple[str, ...]:
    paragraphs = [
        _("Online signatures count only after the signer opened the link emailed to them and "
          "pressed a confirmation button; opening the link alone (as mail scanners do) confirms "
          "nothing."),
        _("Each person can sign once: email addresses are compared after removing case, "
          "surrounding spaces, '+' tags and Gmail dots, so a repeated signature is refused when "
          "it is made and never stored."),
        _("Paper signatures were gathered on printed sign-up sheets and typed in by organizers; "
          "rows with missing names or ZIP codes, and rows repeating a signer, were left out at "
          "import."),
        _("Districts come from each signer's ZIP code using the campaign's ZIP-to-district "
          "table; ZIP codes outside it are counted as unassigned."),
        _("Each resident chose how their name appears. Those who asked to be counted without "
          "their name appear only in the totals. No email, street address or phone number "
          "appears in this packet."),
        _("Written testimony was read by organizers before inclusion; testimony that was "
          "withdrawn, not confirmed by email, or rejected (duplicate, off-topic, abusive, or "
          "naming a private person) is not included."),
    ]
    if comment_deadline is not None:
        paragraphs.append(_("Written testimony was accepted until %(when)s.",
                            when=_when(comment_deadline, zone)))
    return tuple(paragraphs)


# Builds ---------------------------------------------------------------------------------


def packets_folder() -> Path:
    return Path(current_app.config["PACKETS_PATH"])


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
) -> Packet:
    """Queue a build; the job starts after the transaction commits."""
    hearing = _hearing(session, campaign, hearing_id)
    if group_by not in GROUP_BY:
        raise DomainError("group testimony by position or by district")
    if decision_maker_id is not None and not any(
        m.id == decision_maker_id for m in campaign.decision_makers
    ):
        raise NotFound("no such decision-maker in this campaign")
    mark_stale(session)
    packet = Packet(
        campaign_id=campaign.id,
        hearing_id=hearing.id,
        status=PacketStatus.QUEUED,
        stage="queued",
        progress=0,
        options={"group_by": group_by, "decision_maker_id": decision_maker_id},
        requested_by_id=actor.id if actor else None,
    )
    session.add(packet)
    session.flush()
    audit.record(session, "packet.requested", actor=actor, campaign_id=campaign.id,
                 target_type="packet", target_id=packet.id, hearing_id=hearing.id,
                 **packet.options)
    session.info.setdefault("packets_waiting", []).append(packet.id)
    return packet


def mark_stale(session: Session) -> int:
    """Fail running builds whose worker stopped (no heartbeat): they can be built again."""
    limit = utcnow() - STALE_AFTER
    stale = session.scalars(
        sa.select(Packet).where(
            Packet.status.in_((PacketStatus.RUNNING,)),
            sa.or_(Packet.heartbeat_at < limit,
                   sa.and_(Packet.heartbeat_at.is_(None), Packet.started_at < limit)),
        )
    ).all()
    for packet in stale:
        packet.status = PacketStatus.FAILED
        packet.error = INTERRUPTED
        packet.finished_at = utcnow()
    return len(stale)


def run_build(
    packet_id: int, *, workers: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Packet:
    """Build one queued packet now (in the job worker or the CLI), recording progress."""
    from campaign.extensions import db

    engine = db.engine
    with Session(bind=engine) as session:
        packet = session.get(Packet, packet_id)
        if packet is None:
            raise NotFound(f"packet {packet_id}")
        packet.status = PacketStatus.RUNNING
        packet.started_at = packet.heartbeat_at = utcnow()
        packet.stage, packet.progress, packet.error = "preparing", 0, None
        session.commit()
        campaign = session.get(Campaign, packet.campaign_id)
        hearing = session.get(Deadline, packet.hearing_id) if packet.hearing_id else None

        def report(stage: str, percent: int) -> None:
            if progress:
                progress(stage, percent)
            with Session(bind=engine) as progress_session:
                progress_session.execute(
                    sa.update(Packet).where(Packet.id == packet_id)
                    .values(stage=stage[:40], progress=max(0, min(100, int(percent))),
                            heartbeat_at=utcnow())
                )
                progress_session.commit()

        try:
            if campaign is None or hearing is None:
                raise NotFound("the campaign or hearing of this packet no longer exists")
            options: dict[str, Any] = packet.options or {}
            gathered: list[PacketContent] = []

            def load() -> PacketContent:
                with force_locale("en"):
                    gathered.append(gather(session, campaign, hearing,
                                           group_by=options.get("group_by", "position"),
                                           decision_maker_id=options.get("decision_maker_id"),
                                           stream_roster=True))
                return gathered[0]

            folder = packets_folder()
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{campaign.slug}-hearing-{hearing.id}-packet-{packet.id}.pdf"
            # The content is read while the rendering workers start, and the roster as it is
            # laid out, so that its first pages render while the rest is read.
            try:
                result = build_packet(
                    load, folder / name, cache_dir=folder / "cache",
                    workers=workers if workers is not None else
                    int(current_app.config.get("PACKET_WORKERS", 2)),
                    progress=report,
                )
            finally:
                for content in gathered:
                    content.roster.close()
        except Exception as error:  # any failure must show on the packet page, not vanish
            session.rollback()
            packet = session.get(Packet, packet_id)
            packet.status = PacketStatus.FAILED
            packet.error = _failure_message(error)
            packet.finished_at = utcnow()
            session.commit()
            current_app.logger.error("packet %s failed: %s", packet_id, traceback.format_exc())
            raise
        packet = session.get(Packet, packet_id)
        packet.status = PacketStatus.DONE
        packet.stage, packet.progress = "done", 100
        packet.file_name = name
        packet.sha256 = result.sha256
        packet.content_hash = result.content_hash
        packet.pages = result.pages
        packet.size_bytes = result.size_bytes
        content = gathered[0]
        packet.counts = {
            "signatures": content.signatures_verified,
            "named_in_roster": len(content.roster),
            "testimonies": content.testimonies_support + content.testimonies_oppose
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


def _failure_message(error: Exception) -> str:
    if isinstance(error, OSError) and error.errno == 28:
        return DISK_FULL
    return FAILED_PREFIX + str(error)[:400]


BUILDS_PER_PAGE = 20


@dataclass(frozen=True)
class BuildsPage:
    packets: list[Packet]
    newest: bool  # the first page (no `before` of this campaign was given)
    older: bool  # older builds follow


def latest(session: Session, campaign: Campaign, before: int | None = None,
           limit: int = BUILDS_PER_PAGE) -> BuildsPage:
    """A campaign's builds, newest first.

    `before` is the id of a build of this campaign: only builds older than it are listed (a
    packet handed in months ago stays reachable however many builds came after it). An id
    that is not one of this campaign's builds lists the newest.
    """
    mark_stale(session)
    query = sa.select(Packet).where(Packet.campaign_id == campaign.id)
    after = session.get(Packet, before) if before is not None else None
    newest = after is None or after.campaign_id != campaign.id
    if not newest:
        query = query.where(sa.or_(
            Packet.created_at < after.created_at,
            sa.and_(Packet.created_at == after.created_at, Packet.id < after.id),
        ))
    rows = list(session.scalars(
        query.order_by(Packet.created_at.desc(), Packet.id.desc()).limit(limit + 1)
    ))
    return BuildsPage(rows[:limit], newest, len(rows) > limit)


def downloadable(session: Session, campaign: Campaign, packet_id: int, actor: User) -> Path:
    """The finished file of a packet, after writing the download to the audit log."""
    packet = session.get(Packet, packet_id)
    if packet is None or packet.campaign_id != campaign.id:
        raise NotFound("no such packet")
    path = file_path(packet)
    if packet.status != PacketStatus.DONE or not path.exists():
        raise PacketNotReady("this packet is not ready")
    if _sha256(path) != packet.sha256:
        raise PacketFileChanged("the packet file does not match its recorded checksum")
    audit.record(session, "packet.downloaded", actor=actor, campaign_id=campaign.id,
                 target_type="packet", target_id=packet.id, rows=packet.counts.get("signatures"),
                 sha256=packet.sha256)
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


@sa.event.listens_for(Session, "after_commit")
def _start_builds_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the real commit comes later
    for packet_id in session.info.pop("packets_waiting", []):
        build_packet_job(packet_id)


@sa.event.listens_for(Session, "after_rollback")
def _forget_builds_after_rollback(session: Session) -> None:
    session.info.pop("packets_waiting", None)

