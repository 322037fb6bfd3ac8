"""Testimony: the form, confirmation, the private link, edits, withdrawal and deadlines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from campaign.models import (
    CampaignStatus,
    Position,
    RejectionReason,
    SpeakMode,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.services import campaigns as campaign_service
from campaign.services.testimony import REFERENCE_ALPHABET
from tests.factories import make_campaign, make_testimony
from tests.residents.support import (
    campaign_with_hearing,
    hearing_of,
    link,
    local,
    outbox,
    text_of,
)

FORM = {
    "name": "Rosa Díaz",
    "email": "rosa@example.org",
    "zip": "22222",
    "position": "oppose",
    "body": "I live in District 2.\n\nThis contract makes my neighbors afraid to call for help.",
    "language": "en",
    "speak": "no",
    "visibility": "packet",
}


def send_testimony(client, campaign, **changes):
    return client.post(f"/c/{campaign.slug}/testify", data={**FORM, **changes})


def stored_testimonies(db, campaign) -> list[Testimony]:
    return list(
        db.session.scalars(
            sa.select(Testimony).where(Testimony.campaign_id == campaign.id).order_by(Testimony.id)
        )
    )


def private_path(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.headers["Location"]


@pytest.fixture
def campaign(db):
    """An open campaign whose hearing is in ten days, testimony due the day before at 3 pm."""
    return campaign_with_hearing(datetime.now(UTC) + timedelta(days=10))


def test_form_phrases_positions_against_the_decision_and_warns_of_public_record(client, campaign):
    page = text_of(client.get(f"/c/{campaign.slug}/testify"))
    assert "I oppose renewing the contract" in page
    assert "I support renewing the contract" in page
    assert "I neither support nor oppose renewing the contract" in page
    assert "Your testimony will be public record" in page
    assert page.index("public record") < page.index('type="submit"')
    assert 'value="packet"' in page.split('checked id="visibility-')[1][:60]
    assert "Written testimony closes" in page and re.search(r"\b(EST|EDT)\b", page)
    assert "Up to 5,000 words" in page
    assert 'data-when-speak="phone"' in page  # hidden by JS until "by phone" is chosen
    for legend in (
        "Your position",
        "Do you want to speak at the hearing?",
        "How your name appears",
    ):
        assert f'<legend class="label">{legend}</legend>' in page


def test_testimony_is_received_unconfirmed_with_a_reference_and_private_link(client, db, campaign):
    response = send_testimony(client, campaign, affiliation="Casa del Pueblo")
    path = private_path(response)
    assert path.startswith("/t/")
    [testimony] = stored_testimonies(db, campaign)
    assert testimony.status == TestimonyStatus.UNCONFIRMED and testimony.confirmed_at is None
    assert testimony.hearing_id == hearing_of(campaign).id
    assert re.fullmatch(
        f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}", testimony.reference
    )
    assert testimony.district == "2" and testimony.position == Position.OPPOSE
    assert testimony.body == FORM["body"] and testimony.affiliation == "Casa del Pueblo"
    assert testimony.wants_to_speak is False and testimony.speak_mode is None
    receipt = text_of(client.get(path))
    assert testimony.reference in receipt
    assert "We sent you an email" in receipt and "Waiting for you to confirm" in receipt
    # The private link, to keep: the same record's (the page signs it anew, so its timestamp
    # may fall in a later second than the redirect's).
    shown = re.search(r"http://127\.0\.0\.1:5000(/t/[^\s\"<]+)", receipt)
    assert shown and shown.group(1).split(".")[0] == path.split(".")[0]
    [message] = outbox()
    assert testimony.reference in message["Subject"]
    content = message.get_content()
    assert testimony.reference in content and "public record" in content
    # The same private link (its signed timestamp may differ by the second it was made in).
    emailed = link(message, "/t/")
    assert emailed.split(".")[0] == path.split(".")[0]
    assert testimony.reference in text_of(client.get(emailed))
    assert "/testify/confirm/" in link(message, "/testify/confirm/")


def test_confirming_needs_the_button_and_then_waits_for_moderation(client, db, campaign):
    send_testimony(client, campaign)
    confirm = link(outbox()[0], "/testify/confirm/")
    page = client.get(confirm)
    assert "Confirm my testimony" in text_of(page)
    assert stored_testimonies(db, campaign)[0].status == TestimonyStatus.UNCONFIRMED
    done = client.post(confirm)
    assert "Thank you! Your testimony is confirmed." in text_of(done)
    [testimony] = stored_testimonies(db, campaign)
    assert testimony.status == TestimonyStatus.PENDING and testimony.confirmed_at is not None
    again = client.post(confirm)
    assert "You have already confirmed" in text_of(again)
    assert campaign_service.counts(db.session, campaign.id).testimonies_approved == 0


def test_an_expired_confirmation_link_can_be_sent_again(client, db):
    start = datetime(2026, 4, 1, 14, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        campaign = campaign_with_hearing(start + timedelta(days=30))
        send_testimony(client, campaign)
        confirm = link(outbox()[0], "/testify/confirm/")
    with time_machine.travel(start + timedelta(days=8), tick=False):
        expired = client.get(confirm)
        assert expired.status_code == 410 and "This link has expired" in text_of(expired)
        client.post(f"/c/{campaign.slug}/testify/resend", data={"email": "ROSA@example.org"})
        fresh = link(outbox()[-1], "/testify/confirm/")
        assert client.post(fresh).status_code == 200
    assert stored_testimonies(db, campaign)[0].status == TestimonyStatus.PENDING


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"position": ""}, "position", "Choose your position."),
        ({"body": "   "}, "body", "Write your testimony."),
        ({"speak": "phone", "phone": ""}, "phone", "Enter the phone number we should call"),
        ({"speak": "phone", "phone": "call me"}, "phone", "Enter a phone number like"),
        ({"language": "xx"}, "language", "Choose one of the options."),
        ({"zip": "2222"}, "zip", "Enter your 5-digit ZIP code"),
    ],
)
def test_errors_link_to_their_field_and_keep_the_text(
    client, db, campaign, changes, field, message
):
    response = send_testimony(client, campaign, **changes)
    page = text_of(response)
    assert response.status_code == 200 and message in page
    anchor = f"#{field}-0" if field == "position" else f"#{field}"
    assert f'<a href="{anchor}">' in page
    if field != "body":
        assert "This contract makes my neighbors afraid" in page
    assert stored_testimonies(db, campaign) == []


def test_phone_is_required_and_kept_only_for_speaking_by_phone(client, db, campaign):
    private_path(
        send_testimony(
            client,
            campaign,
            speak="phone",
            phone="(555) 201-3344",
            interpreter_language="Spanish",
            consent_reminders="y",
        )
    )
    private_path(
        send_testimony(
            client,
            campaign,
            speak="in_person",
            phone="555-201-9999",
            interpreter_language="Spanish",
        )
    )
    private_path(
        send_testimony(
            client, campaign, speak="no", phone="555-201-8888", interpreter_language="Spanish"
        )
    )
    by_phone, in_person, written = stored_testimonies(db, campaign)
    assert (by_phone.speak_mode, by_phone.phone) == (SpeakMode.PHONE, "(555) 201-3344")
    assert by_phone.consent_reminders and by_phone.interpreter_language == "Spanish"
    assert (in_person.speak_mode, in_person.phone) == (SpeakMode.IN_PERSON, None)
    assert in_person.wants_to_speak and in_person.interpreter_language == "Spanish"
    assert (written.wants_to_speak, written.phone, written.interpreter_language) == (
        False,
        None,
        None,
    )


def test_five_thousand_words_pass_and_one_more_is_refused_with_the_text_kept(client, db, campaign):
    long_text = " ".join(["palabra"] * 5000)
    private_path(send_testimony(client, campaign, body=long_text))
    too_long = send_testimony(client, campaign, body=long_text + " extra")
    page = text_of(too_long)
    assert "Your testimony has 5,001 words; the limit is 5,000" in page
    assert long_text[:200] in page and "extra</textarea>" in page
    assert len(stored_testimonies(db, campaign)) == 1


def test_the_private_page_shows_the_testimony_escaped(client, db, campaign):
    path = private_path(
        send_testimony(
            client, campaign, body="<b>bold</b> & <script>x()</script>", name="<i>Rosa</i>"
        )
    )
    page = text_of(client.get(path))
    assert "<script>x()</script>" not in page and "<i>Rosa</i>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "I oppose renewing the contract" in page
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_editing_keeps_the_status_or_sends_it_back_to_review(client, db, campaign):
    path = private_path(send_testimony(client, campaign))
    [testimony] = stored_testimonies(db, campaign)
    form = text_of(client.get(path + "/edit"))
    assert "Change your testimony" in form and "This contract makes my neighbors" in form
    assert 'name="email"' not in form
    saved = client.post(path + "/edit", data={**FORM, "body": "Changed while unconfirmed."})
    assert saved.headers["Location"] == path
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.UNCONFIRMED
    assert testimony.body == "Changed while unconfirmed." and testimony.updated_at is not None

    # Approved: editing uncounts it (under its old district and position) and sends it back.
    testimony.status = TestimonyStatus.APPROVED
    testimony.confirmed_at = testimony.created_at
    from campaign.services import tallies

    tallies.testimony_transition(
        db.session, testimony, TestimonyStatus.UNCONFIRMED, TestimonyStatus.APPROVED
    )
    db.session.commit()
    assert campaign_service.counts(db.session, campaign.id).oppose == 1
    client.post(path + "/edit", data={**FORM, "zip": "11111", "position": "support"})
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.PENDING
    assert (testimony.district, testimony.position) == ("1", Position.SUPPORT)
    counts = campaign_service.counts(db.session, campaign.id)
    assert (counts.oppose, counts.support) == (0, 0)

    testimony.status = TestimonyStatus.REJECTED
    testimony.rejection_reason = RejectionReason.PRIVATE_PERSON
    db.session.commit()
    assert "names or describes a private person" in text_of(client.get(path))
    client.post(path + "/edit", data={**FORM, "body": "Without the neighbor's name."})
    db.session.refresh(testimony)
    assert testimony.status == TestimonyStatus.PENDING and testimony.rejection_reason is None
    assert [m["Subject"] for m in outbox()][-1].endswith("was changed")


def test_withdrawing_takes_it_out_of_the_counts(client, db, campaign):
    approved = make_testimony(
        campaign, hearing_id=hearing_of(campaign).id, email="witness@example.org"
    )
    db.session.commit()
    from campaign.services.testimony import private_token

    path = f"/t/{private_token(approved)}"
    assert campaign_service.counts(db.session, campaign.id).oppose == 1
    confirm_page = text_of(client.get(path + "/withdraw"))
    assert "Withdraw my testimony" in confirm_page
    assert approved.status == TestimonyStatus.APPROVED  # a GET changes nothing
    response = client.post(path + "/withdraw")
    assert response.headers["Location"] == path
    db.session.refresh(approved)
    assert approved.status == TestimonyStatus.WITHDRAWN
    assert campaign_service.counts(db.session, campaign.id).oppose == 0
    page = text_of(client.get(path))
    assert "Withdrawn. It will not be used." in page and "Change it" not in page
    assert client.get(path + "/edit").headers["Location"] == path
    assert outbox()[-1]["Subject"].endswith("was withdrawn")


def test_an_unconfirmed_testimony_can_be_withdrawn_too(client, db, campaign):
    path = private_path(send_testimony(client, campaign))
    client.post(path + "/withdraw")
    [testimony] = stored_testimonies(db, campaign)
    assert testimony.status == TestimonyStatus.WITHDRAWN
    assert "This testimony was withdrawn" in text_of(
        client.get(link(outbox()[0], "/testify/confirm/"))
    )


def test_private_links_that_do_not_fit_are_refused(client, db, campaign):
    path = private_path(send_testimony(client, campaign))
    assert client.get(path[:-3] + "abc").status_code == 404
    assert "This link does not work" in text_of(client.get("/t/nonsense"))
    assert client.post("/t/nonsense/withdraw").status_code == 404
    assert client.post("/t/nonsense/edit", data=FORM).status_code == 404


def test_several_testimonies_from_one_address_are_allowed(client, db, campaign):
    private_path(send_testimony(client, campaign))
    private_path(send_testimony(client, campaign, body="A second point."))
    first, second = stored_testimonies(db, campaign)
    assert first.reference != second.reference


def test_honeypot_looks_like_success_and_stores_nothing(client, db, campaign):
    response = send_testimony(client, campaign, website="https://spam.example")
    assert response.status_code == 302 and response.headers["Location"].startswith("/t/")
    assert client.get(response.headers["Location"]).status_code == 404
    assert stored_testimonies(db, campaign) == [] and outbox() == []


# --- Deadlines, in the campaign's zone, on both sides of daylight-saving changes -------------


@pytest.mark.parametrize(
    ("hearing", "deadline_utc", "zone_name"),
    [
        # Spring forward (Sunday, March 8, 2026): the deadline is 3 pm EDT = 19:00 UTC.
        (local(2026, 3, 9, 10), datetime(2026, 3, 8, 19, 0, tzinfo=UTC), "EDT"),
        # Fall back (Sunday, November 1, 2026): 3 pm EST = 20:00 UTC.
        (local(2026, 11, 2, 10), datetime(2026, 11, 1, 20, 0, tzinfo=UTC), "EST"),
    ],
)
def test_testimony_closes_at_the_comment_deadline_across_dst(
    client, db, hearing, deadline_utc, zone_name
):
    with time_machine.travel(deadline_utc - timedelta(days=5), tick=False):
        campaign = campaign_with_hearing(hearing)
        early = private_path(send_testimony(client, campaign))
    with time_machine.travel(deadline_utc - timedelta(minutes=1), tick=False):
        page = text_of(client.get(f"/c/{campaign.slug}/testify"))
        assert "Send my testimony" in page and f"3:00\u202fPM {zone_name}" in page
        assert "in 1 minute" in page
        private_path(send_testimony(client, campaign, body="Just in time."))
        assert (
            client.post(early + "/edit", data={**FORM, "body": "Edited in time."}).status_code
            == 302
        )
    with time_machine.travel(deadline_utc + timedelta(minutes=1), tick=False):
        closed = client.get(f"/c/{campaign.slug}/testify")
        text = text_of(closed)
        assert closed.status_code == 200 and "Written testimony is closed" in text
        assert "Written testimony closed on Sunday" in text and f"3:00\u202fPM {zone_name}" in text
        assert "Sign the petition" in text and "Come to the hearing on Monday" in text
        refused = send_testimony(client, campaign, body="Too late, but keep my words.")
        assert refused.status_code == 409
        assert "Your text was not sent" in text_of(refused)
        assert "Too late, but keep my words." in text_of(refused)
        edit = client.post(early + "/edit", data={**FORM, "body": "Too late to edit."})
        assert edit.status_code == 409 and "can no longer be changed" in text_of(edit)
        assert client.post(early + "/withdraw").status_code == 409
        assert "can no longer be changed or withdrawn online" in text_of(client.get(early))
    bodies = [t.body for t in stored_testimonies(db, campaign)]
    assert bodies == ["Edited in time.", "Just in time."]
    assert all(t.status != TestimonyStatus.WITHDRAWN for t in stored_testimonies(db, campaign))


def test_sign_up_to_speak_closes_before_written_testimony(client, db):
    now = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)  # 1 pm in New York
    with time_machine.travel(now, tick=False):
        # Hearing tomorrow 10 am; speakers until noon today, written testimony until 3 pm today.
        campaign = campaign_with_hearing(
            local(2026, 6, 2, 10), speaker_rule="days_before_at:1:12:00"
        )
        page = text_of(client.get(f"/c/{campaign.slug}/testify"))
        assert "Sign-up to speak at the hearing closed on" in page
        assert 'name="speak"' not in page and 'name="phone"' not in page
        private_path(send_testimony(client, campaign, speak="phone", phone="555-201-3344"))
    [testimony] = stored_testimonies(db, campaign)
    assert testimony.wants_to_speak is False and testimony.phone is None


def test_without_a_hearing_testimony_is_not_open(client, db):
    campaign = make_campaign()
    hearing = hearing_of(campaign)
    hearing.at = datetime.now(UTC) - timedelta(days=3)
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}/testify"))
    assert "Written testimony is closed" in page
    db.session.delete(hearing)
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}/testify"))
    assert "No hearing is scheduled yet" in page
    assert send_testimony(client, campaign).status_code == 409


def test_the_next_open_hearing_takes_the_testimony(client, db):
    from campaign.models import Deadline, DeadlineKind

    now = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)  # 5 pm: tomorrow's hearing closed at 3 pm
    with time_machine.travel(now, tick=False):
        campaign = campaign_with_hearing(local(2026, 6, 2, 10))
        later = Deadline(
            kind=DeadlineKind.HEARING, title="Second hearing", at=local(2026, 6, 16, 10)
        )
        campaign.deadlines.append(later)
        db.session.commit()
        private_path(send_testimony(client, campaign))
    assert stored_testimonies(db, campaign)[0].hearing_id == later.id


def test_closed_campaign_takes_no_testimony(client, db, campaign):
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}/testify"))
    assert "This campaign is closed, so it no longer takes testimony." in page
    assert send_testimony(client, campaign).status_code == 409


def test_visibility_choices_are_stored(client, db, campaign):
    for visibility in Visibility:
        private_path(send_testimony(client, campaign, visibility=visibility.value))
    assert [t.visibility for t in stored_testimonies(db, campaign)] == list(Visibility)
