"""A roster read district by district (content.Roster) is laid out exactly as the whole
tuple would be, and its first pages are cut before its last districts are read."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import random

import pytest

from campaign.pdf import PacketLabels, Roster, RosterEntry, RosterReadFailed, build_packet
from campaign.pdf.roster import PageMemory, layout_roster
from campaign.pdf.sample import make_content, make_roster_entry, sort_roster


def _roster(count: int, seed: int = 11) -> tuple[RosterEntry, ...]:
    rng = random.Random(seed)
    return sort_roster([make_roster_entry(rng) for _ in range(count)])


def _blocks(entries, reads: list[int] | None = None):
    """The entries a district at a time, as the packet service hands them over."""
    for _district, block in itertools.groupby(entries, key=lambda e: e.district):
        block = list(block)
        if reads is not None:
            reads.append(len(block))
        yield block


def _streamed(entries, reads=None, *, metas=True) -> Roster:
    possible = frozenset((e.zip, e.signed_on, e.source) for e in entries) if metas else None
    return Roster(_blocks(entries, reads), len(entries), possible_metas=possible)


def _same_layout(a, b) -> None:
    assert a.pages == b.pages
    assert a.district_pages == b.district_pages
    assert (a.tab_stop, a.rows, a.page_count) == (b.tab_stop, b.rows, b.page_count)


def test_a_streamed_roster_lays_out_as_the_tuple_and_is_read_as_it_goes() -> None:
    entries = _roster(6_000)
    reads: list[int] = []
    read_when_first_cut: list[int] = []

    def on_page(page, rows, tab_stop):
        if not read_when_first_cut:
            read_when_first_cut.append(sum(reads))
        return None

    streamed = _streamed(entries, reads)
    assert len(streamed) == len(entries) and not reads  # its length is known unread
    _same_layout(
        layout_roster(streamed, PacketLabels(), on_page=on_page),
        layout_roster(entries, PacketLabels()),
    )
    districts = len({e.district for e in entries})
    assert districts >= 4 and len(reads) == districts
    # The first page was cut when the first district (and no more than the next) was read.
    assert read_when_first_cut[0] <= reads[0] + reads[1] < len(entries)


def test_without_known_metas_or_with_wide_ones_the_whole_roster_decides_the_columns() -> None:
    entries = _roster(800)
    _same_layout(
        layout_roster(_streamed(entries, metas=False), PacketLabels()),
        layout_roster(entries, PacketLabels()),
    )
    # Long localized dates: too wide for rows, so each column is its own <pre>.
    wide = tuple(dataclasses.replace(e, signed_on="30 de septiembre de 2024") for e in entries)
    streamed = _streamed(wide)
    layout = layout_roster(streamed, PacketLabels())
    assert not layout.rows
    _same_layout(layout, layout_roster(wide, PacketLabels()))


def test_a_streamed_rebuild_reuses_the_same_pages_as_a_tuple_rebuild() -> None:
    entries = _roster(5_000)
    memory = PageMemory("ctx", use=lambda page: True)
    layout_roster(entries, PacketLabels(), on_page=lambda *a: "v", memory=memory)
    grown = sort_roster([*entries, *_roster(5, seed=99)])
    results = []
    for roster in (grown, _streamed(grown)):
        again = PageMemory("ctx", dict(memory.learned), use=lambda page: True)
        layout = layout_roster(roster, PacketLabels(), on_page=lambda *a: "v", memory=again)
        results.append((layout.pages, layout.district_pages, layout.page_count, again.reused))
    assert results[0] == results[1]
    assert results[0][3] > 0  # pages were reused


def test_a_roster_reads_like_the_tuple_it_stands_for() -> None:
    entries = _roster(300)
    roster = _streamed(entries)
    assert roster[5] == entries[5] and roster[-1] == entries[-1]
    assert roster[10:20] == entries[10:20]
    assert list(roster) == list(entries) and roster == entries
    with pytest.raises(IndexError):
        roster[len(entries)]
    # dataclasses.asdict() sees a plain tuple.
    assert copy.deepcopy(roster) == entries
    content = make_content(0, 1, words=20, roster=list(entries))
    streamed = dataclasses.replace(content, roster=_streamed(entries))
    assert streamed.content_hash() == content.content_hash()


def test_a_roster_that_counted_wrong_or_fails_to_read_says_so(tmp_path) -> None:
    entries = _roster(50)
    short = Roster(_blocks(entries[:-1]), len(entries))
    with pytest.raises(RosterReadFailed, match="49 names where 50"):
        short.read_all()

    def failing():
        yield list(entries[:10])
        raise ValueError("a name does not decrypt")

    content = make_content(0, 1, words=20, roster=list(entries))
    broken = dataclasses.replace(content, roster=Roster(failing(), len(entries)))
    # The build raises what reading the roster raised, as it is.
    with pytest.raises(ValueError, match="does not decrypt"):
        build_packet(broken, tmp_path / "p.pdf", cache_dir=tmp_path / "cache", workers=0)
    assert not (tmp_path / "p.pdf").exists()
