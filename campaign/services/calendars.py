"""Calendar feeds, as data: which campaigns and deadlines a feed holds, and the secret token
of a staff member's private feed. The feeds themselves are written by campaign/schedule/feeds.py.

The private feed is reached by a secret URL. Only a keyed hash of its token is stored
(User.calendar_token_hash); the token itself is shown once, and a new one replaces it.
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from campaign.crypto import keyring
from campaign.models import Campaign, CampaignStatus, Membership, User
from campaign.services import NotFound, audit
from campaign.services.campaigns import PUBLIC_STATUSES

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
SLUG_PATTERN = re.compile(r"[^\x00-\x1f/]{2,80}")


def public_campaign(session: Session, slug: str) -> Campaign:
    """A campaign whose public feed exists (not a draft), or NotFound."""
    if not SLUG_PATTERN.fullmatch(slug or ""):
        raise NotFound(slug)  # never sent to the database: PostgreSQL refuses NUL bytes
    campaign = session.scalar(
        sa.select(Campaign)
        .where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Campaign.deadlines), selectinload(Campaign.decision))
    )
    if campaign is None:
        raise NotFound(slug)
    return campaign


def staff_campaigns(session: Session, user: User) -> list[Campaign]:
    """Every campaign on a staff member's private feed: their campaigns (all for an admin)."""
    query = (
        sa.select(Campaign)
        .options(selectinload(Campaign.deadlines), selectinload(Campaign.decision))
        .where(Campaign.status != CampaignStatus.ARCHIVED)
        .order_by(Campaign.id)
    )
    if not user.is_admin:
        query = query.join(Membership, Membership.campaign_id == Campaign.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(query).unique())


# The secret token of the private feed ------------------------------------------------------


def token_hash(token: str) -> str:
    """The keyed hash stored for a calendar token (never the token itself)."""
    return keyring().keyed_hash("calendar", token)


def issue_token(session: Session, user: User) -> str:
    """A new secret token for the person's private feed; the old one stops working. The token
    is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    had_token = user.calendar_token_hash is not None
    user.calendar_token_hash = token_hash(token)
    audit.record(
        session,
        "calendar.token_replaced" if had_token else "calendar.token_issued",
        actor=user,
        target_type="user",
        target_id=user.id,
    )
    session.flush()
    return token


def revoke_token(session: Session, user: User) -> bool:
    """Stop the person's private feed; True if there was one."""
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    audit.record(
        session, "calendar.token_revoked", actor=user, target_type="user", target_id=user.id
    )
    session.flush()
    return True


def user_for_token(session: Session, token: str) -> User:
    """The active staff member whose private feed this token opens, or NotFound."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise NotFound("calendar")
    user = session.scalar(sa.select(User).where(User.calendar_token_hash == token_hash(token)))
    if user is None or not user.active:
        raise NotFound("calendar")
    return user
