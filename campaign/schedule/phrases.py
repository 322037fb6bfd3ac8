"""Dates in words, in the reader's language: a deadline's rule, how soon a moment is, what is at
risk. The schedule pages, the staff's setup pages, the calendar feeds and the reminder mail all
say these things, and all take the words from here; the services give the facts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_time
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from campaign.services import deadlines as deadline_service
from campaign.services.agenda import RiskWarning, WarningKind


def describe_rule(rule: str) -> str:
    """The rule in the reader's language: "The day before the hearing at 3:00 PM"; BadRule
    for a rule that cannot be read."""
    name, v = deadline_service.parse_rule(rule)
    clock = (
        format_time(
            time(int(v["hour"]), int(v["minute"])), "short", locale=str(get_locale() or "en")
        )
        if "hour" in v
        else ""
    )
    count = int(v.get("count", 0))
    if name == "days_before_at":
        return _days_before(count, clock)
    if name == "days_after_at":
        return ngettext(
            "%(num)d day after the hearing at %(time)s",
            "%(num)d days after the hearing at %(time)s",
            count,
            time=clock,
        )
    if name in ("hours_before", "hours_after"):
        return _hours(name, float(v["hours"]))
    if name == "business_days_before":
        return ngettext(
            "%(num)d business day before the hearing, at the hearing's time",
            "%(num)d business days before the hearing, at the hearing's time",
            count,
        )
    return ngettext(
        "%(num)d business day before the hearing at %(time)s",
        "%(num)d business days before the hearing at %(time)s",
        count,
        time=clock,
    )


def _days_before(count: int, clock: str) -> str:
    if count == 0:
        return _("The day of the hearing at %(time)s", time=clock)
    if count == 1:
        return _("The day before the hearing at %(time)s", time=clock)
    return _("%(num)d days before the hearing at %(time)s", num=count, time=clock)


def _hours(name: str, hours: float) -> str:
    shown, form = f"{hours:g}", 1 if hours == 1 else 2
    if name == "hours_before":
        return ngettext(
            "%(hours)s hour before the hearing",
            "%(hours)s hours before the hearing",
            form,
            hours=shown,
        )
    return ngettext(
        "%(hours)s hour after the hearing", "%(hours)s hours after the hearing", form, hours=shown
    )


def rule_of(deadline) -> str:
    """A relative deadline's rule in words, or "" for a fixed date."""
    if not deadline.rule:
        return ""
    try:
        return describe_rule(deadline.rule)
    except deadline_service.BadRule:
        return ""


def how_soon(at: datetime, now: datetime, time_zone: str) -> str:
    """How soon, in words: "in 20 hours", "tomorrow", "in 2 days" (calendar days in the
    campaign's zone), "2 hours ago"."""
    delta = at - now
    if delta < timedelta(0):
        hours = int(-delta.total_seconds() // 3600)
        if hours < 24:
            return ngettext("%(num)d hour ago", "%(num)d hours ago", max(hours, 1))
        return ngettext("%(num)d day ago", "%(num)d days ago", hours // 24)
    if delta < timedelta(hours=1):
        return ngettext(
            "in %(num)d minute", "in %(num)d minutes", max(int(delta.total_seconds() // 60), 1)
        )
    if delta < timedelta(hours=24):
        return ngettext("in %(num)d hour", "in %(num)d hours", int(delta.total_seconds() // 3600))
    zone = deadline_service.zone_of(time_zone)
    days = (at.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days <= 1:
        return _("tomorrow")
    return ngettext("in %(num)d day", "in %(num)d days", days)


def risk_text(warning: RiskWarning, now: datetime) -> str:
    """A warning of the lead's agenda in words: "Hearing in 2 days and no packet built"."""
    when = how_soon(warning.deadline.at, now, warning.campaign.time_zone)
    count = warning.count
    if warning.kind == WarningKind.NO_PACKET:
        return _("Hearing %(when)s and no packet built", when=when)
    if warning.kind == WarningKind.MODERATION_BEFORE_HEARING:
        return ngettext(
            "%(num)d testimony still waits for moderation and the hearing is %(when)s",
            "%(num)d testimonies still wait for moderation and the hearing is %(when)s",
            count,
            when=when,
        )
    if warning.kind == WarningKind.MODERATION_BEFORE_COMMENT_DEADLINE:
        return ngettext(
            "%(num)d testimony waits for moderation and the comment deadline is %(when)s",
            "%(num)d testimonies wait for moderation and the comment deadline is %(when)s",
            count,
            when=when,
        )
    return ngettext(
        "Speaker cut-off %(when)s and %(num)d speaker needs an interpreter",
        "Speaker cut-off %(when)s and %(num)d speakers need an interpreter",
        count,
        when=when,
    )
