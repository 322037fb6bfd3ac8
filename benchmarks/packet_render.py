"""Hearing-packet rendering benchmark: prints figures, asserts nothing.

    .venv/bin/python benchmarks/packet_render.py            # scenarios a and b
    .venv/bin/python benchmarks/packet_render.py --only a   # or b; --skip-naive; --workers N
    .venv/bin/python benchmarks/packet_render.py --speedups all,-glyphs,none [--rounds 2]
    .venv/bin/python benchmarks/packet_render.py --interleaved [--offsets 0,1 --every 5]

(a) 10,000 signatures + 200 testimonies: cold build with the chunked engine, then a naive
    single-document WeasyPrint render of the same content (roster as one HTML <table>,
    footers and contents numbered by CSS counters), and the speed-up.
(b) 100,000 signatures + 1,000 testimonies of about 400 words: cold build, then a rebuild
    after 100 new signatures spread at random (same cache).

Every measurement runs in a fresh child process so that peak RSS figures are its own:
"largest process" is the larger of that process's peak (resource.getrusage RUSAGE_SELF)
and its rendering workers' peak, which each worker reports from its own RUSAGE_SELF
(workers are forked by multiprocessing's forkserver, so RUSAGE_CHILDREN cannot see them).

--speedups times cold builds of packet (b) with and without the rendering workers' speed-ups
(campaign/pdf/fast_paths.py): "all", "none", or "-NAME" for all but one. Before each build
and after the last, the same run times the naive baseline (one WeasyPrint document of 1,000
signatures + 50 testimonies, WeasyPrint as it comes), so each build reads against the
machine's speed of that minute; this machine's speed drifts by a quarter or more.

--interleaved measures the same configurations more finely (docs/pdf-speedups.md): one
process set up as a rendering worker renders packet (b)'s batches (every --every-th, from
each of --offsets; --kind roster for one kind), each batch once per configuration in turn,
--repeats times, and keeps each configuration's least CPU time. "same" (all again) shows
how far two equal configurations differ.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from markupsafe import escape  # noqa: E402

from campaign.pdf import build_packet  # noqa: E402
from campaign.pdf.sample import make_content, make_roster_entry  # noqa: E402
from campaign.pdf.sections import coalition_groups, paragraphs  # noqa: E402


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _build(args: dict, queue: multiprocessing.Queue) -> None:
    content = make_content(args["signatures"], args["testimonies"], words=args["words"])
    out = Path(args["out"])
    cache = Path(args["cache"])
    started = time.perf_counter()
    result = build_packet(content, out, cache_dir=cache, workers=args["workers"])
    first = time.perf_counter() - started
    report = {
        "seconds": first,
        "pages": result.pages,
        "bytes": result.size_bytes,
        "rendered": result.chunks_rendered,
        "cached": result.chunks_cached,
        "batches": result.batches_rendered,
        "worker_mb": result.worker_peak_rss_mb,
        "cpu": result.cpu_seconds,
    }
    if args.get("rebuild_new"):
        # 100 new signers spread at random over districts and the alphabet.
        rng = random.Random(99)
        roster = list(content.roster) + [make_roster_entry(rng) for _ in range(args["rebuild_new"])]
        changed = make_content(
            0,
            args["testimonies"],
            words=args["words"],
            roster=roster,
            generated_at="May 30, 2024, 11:40 AM EDT",
        )
        started = time.perf_counter()
        again = build_packet(changed, out, cache_dir=cache, workers=args["workers"])
        report["rebuild"] = {
            "seconds": time.perf_counter() - started,
            "pages": again.pages,
            "rendered": again.chunks_rendered,
            "cached": again.chunks_cached,
            "batches": again.batches_rendered,
            "worker_mb": again.worker_peak_rss_mb,
            "cpu": again.cpu_seconds,
        }
    report["own_mb"], report["children_mb"] = _peak_mb()
    queue.put(report)


NAIVE_CSS = """
@page { @bottom-center { content: string(footer) " · page " counter(page) " of " counter(pages);
        font-size: 7.5pt; color: #5a6370; } }
.footer-text { string-set: footer content(); display: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
table.roster { width: 100%; border-collapse: collapse; font-family: "Packet Sans Condensed";
               font-size: 7pt; }
table.roster td { padding: 0.5pt 3pt; border-bottom: 0.3pt solid #ddd; }
table.roster tr { break-inside: avoid; }
table.roster th { text-align: left; }
.naive-section { break-before: page; }
.naive-testimony { break-before: page; }
"""


def _naive_html(content) -> str:
    """The whole packet as one HTML document, the roster as one table row per signer."""
    e = escape
    parts = [
        f'<html lang="en"><head><meta charset="utf-8"><title>{e(content.campaign_title)}'
        "</title></head><body>",
        f'<div class="footer-text">{e(content.campaign_title)} · {e(content.hearing_title)}</div>',
        f'<h1 class="campaign-title">{e(content.campaign_title)}</h1>',
        f'<p class="decision-title">{e(content.decision_title)} ({e(content.decision_reference)})'
        "</p>",
        f'<div class="ask"><p class="text">{e(content.ask)}</p></div>',
        f"<p>{e(content.hearing_title)} · {e(content.hearing_when)} · "
        f"{e(content.hearing_location)}</p>",
        f"<p>{content.signatures_verified} verified signatures</p>",
        '<div class="naive-section toc"><h1>Contents</h1>',
        '<p><a href="#districts">Totals by district</a></p>',
        '<p><a href="#orgs">Endorsing organizations</a></p>',
        '<p><a href="#testimony">Written testimony</a></p>',
        '<p><a href="#roster">Signature roster</a></p></div>',
        '<div class="naive-section" id="districts"><h1>Totals by district</h1>'
        '<table class="numbers">',
    ]
    for d in content.districts:
        parts.append(
            f'<tr><td class="label">{e(d.district)}</td><td>{d.signatures}</td>'
            f"<td>{d.support}</td><td>{d.oppose}</td><td>{d.neutral}</td></tr>"
        )
    parts.append('</table><table class="numbers">')
    for z in content.zips:
        parts.append(f"<tr><td>{e(z.zip)}</td><td>{e(z.district)}</td><td>{z.signatures}</td></tr>")
    parts.append('</table></div><div class="naive-section" id="orgs"><h1>Organizations</h1>')
    for role, names in coalition_groups(content):
        parts.append(
            f"<h2>{e(role)}</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in names) + "</ul>"
        )
    parts.append('</div><div id="testimony">')
    for group in content.testimony_groups:
        for t in group.entries:
            parts.append(
                f'<div class="naive-testimony"><p class="ref">{e(t.reference)}</p>'
                f'<p class="author">{e(t.author)}</p>'
                f"<p>{e(t.district)} · {e(t.position_label)} · {e(t.submitted_on)} · "
                f"{e(t.language_label)}</p>"
                '<div class="testimony-body">'
                + "".join(f"<p>{e(p)}</p>" for p in paragraphs(t.body))
                + "</div></div>"
            )
    parts.append(
        '</div><div class="naive-section" id="roster"><h1>Signature roster</h1>'
        '<table class="roster"><thead><tr><th>Name</th><th>ZIP</th><th>Signed</th>'
        "<th>Source</th></tr></thead><tbody>"
    )
    district = None
    for r in content.roster:
        if r.district != district:
            district = r.district
            parts.append(f'<tr><th colspan="4">{e(district)}</th></tr>')
        parts.append(
            f"<tr><td>{e(r.name)}</td><td>{e(r.zip)}</td><td>{e(r.signed_on)}</td>"
            f"<td>{e(r.source)}</td></tr>"
        )
    parts.append("</tbody></table></div></body></html>")
    return "".join(parts)


def _naive(args: dict, queue: multiprocessing.Queue) -> None:
    # WeasyPrint as it comes: only the rendering workers' forkserver installs the speed-ups.
    from campaign.pdf.render import PACKET_STYLESHEETS, render_html_to_pdf

    content = make_content(args["signatures"], args["testimonies"], words=args["words"])
    started = time.perf_counter()
    cpu = time.process_time()
    pdf = render_html_to_pdf(
        _naive_html(content), stylesheets=PACKET_STYLESHEETS, extra_css=NAIVE_CSS
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    Path(args["out"]).write_bytes(pdf)
    from pypdf import PdfReader

    pages = len(PdfReader(args["out"]).pages)
    own, children = _peak_mb()
    queue.put(
        {
            "seconds": seconds,
            "pages": pages,
            "bytes": len(pdf),
            "own_mb": own,
            "children_mb": children,
            "cpu": cpu,
        }
    )


# The naive packet, copied into this file on 2026-12-06 from the baseline that the issues'
# packet targets are measured against (naive_packet.py of the workplace's shared baselines):
# one WeasyPrint document holding the whole roster as a <table> and every testimony, rendered
# at once.
_BASELINE_FIRST = (
    "Maria",
    "Jose",
    "Ana",
    "Luis",
    "Karla",
    "Adan",
    "Juana",
    "Erika",
    "Cristobal",
    "Pilar",
    "John",
    "Keisha",
)
_BASELINE_LAST = (
    "Serna",
    "Rojas",
    "Valencia",
    "Aparicio",
    "Tlatlenco",
    "Molina",
    "Smith",
    "Nguyen",
    "Garcia",
    "Lopez",
)
_BASELINE_CSS = """
@page { size: letter; margin: 2cm; @bottom-center { content: "Page " counter(page) " of "
        counter(pages); font-size:9pt } }
body { font-family: DejaVu Sans; font-size: 10pt }
table { width:100%; border-collapse: collapse } td { border-bottom: 0.5pt solid #ccc;
        padding: 2pt }
section.t { break-before: page }
"""


def _baseline_html(signatures: int, testimonies: int) -> str:
    rng = random.Random(1)
    first, last = _BASELINE_FIRST, _BASELINE_LAST
    rows = "".join(
        f"<tr><td>{i + 1}</td><td>{rng.choice(first)} {rng.choice(last)}</td>"
        f"<td>191{rng.randint(0, 54):02d}</td><td>{rng.randint(1, 10)}</td>"
        f"<td>2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}</td></tr>"
        for i in range(signatures)
    )
    lorem = (
        "The fear of deportation has created a significant barrier between the Police "
        "Department and immigrant communities. "
    ) * 6
    tests = "".join(
        f"<section class=t><h2>Testimony {i + 1}: {rng.choice(first)} {rng.choice(last)}</h2>"
        f"<p class=meta>District {rng.randint(1, 10)} · Oppose</p>"
        + "".join(f"<p>{lorem}</p>" for _ in range(3))
        + "</section>"
        for i in range(testimonies)
    )
    return (
        f"<html><head><style>{_BASELINE_CSS}</style></head><body><h1>Testimony packet</h1>"
        "<table><thead><tr><th>#</th><th>Name</th><th>ZIP</th><th>District</th>"
        f"<th>Date</th></tr></thead><tbody>{rows}</tbody></table>{tests}</body></html>"
    )


def _shared_naive(args: dict, queue: multiprocessing.Queue) -> None:
    """The shared naive baseline: render and write, timed (wall and CPU)."""
    from weasyprint import HTML

    html = _baseline_html(args["signatures"], args["testimonies"])
    started, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "pages": len(document.pages),
            "bytes": len(pdf),
        }
    )


def run_in_child(target, args: dict) -> dict:
    """Run target(args, queue) in a fresh spawned process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(args, queue))
    process.start()
    report = queue.get()
    process.join()
    return report


# Names of the speed-ups left out of a --speedups build, for the rendering workers'
# forkserver, which imports this module after campaign.pdf.worker_preload.
LEAVE_OUT_ENV = "PACKET_BENCH_LEAVE_OUT"
NAIVE_BASELINE = {"signatures": 1_000, "testimonies": 50}


def speedup_names() -> list[str]:
    """The rendering workers' speed-ups, by name."""
    from campaign.pdf import fast_paths

    return [replacement.key for replacement in fast_paths.replacements()]


def _leave_out(names: list[str]) -> None:
    """The library's own function instead of each named speed-up, in this process."""
    from campaign.pdf import fast_paths

    for replacement in fast_paths.replacements():
        if replacement.key in names:
            replacement.uninstall()


def _speedup_build(args: dict, queue: multiprocessing.Queue) -> None:
    """A cold build of packet (b), its rendering workers without the speed-ups named."""
    os.environ[LEAVE_OUT_ENV] = ",".join(args["leave_out"])
    from campaign.pdf import build as build_module

    stock_context = build_module._context

    def context():
        chosen = stock_context()
        chosen.set_forkserver_preload(["campaign.pdf.worker_preload", "packet_render"])
        return chosen

    build_module._context = context
    _leave_out(args["leave_out"])
    # As the job worker does when it starts: the builds are timed after it.
    build_module.start_rendering_server()
    content = make_content(args["signatures"], args["testimonies"], words=args["words"])
    started = time.perf_counter()
    result = build_packet(
        content, Path(args["out"]), cache_dir=Path(args["cache"]), workers=args["workers"]
    )
    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "cpu": result.cpu_seconds,
            "pages": result.pages,
            "bytes": result.size_bytes,
            "worker_mb": result.worker_peak_rss_mb,
        }
    )


def _use(leave_out: list[str]) -> None:
    """Every speed-up in this process but those named."""
    from campaign.pdf import fast_paths

    fast_paths.install_all()
    _leave_out(leave_out)


def _batches(segments: list) -> list[list]:
    """Segments in batches as the build sends them to its workers (once they are up)."""
    from campaign.pdf.build import BATCH_COST

    batches: list[list] = [[]]
    cost = 0.0
    for segment in segments:
        if batches[-1] and (cost >= BATCH_COST or segment.kind != batches[-1][-1].kind):
            batches.append([])
            cost = 0.0
        batches[-1].append(segment)
        cost += segment.cost
    return batches


def _paint(sheets: list, path: Path):
    from campaign.pdf.roster_paint import paint_to_file

    return paint_to_file(sheets, path, tagged=True)


def _timed(function, *args) -> tuple[float, object]:
    cpu = time.process_time()
    value = function(*args)
    return time.process_time() - cpu, value


def _interleaved(args: dict, queue: multiprocessing.Queue) -> None:
    """Sampled batches of packet (b), each rendered by every configuration in turn, repeatedly.

    Each configuration's time for a batch is the least of its repeats: other work on the
    machine only ever adds to a time, and its bursts last less than a batch's round.
    """
    # As a rendering worker: WeasyPrint and the fonts loaded, the collector tuned.
    import campaign.pdf.worker_preload  # noqa: F401
    from campaign.pdf.merge import PageCopier, PagePart
    from campaign.pdf.render import render_to_file
    from campaign.pdf.sections import document_html, footer_segment, plan_packet

    content = make_content(args["signatures"], args["testimonies"], words=args["words"])
    plan = plan_packet(content)
    batches = _batches([*plan.segments, footer_segment(content, plan)])
    sample = [
        b for b in batches[args["offset"] :: args["every"]] if args["kind"] in (None, b[0].kind)
    ]
    scratch = Path(args["scratch"])
    configs: dict[str, list[str]] = args["configs"]
    rows = []
    for number, batch in enumerate(sample):
        sheets = [s.sheet for s in batch if s.sheet is not None]
        html = "" if sheets else document_html(batch, content)
        shift = number % len(configs)
        order = [*list(configs)[shift:], *list(configs)[:shift]]
        render = dict.fromkeys(configs, float("inf"))
        read = dict.fromkeys(configs, float("inf"))
        for _repeat in range(args["repeats"]):
            for config in order:
                _use(configs[config])
                path = scratch / f"{config}-{number}.pdf"
                if sheets:  # roster pages: painted, not rendered (roster_paint.py)
                    seconds, info = _timed(_paint, sheets, path)
                else:
                    seconds, info = _timed(render_to_file, html, path)
                render[config] = min(render[config], seconds)
                seconds, _ = _timed(PageCopier().prepare, PagePart(path, 0, info.pages))
                read[config] = min(read[config], seconds)
        rows.append(
            {
                "kind": batch[0].kind,
                "cost": sum(s.cost for s in batch),
                "render": render,
                "read": read,
            }
        )
    _use([])
    scale = sum(s.cost for b in batches for s in b) / sum(row["cost"] for row in rows)
    queue.put({"rows": rows, "scale": scale, "batches": len(batches)})


def _saved(rows: list[dict], measure: str, config: str, kind: str) -> float:
    return sum(r[measure][config] - r[measure]["all"] for r in rows if r["kind"] == kind)


def _interleaved_report(report: dict, configs: list[str]) -> None:
    rows = report["rows"]
    kinds = sorted({row["kind"] for row in rows})
    for measure in ("render", "read"):
        base = sum(row[measure]["all"] for row in rows)
        print(
            f"  {measure} CPU-s of the sample, with everything: {base:.2f} "
            f"(packet, by cost: {base * report['scale']:.1f})",
            flush=True,
        )
        for config in configs[1:]:
            total = sum(row[measure][config] for row in rows)
            ratios = sorted(row[measure][config] / row[measure]["all"] for row in rows)
            by_kind = ", ".join(
                f"{kind} {_saved(rows, measure, config, kind):+.2f}" for kind in kinds
            )
            print(
                f"  {config:>14}: {total:6.2f} ({total - base:+.2f}, {total / base - 1:+.1%};"
                f" packet {(total - base) * report['scale']:+.1f}; median batch "
                f"{ratios[len(ratios) // 2] - 1:+.1%}; by kind {by_kind})",
                flush=True,
            )


def _interleaved_main(options: argparse.Namespace, scratch: Path) -> None:
    names = speedup_names()
    chosen = (options.speedups or ",".join(["all", *(f"-{name}" for name in names)])).split(",")
    configs = {config: _left_out(config, names) for config in chosen}
    naive = run_in_child(_shared_naive, NAIVE_BASELINE)
    print(
        f"naive baseline before: {naive['seconds']:.1f} s wall, {naive['cpu']:.1f} CPU-s",
        flush=True,
    )
    offsets = (
        [int(o) for o in options.offsets.split(",")] if options.offsets else range(options.rounds)
    )
    for offset in offsets:
        args = {
            "signatures": 100_000,
            "testimonies": 1_000,
            "words": 400,
            "every": options.every,
            "offset": offset,
            "configs": configs,
            "kind": options.kind,
            "repeats": options.repeats,
            "scratch": str(scratch),
        }
        report = run_in_child(_interleaved, args)
        after = run_in_child(_shared_naive, NAIVE_BASELINE)
        print(
            f"batches {offset}::{options.every}: {len(report['rows'])} of "
            f"{report['batches']} (x{report['scale']:.2f} by cost); naive baseline after: "
            f"{after['seconds']:.1f} s wall, {after['cpu']:.1f} CPU-s",
            flush=True,
        )
        _interleaved_report(report, list(configs))
        for path in scratch.glob("*.pdf"):
            path.unlink()


def _left_out(config: str, names: list[str]) -> list[str]:
    if config in ("all", "same"):  # "same": all again, to see how far two equal runs differ
        return []
    if config == "none":
        return list(names)
    if config.startswith("-") and config[1:] in names:
        return [config[1:]]
    raise SystemExit(f"unknown configuration {config!r}: all, none or -NAME, NAME in {names}")


def _speedups(options: argparse.Namespace, scratch: Path) -> None:
    """Cold builds of packet (b) per configuration, the naive baseline before each."""
    names = speedup_names()
    configs = options.speedups.split(",")
    runs: dict[str, list[tuple[dict, dict]]] = {config: [] for config in configs}
    naive = run_in_child(_shared_naive, NAIVE_BASELINE)
    for number in range(options.rounds):
        for config in configs if number % 2 == 0 else configs[::-1]:
            args = {
                "signatures": 100_000,
                "testimonies": 1_000,
                "words": 400,
                "workers": options.workers,
                "leave_out": _left_out(config, names),
                "out": str(scratch / f"{config}-{number}.pdf"),
                "cache": str(scratch / f"cache-{config}-{number}"),
            }
            report = run_in_child(_speedup_build, args)
            after = run_in_child(_shared_naive, NAIVE_BASELINE)
            reference = (naive["seconds"] + after["seconds"]) / 2
            runs[config].append(
                (report, {"seconds": reference, "cpu": (naive["cpu"] + after["cpu"]) / 2})
            )
            print(
                f"{config:>14}: {report['seconds']:5.1f} s wall, {report['cpu']:5.1f} CPU-s, "
                f"{report['pages']:,} pages, {report['bytes'] / 1e6:.1f} MB; naive baseline "
                f"{naive['seconds']:.1f} s before, {after['seconds']:.1f} s after "
                f"(build / baseline {report['seconds'] / reference:.2f}); load average "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
            naive = after
    _speedup_summary(runs)


def _speedup_summary(runs: dict[str, list[tuple[dict, dict]]]) -> None:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    figures = {
        config: {
            "wall": mean([r["seconds"] for r, _ in reports]),
            "cpu": mean([r["cpu"] for r, _ in reports]),
            "ratio": mean([r["seconds"] / n["seconds"] for r, n in reports]),
            "cpu_ratio": mean([r["cpu"] / n["cpu"] for r, n in reports]),
        }
        for config, reports in runs.items()
    }
    base = figures.get("all")
    for config, f in figures.items():
        line = (
            f"{config:>14}: mean {f['wall']:.1f} s wall, {f['cpu']:.1f} CPU-s; "
            f"build / naive baseline {f['ratio']:.2f} (wall), {f['cpu_ratio']:.2f} (CPU)"
        )
        if base is not None and config != "all":
            line += (
                f"; without it the build takes {f['ratio'] / base['ratio'] - 1:+.1%} "
                f"(wall, against the baseline), {f['cpu_ratio'] / base['cpu_ratio'] - 1:+.1%}"
                " (CPU)"
            )
        print(line, flush=True)


def _line(label: str, report: dict) -> str:
    worker = max(report["children_mb"], report.get("worker_mb", 0.0))
    largest = max(report["own_mb"], worker)
    return (
        f"{label}: {report['seconds']:.1f} s wall ({report['cpu']:.1f} s CPU), "
        f"{report['pages']:,} pages, {report['bytes'] / 1e6:.1f} MB, "
        f"peak RSS of the largest process {largest:.0f} MB "
        f"(main {report['own_mb']:.0f} MB, largest worker {worker:.0f} MB), "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    """Run the scenarios and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("a", "b"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--speedups", help="configurations, e.g. all,-glyphs,none")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--interleaved", action="store_true")
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--offsets", help="which batches: offsets below --every, e.g. 2,3")
    parser.add_argument("--kind", help="only batches of this kind, e.g. roster")
    parser.add_argument("--repeats", type=int, default=2)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="packet-bench-"))
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
        "(other work on the machine slows every figure below)",
        flush=True,
    )
    try:
        if options.interleaved:
            _interleaved_main(options, scratch)
            return
        if options.speedups:
            _speedups(options, scratch)
            return
        if options.only in (None, "a"):
            args = {
                "signatures": 10_000,
                "testimonies": 200,
                "words": 400,
                "workers": options.workers,
                "out": str(scratch / "a.pdf"),
                "cache": str(scratch / "cache-a"),
            }
            chunked = run_in_child(_build, args)
            print(
                _line("(a) 10,000 signatures + 200 testimonies, chunked, cold cache", chunked),
                f"[{chunked['rendered']} chunks in {chunked['batches']} batches]",
                flush=True,
            )
            if not options.skip_naive:
                naive = run_in_child(_naive, {**args, "out": str(scratch / "a-naive.pdf")})
                print(_line("(a) naive single document, roster as <table>", naive), flush=True)
                print(f"(a) speed-up: {naive['seconds'] / chunked['seconds']:.1f}x", flush=True)
        if options.only in (None, "b"):
            args = {
                "signatures": 100_000,
                "testimonies": 1_000,
                "words": 400,
                "workers": options.workers,
                "out": str(scratch / "b.pdf"),
                "cache": str(scratch / "cache-b"),
                "rebuild_new": 100,
            }
            report = run_in_child(_build, args)
            print(
                _line("(b) 100,000 signatures + 1,000 testimonies, chunked, cold cache", report),
                f"[{report['rendered']} chunks in {report['batches']} batches]",
                flush=True,
            )
            again = report["rebuild"]
            print(
                f"(b) rebuild after 100 new signatures spread at random: "
                f"{again['seconds']:.1f} s wall ({again['cpu']:.1f} s CPU), "
                f"{again['pages']:,} pages, "
                f"{again['rendered']} chunks re-rendered in {again['batches']} batches, "
                f"{again['cached']} reused",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if os.environ.get(LEAVE_OUT_ENV):  # imported by the forkserver of a --speedups build
    _leave_out(os.environ[LEAVE_OUT_ENV].split(","))

if __name__ == "__main__":
    main()
