"""Packet benchmark, end to end: synthetic campaigns in a database, built by the packet service.

    .venv/bin/python benchmarks/packet.py [--only a|b] [--workers 2]

(a) 10,000 signatures + 200 testimonies: the packet service's build (database -> content ->
    chunked PDF) and, in the same run, a naive single-document WeasyPrint render of the same
    content with the roster as an HTML <table> (from benchmarks/packet_render.py).
(b) 100,000 signatures + 1,000 testimonies of about 400 words: the service's build, then a
    rebuild after 100 new signatures are added to the database; the naive baseline (one
    WeasyPrint document of 1,000 signatures + 50 testimonies) is timed before and after, to
    read the figures against this machine's speed of the moment.

Each scenario runs in a fresh process with its own SQLite instance folder, which first starts
the rendering workers' forkserver as the job worker (`flask worker`) does when it starts, and
prints how long that took; the builds are timed after it. Prints wall time,
pages, file size and peak memory of the largest process (the build process or a rendering
worker); asserts nothing. benchmarks/packet_render.py measures the PDF engine alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import packet_render  # noqa: E402  (beside this file)


def _scenario(args: dict, queue) -> None:
    os.environ["CAMPAIGN_INSTANCE_PATH"] = args["instance"]
    os.environ.pop("DATABASE_URL", None)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.demo import riverton
    from campaign.extensions import db
    from campaign.models import Campaign
    from campaign.services import deadlines, packets

    app = create_app({"PACKET_WORKERS": args["workers"]})
    # The engine logs each build's CPU time (this process, the rendering workers): steadier
    # than wall time on a machine whose speed drifts.
    cpu_lines: list[tuple[float, float]] = []

    class _CPU(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = re.search(r"CPU ([\d.]+) s here, ([\d.]+) s in rendering", record.getMessage())
            if found:
                cpu_lines.append((float(found[1]), float(found[2])))
                print(f"  engine: {record.getMessage()}", flush=True)

    build_log = logging.getLogger("campaign.pdf.build")
    build_log.setLevel(logging.INFO)
    build_log.addHandler(_CPU())
    with app.app_context():
        upgrade()
        riverton.load(db.session)
        riverton.bulk(
            db.session,
            riverton.OPEN_SLUG,
            args["signatures"],
            args["testimonies"],
            seed=5,
            words=args["words"],
        )
        db.session.commit()
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == riverton.OPEN_SLUG))

        def build() -> tuple[float, object]:
            # Built here, as the CLI does, rather than queued for a job worker.
            packet = packets.request_build(db.session, campaign, None, in_background=False)
            db.session.commit()
            started = time.perf_counter()
            done = packets.run_build(packet.id)
            return time.perf_counter() - started, done

        # The job worker starts the rendering workers' forkserver when it starts (flask worker),
        # so a build in it never waits for WeasyPrint and the fonts to load: do the same.
        from campaign.pdf.build import start_rendering_server

        renderer_seconds = start_rendering_server() if args["workers"] > 0 else 0.0
        started = time.perf_counter()
        with app.test_request_context():
            content = packets.gather(db.session, campaign, deadlines.hearings(campaign)[0])
        gather_seconds = time.perf_counter() - started
        del content
        seconds, packet = build()
        report = {
            "seconds": seconds,
            "gather": gather_seconds,
            "renderer": renderer_seconds,
            "pages": packet.pages,
            "bytes": packet.size_bytes,
            "rendered": packet.counts["chunks_rendered"],
            "cached": packet.counts["chunks_cached"],
            "worker_mb": packet.counts["worker_peak_rss_mb"],
            "cpu": cpu_lines[-1],
        }
        if args.get("rebuild_new"):
            riverton.bulk(db.session, riverton.OPEN_SLUG, args["rebuild_new"], 0, seed=77)
            db.session.commit()
            seconds, again = build()
            report["rebuild"] = {
                "seconds": seconds,
                "pages": again.pages,
                "rendered": again.counts["chunks_rendered"],
                "cached": again.counts["chunks_cached"],
                "cpu": cpu_lines[-1],
            }
    report["own_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    queue.put(report)


def _cpu(report: dict) -> str:
    here, workers = report["cpu"]
    return f"CPU {here:.1f} s build process + {workers:.1f} s rendering workers"


def _renderer(report: dict) -> str:
    return (
        f"the rendering workers' forkserver was started {report['renderer']:.1f} s before, "
        "as the job worker does when it starts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("a", "b"))
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="packet-e2e-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    try:
        if options.only in (None, "a"):
            args = {
                "signatures": 10_000,
                "testimonies": 200,
                "words": 400,
                "workers": options.workers,
                "instance": str(scratch / "a"),
            }
            report = packet_render.run_in_child(_scenario, args)
            print(
                f"(a) 10,000 + 200 through the service: {report['seconds']:.1f} s build "
                f"(includes {report['gather']:.1f} s reading the database), "
                f"{report['pages']:,} pages, "
                f"{report['bytes'] / 1e6:.1f} MB, peak RSS {report['own_mb']:.0f} MB build "
                f"process, {report['worker_mb']:.0f} MB largest rendering worker; "
                f"{_cpu(report)}; {_renderer(report)}",
                flush=True,
            )
            naive = packet_render.run_in_child(
                packet_render._naive,
                {
                    "signatures": 10_000,
                    "testimonies": 200,
                    "words": 400,
                    "out": str(scratch / "a-naive.pdf"),
                },
            )
            print(
                f"(a) naive single document, roster as <table>: {naive['seconds']:.1f} s, "
                f"{naive['pages']:,} pages, peak RSS {naive['own_mb']:.0f} MB",
                flush=True,
            )
            rendering = report["seconds"] - report["gather"]
            print(
                f"(a) speed-up: {naive['seconds'] / report['seconds']:.1f}x with the database "
                f"read, {naive['seconds'] / rendering:.1f}x for the rendering alone (the naive "
                f"render reads no database) (target >= 10x)",
                flush=True,
            )
        if options.only in (None, "b"):
            args = {
                "signatures": 100_000,
                "testimonies": 1_000,
                "words": 400,
                "workers": options.workers,
                "instance": str(scratch / "b"),
                "rebuild_new": 100,
            }
            before = packet_render.run_in_child(
                packet_render._shared_naive, packet_render.NAIVE_BASELINE
            )
            report = packet_render.run_in_child(_scenario, args)
            after = packet_render.run_in_child(
                packet_render._shared_naive, packet_render.NAIVE_BASELINE
            )
            print(
                f"(b) this machine's speed: the naive baseline (1,000 signatures + 50 "
                f"testimonies, one document) took {before['seconds']:.1f} s before and "
                f"{after['seconds']:.1f} s after",
                flush=True,
            )
            print(
                f"(b) 100,000 + 1,000 through the service: {report['seconds']:.1f} s build "
                f"(target <= 60 s; includes {report['gather']:.1f} s reading the database), "
                f"{report['pages']:,} pages, {report['bytes'] / 1e6:.1f} MB, peak RSS "
                f"{report['own_mb']:.0f} MB build process, {report['worker_mb']:.0f} MB largest "
                f"rendering worker (target: no process > 500 MB); {_cpu(report)}; "
                f"{_renderer(report)}",
                flush=True,
            )
            again = report["rebuild"]
            print(
                f"(b) rebuild after 100 new signatures: {again['seconds']:.1f} s "
                f"(target <= 10 s), {again['rendered']} chunks re-rendered, "
                f"{again['cached']} reused; {_cpu(again)}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
