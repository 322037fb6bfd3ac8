"""The Riverton campaign page in Spanish in a real browser: every campaign text in Spanish, on
a phone and on a desktop (the screenshots docs/residents.md shows)."""

from __future__ import annotations

from tests.browser.conftest import publish_screenshots

ENGLISH_TEXTS = (
    "Stop sharing Riverton arrest data",
    "Riverton City Council",
    "File No. 2026-0412",
    "Council Chambers",
    "Council Member",
    "Doors open at 9:30",
    "Signed the coalition's letter.",
    "Free immigration legal help",
)


def test_the_spanish_campaign_page_on_phone_and_desktop(page, live_server, demo, artifacts):
    page.goto(f"{live_server}/c/riverton-arrest-data?lang=es")
    assert page.locator("h1").first.inner_text().startswith("Que Riverton deje de compartir")
    text = page.locator("main").inner_text()
    for english in ENGLISH_TEXTS:
        assert english not in text, english
    for spanish in ("Concejo Municipal de Riverton", "Expediente n.º 2026-0412", "Concejala"):
        assert spanish in text, spanish
    page.screenshot(path=str(artifacts / "campaign-es-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "campaign-es-phone.png"), full_page=True)
    publish_screenshots(artifacts, "campaign-es-desktop.png", "campaign-es-phone.png")
