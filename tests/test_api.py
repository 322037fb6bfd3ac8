"""The public JSON API: the documented fields, aggregates only."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from campaign.models import CampaignStatus, Signature, SignatureStatus, Testimony, Visibility
from tests.factories import make_campaign, make_endorsement, make_signature, make_testimony

CAMPAIGN_FIELDS = {
    "slug",
    "title",
    "status",
    "ask",
    "decision",
    "deadlines",
    "goal",
    "counts",
    "by_district",
}
COUNT_FIELDS = {"signatures", "testimonies_approved", "testimonies_by_position", "endorsements"}


def test_campaign_has_exactly_the_documented_fields(client, db):
    campaign = make_campaign(slug="data-contract")
    make_signature(campaign)
    db.session.commit()
    body = client.get("/api/v1/campaigns/data-contract").json
    assert set(body) == CAMPAIGN_FIELDS
    assert set(body["decision"]) == {"body", "kind", "reference"}
    assert set(body["counts"]) == COUNT_FIELDS
    assert set(body["counts"]["testimonies_by_position"]) == {"support", "oppose", "neutral"}
    for deadline in body["deadlines"]:
        assert set(deadline) == {"kind", "title", "at", "location"}
        parsed = datetime.fromisoformat(deadline["at"])
        assert parsed.utcoffset() is not None
    for row in body["by_district"]:
        assert set(row) == {"district", "signatures", "testimonies"}


def test_counts_only_verified_signatures_and_approved_testimony(client, db):
    campaign = make_campaign(slug="counting")
    for _ in range(3):
        make_signature(campaign, district="1")
    make_signature(campaign, district="2")
    make_signature(campaign, status=SignatureStatus.PENDING)
    make_signature(campaign, status=SignatureStatus.INVALIDATED, invalidated_reason="fraud burst")
    make_testimony(campaign, position="oppose")
    make_testimony(campaign, position="support", district="2")
    make_testimony(campaign, status="pending")
    make_testimony(campaign, status="rejected", rejection_reason="abusive")
    make_endorsement(campaign, "Approved Org")
    make_endorsement(campaign, "Pending Org", status="pending")
    db.session.commit()
    counts = client.get("/api/v1/campaigns/counting").json["counts"]
    assert counts == {
        "signatures": 4,
        "testimonies_approved": 2,
        "testimonies_by_position": {"support": 1, "oppose": 1, "neutral": 0},
        "endorsements": 1,
    }
    by_district = client.get("/api/v1/campaigns/counting").json["by_district"]
    assert by_district == [
        {"district": "1", "signatures": 3, "testimonies": 1},
        {"district": "2", "signatures": 1, "testimonies": 1},
    ]
    # The running tallies agree with a full recount from the rows.
    verified = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.status == SignatureStatus.VERIFIED)
    )
    assert verified == counts["signatures"]


def test_never_contains_personal_data(client, db, demo):
    signatures = db.session.scalars(sa.select(Signature)).all()
    testimonies = db.session.scalars(sa.select(Testimony)).all()
    text = client.get("/api/v1/campaigns").get_data(as_text=True)
    text += client.get("/api/v1/campaigns/riverton-arrest-data").get_data(as_text=True)
    assert "@" not in text
    for signature in signatures:
        assert signature.email not in text
        if signature.visibility == Visibility.COUNTED:
            assert signature.name not in text
    for testimony in testimonies:
        assert testimony.name not in text
    assert "Signer" not in text


def test_lists_public_campaigns_but_not_drafts(client, db):
    make_campaign(slug="visible")
    make_campaign(slug="closed-one", status=CampaignStatus.CLOSED)
    make_campaign(slug="secret-draft", status=CampaignStatus.DRAFT)
    db.session.commit()
    slugs = {c["slug"] for c in client.get("/api/v1/campaigns").json["campaigns"]}
    assert slugs == {"visible", "closed-one"}
    assert client.get("/api/v1/campaigns/secret-draft").status_code == 404


def test_unknown_slug_is_a_json_404(client):
    response = client.get("/api/v1/campaigns/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert json.loads(response.data)["error"]["status"] == 404
    other = client.get("/api/v1/nothing-here")
    assert other.status_code == 404 and other.is_json


def test_counts_come_from_tallies_not_a_scan(client, db, app):
    """With many signatures, a count request reads the small tally table only."""
    from campaign.demo import riverton

    riverton.load(db.session)
    riverton.bulk(db.session, "riverton-arrest-data", 3000, 0, seed=1)
    db.session.commit()
    statements: list[str] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args):
        statements.append(statement)

    try:
        response = client.get("/api/v1/campaigns/riverton-arrest-data")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.json["counts"]["signatures"] > 3000
    assert not [s for s in statements if "FROM signature" in s]
