"""Packet benchmark, end to end: the CLI build timed from process start, beside the naive packet.

    .venv/bin/python benchmarks/packet.py [--only a|b] [--workers 2] [--untagged] [--rounds 3]

Every figure is the wall time of a whole process, from its start to its exit, on a database
prepared beforehand (the demo's bulk loader, in a fresh SQLite instance folder):

- the naive packet: `benchmarks/naive_packet.py 10000 200` (one WeasyPrint document holding
  the whole roster and every testimony; copied from the shared baseline) in its own process,
  timed in the same run, before the builds. The targets are ratios to it.
- (a) 10,000 signatures + 200 testimonies: `flask --app campaign packet build` (reading the
  database, rendering in 2 processes, merging, writing), cold (no cache). Target: at least
  10x faster than the naive packet.
- (b) 100,000 signatures + 1,000 testimonies of about 400 words, tagged (the default), cold:
  at most 0.6 of the naive packet's time, no process above 500 MB; then 100 new signatures
  are added and the CLI builds again: at most 10 s.

The largest process is found by reading the peak resident size (VmHWM) of the CLI process and
every process under it (forkserver, rendering workers) from /proc every 0.2 s. Prints
figures; asserts nothing. benchmarks/packet_render.py measures the PDF engine alone.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import packet_render  # noqa: E402  (beside this file)

SLUG = "riverton-arrest-data"


def _load(args: dict, queue) -> None:
    """Fill a fresh instance's database: the demo, then the bulk signatures and testimony."""
    os.environ["CAMPAIGN_INSTANCE_PATH"] = args["instance"]
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.demo import riverton
    from campaign.extensions import db

    app = create_app()
    with app.app_context():
        if args.get("fresh", True):
            upgrade()
            riverton.load(db.session)
        riverton.bulk(
            db.session,
            riverton.OPEN_SLUG,
            args["signatures"],
            args["testimonies"],
            seed=args.get("seed", 5),
            words=args.get("words", 400),
        )
        db.session.commit()
    queue.put({})


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        found.add(pid)
        stack.extend(children.get(pid, ()))
    return found


def _peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            found = re.search(r"^VmHWM:\s+(\d+) kB", handle.read(), re.M)
    except OSError:
        return 0
    return int(found[1]) if found else 0


def timed(command: list[str], env: dict[str, str]) -> dict:
    """Run a command; its wall time from start to exit and the largest process's peak RSS.

    The time ends when the command's process exits, as a shell prompt comes back: its output
    goes to a file, not a pipe, whose end-of-file would also wait for every process that
    inherited it (the rendering processes' forkserver ends just after the command)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        seconds, peaks, returncode = _watched(command, env, log)
        log.seek(0)
        output = log.read()
    if returncode != 0:
        raise RuntimeError(f"{command} failed:\n{output[-3000:]}")
    ordered = sorted(peaks.values(), reverse=True)
    return {
        "seconds": seconds,
        "output": output,
        "largest_mb": (ordered[0] if ordered else 0) / 1024,
        "processes": len(peaks),
    }


def _watched(command: list[str], env: dict[str, str], log) -> tuple[float, dict[int, int], int]:
    """Seconds from start to exit, each process's peak RSS (kB), and the exit status."""
    peaks: dict[int, int] = {}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid in _descendants(process.pid):
                peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    process.wait()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    return seconds, peaks, process.returncode


def _env(instance: Path, tagged: bool) -> dict[str, str]:
    env = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(instance), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    env["CAMPAIGN_PACKET_TAGGED"] = "true" if tagged else "false"
    return env


def cli_build(instance: Path, out: Path, workers: int, tagged: bool) -> dict:
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "campaign", "packet", "build", SLUG, "--out", str(out)]
    report = timed([*command, "--workers", str(workers)], _env(instance, tagged))
    found = re.search(r"Wrote .*: ([\d,]+) pages, ([\d,]+) bytes", report["output"])
    report["pages"] = int(found[1].replace(",", "")) if found else 0
    report["bytes"] = int(found[2].replace(",", "")) if found else 0
    return report


def naive(signatures: int, testimonies: int) -> dict:
    """The naive packet in its own process, timed from start; its own render and write too."""
    command = [sys.executable, str(ROOT / "benchmarks" / "naive_packet.py")]
    report = timed([*command, str(signatures), str(testimonies)], dict(os.environ))
    found = re.search(r"pages=(\d+) layout=([\d.]+)s write=([\d.]+)s", report["output"])
    report["pages"] = int(found[1]) if found else 0
    report["render"] = float(found[2]) + float(found[3]) if found else 0.0
    return report


def _line(name: str, report: dict) -> str:
    return (
        f"{name}: {report['seconds']:.1f} s from process start, {report['pages']:,} pages, "
        f"{report.get('bytes', 0) / 1e6:.1f} MB, largest process {report['largest_mb']:.0f} MB "
        f"(of {report['processes']})"
    )


def _round(scratch: Path, wanted: list[str], workers: int, tagged: bool) -> None:
    """The naive packet, then each wanted build cold, on a fresh copy of its database."""
    reference = naive(10_000, 200)
    print(
        f"naive 10,000 + 200: {reference['seconds']:.1f} s from process start "
        f"({reference['render']:.1f} s its render and write), {reference['pages']:,} pages, "
        f"largest process {reference['largest_mb']:.0f} MB",
        flush=True,
    )
    base = reference["seconds"]
    kind = "tagged" if tagged else "untagged"
    for key in wanted:
        instance = scratch / f"{key}-run"
        shutil.rmtree(instance, ignore_errors=True)
        shutil.copytree(scratch / key, instance)  # no packet cache: a cold build
        report = cli_build(instance, scratch / f"{key}.pdf", workers, tagged)
        if key == "a":
            print(_line(f"(a) 10,000 + 200, {kind}, cold, CLI", report), flush=True)
            print(f"(a) naive / ours: {base / report['seconds']:.1f}x (target >= 10x)", flush=True)
            continue
        print(_line(f"(b) 100,000 + 1,000, {kind}, cold, CLI", report), flush=True)
        print(
            f"(b) ours / naive: {report['seconds'] / base:.2f} (target <= 0.60; "
            f"largest process target <= 500 MB)",
            flush=True,
        )
        packet_render.run_in_child(
            _load,
            {
                "instance": str(instance),
                "signatures": 100,
                "testimonies": 0,
                "fresh": False,
                "seed": 77,
            },
        )
        again = cli_build(instance, scratch / "b2.pdf", workers, tagged)
        print(
            _line("(b) rebuild after 100 new signatures, CLI", again) + " (target <= 10 s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("a", "b"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--untagged", action="store_true", help="build the untagged packet")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the timed runs")
    options = parser.parse_args()
    # A deployment has its bytecode compiled; this sandbox may forbid writing it
    # (PYTHONDONTWRITEBYTECODE), and every process would compile the app again.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "campaign")], check=True)
    tagged = not options.untagged
    scratch = Path(tempfile.mkdtemp(prefix="packet-e2e-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    try:
        sizes = {"a": (10_000, 200), "b": (100_000, 1_000)}
        wanted = [options.only] if options.only else ["a", "b"]
        for key in wanted:  # the databases first: loading is not timed
            signatures, testimonies = sizes[key]
            packet_render.run_in_child(
                _load,
                {
                    "instance": str(scratch / key),
                    "signatures": signatures,
                    "testimonies": testimonies,
                },
            )
        for number in range(1, options.rounds + 1):
            if options.rounds > 1:
                print(f"-- round {number} of {options.rounds}", flush=True)
            _round(scratch, wanted, options.workers, tagged)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
