"""Keys for personal data: encryption at rest, keyed hashes for look-up and rate limiting.

The keys live in the instance folder or the environment, never in the database, so a copy of the
database file alone reveals no one.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


class KeyRing:
    """Encrypts with the newest key, decrypts with any; hashes with one secret key."""

    def __init__(self, encryption_keys: str, hash_key: str) -> None:
        keys = [k.strip() for k in encryption_keys.replace("\n", ",").split(",") if k.strip()]
        if not keys:
            raise ValueError("at least one encryption key is required")
        self.fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self.hash_key = hash_key.encode()

    def encrypt(self, text: str) -> str:
        """Encrypt text for storage."""
        return self.fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt stored text; raises ValueError when no key fits."""
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("stored value cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value with the newest key."""
        return self.fernet.rotate(token.encode("ascii")).decode("ascii")

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of a value, keyed per purpose so hashes of two kinds never match."""
        message = purpose.encode() + b"\x00" + value.encode("utf-8")
        return hmac.new(self.hash_key, message, hashlib.sha256).hexdigest()


def keyring() -> KeyRing:
    """The key ring of the current application."""
    if not has_app_context():
        raise RuntimeError("personal data can only be read or written inside the application")
    return current_app.extensions["keyring"]


def canonical_email(email: str) -> str:
    """The form of an address used to find duplicates: one person, one signature.

    Case and surrounding spaces never matter; a "+tag" never makes a new person; Gmail ignores
    dots in the local part, so we do too.
    """
    email = unicodedata.normalize("NFKC", email).strip().lower()
    local, _, domain = email.rpartition("@")
    if not local:
        return email
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_hash(email: str) -> str:
    """Keyed hash of the canonical address, for duplicate detection and exact look-up."""
    return keyring().keyed_hash("email", canonical_email(email))


def email_domain(email: str) -> str:
    """The domain of an address, for the trending-domain fraud signal."""
    return canonical_email(email).rpartition("@")[2][:255]


def client_key(request) -> str:
    """A keyed hash of the client address: rate limits and fraud signals never see the raw IP."""
    address = request.remote_addr or "unknown"
    return keyring().keyed_hash("client", address)[:32]
