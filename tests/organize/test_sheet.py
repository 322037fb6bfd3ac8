"""The printable sign-up sheet: a PDF with the ask, the decision, the columns and a QR code."""

from __future__ import annotations

import io

from pypdf import PdfReader

from campaign.organize.sheet import qr_svg


def _login(client, user):
    assert (
        client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        ).status_code
        == 302
    )


def test_sheet_pdf_in_both_languages(client, db, team):
    campaign = team["campaign"]
    campaign.ask = "Vote NO on the <renewal> & more"
    campaign.decision.reference = "File 2026-0412"
    db.session.commit()
    _login(client, team["organizer"])
    response = client.get(f"/organize/c/{campaign.slug}/paper/sheet.pdf?lang_sheet=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    unwrapped = text.replace("\n", "")
    for expected in (
        "Vote NO on the <renewal> & more",
        "File 2026-0412",
        "Name",
        "ZIP",
        "Email",
        "Scan to sign online",
        f"/c/{campaign.slug}/sign",
    ):
        assert expected in unwrapped, expected
    assert (
        client.get(f"/organize/c/{campaign.slug}/paper/sheet.pdf?lang_sheet=fr").status_code == 404
    )
    spanish = client.get(f"/organize/c/{campaign.slug}/paper/sheet.pdf?lang_sheet=es")
    assert spanish.status_code == 200
    spanish_text = PdfReader(io.BytesIO(spanish.data)).pages[0].extract_text()
    assert "Escanee para firmar en línea" in spanish_text and "Código postal" in spanish_text


def test_staff_pages_speak_spanish(client, team):
    _login(client, team["organizer"])
    page = client.get(f"/organize/c/{team['campaign'].slug}/moderation?lang=es")
    text = page.get_data(as_text=True)
    assert 'lang="es"' in text and "Moderación" in text and "Firmas en papel" in text


def test_the_qr_code_is_inline_svg_of_the_sign_url(app):
    svg = qr_svg("https://campaign.example/c/riverton/sign")
    assert svg.startswith("<svg") and "<path" in svg
    assert "http" not in svg.replace("http://www.w3.org", "")  # nothing to fetch
