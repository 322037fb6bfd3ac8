"""Assembles cached segment pages into the packet with pypdf, then numbers and labels it.

The footer's "page X of Y" is stamped here as a few bytes of PDF content per page in base-14
Helvetica, which needs no embedded font. The rest of the footer (campaign · hearing, in the
bundled font, any script) is rendered once by WeasyPrint and drawn on every page as one
shared form XObject. Chunk PDFs thus stay independent of their page offset and of the
footer, so they can be cached and reused wherever they land.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    Fit,
    IndirectObject,
    NameObject,
    TextStringObject,
)

# Stamp geometry, in points from the bottom-left corner; matches packet.css's @page margins
# so the number sits on the same baseline as the footer text WeasyPrint set on the left.
FOOTER_BASELINE = 23.9
FOOTER_RIGHT_MARGIN = 40.0
FOOTER_SIZE = 7.5
FOOTER_RGB = b"0.353 0.388 0.439"  # packet.css --muted, #5a6370

# Helvetica advance widths (1/1000 em) from the Adobe Core14 AFM files, for right-aligning
# the stamp; anything not listed is taken as 556, the width of a digit.
_HELVETICA = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~áéíóúñÁÉÍÓÚÑüÜçàèâêôö·",
        (
            278,
            278,
            355,
            556,
            556,
            889,
            667,
            191,
            333,
            333,
            389,
            584,
            278,
            333,
            278,
            278,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            278,
            278,
            584,
            584,
            584,
            556,
            1015,
            667,
            667,
            722,
            722,
            667,
            611,
            778,
            722,
            278,
            500,
            667,
            556,
            833,
            722,
            778,
            667,
            778,
            722,
            667,
            611,
            722,
            667,
            944,
            667,
            667,
            611,
            278,
            278,
            278,
            469,
            556,
            333,
            556,
            556,
            500,
            556,
            556,
            278,
            556,
            556,
            222,
            222,
            500,
            222,
            833,
            556,
            556,
            556,
            556,
            333,
            500,
            278,
            556,
            500,
            722,
            500,
            500,
            500,
            334,
            260,
            334,
            584,
            556,
            556,
            278,
            556,
            556,
            556,
            667,
            667,
            278,
            778,
            722,
            722,
            556,
            722,
            500,
            556,
            556,
            556,
            556,
            556,
            556,
            278,
        ),
        strict=True,
    )
)


@dataclass(frozen=True)
class PagePart:
    """A run of pages to take from one PDF file."""

    path: Path
    first: int
    count: int


@dataclass(frozen=True)
class OutlineItem:
    """A bookmark: nesting level, title, destination page and height on it (None = top)."""

    level: int
    title: str
    page: int
    top: float | None


@dataclass(frozen=True)
class LinkArea:
    """A clickable rectangle on one page that jumps to another page."""

    page: int
    rect: tuple[float, float, float, float]
    target_page: int
    target_top: float | None


def _stamp_text(template: str, page: int, pages: int) -> str:
    text = template.format(page=page, pages=pages)
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        # Base-14 fonts cannot show other scripts; the numbers alone still do the job.
        text = f"{page} / {pages}"
    return text


def page_label(template: str, page: int, pages: int) -> bytes:
    """The stamped "page X of Y" as a PDF string body in WinAnsi (cp1252) encoding."""
    raw = _stamp_text(template, page, pages).encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _label_width(template: str, page: int, pages: int) -> float:
    text = _stamp_text(template, page, pages)
    return sum(_HELVETICA.get(ch, 556) for ch in text) * FOOTER_SIZE / 1000


class _ParsedChunks:
    """Chunk PDFs parsed by earlier builds of this process, to be parsed again by none.

    A job worker builds packet after packet from mostly the same cached chunks, and parsing
    a chunk costs pypdf about six times as much as copying its parsed objects into a new
    packet. A reader is lent to one build at a time (pypdf readers are not thread-safe)
    and is known by the file's identity, so a chunk rendered again is parsed again.
    """

    LIMIT = 800  # chunk files; a 100,000-signature packet has about 200

    def __init__(self) -> None:
        self._readers: OrderedDict[tuple, PdfReader] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def identity(path: Path) -> tuple:
        # Not the modification time: builds touch the chunks they use (see cache.touch).
        # A chunk rendered again is a new file (written beside it, then renamed in place).
        stat = path.stat()
        return (str(path), stat.st_ino, stat.st_size)

    def borrow(self, path: Path) -> tuple[tuple, PdfReader]:
        identity = self.identity(path)
        with self._lock:
            reader = self._readers.pop(identity, None)
        return identity, reader if reader is not None else PdfReader(path)

    def give_back(self, readers: dict[tuple, PdfReader]) -> None:
        with self._lock:
            for identity, reader in readers.items():
                self._readers[identity] = reader
                self._readers.move_to_end(identity)
            while len(self._readers) > self.LIMIT:
                self._readers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._readers.clear()


parsed_chunks = _ParsedChunks()


class PageCopier:
    """The writer of one packet, and the chunk PDFs read into it.

    Reading a chunk PDF and copying what its pages draw (fonts, content streams) is most of
    a merge; `prepare` does it for pages that are ready while other chunks still render,
    and merge_pages() then only links the copied objects into pages. Call `close()` when
    the packet is written, to leave the parsed chunks to the next build.
    """

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self._readers: dict[Path, tuple[tuple, PdfReader]] = {}  # path -> (identity, reader)
        self._prepared: set[PagePart] = set()

    def reader(self, path: Path) -> PdfReader:
        """The one reader of a chunk PDF."""
        borrowed = self._readers.get(path)
        if borrowed is None:
            borrowed = self._readers[path] = parsed_chunks.borrow(path)
        return borrowed[1]

    def close(self) -> None:
        """Give the readers back for later builds of this process."""
        borrowed, self._readers = self._readers, {}
        parsed_chunks.give_back(dict(borrowed.values()))

    def prepare(self, part: PagePart) -> None:
        """Copy the resources and contents of a part's pages into the writer ahead of time.

        Preparing a part again does nothing (its objects are in the writer already).
        """
        if part in self._prepared:
            return
        self._prepared.add(part)
        reader = self.reader(part.path)
        for index in range(part.first, part.first + part.count):
            page = reader.pages[index]
            for key in ("/Resources", "/Contents"):
                value = page.raw_get(key) if key in page else None
                # Copies of indirect objects are remembered by the writer, so the page's
                # own copy in merge_pages() links to these instead of copying them again.
                if isinstance(value, IndirectObject):
                    value.clone(self.writer)


def merge_pages(
    parts: Iterable[PagePart],
    out: BinaryIO,
    *,
    footer: PagePart | None,
    page_of: str,
    outline: list[OutlineItem],
    links: list[LinkArea],
    metadata: dict[str, str],
    lang: str,
    on_stage: Callable[[str, float], None] | None = None,
    copier: PageCopier | None = None,
) -> int:
    """Write the packet made of `parts` to `out`; returns its page count."""
    copier = copier or PageCopier()
    writer = copier.writer
    used: set[tuple[Path, int]] = set()
    parts = list(parts)
    for number, part in enumerate(parts):
        reader = copier.reader(part.path)
        for index in range(part.first, part.first + part.count):
            source = reader
            if (part.path, index) in used:
                # pypdf would add the very same page object twice; read a fresh copy.
                source = PdfReader(part.path)
            used.add((part.path, index))
            writer.add_page(source.pages[index])
        if on_stage and number % 50 == 0:
            on_stage("merging", number / max(len(parts), 1))

    total = len(writer.pages)
    footer_form = (
        _page_as_form(writer, copier.reader(footer.path).pages[footer.first])
        if footer is not None
        else None
    )
    _stamp_page_numbers(writer, page_of, total, footer_form)
    if on_stage:
        on_stage("merging", 1.0)

    for area in links:
        fit = Fit.xyz(top=area.target_top) if area.target_top is not None else Fit.fit()
        writer.add_annotation(
            area.page,
            Link(rect=area.rect, target_page_index=area.target_page, fit=fit, border=[0, 0, 0]),
        )

    parents: list[IndirectObject | None] = [None]
    for item in outline:
        del parents[item.level + 1 :]
        while len(parents) < item.level + 1:
            parents.append(parents[-1])
        fit = Fit.xyz(top=item.top) if item.top is not None else Fit.fit()
        created = writer.add_outline_item(
            title=item.title,
            page_number=item.page,
            parent=parents[item.level],
            fit=fit,
            is_open=item.level == 0,
        )
        parents.append(created)

    writer.add_metadata({f"/{key}": value for key, value in metadata.items()})
    writer.page_mode = "/UseOutlines"
    writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    writer.write(out)
    return total


def _page_as_form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """A page of another PDF as a form XObject in `writer`, to draw on many pages at once."""
    contents = page.get_contents()
    form = DecodedStreamObject()
    form.set_data(contents.get_data() if contents is not None else b"")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(page.mediabox),
            NameObject("/Resources"): page["/Resources"].get_object().clone(writer),
        }
    )
    return writer._add_object(form)


def _stamp_page_numbers(
    writer: PdfWriter, template: str, total: int, footer: IndirectObject | None
) -> None:
    """Draw the footer and append "page X of Y" to every page's content."""
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    font_ref = writer._add_object(font)
    # Chunk content may leave a transformation in force; wrap it in q ... Q so the stamp is
    # drawn in the page's own coordinates.
    opening = DecodedStreamObject()
    opening.set_data(b"q\n")
    opening_ref = writer._add_object(opening)
    for number, page in enumerate(writer.pages, start=1):
        resources = page.get("/Resources")
        if resources is None:
            resources = DictionaryObject()
            page[NameObject("/Resources")] = resources
        resources = resources.get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts.get_object()[NameObject("/FPacketNo")] = font_ref
        if footer is not None:
            xobjects = resources.get("/XObject")
            if xobjects is None:
                xobjects = DictionaryObject()
                resources[NameObject("/XObject")] = xobjects
            xobjects.get_object()[NameObject("/FPacketFooter")] = footer

        box = page.mediabox
        right = float(box.right) - FOOTER_RIGHT_MARGIN
        x = right - _label_width(template, number, total)
        label = page_label(template, number, total)
        stamp = DecodedStreamObject()
        stamp.set_data(
            b"Q q "
            + (b"/FPacketFooter Do " if footer is not None else b"")
            + b"BT /FPacketNo %.2f Tf %s rg %.2f %.2f Td ("
            % (FOOTER_SIZE, FOOTER_RGB, x, FOOTER_BASELINE)
            + label
            + b") Tj ET Q\n"
        )
        contents = page.get("/Contents")
        streams = ArrayObject([opening_ref])
        if contents is not None:
            resolved = contents.get_object()
            if isinstance(resolved, ArrayObject):
                streams.extend(resolved)
            else:
                streams.append(page.raw_get("/Contents"))
        streams.append(writer._add_object(stamp))
        page[NameObject("/Contents")] = streams
