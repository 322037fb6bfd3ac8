"""Deadline rules: dates relative to a hearing, computed in the campaign's time zone.

Rules are short strings stored with the deadline so that moving a hearing can move every date
that depends on it:

- ``days_before_at:1:15:00``   the day before the hearing at 15:00 local time
- ``hours_before:48`` / ``hours_after:72``   an exact span of elapsed time
- ``business_days_before:5``   five weekdays before, at the hearing's local time of day
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from campaign.models import Campaign, Deadline, DeadlineKind
from campaign.models.types import utcnow
from campaign.services import DomainError


class BadRule(DomainError):
    """A deadline rule that cannot be understood."""


def apply_rule(hearing_at: datetime, rule: str, time_zone: str) -> datetime:
    """The moment a rule gives for a hearing at hearing_at (aware), as an aware UTC datetime."""
    zone = ZoneInfo(time_zone)
    local = hearing_at.astimezone(zone)
    name, _, argument = rule.partition(":")
    try:
        if name == "days_before_at":
            days, _, clock = argument.partition(":")
            hour, minute = (int(x) for x in clock.split(":"))
            day = local.date() - timedelta(days=int(days))
            # Wall-clock time in the campaign's city: correct across daylight-saving changes.
            result = datetime.combine(day, time(hour, minute), tzinfo=zone)
        elif name == "hours_before":
            result = hearing_at - timedelta(hours=float(argument))
        elif name == "hours_after":
            result = hearing_at + timedelta(hours=float(argument))
        elif name == "business_days_before":
            remaining = int(argument)
            day = local.date()
            while remaining > 0:
                day -= timedelta(days=1)
                if day.weekday() < 5:
                    remaining -= 1
            result = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
        else:
            raise BadRule(f"unknown deadline rule {rule!r}")
    except (ValueError, TypeError) as exc:
        raise BadRule(f"cannot read deadline rule {rule!r}") from exc
    return result.astimezone(ZoneInfo("UTC"))


def add_relative(
    session: Session,
    hearing: Deadline,
    kind: DeadlineKind,
    title: str,
    rule: str,
    *,
    title_es: str | None = None,
) -> Deadline:
    """Add a deadline that follows a hearing by a rule."""
    if hearing.kind != DeadlineKind.HEARING:
        raise DomainError("relative deadlines follow a hearing")
    campaign: Campaign = hearing.campaign
    deadline = Deadline(
        campaign=campaign,
        kind=kind,
        title=title,
        title_es=title_es,
        at=apply_rule(hearing.at, rule, campaign.time_zone),
        relative_to=hearing,
        rule=rule,
    )
    session.add(deadline)
    return deadline


def move_hearing(session: Session, hearing: Deadline, new_at: datetime) -> list[Deadline]:
    """Move a hearing and every deadline that follows it; returns the moved dependents."""
    hearing.at = new_at
    moved = []
    for dependent in hearing.dependents:
        dependent.at = apply_rule(new_at, dependent.rule or "", hearing.campaign.time_zone)
        moved.append(dependent)
    return moved


def comment_deadline_for(hearing: Deadline) -> Deadline | None:
    """The comment deadline that closes written testimony for this hearing, if one is set."""
    for dependent in hearing.dependents:
        if dependent.kind == DeadlineKind.COMMENT_DEADLINE:
            return dependent
    return None


class DeadlineStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    PASSED = "passed"


def status(deadline: Deadline, now: datetime | None = None, due_soon_hours: int = 72) -> str:
    """Upcoming, due soon (within due_soon_hours) or passed, as of now."""
    now = now or utcnow()
    if deadline.at <= now:
        return DeadlineStatus.PASSED
    if deadline.at - now <= timedelta(hours=due_soon_hours):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.UPCOMING


def next_deadline(campaign: Campaign, now: datetime | None = None) -> Deadline | None:
    """The soonest deadline not yet passed."""
    now = now or utcnow()
    upcoming = [d for d in campaign.deadlines if d.at > now]
    return min(upcoming, key=lambda d: d.at) if upcoming else None
