"""Signing: the form, districts, email confirmation by button press, expiry, re-sending."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from campaign import mails
from campaign.models import (
    CampaignStatus,
    DistrictZip,
    Signature,
    SignatureStatus,
    Tally,
    Visibility,
)
from campaign.services import campaigns as campaign_service
from campaign.services import districts, signing
from tests.factories import make_campaign, make_signature
from tests.residents.support import csrf_token, link, other_app, outbox, text_of

FORM = {
    "name": "Ana Flores",
    "email": "ana.flores@example.org",
    "zip": "11111",
    "visibility": "packet",
}


def sign(client, campaign, **changes):
    data = {**FORM, **changes}
    return client.post(f"/c/{campaign.slug}/sign", data=data)


def signatures(db, campaign) -> list[Signature]:
    query = sa.select(Signature).where(Signature.campaign_id == campaign.id)
    return list(db.session.scalars(query))


def tally(db, campaign, district: str) -> Tally | None:
    return db.session.scalar(
        sa.select(Tally).where(Tally.campaign_id == campaign.id, Tally.district == district)
    )


def test_form_asks_the_minimum_with_the_campaigns_default_visibility(client, db):
    campaign = make_campaign()
    page = text_of(client.get(f"/c/{campaign.slug}/sign"))
    for label in ("Your name", "Email", "ZIP code", "A short comment (optional)"):
        assert label in page
    assert "Street address" not in page
    assert (
        'checked id="visibility-1" name="visibility" required type="radio" value="packet"' in page
    )
    assert "Your name appears only in the packet handed to the council" in page
    assert "only counted in your district" in page
    assert '<legend class="label">How your name appears</legend>' in page
    assert 'id="consent_updates" name="consent_updates" type="checkbox" value="y"' in page
    assert "checked" not in page.split('id="consent_updates"')[0].rsplit("<input", 1)[1]


def test_street_address_only_when_the_campaign_turns_it_on(client, db):
    off = make_campaign()
    on = make_campaign(ask_address=True, default_visibility=Visibility.COUNTED)
    assert "Street address" in text_of(client.get(f"/c/{on.slug}/sign"))
    sign(client, off, address="1 Main St", email="a@example.org")
    sign(client, on, address="2 Main St", email="b@example.org")
    assert signatures(db, off)[0].address is None
    assert signatures(db, on)[0].address == "2 Main St"


def test_a_signature_waits_for_confirmation_with_its_district(client, db):
    campaign = make_campaign()
    response = sign(
        client, campaign, zip=" 11111-2345 ", comment="Por mi familia.", consent_updates="y"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Check your email" in page and "ana.flores@example.org" in page
    [signature] = signatures(db, campaign)
    assert signature.status == SignatureStatus.PENDING and signature.verified_at is None
    assert (signature.zip, signature.district) == ("11111", "1")
    assert signature.visibility == Visibility.PACKET
    assert signature.consent_updates is True and signature.comment == "Por mi familia."
    assert signature.language == "en" and len(signature.client_hash) == 32
    # Encrypted at rest: the raw column never holds the name or the address.
    raw = db.session.execute(sa.text("SELECT name, email FROM signature")).one()
    assert "Ana" not in raw.name and "example.org" not in raw.email
    counts = campaign_service.counts(db.session, campaign.id)
    assert (counts.signatures, counts.signatures_pending) == (0, 1)
    [message] = outbox()
    assert message["To"] == "ana.flores@example.org"
    assert message["Subject"].startswith("Please confirm your signature")
    assert f"/c/{campaign.slug}/confirm/" in link(message, "/confirm/")


def test_unknown_zip_is_unassigned_never_an_error(client, db):
    campaign = make_campaign()
    assert sign(client, campaign, zip="99999").status_code == 200
    assert signatures(db, campaign)[0].district == "unassigned"


def test_the_district_comes_from_this_campaigns_zip_table_only(client, db):
    ours, theirs = make_campaign(), make_campaign()
    theirs.district_zips.append(DistrictZip(zip="33333", district="7"))
    db.session.commit()
    sign(client, ours, zip="33333", email="a@example.org")
    sign(client, theirs, zip="33333", email="b@example.org")
    sign(client, theirs, zip="22222", email="c@example.org")
    assert signatures(db, ours)[0].district == "unassigned"
    assert sorted(s.district for s in signatures(db, theirs)) == ["2", "7"]
    assert tally(db, theirs, "7").signatures_pending == 1
    assert tally(db, ours, "unassigned").signatures_pending == 1
    assert tally(db, ours, "7") is None
    # The same look-up on its own, as testimony uses it.
    assert districts.district_for(db.session, theirs.id, " 33333-1234") == "7"
    assert districts.district_for(db.session, ours.id, "33333") == "unassigned"
    assert districts.district_for(db.session, ours.id, "") == "unassigned"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"email": "not-an-email"}, "Enter an email address like name@example.com."),
        ({"zip": "123"}, "Enter your 5-digit ZIP code"),
        ({"zip": "ABCDE"}, "Enter your 5-digit ZIP code"),
        ({"comment": "x" * 501}, "Your comment can be at most 500 characters."),
        ({"visibility": "everyone"}, "Choose one of the options."),
        ({"name": "N" * 201}, "Your name can be at most 200 characters."),
    ],
)
def test_errors_are_explained_linked_and_keep_what_was_typed(client, db, changes, message):
    campaign = make_campaign()
    response = sign(client, campaign, **{"comment": "Keep this comment", **changes})
    page = text_of(response)
    assert response.status_code == 200
    assert message in page
    assert 'id="error-summary"' in page and 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    if "comment" not in changes:
        assert "Keep this comment" in page
    if "name" not in changes:
        assert 'value="Ana Flores"' in page
    assert signatures(db, campaign) == [] and outbox() == []


def confirm_path(campaign) -> str:
    return link(outbox()[-1], "/confirm/")


def test_the_link_shows_a_button_and_only_the_post_confirms(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    path = confirm_path(campaign)
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my signature" in text_of(page) and "Ana Flores" in text_of(page)
    # A mail scanner that opens the link (even twice) confirms nothing.
    client.get(path)
    [signature] = signatures(db, campaign)
    assert signature.status == SignatureStatus.PENDING
    response = client.post(path)
    assert response.status_code == 200
    assert "Thank you! Your signature is counted." in text_of(response)
    db.session.refresh(signature)
    assert signature.status == SignatureStatus.VERIFIED and signature.verified_at is not None
    counts = campaign_service.counts(db.session, campaign.id)
    assert (counts.signatures, counts.signatures_pending) == (1, 0)
    assert "<strong>1</strong>" in text_of(client.get(f"/c/{campaign.slug}"))


def test_a_reused_link_says_already_confirmed_and_counts_once(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    path = confirm_path(campaign)
    client.post(path)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200
        assert "You have already confirmed" in text_of(response)
    assert campaign_service.counts(db.session, campaign.id).signatures == 1


def test_a_link_expires_after_seven_days_and_can_be_sent_again(client, db):
    start = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        campaign = make_campaign(hearing_at=start + timedelta(days=30))
        sign(client, campaign)
        path = confirm_path(campaign)
    with time_machine.travel(start + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert "Confirm my signature" in text_of(client.get(path))
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        expired = client.get(path)
        assert expired.status_code == 410
        assert "This link has expired" in text_of(expired)
        assert f'action="/c/{campaign.slug}/sign/resend"' in text_of(expired)
        assert client.post(path).status_code == 410
        assert signatures(db, campaign)[0].status == SignatureStatus.PENDING
        sent = client.post(
            f"/c/{campaign.slug}/sign/resend", data={"email": "ANA.Flores@example.org"}
        )
        assert "we sent a new link" in text_of(sent)
        fresh = confirm_path(campaign)
        assert fresh != path and len(outbox()) == 2
        assert client.post(fresh).status_code == 200
    assert signatures(db, campaign)[0].status == SignatureStatus.VERIFIED


def test_an_expired_link_of_a_confirmed_signature_still_says_confirmed(client, db):
    start = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        campaign = make_campaign(hearing_at=start + timedelta(days=30))
        sign(client, campaign)
        path = confirm_path(campaign)
        client.post(path)
    with time_machine.travel(start + timedelta(days=20), tick=False):
        response = client.get(path)
    assert response.status_code == 200 and "You have already confirmed" in text_of(response)


def test_resending_answers_the_same_for_unknown_and_pending_addresses(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    known = client.post(f"/c/{campaign.slug}/sign/resend", data={"email": "ana.flores@example.org"})
    unknown = client.post(f"/c/{campaign.slug}/sign/resend", data={"email": "nobody@example.org"})
    assert text_of(known).replace("ana.flores", "X") == text_of(unknown).replace("nobody", "X")
    assert len(outbox()) == 2  # the first confirmation and one re-send, none to "nobody"


@pytest.mark.parametrize(
    "token_change",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "garbage",
        lambda token: token.split(".")[0],
    ],
)
def test_a_tampered_link_is_refused_kindly(client, db, token_change):
    campaign = make_campaign()
    sign(client, campaign)
    path = confirm_path(campaign)
    prefix, token = path.rsplit("/", 1)
    for method in (client.get, client.post):
        response = method(f"{prefix}/{token_change(token)}")
        assert response.status_code == 404
        assert "This link does not work" in text_of(response)
    assert signatures(db, campaign)[0].status == SignatureStatus.PENDING


def test_a_link_works_only_for_its_own_campaign_and_purpose(client, db, app):
    campaign = make_campaign()
    other = make_campaign()
    sign(client, campaign)
    token = confirm_path(campaign).rsplit("/", 1)[1]
    assert client.get(f"/c/{other.slug}/confirm/{token}").status_code == 404
    assert client.get(f"/c/{campaign.slug}/testify/confirm/{token}").status_code == 404
    assert client.get(f"/t/{token}").status_code == 404
    # An id whose row was deleted and reused by another signer does not fit the old link.
    [signature] = signatures(db, campaign)
    forged = signing.make_link_token(signing.SIGNATURE_LINK, signature.id, "0" * 64)
    assert client.get(f"/c/{campaign.slug}/confirm/{forged}").status_code == 404


def test_signing_again_says_already_signed_only_by_email(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    client.post(confirm_path(campaign))
    again = sign(client, campaign, email="  Ana.Flores+petition@EXAMPLE.org ", name="Someone Else")
    assert again.status_code == 200 and "Check your email" in text_of(again)
    [signature] = signatures(db, campaign)
    assert signature.name == "Ana Flores"  # a repeat never changes the signature
    message = outbox()[-1]
    assert message["Subject"].startswith("You have already signed")
    assert "your signature is counted" in message.get_content()
    assert "Someone Else" not in message.get_content()
    assert campaign_service.counts(db.session, campaign.id).signatures == 1


def test_signing_again_while_pending_sends_the_link_again(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    sign(client, campaign, email="ANA.FLORES@example.org")
    messages = outbox()
    assert len(messages) == 2
    assert all(m["Subject"].startswith("Please confirm your signature") for m in messages)
    assert len(signatures(db, campaign)) == 1
    assert campaign_service.counts(db.session, campaign.id).signatures_pending == 1


def test_a_paper_signer_without_email_signing_online_gets_already_signed(client, db):
    campaign = make_campaign()
    paper = make_signature(campaign, email="maria@gmail.com", status=SignatureStatus.VERIFIED)
    paper.email = None  # typed up from a sheet where the address was left blank... or unreadable
    db.session.commit()
    sign(client, campaign, email="Ma.Ria@gmail.com")
    [message] = outbox()
    assert message["To"] == "Ma.Ria@gmail.com"
    assert message["Subject"].startswith("You have already signed")


def test_two_first_signatures_at_once_make_one_row(app, db):
    """Two requests with one address racing past each other: one row, one count, no error."""
    campaign = make_campaign()
    db.session.commit()
    slug = campaign.slug
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_signature(name: str) -> None:
        try:
            with app.app_context():
                current = campaign_service.get_public(db.session, slug)
                details = signing.SignatureDetails(
                    name=name,
                    email="same@example.org",
                    zip="11111",
                    visibility=Visibility.PACKET,
                    language="en",
                )
                barrier.wait(timeout=10)
                signing.sign(db.session, current, details)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=first_signature, args=(n,)) for n in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    db.session.expire_all()
    assert len(signatures(db, campaign)) == 1
    assert campaign_service.counts(db.session, campaign.id).signatures_pending == 1
    assert len(outbox()) == 2  # a confirmation for the winner, the same link again for the other


def test_honeypot_gets_the_same_page_and_nothing_is_stored(client, db):
    campaign = make_campaign()
    real = text_of(sign(client, campaign))
    bot = text_of(sign(client, campaign, website="http://spam.example"))
    assert bot == real
    assert len(signatures(db, campaign)) == 1 and len(outbox()) == 1


# --- The form page kept between visits -------------------------------------------------------


def test_the_kept_form_page_gives_each_visitor_their_own_working_token(app, db):
    campaign = make_campaign()
    db.session.commit()
    _csrf_app, first = other_app(app, WTF_CSRF_ENABLED=True)
    second = first.application.test_client()
    second.environ_base["wsgi.url_scheme"] = "https"
    pages = [text_of(c.get(f"/c/{campaign.slug}/sign")) for c in (first, second)]
    tokens = [csrf_token(page) for page in pages]
    assert tokens[0] != tokens[1]
    assert pages[1].replace(tokens[1], "T") == pages[0].replace(tokens[0], "T")
    # A token is good only with the session it was made for, kept page or not.
    swapped = first.post(f"/c/{campaign.slug}/sign", data={**FORM, "csrf_token": tokens[1]})
    assert swapped.status_code == 400 and "this form expired" in text_of(swapped)
    emails = ("a@example.org", "b@example.org")
    for client, token, email in zip((first, second), tokens, emails, strict=True):
        response = client.post(
            f"/c/{campaign.slug}/sign", data={**FORM, "email": email, "csrf_token": token}
        )
        assert response.status_code == 200 and "Check your email" in text_of(response)
    assert len(signatures(db, campaign)) == 2


def test_the_kept_check_your_email_page_prints_each_address_escaped(app, db):
    campaign = make_campaign()
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    pages = []
    for email in ("ana@example.org", "o'brien&co@example.org"):
        token = csrf_token(text_of(client.get(f"/c/{campaign.slug}/sign")))
        response = client.post(
            f"/c/{campaign.slug}/sign", data={**FORM, "email": email, "csrf_token": token}
        )
        assert response.status_code == 200
        pages.append(text_of(response))
    assert pages[1].count("o&#39;brien&amp;co@example.org") == 2  # the sentence and the field
    assert "o'brien" not in pages[1] and "ana@example.org" not in pages[1]
    # Apart from the address, the same page; the CSRF token carries the second it was
    # signed in, so it may differ between the two answers (it did once, in CI).
    same = [page.replace(csrf_token(page), "T") for page in pages]
    assert same[1].replace("o&#39;brien&amp;co@example.org", "X") == same[0].replace(
        "ana@example.org", "X"
    )
    # The resend button on the kept page carries this session's own token, and works.
    resend = client.post(
        f"/c/{campaign.slug}/sign/resend",
        data={"email": "ana@example.org", "csrf_token": csrf_token(pages[1])},
    )
    assert resend.status_code == 200


def test_the_kept_form_page_shows_an_edit_or_a_closing_at_once(app, db):
    campaign = make_campaign(title="Stop the data deal")
    db.session.commit()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    path = f"/c/{campaign.slug}/sign"
    assert "Stop the data deal" in text_of(client.get(path))
    assert "Send written testimony" in text_of(client.get(path))
    campaign.title, campaign.title_es = "End the data deal", "Terminar el acuerdo"
    db.session.commit()
    assert "End the data deal" in text_of(client.get(path))
    spanish = text_of(client.get(path, headers={"Accept-Language": "es"}))
    assert "Terminar el acuerdo" in spanish and "Firmar" in spanish
    assert "End the data deal" in text_of(client.get(path, headers={"Accept-Language": "en"}))
    # The hearing moves into the past: written testimony closes, and the page says no more.
    campaign.deadlines[0].at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert "Send written testimony" not in text_of(client.get(path))
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    assert "This campaign is closed" in text_of(client.get(path))
    response = client.post(path, data={**FORM, "csrf_token": "any"})
    assert response.status_code in (400, 409) and signatures(db, campaign) == []


def test_a_campaign_made_a_draft_again_leaves_the_kept_form_at_once(client, db):
    campaign = make_campaign()
    db.session.commit()
    path = f"/c/{campaign.slug}/sign"
    assert client.get(path).status_code == 200  # now kept by this process
    campaign.status = CampaignStatus.DRAFT
    db.session.commit()
    assert client.get(path).status_code == 404
    assert sign(client, campaign).status_code == 404 and signatures(db, campaign) == []
    campaign.status = CampaignStatus.OPEN
    db.session.commit()
    assert client.get(path).status_code == 200


def test_a_kept_confirmation_mail_reads_exactly_as_one_rendered_for_it(app, db):
    campaign = make_campaign(title="Stop {{ the }} %(deal)s", title_es="Parar el ‮acuerdo")
    db.session.commit()
    template = "email/residents/signature_confirm.txt"
    context = {"campaign_url": "https://example.org/c/x", "max_age_days": 14}
    names = [
        "Ana",
        "%(name)s {{ name }} %s",
        "O'Brien & <b>Co</b>",
        "\u202eRTL\u200b",
        "\ufdd0 almost a placeholder \ufdd0",
        "😀 " * 50,
        "x" * 300,
    ]
    with app.test_request_context():
        for language in ("en", "es"):
            for number, name in enumerate(names):
                texts = {"name": name, "confirm_url": f"https://example.org/c/x/confirm/{number}"}
                assert mails.render(
                    template, language, texts=texts, campaign=campaign, **context
                ) == (mails.render(template, language, campaign=campaign, **texts, **context))


def test_the_confirmation_mail_follows_an_edit_of_the_campaign_at_once(client, db):
    campaign = make_campaign(title="Stop the data deal")
    db.session.commit()
    sign(client, campaign, name="Ana Ruiz", email="ana@example.org")
    campaign.title = "End the data deal"
    db.session.commit()
    sign(client, campaign, name="Bo Chen", email="bo@example.org")
    first, second = outbox()
    assert "Stop the data deal" in first["Subject"] and "End the data deal" in second["Subject"]
    assert "Hello Ana Ruiz," in first.get_content() and "Hello Bo Chen," in second.get_content()
    assert link(first, "/confirm/") != link(second, "/confirm/")


def test_closed_campaign_takes_no_signatures_and_no_confirmations(client, db):
    campaign = make_campaign()
    sign(client, campaign)
    path = confirm_path(campaign)
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    page = client.get(f"/c/{campaign.slug}/sign")
    assert page.status_code == 200 and "This campaign is closed" in text_of(page)
    assert 'name="email"' not in text_of(page)
    refused = sign(client, campaign, email="late@example.org")
    assert refused.status_code == 409
    assert client.post(path).status_code == 409
    assert [s.status for s in signatures(db, campaign)] == [SignatureStatus.PENDING]


def test_drafts_and_unknown_campaigns_are_not_found(client, db):
    draft = make_campaign(status=CampaignStatus.DRAFT)
    for path in (
        f"/c/{draft.slug}/sign",
        "/c/nope/sign",
        "/c/nope/confirm/abc",
        f"/c/{draft.slug}/testify",
    ):
        assert client.get(path).status_code == 404
    assert sign(client, draft).status_code == 404


def test_spanish_signer_gets_spanish_pages_and_mail(client, db):
    campaign = make_campaign(title_es="Campaña en español")
    client.get(f"/c/{campaign.slug}/sign?lang=es")
    form = text_of(client.get(f"/c/{campaign.slug}/sign"))
    assert "Firme la petición" in form and "Cómo aparece su nombre" in form
    errors = text_of(sign(client, campaign, zip="12"))
    assert "Escriba su código postal de 5 dígitos" in errors
    assert "Por favor, corrija lo siguiente" in errors
    done = text_of(sign(client, campaign))
    assert "Revise su correo electrónico" in done
    [signature] = signatures(db, campaign)
    assert signature.language == "es"
    [message] = outbox()
    assert message["Subject"].startswith("Confirme su firma")
    assert "Campaña en español" in message["Subject"]
    assert "Confirmar mi firma" in message.get_content()
    # The confirmation page follows the reader's language, whatever the mail's.
    client.get(f"/c/{campaign.slug}?lang=en")
    assert "Confirm my signature" in text_of(client.get(confirm_path(campaign)))
