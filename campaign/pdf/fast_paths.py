"""Stand-ins for WeasyPrint 70.0 functions that every line of a packet goes through.

Each is a copy of WeasyPrint's function that does less repeated work and writes the same
bytes (`glyphs.py`: the glyph-writing loop; `pango_setup.py`: each line's Pango layout
set-up; `margin_boxes.py`: page-margin layout; `pre_lines.py`: the second layout of each
`<pre>` line). They replace WeasyPrint's only on the version
they were copied from; on any other, WeasyPrint keeps its own and
`tests/pdf/test_weasyprint_fast_paths.py` says that they need comparing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import weasyprint

WRITTEN_FOR = "70.0"


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Replacement:
    """`owner.name` (a WeasyPrint module or class attribute) replaced by `function`."""

    owner: Any
    name: str
    function: Callable[..., Any]
    original: Callable[..., Any]
    fits: Callable[[], bool] = _always  # further checks, e.g. of a C struct's layout

    def installable(self) -> bool:
        return weasyprint.__version__ == WRITTEN_FOR and self.fits()

    def install(self) -> bool:
        """Use the replacement in this process; False (WeasyPrint's stays) if it does not fit."""
        if not self.installable():
            return False
        setattr(self.owner, self.name, self.function)
        return True

    def uninstall(self) -> None:
        setattr(self.owner, self.name, self.original)

    def installed(self) -> bool:
        return getattr(self.owner, self.name) is self.function


def replacements() -> tuple[Replacement, ...]:
    from . import glyphs, margin_boxes, pango_setup, pre_lines

    return (glyphs.REPLACEMENT, pango_setup.REPLACEMENT, margin_boxes.REPLACEMENT,
            pre_lines.REPLACEMENT)


def install_all() -> None:
    for replacement in replacements():
        replacement.install()


def uninstall_all() -> None:
    """WeasyPrint as it comes (for comparisons and the naive benchmark render)."""
    for replacement in replacements():
        replacement.uninstall()
