"""CSV exports: staff of the campaign only, every one audit-logged, formulas neutralized."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from campaign.models import AuditEvent, RejectionReason, TestimonyStatus
from campaign.services.exports import neutralize
from tests.factories import make_signature, make_testimony


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _rows(response) -> list[dict[str, str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read accents right
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _audit(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_every_formula_start_is_neutralized():
    for dangerous in (
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        '=HYPERLINK("http://evil.example","click")',
    ):
        assert neutralize(dangerous) == "'" + dangerous
    for harmless in ("Ana", "11111", "a=b", "", " =spaced"):
        assert neutralize(harmless) == harmless
    assert neutralize(None) == "" and neutralize(True) == "yes"


def test_signature_export_is_audited_and_neutralized(client, db, team):
    campaign = team["campaign"]
    make_signature(
        campaign, name='=HYPERLINK("http://evil.example","Click me")', email="formula@example.org"
    )
    make_signature(campaign, name="@Ana +1 -2", email="ana@example.org")
    make_signature(campaign, name="José Núñez", email="jose@example.org")
    make_signature(team["other"], name="Not This Campaign", email="other@example.org")
    _login(client, team["organizer"])
    response = client.post(f"/organize/c/{campaign.slug}/exports/signatures.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    names = sorted(r["name"] for r in rows)
    assert names == sorted(
        ['\'=HYPERLINK("http://evil.example","Click me")', "'@Ana +1 -2", "José Núñez"]
    )
    assert {r["status_code"] for r in rows} == {"verified"}
    assert {r["status"] for r in rows} == {"Verified"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    [event] = _audit(db, "export.signatures")
    assert event.actor_id == team["organizer"].id
    assert event.actor_label == team["organizer"].email
    assert event.campaign_id == campaign.id and event.rows == 3 and event.at is not None


def test_approved_export_holds_only_approved_testimony_as_published(client, db, team):
    campaign = team["campaign"]
    make_testimony(
        campaign,
        status=TestimonyStatus.APPROVED,
        name="-Minus Name",
        body="+Plus body",
        redacted_body=None,
    )
    make_testimony(
        campaign,
        status=TestimonyStatus.APPROVED,
        name="Redacted Author",
        body="Original with a private name",
        redacted_body="=[removed] text",
    )
    make_testimony(campaign, status=TestimonyStatus.PENDING, name="Waiting Author")
    make_testimony(
        campaign,
        status=TestimonyStatus.REJECTED,
        name="Rejected Author",
        rejection_reason=RejectionReason.OFF_TOPIC,
    )
    make_testimony(campaign, status=TestimonyStatus.WITHDRAWN, name="Withdrawn Author")
    _login(client, team["organizer"])
    rows = _rows(client.post(f"/organize/c/{campaign.slug}/exports/testimony-approved.csv"))
    assert sorted(r["name"] for r in rows) == ["'-Minus Name", "Redacted Author"]
    texts = {r["name"]: r["text"] for r in rows}
    assert texts["Redacted Author"] == "'=[removed] text"
    assert texts["'-Minus Name"] == "'+Plus body"
    assert "Original with a private name" not in str(rows)
    [event] = _audit(db, "export.testimony_approved")
    assert event.rows == 2 and event.actor_id == team["organizer"].id


def test_all_testimony_export_is_for_leads(client, db, team):
    campaign = team["campaign"]
    make_testimony(
        campaign,
        status=TestimonyStatus.REJECTED,
        name="Rejected Author",
        rejection_reason=RejectionReason.ABUSIVE,
        moderation_note="=cmd|calc",
    )
    make_testimony(
        campaign, status=TestimonyStatus.APPROVED, body="Original text", redacted_body="Shown text"
    )
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/exports/testimony-all.csv"
    assert client.post(url).status_code == 403
    assert _audit(db, "export.testimony_all") == []
    client.post("/logout")
    _login(client, team["lead"])
    rows = _rows(client.post(url))
    assert len(rows) == 2
    rejected = next(r for r in rows if r["status_code"] == "rejected")
    assert rejected["rejection_reason_code"] == "abusive"
    assert rejected["moderation_note"] == "'=cmd|calc"
    redacted = next(r for r in rows if r["redacted"] == "yes")
    assert redacted["original_text"] == "Original text"
    assert redacted["text_as_published"] == "Shown text"
    [event] = _audit(db, "export.testimony_all")
    assert event.rows == 2 and event.actor_id == team["lead"].id
    assert (
        client.post(f"/organize/c/{campaign.slug}/exports/testimony-other.csv").status_code == 404
    )


def test_exports_refuse_everyone_outside_the_campaign(client, db, team):
    campaign = team["campaign"]
    make_signature(campaign, name="Private Person")
    urls = [
        f"/organize/c/{campaign.slug}/exports/signatures.csv",
        f"/organize/c/{campaign.slug}/exports/testimony-approved.csv",
        f"/organize/c/{campaign.slug}/exports/testimony-all.csv",
        f"/organize/c/{campaign.slug}/speakers.csv",
    ]
    for url in urls:
        anonymous = client.post(url)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    _login(client, team["outsider"])
    for url in urls:
        assert client.post(url).status_code == 404
        assert client.get(url).status_code in (404, 405)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("export.%"))
        )
        == 0
    )


def test_an_export_needs_the_forms_csrf_token(team, db, app):
    """Downloads are POSTs with a token, so another site cannot make a staff browser export."""
    from tests.conftest import make_app

    strict = make_app(
        app.instance_path, app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True
    )
    browser = strict.test_client()
    browser.environ_base["wsgi.url_scheme"] = "https"
    with browser:
        login_page = browser.get("/login")
        page = login_page.get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        browser.post(
            "/login",
            data={
                "email": team["lead"].email,
                "csrf_token": token,
                "password": team["lead"].email + " password",
            },
        )
        url = f"/organize/c/{team['campaign'].slug}/exports/signatures.csv"
        assert browser.post(url).status_code == 400
        assert browser.post(url, data={"csrf_token": generate_csrf()}).status_code == 200
    db.session.expire_all()
    assert len(_audit(db, "export.signatures")) == 1


def test_speaker_csv_is_audited(client, db, team):
    from campaign.models import SpeakMode

    campaign = team["campaign"]
    make_testimony(
        campaign,
        status=TestimonyStatus.PENDING,
        wants_to_speak=True,
        speak_mode=SpeakMode.PHONE,
        phone="+1 555 0100",
        name="=Caller",
        district="unassigned",
    )
    _login(client, team["organizer"])
    rows = _rows(client.post(f"/organize/c/{campaign.slug}/speakers.csv"))
    assert [(r["order"], r["name"], r["speak_mode"], r["phone"]) for r in rows] == [
        ("1", "'=Caller", "Phone", "'+1 555 0100")
    ]
    # Human words in the staff's language, stable codes beside them.
    [row] = rows
    assert (row["speak_mode_code"], row["district"], row["district_code"]) == (
        "phone",
        "Unassigned",
        "unassigned",
    )
    assert (row["moderation_status_code"], row["outcome"], row["outcome_code"]) == (
        "pending",
        "",
        "",
    )
    client.get("/organize/?lang=es")
    [row] = _rows(client.post(f"/organize/c/{campaign.slug}/speakers.csv"))
    assert row["speak_mode_code"] == "phone" and row["speak_mode"] not in ("phone", "Phone")
    assert row["district"] not in ("unassigned", "Unassigned")
    events = _audit(db, "export.speakers")
    assert len(events) == 2  # each download is on record
    assert all(e.rows == 1 and e.actor_id == team["organizer"].id for e in events)
