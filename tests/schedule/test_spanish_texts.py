"""Campaign texts in Spanish in the calendar feed (?lang=es) and in the reminder mails of a
resident who reads Spanish (campaign/bilingual.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from icalendar import Calendar

from campaign.models import TestimonyStatus
from tests.factories import make_campaign, make_testimony


def _feed_campaign(db):
    campaign = make_campaign(
        slug="datos",
        title="Stop the data deal",
        title_es="Paren el acuerdo de datos",
        hearing_at=datetime(2027, 3, 9, 15, tzinfo=UTC),
    )
    decision = campaign.decision
    decision.title_es, decision.body_es = "Renovación del contrato", "Concejo Municipal"
    decision.reference, decision.reference_es = "File 12", "Expediente 12"
    hearing = campaign.deadlines[0]
    hearing.title_es = "Audiencia"
    hearing.location, hearing.location_es = "City Hall", "Alcaldía"
    hearing.committee, hearing.committee_es = "Public Safety", "Seguridad Pública"
    hearing.notes, hearing.notes_es = "Doors open at 9.", "Las puertas abren a las 9."
    db.session.commit()
    return campaign, hearing


def test_the_calendar_feed_in_spanish(client, db):
    campaign, hearing = _feed_campaign(db)
    response = client.get(f"/c/{campaign.slug}/calendar.ics?lang=es")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Audiencia (Paren el acuerdo de datos)"
    assert str(event["LOCATION"]) == "Alcaldía"
    description = str(event["DESCRIPTION"])
    for spanish in (
        "Renovación del contrato (Expediente 12), Concejo Municipal",
        "Seguridad Pública",
        "Las puertas abren a las 9.",
    ):
        assert spanish in description
    for english in ("City Hall", "File 12", "City Council", "Public Safety", "Doors open"):
        assert english not in description and english not in str(event["LOCATION"])
    english_feed = client.get(f"/c/{campaign.slug}/calendar.ics?lang=en")
    (english_event,) = Calendar.from_ical(english_feed.data).walk("VEVENT")
    assert str(english_event["LOCATION"]) == "City Hall"
    assert "Doors open at 9." in str(english_event["DESCRIPTION"])


def test_a_speakers_reminder_in_spanish_uses_the_spanish_texts(app, db, runner, outbox):
    campaign, hearing = _feed_campaign(db)
    make_testimony(
        campaign,
        hearing_id=hearing.id,
        wants_to_speak=True,
        consent_reminders=True,
        language="es",
        email="hablante@example.org",
        status=TestimonyStatus.APPROVED,
    )
    db.session.commit()
    with time_machine.travel(hearing.at - timedelta(hours=30), tick=False):
        result = runner.invoke(args=["remind"])
        assert result.exit_code == 0, result.output
    (message,) = [m for m in outbox() if m["To"] == "hablante@example.org"]
    body = message.get_content()
    assert "Audiencia" in message["Subject"] and "Paren el acuerdo de datos" in message["Subject"]
    assert "Alcaldía" in body and "Seguridad Pública" in body
    assert "City Hall" not in body and "Public Safety" not in body
