"""`flask --app campaign packet ...`: build hearing packets."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach this area's commands to the application."""
