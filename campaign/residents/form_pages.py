"""Form pages rendered once per campaign version and language, reused with each visit's token.

The signing form is the same page for everyone who opens it, except for the CSRF token in its
hidden field; the "check your email" page that follows differs only in the address typed.
Rendering them (the base template, the form macros, every translated label) is most of what a
signature costs the server, so the first visit renders the page with placeholders where the
token and the typed text go, and every visit gets that text with its own token and its own
(escaped) text put in the placeholders' places.

A page is kept against the campaign object that `campaigns.form_campaign` hands out: that
object is replaced whenever the campaign's rows change, so an edited or closed campaign is
never shown from here. A page rendered while the session held flashed messages is used once
and not kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import current_app, session
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

_PAGES_KEPT = 256


class FormPages:
    def __init__(self) -> None:
        self._pages: dict[Hashable, tuple[object, str]] = {}
        # Unguessable, so no text a campaign or a resident writes can contain a placeholder.
        self._nonce = secrets.token_hex(12)

    def _hole(self, name: str) -> str:
        return f"\ufdd0{self._nonce}:{name}\ufdd0"

    def page(self, key: Hashable, owner: object, render: Callable[..., str], **texts: str) -> str:
        """The page for `key`: `render(**placeholders)` unless kept for this same `owner`,
        with this visit's CSRF token and `texts` (escaped) in the placeholders' places.

        `render` must print each text once per place, as `{{ name }}` does (no filters).
        """
        kept = self._pages.get(key)
        if kept is None or kept[0] is not owner:
            keepable = not session.get("_flashes")
            html = render(**{name: self._hole(name) for name in texts})
            html = html.replace(generate_csrf(), self._hole("csrf_token"))
            kept = (owner, html)
            if keepable:
                if len(self._pages) >= _PAGES_KEPT:
                    self._pages.pop(next(iter(self._pages)))
                self._pages[key] = kept
        html = kept[1].replace(self._hole("csrf_token"), generate_csrf())
        for name, value in texts.items():
            html = html.replace(self._hole(name), str(escape(value)))
        return html


def form_page(key: Hashable, owner: object, render: Callable[..., str], **texts: str) -> str:
    """`FormPages.page` of this application's kept pages."""
    pages = current_app.extensions.get("form_pages")
    if pages is None:
        pages = current_app.extensions["form_pages"] = FormPages()
    return pages.page(key, owner, render, **texts)
