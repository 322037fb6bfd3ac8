"""The record's mails have a complete Spanish catalog with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations/record/es/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_record_mail_string_is_translated_with_its_placeholders():
    with CATALOG.open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle, locale="es") if m.id}
    for template in sorted((ROOT / "templates/email/record").glob("*.txt")):
        for _line, message, _comments, _context in extract_from_file(
            "jinja2", str(template), keywords=DEFAULT_KEYWORDS
        ):
            assert catalog.get(message), f"untranslated: {message!r}"
            assert sorted(PLACEHOLDER.findall(catalog[message])) == sorted(
                PLACEHOLDER.findall(message)
            )
