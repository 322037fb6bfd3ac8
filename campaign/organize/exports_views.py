"""Exports of personal data (each one audit-logged) and the audit log for leads."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.extensions import db
from campaign.labels import export_word
from campaign.models import Campaign, Role
from campaign.models.types import utcnow
from campaign.organize import bp
from campaign.organize.common import is_lead
from campaign.organize.forms import ConfirmForm
from campaign.organize.roster_views import csv_response
from campaign.services import exports
from campaign.web import query_page


@bp.get("/c/<slug>/exports")
@campaign_staff()
def exports_page(campaign: Campaign):
    return render_template("organize/exports.html", campaign=campaign, form=ConfirmForm())


@bp.post("/c/<slug>/exports/signatures.csv")
@campaign_staff()
def export_signatures(campaign: Campaign):
    export = exports.signatures(db.session, campaign, current_user, utcnow(), words=export_word)
    db.session.commit()  # the audit event is on record before the data leaves
    return csv_response(export)


@bp.post("/c/<slug>/exports/testimony-<scope>.csv")
@campaign_staff()
def export_testimony(campaign: Campaign, scope: str):
    if scope not in ("approved", "all"):
        abort(404)
    if scope == "all" and not is_lead():
        # Rejected and pending testimony, and original text under redactions: leads only.
        abort(403)
    export = exports.testimonies(
        db.session, campaign, current_user, utcnow(), scope=scope, words=export_word
    )
    db.session.commit()
    return csv_response(export)


@bp.get("/c/<slug>/audit")
@campaign_staff(Role.LEAD)
def audit_log(campaign: Campaign):
    page = query_page()
    events, pages = exports.audit_page(db.session, campaign.id, page)
    return render_template(
        "organize/audit.html",
        campaign=campaign,
        events=events,
        page=min(max(page, 1), pages),
        pages=pages,
    )
