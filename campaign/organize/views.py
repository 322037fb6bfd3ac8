"""Staff home, creating campaigns, the dashboard, settings, status and the team.
Thin: form -> one service call -> commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign.access import admin_required, campaign_staff
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.labels import district_label
from campaign.models import Campaign, CampaignStatus, Membership, Role, User, Visibility
from campaign.models.types import utcnow
from campaign.organize import bp
from campaign.organize.forms import (
    CampaignForm,
    DecisionForm,
    InviteForm,
    NewCampaignForm,
    StatusForm,
)
from campaign.services import (
    DomainError,
    NotFound,
    accounts,
    campaign_settings,
    deadlines,
    decisions,
    invitations,
    record_sync,
)
from campaign.services import dashboard as dashboard_service
from campaign.services.campaigns import district_sort_key

# A new campaign's lead is invited: these refusals are about the lead's email.
LEAD_EMAIL_ERRORS = ("email_invalid", "already_on_team")


@bp.get("/")
@login_required
def home():
    """The campaigns this person works on (every campaign for a site admin)."""
    if current_user.is_admin:
        campaigns = list(
            db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc()))
        )
        roles = {}
    else:
        memberships = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == current_user.id)
        ).all()
        roles = {m.campaign_id: m.role for m in memberships}
        campaigns = list(
            db.session.scalars(
                sa.select(Campaign)
                .where(Campaign.id.in_(roles))
                .order_by(Campaign.created_at.desc())
            )
        )
    return render_template("organize/home.html", campaigns=campaigns, roles=roles)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_campaign():
    form = NewCampaignForm()
    if form.validate_on_submit():
        try:
            campaign = campaign_settings.create_campaign(
                db.session,
                current_user,
                slug=form.slug.data,
                title=form.title.data,
                ask=form.ask.data,
                time_zone=form.time_zone.data,
                goal=form.goal.data,
                retention_days=current_app.config["DEFAULT_RETENTION_DAYS"],
                default_visibility=Visibility.PACKET,
            )
            if form.lead_email.data:
                _add_lead(campaign, form.lead_email.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field = form.lead_email if error.code in LEAD_EMAIL_ERRORS else _field_of(form, error)
            field.errors.append(error_text(error))
        else:
            flash(_("Campaign created as a draft. Describe the decision, then open it."))
            return redirect(url_for("organize.dashboard", slug=campaign.slug))
    return render_template("organize/new_campaign.html", form=form)


def _field_of(form, error: DomainError):
    """The form field a refused setting is about (the web address unless it says)."""
    return getattr(form, error.details.get("field", "slug"), None) or form.slug


def _add_lead(campaign: Campaign, email: str) -> None:
    email = invitations.normalize_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None:
        accounts.grant(db.session, user, campaign.slug, Role.LEAD)
        flash(_("%(email)s is now a lead of this campaign.", email=email))
    else:
        invitations.invite(
            db.session, campaign, current_user, email, Role.LEAD, str(get_locale() or "en")
        )
        flash(_("We sent an invitation to %(email)s.", email=email))


@bp.get("/c/<slug>/")
@campaign_staff()
def dashboard(campaign: Campaign):
    board = dashboard_service.build(db.session, campaign, utcnow(), deadlines.due_soon_hours())
    return render_template(
        "organize/dashboard.html",
        campaign=campaign,
        board=board,
        chart=dashboard_service.chart(board.days),
        record=record_sync.link_of(db.session, campaign),
        record_votes=record_sync.votes_by_maker(db.session, campaign),
    )


@bp.route("/c/<slug>/settings", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def settings(campaign: Campaign):
    form = CampaignForm(obj=campaign)
    if request.method == "GET":
        form.default_visibility.data = campaign.default_visibility.value
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in campaign_settings.CAMPAIGN_FIELDS}
        values["default_visibility"] = Visibility(values["default_visibility"])
        values["summary"] = values["summary"] or ""
        values["city"] = values["city"] or ""
        try:
            changed = campaign_settings.update_campaign(
                db.session, campaign, current_user, **values
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_of(form, error).errors.append(error_text(error))
        else:
            flash(_("Settings saved.") if changed else _("Nothing changed."))
            return redirect(url_for("organize.settings", slug=campaign.slug))
    return render_template(
        "organize/settings.html",
        campaign=campaign,
        form=form,
        time_zones=sorted(
            z
            for z in campaign_settings.time_zones()
            if "/" in z and not z.startswith(("Etc/", "posix/", "right/"))
        ),
        status_form=StatusForm(),
        transitions=campaign_settings.TRANSITIONS[campaign.status],
    )


@bp.post("/c/<slug>/status")
@campaign_staff(Role.LEAD)
def change_status(campaign: Campaign):
    form = StatusForm()
    try:
        new_status = CampaignStatus(form.status.data or "")
    except ValueError:
        abort(400)
    if not form.validate_on_submit():
        abort(400)
    try:
        campaign_settings.change_status(db.session, campaign, current_user, new_status)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
    else:
        flash(
            {
                CampaignStatus.OPEN: _("The campaign is open."),
                CampaignStatus.CLOSED: _("The campaign is closed."),
                CampaignStatus.ARCHIVED: _("The campaign is archived."),
            }.get(new_status, _("Status changed."))
        )
    return redirect(url_for("organize.settings", slug=campaign.slug))


@bp.route("/c/<slug>/decision", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def decision(campaign: Campaign):
    form = DecisionForm(obj=campaign.decision)
    if request.method == "GET" and campaign.decision:
        form.kind.data = campaign.decision.kind.value
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in decisions.DECISION_FIELDS}
        values["reference"] = values["reference"] or ""
        values["action"] = values["action"] or ""
        decisions.save_decision(db.session, campaign, current_user, **values)
        db.session.commit()
        flash(_("Decision saved."))
        return redirect(url_for("organize.decision", slug=campaign.slug))
    return render_template("organize/decision.html", campaign=campaign, form=form)


@bp.route("/c/<slug>/team", methods=["GET", "POST"])
@campaign_staff(Role.LEAD)
def team(campaign: Campaign):
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(
                db.session,
                campaign,
                current_user,
                form.email.data,
                Role(form.role.data),
                str(get_locale() or "en"),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(error_text(error))
        else:
            flash(
                _(
                    "We sent an invitation to %(email)s. The link works for 7 days.",
                    email=form.email.data,
                )
            )
            return redirect(url_for("organize.team", slug=campaign.slug))
    members = invitations.team(db.session, campaign.id)
    return render_template(
        "organize/team.html",
        campaign=campaign,
        form=form,
        members=members,
        invitations=invitations.pending(db.session, campaign.id),
        action_form=StatusForm(),
    )


@bp.post("/c/<slug>/team/<int:membership_id>/remove")
@campaign_staff(Role.LEAD)
def remove_member(campaign: Campaign, membership_id: int):
    try:
        invitations.remove_member(db.session, campaign, current_user, membership_id)
        db.session.commit()
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
    else:
        flash(_("Removed from the team."))
    return redirect(url_for("organize.team", slug=campaign.slug))


@bp.post("/c/<slug>/team/invitations/<int:invitation_id>/revoke")
@campaign_staff(Role.LEAD)
def revoke_invitation(campaign: Campaign, invitation_id: int):
    try:
        invitations.revoke(db.session, campaign, current_user, invitation_id)
        db.session.commit()
    except NotFound:
        abort(404)
    flash(_("Invitation withdrawn: its link no longer works."))
    return redirect(url_for("organize.team", slug=campaign.slug))


bp.add_app_template_filter(district_label, "district_label")
bp.add_app_template_global(district_sort_key, "district_sort_key")
