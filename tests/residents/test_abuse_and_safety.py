"""Abuse resistance without friction: CSRF that keeps text, rate limits, hostile input, no
enumeration, SMTP delivery, and pages that stay small and load nothing from elsewhere."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from campaign.models import Signature, SignatureStatus, Testimony
from tests.factories import make_campaign
from tests.hostile.support import line as received_line
from tests.hostile.support import text as received_text
from tests.residents.support import (
    campaign_with_hearing,
    csrf_token,
    link,
    other_app,
    outbox,
    text_of,
    without_csrf,
)

SIGN = {"name": "Ana Flores", "email": "ana@example.org", "zip": "11111", "visibility": "packet"}
TESTIFY = {
    "name": "Rosa Díaz",
    "email": "rosa@example.org",
    "zip": "22222",
    "position": "oppose",
    "body": "My testimony.",
    "language": "es",
    "speak": "no",
    "visibility": "counted",
}


def stored(db, model) -> list:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model)))


# --- No enumeration ---------------------------------------------------------------------------


def test_a_repeat_signature_gets_a_byte_identical_page(app, db):
    campaign = make_campaign()
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)

    def post(email: str) -> str:
        token = csrf_token(text_of(client.get(f"/c/{campaign.slug}/sign")))
        response = client.post(
            f"/c/{campaign.slug}/sign", data={**SIGN, "email": email, "csrf_token": token}
        )
        assert response.status_code == 200
        return without_csrf(text_of(response))

    first = post("ana@example.org")
    repeat = post("ana@example.org")
    assert repeat == first
    newcomer = post("zoe@example.org")
    assert newcomer.replace("zoe@", "X@") == first.replace("ana@", "X@")
    # Variants of the same address (case, spaces, +tag, Gmail dots) are the same person.
    for variant in (" ANA@Example.org ", "ana+council@example.org"):
        assert post(variant).replace(variant.strip(), "X") == first.replace("ana@example.org", "X")
    assert len(stored(db, Signature)) == 2
    subjects = [m["Subject"] for m in outbox()]
    assert subjects.count("Please confirm your signature: " + campaign.title) == 5


# --- CSRF: a kind page that keeps everything typed --------------------------------------------


def test_a_bad_csrf_token_keeps_the_signers_text_and_saves_nothing(app, db):
    campaign = make_campaign()
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    client.get(f"/c/{campaign.slug}/sign")
    data = {**SIGN, "comment": "Mi comentario, que no quiero perder.", "csrf_token": "stale"}
    response = client.post(f"/c/{campaign.slug}/sign", data=data)
    page = text_of(response)
    assert response.status_code == 400
    assert "For your safety this form expired. We kept what you typed" in page
    assert 'value="Ana Flores"' in page and "Mi comentario, que no quiero perder." in page
    assert stored(db, Signature) == []
    retry = client.post(f"/c/{campaign.slug}/sign", data={**data, "csrf_token": csrf_token(page)})
    assert retry.status_code == 200 and "Check your email" in text_of(retry)
    assert len(stored(db, Signature)) == 1


def test_a_lost_session_keeps_a_long_testimony(app, db):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    long_text = "Párrafo uno.\n\n" + " ".join(["palabra"] * 3000)
    response = client.post(
        f"/c/{campaign.slug}/testify",
        data={**TESTIFY, "body": long_text},
        headers={"Accept-Language": "es"},
    )
    page = text_of(response)
    assert response.status_code == 400
    assert "Por su seguridad, este formulario venció. Guardamos lo que escribió" in page
    assert long_text in page
    retry = client.post(
        f"/c/{campaign.slug}/testify",
        data={**TESTIFY, "body": long_text, "csrf_token": csrf_token(page)},
    )
    assert retry.status_code == 302
    assert len(stored(db, Testimony)) == 1


def test_over_https_a_resident_form_also_needs_a_same_site_referer(app, db):
    """The residents' forms check their own token (their views skip the check made before
    every view), and that check is Flask-WTF's whole one: over HTTPS the Referer must name
    this site, as WTF_CSRF_SSL_STRICT asks of every other form."""
    campaign = make_campaign()
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    path = f"https://localhost/c/{campaign.slug}/sign"
    token = csrf_token(text_of(client.get(path)))
    data = {**SIGN, "comment": "Lo que escribí.", "csrf_token": token}
    for referer in ({}, {"Referer": "https://elsewhere.example/form"}):
        refused = client.post(path, data=data, headers=referer)
        page = text_of(refused)
        assert refused.status_code == 400, referer
        assert "For your safety this form expired. We kept what you typed" in page
        assert "Lo que escribí." in page
    assert stored(db, Signature) == []
    sent = client.post(path, data=data, headers={"Referer": path})
    assert sent.status_code == 200 and "Check your email" in text_of(sent)
    assert len(stored(db, Signature)) == 1


def test_a_confirmation_button_with_a_bad_token_confirms_nothing(app, db, client):
    campaign = make_campaign()
    client.post(f"/c/{campaign.slug}/sign", data=SIGN)
    path = link(outbox()[0], "/confirm/")
    _csrf_app, csrf_client = other_app(app, WTF_CSRF_ENABLED=True)
    response = csrf_client.post(path, data={"csrf_token": "forged"})
    assert response.status_code == 400 and "Confirm my signature" in text_of(response)
    assert stored(db, Signature)[0].status == SignatureStatus.PENDING


def test_other_forms_get_a_page_that_still_gives_the_text_back(app, db):
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    response = client.post(
        "/login",
        data={"email": "lead@example.org", "password": "secret words here", "csrf_token": "old"},
    )
    page = text_of(response)
    assert response.status_code == 400 and "This form expired" in page
    assert "lead@example.org" in page and "secret words here" not in page


# --- Rate limits ------------------------------------------------------------------------------


def test_too_many_signatures_get_a_friendly_page_in_spanish(app, db, tmp_path):
    campaign = make_campaign()
    db.session.commit()
    _limited, client = other_app(app, tmp_path / "limited", RATELIMIT_ENABLED=True)
    spanish = {"Accept-Language": "es-MX,es;q=0.9"}
    for n in range(10):
        response = client.post(
            f"/c/{campaign.slug}/sign",
            data={**SIGN, "email": f"person{n}@example.org"},
            headers=spanish,
        )
        assert response.status_code == 200
    limited = client.post(
        f"/c/{campaign.slug}/sign", data={**SIGN, "comment": "No lo pierda."}, headers=spanish
    )
    page = text_of(limited)
    assert limited.status_code == 429
    assert "Por favor, vaya más despacio" in page and 'lang="es"' in page
    assert "Demasiados intentos desde su conexión" in page
    assert "Lo que usted escribió" in page and "No lo pierda." in page
    # Reading pages is never limited.
    assert client.get(f"/c/{campaign.slug}/sign", headers=spanish).status_code == 200


def test_one_inbox_cannot_be_flooded_from_many_addresses(app, db, tmp_path):
    campaign = make_campaign()
    db.session.commit()
    _limited, client = other_app(app, tmp_path / "limited", RATELIMIT_ENABLED=True)
    codes = []
    for n in range(6):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        email = "Victim@Example.org" if n % 2 else "victim+x@example.org"
        codes.append(
            client.post(f"/c/{campaign.slug}/sign", data={**SIGN, "email": email}).status_code
        )
    assert codes == [200, 200, 200, 200, 200, 429]


# --- Hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE signature; --",
    "' OR '1'='1",
    '=HYPERLINK("http://evil.example","click me")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "\u202eevil\u202c reversed",
    "Ana\x00Flores",
    "Ana 👩🏽‍🌾 Flores 🇲🇽",
    "{{ 7*7 }} {% if 1 %}x{% endif %}",
    "%(name)s %s %d {0}",
    "javascript:alert(1)",
    "Ana\r\nBcc: victim@example.org",
    "Z̷̧a̶l̵g̸o̴ text",
    "\u200b\ufeffAna\u2028Line",
    "مرحبا עברית mixed",
    "<!-- ]]> </textarea><b>",
    "../../etc/passwd",
]


@pytest.fixture
def open_campaign(db):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))
    db.session.commit()
    return campaign


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_comes_back_escaped_and_never_breaks_a_page(client, db, open_campaign, value):
    slug = open_campaign.slug
    # Refused (bad ZIP): the form comes back with the text, escaped.
    for path, data in ((f"/c/{slug}/sign", SIGN), (f"/c/{slug}/testify", TESTIFY)):
        response = client.post(path, data={**data, "name": value, "zip": "x"})
        page = text_of(response)
        assert response.status_code == 200
        assert str(escape(received_line(value))) in page
        for raw in ("<script>alert", "<img src=x", "</textarea><b>"):
            assert raw not in page
    # Accepted: stored clean, shown escaped on the pages that show it.
    signed = client.post(f"/c/{slug}/sign", data={**SIGN, "name": value, "comment": value})
    assert signed.status_code == 200
    confirm = text_of(client.get(link(outbox()[-1], "/confirm/")))
    assert str(escape(received_line(value))) in confirm
    given = client.post(
        f"/c/{slug}/testify", data={**TESTIFY, "name": value, "body": value, "affiliation": value}
    )
    assert given.status_code == 302
    private = text_of(client.get(given.headers["Location"]))
    assert str(escape(received_text(value))) in private
    assert "<script>alert" not in private and "<img src=x" not in private
    [signature] = stored(db, Signature)
    [testimony] = stored(db, Testimony)
    for text in (signature.name, signature.comment or "", testimony.name, testimony.body):
        assert "\x00" not in text and "\u202e" not in text and "\r" not in text


def test_very_long_and_undecodable_input_is_refused_politely(client, db, open_campaign):
    slug = open_campaign.slug
    huge = "A" * 100_000
    response = client.post(f"/c/{slug}/sign", data={**SIGN, "name": huge, "comment": huge})
    page = text_of(response)
    assert response.status_code == 200
    assert "Your name can be at most 200 characters." in page
    assert "Your comment can be at most 500 characters." in page
    too_long = client.post(f"/c/{slug}/testify", data={**TESTIFY, "body": "word " * 20_001})
    assert too_long.status_code == 200 and "the limit is 5,000" in text_of(too_long)
    raw = client.post(
        f"/c/{slug}/sign",
        data=b"name=%FF%FE%00&email=a%40b.org&zip=11111",
        content_type="application/x-www-form-urlencoded",
    )
    assert raw.status_code == 200
    assert client.post(f"/c/{slug}/sign", data="x" * (9 * 1024 * 1024)).status_code == 413
    assert stored(db, Signature) == [] or all("\x00" not in s.name for s in stored(db, Signature))


# --- Mail over SMTP -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_confirmation_arrives_over_smtp(app, db, tmp_path):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.envelopes.append(envelope)
            return "250 Message accepted"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        campaign = make_campaign()
        db.session.commit()
        smtp_app, client = other_app(
            app, tmp_path / "smtp", MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
        )
        response = client.post(f"/c/{campaign.slug}/sign", data=SIGN)
        assert response.status_code == 200
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ana@example.org"]
    from email import message_from_bytes, policy

    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"].startswith("Please confirm your signature")
    assert f"/c/{campaign.slug}/confirm/" in message.get_content()
    assert not (
        Path(smtp_app.config["OUTBOX_PATH"]).exists()
        and list(Path(smtp_app.config["OUTBOX_PATH"]).glob("*.eml"))
    )


# --- Weight, privacy headers, other hosts ------------------------------------------------------


def resident_pages(client, campaign) -> list[str]:
    client.post(f"/c/{campaign.slug}/sign", data=SIGN)
    confirm = link(outbox()[-1], "/confirm/")
    given = client.post(f"/c/{campaign.slug}/testify", data=TESTIFY).headers["Location"]
    return [
        f"/c/{campaign.slug}",
        f"/c/{campaign.slug}/sign",
        f"/c/{campaign.slug}/testify",
        confirm,
        given,
        given + "/edit",
        given + "/withdraw",
        f"/c/{campaign.slug}/sign/resend",
        "/t/not-a-token",
    ]


def test_no_page_weighs_over_150_kb_before_images(client, db, demo):
    from campaign.models import Campaign

    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "riverton-arrest-data"))
    for path in resident_pages(client, campaign):
        html = client.get(path).get_data()
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:css|js))"', html)
        weight = len(html) + sum(_size(client, a.decode()) for a in set(assets))
        assert weight < 150 * 1024, (path, weight)


def _size(client, path: str) -> int:
    with client.get(path) as response:  # a static file's answer holds the file open
        return len(response.get_data())


def test_resident_pages_are_private_and_load_nothing_from_elsewhere(client, db, open_campaign):
    for path in resident_pages(client, open_campaign):
        response = client.get(path)
        html = text_of(response)
        assert response.status_code in (200, 404), path
        if path.startswith("/c/") and path.count("/") == 2:
            continue  # the public campaign page may be cached
        assert response.headers["Cache-Control"] == "no-store", path
        for address in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            assert not address.startswith(("http:", "https:", "//")), (path, address)
        assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), path
