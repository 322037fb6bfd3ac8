"""The hearing's speaker list as a PDF, with the bill (file) number and each position."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.extensions import db
from campaign.models import Campaign, Position
from campaign.models.types import utcnow
from campaign.organize import bp
from campaign.organize.forms import ConfirmForm
from campaign.services import deadlines, speakers
from campaign.web import query_int


@bp.post("/c/<slug>/speakers.pdf")
@campaign_staff()
def speakers_pdf(campaign: Campaign):
    from campaign.pdf import render_html_to_pdf

    if not ConfirmForm().validate():
        abort(400)
    hearing_id = query_int("hearing")
    hearings = deadlines.hearings(campaign)
    hearing = next((h for h in hearings if h.id == hearing_id), None)
    if hearing_id is not None and hearing is None:
        abort(404)
    roster = speakers.printed_list(db.session, campaign, current_user, hearing_id)
    decision = campaign.decision
    reference = decision.reference if decision else ""
    target = reference or _("the decision")
    html = render_template(
        "organize/speaker_list/list.html",
        campaign=campaign,
        decision=decision,
        hearing=hearing,
        reference=reference,
        roster=roster,
        position_words={
            Position.SUPPORT: _("For %(bill)s", bill=target),
            Position.OPPOSE: _("Against %(bill)s", bill=target),
            Position.NEUTRAL: _("Neutral on %(bill)s", bill=target),
        },
        printed_at=utcnow(),
        language=str(get_locale() or "en"),
    )
    css = render_template("organize/speaker_list/list.css")
    data = render_html_to_pdf(html, extra_css=css)
    db.session.commit()  # the audit event is on record before the names leave
    response = Response(data, mimetype="application/pdf")
    name = f"{campaign.slug}-speakers{f'-hearing-{hearing.id}' if hearing else ''}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
