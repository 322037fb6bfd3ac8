"""Dates: calendar feeds and the lead's view of every deadline across campaigns."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)

from campaign.schedule import tasks, views  # noqa: E402,F401  (routes and periodic jobs)
