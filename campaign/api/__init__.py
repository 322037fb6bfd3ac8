"""Public JSON API: aggregate numbers only, never personal data."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from campaign.api import views  # noqa: E402,F401
