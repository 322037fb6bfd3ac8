"""Send to the clerk: the committee clerk's address, kept once per decision, and a job that
mails a finished packet (or each of its volumes) to it with a short cover note in the
record's language. The audit log keeps what the clerk's mail server answered (its
acceptance), the content hash and the time; the packets page shows the delivery.

The message goes out at once over SMTP, not through the outbox: it carries the packet's
files, which the outbox's rows do not hold, and its reply is the proof of delivery.
"""

from __future__ import annotations

import contextlib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from campaign import after_commit, mails
from campaign.jobs import huey, in_app_context
from campaign.models import (
    Campaign,
    DeliveryStatus,
    Packet,
    PacketDelivery,
    PacketStatus,
    Role,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, context, mail
from campaign.services import packets as packet_service
from campaign.services.paper import valid_email

# The packet is in the language of the record (campaign/services/packets.py renders it in
# English unless the build asks for another, as `options["language"]`); the cover note is
# in the same language.
RECORD_LANGUAGE = "en"


def record_language(packet: Packet) -> str:
    """The language of a packet's record, which its cover note to the clerk is written in."""
    return context.site_language((packet.options or {}).get("language") or RECORD_LANGUAGE)


class ClerkDeliveryError(DomainError):
    code = "clerk_delivery_error"


class NoDecision(ClerkDeliveryError):
    """The campaign has no decision to keep a clerk's address on."""

    code = "no_decision"


class ClerkAddressInvalid(ClerkDeliveryError):
    code = "clerk_address_invalid"


class NoClerkAddress(ClerkDeliveryError):
    """Nobody has entered the committee clerk's address for this decision yet."""

    code = "no_clerk_address"


class LeadOnly(ClerkDeliveryError):
    """Only the campaign's lead (or a site admin) speaks to the clerk for the campaign."""

    code = "lead_only"


def _require_lead(campaign: Campaign, actor: User) -> None:
    if not (actor.is_admin or actor.role_in(campaign.id) == Role.LEAD):
        raise LeadOnly("only the campaign's lead sends to the clerk")


def set_clerk_address(session: Session, campaign: Campaign, actor: User, address: str) -> str:
    """Keep the committee clerk's address on the campaign's decision (lead only)."""
    _require_lead(campaign, actor)
    if campaign.decision is None:
        raise NoDecision("add the decision first")
    address = address.strip()
    if not valid_email(address):
        raise ClerkAddressInvalid("not an email address")
    previous = campaign.decision.clerk_email
    campaign.decision.clerk_email = address
    audit.record(
        session,
        "decision.clerk_address_set",
        actor=actor,
        campaign_id=campaign.id,
        target_type="decision",
        target_id=campaign.decision.id,
        address=address,
        previous=previous,
    )
    session.flush()
    return address


def request_delivery(
    session: Session, campaign: Campaign, packet_id: int, actor: User
) -> PacketDelivery:
    """Queue the mailing of a finished packet to the decision's clerk (lead only)."""
    _require_lead(campaign, actor)
    packet = session.get(Packet, packet_id)
    if packet is None or packet.campaign_id != campaign.id:
        raise packet_service.PacketNotFound("no such packet")
    if packet.status != PacketStatus.DONE:
        raise packet_service.PacketNotReady("this packet is not ready")
    address = campaign.decision.clerk_email if campaign.decision else None
    if not address:
        raise NoClerkAddress("enter the clerk's address first")
    delivery = PacketDelivery(
        packet_id=packet.id,
        campaign_id=campaign.id,
        to=address,
        language=record_language(packet),
        content_hash=packet.content_hash or "",
        requested_by_id=actor.id,
    )
    session.add(delivery)
    session.flush()
    audit.record(
        session,
        "packet.delivery_requested",
        actor=actor,
        campaign_id=campaign.id,
        target_type="packet",
        target_id=packet.id,
        delivery_id=delivery.id,
        to=address,
        content_hash=delivery.content_hash,
    )
    after_commit.request(session, deliver_packet_job, delivery.id)
    return delivery


def _files(packet: Packet) -> list[tuple[Path, str]]:
    """The packet's files, checked against their recorded checksums: (path, sha256)."""
    folder = packet_service.packets_folder()
    files = [
        (folder / Path(str(v["file_name"])).name, str(v["sha256"])) for v in packet.volumes or []
    ] or [(packet_service.file_path(packet), packet.sha256 or "")]
    for path, sha256 in files:
        if not path.exists() or packet_service._sha256(path) != sha256:
            raise packet_service.PacketFileChanged(f"{path.name} is not the file that was built")
    return files


def _message(
    delivery: PacketDelivery, packet: Packet, path: Path, number: int, count: int
) -> EmailMessage:
    campaign = delivery_campaign(delivery)
    decision = campaign.decision if campaign else None
    subject, body = mails.render(
        "email/letters/clerk_packet.txt",
        delivery.language,
        campaign=campaign,
        hearing=packet.hearing,
        decision=decision,
        packet=packet,
        number=number,
        count=count,
        volume_mb=(packet.options or {}).get("volume_mb"),
    )
    message = EmailMessage()
    message["From"] = context.setting("MAIL_FROM")
    message["To"] = delivery.to
    requester = delivery.requested_by
    if requester is not None:
        message["Reply-To"] = requester.email
    message["Subject"] = mail._subject_line(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(
        idstring=f"packet{packet.id}.{number}", domain="campaign.invalid"
    )
    message.set_content(body)
    message["Content-Language"] = delivery.language
    message.add_attachment(
        path.read_bytes(), maintype="application", subtype="pdf", filename=path.name
    )
    return message


def delivery_campaign(delivery: PacketDelivery) -> Campaign:
    """The campaign a delivery belongs to."""
    return object_session(delivery).get(Campaign, delivery.campaign_id)


def deliver(session: Session, delivery_id: int) -> PacketDelivery:
    """Send a queued delivery now; the caller commits. A failure is recorded, not raised."""
    claimed = session.execute(
        sa.update(PacketDelivery)
        .where(PacketDelivery.id == delivery_id, PacketDelivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.SENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    delivery = session.get(PacketDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        raise NotFound("no such delivery")
    if claimed != 1:
        return delivery  # sent, or being sent, by another job
    session.commit()
    packet = delivery.packet
    replies: list[str] = []
    try:
        files = _files(packet)
        for number, (path, _sha256) in enumerate(files, start=1):
            message = _message(delivery, packet, path, number, len(files))
            replies.append(mail.send_now(message, f"clerk-{delivery.id}-{number}"))
    except (mail.MailError, DomainError, OSError) as error:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = str(error)[:500]
        delivery.smtp_reply = "\n".join(replies) or None
        _audit(session, delivery, packet, "packet.delivery_failed", replies, error=delivery.error)
        return delivery
    delivery.status = DeliveryStatus.DELIVERED
    delivery.smtp_reply = "\n".join(replies)
    delivery.delivered_at = utcnow()
    _audit(session, delivery, packet, "packet.delivered", replies, files=len(files))
    return delivery


def _audit(
    session: Session,
    delivery: PacketDelivery,
    packet: Packet,
    action: str,
    replies: list[str],
    **details: object,
) -> None:
    audit.record(
        session,
        action,
        actor=delivery.requested_by,
        campaign_id=delivery.campaign_id,
        target_type="packet",
        target_id=packet.id,
        delivery_id=delivery.id,
        to=delivery.to,
        smtp_replies=replies,
        content_hash=delivery.content_hash,
        sha256=[v["sha256"] for v in packet.volumes or []] or [packet.sha256],
        at=utcnow().isoformat(timespec="seconds"),
        **details,
    )


def latest_deliveries(session: Session, packet_ids: list[int]) -> dict[int, PacketDelivery]:
    """The newest delivery of each of these packets (for the packets page)."""
    if not packet_ids:
        return {}
    rows = session.scalars(
        sa.select(PacketDelivery)
        .where(PacketDelivery.packet_id.in_(packet_ids))
        .order_by(PacketDelivery.id)
    )
    return {row.packet_id: row for row in rows}


@huey.task()
@in_app_context
def deliver_packet_job(delivery_id: int) -> None:
    """Job: mail a packet to the clerk (the outcome is recorded on the delivery)."""
    from campaign.extensions import db

    with Session(bind=db.engine) as session, contextlib.closing(session):
        deliver(session, delivery_id)
        session.commit()
