"""The WeasyPrint URL fetcher of the packet renderer: bundled assets only (fetcher.py's rules).

In a module of its own because it subclasses WeasyPrint's fetcher: render.py imports it when
it first renders, so a process that never renders (the packet CLI, which leaves rendering to
its workers) never loads WeasyPrint.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .fetcher import _SERVED_TYPES, ASSET_SCHEME, STATIC_PDF_DIR, RefusedURLError, resolve_asset


class PacketURLFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves only static/pdf/ assets and refuses the rest."""

    def __init__(self, root: Path = STATIC_PDF_DIR) -> None:
        # No handlers are used: fetch() below never reaches urllib.
        super().__init__(allowed_protocols=(ASSET_SCHEME,), allow_redirects=False)
        self.root = root
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Serve a bundled asset, or raise RefusedURLError (WeasyPrint then skips the resource)."""
        try:
            path = resolve_asset(url, self.root)
        except RefusedURLError:
            self.refused.append(url[:200] if isinstance(url, str) else repr(url))
            raise
        content_type = _SERVED_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path)[0]
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": content_type or "application/octet-stream"}
        )

    def open(self, url, data=None, timeout=None):  # type: ignore[no-untyped-def]  # noqa: ANN001
        """Route urllib-style calls through fetch() so no urllib handler can ever run."""
        full_url = getattr(url, "full_url", url)
        return self.fetch(full_url)
