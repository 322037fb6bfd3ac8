"""Mail as production sends it: SMTP to a real server that requires STARTTLS, whose certificate
is verified (issuer and host name) against SMTP_CA_FILE, with SMTP AUTH inside the TLS session.

Each test makes its own private certificate authority with the `cryptography` package.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from campaign.models import OutgoingMail
from campaign.services import mail
from tests.factories import make_campaign

SIGN = {
    "name": "Ana Flores",
    "email": "ana.flores@example.org",
    "zip": "11111",
    "visibility": "packet",
}
SMTP_LOGIN = ("campaign-app", "a long smtp password")


@dataclass
class Authority:
    """A private certificate authority; `file` is what SMTP_CA_FILE points at."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    file: Path
    folder: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_authority(folder: Path, common_name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{common_name}.pem"
    file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Authority(key, certificate, file, folder)


def server_tls(authority: Authority, host: str) -> ssl.SSLContext:
    """A server's TLS context with a certificate from `authority`, valid for `host` only."""
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        alternative_name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alternative_name = x509.DNSName(host)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([alternative_name]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    chain = authority.folder / f"server-{host}-{certificate.serial_number}.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = chain.with_suffix(".key")
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key_file)
    return context


@dataclass
class Inbox:
    """The SMTP server's side: what arrived, and whether it came inside TLS and logged in."""

    received: list[tuple[bytes, list[str], bool, bytes | None]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        secured = session.ssl is not None
        self.received.append((envelope.content, envelope.rcpt_tos, secured, session.auth_data))
        return "250 Message accepted"


def _check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    given = (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else ()
    expected = tuple(part.encode() for part in SMTP_LOGIN)
    if given != expected:
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535
    return AuthResult(success=True, auth_data=auth_data.login)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Start real SMTP servers that refuse mail before STARTTLS; stopped after the test."""
    controllers = []

    def start(tls: ssl.SSLContext, **options) -> tuple[Inbox, int]:
        inbox, port = Inbox(), _free_port()
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=tls,
            require_starttls=True,
            **options,
        )
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def _send_by_smtp(app, port: int, ca_file: Path | None, **settings) -> None:
    app.config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=True,
        SMTP_CA_FILE=str(ca_file) if ca_file else None,
        **settings,
    )


def _sign(client, campaign) -> None:
    response = client.post(f"/c/{campaign.slug}/sign", data=SIGN)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)


def _queued(db) -> OutgoingMail:
    db.session.expire_all()
    return db.session.scalar(sa.select(OutgoingMail))


def test_the_confirmation_arrives_over_verified_starttls(app, db, client, tmp_path, smtp_server):
    authority = make_authority(tmp_path / "pki", "Campaign Test CA")
    inbox, port = smtp_server(server_tls(authority, "127.0.0.1"))
    _send_by_smtp(app, port, authority.file)
    campaign = make_campaign()
    db.session.commit()

    _sign(client, campaign)

    [(content, recipients, secured, _login)] = inbox.received
    assert secured and recipients == ["ana.flores@example.org"]
    message = message_from_bytes(content, policy=policy.default)
    assert message["Subject"].startswith("Please confirm your signature")
    [confirm] = [word for word in message.get_content().split() if "/confirm/" in word]
    path = urlsplit(confirm).path
    assert path.startswith(f"/c/{campaign.slug}/confirm/")
    assert client.get(path).status_code == 200  # the link works: the page with the button
    assert _queued(db).sent_at is not None
    outbox = Path(app.config["OUTBOX_PATH"])
    assert not outbox.exists() or not list(outbox.iterdir())


@pytest.mark.parametrize("refusal", ["unknown authority", "other host name", "system store"])
def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    app, db, client, tmp_path, smtp_server, refusal
):
    ours = make_authority(tmp_path / "pki", "Our CA")
    theirs = make_authority(tmp_path / "pki", "Somebody Else CA")
    certificate = {
        "unknown authority": server_tls(theirs, "127.0.0.1"),
        "other host name": server_tls(ours, "mail.example.org"),
        "system store": server_tls(ours, "127.0.0.1"),
    }[refusal]
    inbox, port = smtp_server(certificate)
    _send_by_smtp(app, port, None if refusal == "system store" else ours.file)
    campaign = make_campaign()
    db.session.commit()

    _sign(client, campaign)  # the resident is answered as always: the mail waits

    assert inbox.received == []
    queued = _queued(db)
    assert queued.sent_at is None and queued.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in queued.last_error
    # The operator fixes the server's certificate: the minute job sends what waited.
    fixed, fixed_port = smtp_server(server_tls(ours, "127.0.0.1"))
    _send_by_smtp(app, fixed_port, ours.file)
    assert mail.retry_mail_job.call_local() == (1, 0)
    [(content, _recipients, secured, _login)] = fixed.received
    assert secured and b"/confirm/" in content
    assert inbox.received == []


def test_smtp_auth_logs_in_inside_the_tls_session(app, db, client, tmp_path, smtp_server):
    authority = make_authority(tmp_path / "pki", "Campaign Test CA")
    inbox, port = smtp_server(
        server_tls(authority, "127.0.0.1"), authenticator=_check_login, auth_required=True
    )
    user, password = SMTP_LOGIN
    _send_by_smtp(app, port, authority.file, SMTP_USER=user, SMTP_PASSWORD="not the password")
    campaign = make_campaign()
    db.session.commit()

    _sign(client, campaign)
    assert inbox.received == []
    assert "535" in _queued(db).last_error  # authentication refused: the mail waits

    app.config["SMTP_PASSWORD"] = password
    assert mail.retry_mail_job.call_local() == (1, 0)
    [(content, _recipients, secured, login)] = inbox.received
    assert secured and login == user.encode()
    assert b"/confirm/" in content
