"""What a request log may say about a request: never the client, never a link token.

Link tokens are credentials: a password reset, a staff invitation, a resident's confirmation
or private testimony link, a calendar feed. Each is a path segment of 24 or more URL-safe
characters with capitals in it (signed tokens and random ones alike; slugs and file names are
lower case or short). The production logger (deploy/gunicorn.conf.py) and the development
server (`flask --app campaign serve`, what `make run` starts) both print paths through here.
"""

from __future__ import annotations

import logging
import re

from werkzeug.serving import WSGIRequestHandler

_TOKEN_SEGMENT = re.compile(r"(?<![^/])(?=[\w.-]*[A-Z])[\w.-]{24,}(?![^/])", re.ASCII)


def loggable_path(path: str) -> str:
    """The path with "<token>" for each link token, on one printable line."""
    path = _TOKEN_SEGMENT.sub("<token>", path)
    if not path.isprintable():  # a newline in a path must not start a forged log line
        path = path.encode("unicode_escape").decode("ascii")
    return path


access_logger = logging.getLogger("campaign.access")


class AddressFreeRequestHandler(WSGIRequestHandler):
    """werkzeug's development request handler, logging as the production server does: time,
    method, path without query string or tokens, status. No address, no header."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = loggable_path(getattr(self, "path", "").split("?", 1)[0])
        access_logger.info(
            '%s "%s %s" %s', self.log_date_time_string(), getattr(self, "command", "-"), path, code
        )

    def log(self, type: str, message: str, *args) -> None:
        # werkzeug's own prefixes the client's address; errors here keep only what happened.
        text = (message % args) if args else message
        getattr(access_logger, type, access_logger.info)(
            "%s %s", self.log_date_time_string(), loggable_path(text.rstrip())
        )
