"""The staff area's Spanish catalog: every string of its code and templates, translated, with
the same placeholders."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# The staff area's catalog, and the areas that add staff pages of their own (each keeps its
# catalog so that people working at once never edit one file): Flask-Babel merges them.
CATALOGS = [
    ROOT / "translations/organize/es/LC_MESSAGES/messages.po",
    ROOT / "translations/letters/es/LC_MESSAGES/messages.po",
]
SOURCES = [
    "campaign/organize",
    "campaign/coalition",
    "campaign/auth",
    "templates/organize",
    "templates/coalition",
    "templates/auth",
    "templates/email/organize",
    "campaign/packets",
    "templates/packets",
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> set[str]:
    found = set()
    for source in SOURCES:
        path = ROOT / source
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.suffix not in (".py", ".html", ".txt"):
                continue
            method = "python" if file.suffix == ".py" else "jinja2"
            options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else {}
            for _line, message, _comments, _context in extract_from_file(
                method, str(file), keywords=KEYWORDS, options=options
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_staff_string_is_translated_with_its_placeholders():
    translated: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    catalogs = [read_po(io.BytesIO(path.read_bytes()), locale="es") for path in CATALOGS]
    for m in (m for catalog in catalogs for m in catalog):
        if not m.id:
            continue
        # A plural message has a tuple of forms (singular, plural) and one per Spanish form.
        ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
        strings = (m.string,) if isinstance(m.string, str) else tuple(m.string)
        if all(strings):
            translated[ids[0]] = (ids, strings)
    missing = sorted(_source_messages() - set(translated))
    assert missing == [], f"untranslated (run tools/translate.py organize ...): {missing}"
    wrong = [
        ids[0]
        for ids, strings in translated.values()
        if any(
            set(PLACEHOLDER.findall(ids[-1])) != set(PLACEHOLDER.findall(string))
            for string in strings
        )
    ]
    assert wrong == []
