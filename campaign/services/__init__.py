"""The business of the product; web views, the JSON API and the CLI all call these functions.

Services take typed arguments, return data and raise a DomainError when a rule of the product
is broken. They word nothing for a reader: an error's `code` names the rule, and the web layer
says it in the reader's language (campaign/error_messages.py). Two seams connect services to
the running application, and nothing else in services/ imports Flask: `context` (settings, the
secret that signs links, the site's address, what a process keeps) and campaign/mails.py
(rendering the mail a service queues).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the product was broken.

    `code` names the rule and never changes: pages, the API and tests read it. `details` are
    the facts a reader needs to act on it (a limit, a time zone), for the page's wording. The
    message is English, for logs and the command line, never shown to a resident as it is.
    """

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None, **details: Any) -> None:
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(message or self.code)


class NotFound(DomainError):
    """The thing asked for does not exist (or is not public)."""

    code = "not_found"
