"""Import on set-up and following the record, against the fake Legistar server: a moved
hearing reaches every place it appears, new hearings, status, votes, conflicts, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign.models import (
    AuditEvent,
    Deadline,
    DeadlineKind,
    DecisionKind,
    OutgoingMail,
    RecordConflict,
    RecordItem,
    RecordLink,
    RecordVote,
    Stance,
)
from campaign.record import RecordEvent, fake_council
from campaign.services import deadlines, decision_makers, packets, record_sync, reminders
from tests.factories import make_campaign, make_staff
from tests.record.fake_legistar import client_settings, unused_url

pytestmark = pytest.mark.usefixtures("council_app")


@pytest.fixture
def followed(db, legistar):
    """A campaign with a lead and an organizer that follows the open Riverton file."""
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    organizer = make_staff(campaign, "organizer")
    snapshot = record_sync.read_record("riverton", fake_council.OPEN_FILE)
    record_sync.follow(
        db.session,
        campaign,
        snapshot,
        client_name="riverton",
        file_number=fake_council.OPEN_FILE,
        actor=lead,
    )
    db.session.commit()
    return campaign, lead, organizer


def _deadline_for(db, campaign, event_id: int) -> Deadline:
    item = db.session.scalar(
        sa.select(RecordItem).where(
            RecordItem.campaign_id == campaign.id,
            RecordItem.key == f"event:{event_id}",
            RecordItem.field == "at",
        )
    )
    return db.session.get(Deadline, item.target_id)


def _sync(db, campaign) -> record_sync.SyncResult:
    link = record_sync.link_of(db.session, campaign)
    result = record_sync.sync(db.session, link)
    db.session.commit()
    return result


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _local(moment: datetime, zone="America/New_York") -> str:
    return moment.astimezone(deadlines.zone_of(zone)).strftime("%Y-%m-%d %H:%M")


def test_set_up_imports_the_decision_meetings_rule_dates_and_members(db, followed, legistar):
    campaign, lead, _organizer = followed
    decision = campaign.decision
    assert decision.title.startswith("Renewal of the Regional Arrest Records")
    assert (decision.kind, decision.body, decision.reference) == (
        DecisionKind.CONTRACT_VOTE,
        "Riverton City Council",
        "2026-0412",
    )
    hearing = _deadline_for(db, campaign, fake_council.HEARING_ID)
    day = legistar.today + timedelta(days=14)
    assert (hearing.kind, _local(hearing.at)) == (DeadlineKind.HEARING, f"{day} 10:00")
    assert hearing.committee == fake_council.COMMITTEE
    rules = sorted((d.kind.value, d.rule) for d in hearing.dependents)
    assert rules == [
        ("comment_deadline", "days_before_at:1:15:00"),
        ("speaker_cutoff", "days_before_at:1:12:00"),
    ]
    vote = _deadline_for(db, campaign, fake_council.VOTE_ID)
    assert (vote.kind, _local(vote.at)[-5:]) == (DeadlineKind.VOTE, "18:00")
    assert [(m.name, m.district) for m in campaign.decision_makers][:2] == [
        ("Alicia Moreno", "1"),
        ("Robert Keane", "2"),
    ]
    item = db.session.scalar(sa.select(RecordItem).where(RecordItem.target_id == hearing.id))
    assert item.source_url.endswith(f"MeetingDetail.aspx?ID={fake_council.HEARING_ID}")
    link = record_sync.link_of(db.session, campaign)
    assert (link.status, link.error_code) == ("Referred to Committee", None)
    assert link.synced_at is not None


def test_a_sync_of_an_unchanged_decision_writes_nothing(db, followed):
    campaign, _lead, _organizer = followed
    before = [_count(db, m) for m in (AuditEvent, OutgoingMail, Deadline, RecordItem)]
    ats = [d.at for d in campaign.deadlines]
    result = _sync(db, campaign)
    assert result.unchanged and not result.error
    assert [_count(db, m) for m in (AuditEvent, OutgoingMail, Deadline, RecordItem)] == before
    db.session.expire_all()
    assert [d.at for d in campaign.deadlines] == ats


def test_a_moved_hearing_reaches_dates_calendar_reminders_packet_and_staff(
    app, db, client, followed, legistar
):
    campaign, lead, organizer = followed
    hearing = _deadline_for(db, campaign, fake_council.HEARING_ID)
    old_at = hearing.at
    new_day = legistar.today + timedelta(days=16)
    legistar.council.move_event(fake_council.HEARING_ID, new_day, "2:00 PM")

    result = _sync(db, campaign)

    db.session.expire_all()
    hearing = db.session.get(Deadline, hearing.id)
    assert _local(hearing.at) == f"{new_day} 14:00"
    assert result.moved == [(hearing.id, old_at, hearing.at)]
    comment = deadlines.comment_deadline_for(hearing)
    assert _local(comment.at) == f"{new_day - timedelta(days=1)} 15:00"
    moves = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "deadline.moved")
    ).all()
    assert {e.actor_label for e in moves} == {"record"} and len(moves) == 3
    # Calendar feeds: the same event, a new SEQUENCE.
    feed = client.get(f"/c/{campaign.slug}/calendar.ics").get_data(as_text=True)
    event = next(e for e in feed.split("BEGIN:VEVENT") if f"UID:deadline-{hearing.id}@" in e)
    assert "SEQUENCE:1" in event and new_day.strftime("%Y%m%d") + "T140000" in event
    # Staff are told "moved from ... to ...".
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.to)).all()
    assert sorted(m.to for m in mails) == sorted([lead.email, organizer.email])
    assert "from" in mails[0].body and new_day.strftime("%B") in mails[0].body
    assert "moved" in mails[0].subject.lower()
    # Reminders are planned from the new time: 47 hours before it, the 2-day one is due.
    run = reminders.remind(db.session, now=hearing.at - timedelta(hours=47))
    assert hearing.id in run.deadlines  # at the old time it would have passed an hour ago
    # The packet's cover reads the hearing's new date.
    with app.test_request_context():
        content = packets.gather(db.session, campaign, hearing)
    assert str(new_day.day) in content.hearing_when and "2:00" in content.hearing_when


def test_a_new_hearing_is_added_and_the_lead_told(db, followed, legistar):
    campaign, lead, _organizer = followed
    event_id = legistar.council.add_hearing(
        fake_council.OPEN_MATTER_ID, legistar.today + timedelta(days=30)
    )
    result = _sync(db, campaign)
    assert len(result.added) == 1
    added = _deadline_for(db, campaign, event_id)
    assert added.kind == DeadlineKind.HEARING and len(added.dependents) == 2
    mails = db.session.scalars(sa.select(OutgoingMail)).all()
    assert [m.to for m in mails] == [lead.email]
    assert "New on the record" in mails[0].subject
    created = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "deadline.created", AuditEvent.target_id == added.id
        )
    ).one()
    assert created.actor_label == "record"


def test_a_status_change_shows_on_the_campaign_page(db, client, followed, legistar):
    campaign, _lead, _organizer = followed
    legistar.council.set_status(fake_council.OPEN_MATTER_ID, "Passed")
    result = _sync(db, campaign)
    assert result.status_changed
    page = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    assert "Passed" in page
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "record.status_changed")
    ).one()
    assert (event.actor_label, event.details["before"]) == ("record", "Referred to Committee")


def test_votes_are_recorded_beside_stated_positions(db, client, login, followed, legistar):
    campaign, lead, _organizer = followed
    keane = next(m for m in campaign.decision_makers if m.name == "Robert Keane")
    decision_makers.add_position(
        db.session,
        keane,
        lead,
        stance=Stance.NO,
        stated_on=legistar.today,
        source_url=None,
        source_note="Told us no",
    )
    db.session.commit()
    values = {name: "Yea" for name, _district in fake_council.MEMBERS}
    values["Jamal Whitaker"] = "Nay"
    legistar.council.hold_vote(fake_council.OPEN_MATTER_ID, fake_council.VOTE_ID, values)

    result = _sync(db, campaign)

    assert result.votes == 9
    vote = db.session.scalar(sa.select(RecordVote).where(RecordVote.decision_maker_id == keane.id))
    assert vote.value == "Yea"
    page = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    row = page.split("Robert Keane")[1][:600]
    assert "Voted Yes" in row and "No" in row  # the record's "Yea", in the reader's words
    spanish = client.get(f"/c/{campaign.slug}?lang=es").get_data(as_text=True)
    assert "Votó Sí" in spanish.split("Robert Keane")[1][:600]
    login(lead)
    dashboard = client.get(f"/organize/c/{campaign.slug}/?lang=en").get_data(as_text=True)
    assert "voted Yes" in dashboard.split("Robert Keane")[1][:600]
    assert _sync(db, campaign).unchanged


def test_a_hand_moved_hearing_is_never_overwritten_the_lead_chooses(db, followed, legistar):
    campaign, lead, _organizer = followed
    hearing = _deadline_for(db, campaign, fake_council.HEARING_ID)
    by_hand = hearing.at + timedelta(hours=2)
    deadlines.update_deadline(db.session, hearing, actor=lead, at=by_hand)
    db.session.commit()
    legistar.council.move_event(fake_council.HEARING_ID, legistar.today + timedelta(days=15))

    result = _sync(db, campaign)

    db.session.expire_all()
    assert result.conflicts == 1 and result.moved == []
    assert db.session.get(Deadline, hearing.id).at == by_hand
    assert _count(db, OutgoingMail) == 0
    conflict = record_sync.open_conflicts(db.session, campaign)[0]
    assert conflict.ours == by_hand.isoformat()
    assert _sync(db, campaign).unchanged  # asked once, not again and again

    record_sync.resolve_conflict(db.session, campaign, conflict.id, "record", lead)
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Deadline, hearing.id).at
    assert _local(moved).startswith(str(legistar.today + timedelta(days=15)))
    assert record_sync.open_conflicts(db.session, campaign) == []


def test_keeping_a_hand_edited_title_asks_again_only_when_the_record_changes(
    db, followed, legistar
):
    campaign, lead, _organizer = followed
    from campaign.services import decisions

    values = {n: getattr(campaign.decision, n) for n in decisions.DECISION_FIELDS}
    decisions.save_decision(db.session, campaign, lead, **{**values, "title": "Our words"})
    db.session.commit()
    legistar.council.matter(fake_council.OPEN_MATTER_ID)["MatterTitle"] = "Amended title"
    assert _sync(db, campaign).conflicts == 1
    conflict = record_sync.open_conflicts(db.session, campaign)[0]
    record_sync.resolve_conflict(db.session, campaign, conflict.id, "ours", lead)
    db.session.commit()
    assert campaign.decision.title == "Our words"
    legistar.council.set_status(fake_council.OPEN_MATTER_ID, "Amended")
    assert _sync(db, campaign).conflicts == 0
    assert _count(db, RecordConflict) == 1


@pytest.mark.parametrize("fault", ["down", "slow", "503", "malformed", "endless"])
def test_a_fault_changes_nothing_stored_and_the_next_sync_recovers(
    app, db, followed, legistar, fault
):
    campaign, _lead, _organizer = followed
    link = record_sync.link_of(db.session, campaign)
    synced_at = link.synced_at
    hearing = _deadline_for(db, campaign, fake_council.HEARING_ID)
    before = (hearing.at, _count(db, AuditEvent), _count(db, OutgoingMail), link.fingerprint)
    legistar.council.move_event(fake_council.HEARING_ID, legistar.today + timedelta(days=20))
    if fault == "down":
        app.config["RECORD_CLIENTS"] = {
            "riverton": client_settings(legistar, base_url=unused_url())
        }
    else:
        legistar.fault = fault

    result = _sync(db, campaign)

    db.session.expire_all()
    link = db.session.get(RecordLink, link.id)
    hearing = db.session.get(Deadline, hearing.id)
    assert result.error == link.error_code and link.error_code.startswith("record_")
    assert link.synced_at == synced_at and link.error_at is not None
    after = (hearing.at, _count(db, AuditEvent), _count(db, OutgoingMail), link.fingerprint)
    assert after == before

    legistar.fault = None
    app.config["RECORD_CLIENTS"] = {"riverton": client_settings(legistar)}
    recovered = _sync(db, campaign)
    assert recovered.error is None and len(recovered.moved) == 1
    link = db.session.get(RecordLink, link.id)
    assert link.error_code is None and link.synced_at > synced_at


def test_a_moment_from_an_icalendar_feed_is_kept_as_given():
    moment = datetime(2026, 12, 20, 15, 0, tzinfo=UTC)
    event = RecordEvent("x", "hearing", "b", moment.date(), time_text="9:00 AM", at=moment)
    assert record_sync.event_moment(event, "America/Chicago") == moment


def test_a_campaign_can_follow_a_councils_meeting_calendar(app, db, legistar):
    app.config["RECORD_CLIENTS"] = {
        "springfield": {
            "provider": "ical",
            "feed_url": legistar.ics_url,
            "requests_per_second": 0,
            "cache_seconds": 0,
        }
    }
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    title = campaign.decision.title
    snapshot = record_sync.read_record("springfield", "2026-0412")
    record_sync.follow(
        db.session,
        campaign,
        snapshot,
        client_name="springfield",
        file_number="2026-0412",
        actor=lead,
    )
    db.session.commit()
    assert campaign.decision.title == title  # a feed has no matter: the decision stays
    vote = next(d for d in campaign.deadlines if d.kind == DeadlineKind.VOTE)
    assert _local(vote.at)[-5:] == "18:00"
    old_day = legistar.today + timedelta(days=23)
    new_day = legistar.today + timedelta(days=25)
    legistar.ics = legistar.ics.replace(f"{old_day:%Y%m%d}T180000", f"{new_day:%Y%m%d}T180000")
    result = _sync(db, campaign)
    db.session.expire_all()
    assert [m[0] for m in result.moved] == [vote.id]
    assert _local(db.session.get(Deadline, vote.id).at) == f"{new_day} 18:00"


def test_the_moved_hearing_mail_speaks_each_staff_members_language(db, legistar):
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    spanish = make_staff(campaign, "organizer", language="es")
    snapshot = record_sync.read_record("riverton", fake_council.OPEN_FILE)
    record_sync.follow(
        db.session, campaign, snapshot, client_name="riverton", file_number="2026-0412", actor=lead
    )
    db.session.commit()
    legistar.council.move_event(fake_council.HEARING_ID, legistar.today + timedelta(days=21))
    _sync(db, campaign)
    mail = next(m for m in db.session.scalars(sa.select(OutgoingMail)) if m.to == spanish.email)
    assert mail.language == "es"
    assert "cambió de fecha" in mail.subject and "registro oficial" in mail.body
