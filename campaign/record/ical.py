"""A council's public iCalendar feed of meetings: the simpler second source.

A feed has no matters and no votes; the meetings of a decision are the events whose summary
or description names its file number. An event whose summary says "vote" is the scheduled
vote, any other a hearing.
"""

from __future__ import annotations

from datetime import date, datetime

import icalendar

from campaign.record.fetch import RecordFetcher
from campaign.record.snapshot import RecordError, RecordEvent, RecordSnapshot


class ICalendarProvider:
    """Meetings from one council's .ics feed."""

    kind = "ical"

    def __init__(self, fetcher: RecordFetcher, feed_url: str) -> None:
        self.fetcher = fetcher
        self.feed_url = feed_url

    def snapshot(self, file_number: str) -> RecordSnapshot:
        """The feed's meetings that name this file number."""
        text = self.fetcher.get_text(self.feed_url)
        try:
            calendar = icalendar.Calendar.from_ical(text)
        except ValueError as exc:
            raise RecordError("not an iCalendar feed", code="record_malformed") from exc
        wanted = file_number.strip().lower()
        events = [
            event
            for event in (self._event(c) for c in calendar.walk("VEVENT"))
            if event is not None and wanted and wanted in event.action.lower()
        ]
        return RecordSnapshot(None, tuple(sorted(events, key=lambda e: e.on)))

    def _event(self, component) -> RecordEvent | None:
        start = component.get("DTSTART")
        if start is None:
            return None
        moment = start.dt
        summary = str(component.get("SUMMARY", ""))
        description = str(component.get("DESCRIPTION", ""))
        exact = moment if isinstance(moment, datetime) and moment.tzinfo else None
        day = moment.date() if isinstance(moment, datetime) else moment
        if not isinstance(day, date):
            return None
        return RecordEvent(
            source_id=str(component.get("UID", "")) or f"{day}:{summary}",
            kind="vote" if "vote" in summary.lower() else "hearing",
            body=summary,
            on=day,
            time_text=moment.strftime("%H:%M") if isinstance(moment, datetime) else "",
            location=str(component.get("LOCATION", "")),
            url=str(component.get("URL", "")),
            action=f"{summary}\n{description}",
            at=exact,
        )
