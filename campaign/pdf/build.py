"""build_packet: plan segments, render the missing ones in worker processes, merge, number.

The flow follows docs/measured.md: WeasyPrint's cost grows faster than the document, so the
packet is rendered as many small documents (batches of segments) in parallel processes
and merged with pypdf. Page numbers, the contents page and bookmarks are computed from the
page counts of the cached segments; only the cover/contents segment depends on them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import multiprocessing.context
import os
import re
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from .cache import SegmentCache, SegmentRecord
from .collection import fewer_collections
from .content import PacketContent, RosterReadFailed
from .merge import LinkArea, OutlineItem, PageCopier, PagePart, merge_pages
from .processes import rendering_context, wait_until_ready
from .render import (
    PACKET_STYLESHEETS,
    SEGMENT_ID_PREFIX,
    RenderedPages,
    render_html_to_pdf,
    render_to_file,
)
from .roster import clean_line
from .roster_paint import RosterSheet, paint_to_file
from .sections import (
    PacketPlan,
    Segment,
    blank_segment,
    cover_html,
    cover_segment,
    document_html,
    footer_segment,
    plan_packet,
)
from .tagged import merge_tagged

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int], None]

# A batch is closed once its estimated cost reaches this many "testimony pages" (under a
# second of WeasyPrint work): per-document overhead is only ~15 ms, and small batches let
# the workers finish together and keep each worker's document small in memory.
BATCH_COST = 32.0
# A batch is about a second of work; one that takes this long is stuck, not slow.
BATCH_TIMEOUT_SECONDS = 600
# Cached chunks no build has used for this long are deleted after a successful build.
CACHE_MAX_AGE_SECONDS = 14 * 24 * 3600
# Cover pages (the cover and the contents) guessed for a packet's first build.
COVER_PAGES_GUESS = 2
_STAGES = {  # stage -> (start %, end %)
    "preparing": (0, 5),
    "rendering": (5, 85),
    "numbering": (85, 88),
    "merging": (88, 96),
    "writing": (96, 100),
}


class PacketRenderError(RuntimeError):
    """The packet could not be built; nothing was written at the output path."""


@dataclass(frozen=True)
class PacketResult:
    """What build_packet produced."""

    pages: int
    sha256: str
    size_bytes: int
    content_hash: str
    chunks_rendered: int
    chunks_cached: int
    batches_rendered: int = 0
    seconds: float = 0.0
    worker_peak_rss_mb: float = 0.0  # largest rendering process (this one if workers=0)
    cpu_seconds: float = 0.0  # this process plus the rendering workers' batches
    rendered_kinds: tuple[str, ...] = ()  # kinds of the chunks rendered, e.g. ("cover", ...)
    roster_pages_laid_out: int = 0  # roster pages laid out again (the others were known)


@dataclass(frozen=True)
class _BatchJob:
    html: str
    out_path: str
    segments: int
    tagged: bool = False
    sheets: tuple[RosterSheet, ...] = ()  # roster pages, painted instead of rendered


@dataclass(frozen=True)
class _BatchOutcome:
    records: list[tuple[int, int, dict[str, tuple[int, float]], list, float]]
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0


def _split_segments(info: RenderedPages, count: int) -> _BatchOutcome:
    """Cut a rendered batch back into its segments using the segment start anchors."""
    starts = []
    for index in range(count):
        anchor = info.anchors.get(f"{SEGMENT_ID_PREFIX}{index}")
        if anchor is None:
            raise RuntimeError(f"segment {index} of a batch produced no page")
        starts.append(anchor[0])
    ends = starts[1:] + [info.pages]
    if any(end <= start for start, end in zip(starts, ends, strict=True)):
        raise RuntimeError("segments of a batch overlap: a segment did not start a new page")
    records = []
    for start, end in zip(starts, ends, strict=True):
        anchors = {
            name: (page - start, y)
            for name, (page, y) in info.anchors.items()
            if not name.startswith(SEGMENT_ID_PREFIX) and start <= page < end
        }
        links = [
            (page - start, target, rect) for page, target, rect in info.links if start <= page < end
        ]
        records.append((start, end - start, anchors, links, info.page_height))
    return _BatchOutcome(records)


def warm_up() -> float:
    """Load the bundled fonts and stylesheets of this worker process ahead of real work."""
    cpu = time.process_time()
    render_html_to_pdf(
        "<p style=\"font-family: 'Packet Serif'\">a <b>b</b> <i>c</i></p>"
        "<pre style=\"font-family: 'Packet Sans Condensed'\">d <b>e</b></pre>"
        "<p style=\"font-family: 'Packet Mono'\">f</p>",
        stylesheets=PACKET_STYLESHEETS,
    )
    return time.process_time() - cpu


def _context() -> multiprocessing.context.BaseContext:
    """Rendering workers come from a forkserver that has loaded WeasyPrint and the fonts."""
    return rendering_context()


def start_rendering_server() -> float:
    """Start the workers' forkserver now rather than at this process's first build.

    It imports WeasyPrint and loads the bundled fonts, about a second and a half of CPU
    that a build would otherwise spend before its workers can render (beside reading the
    database, for a big campaign; in front of everything, for a small one). The job worker
    calls this when it starts; the forkserver then serves every build of that process.
    Returns once the forkserver can fork a worker, with the seconds that took.
    """
    return wait_until_ready(_context())


def _render_batch(job: _BatchJob) -> _BatchOutcome:
    """Worker entry point: render one batch document to its cache file."""
    cpu = time.process_time()
    if job.sheets:
        info = paint_to_file(list(job.sheets), Path(job.out_path), tagged=job.tagged)
    else:
        info = render_to_file(job.html, Path(job.out_path), tagged=job.tagged)
    outcome = _split_segments(info, job.segments)
    # Workers are forked by the forkserver, so the caller's RUSAGE_CHILDREN never sees them.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _BatchOutcome(outcome.records, peak, time.process_time() - cpu)


class _CallbackFailed(Exception):
    """Carries an exception raised by the caller's progress callback or content function."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


class _Progress:
    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.last = -1
        self.reported_stage = ""
        self.stage = "preparing"
        self.started = time.perf_counter()
        self.stage_started: dict[str, float] = {}

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        if stage not in self.stage_started:
            self.stage_started[stage] = time.perf_counter() - self.started
        self.stage = stage
        if self.callback is None:
            return
        low, high = _STAGES[stage]
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        percent = max(percent, self.last)  # never goes backwards
        if percent == self.last and stage == self.reported_stage:
            return  # nothing new to show (the job records each report in the database)
        self.last, self.reported_stage = percent, stage
        try:
            self.callback(stage, percent)
        except Exception as exc:
            raise _CallbackFailed(exc) from exc


class _Renderer:
    """Renders batches of segments in worker processes (or in this one, for workers=0)."""

    def __init__(
        self,
        workers: int,
        cache: SegmentCache,
        records: dict[str, SegmentRecord],
        on_progress: Callable[[float], None] | None = None,
        tagged: bool = False,
    ) -> None:
        self.workers = workers
        self.tagged = tagged
        self.cache = cache
        self.records = records
        self.on_progress = on_progress
        self.on_batch: Callable[[list[Segment]], None] | None = None  # after each batch
        self.queue: list[Segment] = []
        self.queue_cost = 0.0
        self.submitted_cost = 0.0
        self.done_cost = 0.0
        self.pending: dict[Future[_BatchOutcome], tuple[list[Segment], str]] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.warming: list[Future[float]] = []
        self.starter: threading.Thread | None = None
        self.ready = threading.Event()  # set once a worker process is up
        self.rendered: set[str] = set()
        self.rendered_kinds: list[str] = []
        self.batches = 0
        self.peak_rss_mb = 0.0
        self.worker_cpu = 0.0

    def _executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # Workers live for one build; no max_tasks_per_child (hangs on Python 3.11).
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        return self.pool

    def start(self) -> None:
        """Start the workers in the background while this process prepares the HTML."""
        if self.workers <= 0:
            return
        pool = self._executor()

        def spawn() -> None:
            # submit() starts the worker processes and waits for the forkserver, which
            # first imports WeasyPrint and loads the fonts: about a second the first time.
            # One warm-up per worker makes the pool start them all now.
            try:
                warming = [pool.submit(warm_up) for _ in range(self.workers)]
            except Exception:  # then this process renders everything itself
                logger.exception("could not start the packet rendering workers")
                return
            for future in warming:
                future.add_done_callback(lambda _done: self.ready.set())
            self.warming = warming

        self.starter = threading.Thread(target=spawn, name="packet-pool-start", daemon=True)
        self.starter.start()

    def kill(self) -> None:
        """Stop the workers now (a hung render); shutdown() alone would wait for them."""
        if self.starter is not None:
            self.starter.join()
            self.starter = None
        if self.pool is None:
            return
        # ProcessPoolExecutor has no public way to stop running tasks.
        for process in list(getattr(self.pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None

    def close(self) -> None:
        for future in self.pending:
            future.cancel()
        self.pending = {}
        if self.starter is not None:
            self.starter.join()
            self.starter = None
        for future in self.warming:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.worker_cpu += future.result()
        self.warming = []
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def feed(self, segment: Segment, content: PacketContent) -> None:
        """Queue a segment; a batch goes to the workers once it is big enough."""
        # Small batches while this process renders them itself (no worker up yet), so it
        # hands over to the workers as soon as they are.
        limit = BATCH_COST if self.workers <= 0 or self.ready.is_set() else BATCH_COST / 6
        if self.queue and (self.queue_cost >= limit or segment.kind != self.queue[-1].kind):
            self.flush(content)
        self.queue.append(segment)
        self.queue_cost += segment.cost
        self.submitted_cost += segment.cost

    def flush(self, content: PacketContent) -> None:
        """Send the queued segments as one batch."""
        if not self.queue:
            return
        batch, self.queue, self.queue_cost = self.queue, [], 0.0
        batch_id = hashlib.sha256("\n".join(s.key for s in batch).encode()).hexdigest()
        sheets = tuple(s.sheet for s in batch if s.sheet is not None)
        job = _BatchJob(
            html="" if sheets else document_html(batch, content),
            out_path=str(self.cache.batch_path(batch_id)),
            segments=len(batch),
            tagged=self.tagged,
            sheets=sheets,
        )
        if self.workers <= 0 or not self.ready.is_set():
            # Until a worker is up (about a second for the first build in a process), this
            # process renders the batch itself rather than wait for it.
            self._finish(_render_batch(job), batch, batch_id, in_process=True)
        else:
            self.pending[self._executor().submit(_render_batch, job)] = (batch, batch_id)
        self._collect(block=False)

    def wait(self, content: PacketContent) -> None:
        """Send what is queued and wait for every batch to be rendered."""
        self.flush(content)
        while self.pending:
            self._collect(block=True)

    def wait_for(self, keys: set[str], content: PacketContent) -> None:
        """Send what is queued and wait until the segments with these keys are rendered."""
        self.flush(content)
        while self.pending and not keys <= self.records.keys():
            self._collect(block=True)

    def render(self, segments: list[Segment], content: PacketContent) -> None:
        """Render `segments` now (used for the contents, once page numbers are known)."""
        for segment in segments:
            self.feed(segment, content)
        self.wait(content)

    def _collect(self, *, block: bool) -> None:
        if not self.pending:
            return
        timeout = BATCH_TIMEOUT_SECONDS if block else 0
        done, _ = wait(self.pending, timeout=timeout, return_when=FIRST_COMPLETED)
        if block and not done:
            self.kill()
            raise PacketRenderError(f"no chunk finished rendering in {BATCH_TIMEOUT_SECONDS} s")
        for future in done:
            batch, batch_id = self.pending.pop(future)
            self._finish(future.result(), batch, batch_id)

    def _finish(
        self,
        outcome: _BatchOutcome,
        batch: list[Segment],
        batch_id: str,
        *,
        in_process: bool = False,
    ) -> None:
        for segment, (first, pages, anchors, links, height) in zip(
            batch, outcome.records, strict=True
        ):
            record = SegmentRecord(
                batch=batch_id,
                first=first,
                pages=pages,
                anchors=anchors,
                links=tuple(links),
                page_height=height,
            )
            self.cache.put(segment.key, record)
            self.records[segment.key] = record
            self.done_cost += segment.cost
        self.rendered.update(s.key for s in batch)
        self.rendered_kinds.extend(s.kind for s in batch)
        self.peak_rss_mb = max(self.peak_rss_mb, outcome.peak_rss_mb)
        if not in_process:  # this process's own CPU time is counted separately
            self.worker_cpu += outcome.cpu_seconds
        self.batches += 1
        if self.on_progress is not None:
            self.on_progress(self.done_cost / max(self.submitted_cost, 1.0))
        if self.on_batch is not None:
            self.on_batch(batch)


def build_packet(
    content: PacketContent | Callable[[], PacketContent],
    out_path: Path,
    *,
    cache_dir: Path,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    two_sided: bool = False,
    tagged: bool = True,
) -> PacketResult:
    """Render the hearing packet for `content` to `out_path`, reusing cached chunks.

    With `two_sided`, every section and every testimony starts on a right-hand page (a blank
    page goes before it when needed), for copies printed on both sides of the paper.
    `workers` is the number of rendering processes (0 renders in this process). `content`
    may be a function returning it (say, reading the database): the workers then start
    while it runs, and what it raises is raised as is. The file appears at `out_path` only
    when complete; on failure PacketRenderError is raised and any previous file at
    `out_path` is left untouched. `tagged` (the default) writes a tagged PDF/UA-1 and
    PDF/A-2u packet (tagged.py); False writes the untagged packet merged by pypdf.
    """
    build = _Build(Path(out_path), Path(cache_dir), workers, progress, tagged)
    build.two_sided = two_sided
    try:
        with fewer_collections():
            return build.run(content)
    except (_CallbackFailed, RosterReadFailed) as failed:
        # The caller's own exception, e.g. a cancellation, or what reading a streamed roster
        # raised (the database busy, say).
        raise failed.original from None
    except PacketRenderError:
        raise
    except BrokenProcessPool as exc:
        raise PacketRenderError("a rendering process died (out of memory?)") from exc
    except Exception as exc:  # template or layout bug, WeasyPrint or pypdf error, full disk
        raise PacketRenderError(f"packet {build.report.stage} failed: {exc}") from exc
    finally:
        build.renderer.close()
        build.copier.close()


class _Build:
    """One build_packet call: its cache, what is rendered, the workers and the packet's writer."""

    def __init__(
        self,
        out_path: Path,
        cache_dir: Path,
        workers: int,
        progress: ProgressCallback | None,
        tagged: bool = True,
    ) -> None:
        self.started = time.perf_counter()
        self.started_cpu = time.process_time()
        self.out_path = out_path
        self.cache_dir = cache_dir
        self.report = _Progress(progress)
        self.tagged = tagged
        self.cache = SegmentCache(cache_dir, "tagged" if tagged else "")
        self.records: dict[str, SegmentRecord] = {}
        self.renderer = _Renderer(
            workers, self.cache, self.records, lambda f: self.report("rendering", f), tagged
        )
        # The packet's writer. Pages that are ready, cached or just rendered, are copied into
        # it while the workers render the rest, so that the merge at the end is short:
        # reading chunk PDFs and copying what their pages draw is most of a merge.
        self.copier = PageCopier()
        # Not the cover, whose final version is known last, nor the footer, which is drawn on
        # every page as a form, not copied as a page of its own (as a page it was written
        # into the packet unused, fonts and all).
        self.renderer.on_batch = lambda batch: self.prepare(
            s.key for s in batch if s.kind not in ("cover", "footer")
        )
        self.seen: set[str] = set()
        self.two_sided = False
        self.blank: Segment | None = None  # the blank page of a two-sided packet

    def run(self, content: PacketContent | Callable[[], PacketContent]) -> PacketResult:
        """Plan, render, number and write the packet."""
        self.report("preparing", 0.0)
        self.renderer.start()
        if callable(content):
            try:
                content = content()
            except Exception as exc:
                raise _CallbackFailed(exc) from exc
        layout_name = hashlib.sha256(
            "\x00".join(
                (content.campaign_slug, content.variant_note or "", content.labels.lang)
            ).encode("utf-8")
        ).hexdigest()
        known_pages, known_cover_pages = self.cache.layout(layout_name)
        plan = plan_packet(
            content,
            emit=lambda segment: self.take(segment, content),
            rendered=self.rendered,
            known_roster_pages=known_pages,
        )
        footer = footer_segment(content, plan)
        self.take(footer, content)
        if self.two_sided:
            self.blank = blank_segment(content, plan)
            self.take(self.blank, content)
        self.renderer.flush(content)
        self.report("rendering", 0.0)
        cover = _Cover(content, plan, content.content_hash())
        # Copy the cached pages into the packet's writer while the workers render.
        self.prepare(s.key for s in plan.segments)
        cover_pages = known_cover_pages or COVER_PAGES_GUESS
        self.cover_beside_roster(cover, cover_pages)
        self.renderer.wait(content)
        self.report("numbering", 0.0)
        final, pages = self.number(cover, cover_pages)
        self.renderer.close()
        self.report("numbering", 1.0)
        written = self.write(cover, final, footer, pages)
        extra = [self.blank] if self.blank is not None else []
        self.keep(layout_name, plan, [footer, final, *extra, *plan.segments], final)
        return self.result(written, cover, [final, *plan.segments])

    def prepare(self, keys: Iterable[str]) -> None:
        """Copy the pages of the rendered segments among `keys` into the packet's writer."""
        if self.tagged:  # the tagged merge copies pages and their structure at the end
            return
        for key in keys:
            record = self.records.get(key)
            if record is not None:
                self.copier.prepare(
                    PagePart(self.cache.batch_path(record.batch), record.first, record.pages)
                )

    def take(self, segment: Segment, content: PacketContent) -> None:
        """A planned segment: reused if cached, else sent to the workers straight away."""
        if segment.key in self.seen:
            return
        self.seen.add(segment.key)
        if segment.key in self.records:  # a known roster page, found by rendered() below
            return
        record = self.cache.get(segment.key)
        if record is not None:
            self.records[segment.key] = record
            return
        if segment.html is None and segment.sheet is None:
            raise PacketRenderError("a known roster page is no longer cached")
        if self.report.stage == "preparing":
            self.report("rendering", 0.0)
        self.renderer.feed(segment, content)

    def rendered(self, key: str) -> bool:
        """Whether a segment's pages are cached (a known roster page's, say)."""
        record = self.records.get(key) or self.cache.get(key)
        if record is not None:
            self.records[key] = record
        return record is not None

    def cover_beside_roster(self, cover: _Cover, cover_pages: int) -> None:
        """Render the cover with guessed page numbers while the roster's last pages render.

        Roster pages are one page each by construction, so once everything else is rendered
        (the plan hands the roster over last) the page numbers are known but for the
        cover's own length, which the last build of this packet knows (else a cover and one
        page of contents is the guess). number() checks the guess with the real page
        counts, and numbers again if it was wrong.
        """
        plan, content = cover.plan, cover.content
        self.renderer.wait_for({s.key for s in plan.segments if s.kind != "roster"}, content)
        if self.renderer.pending:
            one_page = SegmentRecord(
                batch="", first=0, pages=1, anchors={}, links=(), page_height=0.0
            )
            guessed = {s.key: self.records.get(s.key, one_page) for s in plan.segments}
            self.take(
                cover.segment(_target_pages(plan, guessed, cover_pages, self.two_sided)), content
            )
            self.renderer.flush(content)

    def number(
        self, cover: _Cover, cover_pages: int
    ) -> tuple[Segment, dict[str, tuple[int, float | None]]]:
        """The cover numbered with the real page counts, rendered; every target's page."""
        for _attempt in range(4):
            pages = _target_pages(cover.plan, self.records, cover_pages, self.two_sided)
            final = cover.segment(pages)
            record = self.records.get(final.key) or self.cache.get(final.key)
            if record is None:
                self.renderer.render([final], cover.content)
                record = self.records[final.key]
            self.records[final.key] = record
            if record.pages == cover_pages:
                return final, pages
            # The real numbers (or another cover) changed its length; number again.
            cover_pages = record.pages
        raise PacketRenderError("the contents page count does not settle")

    def part(self, key: str) -> PagePart:
        record = self.records[key]
        return PagePart(self.cache.batch_path(record.batch), record.first, record.pages)

    def in_order(self, final: Segment, plan: PacketPlan) -> list[Segment]:
        """The packet's segments in page order: the cover, then each segment (two-sided: a
        blank page before each segment that would otherwise start on a left-hand page)."""
        ordered = [final]
        blanks = _blanks_before(plan, self.records, self.records[final.key].pages)
        for index, segment in enumerate(plan.segments):
            if self.two_sided and index in blanks:
                ordered.append(self.blank)
            ordered.append(segment)
        return ordered

    def write(
        self,
        cover: _Cover,
        final: Segment,
        footer: Segment,
        pages: dict[str, tuple[int, float | None]],
    ) -> tuple[int, str, int]:
        """Merge the segments' pages into the packet: (pages, sha256, size)."""
        plan = cover.plan
        outline = [
            OutlineItem(entry.level, entry.title, *pages[entry.target])
            for entry in plan.outline
            if entry.target in pages
        ]
        links = [
            LinkArea(page, rect, *pages[target.removeprefix("#").removeprefix("goto-")])
            for page, target, rect in self.records[final.key].links
            if target.removeprefix("#").removeprefix("goto-") in pages
        ]
        ordered = self.in_order(final, plan)
        return _write(
            self.out_path,
            [self.part(segment.key) for segment in ordered],
            footer=self.part(footer.key),
            content=cover.content,
            outline=outline,
            links=links,
            report=self.report,
            full_hash=cover.full_hash,
            copier=self.copier,
            tagged=self.tagged,
            cover_pages=self.records[final.key].pages,
            languages=_body_languages(ordered),
        )

    def keep(self, layout_name: str, plan: PacketPlan, used: list[Segment], final: Segment) -> None:
        """Mark what the packet used as fresh, remember its layout, prune the rest."""
        try:
            self.cache.touch({s.key: self.records[s.key] for s in used})
            self.cache.put_layout(layout_name, plan.roster_pages, self.records[final.key].pages)
            self.cache.prune(CACHE_MAX_AGE_SECONDS)
        except OSError as exc:  # a full or read-only cache must not fail a finished packet
            logger.warning("could not prune the packet cache %s: %s", self.cache_dir, exc)

    def result(
        self, written: tuple[int, str, int], cover: _Cover, ordered: list[Segment]
    ) -> PacketResult:
        renderer = self.renderer
        cached = len({s.key for s in ordered} - renderer.rendered)
        seconds = time.perf_counter() - self.started
        cpu = time.process_time() - self.started_cpu
        logger.info(
            "packet %s: %d pages, %d chunks rendered in %d batches, %d reused; stages "
            "started at %s s, done at %.2f s; CPU %.1f s here, %.1f s in rendering workers",
            self.out_path.name,
            written[0],
            len(renderer.rendered),
            renderer.batches,
            cached,
            {k: round(v, 2) for k, v in self.report.stage_started.items()},
            seconds,
            cpu,
            renderer.worker_cpu,
        )
        return PacketResult(
            pages=written[0],
            sha256=written[1],
            size_bytes=written[2],
            content_hash=cover.full_hash,
            chunks_rendered=len(renderer.rendered),
            chunks_cached=cached,
            batches_rendered=renderer.batches,
            worker_peak_rss_mb=round(renderer.peak_rss_mb, 1),
            rendered_kinds=tuple(sorted(renderer.rendered_kinds)),
            roster_pages_laid_out=len(cover.plan.roster.pages),
            seconds=round(seconds, 3),
            cpu_seconds=round(cpu + renderer.worker_cpu, 3),
        )


@dataclass(frozen=True)
class _Cover:
    """The cover and contents of one packet, to be numbered once page counts are known."""

    content: PacketContent
    plan: PacketPlan
    full_hash: str

    def segment(self, pages: dict[str, tuple[int, float | None]]) -> Segment:
        numbers = {target: page + 1 for target, (page, _y) in pages.items()}
        html = cover_html(self.content, self.plan, numbers, self.full_hash)
        return cover_segment(self.content, self.plan, html)


_BODY_LANGUAGE = re.compile(r'<blockquote class="testimony-body[^"]*" lang="([^"]+)"')


def _body_languages(segments: list[Segment]) -> dict[int, str]:
    """Segment index -> language of its testimony body (templates/pdf/testimony.html)."""
    found = {}
    for index, segment in enumerate(segments):
        if segment.kind == "testimony" and segment.html is not None:
            match = _BODY_LANGUAGE.search(str(segment.html))
            if match:
                found[index] = match[1]
    return found


def _starts_right(plan: PacketPlan, index: int) -> bool:
    """Whether a segment starts on a right-hand page in a two-sided packet: every one but
    the roster's pages after its first."""
    segment = plan.segments[index]
    return segment.kind != "roster" or index == 0 or plan.segments[index - 1].kind != "roster"


def _blanks_before(
    plan: PacketPlan, records: dict[str, SegmentRecord], cover_pages: int
) -> set[int]:
    """Segments that need a blank page before them to start on a right-hand page."""
    blanks = set()
    page = cover_pages  # 0-based: even indices are right-hand pages
    for index, segment in enumerate(plan.segments):
        if page % 2 == 1 and _starts_right(plan, index):
            blanks.add(index)
            page += 1
        page += records[segment.key].pages
    return blanks


def _target_pages(
    plan: PacketPlan,
    records: dict[str, SegmentRecord],
    cover_pages: int,
    two_sided: bool = False,
) -> dict[str, tuple[int, float | None]]:
    """0-based page index (and height on it) of every navigation target."""
    blanks = _blanks_before(plan, records, cover_pages) if two_sided else set()
    starts: list[int] = []
    page = cover_pages
    for index, segment in enumerate(plan.segments):
        page += index in blanks
        starts.append(page)
        page += records[segment.key].pages
    pages: dict[str, tuple[int, float | None]] = {"cover": (0, None), "contents": (0, None)}
    for target, (index, anchor) in plan.targets.items():
        record = records[plan.segments[index].key]
        if anchor is not None and anchor in record.anchors:
            offset, y = record.anchors[anchor]
            pages[target] = (starts[index] + offset, y)
        else:
            pages[target] = (starts[index], None)
    return pages


def _write(
    out_path: Path,
    parts: list[PagePart],
    *,
    footer: PagePart,
    content: PacketContent,
    outline: list[OutlineItem],
    links: list[LinkArea],
    report: _Progress,
    full_hash: str,
    copier: PageCopier,
    tagged: bool = False,
    cover_pages: int = 0,
    languages: dict[int, str] | None = None,
) -> tuple[int, str, int]:
    """Merge into a temporary file beside out_path and rename it into place."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            report("merging", 0.0)
            common = {
                "footer": footer,
                "page_of": content.labels.page_of,
                "outline": outline,
                "links": links,
                "metadata": _metadata(content, full_hash),
                "lang": content.labels.lang,
                "on_stage": lambda stage, f: report(stage, f),
            }
            if tagged:
                pages = merge_tagged(
                    parts, handle, cover_pages=cover_pages, languages=languages, **common
                )
            else:
                pages = merge_pages(parts, handle, copier=copier, **common)
            report("writing", 0.5)
            handle.flush()
            os.fsync(handle.fileno())
        digest = hashlib.sha256()
        size = 0
        with open(tmp, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    report("writing", 1.0)
    return pages, digest.hexdigest(), size


def _metadata(content: PacketContent, full_hash: str) -> dict[str, str]:
    """PDF document information: who is submitting what, about which decision."""
    founding = [e.organization for e in content.coalition if e.founding]
    author = clean_line(content.campaign_title)
    if founding:
        names = ", ".join(clean_line(n) for n in founding[:6])
        author += f" ({names}{', …' if len(founding) > 6 else ''})"
    return {
        "Title": f"{clean_line(content.campaign_title)} · {clean_line(content.hearing_title)}",
        "Author": author,
        "Subject": (
            f"{clean_line(content.decision_title)} ({clean_line(content.decision_reference)})"
        ),
        "Keywords": f"{clean_line(content.decision_reference)}, content hash {full_hash}",
        "Creator": "campaign hearing packet",
        "Producer": "WeasyPrint + pypdf",
        "ContentHash": full_hash,
    }
