"""`flask --app campaign check-deploy` and the production server's refusal to start unsafe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.servers import ROOT, free_port, gunicorn_env, start_gunicorn

SAFE = {
    "ENV_NAME": "production",
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "SERVER_BASE_URL": "https://campaigns.example.org",
    "TRUSTED_PROXIES": 1,
    "SESSION_COOKIE_SECURE": True,
    "RATELIMIT_ENABLED": True,
}


def check(tmp_path: Path, app, *args: str, **config) -> tuple[int, set[str], str]:
    """Run check-deploy on a production app; its exit code, the finding ids and the output."""
    instance = tmp_path / "instance"
    checked = make_app(instance, app.config["SQLALCHEMY_DATABASE_URI"], **{**SAFE, **config})
    with checked.app_context():  # the command runs on this app, not on the test's own
        result = checked.test_cli_runner().invoke(args=["check-deploy", *args])
    return (
        result.exit_code,
        set(re.findall(r"^(\w+\.[EW]\d{3}) ", result.output, re.M)),
        result.output,
    )


def test_a_safe_production_configuration_passes(app, tmp_path):
    code, ids, output = check(tmp_path, app, "--workers", "1", "--bind", "127.0.0.1:8000")
    assert code == 0, output
    assert not {i for i in ids if ".E" in i}


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ({"MAIL_BACKEND": "outbox"}, (), "mail.E001"),
        ({"SMTP_USER": "campaign", "SMTP_PASSWORD": "secret"}, (), "mail.E002"),
        ({"SERVER_BASE_URL": "http://campaigns.example.org"}, (), "url.E001"),
        ({}, ("--workers", "4"), "limits.E001"),
        ({"RATELIMIT_ENABLED": False}, (), "limits.E002"),
        ({"DEBUG": True}, (), "debug.E001"),
        ({"ENV_NAME": "development"}, (), "env.E001"),
        ({"SESSION_COOKIE_SECURE": False}, (), "cookies.E001"),
    ],
)
def test_each_unsafe_setting_is_an_error(app, tmp_path, config, args, expected):
    code, ids, output = check(tmp_path, app, "--workers", "1", *args, **config)
    assert code == 1 and expected in ids, output


def test_shared_limits_allow_several_workers(app, tmp_path):
    code, ids, output = check(
        tmp_path, app, "--workers", "4", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"
    )
    assert code == 0, output


def test_keys_readable_by_others_are_an_error(app, tmp_path):
    make_app(tmp_path / "instance", app.config["SQLALCHEMY_DATABASE_URI"])  # writes the keys
    (tmp_path / "instance" / "hash_key").chmod(0o644)
    code, ids, output = check(tmp_path, app, "--workers", "1")
    assert code == 1 and "keys.E001" in ids and "hash_key" in output


def test_forwarded_headers_without_a_trusted_proxy_are_reported(app, tmp_path):
    instance = tmp_path / "instance"
    served = make_app(instance, app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXIES=0)
    served.test_client().get("/", headers={"X-Forwarded-For": "198.51.100.7"})
    code, ids, _output = check(tmp_path, app, "--workers", "1", TRUSTED_PROXIES=0)
    assert "proxy.W001" in ids
    # With the proxy trusted, the same history is no longer a finding.
    _code, ids, _output = check(tmp_path, app, "--workers", "1")
    assert "proxy.W001" not in ids


def test_a_trusted_proxy_with_the_app_open_to_the_network_is_a_warning(app, tmp_path):
    _code, ids, _output = check(tmp_path, app, "--workers", "1", "--bind", "0.0.0.0:8000")
    assert "proxy.W002" in ids


@pytest.mark.slow
def test_the_production_server_refuses_to_start_unsafe(app, tmp_path):
    """Two workers counting rate limits each in their own memory: gunicorn stops at once."""
    env = gunicorn_env(
        app,
        ENV_NAME="production",
        MAIL_BACKEND="smtp",
        SERVER_BASE_URL="https://campaigns.example.org",
        TRUSTED_PROXIES="1",
    )
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, log, "--workers", "2", "--bind", f"127.0.0.1:{free_port()}")
    assert process.wait(timeout=60) != 0
    text = log.read_text()
    assert "limits.E001" in text and "refusing to start" in text, text[-2000:]


def test_the_cli_default_workers_follow_the_shared_storage(app, tmp_path):
    """Without Redis the server runs one process (threads share the counts); with it, more."""
    code = "from campaign import deploy_checks; print(deploy_checks.default_workers())"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CAMPAIGN_REDIS_URL", "CAMPAIGN_WEB_WORKERS", "CAMPAIGN_RATELIMIT_STORAGE_URI")
    }

    def workers(**extra: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout)

    assert workers() == 1
    assert workers(CAMPAIGN_REDIS_URL="redis://127.0.0.1:6379/0") >= 2
    assert workers(CAMPAIGN_WEB_WORKERS="3") == 3
