"""Rate limits as deployed: the documented per-client limit holds with several gunicorn
workers, and behind a trusted proxy each resident is a client of their own."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.models import Signature
from tests.factories import make_campaign
from tests.servers import Browser, gunicorn, gunicorn_env, redis_server

pytestmark = pytest.mark.slow

SLUG = "limits-deployed"
LIMIT = 10  # a minute per client: campaign.residents.views.CLIENT_LIMIT
PRODUCTION = {
    "ENV_NAME": "production",
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "9",
    "SERVER_BASE_URL": "https://campaigns.example.org",
    "TRUSTED_PROXIES": "1",
}


@pytest.fixture
def campaign(db):
    made = make_campaign(slug=SLUG)
    db.session.commit()
    return made


def sign(browser: Browser, n: int) -> int:
    status, _page = browser.submit(
        f"/c/{SLUG}/sign",
        {
            "name": f"Resident {n}",
            "email": f"resident{n}@limits.example",
            "zip": "11111",
            "visibility": "packet",
            "website": "",
        },
    )
    return status


def behind_proxy(port: int, address: str) -> Browser:
    """A resident's browser as nginx forwards it: over https, from their own address."""
    return Browser(
        port,
        {
            "X-Forwarded-For": address,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{port}/c/{SLUG}/sign",
        },
    )


def test_two_workers_share_one_limit_through_redis(app, campaign, tmp_path):
    with (
        redis_server(tmp_path) as redis_url,
        gunicorn(
            gunicorn_env(app, **PRODUCTION, REDIS_URL=redis_url),
            tmp_path / "gunicorn.log",
            # Each worker is replaced after four requests, so the signatures of one client reach
            # many processes, none of which could count them alone.
            "--workers",
            "2",
            "--max-requests",
            "4",
            "--max-requests-jitter",
            "0",
            ready_path=f"/c/{SLUG}",
        ) as server,
    ):
        browser = Browser(server.port)
        statuses = [sign(browser, n) for n in range(LIMIT + 2)]
        assert statuses == [200] * LIMIT + [429, 429]
        assert len(server.workers_seen()) >= 4


def test_twelve_residents_behind_one_proxy_are_twelve_clients(app, db, campaign, tmp_path):
    with (
        redis_server(tmp_path) as redis_url,
        gunicorn(
            gunicorn_env(app, **PRODUCTION, REDIS_URL=redis_url),
            tmp_path / "gunicorn.log",
            "--workers",
            "2",
            ready_path=f"/c/{SLUG}",
        ) as server,
    ):
        residents = [behind_proxy(server.port, f"198.51.100.{n}") for n in range(1, 13)]
        assert [sign(browser, n) for n, browser in enumerate(residents)] == [200] * 12
        # One of them, signing on and on, is still held to the limit.
        one = residents[0]
        statuses = [sign(one, 100 + n) for n in range(LIMIT)]
        assert statuses == [200] * (LIMIT - 1) + [429]
    db.session.expire_all()
    clients = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Signature.client_hash))).where(
            Signature.campaign_id == campaign.id
        )
    )
    assert clients == 12  # the fraud-signals page sees twelve clients, not one proxy


def test_without_redis_one_process_holds_the_limit(app, campaign, tmp_path):
    """The embedded default: one worker whose threads share the memory:// counts."""
    with gunicorn(
        gunicorn_env(app, **PRODUCTION), tmp_path / "gunicorn.log", ready_path=f"/c/{SLUG}"
    ) as server:
        browser = Browser(server.port)
        assert [sign(browser, n) for n in range(LIMIT + 1)] == [200] * LIMIT + [429]
        log = server.log.read_text()
        assert "gthread" in log or "Using worker: gthread" in log, log[-2000:]
