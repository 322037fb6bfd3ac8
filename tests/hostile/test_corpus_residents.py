"""Every corpus string through the residents' forms, the pages that show it back, and the
confirmation mail: refused politely or stored clean, always escaped, no header injected.

One test per form, one subtest per corpus string (one app and one campaign for all of them:
the suite stays fast, and a failure still names the string)."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.crypto import email_hash
from campaign.extensions import db
from campaign.models import Endorsement, Signature, Testimony, TestimonyStatus
from campaign.residents.forms import visible
from campaign.services import tallies
from campaign.services import testimony as testimony_service
from tests.hostile.corpus import CORPUS
from tests.hostile.support import (
    JOIN,
    SIGN,
    TESTIFY,
    assert_escaped,
    line,
    open_campaign,
    shows,
    text,
)
from tests.residents.support import link, outbox, text_of

# Every header our resident mail has; anything else in a message was injected.
MAIL_HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
    "Content-Language",
}


def mail_to(address: str) -> list:
    return [message for message in outbox() if message["To"] == address]


def assert_clean_mail(message, address: str) -> None:
    """One recipient, one-line subject, only our headers, each once, plain text."""
    names = list(message.keys())
    assert set(names) <= MAIL_HEADERS and len(names) == len(set(names)), names
    assert message["To"] == address and message["Bcc"] is None and message["Cc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message.get_content_type() == "text/plain" and not message.is_multipart()


def signature_of(campaign, address: str) -> Signature | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Signature).where(
            Signature.campaign_id == campaign.id, Signature.email_hash == email_hash(address)
        )
    )


def test_signing_with_every_hostile_string(client, subtests):
    campaign = open_campaign(ask_address=True)
    path = f"/c/{campaign.slug}/sign"
    baseline = text_of(client.post(path, data={}))
    for n, (label, value) in enumerate(CORPUS):
        with subtests.test(msg=label):
            address = f"signer{n}@example.org"
            name, comment, street = line(value), text(value), line(value)
            response = client.post(
                path,
                data={**SIGN, "email": address, "name": value, "comment": value, "address": value},
            )
            page = text_of(response)
            assert response.status_code == 200
            assert_escaped(page, baseline, value)
            signature = signature_of(campaign, address)
            if not visible(name) or len(name) > 200 or len(comment) > 500:
                # Refused politely: the form again, everything typed given back escaped.
                assert signature is None and mail_to(address) == []
                assert shows(page, street) and shows(page, comment)
                if not visible(name):
                    assert "Enter your name." in page
                if len(name) > 200:
                    assert "Your name can be at most 200 characters." in page
                if len(comment) > 500:
                    assert "Your comment can be at most 500 characters." in page
                continue
            assert signature.name == name and signature.address == street
            assert signature.comment == comment
            [message] = mail_to(address)
            assert_clean_mail(message, address)
            assert f"Hello {name}," in message.get_content()
            confirm = text_of(client.get(link(message, "/confirm/")))
            assert shows(confirm, name)
            assert_escaped(confirm, baseline, value)

    # The text fields alone, where the name was what refused the form.
    for n, (label, value) in enumerate(CORPUS):
        if visible(line(value)) and len(line(value)) <= 200:
            continue
        with subtests.test(msg=f"{label} as comment and address"):
            address = f"commenter{n}@example.org"
            response = client.post(
                path, data={**SIGN, "email": address, "comment": value, "address": value}
            )
            assert response.status_code == 200
            assert_escaped(text_of(response), baseline, value)
            signature = signature_of(campaign, address)
            if len(text(value)) > 500 or len(line(value)) > 300:
                assert signature is None
            else:
                assert signature.comment == (text(value) or None)
                assert signature.address == (line(value) or None)


def test_testimony_with_every_hostile_string(client, subtests):
    campaign = open_campaign()
    path = f"/c/{campaign.slug}/testify"
    baseline = text_of(client.post(path, data={}))
    editable = {k: v for k, v in TESTIFY.items() if k != "email"}
    for n, (label, value) in enumerate(CORPUS):
        with subtests.test(msg=label):
            address = f"witness{n}@example.org"
            response = client.post(
                path,
                data={
                    **TESTIFY,
                    "email": address,
                    "name": value,
                    "affiliation": value,
                    "body": value,
                },
            )
            db.session.expire_all()
            stored = db.session.scalar(
                sa.select(Testimony).where(Testimony.email_hash == email_hash(address))
            )
            name, body = line(value), text(value)
            words = len(body.split())
            if (
                not visible(name)
                or not visible(body)
                or len(name) > 200
                or words > testimony_service.MAX_WORDS
            ):
                # Refused politely: the form again, with the text given back (escaped).
                page = text_of(response)
                assert response.status_code == 200 and stored is None
                assert_escaped(page, baseline, value)
                assert shows(page, body)
                if words > testimony_service.MAX_WORDS:
                    assert f"Your testimony has {words:,} words; the limit is 5,000." in page
                continue
            assert response.status_code == 302
            assert stored.name == name and stored.affiliation == name and stored.body == body
            private_path = response.headers["Location"]
            private = text_of(client.get(private_path))
            assert_escaped(private, baseline, value)
            assert shows(private, name) and shows(private, body.split("\n\n")[0].strip())
            [message] = mail_to(address)
            assert_clean_mail(message, address)
            assert f"Hola, {name}:" in message.get_content()  # the testimony is in Spanish
            confirm_path = link(message, "/testify/confirm/")
            assert_escaped(text_of(client.get(confirm_path)), baseline, value)
            confirmed = client.post(confirm_path, data={"website": ""})
            assert confirmed.status_code == 200
            assert_escaped(text_of(confirmed), baseline, value)

            # Through the private link: the text again, the interpreter language, and an
            # approved testimony going back to moderation when edited.
            db.session.refresh(stored)
            assert stored.status == TestimonyStatus.PENDING
            tallies.testimony_transition(
                db.session, stored, TestimonyStatus.PENDING, TestimonyStatus.APPROVED
            )
            stored.status = TestimonyStatus.APPROVED
            db.session.commit()
            language = line(value)
            edit = client.post(
                private_path + "/edit",
                data={
                    **editable,
                    "name": value,
                    "body": value + "\n\nEdited.",
                    "interpreter_language": value,
                },
            )
            db.session.expire_all()
            edited = db.session.get(Testimony, stored.id)
            if len(language) > 40:
                assert edit.status_code == 200 and edited.status == TestimonyStatus.APPROVED
                assert "The language name can be at most 40 characters." in text_of(edit)
                assert_escaped(text_of(edit), baseline, value)
            else:
                assert edit.status_code == 302
                assert edited.body == text(value + "\n\nEdited.")
                assert edited.interpreter_language == language
                assert edited.status == TestimonyStatus.PENDING
                [_confirm, changed] = mail_to(address)
                assert_clean_mail(changed, address)


def test_coalition_sign_on_with_every_hostile_string(client, subtests):
    campaign = open_campaign()
    path = f"/c/{campaign.slug}/join"
    baseline = text_of(client.post(path, data={}))
    for n, (label, value) in enumerate(CORPUS):
        with subtests.test(msg=label):
            response = client.post(
                path, data={**JOIN, "organization": f"{value} {n}", "contact_name": value}
            )
            assert response.status_code in (200, 302)
            if response.status_code == 200:
                assert_escaped(text_of(response), baseline, value)
            else:
                thanks = text_of(client.get(response.headers["Location"]))
                assert_escaped(thanks, baseline, value)
    # Whatever was stored shows escaped on the public page once approved.
    for endorsement in db.session.scalars(sa.select(Endorsement)):
        endorsement.status = "approved"
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    assert_escaped(page, baseline, *(value for _label, value in CORPUS))


def test_coalition_sign_on_cleans_text_like_the_residents_forms(client):
    campaign = open_campaign()
    controls = [
        entry
        for entry in CORPUS
        if entry.name in ("nul", "c0_controls", "c1_and_del", "rtl_override", "bidi_isolates")
    ]
    for n, (_label, value) in enumerate(controls):
        response = client.post(
            f"/c/{campaign.slug}/join",
            data={**JOIN, "organization": f"{value} {n}", "contact_name": value},
        )
        assert response.status_code == 302
    stored = db.session.scalars(sa.select(Endorsement).order_by(Endorsement.id)).all()
    assert [e.organization for e in stored] == [
        line(f"{value} {n}") for n, (_label, value) in enumerate(controls)
    ]
    assert [e.contact_name for e in stored] == [line(v) for _l, v in controls]
