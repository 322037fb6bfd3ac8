"""A canary web server on 127.0.0.1: anything the PDF renderer fetches shows up in `requests`."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator


class CanaryServer:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """Absolute URL of `path` on the canary."""
        return f"http://{self.host}/{path.lstrip('/')}"


@contextlib.contextmanager
def running_canary() -> Iterator[CanaryServer]:
    """A started canary server, shut down afterwards; its `requests` must stay empty."""
    server = CanaryServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
