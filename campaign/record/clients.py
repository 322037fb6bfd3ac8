"""The council clients a site follows, from the RECORD_CLIENTS setting.

RECORD_CLIENTS = {"phila": {"provider": "legistar",
                            "base_url": "https://webapi.legistar.com/v1/phila",
                            "token": None, "council_body": "City Council", ...}}

Each entry names its provider ("legistar" or "ical") and how to ask it (FetchSettings' names:
timeout, retries, backoff, requests_per_second, cache_seconds, max_pages, token). A client
with "demo": true is the fake council of campaign/record/fake_council.py, answered inside the
process; it exists only in development and testing (config.py adds "riverton" there).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from campaign.record import fake_council
from campaign.record.fetch import FetchSettings, RecordFetcher
from campaign.record.ical import ICalendarProvider
from campaign.record.legistar import LegistarProvider
from campaign.record.snapshot import RecordError, RecordProvider

DEMO_ENVIRONMENTS = ("development", "testing")
DEFAULT_COMMENT_RULE = "days_before_at:1:15:00"
DEFAULT_SPEAKER_RULE = "days_before_at:1:12:00"


@dataclass(frozen=True)
class CouncilClient:
    """One council as configured: its name, label, provider and the council's own rules."""

    name: str
    label: str
    provider: str
    options: dict[str, Any]

    @property
    def comment_rule(self) -> str | None:
        return self.options.get("comment_rule", DEFAULT_COMMENT_RULE)

    @property
    def speaker_rule(self) -> str | None:
        return self.options.get("speaker_rule", DEFAULT_SPEAKER_RULE)


def configured(setting: dict[str, Any] | None, env_name: str) -> dict[str, CouncilClient]:
    """The usable clients, by name (demo clients only where demos may run)."""
    found = {}
    for name, options in (setting or {}).items():
        if not isinstance(options, dict):
            continue
        if options.get("demo") and env_name not in DEMO_ENVIRONMENTS:
            continue
        found[name] = CouncilClient(
            name,
            str(options.get("label") or name),
            str(options.get("provider", "legistar")),
            options,
        )
    return found


_demo_councils: dict[str, fake_council.FakeCouncil] = {}


def demo_council(today: date | None = None) -> fake_council.FakeCouncil:
    """The fake Riverton council this process answers from, made once (tests replace it)."""
    if "riverton" not in _demo_councils:
        _demo_councils["riverton"] = fake_council.riverton(today or fake_council.riverton_today())
    return _demo_councils["riverton"]


def use_demo_council(council: fake_council.FakeCouncil | None) -> None:
    """Answer the demo client from this council from now on (None: a fresh one on next use)."""
    _demo_councils.pop("riverton", None)
    if council is not None:
        _demo_councils["riverton"] = council


def _demo_app(state_file: str | None):
    """The fake council as a WSGI app inside this process: from its state file (made on first
    use) when one is configured, else the process's own."""

    def answer(environ, start_response):
        if not state_file:
            return demo_council().wsgi(environ, start_response)
        path = Path(state_file)
        if not path.exists():
            fake_council.riverton(fake_council.riverton_today()).save(path)
        return fake_council.FakeCouncil.load(path).wsgi(environ, start_response)

    return answer


def _settings(client: CouncilClient) -> FetchSettings:
    names = {f.name for f in fields(FetchSettings)} - {"transport"}
    values = {k: v for k, v in client.options.items() if k in names}
    settings = FetchSettings(**values)
    if client.options.get("demo"):
        state_file = client.options.get("state_file")
        settings.transport = httpx.WSGITransport(app=_demo_app(state_file))
        settings.backoff = 0
    return settings


def provider(client: CouncilClient) -> RecordProvider:
    """The provider that reads this client's record."""
    fetcher = RecordFetcher(client.name, _settings(client))
    options = client.options
    if client.provider == "legistar":
        base_url = options.get("base_url") or f"https://webapi.legistar.com/v1/{client.name}"
        return LegistarProvider(
            fetcher,
            base_url,
            council_body=options.get("council_body"),
            matter_page=options.get("matter_page"),
        )
    if client.provider == "ical" and options.get("feed_url"):
        return ICalendarProvider(fetcher, options["feed_url"])
    raise RecordError(f"client {client.name!r} is not configured", code="record_not_configured")
