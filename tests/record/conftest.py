"""The fake Legistar server, started on a loopback port for each test that asks for it."""

from __future__ import annotations

import pytest

from campaign.record import fetch
from tests.record.fake_legistar import FakeLegistar, client_settings


@pytest.fixture
def legistar():
    server = FakeLegistar().start()
    fetch.clear_cache()
    yield server
    server.stop()
    fetch.clear_cache()


@pytest.fixture
def council_app(app, legistar):
    """The app following the fake council as client "riverton"."""
    app.config["RECORD_CLIENTS"] = {"riverton": client_settings(legistar)}
    return app
