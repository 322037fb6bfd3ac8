"""Browser tests: the app served on 127.0.0.1 in a thread, driven by Debian's Chromium.

Without /usr/bin/chromium these tests are skipped with a clear reason, except in CI (CI=true),
where a missing browser is a failure.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.servers import self_signed_certificate

CHROMIUM = os.environ.get("CAMPAIGN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    have_browser = Path(CHROMIUM).exists() and shutil.which(CHROMIUM)
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not have_browser:
                if os.environ.get("CI") == "true":
                    item.add_marker(
                        pytest.mark.xfail(
                            reason="CI must run browser tests", strict=True, run=False
                        )
                    )
                    raise pytest.UsageError(f"CI=true but {CHROMIUM} is missing")
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"browser tests skipped: {CHROMIUM} not installed "
                        "(apt-get install chromium)"
                    )
                )


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def live_server(app, tls_files):
    """The app over HTTPS on a free port of 127.0.0.1, as residents reach it in production
    (Secure cookies, Flask-WTF's strict HTTPS referrer check); yields its base URL. Shares
    the test's database."""
    served = make_app(
        Path(app.instance_path),
        app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
        SERVER_NAME=None,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no client addresses in logs
    server = make_server("127.0.0.1", 0, served, threaded=True, ssl_context=tls_files)
    base_url = f"https://127.0.0.1:{server.server_port}"
    served.config["SERVER_BASE_URL"] = base_url  # links in mail and feeds, as in production
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) with one page; refuses requests to other hosts."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", ignore_https_errors=True
    )
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("https://127.0.0.1", "data:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def publish_screenshots(artifacts: Path, *names: str) -> None:
    """Copy screenshots into docs/screenshots, only when asked: CAMPAIGN_UPDATE_SCREENSHOTS=1.

    A test run must not rewrite tracked files (their pixels differ from run to run)."""
    if os.environ.get("CAMPAIGN_UPDATE_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (artifacts / name).exists():
            shutil.copyfile(artifacts / name, DOCS_SCREENSHOTS / name)


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots kept by CI (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
