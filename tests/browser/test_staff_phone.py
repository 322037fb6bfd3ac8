"""Staff pages on a 390 px phone: the menu is one line until opened, the page's own content is
in the first screen, hearing day runs from the speakers page; screenshots for the docs."""

from __future__ import annotations

from playwright.sync_api import expect

from campaign.demo.riverton import OPEN_SLUG
from tests.browser.conftest import publish_screenshots
from tests.browser.test_accessibility_gate import log_in_as_lead


def test_the_menu_leaves_the_page_in_the_first_screen_on_a_phone(page, live_server, demo):
    page.set_viewport_size({"width": 360, "height": 640})
    log_in_as_lead(page, live_server, demo)
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/moderation")
    menu = page.locator("#staff-menu")
    assert menu.get_attribute("open") is None
    assert page.locator(".staff-page h1").bounding_box()["y"] < 200
    # Opened and closed from the keyboard; its links are then reachable.
    page.locator("#staff-menu summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Speakers")).to_be_visible()
    assert page.get_by_role("link", name="Moderation").get_attribute("aria-current") == "page"
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Speakers")).to_be_hidden()
    # On a wide screen the menu starts open.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/organize/deadlines")
    expect(page.get_by_role("link", name="My campaigns")).to_be_visible()
    assert page.get_by_role("link", name="All deadlines").get_attribute("aria-current") == "page"
    # The deadline agenda, the private calendar and the purge hold carry the same menu.
    for path in ("/organize/calendar", f"/organize/deadlines/{OPEN_SLUG}/hold"):
        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
        expect(page.get_by_role("link", name="My campaigns")).to_be_visible()


def test_the_first_heading_keeps_its_distance_from_the_header(page, live_server, demo):
    page.set_viewport_size({"width": 360, "height": 780})
    for path in ("/", f"/c/{OPEN_SLUG}", f"/c/{OPEN_SLUG}/sign", "/accessibility", "/login"):
        page.goto(f"{live_server}{path}")
        header = page.locator(".site-header").bounding_box()
        first = page.locator("main > *:visible").first.bounding_box()
        assert first["y"] - (header["y"] + header["height"]) >= 16, path


def test_hearing_day_on_a_phone(page, live_server, demo, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_as_lead(page, live_server, demo)
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/speakers")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    call = page.locator(".call-next")
    # The next call sits at the bottom of the screen, in reach of a thumb, and is large.
    box = call.bounding_box()
    assert box["height"] >= 48 and box["y"] + box["height"] <= 844
    for button in page.locator(".speaker-actions button").all():
        size = button.bounding_box()
        assert size["height"] >= 44 and size["width"] >= 44
    first = page.locator(".speaker-name").first.inner_text()
    with page.expect_navigation():
        call.click()
    assert first.splitlines()[-1] in page.locator(".speaker-summary").inner_text()
    second_card = page.locator(".speaker-card").nth(1)
    with page.expect_navigation():
        second_card.locator(".mark-absent").click()
    assert "Absent" in page.locator(".speaker-card").nth(1).inner_text()
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/speakers")
    page.screenshot(path=str(artifacts / "speakers-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/")
    page.screenshot(path=str(artifacts / "staff-dashboard.png"), full_page=False)
    publish_screenshots(artifacts, "speakers-phone.png", "staff-dashboard.png")


def test_the_email_domain_table_fits_a_desktop(page, live_server, demo):
    """Fourteen days of email domains, the default window, need no scrolling at 1280 px."""
    log_in_as_lead(page, live_server, demo)
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/signals")
    region = page.locator(".table-scroll", has=page.locator("th", has_text="Per day"))
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth")
    assert page.locator(".scroll-hint").count() == 0
