"""A resident and a lead through the site as deployed: Chromium over HTTPS to nginx (the site in
deploy/nginx), gunicorn with two workers, the job worker sending mail through a server that
requires STARTTLS and a password, PostgreSQL and Redis (tests/deploy/conftest.py).

Then the logs: nginx's and gunicorn's hold no client address and no link token, although the
test made nginx refuse a request whose path carries one."""

from __future__ import annotations

import http.client
import re
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.deploy.conftest import LEAD, LEAD_PASSWORD, SLUG
from tests.deploy.tls_proxy import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# As tests/browser/conftest.py launches it (no sandbox: CI runs as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TESTIMONY = (
    "I have ridden the Harborview bus for nine years. Sharing arrest data keeps my "
    "neighbors from calling for help."
)
MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # campaign/config.py
LINK_TOKEN = re.compile(r"/(?:confirm|t)/([^/?#\s]+)")


@dataclass
class Visit:
    """What the browser saw: the links mailed to the resident, the packet it downloaded."""

    links: list[str] = field(default_factory=list)
    packet: Path | None = None

    @property
    def tokens(self) -> set[str]:
        """The secrets in the links: a confirmation's, a private testimony link's."""
        return {token for link in self.links for token in LINK_TOKEN.findall(link)}


def test_resident_and_lead_through_nginx_tls_gunicorn_and_the_worker(
    deployed, mail_server, tmp_path
):
    assert_plain_http_moves_to_https(deployed)
    visit = in_own_thread(browse, deployed, mail_server, tmp_path)
    assert len(visit.tokens) >= 3, visit.links  # signature, testimony, private testimony link
    assert_packet(visit.packet)
    token_path = urlsplit(next(link for link in visit.links if "/confirm/" in link)).path
    assert_body_limit_is_the_apps(deployed, token_path)
    deployed.stop()
    assert_logs_hold_no_address_and_no_token(deployed, visit.tokens)


def in_own_thread(function, *args):
    """Run with a Playwright of its own: its sync API allows one per thread, and the browser
    tests' session-wide one (tests/browser/conftest.py) may be open in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def browse(deployed, mail_server, folder: Path) -> Visit:
    from playwright.sync_api import sync_playwright

    visit = Visit()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            resident, outside = new_page(browser, deployed.base_url)
            sign_and_confirm(resident, deployed, mail_server, visit)
            write_testimony_and_confirm(resident, deployed, mail_server, visit)
            lead, outside_staff = new_page(browser, deployed.base_url)
            approve_and_build_packet(lead, deployed, folder, visit)
        finally:
            browser.close()
    assert outside == outside_staff == [], "the pages tried to reach other hosts"
    return visit


def new_page(browser, base_url: str):
    """A fresh browser (no cookies) that accepts the self-signed certificate and refuses to
    load anything from another host; the page and the list of refused URLs."""
    context = browser.new_context(
        ignore_https_errors=True, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith((base_url + "/", "data:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    return context.new_page(), outside


def sign_and_confirm(page, deployed, mail_server, visit: Visit) -> None:
    page.goto(f"{deployed.base_url}/c/{SLUG}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deploy-campaign-https.png"))
    page.get_by_role("link", name="Sign the petition").first.click()
    page.get_by_label("Your name", exact=True).fill("Lucía Ramírez")
    page.get_by_label("Email", exact=True).fill("lucia@residents.example")
    page.get_by_label("ZIP code", exact=True).fill("40104")
    page.get_by_label("Only in the packet for the council", exact=True).check()
    page.get_by_role("button", name="Sign").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(mailed_link(deployed, mail_server, "lucia@residents.example", "/confirm/", visit))
    page.get_by_role("button", name="Confirm my signature").click()
    page.get_by_role("heading", name="Thank you! Your signature is counted.").wait_for()


def write_testimony_and_confirm(page, deployed, mail_server, visit: Visit) -> None:
    page.goto(f"{deployed.base_url}/c/{SLUG}/testify")
    page.get_by_label("Your name", exact=True).fill("Rosa Díaz")
    page.get_by_label("Email", exact=True).fill("rosa@residents.example")
    page.get_by_label("ZIP code", exact=True).fill("40107")
    page.get_by_label("I oppose renewing the arrest-data sharing contract", exact=True).check()
    page.get_by_label("Your testimony", exact=True).fill(TESTIMONY)
    page.get_by_label("Public", exact=True).check()
    page.get_by_role("button", name="Send my testimony").click()
    page.get_by_role("heading", name="Your testimony").wait_for()
    link = mailed_link(deployed, mail_server, "rosa@residents.example", "/testify/confirm/", visit)
    page.goto(link)
    page.get_by_role("button", name="Confirm my testimony").click()
    page.get_by_role("heading", name="Thank you! Your testimony is confirmed.").wait_for()


def mailed_link(deployed, mail_server, address: str, part: str, visit: Visit) -> str:
    """The link containing `part` in the first mail the worker sent to `address` (every link
    of that mail kept in the visit); the mail must have come over TLS, after a log-in."""
    deadline = time.monotonic() + 120
    while not mail_server.messages_to(address):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no mail to {address}; worker:\n{deployed.logs['worker'].read_text()[-3000:]}"
            )
        time.sleep(0.2)
    message, facts = mail_server.messages_to(address)[0]
    assert facts == {"tls": True, "authenticated": True}
    links = re.findall(r"https?://\S+", message.get_content())
    assert all(link.startswith(deployed.base_url + "/") for link in links), links
    visit.links.extend(links)
    [link] = [link for link in links if part in link]
    return link


def approve_and_build_packet(page, deployed, folder: Path, visit: Visit) -> None:
    page.goto(f"{deployed.base_url}/login")
    page.fill("#email", LEAD)
    page.fill("#password", LEAD_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{deployed.base_url}/organize/")
    page.goto(f"{deployed.base_url}/organize/c/{SLUG}/moderation")
    card = page.locator(".testimony-card", has_text="Harborview")
    card.locator("button", has_text="Approve").click()
    page.wait_for_load_state()
    assert "Approved testimony" in page.locator(".flashes").inner_text()

    page.goto(f"{deployed.base_url}/organize/c/{SLUG}/packets")
    page.get_by_role("button", name="Build packet").click()
    download = page.get_by_role("link", name="Download PDF")
    builds = page.locator("#builds-heading + *")
    deadline = time.monotonic() + 180
    # No reload here: the organizer's page must refresh itself while the worker builds.
    while not download.count():
        assert "Failed" not in builds.inner_text()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the packets page still shows {builds.inner_text()!r}; "
                f"worker:\n{deployed.logs['worker'].read_text()[-3000:]}"
            )
        page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "deploy-packets-https.png"), full_page=True)
    with page.expect_download() as downloading:
        download.first.click()
    visit.packet = folder / "packet.pdf"
    downloading.value.save_as(visit.packet)


def assert_packet(path: Path) -> None:
    from pypdf import PdfReader

    assert path.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 3
    assert "Harborview" in text  # the testimony the lead approved


def https(deployed) -> http.client.HTTPSConnection:
    """A connection that trusts only the site's certificate, for the host it was made for."""
    context = ssl.create_default_context(cafile=str(deployed.tls_files[0]))
    return http.client.HTTPSConnection(
        "127.0.0.1", deployed.nginx.https_port, context=context, timeout=60
    )


def assert_plain_http_moves_to_https(deployed) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", deployed.nginx.http_port, timeout=10)
    connection.request("GET", f"/c/{SLUG}?lang=es")
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"{deployed.base_url}/c/{SLUG}?lang=es"
    connection.close()
    connection = https(deployed)
    connection.request("GET", f"/c/{SLUG}")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    assert response.getheader("Server") == "nginx"  # no version
    # Sent only when the app sees https: X-Forwarded-Proto from nginx, one proxy trusted.
    assert response.getheader("Strict-Transport-Security")
    connection.close()


def assert_body_limit_is_the_apps(deployed, token_path: str) -> None:
    """nginx takes a body as large as MAX_CONTENT_LENGTH and refuses a byte more itself, on a
    path with a link token (so its error log would show the token if it logged the refusal)."""
    connection = https(deployed)
    connection.request("GET", "/static/css/site.css", body=b"x" * MAX_CONTENT_LENGTH)
    response = connection.getresponse()
    assert response.status == 200, response.status
    assert response.read() == (ROOT / "static" / "css" / "site.css").read_bytes()
    connection.close()
    connection = https(deployed)
    connection.request(
        "POST",
        token_path,
        body=b"x" * (MAX_CONTENT_LENGTH + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 413
    assert b"nginx" in response.read()  # refused by nginx, never sent to gunicorn
    connection.close()


def assert_logs_hold_no_address_and_no_token(deployed, tokens: set[str]) -> None:
    nginx = deployed.nginx.logs()
    # Debian's nginx.conf logs every request of every site to access.log; this site does not.
    assert nginx.get("access.log", "") == ""
    for name, text in nginx.items():
        # Request-level messages end with "client: <address>, server: ..., request: ...".
        assert "client:" not in text and "127.0.0.1" not in text, (name, text[-3000:])

    gunicorn = deployed.logs["gunicorn"].read_text()
    requests = [line for line in gunicorn.splitlines() if re.search(r'"[A-Z]+ /', line)]
    assert any(f"/c/{SLUG}/confirm/<token>" in line for line in requests), gunicorn[-3000:]
    assert not [line for line in requests if "/static/" in line]  # nginx serves those
    addressed = [
        line
        for line in gunicorn.splitlines()
        if "127.0.0.1" in line and "Listening at: " not in line and "SERVER_BASE_URL" not in line
    ]
    assert addressed == []

    logs = {**nginx, "gunicorn": gunicorn, "worker": deployed.logs["worker"].read_text()}
    leaked = {name: token for name, text in logs.items() for token in tokens if token in text}
    assert leaked == {}
