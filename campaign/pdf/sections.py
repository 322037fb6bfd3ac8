"""Turns PacketContent into independent HTML segments, each starting on a fresh page.

A segment is the unit of caching: its cache key is the hash of its own HTML, which never
mentions page numbers, so a segment's PDF pages can be reused wherever it lands in the
packet. Only the cover/contents segment knows page numbers, and it is rendered last.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import roster as roster_geometry
from . import roster_paint, shaping
from .content import (
    FormLetterEntry,
    FormLetterSender,
    PacketContent,
    PacketLabels,
    TestimonyEntry,
    TestimonyGroup,
)
from .fetcher import assets_fingerprint
from .roster import (
    KnownPage,
    PageMemory,
    RosterLayout,
    RosterPage,
    clean_line,
    layout_roster,
)
from .roster_paint import RosterSheet

# Bump when a change in this package alters rendered output without changing the HTML.
RENDERER_VERSION = "packet-renderer-1"
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "pdf"

# Rough render cost in units of one page of testimony text, to balance the workers.
_COST_ROSTER_PAGE = 1.0  # painted (roster_paint.py): a fraction of a testimony page
_COST_TESTIMONY_CHARS_PER_PAGE = 3000
_SENDERS_PER_PAGE = 45

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")


def clean_text(text: str) -> str:
    """Resident text ready to print: newlines kept, control and bidi-override characters gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text  # fast path: nothing to remove
    text = _BIDI_CONTROLS.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text separated by blank lines, trimmed, empty ones dropped."""
    cleaned = clean_text(text).strip()
    return [p.strip() for p in _PARAGRAPH_BREAK.split(cleaned) if p.strip()]


# Text cut to fit in Python (WeasyPrint's text-overflow ellipsis writes a ToUnicode entry PDF
# readers reject): fonts, sizes and widths in points, a little inside packet.css's boxes.
_FOOTER_FONT, _FOOTER_WIDTH = ("DejaVuSans.ttf", 7.5), 430  # .running-footer span: 440pt
_HEAD_DISTRICTS_FONT, _HEAD_DISTRICTS_WIDTH = ("DejaVuSans-Bold.ttf", 8), 320  # .where: 62 %
_HEAD_NAMES_FONT, _HEAD_NAME_WIDTH = ("DejaVuSans.ttf", 7), 90  # .names, "first – last"


def format_number(value: int, labels: PacketLabels) -> str:
    """Integer with the packet's thousands separator."""
    return f"{value:,}".replace(",", labels.number_separator)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The packet's Jinja environment (autoescaping, no Flask app needed)."""
    # Autoescape everything: every string in a packet may come from a resident.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    return env


def render_template(name: str, **context: Any) -> Markup:
    """Render one packet template to markup."""
    # The environment autoescapes every value, so the output is safe markup.
    return Markup(environment().get_template(name).render(**context))  # noqa: S704


@dataclass(frozen=True)
class Segment:
    """A run of pages rendered as one unit and cached by the hash of its HTML."""

    kind: str
    html: Markup | None  # None: a roster page (painted from `sheet`, or known and cached)
    key: str
    cost: float
    sheet: RosterSheet | None = None  # a roster page to paint (roster_paint.py)


@dataclass(frozen=True)
class TocEntry:
    """One line of the contents page and of the PDF outline."""

    level: int
    title: str
    target: str
    count: int | None = None
    in_contents: bool = True


@dataclass
class PacketPlan:
    """The segments of a packet in order, and where every navigation target lives."""

    segments: list[Segment]
    # target name -> (segment index, anchor id inside the segment or None for its start)
    targets: dict[str, tuple[int, str | None]]
    outline: list[TocEntry]
    roster: RosterLayout
    wrapper_key: str = ""
    # Roster pages by the start token of their input, for the next build's layout.
    roster_pages: dict[str, list[KnownPage]] = dataclasses.field(default_factory=dict)


def coalition_groups(content: PacketContent) -> list[tuple[str, list[str]]]:
    """Organizations grouped by role: founding members first, otherwise in the given order."""
    ordered = sorted(content.coalition, key=lambda e: not e.founding)
    groups: dict[str, list[str]] = {}
    for entry in ordered:
        groups.setdefault(clean_line(entry.role_label), []).append(clean_line(entry.organization))
    return list(groups.items())


def footer_text(content: PacketContent) -> str:
    """Left half of every page's footer (the page number is stamped beside it later)."""
    text = f"{clean_line(content.campaign_title)} · {clean_line(content.hearing_title)}"
    # Cut here, not with CSS text-overflow: WeasyPrint maps the ellipsis glyph to the whole
    # hidden text in the PDF's ToUnicode table, which PDF readers reject.
    return roster_geometry.measure(*_FOOTER_FONT).fit(text, _FOOTER_WIDTH)


def _printed_head(entry: TestimonyEntry) -> TestimonyEntry:
    """A testimony with its one-line resident text cleaned as the rest of the packet is."""
    return dataclasses.replace(
        entry,
        author=clean_line(entry.author),
        affiliation=clean_line(entry.affiliation or "") or None,
        district=clean_line(entry.district),
        speaks=clean_line(entry.speaks or "") or None,
    )


def _position_class(position: str) -> str:
    # Only known values reach the class attribute.
    return position if position in {"support", "oppose", "neutral"} else "other"


def _zip_groups(content: PacketContent) -> list[tuple[str, int, list[Any]]]:
    """ZIP totals grouped by district, districts in the order of the district table."""
    groups: dict[str, list[Any]] = {d.district: [] for d in content.districts}
    for z in content.zips:
        groups.setdefault(z.district, []).append(z)
    return [
        (clean_line(district), sum(z.signatures for z in zips), zips)
        for district, zips in groups.items()
        if zips
    ]


def _testimony_cost(entry: TestimonyEntry | FormLetterEntry) -> float:
    cost = 1.0 + len(entry.body) / _COST_TESTIMONY_CHARS_PER_PAGE
    if isinstance(entry, FormLetterEntry):
        cost += len(entry.senders) / _SENDERS_PER_PAGE
        cost += sum(len(s.added) for s in entry.senders) / _COST_TESTIMONY_CHARS_PER_PAGE
    return cost


def _printed_sender(sender: FormLetterSender) -> FormLetterSender:
    """A form letter's sender with their one-line text cleaned as the roster's is."""
    return dataclasses.replace(
        sender,
        reference=clean_line(sender.reference),
        author=clean_line(sender.author),
        district=clean_line(sender.district),
        added=clean_text(sender.added).strip(),
        speaks=clean_line(sender.speaks or "") or None,
    )


def _testimony_markup(
    common: dict[str, Any], entry: TestimonyEntry | FormLetterEntry, **place: Any
) -> Markup:
    """The page(s) of one testimony, or of one form letter with its senders."""
    if isinstance(entry, FormLetterEntry):
        return render_template(
            "form_letter.html",
            **common,
            t=entry,
            paragraphs=paragraphs(entry.body),
            senders=[_printed_sender(s) for s in entry.senders],
            position_class=_position_class(entry.position),
            **place,
        )
    return render_template(
        "testimony.html",
        **common,
        t=_printed_head(entry),
        paragraphs=paragraphs(entry.body),
        position_class=_position_class(entry.position),
        **place,
    )


def _outline_title(entry: TestimonyEntry | FormLetterEntry, labels: PacketLabels) -> str:
    if isinstance(entry, FormLetterEntry):
        sent_by = labels.form_letter_sent_by.format(count=format_number(entry.count, labels))
        return f"{clean_line(entry.reference)} — {labels.form_letter} ({sent_by})"
    return f"{clean_line(entry.reference)} — {clean_line(entry.author)}"


@lru_cache(maxsize=1)
def _roster_code_fingerprint() -> str:
    # A known roster page skips both layout and painting: any change to the code that makes
    # them must forget the pages laid out and painted before it.
    digest = hashlib.sha256()
    for path in (
        Path(roster_geometry.__file__),
        Path(__file__),
        Path(roster_paint.__file__),
        Path(shaping.__file__),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _Planner:
    """The segments of a packet as they are made, handed to `emit` one by one."""

    def __init__(self, content: PacketContent, emit: Callable[[Segment], None] | None) -> None:
        self.content = content
        self.labels = content.labels
        self.emit = emit
        self.common = {"c": content, "labels": content.labels}
        wrapper_source = (TEMPLATE_DIR / "document.html").read_text(encoding="utf-8")
        self.wrapper_key = hashlib.sha256(
            "\x00".join(
                (RENDERER_VERSION, assets_fingerprint(), wrapper_source, self.labels.lang)
            ).encode("utf-8")
        ).hexdigest()
        self.segments: list[Segment] = []
        self.targets: dict[str, tuple[int, str | None]] = {}
        self.outline: list[TocEntry] = [
            TocEntry(0, self.labels.cover, "cover", in_contents=False),
            TocEntry(0, self.labels.contents, "contents", in_contents=False),
        ]

    def make(self, kind: str, markup: Markup, cost: float) -> Segment:
        key = hashlib.sha256(
            "\x00".join((self.wrapper_key, kind, str(markup))).encode("utf-8")
        ).hexdigest()
        return Segment(kind, markup, key, cost)

    def add(self, kind: str, markup: Markup, cost: float) -> int:
        return self.add_segment(self.make(kind, markup, cost))

    def add_sheet(self, sheet: RosterSheet) -> int:
        """A roster page, painted rather than rendered (roster_paint.py)."""
        key = hashlib.sha256(
            "\x00".join(
                (self.wrapper_key, "roster", _roster_code_fingerprint(), repr(sheet))
            ).encode("utf-8")
        ).hexdigest()
        return self.add_segment(Segment("roster", None, key, _COST_ROSTER_PAGE, sheet))

    def add_segment(self, segment: Segment) -> int:
        self.segments.append(segment)
        if self.emit is not None:
            self.emit(segment)
        return len(self.segments) - 1

    def totals_and_endorsements(self) -> None:
        content, labels = self.content, self.labels
        sums = {
            name: sum(getattr(d, name) for d in content.districts)
            for name in ("signatures", "support", "oppose", "neutral")
        }
        index = self.add(
            "totals",
            render_template(
                "totals.html", **self.common, district_sums=sums, zip_groups=_zip_groups(content)
            ),
            1.0 + len(content.zips) / 100,
        )
        self.targets["districts"] = (index, "a-districts")
        self.targets["zips"] = (index, "a-zips")
        self.outline.append(TocEntry(0, labels.totals_by_district, "districts"))
        self.outline.append(TocEntry(0, labels.totals_by_zip, "zips"))
        index = self.add(
            "endorsements",
            render_template(
                "endorsements.html", **self.common, coalition=coalition_groups(content)
            ),
            1.0,
        )
        self.targets["endorsements"] = (index, None)
        self.outline.append(
            TocEntry(0, labels.endorsements, "endorsements", count=len(content.coalition))
        )

    def testimony(self) -> None:
        groups = self.content.testimony_groups
        total = sum(g.testimony_count for g in groups)
        self.outline.append(TocEntry(0, self.labels.written_testimony, "testimony", count=total))
        for g_index, group in enumerate(groups):
            if group.entries:
                self._testimony_group(g_index, group)
        if "testimony" not in self.targets:
            index = self.add(
                "testimony",
                render_template(
                    "testimony.html", **self.common, t=None, section_start=True, group_start=False
                ),
                1.0,
            )
            self.targets["testimony"] = (index, None)

    def _testimony_group(self, g_index: int, group: TestimonyGroup) -> None:
        group_title = clean_line(group.title)
        group_size = group.testimony_count
        for t_index, entry in enumerate(group.entries):
            section_start = "testimony" not in self.targets
            markup = _testimony_markup(
                self.common,
                entry,
                group_title=group_title,
                group_size=group_size,
                group_start=t_index == 0,
                section_start=section_start,
            )
            index = self.add("testimony", markup, _testimony_cost(entry))
            if section_start:
                self.targets["testimony"] = (index, None)
            if t_index == 0:
                self.targets[f"group-{g_index}"] = (index, None)
                self.outline.append(TocEntry(1, group_title, f"group-{g_index}", group_size))
            self.targets[f"t-{g_index}-{t_index}"] = (index, None)
            self.outline.append(
                TocEntry(
                    2,
                    _outline_title(entry, self.labels),
                    f"t-{g_index}-{t_index}",
                    in_contents=False,
                )
            )

    def roster(
        self,
        known_roster_pages: dict[str, list[KnownPage]] | None,
        rendered: Callable[[str], bool] | None,
    ) -> tuple[RosterLayout, PageMemory | None]:
        labels = self.labels
        self.outline.append(TocEntry(0, labels.roster, "roster", count=len(self.content.roster)))
        first_roster = len(self.segments)

        def roster_page(page: RosterPage, rows: bool, _tab_stop: float) -> str:
            first = len(self.segments) == first_roster
            index = self.add_sheet(_roster_sheet(page, rows, labels, first=first))
            return self.segments[index].key

        def known_page(page: KnownPage) -> bool:
            if rendered is None or not rendered(page.value):
                return False
            self.add_segment(Segment("roster", None, page.value, _COST_ROSTER_PAGE))
            return True

        memory = None
        if rendered is not None:
            context = "\x00".join((self.wrapper_key, _roster_code_fingerprint(), repr(labels)))
            memory = PageMemory(context, known_roster_pages or {}, known_page)
        roster = layout_roster(self.content.roster, labels, on_page=roster_page, memory=memory)
        if not roster.page_count:
            self.add_sheet(_roster_sheet(None, roster.rows, labels, first=True))
        self.targets["roster"] = (first_roster, None)
        for d_index, (district, page_index, count) in enumerate(roster.district_pages):
            self.targets[f"district-{d_index}"] = (first_roster + page_index, None)
            self.outline.append(TocEntry(1, district, f"district-{d_index}", count))
        return roster, memory


def plan_packet(
    content: PacketContent,
    emit: Callable[[Segment], None] | None = None,
    *,
    known_roster_pages: dict[str, list[KnownPage]] | None = None,
    rendered: Callable[[str], bool] | None = None,
) -> PacketPlan:
    """Lay out the roster and produce every segment but the cover, with navigation targets.

    `emit` receives each segment as soon as it exists, so rendering can start while the
    rest (notably a 100,000-name roster) is still being laid out. With `rendered` (is a
    segment key's PDF still cached?), roster pages of an earlier plan (its `roster_pages`,
    given as `known_roster_pages`) whose signers did not change are neither laid out nor
    turned into HTML again: they come as segments without HTML.
    """
    planner = _Planner(content, emit)
    planner.totals_and_endorsements()
    planner.testimony()
    # The methods page comes after the roster but is handed to `emit` before it, so that
    # it is rendered early: then every page count but the roster's (one page each) is known
    # while the roster renders, and the cover can render beside it (see build_packet).
    methods = planner.make("methods", render_template("methods.html", **planner.common), 1.0)
    if emit is not None:
        emit(methods)
    roster, memory = planner.roster(known_roster_pages, rendered)
    planner.segments.append(methods)  # already emitted
    planner.targets["methods"] = (len(planner.segments) - 1, None)
    planner.outline.append(TocEntry(0, content.labels.methods, "methods"))
    return PacketPlan(
        planner.segments,
        planner.targets,
        planner.outline,
        roster,
        wrapper_key=planner.wrapper_key,
        roster_pages=memory.learned if memory is not None else {},
    )


def _roster_sheet(
    page: RosterPage | None, rows_mode: bool, labels: PacketLabels, *, first: bool
) -> RosterSheet:
    """What roster_paint.py needs to paint one roster page, its head cut to fit."""
    legend = f"{labels.roster_note} · {labels.paper_mark} {labels.paper_legend}"
    if page is None:
        return RosterSheet(
            None, rows_mode, labels.roster, "", "", legend, labels.no_signatures, True
        )
    names = roster_geometry.measure(*_HEAD_NAMES_FONT)
    districts = (
        page.districts[0]
        if len(page.districts) == 1
        else f"{page.districts[0]} – {page.districts[-1]}"
    )
    first_last = ""
    if page.first_name:
        first_last = (
            f"{names.fit(page.first_name, _HEAD_NAME_WIDTH)} – "
            f"{names.fit(page.last_name, _HEAD_NAME_WIDTH)}"
        )
    return RosterSheet(
        page,
        rows_mode,
        labels.roster,
        roster_geometry.measure(*_HEAD_DISTRICTS_FONT).fit(districts, _HEAD_DISTRICTS_WIDTH),
        first_last,
        legend,
        "",
        first,
    )


def cover_html(
    content: PacketContent,
    plan: PacketPlan,
    pages: dict[str, int],
    full_hash: str,
) -> Markup:
    """Cover and contents, with the page number of every contents entry."""
    labels = content.labels
    toc = []
    for entry in (e for e in plan.outline if e.in_contents):
        page = str(pages[entry.target])
        toc.append(
            {
                "level": min(entry.level, 1),
                "title": entry.title,
                "count": entry.count,
                "target": f"goto-{entry.target}",
                "page": page,
            }
        )
    return render_template(
        "cover.html",
        c=content,
        labels=labels,
        decision_paragraphs=paragraphs(content.decision_body),
        testimonies_total=content.testimonies_support
        + content.testimonies_oppose
        + content.testimonies_neutral,
        coalition=coalition_groups(content),
        toc=toc,
        short_hash=full_hash[:16],
        full_hash=full_hash,
    )


def cover_segment(content: PacketContent, plan: PacketPlan, markup: Markup) -> Segment:
    """The cover/contents as a cacheable segment."""
    key = hashlib.sha256(
        "\x00".join((plan.wrapper_key, "cover", str(markup))).encode("utf-8")
    ).hexdigest()
    return Segment("cover", markup, key, 2.0)


def footer_segment(content: PacketContent, plan: PacketPlan) -> Segment:
    """The page footer, rendered once and drawn on every page by the merger."""
    markup = render_template("footer.html", footer=footer_text(content))
    key = hashlib.sha256(
        "\x00".join((plan.wrapper_key, "footer", str(markup))).encode("utf-8")
    ).hexdigest()
    return Segment("footer", markup, key, 0.5)


def blank_segment(content: PacketContent, plan: PacketPlan) -> Segment:
    """An empty page (but for the footer), put before a section or testimony of a
    two-sided packet that would otherwise start on a left-hand page."""
    markup = Markup('<div class="blank-page"></div>')
    key = hashlib.sha256(
        "\x00".join((plan.wrapper_key, "blank", str(markup))).encode("utf-8")
    ).hexdigest()
    return Segment("blank", markup, key, 0.2)


def document_html(segments: list[Segment], content: PacketContent) -> str:
    """A batch of segments wrapped into one HTML document for WeasyPrint."""
    return str(
        render_template(
            "document.html",
            lang=content.labels.lang,
            title="hearing packet chunk",
            segments=segments,
        )
    )
