"""Roster pages painted (campaign/pdf/roster_paint.py): CPU per page; prints, asserts nothing.

    .venv/bin/python benchmarks/roster_pages.py [--signatures 100000] [--batch 32]

Lays out a sample roster (campaign.pdf.sample) as the packet does, then paints its pages in
batches as a rendering worker does (the faces preloaded, as the forkserver preloads them),
tagged and untagged, and prints the CPU time per page and the size of the chunk files.
WeasyPrint took about 95 ms of CPU per roster page (the same pages as three `<pre>` columns,
commit 07cd173, measured the same way: BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from campaign.pdf import shaping  # noqa: E402
from campaign.pdf.roster_paint import paint_to_file  # noqa: E402
from campaign.pdf.sample import make_content  # noqa: E402
from campaign.pdf.sections import plan_packet  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=32, help="pages per chunk (the build's)")
    options = parser.parse_args()
    shaping.preload()
    sheets = [
        s.sheet
        for s in plan_packet(make_content(options.signatures, 1, words=20)).segments
        if s.sheet is not None
    ]
    print(f"{options.signatures:,} signatures: {len(sheets)} roster pages", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        for tagged in (True, False, True):
            cpu, size = time.process_time(), 0
            for start in range(0, len(sheets), options.batch):
                path = Path(scratch) / f"{start}.pdf"
                paint_to_file(sheets[start : start + options.batch], path, tagged=tagged)
                size += path.stat().st_size
            spent = time.process_time() - cpu
            print(
                f"{'tagged' if tagged else 'untagged'}: {spent:.2f} CPU-s, "
                f"{1000 * spent / len(sheets):.1f} ms a page, {size / len(sheets) / 1024:.0f} kB "
                "a page in the chunks",
                flush=True,
            )


if __name__ == "__main__":
    main()
