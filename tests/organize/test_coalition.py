"""Organizations sign on publicly; leads approve; approved ones show on the campaign page."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.models import AuditEvent, CampaignStatus, Endorsement, EndorsementStatus

JOIN = {
    "organization": "  Casa   del Pueblo ",
    "website": "https://casa.example",
    "role": "founding",
    "contact_name": "Rosa Díaz",
    "contact_email": "rosa@casa.example",
}


def _login(client, user):
    assert (
        client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        ).status_code
        == 302
    )


def test_an_organization_signs_on_and_a_lead_approves_it(client, db, team):
    campaign = team["campaign"]
    form = client.get(f"/c/{campaign.slug}/join")
    assert form.status_code == 200 and 'name="organization"' in form.get_data(as_text=True)
    response = client.post(f"/c/{campaign.slug}/join", data=JOIN)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{campaign.slug}/join/thanks"
    endorsement = db.session.scalar(sa.select(Endorsement))
    assert endorsement.organization == "Casa del Pueblo"
    assert endorsement.status == EndorsementStatus.PENDING
    assert endorsement.contact_email == "rosa@casa.example"
    # Not public until a lead approves it.
    assert "Casa del Pueblo" not in client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    # Signing on twice (any spacing or case) makes nothing new and answers the same way.
    again = client.post(
        f"/c/{campaign.slug}/join", data={**JOIN, "organization": "casa DEL pueblo"}
    )
    assert again.headers["Location"] == response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 1

    _login(client, team["organizer"])
    page = client.get(f"/organize/c/{campaign.slug}/coalition").get_data(as_text=True)
    assert "Casa del Pueblo" in page and "rosa@casa.example" in page
    url = f"/organize/c/{campaign.slug}/coalition/{endorsement.id}"
    assert client.post(url, data={"decision": "approved"}).status_code == 403  # leads decide
    client.post("/logout")
    _login(client, team["lead"])
    assert client.post(url, data={"decision": "maybe"}).status_code == 400
    assert client.post(url, data={"decision": "approved"}).status_code == 302
    db.session.refresh(endorsement)
    assert endorsement.status == EndorsementStatus.APPROVED and endorsement.decided_at
    public = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    assert "Casa del Pueblo" in public and "rosa@casa.example" not in public
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "endorsement.approved")
    ).all()
    assert event.actor_id == team["lead"].id
    client.post(url, data={"decision": "rejected"})
    client.get(f"/organize/c/{campaign.slug}/coalition")  # shows the flash message
    assert "Casa del Pueblo" not in client.get(f"/c/{campaign.slug}").get_data(as_text=True)


def test_the_form_keeps_what_was_typed_and_explains_errors(client, db, team):
    campaign = team["campaign"]
    response = client.post(
        f"/c/{campaign.slug}/join",
        data={**JOIN, "contact_email": "not an email", "website": "ftp://files.example"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an email address." in text and "https://" in text
    assert 'value="Casa del Pueblo"' in text and 'value="Rosa Díaz"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0


def test_closed_and_draft_campaigns_take_no_sign_ons(client, db, team):
    campaign = team["campaign"]
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    closed = client.post(f"/c/{campaign.slug}/join", data=JOIN)
    assert closed.status_code == 200 and "closed" in closed.get_data(as_text=True)
    campaign.status = CampaignStatus.DRAFT
    db.session.commit()
    assert client.get(f"/c/{campaign.slug}/join").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0
