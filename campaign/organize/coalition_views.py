"""The coalition for staff: every organization that signed on; leads approve or reject."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.models import Campaign, EndorsementRole, EndorsementStatus, Role
from campaign.organize import bp
from campaign.organize.forms import ConfirmForm, DescriptionForm
from campaign.services import DomainError, NotFound, coalition


@bp.get("/c/<slug>/coalition")
@campaign_staff()
def coalition_page(campaign: Campaign):
    return render_template(
        "organize/coalition.html",
        campaign=campaign,
        groups=coalition.by_status(db.session, campaign.id),
        form=ConfirmForm(),
    )


@bp.post("/c/<slug>/coalition/<int:endorsement_id>")
@campaign_staff(Role.LEAD)
def decide_endorsement(campaign: Campaign, endorsement_id: int):
    try:
        endorsement = coalition.get(db.session, campaign.id, endorsement_id)
    except NotFound:
        abort(404)
    decision = request.form.get("decision", "")
    role = request.form.get("role") or None
    if decision not in (EndorsementStatus.APPROVED, EndorsementStatus.REJECTED) or (
        role is not None and role not in {r.value for r in EndorsementRole}
    ):
        abort(400)
    coalition.decide(
        db.session,
        endorsement,
        current_user,
        EndorsementStatus(decision),
        EndorsementRole(role) if role else None,
    )
    db.session.commit()
    flash(
        _("%(org)s is approved and shows on the campaign page.", org=endorsement.organization)
        if decision == EndorsementStatus.APPROVED
        else _("%(org)s is not part of the coalition.", org=endorsement.organization)
    )
    return redirect(url_for("organize.coalition_page", slug=campaign.slug))


@bp.route("/c/<slug>/coalition/<int:endorsement_id>/description", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def describe_endorsement(campaign: Campaign, endorsement_id: int):
    """The line under an organization's name on the campaign page, in English and Spanish."""
    try:
        endorsement = coalition.get(db.session, campaign.id, endorsement_id)
    except NotFound:
        abort(404)
    form = DescriptionForm(obj=endorsement)
    if form.validate_on_submit():
        try:
            changed = coalition.describe(
                db.session,
                endorsement,
                current_user,
                form.description.data,
                form.description_es.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.description_es.errors.append(error_text(error))
        else:
            flash(_("Saved.") if changed else _("Nothing changed."))
            return redirect(
                url_for("organize.coalition_page", slug=campaign.slug) + f"#e{endorsement.id}"
            )
    return render_template(
        "organize/endorsement_description.html",
        campaign=campaign,
        endorsement=endorsement,
        form=form,
    )
