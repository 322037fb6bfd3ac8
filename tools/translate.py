"""Update one area's Spanish catalog: extract its strings, fill translations, list what is missing.

    .venv/bin/python tools/translate.py AREA PATH [PATH ...] [--json FILE]

AREA "base" is translations/es; any other area is translations/AREA/es. Each area keeps its own
catalog so that people working on different areas never edit the same file; Flask-Babel merges
them. PATHs are the files or folders whose strings belong to the area (Python and Jinja). FILE is
a JSON object {"English msgid": "Spanish text"}. `make` compiles the catalogs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _files(paths: list[str]):
    for raw in paths:
        path = (ROOT / raw).resolve()
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for candidate in candidates:
            if candidate.suffix in (".py", ".html", ".txt") and candidate.is_file():
                yield candidate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("area")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--json", dest="json_file")
    args = parser.parse_args()
    folder = ROOT / "translations" / ("es" if args.area == "base" else f"{args.area}/es")
    po_path = folder / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    template = Catalog(locale="es", project="campaign")
    for path in _files(args.paths):
        method = "python" if path.suffix == ".py" else "jinja2"
        options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            template.add(
                message,
                None,
                [(str(path.relative_to(ROOT)), lineno)],
                auto_comments=comments,
                context=context,
            )
    if po_path.exists():
        with open(po_path, "rb") as handle:
            catalog = read_po(handle, locale="es")
    else:
        catalog = Catalog(locale="es", project="campaign")
    catalog.update(template, no_fuzzy_matching=True)
    given = json.loads(Path(args.json_file).read_text("utf-8")) if args.json_file else {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in given:
            message.string = given[key]
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_previous=False)
    print(f"{po_path.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated")
    for key in missing:
        print("  missing:", json.dumps(key, ensure_ascii=False))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
