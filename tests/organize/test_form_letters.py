"""Moderating a form letter: the copies shown together, decided at once, additions in view."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.models import AuditEvent, Testimony, TestimonyStatus
from campaign.services import campaigns
from tests.factories import make_testimony

LETTER = (
    "Please vote no on the contract. It lets a federal agency read our arrest records in real "
    "time, and it makes our neighbors afraid to call for help when they need it most. The "
    "city promised that its police would not do the work of immigration agents, and this "
    "contract breaks that promise every day it runs. Let it expire at the end of August."
)


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _letter_copies(campaign, count=5):
    copies = [
        make_testimony(campaign, status=TestimonyStatus.PENDING, body=LETTER.upper())
        for _ in range(count - 1)
    ]
    copies.append(
        make_testimony(
            campaign,
            status=TestimonyStatus.PENDING,
            body=LETTER + " <b>My cousin was detained in 2019.</b>",
        )
    )
    return copies


def test_the_group_shows_with_additions_and_is_approved_at_once(client, db, team):
    campaign = team["campaign"]
    copies = _letter_copies(campaign)
    alone = make_testimony(campaign, status=TestimonyStatus.PENDING, body="My very own words.")
    make_testimony(team["other"], status=TestimonyStatus.PENDING, body=LETTER)
    db.session.commit()
    _login(client, team["organizer"])

    queue = client.get(f"/organize/c/{campaign.slug}/moderation").get_data(as_text=True)
    assert f"/organize/c/{campaign.slug}/form-letters" in queue
    page = client.get(f"/organize/c/{campaign.slug}/form-letters").get_data(as_text=True)
    assert "Sent by 5 residents" in page
    assert "&lt;b&gt;My cousin was detained in 2019.&lt;/b&gt;" in page  # escaped, in view
    assert "My very own words." not in page
    assert all(t.reference in page for t in copies)

    ids = ",".join(str(t.id) for t in copies)
    response = client.post(
        f"/organize/c/{campaign.slug}/form-letters/decide",
        data={"ids": ids, "decision": "approve", "tab": "pending"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {t.status for t in copies} == {TestimonyStatus.APPROVED}
    assert db.session.get(Testimony, alone.id).status == TestimonyStatus.PENDING
    assert campaigns.counts(db.session, campaign.id).oppose == 5
    single = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "testimony.approved")
    ).all()
    assert len(single) == 5
    group = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "testimony.form_letter_approved")
    )
    assert group.rows == 5


def test_rejecting_needs_a_reason_and_never_reaches_another_campaign(client, db, team):
    campaign = team["campaign"]
    copies = _letter_copies(campaign, 3)
    theirs = make_testimony(team["other"], status=TestimonyStatus.PENDING, body=LETTER)
    db.session.commit()
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/form-letters/decide"
    ids = ",".join(str(t.id) for t in copies)

    response = client.post(url, data={"ids": ids, "decision": "reject"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose a reason" in page
    response = client.post(
        url, data={"ids": f"{ids},{theirs.id}", "decision": "reject", "reason": "duplicate"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert {t.status for t in copies} == {TestimonyStatus.PENDING}  # nothing half done
    assert db.session.get(Testimony, theirs.id).status == TestimonyStatus.PENDING
    for hostile in ("1;2", "", "drop table", "9" * 400):
        response = client.post(url, data={"ids": hostile, "decision": "approve"})
        assert response.status_code in (302, 404)

    response = client.post(url, data={"ids": ids, "decision": "reject", "reason": "duplicate"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {t.status for t in copies} == {TestimonyStatus.REJECTED}
    assert {t.rejection_reason.value for t in copies} == {"duplicate"}
