"""Stand-ins for WeasyPrint 70.0 functions, installed in the packet's rendering processes only.

Each is a copy of a WeasyPrint function that does less repeated work and writes the same
bytes; one is left, `glyphs.py` (the glyph-writing loop). docs/pdf-speedups.md says what it
saves on a 100,000-signature packet, how it could go upstream, and which others were
measured and removed.

They replace library functions for the whole process, so only the rendering workers'
forkserver installs them (`worker_preload.py`): the web app, the job worker and the CLI
run WeasyPrint as published, and a batch those render themselves comes out the same
(tests/pdf/test_stock_libraries.py). Each replaces a function only on the exact library
version it was copied from; on any other it logs a warning and the library's own is used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

logger = logging.getLogger(__name__)


def _always() -> bool:
    return True


def installed_version(library: str) -> str:
    """The installed version of a distribution, e.g. "70.0" for "WeasyPrint"."""
    return metadata.version(library)


@dataclass(frozen=True)
class Replacement:
    """`owner.name` (a library's module or class attribute) replaced by `function`."""

    key: str  # its module under campaign/pdf/ and its name in docs/pdf-speedups.md
    library: str  # the distribution it was copied from, as pip names it
    written_for: str  # the exact version of that library
    owner: Any
    name: str
    function: Callable[..., Any]
    original: Callable[..., Any]
    fits: Callable[[], bool] = _always  # further checks, e.g. of a C struct's layout

    def install(self) -> bool:
        """Use the replacement in this process; False (the library's own stays) if it cannot."""
        found = installed_version(self.library)
        if found != self.written_for:
            logger.warning(
                "%s %s is installed: the packet's %s was copied from %s %s, so %s's own %s "
                "is used (slower; compare the two and update campaign/pdf/%s.py)",
                self.library,
                found,
                self.key,
                self.library,
                self.written_for,
                self.library,
                self.name,
                self.key,
            )
            return False
        if not self.fits():
            logger.warning(
                "the packet's %s does not fit the libraries it reads: %s's own %s is used",
                self.key,
                self.library,
                self.name,
            )
            return False
        setattr(self.owner, self.name, self.function)
        return True

    def uninstall(self) -> None:
        """The library's own function again."""
        setattr(self.owner, self.name, self.original)

    def installed(self) -> bool:
        """Whether this process uses the replacement."""
        return getattr(self.owner, self.name) is self.function


def replacements() -> tuple[Replacement, ...]:
    """Every stand-in, installed or not."""
    from . import glyphs

    return (glyphs.REPLACEMENT,)


def install_all() -> list[str]:
    """Install every stand-in that fits (the rendering workers' forkserver calls this)."""
    return [r.key for r in replacements() if r.install()]


def uninstall_all() -> None:
    """WeasyPrint as it comes again (for comparisons)."""
    for replacement in replacements():
        replacement.uninstall()
