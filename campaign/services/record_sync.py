"""Following the city's own record: import a decision on set-up, then keep it in step.

`follow` ties a campaign to a council client's matter (a file number) and imports what the
record holds: the decision's title, type, body and reference, each hearing and the scheduled
vote as deadlines (through campaign/services/deadlines.py, with the comment deadline and
speaker cut-off the council's own rules give), members and districts as decision-makers, and
votes. Every imported value is a `RecordItem` that remembers the value taken, so `sync` can
tell a hand edit from an old value: a value the record changed is applied only where nobody
changed it by hand, otherwise a `RecordConflict` waits for the lead to choose.

The record is read in full before anything is written, so a failed read (down, slow, 503,
malformed, endless paging) changes nothing stored except the link's error and time; a read
whose fingerprint equals the last one applied writes nothing else either. Changes are
audit-logged with the actor "record".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign import mails
from campaign.models import (
    Campaign,
    Deadline,
    DeadlineKind,
    DecisionKind,
    DecisionMaker,
    Membership,
    RecordConflict,
    RecordItem,
    RecordLink,
    RecordVote,
    Role,
    User,
)
from campaign.models.types import utcnow
from campaign.record import RecordError, RecordEvent, RecordMember, RecordSnapshot, clients
from campaign.services import DomainError, NotFound, audit, context, deadlines, decisions, mail
from campaign.services import decision_makers as maker_service

ACTOR = "record"
FILE_NUMBER = re.compile(r"[\w .:/#()-]{1,80}")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\b\.?|(\d{1,2}):(\d{2})", re.I)
DEFAULT_CLOCK = time(9, 0)
KINDS = (
    ("executive order", DecisionKind.EXECUTIVE_ORDER),
    ("ordinance", DecisionKind.ORDINANCE),
    ("resolution", DecisionKind.RESOLUTION),
    ("contract", DecisionKind.CONTRACT_VOTE),
    ("budget", DecisionKind.BUDGET_ITEM),
    ("appropriation", DecisionKind.BUDGET_ITEM),
)
DECISION_ITEMS = ("title", "kind", "body", "reference")


@dataclass
class SyncResult:
    """What one sync of one campaign did."""

    slug: str
    error: str | None = None
    unchanged: bool = False
    moved: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    conflicts: int = 0
    votes: int = 0
    status_changed: bool = False


# Reading the record -------------------------------------------------------------------------


def council_clients() -> dict[str, clients.CouncilClient]:
    """The council clients this site follows (RECORD_CLIENTS), by name."""
    return clients.configured(
        context.setting("RECORD_CLIENTS", {}), context.setting("ENV_NAME", "production")
    )


def clean_file_number(file_number: str) -> str:
    """The file number as typed, trimmed; DomainError when it cannot be one."""
    text = " ".join((file_number or "").split())
    if not text or not FILE_NUMBER.fullmatch(text):
        raise DomainError(f"not a file number: {file_number!r}", code="record_file_invalid")
    return text


def read_record(client_name: str, file_number: str) -> RecordSnapshot:
    """What the council's record holds about this file; RecordError when it cannot be read."""
    client = council_clients().get(client_name)
    if client is None:
        raise RecordError(f"unknown council {client_name!r}", code="record_client_unknown")
    return clients.provider(client).snapshot(clean_file_number(file_number))


def event_moment(event: RecordEvent, time_zone: str) -> datetime:
    """When a meeting starts, as an aware UTC moment; a time the record words freely
    ("10:00 AM", "6 p.m.", "14:30") is read, anything else ("upon adjournment") is 09:00."""
    if event.at is not None:
        return event.at.astimezone(UTC)
    return deadlines.local_moment(event.on, meeting_clock(event.time_text), time_zone)


def meeting_clock(text: str) -> time:
    """The wall-clock time of a Legistar EventTime, or DEFAULT_CLOCK."""
    found = _CLOCK.search(text or "")
    if found is None:
        return DEFAULT_CLOCK
    if found.group(4):
        hour, minute = int(found.group(4)), int(found.group(5))
    else:
        hour, minute = int(found.group(1)) % 12, int(found.group(2) or 0)
        hour += 12 if found.group(3).lower() == "p" else 0
    return time(hour, minute) if hour < 24 and minute < 60 else DEFAULT_CLOCK


def decision_kind(type_name: str) -> DecisionKind:
    """The kind of decision a council's matter type names."""
    lowered = type_name.lower()
    return next((kind for word, kind in KINDS if word in lowered), DecisionKind.OTHER)


# Provenance ---------------------------------------------------------------------------------


def link_of(session: Session, campaign: Campaign) -> RecordLink | None:
    """The record this campaign follows, if any."""
    return session.scalar(sa.select(RecordLink).where(RecordLink.campaign_id == campaign.id))


def items_of(session: Session, campaign: Campaign) -> dict[tuple[str, str], RecordItem]:
    """The campaign's imported values, by (key, field)."""
    rows = session.scalars(sa.select(RecordItem).where(RecordItem.campaign_id == campaign.id))
    return {(item.key, item.field): item for item in rows}


def _remember(
    session: Session, campaign: Campaign, key: str, name: str, target, value: str | None, url: str
) -> RecordItem:
    item = RecordItem(
        campaign_id=campaign.id,
        key=key,
        field=name,
        target_type=target.__tablename__,
        target_id=target.id,
        value=value,
        source_url=url[:500] or None,
    )
    session.add(item)
    return item


def _stored_value(session: Session, item: RecordItem) -> str | None:
    """The value the campaign holds now for an imported item (None if its target is gone)."""
    target = target_of(session, item)
    if target is None:
        return None
    value = getattr(target, item.field)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.value if isinstance(value, DecisionKind) else value


def target_of(session: Session, item: RecordItem):
    """The decision, deadline or decision-maker an imported value belongs to (None if gone)."""
    model = {"decision": None, "deadline": Deadline, "decision_maker": DecisionMaker}
    if item.target_type == "decision":
        campaign = session.get(Campaign, item.campaign_id)
        return campaign.decision if campaign else None
    return session.get(model[item.target_type], item.target_id) if item.target_id else None


def _apply_value(
    session: Session, item: RecordItem, value: str | None, actor: User | None, label: str | None
) -> None:
    """Put a value from the record in place, through the service that owns it."""
    target = target_of(session, item)
    if target is None:
        return
    if item.target_type == "decision":
        # Every field is given: save_decision sets the ones it is given, kind included.
        values = {name: getattr(target, name) for name in decisions.DECISION_FIELDS}
        values[item.field] = value
        decisions.save_decision(session, target.campaign, actor, actor_label=label, **values)
    elif item.target_type == "deadline":
        change = {"at": datetime.fromisoformat(value)} if item.field == "at" else {}
        change = change or {item.field: value}
        deadlines.update_deadline(session, target, actor=actor, actor_label=label, **change)
    else:
        setattr(target, item.field, value)


def _reconcile(
    session: Session, item: RecordItem, incoming: str | None, result: SyncResult
) -> bool:
    """Take the record's new value unless someone changed the stored one by hand (then a
    conflict is kept for the lead); True if the value was applied."""
    if incoming == item.value:
        return False
    stored = _stored_value(session, item)
    if stored is not None and stored not in (item.value, incoming):
        _keep_conflict(session, item, stored, incoming)
        result.conflicts += 1
        return False
    if stored != incoming:
        _apply_value(session, item, incoming, None, ACTOR)
    item.value = incoming
    item.imported_at = utcnow()
    result.applied.append(f"{item.key}.{item.field}")
    return True


def _keep_conflict(session: Session, item: RecordItem, ours: str, theirs: str | None) -> None:
    waiting = session.scalar(
        sa.select(RecordConflict).where(
            RecordConflict.item_id == item.id, RecordConflict.resolved_at.is_(None)
        )
    )
    if waiting is not None and waiting.theirs == theirs and waiting.ours == ours:
        return
    if waiting is not None:
        waiting.ours, waiting.theirs, waiting.found_at = ours, theirs, utcnow()
    else:
        session.add(
            RecordConflict(campaign_id=item.campaign_id, item=item, ours=ours, theirs=theirs)
        )
    audit.record(
        session,
        "record.conflict",
        actor_label=ACTOR,
        campaign_id=item.campaign_id,
        target_type=item.target_type,
        target_id=item.target_id,
        field=item.field,
        ours=ours,
        theirs=theirs,
    )


def open_conflicts(session: Session, campaign: Campaign) -> list[RecordConflict]:
    """Differences between the record and hand edits, waiting for the lead."""
    return list(
        session.scalars(
            sa.select(RecordConflict)
            .where(RecordConflict.campaign_id == campaign.id, RecordConflict.resolved_at.is_(None))
            .order_by(RecordConflict.id)
        )
    )


def resolve_conflict(
    session: Session, campaign: Campaign, conflict_id: int, choice: str, actor: User
) -> RecordConflict:
    """The lead chooses: "record" takes the record's value, "ours" keeps the hand edit (the
    record's value is then taken as seen: only a later change of it asks again)."""
    conflict = session.get(RecordConflict, conflict_id)
    if conflict is None or conflict.campaign_id != campaign.id or conflict.resolved_at:
        raise NotFound("no such conflict")
    if choice not in ("record", "ours"):
        raise DomainError(f"unknown choice {choice!r}", code="record_choice_invalid")
    if choice == "record":
        _apply_value(session, conflict.item, conflict.theirs, actor, None)
    conflict.item.value = conflict.theirs
    conflict.resolved_at, conflict.resolution = utcnow(), choice
    audit.record(
        session,
        "record.conflict_resolved",
        actor=actor,
        campaign_id=campaign.id,
        target_type=conflict.item.target_type,
        target_id=conflict.item.target_id,
        field=conflict.item.field,
        choice=choice,
    )
    session.flush()
    return conflict


# Import on set-up ---------------------------------------------------------------------------


def follow(
    session: Session,
    campaign: Campaign,
    snapshot: RecordSnapshot,
    *,
    client_name: str,
    file_number: str,
    actor: User,
    reviewed: dict[str, str] | None = None,
) -> RecordLink:
    """Tie the campaign to this matter and import it (the decision as the lead reviewed it,
    meetings as deadlines, members, votes); audit-logged as the lead's action."""
    if link_of(session, campaign) is not None:
        raise DomainError("this campaign already follows a record", code="record_already_followed")
    matter = snapshot.matter
    link = RecordLink(
        campaign_id=campaign.id,
        client=client_name,
        file_number=clean_file_number(file_number),
        matter_id=matter.source_id if matter else None,
        matter_url=(matter.url[:500] if matter else None),
        status=matter.status[:200] if matter and matter.status else None,
    )
    session.add(link)
    session.flush()
    if matter is not None:
        _import_decision(session, campaign, snapshot, actor, reviewed or {})
    client = council_clients().get(client_name)
    result = SyncResult(campaign.slug)
    taken: set[int] = set()
    for event in snapshot.events:
        typed = _typed_match(campaign, event, taken)
        if typed is not None:
            _adopt_meeting(session, campaign, event, typed)
            taken.add(typed.id)
        else:
            _add_meeting(session, campaign, client, event, actor, result)
    _import_members(session, campaign, snapshot.members, link.matter_url or "")
    _record_votes(session, campaign, snapshot, result)
    link.fingerprint, link.synced_at = snapshot.fingerprint(), utcnow()
    audit.record(
        session,
        "record.followed",
        actor=actor,
        campaign_id=campaign.id,
        target_type="record_link",
        target_id=link.id,
        client=client_name,
        file_number=link.file_number,
        meetings=len(snapshot.events),
    )
    session.flush()
    return link


def record_values(snapshot: RecordSnapshot) -> dict[str, str]:
    """The decision's fields as the record gives them (what the set-up form shows)."""
    matter = snapshot.matter
    if matter is None:
        return {}
    return {
        "title": matter.title[:300],
        "kind": decision_kind(matter.type_name).value,
        "body": (matter.body or "")[:200],
        "reference": matter.file[:80],
    }


def _import_decision(
    session: Session,
    campaign: Campaign,
    snapshot: RecordSnapshot,
    actor: User,
    reviewed: dict[str, str],
) -> None:
    """The decision as the lead reviewed it; each field remembers the record's value, so a
    field the lead changed in review counts as a hand edit."""
    from_record = record_values(snapshot)
    current = campaign.decision
    values = {n: getattr(current, n) for n in decisions.DECISION_FIELDS} if current else {}
    values.update({n: reviewed.get(n) or v for n, v in from_record.items()})
    decision = decisions.save_decision(session, campaign, actor, **values)
    url = snapshot.matter.url if snapshot.matter else ""
    for name in DECISION_ITEMS:
        _remember(session, campaign, "matter", name, decision, from_record[name], url)


def _meeting_title(event: RecordEvent) -> str:
    noun = "vote" if event.kind == "vote" else "hearing"
    return f"{event.body} {noun}"[:200] if event.body else noun.capitalize()


def _add_meeting(
    session: Session,
    campaign: Campaign,
    client: clients.CouncilClient | None,
    event: RecordEvent,
    actor: User | None,
    result: SyncResult,
) -> Deadline:
    """A meeting of the record as a deadline (a hearing with the dates the council's rules
    put before it), remembered as imported."""
    label = None if actor else ACTOR
    kind = DeadlineKind.VOTE if event.kind == "vote" else DeadlineKind.HEARING
    deadline = deadlines.create_deadline(
        session,
        campaign,
        kind=kind,
        title=_meeting_title(event),
        at=event_moment(event, campaign.time_zone),
        location=event.location[:300] or None,
        committee=(event.body[:200] or None) if kind == DeadlineKind.HEARING else None,
        notes=_time_note(event),
        actor=actor,
        actor_label=label,
    )
    if kind == DeadlineKind.HEARING and client is not None:
        _add_rule_dates(session, deadline, client, actor, label)
    key = f"event:{event.source_id}"
    url = event.url
    _remember(session, campaign, key, "at", deadline, deadline.at.isoformat(), url)
    _remember(session, campaign, key, "location", deadline, deadline.location, url)
    result.added.append(deadline.id)
    return deadline


def _typed_match(campaign: Campaign, event: RecordEvent, taken: set[int]) -> Deadline | None:
    """A date typed before the campaign followed the record, for the same meeting: same kind,
    same day in the campaign's zone. It is tied to the record rather than duplicated."""
    kind = DeadlineKind.VOTE if event.kind == "vote" else DeadlineKind.HEARING
    day = event_moment(event, campaign.time_zone).astimezone(deadlines.zone_of(campaign.time_zone))
    for deadline in campaign.deadlines:
        local = deadline.at.astimezone(deadlines.zone_of(campaign.time_zone))
        if deadline.kind == kind and local.date() == day.date() and deadline.id not in taken:
            return deadline
    return None


def _adopt_meeting(
    session: Session, campaign: Campaign, event: RecordEvent, deadline: Deadline
) -> None:
    """Remember the record's values for a typed date: it follows the record from now on, and
    where the typed value differs it counts as a hand edit (kept until the record changes)."""
    key = f"event:{event.source_id}"
    at = event_moment(event, campaign.time_zone).isoformat()
    _remember(session, campaign, key, "at", deadline, at, event.url)
    _remember(session, campaign, key, "location", deadline, event.location[:300] or None, event.url)


def _time_note(event: RecordEvent) -> str | None:
    if event.at is not None or _CLOCK.search(event.time_text or ""):
        return None
    return f"The record gives no time of day ({event.time_text or 'none'}): check it."


def _add_rule_dates(
    session: Session,
    hearing: Deadline,
    client: clients.CouncilClient,
    actor: User | None,
    label: str | None,
) -> None:
    """The comment deadline and speaker cut-off this council's rules put before a hearing."""
    for kind, rule, title in (
        (DeadlineKind.COMMENT_DEADLINE, client.comment_rule, "Written testimony due"),
        (DeadlineKind.SPEAKER_CUTOFF, client.speaker_rule, "Speaker sign-up closes"),
    ):
        if rule:
            deadlines.add_relative(
                session, hearing, kind, title, rule, actor=actor, actor_label=label
            )


def _import_members(
    session: Session, campaign: Campaign, members: Iterable[RecordMember], url: str
) -> None:
    """Members become decision-makers (a known name gets its published district)."""
    by_name = {_name_key(m.name): m for m in campaign.decision_makers}
    for order, member in enumerate(members, start=len(by_name)):
        maker = by_name.get(_name_key(member.name))
        if maker is None:
            maker = maker_service.save_decision_maker(
                session,
                campaign,
                name=member.name[:200],
                office=member.office[:200],
                district=member.district,
                sort_order=order,
            )
        elif not maker.district and member.district:
            maker.district = member.district[:40]
        key = f"member:{_name_key(member.name)}"[:120]
        _remember(session, campaign, key, "district", maker, maker.district, url)
        audit.record(
            session,
            "record.member_imported",
            actor_label=ACTOR,
            campaign_id=campaign.id,
            target_type="decision_maker",
            target_id=maker.id,
            district=maker.district,
        )
    session.flush()


def _name_key(name: str) -> str:
    return " ".join(name.lower().replace(".", " ").split())


def _record_votes(
    session: Session, campaign: Campaign, snapshot: RecordSnapshot, result: SyncResult
) -> None:
    """Each member's vote, beside their stated position (matched by name)."""
    known = {
        (v.event_id, v.person_name): v
        for v in session.scalars(sa.select(RecordVote).where(RecordVote.campaign_id == campaign.id))
    }
    makers = {_name_key(m.name): m for m in campaign.decision_makers}
    for vote in snapshot.votes:
        row = known.get((vote.event_id, vote.person[:200]))
        if row is not None and row.value == vote.value[:40]:
            continue
        if row is None:
            maker = makers.get(_name_key(vote.person))
            row = RecordVote(
                campaign_id=campaign.id,
                decision_maker_id=maker.id if maker else None,
                person_name=vote.person[:200],
                event_id=vote.event_id[:80],
                voted_on=vote.on if vote.on != date.min else utcnow().date(),
                source_url=vote.url[:500] or None,
            )
            session.add(row)
        row.value = vote.value[:40]
        result.votes += 1
        audit.record(
            session,
            "record.vote",
            actor_label=ACTOR,
            campaign_id=campaign.id,
            target_type="decision_maker",
            target_id=row.decision_maker_id,
            person=row.person_name,
            vote=row.value,
        )
    session.flush()


def votes_by_maker(session: Session, campaign: Campaign) -> dict[int, RecordVote]:
    """Each decision-maker's latest recorded vote, by their id."""
    rows = session.scalars(
        sa.select(RecordVote)
        .where(RecordVote.campaign_id == campaign.id, RecordVote.decision_maker_id.is_not(None))
        .order_by(RecordVote.voted_on, RecordVote.id)
    )
    return {row.decision_maker_id: row for row in rows}


# Following the record -----------------------------------------------------------------------


def followed_links(session: Session, slug: str | None = None) -> list[RecordLink]:
    """Every campaign that follows a record (or the one with this slug), oldest first."""
    query = sa.select(RecordLink).order_by(RecordLink.id)
    if slug:
        query = query.join(Campaign, Campaign.id == RecordLink.campaign_id).where(
            Campaign.slug == slug
        )
    return list(session.scalars(query))


def sync(session: Session, link: RecordLink, snapshot: RecordSnapshot | None = None) -> SyncResult:
    """Read the record again and bring the campaign in step with it (see the module's doc)."""
    campaign = session.get(Campaign, link.campaign_id)
    result = SyncResult(campaign.slug)
    try:
        snapshot = snapshot or read_record(link.client, link.file_number)
    except RecordError as error:
        _note_failure(link, error)
        result.error = error.code
        return result
    link.error_code = link.error_status = link.error_at = None
    link.synced_at = utcnow()
    if snapshot.fingerprint() == link.fingerprint:
        result.unchanged = True
        return result
    _sync_matter(session, campaign, link, snapshot, result)
    _sync_meetings(session, campaign, link, snapshot, result)
    _record_votes(session, campaign, snapshot, result)
    link.fingerprint = snapshot.fingerprint()
    session.flush()
    return result


def _note_failure(link: RecordLink, error: RecordError) -> None:
    """Only the link's error and its time change; what the campaign holds stays."""
    link.error_code = error.code[:40]
    link.error_status = error.details.get("status")
    link.error_at = utcnow()


def _sync_matter(
    session: Session,
    campaign: Campaign,
    link: RecordLink,
    snapshot: RecordSnapshot,
    result: SyncResult,
) -> None:
    matter = snapshot.matter
    if matter is None:
        return
    if matter.status and matter.status[:200] != link.status:
        audit.record(
            session,
            "record.status_changed",
            actor_label=ACTOR,
            campaign_id=campaign.id,
            target_type="record_link",
            target_id=link.id,
            before=link.status,
            after=matter.status[:200],
        )
        link.status, link.status_changed_at = matter.status[:200], utcnow()
        result.status_changed = True
    items = items_of(session, campaign)
    for name, value in record_values(snapshot).items():
        item = items.get(("matter", name))
        if item is not None:
            _reconcile(session, item, value, result)


def _sync_meetings(
    session: Session,
    campaign: Campaign,
    link: RecordLink,
    snapshot: RecordSnapshot,
    result: SyncResult,
) -> None:
    items = items_of(session, campaign)
    client = council_clients().get(link.client)
    for event in snapshot.events:
        key = f"event:{event.source_id}"
        at_item = items.get((key, "at"))
        if at_item is None:
            deadline = _add_meeting(session, campaign, client, event, None, result)
            _tell_leads_added(session, campaign, deadline)
            continue
        deadline = session.get(Deadline, at_item.target_id) if at_item.target_id else None
        if deadline is None:
            continue  # removed by hand: the lead's choice stands
        before = deadline.at
        new_at = event_moment(event, campaign.time_zone).isoformat()
        if _reconcile(session, at_item, new_at, result) and deadline.at != before:
            result.moved.append((deadline.id, before, deadline.at))
            _tell_staff_moved(session, campaign, deadline, before)
        location_item = items.get((key, "location"))
        if location_item is not None:
            _reconcile(session, location_item, event.location[:300] or None, result)


# Telling people -----------------------------------------------------------------------------


def _people(session: Session, campaign: Campaign, roles: tuple[Role, ...]) -> list[User]:
    return list(
        session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.campaign_id == campaign.id,
                Membership.role.in_(roles),
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def _mail_each(
    session: Session, campaign: Campaign, people: list[User], template: str, key: str, **values
) -> None:
    for person in people:
        dedupe_key = f"{key}:{person.id}"
        if mail.already_queued(session, dedupe_key):
            continue
        language = context.site_language(person.language)
        subject, body = mails.render(
            template,
            language,
            campaign=campaign,
            person=person,
            campaign_url=context.link("public.campaign_page", slug=campaign.slug),
            record_url=context.link("organize.record_page", slug=campaign.slug),
            **values,
        )
        mail.queue(
            session,
            person.email,
            subject,
            body,
            language=language,
            campaign_id=campaign.id,
            dedupe_key=dedupe_key,
        )


def _tell_staff_moved(
    session: Session, campaign: Campaign, deadline: Deadline, before: datetime
) -> None:
    """Every staff member: "the hearing moved from … to …"."""
    _mail_each(
        session,
        campaign,
        _people(session, campaign, (Role.LEAD, Role.ORGANIZER)),
        "email/record/deadline_moved.txt",
        f"record:moved:{deadline.id}:{deadline.at.isoformat()}",
        deadline=deadline,
        before=before,
    )


def _tell_leads_added(session: Session, campaign: Campaign, deadline: Deadline) -> None:
    """The campaign's leads: a new meeting on the matter was added from the record."""
    _mail_each(
        session,
        campaign,
        _people(session, campaign, (Role.LEAD,)),
        "email/record/meeting_added.txt",
        f"record:added:{deadline.id}",
        deadline=deadline,
    )
