"""Roster pages painted straight into PDF: roster.py's layout, shaping.py's glyphs, pikepdf.

roster.py decides every line of every roster page and where it goes; WeasyPrint laid those
lines out again as `<pre>` blocks, at about 95 ms of CPU a page (two thirds of a 100,000-name
packet's rendering; BENCHMARKS.md). Here each line is shaped by HarfBuzz (shaping.py) and
written at its place: a few milliseconds a page, with every column exact by construction.

What a page holds, as the packet's other pages do: the roster head (title, districts, the
page's first and last name, the legend, a rule), the names in their fonts (the fonts.css
stacks, so every script has real glyphs; each font embedded as a subset of the glyphs the
chunk uses, with a ToUnicode map), and in row mode each signer's ZIP and date in the
monospaced font at fixed places. A tagged chunk (tagged.py joins it like WeasyPrint's) has
a structure tree: the roster's first page's title is its H1, each district heading an H2,
each column's signers a list (L) with an item (LI) per signer that holds the name's lines and
the ZIP and date, in one marked-content sequence where it can (a hundred thousand signers are
a hundred thousand items: no LBody level, which PDF/UA-1 does not ask for, and one MCID
rather than three keep the merged packet's objects and memory down); the repeated head is a
pagination artifact. A name whose glyphs do not map one to
one onto its characters in reading order (right to left, conjuncts, ligatures) carries its
text as /ActualText, so copying it or reading it aloud gives the name as it was written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
import uharfbuzz as hb
from pikepdf import Array, Dictionary, Name, Pdf, String

from . import roster as geometry
from .roster import RosterLine, RosterPage
from .shaping import MONO, NAMES, NAMES_BOLD, SANS, SANS_BOLD, Face, GlyphRun, face, shape_line

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # Letter, as packet.css's @page
MARGIN_LEFT, MARGIN_TOP = 40.0, 40.0
LINES_TOP = 38.0  # the first row's line box, below the page's top margin
HEAD_HEIGHT = 29.0  # the head, then a 1pt rule under it
# packet.css's --ink, --accent and --muted, as the operation that sets the fill colour.
INK, ACCENT, MUTED = b"0.106 0.122 0.141 rg\n", b"0.114 0.208 0.341 rg\n", b"0.353 0.388 0.439 rg\n"
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF")
_DROPPED_TABLES += (b"LTSH", b"PCLT", b"SVG ")
if TYPE_CHECKING:
    from .render import RenderedPages

_HEADER_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Header>> BDC\n"


@dataclass(frozen=True)
class RosterSheet:
    """Everything one painted roster page shows (sections.py makes it; its repr is its key)."""

    page: RosterPage | None  # None: the roster is empty
    rows: bool  # row mode: ZIP and date beside the name, in the monospaced font
    title: str
    districts: str
    names: str  # "first – last", cut to fit
    legend: str
    empty: str  # "no signatures yet", shown when page is None
    first: bool  # the roster's first page: its title is the section's heading


def paint_to_file(sheets: list[RosterSheet], out_path: Path, *, tagged: bool) -> RenderedPages:
    """Write the sheets as one chunk PDF (atomically) and say where each segment starts."""
    from .render import SEGMENT_ID_PREFIX, RenderedPages  # render.py imports WeasyPrint

    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with _Chunk(tagged) as chunk:
            for sheet in sheets:
                chunk.page(sheet)
            chunk.save(tmp)
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    anchors = {f"{SEGMENT_ID_PREFIX}{i}": (i, PAGE_HEIGHT - MARGIN_TOP) for i in range(len(sheets))}
    return RenderedPages(pages=len(sheets), anchors=anchors, page_height=PAGE_HEIGHT)


@dataclass
class _UsedFont:
    name: str  # resource name, e.g. "F0"
    face: Face
    text: dict[int, str] = field(default_factory=dict)  # glyph -> text, for /ToUnicode
    # Glyph sequences already in `text` (by glyphs, not by source text: one text shaped right
    # to left may draw other, mirrored, glyphs than the same text left to right).
    runs: set[tuple[int, ...]] = field(default_factory=set)


@dataclass(slots=True)
class _Element:
    """A structure element as painting finds it; made a PDF object when the chunk is saved."""

    kind: str
    kids: list[_Element | int] = field(default_factory=list)  # elements and MCIDs
    page: int = 0
    actual_text: str | None = None


_EXACT = _Element("Span")  # stands for open marked content that carries /ActualText


class _Chunk:
    """One PDF of painted pages, its fonts and, when tagged, its structure tree."""

    def __init__(self, tagged: bool) -> None:
        self.pdf = Pdf.new()
        self.tagged = tagged
        self.fonts: dict[str, _UsedFont] = {}
        self.resources = self.pdf.make_indirect(Dictionary(Font=Dictionary()))
        self.elements: list[_Element] = []  # the Document element's kids, page by page
        self.marked: list[list[_Element]] = []  # per page: MCID -> its element

    def __enter__(self) -> _Chunk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pdf.close()

    def font(self, face: Face) -> _UsedFont:
        used = self.fonts.get(face.file_name)
        if used is None:
            used = self.fonts[face.file_name] = _UsedFont(f"F{len(self.fonts)}", face)
        return used

    def page(self, sheet: RosterSheet) -> None:
        canvas = _Canvas(self, len(self.pdf.pages))
        canvas.head(sheet)
        if sheet.page is None:
            canvas.empty(sheet.empty)
        else:
            zip_chars = _zip_chars(sheet.page) if sheet.rows else None
            for c, column in enumerate(sheet.page.columns):
                canvas.column(c, column, zip_chars)
        canvas.unmark()
        page = Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, PAGE_WIDTH, PAGE_HEIGHT]),
            Resources=self.resources,
            Contents=self.pdf.make_stream(b"".join(canvas.ops)),
        )
        if self.tagged:
            page.StructParents = len(self.marked)
            self.elements.extend(canvas.elements)
            self.marked.append(canvas.marked)
        self.pdf.pages.append(pikepdf.Page(page))

    def save(self, path: Path) -> None:
        fonts = self.resources.Font
        for used in self.fonts.values():
            fonts[f"/{used.name}"] = _embed(self.pdf, used)
        if self.tagged:
            self._structure()
        self.pdf.save(path, deterministic_id=True)

    def _structure(self) -> None:
        """The structure tree and ParentTree, as tagged.py reads a chunk's."""
        pdf = self.pdf
        root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        document = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array())
        )
        pages = [page.obj for page in pdf.pages]
        made: dict[int, pikepdf.Object] = {}

        def make(element: _Element, parent: pikepdf.Object) -> pikepdf.Object:
            made[id(element)] = obj = pdf.make_indirect(
                Dictionary(
                    Type=Name.StructElem,
                    S=Name(f"/{element.kind}"),
                    P=parent,
                    Pg=pages[element.page],
                )
            )
            obj.K = Array([k if isinstance(k, int) else make(k, obj) for k in element.kids])
            if element.actual_text is not None:
                obj.ActualText = String(element.actual_text)
            return obj

        document.K = Array([make(element, document) for element in self.elements])
        nums: list = []
        for index, marked in enumerate(self.marked):
            nums.extend([index, pdf.make_indirect(Array([made[id(e)] for e in marked]))])
        root.K = Array([document])
        root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
        root.ParentTreeNextKey = len(self.marked)
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = Dictionary(Marked=True)


class _Canvas:
    """The content stream of one page and the structure elements its marked content feeds."""

    def __init__(self, chunk: _Chunk, index: int) -> None:
        self.chunk = chunk
        self.ops: list[bytes] = []
        self.elements: list[_Element] = []  # the page's top-level structure elements
        self.marked: list[_Element] = []  # MCID -> its element
        self.index = index
        self.open_for: _Element | None = None  # the element whose marked content is open

    def mark(self, element: _Element | None, actual_text: str | None = None) -> None:
        """Draw what follows as marked content of `element` (the next MCID, when tagged), and
        with its exact text if need be. Consecutive text of one element shares one MCID."""
        if actual_text is None and (element is self.open_for or not self.chunk.tagged):
            return
        self.unmark()
        properties = []
        if element is not None and self.chunk.tagged:
            properties.append(f"/MCID {len(self.marked)}")
            element.kids.append(len(self.marked))
            self.marked.append(element)
        if actual_text is not None:
            properties.append(f"/ActualText <{_utf16(actual_text)}>")
        if properties:
            self.ops.append(f"/Span <<{' '.join(properties)}>> BDC\n".encode())
            self.open_for = _EXACT if actual_text is not None else element

    def unmark(self) -> None:
        """End the open marked content, if any."""
        if self.open_for is not None:
            self.ops.append(b"EMC\n")
            self.open_for = None

    def element(self, kind: str, parent: _Element | None = None) -> _Element:
        element = _Element(kind, page=self.index)
        (self.elements if parent is None else parent.kids).append(element)
        return element

    def text(
        self,
        line: str,
        stack: tuple[str, ...],
        at: tuple[float, float],
        size: float,
        colour: bytes,
        *,
        right: bool = False,
        marked: _Element | None = None,
    ) -> None:
        """Draw one line at `at`: x, and its line box's top in points from the page's top."""
        shaped = shape_line(line, stack)
        if not shaped.runs:
            return
        x, top = at
        if right:
            x -= shaped.width(size)
        baseline = PAGE_HEIGHT - top - _baseline_offset(stack[0], size)
        exact = not shaped.plain or shaped.right_to_left
        if marked is not None and exact and self.chunk.tagged:
            # A screen reader reads the element's /ActualText, in reading order.
            marked = self.element("Span", marked)
            marked.actual_text = line
        # Text extraction (pdftotext) reads the marked content's /ActualText; it puts glyphs
        # drawn right to left back in reading order itself, and would turn that around.
        plain = shaped.plain or shaped.right_to_left
        self.mark(marked, None if plain else line)
        self.ops.extend((b"BT ", colour))
        for run in shaped.runs:
            x = self.run(run, x, baseline, size)
        self.ops.append(b"ET\n")
        if not plain:
            self.unmark()

    def run(self, run: GlyphRun, x: float, y: float, size: float) -> float:
        used = self.chunk.font(run.face)
        if run.glyphs not in used.runs:
            used.runs.add(run.glyphs)
            for glyph, text in zip(run.glyphs, run.texts, strict=True):
                used.text.setdefault(glyph, text)
        scale = size / run.face.upem
        self.ops.append(f"/{used.name} {size:g} Tf\n".encode())
        if run.offsets is None:
            self.ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ".encode())
            self.ops.append(run.show)
            return x + run.width * scale
        for glyph, advance, (dx, dy) in zip(run.glyphs, run.advances, run.offsets, strict=True):
            at = f"{x + dx * scale:.2f} {y + dy * scale:.2f}"
            self.ops.append(f"1 0 0 1 {at} Tm <{glyph:04x}> Tj\n".encode())
            x += advance * scale
        return x

    def rule(self, x: float, top: float, width: float, height: float, colour: bytes) -> None:
        y = PAGE_HEIGHT - top - height
        self.ops.append(colour + f"{x:.2f} {y:.2f} {width:.2f} {height:.2f} re f\n".encode())

    def head(self, sheet: RosterSheet) -> None:
        """Title, districts, first and last name, legend and the rule under them."""
        title = self.element("H1") if sheet.first and self.chunk.tagged else None
        title_at = (MARGIN_LEFT, MARGIN_TOP + _half(15, 12))
        if title is not None:
            self.text(sheet.title, SANS_BOLD, title_at, 12, ACCENT, marked=title)
        self.unmark()
        if self.chunk.tagged:
            self.ops.append(_HEADER_ARTIFACT)
        if title is None:
            self.text(sheet.title, SANS_BOLD, title_at, 12, ACCENT)
        where_at = (MARGIN_LEFT, MARGIN_TOP + 15 + _half(11, 8))
        self.text(sheet.districts, SANS_BOLD, where_at, 8, INK)
        right = MARGIN_LEFT + geometry.CONTENT_WIDTH
        self.text(sheet.names, SANS, (right, MARGIN_TOP + _half(15, 7)), 7, MUTED, right=True)
        legend_at = (right, MARGIN_TOP + 15 + _half(11, 7))
        self.text(sheet.legend, SANS, legend_at, 7, MUTED, right=True)
        self.rule(MARGIN_LEFT, MARGIN_TOP + HEAD_HEIGHT, geometry.CONTENT_WIDTH, 1, ACCENT)
        if self.chunk.tagged:
            self.ops.append(b"EMC\n")

    def empty(self, message: str) -> None:
        top = MARGIN_TOP + HEAD_HEIGHT + 1 + 12 + _half(9.5 * 1.4, 9.5)
        self.text(message, SANS, (MARGIN_LEFT, top), 9.5, MUTED, marked=self.element("P"))

    def column(self, index: int, lines: tuple[RosterLine, ...], zip_chars: int | None) -> None:
        """One page column: district headings (H2) and its signers (a list, an item each).

        `zip_chars`: in row mode, the page's widest ZIP in characters; else None."""
        left = MARGIN_LEFT + index * geometry.COLUMN_PITCH
        size = geometry.FONT_SIZE
        first_top = MARGIN_TOP + LINES_TOP + _half(geometry.LINE_HEIGHT, size)
        heading = items = item = None
        meta: tuple[str, float] | None = None  # the signer's ZIP and date, drawn after the name
        for row, line in enumerate(lines):
            top = first_top + row * geometry.LINE_HEIGHT
            if line.kind != "continuation" and meta is not None:
                self.meta(*meta, left, zip_chars or 0, item)
                meta = None
            if line.kind == "heading":
                heading = heading or self.element("H2")
                items = None
                self.text(line.text, NAMES_BOLD, (left, top), size, ACCENT, marked=heading)
                continue
            heading = None
            if line.kind == "blank":
                continue
            if line.kind == "entry":
                items = items or self.element("L")
                item = self.element("LI", items)
                meta = (line.meta, top) if zip_chars is not None and line.meta else None
            self.text(line.text, NAMES, (left, top), size, INK, marked=item)
        if meta is not None:
            self.meta(*meta, left, zip_chars or 0, item)

    def meta(
        self, meta: str, top: float, left: float, zip_chars: int, item: _Element | None
    ) -> None:
        """A signer's ZIP and date in the monospaced font, padded so every date of the page
        starts at the same place; marked content of its own, after the name's lines."""
        zip_code, _sep, date = meta.partition(geometry.META_SEPARATOR)
        self.unmark()
        at = (left + geometry.ROW_TAB, top)
        self.text(
            f"{zip_code:<{zip_chars}}  {date}", MONO, at, geometry.FONT_SIZE, INK, marked=item
        )


def _zip_chars(page: RosterPage) -> int:
    """The page's widest ZIP, in characters of the monospaced font."""
    metas = (line.meta for column in page.columns for line in column if line.meta)
    return max((len(m.partition(geometry.META_SEPARATOR)[0]) for m in metas), default=0)


def _half(line_height: float, size: float) -> float:
    """CSS half-leading: how far below its line box's top a line's glyph area starts."""
    return 0.0 if line_height <= 0 else (line_height - size * _em_height()) / 2


@lru_cache(maxsize=1)
def _em_height() -> float:
    """Height of DejaVu's glyph area in ems (every DejaVu face has the same)."""
    f = face(NAMES[0])
    return (f.ascent - f.descent) / f.upem


@lru_cache(maxsize=32)
def _baseline_offset(font_file: str, size: float) -> float:
    f = face(font_file)
    return f.ascent * size / f.upem


def _utf16(text: str) -> str:
    return "feff" + text.encode("utf-16-be").hex()


def _embed(pdf: Pdf, used: _UsedFont) -> pikepdf.Object:
    """A Type 0 font: the subset of the glyphs the chunk used, their widths and their text."""
    face = used.face
    glyphs = sorted(used.text)
    subset = hb.SubsetInput()
    subset.glyph_set.update(glyphs)
    flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
    subset.flags = flags | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.NOTDEF_OUTLINE
    subset.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(
        int.from_bytes(tag, "big") for tag in _DROPPED_TABLES
    )
    program = hb.subset(face.hb_face, subset).blob.data
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(glyphs).encode()).digest()[:6])
    base = Name(f"/{tag}+{face.pdf_name}")
    scale = 1000 / face.upem
    stream = pikepdf.Stream(pdf, program)
    if face.cff:
        stream.Subtype = Name.OpenType
    else:
        stream.Length1 = len(program)
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=base,
        Flags=4,
        FontBBox=Array([round(v * scale) for v in face.bbox]),
        ItalicAngle=0,
        Ascent=round(face.ascent * scale),
        Descent=round(face.descent * scale),
        CapHeight=round(face.cap_height * scale),
        StemV=80,
    )
    descriptor[Name.FontFile3 if face.cff else Name.FontFile2] = pdf.make_indirect(stream)
    widths = Array()
    for glyph in glyphs:
        widths.extend([glyph, Array([round(face.advance(glyph) * scale, 1)])])
    descendant = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType0 if face.cff else Name.CIDFontType2,
        BaseFont=base,
        CIDSystemInfo=Dictionary(
            Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        W=widths,
    )
    if not face.cff:
        descendant.CIDToGIDMap = Name.Identity
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=base,
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(descendant)]),
            # Each glyph to the text of the cluster it was first drawn for: a line whose glyphs
            # are not one per character also carries its exact text as /ActualText.
            ToUnicode=pdf.make_stream(to_unicode_cmap(used.text.items(), 2)),
        )
    )


def to_unicode_cmap(pairs: Iterable[tuple[int, str]], code_bytes: int) -> bytes:
    """A ToUnicode CMap mapping each character code (of `code_bytes` bytes) to its text: the
    painted roster's glyph ids (2 bytes), the page stamp's WinAnsi codes (1 byte, tagged.py)."""
    pairs = sorted((code, text) for code, text in pairs if text)
    width = 2 * code_bytes
    lines = []
    for start in range(0, len(pairs), 100):  # at most 100 entries a block
        batch = pairs[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines.extend(f"<{c:0{width}x}> <{t.encode('utf-16-be').hex()}>" for c, t in batch)
        lines.append("endbfchar")
    body = "\n".join(lines)
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        f"1 begincodespacerange <{'00' * code_bytes}> <{'ff' * code_bytes}> endcodespacerange\n"
        f"{body}\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode("ascii")
