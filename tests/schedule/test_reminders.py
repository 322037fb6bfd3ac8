"""Reminders: once per deadline, offset and person, whatever runs twice or crashes half-way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from campaign.models import CampaignStatus, DeadlineKind, OutgoingMail, TestimonyStatus
from campaign.services import deadlines as ds
from campaign.services import mail, reminders
from campaign.services.reminders import offset_due
from tests.factories import make_campaign, make_staff, make_testimony
from tests.schedule.conftest import local

HEARING = local(2026, 3, 9, 10)  # Monday after the spring change


def _setup(db):
    campaign = make_campaign(
        slug="arrest-data", title="Stop the arrest-data contract", hearing_at=HEARING
    )
    hearing = campaign.deadlines[0]
    hearing.location = "City Hall, Council Chambers"
    lead = make_staff(campaign, "lead", email="lead@staff.example")
    organizer = make_staff(campaign, "organizer", email="organizadora@staff.example", language="es")
    speaker = make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        language="es",
        email="hablante@example.org",
        name="Rosa Hablante",
        status=TestimonyStatus.PENDING,
        interpreter_language="Mixteco",
    )
    # Not reminded: no consent, withdrawn, rejected, never confirmed, another hearing.
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=False,
        email="noconsent@example.org",
    )
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        status=TestimonyStatus.WITHDRAWN,
        email="withdrawn@example.org",
    )
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        status=TestimonyStatus.REJECTED,
        rejection_reason="off_topic",
        email="rejected@example.org",
    )
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        status=TestimonyStatus.UNCONFIRMED,
        confirmed_at=None,
        email="unconfirmed@example.org",
    )
    # The same person twice (a "+tag" is the same canonical address): one reminder.
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        status=TestimonyStatus.APPROVED,
        email="hablante+2@example.org",
        language="es",
    )
    comment = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
    )
    db.session.commit()
    return campaign, hearing, comment, lead, organizer, speaker


def _keys(db) -> list[str]:
    return sorted(db.session.scalars(sa.select(OutgoingMail.dedupe_key)).all())


def test_the_offset_due_is_the_latest_one_passed():
    at = HEARING
    hours = (168, 48, 24, 3)
    assert offset_due(at, at - timedelta(hours=169), hours) is None
    assert offset_due(at, at - timedelta(hours=168), hours) == 168
    assert offset_due(at, at - timedelta(hours=30), hours) == 48  # created late: not 168 too
    assert offset_due(at, at - timedelta(hours=2), hours) == 3
    assert offset_due(at, at, hours) is None  # the deadline itself has passed


def test_reminders_go_once_per_offset_to_staff_and_consenting_speakers(app, db, runner, outbox):
    _campaign, hearing, comment, lead, organizer, speaker = _setup(db)
    # 30 hours before the hearing (Sunday 04:00 EDT, just after the spring change); the
    # comment deadline (Sunday 15:00 EDT) is 11 hours away.
    with time_machine.travel(HEARING - timedelta(hours=30), tick=False):
        first = runner.invoke(args=["remind"])
        assert first.exit_code == 0, first.output
        assert "Queued 5 reminders for 2 deadlines" in first.output
        again = runner.invoke(args=["remind"])
        assert "Queued 0 reminders" in again.output and "5 were already queued" in again.output
    assert _keys(db) == sorted(
        [
            f"reminder:{hearing.id}:48:staff:{lead.id}",
            f"reminder:{hearing.id}:48:staff:{organizer.id}",
            f"reminder:{hearing.id}:48:resident:{speaker.email_hash}",
            f"reminder:{comment.id}:24:staff:{lead.id}",
            f"reminder:{comment.id}:24:staff:{organizer.id}",
        ]
    )
    messages = outbox()
    assert len(messages) == 5
    to_speaker = [m for m in messages if m["To"] == "hablante@example.org"]
    assert len(to_speaker) == 1
    body = to_speaker[0].get_content()
    languages = {m.to: m.language for m in db.session.scalars(sa.select(OutgoingMail))}
    assert languages == {
        "hablante@example.org": "es",
        "lead@staff.example": "en",
        "organizadora@staff.example": "es",
    }
    assert "Usted pidió hablar" in body
    assert "City Hall, Council Chambers" in body and "America/New_York" in body
    assert "lunes, 9 de marzo de 2026" in body  # the hearing's day, in Spanish
    assert "10:00" in body and "EDT" in body
    to_lead = [m for m in messages if m["To"] == "lead@staff.example"]
    assert {m["Subject"].strip() for m in to_lead} == {
        "Reminder: Hearing tomorrow (Stop the arrest-data contract)",
        "Reminder: Written testimony due in 11 hours (Stop the arrest-data contract)",
    }
    assert all(
        m["Subject"].strip().startswith("Recordatorio:")
        for m in messages
        if m["To"] == "organizadora@staff.example"
    )


def test_every_offset_once_over_the_life_of_a_deadline(app, db, runner):
    campaign, hearing, comment, *_ = _setup(db)
    db.session.delete(comment)
    db.session.commit()
    moments = [169, 167, 100, 47, 46, 23, 4, 2.5, 1, -1]
    for hours in moments:
        with time_machine.travel(HEARING - timedelta(hours=hours), tick=False):
            assert runner.invoke(args=["remind"]).exit_code == 0
    keys = _keys(db)
    # 3 people (2 staff, 1 speaker) x 4 offsets, and nothing else.
    assert len(keys) == 12 and len(set(keys)) == 12
    assert {k.split(":")[2] for k in keys} == {"168", "48", "24", "3"}


def test_a_deadline_entered_late_gets_only_the_latest_reminder(app, db, runner):
    campaign, hearing, *_ = _setup(db)
    with time_machine.travel(local(2026, 3, 4, 9), tick=False):
        late = ds.create_deadline(
            db.session, campaign, kind=DeadlineKind.OTHER, title="Rally", at=local(2026, 3, 5, 12)
        )
        db.session.commit()
        assert runner.invoke(args=["remind"]).exit_code == 0
    keys = [k for k in _keys(db) if k.startswith(f"reminder:{late.id}:")]
    assert sorted(k.split(":")[2] for k in keys) == ["48", "48"]  # lead and organizer


def test_a_crash_half_way_then_a_new_run_sends_everything_exactly_once(
    app, db, runner, monkeypatch, outbox
):
    _setup(db)
    real_queue = mail.queue
    calls = {"n": 0}

    def crashing_queue(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(mail, "queue", crashing_queue)
    with time_machine.travel(HEARING - timedelta(hours=30), tick=False):
        crashed = runner.invoke(args=["remind"])
        assert crashed.exit_code != 0 and isinstance(crashed.exception, RuntimeError)
        # Two reminders were queued before the crash; none of them was committed.
        assert _keys(db) == [] and outbox() == []
        monkeypatch.setattr(mail, "queue", real_queue)
        assert runner.invoke(args=["remind"]).exit_code == 0
        assert runner.invoke(args=["remind"]).exit_code == 0
    keys = _keys(db)
    assert len(keys) == 5 == len(set(keys))
    assert len(outbox()) == 5


def test_a_crash_after_commit_before_delivery_is_delivered_later_once(
    app, db, runner, monkeypatch, outbox
):
    _setup(db)
    monkeypatch.setattr(mail, "deliver_mail_job", lambda: None)  # the worker is down
    with time_machine.travel(HEARING - timedelta(hours=30), tick=False):
        assert runner.invoke(args=["remind"]).exit_code == 0
        assert outbox() == []
        waiting = db.session.scalars(sa.select(OutgoingMail)).all()
        assert len(waiting) == 5 and all(m.sent_at is None for m in waiting)
        assert runner.invoke(args=["remind"]).exit_code == 0  # cron again: nothing new
    assert mail.deliver_waiting(db.session) == (5, 0)
    assert mail.deliver_waiting(db.session) == (0, 0)
    assert len(outbox()) == 5


def test_the_unique_key_alone_prevents_duplicates(app, db, monkeypatch):
    """Two workers racing both pass the look-up; the database refuses the second copy."""
    _setup(db)
    monkeypatch.setattr(mail, "already_queued", lambda session, key: False)
    with time_machine.travel(HEARING - timedelta(hours=30), tick=False):
        first = reminders.remind(db.session)
        db.session.commit()
        second = reminders.remind(db.session)
        db.session.commit()
    assert (first.queued, second.queued, second.already_queued) == (5, 0, 5)
    assert len(_keys(db)) == 5


@pytest.mark.parametrize("status", [CampaignStatus.DRAFT, CampaignStatus.CLOSED])
def test_campaigns_that_are_not_open_send_no_reminders(app, db, status):
    campaign, *_ = _setup(db)
    campaign.status = status
    db.session.commit()
    with time_machine.travel(HEARING - timedelta(hours=2), tick=False):
        assert reminders.remind(db.session).queued == 0


def test_the_periodic_job_closes_then_reminds(app, db):
    from campaign.schedule.tasks import run_tick_and_reminders

    _setup(db)
    with time_machine.travel(HEARING - timedelta(hours=2), tick=False):
        assert run_tick_and_reminders() == (0, 3)
        assert run_tick_and_reminders() == (0, 0)
    db.session.expire_all()
    assert len(_keys(db)) == 3
