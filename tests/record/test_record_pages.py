"""The lead's record pages, the command and the periodic job, against the fake server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.models import Deadline, RecordLink
from campaign.record import fake_council
from campaign.services import deadlines, record_sync
from tests.factories import make_campaign, make_staff

pytestmark = pytest.mark.usefixtures("council_app")


def test_a_lead_sets_up_from_a_file_number_preview_then_save(db, client, login):
    campaign = make_campaign()
    login(make_staff(campaign, "lead"))
    page = client.get(f"/organize/c/{campaign.slug}/decision").get_data(as_text=True)
    assert f"/organize/c/{campaign.slug}/record" in page

    preview = client.post(
        f"/organize/c/{campaign.slug}/record",
        data={"client": "riverton", "file_number": " 2026-0412 "},
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Renewal of the Regional Arrest Records Data-Sharing Agreement" in text
    assert "Referred to Committee" in text and "Committee on Public Safety" in text
    assert db.session.scalar(sa.select(RecordLink)) is None  # nothing saved yet

    saved = client.post(
        f"/organize/c/{campaign.slug}/record/follow",
        data={
            "client": "riverton",
            "file_number": "2026-0412",
            "title": "Renewal of the arrest-data agreement",  # the lead shortened it
            "body": "Riverton City Council",
            "kind": "contract_vote",
            "reference": "File No. 2026-0412",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert campaign.decision.title == "Renewal of the arrest-data agreement"
    assert len([d for d in campaign.deadlines if d.kind.value == "hearing"]) == 3
    page = client.get(f"/organize/c/{campaign.slug}/record").get_data(as_text=True)
    assert "Synced from the council" in page and "just now" in page
    assert "Committee on Public Safety hearing" in page  # what was imported, by name


def test_an_unknown_file_is_said_in_words_and_the_typed_text_comes_back(db, client, login):
    campaign = make_campaign()
    login(make_staff(campaign, "lead"))
    response = client.post(
        f"/organize/c/{campaign.slug}/record", data={"client": "riverton", "file_number": "9-9"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "has no file with that number" in text and 'value="9-9"' in text
    bad = client.post(
        f"/organize/c/{campaign.slug}/record", data={"client": "nowhere", "file_number": "<x>"}
    )
    assert bad.status_code == 400 and "Choose a council from the list." in bad.get_data(
        as_text=True
    )


def test_the_page_shows_the_last_error_and_conflicts_to_choose(db, client, login, legistar):
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    snapshot = record_sync.read_record("riverton", fake_council.OPEN_FILE)
    record_sync.follow(
        db.session, campaign, snapshot, client_name="riverton", file_number="2026-0412", actor=lead
    )
    db.session.commit()
    login(lead)
    legistar.fault = "503"
    client.post(f"/organize/c/{campaign.slug}/record/sync")
    page = client.get(f"/organize/c/{campaign.slug}/record").get_data(as_text=True)
    assert "answered with an error (HTTP 503)" in page and "Nothing stored changed" in page

    legistar.fault = None
    hearing = next(d for d in campaign.deadlines if d.committee == fake_council.COMMITTEE)
    from datetime import timedelta

    deadlines.update_deadline(db.session, hearing, actor=lead, at=hearing.at + timedelta(hours=1))
    db.session.commit()
    legistar.council.move_event(fake_council.PAST_HEARING_ID, legistar.today)
    legistar.council.move_event(
        fake_council.HEARING_ID, legistar.today + timedelta(days=18), "11:00 AM"
    )
    client.post(f"/organize/c/{campaign.slug}/record/sync")
    page = client.get(f"/organize/c/{campaign.slug}/record").get_data(as_text=True)
    assert "Differences to choose" in page and "Take the record" in page
    assert "Committee on Public Safety hearing · When" in page
    conflict = record_sync.open_conflicts(db.session, campaign)[0]
    chosen = client.post(
        f"/organize/c/{campaign.slug}/record/conflicts/{conflict.id}", data={"choice": "ours"}
    )
    assert chosen.status_code == 302
    assert record_sync.open_conflicts(db.session, campaign) == []
    assert (
        client.post(
            f"/organize/c/{campaign.slug}/record/conflicts/{conflict.id}", data={"choice": "ours"}
        ).status_code
        == 404
    )


def test_organizers_cannot_reach_the_record_pages(db, client, login):
    campaign = make_campaign()
    login(make_staff(campaign, "organizer"))
    assert client.get(f"/organize/c/{campaign.slug}/record").status_code == 403


def test_the_command_syncs_each_followed_campaign(db, runner, legistar):
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    snapshot = record_sync.read_record("riverton", fake_council.OPEN_FILE)
    record_sync.follow(
        db.session, campaign, snapshot, client_name="riverton", file_number="2026-0412", actor=lead
    )
    db.session.commit()
    result = runner.invoke(args=["record", "sync"])
    assert result.exit_code == 0 and f"{campaign.slug}: unchanged." in result.output

    from datetime import timedelta

    legistar.council.move_event(fake_council.HEARING_ID, legistar.today + timedelta(days=17))
    result = runner.invoke(args=["record", "sync", "--campaign", campaign.slug])
    assert "1 moved" in result.output

    legistar.fault = "malformed"
    result = runner.invoke(args=["record", "sync"])
    assert result.exit_code == 1 and "not synced (record_malformed)" in result.output


def test_the_periodic_job_syncs_and_commits(db, legistar):
    from datetime import timedelta

    from campaign.schedule import tasks

    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    snapshot = record_sync.read_record("riverton", fake_council.OPEN_FILE)
    record_sync.follow(
        db.session, campaign, snapshot, client_name="riverton", file_number="2026-0412", actor=lead
    )
    db.session.commit()
    hearing_id = next(d.id for d in campaign.deadlines if d.title.endswith("hearing"))
    legistar.council.move_event(fake_council.HEARING_ID, legistar.today + timedelta(days=19))
    legistar.council.move_event(fake_council.PAST_HEARING_ID, legistar.today + timedelta(days=19))
    assert tasks.record_sync_job.call_local() == 0
    db.session.expire_all()
    assert db.session.get(Deadline, hearing_id).at.date() == legistar.today + timedelta(days=19)
