"""Helpers for the resident tests: the mail outbox, links in mail, CSRF tokens, DST campaigns."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app

from campaign.extensions import db
from campaign.models import Deadline, DeadlineKind
from campaign.services.deadlines import add_relative
from tests.conftest import make_app
from tests.factories import make_campaign

NEW_YORK = ZoneInfo("America/New_York")


def outbox() -> list:
    """Every message in the file outbox, oldest first, parsed (quoted-printable decoded)."""
    folder = Path(current_app.config["OUTBOX_PATH"])
    if not folder.exists():
        return []
    return [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(folder.glob("*.eml"))
    ]


def other_app(app, tmp_path: Path | None = None, **config):
    """A second app on the same database (and by default the same instance folder)."""
    instance = tmp_path or Path(app.instance_path)
    application = make_app(instance, app.config["SQLALCHEMY_DATABASE_URI"], **config)
    client = application.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return application, client


def body(message) -> str:
    return message.get_content()


def links(message) -> list[str]:
    """Paths of the links in a message (the host is SERVER_BASE_URL, not the test client)."""
    return [urlsplit(url).path for url in re.findall(r"https?://\S+", body(message))]


def link(message, part: str) -> str:
    """The one link in a message whose path contains `part`."""
    found = [path for path in links(message) if part in path]
    assert len(found) == 1, (part, links(message))
    return found[0]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+"', r'\1"', html)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in New York, as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def campaign_with_hearing(
    hearing_at: datetime,
    rule: str = "days_before_at:1:15:00",
    speaker_rule: str | None = None,
    **fields,
):
    """A campaign whose only hearing is at hearing_at, with a comment deadline by rule."""
    campaign = make_campaign(hearing_at=hearing_at, **fields)
    hearing = next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)
    add_relative(db.session, hearing, DeadlineKind.COMMENT_DEADLINE, "Written testimony due", rule)
    if speaker_rule:
        add_relative(
            db.session, hearing, DeadlineKind.SPEAKER_CUTOFF, "Speaker sign-up closes", speaker_rule
        )
    db.session.flush()
    return campaign


def hearing_of(campaign) -> Deadline:
    return next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)


def text_of(response) -> str:
    return response.get_data(as_text=True)
