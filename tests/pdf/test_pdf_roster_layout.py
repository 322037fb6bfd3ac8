"""Roster pages: every signer once, in order, never split, stable page boundaries."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from conftest import need_poppler, read_texts, roster_of, run_tool, small_content, squash

from campaign.pdf import PacketLabels, RosterEntry, build_packet
from campaign.pdf.roster import (
    COLUMN_WIDTH,
    LINES_PER_COLUMN,
    MAX_LINES_PER_ENTRY,
    ROW_TAB,
    PageMemory,
    RosterLayout,
    RosterPage,
    _measure,
    layout_roster,
)
from campaign.pdf.sample import make_roster_entry, sort_roster

LONG_NAME = "María de los Ángeles Guadalupe Hernández-Castillo y Villanueva de la Fuente"


def _roster(count: int, seed: int = 3) -> list[RosterEntry]:
    rng = random.Random(seed)
    return list(sort_roster([make_roster_entry(rng) for _ in range(count)]))


def _names_in_reading_order(layout: RosterLayout) -> list[str]:
    names: list[str] = []
    for page in layout.pages:
        for column in page.columns:
            for line in column:
                if line.kind == "entry":
                    names.append(line.text)
                elif line.kind == "continuation":
                    names[-1] += " " + line.text.strip()
    return names


def test_every_signer_appears_once_in_order_and_no_entry_is_split() -> None:
    roster = _roster(3_000) + [dataclasses.replace(_roster(1)[0], name=LONG_NAME)]
    roster = list(sort_roster(roster))
    layout = layout_roster(roster, PacketLabels())
    assert len(layout.pages) >= 12
    for page in layout.pages:
        assert len(page.columns) == 3
        for column in page.columns:
            assert len(column) <= LINES_PER_COLUMN
            # A column never starts with the second line of a name.
            assert not column or column[0].kind != "continuation"
    assert [squash(n) for n in _names_in_reading_order(layout)] == [squash(e.name) for e in roster]
    assert sum(p.entries for p in layout.pages) == len(roster)


def test_long_names_wrap_inside_their_column_instead_of_being_cut() -> None:
    roster = list(roster_of(("Ana Mejía",))) + [
        dataclasses.replace(roster_of(("x",))[0], name=LONG_NAME)
    ]
    layout = layout_roster(roster, PacketLabels())
    lines = [
        line
        for page in layout.pages
        for col in page.columns
        for line in col
        if line.kind in ("entry", "continuation")
    ]
    assert any(line.kind == "continuation" for line in lines), "the long name should wrap"
    regular = _measure(False)
    name_room = ROW_TAB if layout.rows else layout.tab_stop
    for line in lines:
        assert regular.width(line.text) < name_room
    assert LONG_NAME in _names_in_reading_order(layout)


def test_pathological_name_is_wrapped_by_characters_and_capped() -> None:
    word = "X" * 600
    roster = [dataclasses.replace(roster_of(("x",))[0], name=word)]
    layout = layout_roster(roster, PacketLabels())
    column = layout.pages[0].columns[0]
    entry_lines = [line for line in column if line.kind in ("entry", "continuation")]
    assert len(entry_lines) == MAX_LINES_PER_ENTRY
    assert entry_lines[-1].text.endswith("…")
    for line in entry_lines:
        assert _measure(False).width(line.text) <= COLUMN_WIDTH


def test_new_signers_change_only_the_pages_they_land_on() -> None:
    base = _roster(4_000)
    before = layout_roster(base, PacketLabels())
    assert len(before.pages) >= 18
    # Roster pages are filled at least MIN_FILL, on average close to 90 %.
    capacity = 3 * LINES_PER_COLUMN
    fill = sum(sum(len(c) for c in p.columns) for p in before.pages[:-1]) / (
        capacity * (len(before.pages) - 1)
    )
    assert fill > 0.8
    rng = random.Random(11)
    changed_pages = []
    for _trial in range(8):
        extra = make_roster_entry(rng)
        after = layout_roster(list(sort_roster(base + [extra])), PacketLabels())
        old = set(before.pages)
        changed_pages.append(sum(1 for page in after.pages if page not in old))
    # One new signer touches one page (two when it pushes a name over the page edge).
    assert max(changed_pages) <= 3
    assert sum(changed_pages) <= 12


def test_rendered_roster_pages_are_exactly_one_pdf_page_each(tmp_path: Path) -> None:
    roster = _roster(700) + [dataclasses.replace(e, name=LONG_NAME) for e in _roster(40, seed=9)]
    content = small_content(roster=tuple(sort_roster(roster)), testimony_groups=())
    result = build_packet(content, tmp_path / "p.pdf", cache_dir=tmp_path / "c", workers=0)
    _reader, texts = read_texts(tmp_path / "p.pdf")
    roster_pages = [t for t in texts if t.startswith(content.labels.roster)]
    assert len(roster_pages) == result.rendered_kinds.count("roster")
    everything = squash("\n".join(roster_pages))
    for word in LONG_NAME.split():
        assert squash(word) in everything


def test_names_in_many_scripts_print_with_the_bundled_fonts(tmp_path: Path) -> None:
    need_poppler("pdffonts")
    names = (
        "王小明",
        "山田 花子",
        "Nguyễn Thị Lan",
        "Ελένη Παπαδοπούλου",
        "Олена Шевченко",
        "Zoë Ñúñez",
        "مريم حسن",
        "דוד כהן",
    )
    content = small_content(roster=roster_of(names), testimony_groups=())
    out = tmp_path / "scripts.pdf"
    build_packet(content, out, cache_dir=tmp_path / "c", workers=0)
    text = run_tool(need_poppler("pdftotext"), "-enc", "UTF-8", str(out), "-").stdout
    for name in names[:6]:  # left-to-right scripts come out in reading order
        assert name in text, name
    fonts = run_tool(need_poppler("pdffonts"), str(out)).stdout
    assert "+Packet-CJK" in fonts
    for row in fonts.splitlines()[2:]:
        assert row.startswith("Helvetica ") or "+Packet-" in row.split()[0], row


def test_a_layout_with_known_pages_matches_a_fresh_one_and_reuses_the_unchanged() -> None:
    base = _roster(6_000)
    pages: dict[str, RosterPage] = {}

    def remember(page: RosterPage, rows: bool, tab_stop: float) -> str:
        key = f"page-{len(pages)}"
        pages[key] = page
        return key

    first = PageMemory("context")
    layout_roster(base, PacketLabels(), on_page=remember, memory=first)
    rng = random.Random(4)
    grown = list(
        sort_roster(base[:2_000] + base[2_001:] + [make_roster_entry(rng) for _ in range(3)])
    )
    second = PageMemory("context", first.learned, use=lambda known: True)
    again = layout_roster(grown, PacketLabels(), on_page=remember, memory=second)
    fresh = layout_roster(grown, PacketLabels())
    assert again.page_count == fresh.page_count == len(fresh.pages)
    assert again.district_pages == fresh.district_pages
    # Pages in order, laid out now or known, are exactly the fresh layout's.
    in_order = [pages[p.value] for known in second.learned.values() for p in known]
    assert sorted(map(repr, in_order)) == sorted(map(repr, fresh.pages))
    # Four changed signers: each lays out again at most its page and its two neighbours.
    assert second.reused == fresh.page_count - len(again.pages)
    assert 1 <= len(again.pages) <= 12

    # Another context (wording, templates) knows none of these pages.
    other = PageMemory("other context", first.learned, use=lambda known: True)
    layout_roster(grown, PacketLabels(), memory=other)
    assert other.reused == 0
