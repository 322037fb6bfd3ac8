"""The hearing's speaker list as a PDF: the bill number on every page and row, each position."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from campaign.models import AuditEvent, Position, SpeakMode, TestimonyStatus
from tests.factories import make_testimony


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def test_speaker_list_pdf_has_the_bill_number_and_positions(client, db, team):
    campaign = team["campaign"]
    campaign.decision.reference = "Bill 250123"
    for n in range(60):
        make_testimony(
            campaign,
            name=f"Speaker Number{n:02d}",
            status=TestimonyStatus.APPROVED,
            wants_to_speak=True,
            speak_mode=SpeakMode.IN_PERSON,
            position=Position.SUPPORT if n == 3 else Position.OPPOSE,
        )
    make_testimony(campaign, name="Quiet Writer", wants_to_speak=False)
    db.session.commit()
    _login(client, team["organizer"])

    page = client.get(f"/organize/c/{campaign.slug}/speakers").get_data(as_text=True)
    assert f"/organize/c/{campaign.slug}/speakers.pdf" in page
    response = client.post(f"/organize/c/{campaign.slug}/speakers.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) >= 2
    assert all("Bill 250123" in text for text in texts)  # the running head, every page
    joined = "\n".join(texts)
    assert "Speaker Number00" in joined and "Speaker Number59" in joined
    assert "Quiet Writer" not in joined
    assert joined.count("Against Bill 250123") == 59 and joined.count("For Bill 250123") == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.speakers"))
    assert event.rows == 60 and event.details["format"] == "pdf"
    assert client.get(f"/organize/c/{campaign.slug}/speakers.pdf").status_code == 405
    assert (
        client.post(f"/organize/c/{campaign.slug}/speakers.pdf?hearing=999999").status_code == 404
    )
