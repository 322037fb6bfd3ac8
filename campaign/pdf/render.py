"""Locked-down WeasyPrint rendering: HTML in, PDF out, nothing fetched but bundled assets.

Runs in the packet's worker processes as well as in the caller's process. The parsed
stylesheets and the font configuration are kept per process, because loading the bundled
fonts costs more than laying out a small chunk.
"""

from __future__ import annotations

import atexit
import gc
import io
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .fetcher import asset_url

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from .url_fetcher import PacketURLFetcher

logger = logging.getLogger(__name__)

# CSS pixels to PDF points: WeasyPrint lays out at 96 px per inch, PDF uses 72 pt per inch.
PX_TO_PT = 0.75
FONT_STYLESHEET = "fonts.css"
PACKET_STYLESHEETS = (FONT_STYLESHEET, "packet.css")
SEGMENT_ID_PREFIX = "seg-"
ANCHOR_ID_PREFIX = "a-"


class RenderError(RuntimeError):
    """WeasyPrint could not turn a chunk into PDF."""


@dataclass
class _Renderer:
    fetcher: PacketURLFetcher
    font_config: FontConfiguration
    stylesheets: list[CSS]


_renderers: dict[tuple[str, ...], _Renderer] = {}


@atexit.register
def _release_renderers() -> None:
    """Free the kept fonts while Pango and its libraries are still loaded.

    Left to the interpreter's final garbage collection, WeasyPrint's font objects were
    released after a library they call into was gone, and the process (the packet CLI, say)
    ended with a segmentation fault after its work was done (tests/pdf/test_exit.py).
    """
    _renderers.clear()
    gc.collect()


def _renderer(stylesheets: Sequence[str]) -> _Renderer:
    """Per-process fetcher, fonts and parsed stylesheets for this set of bundled stylesheets."""
    key = tuple(stylesheets)
    renderer = _renderers.get(key)
    if renderer is None:
        # WeasyPrint is imported by the first render of a process, not with this module.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from .url_fetcher import PacketURLFetcher

        fetcher = PacketURLFetcher()
        font_config = FontConfiguration()
        sheets = [
            CSS(url=asset_url(name), url_fetcher=fetcher, font_config=font_config)
            for name in stylesheets
        ]
        renderer = _renderers[key] = _Renderer(fetcher, font_config, sheets)
    return renderer


@dataclass
class RenderedPages:
    """What the merger needs to know about a rendered document besides its PDF bytes."""

    pages: int
    # anchor id -> (page index, y in PDF points from the bottom of the page)
    anchors: dict[str, tuple[int, float]] = field(default_factory=dict)
    # (page index, target anchor, (x0, y0, x1, y1) in PDF points) for internal links
    links: list[tuple[int, str, tuple[float, float, float, float]]] = field(default_factory=list)
    page_height: float = 792.0


def _render(
    html: str,
    target: Path | io.BytesIO,
    *,
    stylesheets: Sequence[str],
    extra_css: str | None = None,
    base_url: str | None = None,
    tagged: bool = False,
) -> RenderedPages:
    from weasyprint import CSS, HTML

    renderer = _renderer(stylesheets)
    sheets = list(renderer.stylesheets)
    if extra_css:
        sheets.append(
            CSS(string=extra_css, url_fetcher=renderer.fetcher, font_config=renderer.font_config)
        )
    document = HTML(string=html, base_url=base_url, url_fetcher=renderer.fetcher).render(
        stylesheets=sheets, font_config=renderer.font_config
    )
    info = RenderedPages(pages=len(document.pages))
    for index, page in enumerate(document.pages):
        height = page.height * PX_TO_PT
        info.page_height = height
        for name, (_x, y, *_rest) in page.anchors.items():
            if name.startswith((SEGMENT_ID_PREFIX, ANCHOR_ID_PREFIX)) and name not in info.anchors:
                info.anchors[name] = (index, height - y * PX_TO_PT)
        for link_type, link_target, (x1, y1, x2, y2), _box in page.links:
            if link_type == "internal":
                info.links.append(
                    (
                        index,
                        str(link_target),
                        (
                            x1 * PX_TO_PT,
                            height - y2 * PX_TO_PT,
                            x2 * PX_TO_PT,
                            height - y1 * PX_TO_PT,
                        ),
                    )
                )
        # No link annotation of any kind is written by WeasyPrint: `rel=attachment` links
        # would embed files, external ones would point outside; the merger adds the
        # contents' internal links itself once global page numbers are known.
        page.links[:] = []
    # `<link rel=attachment>` in a document head becomes an embedded file; drop them all.
    document.metadata.attachments[:] = []
    # Tagged chunks carry a structure tree each, which the tagged merge joins (tagged.py).
    options = {"pdf_tags": True, "pdf_version": "1.7"} if tagged else {}
    document.write_pdf(target, attachments=None, pdf_forms=False, custom_metadata=False, **options)
    return info


def render_to_file(
    html: str,
    out_path: Path,
    *,
    stylesheets: Sequence[str] = PACKET_STYLESHEETS,
    tagged: bool = False,
) -> RenderedPages:
    """Render packet HTML to `out_path` atomically (temporary file, then os.replace)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        info = _render(html, tmp, stylesheets=stylesheets, tagged=tagged)
        if tagged:
            from .tagged import flatten_spans

            flatten_spans(tmp, id_prefix=out_path.stem[:12] + "-")
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return info


def render_html_to_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (FONT_STYLESHEET,),
    extra_css: str | None = None,
    tagged: bool = False,
) -> bytes:
    """Render trusted template HTML to PDF bytes with the locked-down fetcher and fonts.

    Bundled assets are referenced as "packet-asset:NAME" (e.g. the fonts in fonts.css);
    `stylesheets` are names under static/pdf/ and `extra_css` is CSS text from your own
    code. Nothing else is fetched: images must be inline SVG (e.g. a segno QR code).
    """
    buffer = io.BytesIO()
    _render(
        html,
        buffer,
        stylesheets=stylesheets,
        extra_css=extra_css,
        base_url=base_url,
        tagged=tagged,
    )
    return buffer.getvalue()
