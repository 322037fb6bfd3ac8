"""Packet pages for campaign staff: build, follow progress, download (audit-logged).

The packets service answers in codes (its errors' types, a failed build's BuildFailure);
this module says them in the organizer's language.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from campaign.access import campaign_staff
from campaign.display import local_time
from campaign.extensions import db
from campaign.models import Campaign, DeliveryStatus, Packet, PacketStatus
from campaign.models.types import utcnow
from campaign.organize.common import is_lead
from campaign.organize.forms import ConfirmForm
from campaign.packets import bp
from campaign.packets.forms import BuildForm, ClerkForm
from campaign.services import clerk_delivery
from campaign.services import deadlines as deadline_service
from campaign.services import packets as packet_service
from campaign.services.packets import BuildFailure
from campaign.web import query_int


def _form(campaign: Campaign) -> BuildForm:
    form = BuildForm()
    form.hearing.choices = [
        SelectChoice(h.id, f"{h.title} · {local_time(h.at, campaign.time_zone).date()}")
        for h in deadline_service.hearings(campaign)
    ]
    form.decision_maker.choices = [SelectChoice(0, _("Everyone (standard packet)"))] + [
        SelectChoice(m.id, m.name + (f" · {_('District')} {m.district}" if m.district else ""))
        for m in campaign.decision_makers
    ]
    return form


def stage_text(stage: str | None) -> str:
    """A running build's stage, as the job records it, in words in the page's language."""
    labels = {
        "queued": _("Waiting for the job worker"),
        "preparing": _("Reading the campaign"),
        "rendering": _("Rendering pages"),
        "numbering": _("Numbering pages"),
        "merging": _("Putting the pages together"),
        "writing": _("Writing the file"),
    }
    return labels.get(stage or "", stage or "")


def failure_text(packet: Packet) -> str:
    """Why a build failed, in the page's language ("" if it did not fail).

    The technical detail of an unexpected error (an exception's text) stays as it is.
    """
    failure = packet_service.failure_of(packet)
    if failure is None:
        return ""
    if failure.code == BuildFailure.DISK_FULL:
        return _("The disk is full: the packet could not be written. Free space and build again.")
    if failure.code == BuildFailure.INTERRUPTED:
        return _("The build stopped: the worker was interrupted. Build it again.")
    if failure.code == BuildFailure.SOURCE_GONE:
        return _("The hearing or the campaign of this build was deleted before it ran.")
    return _("The build failed: %(detail)s", detail=failure.detail)


@bp.route("/c/<slug>/packets", methods=["GET", "POST"])
@campaign_staff()
def index(campaign: Campaign):
    form = _form(campaign)
    if form.validate_on_submit():
        try:
            packet = packet_service.request_build(
                db.session,
                campaign,
                current_user,
                hearing_id=form.hearing.data,
                group_by=form.group_by.data,
                decision_maker_id=form.decision_maker.data or None,
                two_sided=form.two_sided.data,
                volume_mb=form.volume_mb.data,
            )
            db.session.commit()
        except (packet_service.HearingNotFound, packet_service.DecisionMakerNotFound):
            # Removed since the form was shown.
            db.session.rollback()
            form.hearing.errors.append(
                _("That hearing or decision-maker is no longer in this campaign. Choose again.")
            )
        except packet_service.BadGrouping:
            db.session.rollback()
            form.group_by.errors.append(_("Group testimony by position or by district."))
        except packet_service.BadVolumeLimit:
            db.session.rollback()
            form.volume_mb.errors.append(_("Choose between 1 and 100 MB."))
        else:
            flash(_("The packet is being built. This page shows its progress."))
            return redirect(url_for("packets.index", slug=campaign.slug, _anchor=f"p{packet.id}"))
    return _index_page(campaign, form)


def _refreshing(statuses, deliveries) -> bool:
    """The page refreshes itself while a build runs or a packet is on its way to the clerk
    (for ten minutes at most: a delivery whose worker died stays "sending")."""
    recent = utcnow() - timedelta(minutes=10)
    return any(s in (PacketStatus.QUEUED, PacketStatus.RUNNING) for s in statuses) or any(
        d.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING) and d.created_at > recent
        for d in deliveries
    )


def _index_page(campaign: Campaign, form: BuildForm, clerk_form: ClerkForm | None = None):
    page = packet_service.latest(db.session, campaign, before=query_int("before"))
    statuses = {p.id: packet_service.status_of(p) for p in page.packets}
    deliveries = clerk_delivery.latest_deliveries(db.session, [p.id for p in page.packets])
    if clerk_form is None:
        clerk_form = ClerkForm(
            formdata=None,
            address=campaign.decision.clerk_email if campaign.decision else None,
        )
    return render_template(
        "packets/index.html",
        campaign=campaign,
        form=form,
        clerk_form=clerk_form,
        clerk_sender=is_lead(),
        deliveries=deliveries,
        page=page,
        packets=page.packets,
        statuses=statuses,
        stage_text=stage_text,
        failure_text=failure_text,
        in_progress=_refreshing(statuses.values(), deliveries.values()),
    )


@bp.get("/c/<slug>/packets/<int:packet_id>/status")
@campaign_staff()
def status(campaign: Campaign, packet_id: int):
    packet = db.session.get(Packet, packet_id)
    if packet is None or packet.campaign_id != campaign.id:
        abort(404)
    failure = packet_service.failure_of(packet)
    return jsonify(
        id=packet.id,
        status=packet_service.status_of(packet).value,
        stage=packet.stage,
        progress=packet.progress,
        pages=packet.pages,
        error=failure.code.value if failure else None,
        error_detail=failure.detail if failure else None,
        message=failure_text(packet) or None,
    )


@bp.get("/c/<slug>/packets/<int:packet_id>/download")
@campaign_staff()
def download(campaign: Campaign, packet_id: int):
    try:
        path = packet_service.downloadable(db.session, campaign, packet_id, current_user)
    except packet_service.PacketNotFound:
        abort(404)
    except packet_service.PacketFileChanged:
        flash(
            _(
                "This packet's file is not the one that was built (its checksum differs): "
                "build the packet again."
            ),
            "error",
        )
        return redirect(url_for("packets.index", slug=campaign.slug))
    except packet_service.PacketNotReady:
        flash(_("This packet is not ready yet."), "error")
        return redirect(url_for("packets.index", slug=campaign.slug))
    db.session.commit()  # the audit event is written before the file leaves
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=path.name, max_age=0
    )


def clerk_error_text(error: Exception) -> str:
    """A refusal of the clerk's delivery, in the page's language."""
    if isinstance(error, clerk_delivery.LeadOnly):
        return _("Only the campaign's lead can send packets to the clerk.")
    if isinstance(error, clerk_delivery.NoDecision):
        return _("Add the decision first: the clerk's address is kept with it.")
    if isinstance(error, clerk_delivery.ClerkAddressInvalid):
        return _("That is not an email address. Check it and try again.")
    if isinstance(error, clerk_delivery.NoClerkAddress):
        return _("Enter the committee clerk's email address first.")
    if isinstance(error, packet_service.PacketNotReady):
        return _("This packet is not ready yet.")
    return _("That is not possible now.")


@bp.post("/c/<slug>/packets/clerk")
@campaign_staff()
def clerk_address(campaign: Campaign):
    clerk_form = ClerkForm()
    if clerk_form.validate():
        try:
            clerk_delivery.set_clerk_address(
                db.session, campaign, current_user, clerk_form.address.data
            )
            db.session.commit()
        except clerk_delivery.ClerkDeliveryError as error:
            db.session.rollback()
            clerk_form.address.errors.append(clerk_error_text(error))
        else:
            flash(_("The clerk's address is saved for this decision."))
            return redirect(url_for("packets.index", slug=campaign.slug, _anchor="clerk-heading"))
    return _index_page(campaign, _form(campaign), clerk_form), 400


@bp.post("/c/<slug>/packets/<int:packet_id>/send")
@campaign_staff()
def send_to_clerk(campaign: Campaign, packet_id: int):
    if not ConfirmForm().validate():
        abort(400)
    try:
        delivery = clerk_delivery.request_delivery(db.session, campaign, packet_id, current_user)
        db.session.commit()
    except packet_service.PacketNotFound:
        db.session.rollback()
        abort(404)
    except (clerk_delivery.ClerkDeliveryError, packet_service.PacketNotReady) as error:
        db.session.rollback()
        flash(clerk_error_text(error), "error")
    else:
        flash(_("The packet is being sent to %(address)s.", address=delivery.to))
    return redirect(url_for("packets.index", slug=campaign.slug, _anchor=f"p{packet_id}"))


# A volume is identified by its number in its packet (1 for "Volume 1 of 3").
@bp.get("/c/<slug>/packets/<int:packet_id>/volumes/<int:volume_id>/download")
@campaign_staff()
def download_volume(campaign: Campaign, packet_id: int, volume_id: int):
    try:
        path = packet_service.volume_downloadable(
            db.session, campaign, packet_id, volume_id, current_user
        )
    except packet_service.PacketNotFound:
        abort(404)
    except packet_service.PacketNotReady:
        abort(404)
    db.session.commit()  # the audit event is written before the file leaves
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=path.name, max_age=0
    )
