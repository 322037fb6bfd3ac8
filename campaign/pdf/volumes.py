"""Split a finished packet into volumes under a size limit, each with its own cover.

Clerks' and mail servers' limits on a file's size (often 10 MB or 25 MB) turn a large
packet into several files. Each volume starts with a cover of its own ("Volume 2 of 3",
the pages of the packet it holds, the packet's content hash, the same on every volume),
then the packet's pages as they are, numbered "page X of Y" through the whole packet, so
a page is cited the same way in any volume. Cuts fall where a section, a testimony or a
roster page starts (never inside a testimony), chosen by the weight of each page's own
content; a volume found over the limit once written is cut again into more volumes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from .content import PacketContent, PacketLabels
from .render import PACKET_STYLESHEETS, render_html_to_pdf, render_to_file
from .roster import clean_line
from .sections import render_template

DEFAULT_LIMIT_BYTES = 10 * 1000 * 1000
# A volume's cover and the fonts each volume carries again are not in the pages' weights.
_FIRST_GUESS = 0.85
_MAX_ATTEMPTS = 40
_KEPT_METADATA = ("/Author", "/Subject", "/Creator", "/Producer")  # the packet's, in each volume


class VolumeError(RuntimeError):
    """The packet cannot be split under the limit (a single page is larger than it)."""


@dataclass(frozen=True)
class Volume:
    """One written volume: its file and the packet pages it holds (1-based, inclusive)."""

    path: Path
    sha256: str
    size_bytes: int
    pages: int  # its own pages, cover included
    first_page: int
    last_page: int

    def as_record(self) -> dict[str, object]:
        return {
            "file_name": self.path.name,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "pages": self.pages,
            "first_page": self.first_page,
            "last_page": self.last_page,
        }


def _boundaries(reader: PdfReader, labels: PacketLabels) -> list[int]:
    """0-based pages where a volume may start: every bookmarked page, every roster page."""
    starts = {0}
    roster_from = methods_from = None

    def walk(items: list) -> None:
        nonlocal roster_from, methods_from
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            page = reader.get_destination_page_number(item)
            starts.add(page)
            if item.title == labels.roster:
                roster_from = page
            if item.title == labels.methods:
                methods_from = page

    walk(reader.outline)
    if roster_from is not None:
        starts.update(range(roster_from, methods_from or len(reader.pages)))
    return sorted(starts)


def _weights(reader: PdfReader) -> list[int]:
    """Each page's own bytes: its content streams and the images it draws."""
    weights = []
    for page in reader.pages:
        contents = page.get_contents()
        weights.append(len(contents.get_data()) if contents is not None else 0)
    return weights


def _cuts(weights: list[int], boundaries: list[int], volumes: int) -> list[int]:
    """0-based first pages of each volume after the first, near equal weight apart."""
    total = sum(weights) or 1
    running, prefix = 0, []
    for weight in weights:
        prefix.append(running)
        running += weight
    cuts: list[int] = []
    for k in range(1, volumes):
        goal = total * k / volumes
        allowed = [b for b in boundaries if b > (cuts[-1] if cuts else 0)]
        if not allowed:
            break
        cuts.append(min(allowed, key=lambda b: abs(prefix[b] - goal)))
    return sorted(set(cuts))


def _cover_html(
    content: PacketContent,
    full_hash: str,
    numbering: tuple[int, int],
    span: tuple[int, int],
    total: int,
    limit: int,
) -> str:
    """The volume's cover page, rendered like the packet's pages."""
    volume, volumes = numbering
    return render_template(
        "volume_cover.html",
        c=content,
        labels=content.labels,
        volume=volume,
        volumes=volumes,
        first_page=span[0] + 1,
        last_page=span[1],
        total_pages=total,
        full_hash=full_hash,
        limit=f"{limit / 1_000_000:.3g} MB",
    )


@dataclass(frozen=True)
class _Part:
    """What one volume holds: its cover, the packet's pages span[0]..span[1]-1, its title."""

    cover_html: str
    span: tuple[int, int]
    title: str  # "Volume 2 of 3"
    metadata: dict[str, str]  # document information, keys without the slash
    lang: str


def _write_volume(packet: Path, reader: PdfReader, part: _Part, path: Path) -> tuple[str, int, int]:
    """Write one volume: the tagged packet's volumes are tagged too (tagged.write_volume)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if "/StructTreeRoot" in reader.trailer["/Root"]:
                pages = _write_tagged(packet, part, handle)
            else:
                pages = _write_plain(reader, part, handle)
        data = Path(tmp_name).read_bytes()
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return hashlib.sha256(data).hexdigest(), len(data), pages


def _write_tagged(packet: Path, part: _Part, out: io.BufferedWriter) -> int:
    from .tagged import write_volume  # pikepdf: only for the tagged packet

    with tempfile.TemporaryDirectory(dir=packet.parent) as scratch:
        cover = Path(scratch) / "cover.pdf"
        render_to_file(part.cover_html, cover, tagged=True)
        return write_volume(
            packet, cover, part.span, out, metadata=part.metadata, lang=part.lang, title=part.title
        )


def _write_plain(reader: PdfReader, part: _Part, out: io.BufferedWriter) -> int:
    html = part.cover_html
    cover = PdfReader(io.BytesIO(render_html_to_pdf(html, stylesheets=PACKET_STYLESHEETS)))
    writer = PdfWriter()
    for page in cover.pages:
        writer.add_page(page)
    for index in range(*part.span):
        writer.add_page(reader.pages[index])
    writer.add_metadata({f"/{key}": value for key, value in part.metadata.items()})
    writer.root_object[NameObject("/Lang")] = TextStringObject(part.lang)
    writer.write(out)
    return len(writer.pages)


def split_volumes(
    packet_path: Path,
    content: PacketContent,
    full_hash: str,
    *,
    limit_bytes: int = DEFAULT_LIMIT_BYTES,
) -> list[Volume]:
    """Volumes of the packet at `packet_path`, each under `limit_bytes`, written beside it.

    Returns [] when the packet is under the limit (then it is sent as it is).
    """
    if packet_path.stat().st_size <= limit_bytes:
        return []
    reader = PdfReader(str(packet_path))
    for page in reader.pages:
        # The contents' links point at pages of other volumes: copied, they would drag those
        # pages (and their fonts) into this volume. A volume is read by its page numbers.
        if "/Annots" in page:
            del page[NameObject("/Annots")]
    total = len(reader.pages)
    weights, boundaries = _weights(reader), _boundaries(reader, content.labels)
    count = max(2, int(packet_path.stat().st_size / (limit_bytes * _FIRST_GUESS)) + 1)
    title = f"{clean_line(content.campaign_title)} · {clean_line(content.hearing_title)}"
    keywords = f"{clean_line(content.decision_reference)}, content hash {full_hash}"
    metadata = reader.metadata or {}
    kept = {k.lstrip("/"): str(v) for k, v in metadata.items() if k in _KEPT_METADATA}
    for _attempt in range(_MAX_ATTEMPTS):
        cuts = _cuts(weights, boundaries, count)
        spans = list(zip([0, *cuts], [*cuts, total], strict=True))
        written = []
        for number, span in enumerate(spans, start=1):
            numbering = (number, len(spans))
            path = packet_path.with_name(f"{packet_path.stem}-volume-{number}-of-{len(spans)}.pdf")
            volume_of = content.labels.volume_of.format(volume=number, volumes=len(spans))
            part = _Part(
                str(_cover_html(content, full_hash, numbering, span, total, limit_bytes)),
                span,
                volume_of,
                {
                    **kept,
                    "Title": f"{title} · {volume_of}",
                    "ContentHash": full_hash,
                    "Keywords": keywords,
                },
                content.labels.lang,
            )
            sha, size, pages = _write_volume(packet_path, reader, part, path)
            written.append(Volume(path, sha, size, pages, span[0] + 1, span[1]))
        if all(v.size_bytes <= limit_bytes for v in written):
            return written
        for volume in written:
            volume.path.unlink(missing_ok=True)
        if len(spans) >= len(boundaries):
            raise VolumeError("a single part of the packet is larger than the volume limit")
        largest = max(v.size_bytes for v in written)
        count = max(len(spans) + 1, math.ceil(len(spans) * largest / limit_bytes))
    raise VolumeError("the packet could not be split under the volume limit")
