"""iCalendar feeds: parsed back with icalendar and checked field by field; the private token."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine
from icalendar import Calendar

from campaign.models import AuditEvent, CampaignStatus, DeadlineKind, User
from campaign.services import deadlines as ds
from tests.factories import make_campaign, make_staff
from tests.schedule.conftest import local


def _riverton(db, **fields):
    campaign = make_campaign(
        slug=fields.pop("slug", "arrest-data"),
        title=fields.pop("title", "Stop the arrest-data contract"),
        title_es="Paren el contrato de datos de arrestos",
        hearing_at=local(2026, 3, 9, 10),
        **fields,
    )
    hearing = campaign.deadlines[0]
    hearing.title = "Committee on Public Safety hearing"
    hearing.title_es = "Audiencia del Comité de Seguridad Pública"
    hearing.location = "City Hall, Council Chambers, 200 Main Street"
    hearing.committee = "Committee on Public Safety"
    comment = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
    )
    vote = ds.create_deadline(
        db.session,
        campaign,
        kind=DeadlineKind.VOTE,
        title="Full council vote",
        at=local(2026, 11, 2, 18),
        location="City Hall",
    )
    db.session.commit()
    return campaign, hearing, comment, vote


def _parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_public_feed_parses_back_field_by_field(client, db):
    campaign, hearing, comment, vote = _riverton(db)
    with time_machine.travel(local(2026, 3, 1, 9), tick=False):
        # A forged Host never reaches a link: they are built on SERVER_BASE_URL.
        first = client.get(
            "/c/arrest-data/calendar.ics", environ_overrides={"HTTP_HOST": "evil.example"}
        )
        second = client.get("/c/arrest-data/calendar.ics")
    calendar = _parse(first)
    assert b"\r\n" in first.data and b"\n" not in first.data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in first.data.split(b"\r\n"))  # folded lines
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"

    # VTIMEZONE for the campaign's zone, covering both daylight-saving changes of 2026.
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    names = {str(sub["TZNAME"]) for sub in zones[0].subcomponents}
    assert names == {"EST", "EDT"}

    events = _events(calendar)
    uid = f"deadline-{hearing.id}@arrest-data.campaign"
    assert set(events) == {
        uid,
        f"deadline-{comment.id}@arrest-data.campaign",
        f"deadline-{vote.id}@arrest-data.campaign",
    }
    event = events[uid]
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.start == hearing.at  # the same moment
    assert event.start.utcoffset() == timedelta(hours=-4)  # EDT on March 9
    assert event.start.hour == 10
    assert str(event["LOCATION"]) == "City Hall, Council Chambers, 200 Main Street"
    assert str(event["SUMMARY"]) == (
        "Committee on Public Safety hearing (Stop the arrest-data contract)"
    )
    description = str(event["DESCRIPTION"])
    assert campaign.decision.reference in description
    url = str(event["URL"])
    assert url == "http://127.0.0.1:5000/c/arrest-data"  # SERVER_BASE_URL, never the Host
    assert description.endswith(url)
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert int(event["SEQUENCE"]) == 0
    assert str(event["TRANSP"]) == "OPAQUE"

    comment_event = events[f"deadline-{comment.id}@arrest-data.campaign"]
    assert comment_event.start == comment.at and comment_event.start.hour == 15
    assert "The day before the hearing at 3:00" in str(comment_event["DESCRIPTION"])
    assert str(comment_event["TRANSP"]) == "TRANSPARENT"
    vote_event = events[f"deadline-{vote.id}@arrest-data.campaign"]
    assert vote_event.start.utcoffset() == timedelta(hours=-5)  # EST on November 2
    assert vote_event.start.hour == 18

    # Stable across requests: the same UIDs, and the same bytes (so clients can cache).
    assert set(_events(_parse(second))) == set(events)
    assert second.data == first.data
    cached = client.get(
        "/c/arrest-data/calendar.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert cached.status_code == 304 and cached.data == b""


def test_moving_the_hearing_updates_the_same_events(client, db):
    with time_machine.travel(local(2026, 2, 1, 9), tick=False):
        campaign, hearing, comment, _vote = _riverton(db)
        lead = make_staff(campaign, "lead")
        db.session.commit()
        before = _events(_parse(client.get("/c/arrest-data/calendar.ics")))
    with time_machine.travel(local(2026, 2, 20, 16, 30), tick=False):
        ds.update_deadline(db.session, hearing, actor=lead, at=local(2026, 3, 16, 10))
        db.session.commit()
        after = _events(_parse(client.get("/c/arrest-data/calendar.ics")))
    assert set(after) == set(before)
    uid = f"deadline-{comment.id}@arrest-data.campaign"
    assert before[uid].start == local(2026, 3, 8, 15)
    assert after[uid].start == local(2026, 3, 15, 15)
    assert (int(before[uid]["SEQUENCE"]), int(after[uid]["SEQUENCE"])) == (0, 1)
    assert before[uid]["LAST-MODIFIED"].dt == local(2026, 2, 1, 9)
    assert after[uid]["LAST-MODIFIED"].dt == local(2026, 2, 20, 16, 30)
    assert after[uid]["DTSTAMP"].dt == local(2026, 2, 20, 16, 30)
    hearing_uid = f"deadline-{hearing.id}@arrest-data.campaign"
    # The hearing's own event: moved (and its fields updated) once each.
    assert int(after[hearing_uid]["SEQUENCE"]) > int(before[hearing_uid]["SEQUENCE"])


def test_spanish_feed_and_missing_or_draft_campaigns(client, db):
    _riverton(db)
    spanish = _parse(client.get("/c/arrest-data/calendar.ics?lang=es"))
    summaries = {str(e["SUMMARY"]) for e in spanish.walk("VEVENT")}
    assert (
        "Audiencia del Comité de Seguridad Pública (Paren el contrato de datos de arrestos)"
    ) in summaries
    make_campaign(slug="secret-draft", status=CampaignStatus.DRAFT)
    db.session.commit()
    assert client.get("/c/secret-draft/calendar.ics").status_code == 404
    assert client.get("/c/no-such-campaign/calendar.ics").status_code == 404
    assert client.get("/c/%00/calendar.ics").status_code == 404


def test_private_feed_token_works_is_hashed_and_can_be_revoked(client, db, login):
    mine, hearing, _c, _v = _riverton(db)
    draft = make_campaign(
        slug="draft-one",
        title="Draft campaign",
        status=CampaignStatus.DRAFT,
        hearing_at=local(2026, 4, 1, 18, zone="America/Chicago"),
        time_zone="America/Chicago",
    )
    other = make_campaign(slug="someone-else", title="Not mine")
    lead = make_staff(mine, "lead")
    from campaign.models import Membership, Role

    db.session.add(Membership(user_id=lead.id, campaign_id=draft.id, role=Role.ORGANIZER))
    db.session.commit()

    assert client.get("/organize/calendar").status_code == 302  # log in first
    login(lead)
    page = client.get("/organize/calendar")
    assert page.status_code == 200 and "You have no private link." in page.get_data(as_text=True)
    created = client.post("/organize/calendar", data={"create": "1"})
    text = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    start = text.index("http://127.0.0.1:5000/calendar/")
    url = text[start : text.index('"', start)]
    token = url.removeprefix("http://127.0.0.1:5000/calendar/").removesuffix(".ics")
    assert len(token) >= 40

    stored = db.session.execute(
        sa.text('SELECT calendar_token_hash FROM "user" WHERE id = :i'), {"i": lead.id}
    ).scalar()
    assert stored and token not in stored and len(stored) == 64
    everything = " ".join(
        str(row) for row in db.session.execute(sa.text("SELECT * FROM audit_event")).all()
    )
    assert token not in everything

    feed = _parse(client.get(f"/calendar/{token}.ics"))
    summaries = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    assert any("Stop the arrest-data contract" in s for s in summaries)
    assert any("Draft campaign" in s for s in summaries)  # staff see their drafts
    assert not any("Not mine" in s for s in summaries)
    assert {str(z["TZID"]) for z in feed.walk("VTIMEZONE")} == {
        "America/New_York",
        "America/Chicago",
    }
    chicago = next(e for e in feed.walk("VEVENT") if "Draft campaign" in str(e["SUMMARY"]))
    assert chicago["DTSTART"].params["TZID"] == "America/Chicago" and chicago.start.hour == 18
    assert other.id  # the other campaign exists and stays out of the feed

    # A new token replaces the old one; revoking turns the feed off.
    renewed = client.post("/organize/calendar", data={"create": "1"}).get_data(as_text=True)
    start = renewed.index("://127.0.0.1:5000/calendar/")
    new_token = renewed[start : renewed.index('"', start)].rsplit("/", 1)[1].removesuffix(".ics")
    assert new_token != token
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    revoked = client.post("/organize/calendar", data={"revoke": "1"})
    assert revoked.status_code == 302
    assert client.get(f"/calendar/{new_token}.ics").status_code == 404
    assert db.session.get(User, lead.id).calendar_token_hash is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_type == "user")
    ).all()
    assert actions == ["calendar.token_issued", "calendar.token_replaced", "calendar.token_revoked"]


def test_private_feed_refuses_bad_tokens_and_inactive_accounts(client, db):
    campaign, *_ = _riverton(db)
    lead = make_staff(campaign, "lead")
    from campaign.services import calendars

    token = calendars.issue_token(db.session, lead)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    for bad in ("short", "x" * 43, token + "A", "../" + token, token.upper()):
        assert client.get(f"/calendar/{bad}.ics").status_code == 404
    lead.active = False
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_public_feed_is_cached_for_residents_never_for_staff(client, db, login):
    mine, _hearing, _c, _v = _riverton(db)
    public = client.get("/c/arrest-data/calendar.ics")
    assert public.headers["Cache-Control"] == "public, max-age=300"
    login(make_staff(mine, "organizer"))
    # The same public feed, fetched in a staff session: no cache keeps what staff fetch.
    assert client.get("/c/arrest-data/calendar.ics").headers["Cache-Control"] == "no-store"
    client.post("/logout")
    assert client.get("/c/arrest-data/calendar.ics").headers["Cache-Control"] != "no-store"
