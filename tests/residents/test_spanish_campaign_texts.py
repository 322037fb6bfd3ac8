"""Every campaign text in Spanish where a resident reads Spanish: the campaign page, with the
English text only where the Spanish is not written yet (and then never marked to residents).
The calendar feed and reminders: tests/schedule/test_spanish_texts.py."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import sqlalchemy as sa

from campaign.bilingual import spanish_field, translated_fields
from campaign.models import (
    Campaign,
    DecisionMaker,
    Endorsement,
    EndorsementStatus,
    Stance,
    StatedPosition,
)
from tests.factories import make_campaign


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _texts(db, campaign: Campaign) -> list[tuple[object, str]]:
    """Every campaign text a resident reads on the campaign page: (object, English field)."""
    objects: list[object] = [campaign, campaign.decision, *campaign.deadlines]
    for member in campaign.decision_makers:
        objects.append(member)
        if member.current_position is not None:
            objects.append(member.current_position)
    objects += db.session.scalars(
        sa.select(Endorsement).where(
            Endorsement.campaign_id == campaign.id,
            Endorsement.status == EndorsementStatus.APPROVED,
        )
    ).all()
    # The committee is said in feeds and mails, not on the page.
    return [
        (obj, name)
        for obj in objects
        for name in translated_fields(obj)
        if getattr(obj, name) and name != "committee"
    ]


def test_the_demo_campaign_page_in_spanish_has_no_english_campaign_text(client, db, demo):
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "riverton-arrest-data"))
    page = _page(client, f"/c/{campaign.slug}?lang=es")
    texts = _texts(db, campaign)
    kinds = {(type(obj).__name__, name) for obj, name in texts}
    # The demo writes every kind of text the page shows.
    assert {
        ("Decision", "body"),
        ("Decision", "reference"),
        ("Deadline", "location"),
        ("Deadline", "notes"),
        ("DecisionMaker", "office"),
        ("StatedPosition", "source_note"),
        ("Endorsement", "description"),
    } <= kinds
    for obj, name in texts:
        english, spanish = getattr(obj, name), getattr(obj, spanish_field(name))
        assert spanish, f"the demo lacks the Spanish of {type(obj).__name__}.{name}"
        assert english not in page, english
        if name != "summary":  # the summary is shown a paragraph at a time
            assert spanish in page, spanish
    assert "Concejo Municipal de Riverton" in page and "Expediente n.º 2026-0412" in page
    # Nothing on a resident's page says what staff have not translated.
    assert "sin traducir" not in page
    english_page = _page(client, f"/c/{campaign.slug}?lang=en")
    assert "Riverton City Council" in english_page and "Concejala" not in english_page


def test_a_text_without_spanish_falls_back_to_english_on_the_spanish_page(client, db):
    campaign = make_campaign(title_es="Campaña", ask_es="Voten NO.")
    campaign.decision.body_es = "Concejo Municipal"
    member = DecisionMaker(name="Ana Ruiz", office="Mayor", office_es=None)
    member.positions.append(
        StatedPosition(
            stance=Stance.NO,
            stated_on=datetime.now(UTC).date(),
            source_note="Said no.",
            source_note_es="Dijo que no.",
        )
    )
    campaign.decision_makers.append(member)
    db.session.commit()
    page = _page(client, f"/c/{campaign.slug}?lang=es")
    assert "Concejo Municipal" in page and "City Council" not in page
    assert "Dijo que no." in page and "Said no." not in page
    assert "Mayor" in page  # no Spanish office yet: the English one, unmarked
    assert "City Hall" in page  # the hearing's place has no Spanish either
