"""The roster's own shaping (campaign/pdf/shaping.py): bidi order, fonts and glyphs."""

from __future__ import annotations

import bidi
import pytest

from campaign.pdf.shaping import NAMES, bidi_levels, shape_line, visual_order

MIXED = [
    "فاطمة الزهراء",
    "Ana فاطمة 12",
    "שלום עולם (3)",
    "abc 123 שלום 45.6 def",
    "محمد 2024-05 علي",
    "x (שלום) y",
    "12 فاطمة",
    "שלום, abc!",
    "Nguyễn Thị Minh Khai",
    "שׁלוֹם 7%",
    "$5 שלום",
    "A-B שלום-עולם C",
    "Fátima فاطمة 12",
    "(abc שלום)",
    "שלום (abc) עולם",
    "a [שלום (b)] c",
    "علي (١٢٣)",
    "نص 1,234.5 نص",
    "سلام الأحمد 12345 2026-12-06",
]


@pytest.mark.parametrize("text", MIXED)
def test_visual_order_is_the_full_bidi_algorithms(text: str) -> None:
    """python-bidi runs all of UAX #9; a roster line needs only its implicit rules."""
    mine = "".join(text[i] for i in visual_order(bidi_levels(text)))
    assert mine == bidi.get_display(text, base_dir="L")


def test_each_character_gets_the_first_font_of_the_stack_that_has_it() -> None:
    line = shape_line("Zoë 王小明 Абв", NAMES)
    assert [run.face.pdf_name for run in line.runs] == [
        "Packet-Sans-Condensed",
        "Packet-CJK",
        "Packet-Sans-Condensed",
    ]
    assert "".join(t for run in line.runs for t in run.texts) == "Zoë 王小明 Абв"
    assert line.plain and not line.right_to_left


def test_right_to_left_glyphs_come_in_visual_order_and_marks_need_the_exact_text() -> None:
    arabic = shape_line("فاطمة", NAMES)
    assert arabic.right_to_left
    assert "".join(arabic.runs[0].texts) == "فاطمة"[::-1]
    devanagari = shape_line("नमस्ते", NAMES)
    assert not devanagari.plain  # a cluster of several glyphs: /ActualText carries it
    assert all(g > 0 for run in devanagari.runs for g in run.glyphs)  # no .notdef


def test_a_chunk_embeds_each_glyph_it_draws_when_one_text_is_shaped_two_ways() -> None:
    """A closing parenthesis shaped right to left is drawn with the opening one's glyph: the
    chunk must embed (and map) both, not only those of the first run of that text."""
    from campaign.pdf import roster_paint
    from campaign.pdf.shaping import _shape, face

    dejavu = face(NAMES[0])
    left, right = _shape(")", dejavu, 0), _shape(")", dejavu, 1)
    assert left.glyphs != right.glyphs  # mirrored
    with roster_paint._Chunk(tagged=False) as chunk:
        canvas = roster_paint._Canvas(chunk, 0)
        canvas.run(left, 0, 0, 7)
        canvas.run(right, 10, 0, 7)
        embedded = chunk.fonts[dejavu.file_name].text
    assert set(left.glyphs) | set(right.glyphs) <= embedded.keys()
