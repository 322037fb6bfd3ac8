"""The Riverton demo follows the fake Riverton council's record, served by the app itself in
development (campaign/config.py adds the "riverton" client there, never in production)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.demo import riverton
from campaign.models import Campaign, User
from campaign.record import fake_council
from campaign.services import decisions, record_sync

FOLLOWED = (
    (riverton.OPEN_SLUG, fake_council.OPEN_FILE),
    (riverton.CLOSED_SLUG, fake_council.CLOSED_FILE),
)


def follow_council(session: Session) -> list[str]:
    """Tie the Riverton campaigns to their files in the demo council's record (the closed
    one's roll-call vote shows beside the members' positions); the slugs that now follow it.
    Nothing when the council is not configured here (production) or they already follow."""
    if fake_council.CLIENT not in record_sync.council_clients():
        return []
    lead = session.scalar(sa.select(User).where(User.email == riverton.LEAD_EMAIL))
    followed = []
    for slug, file_number in FOLLOWED:
        campaign = session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        if campaign is None or record_sync.link_of(session, campaign) is not None:
            continue
        snapshot = record_sync.read_record(fake_council.CLIENT, file_number)
        typed = {n: getattr(campaign.decision, n) for n in decisions.DECISION_FIELDS}
        record_sync.follow(
            session,
            campaign,
            snapshot,
            client_name=fake_council.CLIENT,
            file_number=file_number,
            actor=lead,
            reviewed={n: str(typed[n]) for n in record_sync.DECISION_ITEMS},
        )
        followed.append(slug)
    return followed
