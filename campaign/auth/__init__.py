"""Staff accounts: log in, log out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from campaign.auth import views  # noqa: E402,F401
