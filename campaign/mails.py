"""Mail in words: the one place where the mail that services send is rendered.

A service decides who is mailed, when and about what, and queues the message in the outbox
(campaign/services/mail.py) in the transaction that causes it. The words are templates under
templates/email/, rendered here in the recipient's language with the helpers the pages use
(campaign texts in the reader's language, dates in the campaign's zone, labels). Wording is the
web layer's work, and rendering needs Flask's Jinja environment and Flask-Babel's locale, so it
lives outside services/; services call `render` and nothing else from here.

Each template sets `subject` at its top level; the rest of it is the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale

from campaign.text_cache import RenderedTextCache


def render(
    template: str, language: str, *, texts: Mapping[str, str] | None = None, **context: Any
) -> tuple[str, str]:
    """Subject and body of a plain-text mail in `language`.

    `texts` are what differs from one recipient's mail to the next (a name, a link), as plain
    text. With them the mail is rendered once per campaign version, language and context and
    kept, each recipient's texts put in their places (campaign.text_cache): `context` must
    then hold the `campaign` and otherwise hashable values.
    """
    if texts is None:
        return _render(template, language, context)
    campaign = context["campaign"]
    mails = current_app.extensions.get("mail_text_cache")
    if mails is None:
        mails = current_app.extensions["mail_text_cache"] = RenderedTextCache()
    others = tuple(sorted((k, v) for k, v in context.items() if k != "campaign"))
    key = (template, language, campaign.id, others)
    rendered = mails.get(key, campaign)
    if rendered is None:
        rendered = _render(template, language, {**context, **mails.holes(texts)})
        mails.put(key, campaign, rendered)
    subject, body = rendered
    return mails.fill(subject, texts), mails.fill(body, texts)


def _render(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    with force_locale(language):
        module = current_app.jinja_env.get_template(template).make_module(dict(context))
        subject = str(getattr(module, "subject", "")).strip()
        body = str(module).strip() + "\n"
    return subject, body
