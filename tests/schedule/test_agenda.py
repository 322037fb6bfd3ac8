"""The lead's Monday-morning view: every campaign's next 30 days, and what is at risk."""

from __future__ import annotations

import re

import time_machine
from flask_babel import force_locale

from campaign.models import (
    CampaignStatus,
    DeadlineKind,
    Membership,
    Packet,
    PacketStatus,
    Role,
    TestimonyStatus,
)
from campaign.services import agenda
from campaign.services import deadlines as ds
from tests.factories import make_campaign, make_staff, make_testimony
from tests.schedule.conftest import local

# Monday morning in New York, the day after the spring change (12:00 UTC).
MONDAY = local(2026, 3, 9, 8)


def _three_campaigns(db):
    """A lead on three campaigns in three zones, and a campaign that is not theirs."""
    ny = make_campaign(
        slug="ny-arrest-data", title="New York arrest data", hearing_at=local(2026, 3, 11, 10)
    )
    chicago = make_campaign(
        slug="chicago-detainers",
        title="Chicago detainers",
        time_zone="America/Chicago",
        hearing_at=local(2026, 3, 10, 10, zone="America/Chicago"),
    )
    la = make_campaign(
        slug="la-contract",
        title="Los Angeles contract",
        time_zone="America/Los_Angeles",
        hearing_at=local(2026, 3, 12, 18, zone="America/Los_Angeles"),
    )
    other = make_campaign(
        slug="not-theirs", title="Somebody else's campaign", hearing_at=local(2026, 3, 10, 9)
    )
    lead = make_staff(ny, "lead")
    db.session.add_all(
        [
            Membership(user_id=lead.id, campaign_id=chicago.id, role=Role.LEAD),
            Membership(user_id=lead.id, campaign_id=la.id, role=Role.ORGANIZER),
        ]
    )
    ny_hearing, chicago_hearing, la_hearing = (c.deadlines[0] for c in (ny, chicago, la))
    la_hearing.location = "LA City Hall, Room 340"

    # Chicago: a packet is built, but 12 testimonies wait and comments close in 20 hours.
    ds.add_relative(
        db.session,
        chicago_hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "hours_before:7",
    )
    db.session.add(
        Packet(
            campaign_id=chicago.id,
            hearing_id=chicago_hearing.id,
            status=PacketStatus.DONE,
            file_name="p.pdf",
            sha256="0" * 64,
        )
    )
    for _ in range(12):
        make_testimony(chicago, hearing_id=chicago_hearing.id, status=TestimonyStatus.PENDING)
    make_testimony(chicago, hearing_id=chicago_hearing.id)  # approved: not waiting

    # Los Angeles: speaker sign-up closes tomorrow; 3 speakers need an interpreter.
    ds.add_relative(
        db.session,
        la_hearing,
        DeadlineKind.SPEAKER_CUTOFF,
        "Speaker sign-up closes",
        "days_before_at:2:12:00",
    )
    for status in (TestimonyStatus.PENDING, TestimonyStatus.APPROVED, TestimonyStatus.APPROVED):
        make_testimony(
            la,
            hearing_id=la_hearing.id,
            wants_to_speak=True,
            status=status,
            interpreter_language="Spanish",
        )
    make_testimony(
        la,
        hearing_id=la_hearing.id,
        wants_to_speak=True,
        interpreter_language="Spanish",
        status=TestimonyStatus.WITHDRAWN,
    )
    make_testimony(
        la,
        hearing_id=la_hearing.id,
        wants_to_speak=True,
        interpreter_language="Spanish",
        status=TestimonyStatus.REJECTED,
        rejection_reason="duplicate",
    )
    make_testimony(la, hearing_id=la_hearing.id, wants_to_speak=True)  # no interpreter

    # Outside the 30 days, and already passed: not shown.
    ds.create_deadline(
        db.session,
        ny,
        kind=DeadlineKind.CONTRACT_EXPIRY,
        title="Contract expires",
        at=local(2026, 4, 30, 23, 59),
    )
    ds.create_deadline(
        db.session, ny, kind=DeadlineKind.OTHER, title="Kick-off rally", at=local(2026, 3, 1, 12)
    )
    ds.create_deadline(
        db.session, other, kind=DeadlineKind.VOTE, title="Secret vote", at=local(2026, 3, 12, 18)
    )
    db.session.commit()
    return lead, ny, chicago, la, other


def test_the_service_derives_the_warnings(app, db):
    lead, ny, chicago, la, _other = _three_campaigns(db)
    with time_machine.travel(MONDAY, tick=False), force_locale("en"):
        result = agenda.build(db.session, lead)
    assert [c.slug for c in result.campaigns] == [
        "chicago-detainers",
        "la-contract",
        "ny-arrest-data",
    ]
    # The page words them (test_the_page_shows_all_their_campaigns_and_only_theirs).
    assert [(w.kind, w.campaign.slug, w.count) for w in result.warnings] == [
        (agenda.WarningKind.MODERATION_BEFORE_COMMENT_DEADLINE, "chicago-detainers", 12),
        (agenda.WarningKind.INTERPRETERS, "la-contract", 3),
        (agenda.WarningKind.NO_PACKET, "ny-arrest-data", 0),
    ]
    # Grouped by the day in each campaign's zone: the LA hearing on Thursday evening is
    # Friday in UTC, and stays on Thursday.
    days = {
        d.day.isoformat(): [(i.campaign.slug, i.deadline.title) for i in d.items]
        for d in result.days
    }
    assert days == {
        "2026-03-10": [
            ("chicago-detainers", "Written testimony due"),
            ("chicago-detainers", "Hearing"),
            ("la-contract", "Speaker sign-up closes"),
        ],
        "2026-03-11": [("ny-arrest-data", "Hearing")],
        "2026-03-12": [("la-contract", "Hearing")],
    }
    thursday = result.days[2].items[0]
    assert thursday.deadline.at.day == 13 and thursday.local.day == 12
    assert thursday.zone_abbreviation == "PDT" and thursday.status == "upcoming"


def test_warnings_go_away_when_the_work_is_done(app, db):
    lead, ny, chicago, la, _other = _three_campaigns(db)
    db.session.add(
        Packet(campaign_id=ny.id, hearing_id=hearing_of(ny).id, status=PacketStatus.FAILED)
    )
    db.session.commit()
    with time_machine.travel(MONDAY, tick=False), force_locale("en"):
        assert agenda.WarningKind.NO_PACKET in {
            w.kind for w in agenda.warnings(db.session, [ny])
        }  # a failed build is not a packet
        db.session.add(
            Packet(
                campaign_id=ny.id,
                hearing_id=hearing_of(ny).id,
                status=PacketStatus.DONE,
                file_name="x.pdf",
                sha256="1" * 64,
            )
        )
        for testimony in chicago_pending(db, chicago):
            testimony.status = TestimonyStatus.APPROVED
        db.session.commit()
        assert agenda.warnings(db.session, [ny, chicago]) == []
        # After the comment deadline, testimony still waiting is a risk for the hearing.
        testimony = make_testimony(
            chicago, hearing_id=hearing_of(chicago).id, status=TestimonyStatus.PENDING
        )
        db.session.commit()
    with time_machine.travel(local(2026, 3, 10, 9), tick=False), force_locale("en"):
        found = [(w.kind, w.count) for w in agenda.warnings(db.session, [chicago])]
        assert found == [(agenda.WarningKind.MODERATION_BEFORE_HEARING, 1)]
        assert testimony.id
        # A campaign that is not open has no warnings.
        chicago.status = CampaignStatus.CLOSED
        assert agenda.warnings(db.session, [chicago]) == []


def hearing_of(campaign):
    return next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)


def chicago_pending(db, campaign):
    from campaign.models import Testimony

    return [
        t
        for t in db.session.query(Testimony).filter_by(campaign_id=campaign.id)
        if t.status == TestimonyStatus.PENDING
    ]


def test_the_page_shows_all_their_campaigns_and_only_theirs(app, db, client, login):
    lead, *_ = _three_campaigns(db)
    assert client.get("/organize/deadlines").status_code == 302
    with time_machine.travel(MONDAY, tick=False):  # signed cookies must not come from the future
        login(lead)
        page = client.get("/organize/deadlines")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "12 testimonies wait for moderation and the comment deadline is in 20 hours" in text
    assert "Speaker cut-off tomorrow and 3 speakers need an interpreter" in text
    assert "Hearing in 2 days and no packet built" in text
    assert "Somebody else" not in text and "Secret vote" not in text
    assert "Contract expires" not in text and "Kick-off rally" not in text
    for heading in (
        "Tuesday, March 10, 2026",
        "Wednesday, March 11, 2026",
        "Thursday, March 12, 2026",
    ):
        assert heading in text
    assert "Friday, March 13, 2026" not in text
    # Times on each campaign's wall clock, with the zone named.
    assert re.search(r"3:00\s+AM</time> CDT|3:00\s+AM CDT", text.replace("\u202f", " "))
    assert "America/Chicago" in text and "America/Los_Angeles" in text
    assert "LA City Hall, Room 340" in text
    assert 'href="/organize/deadlines/chicago-detainers/hold"' in text  # lead there
    assert 'href="/organize/deadlines/la-contract/hold"' not in text  # organizer there
    assert "static/css/schedule.css" in text and "style=" not in text


def test_an_admin_sees_every_campaign_and_spanish_works(app, db, client, login):
    _three_campaigns(db)
    admin = make_staff(None, "admin")
    db.session.commit()
    with time_machine.travel(MONDAY, tick=False):
        login(admin)
        english = client.get("/organize/deadlines").get_data(as_text=True)
        spanish = client.get("/organize/deadlines?lang=es").get_data(as_text=True)
    assert "Secret vote" in english
    assert "martes, 10 de marzo de 2026" in spanish
    assert "12 testimonios esperan moderación" in spanish


def test_a_person_without_campaigns_sees_an_empty_page(app, db, client, login):
    loner = make_staff(None, "organizer")
    db.session.commit()
    login(loner)
    text = client.get("/organize/deadlines").get_data(as_text=True)
    assert "You are not on the staff of any campaign yet." in text
