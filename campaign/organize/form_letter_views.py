"""Form letters in moderation: copies of one letter shown together, approved or rejected at
once, each sender's own added sentences in view (campaign/services/form_letters.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from campaign.access import campaign_staff
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.models import Campaign, RejectionReason, TestimonyStatus
from campaign.organize import bp
from campaign.organize.forms import REASON_CHOICES
from campaign.services import DomainError, NotFound, form_letters

TABS = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)


class GroupDecisionForm(FlaskForm):
    """One decision on every copy of a form letter that the moderator saw."""

    ids = HiddenField(
        validators=[DataRequired(), Length(max=200_000), Regexp(r"^\d{1,12}(,\d{1,12})*$")]
    )
    decision = HiddenField(validators=[DataRequired(), Regexp(r"^(approve|reject)$")])
    reason = SelectField(
        _l("Reason"), choices=REASON_CHOICES, validators=[Optional()], validate_choice=False
    )
    note = StringField(_l("Note for the team (optional)"), validators=[Length(max=500)])


def _status() -> TestimonyStatus:
    try:
        status = TestimonyStatus(request.args.get("status", TestimonyStatus.PENDING.value))
    except ValueError:
        abort(404)
    if status not in TABS:
        abort(404)
    return status


@bp.get("/c/<slug>/form-letters")
@campaign_staff()
def form_letters_page(campaign: Campaign):
    status = _status()
    try:
        letters = form_letters.for_moderation(db.session, campaign.id, status)
    except NotFound:
        abort(404)
    return render_template(
        "organize/form_letters.html",
        campaign=campaign,
        status=status,
        tabs=TABS,
        letters=letters,
        form=GroupDecisionForm(formdata=None),
    )


@bp.post("/c/<slug>/form-letters/decide")
@campaign_staff()
def form_letters_decide(campaign: Campaign):
    form = GroupDecisionForm()
    tab = request.form.get("tab", TestimonyStatus.PENDING.value)
    back = redirect(url_for("organize.form_letters_page", slug=campaign.slug, status=tab))
    if not form.validate():
        flash(_("That decision could not be read. Reload the page and try again."), "error")
        return back
    approve = form.decision.data == "approve"
    reason = None
    if not approve:
        try:
            reason = RejectionReason(form.reason.data)
        except ValueError:
            flash(_("Choose a reason to reject these testimonies."), "error")
            return back
    try:
        outcome = form_letters.moderate(
            db.session,
            campaign.id,
            [int(i) for i in form.ids.data.split(",")],
            current_user,
            approve=approve,
            reason=reason,
            note=form.note.data,
        )
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return back
    done = (
        _("Approved %(num)d copies of the letter.", num=outcome.moved)
        if approve
        else _("Rejected %(num)d copies of the letter.", num=outcome.moved)
    )
    if outcome.skipped:
        done += " " + _(
            "%(num)d were left as they were (already decided, or moderated by someone else "
            "meanwhile).",
            num=outcome.skipped,
        )
    flash(done)
    return back
