"""The purge: totals stay equal, no personal data remains, dry run changes nothing, holds."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from campaign.crypto import email_hash
from campaign.models import (
    AuditEvent,
    Campaign,
    CampaignStatus,
    Endorsement,
    OutgoingMail,
    Packet,
    PacketStatus,
    Signature,
    SignatureSource,
    SignatureStatus,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.services import campaigns as campaign_service
from campaign.services import mail
from campaign.services import purge as purge_service
from tests.factories import (
    make_campaign,
    make_endorsement,
    make_signature,
    make_staff,
    make_testimony,
)
from tests.schedule.conftest import local

CLOSED_AT = local(2026, 1, 10, 20)
DUE = CLOSED_AT + timedelta(days=30)
SECRETS = [
    "Ana Distinctive",
    "ana.distinctive@example.org",
    "12 Elm Street",
    "please call me",
    "Beto Paperman",
    "Carmen Uniquename",
    "carmen.uniquename@example.org",
    "555-0199",
    "Tenants of Elm",
    "I live on Elm Street with my kids",
    "Dario Pendingson",
    "Signed twice as Ana",
    "Ema Contactperson",
    "ema.contact@example.org",
    "Mixteco",
    "moderator thinks this is Carmen",
]


def _closed_campaign(db, app):
    campaign = make_campaign(
        slug="detainer-holds",
        status=CampaignStatus.CLOSED,
        closed_at=CLOSED_AT,
        retention_days=30,
        hearing_at=local(2025, 12, 1, 10),
    )
    hearing = campaign.deadlines[0]
    make_signature(
        campaign,
        name="Ana Distinctive",
        email="ana.distinctive@example.org",
        address="12 Elm Street",
        comment="please call me",
        zip="11111",
    )
    paper = make_signature(
        campaign,
        name="Beto Paperman",
        email="beto.paper@example.org",
        source=SignatureSource.PAPER,
        zip="22222",
        district="2",
        visibility=Visibility.COUNTED,
    )
    paper.email = paper.email_domain = None  # paper signers may give no email
    make_signature(campaign, name="Dario Pendingson", status=SignatureStatus.PENDING)
    make_signature(
        campaign,
        name="Fake Duplicate",
        status=SignatureStatus.INVALIDATED,
        invalidated_reason="Signed twice as Ana",
    )
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        name="Carmen Uniquename",
        email="carmen.uniquename@example.org",
        phone="555-0199",
        affiliation="Tenants of Elm",
        body="I live on Elm Street with my kids",
        redacted_body="I live on [street] with my kids",
        wants_to_speak=True,
        interpreter_language="Mixteco",
        moderation_note="moderator thinks this is Carmen",
    )
    make_testimony(
        campaign, name="Dario Pendingson", status=TestimonyStatus.PENDING, district="2", zip="22222"
    )
    make_testimony(
        campaign,
        name="Rejected Person",
        status=TestimonyStatus.REJECTED,
        rejection_reason="abusive",
    )
    make_endorsement(
        campaign,
        "Riverton Tenants Union",
        contact_name="Ema Contactperson",
        contact_email="ema.contact@example.org",
    )
    mail.queue(
        db.session,
        "ana.distinctive@example.org",
        "Thanks",
        "Thank you Ana Distinctive",
        campaign_id=campaign.id,
    )
    folder = Path(app.config["PACKETS_PATH"])
    (folder / "cache" / "batches").mkdir(parents=True)
    (folder / "cache" / "batches" / "b1.pdf").write_bytes(b"%PDF Carmen Uniquename")
    (folder / "detainer-holds-packet-1.pdf").write_bytes(b"%PDF Ana Distinctive")
    db.session.add(
        Packet(
            campaign_id=campaign.id,
            hearing_id=hearing.id,
            status=PacketStatus.DONE,
            stage="done",
            progress=100,
            file_name="detainer-holds-packet-1.pdf",
            sha256="0" * 64,
        )
    )
    db.session.commit()
    return campaign


def _dump(db) -> dict[str, list]:
    """Every row of every table, as stored (ciphertext for encrypted columns)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    return {
        t: sorted(map(repr, db.session.execute(sa.text(f'SELECT * FROM "{t}"')).all()))  # noqa: S608
        for t in tables
    }


def _api(client, slug):
    response = client.get(f"/api/v1/campaigns/{slug}")
    assert response.status_code == 200
    return response.get_json()


def test_purge_anonymizes_and_keeps_every_total(app, db, client, runner):
    campaign = _closed_campaign(db, app)
    open_one = make_campaign(slug="still-open")
    kept = make_signature(open_one, name="Open Campaign Signer")
    db.session.commit()
    counts_before = campaign_service.counts(db.session, campaign.id)
    api_before = _api(client, "detainer-holds")
    old_hash = email_hash("ana.distinctive@example.org")

    # One hour before the end of the retention period: nothing happens.
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        early = runner.invoke(args=["purge"])
        assert early.exit_code == 0 and "Nothing to purge." in early.output

    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert (
        "detainer-holds: anonymized 4 signatures, 3 testimonies, 1 endorsement contacts; "
        "deleted 1 emails and 1 packets"
    ) in result.output

    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.purged_at == DUE + timedelta(hours=1)
    # Totals: the same numbers in the service and the public API.
    assert campaign_service.counts(db.session, campaign.id) == counts_before
    assert _api(client, "detainer-holds") == api_before

    # Raw rows: no old name, email, address, phone or text anywhere in the database.
    dump = json.dumps(_dump(db))
    for secret in SECRETS:
        assert secret not in dump
    # Decrypted columns: placeholders only.
    signatures = db.session.scalars(
        sa.select(Signature).where(Signature.campaign_id == campaign.id).order_by(Signature.id)
    ).all()
    assert [s.name for s in signatures] == ["Signer 1", "Signer 2", "Signer 3", "Signer 4"]
    assert all(
        s.email is None
        and s.address is None
        and s.comment is None
        and s.email_domain is None
        and s.client_hash is None
        and s.anonymized
        for s in signatures
    )
    assert signatures[3].invalidated_reason == purge_service.PLACEHOLDER
    assert [(s.zip, s.district, s.status) for s in signatures] == [
        ("11111", "1", SignatureStatus.VERIFIED),
        ("22222", "2", SignatureStatus.VERIFIED),
        ("11111", "1", SignatureStatus.PENDING),
        ("11111", "1", SignatureStatus.INVALIDATED),
    ]
    assert old_hash not in {s.email_hash for s in signatures}
    assert len({s.email_hash for s in signatures}) == 4
    testimonies = db.session.scalars(
        sa.select(Testimony).where(Testimony.campaign_id == campaign.id).order_by(Testimony.id)
    ).all()
    assert [t.name for t in testimonies] == ["Resident 1", "Resident 2", "Resident 3"]
    for t in testimonies:
        assert t.email is None and t.phone is None and t.affiliation is None
        assert t.body == purge_service.PLACEHOLDER and t.redacted_body is None
        assert t.public_body == purge_service.PLACEHOLDER
        assert t.moderation_note is None and t.interpreter_language is None and t.anonymized
    endorsement = db.session.scalar(sa.select(Endorsement))
    assert endorsement.organization == "Riverton Tenants Union"
    assert endorsement.contact_name is None and endorsement.contact_email is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Packet)) == 0
    folder = Path(app.config["PACKETS_PATH"])
    assert not (folder / "detainer-holds-packet-1.pdf").exists()
    assert not (folder / "cache").exists()

    # The audit log says what was done, by whom ("system" from the command line).
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "campaign.purged"))
    assert event.actor_label == "system" and event.campaign_id == campaign.id
    assert event.details["signatures"] == 4 and event.details["testimonies"] == 3
    assert event.rows == 7

    # The other campaign is untouched; a second run does nothing.
    assert db.session.get(Signature, kept.id).name == "Open Campaign Signer"
    with time_machine.travel(DUE + timedelta(days=5), tick=False):
        assert "Nothing to purge." in runner.invoke(args=["purge"]).output


def test_the_purge_deletes_every_outbox_file_naming_purged_people(app, db, client, runner):
    _closed_campaign(db, app)  # its mail was delivered to the outbox
    other = make_campaign(slug="still-open")
    mail.queue(db.session, "open@example.org", "Hi", "Open campaign mail", campaign_id=other.id)
    make_staff(other, "lead", email="lead@staff.example")
    db.session.commit()
    assert client.post("/reset", data={"email": "lead@staff.example"}).status_code == 302
    mail.queue(db.session, "gone@example.org", "Hi", "Thank you Gone Person")
    db.session.commit()
    outbox = Path(app.config["OUTBOX_PATH"])
    mails = {m.to: m.id for m in db.session.scalars(sa.select(OutgoingMail))}
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        f"{mail_id:08d}.eml" for mail_id in mails.values()
    )
    # A row deleted outside the purge, a file left by an earlier database in the same instance
    # folder, and a write the purged mail's worker never finished: all name people.
    db.session.execute(sa.delete(OutgoingMail).where(OutgoingMail.id == mails["gone@example.org"]))
    db.session.commit()
    (outbox / "00009999.eml").write_text("To: earlier.database@example.org")
    purged_id = mails["ana.distinctive@example.org"]
    (outbox / f".{purged_id:08d}.{'ab' * 16}.tmp").write_text("To: ana.distinctive@example.org")
    (outbox / "notes.txt").write_text("not ours to delete")

    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output

    kept = {mails["open@example.org"], mails["lead@staff.example"]}
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        [f"{i:08d}.eml" for i in kept] + ["notes.txt"]
    )
    for path in outbox.iterdir():
        assert b"Distinctive" not in path.read_bytes() and b"Gone" not in path.read_bytes()


def test_exports_and_a_packet_built_after_the_purge_name_nobody(app, db):
    campaign = _closed_campaign(db, app)
    lead = make_staff(campaign, "lead")
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        purge_service.purge(db.session)
        db.session.commit()
        from campaign.services import exports, packets

        produced = [
            exports.signatures(db.session, campaign, lead, DUE).data.decode(),
            exports.testimonies(db.session, campaign, lead, DUE, scope="all").data.decode(),
            exports.testimonies(db.session, campaign, lead, DUE, scope="approved").data.decode(),
            exports.speaker_roster(db.session, campaign, lead, DUE).data.decode(),
        ]
        with force_locale("en"):  # as the packet job does
            content = packets.gather(db.session, campaign, campaign.deadlines[0])
    text = json.dumps(dataclasses.asdict(content), default=str) + "".join(produced)
    for secret in SECRETS:
        assert secret not in text
    # The packet still adds up: the same verified signatures and approved testimony.
    assert content.signatures_verified == 2
    assert content.testimonies_oppose == 1


def test_dry_run_lists_and_changes_nothing(app, db, runner):
    _closed_campaign(db, app)
    before = _dump(db)
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "detainer-holds: would anonymize 4 signatures, 3 testimonies, 1 endorsement "
        "contacts; would delete 1 emails and 1 packets"
    ) in result.output
    assert "Dry run: nothing was changed." in result.output
    db.session.expire_all()
    assert _dump(db) == before
    assert (Path(app.config["PACKETS_PATH"]) / "detainer-holds-packet-1.pdf").exists()


def test_a_hold_keeps_the_campaign_from_the_purge(app, db, runner):
    campaign = _closed_campaign(db, app)
    lead = make_staff(campaign, "lead")
    purge_service.set_purge_hold(db.session, campaign, True, "Records request 2026-17", lead)
    db.session.commit()
    before = _dump(db)
    with time_machine.travel(DUE + timedelta(days=400), tick=False):
        result = runner.invoke(args=["purge"])
    assert "Nothing to purge." in result.output
    assert "detainer-holds: held back by a lead (Records request 2026-17)" in result.output
    db.session.expire_all()
    assert _dump(db) == before
    with pytest.raises(purge_service.DomainError):
        purge_service.purge_campaign(db.session, campaign)
    purge_service.set_purge_hold(db.session, campaign, False, None, lead)
    db.session.commit()
    with time_machine.travel(DUE + timedelta(days=400), tick=False):
        assert "detainer-holds: anonymized" in runner.invoke(args=["purge"]).output
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("campaign.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["campaign.purge_held", "campaign.purge_released", "campaign.purged"]


def test_a_purge_that_would_change_a_total_changes_nothing(app, db, monkeypatch):
    campaign = _closed_campaign(db, app)
    real = purge_service._anonymize_signatures

    def breaks_a_district(session, campaign_id):
        real(session, campaign_id)
        session.execute(sa.update(Signature).values(district="9"))
        from campaign.services import tallies

        tallies.recount(session, campaign_id)

    monkeypatch.setattr(purge_service, "_anonymize_signatures", breaks_a_district)
    with (
        time_machine.travel(DUE + timedelta(hours=1), tick=False),
        pytest.raises(purge_service.PurgeError),
    ):
        purge_service.purge(db.session)
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).purged_at is None
    assert (Path(app.config["PACKETS_PATH"]) / "detainer-holds-packet-1.pdf").exists()


def test_the_daily_job_purges(app, db):
    from campaign.schedule.tasks import run_purge

    _closed_campaign(db, app)
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        assert run_purge() == 1
        assert run_purge() == 0


def test_a_lead_holds_a_campaign_from_the_web(app, db, client, login):
    campaign = _closed_campaign(db, app)
    lead = make_staff(campaign, "lead")
    organizer = make_staff(campaign, "organizer")
    stranger = make_staff(make_campaign(), "lead")
    db.session.commit()
    url = "/organize/deadlines/detainer-holds/hold"
    assert client.get(url).status_code == 302
    login(stranger)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(organizer)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(lead)
    page = client.get(url)
    assert page.status_code == 200 and "The purge is due on" in page.get_data(as_text=True)
    missing = client.post(url, data={"reason": "  ", "hold": "1"})
    assert missing.status_code == 200
    assert "Say why the data must be kept" in missing.get_data(as_text=True)
    too_long = client.post(url, data={"reason": "x" * 501, "hold": "1"})
    assert "x" * 501 in too_long.get_data(as_text=True)  # the text comes back
    held = client.post(url, data={"reason": "Court case needs the roster", "hold": "1"})
    assert held.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.purge_hold and campaign.purge_hold_reason == "Court case needs the roster"
    overview = client.get("/organize/deadlines").get_data(as_text=True)
    assert "Held back: Court case needs the roster" in overview
    released = client.post(url, data={"reason": "", "release": "1"})
    assert released.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Campaign, campaign.id).purge_hold
