"""English and Spanish: complete catalogs, every resident page and email in the reader's
language, campaign texts falling back to English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories import make_campaign
from tests.residents.support import campaign_with_hearing, link, outbox, text_of

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [
    ROOT / "translations/es/LC_MESSAGES/messages.po",
    ROOT / "translations/residents/es/LC_MESSAGES/messages.po",
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-4])
def test_catalogs_are_complete_and_keep_their_placeholders(path):
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy: {ids[0]!r}")
    assert problems == []


def spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.5"
    return client


def test_accept_language_chooses_spanish_and_the_switch_goes_back(client, db):
    campaign = make_campaign()
    db.session.commit()
    page = text_of(spanish(client).get(f"/c/{campaign.slug}/sign"))
    assert '<html lang="es">' in page and "Firme la petición" in page
    assert f'href="/c/{campaign.slug}/sign?lang=en"' in page
    english = text_of(client.get(f"/c/{campaign.slug}/sign?lang=en"))
    assert "Sign the petition" in english and "?lang=es" in english


def test_the_sign_form_choices_are_in_the_language_of_each_request(client, db):
    # The choices' labels are translated when a page is shown, not when the form is made.
    campaign = make_campaign()
    db.session.commit()
    for language, phrases in (
        (
            "es",
            (
                "Solo contar mi firma",
                "Solo en el paquete para el concejo",
                "Su nombre no aparece en ninguna parte",
            ),
        ),
        ("en", ("Counted only", "Only in the packet for the council", "Your name appears nowhere")),
        ("es", ("Solo contar mi firma", "Su nombre aparece solo en el paquete")),
    ):
        form = text_of(client.get(f"/c/{campaign.slug}/sign?lang={language}"))
        errors = text_of(
            client.post(
                f"/c/{campaign.slug}/sign?lang={language}",
                data={"name": "Rosa", "visibility": "packet"},
            )
        )
        for phrase in phrases:
            assert phrase in form and phrase in errors, (language, phrase)


def test_campaign_texts_fall_back_to_english(client, db):
    campaign = make_campaign(
        title="Only in English", title_es=None, ask="Vote no.", ask_es="Voten no."
    )
    db.session.commit()
    page = text_of(spanish(client).get(f"/c/{campaign.slug}/sign"))
    assert "Only in English" in page and "Voten no." in page


def test_the_whole_testimony_path_in_spanish(client, db):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))
    campaign.decision.action_es = "renovar el contrato"
    db.session.commit()
    spanish(client)
    form = text_of(client.get(f"/c/{campaign.slug}/testify"))
    for phrase in (
        "Envíe testimonio escrito",
        "Me opongo a renovar el contrato",
        "Su testimonio será registro público",
        "¿Quiere hablar en la audiencia?",
        "Hasta 5,000 palabras",
        "El testimonio escrito cierra",
    ):
        assert phrase in form, phrase
    errors = text_of(client.post(f"/c/{campaign.slug}/testify", data={"speak": "phone"}))
    for phrase in (
        "Escriba su nombre.",
        "Elija su posición.",
        "Escriba su testimonio.",
        "Escriba el número de teléfono",
    ):
        assert phrase in errors, phrase
    sent = client.post(
        f"/c/{campaign.slug}/testify",
        data={
            "name": "Rosa",
            "email": "rosa@example.org",
            "zip": "11111",
            "position": "oppose",
            "body": "Mi familia tiene miedo.",
            "language": "es",
            "speak": "no",
            "visibility": "packet",
        },
    )
    receipt = text_of(client.get(sent.headers["Location"]))
    assert "Le enviamos un correo" in receipt and "Número de referencia" in receipt
    [message] = outbox()
    assert message["Subject"].startswith("Confirme su testimonio")
    assert "Confirmar mi testimonio" in message.get_content()
    confirm = text_of(client.get(link(message, "/testify/confirm/")))
    assert "Confirmar mi testimonio" in confirm
    done = text_of(client.post(link(message, "/testify/confirm/")))
    assert "¡Gracias! Su testimonio está confirmado." in done


def test_error_pages_and_expired_forms_speak_spanish(client, db):
    spanish(client)
    missing = client.get("/c/no-such-campaign/sign")
    assert missing.status_code == 404 and "Página no encontrada" in text_of(missing)
    invalid = text_of(client.get("/t/nonsense"))
    assert "Este enlace no funciona" in invalid
