"""Generated values posted to every field of every public form.

For each form: never a 5xx; a value is refused exactly when the form's rules refuse its cleaned
form (so the forms accept every odd but valid name, comment or testimony); what is stored reads
back exactly as `clean_line`/`clean_text` of what was sent, once the request has taken NUL out
(support.line/text: nothing else alters resident text); and what comes back is escaped.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from hypothesis import event, given, settings
from hypothesis import strategies as st

from campaign.crypto import email_hash
from campaign.extensions import db
from campaign.models import Endorsement, Signature, Testimony, TestimonyStatus, User
from campaign.residents.forms import visible
from campaign.services import testimony as testimony_service
from campaign.services.signing import normalize_zip
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
    shows,
    text,
)
from tests.residents.support import hearing_of, text_of

VISIBILITIES = ("public", "packet", "counted")
POSITIONS = ("support", "oppose", "neutral")
LANGUAGES = ("en", "es", "other")
SPEAK = ("no", "in_person", "remote", "phone")


@st.composite
def form_data(draw, base: dict[str, str], choices: dict[str, tuple[str, ...]],
              honeypot: bool = True) -> dict[str, str]:
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
    return (len(re.sub(r"\D", "", cleaned)) >= 5
            and re.fullmatch(r"\d{5}(?:[- ]?\d{4})?", cleaned) is not None)


def body_ok(value: str) -> bool:
    cleaned = text(value)
    return (visible(cleaned) and len(cleaned.split()) <= testimony_service.MAX_WORDS
            and len(cleaned) <= testimony_service.MAX_CHARACTERS)


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
    response = post(client, f"/c/{campaign.slug}/{which}/resend",
                    data={"email": email, "website": ""})
    page = text_of(response)
    assert response.status_code == 200
    # Accepted ("we sent a new link to ...") or refused (the form again): escaped either way.
    assert shows(page, line(email))
    assert "<script>alert" not in page


# --- Testimony ----------------------------------------------------------------------------------

TESTIFY_CHOICES = {"position": POSITIONS, "language": LANGUAGES, "speak": SPEAK,
                   "visibility": VISIBILITIES, "consent_reminders": ("", "y", "false")}


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
    testimony = make_testimony(campaign, status=TestimonyStatus.PENDING,
                               hearing_id=hearing_of(campaign).id, name="Before Edit",
                               body="Before the edit.")
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
@given(email=st.one_of(hostile_text(), st.just("admin@staff.example")), password=hostile_text(),
       next_page=st.one_of(st.just(""), hostile_text(60)))
def test_login_and_reset_forms(client, db, email, password, next_page):
    if db.session.scalar(sa.select(User.id)) is None:  # one account for every example
        make_staff(None, "admin", email="admin@staff.example")
        db.session.commit()
    for path, data in (("/login", {"email": email, "password": password}),
                       ("/reset", {"email": email})):
        response = client.post(path, data=data, query_string={"next": next_page})
        assert response.status_code < 500, (path, data)
        if response.status_code in (301, 302, 303):
            # Never an open redirect, whatever `next` says.
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
        else:
            assert "<script>alert" not in text_of(response)
