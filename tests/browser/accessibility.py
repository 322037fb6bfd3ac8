"""The accessibility gate's tools: axe-core injected by the test (never served by the app),
and the check that a page is no wider than the screen.

axe-core is the npm package pinned in tests/browser/package.json; `make test` installs it into
tests/browser/node_modules (git-ignored). Without it the axe tests are skipped with a loud
reason, except in CI (CI=true), where a missing axe-core is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 at levels A and AA, and nothing else (best-practice rules are not the gate).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    if not AXE.exists():
        message = (
            f"axe-core is not installed ({AXE}); `make test` installs it with npm "
            "(apt-get install npm)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but " + message)
        pytest.skip("ACCESSIBILITY TESTS SKIPPED: " + message)
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """Run axe-core on the page as drawn; one readable line per violating element."""
    # Evaluated through the DevTools protocol, so the app's Content-Security-Policy (which
    # refuses inline scripts) needs no exception for the test.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations", options
    )
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {json.dumps(node['target'])} "
                f"{node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return lines


def overflow(page) -> int | None:
    """How many pixels the page is wider than the screen (None when it fits)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.viewport_size["width"]
    return width - screen if width > screen else None


def widest_elements(page) -> list[str]:
    """The elements that stick out past the right edge: what to fix when a page is too wide."""
    return page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .filter(e => getComputedStyle(e).position === 'absolute'
                         || !e.parentElement.closest('.table-scroll'))
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right));
        }"""
    )
