"""Imported only by the rendering workers' forkserver: loads WeasyPrint and the fonts once.

Every worker is forked from the forkserver, so whatever is loaded here is already in memory
when a worker starts: the bundled fonts and parsed stylesheets are not loaded again for
each worker of each build. The forkserver is single-threaded, which keeps the fork safe.

The packet's stand-ins for WeasyPrint functions (fast_paths.py) are installed here and
nowhere else: they replace library functions for a whole process, and the rendering workers
are the only processes that are the packet's alone.

Rendering makes millions of short-lived objects, and Python's cyclic garbage collector
scanned them (and every loaded module's objects) often enough to take about 7 % of a
testimony page's time. So what is loaded here is frozen out of the collector's view, and the
workers collect their youngest objects every 20,000 allocations instead of every 700 (the
largest worker of a 100,000-signature build grew from about 95 to 110 MB; BENCHMARKS.md).
"""

import gc
import logging

from . import fast_paths, shaping
from .build import warm_up
from .collection import BUILD_THRESHOLDS

fast_paths.install_all()
try:
    warm_up()
    shaping.preload()
except Exception:  # an exception here would kill the forkserver; let the batch report it
    logging.getLogger(__name__).exception("packet renderer warm-up failed")

gc.collect()
gc.freeze()
gc.set_threshold(*BUILD_THRESHOLDS)
