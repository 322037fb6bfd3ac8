"""Moderation that respects residents: a chosen reason, a note to the resident, a minute to
undo, and a short mail in the resident's language once that minute has passed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from campaign.models import (
    AuditEvent,
    OutgoingMail,
    Position,
    RejectionReason,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.schedule.tasks import run_outcome_mails
from campaign.services import campaigns, moderation
from campaign.services import testimony as testimony_service
from tests.factories import make_testimony
from tests.residents.support import campaign_with_hearing, hearing_of

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _mails(db, to=None):
    # The address is encrypted at rest: compared here, not in SQL.
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    return [mail for mail in mails if to is None or mail.to == to]


def _pending(campaign, **fields):
    fields.setdefault("status", TestimonyStatus.PENDING)
    return make_testimony(campaign, **fields)


def test_reject_needs_a_chosen_reason_and_gives_back_both_notes(client, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign, body="Words of the resident")
    db.session.commit()
    _login(client, team["organizer"])
    queue = client.get(f"/organize/c/{campaign.slug}/moderation").get_data(as_text=True)
    # The queue's reason list starts on "Choose a reason", which is no reason at all.
    assert '<option value="" selected>Choose a reason</option>' in queue
    assert queue.count(" selected>") == 1
    response = client.post(
        f"/organize/c/{campaign.slug}/testimony/{testimony.id}/reject",
        data={"reason": "", "resident_note": "Please shorten it", "note": "team only"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Choose a reason." in page
    assert "Please shorten it" in page and "team only" in page
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.PENDING


def test_queue_cards_show_the_visibility_choice_and_the_language(client, db, team):
    campaign = team["campaign"]
    _pending(
        campaign,
        visibility=Visibility.PACKET,
        language="es",
        body="Texto en español",
        wants_to_speak=True,
        interpreter_language="Spanish",
    )
    _pending(campaign, visibility=Visibility.COUNTED, language="other", body="Other words")
    db.session.commit()
    _login(client, team["organizer"])
    page = client.get(f"/organize/c/{campaign.slug}/moderation").get_data(as_text=True)
    assert "Name only in the packet for council" in page
    assert "Counted only (no name anywhere)" in page
    assert "Español" in page and "interpreter: Spanish" in page
    assert "Another language" in page
    spanish = client.get(f"/organize/c/{campaign.slug}/moderation?lang=es").get_data(as_text=True)
    assert "Cómo aparece el nombre" in spanish


def test_undo_within_the_minute_puts_back_the_count_and_sends_no_mail(client, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign, position=Position.SUPPORT)
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        _login(client, team["organizer"])
        client.post(
            f"/organize/c/{campaign.slug}/testimony/{testimony.id}/approve",
            data={"next": "queue"},
        )
        assert campaigns.counts(db.session, campaign.id).support == 1
        queue = client.get(f"/organize/c/{campaign.slug}/moderation").get_data(as_text=True)
        assert "Just decided" in queue and f"/testimony/{testimony.id}/undo" in queue
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        # Another member of the same team may undo it.
        client.post("/logout")
        _login(client, team["lead"])
        response = client.post(
            f"/organize/c/{campaign.slug}/testimony/{testimony.id}/undo", data={"next": "queue"}
        )
        assert response.status_code == 302
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.PENDING
    assert campaigns.counts(db.session, campaign.id).support == 0
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "testimony.decision_undone")
    ).all()
    assert event.actor_id == team["lead"].id and event.details["undone"] == "approved"
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert run_outcome_mails() == 0
    assert _mails(db, testimony.email) == []


def test_undo_restores_a_rejection_with_its_reason(app, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign)
    with time_machine.travel(T0, tick=False):
        moderation.reject(db.session, testimony, team["lead"], RejectionReason.OFF_TOPIC)
        db.session.commit()
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        moderation.approve(db.session, testimony, team["lead"])  # from the "rejected" tab
        db.session.commit()
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        moderation.undo(db.session, testimony, team["lead"])
        db.session.commit()
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.REJECTED
    assert testimony.rejection_reason == RejectionReason.OFF_TOPIC


def test_undo_after_the_minute_or_from_another_campaign_is_refused(client, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign)
    db.session.commit()
    url = f"/organize/c/{campaign.slug}/testimony/{testimony.id}/undo"
    with time_machine.travel(T0, tick=False):
        moderation.approve(db.session, testimony, team["organizer"])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        _login(client, team["outsider"])
        assert client.post(url).status_code == 404
        client.post("/logout")
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        _login(client, team["organizer"])
        assert client.post(url).status_code == 302
        page = client.get(f"/organize/c/{campaign.slug}/testimony/{testimony.id}")
        page = page.get_data(as_text=True)
        assert "The minute to undo that decision has passed" in page
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.APPROVED


def test_accepted_mail_waits_out_the_minute_and_goes_once_in_the_residents_language(app, db, team):
    campaign = team["campaign"]
    body = "Mi familia usa el autobús todos los días."
    testimony = _pending(campaign, language="es", body=body, email="ana@example.org")
    with time_machine.travel(T0, tick=False):
        moderation.approve(db.session, testimony, team["lead"])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert run_outcome_mails() == 0
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert run_outcome_mails() == 1
        assert run_outcome_mails() == 0  # a second worker finds nothing left to send
    [mail] = _mails(db, "ana@example.org")
    assert mail.language == "es"
    assert testimony.reference in mail.subject and "aceptado" in mail.subject
    assert "/t/" in mail.body or "http" in mail.body  # the private link
    assert body not in mail.body  # nothing quoted but the reference and their name


def test_not_accepted_mail_gives_the_reason_and_marks_the_team_note(app, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign, email="bo@example.org")
    with time_machine.travel(T0, tick=False):
        moderation.reject(
            db.session,
            testimony,
            team["lead"],
            RejectionReason.OFF_TOPIC,
            note="Internal: second copy",
            resident_note="Please write about the bus contract.",
        )
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert run_outcome_mails() == 1
    [mail] = _mails(db, "bo@example.org")
    assert mail.language == "en" and "was not accepted" in mail.subject
    assert "Reason: Off-topic" in mail.body
    assert "A note from the campaign team (their words, not yours):" in mail.body
    assert "    Please write about the bus contract." in mail.body
    assert "Internal" not in mail.body


def test_a_resident_who_opted_out_gets_no_mail(app, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign, outcome_mail=False, email="quiet@example.org")
    with time_machine.travel(T0, tick=False):
        moderation.approve(db.session, testimony, team["lead"])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert run_outcome_mails() == 0
    assert _mails(db, "quiet@example.org") == []
    assert db.session.get(Testimony, testimony.id).outcome_mail_due is False


def test_the_testimony_form_offers_the_mail_checked_and_stores_the_choice(client, db):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))
    page = client.get(f"/c/{campaign.slug}/testify").get_data(as_text=True)
    [checkbox] = re.findall(r'<input[^>]*name="outcome_mail"[^>]*>', page)
    assert "checked" in checkbox
    assert "Email me when the campaign team has read my testimony" in page
    form = {
        "name": "Rosa Díaz",
        "email": "rosa@example.org",
        "zip": "22222",
        "position": "oppose",
        "body": "I ride the 12 bus.",
        "language": "en",
        "speak": "no",
        "visibility": "packet",
    }
    for sent in ({}, {"outcome_mail": "y"}):
        response = client.post(f"/c/{campaign.slug}/testify", data={**form, **sent})
        assert response.status_code == 302
    stored = db.session.scalars(
        sa.select(Testimony.outcome_mail)
        .where(Testimony.campaign_id == campaign.id)
        .order_by(Testimony.id)
    ).all()
    assert stored == [False, True]


def test_a_resident_who_withdraws_within_the_minute_gets_no_mail_about_the_decision(app, db, team):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))
    testimony = _pending(
        campaign, hearing_id=hearing_of(campaign).id, email="changed-mind@example.org"
    )
    moderation.approve(db.session, testimony, team["lead"])
    db.session.commit()
    testimony_service.withdraw(db.session, campaign, testimony, ui_language="en")
    db.session.commit()
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=False):
        assert run_outcome_mails() == 0
    subjects = [mail.subject for mail in _mails(db, "changed-mind@example.org")]
    assert subjects and not any("accepted" in subject for subject in subjects)


def test_undo_applies_once_even_when_pressed_twice_or_after_a_newer_decision(app, db, team):
    campaign = team["campaign"]
    testimony = _pending(campaign, position=Position.SUPPORT)
    with time_machine.travel(T0, tick=False):
        moderation.approve(db.session, testimony, team["lead"])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        # Another worker recorded a newer decision; this page still shows the approval.
        db.session.execute(
            sa.update(Testimony)
            .where(Testimony.id == testimony.id)
            .values(moderated_at=T0 + timedelta(seconds=4))
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(moderation.ChangedMeanwhile):
            moderation.undo(db.session, testimony, team["organizer"])
        db.session.rollback()
        moderation.undo(db.session, testimony, team["organizer"])
        db.session.commit()
        with pytest.raises(moderation.UndoExpired):  # nothing left to undo
            moderation.undo(db.session, testimony, team["organizer"])
    assert campaigns.counts(db.session, campaign.id).support == 0


def test_the_outcome_mails_command_does_what_the_worker_does(app, db, team, runner):
    testimony = _pending(team["campaign"], email="cron@example.org")
    with time_machine.travel(T0, tick=False):
        moderation.approve(db.session, testimony, team["lead"])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        assert "Queued 1 mails" in runner.invoke(args=["outcome-mails"]).output
        assert "Queued 0 mails" in runner.invoke(args=["outcome-mails"]).output
    assert len(_mails(db, "cron@example.org")) == 1
