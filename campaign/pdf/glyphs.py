"""WeasyPrint's glyph-writing loop, with each glyph's PDF text worked out once per font.

Every line of a packet goes through `weasyprint.draw.text.draw_first_line`, which writes
each glyph of the line into the page's content stream: the glyph's id in hex and its
position adjustment, from about a dozen lookups, a float computation and two formatted
strings per glyph. A roster page has about 9,000 glyphs, but only a few hundred different
(glyph, advance) pairs, and the text written for a glyph depends on nothing else when Pango
did not shift it (no x or y offset): the font, its size, the glyph and its advance.

`draw_first_line` below is WeasyPrint 70's function (BSD licence, (c) Kozea) with the
same statements in the same order, so it writes the same bytes; its loop over runs and
glyphs is cut into the methods of `_Line` at the same statements. What it adds: the text a
plain glyph produced is kept per font and size, and the next time that glyph comes with that
advance it is appended as is; glyphs with an offset, a rise, no glyph in the font, or an
empty glyph always go through the full computation, and so do lines with an ellipsis and
runs in fonts with colour glyphs (SVG, PNG or COLR emoji), which are handed to
WeasyPrint's own function. The glyph array is read through one memoryview per run instead of
a cffi object per glyph. `tests/pdf/test_weasyprint_fast_paths.py` renders a corpus of
scripts, marks, missing glyphs and hostile text both ways and compares the PDFs byte for
byte.

Only the rendering workers use it (`fast_paths.py`, `worker_preload.py`), and only on the
WeasyPrint version it was copied from and the glyph layout it reads; otherwise WeasyPrint
keeps its own. docs/pdf-speedups.md has its measured gain and a note for upstream.
"""

from __future__ import annotations

from weasyprint.draw import text as _weasy_text
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

from .fast_paths import Replacement

_original = _weasy_text.draw_first_line
# PangoGlyphInfo: guint32 glyph; gint32 width, x_offset, y_offset; guint32 attribute bits.
_INFO_INTS = 5
_INFO_SIZE = 4 * _INFO_INTS


def _fits() -> bool:
    """The glyph array is read as 32-bit integers: check that Pango's struct is that."""
    return (
        ffi.sizeof("PangoGlyphInfo") == _INFO_SIZE
        and ffi.sizeof("PangoGlyph") == 4
        and ffi.sizeof("PangoGlyphUnit") == 4
    )


def _pieces(font, font_size: float) -> dict[tuple[int, int], str]:
    """The kept text of plain glyphs for this font at this size: (glyph, advance) -> text."""
    kept = font.__dict__.setdefault("_packet_glyph_text", {})
    pieces = kept.get(font_size)
    if pieces is None:
        pieces = kept[font_size] = {}
    return pieces


def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """Draw the given ``textbox`` line to the document ``stream``."""
    # Don't draw lines with only invisible characters.
    if not textbox.text.strip():
        return []

    if textbox.style["font_size"] < 1e-6:  # default float precision used by pydyf
        return []

    if text_overflow == "ellipsis" or block_ellipsis != "none":
        # Never in a packet (the roster and the footer cut their own text).
        return _original(stream, textbox, text_overflow, block_ellipsis, matrix)

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _index = textbox.pango_layout.get_first_line()

    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        runs.append(run.data)
        run = run.next
    if _has_colour_glyphs(stream, runs):
        # Colour glyphs are drawn as images beside the text: WeasyPrint's code does it all.
        return _original(stream, textbox, text_overflow, block_ellipsis, matrix)

    stream.set_text_matrix(*matrix.values)
    line = _Line(stream, textbox)
    for glyph_item in runs:
        line.run(glyph_item)

    # Draw text.
    stream.show_text(line.string)

    return []


def _has_colour_glyphs(stream, runs) -> bool:
    checked = None
    for glyph_item in runs:
        pango_font = glyph_item.item.analysis.font
        if pango_font != checked:
            checked = pango_font
            font, _size = stream.add_font(pango_font)
            if font.svg or font.png or font.colr:
                return True
    return False


class _Line:
    """The text operators of one line, as WeasyPrint's loop writes them, run after run.

    WeasyPrint's function is one loop; it is cut here at the same statements, so that the
    same operators are written in the same order. `string` is the text not yet shown.
    """

    def __init__(self, stream, textbox) -> None:
        self.stream = stream
        self.textbox = textbox
        self.string = ""
        self.utf8_text = None
        self.previous_pango_font = None
        self.old_pango = pango.pango_version() < 14802

    def set_font(self, pango_font) -> None:
        # Add font file content and get font size.
        self.previous_pango_font = pango_font
        font, font_size = self.stream.add_font(pango_font)

        # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
        if self.old_pango:
            font_size = self.textbox.style["font_size"]

        # Go through the run glyphs.
        if self.string:
            self.stream.show_text(self.string)
        self.string = ""
        self.stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
        self.font, self.font_size, self.pango_font = font, font_size, pango_font
        self.pieces = _pieces(font, font_size)

    def run(self, glyph_item) -> None:
        """Append the glyphs of one run, plain ones from the kept text."""
        # Get Pango objects.
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        self.utf8_text = None

        pango_font = glyph_item.item.analysis.font
        if pango_font != self.previous_pango_font:
            self.set_font(pango_font)
        pieces = self.pieces
        string = self.string + "<"
        array = memoryview(ffi.buffer(glyph_string.glyphs, num_glyphs * _INFO_SIZE))
        ids, info = array.cast("I"), array.cast("i")  # the glyph is unsigned, the rest signed
        for i in range(num_glyphs):
            base = i * _INFO_INTS
            glyph_id = ids[base]
            width = info[base + 1]
            x_offset = info[base + 2]
            y_offset = info[base + 3]
            if not x_offset and not y_offset:
                piece = pieces.get((glyph_id, width))
                if piece is not None:
                    string += piece
                    continue
            string = self.glyph(string, glyph_item, i, glyph_id, (width, x_offset, y_offset))

        # Close the last glyphs list, remove if empty.
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"
        self.string = string

    def glyph(
        self, string: str, glyph_item, i: int, glyph_id: int, geometry: tuple[int, int, int]
    ) -> str:
        """`string` with one glyph appended by WeasyPrint's computation."""
        width, x_offset, y_offset = geometry
        font, font_size = self.font, self.font_size
        # Display zero-width empty glyph.
        if glyph_id == pango.PANGO_GLYPH_EMPTY:
            return string + f">{-width / font_size}<"

        plain = not x_offset and not y_offset
        # Display .notdef and log warning for missing glyphs.
        if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
            plain = False  # its width is set again each time
            glyph_id = self.unknown(glyph_id, width)

        # Create mapping between glyphs and Unicode codepoints.
        if glyph_id not in font.to_unicode:
            font.to_unicode[glyph_id] = self.text_of(glyph_item, i)

        # Set horizontal and vertical offsets.
        start = len(string)
        offset = x_offset / font_size
        rise = y_offset / 1000
        if rise:
            string = self.risen(string, glyph_id, offset, rise)
        else:
            if offset:
                string += f">{-offset}<"
            string += f"{glyph_id:02x}" if font.bitmap else f"{glyph_id:04x}"

        # Set kerning, word spacing, letter spacing.
        kerning = self.logical_width(glyph_id) + offset - width * 1000 * FROM_UNITS / font_size
        if kerning:
            string += f">{int(kerning)}<"
        if plain:
            # No offset and no rise: what was appended depends only on the font, the size,
            # the glyph and its advance.
            self.pieces[glyph_id, width] = string[start:]
        return string

    def unknown(self, glyph_id: int, width: int) -> int:
        """The .notdef glyph standing for a character no font has; its width is Pango's."""
        font, widths = self.font, self.font.widths
        codepoint = glyph_id - pango.PANGO_GLYPH_UNKNOWN_FLAG
        LOGGER.warning(
            '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
            chr(codepoint),
            codepoint,
        )
        glyph_id = font.get_unused_glyph_id(codepoint)
        widths[glyph_id] = round(width * 1000 * FROM_UNITS / self.font_size)
        if 0 not in widths:
            # "width" is actually Pango's get_approximate_char_width. Force .notdef's to use
            # this width, even if it's not the right, as we want to keep Pango's layout for
            # next glyphs.
            widths[0] = widths[glyph_id]
        return glyph_id

    def text_of(self, glyph_item, i: int) -> str:
        """The characters glyph `i` of the run stands for."""
        # Get positions of the glyph in the UTF-8 string.
        clusters = glyph_item.glyphs.log_clusters
        last = glyph_item.glyphs.num_glyphs - 1
        offset = glyph_item.item.offset
        t1 = clusters[i]
        if glyph_item.item.analysis.level % 2:  # rtl
            t2 = glyph_item.item.length if i == 0 else clusters[i - 1]
        else:
            t2 = glyph_item.item.length if i == last else clusters[i + 1]
        self.utf8_text = self.utf8_text or self.textbox.pango_layout.text.encode()
        return self.utf8_text[offset + t1 : offset + t2].decode()

    def risen(self, string: str, glyph_id: int, offset: float, rise: float) -> str:
        """Show the text so far, then the glyph on its own, raised by `rise`."""
        stream = self.stream
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"
        if string:
            stream.show_text(string)
        stream.set_text_rise(-rise)
        string = ""
        if offset:
            string = f"{-offset}"
        string += f"<{glyph_id:02x}>" if self.font.bitmap else f"<{glyph_id:04x}>"
        stream.show_text(string)
        stream.set_text_rise(0)
        return "<"

    def logical_width(self, glyph_id: int) -> int:
        """The glyph's width in the font, in thousandths of the font size."""
        widths = self.font.widths
        if glyph_id in widths:
            return widths[glyph_id]
        stream = self.stream
        pango.pango_font_get_glyph_extents(
            self.pango_font, glyph_id, stream.ink_rect, stream.logical_rect
        )
        width = widths[glyph_id] = round(
            stream.logical_rect.width * 1000 * FROM_UNITS / self.font_size
        )
        return width


REPLACEMENT = Replacement(
    "glyphs",
    "WeasyPrint",
    "70.0",
    _weasy_text,
    "draw_first_line",
    draw_first_line,
    _original,
    _fits,
)
