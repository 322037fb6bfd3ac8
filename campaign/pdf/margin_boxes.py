"""Skip WeasyPrint's page-margin layout on pages that have nothing in their margins.

For every page, `weasyprint.layout.page.make_margin_boxes` builds all sixteen CSS margin
boxes (@top-left, ..., @bottom-right-corner), computes their styles and resolves their
percentages, and then yields only those whose `content` generates something. A packet's
pages have nothing in their margins (the footer is drawn by the merger); only the footer's
own sheet uses @bottom-left. That work was about 6 % of a testimony page's time.

`make_margin_boxes` below asks the same question WeasyPrint asks of each box (is its
`content` other than normal, inhibit or none?) first, for all sixteen, and hands the page to
WeasyPrint's function as soon as one would be generated; otherwise it yields nothing, which is
what WeasyPrint's would have yielded. `tests/pdf/test_weasyprint_fast_paths.py` renders
packets and the footer sheet both ways and compares the PDFs byte for byte.

It replaces WeasyPrint's (`fast_paths.py`) only on the WeasyPrint version it was copied from.
"""

from __future__ import annotations

from weasyprint import layout as _weasy_layout

from .fast_paths import Replacement

_original = _weasy_layout.make_margin_boxes
_KEYWORDS = tuple(
    f"@{side}-{place}"
    for side, places in (
        ("top", ("left", "center", "right")),
        ("bottom", ("left", "center", "right")),
        ("left", ("top", "middle", "bottom")),
        ("right", ("top", "middle", "bottom")),
    )
    for place in places
) + ("@top-left-corner", "@top-right-corner", "@bottom-left-corner", "@bottom-right-corner")
_NOT_GENERATED = ("normal", "inhibit", "none")


def make_margin_boxes(context, page, state):
    """WeasyPrint's margin boxes of `page`, or none without computing them when none has content."""
    for at_keyword in _KEYWORDS:
        # As WeasyPrint's make_box: no style of its own means the page's anonymous style,
        # whose content is "normal".
        style = context.style_for(page.page_type, at_keyword)
        if style is not None and style["content"] not in _NOT_GENERATED:
            return _original(context, page, state)
    return iter(())


REPLACEMENT = Replacement(_weasy_layout, "make_margin_boxes", make_margin_boxes, _original)
