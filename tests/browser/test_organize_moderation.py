"""Moderation in a real browser: approve, reject with a reason, redact; on a phone too."""

from __future__ import annotations

from campaign.models import Testimony, TestimonyStatus
from tests.factories import make_campaign, make_staff, make_testimony


def log_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", user.email + " password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/organize/")


def test_moderating_the_queue(page, live_server, db, artifacts):
    campaign = make_campaign()
    organizer = make_staff(campaign, "organizer")
    first = make_testimony(
        campaign,
        status=TestimonyStatus.PENDING,
        name="Ana Waiting",
        body="Please vote no. My neighbor Rosa Quintero was detained.",
    )
    second = make_testimony(
        campaign, status=TestimonyStatus.PENDING, name="Troll Person", body="Something abusive."
    )
    db.session.commit()
    log_in(page, live_server, organizer)
    page.goto(f"{live_server}/organize/c/{campaign.slug}/moderation")
    assert page.locator(".testimony-card").count() == 2
    page.screenshot(path=str(artifacts / "organize-moderation.png"), full_page=True)

    # Reject the second with a reason chosen from the list.
    # Nothing is preselected: "Reject…" opens the form, and the browser will not send it
    # without a reason.
    card = page.locator(f"#t{second.id}")
    card.locator("summary", has_text="Reject").click()
    assert card.locator("select[name=reason]").input_value() == ""
    card.locator("button", has_text="Reject this testimony").click()
    assert page.locator(".testimony-card").count() == 2  # still here: no reason chosen
    card.locator("select[name=reason]").select_option("abusive")
    card.locator("textarea[name=resident_note]").fill("Please keep to the contract.")
    card.locator("button", has_text="Reject this testimony").click()
    page.wait_for_load_state()
    assert "Rejected testimony" in page.locator(".flashes").inner_text()
    assert page.locator(".testimony-card").count() == 1
    # A minute to undo it, offered on the queue.
    assert "Troll Person" in page.locator(".undo-box").inner_text()
    page.locator(f"#t{first.id} summary", has_text="Reject").click()
    page.screenshot(path=str(artifacts / "organize-moderation-undo.png"), full_page=True)

    # Redact the first from its page, then approve it.
    page.locator(f"#t{first.id} a", has_text="Redact").click()
    page.wait_for_load_state()
    page.fill("#text", "Please vote no. My neighbor [removed] was detained.")
    page.click("text=Save the redaction")
    page.wait_for_load_state()
    assert "Original (team only)" in page.content()
    page.locator(".moderation-actions button", has_text="Approve").first.click()
    page.wait_for_load_state()
    assert "Approved testimony" in page.locator(".flashes").inner_text()

    page.goto(f"{live_server}/organize/c/{campaign.slug}/moderation")
    assert "The queue is empty" in page.content()
    db.session.expire_all()
    assert db.session.get(Testimony, first.id).status == TestimonyStatus.APPROVED
    assert db.session.get(Testimony, first.id).redacted_body.endswith("[removed] was detained.")
    assert db.session.get(Testimony, second.id).rejection_reason.value == "abusive"
    # The public page shows the redacted text only.
    page.goto(f"{live_server}/c/{campaign.slug}")
    assert "Rosa Quintero" not in page.content()


def test_moderation_fits_a_phone_and_works_by_keyboard(page, live_server, db, artifacts):
    campaign = make_campaign()
    organizer = make_staff(campaign, "organizer")
    make_testimony(
        campaign, status=TestimonyStatus.PENDING, name="Ana Waiting", body="A long testimony. " * 40
    )
    db.session.commit()
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, live_server, organizer)
    page.goto(f"{live_server}/organize/c/{campaign.slug}/moderation")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "organize-moderation-phone.png"), full_page=True)
    approve = page.locator(".testimony-card button", has_text="Approve")
    approve.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Approved testimony" in page.locator(".flashes").inner_text()
