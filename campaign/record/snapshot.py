"""What a provider reads from the record, in the product's words, and how fetching fails."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol

from campaign.services import DomainError


class RecordError(DomainError):
    """The record could not be read; the code says why: record_unreachable, record_timeout,
    record_http_error (details: status), record_malformed, record_paging, record_not_found,
    record_client_unknown, record_not_configured."""

    code = "record_unreachable"


@dataclass(frozen=True)
class RecordMatter:
    """The decision as the council files it (a Legistar matter)."""

    source_id: str
    file: str
    title: str
    type_name: str
    status: str
    body: str
    url: str
    intro_date: date | None = None


@dataclass(frozen=True)
class RecordEvent:
    """A meeting where the matter is heard or voted on (a Legistar event).

    `at` is the exact moment when the source gives one (iCalendar); Legistar gives a date and
    a free-text time (`time_text`, "10:00 AM", "Upon adjournment"), read in the city's zone.
    """

    source_id: str
    kind: str  # "hearing" or "vote"
    body: str
    on: date
    time_text: str = ""
    location: str = ""
    url: str = ""
    action: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class RecordVote:
    """One member's vote on the matter at one meeting."""

    person: str
    value: str  # as the council words it: "Yea", "Nay", "Absent", ...
    event_id: str
    on: date
    url: str = ""


@dataclass(frozen=True)
class RecordMember:
    """A member of the council and the district they represent, where published."""

    name: str
    district: str | None = None
    office: str = "Council Member"


@dataclass(frozen=True)
class RecordSnapshot:
    """Everything one fetch read about one decision; its fingerprint keys the sync."""

    matter: RecordMatter | None
    events: tuple[RecordEvent, ...] = ()
    votes: tuple[RecordVote, ...] = ()
    members: tuple[RecordMember, ...] = field(default=())

    def fingerprint(self) -> str:
        """A hash of the content: equal for an unchanged decision, whatever the fetch order."""
        content = asdict(self)
        for name in ("events", "votes", "members"):
            content[name] = sorted(content[name], key=lambda row: json.dumps(row, default=str))
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class RecordProvider(Protocol):
    """A source of the official record for one council client."""

    kind: str

    def snapshot(self, file_number: str) -> RecordSnapshot:
        """The decision filed under this number, its meetings and votes; RecordError if the
        source cannot be read."""
        ...
