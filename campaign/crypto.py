"""Keys for personal data: encryption at rest, keyed hashes for look-up and rate limiting.

The keys live in the instance folder or the environment, never in the database, so a copy of the
database file alone reveals no one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app, has_app_context

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
# base64.urlsafe_b64decode, without its per-call checks and translation table building.
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


class KeyRing:
    """Encrypts with the newest key, decrypts with any; hashes with one secret key."""

    def __init__(self, encryption_keys: str, hash_key: str) -> None:
        keys = [k.strip() for k in encryption_keys.replace("\n", ",").split(",") if k.strip()]
        if not keys:
            raise ValueError("at least one encryption key is required")
        self.fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        newest = base64.urlsafe_b64decode(keys[0])
        self._signing_key, self._encryption_key = newest[:16], newest[16:]
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

    def decrypt_many(self, tokens: Sequence[str]) -> list[str]:
        """Decrypt many stored values (a packet's roster) several times faster than one by one.

        Each Fernet token is checked exactly as Fernet.decrypt does (version, HMAC-SHA256
        before anything is decrypted, AES-CBC, PKCS7 padding), but the AES blocks of all
        tokens made with the newest key go through one cipher call: in CBC mode a block's
        plaintext is its decryption XOR the block before it. Tokens of older keys, and any
        that fail a check, go through decrypt(), which raises ValueError for a bad one.
        """
        names: list[str | None] = [None] * len(tokens)
        checked: list[tuple[int, bytes]] = []
        for index, token in enumerate(tokens):
            try:
                data = binascii.a2b_base64(token.encode("ascii").translate(_URLSAFE_TO_STANDARD))
            except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
                continue
            # version (1) | timestamp (8) | IV (16) | ciphertext (16 n, n >= 1) | HMAC (32)
            if len(data) < 73 or data[0] != 0x80 or (len(data) - 57) % 16:
                continue
            mac = hmac.digest(self._signing_key, data[:-32], "sha256")
            if hmac.compare_digest(mac, data[-32:]):
                checked.append((index, data))
        # Block by block (ECB) only to decrypt; the chaining below makes it CBC, as Fernet is.
        decryptor = Cipher(
            algorithms.AES(self._encryption_key), modes.ECB()  # noqa: S305
        ).decryptor()
        blocks = decryptor.update(b"".join(data[25:-32] for _i, data in checked))
        blocks += decryptor.finalize()
        offset = 0
        for index, data in checked:
            size = len(data) - 57
            decrypted = blocks[offset : offset + size]
            offset += size
            chained = data[9 : 9 + size]  # the IV, then each ciphertext block but the last
            padded = (
                int.from_bytes(decrypted, "big") ^ int.from_bytes(chained, "big")
            ).to_bytes(size, "big")
            pad = padded[-1]
            if 1 <= pad <= 16 and padded[-pad:] == bytes((pad,)) * pad:
                with contextlib.suppress(UnicodeDecodeError):
                    names[index] = padded[:-pad].decode("utf-8")
        return [
            name if name is not None else self.decrypt(token)
            for name, token in zip(names, tokens, strict=True)
        ]

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
