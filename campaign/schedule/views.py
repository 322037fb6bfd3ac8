"""Schedule views: calendar feeds, the lead's view across campaigns, purge hold, feed token."""

from __future__ import annotations

import hashlib
from datetime import datetime

from babel.dates import format_time
from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from campaign.access import campaign_staff
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.links import external_url
from campaign.models import Campaign, Role
from campaign.schedule import bp, feeds, phrases
from campaign.schedule.forms import CalendarTokenForm, PurgeHoldForm
from campaign.services import DomainError, NotFound, calendars
from campaign.services import agenda as agenda_service
from campaign.services import deadlines as deadline_service
from campaign.services import purge as purge_service

bp.add_app_template_global(phrases.rule_of, "deadline_rule")
bp.add_app_template_global(phrases.how_soon, "how_soon")
bp.add_app_template_global(phrases.risk_text, "risk_text")


def _staff_link(endpoint: str, **values) -> str | None:
    """A link to another area's page if that page exists in this build."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _clock(local: datetime) -> str:
    """A wall-clock time in the reader's language ("3:00 PM", "15:00")."""
    return format_time(local, "short", locale=str(get_locale() or "en"))


def _campaign_url(campaign: Campaign) -> str:
    return external_url("public.campaign_page", slug=campaign.slug)


def _calendar_response(body: bytes, filename: str, *, private: bool) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    response.set_etag(hashlib.sha256(body).hexdigest())
    return response.make_conditional(request)


@bp.get("/c/<slug>/calendar.ics")
def public_calendar(slug: str):
    try:
        campaign = calendars.public_campaign(db.session, slug)
    except NotFound:
        abort(404)
    body = feeds.public_feed(db.session, campaign, _campaign_url)
    return _calendar_response(body, f"{campaign.slug}.ics", private=False)


@bp.get("/calendar/<token>.ics")
def private_calendar(token: str):
    try:
        user = calendars.user_for_token(db.session, token)
    except NotFound:
        abort(404)
    body = feeds.staff_feed(db.session, user, _campaign_url)
    return _calendar_response(body, "deadlines.ics", private=True)


@bp.get("/organize/deadlines")
@login_required
def agenda():
    data = agenda_service.build(db.session, current_user)
    purge_rows = [
        {
            "campaign": campaign,
            "due_at": purge_service.purge_due_at(campaign),
            "can_hold": current_user.is_admin or current_user.role_in(campaign.id) == Role.LEAD,
            "packets_url": _staff_link("packets.index", slug=campaign.slug),
        }
        for campaign in data.campaigns
    ]
    return render_template(
        "schedule/agenda.html",
        agenda=data,
        purge_rows=purge_rows,
        clock=_clock,
        due_soon_hours=deadline_service.due_soon_hours(),
    )


@bp.route("/organize/deadlines/<slug>/hold", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def purge_hold(campaign: Campaign):
    form = PurgeHoldForm()
    if request.method == "GET" and campaign.purge_hold:
        form.reason.data = campaign.purge_hold_reason
    if form.validate_on_submit():
        holding = bool(form.hold.data)
        try:
            purge_service.set_purge_hold(
                db.session, campaign, holding, form.reason.data, current_user
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(error_text(error))
        else:
            flash(
                _("This campaign is held back from the purge.")
                if holding
                else _("The hold is released: the purge will run when it is due.")
            )
            return redirect(url_for("schedule.purge_hold", slug=campaign.slug))
    return render_template(
        "schedule/hold.html",
        campaign=campaign,
        form=form,
        due_at=purge_service.purge_due_at(campaign),
    )


@bp.route("/organize/calendar", methods=["GET", "POST"])
@login_required
def calendar_token():
    form = CalendarTokenForm()
    feed_url = None
    if form.validate_on_submit() and (form.create.data or form.revoke.data):
        if form.revoke.data:
            calendars.revoke_token(db.session, current_user)
            db.session.commit()
            flash(_("The private calendar link is turned off. Calendars using it stop updating."))
            return redirect(url_for("schedule.calendar_token"))
        token = calendars.issue_token(db.session, current_user)
        db.session.commit()
        # Shown on this response only: the token is not stored and cannot be shown again.
        feed_url = external_url("schedule.private_calendar", token=token)
    campaigns = calendars.staff_campaigns(db.session, current_user)
    response = make_response(
        render_template(
            "schedule/calendar.html",
            form=form,
            feed_url=feed_url,
            webcal_url=("webcal://" + feed_url.split("://", 1)[1]) if feed_url else None,
            has_token=current_user.calendar_token_hash is not None,
            campaigns=campaigns,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
