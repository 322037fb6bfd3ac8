"""The packet's replacements for four WeasyPrint functions write exactly what WeasyPrint's do.

campaign/pdf/glyphs.py (the glyph-writing loop), campaign/pdf/margin_boxes.py (page-margin
layout), campaign/pdf/pango_setup.py (each line's Pango layout set-up) and
campaign/pdf/pre_lines.py (the second layout of each `<pre>` line) stand in for
WeasyPrint 70's own functions. Each document here is rendered twice in
this process, once with WeasyPrint's functions and once with the packet's, and the two PDFs
must be equal byte for byte: a roster and testimony in many scripts, combining marks (which
Pango shifts), characters no bundled font has (the .notdef path), zero-width and bidi
controls, tabs, the whole hostile corpus, and the footer sheet, whose text sits in a margin box.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint import layout as weasy_layout
from weasyprint.draw import text as weasy_text
from weasyprint.text import line_break as weasy_line_break

from campaign.pdf import fast_paths, glyphs, margin_boxes, pango_setup, pre_lines
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
)


@pytest.fixture
def both_ways():
    """Render HTML with WeasyPrint's functions, then with the packet's; give both PDFs."""

    def render(html: str) -> tuple[bytes, bytes]:
        fast_paths.uninstall_all()
        try:
            theirs = render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS)
        finally:
            for replacement in fast_paths.replacements():
                assert replacement.install()
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
    return document_html([*plan.segments, footer_segment(content, plan)], content)


@pytest.mark.parametrize("replacement", fast_paths.replacements(), ids=lambda r: r.name)
def test_the_fast_paths_are_in_use_for_the_pinned_weasyprint(replacement):
    assert replacement.installable(), (
        f"campaign/pdf/ stands in for WeasyPrint {fast_paths.WRITTEN_FOR}'s {replacement.name}; "
        f"WeasyPrint {weasyprint.__version__} is installed: compare the two and update it"
    )
    assert replacement.installed()


def test_rendering_uses_the_four_replacements():
    assert weasy_line_break.first_line_metrics is pre_lines.first_line_metrics
    assert weasy_text.draw_first_line is glyphs.draw_first_line
    assert weasy_layout.make_margin_boxes is margin_boxes.make_margin_boxes
    assert weasy_line_break.Layout.setup is pango_setup.setup


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
    """The language is part of each line's Pango context (it picks localized glyph forms)."""
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


def test_release_at_exit_drops_every_threads_pango_objects():
    """A job worker renders in its threads: the exit handler must reach their Pango objects."""
    import threading

    thread = threading.Thread(target=render_html_to_pdf, args=("<p>Ana María</p>",))
    thread.start()
    thread.join()
    render_html_to_pdf("<p>Ana María</p>")
    assert len(pango_setup._kept) >= 2
    pango_setup.release()
    assert pango_setup._kept == {}
    assert render_html_to_pdf("<p>Ana María</p>").startswith(b"%PDF")


def test_pre_lines_measure_as_weasyprint_measures_them(monkeypatch):
    """Widths do not show in a left-aligned PDF line, so compare the metrics themselves:
    every line of a roster page in many scripts, broken both ways."""
    from weasyprint import HTML

    from campaign.pdf.render import _renderer

    renderer = _renderer(PACKET_STYLESHEETS)
    content = make_content(0, 0, roster=list(roster_of(
        MIXED + tuple(entry.text[:60] for entry in SMALL if entry.text.strip()), per_name=3)))
    html = document_html([s for s in plan_packet(content).segments if s.kind == "roster"],
                         content)
    calls: list[tuple] = []
    split = weasy_line_break.split_first_line

    def recording(text, style, *args, **kwargs):
        if style["white_space"] == "pre":
            calls.append((text, style, args, kwargs))
        return split(text, style, *args, **kwargs)

    monkeypatch.setattr(weasy_line_break, "split_first_line", recording)
    monkeypatch.setattr("weasyprint.layout.inline.split_first_line", recording)
    HTML(string=html, url_fetcher=renderer.fetcher).render(
        stylesheets=renderer.stylesheets, font_config=renderer.font_config)
    assert len(calls) > 100
    shortcuts = 0
    for text, style, args, kwargs in calls:
        results = []
        for function in (pre_lines._original, pre_lines.first_line_metrics):
            monkeypatch.setattr(weasy_line_break, "first_line_metrics", function)
            layout, *metrics = split(text, style, *args, **kwargs)
            results.append((layout.text, *metrics))
        assert results[0] == results[1], text[:80]
        shortcuts += results[0][2] is not None
    assert shortcuts > 100  # most lines took the shortcut
