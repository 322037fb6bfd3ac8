"""iCalendar feeds, written in the reader's language: a public one per campaign and a private
one per staff member (which campaigns and dates they hold: campaign.services.calendars).

Both are built with the icalendar package: one VEVENT per deadline with a UID that never
changes (``deadline-<id>@<slug>.campaign``), DTSTART with the campaign's TZID and a VTIMEZONE
for it, LOCATION, SUMMARY, a DESCRIPTION naming the decision and linking the campaign, and a
SEQUENCE / LAST-MODIFIED taken from the audit log so a moved hearing updates the event on
subscribed phones instead of adding a second one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone
from sqlalchemy.orm import Session

from campaign.display import localized
from campaign.labels import label
from campaign.models import Campaign, Deadline, DeadlineKind, User
from campaign.models.types import utcnow
from campaign.schedule.phrases import rule_of
from campaign.services import calendars
from campaign.services import deadlines as deadline_service

PRODID = "-//Riverton campaigns//Deadlines//EN"
# RFC 5545 TEXT cannot carry control characters (a line break is written as "\n").
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Points in time, not blocks of time: only hearings make the person busy.
BUSY_KINDS = (DeadlineKind.HEARING, DeadlineKind.VOTE)

CampaignUrl = Callable[[Campaign], str]


def ical_text(value: str) -> str:
    """Campaign text as an iCalendar TEXT value can carry it: line breaks kept, no other
    control characters (staff forms keep them, and one would break every subscribed phone)."""
    return TEXT_CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(value: str) -> str:
    # The calendar's own name and description are written unescaped by the icalendar
    # package, which refuses a line break there (and clients show them on one line).
    return ical_text(value).replace("\n", " ")


def event_uid(deadline: Deadline, campaign: Campaign) -> str:
    """The UID of a deadline's event: stable for as long as the deadline exists."""
    return f"deadline-{deadline.id}@{campaign.slug}.campaign"


def _description(deadline: Deadline, campaign: Campaign, url: str) -> str:
    # Labels are looked up outside the f-strings so that the catalog extractor finds them.
    campaign_label, decision_label = _("Campaign"), _("Decision")
    committee_label, zone_label = _("Committee"), _("Time zone")
    lines = [
        f"{label(deadline.kind)}: {localized(deadline, 'title')}",
        f"{campaign_label}: {localized(campaign, 'title')}",
    ]
    if campaign.ask:
        lines.append(localized(campaign, "ask"))
    decision = campaign.decision
    if decision is not None:
        reference = f" ({localized(decision, 'reference')})" if decision.reference else ""
        lines.append(
            f"{decision_label}: {localized(decision, 'title')}{reference}, "
            f"{localized(decision, 'body')}"
        )
    if deadline.committee:
        lines.append(f"{committee_label}: {localized(deadline, 'committee')}")
    if deadline.notes:
        lines.append(localized(deadline, "notes"))
    if rule := rule_of(deadline):
        lines.append(rule)
    lines.append(f"{zone_label}: {campaign.time_zone}")
    lines.append(url)
    return "\n".join(lines)


def _event(
    deadline: Deadline, campaign: Campaign, url: str, revision: tuple[int, datetime] | None
) -> Event:
    zone = deadline_service.zone_of(campaign.time_zone)
    sequence, modified = revision or (0, deadline.created_at)
    modified = max(modified, deadline.created_at)
    event = Event.new(
        uid=event_uid(deadline, campaign),
        summary=ical_text(f"{localized(deadline, 'title')} ({localized(campaign, 'title')})"),
        start=deadline.at.astimezone(zone),
        location=ical_text(localized(deadline, "location")) if deadline.location else None,
        description=ical_text(_description(deadline, campaign, url)),
        # DTSTAMP is the last revision, not the time of the request: without METHOD it means
        # "when the information was last revised", and a stable feed lets clients cache it.
        stamp=modified,
        created=deadline.created_at,
        last_modified=modified,
        sequence=sequence,
        url=url,
        categories=[label(deadline.kind)],
    )
    event.add("TRANSP", "OPAQUE" if deadline.kind in BUSY_KINDS else "TRANSPARENT")
    event.add("STATUS", "CONFIRMED")
    return event


def _calendar(
    name: str,
    uid: str,
    description: str,
    items: Iterable[tuple[Deadline, Campaign]],
    session: Session,
    campaign_url: CampaignUrl,
    zones: set[str],
) -> bytes:
    items = list(items)
    revisions = deadline_service.revisions(session, [d.id for d, _c in items])
    calendar = Calendar.new(
        prodid=PRODID, name=_one_line(name), description=_one_line(description), uid=uid
    )
    calendar.add("CALSCALE", "GREGORIAN")
    # RFC 7986 wants the VALUE parameter spelled out: REFRESH-INTERVAL;VALUE=DURATION:PT1H.
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H", encode=False)
    if len(zones) == 1:
        calendar.add("X-WR-TIMEZONE", next(iter(zones)))
    for deadline, campaign in items:
        calendar.add_component(
            _event(deadline, campaign, campaign_url(campaign), revisions.get(deadline.id))
        )
    _add_timezones(calendar, [d.at for d, _c in items], zones)
    return calendar.to_ical()


def _add_timezones(calendar: Calendar, moments: list[datetime], zones: set[str]) -> None:
    """A VTIMEZONE for every zone used, covering every date in the feed with a year to spare."""
    if moments:
        first = min(moments).date() - timedelta(days=366)
        last = max(moments).date() + timedelta(days=366)
    else:
        today = utcnow().date()
        first, last = today - timedelta(days=366), today + timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=max(last, first + timedelta(1)))
    for zone in sorted(zones - {tz.tz_name for tz in calendar.timezones}):
        # A campaign with no dates yet still names its zone.
        calendar.add_component(_timezone(zone, first, last))


def _timezone(zone: str, first: date, last: date) -> Timezone:
    return Timezone.from_tzid(zone, first_date=first, last_date=last)


def public_feed(session: Session, campaign: Campaign, campaign_url: CampaignUrl) -> bytes:
    """The campaign's public iCalendar feed: every dated milestone of the decision."""
    items = [(d, campaign) for d in sorted(campaign.deadlines, key=lambda d: (d.at, d.id))]
    return _calendar(
        name=localized(campaign, "title"),
        uid=f"calendar-{campaign.id}@{campaign.slug}.campaign",
        description=localized(campaign, "ask"),
        items=items,
        session=session,
        campaign_url=campaign_url,
        zones={campaign.time_zone},
    )


def staff_feed(session: Session, user: User, campaign_url: CampaignUrl) -> bytes:
    """A staff member's private feed: the deadlines of all their campaigns, drafts included."""
    campaigns = calendars.staff_campaigns(session, user)
    items = [(d, c) for c in campaigns for d in c.deadlines]
    items.sort(key=lambda pair: (pair[0].at, pair[0].id))
    return _calendar(
        name=_("Campaign deadlines"),
        uid=f"staff-{user.id}@calendar.campaign",
        description=_("Every deadline of the campaigns you work on."),
        items=items,
        session=session,
        campaign_url=campaign_url,
        zones={c.time_zone for c in campaigns},
    )
