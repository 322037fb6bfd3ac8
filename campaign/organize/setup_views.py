"""Campaign setup for leads: deadlines, decision-makers and positions, the ZIP table."""

from __future__ import annotations

import contextlib
from datetime import time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.display import local_time
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.models import Campaign, DeadlineKind, Role, Stance
from campaign.organize import bp
from campaign.organize.common import forget_upload, remember_upload, upload_is_ours
from campaign.organize.forms import (
    ConfirmForm,
    DeadlineForm,
    DecisionMakerForm,
    EditDeadlineForm,
    EditRelativeDeadlineForm,
    PositionForm,
    PositionNoteForm,
    RelativeDeadlineForm,
    UploadForm,
)
from campaign.services import DomainError, NotFound, deadlines, uploads
from campaign.services import decision_makers as maker_service
from campaign.services import districts as district_service

DISTRICT_UPLOAD = "districts"
COUNCIL_MEMBER = _l("Council Member")


def _in_both(text) -> tuple[str, str]:
    """A suggested text in English and in Spanish, whatever the page's language."""
    with force_locale("en"):
        english = str(text)
    with force_locale("es"):
        return english, str(text)


def _relative_form(campaign: Campaign, formdata=None) -> RelativeDeadlineForm:
    form = RelativeDeadlineForm(formdata=formdata, prefix="rel")
    form.hearing.choices = [
        (h.id, f"{h.title} ({local_time(h.at, campaign.time_zone):%Y-%m-%d %H:%M})")
        for h in deadlines.hearings(campaign)
    ]
    return form


def _deadlines_page(campaign: Campaign, form: DeadlineForm, relative: RelativeDeadlineForm):
    return render_template(
        "organize/deadlines.html",
        campaign=campaign,
        form=form,
        relative=relative,
        confirm_form=ConfirmForm(),
    )


@bp.get("/c/<slug>/dates")
@campaign_staff(Role.LEAD)
def deadlines_page(campaign: Campaign):
    return _deadlines_page(campaign, DeadlineForm(formdata=None), _relative_form(campaign, None))


def _at(form, campaign: Campaign):
    """The form's local date and time in the campaign's zone, or None with an error set."""
    try:
        return deadlines.local_moment(form.day.data, form.clock.data, campaign.time_zone)
    except deadlines.DateOutOfRange as error:
        form.day.errors.append(error_text(error))
    except DomainError as error:
        form.clock.errors.append(error_text(error))
    return None


@bp.post("/c/<slug>/dates/new")
@campaign_staff(Role.LEAD)
def add_deadline(campaign: Campaign):
    form = DeadlineForm()
    if form.validate():
        at = _at(form, campaign)
        if at is not None:
            deadlines.create_deadline(
                db.session,
                campaign,
                kind=DeadlineKind(form.kind.data),
                title=form.title.data,
                title_es=form.title_es.data,
                at=at,
                location=form.location.data,
                committee=form.committee.data,
                notes=form.notes.data,
                actor=current_user,
                **_spanish_texts(form),
            )
            db.session.commit()
            flash(_("Date added."))
            return redirect(url_for("organize.deadlines_page", slug=campaign.slug))
    return _deadlines_page(campaign, form, _relative_form(campaign, None))


def _spanish_texts(form) -> dict[str, str | None]:
    """A deadline form's Spanish place, committee and notes."""
    return {name: form[name].data for name in ("location_es", "committee_es", "notes_es")}


def _rule(form) -> str | None:
    try:
        return deadlines.build_rule(form.rule_kind.data, form.amount.data, form.clock.data)
    except deadlines.BadRule as error:
        form.rule_kind.errors.append(error_text(error))
        return None


@bp.post("/c/<slug>/dates/relative")
@campaign_staff(Role.LEAD)
def add_relative_deadline(campaign: Campaign):
    form = _relative_form(campaign, request.form)
    if not form.hearing.choices:
        form.hearing.errors = [_("Add a hearing first.")]
    elif form.validate():
        rule = _rule(form)
        if rule is not None:
            try:
                hearing = deadlines.get_deadline(db.session, campaign, form.hearing.data)
                deadlines.add_relative(
                    db.session,
                    hearing,
                    DeadlineKind(form.kind.data),
                    form.title.data,
                    rule,
                    title_es=form.title_es.data,
                    actor=current_user,
                )
                db.session.commit()
            except NotFound:
                abort(404)
            except DomainError as error:
                db.session.rollback()
                form.rule_kind.errors.append(error_text(error))
            else:
                flash(_("Date added. It will move when the hearing moves."))
                return redirect(url_for("organize.deadlines_page", slug=campaign.slug))
    return _deadlines_page(campaign, DeadlineForm(formdata=None), form)


def _split_rule(rule: str) -> tuple[str, int, time | None]:
    name, _sep, argument = rule.partition(":")
    if name == "days_before_at":
        days, _sep, clock = argument.partition(":")
        hour, minute = (int(x) for x in clock.split(":"))
        return name, int(days), time(hour, minute)
    return name, int(float(argument)), None


def _deadline_form(campaign: Campaign, deadline):
    """The edit form of a fixed or a relative date, filled from the saved one on a GET."""
    if deadline.relative_to is not None:
        form = EditRelativeDeadlineForm(obj=deadline)
        if request.method == "GET":
            with contextlib.suppress(ValueError):
                form.rule_kind.data, form.amount.data, form.clock.data = _split_rule(
                    deadline.rule or ""
                )
        return form
    form = EditDeadlineForm(obj=deadline)
    if request.method == "GET":
        local = local_time(deadline.at, campaign.time_zone)
        form.day.data, form.clock.data = local.date(), local.time().replace(tzinfo=None)
    return form


def _save_deadline(campaign: Campaign, deadline, form) -> bool:
    """Save an edit through the deadline service; False with the form's errors set."""
    change = dict(
        title=form.title.data,
        title_es=form.title_es.data,
        location=form.location.data,
        committee=form.committee.data,
        notes=form.notes.data,
        **_spanish_texts(form),
    )
    if deadline.relative_to is not None:
        change["rule"] = _rule(form)
        if change["rule"] is None:
            return False
    else:
        change["at"] = _at(form, campaign)
        if change["at"] is None:
            return False
    try:
        moved = deadlines.update_deadline(db.session, deadline, actor=current_user, **change)
    except DomainError as error:
        db.session.rollback()
        errors = form.rule_kind.errors if "rule" in change else form.clock.errors
        errors.append(error_text(error))
        return False
    followers = [d for d in moved if d is not deadline]
    if followers:
        flash(_("The hearing moved, and so did %(n)d dates that follow it.", n=len(followers)))
    return True


@bp.route("/c/<slug>/dates/<int:deadline_id>", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def edit_deadline(campaign: Campaign, deadline_id: int):
    try:
        deadline = deadlines.get_deadline(db.session, campaign, deadline_id)
    except NotFound:
        abort(404)
    form = _deadline_form(campaign, deadline)
    if form.validate_on_submit() and _save_deadline(campaign, deadline, form):
        db.session.commit()
        flash(_("Date saved."))
        return redirect(url_for("organize.deadlines_page", slug=campaign.slug))
    return render_template(
        "organize/deadline_edit.html",
        campaign=campaign,
        form=form,
        deadline=deadline,
        relative=deadline.relative_to is not None,
    )


@bp.post("/c/<slug>/dates/<int:deadline_id>/delete")
@campaign_staff(Role.LEAD)
def delete_deadline(campaign: Campaign, deadline_id: int):
    try:
        deadline = deadlines.get_deadline(db.session, campaign, deadline_id)
        deadlines.delete_deadline(db.session, deadline, actor=current_user)
    except NotFound:
        abort(404)
    except deadlines.HearingHasTestimony as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return redirect(url_for("organize.deadlines_page", slug=campaign.slug))
    db.session.commit()
    flash(_("Date deleted."))
    return redirect(url_for("organize.deadlines_page", slug=campaign.slug))


# Decision-makers ---------------------------------------------------------------------------


def _save_maker(campaign: Campaign, form: DecisionMakerForm, maker=None) -> None:
    maker_service.save_decision_maker(
        db.session,
        campaign,
        name=form.name.data,
        office=form.office.data,
        office_es=form.office_es.data,
        district=form.district.data,
        sort_order=form.sort_order.data or 0,
        maker=maker,
    )
    db.session.commit()


@bp.route("/c/<slug>/decision-makers", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def decision_makers(campaign: Campaign):
    form = DecisionMakerForm(prefix="new")
    if form.validate_on_submit():
        _save_maker(campaign, form)
        flash(_("Decision-maker added."))
        return redirect(url_for("organize.decision_makers", slug=campaign.slug))
    if request.method == "GET" and not form.office.data:
        form.office.data, form.office_es.data = _in_both(COUNCIL_MEMBER)
    return render_template(
        "organize/decision_makers.html", campaign=campaign, form=form, confirm_form=ConfirmForm()
    )


@bp.route("/c/<slug>/decision-makers/<int:maker_id>", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def edit_decision_maker(campaign: Campaign, maker_id: int):
    try:
        maker = maker_service.get_decision_maker(db.session, campaign, maker_id)
    except NotFound:
        abort(404)
    form = DecisionMakerForm(obj=maker)
    if form.validate_on_submit():
        _save_maker(campaign, form, maker)
        flash(_("Saved."))
        return redirect(
            url_for("organize.edit_decision_maker", slug=campaign.slug, maker_id=maker.id)
        )
    return _maker_page(campaign, maker, form=form)


def _maker_page(campaign: Campaign, maker, *, form=None, position_form=None, note_forms=None):
    """A decision-maker's page; the forms given keep what was typed and their errors."""
    notes = {
        p.id: PositionNoteForm(prefix=f"note{p.id}", formdata=None, obj=p) for p in maker.positions
    }
    notes.update(note_forms or {})
    return render_template(
        "organize/decision_maker.html",
        campaign=campaign,
        maker=maker,
        form=form or DecisionMakerForm(obj=maker, formdata=None),
        position_form=position_form or PositionForm(prefix="pos", formdata=None),
        note_forms=notes,
        confirm_form=ConfirmForm(),
    )


@bp.post("/c/<slug>/decision-makers/<int:maker_id>/positions")
@campaign_staff(Role.LEAD)
def add_position(campaign: Campaign, maker_id: int):
    try:
        maker = maker_service.get_decision_maker(db.session, campaign, maker_id)
    except NotFound:
        abort(404)
    position_form = PositionForm(prefix="pos")
    if position_form.validate():
        try:
            maker_service.add_position(
                db.session,
                maker,
                current_user,
                stance=Stance(position_form.stance.data),
                stated_on=position_form.stated_on.data,
                source_url=position_form.source_url.data,
                source_note=position_form.source_note.data,
                source_note_es=position_form.source_note_es.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            position_form.source_url.errors.append(error_text(error))
        else:
            flash(_("Position recorded."))
            return redirect(
                url_for("organize.edit_decision_maker", slug=campaign.slug, maker_id=maker.id)
            )
    return _maker_page(campaign, maker, position_form=position_form)


@bp.post("/c/<slug>/decision-makers/<int:maker_id>/positions/<int:position_id>/spanish")
@campaign_staff(Role.LEAD)
def translate_position(campaign: Campaign, maker_id: int, position_id: int):
    """The Spanish of a recorded position's note, written after the position was recorded."""
    try:
        maker = maker_service.get_decision_maker(db.session, campaign, maker_id)
    except NotFound:
        abort(404)
    note_form = PositionNoteForm(prefix=f"note{position_id}")
    if note_form.validate():
        try:
            maker_service.translate_position_note(
                db.session, maker, position_id, note_form.source_note_es.data
            )
            db.session.commit()
        except NotFound:
            abort(404)
        except DomainError as error:
            db.session.rollback()
            note_form.source_note_es.errors.append(error_text(error))
        else:
            flash(_("Saved."))
            return redirect(
                url_for("organize.edit_decision_maker", slug=campaign.slug, maker_id=maker.id)
                + f"#position-{position_id}"
            )
    return _maker_page(campaign, maker, note_forms={position_id: note_form})


@bp.post("/c/<slug>/decision-makers/<int:maker_id>/positions/<int:position_id>/delete")
@campaign_staff(Role.LEAD)
def delete_position(campaign: Campaign, maker_id: int, position_id: int):
    try:
        maker = maker_service.get_decision_maker(db.session, campaign, maker_id)
        maker_service.delete_position(db.session, maker, position_id)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("Position deleted."))
    return redirect(url_for("organize.edit_decision_maker", slug=campaign.slug, maker_id=maker_id))


@bp.post("/c/<slug>/decision-makers/<int:maker_id>/delete")
@campaign_staff(Role.LEAD)
def delete_decision_maker(campaign: Campaign, maker_id: int):
    try:
        maker = maker_service.get_decision_maker(db.session, campaign, maker_id)
    except NotFound:
        abort(404)
    maker_service.delete_decision_maker(db.session, maker)
    db.session.commit()
    flash(_("Decision-maker deleted."))
    return redirect(url_for("organize.decision_makers", slug=campaign.slug))


# The ZIP-to-district table -----------------------------------------------------------------


@bp.route("/c/<slug>/districts", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def districts(campaign: Campaign):
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            district_service.read_district_table(data)
        except uploads.UnreadableFile as error:
            form.file.errors.append(error_text(error))
        else:
            token = uploads.store(
                current_app.instance_path,
                DISTRICT_UPLOAD,
                data,
                user_id=current_user.id,
                campaign_id=campaign.id,
            )
            remember_upload(token)
            return redirect(url_for("organize.districts_preview", slug=campaign.slug, token=token))
    table = sorted((z.zip, z.district) for z in campaign.district_zips)
    return render_template("organize/districts.html", campaign=campaign, form=form, table=table)


def _kept_district_upload(campaign: Campaign, token: str) -> bytes:
    if not upload_is_ours(token):
        abort(404)
    try:
        data, _meta = uploads.load(
            current_app.instance_path,
            token,
            DISTRICT_UPLOAD,
            user_id=current_user.id,
            campaign_id=campaign.id,
        )
    except NotFound:
        abort(404)
    return data


@bp.get("/c/<slug>/districts/preview/<token>")
@campaign_staff(Role.LEAD)
def districts_preview(campaign: Campaign, token: str):
    data = _kept_district_upload(campaign, token)
    preview = district_service.read_district_table(data)
    changes = district_service.district_changes(db.session, campaign, preview.rows)
    return render_template(
        "organize/districts_preview.html",
        campaign=campaign,
        preview=preview,
        changes=changes,
        token=token,
        form=ConfirmForm(),
    )


@bp.post("/c/<slug>/districts/preview/<token>")
@campaign_staff(Role.LEAD)
def districts_confirm(campaign: Campaign, token: str):
    data = _kept_district_upload(campaign, token)
    if request.form.get("action") == "cancel":
        uploads.discard(current_app.instance_path, token)
        forget_upload(token)
        flash(_("Nothing was changed."))
        return redirect(url_for("organize.districts", slug=campaign.slug))
    preview = district_service.read_district_table(data)
    try:
        moved = district_service.replace_district_table(
            db.session, campaign, current_user, preview.rows
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return redirect(url_for("organize.districts", slug=campaign.slug))
    uploads.discard(current_app.instance_path, token)
    forget_upload(token)
    flash(
        _(
            "ZIP table saved: %(zips)d ZIP codes. %(moved)d signatures changed district.",
            zips=len(preview.rows),
            moved=moved,
        )
    )
    return redirect(url_for("organize.districts", slug=campaign.slug))
