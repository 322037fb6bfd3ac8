"""Reads back which glyph of which embedded font a PDF draws for each character.

For the packet's script test: pypdf walks every page's content stream (and the forms it
draws), follows the font selected for each text-showing operator, splits its strings into
glyph ids (two bytes each: WeasyPrint's fonts are Identity-H), and fontTools opens the font
program embedded in the PDF to say whether each glyph id exists there and draws something.
The ToUnicode map of each font says which characters a glyph stands for.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


@dataclass
class EmbeddedFont:
    """One font as embedded: its glyph count, which glyphs draw ink, its ToUnicode map."""

    name: str
    glyph_count: int
    inked: set[int]  # glyph ids with an outline, a bitmap or colour layers
    to_unicode: dict[int, str]
    two_byte: bool = True
    # A simple TrueType font (one byte a character, as the page-number stamp of
    # campaign/pdf/tagged.py): its codes -> glyph ids through its encoding and cmap.
    codes: dict[int, int] | None = None


@dataclass
class DrawnGlyph:
    font: EmbeddedFont
    glyph: int
    code: int | None = None  # the byte shown, for a simple font (its ToUnicode is by code)

    @property
    def text(self) -> str:
        return self.font.to_unicode.get(self.glyph if self.code is None else self.code, "")

    @property
    def problem(self) -> str | None:
        if self.glyph >= self.font.glyph_count:
            return f"glyph {self.glyph} past the end of {self.font.name} ({self.font.glyph_count})"
        if self.glyph == 0:
            return f".notdef drawn in {self.font.name} for {self.text!r}"
        if self.text.strip() and self.glyph not in self.font.inked:
            return f"empty glyph {self.glyph} of {self.font.name} drawn for {self.text!r}"
        return None


@dataclass
class PageGlyphs:
    glyphs: list[DrawnGlyph] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [p for g in self.glyphs if (p := g.problem) is not None]

    def characters(self) -> set[str]:
        """Every character some valid glyph of the page stands for."""
        return {ch for g in self.glyphs if g.problem is None for ch in g.text}


def _to_unicode(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for lo, hi, dst in _BFRANGE.findall(block):
            start = int(dst, 16)
            for offset, gid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[gid] = chr(start + offset)
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for src, dst in _BFCHAR.findall(block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    return mapping


def _inked(font: TTFont) -> set[int]:
    order = font.getGlyphOrder()
    inked: set[int] = set()
    if "glyf" in font:
        glyf = font["glyf"]
        inked |= {i for i, n in enumerate(order) if glyf[n].numberOfContours != 0}
    if "CFF " in font:
        cff = font["CFF "].cff
        charstrings = cff[cff.fontNames[0]].CharStrings
        for i, name in enumerate(order):
            if name in charstrings and charstrings[name].calcBounds(charstrings) is not None:
                inked.add(i)
    if "CBDT" in font:
        for strike in font["CBDT"].strikeData:
            inked |= {font.getGlyphID(name) for name in strike}
    if "COLR" in font:
        inked |= {font.getGlyphID(name) for name in font["COLR"].ColorLayers}
    return inked


def _simple_codes(font: TTFont) -> dict[int, int]:
    """Byte -> glyph id of a WinAnsi-encoded TrueType font, through its Unicode cmap."""
    cmap = font.getBestCmap() or {}
    codes = {}
    for code in range(256):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if ord(char) in cmap:
            codes[code] = font.getGlyphID(cmap[ord(char)])
    return codes


def _embedded(font_dict) -> EmbeddedFont:
    name = str(font_dict.get("/BaseFont", "?"))
    to_unicode = {}
    if "/ToUnicode" in font_dict:
        to_unicode = _to_unicode(font_dict["/ToUnicode"].get_object().get_data())
    descendant = font_dict
    if "/DescendantFonts" in font_dict:
        descendant = font_dict["/DescendantFonts"][0].get_object()
    descriptor = descendant.get("/FontDescriptor")
    program = None
    if descriptor is not None:
        descriptor = descriptor.get_object()
        for key in ("/FontFile2", "/FontFile3", "/FontFile"):
            if key in descriptor:
                program = descriptor[key].get_object().get_data()
                break
    if program is None:  # a Type 3 font (WeasyPrint's bitmap emoji): its glyphs are procedures
        procs = font_dict.get("/CharProcs", {})
        count = int(font_dict.get("/LastChar", 255)) + 1
        return EmbeddedFont(name, count, set(range(count)) if procs else set(), to_unicode, False)
    tt = TTFont(io.BytesIO(program), fontNumber=0, lazy=True)
    if "/DescendantFonts" not in font_dict:
        codes = _simple_codes(tt) if font_dict.get("/Encoding") == "/WinAnsiEncoding" else None
        return EmbeddedFont(name, tt["maxp"].numGlyphs, _inked(tt), to_unicode, False, codes)
    return EmbeddedFont(name, tt["maxp"].numGlyphs, _inked(tt), to_unicode)


class _Walker:
    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self.fonts: dict[int, EmbeddedFont] = {}

    def font(self, ref) -> EmbeddedFont:
        key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
        if key not in self.fonts:
            self.fonts[key] = _embedded(ref.get_object())
        return self.fonts[key]

    def walk(self, content, resources, out: PageGlyphs, depth: int = 0) -> None:
        if depth > 8 or content is None:
            return
        resources = resources.get_object() if resources is not None else {}
        fonts = resources.get("/Font", {})
        xobjects = resources.get("/XObject", {})
        current: EmbeddedFont | None = None
        stream = ContentStream(content, self.reader)
        for operands, operator in stream.operations:
            if operator == b"Tf":
                ref = fonts.get_object().raw_get(operands[0]) if operands[0] in fonts else None
                current = self.font(ref) if ref is not None else None
            elif operator in (b"Tj", b"'", b'"', b"TJ") and current is not None:
                strings = operands[-1] if operator == b"TJ" else [operands[-1]]
                for item in strings:
                    if isinstance(item, (bytes, str)) or hasattr(item, "original_bytes"):
                        self.show(current, bytes(getattr(item, "original_bytes", item)), out)
            elif operator == b"Do":
                xobject = xobjects.get_object().get(operands[0]) if xobjects else None
                if xobject is not None and xobject.get_object().get("/Subtype") == "/Form":
                    form = xobject.get_object()
                    self.walk(form, form.get("/Resources", resources), out, depth + 1)

    @staticmethod
    def show(font: EmbeddedFont, data: bytes, out: PageGlyphs) -> None:
        if font.codes is not None:
            out.glyphs.extend(DrawnGlyph(font, font.codes.get(code, 0), code) for code in data)
            return
        step = 2 if font.two_byte else 1
        for i in range(0, len(data) - step + 1, step):
            out.glyphs.append(DrawnGlyph(font, int.from_bytes(data[i : i + step], "big")))


def drawn_glyphs(path: Path) -> list[PageGlyphs]:
    """For each page of the PDF at `path`, every glyph it draws, with its font."""
    reader = PdfReader(path)
    walker = _Walker(reader)
    pages = []
    for page in reader.pages:
        out = PageGlyphs()
        walker.walk(page.get_contents(), page.get("/Resources"), out)
        pages.append(out)
    return pages
