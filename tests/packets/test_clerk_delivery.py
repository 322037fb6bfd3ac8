"""Send to the clerk: the lead keeps the clerk's address on the decision; a job mails the
packet (or each volume) over verified STARTTLS to a real SMTP server; the audit log keeps the
server's acceptance, the content hash and the time; the packets page says "delivered"."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.models import AuditEvent, DeliveryStatus, Packet, PacketDelivery
from campaign.services import clerk_delivery
from campaign.services import packets as packet_service
from campaign.services import purge as purge_service
from tests.factories import make_campaign, make_signature, make_staff, make_testimony
from tests.test_smtp_delivery import make_authority, server_tls, smtp_server  # noqa: F401

CLERK = "clerk.public-safety@council.example.org"


@pytest.fixture(autouse=True)
def _in_process(app):
    app.config["PACKET_WORKERS"] = 0


def _smtp(app, port, ca_file):
    app.config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=True,
        SMTP_CA_FILE=str(ca_file),
        MAIL_FROM="Riverton Campaign <packets@campaign.example.org>",
    )


def _campaign_with_packet(db, client, login, **build):
    campaign = make_campaign(slug="clerk-send")
    make_signature(campaign, name="Signer Named")
    make_testimony(campaign, body="Please vote no. My family is afraid to call for help.")
    lead = make_staff(campaign, "lead")
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    packet = packet_service.request_build(db.session, campaign, lead, in_background=False, **build)
    db.session.commit()
    packet_service.run_build(packet.id, workers=0)
    return campaign, lead, organizer, packet.id


def test_the_lead_sends_the_packet_and_the_servers_acceptance_is_audited(
    app,
    db,
    client,
    login,
    tmp_path,
    smtp_server,  # noqa: F811
):
    authority = make_authority(tmp_path / "pki", "Clerk Test CA")
    inbox, port = smtp_server(server_tls(authority, "127.0.0.1"))
    _smtp(app, port, authority.file)
    campaign, lead, organizer, packet_id = _campaign_with_packet(db, client, login)

    login(organizer)  # an organizer can neither set the address nor send
    page = client.get("/organize/c/clerk-send/packets").get_data(as_text=True)
    assert "Send to the clerk" in page and "Save the clerk" not in page
    assert (
        client.post("/organize/c/clerk-send/packets/clerk", data={"address": CLERK}).status_code
        == 400
    )
    client.post(f"/organize/c/clerk-send/packets/{packet_id}/send")
    assert inbox.received == []
    client.post("/logout")

    login(lead)
    response = client.post(
        "/organize/c/clerk-send/packets/clerk", data={"address": "not-an-address"}
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "not-an-address" in response.get_data(as_text=True)
    response = client.post("/organize/c/clerk-send/packets/clerk", data={"address": CLERK})
    assert response.status_code == 302
    response = client.post(f"/organize/c/clerk-send/packets/{packet_id}/send")
    assert response.status_code == 302

    [(content, recipients, secured, _login)] = inbox.received  # the job ran after the commit
    assert secured and recipients == [CLERK]
    message = message_from_bytes(content, policy=policy.default)
    assert message["Subject"].startswith("Written testimony for the record")
    assert message["Reply-To"] == lead.email
    packet = db.session.get(Packet, packet_id)
    note = message.get_body(("plain",)).get_content()
    assert "Dear Clerk" in note and packet.content_hash in note
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == packet_service.file_path(packet).read_bytes()

    delivery = db.session.scalar(sa.select(PacketDelivery))
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.smtp_reply == "250 Message accepted"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "packet.delivered"))
    assert event.details["smtp_replies"] == ["250 Message accepted"]
    assert event.details["content_hash"] == packet.content_hash
    assert event.details["to"] == CLERK and event.details["at"]
    page = client.get("/organize/c/clerk-send/packets").get_data(as_text=True)
    assert "Delivered" in page and "250 Message accepted" in page


def test_each_volume_goes_in_its_own_message(app, db, client, login, tmp_path, smtp_server):  # noqa: F811
    authority = make_authority(tmp_path / "pki", "Clerk Test CA")
    inbox, port = smtp_server(server_tls(authority, "127.0.0.1"))
    _smtp(app, port, authority.file)
    campaign, lead, _organizer, packet_id = _campaign_with_packet(db, client, login)
    packet = db.session.get(Packet, packet_id)
    # Split the built packet as a smaller limit would (a test packet is far below 1 MB).
    from campaign.pdf.volumes import split_volumes

    path = packet_service.file_path(packet)
    content_hash = packet.content_hash
    with app.test_request_context():
        content = packet_service.gather(db.session, campaign, packet.hearing)
    volumes = split_volumes(path, content, content_hash, limit_bytes=int(path.stat().st_size * 0.8))
    assert len(volumes) >= 2
    packet.volumes = [v.as_record() for v in volumes]
    campaign.decision.clerk_email = CLERK
    db.session.commit()

    login(lead)
    page = client.get("/organize/c/clerk-send/packets").get_data(as_text=True)
    assert f"Volume 2 of {len(volumes)}" in page
    download = client.get(f"/organize/c/clerk-send/packets/{packet_id}/volumes/2/download")
    assert download.status_code == 200 and download.data == volumes[1].path.read_bytes()
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "packet.volume_downloaded")
        ).details["volume"]
        == 2
    )
    missing = f"/organize/c/clerk-send/packets/{packet_id}/volumes/{len(volumes) + 1}/download"
    assert client.get(missing).status_code == 404
    client.post(f"/organize/c/clerk-send/packets/{packet_id}/send")

    assert len(inbox.received) == len(volumes)
    subjects = [message_from_bytes(c, policy=policy.default)["Subject"] for c, *_ in inbox.received]
    assert subjects[0].endswith(f"(volume 1 of {len(volumes)})")
    delivery = db.session.scalar(sa.select(PacketDelivery))
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.smtp_reply.count("250 Message accepted") == len(volumes)


def test_a_refused_delivery_is_recorded_as_failed(app, db, client, login, tmp_path, smtp_server):  # noqa: F811
    ours = make_authority(tmp_path / "pki", "Our CA")
    theirs = make_authority(tmp_path / "pki", "Somebody Else CA")
    inbox, port = smtp_server(server_tls(theirs, "127.0.0.1"))
    _smtp(app, port, ours.file)
    campaign, lead, _organizer, packet_id = _campaign_with_packet(db, client, login)
    campaign.decision.clerk_email = CLERK
    db.session.commit()
    login(lead)
    client.post(f"/organize/c/clerk-send/packets/{packet_id}/send")
    assert inbox.received == []
    delivery = db.session.scalar(sa.select(PacketDelivery))
    assert (
        delivery.status == DeliveryStatus.FAILED and "CERTIFICATE_VERIFY_FAILED" in delivery.error
    )
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "packet.delivery_failed")
    )
    assert clerk_delivery.deliver(db.session, delivery.id).status == DeliveryStatus.FAILED  # once


def test_a_spanish_record_gets_a_spanish_note_in_the_development_outbox(app, db, client, login):
    from pathlib import Path

    campaign, lead, _organizer, packet_id = _campaign_with_packet(db, client, login)
    packet = db.session.get(Packet, packet_id)
    packet.options = {**packet.options, "language": "es"}
    campaign.decision.clerk_email = CLERK
    db.session.commit()
    login(lead)
    client.post(f"/organize/c/clerk-send/packets/{packet_id}/send")

    delivery = db.session.scalar(sa.select(PacketDelivery))
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.language == "es"
    assert "development outbox" in delivery.smtp_reply
    [written] = Path(app.config["OUTBOX_PATH"]).glob("clerk-*.eml")
    assert written.stat().st_mode & 0o777 == 0o600
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("Testimonio escrito para el acta")
    assert "Estimada secretaría" in message.get_body(("plain",)).get_content()


def test_the_development_copy_of_a_clerk_mail_goes_with_the_purge(app, db, client, login):
    # In development a packet "sent" to the clerk is written to the outbox: it names everyone
    # in the packet, so purging the campaign deletes it like the packet itself.
    app.config["MAIL_BACKEND"] = "outbox"
    campaign, lead, _organizer, packet_id = _campaign_with_packet(db, client, login)
    clerk_delivery.set_clerk_address(db.session, campaign, lead, CLERK)
    delivery = clerk_delivery.request_delivery(db.session, campaign, packet_id, lead)
    db.session.commit()
    clerk_delivery.deliver(db.session, delivery.id)
    outbox = Path(app.config["OUTBOX_PATH"])
    copies = sorted(p.name for p in outbox.glob("clerk-*.eml"))
    assert copies == [f"clerk-{delivery.id}-1.eml"]
    (outbox / "clerk-9999-1.eml").write_text("another campaign's, kept")
    plan = purge_service.purge_campaign(db.session, campaign)
    db.session.commit()
    purge_service.scrub_storage(db.engine, [plan])
    assert sorted(p.name for p in outbox.glob("clerk-*.eml")) == ["clerk-9999-1.eml"]
