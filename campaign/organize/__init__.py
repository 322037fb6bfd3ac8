"""Staff pages for organizers and campaign leads (under /organize)."""

from flask import Blueprint

bp = Blueprint("organize", __name__)

from campaign.organize import views  # noqa: E402,F401
