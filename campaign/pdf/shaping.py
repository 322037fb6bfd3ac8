"""Lines of resident text as positioned glyphs: fonts chosen, bidi resolved, shaped by HarfBuzz.

The roster painter (roster_paint.py) draws lines whose place on the page roster.py has
already decided, so it needs no layout engine: only which font draws each character (the
same stacks as fonts.css and packet.css), which way each run goes, and the glyphs HarfBuzz
shapes for it. Each line is its own bidi paragraph with a left-to-right base, as each line
of the roster's `<pre>` was; roster.clean_line has removed embeddings, overrides and
isolates, so the implicit rules of the Unicode Bidirectional Algorithm (UAX #9, W1 to I2 and
L2) are all a line needs. tests/pdf/test_shaping.py compares the visual order with
python-bidi's full implementation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from .fetcher import STATIC_PDF_DIR
from .roster import FALLBACK_FONTS

FONT_DIR = STATIC_PDF_DIR / "fonts"

# fonts.css: "Packet Sans Condensed" (the roster's names), "Packet Sans" (its head), then
# every stack's fallbacks in the same order. Bold text in a fallback script prints regular.
NAMES = ("DejaVuSansCondensed.ttf", *FALLBACK_FONTS)
NAMES_BOLD = ("DejaVuSansCondensed-Bold.ttf", *FALLBACK_FONTS)
SANS = ("DejaVuSans.ttf", *FALLBACK_FONTS)
SANS_BOLD = ("DejaVuSans-Bold.ttf", *FALLBACK_FONTS)
MONO = ("DejaVuSansMono.ttf", *FALLBACK_FONTS)

# Characters that take the font of the character before them rather than choosing one.
_ATTACHED = {"Mn", "Me", "Mc", "Cf", "Zs"}


_FONT_FACE = re.compile(
    r'@font-face\s*{\s*font-family:\s*"([^"]+)";\s*(?:font-weight:\s*(\w+);\s*)?'
    r'(?:font-style:\s*(\w+);\s*)?src:\s*url\("packet-asset:fonts/([^"]+)"\)'
)


@lru_cache(maxsize=1)
def pdf_font_names() -> dict[str, str]:
    """Each bundled font file's name in the PDF, as WeasyPrint names it from fonts.css
    ("Packet-Sans-Condensed", "Packet-Sans-Bold"): the packet names its fonts one way."""
    names = {}
    for family, weight, style, file_name in _FONT_FACE.findall(
        (STATIC_PDF_DIR / "fonts.css").read_text(encoding="utf-8")
    ):
        suffix = "".join(f"-{w.capitalize()}" for w in (weight, style) if w)
        names[file_name] = family.replace(" ", "-") + suffix
    return names


class Face:
    """One bundled font file: HarfBuzz's face for shaping, and what a PDF font needs."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.pdf_name = pdf_font_names().get(file_name, Path(file_name).stem.split(".")[0])
        path = FONT_DIR / file_name
        self.hb_face = hb.Face(hb.Blob(path.read_bytes()))
        self.hb_font = hb.Font(self.hb_face)
        font = TTFont(str(path), lazy=True)
        self.chars = frozenset(chr(c) for c in font.getBestCmap())
        self.upem = font["head"].unitsPerEm
        head, hhea = font["head"], font["hhea"]
        self.bbox = (head.xMin, head.yMin, head.xMax, head.yMax)
        self.ascent, self.descent = hhea.ascent, hhea.descent
        os2 = font.get("OS/2")
        self.cap_height = getattr(os2, "sCapHeight", 0) or hhea.ascent
        self.cff = "CFF " in font
        self.advances = font["hmtx"].metrics
        self.glyph_order = font.getGlyphOrder()
        font.close()

    def advance(self, glyph: int) -> int:
        """A glyph's advance width in font units (the PDF font's /W entry)."""
        return self.advances[self.glyph_order[glyph]][0]


@lru_cache(maxsize=16)
def face(file_name: str) -> Face:
    return Face(file_name)


def preload() -> None:
    """Load the faces every roster page uses (the rendering workers' forkserver calls this,
    so that each worker it forks has them)."""
    for stack in (NAMES, NAMES_BOLD, SANS, SANS_BOLD, MONO):
        face(stack[0])


@dataclass(frozen=True, slots=True)
class GlyphRun:
    """Glyphs of one font, in visual order, with their text for copying out of the PDF."""

    face: Face
    source: str  # the characters shaped (logical order)
    glyphs: tuple[int, ...]
    advances: tuple[int, ...]  # font units
    offsets: tuple[tuple[int, int], ...] | None  # (x, y) font units; None: all (0, 0)
    texts: tuple[str, ...]  # per glyph: the text of its cluster
    show: bytes  # the PDF text-showing operation for a run without offsets ("[<...>] TJ")
    width: int  # font units
    mappable: bool  # one glyph per cluster: /ToUnicode alone gives the text back


@dataclass(frozen=True, slots=True)
class ShapedLine:
    runs: tuple[GlyphRun, ...]
    plain: bool  # one glyph per cluster: /ToUnicode gives the text back
    right_to_left: bool = False  # some of it is drawn right to left

    def width(self, size: float) -> float:
        return sum(run.width * size / run.face.upem for run in self.runs)


# Strong right-to-left characters and Arabic digits (Hebrew to Arabic Extended, the
# presentation forms, and the historic right-to-left blocks): a line with none of them
# resolves to level 0 throughout.
_RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


# The shaped-line cache: a page's ZIP-and-date lines and district headings repeat, and a
# worker paints a page in 9 ms with it against 15.6 without (benchmarks/roster_pages.py,
# 30,000 signatures, alternated). A result depends only on the text, the font stack and the
# bundled font files, which a process never sees change: nothing to invalidate.
SHAPED_LINES_CACHED = 16384


@lru_cache(maxsize=SHAPED_LINES_CACHED)
def shape_line(text: str, stack: tuple[str, ...]) -> ShapedLine:
    """`text` (one line, cleaned by roster.clean_line) as glyph runs in visual order (kept in
    the shaped-line cache above)."""
    if not text:
        return ShapedLine((), True)
    primary = face(stack[0])
    if primary.chars.issuperset(text) and not _RIGHT_TO_LEFT.search(text):
        run = _shape(text, primary, 0)  # one font, left to right: most names
        return ShapedLine((run,), run.mappable)
    levels = bidi_levels(text)
    fonts = _fonts_of(text, stack)
    runs: list[tuple[int, int, int]] = []  # (start, end, level)
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or levels[i] != levels[start] or fonts[i] != fonts[start]:
            runs.append((start, i, levels[start]))
            start = i
    shaped = [_shape(text[s:e], face(stack[fonts[s]]), level) for s, e, level in runs]
    order = visual_order([level for _s, _e, level in runs])
    # Right-to-left runs need no /ActualText: readers put glyphs drawn in visual order back
    # into reading order themselves (and would turn a logical /ActualText around).
    plain = all(run.mappable for run in shaped)
    right_to_left = any(level % 2 for level in levels)
    return ShapedLine(tuple(shaped[i] for i in order), plain, right_to_left)


def _fonts_of(text: str, stack: tuple[str, ...]) -> list[int]:
    """Index in `stack` of the font that draws each character (fonts.css order); a fallback
    font is loaded only when a character needs it (Droid Sans Fallback takes 0.16 s)."""
    chosen: list[int] = []
    for ch in text:
        if chosen and unicodedata.category(ch) in _ATTACHED and ch in face(stack[chosen[-1]]).chars:
            chosen.append(chosen[-1])
            continue
        chosen.append(next((i for i, name in enumerate(stack) if ch in face(name).chars), 0))
    return chosen


def _shape(text: str, run_face: Face, level: int) -> GlyphRun:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if level % 2 else "ltr"
    hb.shape(run_face.hb_font, buffer, {})
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    glyphs = tuple(info.codepoint for info in infos)
    advances = tuple(p.x_advance for p in positions)
    offsets = tuple((p.x_offset, p.y_offset) for p in positions)
    clusters = sorted({info.cluster for info in infos})
    ends = dict(zip(clusters, [*clusters[1:], len(text)], strict=True))
    return GlyphRun(
        run_face,
        text,
        glyphs,
        advances,
        offsets if any(offset != (0, 0) for offset in offsets) else None,
        tuple(text[info.cluster : ends[info.cluster]] for info in infos),
        _show(run_face, glyphs, advances),
        sum(advances),
        len(clusters) == len(glyphs),
    )


def _show(run_face: Face, glyphs: tuple[int, ...], advances: tuple[int, ...]) -> bytes:
    """A TJ operation drawing the glyphs, kerned where HarfBuzz moved one from its advance."""
    pieces = ["[<"]
    for glyph, advance in zip(glyphs, advances, strict=True):
        pieces.append(f"{glyph:04x}")
        natural = run_face.advance(glyph)
        if natural != advance:
            pieces.append(f"> {(natural - advance) * 1000 / run_face.upem:.1f} <")
    pieces.append(">] TJ\n")
    return "".join(pieces).encode("ascii")


def visual_order(levels: list[int]) -> list[int]:
    """UAX #9 rule L2: indexes of items at these levels in the order they are displayed."""
    order = list(range(len(levels)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order


_STRONG = {"L": "L", "R": "R", "AL": "R"}
_NEUTRAL = {"B", "S", "WS", "ON", "BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI"}


def bidi_levels(text: str) -> list[int]:
    """Embedding level of each character of one left-to-right paragraph without explicit
    embeddings (UAX #9 rules W1 to W7, N1, N2, I1 and I2)."""
    types = _weak_types([unicodedata.bidirectional(ch) or "L" for ch in text])
    _bracket_pairs(text, types)
    _neutral_types(types)
    return [{"L": 0, "R": 1}.get(t, 2) for t in types]


def _weak_types(types: list[str]) -> list[str]:
    _marks_and_arabic_numbers(types)  # W1, W2
    types[:] = ["R" if t == "AL" else t for t in types]  # W3
    _separators(types)  # W4
    _european_terminators(types)  # W5
    types[:] = ["ON" if t in ("ES", "ET", "CS") else t for t in types]  # W6
    strong = "L"
    for i, t in enumerate(types):  # W7
        if t in ("L", "R"):
            strong = t
        elif t == "EN" and strong == "L":
            types[i] = "L"
    return types


def _marks_and_arabic_numbers(types: list[str]) -> None:
    """W1: a mark takes its base's type; W2: European digits after Arabic letters are Arabic."""
    previous, strong = "L", "L"  # sor: the paragraph is left to right
    for i, t in enumerate(types):
        if t == "NSM":
            t = previous if previous not in ("LRI", "RLI", "FSI", "PDI") else "ON"
        if t == "EN" and strong == "AL":
            t = "AN"
        if t in _STRONG:
            strong = t
        types[i] = previous = t


def _separators(types: list[str]) -> None:
    """W4: one separator between two numbers of a kind joins them."""
    for i in range(1, len(types) - 1):
        before, after = types[i - 1], types[i + 1]
        if types[i] == "ES" and before == after == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and before == after and before in ("EN", "AN"):
            types[i] = before


def _european_terminators(types: list[str]) -> None:
    i = 0
    while i < len(types):
        if types[i] != "ET":
            i += 1
            continue
        j = i
        while j < len(types) and types[j] == "ET":
            j += 1
        if (i > 0 and types[i - 1] == "EN") or (j < len(types) and types[j] == "EN"):
            types[i:j] = ["EN"] * (j - i)
        i = j


_BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›", "⁅": "⁆", "〈": "〉"}


def _bracket_pairs(text: str, types: list[str]) -> None:
    """N0, for the usual brackets: a pair takes the direction found inside it (or before it)."""
    for opened, closed in _pairs(text, types):
        inside = {_direction(t) for t in types[opened + 1 : closed] if t not in _NEUTRAL}
        if not inside:
            continue
        if "L" in inside:
            chosen = "L"
        else:
            before = [_direction(t) for t in types[:opened] if t not in _NEUTRAL]
            chosen = "R" if before and before[-1] == "R" else "L"
        types[opened] = types[closed] = chosen


def _pairs(text: str, types: list[str]) -> list[tuple[int, int]]:
    """Matching bracket pairs (BD16, for the brackets in _BRACKETS), in text order."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if types[i] != "ON":
            continue
        if ch in _BRACKETS:
            stack.append((_BRACKETS[ch], i))
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == ch:
                pairs.append((stack[depth][1], i))
                del stack[depth:]
                break
    return sorted(pairs)


def _neutral_types(types: list[str]) -> None:
    """N1 and N2: neutrals between two same directions take it, others the paragraph's (L)."""
    i = 0
    while i < len(types):
        if types[i] not in _NEUTRAL and types[i] not in ("PDI", "NSM"):
            i += 1
            continue
        j = i
        while j < len(types) and (types[j] in _NEUTRAL or types[j] in ("PDI", "NSM")):
            j += 1
        before = _direction(types[i - 1]) if i > 0 else "L"
        after = _direction(types[j]) if j < len(types) else "L"
        types[i:j] = [before if before == after else "L"] * (j - i)
        i = j


def _direction(t: str) -> str:
    return "R" if t in ("R", "EN", "AN") else "L"
