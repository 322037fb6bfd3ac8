"""The city's own record: where a decision, its hearings and its votes are published.

One interface (`RecordProvider`: `snapshot(file_number)` gives a `RecordSnapshot`), two
providers: Granicus Legistar's public Web API (`legistar.py`) and a council's public
iCalendar feed of meetings (`ical.py`). Both fetch through `fetch.RecordFetcher` (timeouts,
retries with backoff, paging, a per-client rate limit, a keyed cache). Nothing here touches the
database: `campaign/services/record_sync.py` applies a snapshot to a campaign.
"""

from campaign.record.snapshot import (
    RecordError,
    RecordEvent,
    RecordMatter,
    RecordMember,
    RecordProvider,
    RecordSnapshot,
    RecordVote,
)

__all__ = [
    "RecordError",
    "RecordEvent",
    "RecordMatter",
    "RecordMember",
    "RecordProvider",
    "RecordSnapshot",
    "RecordVote",
]
