"""Hearing-packet PDF engine: plain packet content in, a numbered, bookmarked PDF out.

The service layer builds a PacketContent (already filtered for visibility and moderation,
already localized) and calls build_packet(). render_html_to_pdf() renders other printable
pages (e.g. sign-up sheets) with the same locked-down fetcher and bundled fonts.
"""

from .build import PacketRenderError, PacketResult, build_packet
from .content import (
    DistrictTotal,
    EndorsementEntry,
    PacketContent,
    PacketLabels,
    RosterEntry,
    TestimonyEntry,
    TestimonyGroup,
    ZipTotal,
)
from .fetcher import PacketURLFetcher, RefusedURLError
from .render import render_html_to_pdf

__all__ = [
    "DistrictTotal",
    "EndorsementEntry",
    "PacketContent",
    "PacketLabels",
    "PacketRenderError",
    "PacketResult",
    "PacketURLFetcher",
    "RefusedURLError",
    "RosterEntry",
    "TestimonyEntry",
    "TestimonyGroup",
    "ZipTotal",
    "build_packet",
    "render_html_to_pdf",
]
