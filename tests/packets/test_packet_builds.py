"""Packets built from the database: who appears, totals, builds as jobs, audited downloads."""

from __future__ import annotations

import errno
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from campaign.models import (
    AuditEvent,
    Packet,
    PacketStatus,
    Signature,
    SignatureStatus,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.pdf import PacketRenderError
from campaign.services import packets as packet_service
from campaign.services.packets import BuildFailure, Failure
from tests.factories import make_campaign, make_signature, make_staff, make_testimony


@pytest.fixture(autouse=True)
def _in_process(app):
    app.config["PACKET_WORKERS"] = 0  # small packets: render in this process


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _build(db, campaign, **options) -> Packet:
    packet = packet_service.request_build(
        db.session, campaign, None, in_background=False, **options
    )
    db.session.commit()
    return packet_service.run_build(packet.id, workers=0)


def test_roster_dates_are_the_signing_day_where_the_campaign_is(app, db):
    campaign = make_campaign(slug="packet-dates", time_zone="America/New_York")
    # 03:30 UTC on March 1st is still February 28th in New York.
    make_signature(
        campaign, name="Late Night Signer", verified_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC)
    )
    make_signature(
        campaign,
        name="Morning Signer",
        email="m@example.org",
        verified_at=datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
    )
    db.session.commit()
    packet = _build(db, campaign)
    # Laid out by position: a name and its ZIP and date are separate blocks of the page.
    reader = PdfReader(str(packet_service.file_path(packet)))
    lines = "\n".join(p.extract_text(extraction_mode="layout") for p in reader.pages).splitlines()
    late = next(line for line in lines if "Late Night Signer" in line and "2026-" in line)
    morning = next(line for line in lines if "Morning Signer" in line and "2026-" in line)
    assert "2026-02-28" in late and "2026-03-01" not in late
    assert "2026-03-01" in morning


def test_packet_respects_visibility_moderation_and_totals(app, db):
    campaign = make_campaign(slug="packet-rules")
    make_signature(
        campaign,
        name="Publica Visible",
        visibility=Visibility.PUBLIC,
        email="pv@example.org",
        address="12 Secret Street",
    )
    make_signature(
        campaign, name="Paquete Solamente", visibility=Visibility.PACKET, district="2", zip="22222"
    )
    make_signature(campaign, name="Contado Nomas", visibility=Visibility.COUNTED)
    make_signature(campaign, name="Pendiente Nadie", status=SignatureStatus.PENDING)
    make_testimony(campaign, reference="OKAY0001", body="Approved words here.")
    make_testimony(
        campaign,
        reference="OKAY0002",
        name="Hidden Author",
        visibility=Visibility.COUNTED,
        position="support",
    )
    make_testimony(campaign, reference="WAIT0001", status=TestimonyStatus.PENDING)
    make_testimony(
        campaign, reference="NOPE0001", status=TestimonyStatus.REJECTED, rejection_reason="abusive"
    )
    redacted = make_testimony(
        campaign, reference="REDA0001", body="My neighbor Juan Private lives at 5 Elm."
    )
    redacted.redacted_body = "My neighbor [name removed] lives at [address removed]."
    db.session.commit()

    packet = _build(db, campaign)
    assert packet.status == PacketStatus.DONE and packet.pages > 1
    text = _text(packet_service.file_path(packet))
    assert "Publica Visible" in text and "Paquete Solamente" in text
    assert "Contado Nomas" not in text and "Pendiente Nadie" not in text
    assert "OKAY0001" in text and "OKAY0002" in text and "REDA0001" in text
    assert "WAIT0001" not in text and "NOPE0001" not in text
    assert "Hidden Author" not in text
    assert "Juan Private" not in text and "[name removed]" in text
    assert "@" not in text and "Secret Street" not in text
    verified = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.status == SignatureStatus.VERIFIED)
    )
    assert packet.counts["signatures"] == verified == 3
    assert packet.counts["testimonies"] == 3
    pages = PdfReader(str(packet_service.file_path(packet))).pages
    assert f"page 1 of {len(pages)}" in pages[0].extract_text()
    assert f"page {len(pages)} of {len(pages)}" in pages[-1].extract_text()


def test_build_through_the_page_shows_progress_and_download_is_audited(client, db, login):
    campaign = make_campaign(slug="packet-web")
    make_signature(campaign)
    make_testimony(campaign)
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    login(organizer)
    page = client.get("/organize/c/packet-web/packets")
    assert page.status_code == 200 and "Build packet" in page.get_data(as_text=True)
    hearing_id = campaign.deadlines[0].id
    response = client.post(
        "/organize/c/packet-web/packets",
        data={"hearing": hearing_id, "group_by": "district", "decision_maker": 0},
    )
    assert response.status_code == 302
    packet = db.session.scalar(sa.select(Packet))
    assert packet.status == PacketStatus.DONE  # jobs run inline in tests
    status = client.get(f"/organize/c/packet-web/packets/{packet.id}/status").json
    assert status["status"] == "done" and status["progress"] == 100
    download = client.get(f"/organize/c/packet-web/packets/{packet.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"  # names: no cache may keep it
    assert PdfReader(io.BytesIO(download.data)).pages
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "packet.downloaded"))
    assert event.actor_id == organizer.id and event.target_id == packet.id


def test_a_packet_that_cannot_be_downloaded_says_why_in_the_staffs_language(
    client, db, login, monkeypatch
):
    campaign = make_campaign(slug="packet-why")
    make_signature(campaign)
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    packet = _build(db, campaign)
    login(organizer)
    client.get("/organize/c/packet-why/packets?lang=es")
    url = f"/organize/c/packet-why/packets/{packet.id}/download"
    path = packet_service.file_path(packet)
    path.write_bytes(path.read_bytes() + b"%changed")
    assert client.get(url).status_code == 302
    changed = client.get("/organize/c/packet-why/packets").get_data(as_text=True)
    assert "El archivo de este paquete no es el que se preparó" in changed
    path.unlink()
    assert client.get(url).status_code == 302
    missing = client.get("/organize/c/packet-why/packets").get_data(as_text=True)
    assert "Este paquete todavía no está listo." in missing
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "packet.downloaded")
    ).all()

    # A hearing removed between showing the form and sending it.
    def hearing_gone(*_args, **_kwargs):
        raise packet_service.HearingNotFound("this campaign has no such hearing")

    monkeypatch.setattr(packet_service, "request_build", hearing_gone)
    page = client.post(
        "/organize/c/packet-why/packets",
        data={"hearing": campaign.deadlines[0].id, "group_by": "district", "decision_maker": 0},
    )
    assert page.status_code == 200
    assert "Esa audiencia o persona con voto ya no está en esta campaña" in page.get_data(
        as_text=True
    )


def test_the_packets_page_is_a_staff_page_that_fits_a_phone(client, db, login):
    """It has the staff and campaign navigation of every other staff page, and the builds
    table scrolls inside its card instead of widening the page (seen at 390 px wide)."""
    campaign = make_campaign(slug="packet-nav")
    make_signature(campaign)
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    _build(db, campaign)
    login(organizer)
    html = client.get("/organize/c/packet-nav/packets").get_data(as_text=True)
    assert 'class="staff-nav" aria-label="Staff"' in html
    assert "/organize/c/packet-nav/moderation" in html
    assert 'name="robots" content="noindex"' in html
    # A scrolling region a keyboard can reach (axe: scrollable-region-focusable).
    assert re.search(r'<div class="table-scroll" role="region" tabindex="0"[^>]*>\s*<table', html)


def test_every_build_stays_reachable_page_after_page(client, db, login):
    campaign = make_campaign(slug="packet-pages")
    other = make_campaign(slug="packet-pages-other")
    organizer = make_staff(campaign, "organizer")
    db.session.flush()
    hearing = campaign.deadlines[0]
    start = datetime(2026, 1, 5, 15, tzinfo=UTC)
    # 45 finished builds, two of them in the same second (ordered by id then).
    done = {"status": PacketStatus.DONE, "stage": "done", "progress": 100, "sha256": "0" * 64}
    for n in range(45):
        db.session.add(
            Packet(
                campaign_id=campaign.id,
                hearing_id=hearing.id,
                pages=n + 1,
                file_name=f"packet-{n}.pdf",
                created_at=start + timedelta(hours=min(n, 43)),
                **done,
            )
        )
    foreign = Packet(
        campaign_id=other.id,
        hearing_id=other.deadlines[0].id,
        file_name="other.pdf",
        created_at=start,
        **done,
    )
    db.session.add(foreign)
    db.session.commit()
    login(organizer)
    seen, url, pages = [], "/organize/c/packet-pages/packets", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        seen += [int(n) for n in re.findall(r'<tr id="p(\d+)">', html)]
        assert ("Newest builds" in html) == (pages > 1)
        older = re.search(r'<a rel="next" href="([^"]+)">Older builds</a>', html)
        url = older.group(1).replace("&amp;", "&") if older else None
    ours = db.session.scalars(
        sa.select(Packet.id)
        .where(Packet.campaign_id == campaign.id)
        .order_by(Packet.created_at.desc(), Packet.id.desc())
    ).all()
    assert pages == 3 and seen == list(ours)
    # Another campaign's build, or nonsense, as the starting point: the newest builds.
    for before in (foreign.id, "x", -1):
        html = client.get(f"/organize/c/packet-pages/packets?before={before}").get_data(
            as_text=True
        )
        assert re.findall(r'<tr id="p(\d+)">', html)[:1] == [str(ours[0])]
        assert "Newest builds" not in html and "Older builds" in html


def test_packets_are_staff_only(client, db, login):
    campaign = make_campaign(slug="packet-private")
    other = make_campaign(slug="packet-other")
    make_signature(campaign)
    db.session.commit()
    packet = _build(db, campaign)
    url = f"/organize/c/packet-private/packets/{packet.id}/download"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(make_staff(other, "organizer"))
    assert client.get(url).status_code == 404
    assert client.get("/organize/c/packet-private/packets").status_code == 404
    assert client.get(f"/organize/c/packet-other/packets/{packet.id}/download").status_code == 404


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _disk_full_as_the_engine_says(*_args, **_kwargs):
    try:
        _disk_full()
    except OSError as error:
        raise PacketRenderError(f"packet writing failed: {error}") from error


@pytest.mark.parametrize("failing", [_disk_full, _disk_full_as_the_engine_says])
def test_failed_build_shows_error_and_keeps_previous_packet(app, db, monkeypatch, failing):
    campaign = make_campaign(slug="packet-fail")
    make_signature(campaign)
    db.session.commit()
    good = _build(db, campaign)
    monkeypatch.setattr(packet_service, "build_packet", failing)
    with pytest.raises(OSError if failing is _disk_full else PacketRenderError):
        _build(db, campaign)
    failed = db.session.scalar(sa.select(Packet).where(Packet.status == PacketStatus.FAILED))
    assert packet_service.failure_of(failed) == Failure(BuildFailure.DISK_FULL)
    assert packet_service.file_path(good).exists()
    staff = make_staff(campaign, "lead")
    path = packet_service.downloadable(db.session, campaign, good.id, staff)
    assert path == packet_service.file_path(good)
    with pytest.raises(packet_service.PacketNotReady):
        packet_service.downloadable(db.session, campaign, failed.id, staff)


def _stalled_build(db, campaign) -> Packet:
    """A build whose worker stopped sending heartbeats (killed) longer ago than STALE_AFTER."""
    from campaign.models.types import utcnow

    packet = packet_service.request_build(db.session, campaign, None, in_background=False)
    packet.status, packet.stage, packet.progress = PacketStatus.RUNNING, "rendering", 30
    packet.started_at = packet.heartbeat_at = utcnow() - packet_service.STALE_AFTER * 2
    db.session.commit()
    return packet


def test_a_build_whose_worker_died_shows_interrupted_and_reading_writes_nothing(client, db, login):
    campaign = make_campaign(slug="packet-stale")
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    packet = _stalled_build(db, campaign)
    login(organizer)
    url = "/organize/c/packet-stale/packets"
    html = client.get(url).get_data(as_text=True)
    assert "The build stopped: the worker was interrupted. Build it again." in html
    assert 'http-equiv="refresh"' not in html  # nothing is left to follow
    status = client.get(f"{url}/{packet.id}/status").json
    assert status["status"] == "failed" and status["error"] == "interrupted"
    db.session.expire_all()
    assert db.session.get(Packet, packet.id).status == PacketStatus.RUNNING  # GETs wrote nothing
    # Building again (a POST) records it as failed, and builds.
    response = client.post(
        url, data={"hearing": campaign.deadlines[0].id, "group_by": "position", "decision_maker": 0}
    )
    assert response.status_code == 302
    db.session.expire_all()
    stalled = db.session.get(Packet, packet.id)
    assert stalled.status == PacketStatus.FAILED
    assert packet_service.failure_of(stalled) == Failure(BuildFailure.INTERRUPTED)
    again = db.session.scalar(sa.select(Packet).order_by(Packet.id.desc()).limit(1))
    assert again.id != packet.id and again.status == PacketStatus.DONE


def test_decision_maker_variant_puts_their_district_first(app, db):
    from campaign.models import DecisionMaker

    campaign = make_campaign(slug="packet-variant")
    make_signature(campaign, name="Aaron District One", district="1")
    make_signature(campaign, name="Zed District Two", district="2", zip="22222")
    member = DecisionMaker(campaign_id=campaign.id, name="Council Member Two", district="2")
    db.session.add(member)
    db.session.commit()
    packet = _build(db, campaign, decision_maker_id=member.id)
    text = _text(packet_service.file_path(packet))
    assert text.index("Zed District Two") < text.index("Aaron District One")
    assert "Prepared for Council Member Two" in text


def test_cli_builds_with_progress(runner, db, tmp_path, demo):
    out = tmp_path / "packet.pdf"
    result = runner.invoke(
        args=["packet", "build", "riverton-arrest-data", "--out", str(out), "--workers", "0"]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "pages" in result.output
    approved = db.session.scalars(
        sa.select(Testimony.reference)
        .join(Testimony.hearing)
        .where(
            Testimony.status == TestimonyStatus.APPROVED,
            Testimony.campaign_id == demo_campaign_id(db),
        )
    ).all()
    text = _text(out)
    for reference in approved:
        assert reference in text


def test_the_packet_command_is_found_before_the_app_and_its_libraries_load():
    """`flask packet build` starts the rendering server before the app loads (over a second):
    Flask finds the command as an entry point, and its module imports neither the app's
    services nor WeasyPrint until the build runs."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    from campaign.cli.packets import GROUP_BY_CHOICES, packet_group

    (found,) = entry_points(group="flask.commands", name="packet")  # `make install` registers it
    assert found.load() is packet_group
    assert GROUP_BY_CHOICES == packet_service.GROUP_BY
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, campaign.cli.packets, campaign.pdf.processes, campaign.pdf.collection; "
            "print(sorted(m for m in ('weasyprint', 'pikepdf', 'sqlalchemy', 'campaign.services',"
            " 'campaign.pdf.build') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert loaded.stdout.strip() == "[]"


def test_a_process_that_plans_and_merges_packets_never_loads_weasyprint():
    """The CLI leaves rendering to its workers: the app, the packet service and every module
    it plans, paints, merges and splits with import no WeasyPrint (about half a second)."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from campaign import create_app; create_app(); "
            "import campaign.services.packets, campaign.pdf.build, campaign.pdf.tagged, "
            "campaign.pdf.volumes, campaign.pdf.roster_paint, campaign.pdf.merge; "
            "print('weasyprint' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert loaded.stdout.strip().splitlines()[-1] == "False"


def demo_campaign_id(db) -> int:
    from campaign.models import Campaign

    return db.session.scalar(sa.select(Campaign.id).where(Campaign.slug == "riverton-arrest-data"))


def test_the_packets_page_speaks_spanish(client, db, login):
    """A Spanish-speaking organizer reads the whole page in Spanish, the running build's
    stage and the finished one's page count included."""
    campaign = make_campaign(slug="packet-es")
    make_signature(campaign)
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    done = _build(db, campaign)
    running = packet_service.request_build(db.session, campaign, None, in_background=False)
    running.status, running.stage, running.progress = PacketStatus.RUNNING, "rendering", 40
    db.session.commit()
    login(organizer)
    html = client.get("/organize/c/packet-es/packets?lang=es").get_data(as_text=True)
    for spanish in (
        "Paquetes para la audiencia",
        "Preparar el paquete",
        "Agrupar los testimonios",
        "Descargar el PDF",
        "Generando las páginas · 40%",
        f"Listo · {done.pages} página" + ("" if done.pages == 1 else "s"),
    ):
        assert spanish in html, spanish
    for english in ("Build packet", "Download PDF", "rendering ·", " pages<"):
        assert english not in html, english


def _failed_builds(db, campaign, monkeypatch) -> dict[BuildFailure, Packet]:
    """One build failed for each reason, each through the real build path."""

    def template_error(*_args, **_kwargs):
        raise RuntimeError("template error <b>x</b>")

    failed = {}
    for code, failing in (
        (BuildFailure.DISK_FULL, _disk_full),
        (BuildFailure.ERROR, template_error),
    ):
        monkeypatch.setattr(packet_service, "build_packet", failing)
        with pytest.raises((OSError, RuntimeError)):
            _build(db, campaign)
        failed[code] = db.session.scalar(sa.select(Packet).order_by(Packet.id.desc()).limit(1))
    gone = packet_service.request_build(db.session, campaign, None, in_background=False)
    gone.hearing_id = None  # the hearing was deleted (ON DELETE SET NULL) before it ran
    db.session.commit()
    with pytest.raises(packet_service.PacketSourceGone):
        packet_service.run_build(gone.id, workers=0)
    failed[BuildFailure.SOURCE_GONE] = gone
    failed[BuildFailure.INTERRUPTED] = _stalled_build(db, campaign)
    return failed


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_failed_build_is_explained_in_the_pages_language(client, db, login, lang, monkeypatch):
    """The service records a code (and an unexpected error's text); the page says it in the
    organizer's language, the technical detail unchanged, and the status gives the code."""
    campaign = make_campaign(slug=f"packet-fail-{lang}")
    organizer = make_staff(campaign, "organizer")
    db.session.commit()
    failed = _failed_builds(db, campaign, monkeypatch)
    login(organizer)
    url = f"/organize/c/packet-fail-{lang}/packets"
    html = client.get(f"{url}?lang={lang}").get_data(as_text=True)
    if lang == "en":
        for words in (
            "The disk is full: the packet could not be written.",
            "The build stopped: the worker was interrupted.",
            "The hearing or the campaign of this build was deleted before it ran.",
            "The build failed: template error",
        ):
            assert words in html, words
    else:
        for words in (
            "El disco está lleno: no se pudo escribir el paquete.",
            "se interrumpió el proceso de tareas",
            "La audiencia o la campaña de este paquete se borró antes",
            "La preparación falló: template error",
        ):
            assert words in html, words
        assert "The disk is full" not in html and "The build failed" not in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html  # escaped as ever
    for code, packet in failed.items():
        status = client.get(f"{url}/{packet.id}/status").json
        assert status["status"] == "failed" and status["error"] == code.value
    error = client.get(f"{url}/{failed[BuildFailure.ERROR].id}/status").json
    assert error["error_detail"] == "template error <b>x</b>"
