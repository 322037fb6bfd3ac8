"""Residents in a real browser: sign and confirm from the emailed link, testify in Spanish on a
phone, errors that take the focus, and forms that work without JavaScript."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import publish_screenshots

SLUG = "riverton-arrest-data"


def mails(app) -> list:
    folder = Path(app.config["OUTBOX_PATH"])  # the live server shares the instance folder
    return (
        [
            BytesParser(policy=policy.default).parsebytes(p.read_bytes())
            for p in sorted(folder.glob("*.eml"))
        ]
        if folder.exists()
        else []
    )


def follow(live_server: str, message, part: str) -> str:
    """The link in a mail, on the live server. Mail links are built from SERVER_BASE_URL (never
    from the request's Host header), which in tests is not the live server's port."""
    [url] = [u for u in re.findall(r"https?://\S+", message.get_content()) if part in u]
    return live_server + urlsplit(url).path


def verified_count(page) -> int:
    return int(page.locator(".big-number strong").first.inner_text().replace(",", ""))


def test_sign_confirm_from_the_email_and_see_the_count_change(page, live_server, demo, app):
    page.goto(f"{live_server}/c/{SLUG}")
    before = verified_count(page)
    page.get_by_role("link", name="Sign the petition").first.click()
    page.get_by_label("Your name", exact=True).fill("Lucía Ramírez")
    page.get_by_label("Email", exact=True).fill("lucia.ramirez@example.org")
    page.get_by_label("ZIP code", exact=True).fill("40104")
    page.get_by_label("Counted only", exact=True).check()
    page.get_by_role("button", name="Sign").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    [message] = mails(app)
    assert message["To"] == "lucia.ramirez@example.org"
    page.goto(follow(live_server, message, "/confirm/"))
    page.get_by_role("button", name="Confirm my signature").click()
    page.get_by_role("heading", name="Thank you! Your signature is counted.").wait_for()
    assert verified_count(page) == before + 1
    page.goto(f"{live_server}/c/{SLUG}")
    assert verified_count(page) == before + 1


def test_testimony_in_spanish_on_a_phone(page, live_server, demo, app, artifacts):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server}/c/{SLUG}")
    page.get_by_role("link", name="Español").click()
    page.get_by_role("link", name="Envíe testimonio escrito").first.click()
    page.get_by_role("heading", name="Envíe testimonio escrito").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "testimony-form-phone.png"), full_page=True)

    page.get_by_label("Su nombre", exact=True).fill("Rosa Díaz")
    page.get_by_label("Correo electrónico", exact=True).fill("rosa.diaz@example.org")
    page.get_by_label("Código postal (ZIP)", exact=True).fill("40107")
    oppose = "Me opongo a renovar el contrato para compartir datos de arrestos"
    page.get_by_label(oppose, exact=True).check()
    counter = page.locator("#body-counter")
    assert counter.is_visible()
    page.get_by_label("Su testimonio", exact=True).fill(
        "Vivo en el Distrito 2 desde hace doce años.\n\n"
        "Este contrato hace que mis vecinos tengan miedo de llamar a la policía."
    )
    expect(counter).to_contain_text("22 de 5,000 palabras")
    phone = page.get_by_label("Número de teléfono para llamarle durante la audiencia", exact=True)
    assert not phone.is_visible()
    page.get_by_label("Sí, por teléfono", exact=True).check()
    assert phone.is_visible()
    phone.fill("555-201-3344")
    interpreter = "Idioma del intérprete, si lo necesita para hablar (opcional)"
    page.get_by_label(interpreter, exact=True).fill("Español")
    assert page.get_by_text("Su testimonio será registro público").is_visible()
    page.get_by_role("button", name="Enviar mi testimonio").click()

    page.get_by_role("heading", name="Su testimonio").wait_for()
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert "Le enviamos un correo" in page.locator(".flashes").inner_text()
    [message] = mails(app)
    assert message["Subject"] == f"Confirme su testimonio {reference}"
    page.goto(follow(live_server, message, "/testify/confirm/"))
    page.get_by_role("button", name="Confirmar mi testimonio").click()
    page.get_by_role("heading", name="¡Gracias! Su testimonio está confirmado.").wait_for()
    assert reference in page.content()


def test_errors_are_summarised_and_focus_goes_to_the_first(page, live_server, demo):
    page.goto(f"{live_server}/c/{SLUG}/sign")
    page.get_by_label("Email", exact=True).fill("not an email")
    page.get_by_role("button", name="Sign").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    # The script moves the focus once the page has loaded: wait for it, not for the summary.
    expect(page.locator("#name")).to_be_focused()
    assert summary.get_by_role("link").count() == 3
    summary.get_by_role("link", name="Enter an email address like name@example.com.").click()
    expect(page.locator("#email")).to_be_focused()
    assert page.get_by_label("Email", exact=True).input_value() == "not an email"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible


def test_forms_work_without_javascript(browser, live_server, demo, app):
    context = browser.new_context(
        java_script_enabled=False, ignore_https_errors=True, viewport={"width": 360, "height": 780}
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server) else route.abort()
        ),
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/c/{SLUG}/testify")
        # Without JavaScript every question shows, with a hint saying when it applies.
        assert page.get_by_label("Phone number to call you at the hearing", exact=True).is_visible()
        assert not page.locator("#body-counter").is_visible()
        page.goto(f"{live_server}/c/{SLUG}/sign")
        page.get_by_label("Your name", exact=True).fill("Sin Javascript")
        page.get_by_label("Email", exact=True).fill("nojs@example.org")
        page.get_by_label("ZIP code", exact=True).fill("40104")
        page.get_by_role("button", name="Sign").click()
        page.get_by_role("heading", name="Check your email").wait_for()
    finally:
        context.close()
    assert len(mails(app)) == 1


def test_testimony_form_screenshot_for_the_readme(page, live_server, demo, artifacts):
    page.goto(f"{live_server}/c/{SLUG}/testify")
    page.get_by_label("Your name", exact=True).fill("Rosa Díaz")
    page.get_by_label("I oppose renewing the arrest-data sharing contract", exact=True).check()
    page.get_by_label("Your testimony", exact=True).fill(
        "I have lived in District 2 for twelve years.\n\n"
        "This contract makes my neighbors afraid to call for help."
    )
    expect(page.locator("#body-counter")).to_have_text("19 of 5,000 words")
    page.screenshot(path=str(artifacts / "testimony-form.png"), full_page=True)
    publish_screenshots(artifacts, "testimony-form.png", "testimony-form-phone.png")
