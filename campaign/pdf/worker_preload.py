"""Imported only by the rendering workers' forkserver: loads WeasyPrint and the fonts once.

Every worker is forked from the forkserver, so whatever is loaded here is already in memory
when a worker starts: the bundled fonts and parsed stylesheets are not loaded again for
each worker of each build. The forkserver is single-threaded, which keeps the fork safe.
"""

import logging

from .build import warm_up

try:
    warm_up()
except Exception:  # an exception here would kill the forkserver; let the batch report it
    logging.getLogger(__name__).exception("packet renderer warm-up failed")
