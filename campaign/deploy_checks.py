"""Deployment checks: what is unsafe in this configuration, in the spirit of Django's
`check --deploy`. Each check is a small function returning findings with a stable id.

`flask --app campaign check-deploy` lists them; the production server (deploy/gunicorn.conf.py)
refuses to start while any finding is an error. Warnings are logged and do not stop it.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request

ERROR = "error"
WARNING = "warning"
KEY_FILES = ("secret_key", "hash_key", "encryption_keys", "config.py")
# Written when a request came with forwarded headers while no proxy is trusted; the next
# check-deploy reports it (a proxy in front that the app does not know about).
FORWARDED_SEEN_FILE = "forwarded-headers-seen"
FORWARDED_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-IP")


@dataclass(frozen=True)
class Finding:
    id: str
    level: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.id} [{self.level}] {self.message}\n    {self.hint}"


@dataclass(frozen=True)
class Setup:
    """What the checks look at: the app's configuration and how it is served."""

    config: dict
    instance_path: Path
    workers: int
    bind: str


Check = Callable[[Setup], Iterator[Finding]]


def check_mail(setup: Setup) -> Iterator[Finding]:
    if setup.config.get("MAIL_BACKEND") != "smtp":
        yield Finding(
            "mail.E001",
            ERROR,
            "mail is written to files in the instance folder "
            "(MAIL_BACKEND=outbox), not sent: residents never get their links, and "
            "the files hold names, addresses and private links",
            "set CAMPAIGN_MAIL_BACKEND=smtp and CAMPAIGN_SMTP_HOST",
        )
    elif setup.config.get("SMTP_USER") and not setup.config.get("SMTP_STARTTLS"):
        yield Finding(
            "mail.E002",
            ERROR,
            "the SMTP password would be sent without TLS (SMTP_USER is set, SMTP_STARTTLS is not)",
            "set CAMPAIGN_SMTP_STARTTLS=true",
        )
    elif not setup.config.get("SMTP_STARTTLS") and not _is_loopback(setup.config["SMTP_HOST"]):
        yield Finding(
            "mail.W001",
            WARNING,
            "mail goes to another host without STARTTLS: "
            "links and addresses cross the network in clear",
            "set CAMPAIGN_SMTP_STARTTLS=true",
        )


def check_base_url(setup: Setup) -> Iterator[Finding]:
    url = urlsplit(str(setup.config.get("SERVER_BASE_URL") or ""))
    if url.scheme != "https" or not url.hostname:
        yield Finding(
            "url.E001",
            ERROR,
            f"SERVER_BASE_URL is {url.geturl()!r}: links in mail "
            "(confirmations, private testimony links) would travel without TLS",
            "set CAMPAIGN_SERVER_BASE_URL=https://your.site",
        )
    elif _is_loopback(url.hostname):
        yield Finding(
            "url.W001",
            WARNING,
            f"SERVER_BASE_URL names this machine ({url.hostname})"
            ": links in mail will not open for residents",
            "set CAMPAIGN_SERVER_BASE_URL to the public https address",
        )


def check_rate_limits(setup: Setup) -> Iterator[Finding]:
    storage = str(setup.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not setup.config.get("RATELIMIT_ENABLED", True):
        yield Finding(
            "limits.E002",
            ERROR,
            "rate limits are off (RATELIMIT_ENABLED=false)",
            "remove CAMPAIGN_RATELIMIT_ENABLED",
        )
    elif storage.startswith("memory://") and setup.workers > 1:
        yield Finding(
            "limits.E001",
            ERROR,
            f"rate limits are kept in each worker's memory and "
            f"{setup.workers} workers would each count alone: the documented limit "
            f"would be {setup.workers} times higher",
            "set CAMPAIGN_REDIS_URL (shared counts), or serve with one worker and "
            "threads: CAMPAIGN_WEB_WORKERS=1 (the default without Redis)",
        )


def check_key_files(setup: Setup) -> Iterator[Finding]:
    folder = setup.instance_path
    if folder.exists() and folder.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        yield Finding(
            "keys.W001",
            WARNING,
            f"the instance folder {folder} is open to other "
            "users of this machine (the SQLite database, packets, mail files)",
            f"chmod 700 {folder}",
        )
    for name in KEY_FILES:
        path = setup.instance_path / name
        if path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            yield Finding(
                "keys.E001",
                ERROR,
                f"{path} can be read by other users of this "
                f"machine (mode {stat.filemode(path.stat().st_mode)})",
                f"chmod 600 {path}",
            )


def check_debug(setup: Setup) -> Iterator[Finding]:
    if setup.config.get("DEBUG") or os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true"):
        yield Finding(
            "debug.E001",
            ERROR,
            "debug mode is on: an error page would run code typed into the browser",
            "unset FLASK_DEBUG and CAMPAIGN_DEBUG",
        )
    if setup.config.get("ENV_NAME") != "production":
        yield Finding(
            "env.E001",
            ERROR,
            f"ENV_NAME is {setup.config.get('ENV_NAME')!r}: "
            "cookies are sent without Secure and mail may stay in files",
            "unset CAMPAIGN_ENV_NAME (production is the default)",
        )
    elif not setup.config.get("SESSION_COOKIE_SECURE"):
        yield Finding(
            "cookies.E001",
            ERROR,
            "session cookies would travel over plain http",
            "unset CAMPAIGN_SESSION_COOKIE_SECURE",
        )


def check_proxies(setup: Setup) -> Iterator[Finding]:
    trusted = int(setup.config.get("TRUSTED_PROXIES") or 0)
    seen = setup.instance_path / FORWARDED_SEEN_FILE
    if trusted == 0 and seen.exists():
        yield Finding(
            "proxy.W001",
            WARNING,
            "requests came with X-Forwarded-* headers but no "
            "proxy is trusted: every resident behind the proxy shares one rate limit "
            "and the fraud page sees one client",
            f"set CAMPAIGN_TRUSTED_PROXIES to the number of proxies (nginx alone: 1),"
            f" then delete {seen}",
        )
    if trusted > 0 and not _is_local_bind(setup.bind):
        yield Finding(
            "proxy.W002",
            WARNING,
            f"a proxy is trusted but the app listens on "
            f"{setup.bind}: a client that reaches it directly can choose its own "
            "address for rate limits",
            "bind to 127.0.0.1 or a unix socket",
        )


CHECKS: tuple[Check, ...] = (
    check_mail,
    check_base_url,
    check_rate_limits,
    check_key_files,
    check_debug,
    check_proxies,
)


def default_workers() -> int:
    """Worker processes when CAMPAIGN_WEB_WORKERS is unset: two per core where rate limits are
    counted in shared storage (CAMPAIGN_REDIS_URL), else one process (with threads), whose
    memory:// counts are then the whole site's."""
    if os.environ.get("CAMPAIGN_WEB_WORKERS"):
        return int(os.environ["CAMPAIGN_WEB_WORKERS"])
    shared = (
        os.environ.get("CAMPAIGN_REDIS_URL")
        or os.environ.get("CAMPAIGN_RATELIMIT_STORAGE_URI", "memory://") != "memory://"
    )
    return max(2, 2 * (os.cpu_count() or 1)) if shared else 1


def default_bind() -> str:
    return os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")


def run(app: Flask, workers: int, bind: str) -> list[Finding]:
    """Every finding for this app served by `workers` processes on `bind`."""
    setup = Setup(dict(app.config), Path(app.instance_path), workers, bind)
    return [finding for check in CHECKS for finding in check(setup)]


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.level == ERROR]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_local_bind(binds: str) -> bool:
    """Every address of a gunicorn bind list ("127.0.0.1:8000,unix:/run/x") is local."""
    for bind in binds.split(","):
        if not bind.startswith("unix:") and not _is_loopback(bind.rsplit(":", 1)[0]):
            return False
    return True


def init_app(app: Flask) -> None:
    """Notice, once per process, requests that carry forwarded headers nobody trusts."""
    if int(app.config.get("TRUSTED_PROXIES") or 0) > 0:
        return
    marker = Path(app.instance_path) / FORWARDED_SEEN_FILE
    noticed = marker.exists()

    @app.before_request
    def notice_untrusted_proxy() -> None:
        nonlocal noticed
        if noticed or not any(name in request.headers for name in FORWARDED_HEADERS):
            return
        noticed = True
        marker.touch(mode=0o600)
        app.logger.warning(
            "requests carry X-Forwarded-* headers but CAMPAIGN_TRUSTED_PROXIES "
            "is 0: every client behind the proxy looks the same; see "
            "check-deploy"
        )
