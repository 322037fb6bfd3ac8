"""Moderation: approve, reject with a reason, redact with the original kept; counts follow."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.models import AuditEvent, Position, RejectionReason, Testimony, TestimonyStatus
from campaign.services import campaigns, moderation
from tests.factories import make_testimony


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_queue_lists_only_confirmed_waiting_testimony_oldest_first(client, db, team):
    campaign = team["campaign"]
    waiting = make_testimony(campaign, status=TestimonyStatus.PENDING, body="Waiting text")
    make_testimony(
        campaign, status=TestimonyStatus.UNCONFIRMED, confirmed_at=None, body="Unconfirmed text"
    )
    make_testimony(campaign, status=TestimonyStatus.WITHDRAWN, body="Withdrawn text")
    make_testimony(team["other"], status=TestimonyStatus.PENDING, body="Other campaign text")
    _login(client, team["organizer"])
    page = client.get(f"/organize/c/{campaign.slug}/moderation").get_data(as_text=True)
    assert "Waiting text" in page
    for hidden in ("Unconfirmed text", "Withdrawn text", "Other campaign text"):
        assert hidden not in page
    assert waiting.reference in page
    # Unconfirmed and withdrawn testimony cannot be opened or moderated by URL either.
    unconfirmed = db.session.scalar(
        sa.select(Testimony).where(Testimony.status == TestimonyStatus.UNCONFIRMED)
    )
    assert client.get(f"/organize/c/{campaign.slug}/testimony/{unconfirmed.id}").status_code == 404
    assert (
        client.post(f"/organize/c/{campaign.slug}/testimony/{unconfirmed.id}/approve").status_code
        == 404
    )


def test_approving_counts_it_and_publishes_nothing_before(client, db, team):
    campaign = team["campaign"]
    testimony = make_testimony(campaign, status=TestimonyStatus.PENDING, position=Position.SUPPORT)
    db.session.commit()
    assert campaigns.counts(db.session, campaign.id).support == 0
    _login(client, team["organizer"])
    response = client.post(
        f"/organize/c/{campaign.slug}/testimony/{testimony.id}/approve", data={"next": "queue"}
    )
    assert response.status_code == 302 and "/moderation" in response.headers["Location"]
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.APPROVED
    assert testimony.moderated_by_id == team["organizer"].id and testimony.moderated_at
    assert campaigns.counts(db.session, campaign.id).support == 1
    [event] = _events(db, "testimony.approved")
    assert event.actor_id == team["organizer"].id and event.target_id == testimony.id
    # Approving twice changes nothing and does not count twice.
    client.post(f"/organize/c/{campaign.slug}/testimony/{testimony.id}/approve")
    assert campaigns.counts(db.session, campaign.id).support == 1


def test_reject_needs_a_reason_and_keeps_the_note(client, db, team):
    campaign = team["campaign"]
    testimony = make_testimony(campaign, status=TestimonyStatus.PENDING)
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/testimony/{testimony.id}/reject"
    bad = client.post(url, data={"reason": "rude", "note": "my note stays"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Not a valid choice" in text and "my note stays" in text
    assert db.session.get(Testimony, testimony.id).status == TestimonyStatus.PENDING
    good = client.post(url, data={"reason": "private_person", "note": "Names a neighbor"})
    assert good.status_code == 302
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.REJECTED
    assert testimony.rejection_reason == RejectionReason.PRIVATE_PERSON
    assert testimony.moderation_note == "Names a neighbor"
    [event] = _events(db, "testimony.rejected")
    assert event.details["reason"] == "private_person"


def test_rejecting_an_approved_testimony_uncounts_it(app, db, team):
    campaign = team["campaign"]
    testimony = make_testimony(campaign, status=TestimonyStatus.APPROVED)
    assert campaigns.counts(db.session, campaign.id).oppose == 1
    moderation.reject(db.session, testimony, team["lead"], RejectionReason.ABUSIVE)
    db.session.commit()
    assert campaigns.counts(db.session, campaign.id).oppose == 0
    moderation.approve(db.session, testimony, team["lead"])
    db.session.commit()
    assert campaigns.counts(db.session, campaign.id).oppose == 1


def test_a_stale_moderation_is_refused_and_counts_stay_right(app, db, team):
    """Two moderators open the same testimony; the second press must not count it twice."""
    campaign = team["campaign"]
    testimony = make_testimony(campaign, status=TestimonyStatus.PENDING)
    db.session.commit()
    db.session.execute(
        sa.update(Testimony)
        .where(Testimony.id == testimony.id)
        .values(status=TestimonyStatus.APPROVED)
        .execution_options(synchronize_session=False)
    )
    # The object still says "pending", as the second moderator's page did.
    assert testimony.status == TestimonyStatus.PENDING
    with pytest.raises(moderation.ChangedMeanwhile):
        moderation.approve(db.session, testimony, team["lead"])
    assert testimony.status == TestimonyStatus.APPROVED


def test_redaction_keeps_the_original_and_logs_who_not_what(client, db, team):
    campaign = team["campaign"]
    original = "My neighbor Rosa Quintero at 12 Elm St was detained.\n\nPlease vote no."
    testimony = make_testimony(campaign, status=TestimonyStatus.PENDING, body=original)
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/testimony/{testimony.id}/redact"
    assert client.post(url, data={"text": "   "}).status_code == 200  # empty: refused
    redacted = "My neighbor [removed] was detained.\n\nPlease vote no."
    response = client.post(url, data={"text": redacted.replace("\n", "\r\n")})
    assert response.status_code == 302
    db.session.refresh(testimony)
    assert testimony.body == original
    assert testimony.redacted_body == redacted
    assert testimony.public_body == redacted
    [event] = _events(db, "testimony.redacted")
    assert event.actor_id == team["organizer"].id and event.at is not None
    assert "Rosa" not in str(event.details) and "Elm" not in str(event.details)
    # The team still sees the original on the testimony page.
    page = client.get(f"/organize/c/{campaign.slug}/testimony/{testimony.id}")
    assert "Rosa Quintero" in page.get_data(as_text=True)
    # Giving back the original text removes the redaction.
    client.post(url, data={"text": original})
    db.session.refresh(testimony)
    assert testimony.redacted_body is None
    assert len(_events(db, "testimony.redaction_removed")) == 1


def test_rejected_and_pending_testimony_never_reaches_public_pages_or_approved_exports(
    client, db, team
):
    campaign = team["campaign"]
    make_testimony(
        campaign, status=TestimonyStatus.APPROVED, body="Approved words", name="Ana Approved"
    )
    make_testimony(
        campaign, status=TestimonyStatus.PENDING, body="Pending words", name="Pat Pending"
    )
    make_testimony(
        campaign,
        status=TestimonyStatus.REJECTED,
        body="Rejected words",
        name="Rex Rejected",
        rejection_reason=RejectionReason.ABUSIVE,
    )
    make_testimony(
        campaign,
        status=TestimonyStatus.APPROVED,
        body="Secret original",
        redacted_body="Shown redacted",
        name="Red Acted",
    )
    public = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    api = client.get(f"/api/v1/campaigns/{campaign.slug}").get_data(as_text=True)
    for leaked in (
        "Pending words",
        "Rejected words",
        "Pat Pending",
        "Rex Rejected",
        "Secret original",
    ):
        assert leaked not in public and leaked not in api
    _login(client, team["organizer"])
    export = client.post(f"/organize/c/{campaign.slug}/exports/testimony-approved.csv")
    text = export.get_data(as_text=True)
    assert "Ana Approved" in text and "Shown redacted" in text
    for leaked in (
        "Pending words",
        "Rejected words",
        "Pat Pending",
        "Rex Rejected",
        "Secret original",
    ):
        assert leaked not in text
