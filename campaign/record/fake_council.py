"""A fake Legistar council ("riverton"): the demo's record, and the tests' fake server.

Built from the fields Legistar documents (docs/record.md): two matters, the open one with a
past and an upcoming committee hearing and a scheduled council vote, the closed one voted by
roll call; 1,200 other meetings, so a listing takes two pages of 1,000; the council's office
records with districts. `FakeCouncil.wsgi` answers the Web API's GETs with $filter (`eq`,
`ge`, joined by `and`), $top (at most 1,000), $skip and $orderby. Never used in production:
campaign/record/clients.py refuses a demo client there.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

CLIENT = "riverton"
OPEN_FILE = "2026-0412"
CLOSED_FILE = "2026-118"
COUNCIL_BODY = "Riverton City Council"
COMMITTEE = "Committee on Public Safety"
CHAMBERS = "Riverton City Hall, Council Chambers, 200 Main Street, 3rd floor"
MEMBERS = (
    ("Alicia Moreno", "1"),
    ("Robert Keane", "2"),
    ("Danielle Okoro", "3"),
    ("Marcus Lee", "4"),
    ("Teresa Villalobos", "5"),
    ("Frank Dempsey", "6"),
    ("Hannah Sato", "7"),
    ("Jamal Whitaker", "8"),
    ("Patricia Nowak", "9"),
)
OTHER_BODIES = ("Committee on Parks", "Committee on Housing", "Committee on Finance")
PAGE_CAP = 1000
_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ge|le)\s+(?:datetime)?('(?:[^']|'')*'|-?\d+)\s*$")


def _day(d: date) -> str:
    return f"{d.isoformat()}T00:00:00"


@dataclass
class FakeCouncil:
    """The state of the fake record; tests change it between syncs."""

    matters: list[dict[str, Any]] = field(default_factory=list)
    histories: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    event_items: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    votes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    office_records: list[dict[str, Any]] = field(default_factory=list)
    token: str | None = None
    requests: list[str] = field(default_factory=list)

    # Changes a clerk makes ------------------------------------------------------------

    def event(self, event_id: int) -> dict[str, Any]:
        return next(e for e in self.events if e["EventId"] == event_id)

    def move_event(self, event_id: int, on: date, time_text: str | None = None) -> None:
        """The clerk moves a meeting (EventLastModifiedUtc changes with it)."""
        row = self.event(event_id)
        row["EventDate"] = _day(on)
        if time_text is not None:
            row["EventTime"] = time_text
        row["EventLastModifiedUtc"] = f"{on.isoformat()}T12:00:00.0"
        self.events.sort(key=lambda e: (e["EventDate"], e["EventId"]))

    def add_hearing(self, matter_id: int, on: date, time_text: str = "10:00 AM") -> int:
        """A new meeting on the matter, and the history line that points at it."""
        event_id = max(e["EventId"] for e in self.events) + 1
        self.events.append(_event(event_id, COMMITTEE, on, time_text))
        self.events.sort(key=lambda e: (e["EventDate"], e["EventId"]))
        self.histories[matter_id].append(_history(matter_id, event_id, on, "Scheduled for hearing"))
        self.event_items[event_id] = [_item(event_id * 10, event_id, matter_id, self)]
        return event_id

    def set_status(self, matter_id: int, status: str) -> None:
        self.matter(matter_id)["MatterStatusName"] = status

    def matter(self, matter_id: int) -> dict[str, Any]:
        return next(m for m in self.matters if m["MatterId"] == matter_id)

    def hold_vote(self, matter_id: int, event_id: int, values: dict[str, str]) -> None:
        """The council votes: a passed flag on the history, each member's vote on the item."""
        history = next(
            h for h in self.histories[matter_id] if h["MatterHistoryEventId"] == event_id
        )
        yeas = sum(1 for v in values.values() if v == "Yea")
        nays = sum(1 for v in values.values() if v == "Nay")
        history.update(
            MatterHistoryPassedFlag=1 if yeas > nays else 0,
            MatterHistoryTally=f"{yeas}:{nays}",
            MatterHistoryActionName="Adopted" if yeas > nays else "Failed",
        )
        item = next(i for i in self.event_items[event_id] if i["EventItemMatterId"] == matter_id)
        item["EventItemPassedFlag"] = history["MatterHistoryPassedFlag"]
        item["EventItemTally"] = history["MatterHistoryTally"]
        self.votes[item["EventItemId"]] = [
            {"VoteId": n, "VotePersonName": name, "VoteValueName": value, "VoteResult": None}
            for n, (name, value) in enumerate(values.items(), start=1)
        ]

    # Serving --------------------------------------------------------------------------

    def rows_for(self, path: list[str]) -> Any:
        """The rows (or the one row) a path names; None for an unknown path."""
        match path:
            case ["matters"]:
                return self.matters
            case ["matters", mid]:
                return next((m for m in self.matters if str(m["MatterId"]) == mid), None)
            case ["matters", mid, "histories"]:
                return self.histories.get(int(mid) if mid.isdigit() else -1)
            case ["events"]:
                return self.events
            case ["events", eid]:
                return next((e for e in self.events if str(e["EventId"]) == eid), None)
            case ["events", eid, "eventitems"]:
                return self.event_items.get(int(eid) if eid.isdigit() else -1, [])
            case ["eventitems", iid, "votes" | "rollcalls"]:
                return self.votes.get(int(iid) if iid.isdigit() else -1, [])
            case ["officerecords"]:
                return self.office_records
            case ["persons"]:
                return [{"PersonId": n, "PersonFullName": m[0]} for n, m in enumerate(MEMBERS)]
            case ["bodies"]:
                return [
                    {"BodyId": 1, "BodyName": COUNCIL_BODY},
                    {"BodyId": 2, "BodyName": COMMITTEE},
                ]
        return None

    def answer(self, path: list[str], args: dict[str, str]) -> tuple[int, Any]:
        """Status and JSON for a GET below /v1/{client}/."""
        if self.token and args.get("token") != self.token:
            return 401, {"Message": "Authorization has been denied for this request."}
        found = self.rows_for(path)
        if found is None:
            return 404, {"Message": "No HTTP resource was found."}
        if isinstance(found, dict):
            return 200, found
        rows = [r for r in found if _matches(r, args.get("$filter", ""))]
        if args.get("$orderby"):
            rows.sort(key=lambda r: str(r.get(args["$orderby"].split()[0], "")))
        skip = int(args.get("$skip", "0") or 0)
        top = min(int(args.get("$top", str(PAGE_CAP)) or PAGE_CAP), PAGE_CAP)
        return 200, rows[skip : skip + top]

    def wsgi(self, environ, start_response):
        """The Web API as a WSGI application: GET /v1/{client}/{path}."""
        request = Request(environ)
        self.requests.append(request.full_path)
        parts = [p for p in request.path.split("/") if p]
        if len(parts) < 3 or parts[0] != "v1" or request.method != "GET":
            status, body = 404, {"Message": "No HTTP resource was found."}
        else:
            status, body = self.answer(parts[2:], request.args.to_dict())
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        return response(environ, start_response)

    def copy(self) -> FakeCouncil:
        return copy.deepcopy(self)

    def save(self, path: Path) -> None:
        """Write the record to a JSON file (the demo keeps its council in the instance folder,
        where a developer can move a hearing by hand and watch the sync follow)."""
        state = {
            name: getattr(self, name)
            for name in ("matters", "histories", "events", "event_items", "votes")
        }
        state["office_records"] = self.office_records
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1))
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> FakeCouncil:
        """The council a JSON file written by `save` holds."""
        state = json.loads(path.read_text())
        council = cls(matters=state["matters"], events=state["events"])
        council.office_records = state["office_records"]
        for name in ("histories", "event_items", "votes"):
            setattr(council, name, {int(k): v for k, v in state[name].items()})
        return council


def _matches(row: dict[str, Any], expression: str) -> bool:
    if not expression.strip():
        return True
    for clause in re.split(r"\s+and\s+", expression):
        found = _CLAUSE.match(clause)
        if found is None:
            return False
        name, op, raw = found.groups()
        wanted: Any = raw[1:-1].replace("''", "'") if raw.startswith("'") else int(raw)
        value = row.get(name)
        if value is None:
            return False
        if isinstance(wanted, str):
            value = str(value)
        if (op == "eq" and value != wanted) or (op == "ge" and value < wanted):
            return False
        if op == "le" and value > wanted:
            return False
    return True


def _event(event_id: int, body: str, on: date, time_text: str, location: str = CHAMBERS):
    return {
        "EventId": event_id,
        "EventGuid": f"guid-{event_id}",
        "EventBodyId": 2 if body == COMMITTEE else 1,
        "EventBodyName": body,
        "EventDate": _day(on),
        "EventTime": time_text,
        "EventLocation": location,
        "EventAgendaFile": None,
        "EventMinutesFile": None,
        "EventAgendaStatusName": "Final",
        "EventLastModifiedUtc": f"{on.isoformat()}T09:00:00.0",
        "EventInSiteURL": f"https://riverton.legistar.example/MeetingDetail.aspx?ID={event_id}",
    }


def _history(matter_id: int, event_id: int, on: date, action: str) -> dict[str, Any]:
    return {
        "MatterHistoryId": matter_id * 100 + event_id % 100,
        "MatterHistoryActionName": action,
        "MatterHistoryActionDate": _day(on),
        "MatterHistoryEventId": event_id,
        "MatterHistoryPassedFlag": None,
        "MatterHistoryTally": None,
    }


def _item(item_id: int, event_id: int, matter_id: int, council: FakeCouncil | None = None):
    files = {m["MatterId"]: m["MatterFile"] for m in (council.matters if council else [])}
    return {
        "EventItemId": item_id,
        "EventItemEventId": event_id,
        "EventItemMatterId": matter_id,
        "EventItemMatterFile": files.get(matter_id, ""),
        "EventItemActionName": None,
        "EventItemPassedFlag": None,
        "EventItemTally": None,
    }


def _matter(matter_id: int, file: str, title: str, type_name: str, status: str, intro: date):
    return {
        "MatterId": matter_id,
        "MatterGuid": f"guid-m{matter_id}",
        "MatterFile": file,
        "MatterName": title[:60],
        "MatterTitle": title,
        "MatterTypeName": type_name,
        "MatterStatusName": status,
        "MatterBodyName": COUNCIL_BODY,
        "MatterIntroDate": _day(intro),
        "MatterAgendaDate": None,
        "MatterPassedDate": None,
        "MatterEnactmentDate": None,
        "MatterLastModifiedUtc": f"{intro.isoformat()}T09:00:00.0",
    }


OPEN_MATTER_ID, CLOSED_MATTER_ID = 4101, 3907
PAST_HEARING_ID, HEARING_ID, VOTE_ID, CLOSED_VOTE_ID = 9001, 9002, 9003, 8001


# Riverton's clock (campaign.demo.riverton.TIME_ZONE): the council's "today" is the demo's, so
# a meeting typed for a day and the record's meeting fall on the same date at any hour (UTC
# passes midnight five hours before Riverton does).
RIVERTON_TIME_ZONE = "America/New_York"


def riverton_today() -> date:
    """Today on Riverton's wall clocks."""
    return datetime.now(ZoneInfo(RIVERTON_TIME_ZONE)).date()


def riverton(today: date) -> FakeCouncil:
    """The Riverton council's record as of `today`."""
    council = FakeCouncil()
    intro = today - timedelta(days=40)
    council.matters = [
        _matter(
            OPEN_MATTER_ID,
            OPEN_FILE,
            "Renewal of the Regional Arrest Records Data-Sharing Agreement",
            "Contract",
            "Referred to Committee",
            intro,
        ),
        _matter(
            CLOSED_MATTER_ID,
            CLOSED_FILE,
            "Resolution ending detainer holds in city jails",
            "Resolution",
            "Adopted",
            today - timedelta(days=120),
        ),
    ]
    # 1,200 other meetings, twenty a day from the introduction on: a listing since then
    # takes two pages, and the upcoming hearing is on the second.
    for n in range(1200):
        on = intro + timedelta(days=n // 20)
        body = OTHER_BODIES[n % len(OTHER_BODIES)]
        council.events.append(_event(10000 + n, body, on, "2:00 PM", "Room 101"))
    meetings = (
        (PAST_HEARING_ID, COMMITTEE, today - timedelta(days=10), "10:00 AM", "Held in Committee"),
        (HEARING_ID, COMMITTEE, today + timedelta(days=14), "10:00 AM", "Scheduled for hearing"),
        (VOTE_ID, COUNCIL_BODY, today + timedelta(days=23), "6:00 PM", "Scheduled for vote"),
    )
    council.histories[OPEN_MATTER_ID] = []
    for event_id, body, on, time_text, action in meetings:
        council.events.append(_event(event_id, body, on, time_text))
        council.histories[OPEN_MATTER_ID].append(_history(OPEN_MATTER_ID, event_id, on, action))
        council.event_items[event_id] = [_item(event_id * 10, event_id, OPEN_MATTER_ID, council)]
    closed_on = today - timedelta(days=60)
    council.events.append(_event(CLOSED_VOTE_ID, COUNCIL_BODY, closed_on, "6:00 PM"))
    council.histories[CLOSED_MATTER_ID] = [
        _history(CLOSED_MATTER_ID, CLOSED_VOTE_ID, closed_on, "Scheduled for vote")
    ]
    council.event_items[CLOSED_VOTE_ID] = [
        _item(CLOSED_VOTE_ID * 10, CLOSED_VOTE_ID, CLOSED_MATTER_ID, council)
    ]
    council.hold_vote(
        CLOSED_MATTER_ID,
        CLOSED_VOTE_ID,
        {name: ("Nay" if district in ("2", "4") else "Yea") for name, district in MEMBERS},
    )
    council.events.sort(key=lambda e: (e["EventDate"], e["EventId"]))
    council.office_records = [
        {
            "OfficeRecordId": n,
            "OfficeRecordFullName": name,
            "OfficeRecordTitle": f"Council Member, District {district}",
            "OfficeRecordBodyName": COUNCIL_BODY,
            "OfficeRecordStartDate": _day(today - timedelta(days=700)),
            "OfficeRecordEndDate": _day(today + timedelta(days=760)),
        }
        for n, (name, district) in enumerate(MEMBERS, start=1)
    ]
    return council


def riverton_ics(today: date) -> str:
    """The Riverton council's public meeting calendar (iCalendar), for the second provider."""
    council = riverton(today)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Riverton Clerk//Meetings//EN"]
    for event_id in (PAST_HEARING_ID, HEARING_ID, VOTE_ID):
        row = council.event(event_id)
        on = date.fromisoformat(row["EventDate"][:10])
        hour = 18 if event_id == VOTE_ID else 10
        kind = "Council vote" if event_id == VOTE_ID else "Hearing"
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{event_id}@clerk.riverton.example",
            f"DTSTAMP:{today:%Y%m%d}T000000Z",
            f"DTSTART;TZID=America/New_York:{on:%Y%m%d}T{hour:02d}0000",
            f"SUMMARY:{kind}: {row['EventBodyName']}",
            f"DESCRIPTION:Agenda includes File {OPEN_FILE}",
            f"LOCATION:{CHAMBERS.replace(',', chr(92) + ',')}",
            f"URL:{row['EventInSiteURL']}",
            "END:VEVENT",
        ]
    lines.append("BEGIN:VEVENT\r\nUID:other@clerk\r\nDTSTAMP:20260101T000000Z")
    lines.append(f"DTSTART;VALUE=DATE:{today:%Y%m%d}\r\nSUMMARY:Parks committee\r\nEND:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
