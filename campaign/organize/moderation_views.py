"""Moderation: the queue of confirmed testimony, approve, reject with a reason, undo within a
minute, redact."""

from __future__ import annotations

from babel.dates import format_time
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.display import local_time
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.labels import label
from campaign.models import Campaign, RejectionReason, TestimonyStatus
from campaign.organize import bp
from campaign.organize.forms import ConfirmForm, RedactForm, RejectForm
from campaign.services import DomainError, NotFound, moderation
from campaign.web import query_page

PER_PAGE = 25
TABS = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)


@bp.get("/c/<slug>/moderation")
@campaign_staff()
def moderation_queue(campaign: Campaign):
    try:
        status = TestimonyStatus(request.args.get("status", TestimonyStatus.PENDING.value))
    except ValueError:
        abort(404)
    if status not in TABS:
        abort(404)
    page = query_page()
    items = moderation.listing(
        db.session, campaign.id, status, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    return render_template(
        "organize/moderation.html",
        campaign=campaign,
        status=status,
        tabs=TABS,
        items=items[:PER_PAGE],
        page=page,
        has_next=len(items) > PER_PAGE,
        counts=moderation.status_counts(db.session, campaign.id),
        recent=moderation.recent_decisions(db.session, campaign.id),
        undo_until=lambda t: _clock(moderation.undo_until(t), campaign),
        reject_form=RejectForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


def _clock(moment, campaign: Campaign) -> str:
    """A time of day in the campaign's zone, to the second: the undo minute is short."""
    return format_time(
        local_time(moment, campaign.time_zone), "medium", locale=str(get_locale() or "en")
    )


def _testimony(campaign: Campaign, testimony_id: int):
    try:
        return moderation.get(db.session, campaign.id, testimony_id)
    except NotFound:
        abort(404)


def _back(campaign: Campaign, testimony_id: int | None = None):
    """Back to where the moderator pressed the button: the queue, or the testimony page."""
    if request.form.get("next") == "queue":
        return redirect(
            url_for(
                "organize.moderation_queue",
                slug=campaign.slug,
                status=request.form.get("tab", "pending"),
            )
        )
    return redirect(
        url_for("organize.testimony_detail", slug=campaign.slug, testimony_id=testimony_id)
    )


def _detail(campaign: Campaign, testimony, reject_form=None, redact_form=None):
    if redact_form is None:
        redact_form = RedactForm(formdata=None, text=testimony.public_body)
    return render_template(
        "organize/testimony.html",
        campaign=campaign,
        testimony=testimony,
        reject_form=reject_form or RejectForm(formdata=None),
        redact_form=redact_form,
        confirm_form=ConfirmForm(),
        undo_until=_clock(moderation.undo_until(testimony), campaign)
        if moderation.undoable(testimony)
        else None,
    )


@bp.get("/c/<slug>/testimony/<int:testimony_id>")
@campaign_staff()
def testimony_detail(campaign: Campaign, testimony_id: int):
    return _detail(campaign, _testimony(campaign, testimony_id))


@bp.post("/c/<slug>/testimony/<int:testimony_id>/approve")
@campaign_staff()
def approve_testimony(campaign: Campaign, testimony_id: int):
    testimony = _testimony(campaign, testimony_id)
    try:
        moderation.approve(db.session, testimony, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
    else:
        flash(_("Approved testimony %(ref)s.", ref=testimony.reference))
    return _back(campaign, testimony_id)


@bp.post("/c/<slug>/testimony/<int:testimony_id>/reject")
@campaign_staff()
def reject_testimony(campaign: Campaign, testimony_id: int):
    testimony = _testimony(campaign, testimony_id)
    form = RejectForm()
    if not form.validate():
        return _detail(campaign, testimony, reject_form=form)
    try:
        moderation.reject(
            db.session,
            testimony,
            current_user,
            RejectionReason(form.reason.data),
            form.note.data,
            form.resident_note.data,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
    else:
        flash(_("Rejected testimony %(ref)s.", ref=testimony.reference))
    return _back(campaign, testimony_id)


@bp.post("/c/<slug>/testimony/<int:testimony_id>/undo")
@campaign_staff()
def undo_moderation(campaign: Campaign, testimony_id: int):
    testimony = _testimony(campaign, testimony_id)
    try:
        moderation.undo(db.session, testimony, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
    else:
        flash(
            _(
                "Undone: testimony %(ref)s is back to “%(status)s”. No mail goes to the resident.",
                ref=testimony.reference,
                status=label(testimony.status),
            )
        )
    return _back(campaign, testimony_id)


@bp.post("/c/<slug>/testimony/<int:testimony_id>/redact")
@campaign_staff()
def redact_testimony(campaign: Campaign, testimony_id: int):
    testimony = _testimony(campaign, testimony_id)
    form = RedactForm()
    if not form.validate():
        return _detail(campaign, testimony, redact_form=form)
    try:
        redacted = moderation.redact(db.session, testimony, current_user, form.text.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.text.errors.append(error_text(error))
        return _detail(campaign, testimony, redact_form=form)
    flash(
        _("Redaction saved. The original text is kept for the team only.")
        if redacted
        else _("No redaction: the public sees the original text.")
    )
    return _back(campaign, testimony_id)
