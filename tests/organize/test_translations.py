"""The staff area's Spanish catalog: every string of its code and templates, translated, with
the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations/organize/es/LC_MESSAGES/messages.po"
SOURCES = ["campaign/organize", "campaign/coalition", "campaign/auth",
           "campaign/services/invitations.py", "campaign/services/passwords.py",
           "templates/organize", "templates/coalition", "templates/auth",
           "templates/email/organize"]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
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
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    missing = sorted(_source_messages() - set(translated))
    assert missing == [], f"untranslated (run tools/translate.py organize ...): {missing}"
    wrong = [msgid for msgid, string in translated.items()
             if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(string))]
    assert wrong == []
