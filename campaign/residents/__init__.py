"""Residents: sign, confirm by email, testify, view/edit/withdraw testimony."""

from flask import Blueprint

bp = Blueprint("residents", __name__)

from campaign.residents import views  # noqa: E402,F401
