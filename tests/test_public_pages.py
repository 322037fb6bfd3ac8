"""The public pages: campaign list and campaign page."""

from __future__ import annotations

import re

from campaign.models import CampaignStatus
from tests.factories import make_campaign, make_signature


def test_index_lists_open_campaigns_only(client, db):
    make_campaign(title="Open fight")
    make_campaign(title="Old fight", status=CampaignStatus.CLOSED)
    make_campaign(title="Draft fight", status=CampaignStatus.DRAFT)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Open fight" in page
    assert "Old fight" not in page and "Draft fight" not in page


def test_campaign_page_shows_ask_decision_dates_and_counts(client, db, demo):
    page = client.get("/c/riverton-arrest-data").get_data(as_text=True)
    assert "Vote NO on renewing the arrest-data sharing contract." in page
    assert "File No. 2026-0412" in page
    assert "Riverton City Council" in page
    assert "Committee on Public Safety hearing" in page
    assert re.search(r"\b(EST|EDT)\b", page)  # times name their zone
    assert "verified signatures" in page


def test_closed_campaign_says_so_and_drafts_are_hidden(client, db, demo):
    assert "This campaign is closed" in client.get("/c/riverton-detainers").get_data(as_text=True)
    make_campaign(slug="draft-one", status=CampaignStatus.DRAFT)
    db.session.commit()
    assert client.get("/c/draft-one").status_code == 404
    assert client.get("/c/does-not-exist").status_code == 404


def test_spanish_from_accept_language_and_switch(client, db, demo):
    page = client.get("/c/riverton-arrest-data", headers={"Accept-Language": "es-MX,es;q=0.9"})
    text = page.get_data(as_text=True)
    assert 'lang="es"' in text
    assert "Voten NO a la renovación" in text
    assert "Qué se decide" in text
    english = client.get("/c/riverton-arrest-data?lang=en").get_data(as_text=True)
    assert "What is being decided" in english
    # The choice sticks for the rest of the visit.
    again = client.get("/c/riverton-arrest-data", headers={"Accept-Language": "es"})
    assert "What is being decided" in again.get_data(as_text=True)


def test_pages_load_nothing_from_other_hosts(client, db, demo):
    for url in ("/", "/c/riverton-arrest-data", "/c/nope"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not attribute.startswith(("http:", "https:", "//")), (url, attribute)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_user_text_is_escaped(client, db):
    campaign = make_campaign(title="<script>alert(1)</script>", ask="<b>bold</b> & more")
    make_signature(campaign)
    db.session.commit()
    html = client.get(f"/c/{campaign.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html


def test_secret_key_is_generated_once_into_the_instance_folder(app):
    from pathlib import Path

    key_file = Path(app.instance_path) / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    from tests.conftest import make_app

    again = make_app(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_nul_in_a_url_is_a_404_not_a_500(client, db, demo):
    for url in (
        "/c/%00",
        "/c/riverton%00",
        "/api/v1/campaigns/%00x",
        "/organize/c/%00/packets",
        "/c/riverton-arrest-data?lang=%00",
    ):
        assert client.get(url).status_code in (200, 404), url


def test_nul_in_any_form_field_is_removed_before_it_reaches_the_database(app, client, db):
    from campaign.web import CampaignRequest

    assert app.request_class is CampaignRequest
    with app.test_request_context("/", method="POST", data={"a": "x\x00y", "b": ["1", "\x00"]}):
        from flask import request

        assert request.form["a"] == "xy" and request.form.getlist("b") == ["1", ""]
