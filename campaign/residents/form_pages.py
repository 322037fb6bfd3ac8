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

from collections.abc import Callable, Hashable

from flask import current_app, session
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from campaign.text_cache import RenderedTextCache


def form_page(key: Hashable, owner: object, render: Callable[..., str], **texts: str) -> str:
    """The page for `key`: `render(**placeholders)` unless kept for this same `owner`,
    with this visit's CSRF token and `texts` (escaped) in the placeholders' places.

    `render` must print each text once per place, as `{{ name }}` does (no filters).
    """
    pages = current_app.extensions.get("form_page_cache")
    if pages is None:
        pages = current_app.extensions["form_page_cache"] = RenderedTextCache()
    html = pages.get(key, owner)
    if html is None:
        html = render(**pages.holes(texts))
        html = html.replace(generate_csrf(), pages.hole("csrf_token"))
        if not session.get("_flashes"):  # a page with flashed messages is used once
            pages.put(key, owner, html)
    values = {"csrf_token": generate_csrf()}
    values.update((name, str(escape(value))) for name, value in texts.items())
    return pages.fill(html, values)
