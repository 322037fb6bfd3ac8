"""GET /api/v1/campaigns and /api/v1/campaigns/<slug>."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import jsonify

from campaign.api import bp
from campaign.extensions import db
from campaign.models import Campaign
from campaign.services import NotFound
from campaign.services import campaigns as campaign_service


def campaign_json(campaign: Campaign) -> dict:
    """The documented public shape of a campaign: aggregates only.

    Never a pending count: it would go up by one for an address that had not signed and stay
    for one that had, telling anyone whether a given person signed. Pending is for staff.
    """
    counts = campaign_service.counts(db.session, campaign.id)
    decision = campaign.decision
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "status": campaign.status.value,
        "ask": campaign.ask,
        "decision": {
            "body": decision.body if decision else None,
            "kind": decision.kind.value if decision else None,
            "reference": decision.reference if decision else None,
        },
        "deadlines": [
            {
                "kind": d.kind.value,
                "title": d.title,
                "at": d.at.astimezone(ZoneInfo(campaign.time_zone)).isoformat(),
                "location": d.location,
            }
            for d in campaign.deadlines
        ],
        "goal": campaign.goal,
        "counts": {
            "signatures": counts.signatures,
            "testimonies_approved": counts.testimonies_approved,
            "testimonies_by_position": {
                "support": counts.support,
                "oppose": counts.oppose,
                "neutral": counts.neutral,
            },
            "endorsements": counts.endorsements,
        },
        "by_district": [
            {"district": d.district, "signatures": d.signatures, "testimonies": d.testimonies}
            for d in counts.by_district
        ],
    }


@bp.get("/campaigns")
def list_campaigns():
    campaigns = campaign_service.list_public(db.session)
    return jsonify({"campaigns": [campaign_json(c) for c in campaigns]})


@bp.get("/campaigns/<slug>")
def show_campaign(slug: str):
    try:
        campaign = campaign_service.get_public(db.session, slug)
    except NotFound:
        return jsonify({"error": {"status": 404, "message": "no such campaign"}}), 404
    return jsonify(campaign_json(campaign))
