"""The packet's glyph-writing loop (campaign/pdf/glyphs.py) writes exactly what WeasyPrint's does.

Each document is rendered twice in this process, once with WeasyPrint's own
`draw_first_line` and once with the packet's, and the two PDFs must be equal byte for byte:
a roster and testimony in many scripts, combining marks (which Pango shifts), characters no
bundled font has (the .notdef path), zero-width and bidi controls, tabs, and the whole hostile
corpus.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint.draw import text as weasy_text

from campaign.pdf import glyphs
from campaign.pdf.render import PACKET_STYLESHEETS, render_html_to_pdf
from campaign.pdf.sample import make_content
from campaign.pdf.sections import document_html, plan_packet
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
)


@pytest.fixture
def both_ways():
    """Render HTML with WeasyPrint's loop, then with the packet's; give both PDFs."""

    def render(html: str) -> tuple[bytes, bytes]:
        glyphs.uninstall()
        try:
            theirs = render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS)
        finally:
            assert glyphs.install()
        ours = render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS)
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
    return document_html(plan.segments, content)


def test_it_is_the_loop_in_use_for_the_pinned_weasyprint():
    assert glyphs.installable(), (
        f"campaign/pdf/glyphs.py copies WeasyPrint {glyphs.WRITTEN_FOR}'s draw_first_line; "
        f"WeasyPrint {weasyprint.__version__} is installed: compare the two and update it"
    )
    assert weasy_text.draw_first_line is glyphs.draw_first_line


def test_a_packet_in_many_scripts_is_byte_identical(both_ways):
    bodies = [f"{name}\n\n{name} " * 12 for name in MIXED] + [
        "Plain testimony about the contract, with numbers 1,234 and 56 % and “quotes”. " * 40
    ]
    theirs, ours = both_ways(_packet_html(GIVEN_NAMES + MIXED, bodies))
    assert len(PdfReader(io.BytesIO(ours)).pages) > 3
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
