"""The only way the packet renderer can load anything: bundled assets under static/pdf/.

WeasyPrint's default fetcher follows http(s), file: and data: URLs found in HTML and CSS and
embeds `rel=attachment` targets into the PDF. Packet pages carry residents' text, so the
renderer gets this fetcher instead (url_fetcher.PacketURLFetcher, over the rules here): it
serves the packet stylesheet and bundled fonts through an internal scheme and refuses every
other URL before any I/O happens. This module imports no WeasyPrint, so that a process that
only plans or merges packets never loads it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ASSET_SCHEME = "packet-asset"
ASSET_PREFIX = f"{ASSET_SCHEME}:"
STATIC_PDF_DIR = Path(__file__).resolve().parents[2] / "static" / "pdf"

# Only these kinds of file are ever served, so a stray file dropped under static/pdf/
# (a README, a PDF) cannot be pulled into a packet.
_SERVED_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class RefusedURLError(ValueError):
    """A URL outside the packet's bundled assets was requested."""


def asset_url(relative: str) -> str:
    """URL under which the renderer serves a file of static/pdf/ (e.g. "fonts/x.ttf")."""
    return ASSET_PREFIX + relative


def resolve_asset(url: str, root: Path = STATIC_PDF_DIR) -> Path:
    """Path of the bundled file a packet-asset: URL names; RefusedURLError for anything else."""
    if not isinstance(url, str) or not url.startswith(ASSET_PREFIX):
        raise RefusedURLError(f"refused URL outside the packet assets: {url[:200]!r}")
    relative = url[len(ASSET_PREFIX) :].lstrip("/")
    if not relative or any(ch in relative for ch in "?#%\\\x00"):
        raise RefusedURLError(f"refused malformed packet asset URL: {url[:200]!r}")
    root = root.resolve()
    candidate = (root / relative).resolve()
    # resolve() follows symlinks, so a link pointing out of static/pdf/ is refused too.
    if root not in candidate.parents or not candidate.is_file():
        raise RefusedURLError(f"no such packet asset: {url[:200]!r}")
    if candidate.suffix.lower() not in _SERVED_TYPES:
        raise RefusedURLError(f"packet asset type not served: {url[:200]!r}")
    return candidate


def assets_fingerprint(root: Path = STATIC_PDF_DIR) -> str:
    """Hash of every served asset, so editing the stylesheet or a font invalidates the cache."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in _SERVED_TYPES:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\x00")
            if path.suffix.lower() == ".css":
                digest.update(path.read_bytes())
            else:
                # Font files are large and rarely change: size is a cheap, adequate proxy.
                digest.update(str(path.stat().st_size).encode())
            digest.update(b"\x00")
    return digest.hexdigest()
