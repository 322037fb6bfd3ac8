"""Campaign setup: creating and editing a campaign, its decision, dates, decision-makers, the
ZIP table, and its status."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import sqlalchemy as sa

from campaign.models import (
    AuditEvent,
    Campaign,
    CampaignStatus,
    Deadline,
    DecisionMaker,
    Membership,
    Role,
    Signature,
    Stance,
)
from campaign.services import campaigns
from tests.factories import make_signature, make_testimony


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _audit(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_admin_creates_a_draft_campaign_and_names_its_lead(client, db, team, app):
    _login(client, team["admin"])
    form = {
        "slug": "Eastside-Detainers",
        "title": "End detainers",
        "ask": "Vote yes.",
        "time_zone": "America/Chicago",
        "goal": "500",
        "lead_email": team["lead"].email,
    }
    bad = client.post("/organize/new", data={**form, "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200 and "America/New_York" in bad.get_data(as_text=True)
    assert 'value="End detainers"' in bad.get_data(as_text=True)  # the text comes back
    response = client.post("/organize/new", data=form)
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "eastside-detainers"))
    assert campaign.status == CampaignStatus.DRAFT and campaign.time_zone == "America/Chicago"
    assert campaign.retention_days == app.config["DEFAULT_RETENTION_DAYS"]
    assert (
        db.session.scalar(
            sa.select(Membership.role).where(
                Membership.campaign_id == campaign.id, Membership.user_id == team["lead"].id
            )
        )
        == Role.LEAD
    )
    assert len(_audit(db, "campaign.created")) == 1
    taken = client.post("/organize/new", data={**form, "lead_email": ""})
    assert "already uses that web address" in taken.get_data(as_text=True)
    # A draft is not public.
    assert client.get("/c/eastside-detainers").status_code == 404


def test_a_lead_edits_the_settings_and_the_text_comes_back_on_errors(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"])
    form = {
        "slug": campaign.slug,
        "title": "New title",
        "title_es": "Nuevo título",
        "ask": "Vote NO.",
        "ask_es": "Voten NO.",
        "summary": "Why.",
        "summary_es": "Por qué.",
        "goal": "2500",
        "time_zone": "America/Los_Angeles",
        "city": "Riverton",
        "default_visibility": "counted",
        "ask_address": "y",
        "retention_days": "90",
    }
    bad = client.post(f"/organize/c/{campaign.slug}/settings", data={**form, "goal": "-4"})
    assert bad.status_code == 200
    assert "Nuevo título" in bad.get_data(as_text=True)
    assert client.post(f"/organize/c/{campaign.slug}/settings", data=form).status_code == 302
    db.session.refresh(campaign)
    assert (campaign.title, campaign.title_es, campaign.goal) == ("New title", "Nuevo título", 2500)
    assert campaign.default_visibility.value == "counted"
    assert campaign.ask_address is True and campaign.close_after_vote is False
    assert campaign.retention_days == 90 and campaign.time_zone == "America/Los_Angeles"
    [event] = _audit(db, "campaign.updated")
    assert "goal" in event.details["fields"]
    # An open campaign keeps its address: printed sheets and QR codes point at it.
    moved = client.post(
        f"/organize/c/{campaign.slug}/settings", data={**form, "slug": "another-address"}
    )
    assert "can only change while the campaign is a draft" in moved.get_data(as_text=True)


def test_organizers_cannot_change_settings(client, db, team):
    _login(client, team["organizer"])
    campaign = team["campaign"]
    assert client.get(f"/organize/c/{campaign.slug}/settings").status_code == 403
    assert (
        client.post(f"/organize/c/{campaign.slug}/settings", data={"title": "Hijacked"}).status_code
        == 403
    )
    db.session.refresh(campaign)
    assert campaign.title != "Hijacked"


def test_open_close_reopen_archive_are_audit_logged(client, db, team):
    campaign = team["campaign"]
    campaign.status = CampaignStatus.DRAFT
    db.session.commit()
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/status"
    for target in ("open", "closed", "open", "closed", "archived"):
        assert client.post(url, data={"status": target}).status_code == 302
        db.session.refresh(campaign)
        assert campaign.status.value == target
    assert campaign.closed_at is not None and campaign.opened_at is not None
    events = _audit(db, "campaign.status")
    assert [(e.details["from"], e.details["to"]) for e in events] == [
        ("draft", "open"),
        ("open", "closed"),
        ("closed", "open"),
        ("open", "closed"),
        ("closed", "archived"),
    ]
    assert all(e.actor_id == team["lead"].id for e in events)
    # Archived is final.
    response = client.post(url, data={"status": "open"})
    assert "not possible" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post(url, data={"status": "bogus"}).status_code == 400


def test_a_draft_without_a_decision_cannot_open(client, db, team):
    campaign = team["campaign"]
    campaign.status = CampaignStatus.DRAFT
    db.session.delete(campaign.decision)
    db.session.commit()
    _login(client, team["lead"])
    response = client.post(f"/organize/c/{campaign.slug}/status", data={"status": "open"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Describe the decision before opening" in page
    decision = {
        "title": "Renewal",
        "body": "City Council",
        "kind": "ordinance",
        "reference": "Int. 0158",
        "action": "renewing it",
        "title_es": "Renovación",
    }
    assert client.post(f"/organize/c/{campaign.slug}/decision", data=decision).status_code == 302
    db.session.refresh(campaign)
    assert campaign.decision.reference == "Int. 0158"
    assert campaign.decision.kind.value == "ordinance"
    client.post(f"/organize/c/{campaign.slug}/status", data={"status": "open"})
    db.session.refresh(campaign)
    assert campaign.status == CampaignStatus.OPEN


def test_a_local_time_is_stored_in_utc_across_daylight_saving(client, db, team):
    campaign = team["campaign"]  # America/New_York
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/dates/new"
    form = {"kind": "vote", "title": "Council vote", "day": "2026-07-14", "clock": "18:00"}
    assert client.post(url, data=form).status_code == 302
    vote = db.session.scalar(sa.select(Deadline).where(Deadline.title == "Council vote"))
    assert vote.at == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)  # EDT is UTC-4
    client.post(url, data={**form, "title": "Winter vote", "day": "2026-12-08"})
    winter = db.session.scalar(sa.select(Deadline).where(Deadline.title == "Winter vote"))
    assert winter.at == datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # EST is UTC-5
    # 2:30 AM on the spring-forward night does not exist in New York.
    gap = client.post(url, data={**form, "title": "Ghost", "day": "2026-03-08", "clock": "02:30"})
    assert gap.status_code == 200 and "does not exist" in gap.get_data(as_text=True)
    assert db.session.scalar(sa.select(Deadline).where(Deadline.title == "Ghost")) is None
    missing = client.post(url, data={"kind": "vote", "title": "No date"})
    assert "Enter a date." in missing.get_data(as_text=True)
    # The calendar's last day, in New York, is already year 10000 in UTC: refused, kindly.
    for day in ("9999-12-31", "0001-01-01", "3000-01-01"):
        far = client.post(url, data={**form, "title": "Far", "day": day, "clock": "23:59"})
        assert far.status_code == 200, day
        assert "Choose a date between the years 1900 and 2999." in far.get_data(as_text=True)
    assert db.session.scalar(sa.select(Deadline).where(Deadline.title == "Far")) is None


def test_relative_dates_follow_the_hearing_when_it_moves(client, db, team):
    campaign = team["campaign"]
    hearing = campaign.deadlines[0]
    hearing.at = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)  # 10:00 AM EST
    db.session.commit()
    _login(client, team["lead"])
    response = client.post(
        f"/organize/c/{campaign.slug}/dates/relative",
        data={
            "rel-hearing": hearing.id,
            "rel-kind": "comment_deadline",
            "rel-title": "Written testimony due",
            "rel-amount": "1",
            "rel-rule_kind": "days_before_at",
            "rel-clock": "15:00",
        },
    )
    assert response.status_code == 302
    due = db.session.scalar(sa.select(Deadline).where(Deadline.title == "Written testimony due"))
    assert due.rule == "days_before_at:1:15:00"
    assert due.at == datetime(2026, 11, 9, 20, 0, tzinfo=UTC)
    no_clock = client.post(
        f"/organize/c/{campaign.slug}/dates/relative",
        data={
            "rel-hearing": hearing.id,
            "rel-kind": "other",
            "rel-title": "X",
            "rel-amount": "1",
            "rel-rule_kind": "days_before_at",
        },
    )
    assert "Give the time of day." in no_clock.get_data(as_text=True)
    # Move the hearing across the daylight-saving change: the due date keeps 3:00 PM local.
    moved = client.post(
        f"/organize/c/{campaign.slug}/dates/{hearing.id}",
        data={"title": "Hearing", "day": "2026-10-27", "clock": "10:00"},
    )
    assert moved.status_code == 302
    db.session.refresh(due)
    assert due.at == datetime(2026, 10, 26, 19, 0, tzinfo=UTC)  # 3:00 PM EDT
    assert any(e.details.get("dependents") == [due.id] for e in _audit(db, "deadline.moved"))
    assert _audit(db, "deadline.created")  # the one audit action of the one deadline service
    # Deleting the hearing deletes what follows it.
    client.post(f"/organize/c/{campaign.slug}/dates/{hearing.id}/delete")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Deadline)
            .where(Deadline.campaign_id == campaign.id)
        )
        == 0
    )


def test_a_hearing_residents_testified_for_cannot_be_deleted(client, db, team):
    campaign = team["campaign"]
    hearing = campaign.deadlines[0]
    testimony = make_testimony(campaign, hearing_id=hearing.id)
    db.session.commit()
    _login(client, team["lead"])
    response = client.post(f"/organize/c/{campaign.slug}/dates/{hearing.id}/delete")
    assert response.status_code == 302
    page = client.get(f"/organize/c/{campaign.slug}/dates").get_data(as_text=True)
    assert "Residents wrote testimony for this hearing" in page
    db.session.refresh(testimony)
    assert db.session.get(Deadline, hearing.id) is not None
    assert testimony.hearing_id == hearing.id
    assert not _audit(db, "deadline.deleted")
    # Moving it is how a lead follows the clerk: the testimony stays with the hearing.
    moved = client.post(
        f"/organize/c/{campaign.slug}/dates/{hearing.id}",
        data={"title": "Hearing", "day": "2026-12-01", "clock": "10:00"},
    )
    assert moved.status_code == 302
    db.session.refresh(testimony)
    assert testimony.hearing_id == hearing.id


def test_decision_makers_and_their_positions(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/decision-makers"
    assert (
        client.post(
            url,
            data={
                "new-name": "Alicia Moreno",
                "new-office": "Council Member",
                "new-district": "1",
                "new-sort_order": "1",
            },
        ).status_code
        == 302
    )
    maker = db.session.scalar(sa.select(DecisionMaker).where(DecisionMaker.name == "Alicia Moreno"))
    assert maker.stance == Stance.UNKNOWN
    positions = f"{url}/{maker.id}/positions"
    bad = client.post(
        positions,
        data={
            "pos-stance": "no",
            "pos-stated_on": "2026-05-01",
            "pos-source_url": "javascript:alert(1)",
            "pos-source_note": "Town hall",
        },
    )
    assert bad.status_code == 200 and "Town hall" in bad.get_data(as_text=True)
    assert (
        client.post(
            positions,
            data={
                "pos-stance": "undecided",
                "pos-stated_on": "2026-04-01",
                "pos-source_url": "https://ledger.example/a",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            positions,
            data={
                "pos-stance": "no",
                "pos-stated_on": "2026-05-01",
                "pos-source_url": "https://ledger.example/b",
                "pos-source_note": "Town hall",
            },
        ).status_code
        == 302
    )
    db.session.expire_all()
    maker = db.session.get(DecisionMaker, maker.id)
    assert maker.stance == Stance.NO and maker.current_position.stated_on == date(2026, 5, 1)
    assert maker.current_position.source_url == "https://ledger.example/b"
    assert len(_audit(db, "position.recorded")) == 2
    board = client.get(f"/organize/c/{campaign.slug}/").get_data(as_text=True)
    assert "Alicia Moreno" in board and "https://ledger.example/b" in board


def test_zip_table_upload_previews_then_redistricts(client, db, team, app):
    campaign = team["campaign"]
    make_signature(campaign, zip="11111", district="1")
    make_signature(campaign, zip="33333", district="unassigned")
    db.session.commit()
    _login(client, team["lead"])
    data = "\ufeffZIP;Council district\r\n11111;4\r\n33333 ;5\r\n1234;6\r\n11111;7\r\n".encode()
    response = client.post(
        f"/organize/c/{campaign.slug}/districts",
        data={"file": (io.BytesIO(data), "zips.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 ZIP codes in 2 districts" in preview
    assert "Line 4" in preview and "ZIP must have 5 digits" in preview
    assert "Line 5" in preview and "appears earlier with another district" in preview
    assert "Saving moves 2 signatures" in preview
    assert sorted(z.zip for z in campaign.district_zips) == ["11111", "22222"]  # not yet saved
    saved = client.post(response.headers["Location"], data={"action": "confirm"})
    assert saved.status_code == 302
    db.session.expire_all()
    table = {z.zip: z.district for z in db.session.get(Campaign, campaign.id).district_zips}
    assert table == {"11111": "4", "33333": "5"}
    assert sorted(db.session.scalars(sa.select(Signature.district))) == ["4", "5"]
    counts = campaigns.counts(db.session, campaign.id)
    assert {d.district: d.signatures for d in counts.by_district} == {"4": 1, "5": 1}
    [event] = _audit(db, "districts.replaced")
    assert event.rows == 2 and event.details["signatures_moved"] == 2
