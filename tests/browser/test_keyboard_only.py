"""Keyboard only: a resident signs and testifies, a moderator approves the testimony, and the
lead reorders the speakers and calls the next one, with Tab, arrows, typing, Space and Enter.
Every control reached shows where the focus is."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.demo.riverton import LEAD_EMAIL, OPEN_SLUG
from campaign.models import Signature, Testimony, TestimonyStatus
from tests.browser.test_residents import follow, mails

NAME = "Teclado Persona"


def tab_to(page, predicate: str, limit: int = 150) -> None:
    """Press Tab until the focused element satisfies `predicate` (JavaScript about `el`);
    fail if it is never reached or its focus is not visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            f"() => {{ const el = document.activeElement; return !!el && ({predicate}); }}"
        )
        if found:
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"
            )
            assert outline, f"focus is not visible on {predicate}"
            return
    raise AssertionError(f"Tab never reached {predicate}")


def type_into(page, element_id: str, text: str) -> None:
    tab_to(page, f"el.id === {element_id!r}")
    page.keyboard.type(text)


def choose_radio(page, name: str, value: str) -> None:
    """Tab into a radio group, then arrow through it until `value` is chosen."""
    tab_to(page, f"el.type === 'radio' && el.name === {name!r}")
    for _ in range(10):
        if page.evaluate("document.activeElement.value") == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no {value} in {name}")


def press_button(page, predicate: str) -> None:
    tab_to(page, predicate)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sign_testify_moderate_and_reorder_speakers_by_keyboard(page, live_server, demo, app, db):
    # Sign, and confirm from the mail.
    page.goto(f"{live_server}/c/{OPEN_SLUG}/sign")
    type_into(page, "name", NAME)
    type_into(page, "email", "teclado@example.org")
    type_into(page, "zip", "40104")
    choose_radio(page, "visibility", "counted")
    press_button(page, "el.type === 'submit' && el.closest('main')")
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(follow(live_server, mails(app)[-1], "/confirm/"))
    press_button(page, "el.type === 'submit' && el.closest('main')")
    page.get_by_role("heading", name="Thank you! Your signature is counted.").wait_for()

    # Testify, asking to speak in person, and confirm from the mail.
    page.goto(f"{live_server}/c/{OPEN_SLUG}/testify")
    type_into(page, "name", NAME)
    type_into(page, "email", "teclado@example.org")
    type_into(page, "zip", "40104")
    choose_radio(page, "position", "oppose")
    type_into(page, "body", "I write this with a keyboard only. Please vote no.")
    choose_radio(page, "speak", "in_person")
    choose_radio(page, "visibility", "public")
    press_button(page, "el.type === 'submit' && el.closest('main')")
    page.locator(".reference strong").wait_for()
    page.goto(follow(live_server, mails(app)[-1], "/testify/confirm/"))
    press_button(page, "el.type === 'submit' && el.closest('main')")
    page.get_by_role("heading", name="Thank you! Your testimony is confirmed.").wait_for()
    testimony = db.session.scalar(
        sa.select(Testimony).where(Testimony.reference == page_reference(page))
    )
    assert testimony is not None and testimony.status == TestimonyStatus.PENDING

    # The lead logs in and approves it from the queue.
    page.goto(f"{live_server}/login")
    type_into(page, "email", LEAD_EMAIL)
    type_into(page, "password", dict(demo.logins)[LEAD_EMAIL])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/moderation")
    press_button(
        page,
        f"el.tagName === 'BUTTON' && !!el.closest('#t{testimony.id}') "
        "&& el.textContent.trim() === 'Approve'",
    )
    assert "Approved testimony" in page.locator(".flashes").inner_text()

    # Speakers: move the new speaker up one place, then call the first speaker.
    page.goto(f"{live_server}/organize/c/{OPEN_SLUG}/speakers")
    names = page.locator(".speaker-name").all_inner_texts()
    place = next(i for i, n in enumerate(names) if NAME in n)
    assert place > 0
    press_button(
        page, f"el.classList.contains('move-up') && !!el.closest('#speaker-{testimony.id}')"
    )
    names = page.locator(".speaker-name").all_inner_texts()
    assert NAME in names[place - 1]
    press_button(page, "el.classList.contains('call-next')")
    assert "Now speaking:" in page.locator(".speaker-summary").inner_text()

    db.session.expire_all()
    assert db.session.get(Testimony, testimony.id).status == TestimonyStatus.APPROVED
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Signature).where(Signature.zip == "40104")
    )


def page_reference(page) -> str:
    return page.locator(".reference strong").inner_text()
