"""Public pages: what residents read before they sign or testify."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from campaign.public import views  # noqa: E402,F401
