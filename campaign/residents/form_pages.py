"""Empty form pages, rendered once per campaign version and language, reused with a new token.

The signing form is the same page for everyone who opens it, except for the CSRF token in its
hidden field. Rendering it (the base template, the form macros, every translated label) is most
of what a visit costs, so the first visit renders it and later ones reuse the text with their
own token put in the token's place. The page is kept against the campaign object that
`campaigns.form_campaigns` hands out: that object is replaced whenever the campaign's rows
change, so an edited or closed campaign is never shown from here.

Only a page without per-visit content is kept: no form errors, no flashed messages.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app, session
from flask_wtf.csrf import generate_csrf

# Where the token goes in a kept page. Nothing a page prints can contain this (a noncharacter
# that the residents' forms remove and no template writes).
TOKEN_HOLE = "\ufdd0csrf-token\ufdd0"
_PAGES_KEPT = 256


class FormPages:
    def __init__(self) -> None:
        self._pages: dict[Hashable, tuple[object, str]] = {}

    def page(self, key: Hashable, owner: object, render: Callable[[], str]) -> str:
        """The page for `key`, rendered by `render` unless kept for this same `owner`."""
        kept = self._pages.get(key)
        if kept is not None and kept[0] is owner:
            return kept[1].replace(TOKEN_HOLE, generate_csrf())
        keepable = not session.get("_flashes")
        html = render()
        token = generate_csrf()
        if keepable and html.count(token) == 1 and TOKEN_HOLE not in html:
            if len(self._pages) >= _PAGES_KEPT:
                self._pages.pop(next(iter(self._pages)))
            self._pages[key] = (owner, html.replace(token, TOKEN_HOLE))
        return html


def form_page(key: Hashable, owner: object, render: Callable[[], str]) -> str:
    """`FormPages.page` of this application's kept pages."""
    return current_app.extensions.setdefault("form_pages", FormPages()).page(key, owner, render)
