"""The public sign-on form for organizations joining a campaign's coalition."""

from flask import Blueprint

bp = Blueprint("coalition", __name__)

from campaign.coalition import views  # noqa: E402,F401
