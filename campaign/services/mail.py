"""Mail: queued in the database with the work that causes it, sent by a background job.

Services call `queue()`; nothing is sent from inside a request. `queue()` asks for delivery
after the commit (campaign.after_commit); then a job delivers what is waiting over SMTP
(production; with STARTTLS, the server's certificate is verified against the system's CAs or
SMTP_CA_FILE) or, in development and tests, to the file outbox (instance/outbox: one .eml per
message, mode 0600, in a 0700 folder; the purge deletes the files of the mail it deletes). A
message that fails stays queued and is retried, so a mail server outage loses nothing.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import stat
import time
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from huey import crontab
from huey.constants import EmptyData
from sqlalchemy.orm import Session

from campaign import after_commit
from campaign.jobs import huey, in_app_context
from campaign.models import OutgoingMail
from campaign.models.types import utcnow
from campaign.services import context

MAX_ATTEMPTS = 20


class MailError(Exception):
    """The configured mail transport refused or could not be reached."""


# What a mail header must never carry. Subjects hold campaign titles from staff forms, which
# keep control characters (NUL included) that the residents' forms remove.
_HEADER_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _subject_line(subject: str) -> str:
    """A subject as one header line: no line breaks (no header injection), no controls."""
    return " ".join(_HEADER_CONTROLS.sub(" ", subject).split())[:250]


_OUTBOX_INSERT = sa.insert(OutgoingMail.__table__)


def queue(
    session: Session,
    to: str,
    subject: str,
    body: str,
    *,
    language: str = "en",
    campaign_id: int | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Queue a plain-text message; it is sent after the surrounding transaction commits.

    Written at once (a table insert, not an object left for the flush): a duplicate
    `dedupe_key` fails here, in the caller's savepoint.
    """
    session.execute(
        _OUTBOX_INSERT,
        {
            "to": to.strip(),
            "subject": _subject_line(subject),
            "body": body,
            "language": language,
            "campaign_id": campaign_id,
            "dedupe_key": dedupe_key,
        },
    )
    after_commit.request(session, start_delivery)


def already_queued(session: Session, dedupe_key: str) -> bool:
    """True if a message with this key was ever queued (sent or not)."""
    return (
        session.scalar(sa.select(OutgoingMail.id).where(OutgoingMail.dedupe_key == dedupe_key))
        is not None
    )


def build_message(mail: OutgoingMail, sender: str, *, readable: bool = False) -> EmailMessage:
    """The RFC 5322 message for a queued mail.

    `readable` (the development outbox only): the body in 8-bit UTF-8, as written, so that a
    link can be copied from the raw .eml file; quoted-printable would cut it with "=" at 76
    characters. Mail sent over SMTP keeps the encoding the email package chooses.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"mail{mail.id}", domain="campaign.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, cte="8bit" if readable else None)
    # After set_content(), which replaces the content headers.
    message["Content-Language"] = mail.language
    return message


def _outbox_folder() -> Path:
    outbox = Path(context.setting("OUTBOX_PATH"))
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode passes through the umask, and an outbox made by an older version is 0755:
    # the messages hold residents' names and private links, for the app's user alone.
    if stat.S_IMODE(outbox.stat().st_mode) != 0o700:
        outbox.chmod(0o700)
    return outbox


def _write_outbox(message: EmailMessage, mail_id: int) -> Path:
    outbox = _outbox_folder()
    # Named by the queued row: delivering the same row twice overwrites, never duplicates.
    final = outbox / f"{mail_id:08d}.eml"
    temporary = outbox / f".{mail_id:08d}.{uuid.uuid4().hex}.tmp"
    # 0600 from the first byte, whatever the umask (which can only take bits away).
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(bytes(message))
    os.replace(temporary, final)
    return final


# What _write_outbox leaves: "00000042.eml", or ".00000042.<hex>.tmp" from a write cut short.
_OUTBOX_FILE = re.compile(r"(?:(\d+)\.eml|\.(\d+)\.[0-9a-f]{32}\.tmp)")


def _outbox_files_by_mail() -> dict[int, list[Path]]:
    outbox = Path(context.setting("OUTBOX_PATH"))
    if not outbox.is_dir():
        return {}
    found: dict[int, list[Path]] = {}
    for path in outbox.iterdir():
        match = _OUTBOX_FILE.fullmatch(path.name)
        if match:
            found.setdefault(int(match.group(1) or match.group(2)), []).append(path)
    return found


def outbox_files(mail_ids: Collection[int]) -> list[Path]:
    """The outbox files (written or half-written) of these queued mails."""
    wanted = set(mail_ids)
    return [
        path
        for mail_id, paths in _outbox_files_by_mail().items()
        if mail_id in wanted
        for path in paths
    ]


def sent_copy_files(names: Collection[str]) -> list[Path]:
    """The development outbox's copies of mail sent at once (send_now) under these names, and
    the numbered files made from them ("clerk-7-1.eml" for the name "clerk-7")."""
    outbox = Path(context.setting("OUTBOX_PATH"))
    if not outbox.is_dir() or not names:
        return []
    pattern = re.compile(
        "(?:" + "|".join(re.escape(name) for name in sorted(names)) + r")(?:-\d+)?\.eml"
    )
    return [path for path in outbox.iterdir() if pattern.fullmatch(path.name)]


def stray_outbox_files(session: Session) -> list[Path]:
    """Outbox files whose mail row is gone: deleted, or left by an earlier database."""
    by_mail = _outbox_files_by_mail()
    ids = sorted(by_mail)
    existing: set[int] = set()
    for start in range(0, len(ids), 500):
        existing.update(
            session.scalars(
                sa.select(OutgoingMail.id).where(OutgoingMail.id.in_(ids[start : start + 500]))
            )
        )
    return [path for mail_id in ids if mail_id not in existing for path in by_mail[mail_id]]


def _send_smtp(message: EmailMessage) -> str:
    """Send one message over SMTP; returns the server's reply to it (say "250 2.0.0 Ok: queued
    as 4F2A1"), its acceptance of the message."""
    config = context.configuration()
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20) as smtp:
            if config.get("SMTP_STARTTLS"):
                # Verified against the system's CAs or SMTP_CA_FILE, host name included.
                tls = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
                smtp.starttls(context=tls)
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            return _transfer(smtp, message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error


def _transfer(smtp: smtplib.SMTP, message: EmailMessage) -> str:
    """MAIL, RCPT and DATA as SMTP.send_message does them, keeping the reply to DATA."""
    sender = parseaddr(str(message["From"]))[1]
    recipients = [address for _name, address in getaddresses(message.get_all("To", []))]
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.data(message.as_bytes(policy=SMTP_POLICY))  # raises unless 250
    return f"{code} {reply.decode('utf-8', 'replace')}"


def send_now(message: EmailMessage, outbox_name: str) -> str:
    """Send one message at once, outside the outbox (a packet to a clerk, which carries files
    the outbox does not hold); returns the mail server's acceptance. In development the
    message is written to the file outbox as `outbox_name`.eml instead."""
    if context.setting("MAIL_BACKEND") == "smtp":
        return _send_smtp(message)
    if not re.fullmatch(r"[a-z0-9-]{1,80}", outbox_name):
        raise ValueError("an outbox name is lowercase letters, digits and hyphens")
    outbox = _outbox_folder()
    final = outbox / f"{outbox_name}.eml"
    descriptor = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(bytes(message))
    return f"written to the development outbox as {final.name}"


def deliver(mail: OutgoingMail) -> None:
    """Send one queued message through the configured transport."""
    smtp = context.setting("MAIL_BACKEND") == "smtp"
    message = build_message(mail, context.setting("MAIL_FROM"), readable=not smtp)
    if smtp:
        _send_smtp(message)
    else:
        _write_outbox(message, mail.id)


# How long a deliverer holds a message it is sending: longer than an SMTP exchange can take
# (its timeout is 20 s), short enough that a dead deliverer's mail goes out within minutes.
CLAIM_SECONDS = 300


def _unclaimed(now: datetime):
    return sa.and_(
        OutgoingMail.sent_at.is_(None),
        sa.or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    )


def _claim(session: Session, mail_id: int) -> bool:
    """Take one message for sending, committed before it is sent: two deliverers at once (the
    job a commit started and the every-minute retry, or two worker hosts) never both send it."""
    now = utcnow()
    claimed = session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, _unclaimed(now))
        .values(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutgoingMail.attempts + 1
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return claimed == 1


def deliver_waiting(session: Session, limit: int = 200) -> tuple[int, int]:
    """Send queued messages, oldest first; returns (sent, failed). Commits per message."""
    sent = failed = 0
    ids = session.scalars(
        sa.select(OutgoingMail.id)
        .where(_unclaimed(utcnow()), OutgoingMail.attempts < MAX_ATTEMPTS)
        .order_by(OutgoingMail.id)
        .limit(limit)
    ).all()
    for mail_id in ids:
        if not _claim(session, mail_id):
            continue  # sent or being sent by another deliverer since the list was read
        mail = session.get(OutgoingMail, mail_id, populate_existing=True)
        if mail is None:
            continue
        try:
            deliver(mail)
        except MailError as error:
            mail.last_error = str(error)[:500]
            failed += 1
        else:
            mail.sent_at = utcnow()
            mail.last_error = None
            sent += 1
        mail.claimed_until = None
        session.commit()
    return sent, failed


# A delivery job that has not started yet sends every mail committed before it starts (it
# reads the outbox when it runs), so a commit that finds one waiting queues no other: one job
# per burst of signatures instead of one per signature, each a locked write to the job store.
# The job clears this mark when it starts, before it reads the outbox; a commit that comes
# after that queues the next job. A mark older than this many seconds is not trusted (a worker
# killed between taking the job and clearing it), and the job that runs every minute clears
# it too, so a lost mark delays mail, never loses it.
DELIVERY_WAITING_KEY = "mail-delivery-waiting"
DELIVERY_WAITING_TRUSTED_FOR = 30


def start_delivery() -> None:
    """Have the outbox delivered soon: queue the job unless one is waiting to start."""
    if huey.immediate:
        # Jobs run inline (tests): none is ever waiting to start, so no mark is needed, and
        # none is left behind by a test that stops the job from running.
        deliver_mail_job()
        return
    storage = huey.storage
    mark = storage.peek_data(DELIVERY_WAITING_KEY)
    if mark is not EmptyData:
        try:
            age = time.time() - float(mark)
        except (TypeError, ValueError):
            age = -1
        if 0 <= age < DELIVERY_WAITING_TRUSTED_FOR:
            return
    storage.put_data(DELIVERY_WAITING_KEY, repr(time.time()).encode())
    deliver_mail_job()


def _deliver_in_own_session(limit: int = 200) -> tuple[int, int]:
    from campaign.extensions import db

    # Cleared before the outbox is read: a mail committed after this point queues a new job.
    huey.storage.pop_data(DELIVERY_WAITING_KEY)
    sent = failed = 0
    with Session(bind=db.engine) as session:
        while True:
            batch_sent, batch_failed = deliver_waiting(session, limit)
            sent, failed = sent + batch_sent, failed + batch_failed
            # A full batch, all sent: more may be waiting, and no job was queued for them
            # (see start_delivery). After a failure the rest waits for the retry job.
            if batch_sent < limit:
                return sent, failed


@huey.task(retries=3, retry_delay=30)
@in_app_context
def deliver_mail_job() -> tuple[int, int]:
    """Job: send what is waiting in the mail outbox."""
    return _deliver_in_own_session()


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def retry_mail_job() -> tuple[int, int]:
    """Every minute: retry messages that could not be sent (a mail server that was down)."""
    return _deliver_in_own_session()
