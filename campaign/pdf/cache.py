"""On-disk cache of rendered segments.

Segments are rendered in batches (one WeasyPrint document per batch, to spread its fixed
cost) but cached one by one: `batches/<id>.pdf` holds a batch's pages, and
`segments/<key>.json` says which pages of which batch a segment is. A rebuild renders only
the segments whose key is missing, in new batches, and the merger picks every segment's
pages from whichever batch holds them. Every file is written to a temporary name and
renamed, so a crashed build leaves no half-written entry and concurrent builds are safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .roster import KnownPage


@dataclass(frozen=True)
class SegmentRecord:
    """Where a rendered segment's pages are and what the merger needs to know about them."""

    batch: str
    first: int
    pages: int
    anchors: dict[str, tuple[int, float]]  # anchor id -> (page within segment, y in points)
    links: tuple[tuple[int, str, tuple[float, float, float, float]], ...]
    page_height: float

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form of the record."""
        return {
            "batch": self.batch,
            "first": self.first,
            "pages": self.pages,
            "anchors": {k: list(v) for k, v in self.anchors.items()},
            "links": [[p, t, list(r)] for p, t, r in self.links],
            "page_height": self.page_height,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentRecord:
        """Record from its JSON form."""
        return cls(
            batch=str(data["batch"]),
            first=int(data["first"]),
            pages=int(data["pages"]),
            anchors={k: (int(v[0]), float(v[1])) for k, v in data["anchors"].items()},
            links=tuple(
                (int(p), str(t), (float(r[0]), float(r[1]), float(r[2]), float(r[3])))
                for p, t, r in data["links"]
            ),
            page_height=float(data["page_height"]),
        )


class SegmentCache:
    """Segment records and batch PDFs under one cache directory.

    The cache holds rendered pages, so it holds signers' names: keep one cache directory
    per campaign and delete it when the campaign's personal data is purged.
    """

    def __init__(self, root: Path, variant: str = "") -> None:
        self.root = root
        # Tagged and untagged chunks of the same HTML differ: each kind's files carry its
        # own suffix ("-tagged"), so neither is ever taken for the other.
        self.suffix = f"-{variant}" if variant else ""
        self.batches = root / "batches"
        self.segments = root / "segments"
        self.layouts = root / "layouts"

    def batch_path(self, batch: str) -> Path:
        """File of a batch PDF."""
        return self.batches / f"{batch}{self.suffix}.pdf"

    def _record_path(self, key: str) -> Path:
        return self.segments / key[:2] / f"{key}{self.suffix}.json"

    def get(self, key: str) -> SegmentRecord | None:
        """The cached record for a segment key, if it and its batch PDF are still there."""
        try:
            data = json.loads(self._record_path(key).read_text(encoding="utf-8"))
            record = SegmentRecord.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        if not self.batch_path(record.batch).is_file():
            return None
        return record

    def put(self, key: str, record: SegmentRecord) -> None:
        """Store a segment's record (after its batch PDF is in place)."""
        path = self._record_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(record.to_json()).encode("utf-8"))

    def layout(self, name: str) -> tuple[dict[str, list[KnownPage]], int | None]:
        """The roster pages and cover page count of the last build of `name`, if known."""
        try:
            data = json.loads(self._layout_path(name).read_text(encoding="utf-8"))
            known: dict[str, list[KnownPage]] = {}
            for start, window, digest, entries, heading_next, headings, value in data["pages"]:
                known.setdefault(str(start), []).append(
                    KnownPage(
                        int(window),
                        str(digest),
                        int(entries),
                        bool(heading_next),
                        tuple(str(h) for h in headings),
                        str(value),
                    )
                )
            cover_pages = int(data["cover_pages"])
        except (OSError, ValueError, KeyError, TypeError):
            return {}, None
        return known, cover_pages if cover_pages > 0 else None

    def put_layout(self, name: str, pages: Mapping[str, list[KnownPage]], cover_pages: int) -> None:
        """Keep a build's roster pages and cover page count for the next build of `name`."""
        rows = [
            [start, p.window, p.digest, p.entries, p.heading_next, list(p.headings), p.value]
            for start, known in pages.items()
            for p in known
        ]
        self.layouts.mkdir(parents=True, exist_ok=True)
        data = {"pages": rows, "cover_pages": cover_pages}
        write_atomically(self._layout_path(name), json.dumps(data).encode())

    def _layout_path(self, name: str) -> Path:
        return self.layouts / f"{name}{self.suffix}.json"

    def touch(self, records: Mapping[str, SegmentRecord]) -> None:
        """Mark the records and batches a build used as fresh, so pruning keeps them."""
        now = time.time()
        batches: set[str] = set()
        for key, record in records.items():
            batches.add(record.batch)
            with contextlib.suppress(OSError):
                os.utime(self._record_path(key), (now, now))
        for batch in batches:
            with contextlib.suppress(OSError):
                os.utime(self.batch_path(batch), (now, now))

    def prune(self, max_age_seconds: float) -> int:
        """Delete records and batches unused for `max_age_seconds`; returns files deleted."""
        cutoff = time.time() - max_age_seconds
        deleted = 0
        referenced: set[str] = set()
        for path in self.segments.glob("*/*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    deleted += 1
                elif path.suffix == ".json":
                    # A record's batch file carries the record's own suffix ("-tagged").
                    _key, dash, variant = path.stem.partition("-")
                    batch = json.loads(path.read_text(encoding="utf-8"))["batch"]
                    referenced.add(f"{batch}{dash}{variant}")
            except (OSError, ValueError, KeyError, TypeError):
                continue
        for path in self.layouts.glob("*.json"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    deleted += 1
        for path in self.batches.glob("*"):
            try:
                # Young files may belong to a build that is still writing its records.
                if path.stat().st_mtime < cutoff and path.stem not in referenced:
                    path.unlink()
                    deleted += 1
            except OSError:
                continue
        return deleted


def write_atomically(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `path`, then rename it over `path`."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
