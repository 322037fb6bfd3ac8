"""The speaker roster: ordering with no-JavaScript buttons, a print page, a CSV for the day."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.extensions import db
from campaign.labels import export_word
from campaign.models import Campaign, SpeakerOutcome
from campaign.models.types import utcnow
from campaign.organize import bp
from campaign.organize.forms import ConfirmForm
from campaign.services import DomainError, NotFound, deadlines, exports, speakers
from campaign.web import query_int


def _hearing_filter(campaign: Campaign) -> int | None:
    hearing_id = query_int("hearing")
    if hearing_id is not None and hearing_id not in {h.id for h in deadlines.hearings(campaign)}:
        abort(404)
    return hearing_id


@bp.get("/c/<slug>/speakers")
@campaign_staff()
def speakers_page(campaign: Campaign):
    hearing_id = _hearing_filter(campaign)
    return render_template(
        "organize/speakers.html",
        campaign=campaign,
        hearing_id=hearing_id,
        hearings=deadlines.hearings(campaign),
        roster=speakers.roster(db.session, campaign.id, hearing_id),
        form=ConfirmForm(),
    )


@bp.post("/c/<slug>/speakers/<int:testimony_id>/move")
@campaign_staff()
def move_speaker(campaign: Campaign, testimony_id: int):
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    try:
        speakers.move(db.session, campaign, testimony_id, direction)
    except NotFound:
        abort(404)
    except DomainError:
        abort(400)
    db.session.commit()
    hearing_id = _hearing_filter(campaign)
    return redirect(
        url_for(
            "organize.speakers_page",
            slug=campaign.slug,
            hearing=hearing_id,
            _anchor=f"speaker-{testimony_id}",
        )
    )


def _back_to_roster(campaign: Campaign, testimony_id: int | None = None):
    anchor = f"speaker-{testimony_id}" if testimony_id else None
    return redirect(
        url_for(
            "organize.speakers_page",
            slug=campaign.slug,
            hearing=_hearing_filter(campaign),
            _anchor=anchor,
        )
    )


@bp.post("/c/<slug>/speakers/<int:testimony_id>/outcome")
@campaign_staff()
def mark_speaker(campaign: Campaign, testimony_id: int):
    raw = request.form.get("outcome", "")
    if raw not in ("spoke", "absent", "waiting"):
        abort(400)
    outcome = None if raw == "waiting" else SpeakerOutcome(raw)
    try:
        speakers.mark(db.session, campaign, testimony_id, outcome)
    except NotFound:
        abort(404)
    db.session.commit()
    return _back_to_roster(campaign, testimony_id)


@bp.post("/c/<slug>/speakers/next")
@campaign_staff()
def call_next_speaker(campaign: Campaign):
    try:
        called = speakers.call_next(db.session, campaign, _hearing_filter(campaign))
    except DomainError:
        flash(_("Nobody is waiting to speak."), "error")
        return _back_to_roster(campaign)
    db.session.commit()
    flash(_("Now speaking: %(name)s", name=called.name))
    return _back_to_roster(campaign, called.id)


@bp.get("/c/<slug>/speakers/print")
@campaign_staff()
def speakers_print(campaign: Campaign):
    hearing_id = _hearing_filter(campaign)
    hearing = next((h for h in deadlines.hearings(campaign) if h.id == hearing_id), None)
    return render_template(
        "organize/speakers_print.html",
        campaign=campaign,
        hearing=hearing,
        roster=speakers.roster(db.session, campaign.id, hearing_id),
        printed_at=utcnow(),
    )


@bp.post("/c/<slug>/speakers.csv")
@campaign_staff()
def speakers_csv(campaign: Campaign):
    hearing_id = _hearing_filter(campaign)
    export = exports.speaker_roster(
        db.session, campaign, current_user, utcnow(), hearing_id, words=export_word
    )
    db.session.commit()  # the audit event is on record before the names leave
    return csv_response(export)


def csv_response(export: exports.Export) -> Response:
    response = Response(export.data, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
