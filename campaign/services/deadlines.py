"""Deadline rules: dates relative to a hearing, computed in the campaign's time zone.

Rules are short strings stored with the deadline so that moving a hearing can move every date
that depends on it:

- ``days_before_at:1:15:00``   the day before the hearing at 15:00 local time (0: the same day)
- ``days_after_at:3:17:00``    three days after the hearing at 17:00 local time
- ``hours_before:48`` / ``hours_after:72``   an exact span of elapsed time
- ``business_days_before:5``   five weekdays before, at the hearing's local time of day
- ``business_days_before_at:5:17:00``   five weekdays before, at 17:00 local time

Wall-clock rules ("at 15:00") stay at 15:00 in the campaign's city across daylight-saving
changes; elapsed-time rules ("72 hours after") are exact spans, so they may land on a different
hour of the wall clock when the clocks change in between. Business days are Monday to Friday;
public holidays are not known to the rules. A wall-clock time that does not exist on a spring-
forward day (02:30) is read with the offset in force before the change (PEP 495, fold=0), and
one that happens twice on a fall-back day means the first of the two.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import AuditEvent, Campaign, Deadline, DeadlineKind, Testimony, User
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, context

MAX_DAYS = 366
# Years a deadline may fall in: far enough from the calendar's ends that every date computed
# from one (rules, a calendar feed's window of a year around it) is a date too.
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_HOURS = 24 * MAX_DAYS
TITLE_LENGTH = 200
DUE_SOON_HOURS = 72
CHANGE_ACTIONS = ("deadline.updated", "deadline.moved")

_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
_RULES = {
    "days_before_at": re.compile(rf"(?P<count>\d{{1,3}}):{_CLOCK}"),
    "days_after_at": re.compile(rf"(?P<count>\d{{1,3}}):{_CLOCK}"),
    "hours_before": re.compile(r"(?P<hours>\d{1,4}(\.\d{1,2})?)"),
    "hours_after": re.compile(r"(?P<hours>\d{1,4}(\.\d{1,2})?)"),
    "business_days_before": re.compile(r"(?P<count>\d{1,3})"),
    "business_days_before_at": re.compile(rf"(?P<count>\d{{1,3}}):{_CLOCK}"),
}
RULE_NAMES = tuple(_RULES)

# Rules a lead picks from a list; any valid rule string can also be stored.
RULE_PRESETS = (
    "days_before_at:1:15:00",
    "days_before_at:1:16:00",
    "days_before_at:1:12:00",
    "hours_before:24",
    "hours_before:48",
    "hours_after:72",
    "business_days_before:5",
    "business_days_before_at:5:17:00",
)

_UNCHANGED: Any = object()


class BadRule(DomainError):
    """A deadline rule that cannot be understood."""

    code = "rule_invalid"


class NonexistentLocalTime(DomainError):
    """A wall-clock time skipped by a daylight-saving change (a person typed it)."""

    code = "time_skipped"


class DateOutOfRange(DomainError):
    """A date outside the years a deadline can have (FIRST_YEAR to LAST_YEAR)."""

    code = "date_out_of_range"


class HearingHasTestimony(DomainError):
    """Residents wrote testimony for this hearing: it can be moved, never removed."""

    code = "hearing_has_testimony"


class RelationRefused(DomainError):
    """A date cannot follow (or stop following) a hearing this way; the code says why:
    follows_hearing_only, hearing_not_fixed, hearing_cannot_follow, hearing_has_followers,
    hearing_missing, hearing_other_campaign, date_follows_rule."""

    code = "relation_refused"


class DeadlineStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    PASSED = "passed"


# Rules ------------------------------------------------------------------------------------


def parse_rule(rule: str) -> tuple[str, dict[str, float | int]]:
    """A rule's name and numbers; raises BadRule for anything but a well-formed known rule."""
    if not isinstance(rule, str):
        raise BadRule("a deadline rule is a text such as days_before_at:1:15:00")
    name, _, argument = rule.strip().partition(":")
    pattern = _RULES.get(name)
    match = pattern.fullmatch(argument) if pattern else None
    if match is None:
        raise BadRule(f"unknown deadline rule {rule!r}")
    values: dict[str, float | int] = {}
    if "count" in pattern.groupindex:
        values["count"] = int(match["count"])
        if values["count"] > MAX_DAYS:
            raise BadRule(f"{rule!r}: at most {MAX_DAYS} days")
        if name.startswith("business") and values["count"] < 1:
            raise BadRule(f"{rule!r}: at least one business day")
    if "hour" in pattern.groupindex:
        values["hour"], values["minute"] = int(match["hour"]), int(match["minute"])
        if values["hour"] > 23 or values["minute"] > 59:
            raise BadRule(f"{rule!r}: the time of day must be between 00:00 and 23:59")
    if "hours" in pattern.groupindex:
        values["hours"] = float(match["hours"])
        if not math.isfinite(values["hours"]) or values["hours"] > MAX_HOURS:
            raise BadRule(f"{rule!r}: at most {MAX_HOURS} hours")
    return name, values


def normalize_rule(rule: str) -> str:
    """The canonical spelling of a valid rule ("days_before_at:1:9:00" -> "...:1:09:00")."""
    name, v = parse_rule(rule)
    if "hours" in v:
        hours = v["hours"]
        return f"{name}:{int(hours) if float(hours).is_integer() else hours}"
    if "hour" in v:
        return f"{name}:{v['count']}:{v['hour']:02d}:{v['minute']:02d}"
    return f"{name}:{v['count']}"


def zone_of(time_zone: str) -> ZoneInfo:
    """The IANA zone by name; a DomainError (not a crash) for a name the system does not know."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise DomainError(f"unknown time zone {time_zone!r}", code="time_zone_unknown") from exc


def _business_days_back(day, count: int):
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def apply_rule(hearing_at: datetime, rule: str, time_zone: str) -> datetime:
    """The moment a rule gives for a hearing at hearing_at (aware), as an aware UTC datetime."""
    if hearing_at.tzinfo is None:
        raise DomainError("a hearing time must carry its time zone", code="time_not_aware")
    name, v = parse_rule(rule)
    zone = zone_of(time_zone)
    local = hearing_at.astimezone(zone)
    if name in ("hours_before", "hours_after"):
        # Elapsed time: computed on the absolute timeline, never on the wall clock (Python
        # adds a timedelta to a zoned datetime on the wall clock, so convert to UTC first).
        span = timedelta(hours=float(v["hours"]))
        base = hearing_at.astimezone(UTC)
        return base - span if name == "hours_before" else base + span
    count = int(v["count"])
    if name == "days_before_at":
        day = local.date() - timedelta(days=count)
    elif name == "days_after_at":
        day = local.date() + timedelta(days=count)
    else:
        day = _business_days_back(local.date(), count)
    if "hour" in v:
        clock = time(int(v["hour"]), int(v["minute"]))
    else:
        clock = local.time().replace(tzinfo=None, fold=0)
    # Wall-clock time in the campaign's city: correct across daylight-saving changes.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


# Status -----------------------------------------------------------------------------------


def due_soon_hours() -> int:
    """The configured due-soon window in hours (DUE_SOON_HOURS, default 72)."""
    try:
        return max(0, int(context.setting("DUE_SOON_HOURS", DUE_SOON_HOURS)))
    except (TypeError, ValueError):
        return DUE_SOON_HOURS


def status(
    deadline: Deadline, now: datetime | None = None, due_soon_hours: int = DUE_SOON_HOURS
) -> str:
    """Upcoming, due soon (within due_soon_hours) or passed, as of now."""
    now = now or utcnow()
    if deadline.at <= now:
        return DeadlineStatus.PASSED
    if deadline.at - now <= timedelta(hours=due_soon_hours):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.UPCOMING


def current_status(deadline: Deadline, now: datetime | None = None) -> str:
    """status() with the configured due-soon window: what pages and feeds show."""
    return status(deadline, now or utcnow(), due_soon_hours())


def next_deadline(campaign: Campaign, now: datetime | None = None) -> Deadline | None:
    """The soonest deadline not yet passed."""
    now = now or utcnow()
    upcoming = [d for d in campaign.deadlines if d.at > now]
    return min(upcoming, key=lambda d: d.at) if upcoming else None


def comment_deadline_for(hearing: Deadline) -> Deadline | None:
    """The comment deadline that closes written testimony for this hearing, if one is set."""
    for dependent in hearing.dependents:
        if dependent.kind == DeadlineKind.COMMENT_DEADLINE:
            return dependent
    return None


def speaker_cutoff_for(hearing: Deadline) -> Deadline | None:
    """The speaker sign-up cut-off of this hearing, if one is set."""
    for dependent in hearing.dependents:
        if dependent.kind == DeadlineKind.SPEAKER_CUTOFF:
            return dependent
    return None


def between(
    session: Session, campaign_ids: list[int], start: datetime, end: datetime
) -> list[Deadline]:
    """Deadlines of these campaigns from start (inclusive) to end (exclusive), soonest first."""
    if not campaign_ids:
        return []
    return list(
        session.scalars(
            sa.select(Deadline)
            .where(Deadline.campaign_id.in_(campaign_ids), Deadline.at >= start, Deadline.at < end)
            .order_by(Deadline.at, Deadline.id)
        )
    )


def revisions(session: Session, deadline_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """How many times each deadline was changed, and when last: calendars' SEQUENCE and
    LAST-MODIFIED, read from the audit log that every change through this module writes."""
    if not deadline_ids:
        return {}
    rows = session.execute(
        sa.select(AuditEvent.target_id, sa.func.count(), sa.func.max(AuditEvent.at))
        .where(
            AuditEvent.target_type == "deadline",
            AuditEvent.target_id.in_(deadline_ids),
            AuditEvent.action.in_(CHANGE_ACTIONS),
        )
        .group_by(AuditEvent.target_id)
    )
    return {target: (count, last) for target, count, last in rows}


# Changes ----------------------------------------------------------------------------------


def _clean_title(title: str | None, *, required: bool) -> str | None:
    text = " ".join((title or "").split())
    if not text:
        if required:
            raise DomainError("a deadline needs a title", code="title_missing")
        return None
    if len(text) > TITLE_LENGTH:
        raise DomainError(f"a title has at most {TITLE_LENGTH} characters", code="too_long")
    return text


def _clean_text(value: str | None, limit: int | None = None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if limit is not None and len(text) > limit:
        raise DomainError(f"at most {limit} characters", code="too_long")
    return text


def _aware_utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise DomainError("a deadline's time must carry its time zone", code="time_not_aware")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise DateOutOfRange(
            f"{moment} is not between {FIRST_YEAR} and {LAST_YEAR}",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    return moment.astimezone(UTC)


def local_moment(day, clock: time, time_zone: str) -> datetime:
    """A date and wall-clock time a person typed for the campaign's city, as an aware UTC
    datetime; NonexistentLocalTime for a time the clocks skip that day (02:30 in spring).

    Rules computed from a hearing read such a time leniently (see the module's docstring); a
    typed one is refused, because the person meant a moment that does not exist."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateOutOfRange(
            f"{day} is not between {FIRST_YEAR} and {LAST_YEAR}", first=FIRST_YEAR, last=LAST_YEAR
        )
    zone = zone_of(time_zone)
    local = datetime.combine(day, clock.replace(second=0, microsecond=0, tzinfo=None), tzinfo=zone)
    moment = local.astimezone(UTC)
    back = moment.astimezone(zone)
    if (back.date(), back.time()) != (day, local.time()):
        raise NonexistentLocalTime(
            f"{clock:%H:%M} does not exist on {day} in {time_zone}", zone=time_zone
        )
    return moment


def get_deadline(session: Session, campaign: Campaign, deadline_id: int) -> Deadline:
    """A deadline of this campaign, or NotFound."""
    deadline = session.get(Deadline, deadline_id)
    if deadline is None or deadline.campaign_id != campaign.id:
        raise NotFound("no such deadline")
    return deadline


def hearings(campaign: Campaign) -> list[Deadline]:
    """The campaign's hearings in date order."""
    return [d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING]


def build_rule(rule_kind: str, amount: int, clock: time | None = None) -> str:
    """The rule string apply_rule understands, from a form's parts."""
    if rule_kind == "days_before_at":
        if clock is None:
            raise BadRule("give the time of day")
        return f"days_before_at:{amount}:{clock:%H:%M}"
    if rule_kind in ("hours_before", "hours_after", "business_days_before"):
        return f"{rule_kind}:{amount}"
    raise BadRule(f"unknown rule {rule_kind!r}")


def create_deadline(
    session: Session,
    campaign: Campaign,
    *,
    kind: DeadlineKind,
    title: str,
    at: datetime,
    title_es: str | None = None,
    location: str | None = None,
    committee: str | None = None,
    notes: str | None = None,
    actor: User | None = None,
    actor_label: str | None = None,
    **spanish: str | None,
) -> Deadline:
    """Add a deadline at a fixed moment; audit-logged (as `actor_label` when no person acts:
    "record" for a date imported from the city's record). `spanish` holds the Spanish twins of
    the place, committee and notes (location_es, committee_es, notes_es)."""
    deadline = Deadline(
        campaign=campaign,
        kind=DeadlineKind(kind),
        at=_aware_utc(at),
        **_texts(
            title=title,
            title_es=title_es,
            location=location,
            committee=committee,
            notes=notes,
            **spanish,
        ),
    )
    session.add(deadline)
    session.flush()
    _record_created(session, deadline, actor, actor_label=actor_label)
    return deadline


# Each text of a deadline (English and Spanish) with how it is cleaned.
TEXT_CLEANERS: dict[str, Callable[[Any], str | None]] = {
    "title": lambda v: _clean_title(v, required=True),
    "title_es": lambda v: _clean_title(v, required=False),
    "location": lambda v: _clean_text(v, 300),
    "location_es": lambda v: _clean_text(v, 300),
    "committee": lambda v: _clean_text(v, 200),
    "committee_es": lambda v: _clean_text(v, 200),
    "notes": _clean_text,
    "notes_es": _clean_text,
}


def _texts(**values: str | None) -> dict[str, str | None]:
    unknown = set(values) - set(TEXT_CLEANERS)
    if unknown:
        raise TypeError(f"not deadline texts: {sorted(unknown)}")
    return {name: TEXT_CLEANERS[name](value) for name, value in values.items()}


def _record_created(
    session: Session,
    deadline: Deadline,
    actor: User | None,
    actor_label: str | None = None,
    **extra,
) -> None:
    audit.record(
        session,
        "deadline.created",
        actor=actor,
        actor_label=actor_label,
        campaign_id=deadline.campaign.id,
        target_type="deadline",
        target_id=deadline.id,
        kind=deadline.kind.value,
        at=deadline.at.isoformat(),
        **extra,
    )


def add_relative(
    session: Session,
    hearing: Deadline,
    kind: DeadlineKind,
    title: str,
    rule: str,
    *,
    title_es: str | None = None,
    location: str | None = None,
    committee: str | None = None,
    notes: str | None = None,
    actor: User | None = None,
    actor_label: str | None = None,
    **spanish: str | None,
) -> Deadline:
    """Add a deadline that follows a hearing by a rule (audit-logged when a person adds it,
    or when `actor_label` names who did: "record"); `spanish` as for create_deadline."""
    if hearing.kind != DeadlineKind.HEARING:
        raise RelationRefused("relative deadlines follow a hearing", code="follows_hearing_only")
    if hearing.relative_to_id is not None:
        raise RelationRefused(
            "relative deadlines follow a hearing with a fixed date", code="hearing_not_fixed"
        )
    if DeadlineKind(kind) == DeadlineKind.HEARING:
        raise _hearing_cannot_follow()
    rule = normalize_rule(rule)
    campaign: Campaign = hearing.campaign
    deadline = Deadline(
        campaign=campaign,
        kind=DeadlineKind(kind),
        at=apply_rule(hearing.at, rule, campaign.time_zone),
        relative_to=hearing,
        rule=rule,
        **_texts(
            title=title,
            title_es=title_es,
            location=location,
            committee=committee,
            notes=notes,
            **spanish,
        ),
    )
    session.add(deadline)
    if actor is not None or actor_label is not None:
        session.flush()
        _record_created(session, deadline, actor, actor_label, relative_to=hearing.id, rule=rule)
    return deadline


def _hearing_cannot_follow() -> RelationRefused:
    return RelationRefused(
        "a hearing has its own date; it cannot follow another hearing", code="hearing_cannot_follow"
    )


def _follows_by_rule() -> RelationRefused:
    return RelationRefused(
        "this date follows the hearing by a rule: change the rule, or make it a fixed date",
        code="date_follows_rule",
    )


def _record_move(
    session: Session,
    deadline: Deadline,
    before: datetime | None,
    actor: User | None,
    actor_label: str | None = None,
    **extra,
) -> None:
    audit.record(
        session,
        "deadline.moved",
        actor=actor,
        actor_label=actor_label,
        campaign_id=deadline.campaign_id or deadline.campaign.id,
        target_type="deadline",
        target_id=deadline.id,
        before=before.isoformat() if before else None,
        after=deadline.at.isoformat(),
        **extra,
    )


def move_hearing(
    session: Session,
    hearing: Deadline,
    new_at: datetime,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
) -> list[Deadline]:
    """Move a hearing and every deadline that follows it; returns the moved dependents.

    Each moved date is audit-logged (as `actor_label`, else "system", when no person acts),
    which also gives the
    calendar feeds a new SEQUENCE so subscribed calendars update the event.
    """
    new_at = _aware_utc(new_at)
    old_at = hearing.at
    hearing.at = new_at
    moved = []
    time_zone = hearing.campaign.time_zone
    for dependent in hearing.dependents:
        before = dependent.at
        dependent.at = apply_rule(new_at, dependent.rule or "", time_zone)
        moved.append(dependent)
        if dependent.id is not None and before != dependent.at:
            _record_move(session, dependent, before, actor, actor_label, because_hearing=hearing.id)
    if hearing.id is not None and old_at != new_at:
        _record_move(session, hearing, old_at, actor, actor_label, dependents=[d.id for d in moved])
    return moved


def update_deadline(
    session: Session,
    deadline: Deadline,
    *,
    actor: User | None,
    kind: DeadlineKind = _UNCHANGED,
    title: str = _UNCHANGED,
    title_es: str | None = _UNCHANGED,
    at: datetime = _UNCHANGED,
    location: str | None = _UNCHANGED,
    committee: str | None = _UNCHANGED,
    notes: str | None = _UNCHANGED,
    relative_to: Deadline | None = _UNCHANGED,
    rule: str | None = _UNCHANGED,
    actor_label: str | None = None,
    **spanish: str | None,
) -> list[Deadline]:
    """Change a deadline; only the fields given change. Returns the deadlines whose date moved
    (a hearing's dependents move with it). `rule=None` makes a relative deadline a fixed one;
    `relative_to=hearing, rule=...` makes a fixed one follow a hearing. Audit-logged."""
    changed: list[str] = []
    if kind is not _UNCHANGED:
        changed += _change_kind(deadline, DeadlineKind(kind), relative_to)
    changed += _change_texts(
        deadline,
        location=location,
        committee=committee,
        notes=notes,
        title=title,
        title_es=title_es,
        **spanish,
    )
    changed += _change_rule(deadline, relative_to, rule, at)
    moved = _change_date(session, deadline, at, actor, actor_label)
    if changed:
        audit.record(
            session,
            "deadline.updated",
            actor=actor,
            actor_label=actor_label,
            campaign_id=deadline.campaign.id,
            target_type="deadline",
            target_id=deadline.id,
            fields=changed,
        )
    session.flush()
    return moved


def _change_kind(deadline: Deadline, kind: DeadlineKind, relative_to: Any) -> list[str]:
    """A new kind, as long as no date follows a hearing that stops being one and no hearing
    would follow another."""
    if kind == deadline.kind:
        return []
    if deadline.kind == DeadlineKind.HEARING and deadline.dependents:
        raise RelationRefused(
            "other dates follow this hearing: remove them or make them fixed dates first",
            code="hearing_has_followers",
        )
    if kind == DeadlineKind.HEARING and (
        deadline.relative_to_id is not None or relative_to not in (_UNCHANGED, None)
    ):
        raise _hearing_cannot_follow()
    deadline.kind = kind
    return ["kind"]


def _change_texts(deadline: Deadline, **values: Any) -> list[str]:
    """The texts given, cleaned; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if value is _UNCHANGED:
            continue
        if name not in TEXT_CLEANERS:
            raise TypeError(f"not a deadline text: {name}")
        cleaned = TEXT_CLEANERS[name](value)
        if cleaned != getattr(deadline, name):
            setattr(deadline, name, cleaned)
            changed.append(name)
    return changed


def _change_rule(deadline: Deadline, relative_to: Any, rule: Any, at: Any) -> list[str]:
    """Becoming a fixed date (`rule` or `relative_to` None), following a hearing, or a new
    rule; ["rule"] if the relation changed."""
    if rule is None or relative_to is None:
        if deadline.relative_to_id is None and deadline.rule is None:
            return []
        deadline.relative_to = None
        deadline.rule = None
        return ["rule"]
    if rule is _UNCHANGED and relative_to is _UNCHANGED:
        return []
    target = deadline.relative_to if relative_to is _UNCHANGED else relative_to
    if target is None:
        raise RelationRefused("choose the hearing this date follows", code="hearing_missing")
    new_rule = normalize_rule(rule if rule is not _UNCHANGED else (deadline.rule or ""))
    _check_can_follow(deadline, target)
    if at is not _UNCHANGED:
        raise _follows_by_rule()
    if target is deadline.relative_to and new_rule == deadline.rule:
        return []
    deadline.relative_to = target
    deadline.rule = new_rule
    return ["rule"]


def _check_can_follow(deadline: Deadline, hearing: Deadline) -> None:
    if hearing.kind != DeadlineKind.HEARING or hearing.relative_to_id is not None:
        raise RelationRefused(
            "relative deadlines follow a hearing with a fixed date", code="hearing_not_fixed"
        )
    if hearing.campaign_id != deadline.campaign_id or hearing is deadline:
        raise RelationRefused(
            "a date can only follow a hearing of its own campaign", code="hearing_other_campaign"
        )
    if deadline.kind == DeadlineKind.HEARING:
        raise _hearing_cannot_follow()


def _change_date(
    session: Session, deadline: Deadline, at: Any, actor: User | None, actor_label: str | None
) -> list[Deadline]:
    """Move the deadline to the date its rule gives, or to `at` if it is a fixed date (a
    hearing takes the dates that follow it along); the deadlines whose date moved."""
    if deadline.rule is not None and deadline.relative_to is not None:
        if at is not _UNCHANGED:
            raise _follows_by_rule()
        new_at = apply_rule(deadline.relative_to.at, deadline.rule, deadline.campaign.time_zone)
    elif at is not _UNCHANGED:
        new_at = _aware_utc(at)
    else:
        return []
    if new_at == deadline.at:
        return []
    if deadline.kind == DeadlineKind.HEARING and deadline.rule is None:
        return [
            deadline,
            *move_hearing(session, deadline, new_at, actor=actor, actor_label=actor_label),
        ]
    before = deadline.at
    deadline.at = new_at
    _record_move(session, deadline, before, actor, actor_label)
    return [deadline]


def delete_deadline(session: Session, deadline: Deadline, *, actor: User | None) -> int:
    """Remove a deadline and the dates that follow it; returns how many were removed. A
    hearing residents wrote testimony for cannot be removed (move it instead)."""
    if deadline.kind == DeadlineKind.HEARING:
        used = session.scalar(
            sa.select(sa.func.count())
            .select_from(Testimony)
            .where(Testimony.hearing_id == deadline.id)
        )
        if used:
            raise HearingHasTestimony(
                "residents wrote testimony for this hearing: move it to "
                "its new date instead of removing it"
            )
    removed = [*deadline.dependents, deadline]
    for item in removed:
        audit.record(
            session,
            "deadline.deleted",
            actor=actor,
            campaign_id=deadline.campaign_id,
            target_type="deadline",
            target_id=item.id,
            kind=item.kind.value,
            title=item.title,
            at=item.at.isoformat(),
        )
    campaign = deadline.campaign
    for dependent in list(deadline.dependents):
        deadline.dependents.remove(dependent)
        session.delete(dependent)
    session.flush()
    session.delete(deadline)
    session.flush()
    session.expire(campaign, ["deadlines"])
    return len(removed)
