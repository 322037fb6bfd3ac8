"""One Pango layout fewer per line of preformatted text (the roster's `<pre>` rows).

To break a `<pre>` into lines, WeasyPrint 70's `split_first_line` lays out the rest of the
text cut after the first newline plus one character ("line\\nX"), takes the first line, and
then `first_line_metrics` sets the layout's text to that line alone ("line") and lays it out
a second time, only to measure it and keep the text for drawing. A roster page is 76 such
lines, and the second layout was about 7 % of its time.

When the line is a whole paragraph (it ended at a "\\n", in `white-space: pre`, so nothing
was wrapped, collapsed or hyphenated), Pango lays out that paragraph the same whether or not
another one follows: the first line already measured is the one the second layout would
give. `first_line_metrics` below then keeps the text WeasyPrint would have set (the layout
is drawn from it later, laid out again) and returns the same metrics without the second
layout; in every other case it is WeasyPrint's own function.
`tests/pdf/test_weasyprint_fast_paths.py` renders packets both ways and compares the PDFs
byte for byte.

It replaces WeasyPrint's (`fast_paths.py`) only on the WeasyPrint version it was copied from.
"""

from __future__ import annotations

from weasyprint.text import line_break as _weasy_line_break
from weasyprint.text.ffi import FROM_UNITS, pango

from .fast_paths import Replacement

_original = _weasy_line_break.first_line_metrics
_line_size = _weasy_line_break.line_size


def first_line_metrics(first_line, text, layout, resume_at, space_collapse, style,
                       hyphenated=False, hyphenation_character=None):
    """WeasyPrint's first_line_metrics, without laying a whole `pre` paragraph out again."""
    if not resume_at or hyphenated or space_collapse or style["white_space"] != "pre":
        return _original(first_line, text, layout, resume_at, space_collapse, style,
                         hyphenated, hyphenation_character)
    length = first_line.length
    encoded = text.encode()
    if resume_at != length + 1 or encoded[length:resume_at] != b"\n":
        return _original(first_line, text, layout, resume_at, space_collapse, style,
                         hyphenated, hyphenation_character)
    # What WeasyPrint's set_text(first_line_text) would have left for drawing.
    layout.text = encoded[:length].decode()
    width, height = _line_size(first_line, style)
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    layout.deactivate()
    return layout, length, resume_at, width, height, baseline


REPLACEMENT = Replacement(_weasy_line_break, "first_line_metrics", first_line_metrics,
                          _original)
