"""The packet's copy of WeasyPrint's glyph-writing loop writes exactly what WeasyPrint's does.

campaign/pdf/glyphs.py stands in for WeasyPrint 70's `draw_first_line` in the rendering
workers (docs/pdf-speedups.md). Each document here is rendered twice in this process, once
with WeasyPrint's function and once with the copy, and the two PDFs must be equal byte for
byte: a roster and testimony in many scripts, combining marks (which Pango shifts),
characters no bundled font has (the .notdef path), zero-width and bidi controls, tabs, the
whole hostile corpus, text in eight languages, and the footer sheet, whose text sits in a
margin box.

Both ways of subsetting fonts are compared: HarfBuzz's (libharfbuzz-subset0 installed) and
fontTools' (WeasyPrint's fallback without it), which stamps the time into each font's
`head` table. The comparison freezes that clock (SOURCE_DATE_EPOCH, which fontTools honours),
and moves fontTools' own clock on between the two renders, so that a comparison that did not
freeze it fails every time rather than once in a while.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import time
import types

import pytest
from fontTools.misc import timeTools
from pypdf import PdfReader
from weasyprint.pdf import fonts as weasy_fonts

from campaign.pdf import fast_paths
from campaign.pdf.render import PACKET_STYLESHEETS, render_html_to_pdf
from campaign.pdf.sample import make_content
from campaign.pdf.sections import document_html, footer_segment, plan_packet
from tests.hostile.corpus import SMALL
from tests.pdf.conftest import GIVEN_NAMES, roster_of

MIXED = (
    "José Núñez",
    "Nguyễn Thị Minh Khai",
    "Zoë Ölçer",
    "Иван Петров",
    "Σοφία Παπαδοπούλου",
    "محمد عبد الله",
    "שרה כהן",
    "नमस्ते क्षत्रिय",
    "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
    "王小明",
    "김민준",
    "Z\u0337\u0327a\u0336l\u0335g\u0338o\u0334",
    "Ana\u200bMaría\u200d",
    "Tab\there",
    "\U0001f469\U0001f3fd\u200d\U0001f33e Ana",
    "\ufdd0\ufffe",
    "𝕳𝖊𝖑𝖑𝖔 𓀀 𠜎",
    # Scripts of the bundled Noto fonts: Ethiopic, Khmer (subscripts, reordered vowels),
    # Nepali, Haitian Creole, Arabic ligatures, monochrome emoji with a ZWJ sequence.
    "አበበ ቢቂላ",
    "សុខ ស្រីពៅ",
    "राम बहादुर श्रेष्ठ",
    "Jàn-Batis Pòl Desalin",
    "سلام الأحمد",
    "Ana 🌻 👩🏽‍🌾 🏳️‍🌈",
)


class _MovingClock:
    """fontTools' clock, a day later at each look: a timestamp that is not frozen differs."""

    def __init__(self) -> None:
        self._days = itertools.count()

    def time(self) -> float:
        return 1_700_000_000.0 + 86_400 * next(self._days)


@pytest.fixture(params=["harfbuzz", "fonttools"])
def subsetter(request, monkeypatch):
    """How fonts are subset: HarfBuzz if this machine has it, or fontTools, as without it."""
    if request.param == "fonttools":
        monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)
        clock = {name: getattr(time, name) for name in dir(time) if not name.startswith("_")}
        monkeypatch.setattr(
            timeTools, "time", types.SimpleNamespace(**{**clock, "time": _MovingClock().time})
        )
    elif weasy_fonts.harfbuzz_subset is None:
        pytest.skip("libharfbuzz-subset0 is not installed: WeasyPrint subsets with fontTools")
    return request.param


@pytest.fixture
def both_ways(subsetter, monkeypatch):
    """Render HTML with WeasyPrint's functions, then with the packet's; give both PDFs."""
    # What varies between two renders of the same document: fontTools' subsetting stamps
    # the time into each embedded font (WeasyPrint writes no date or file identifier).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def render(html: str, tagged: bool = False) -> tuple[bytes, bytes]:
        fast_paths.uninstall_all()
        theirs = render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS, tagged=tagged)
        try:
            assert fast_paths.install_all() == [r.key for r in fast_paths.replacements()]
            ours = render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS, tagged=tagged)
        finally:
            fast_paths.uninstall_all()
        return theirs, ours

    return render


def _packet_html(names: tuple[str, ...], bodies: list[str]) -> str:
    content = make_content(0, len(bodies), words=60, roster=list(roster_of(names, per_name=3)))
    groups = []
    texts = iter(bodies)
    for group in content.testimony_groups:
        entries = tuple(
            dataclasses.replace(entry, author=text[:80], body=text)
            for entry, text in zip(group.entries, texts, strict=False)
        )
        groups.append(dataclasses.replace(group, entries=entries))
    content = dataclasses.replace(content, testimony_groups=tuple(groups))
    plan = plan_packet(content)
    return document_html([*plan.segments, footer_segment(content, plan)], content)


def test_a_packet_in_many_scripts_is_byte_identical(both_ways):
    bodies = [f"{name}\n\n{name} " * 12 for name in MIXED] + [
        "Plain testimony about the contract, with numbers 1,234 and 56 % and “quotes”. " * 40
    ]
    theirs, ours = both_ways(_packet_html(GIVEN_NAMES + MIXED, bodies))
    pages = PdfReader(io.BytesIO(ours)).pages
    assert len(pages) > 3
    # The last page is the footer sheet: its text is laid out in a margin box.
    assert "public hearing" in pages[-1].extract_text()
    assert "public hearing" not in pages[-2].extract_text()
    assert ours == theirs


def test_a_tagged_packet_in_many_scripts_is_byte_identical(both_ways):
    """Tagged, each run of text is marked content around the loop: the bytes are the same."""
    bodies = [f"{name}\n\n{name} " * 6 for name in MIXED]
    theirs, ours = both_ways(_packet_html(GIVEN_NAMES + MIXED, bodies), tagged=True)
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(theirs)).trailer["/Root"]
    assert ours == theirs


def test_the_hostile_corpus_is_byte_identical(both_ways):
    texts = [entry.text for entry in SMALL]
    names = tuple(text[:60] for text in texts if text.strip())
    theirs, ours = both_ways(_packet_html(names, texts))
    assert ours == theirs


def test_the_loop_keeps_no_text_between_documents(both_ways):
    """Kept glyph text lives on the document's font objects, so a later packet starts clean."""
    first_theirs, first_ours = both_ways(_packet_html(GIVEN_NAMES, ["Ana María " * 50]))
    second_theirs, second_ours = both_ways(_packet_html(MIXED, ["Иван Петров " * 50]))
    assert (first_ours, second_ours) == (first_theirs, second_theirs)


def test_text_in_several_languages_is_byte_identical(both_ways):
    """Localized forms give other glyphs for the same characters (Serbian italics, Turkish
    dotted i): the kept text follows the glyph, not the character."""
    words = "бгдпт бгдпт Ђорђе Ѓорѓи ıİ ij"
    html = "".join(
        f'<p lang="{lang}" style="font-family: \'Packet Serif\'">{words}</p>'
        f'<p lang="{lang}" style="font-family: \'Packet Sans\'; font-style: italic">{words}</p>'
        for lang in ("en", "sr", "mk", "ru", "tr", "nl", "es", "")
    )
    theirs, ours = both_ways(f"<html><body>{html}</body></html>")
    assert ours == theirs


def _collector_settings() -> tuple[tuple[int, int, int], int]:
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_rendering_workers_collect_garbage_less_often():
    """The workers' forkserver freezes what it preloaded and raises the collection threshold."""
    from concurrent.futures import ProcessPoolExecutor

    from campaign.pdf.build import _context

    with ProcessPoolExecutor(1, mp_context=_context()) as pool:
        (young, _middle, _old), frozen = pool.submit(_collector_settings).result(timeout=120)
    assert young >= 10_000
    assert frozen > 10_000  # WeasyPrint, the fonts and the stylesheets
