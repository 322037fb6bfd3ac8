"""The site as docs/deploy.md deploys it, on this machine: nginx with TLS (deploy/nginx) in
front of gunicorn with two workers (deploy/gunicorn.conf.py), a job worker, PostgreSQL, Redis
and a mail server that requires STARTTLS and a password, every process given the environment
of deploy/campaign.env.example with this machine's values in place of the example's.

Needs nginx, Chromium, DATABASE_URL on PostgreSQL and CAMPAIGN_TEST_REDIS_URL (.ci/run sets
both); skipped without them, except in CI on PostgreSQL, where a missing piece is a failure.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM
from tests.deploy.tls_proxy import NGINX, ROOT, Nginx, start_nginx, wait_for_port
from tests.servers import free_port, redis_server, self_signed_certificate

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL", "")
ENV_EXAMPLE = ROOT / "deploy" / "campaign.env.example"
BIN = Path(sys.executable).parent
SLUG = "riverton-arrest-data"
LEAD = "operator@riverton.example"
LEAD_PASSWORD = "a long passphrase for the deployed test"
# What systemd gives a service before its EnvironmentFile: nothing of the caller's.
SYSTEMD_BASE = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}


def missing_pieces() -> list[str]:
    missing = []
    if not NGINX:
        missing.append("nginx (apt-get install nginx)")
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not POSTGRES_URL.startswith("postgres"):
        missing.append("DATABASE_URL pointing at PostgreSQL")
    if not REDIS_URL:
        missing.append("CAMPAIGN_TEST_REDIS_URL (a redis-server)")
    return missing


@pytest.fixture(autouse=True)
def _deployment_pieces():
    missing = missing_pieces()
    if missing and os.environ.get("CI") == "true" and POSTGRES_URL.startswith("postgres"):
        pytest.fail(f"CI on PostgreSQL must run the deployed test; missing: {missing}")
    if missing:
        pytest.skip(f"deployed test needs {', '.join(missing)}")


def deploy_environment(values: dict[str, str]) -> dict[str, str]:
    """The services' environment as the operator writes it: deploy/campaign.env.example with
    this machine's values in place of the example's (a commented-out setting is turned on)."""
    settings: dict[str, str] = {}
    optional = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if not match:
            continue
        commented, name, value = match.groups()
        if commented:
            optional.add(name)
        else:
            settings[name] = value[1:-1] if value[:1] == value[-1:] == '"' else value
    unknown = set(values) - set(settings) - optional
    assert not unknown, f"not in {ENV_EXAMPLE.name}, so not in docs/deploy.md: {unknown}"
    settings.update(values)
    unfilled = [name for name, value in settings.items() if "CHANGE-ME" in value]
    assert not unfilled, f"the example's placeholders left in {unfilled}"
    return {**SYSTEMD_BASE, **settings}


@dataclass
class MailServer:
    """aiosmtpd as a submission server: STARTTLS before anything, then a password."""

    port: int
    user: str
    password: str
    received: list[tuple[EmailMessage, dict]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(
            (
                message,
                {"tls": session.ssl is not None, "authenticated": bool(session.authenticated)},
            )
        )
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = (auth_data.login.decode(), auth_data.password.decode()) == (self.user, self.password)
        return AuthResult(success=ok)

    def messages_to(self, address: str) -> list[tuple[EmailMessage, dict]]:
        return [(m, facts) for m, facts in self.received if m["To"] == address]


@pytest.fixture
def tls_files(tmp_path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path / "tls")


@pytest.fixture
def mail_server(tls_files):
    import ssl

    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    server = MailServer(free_port(), "campaign-mailer", "smtp password of the test")
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=server.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=server.authenticate,
    )
    controller.start()
    yield server
    controller.stop()


@dataclass
class Deployment:
    nginx: Nginx
    logs: dict[str, Path]
    tls_files: tuple[Path, Path]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.nginx.base_url

    def stop(self) -> None:
        """Stop nginx, gunicorn and the worker, so that their logs are complete."""
        self.nginx.stop()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """An operator's `flask --app campaign ...` with the services' environment."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "campaign", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        umask=0o077,
    )
    assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def service(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process as its systemd unit runs it: its environment, umask 0077, output to a log."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            umask=0o077,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def deployed(tmp_path, databases, mail_server, tls_files):
    with redis_server(tmp_path) as redis_url:  # flushed: no job left by an earlier test
        yield from _deployment(tmp_path, databases.new(), redis_url, mail_server, tls_files)


def _deployment(tmp_path, database_url, redis_url, mail_server, tls_files):
    app_port = free_port()
    logs = {"gunicorn": tmp_path / "gunicorn.log", "worker": tmp_path / "worker.log"}
    site = Deployment(
        start_nginx(tmp_path / "nginx", f"127.0.0.1:{app_port}", *tls_files), logs, tls_files
    )
    try:
        (tmp_path / "home").mkdir()
        env = deploy_environment(
            {
                "CAMPAIGN_SERVER_BASE_URL": site.base_url,
                "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
                "DATABASE_URL": database_url,
                "CAMPAIGN_REDIS_URL": redis_url,
                "CAMPAIGN_BIND": f"127.0.0.1:{app_port}",
                "CAMPAIGN_WEB_WORKERS": "2",
                "CAMPAIGN_SMTP_HOST": "127.0.0.1",
                "CAMPAIGN_SMTP_PORT": str(mail_server.port),
                "CAMPAIGN_SMTP_USER": mail_server.user,
                "CAMPAIGN_SMTP_PASSWORD": mail_server.password,
                "CAMPAIGN_SMTP_CA_FILE": str(tls_files[0]),
            }
        ) | {"HOME": str(tmp_path / "home")}
        flask(env, "db", "upgrade")
        flask(env, "demo")
        create_lead = f"users create {LEAD} --role lead --campaign {SLUG}"
        flask(env, *create_lead.split(), stdin=LEAD_PASSWORD + "\n")
        flask(env, "check-deploy")
        web = service(
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "campaign:create_app()"],
            env,
            logs["gunicorn"],
        )
        site.processes.append(web)
        site.processes.append(
            service(
                [str(BIN / "flask"), "--app", "campaign", "worker", "--workers", "2"],
                env,
                logs["worker"],
            )
        )
        wait_for_port(app_port, web, logs["gunicorn"].read_text)
        yield site
    finally:
        site.stop()
