"""Dates: `remind`, `purge`, closing campaigns whose time has come."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach this area's commands to the application."""
