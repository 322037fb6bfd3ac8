"""The two providers against the fake council's server: fields, paging, votes, members,
the token, the cache, the rate limit, retries, and every fault as a RecordError."""

from __future__ import annotations

from datetime import time
from urllib.parse import unquote

import pytest

from campaign.record import RecordError, fake_council, fetch
from campaign.record.clients import configured, provider
from campaign.record.fetch import FetchSettings, RecordFetcher
from campaign.record.ical import ICalendarProvider
from campaign.services.record_sync import meeting_clock
from tests.record.fake_legistar import client_settings, unused_url


def _provider(server, **overrides):
    settings = {"riverton": client_settings(server, **overrides)}
    return provider(configured(settings, "testing")["riverton"])


def test_a_matter_with_two_hearings_and_a_scheduled_vote(legistar):
    snapshot = _provider(legistar).snapshot(fake_council.OPEN_FILE)
    matter = snapshot.matter
    assert (matter.file, matter.type_name, matter.status, matter.body) == (
        "2026-0412",
        "Contract",
        "Referred to Committee",
        "Riverton City Council",
    )
    assert matter.title.startswith("Renewal of the Regional Arrest Records")
    kinds = [(e.source_id, e.kind, e.time_text) for e in snapshot.events]
    assert kinds == [
        ("9001", "hearing", "10:00 AM"),
        ("9002", "hearing", "10:00 AM"),
        ("9003", "vote", "6:00 PM"),
    ]
    assert snapshot.events[1].url.endswith("MeetingDetail.aspx?ID=9002")
    assert snapshot.votes == ()
    assert [(m.name, m.district) for m in snapshot.members][:2] == [
        ("Alicia Moreno", "1"),
        ("Robert Keane", "2"),
    ]


def test_the_events_listing_takes_two_pages_of_at_most_1000(legistar):
    snapshot = _provider(legistar).snapshot(fake_council.OPEN_FILE)
    listings = [unquote(p) for p in legistar.requests if "/events?" in p]
    assert len(listings) == 2
    assert "$top=1000&$skip=0" in listings[0] and "$top=1000&$skip=1000" in listings[1]
    # The upcoming hearing sits on the second page: without paging it would be missing.
    assert "9002" in [e.source_id for e in snapshot.events]
    assert len(legistar.council.events) > 1200


def test_the_filter_quotes_the_file_number_as_odata_does(legistar):
    with pytest.raises(RecordError) as caught:
        _provider(legistar).snapshot("O'Brien 1")
    assert caught.value.code == "record_not_found"
    assert "MatterFile eq 'O''Brien 1'" in unquote(legistar.requests[0]).replace("+", " ")


def test_a_roll_call_vote_gives_each_members_vote(legistar):
    snapshot = _provider(legistar).snapshot(fake_council.CLOSED_FILE)
    values = {v.person: v.value for v in snapshot.votes}
    assert len(values) == 9
    assert values["Robert Keane"] == "Nay" and values["Alicia Moreno"] == "Yea"
    assert any("/eventitems/80010/votes" in p for p in legistar.requests)


def test_the_token_goes_as_a_query_parameter_when_configured(legistar):
    legistar.council.token = "s3cret"
    with pytest.raises(RecordError) as caught:
        _provider(legistar).snapshot(fake_council.OPEN_FILE)
    assert (caught.value.code, caught.value.details["status"]) == ("record_http_error", 401)
    snapshot = _provider(legistar, token="s3cret").snapshot(fake_council.OPEN_FILE)
    assert snapshot.matter is not None
    assert all("token=s3cret" in p for p in legistar.requests[1:])


def test_fetches_are_cached_under_their_key(legistar):
    first = _provider(legistar, cache_seconds=300).snapshot(fake_council.OPEN_FILE)
    asked = len(legistar.requests)
    second = _provider(legistar, cache_seconds=300).snapshot(fake_council.OPEN_FILE)
    assert len(legistar.requests) == asked
    assert first.fingerprint() == second.fingerprint()
    legistar.council.move_event(fake_council.HEARING_ID, legistar.today)
    assert _provider(legistar, cache_seconds=300).snapshot(fake_council.OPEN_FILE) == first
    fetch.clear_cache()
    assert _provider(legistar).snapshot(fake_council.OPEN_FILE).fingerprint() != (
        first.fingerprint()
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_client_is_asked_at_most_its_rate(legistar):
    clock = _Clock()
    fetcher = RecordFetcher(
        "rate-test",
        FetchSettings(requests_per_second=4, cache_seconds=0),
        sleep=clock.sleep,
        clock=clock,
    )
    for _ in range(3):
        fetcher.get_json(f"{legistar.base_url}/bodies")
    assert clock.slept == [0.25, 0.25]


def test_a_503_is_retried_with_backoff_then_reported(legistar):
    legistar.fault = "503"
    clock = _Clock()
    settings = FetchSettings(retries=2, backoff=0.5, requests_per_second=0, cache_seconds=0)
    fetcher = RecordFetcher("retry-test", settings, sleep=clock.sleep, clock=clock)
    with pytest.raises(RecordError) as caught:
        fetcher.get_json(f"{legistar.base_url}/matters")
    assert (caught.value.code, caught.value.details) == ("record_http_error", {"status": 503})
    assert clock.slept == [0.5, 1.0]
    assert len(legistar.requests) == 3
    legistar.fault = None
    assert fetcher.get_json(f"{legistar.base_url}/bodies")


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("slow", "record_timeout"),
        ("503", "record_http_error"),
        ("malformed", "record_malformed"),
        ("endless", "record_paging"),
    ],
)
def test_each_fault_is_a_record_error_with_its_code(legistar, fault, code):
    legistar.fault = fault
    with pytest.raises(RecordError) as caught:
        _provider(legistar).snapshot(fake_council.OPEN_FILE)
    assert caught.value.code == code


def test_a_council_that_is_down_is_unreachable(legistar):
    with pytest.raises(RecordError) as caught:
        _provider(legistar, base_url=unused_url()).snapshot(fake_council.OPEN_FILE)
    assert caught.value.code == "record_unreachable"


def test_the_icalendar_provider_reads_the_councils_feed(legistar):
    fetcher = RecordFetcher("ics", FetchSettings(requests_per_second=0, cache_seconds=0))
    snapshot = ICalendarProvider(fetcher, legistar.ics_url).snapshot("2026-0412")
    assert snapshot.matter is None
    assert [e.kind for e in snapshot.events] == ["hearing", "hearing", "vote"]
    vote = snapshot.events[-1]
    assert (vote.at.hour, str(vote.at.tzinfo)) == (18, "America/New_York")
    assert vote.location.startswith("Riverton City Hall, Council Chambers")
    assert ICalendarProvider(fetcher, legistar.ics_url).snapshot("1999-1").events == ()


def test_a_feed_that_is_not_icalendar_is_malformed(legistar):
    legistar.ics = "<html>maintenance</html>"
    fetcher = RecordFetcher("ics", FetchSettings(requests_per_second=0, cache_seconds=0))
    with pytest.raises(RecordError) as caught:
        ICalendarProvider(fetcher, legistar.ics_url).snapshot("2026-0412")
    assert caught.value.code == "record_malformed"


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("10:00 AM", time(10, 0)),
        ("6 p.m.", time(18, 0)),
        ("12:30 PM", time(12, 30)),
        ("12:00 AM", time(0, 0)),
        ("14:30", time(14, 30)),
        ("Upon adjournment", time(9, 0)),
        ("", time(9, 0)),
        ("99:99", time(9, 0)),
    ],
)
def test_legistar_event_times_are_free_text(text, clock):
    assert meeting_clock(text) == clock


def test_a_demo_client_exists_only_where_demos_run():
    setting = {"riverton": {"demo": True}, "phila": {"provider": "legistar"}}
    assert set(configured(setting, "development")) == {"riverton", "phila"}
    assert set(configured(setting, "production")) == {"phila"}
