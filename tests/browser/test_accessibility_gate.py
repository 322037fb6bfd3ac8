"""The accessibility gate: every page, public and staff, in English and Spanish, signed out
and signed in, fits a 360 px phone and a 1280 px screen, and axe-core finds no WCAG 2.1 A or
AA violation on it (colour contrast included, measured on the colours as drawn)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.demo.riverton import CLOSED_SLUG, LEAD_EMAIL, OPEN_SLUG
from campaign.models import Campaign, Deadline, DecisionMaker, Testimony
from tests.browser.accessibility import axe_source, axe_violations, overflow, widest_elements

WIDTHS = (360, 1280)


def staff_pages(db) -> list[str]:
    """Every staff page a campaign lead of the demo can open (GET)."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == OPEN_SLUG))
    testimony = db.session.scalar(
        sa.select(Testimony).where(Testimony.campaign_id == campaign.id).limit(1)
    )
    deadline = db.session.scalar(
        sa.select(Deadline).where(Deadline.campaign_id == campaign.id).limit(1)
    )
    maker = db.session.scalar(
        sa.select(DecisionMaker).where(DecisionMaker.campaign_id == campaign.id).limit(1)
    )
    c = f"/organize/c/{OPEN_SLUG}"
    return [
        "/organize/",
        "/organize/deadlines",
        "/organize/calendar",
        "/account/password",
        f"/organize/deadlines/{OPEN_SLUG}/hold",
        f"{c}/",
        f"{c}/moderation",
        f"{c}/testimony/{testimony.id}",
        f"{c}/speakers",
        f"{c}/speakers/print",
        f"{c}/paper",
        f"{c}/packets",
        f"{c}/coalition",
        f"{c}/exports",
        f"{c}/signals",
        f"{c}/audit",
        f"{c}/settings",
        f"{c}/decision",
        f"{c}/dates",
        f"{c}/dates/{deadline.id}",
        f"{c}/decision-makers",
        f"{c}/decision-makers/{maker.id}",
        f"{c}/districts",
        f"{c}/team",
        f"/organize/c/{CLOSED_SLUG}/",
    ]


PUBLIC_PAGES = [
    "/",
    f"/c/{OPEN_SLUG}",
    f"/c/{OPEN_SLUG}/sign",
    f"/c/{OPEN_SLUG}/testify",
    f"/c/{OPEN_SLUG}/join",
    f"/c/{OPEN_SLUG}/sign/resend",
    f"/c/{OPEN_SLUG}/testify/resend",
    f"/c/{CLOSED_SLUG}",
    f"/c/{CLOSED_SLUG}/sign",
    "/accessibility",
    "/login",
    "/reset",
    "/no-such-page",
    # Links that no longer work, as a resident or a newcomer meets them.
    f"/c/{OPEN_SLUG}/confirm/not-a-token",
    f"/c/{OPEN_SLUG}/testify/confirm/not-a-token",
    "/t/not-a-token",
    "/reset/not-a-token",
    "/invite/not-a-token",
]


def log_in_as_lead(page, live_server, demo) -> None:
    password = dict(demo.logins)[LEAD_EMAIL]
    page.goto(f"{live_server}/login")
    page.fill("#email", LEAD_EMAIL)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/organize/")


def check_pages(page, live_server, paths, language) -> list[str]:
    """Every path at both widths: what is too wide and what axe finds, as readable lines."""
    source = axe_source()
    problems = []
    page.goto(f"{live_server}/?lang={language}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(f"{live_server}{path}")
            assert page.locator("html").get_attribute("lang") == language, path
            extra = overflow(page)
            if extra:
                problems.append(f"{path} @{width}: {extra} px too wide {widest_elements(page)}")
            problems += [f"{path} @{width}: {line}" for line in axe_violations(page, source)]
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_staff_page_fits_and_passes_axe(page, live_server, db, demo, language):
    paths = staff_pages(db)
    log_in_as_lead(page, live_server, demo)
    problems = check_pages(page, live_server, paths, language)
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_fits_and_passes_axe(page, live_server, demo, language, signed_in):
    if signed_in:
        log_in_as_lead(page, live_server, demo)
    problems = check_pages(page, live_server, PUBLIC_PAGES, language)
    assert problems == [], "\n".join(problems)


def test_axe_finds_a_planted_violation(page, live_server, demo):
    """The gate can fail: an image without alternative text and grey-on-white text."""
    page.goto(f"{live_server}/accessibility")
    page.evaluate(
        """() => {
          const p = document.createElement('p');
          p.textContent = 'Faint words';
          p.style.color = '#bbbbbb';
          document.querySelector('main').append(p, document.createElement('img'));
        }"""
    )
    found = " ".join(axe_violations(page, axe_source()))
    assert "color-contrast" in found
    assert "image-alt" in found


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_residents_pages_after_each_step_pass_axe(page, live_server, demo, app, language):
    """The pages a resident meets after a form: check your email, confirm, thanks, the private
    testimony page, and a form sent back with errors."""
    from tests.browser.test_residents import follow, mails

    source = axe_source()
    problems = []

    def check(step):
        problems.extend(f"{step}: {line}" for line in axe_violations(page, source))
        if overflow(page):
            problems.append(f"{step}: too wide {widest_elements(page)}")

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server}/c/{OPEN_SLUG}/sign?lang={language}")
    page.click("main button[type=submit]")
    page.locator("#error-summary").wait_for()
    check("sign with errors")
    page.fill("#name", "Ana Axe")
    page.fill("#email", "ana.axe@example.org")
    page.fill("#zip", "40104")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    check("sign sent")
    page.goto(follow(live_server, mails(app)[-1], "/confirm/"))
    check("confirm signature")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    check("signature confirmed")

    page.goto(f"{live_server}/c/{OPEN_SLUG}/testify")
    page.fill("#name", "Ana Axe")
    page.fill("#email", "ana.axe@example.org")
    page.fill("#zip", "40104")
    page.check("input[name=position][value=oppose]")
    page.fill("#body", "Testimony for the accessibility check.")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    check("private testimony page")
    page.goto(follow(live_server, mails(app)[-1], "/testify/confirm/"))
    check("confirm testimony")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    check("testimony confirmed")
    assert problems == [], "\n".join(problems)
