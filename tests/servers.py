"""Real servers for tests: gunicorn under deploy/gunicorn.conf.py, redis-server, and a small
HTTP client that behaves like a resident's browser (a cookie, the last form's CSRF token)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate and key for `host` (and localhost), valid for a day: (cert.pem, key.pem).

    The certificate is its own CA, so a client given it as cafile verifies the host too.
    """
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A resident's browser: a cookie jar and the CSRF token of the last form seen.

    `headers` go with every request: a test stands in for a reverse proxy with them.
    """

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookie = ""
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(self.headers)
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        connection.close()
        return response.status, text

    def submit(self, path: str, fields: dict) -> tuple[int, str]:
        status, page = self.request("GET", path)
        if status != 200:
            return status, page
        token = TOKEN.search(page)
        if token is None:  # no form: e.g. "already confirmed" after a double click
            return status, page
        return self.request("POST", path, {"csrf_token": token.group(1), **fields})


@dataclass
class Server:
    port: int
    log: Path
    process: subprocess.Popen

    def workers_seen(self) -> set[str]:
        """The worker processes that answered a request so far (from the access log)."""
        return set(re.findall(r"served-by <(\d+)>", self.log.read_text()))


def gunicorn_env(app, **settings: str) -> dict[str, str]:
    """The environment of a server on the test's database and instance folder."""
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE_PATH": app.instance_path,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    env.pop("CAMPAIGN_REDIS_URL", None)
    env.update({f"CAMPAIGN_{name}": value for name, value in settings.items()})
    return env


def start_gunicorn(env: dict, log_path: Path, *args: str) -> subprocess.Popen:
    """gunicorn with the production configuration; its log (access log included) in log_path."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                GUNICORN,
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--access-logfile",
                "-",
                "--access-logformat",
                "served-by %(p)s",
                *args,
                "campaign:create_app()",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def gunicorn(env: dict, log_path: Path, *args: str, ready_path: str = "/") -> Iterator[Server]:
    """A running gunicorn on a free port of 127.0.0.1, stopped afterwards."""
    port = free_port()
    process = start_gunicorn(env, log_path, "--bind", f"127.0.0.1:{port}", *args)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if Browser(port).request("GET", ready_path)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(log_path.read_text()[-3000:])
        yield Server(port, log_path, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A Redis URL: CAMPAIGN_TEST_REDIS_URL's (flushed), or a redis-server started here."""
    url = os.environ.get("CAMPAIGN_TEST_REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("CI must test shared rate limits: install redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
