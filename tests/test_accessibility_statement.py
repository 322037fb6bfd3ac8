"""The accessibility statement, and the footer that leads to it and to the staff log-in."""

from __future__ import annotations

from tests.factories import make_campaign, make_staff


def test_every_page_footer_links_the_statement_and_the_staff_log_in(client, db, login):
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    db.session.commit()
    for path in ("/", f"/c/{campaign.slug}", "/accessibility", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/accessibility"' in page, path
        assert 'href="/login">Staff log-in</a>' in page, path
    login(lead)
    page = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    assert 'href="/organize/">Staff pages</a>' in page and "Staff log-in" not in page


def test_the_statement_says_what_is_tested_how_and_whom_to_write_to(client, app):
    page = client.get("/accessibility").get_data(as_text=True)
    for words in ("WCAG", "axe-core", "360", "keyboard", "write to the organizers"):
        assert words in page
    app.config["ACCESSIBILITY_CONTACT"] = "access@riverton.example"
    page = client.get("/accessibility?lang=es").get_data(as_text=True)
    assert 'href="mailto:access@riverton.example"' in page
    assert "Qué se prueba y cómo" in page and "What is tested" not in page
