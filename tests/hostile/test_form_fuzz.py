"""Generated values posted to every field of every public form, and generated bodies posted to
every POST route of the site.

For each form: never a 5xx; a value is refused exactly when the form's rules refuse its cleaned
form (so the forms accept every odd but valid name, comment or testimony); what is stored reads
back exactly as `clean_line`/`clean_text` of what was sent, once the request has taken NUL out
(support.line/text: nothing else alters resident text); and what comes back is escaped.
For every POST route: a body no HTML form sends (JSON, XML, text, a file under a text field's
name) is refused with 415 before any form reads it, and an odd form body is never a 5xx.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from hypothesis import event, given, settings
from hypothesis import strategies as st

from campaign.crypto import email_hash
from campaign.extensions import db
from campaign.models import Endorsement, Signature, Testimony, TestimonyStatus, User
from campaign.residents.forms import visible
from campaign.services import testimony as testimony_service
from campaign.services.districts import normalize_zip
from tests.factories import make_staff, make_testimony
from tests.hostile.support import (
    FUZZ,
    JOIN,
    SIGN,
    TESTIFY,
    assert_escaped,
    hostile_text,
    line,
    open_campaign,
    route_path,
    routes,
    shows,
    text,
)
from tests.residents.support import hearing_of, text_of

VISIBILITIES = ("public", "packet", "counted")
POSITIONS = ("support", "oppose", "neutral")
LANGUAGES = ("en", "es", "other")
SPEAK = ("no", "in_person", "remote", "phone")


@st.composite
def form_data(
    draw, base: dict[str, str], choices: dict[str, tuple[str, ...]], honeypot: bool = True
) -> dict[str, str]:
    """The base form (valid) with up to three of its fields replaced by another valid choice or
    by generated text, and the honeypot (the residents' forms' hidden "website" field) filled
    one time in five. Few fields at a time, so that accepted forms are common too."""
    data = dict(base)
    for name in draw(st.lists(st.sampled_from(list(base)), unique=True, max_size=3)):
        valid = st.sampled_from(choices.get(name, (base[name],)))
        data[name] = draw(st.one_of(valid, hostile_text()))
    if honeypot:
        data["website"] = draw(hostile_text(40)) if draw(st.integers(0, 4)) == 0 else ""
    return data


def post(client, path: str, data: dict[str, str]):
    response = client.post(path, data=data)
    assert response.status_code < 500, (path, data)
    return response


# --- What each form's rules say about one cleaned value ----------------------------------------


def required_line(value: str, limit: int) -> bool:
    cleaned = line(value)
    return 0 < len(cleaned) <= limit and visible(cleaned)


def optional_line(value: str, limit: int) -> bool:
    return len(line(value)) <= limit


def zip_ok(value: str) -> bool:
    cleaned = line(value)
    return (
        len(re.sub(r"\D", "", cleaned)) >= 5
        and re.fullmatch(r"\d{5}(?:[- ]?\d{4})?", cleaned) is not None
    )


def body_ok(value: str) -> bool:
    cleaned = text(value)
    return (
        visible(cleaned)
        and len(cleaned.split()) <= testimony_service.MAX_WORDS
        and len(cleaned) <= testimony_service.MAX_CHARACTERS
    )


def phone_ok(data: dict[str, str]) -> bool:
    phone = line(data["phone"])
    if len(phone) > 40:
        return False
    if data["speak"] != "phone":
        return True
    digits = re.sub(r"\D", "", phone)
    return bool(phone) and 7 <= len(digits) <= 15 and re.fullmatch(r"[\d\s()+.\-]+", phone)


def valid_testimony(data: dict[str, str]) -> bool:
    """True if every testimony field but the email address is valid by the form's rules."""
    return (
        required_line(data["name"], 200)
        and zip_ok(data["zip"])
        and data["position"] in POSITIONS
        and optional_line(data["affiliation"], 200)
        and body_ok(data["body"])
        and data["language"] in LANGUAGES
        and data["speak"] in SPEAK
        and bool(phone_ok(data))
        and optional_line(data["interpreter_language"], 40)
        and data["visibility"] in VISIBILITIES
    )


def boolean(value: str) -> bool:
    return value not in ("", "false")


def assert_testimony_reads_back(testimony: Testimony, data: dict[str, str]) -> None:
    speaks = data["speak"] != "no"
    assert testimony.name == line(data["name"])
    assert testimony.zip == normalize_zip(line(data["zip"]))
    assert testimony.position.value == data["position"]
    assert testimony.affiliation == (line(data["affiliation"]) or None)
    assert testimony.body == text(data["body"])
    assert testimony.language == data["language"]
    assert testimony.visibility.value == data["visibility"]
    assert testimony.wants_to_speak == speaks
    assert testimony.phone == (line(data["phone"]) if data["speak"] == "phone" else None)
    assert testimony.interpreter_language == (
        (line(data["interpreter_language"]) or None) if speaks else None
    )
    assert testimony.consent_reminders == boolean(data["consent_reminders"])


# --- Signing ------------------------------------------------------------------------------------


@FUZZ
@given(data=form_data(SIGN, {"visibility": VISIBILITIES, "zip": ("22222-1234", "11111 0000")}))
def test_sign_form(client, data):
    campaign = open_campaign(ask_address=True)
    path = f"/c/{campaign.slug}/sign"
    baseline = text_of(post(client, path, {}))
    page = text_of(post(client, path, data))
    assert_escaped(page, baseline, *data.values())

    rules = (
        required_line(data["name"], 200)
        and zip_ok(data["zip"])
        and optional_line(data["address"], 300)
        and len(text(data["comment"])) <= 500
        and data["visibility"] in VISIBILITIES
    )
    bot = bool(line(data["website"]))
    stored = db.session.scalars(
        sa.select(Signature).where(Signature.campaign_id == campaign.id)
    ).all()
    if not stored:
        # Refused, by a rule (the text comes back, escaped) or as a bot; never a valid form.
        assert bot or not rules or data["email"] != SIGN["email"], data
        if not bot and "Check your email" not in page:
            for name in ("name", "zip", "address", "email"):
                assert shows(page, line(data[name])), name
            assert shows(page, text(data["comment"]))
        return
    [signature] = stored
    event("signature stored")
    assert rules and not bot, data
    assert "Check your email" in page and shows(page, line(data["email"]))
    assert signature.name == line(data["name"])
    assert signature.email == line(data["email"])
    assert signature.email_hash == email_hash(line(data["email"]))
    assert signature.zip == normalize_zip(line(data["zip"]))
    assert signature.address == (line(data["address"]) or None)
    assert signature.comment == (text(data["comment"]) or None)
    assert signature.visibility.value == data["visibility"]


@FUZZ
@given(email=hostile_text(), which=st.sampled_from(["sign", "testify"]))
def test_resend_forms(client, email, which):
    campaign = open_campaign()
    response = post(
        client, f"/c/{campaign.slug}/{which}/resend", data={"email": email, "website": ""}
    )
    page = text_of(response)
    assert response.status_code == 200
    # Accepted ("we sent a new link to ...") or refused (the form again): escaped either way.
    assert shows(page, line(email))
    assert "<script>alert" not in page


# --- Testimony ----------------------------------------------------------------------------------

TESTIFY_CHOICES = {
    "position": POSITIONS,
    "language": LANGUAGES,
    "speak": SPEAK,
    "visibility": VISIBILITIES,
    "consent_reminders": ("", "y", "false"),
}


@FUZZ
@given(data=form_data(TESTIFY, TESTIFY_CHOICES))
def test_testify_form(client, data):
    campaign = open_campaign()
    path = f"/c/{campaign.slug}/testify"
    baseline = text_of(post(client, path, {}))
    response = post(client, path, data)
    rules = valid_testimony(data)
    bot = bool(line(data["website"]))
    stored = db.session.scalars(
        sa.select(Testimony).where(Testimony.campaign_id == campaign.id)
    ).all()
    if not stored:
        assert bot or not rules or data["email"] != TESTIFY["email"], data
        if not bot:
            page = text_of(response)
            assert response.status_code == 200
            assert_escaped(page, baseline, *data.values())
            assert shows(page, text(data["body"]))
            for name in ("name", "email", "zip", "affiliation"):
                assert shows(page, line(data[name])), name
        return
    [testimony] = stored
    event("testimony stored")
    assert rules and not bot, data
    assert response.status_code == 302
    assert testimony.email == line(data["email"])
    assert_testimony_reads_back(testimony, data)
    private = text_of(client.get(response.headers["Location"]))
    assert_escaped(private, baseline, *data.values())
    assert shows(private, testimony.name) and shows(private, testimony.reference)


EDITABLE = {key: value for key, value in TESTIFY.items() if key != "email"}


@FUZZ
@given(data=form_data(EDITABLE, TESTIFY_CHOICES))
def test_private_link_edit_form(client, data):
    campaign = open_campaign()
    testimony = make_testimony(
        campaign,
        status=TestimonyStatus.PENDING,
        hearing_id=hearing_of(campaign).id,
        name="Before Edit",
        body="Before the edit.",
    )
    db.session.commit()
    before = testimony.body
    path = f"/t/{testimony_service.private_token(testimony)}/edit"
    baseline = text_of(post(client, path, {}))
    response = post(client, path, data)
    db.session.expire_all()
    edited = db.session.get(Testimony, testimony.id)
    rules = valid_testimony(data)
    bot = bool(line(data["website"]))
    if rules and not bot:
        event("edit saved")
        assert response.status_code == 302, data
        assert_testimony_reads_back(edited, data)
        private = text_of(client.get(response.headers["Location"]))
        assert_escaped(private, baseline, *data.values())
    else:
        assert response.status_code == 200
        assert edited.body == before and edited.name == "Before Edit"
        page = text_of(response)
        assert_escaped(page, baseline, *data.values())
        if not bot:
            assert shows(page, text(data["body"]))


# --- Coalition sign-on --------------------------------------------------------------------------


@FUZZ
@given(data=form_data(JOIN, {"role": ("supporter", "founding")}, honeypot=False))
def test_coalition_join_form(client, data):
    campaign = open_campaign()
    path = f"/c/{campaign.slug}/join"
    baseline = text_of(post(client, path, {}))
    response = post(client, path, data)
    stored = db.session.scalars(
        sa.select(Endorsement).where(Endorsement.campaign_id == campaign.id)
    ).all()
    if response.status_code == 200:
        assert stored == []
        assert_escaped(text_of(response), baseline, *data.values())
        return
    assert response.status_code == 302
    event("endorsement stored")
    [endorsement] = stored
    # Cleaned like the residents' one-line fields (after the request took NUL out).
    assert endorsement.organization == line(data["organization"])
    assert endorsement.contact_name == line(data["contact_name"])
    assert endorsement.role.value == data["role"]


# --- Staff login and password reset -----------------------------------------------------------


LOGIN_FUZZ = settings(FUZZ, max_examples=25)  # every attempt costs an argon2 hash on purpose


@LOGIN_FUZZ
@given(
    email=st.one_of(hostile_text(), st.just("admin@staff.example")),
    password=hostile_text(),
    next_page=st.one_of(st.just(""), hostile_text(60)),
)
def test_login_and_reset_forms(client, db, email, password, next_page):
    if db.session.scalar(sa.select(User.id)) is None:  # one account for every example
        make_staff(None, "admin", email="admin@staff.example")
        db.session.commit()
    for path, data in (
        ("/login", {"email": email, "password": password}),
        ("/reset", {"email": email}),
    ):
        response = client.post(path, data=data, query_string={"next": next_page})
        assert response.status_code < 500, (path, data)
        if response.status_code in (301, 302, 303):
            # Never an open redirect, whatever `next` says.
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
        else:
            assert "<script>alert" not in text_of(response)


# --- Bodies that no form of ours sends, on every POST route -------------------------------------

FIELD_NAMES = sorted(
    {
        *SIGN,
        *TESTIFY,
        *JOIN,
        "password",
        "title",
        "slug",
        "goal",
        "day",
        "clock",
        "reason",
        "text",
        "direction",
        "decision",
        "batch",
        "file",
    }
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text(20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES), inner, max_size=4)
    ),
    max_leaves=8,
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BOUNDARY = "b0undary"


def multipart(parts: list[bytes], ending: bytes = b"--\r\n") -> bytes:
    """A multipart body from raw parts (headers, blank line, content), written by hand so that
    the parts can be as odd as anyone can send."""
    delimiter, closing = f"--{BOUNDARY}\r\n".encode(), f"--{BOUNDARY}".encode() + ending
    return b"".join(delimiter + piece + b"\r\n" for piece in parts) + closing


def part(name: str, content: bytes, *headers: str) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'
    return "\r\n".join([disposition, *headers, "", ""]).encode() + content


@st.composite
def files_in_text_fields(draw) -> tuple[str, bytes]:
    """A form whose text field comes as a file (a part with a filename): Flask-WTF gives the
    file to whatever field has its name."""
    name = draw(st.sampled_from([n for n in FIELD_NAMES if n != "file"]))
    content = draw(hostile_text(40)).encode("utf-8", "replace")
    filename = draw(st.sampled_from(['filename="a.txt"', 'filename=""', "filename*=UTF-8''%FF"]))
    body = multipart([part(name, content).replace(b"\r\n", f"; {filename}\r\n".encode(), 1)])
    return f"multipart/form-data; boundary={BOUNDARY}", body


@st.composite
def odd_multipart(draw) -> tuple[str, bytes]:
    """Multipart form bodies a form may receive, with odd parts: no name, a content type or an
    encoding of their own, a real file, junk, and endings missing or cut short."""
    names = st.one_of(st.sampled_from(FIELD_NAMES), hostile_text(20))
    content = hostile_text(60).map(lambda value: value.encode("utf-8", "replace"))
    parts = draw(
        st.lists(
            st.one_of(
                st.builds(part, names, content),
                st.builds(
                    part,
                    names,
                    content,
                    st.sampled_from(
                        [
                            "Content-Type: application/json",
                            "Content-Type: text/plain; charset=utf-16",
                            "Content-Transfer-Encoding: base64",
                            "X-Junk: \x7f\x01",
                        ]
                    ),
                ),
                st.builds(
                    lambda value: part("file", value).replace(
                        b"\r\n", b'; filename="sheet.csv"\r\n', 1
                    ),
                    content,
                ),
                st.binary(max_size=60),
            ),
            max_size=4,
        )
    )
    ending = draw(st.sampled_from([b"--\r\n", b"--", b"", b"\r\n"]))
    boundary = draw(st.sampled_from([f"; boundary={BOUNDARY}", f'; boundary="{BOUNDARY}"', ""]))
    return f"multipart/form-data{boundary}", multipart(parts, ending)


NOT_FORMS = st.one_of(
    st.tuples(
        st.sampled_from(
            ["application/json", "application/json; charset=latin-1", "application/vnd.api+json"]
        ),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    ),
    st.tuples(st.just("text/plain"), hostile_text().map(lambda value: f"name={value}".encode())),
    st.tuples(
        st.sampled_from(["application/xml", "text/xml"]),
        hostile_text().map(lambda value: f"<form><name>{value}</name></form>".encode()),
    ),
    st.tuples(
        st.sampled_from(
            [
                "application/octet-stream",
                "image/png",
                "text/html",
                "multipart/mixed; boundary=x",
                "application/x-www-form-urlencodedx",
            ]
        ),
        st.binary(max_size=200),
    ),
    files_in_text_fields(),
)
ODD_FORMS = st.one_of(
    # A charset that lies about the bytes that follow: forms are read as UTF-8 whatever it says.
    st.tuples(
        st.sampled_from(
            [
                f"{FORM_TYPES[0]}; charset={charset}"
                for charset in ("utf-16", "latin-1", "ebcdic", "\x01")
            ]
        ),
        st.binary(max_size=200),
    ),
    st.tuples(st.sampled_from([*FORM_TYPES, "Multipart/Form-Data; boundary=x"]), st.just(b"")),
    st.tuples(st.just(FORM_TYPES[0]), hostile_text().map(lambda value: value.encode())),
    odd_multipart(),
)


@settings(FUZZ, max_examples=30)  # every example is posted to every POST route
@given(
    body=st.one_of(
        NOT_FORMS.map(lambda body: (*body, True)), ODD_FORMS.map(lambda body: (*body, False))
    )
)
def test_bodies_no_form_sends_on_every_post_route(app, client, staff_world, body):
    content_type, payload, refused = body
    for rule in routes(app, "POST"):
        path = route_path(rule, staff_world)
        # Logging out would end the admin's session, which the other routes need.
        poster = app.test_client() if rule.endpoint == "auth.logout" else client
        response = poster.post(path, data=payload, content_type=content_type, buffered=True)
        assert response.status_code < 500, (path, content_type, payload[:80])
        if refused:
            assert response.status_code == 415, (path, content_type, payload[:80])
