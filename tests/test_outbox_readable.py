"""The development outbox is readable as it stands: 8-bit UTF-8, links whole; mail sent over
SMTP keeps the email package's own (7-bit safe) encoding."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from campaign.models import OutgoingMail
from campaign.services import mail

LINK = "https://campaign.example/t/" + "IjEyMyI.aBcDeFgHiJkLmNoPqRsTuVwXyZ" * 3
BODY = f"Hola José,\n\nSu enlace privado:\n{LINK}\n\nGracias.\n"


def test_an_outbox_file_shows_the_link_whole_and_the_accents_as_written(app, db):
    mail.queue(db.session, "jose@example.org", "Su testimonio", BODY, language="es")
    db.session.commit()  # delivered inline to the outbox (tests run jobs inline)
    [path] = sorted(Path(app.config["OUTBOX_PATH"]).glob("*.eml"))
    raw = path.read_bytes()
    assert b"Content-Transfer-Encoding: 8bit" in raw
    assert LINK.encode() in raw  # one line, no "=" soft breaks: copy it from the raw file
    assert "Hola José".encode() in raw


def test_mail_for_smtp_keeps_a_seven_bit_safe_encoding(app, db):
    mail.queue(db.session, "jose@example.org", "Su testimonio", BODY, language="es")
    db.session.commit()
    queued = db.session.scalars(sa.select(OutgoingMail)).one()
    message = mail.build_message(queued, "Campaign <no-reply@campaign.invalid>")
    assert message["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert bytes(message).isascii()
    assert message.get_content() == BODY
