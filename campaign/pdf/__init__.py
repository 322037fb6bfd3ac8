"""Hearing-packet PDF engine: plain packet content in, a numbered, bookmarked PDF out.

The service layer builds a PacketContent (already filtered for visibility and moderation,
already localized; PacketLabels carries the packet's fixed wording) and calls::

    result = build_packet(content, out_path, cache_dir=..., workers=2, progress=report)

How it works (see docs/measured.md for why): the packet is split into segments (cover and
contents, totals, endorsements, one per testimony, one per roster page, methods), each
cached under the hash of its HTML; missing ones are rendered in batches by `workers`
processes (forkserver, safe from threaded callers), then merged with pypdf, which also
stamps "page X of Y", draws the shared footer, adds bookmarks, contents links and metadata.
A rebuild lays out again only the roster pages whose signers changed: the cache's layouts/
remembers each page by a hash of the entries that decided it, with its chunk's key.
The file appears at out_path only once complete (temporary file + os.replace).

Notes for callers:
- The cache holds rendered names: give each campaign its own cache_dir and delete it when
  the campaign's personal data is purged. Chunks unused for 14 days are pruned.
- Rendering fetches nothing but static/pdf/ assets (PacketURLFetcher) and never embeds
  files. render_html_to_pdf() renders other printable pages (e.g. sign-up sheets) the
  same way: images must be inline SVG, and links are not kept.
- Bundled fonts cover Latin, Vietnamese, Greek, Cyrillic, Arabic, Hebrew, Chinese and
  Japanese; Korean and Indic scripts print as empty boxes.

Importing this package loads none of its modules: each name below is imported from its
module when first used. So `campaign.pdf.processes` (the standard library only) can start
the rendering processes' server before the process imports WeasyPrint (the packet CLI does).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import PacketRenderError, PacketResult, build_packet
    from .content import (
        DistrictTotal,
        EndorsementEntry,
        FormLetterEntry,
        FormLetterSender,
        PacketContent,
        PacketLabels,
        Roster,
        RosterEntry,
        RosterReadFailed,
        TestimonyEntry,
        TestimonyGroup,
        ZipTotal,
    )
    from .fetcher import RefusedURLError
    from .render import render_html_to_pdf
    from .url_fetcher import PacketURLFetcher

_HOMES = {
    "PacketRenderError": "build",
    "PacketResult": "build",
    "build_packet": "build",
    "DistrictTotal": "content",
    "EndorsementEntry": "content",
    "FormLetterEntry": "content",
    "FormLetterSender": "content",
    "PacketContent": "content",
    "PacketLabels": "content",
    "Roster": "content",
    "RosterEntry": "content",
    "RosterReadFailed": "content",
    "TestimonyEntry": "content",
    "TestimonyGroup": "content",
    "ZipTotal": "content",
    "PacketURLFetcher": "url_fetcher",
    "RefusedURLError": "fetcher",
    "render_html_to_pdf": "render",
}

__all__ = [
    "DistrictTotal",
    "EndorsementEntry",
    "FormLetterEntry",
    "FormLetterSender",
    "PacketContent",
    "PacketLabels",
    "PacketRenderError",
    "PacketResult",
    "PacketURLFetcher",
    "RefusedURLError",
    "Roster",
    "RosterEntry",
    "RosterReadFailed",
    "TestimonyEntry",
    "TestimonyGroup",
    "ZipTotal",
    "build_packet",
    "render_html_to_pdf",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # looked up once
    return value
