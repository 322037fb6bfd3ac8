"""WeasyPrint's glyph-writing loop, with each glyph's PDF text worked out once per font.

Every line of a packet goes through `weasyprint.draw.text.draw_first_line`, which writes
each glyph of the line into the page's content stream: the glyph's id in hex and its
position adjustment, from about a dozen lookups, a float computation and two formatted
strings per glyph. A roster page has about 9,000 glyphs, but only a few hundred different
(glyph, advance) pairs, and the text written for a glyph depends on nothing else when Pango
did not shift it (no x or y offset): the font, its size, the glyph and its advance.

`draw_first_line` below is WeasyPrint 70's function (BSD licence, (c) Kozea) with the
same statements in the same order, so it writes the same bytes. What it adds: the text a
plain glyph produced is kept per font and size, and the next time that glyph comes with that
advance it is appended as is; glyphs with an offset, a rise, no glyph in the font, or an
empty glyph always go through the full computation, and so do lines with an ellipsis and
runs in fonts with colour glyphs (SVG, PNG or COLR emoji), which are handed to
WeasyPrint's own function. The glyph array is read through one memoryview per run instead of
a cffi object per glyph. `tests/pdf/test_glyphs.py` renders a corpus of scripts, marks,
missing glyphs and hostile text both ways and compares the PDFs byte for byte.

It replaces WeasyPrint's (`fast_paths.py`) only on the WeasyPrint version it was copied from
and the glyph layout it reads; otherwise WeasyPrint keeps its own.
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
    checked = None
    for glyph_item in runs:
        # Colour glyphs are drawn as images beside the text: WeasyPrint's code does it all.
        pango_font = glyph_item.item.analysis.font
        if pango_font != checked:
            checked = pango_font
            font, _size = stream.add_font(pango_font)
            if font.svg or font.png or font.colr:
                return _original(stream, textbox, text_overflow, block_ellipsis, matrix)

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    glyph_empty = pango.PANGO_GLYPH_EMPTY
    unknown_flag = pango.PANGO_GLYPH_UNKNOWN_FLAG
    old_pango = pango.pango_version() < 14802
    for glyph_item in runs:
        # Get Pango objects.
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        utf8_text = None

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            # Add font file content and get font size.
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)

            # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
            if old_pango:
                font_size = textbox.style["font_size"]

            # Go through the run glyphs.
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
            bitmap = font.bitmap
            widths = font.widths
            to_unicode = font.to_unicode
            pieces = _pieces(font, font_size)
        string += "<"
        array = memoryview(ffi.buffer(glyph_string.glyphs, num_glyphs * _INFO_SIZE))
        ids, info = array.cast("I"), array.cast("i")  # the glyph is unsigned, the rest signed
        clusters = None
        for i in range(num_glyphs):
            base = i * _INFO_INTS
            glyph_id = ids[base]
            width = info[base + 1]
            x_offset = info[base + 2]
            y_offset = info[base + 3]
            plain = not x_offset and not y_offset
            if plain:
                piece = pieces.get((glyph_id, width))
                if piece is not None:
                    string += piece
                    continue

            # Display zero-width empty glyph.
            if glyph_id == glyph_empty:
                string += f">{-width / font_size}<"
                continue

            # Display .notdef and log warning for missing glyphs.
            if glyph_id & unknown_flag:
                plain = False  # its width is set again each time
                codepoint = glyph_id - unknown_flag
                LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                    chr(codepoint),
                    codepoint,
                )
                glyph_id = font.get_unused_glyph_id(codepoint)
                widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in widths:
                    # "width" is actually Pango's get_approximate_char_width. Force
                    # .notdef's to use this width, even if it's not the right, as we
                    # want to keep Pango's layout for next glyphs.
                    widths[0] = widths[glyph_id]

            # Create mapping between glyphs and Unicode codepoints.
            if glyph_id not in to_unicode:
                if clusters is None:
                    clusters = glyph_string.log_clusters
                # Get positions of the glyph in the UTF-8 string.
                offset = glyph_item.item.offset
                t1 = clusters[i]
                if glyph_item.item.analysis.level % 2:  # rtl
                    t2 = glyph_item.item.length if i == 0 else clusters[i - 1]
                else:
                    t2 = glyph_item.item.length if i == num_glyphs - 1 else clusters[i + 1]
                utf8_text = utf8_text or textbox.pango_layout.text.encode()
                to_unicode[glyph_id] = utf8_text[offset + t1 : offset + t2].decode()

            # Set horizontal and vertical offsets.
            start = len(string)
            offset = x_offset / font_size
            rise = y_offset / 1000
            if rise:
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
                string += f"<{glyph_id:02x}>" if bitmap else f"<{glyph_id:04x}>"
                stream.show_text(string)
                stream.set_text_rise(0)
                string = "<"
            else:
                if offset:
                    string += f">{-offset}<"
                string += f"{glyph_id:02x}" if bitmap else f"{glyph_id:04x}"

            # Get glyph logical widths.
            if glyph_id in widths:
                logical_width = widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )

            # Set kerning, word spacing, letter spacing.
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                string += f">{int(kerning)}<"
            if plain:
                # No offset and no rise: what was appended depends only on the font, the
                # size, the glyph and its advance.
                pieces[glyph_id, width] = string[start:]

        # Close the last glyphs list, remove if empty.
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    # Draw text.
    stream.show_text(string)

    return []


REPLACEMENT = Replacement(_weasy_text, "draw_first_line", draw_first_line, _original, _fits)
