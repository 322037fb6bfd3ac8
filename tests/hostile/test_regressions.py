"""Bugs the hostile-input tests found, each pinned by the smallest test that shows it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from campaign.extensions import db
from campaign.models import OutgoingMail, Signature, Testimony
from tests.factories import make_campaign, make_staff
from tests.hostile.support import SIGN, TESTIFY, open_campaign
from tests.residents.support import other_app, outbox, text_of


@pytest.mark.parametrize("typed", ["٢٢٢٢٢", "۲۲۲۲۲", "２２２２２", "२२२२२-१२३४"])
def test_a_zip_typed_with_another_keyboards_digits_finds_its_district(client, typed):
    # The form accepts any decimal digits; they used to be stored as typed, so the ZIP never
    # matched the district table and the signature counted as "unassigned".
    campaign = open_campaign()
    assert client.post(f"/c/{campaign.slug}/sign", data={**SIGN, "zip": typed}).status_code == 200
    response = client.post(f"/c/{campaign.slug}/testify", data={**TESTIFY, "zip": typed})
    assert response.status_code == 302
    signature = db.session.scalar(sa.select(Signature))
    testimony = db.session.scalar(sa.select(Testimony))
    assert (signature.zip, signature.district) == ("22222", "2")
    assert (testimony.zip, testimony.district) == ("22222", "2")


def test_a_line_break_in_a_campaign_title_does_not_break_its_calendar(client):
    # The icalendar package refuses a line break in the calendar's name: this was a 500.
    campaign = make_campaign(
        title="Stop the\r\ncontract",
        ask="Vote NO\non the renewal.",
        hearing_at=datetime.now(UTC) + timedelta(days=5),
    )
    campaign.deadlines[0].location = "City Hall\x07\x1b Room 3"
    db.session.commit()
    response = client.get(f"/c/{campaign.slug}/calendar.ics")
    assert response.status_code == 200
    assert b"\x07" not in response.data and b"\x1b" not in response.data
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Stop the contract"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Hearing (Stop the\ncontract)"
    assert str(event["LOCATION"]) == "City Hall Room 3"


def test_a_control_character_in_a_campaign_title_stays_out_of_mail_headers(client):
    # Staff forms keep control characters (the request only takes NUL out of form values).
    campaign = make_campaign(title="Stop\x07 the\x1b contract\x85")
    db.session.commit()
    client.post(f"/c/{campaign.slug}/sign", data=SIGN)
    [message] = outbox()
    assert message["Subject"] == "Please confirm your signature: Stop the contract"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200d\ufeff\u2060", "\u0301\u0301"])
def test_a_name_or_testimony_of_invisible_characters_is_refused(client, invisible):
    # Zero-width, format and lone combining characters are kept inside text (Persian needs
    # U+200C, emoji U+200D), but alone they made a blank name in the roster and the packet.
    campaign = open_campaign()
    signed = client.post(f"/c/{campaign.slug}/sign", data={**SIGN, "name": invisible})
    assert signed.status_code == 200 and "Enter your name." in signed.get_data(as_text=True)
    for field, message in (("name", "Enter your name."), ("body", "Write your testimony.")):
        given = client.post(f"/c/{campaign.slug}/testify", data={**TESTIFY, field: invisible})
        assert given.status_code == 200 and message in given.get_data(as_text=True)
    assert db.session.scalar(sa.select(Signature.id)) is None
    assert db.session.scalar(sa.select(Testimony.id)) is None
    # Inside a name they stay: "Mehr\u200cdad" and an emoji family are names.
    for n, name in enumerate(("Mehr\u200cdad", "\U0001f468\u200d\U0001f469\u200d\U0001f467")):
        client.post(
            f"/c/{campaign.slug}/sign",
            data={**SIGN, "name": name, "email": f"visible{n}@example.org"},
        )
    assert sorted(db.session.scalars(sa.select(Signature.name))) == sorted(
        ["Mehr\u200cdad", "\U0001f468\u200d\U0001f469\u200d\U0001f467"]
    )


def test_a_control_character_in_a_campaign_title_stays_out_of_staff_reminder_subjects(runner):
    # The subject is cleaned where every mail is queued, so reminders (whose subjects carry
    # the campaign title too) are as safe as the sign flow's mail.
    hearing_at = datetime.now(UTC) + timedelta(hours=20)
    campaign = make_campaign(title="Stop\x07 the\x1b contract\x85", hearing_at=hearing_at)
    make_staff(campaign, "lead", email="lead@staff.example")
    db.session.commit()
    assert runner.invoke(args=["remind"]).exit_code == 0
    subjects = [
        m.subject
        for m in db.session.scalars(sa.select(OutgoingMail))
        if m.to == "lead@staff.example"
    ]  # addresses are encrypted: compare here
    assert subjects
    for subject in subjects:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", subject), subject
        assert "Stop the contract" in subject


def test_a_json_body_or_a_file_for_a_text_field_is_refused_when_the_csrf_check_fails_first(app):
    # In production the CSRF check runs first; its error page re-runs the residents' views to
    # give back what was typed, and their forms took {"name": 1} or a file as the name: a 500.
    campaign = open_campaign()
    _csrf_app, client = other_app(app, WTF_CSRF_ENABLED=True)
    for path in (f"/c/{campaign.slug}/sign", f"/c/{campaign.slug}/testify"):
        for body in (
            {"data": '{"name": 1}', "content_type": "application/json"},
            {
                "data": {"name": (io.BytesIO(b"Ana"), "name.txt")},
                "content_type": "multipart/form-data",
            },
        ):
            response = client.post(path, headers={"Accept-Language": "es"}, **body)
            assert response.status_code == 415, path
            assert "Algo salió mal con esa solicitud" in text_of(response)
