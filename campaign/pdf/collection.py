"""Python's cyclic garbage collector while a packet is built: it runs less often.

A build keeps hundreds of thousands of objects alive until it ends (the roster's entries and
pages, the segment records, the merge's PDF objects) and makes few reference cycles. At
Python's default thresholds (700, 10, 10) the collector's full passes scan all of them again
and again as they accumulate: in the process that runs a rebuild of the 100,000-signature
packet, 9 full passes took 1.3 of its 7.2 CPU-seconds (HELPER_NOTES / BENCHMARKS.md). With
the rendering workers' thresholds it makes one.

The thresholds are the process's, so the first build to start sets them and the last to
finish puts back what it found (the job worker runs builds in two threads).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A young collection every 20,000 allocations instead of 700; the rendering workers use the
# same (worker_preload.py).
BUILD_THRESHOLDS = (20_000, 10, 10)

_lock = threading.Lock()
_builds = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage at BUILD_THRESHOLDS while the block runs (builds may overlap)."""
    global _builds, _saved
    with _lock:
        if _builds == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*BUILD_THRESHOLDS)
        _builds += 1
    try:
        yield
    finally:
        with _lock:
            _builds -= 1
            if _builds == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
