"""The production server configuration never logs client addresses."""

from __future__ import annotations

import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def test_access_log_has_no_client_address():
    settings = runpy.run_path(str(CONFIG))
    log_format = settings["access_log_format"]
    for address_atom in ("%(h)s", "X-Forwarded-For", "x-forwarded-for", "%({x-real-ip}i)s"):
        assert address_atom not in log_format
    assert "%(U)s" in log_format and "%(q)s" not in log_format  # no query strings either
