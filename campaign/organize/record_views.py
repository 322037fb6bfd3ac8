"""The city's record, for leads: follow a council's file (find, review, save), see the last
sync and its error, sync now, and choose where the record and a hand edit differ."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.display import format_when
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.labels import label
from campaign.models import Campaign, DecisionKind, Role
from campaign.models.types import utcnow
from campaign.organize import bp
from campaign.organize.forms import ConfirmForm
from campaign.organize.record_forms import ConflictChoiceForm, RecordFindForm, RecordReviewForm
from campaign.record import RecordError
from campaign.schedule.phrases import how_soon
from campaign.services import DomainError, NotFound, record_sync


def synced_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "12 minutes ago", "3 hours ago": how long since the last sync."""
    if moment is None:
        return _("never")
    now = now or utcnow()
    if now - moment < timedelta(minutes=1):
        return _("just now")
    if now - moment < timedelta(hours=1):
        minutes = int((now - moment).total_seconds() // 60)
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", minutes)
    return how_soon(moment, now, "UTC")


def link_error(link) -> str | None:
    """The last sync's error in the reader's words."""
    if not link or not link.error_code:
        return None
    details = {"status": link.error_status} if link.error_status else {}
    return error_text(RecordError(code=link.error_code, **details))


def record_value(name: str, value: str | None, time_zone: str) -> str:
    """A value of the record or of a hand edit, in words (a moment in the campaign's zone)."""
    if value is None or value == "":
        return "—"
    if name == "at":
        return f"{format_when(datetime.fromisoformat(value), time_zone)} ({time_zone})"
    if name == "kind" and value in DecisionKind._value2member_map_:
        return label(DecisionKind(value))
    return value


@bp.app_context_processor
def record_helpers():
    """How the public page and the dashboard word the record their views pass them."""
    return {
        "synced_ago": synced_ago,
        "record_value": record_value,
        "describe_record_item": describe_item,
    }


def _field_name(name: str) -> str:
    names = {"title": _("Title"), "kind": _("Kind"), "body": _("Decided by"), "at": _("When")}
    names |= {"reference": _("Reference"), "district": _("District"), "location": _("Where")}
    return names.get(name, name)


def describe_item(item) -> str | None:
    """What an imported value is, in words ("Committee hearing · When"); None if it is gone."""
    target = record_sync.target_of(db.session, item)
    if target is None:
        return None
    what = {"deadline": getattr(target, "title", ""), "decision_maker": getattr(target, "name", "")}
    return f"{what.get(item.target_type) or _('The decision')} · {_field_name(item.field)}"


def _imported(campaign: Campaign) -> list[tuple[str, str, str | None]]:
    """What was imported, in words: (what, value, source link), the decision first."""
    rows = []
    for item in record_sync.items_of(db.session, campaign).values():
        what = describe_item(item) if item.field != "location" else None
        if what is not None:
            value = record_value(item.field, item.value, campaign.time_zone)
            rows.append((what, value, item.source_url))
    decision = _("The decision")
    return sorted(rows, key=lambda row: (not row[0].startswith(decision), row[0]))


def _find_form(formdata=None) -> RecordFindForm:
    form = RecordFindForm(formdata=formdata) if formdata is not None else RecordFindForm()
    form.client.choices = [(c.name, c.label) for c in record_sync.council_clients().values()]
    return form


def _page(campaign: Campaign, find_form: RecordFindForm | None = None, status: int = 200):
    link = record_sync.link_of(db.session, campaign)
    return (
        render_template(
            "organize/record.html",
            campaign=campaign,
            link=link,
            client=record_sync.council_clients().get(link.client) if link else None,
            error=link_error(link),
            conflicts=record_sync.open_conflicts(db.session, campaign),
            items=_imported(campaign) if link else [],
            find_form=find_form or _find_form(),
            confirm_form=ConfirmForm(),
            choice_form=ConflictChoiceForm(),
        ),
        status,
    )


@bp.route("/c/<slug>/record", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def record_page(campaign: Campaign):
    if request.method == "GET":
        return _page(campaign)
    form = _find_form(request.form)
    if not form.validate_on_submit():
        return _page(campaign, form, 400)
    try:
        snapshot = record_sync.read_record(form.client.data, form.file_number.data)
    except DomainError as error:
        form.file_number.errors = [error_text(error)]
        return _page(campaign, form, 400)
    review = RecordReviewForm(formdata=None, data=record_sync.record_values(snapshot))
    review.client.data, review.file_number.data = form.client.data, form.file_number.data
    return _preview(campaign, snapshot, review)


def _preview(campaign: Campaign, snapshot, review: RecordReviewForm, status: int = 200):
    meetings = [(e, record_sync.event_moment(e, campaign.time_zone)) for e in snapshot.events]
    return (
        render_template(
            "organize/record_preview.html",
            campaign=campaign,
            snapshot=snapshot,
            meetings=meetings,
            form=review,
            client=record_sync.council_clients().get(review.client.data),
        ),
        status,
    )


@bp.post("/c/<slug>/record/follow")
@campaign_staff(Role.LEAD)
def record_follow(campaign: Campaign):
    form = RecordReviewForm()
    try:
        snapshot = record_sync.read_record(form.client.data or "", form.file_number.data or "")
    except DomainError as error:
        flash(error_text(error), "error")
        return redirect(url_for("organize.record_page", slug=campaign.slug))
    if not form.validate_on_submit():
        return _preview(campaign, snapshot, form, 400)
    reviewed = {n: getattr(form, n).data or "" for n in record_sync.DECISION_ITEMS}
    reviewed["kind"] = DecisionKind(form.kind.data).value
    try:
        record_sync.follow(
            db.session,
            campaign,
            snapshot,
            client_name=form.client.data,
            file_number=form.file_number.data,
            actor=current_user,
            reviewed=reviewed,
        )
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return redirect(url_for("organize.record_page", slug=campaign.slug))
    db.session.commit()
    flash(_("This campaign now follows the council's record."))
    return redirect(url_for("organize.record_page", slug=campaign.slug))


@bp.post("/c/<slug>/record/sync")
@campaign_staff(Role.LEAD)
def record_sync_now(campaign: Campaign):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    link = record_sync.link_of(db.session, campaign)
    if link is None:
        abort(404)
    result = record_sync.sync(db.session, link)
    db.session.commit()
    if result.error:
        flash(_("Not synced: nothing stored changed."), "error")
    else:
        flash(_("Synced with the council's record."))
    return redirect(url_for("organize.record_page", slug=campaign.slug))


@bp.post("/c/<slug>/record/conflicts/<int:conflict_id>")
@campaign_staff(Role.LEAD)
def record_conflict(campaign: Campaign, conflict_id: int):
    form = ConflictChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        record_sync.resolve_conflict(
            db.session, campaign, conflict_id, form.choice.data, current_user
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return redirect(url_for("organize.record_page", slug=campaign.slug))
    db.session.commit()
    flash(_("Saved your choice."))
    return redirect(url_for("organize.record_page", slug=campaign.slug))
