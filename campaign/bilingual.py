"""Campaign texts in English and Spanish: the one home for how a text is chosen for a reader.

Every text an organizer writes for residents or the council has an English column and a Spanish
twin named ``<field>_es``; each model lists those fields in its ``TRANSLATED`` tuple. English is
required where the field is, Spanish is optional: a reader of Spanish sees the English text
until someone writes the Spanish one, and staff see it marked "not translated yet". Nothing here
imports Flask: pages, mails and calendar feeds pass the reader's language
(`campaign.display.localized` passes the request's).
"""

from __future__ import annotations

from typing import Any

SPANISH = "es"


def spanish_field(field: str) -> str:
    """The name of a text's Spanish twin: "title" -> "title_es"."""
    return f"{field}_{SPANISH}"


def translated_fields(obj: Any) -> tuple[str, ...]:
    """The English names of the texts of a campaign object that have a Spanish twin."""
    return tuple(getattr(type(obj), "TRANSLATED", ()))


def in_language(obj: Any, field: str, language: str | None) -> str:
    """A text in `language`, falling back to English when its Spanish twin is empty."""
    if obj is None:
        return ""
    if language == SPANISH:
        value = getattr(obj, spanish_field(field), None)
        if value:
            return value
    return getattr(obj, field) or ""


def lacks_spanish(obj: Any, field: str) -> bool:
    """True when the English text is written and its Spanish twin is not (yet)."""
    if obj is None:
        return False
    return bool(getattr(obj, field, None)) and not getattr(obj, spanish_field(field), None)
