"""The lead's deadline page and the private calendar link in a real browser, on a phone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from campaign.models import DeadlineKind, Membership, Role, TestimonyStatus
from campaign.services import deadlines as ds
from tests.factories import make_campaign, make_staff, make_testimony


def _lead_with_two_campaigns(db):
    now = datetime.now(UTC)
    # Noon in New York the day after tomorrow: always "in 2 days", always within 72 hours.
    new_york = ZoneInfo("America/New_York")
    day = now.astimezone(new_york).date() + timedelta(days=2)
    first = make_campaign(
        slug="first-fight",
        title="Stop the arrest-data contract",
        hearing_at=datetime.combine(day, time(12), tzinfo=new_york),
    )
    second = make_campaign(
        slug="second-fight",
        title="End detainer holds",
        time_zone="America/Los_Angeles",
        hearing_at=now + timedelta(days=6),
    )
    lead = make_staff(first, "lead", email="lead@browser.example")
    db.session.add(Membership(user_id=lead.id, campaign_id=second.id, role=Role.LEAD))
    hearing = second.deadlines[0]
    ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "hours_before:124",
    )
    for _ in range(4):
        make_testimony(second, hearing_id=hearing.id, status=TestimonyStatus.PENDING)
    db.session.commit()
    return lead


def _log_in(tab, base_url, lead):
    tab.goto(f"{base_url}/login?next=/organize/deadlines")
    tab.fill("#email", lead.email)
    tab.fill("#password", lead.email + " password")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{base_url}/organize/deadlines")


def test_the_lead_sees_the_week_on_a_phone(page, live_server, db, artifacts):
    lead = _lead_with_two_campaigns(db)
    page.set_viewport_size({"width": 360, "height": 780})
    _log_in(page, live_server, lead)
    text = page.locator("main").inner_text()
    assert "Hearing in 2 days and no packet built" in text
    assert "4 testimonies wait for moderation and the comment deadline is in" in text
    assert "America/Los_Angeles" in text and "America/New_York" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "schedule-agenda-phone.png"), full_page=True)


def test_the_private_calendar_link_is_made_once_and_works(page, live_server, db, artifacts):
    lead = _lead_with_two_campaigns(db)
    _log_in(page, live_server, lead)
    page.click("text=Show these dates in your phone's calendar")
    page.click("input[name=create], button[name=create]")
    url = page.input_value("#feed-url")
    assert url.startswith(f"{live_server}/calendar/") and url.endswith(".ics")
    # The deferred script shows the copy button (without JavaScript it stays hidden).
    page.wait_for_selector("[data-copy]", state="visible", timeout=5000)
    page.screenshot(path=str(artifacts / "schedule-calendar-link.png"), full_page=True)
    feed = page.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(feed.body())
    assert {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")} == {
        "America/New_York",
        "America/Los_Angeles",
    }
    # A form post without its CSRF token is refused and changes nothing.
    forged = page.request.post(f"{live_server}/organize/calendar", form={"revoke": "1"})
    assert forged.status == 400
    assert page.request.get(url).status == 200
    # Reloading the page never shows the link again.
    page.goto(f"{live_server}/organize/calendar")
    assert page.locator("#feed-url").count() == 0
    assert "A private link is active." in page.locator("main").inner_text()
