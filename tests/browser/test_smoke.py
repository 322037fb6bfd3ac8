"""The campaign page in a real browser, at phone and desktop widths."""

from __future__ import annotations

from tests.browser.conftest import publish_screenshots


def test_campaign_page_on_phone_and_desktop(page, live_server, demo, artifacts):
    page.goto(f"{live_server}/c/riverton-arrest-data")
    assert page.locator("h1").first.inner_text().startswith("Stop sharing Riverton")
    page.screenshot(path=str(artifacts / "campaign-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no horizontal scrolling on a 360 px phone"
    page.screenshot(path=str(artifacts / "campaign-phone.png"), full_page=True)
    publish_screenshots(artifacts, "campaign-desktop.png", "campaign-phone.png")


def test_keyboard_reaches_the_language_switch(page, live_server, demo):
    page.goto(f"{live_server}/c/riverton-arrest-data")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('hreflang')") == "es"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
