"""`make run`'s server (`flask --app campaign serve`) logs no client address and no token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.servers import ROOT, Browser, free_port

FLASK = str(Path(sys.executable).with_name("flask"))
TOKEN = "IjEyMyI.aBcDeFgHiJkLmNoPqRsTuVwXyZ"


def test_the_development_log_names_no_client_and_no_token(app, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE_PATH": app.instance_path,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CAMPAIGN_ENV_NAME": "development",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [FLASK, "--app", "campaign", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                Browser(port).request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
        browser = Browser(port)
        assert browser.request("GET", f"/reset/{TOKEN}?email=a@example.org")[0] == 400
        browser.request("GET", "/c/no-such-campaign")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    text = log.read_text()
    requests = [line for line in text.splitlines() if '"GET ' in line]
    assert any('"GET /reset/<token>" 400' in line for line in requests), text
    assert any('"GET /c/no-such-campaign" 404' in line for line in requests), text
    assert "127.0.0.1 - -" not in text and TOKEN not in text and "a@example.org" not in text
    assert not any("127.0.0.1" in line for line in requests)
