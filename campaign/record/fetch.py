"""Fetching from a council's record over HTTP (httpx): timeouts, retries with backoff,
OData paging, a per-client rate limit and a keyed cache.

The cache keeps each answer for `cache_seconds` under the client, path and parameters, so a
sync of many campaigns following one council asks once per matter; a failure is never cached.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from campaign.record.snapshot import RecordError

PAGE_SIZE = 1000  # Legistar answers at most 1,000 rows a request
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_CACHED = 500  # answers kept per process before stale ones are dropped


@dataclass
class FetchSettings:
    """How one council client is asked: set per client in RECORD_CLIENTS."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubled for each next one
    requests_per_second: float = 2.0
    cache_seconds: float = 300.0
    max_pages: int = 50
    token: str | None = None
    transport: httpx.BaseTransport | None = field(default=None, repr=False)


class _Shared:
    """What the fetchers of one process share: the cache and each client's next free slot."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cache: dict[tuple, tuple[float, Any]] = {}
        self.next_slot: dict[str, float] = {}


_shared = _Shared()


def _forget_expired(now: float) -> None:
    """Drop stale answers (the caller holds the lock); all of them if none is stale."""
    stale = [key for key, (expires, _text) in _shared.cache.items() if expires <= now]
    for key in stale or list(_shared.cache):
        del _shared.cache[key]


def clear_cache() -> None:
    """Forget every cached answer (tests, and a lead's "sync now")."""
    with _shared.lock:
        _shared.cache.clear()


class RecordFetcher:
    """GETs JSON or text from one council client's record."""

    def __init__(
        self,
        client: str,
        settings: FetchSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.settings = settings
        self._sleep = sleep
        self._clock = clock

    # The public calls -------------------------------------------------------------------

    def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        """The decoded JSON answer; RecordError when it cannot be had or read."""
        text = self.get_text(url, params)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise RecordError(f"{url}: not JSON", code="record_malformed") from exc

    def get_rows(self, url: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every row of an OData listing, a page of $top rows at a time ($skip moves on)."""
        rows: list[dict[str, Any]] = []
        previous_first = None
        for page in range(self.settings.max_pages):
            query = {**(params or {}), "$top": str(PAGE_SIZE), "$skip": str(page * PAGE_SIZE)}
            batch = self.get_json(url, query)
            if not isinstance(batch, list) or not all(isinstance(r, dict) for r in batch):
                raise RecordError(f"{url}: not a list of rows", code="record_malformed")
            if batch and batch[0] == previous_first:
                raise RecordError(f"{url}: $skip is ignored", code="record_paging")
            rows += batch
            if len(batch) < PAGE_SIZE:
                return rows
            previous_first = batch[0]
        raise RecordError(f"{url}: more than {self.settings.max_pages} pages", code="record_paging")

    def get_text(self, url: str, params: dict[str, str] | None = None) -> str:
        """The answer's text, from the cache when it is fresh."""
        query = dict(params or {})
        if self.settings.token:
            query["token"] = self.settings.token
        key = (self.client, url, tuple(sorted(query.items())))
        now = self._clock()
        with _shared.lock:
            cached = _shared.cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        text = self._with_retries(url, query)
        with _shared.lock:
            if len(_shared.cache) >= MAX_CACHED:
                _forget_expired(now)
            _shared.cache[key] = (self._clock() + self.settings.cache_seconds, text)
        return text

    # How ------------------------------------------------------------------------------

    def _with_retries(self, url: str, query: dict[str, str]) -> str:
        last: RecordError | None = None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self._sleep(self.settings.backoff * 2 ** (attempt - 1))
            try:
                return self._once(url, query)
            except RecordError as error:
                if not error.details.pop("retry", False):
                    raise
                last = error
        assert last is not None
        raise last

    def _once(self, url: str, query: dict[str, str]) -> str:
        self._wait_for_slot()
        try:
            with httpx.Client(
                timeout=self.settings.timeout, transport=self.settings.transport
            ) as http:
                response = http.get(url, params=query, headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise RecordError(f"{url}: timed out", code="record_timeout", retry=True) from exc
        except httpx.HTTPError as exc:
            raise RecordError(f"{url}: {exc}", code="record_unreachable", retry=True) from exc
        if response.status_code == 404:
            raise RecordError(f"{url}: not found", code="record_not_found")
        if response.status_code != 200:
            raise RecordError(
                f"{url}: HTTP {response.status_code}",
                code="record_http_error",
                status=response.status_code,
                retry=response.status_code in RETRY_STATUSES,
            )
        return response.text

    def _wait_for_slot(self) -> None:
        """At most `requests_per_second` requests to one client from this process."""
        rate = self.settings.requests_per_second
        if rate <= 0:
            return
        with _shared.lock:
            now = self._clock()
            slot = max(now, _shared.next_slot.get(self.client, now))
            _shared.next_slot[self.client] = slot + 1.0 / rate
        if slot > now:
            self._sleep(slot - now)
