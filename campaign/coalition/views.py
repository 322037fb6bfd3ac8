"""The public sign-on form for organizations. Thin: form -> one service call -> commit."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for

from campaign.coalition import bp
from campaign.coalition.forms import JoinForm
from campaign.extensions import db, limiter
from campaign.models import CampaignStatus, EndorsementRole
from campaign.services import DomainError, NotFound, coalition
from campaign.services import campaigns as campaign_service


def _campaign(slug: str):
    try:
        return campaign_service.get_public(db.session, slug)
    except NotFound:
        abort(404)


@bp.route("/c/<slug>/join", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def join(slug: str):
    campaign = _campaign(slug)
    if campaign.status != CampaignStatus.OPEN:
        return render_template("coalition/closed.html", campaign=campaign)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            coalition.submit(
                db.session,
                campaign,
                organization=form.organization.data,
                role=EndorsementRole(form.role.data),
                contact_name=form.contact_name.data,
                contact_email=form.contact_email.data,
                website=form.website.data,
            )
            db.session.commit()
        except DomainError:
            db.session.rollback()
            return render_template("coalition/closed.html", campaign=campaign)
        # The same answer whether or not the organization had signed on already.
        return redirect(url_for("coalition.thanks", slug=campaign.slug))
    return render_template("coalition/join.html", campaign=campaign, form=form)


@bp.get("/c/<slug>/join/thanks")
def thanks(slug: str):
    return render_template("coalition/thanks.html", campaign=_campaign(slug))
