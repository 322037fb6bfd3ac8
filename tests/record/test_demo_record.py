"""The demo follows a fake Riverton council that the app answers itself (never in production)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
import time_machine

from campaign.demo import record as record_demo
from campaign.demo import riverton
from campaign.models import Campaign, Deadline, DeadlineKind, RecordVote
from campaign.record import clients, fake_council, fetch
from campaign.services import record_sync
from tests.conftest import make_app


def _demo_client(tmp_path) -> dict:
    return {
        "riverton": {
            "provider": "legistar",
            "demo": True,
            "base_url": "http://riverton.demo.invalid/v1/riverton",
            "council_body": fake_council.COUNCIL_BODY,
            "state_file": str(tmp_path / "demo-council.json"),
            "requests_per_second": 0,
            "cache_seconds": 0,
        }
    }


def test_the_demo_campaigns_follow_the_in_process_council(app, db, demo, tmp_path, runner):
    app.config["RECORD_CLIENTS"] = _demo_client(tmp_path)
    fetch.clear_cache()
    hearings_before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Deadline)
        .where(Deadline.kind == DeadlineKind.HEARING)
    )
    assert record_demo.follow_council(db.session) == [riverton.OPEN_SLUG, riverton.CLOSED_SLUG]
    db.session.commit()
    open_campaign = db.session.scalar(
        sa.select(Campaign).where(Campaign.slug == riverton.OPEN_SLUG)
    )
    # The typed hearing and vote are tied to the record, not duplicated; the record's past
    # hearing is added.
    hearings = [d for d in open_campaign.deadlines if d.kind == DeadlineKind.HEARING]
    assert len([d for d in open_campaign.deadlines if d.kind == DeadlineKind.VOTE]) == 1
    assert len(hearings) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecordVote)) == 9
    result = runner.invoke(args=["record", "sync"])
    assert "riverton-arrest-data: unchanged." in result.output
    assert hearings_before + 1 == db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Deadline)
        .where(Deadline.kind == DeadlineKind.HEARING)
    )
    # The clerk moves the hearing (the state file), and the next sync follows.
    fake = fake_council.FakeCouncil.load(tmp_path / "demo-council.json")
    assert fake.event(fake_council.HEARING_ID)["EventTime"] == "10:00 AM"
    moved = runner.invoke(args=["record", "demo-move-hearing", "--days", "3"])
    assert "moved its hearing" in moved.output
    assert "1 moved" in runner.invoke(args=["record", "sync"]).output


def test_production_has_no_demo_council(databases, tmp_path):
    production = make_app(
        tmp_path / "instance",
        databases.new(),
        ENV_NAME="production",
        RECORD_CLIENTS=_demo_client(tmp_path),
    )
    with production.app_context():
        assert record_sync.council_clients() == {}
    development = make_app(tmp_path / "dev", databases.new(), ENV_NAME="development")
    assert development.config["RECORD_CLIENTS"]["riverton"]["demo"] is True
    assert "riverton" in clients.configured(development.config["RECORD_CLIENTS"], "development")


def test_the_demo_council_keeps_riverton_s_date_when_utc_has_passed_midnight():
    # 01:00 UTC on the 7th is still the evening of the 6th in Riverton: the council's meetings
    # and the demo's typed dates are counted from the same day (they were a day apart here).
    assert fake_council.RIVERTON_TIME_ZONE == riverton.TIME_ZONE
    with time_machine.travel(datetime(2026, 12, 7, 1, 0, tzinfo=UTC), tick=False):
        assert fake_council.riverton_today() == date(2026, 12, 6)
