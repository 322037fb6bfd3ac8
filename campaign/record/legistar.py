"""Granicus Legistar's public Web API (https://webapi.legistar.com/v1/{client}).

What is read, and nothing else (docs/record.md lists it with what to check on a real council):
`matters?$filter=MatterFile eq '...'`, `matters/{id}/histories`, `events?$filter=EventDate ge
datetime'...'` (paged), `events/{id}/eventitems`, `eventitems/{id}/votes` and `officerecords`.
The meetings of a matter are the events its history points at; one whose action is a vote, or
that the full council holds, is the scheduled vote, any other a hearing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from campaign.record.fetch import RecordFetcher
from campaign.record.snapshot import (
    RecordError,
    RecordEvent,
    RecordMatter,
    RecordMember,
    RecordSnapshot,
    RecordVote,
)

VOTE_ACTION = re.compile(r"\b(vote|adopt|passed|final passage|enact)", re.IGNORECASE)
DISTRICT = re.compile(r"\bdistrict\s*(?:no\.?\s*)?([\w-]+)", re.IGNORECASE)
LOOKBACK_DAYS = 30


def _odata_text(value: str) -> str:
    """A string literal for $filter: quotes doubled, as OData escapes them."""
    return "'" + value.replace("'", "''") + "'"


def _day(value: Any) -> date | None:
    """Legistar's dates ("2026-12-10T00:00:00"); None for anything else."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return " ".join(str(value).split()) if value is not None else ""


class LegistarProvider:
    """The record of one Legistar client (a council), read through a RecordFetcher."""

    kind = "legistar"

    def __init__(
        self,
        fetcher: RecordFetcher,
        base_url: str,
        *,
        council_body: str | None = None,
        matter_page: str | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.council_body = council_body
        # A link residents can open, e.g. "https://phila.legistar.com/LegislationDetail.aspx?
        # ID={MatterId}&GUID={MatterGuid}"; the API's own address when none is configured.
        self.matter_page = matter_page

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def snapshot(self, file_number: str) -> RecordSnapshot:
        """The matter filed under `file_number`, its meetings, its votes and the members."""
        row = self._matter_row(file_number)
        matter = self._matter(row)
        histories = self.fetcher.get_rows(self._url(f"matters/{matter.source_id}/histories"))
        events = self._events(histories, matter)
        votes = self._votes(histories, matter)
        return RecordSnapshot(matter, tuple(events), tuple(votes), tuple(self._members()))

    def _matter_row(self, file_number: str) -> dict[str, Any]:
        rows = self.fetcher.get_json(
            self._url("matters"), {"$filter": f"MatterFile eq {_odata_text(file_number)}"}
        )
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise RecordError("matters: not a list of rows", code="record_malformed")
        if not rows or "MatterId" not in rows[0]:
            raise RecordError(f"no matter filed as {file_number!r}", code="record_not_found")
        return rows[0]

    def _matter(self, row: dict[str, Any]) -> RecordMatter:
        url = self._url(f"matters/{row['MatterId']}")
        if self.matter_page:
            url = self.matter_page.format_map(
                {k: row.get(k, "") for k in ("MatterId", "MatterGuid")}
            )
        return RecordMatter(
            source_id=str(row["MatterId"]),
            file=_text(row, "MatterFile"),
            title=_text(row, "MatterTitle") or _text(row, "MatterName"),
            type_name=_text(row, "MatterTypeName"),
            status=_text(row, "MatterStatusName"),
            body=_text(row, "MatterBodyName"),
            url=url,
            intro_date=_day(row.get("MatterIntroDate")),
        )

    def _events(self, histories: list[dict[str, Any]], matter: RecordMatter) -> list[RecordEvent]:
        """The meetings the history points at, read from one paged listing of events since
        the matter's first action (the listing the clerk's calendar uses)."""
        actions = {
            row["MatterHistoryEventId"]: _text(row, "MatterHistoryActionName")
            for row in histories
            if isinstance(row.get("MatterHistoryEventId"), int)
        }
        if not actions:
            return []
        days = [d for d in (_day(r.get("MatterHistoryActionDate")) for r in histories) if d]
        first = min([*days, matter.intro_date or date.today()]) - timedelta(days=LOOKBACK_DAYS)
        since = datetime.combine(first, datetime.min.time()).isoformat()
        rows = self.fetcher.get_rows(
            self._url("events"),
            {"$filter": f"EventDate ge datetime'{since}'", "$orderby": "EventDate"},
        )
        return [
            self._event(row, actions[row["EventId"]])
            for row in rows
            if row.get("EventId") in actions and _day(row.get("EventDate"))
        ]

    def _event(self, row: dict[str, Any], action: str) -> RecordEvent:
        body = _text(row, "EventBodyName")
        is_vote = bool(VOTE_ACTION.search(action)) or (
            self.council_body is not None and body == self.council_body
        )
        return RecordEvent(
            source_id=str(row["EventId"]),
            kind="vote" if is_vote else "hearing",
            body=body,
            on=_day(row.get("EventDate")) or date.min,
            time_text=_text(row, "EventTime"),
            location=_text(row, "EventLocation"),
            url=_text(row, "EventInSiteURL"),
            action=action,
        )

    def _votes(self, histories: list[dict[str, Any]], matter: RecordMatter) -> list[RecordVote]:
        """Each member's vote at every meeting where the matter was voted on (a passed flag)."""
        votes: list[RecordVote] = []
        for row in histories:
            event_id = row.get("MatterHistoryEventId")
            if row.get("MatterHistoryPassedFlag") is None or not isinstance(event_id, int):
                continue
            on = _day(row.get("MatterHistoryActionDate")) or date.min
            items = self.fetcher.get_rows(self._url(f"events/{event_id}/eventitems"))
            for item in items:
                if str(item.get("EventItemMatterId")) != matter.source_id:
                    continue
                for vote in self.fetcher.get_rows(
                    self._url(f"eventitems/{item['EventItemId']}/votes")
                ):
                    votes.append(
                        RecordVote(
                            person=_text(vote, "VotePersonName"),
                            value=_text(vote, "VoteValueName"),
                            event_id=str(event_id),
                            on=on,
                            url=matter.url,
                        )
                    )
        return [v for v in votes if v.person]

    def _members(self) -> list[RecordMember]:
        """The council's sitting members, with the district their office names, if any."""
        if not self.council_body:
            return []
        rows = self.fetcher.get_rows(
            self._url("officerecords"),
            {"$filter": f"OfficeRecordBodyName eq {_odata_text(self.council_body)}"},
        )
        today = date.today()
        members = {}
        for row in rows:
            end = _day(row.get("OfficeRecordEndDate"))
            name = _text(row, "OfficeRecordFullName")
            if not name or (end is not None and end < today):
                continue
            found = DISTRICT.search(_text(row, "OfficeRecordTitle"))
            members[name] = RecordMember(name, found.group(1) if found else None)
        return list(members.values())
