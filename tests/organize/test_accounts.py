"""Staff accounts: password reset by email, invitations, password changes, rate limits,
cookie flags."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
import time_machine

from campaign.models import AuditEvent, Membership, Role, User
from campaign.services import accounts, invitations
from tests.conftest import make_app
from tests.organize.conftest import staff_user


def outbox(app) -> list:
    folder = Path(app.config["OUTBOX_PATH"])
    if not folder.exists():
        return []
    return [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        for p in sorted(folder.glob("*.eml"))
    ]


def link_in(message) -> str:
    url = re.search(r"https?://\S+", message.get_content()).group(0)
    return urlsplit(url).path


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_reset_request_answers_the_same_with_or_without_an_account(app, team):
    pages = []
    for email in (team["lead"].email, "nobody@nowhere.example"):
        browser = app.test_client()
        browser.environ_base["wsgi.url_scheme"] = "https"
        response = browser.post("/reset", data={"email": email})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        pages.append(browser.get("/login").get_data(as_text=True))
    assert pages[0] == pages[1]
    assert "If an account uses that address" in pages[0]
    assert [m["To"] for m in outbox(app)] == [team["lead"].email]


def test_a_reset_link_works_once_and_ends_other_sessions(client, app, db, team):
    lead = team["lead"]
    other_browser = app.test_client()
    other_browser.environ_base["wsgi.url_scheme"] = "https"
    assert _login(other_browser, lead.email, lead.email + " password").status_code == 302
    db.session.commit()
    assert other_browser.get("/organize/").status_code == 200
    client.post("/reset", data={"email": lead.email.upper()})
    path = link_in(outbox(app)[0])
    assert path.startswith("/reset/")
    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    different = client.post(
        path, data={"password": "a long new password", "confirm": "another long one!"}
    )
    assert "not the same" in different.get_data(as_text=True)
    done = client.post(
        path, data={"password": "a long new password", "confirm": "a long new password"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    # The link is spent, the old password is gone, the other session has ended.
    assert client.get(path).status_code == 400
    assert _login(client, lead.email, lead.email + " password").status_code == 200
    assert _login(client, lead.email, "a long new password").status_code == 302
    db.session.commit()
    ended = other_browser.get("/organize/")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    assert (
        db.session.scalar(
            sa.select(AuditEvent.action).where(AuditEvent.action == "account.password_reset")
        )
        is not None
    )


def test_a_reset_link_expires_after_an_hour_and_after_a_password_change(client, app, db, team):
    lead = team["lead"]
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False):
        client.post("/reset", data={"email": lead.email})
        path = link_in(outbox(app)[0])
    with time_machine.travel(datetime(2026, 5, 1, 12, 59, tzinfo=UTC), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(datetime(2026, 5, 1, 13, 1, tzinfo=UTC), tick=False):
        assert client.get(path).status_code == 400
    client.post("/reset", data={"email": lead.email})
    fresh = link_in(outbox(app)[-1])
    assert client.get(fresh).status_code == 200
    accounts.set_password(db.session, db.session.get(User, lead.id), "changed elsewhere 123")
    db.session.commit()
    assert client.get(fresh).status_code == 400
    assert client.get("/reset/not-a-token").status_code == 400


def test_changing_ones_password_keeps_this_session_and_ends_the_others(client, app, db, team):
    organizer = team["organizer"]
    other_browser = app.test_client()
    other_browser.environ_base["wsgi.url_scheme"] = "https"
    _login(other_browser, organizer.email, organizer.email + " password")
    _login(client, organizer.email, organizer.email + " password")
    wrong = client.post(
        "/account/password",
        data={
            "current": "not it at all",
            "password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert "not your current password" in wrong.get_data(as_text=True)
    right = client.post(
        "/account/password",
        data={
            "current": organizer.email + " password",
            "password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert right.status_code == 302
    db.session.commit()
    assert client.get("/organize/").status_code == 200
    assert other_browser.get("/organize/").status_code == 302


def test_a_lead_invites_a_new_organizer_who_sets_a_name_and_password(client, app, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"].email, team["lead"].email + " password")
    bad = client.post(
        f"/organize/c/{campaign.slug}/team", data={"email": "not-an-email", "role": "organizer"}
    )
    assert "Enter an email address." in bad.get_data(as_text=True)
    response = client.post(
        f"/organize/c/{campaign.slug}/team",
        data={"email": "New.Person@Example.org", "role": "organizer"},
    )
    assert response.status_code == 302
    [message] = outbox(app)
    assert message["To"] == "new.person@example.org"
    assert campaign.title in message["Subject"]
    path = link_in(message)
    team_page = client.get(f"/organize/c/{campaign.slug}/team").get_data(as_text=True)
    assert "new.person@example.org" in team_page
    client.post("/logout")
    page = client.get(path)
    assert page.status_code == 200 and "new.person@example.org" in page.get_data(as_text=True)
    weak = client.post(path, data={"name": "New Person", "password": "short", "confirm": "short"})
    assert weak.status_code == 200 and 'value="New Person"' in weak.get_data(as_text=True)
    done = client.post(
        path,
        data={
            "name": "New Person",
            "password": "a good long password",
            "confirm": "a good long password",
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/organize/c/{campaign.slug}/"
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user.name == "New Person" and user.role_in(campaign.id) == Role.ORGANIZER
    assert client.get(f"/organize/c/{campaign.slug}/moderation").status_code == 200
    client.post("/logout")
    assert client.get(path).status_code == 400  # used once


def test_an_invitation_for_an_existing_account_is_accepted_after_logging_in(client, app, db, team):
    campaign = team["campaign"]
    person = team["outsider"]  # has an account, on another campaign's staff
    invitations.invite(db.session, campaign, team["lead"], person.email, Role.LEAD, "en")
    db.session.commit()
    [message] = outbox(app)
    assert "Open this link and log in with your account" in message.get_content()
    path = link_in(message)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert person.role_in(campaign.id) is None
    logged_in = _login(client, person.email, person.email + " password")
    assert logged_in.headers["Location"] == f"/organize/c/{campaign.slug}/"
    db.session.expire_all()
    assert db.session.get(User, person.id).role_in(campaign.id) == Role.LEAD
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.user_id == person.id)
        )
        == 2
    )


def test_an_invitation_is_written_in_the_inviters_language(app, db, team):
    invitations.invite(
        db.session, team["campaign"], team["lead"], "nueva@example.org", Role.ORGANIZER, "es"
    )
    db.session.commit()
    [message] = outbox(app)
    assert message["Subject"].startswith("Le invitamos a organizar")
    assert "Abra este enlace para elegir su nombre" in message.get_content()


def test_an_invitation_is_only_for_its_own_email(client, app, db, team):
    campaign = team["campaign"]
    invitations.invite(
        db.session, campaign, team["lead"], "someone@example.org", Role.ORGANIZER, "en"
    )
    db.session.commit()
    path = link_in(outbox(app)[0])
    _login(client, team["outsider"].email, team["outsider"].email + " password")
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    assert team["outsider"].role_in(campaign.id) is None


def test_invitations_expire_after_seven_days_and_can_be_withdrawn(client, app, db, team):
    campaign = team["campaign"]
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        first = invitations.invite(
            db.session, campaign, team["lead"], "late@example.org", Role.ORGANIZER, "en"
        )
        db.session.commit()
        path = link_in(outbox(app)[0])
    with time_machine.travel(
        datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=7, hours=1), tick=False
    ):
        assert client.get(path).status_code == 400
        assert first.id not in [i.id for i in invitations.pending(db.session, campaign.id)]
    second = invitations.invite(
        db.session, campaign, team["lead"], "gone@example.org", Role.ORGANIZER, "en"
    )
    db.session.commit()
    path = link_in(outbox(app)[-1])
    _login(client, team["lead"].email, team["lead"].email + " password")
    assert (
        client.post(f"/organize/c/{campaign.slug}/team/invitations/{second.id}/revoke").status_code
        == 302
    )
    client.post("/logout")
    assert client.get(path).status_code == 400


def test_a_campaign_keeps_its_last_lead(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"].email, team["lead"].email + " password")
    lead_id = next(m.id for m in team["lead"].memberships if m.campaign_id == campaign.id)
    organizer_id = next(m.id for m in team["organizer"].memberships)

    def exists(membership_id):
        return db.session.scalar(sa.select(Membership.id).where(Membership.id == membership_id))

    client.post(f"/organize/c/{campaign.slug}/team/{lead_id}/remove")
    assert exists(lead_id)
    client.post(f"/organize/c/{campaign.slug}/team/{organizer_id}/remove")
    assert not exists(organizer_id)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "team.removed"))


def test_login_and_reset_are_rate_limited_per_account_and_per_client(app, db, team, tmp_path):
    limited = make_app(
        tmp_path / "limited", app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True
    )
    browser = limited.test_client()
    browser.environ_base["wsgi.url_scheme"] = "https"
    lead = team["lead"].email
    # Per account and client: five tries a minute at one account from one address...
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    codes = [
        browser.post("/login", data={"email": lead, "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    # ...which locks nobody else out: the lead, from their own connection, still gets in.
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.2"
    assert (
        browser.post("/login", data={"email": lead, "password": lead + " password"}).status_code
        == 302
    )
    # Per client: ten tries a minute from one address, whatever the account.
    other = limited.test_client()
    other.environ_base.update({"wsgi.url_scheme": "https", "REMOTE_ADDR": "203.0.113.99"})
    codes = [
        other.post("/login", data={"email": f"x{n}@example.org", "password": "w"}).status_code
        for n in range(11)
    ]
    assert codes == [200] * 10 + [429]
    # Reset requests: three an hour for one account.
    other.environ_base["REMOTE_ADDR"] = "203.0.113.150"
    codes = [
        other.post("/reset", data={"email": team["organizer"].email}).status_code for _ in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_session_cookie_flags(client, team):
    response = _login(client, team["lead"].email, team["lead"].email + " password")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_staff_accounts_created_for_tests_only_reach_their_campaign(client, db, team):
    person = staff_user(db, "solo@example.org")
    db.session.commit()
    _login(client, person.email, person.email + " password")
    home = client.get("/organize/").get_data(as_text=True)
    assert "not on the team of any campaign" in home
    assert client.get(f"/organize/c/{team['campaign'].slug}/").status_code == 404
