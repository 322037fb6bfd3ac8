"""What a reader sees in their own language and their campaign's time zone: campaign texts
with their English fallback, dates, the time left. Template globals and filters
(campaign.web.init_app) and views share these."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from campaign.bilingual import in_language, lacks_spanish


def localized(obj, field: str) -> str:
    """A campaign text in the reader's language, falling back to English (campaign.bilingual)."""
    return in_language(obj, field, str(get_locale() or "en"))


def untranslated_here(obj, field: str) -> bool:
    """True when the reader reads Spanish and sees a campaign text's English fallback: staff
    pages mark it "not translated yet"."""
    return str(get_locale() or "en") == "es" and lacks_spanish(obj, field)


def local_time(moment: datetime, time_zone: str) -> datetime:
    """A moment as the clock on the wall reads it in the campaign's city."""
    return moment.astimezone(ZoneInfo(time_zone))


def format_when(moment: datetime, time_zone: str, with_time: bool = True) -> str:
    """A date and time in the campaign's zone, with the zone named: 'Tuesday, December 8, 2026,
    3:00 PM EST'."""
    local = local_time(moment, time_zone)
    locale = str(get_locale() or "en")
    text = format_date(local, "full", locale=locale)
    if with_time:
        text += ", " + format_time(local, "short", locale=locale) + " " + (local.tzname() or "")
    return text


def time_left(moment: datetime, now: datetime | None = None) -> str:
    """How long until a moment, in words and two units: "in 3 days, 4 hours"."""
    from campaign.models.types import utcnow

    minutes = int((moment - (now or utcnow())).total_seconds()) // 60
    if minutes < 0:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    day_text = ngettext("%(num)s day", "%(num)s days", days)
    hour_text = ngettext("%(num)s hour", "%(num)s hours", hours)
    if not (days or hours):
        minutes = max(minutes, 1)  # "in 1 minute", never "in 0 minutes"
    minute_text = ngettext("%(num)s minute", "%(num)s minutes", minutes)
    if days:
        span = f"{day_text}, {hour_text}" if hours else day_text
    elif hours:
        span = f"{hour_text}, {minute_text}" if minutes else hour_text
    else:
        span = minute_text
    return _("in %(span)s", span=span)


def language_context() -> dict:
    """What every template knows: now, and the reader's language and the other one."""
    from campaign.models.types import utcnow

    current = str(get_locale() or "en")
    return {
        "now_utc": utcnow(),
        "current_language": current,
        "other_language": "es" if current == "en" else "en",
    }
