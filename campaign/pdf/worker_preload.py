"""Imported only by the rendering workers' forkserver: loads WeasyPrint and the fonts once.

Every worker is forked from the forkserver, so whatever is loaded here is already in memory
when a worker starts: the bundled fonts and parsed stylesheets are not loaded again for
each worker of each build. The forkserver is single-threaded, which keeps the fork safe.
"""

from .build import warm_up

warm_up()
