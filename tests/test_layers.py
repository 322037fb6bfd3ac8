"""The layers keep to their places: services read the application only through their one seam,
and the project's cryptography is the library's as published.

These read the source, because an import is a promise about the whole module, whatever path a
test happens to run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "campaign"


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_context_seam_of_services_imports_flask():
    offenders = {
        path.name: sorted(m for m in _imported_modules(path) if m.split(".")[0].startswith("flask"))
        for path in sorted((PACKAGE / "services").glob("*.py"))
        if path.name != "context.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_seam_is_really_checked():
    # The check above must see an import of Flask where there is one.
    assert "flask" in _imported_modules(PACKAGE / "services" / "context.py")


def test_crypto_uses_no_hazmat_layer():
    imported = _imported_modules(PACKAGE / "crypto.py")
    assert "cryptography.fernet" in imported
    assert not [m for m in imported if "hazmat" in m]
