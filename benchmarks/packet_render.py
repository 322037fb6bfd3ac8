"""Hearing-packet rendering benchmark: prints figures, asserts nothing.

    .venv/bin/python benchmarks/packet_render.py            # scenarios a and b
    .venv/bin/python benchmarks/packet_render.py --only a   # or b; --skip-naive; --workers N

(a) 10,000 signatures + 200 testimonies: cold build with the chunked engine, then a naive
    single-document WeasyPrint render of the same content (roster as one HTML <table>,
    footers and contents numbered by CSS counters), and the speed-up.
(b) 100,000 signatures + 1,000 testimonies of about 400 words: cold build, then a rebuild
    after 100 new signatures spread at random (same cache).

Every measurement runs in a fresh child process so that peak RSS figures are its own:
"largest process" is the larger of that process's peak (resource.getrusage RUSAGE_SELF)
and its rendering workers' peak, which each worker reports from its own RUSAGE_SELF
(workers are forked by multiprocessing's forkserver, so RUSAGE_CHILDREN cannot see them).
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
        roster = list(content.roster) + [
            make_roster_entry(rng) for _ in range(args["rebuild_new"])
        ]
        changed = make_content(
            0, args["testimonies"], words=args["words"], roster=roster,
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
        parts.append(f"<h2>{e(role)}</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in names)
                     + "</ul>")
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
    parts.append('</div><div class="naive-section" id="roster"><h1>Signature roster</h1>'
                 '<table class="roster"><thead><tr><th>Name</th><th>ZIP</th><th>Signed</th>'
                 "<th>Source</th></tr></thead><tbody>")
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
    from campaign.pdf import fast_paths
    from campaign.pdf.render import PACKET_STYLESHEETS, render_html_to_pdf

    fast_paths.uninstall_all()  # the naive render is WeasyPrint as it comes

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
    queue.put({"seconds": seconds, "pages": pages, "bytes": len(pdf), "own_mb": own,
               "children_mb": children, "cpu": cpu})


def run_in_child(target, args: dict) -> dict:
    """Run target(args, queue) in a fresh spawned process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(args, queue))
    process.start()
    report = queue.get()
    process.join()
    return report


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
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="packet-bench-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
          "(other work on the machine slows every figure below)", flush=True)
    try:
        if options.only in (None, "a"):
            args = {"signatures": 10_000, "testimonies": 200, "words": 400,
                    "workers": options.workers, "out": str(scratch / "a.pdf"),
                    "cache": str(scratch / "cache-a")}
            chunked = run_in_child(_build, args)
            print(_line("(a) 10,000 signatures + 200 testimonies, chunked, cold cache", chunked),
                  f"[{chunked['rendered']} chunks in {chunked['batches']} batches]", flush=True)
            if not options.skip_naive:
                naive = run_in_child(_naive, {**args, "out": str(scratch / "a-naive.pdf")})
                print(_line("(a) naive single document, roster as <table>", naive), flush=True)
                print(f"(a) speed-up: {naive['seconds'] / chunked['seconds']:.1f}x", flush=True)
        if options.only in (None, "b"):
            args = {"signatures": 100_000, "testimonies": 1_000, "words": 400,
                    "workers": options.workers, "out": str(scratch / "b.pdf"),
                    "cache": str(scratch / "cache-b"), "rebuild_new": 100}
            report = run_in_child(_build, args)
            print(_line("(b) 100,000 signatures + 1,000 testimonies, chunked, cold cache",
                        report),
                  f"[{report['rendered']} chunks in {report['batches']} batches]", flush=True)
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


if __name__ == "__main__":
    main()
