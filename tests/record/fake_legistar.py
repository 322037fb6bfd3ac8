"""A fake Legistar Web API on a loopback port, with the faults a real council's has.

It serves campaign/record/fake_council.py's Riverton record (built from Legistar's documented
fields) under /v1/riverton/..., the same meetings as an iCalendar feed at /calendar.ics, and
can be made to fail: "slow" (answers after the client's timeout), "503", "malformed" (not
JSON), "endless" (every page full, never the last). "Down" is an address nobody listens on.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import date

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from campaign.record import fake_council

SLOW_SECONDS = 2.0


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs) -> None:  # the tests read the requests, not a log
        pass


class FakeLegistar:
    """The server; `council` is the record it answers from, `fault` the failure it plays."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or fake_council.riverton_today()
        self.council = fake_council.riverton(self.today)
        self.fault: str | None = None
        self.ics = fake_council.riverton_ics(self.today)
        self._stop = threading.Event()
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/riverton"

    @property
    def ics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/calendar.ics"

    @property
    def requests(self) -> list[str]:
        return self.council.requests

    def start(self) -> FakeLegistar:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if self.fault == "slow":
            self._stop.wait(SLOW_SECONDS)
        if self.fault == "503":
            self.council.requests.append(request.full_path)
            response = Response("<h1>Service Unavailable</h1>", status=503, mimetype="text/html")
        elif self.fault == "malformed":
            self.council.requests.append(request.full_path)
            response = Response('[{"MatterId": 1,', mimetype="application/json")
        elif self.fault == "endless" and "$top" in request.args:
            self.council.requests.append(request.full_path)
            skip = int(request.args.get("$skip", "0"))
            rows = [{"EventId": skip + n, "EventDate": "2026-01-01T00:00:00"} for n in range(1000)]
            response = Response(json.dumps(rows), mimetype="application/json")
        elif request.path == "/calendar.ics":
            response = Response(self.ics, mimetype="text/calendar")
        else:
            return self.council.wsgi(environ, start_response)
        return response(environ, start_response)


def unused_url() -> str:
    """An address on the loopback where nothing listens: the council's server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/riverton"


def client_settings(server: FakeLegistar, **overrides) -> dict:
    """RECORD_CLIENTS' entry for the fake council: short timeouts, no waiting between tries."""
    settings = {
        "provider": "legistar",
        "label": "Riverton (fake)",
        "base_url": server.base_url,
        "council_body": fake_council.COUNCIL_BODY,
        "timeout": 0.5,
        "retries": 1,
        "backoff": 0,
        "requests_per_second": 0,
        "cache_seconds": 0,
        "max_pages": 3,
    }
    settings.update(overrides)
    return settings
