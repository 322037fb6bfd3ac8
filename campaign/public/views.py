"""Public views: thin, one service call each."""

from __future__ import annotations

from flask import abort, render_template

from campaign.extensions import db
from campaign.public import bp
from campaign.services import NotFound
from campaign.services import campaigns as campaign_service


@bp.get("/")
def index():
    open_campaigns = campaign_service.list_open(db.session)
    return render_template("public/index.html", campaigns=open_campaigns)


@bp.get("/c/<slug>")
def campaign_page(slug: str):
    try:
        campaign = campaign_service.get_public(db.session, slug)
    except NotFound:
        abort(404)
    return render_template(
        "public/campaign.html",
        campaign=campaign,
        counts=campaign_service.counts(db.session, campaign.id),
        upcoming=campaign_service.upcoming_deadlines(campaign),
        endorsements=campaign_service.approved_endorsements(db.session, campaign.id),
    )
