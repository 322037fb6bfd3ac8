"""Hearing packets: build, follow progress, download (staff only)."""

from flask import Blueprint

bp = Blueprint("packets", __name__)

from campaign.packets import views  # noqa: E402,F401
