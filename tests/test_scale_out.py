"""Scale-out: app processes share rate limits through Redis (CAMPAIGN_REDIS_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import BrowserClient, make_app

REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set CAMPAIGN_TEST_REDIS_URL (.ci/run does)")
def test_two_app_processes_share_login_limits_through_redis(app):
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    apps = [
        make_app(
            Path(app.instance_path),
            app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_ENABLED=True,
            REDIS_URL=REDIS_URL,
            RATELIMIT_STORAGE_URI=REDIS_URL,
        )
        for _ in range(2)
    ]
    statuses = []
    for attempt in range(12):
        target = apps[attempt % 2]
        target.test_client_class = BrowserClient
        client = target.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        response = client.post(
            "/login", data={"email": "nobody@example.org", "password": "wrong password"}
        )
        statuses.append(response.status_code)
    # 5 per minute per account, counted across both apps...
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    # ...in Redis, where every app process (gunicorn workers, other hosts) sees the same counts.
    assert store.keys("LIMITS*"), store.keys("*")
