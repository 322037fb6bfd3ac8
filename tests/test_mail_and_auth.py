"""Mail leaves only after commit, through the outbox; staff log in and out."""

from __future__ import annotations

import os
import stat
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.models import OutgoingMail
from campaign.services import accounts, mail


def _outbox(app) -> list:
    folder = Path(app.config["OUTBOX_PATH"])
    return (
        [message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))]
        if folder.exists()
        else []
    )


def test_mail_is_sent_after_commit_and_not_on_rollback(app, db):
    mail.queue(db.session, "ana@example.org", "Hello\nBcc: evil@example.org", "Body text")
    assert _outbox(app) == []  # nothing leaves before the commit
    db.session.commit()
    messages = _outbox(app)
    assert len(messages) == 1
    assert messages[0]["To"] == "ana@example.org"
    assert messages[0]["Bcc"] is None and "Bcc" in messages[0]["Subject"]
    assert messages[0].get_content().strip() == "Body text"
    mail.queue(db.session, "rolled@example.org", "Never", "Never sent")
    db.session.rollback()
    assert len(_outbox(app)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 1


def test_mail_stays_queued_while_smtp_is_down_and_goes_when_it_is_back(app, db):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # nothing there
    mail.queue(db.session, "ana@example.org", "Subject", "Body")
    db.session.commit()
    queued = db.session.scalar(sa.select(OutgoingMail))
    assert queued.sent_at is None and queued.attempts >= 1 and queued.last_error
    app.config.update(MAIL_BACKEND="outbox")
    sent, failed = mail.deliver_waiting(db.session)
    assert (sent, failed) == (1, 0)
    assert len(_outbox(app)) == 1


@pytest.mark.parametrize("folder", ["new", "made 0755 by an older version"])
def test_outbox_files_are_for_the_apps_user_alone_whatever_the_umask(app, db, folder):
    outbox = Path(app.config["OUTBOX_PATH"])
    if folder != "new":
        outbox.mkdir(parents=True)
        outbox.chmod(0o755)
    previous = os.umask(0)  # the most open umask a service manager could hand the app
    try:
        mail.queue(db.session, "ana@example.org", "Subject", "Body naming Ana")
        db.session.commit()
    finally:
        os.umask(previous)
    [written] = list(outbox.iterdir())
    assert written.suffix == ".eml" and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700


def test_mail_is_encrypted_at_rest(app, db):
    mail.queue(db.session, "secret.person@example.org", "Subject", "Private body")
    db.session.commit()
    raw = db.session.execute(sa.text('SELECT "to", body FROM outgoing_mail')).one()
    assert "secret.person" not in raw[0] and "Private" not in raw[1]


def test_login_and_logout(client, db):
    accounts.create_user(db.session, "Lead@Example.org", "correct horse battery", role="admin")
    db.session.commit()
    page = client.get("/login")
    assert page.status_code == 200 and 'for="email"' in page.get_data(as_text=True)
    bad = client.post("/login", data={"email": "lead@example.org", "password": "wrong one"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "do not match" in text and 'value="lead@example.org"' in text
    good = client.post(
        "/login?next=//evil.example/x",
        data={"email": "LEAD@example.org ", "password": "correct horse battery"},
    )
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert client.post("/logout").status_code == 302


def test_password_change_ends_other_sessions(client, db):
    user = accounts.create_user(db.session, "o@example.org", "first long password", role="admin")
    db.session.commit()
    client.post("/login", data={"email": "o@example.org", "password": "first long password"})
    assert client.get("/login").status_code == 302  # logged in: redirected away
    accounts.set_password(db.session, user, "second long password")
    db.session.commit()
    assert client.get("/login").status_code == 200  # the old session no longer counts
