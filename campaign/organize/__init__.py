"""Staff pages for organizers and campaign leads (under /organize)."""

from flask import Blueprint

bp = Blueprint("organize", __name__)

from campaign.organize import (  # noqa: E402,F401
    coalition_views,
    exports_views,
    form_letter_views,
    fraud_views,
    moderation_views,
    paper_views,
    record_views,
    roster_views,
    setup_views,
    speaker_list_views,
    views,
)
