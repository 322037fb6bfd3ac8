"""Absolute links (in mail, calendar feeds, printed sign-up sheets): the one place they are
built, always on SERVER_BASE_URL.

Never from the request's Host header: anyone can send any Host, and a link mailed to a
resident or printed on a sheet must not point to a site an attacker chose.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint on the site's public address."""
    base = urlsplit(current_app.config["SERVER_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
