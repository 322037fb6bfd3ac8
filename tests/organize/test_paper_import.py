"""Typed-up paper sheets: messy files in, a preview that marks every row, a bulk save that
counts toward the totals."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.models import AuditEvent, Signature, SignatureSource, SignatureStatus, Visibility
from campaign.services import campaigns, paper
from tests.factories import make_signature

MESSY_ROWS = [
    # name, zip, email, visibility
    ("  José   Núñez ", " 11111 ", "jose@example.org", "Público"),  # valid (spaces, accents)
    ("Ana Paper", "22222", "", ""),  # valid, no email, blank visibility -> counted only
    ("Short Zip", "1234", "", "packet"),  # invalid ZIP
    ("Bad Email", "11111", "maria@", "counted"),  # invalid email
    ("", "11111", "noname@example.org", "public"),  # name missing
    ("José Again", "11111", "JOSE+rally@Example.org", "public"),  # same email as line 2
    ("ana  paper", "22222", "", "packet"),  # same name+ZIP as line 3, no email
    ("Online Already", "11111", "signed.online@example.org", "public"),  # already signed
    ("Maybe Person", "11111", "", "maybe"),  # visibility not understood
    ("Zip Plus Four", "22222-1234", "", "paquete"),  # valid, ZIP+4
    ("Unknown Zip", "99999", "", "c"),  # valid, unassigned district
]


def messy_csv(
    encoding: str = "utf-8-sig", newline: str = "\r\n", delimiter: str = ",", rows=MESSY_ROWS
) -> bytes:
    header = delimiter.join(["Nombre ", " Código Postal", "Correo electrónico", "Visibilidad"])
    lines = [header, ""]  # a blank line after the header is skipped
    for name, zip_code, email, visibility in rows:
        lines.append(delimiter.join([name, zip_code, email, visibility]))
    return newline.join(lines).encode(encoding) + newline.encode(encoding)


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def upload(client, slug: str, data: bytes, batch: str = "May Day rally", language: str = "es"):
    return client.post(
        f"/organize/c/{slug}/paper",
        data={"file": (io.BytesIO(data), "sheets.csv"), "batch": batch, "language": language},
        content_type="multipart/form-data",
    )


def _uploads_folder(app) -> Path:
    return Path(app.instance_path) / "uploads"


def _paper_count(db, campaign) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.campaign_id == campaign.id, Signature.source == SignatureSource.PAPER)
    )


def test_preview_marks_every_row_and_saves_nothing(client, db, team, app):
    campaign = team["campaign"]
    make_signature(campaign, email="signed.online@example.org")
    _login(client, team["organizer"])
    response = upload(client, campaign.slug, messy_csv())
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert "/paper/import/" in preview_url
    page = client.get(preview_url).get_data(as_text=True)
    assert _paper_count(db, campaign) == 0
    assert re.search(r'data-count="valid">4<', page)
    assert re.search(r'data-count="invalid">4<', page)
    assert re.search(r'data-count="duplicate">3<', page)
    rows = {
        line: status
        for status, line in re.findall(r'<tr class="row-(\w+)" data-line="(\d+)"', page)
    }
    # Line numbers are the file's own (header on line 1, a blank line 2).
    assert rows == {
        "3": "valid",
        "4": "valid",
        "5": "invalid",
        "6": "invalid",
        "7": "invalid",
        "8": "duplicate",
        "9": "duplicate",
        "10": "duplicate",
        "11": "invalid",
        "12": "valid",
        "13": "valid",
    }
    for reason in (
        "ZIP must have 5 digits",
        "Email is not a valid address",
        "Name is missing",
        "Same person as line 3 of this file",
        "Same person as line 4 of this file",
        "Already signed this campaign",
        "Visibility not understood",
    ):
        assert reason in page, reason
    assert "José Núñez" in page
    filtered = client.get(preview_url + "?show=invalid").get_data(as_text=True)
    assert filtered.count('<tr class="row-invalid"') == 4
    assert '<tr class="row-valid"' not in filtered


def test_confirm_saves_in_bulk_as_verified_paper_and_counts(client, db, team, app):
    campaign = team["campaign"]
    make_signature(campaign, email="signed.online@example.org")
    db.session.commit()
    before = campaigns.counts(db.session, campaign.id).signatures
    _login(client, team["organizer"])
    preview_url = upload(client, campaign.slug, messy_csv(), batch="  May Day   rally ").headers[
        "Location"
    ]
    token = preview_url.rsplit("/", 1)[1]
    assert (_uploads_folder(app) / f"{token}.data").exists()
    response = client.post(preview_url, data={"action": "confirm"}, buffered=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Saved 0 of 4" in text and "Done: 4 paper signatures saved" in text
    saved = db.session.scalars(
        sa.select(Signature).where(Signature.source == SignatureSource.PAPER).order_by(Signature.id)
    ).all()
    assert [s.name for s in saved] == ["José Núñez", "Ana Paper", "Zip Plus Four", "Unknown Zip"]
    assert all(s.status == SignatureStatus.VERIFIED and s.verified_at for s in saved)
    assert {s.batch for s in saved} == {"May Day rally"}
    assert {s.entered_by_id for s in saved} == {team["organizer"].id}
    assert {s.language for s in saved} == {"es"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", s.email_hash) for s in saved)
    by_name = {s.name: s for s in saved}
    assert by_name["Ana Paper"].email is None
    assert by_name["Ana Paper"].visibility == Visibility.COUNTED  # blank box: counted only
    assert by_name["José Núñez"].visibility == Visibility.PUBLIC
    assert by_name["Zip Plus Four"].visibility == Visibility.PACKET
    assert by_name["Zip Plus Four"].zip == "22222" and by_name["Zip Plus Four"].district == "2"
    assert by_name["Unknown Zip"].district == "unassigned"
    counts = campaigns.counts(db.session, campaign.id)
    assert counts.signatures == before + 4
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "paper.imported")
    ).all()
    assert event.rows == 4 and event.details["invalid"] == 4 and event.details["duplicates"] == 3
    # The kept file is gone, and the same preview cannot be saved twice.
    assert not (_uploads_folder(app) / f"{token}.data").exists()
    assert client.post(preview_url, data={"action": "confirm"}).status_code == 404
    assert _paper_count(db, campaign) == 4


def test_importing_the_same_sheets_again_finds_them_all_already_signed(client, db, team):
    campaign = team["campaign"]
    _login(client, team["organizer"])
    url = upload(client, campaign.slug, messy_csv()).headers["Location"]
    client.post(url, data={"action": "confirm"}, buffered=True)
    again = upload(client, campaign.slug, messy_csv(encoding="cp1252", newline="\n"))
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-count="valid">0<', page)
    assert page.count("Already signed this campaign") >= 4


@pytest.mark.parametrize(
    ("encoding", "newline", "delimiter"),
    [
        ("utf-8", "\n", ","),
        ("utf-8-sig", "\r\n", ";"),
        ("cp1252", "\r\n", ","),
        ("latin-1", "\n", "\t"),
        ("utf-16", "\r\n", "\t"),
    ],
)
def test_encodings_line_ends_and_separators(encoding, newline, delimiter, app, db, team):
    campaign = team["campaign"]
    preview = paper.analyze(db.session, campaign, messy_csv(encoding, newline, delimiter))
    assert preview.counts == {"valid": 5, "invalid": 4, "duplicate": 2, "total": 11}
    assert preview.rows[0].name == "José Núñez"
    assert preview.columns == {
        "name": "Nombre",
        "zip": "Código Postal",
        "email": "Correo electrónico",
        "visibility": "Visibilidad",
    }


def test_checkbox_columns_and_split_names(app, db, team):
    data = (
        b"First name,Last name,ZIP,Public,Packet,Count only\r\n"
        b"Ana,Ruiz,11111,x,,\r\n"
        b"Bo,Lee,11111,x,x,\r\n"  # two boxes: the more private one wins
        b"Cy,Diaz,11111,,,\r\n"
    )
    preview = paper.analyze(db.session, team["campaign"], data)
    assert [(r.name, r.visibility) for r in preview.rows] == [
        ("Ana Ruiz", Visibility.PUBLIC),
        ("Bo Lee", Visibility.PACKET),
        ("Cy Diaz", Visibility.COUNTED),
    ]


def test_a_file_without_name_and_zip_columns_is_refused_with_what_was_found(client, team, db):
    _login(client, team["organizer"])
    response = upload(client, team["campaign"].slug, b"Firma,Telefono\r\nAna,555\r\n")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "could not find the Name and ZIP columns" in text and "Firma" in text
    empty = upload(client, team["campaign"].slug, b"\xef\xbb\xbf\r\n  \r\n")
    assert "could not read this file" in empty.get_data(as_text=True)
    assert _paper_count(db, team["campaign"]) == 0


def test_cancel_deletes_the_kept_file(client, db, team, app):
    _login(client, team["organizer"])
    url = upload(client, team["campaign"].slug, messy_csv()).headers["Location"]
    token = url.rsplit("/", 1)[1]
    response = client.post(url, data={"action": "cancel"})
    assert response.status_code == 302
    assert not (_uploads_folder(app) / f"{token}.data").exists()
    assert _paper_count(db, team["campaign"]) == 0


def test_an_upload_is_only_visible_to_the_session_that_sent_it(app, client, db, team):
    _login(client, team["organizer"])
    url = upload(client, team["campaign"].slug, messy_csv()).headers["Location"]
    other = app.test_client()
    other.environ_base["wsgi.url_scheme"] = "https"
    other.post(
        "/login", data={"email": team["lead"].email, "password": team["lead"].email + " password"}
    )
    db.session.commit()
    assert other.get(url).status_code == 404
    assert other.post(url, data={"action": "confirm"}).status_code == 404
    assert _paper_count(db, team["campaign"]) == 0


def test_someone_who_signs_between_preview_and_confirm_is_not_counted_twice(client, db, team):
    campaign = team["campaign"]
    _login(client, team["organizer"])
    url = upload(client, campaign.slug, messy_csv()).headers["Location"]
    client.get(url)
    make_signature(campaign, email="jose@example.org")  # signs online meanwhile
    db.session.commit()
    text = client.post(url, data={"action": "confirm"}, buffered=True).get_data(as_text=True)
    assert "Done: 4 paper signatures saved" in text  # read again at confirmation
    assert _paper_count(db, campaign) == 4
    assert campaigns.counts(db.session, campaign.id).signatures == 5


def test_a_row_signed_during_the_save_is_skipped_not_fatal(app, db, team):
    campaign = team["campaign"]
    preview = paper.analyze(db.session, campaign, messy_csv())
    make_signature(campaign, email="jose@example.org")  # lands between analysis and insert
    from campaign.models.types import utcnow

    steps = list(
        paper.save(
            db.session,
            campaign,
            team["organizer"],
            preview,
            batch="race",
            language="en",
            now=utcnow(),
        )
    )
    db.session.commit()
    assert steps[-1].finished and steps[-1].total == 5 and steps[-1].saved == 4
    assert _paper_count(db, campaign) == 4
    assert campaigns.counts(db.session, campaign.id).signatures == 5
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper.imported"))
    assert event.details["skipped_on_save"] == 1


def test_archived_campaigns_take_no_paper(client, db, team):
    from campaign.models import CampaignStatus

    team["campaign"].status = CampaignStatus.ARCHIVED
    db.session.commit()
    _login(client, team["organizer"])
    response = upload(client, team["campaign"].slug, messy_csv())
    assert response.status_code == 200 and "archived" in response.get_data(as_text=True)


def ten_thousand_rows() -> bytes:
    lines = ["Name,ZIP,Email,Visibility"]
    for n in range(10_000):
        email = f"paper{n}@example.org" if n % 3 else ""
        lines.append(
            f"Person {n} Lastname,{'11111' if n % 2 else '22222'},{email},"
            f"{('public', 'packet', 'counted', '')[n % 4]}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


@pytest.mark.slow
def test_ten_thousand_rows_with_progress_in_under_ten_seconds(client, db, team):
    campaign = team["campaign"]
    _login(client, team["organizer"])
    data = ten_thousand_rows()
    started = time.perf_counter()
    response = upload(client, campaign.slug, data)
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'data-count="valid">10,000<', page)
    assert page.count('<tr class="row-') == 200  # shown a page at a time
    result = client.post(url, data={"action": "confirm"}, buffered=True)
    elapsed = time.perf_counter() - started
    text = result.get_data(as_text=True)
    steps = re.findall(r"Saved ([\d,]+) of 10,000", text)
    assert steps[0] == "0" and steps[-1] == "10,000" and len(steps) == 11
    assert "Done: 10,000 paper signatures saved" in text
    assert _paper_count(db, campaign) == 10_000
    assert campaigns.counts(db.session, campaign.id).signatures == 10_000
    assert elapsed < 10, f"a 10,000-row import took {elapsed:.1f} s"


def test_the_command_line_import_uses_the_same_rules(app, runner, db, team, tmp_path):
    path = tmp_path / "sheets.csv"
    path.write_bytes(messy_csv(encoding="cp1252"))
    dry = runner.invoke(
        args=[
            "paper",
            "import",
            team["campaign"].slug,
            str(path),
            "--as",
            team["organizer"].email,
            "--dry-run",
        ]
    )
    assert dry.exit_code == 0, dry.output
    assert "11 rows: 5 valid, 4 invalid, 2 duplicates" in dry.output
    assert _paper_count(db, team["campaign"]) == 0
    outsider = runner.invoke(
        args=["paper", "import", team["campaign"].slug, str(path), "--as", team["outsider"].email]
    )
    assert outsider.exit_code != 0 and "not on the staff" in outsider.output
    real = runner.invoke(
        args=[
            "paper",
            "import",
            team["campaign"].slug,
            str(path),
            "--as",
            team["organizer"].email,
            "--batch",
            "cli",
        ]
    )
    assert real.exit_code == 0, real.output
    assert "Saved 5 paper signatures" in real.output
    assert _paper_count(db, team["campaign"]) == 5


EDGE_EMAILS = [
    "ana@example.org",
    "ANA.Ruiz+rally@Mail.Example.org",
    "a..b@example.org",
    ".a@example.org",
    "a.@example.org",
    "a@-example.org",
    "a@example-.org",
    "a@example",
    "a@example.test",
    "a@x.local",
    "o'brien@example.ie",
    "josé@ejemplo.mx",
    "a@ejemplo.méxico",
    "a b@example.org",
    "a@@example.org",
    "a@example.c",
    "x" * 65 + "@example.org",
    "a@" + "b" * 64 + ".org",
    "user@sub.domain.example.co.uk",
    "a@b.alt",
]


@pytest.mark.parametrize("email", EDGE_EMAILS)
def test_the_fast_email_check_agrees_with_email_validator(email, app):
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False
    assert paper.valid_email(email) is expected
