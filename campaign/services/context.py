"""The running application as services see it: the one module of services/ that reads Flask.

Services are plain functions over a database session. The little they need from the
application that runs them (a setting, the secret that signs links, the site's public address,
the instance folder, what a process keeps between requests) comes from here, so that no other
service imports Flask and this short list is all a service may ask of the application. Keys
for personal data come from campaign.crypto, the keys' own seam.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _gettext
from itsdangerous import URLSafeTimedSerializer

from campaign.crypto import KeyRing
from campaign.links import external_url

Kept = TypeVar("Kept")


def setting(name: str, default: Any = None) -> Any:
    """A configuration value (campaign/config.py); `default` when it is unset or when no
    application is running (a script, a unit of a test)."""
    if not has_app_context():
        return default
    return current_app.config.get(name, default)


def configuration() -> Mapping[str, Any]:
    """All configuration values, read-only in spirit, for a service that needs several (SMTP)."""
    return current_app.config


def languages() -> tuple[str, ...]:
    """The languages the site speaks, its default first."""
    return tuple(setting("LANGUAGES", None) or ("en",))


def site_language(code: str | None) -> str:
    """`code` if the site speaks it, else the site's default language."""
    spoken = languages()
    return code if code in spoken else spoken[0]


def signer(purpose: str) -> URLSafeTimedSerializer:
    """Signs and reads the tokens of one kind of emailed link with the application's secret;
    one salt per purpose, so a token made for one kind of link never opens another."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campaign.{purpose}")


def link(endpoint: str, **values: Any) -> str:
    """The absolute URL of a page on the site's public address (never the request's Host)."""
    return external_url(endpoint, **values)


def instance_path() -> Path:
    """The instance folder: keys, uploads, mail outbox and packets."""
    return Path(current_app.instance_path)


def process_cache(name: str, make: Callable[[], Kept]) -> Kept:
    """A cache this process keeps for the application between requests, made on first use."""
    found = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions[name] = make()
    return found


def use_keyring(keyring: KeyRing, encryption_keys: str) -> None:
    """Encrypt with a new key ring from now on in this process (after a key rotation)."""
    current_app.extensions["keyring"] = keyring
    current_app.config["ENCRYPTION_KEYS"] = encryption_keys


def gettext(message: str, **variables: Any) -> str:
    """`message` in the language in force (see in_language), for words a service writes into a
    document of its own, such as a packet's pages. Services never word errors: they raise
    codes."""
    return _gettext(message, **variables)


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Write a document in language `code`, whatever the request's language."""
    with force_locale(code):
        yield
