"""Lays the signature roster out into fixed pages of three plain-text columns.

This module does the page layout itself: it measures names with the bundled font's advance
widths, wraps an over-long name onto continuation lines of the same column, and decides which
signers go on which page. roster_paint.py only paints the lines (WeasyPrint laid out even
plain `<pre>` lines at about 95 ms a page, docs/packets.md).

Page boundaries are content-defined so that the cache survives new signatures: among the
signers that could end a page (once the page is at least MIN_FILL full and while it still
fits), the page ends after the one whose key hashes lowest, or at a district change. Adding
a signer changes the page it lands on; the next page still ends at the same signer, so later
pages keep their exact lines and their cached PDF. Rarely the new line moves a page end,
and the pages after it shift until two ends coincide again; "anchor" signers (about one in
ANCHOR_EVERY, again chosen by hash) start a page whenever the page before them is at least
half full, which bounds such a ripple. With
100,000 signers, 100 new ones spread at random change about 100 of 545 pages, and pages are
on average 85 % full (measured with tests/pdf and benchmarks/packet_render.py).

Since a page is decided by the entries from its first to one past the last that fit, a
PageMemory of an earlier layout lets a rebuild skip every page whose entries are unchanged:
after a page laid out again, the next one usually starts at the same signer as before and is
found in the memory, so only the pages around a change are measured and cut again.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from fontTools.ttLib import TTFont

from .content import PacketLabels, RosterEntry
from .fetcher import STATIC_PDF_DIR

# Geometry in points, which roster_paint.py paints the pages by.
FONT_SIZE = 7.0
LINE_HEIGHT = 8.6
CONTENT_WIDTH = 532.0  # Letter width less packet.css's 40pt side margins
COLUMNS = 3
COLUMN_GAP = 12.0
COLUMN_PITCH = (CONTENT_WIDTH + COLUMN_GAP) / COLUMNS
COLUMN_WIDTH = COLUMN_PITCH - COLUMN_GAP
LINES_PER_COLUMN = 76  # measured: 76 lines of 8.6pt fill the column area of a Letter page
NAME_GAP = 7.0  # between the longest name line and the ZIP/date column
# Row mode: a signer's ZIP and date go on the line of their name, in the right part of the
# column (from half a column pitch; the last column's may reach 8pt into the right margin);
# otherwise (long localized dates, or characters the monospaced font lacks) they go on an
# indented line under the name. roster_paint.py draws each name line, each ZIP and each
# date at its own fixed place (the dates one widest ZIP and two characters of the bundled
# monospaced font after the ZIPs), so neither a name's width, nor a wrap, nor a
# right-to-left script can move a ZIP or a date.
ROW_TAB = COLUMN_PITCH / 2
META_FONT = "DejaVuSansMono.ttf"  # "Packet Mono": the ZIPs and dates (roster_paint.MONO)
META_ROOM = COLUMN_WIDTH - ROW_TAB + 8.0  # width a ZIP and date may take
TAB_CLEARANCE = 6.0  # room kept right of a name line in a column without a ZIP/date column
META_SEPARATOR = "\t"  # between the ZIP and the date in RosterLine.meta
CONTINUATION_INDENT = "   "
MAX_LINES_PER_ENTRY = 8  # a pathological name is cut here rather than eat a whole column
MIN_FILL = 0.72  # a page may end once this share of its lines is used
# About one signer in ANCHOR_EVERY starts a new page whenever the page before it would be
# at least ANCHOR_MIN_FILL full, whatever came before: a change that moves later page ends
# then ripples at most to the next anchor, instead of drifting through a whole district.
ANCHOR_EVERY = 2000
ANCHOR_MIN_FILL = 0.5
# Widths from the font's advance table ignore kerning and shaping; keep a margin for them.
WIDTH_SAFETY = 1.04

_FONT_DIR = STATIC_PDF_DIR / "fonts"
_REGULAR = "DejaVuSansCondensed.ttf"
_BOLD = "DejaVuSansCondensed-Bold.ttf"

# Characters that would break the one-line-per-row layout or let one name reorder the
# text after it (bidi embeddings, overrides and isolates).
_BIDI_CONTROLS = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_LINE_BREAKS = {0x0A, 0x0B, 0x0C, 0x0D, 0x09, 0x85, 0x2028, 0x2029}


def clean_line(text: str) -> str:
    """One-line version of resident text: no control, line-break or bidi-override characters."""
    if text.isprintable():
        # Fast path (C speed): no control, format (bidi) or line/paragraph separator here.
        return " ".join(text.split())
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if code in _LINE_BREAKS:
            out.append(" ")
        elif code in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


class TextMeasure:
    """Approximate printed width of a string in the bundled roster font."""

    def __init__(self, font_file: Path, size: float) -> None:
        font = TTFont(str(font_file), lazy=True)
        metrics = font["hmtx"].metrics
        scale = size / font["head"].unitsPerEm * WIDTH_SAFETY
        self._widths = {
            chr(cp): metrics[glyph][0] * scale for cp, glyph in font.getBestCmap().items()
        }
        font.close()
        self.own = frozenset(self._widths)  # the characters this font has
        self._size = size
        # A character no bundled font has is drawn as a box: assume a full em, generous.
        self._missing = size * WIDTH_SAFETY

    def width(self, text: str) -> float:
        """Width in points of `text` set on one line."""
        try:
            return sum(map(self._widths.__getitem__, text))
        except KeyError:
            pass
        total = 0.0
        for ch in text:
            w = self._widths.get(ch)
            if w is None:
                w = self._widths[ch] = self._fallback_width(ch)
            total += w
        return total

    def _fallback_width(self, ch: str) -> float:
        """A character this font lacks comes from a fallback font (fonts.css): its width there."""
        for fallback in FALLBACK_FONTS:
            advance = _advances(fallback).get(ch)
            if advance is not None:
                return advance * self._size * WIDTH_SAFETY
        return 0.0 if unicodedata.combining(ch) else self._missing

    def wrap(self, text: str, first_width: float, other_width: float) -> list[str]:
        """Split `text` into lines that fit; break inside a word only when it alone is too long."""
        if self.width(text) <= first_width:
            return [text]
        lines: list[str] = []
        limit = first_width
        current = ""
        for word in text.split(" "):
            candidate = f"{current} {word}" if current else word
            if self.width(candidate) <= limit:
                current = candidate
                continue
            if current:
                lines.append(current)
                limit = other_width
                current = ""
            # The word does not fit on a fresh line: cut it by characters.
            while self.width(word) > limit:
                cut = 1
                while cut < len(word) and self.width(word[: cut + 1]) <= limit:
                    cut += 1
                lines.append(word[:cut])
                limit = other_width
                word = word[cut:]
            current = word
        if current or not lines:
            lines.append(current)
        return lines

    def fit(self, text: str, width: float) -> str:
        """`text`, cut with an ellipsis if it is wider than `width` (for headers only)."""
        if self.width(text) <= width:
            return text
        while text and self.width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"


# The fonts every stack of fonts.css and packet.css falls back to, in their order.
FALLBACK_FONTS = (
    "DroidSansFallbackFull.ttf",
    "NotoSansArabic-Regular.subset.ttf",
    "NotoSansHebrew-Regular.subset.ttf",
    "NotoSansEthiopic-Regular.subset.ttf",
    "NotoSansKhmer-Regular.subset.ttf",
    "NotoSansDevanagari-Regular.subset.ttf",
    "NotoSansCJKkr-Hangul.subset.otf",
    "NotoEmoji-Regular.subset.ttf",
)


@lru_cache(maxsize=len(FALLBACK_FONTS))
def _advances(font_file: str) -> dict[str, float]:
    """Advance width, in ems, of each character of a bundled font."""
    font = TTFont(str(_FONT_DIR / font_file), lazy=True)
    metrics = font["hmtx"].metrics
    em = font["head"].unitsPerEm
    advances = {chr(cp): metrics[glyph][0] / em for cp, glyph in font.getBestCmap().items()}
    font.close()
    return advances


@lru_cache(maxsize=2)
def _measure(bold: bool) -> TextMeasure:
    return TextMeasure(_FONT_DIR / (_BOLD if bold else _REGULAR), FONT_SIZE)


@lru_cache(maxsize=8)
def measure(font_file: str, size: float) -> TextMeasure:
    """A TextMeasure for one bundled font file (e.g. "DejaVuSans-Bold.ttf") and size."""
    return TextMeasure(_FONT_DIR / font_file, size)


class RosterLine(NamedTuple):
    """One printed line of a roster column (a tuple: a big roster makes a million of them)."""

    kind: str  # "heading", "entry", "continuation" or "blank"
    text: str
    meta: str = ""
    width: float = 0.0  # estimated printed width of `text`


@dataclass(frozen=True)
class RosterPage:
    """One fixed roster page: three columns of lines and the districts it shows."""

    columns: tuple[tuple[RosterLine, ...], ...]
    districts: tuple[str, ...]
    first_name: str
    last_name: str
    entries: int


@dataclass(frozen=True)
class RosterLayout:
    """The whole roster: its pages, where each district starts, and the tab stop used."""

    pages: tuple[RosterPage, ...]  # the pages laid out (all, unless a PageMemory had some)
    district_pages: tuple[tuple[str, int, int], ...]  # (district, first page index, names)
    tab_stop: float
    rows: bool  # True: one <pre> of rows across the page; False: one <pre> per column
    page_count: int = 0  # pages of the roster, laid out now or known from an earlier layout


@dataclass(slots=True)
class _Item:
    kind: str  # "heading" or "entry"
    district: str
    lines: list[tuple[str, float]]  # (text, estimated width)
    meta: str = ""
    score: int = 0
    name: str = ""
    anchor: bool = False


@dataclass(frozen=True)
class KnownPage:
    """A roster page an earlier layout made, found again by a hash of everything it read."""

    window: int  # roster entries, from the page's first, that decided the page
    digest: str  # hash of those entries, the layout context and the page's start
    entries: int  # entries printed on the page
    heading_next: bool  # the page after it starts with a district heading
    headings: tuple[str, ...]  # districts whose heading is on the page
    value: str  # what the caller made of the page (the packet engine: its segment key)


@dataclass
class PageMemory:
    """Pages of earlier layouts, so a rebuild lays out again only the pages whose input changed.

    A page is decided by the entries from its first up to one past the last that fit on it
    (never more), by whether it opens with a district heading, and by the layout's context;
    `known` holds such pages by a token of their start, `learned` receives this layout's.
    `use(page)` is called for a known page met again and says whether its value is still
    usable (say, its rendered PDF is still cached); if not, the page is laid out again.
    """

    context: str  # the caller's fingerprint of what else shapes a page (labels, templates)
    known: dict[str, list[KnownPage]] = field(default_factory=dict)
    use: Callable[[KnownPage], bool] = lambda _page: False
    learned: dict[str, list[KnownPage]] = field(default_factory=dict)
    reused: int = 0


def _score(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def _entry_key(entry: RosterEntry) -> str:
    return "\x1f".join((entry.district, entry.name, entry.zip, entry.signed_on, entry.source))


class _Entries:
    """What the layout knows of each roster entry read so far, by index.

    Filled as the layout reaches an entry, so that a streamed roster (content.Roster) is
    read only as far as the pages need. ZIP, date and source repeat across thousands of
    signers: each is cleaned and formatted once.
    """

    def __init__(self, roster: Sequence[RosterEntry], labels: PacketLabels) -> None:
        self.roster = roster
        self.labels = labels
        self.total = len(roster)
        self.keys: list[str] = []
        self.metas: list[str] = []
        self.districts: list[str] = []
        self._meta_of: dict[tuple[str, str, str], str] = {}
        self._district_of: dict[str, str] = {}
        # A streamed roster hands over the entries it has read (whole districts); a tuple, all.
        self._entries_through = getattr(roster, "entries_through", None)

    def meta(self, triple: tuple[str, str, str]) -> str:
        """The printed ZIP, date and paper mark of an entry."""
        text = self._meta_of.get(triple)
        if text is None:
            zip_code, signed_on, source = triple
            text = self._meta_of[triple] = (
                f"{clean_line(zip_code)}{META_SEPARATOR}{clean_line(signed_on)}"
            ) + (f" {self.labels.paper_mark}" if source == "paper" else "")
        return text

    def read_through(self, index: int) -> None:
        """Know every entry up to `index`."""
        start = len(self.keys)
        if index < start:
            return
        entries = self._entries_through
        read = entries(index) if entries is not None else self.roster
        for e in read[start:]:
            self.keys.append(_entry_key(e))
            self.metas.append(self.meta((e.zip, e.signed_on, e.source)))
            district = self._district_of.get(e.district)
            if district is None:
                district = self._district_of[e.district] = clean_line(e.district)
            self.districts.append(district)

    def metas_fit(self) -> bool:
        """Whether every ZIP and date fits the row's monospaced ZIP/date cell.

        Reads no more entries than needed: a streamed roster knows a superset of them.
        """
        possible = getattr(self.roster, "possible_metas", None)
        if possible is not None and _fit_cells({self.meta(t) for t in possible}):
            return True
        self.read_through(self.total - 1)
        return _fit_cells(set(self.metas))


@lru_cache(maxsize=1)
def mono_grid() -> tuple[float, frozenset[str]]:
    """Advance of every character of the ZIP/date font at FONT_SIZE, and the characters it has."""
    font = TTFont(str(_FONT_DIR / META_FONT), lazy=True)
    cmap = font.getBestCmap()
    advance = font["hmtx"].metrics[cmap[ord("0")]][0] * FONT_SIZE / font["head"].unitsPerEm
    font.close()
    return advance, frozenset(chr(cp) for cp in cmap)


def meta_chars() -> int:
    """Characters a ZIP, two spaces and a date may take on a row."""
    advance, _chars = mono_grid()
    return int(META_ROOM // advance)


def _fit_cells(metas: set[str]) -> bool:
    """Whether these ZIPs and dates are all set in the monospaced font and fit their cell."""
    _advance, chars = mono_grid()
    limit = meta_chars()
    zips = max((len(m.split(META_SEPARATOR, 1)[0]) for m in metas), default=0)
    dates = max((len(m.split(META_SEPARATOR, 1)[-1]) for m in metas), default=0)
    # Every character of the font has the same advance; a combining mark would not keep it.
    return zips + 2 + dates <= limit and all(
        ch in chars and not unicodedata.combining(ch)
        for m in metas
        for ch in m.replace(META_SEPARATOR, "")
    )


class _Layout:
    """Cuts the pages of one roster, one at a time, or finds them in a PageMemory."""

    def __init__(self, entries: _Entries, memory: PageMemory | None) -> None:
        self.entries = entries
        self.labels = entries.labels
        self.memory = memory
        self.regular = _measure(False)
        self.bold = _measure(True)
        self.rows = entries.metas_fit()
        # Otherwise (long localized dates) each column is its own <pre> and the ZIP/date goes
        # on an indented line under the name, so nothing ever runs into the next column.
        self.tab_stop = ROW_TAB if self.rows else COLUMN_WIDTH
        self.name_width = ROW_TAB - NAME_GAP if self.rows else COLUMN_WIDTH - TAB_CLEARANCE
        self.indent = self.regular.width(CONTINUATION_INDENT)
        self._headings: dict[str, _Item] = {}
        self._made: dict[int, _Item] = {}
        self.context = ""
        if memory is not None:
            self.context = hashlib.sha256(
                f"{memory.context}\x1e{self.rows}\x1e{self.tab_stop:.4f}"
                f"\x1e{self.name_width:.4f}".encode()
            ).hexdigest()

    def heading(self, district: str) -> _Item:
        item = self._headings.get(district)
        if item is None:
            text = self.labels.district_heading.format(district=district)
            item = self._headings[district] = _Item(
                "heading", district, _wrap_heading(self.bold, text, self.indent)
            )
        return item

    def entry_item(self, index: int) -> _Item:
        entries, regular, indent = self.entries, self.regular, self.indent
        meta, district = entries.metas[index], entries.districts[index]
        name = clean_line(entries.roster[index].name)
        whole = regular.width(name)
        if whole <= self.name_width:  # the common case: one line
            lines = [(name, whole)]
        else:
            parts = regular.wrap(name, self.name_width, self.name_width - indent)
            if len(parts) > MAX_LINES_PER_ENTRY:
                parts = parts[:MAX_LINES_PER_ENTRY]
                parts[-1] = parts[-1][:-1] + "…"
            lines = [(parts[0], regular.width(parts[0]))] + [
                (CONTINUATION_INDENT + part, indent + regular.width(part)) for part in parts[1:]
            ]
        if not self.rows:
            limit = COLUMN_WIDTH - TAB_CLEARANCE - indent
            lines += [
                (CONTINUATION_INDENT + part, indent + regular.width(part))
                for part in regular.wrap(meta.replace(META_SEPARATOR, "  "), limit, limit)
            ]
            meta = ""
        score = _score(entries.keys[index])
        anchor = score < 2**64 // ANCHOR_EVERY
        return _Item("entry", district, lines, meta, score, name, anchor)

    def window(self, first: int, heading_first: bool) -> list[_Item]:
        """The items a page starting at entry `first` may hold (never more are looked at)."""
        entries = self.entries
        items: list[_Item] = []
        entries.read_through(first)
        previous = None if heading_first else entries.districts[first]
        index = first
        while len(items) < _LOOKAHEAD and index < entries.total:
            entries.read_through(index)
            district = entries.districts[index]
            if district != previous:
                items.append(self.heading(district))
                previous = district
            item = self._made.get(index)
            if item is None:
                item = self._made[index] = self.entry_item(index)
            items.append(item)
            index += 1
        return items[:_LOOKAHEAD]

    def forget(self, first: int, count: int) -> None:
        """Drop the items of entries now on a page."""
        for index in range(first, first + count):
            self._made.pop(index, None)

    def token(self, first: int, heading_first: bool) -> str:
        self.entries.read_through(first)
        text = f"{self.context}\x1e{int(heading_first)}\x1e{self.entries.keys[first]}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def digest(self, first: int, heading_first: bool, count: int) -> str:
        total = self.entries.total
        self.entries.read_through(min(first + count, total) - 1)
        digest = hashlib.sha256(f"{self.context}\x1e{int(heading_first)}\x1e".encode())
        digest.update("\x1e".join(self.entries.keys[first : first + count]).encode("utf-8"))
        digest.update(b"\x1e<end>" if first + count >= total else b"\x1e")
        return digest.hexdigest()

    def reuse(self, first: int, heading_first: bool) -> KnownPage | None:
        """The page an earlier layout made from the same entries, if the caller can use it."""
        memory = self.memory
        if memory is None:
            return None
        start = self.token(first, heading_first)
        known = next(
            (
                page
                for page in memory.known.get(start, ())
                if page.digest == self.digest(first, heading_first, page.window)
            ),
            None,
        )
        if known is None or not memory.use(known):
            return None
        memory.learned.setdefault(start, []).append(known)
        memory.reused += 1
        return known

    def cut(self, first: int, heading_first: bool) -> tuple[RosterPage, list[_Item], int, int]:
        """The page starting at entry `first`, its window of items, its end and what it read."""
        items = self.window(first, heading_first)
        end, columns, read = _cut_page(items, 0, self.labels, self.bold, self.indent)
        page_items = items[:end]
        entries = [item for item in page_items if item.kind == "entry"]
        page = RosterPage(
            columns=columns,
            districts=tuple(dict.fromkeys(item.district for item in page_items)),
            first_name=entries[0].name if entries else "",
            last_name=entries[-1].name if entries else "",
            entries=len(entries),
        )
        return page, items, end, read

    def remember(
        self, first: int, heading_first: bool, items: list[_Item], end: int, read: int, value: str
    ) -> None:
        """Keep a page just cut for the next layout, under what decided it."""
        if self.memory is None:
            return
        # The entries the cut read: the items up to `read`, and the entry a heading among
        # them was made for.
        seen = sum(1 for item in items[:read] if item.kind == "entry")
        if read and items[read - 1].kind == "heading":
            seen += 1
        self.memory.learned.setdefault(self.token(first, heading_first), []).append(
            KnownPage(
                window=seen,
                digest=self.digest(first, heading_first, seen),
                entries=sum(1 for item in items[:end] if item.kind == "entry"),
                heading_next=end < len(items) and items[end].kind == "heading",
                headings=tuple(item.district for item in items[:end] if item.kind == "heading"),
                value=value,
            )
        )


# A page never looks further ahead than this many items (headings included).
_LOOKAHEAD = COLUMNS * LINES_PER_COLUMN + 2


def layout_roster(
    roster: Sequence[RosterEntry],
    labels: PacketLabels,
    on_page: Callable[[RosterPage, bool, float], str | None] | None = None,
    memory: PageMemory | None = None,
) -> RosterLayout:
    """Wrap names and cut the roster into fixed pages with content-defined boundaries.

    `on_page(page, rows, tab_stop)` is called as each page is cut, so that pages can be
    rendered while the rest of a long roster is still being laid out; what it returns is
    remembered in `memory` for the next layout. With `memory`, pages an earlier layout made
    from the same entries are not laid out again (they are not in the result's `pages`).
    """
    entries = _Entries(roster, labels)
    layout = _Layout(entries, memory)
    tab_stop = round(layout.tab_stop, 2)
    pages: list[RosterPage] = []
    district_pages: list[tuple[str, int]] = []
    page_count = 0
    first, heading_first = 0, True
    while first < entries.total:
        known = layout.reuse(first, heading_first)
        if known is not None:
            headings, count, heading_next = known.headings, known.entries, known.heading_next
        else:
            page, items, end, read = layout.cut(first, heading_first)
            pages.append(page)
            headings = tuple(item.district for item in items[:end] if item.kind == "heading")
            count = page.entries
            heading_next = end < len(items) and items[end].kind == "heading"
            value = on_page(page, layout.rows, tab_stop) if on_page is not None else None
            if value is not None:
                layout.remember(first, heading_first, items, end, read, value)
        district_pages.extend((district, page_count) for district in headings)
        page_count += 1
        layout.forget(first, count)
        first += count
        heading_first = heading_next
    counts = Counter(entries.districts)  # every entry is read by now
    return RosterLayout(
        tuple(pages),
        tuple((district, page, counts[district]) for district, page in district_pages),
        tab_stop,
        layout.rows,
        page_count,
    )


def _wrap_heading(bold: TextMeasure, text: str, indent: float) -> list[tuple[str, float]]:
    # A heading has a row of its own (no ZIP or date beside it): the whole column is its.
    limit = COLUMN_WIDTH - TAB_CLEARANCE
    lines = bold.wrap(text, limit, limit - indent)
    out = lines[:1] + [CONTINUATION_INDENT + line for line in lines[1:]]
    return [(line, bold.width(line)) for line in out]


def _fill(
    items: list[_Item], start: int, first_used: int, limit: int, stop: int | None = None
) -> tuple[list[tuple[int, bool]], list[int], int]:
    """Greedy fill from `start` with `limit` lines per column.

    Returns where each item lands (column, blank line before it), how many lines of the
    page are used after each item (counting the unused ends of full columns), and the index
    after the last item that fits.
    """
    placements: list[tuple[int, bool]] = []
    used_after: list[int] = []
    column, used = 0, first_used
    index = start
    stop = len(items) if stop is None else stop
    while index < stop:
        item = items[index]
        spacer = 1 if item.kind == "heading" and used > 0 else 0
        height = len(item.lines)
        # A heading keeps with the first name under it.
        keep = height
        if item.kind == "heading" and index + 1 < len(items):
            keep += len(items[index + 1].lines)
        if used + spacer + keep > limit:
            column += 1
            used, spacer = 0, 0
            if column >= COLUMNS or keep > limit:
                break
        placements.append((column, bool(spacer)))
        used += spacer + height
        used_after.append(column * LINES_PER_COLUMN + used)
        index += 1
    return placements, used_after, index


def _cut_page(
    items: list[_Item],
    start: int,
    labels: PacketLabels,
    bold: TextMeasure,
    indent: float,
) -> tuple[int, tuple[tuple[RosterLine, ...], ...], int]:
    """Choose where the page starting at `start` ends and lay its lines into columns.

    Returns the end, the columns, and the index up to which the choice read `items`: the
    item that did not fit any more, and the one after it (a heading keeps with it).
    """
    continued: list[tuple[str, float]] = []
    if items[start].kind == "entry":
        text = labels.continued.format(district=items[start].district)
        continued = _wrap_heading(bold, text, indent)

    placements, used_after, end = _fill(items, start, len(continued), LINES_PER_COLUMN)
    read = min(end + 2, len(items))
    anchor = _anchor(items, start, end, used_after)
    if anchor is not None:
        end = anchor
    if end == len(items) or anchor is not None:
        # The last page, or a page cut before an anchor: it ends here whatever its fill,
        # so balance its columns instead of filling the first ones alone.
        placements, end = _balanced(items, start, end, len(continued), used_after, placements)
    else:
        end = _content_defined_end(items, start, end, used_after)
    return end, _columns(items, start, end, placements, continued), read


def _anchor(items: list[_Item], start: int, end: int, used_after: list[int]) -> int | None:
    """The first anchor signer after the page's first item, once the page is full enough."""
    capacity = COLUMNS * LINES_PER_COLUMN
    return next(
        (
            start + offset
            for offset in range(1, end - start)
            if items[start + offset].anchor and used_after[offset - 1] >= ANCHOR_MIN_FILL * capacity
        ),
        None,
    )


def _balanced(
    items: list[_Item],
    start: int,
    end: int,
    first_used: int,
    used_after: list[int],
    placements: list[tuple[int, bool]],
) -> tuple[list[tuple[int, bool]], int]:
    """Placements of items[start:end] in the shortest columns that hold them all."""
    lines = used_after[end - start - 1] if end > start else first_used
    for limit in range(max(1, -(-lines // COLUMNS)), LINES_PER_COLUMN + 1):
        balanced, _used, balanced_end = _fill(items, start, first_used, limit, stop=end)
        if balanced_end == end:
            return balanced, end
    return placements, end


def _content_defined_end(items: list[_Item], start: int, end: int, used_after: list[int]) -> int:
    """After the lowest-hash entry of a full enough page; a district change wins.

    So districts start on a fresh page when there is room, and a new signer moves only the
    page it lands on (see the module's docstring).
    """
    capacity = COLUMNS * LINES_PER_COLUMN
    best: tuple[int, int] | None = None
    for offset, filled in enumerate(used_after):
        position = start + offset
        item = items[position]
        if item.kind != "entry" or filled < MIN_FILL * capacity:
            continue
        following = items[position + 1] if position + 1 < len(items) else None
        score = -1 if following is not None and following.kind == "heading" else item.score
        if best is None or score < best[0]:
            best = (score, position + 1)
    if best is not None:
        return best[1]
    if end == start:
        return start + 1  # cannot happen with sane geometry; never loop forever
    return end


def _columns(
    items: list[_Item],
    start: int,
    end: int,
    placements: list[tuple[int, bool]],
    continued: list[tuple[str, float]],
) -> tuple[tuple[RosterLine, ...], ...]:
    """The printed lines of items[start:end], column by column."""
    columns: list[list[RosterLine]] = [[] for _ in range(COLUMNS)]
    columns[0].extend(RosterLine("heading", text, width=w) for text, w in continued)
    for offset in range(end - start):
        item = items[start + offset]
        column, blank = placements[offset]
        if blank:
            columns[column].append(RosterLine("blank", ""))
        if item.kind == "heading":
            columns[column].extend(RosterLine("heading", t, width=w) for t, w in item.lines)
        else:
            text, width = item.lines[0]
            columns[column].append(RosterLine("entry", text, item.meta, width))
            columns[column].extend(
                RosterLine("continuation", t, width=w) for t, w in item.lines[1:]
            )
    return tuple(tuple(col) for col in columns)
