"""Hundreds of residents at once against a real gunicorn with 4 workers, through the real form.

Every confirmed signature is stored exactly once, every duplicate is refused (with the same
page as a first signature), no response is a 5xx, and the API's count equals the rows. Runs on
SQLite (WAL, busy timeout) and, with DATABASE_URL, on PostgreSQL. Workers are replaced every
few dozen requests meanwhile, as max_requests does in production: each replacement is a fresh
fork of the master that built the app.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.models import Campaign, Signature, SignatureStatus
from campaign.services import mail
from tests.servers import Browser, gunicorn, gunicorn_env

pytestmark = pytest.mark.slow

SLUG = "riverton-arrest-data"
RESIDENTS = 200
REPEATS = 100


@pytest.fixture
def server(app, demo, tmp_path):
    env = gunicorn_env(
        app,
        RATELIMIT_ENABLED="false",  # one address plays hundreds of residents
        ENV_NAME="development",  # plain http on loopback: cookies without Secure
    )
    with gunicorn(
        env,
        tmp_path / "gunicorn.log",
        "--workers",
        "4",
        "--max-requests",
        "60",
        "--max-requests-jitter",
        "20",
        ready_path=f"/c/{SLUG}",
    ) as running:
        yield running


def _variant(email: str, rng: random.Random) -> str:
    """The same address as a person might type it again."""
    return rng.choice([email.upper(), f"  {email} ", email.replace("@", "+again@"), email])


def test_concurrent_sign_confirm_and_resign(app, db, server):
    rng = random.Random(7)
    emails = [f"resident{n}@concurrent.example" for n in range(RESIDENTS)]
    attempts = [(e, e) for e in emails] + [
        (e, _variant(e, rng)) for e in rng.choices(emails, k=REPEATS)
    ]
    rng.shuffle(attempts)

    def sign(attempt: tuple[str, str]) -> tuple[int, str]:
        _canonical, typed = attempt
        status, page = Browser(server.port).submit(
            f"/c/{SLUG}/sign",
            {
                "name": f"Resident {typed.strip()[:12]}",
                "email": typed,
                "zip": "40104",
                "visibility": "packet",
                "website": "",
            },
        )
        return status, page

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(sign, attempts))
    statuses = [status for status, _page in results]
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert set(statuses) == {200}

    # The mail worker's job, done here: write every queued message to the outbox.
    mail.deliver_waiting(db.session, limit=10_000)
    outbox = Path(app.config["OUTBOX_PATH"])
    links = set()
    for path in outbox.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=default)
        for url in re.findall(r"https?://\S+/confirm/\S+", message.get_content()):
            links.add(urllib.parse.urlsplit(url).path)
    # At least one link per person (a repeat while still pending re-sends a fresh link).
    assert len(links) >= RESIDENTS

    def confirm(path: str) -> int:
        browser = Browser(server.port)
        status, page = browser.submit(path, {"website": ""})
        return status

    with ThreadPoolExecutor(max_workers=64) as pool:
        # Everyone confirms, and a third press the button twice at once.
        confirmations = list(pool.map(confirm, list(links) + rng.sample(sorted(links), 70)))
    assert all(status < 500 for status in confirmations), sorted(set(confirmations))

    with ThreadPoolExecutor(max_workers=64) as pool:
        again = list(pool.map(sign, [(e, _variant(e, rng)) for e in rng.sample(emails, 100)]))
    assert {status for status, _page in again} == {200}

    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == SLUG))
    rows = db.session.execute(
        sa.select(Signature.status, sa.func.count())
        .where(Signature.campaign_id == campaign.id, Signature.email_domain == "concurrent.example")
        .group_by(Signature.status)
    ).all()
    assert dict(rows) == {SignatureStatus.VERIFIED: RESIDENTS}
    verified_total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.campaign_id == campaign.id, Signature.status == SignatureStatus.VERIFIED)
    )
    status, body = Browser(server.port).request("GET", f"/api/v1/campaigns/{SLUG}")
    assert status == 200
    assert json.loads(body)["counts"]["signatures"] == verified_total
    # Workers were replaced along the way (max_requests), and the forks served requests too.
    assert len(server.workers_seen()) > 8
