"""Staff accounts: creation, passwords, roles per campaign."""

from __future__ import annotations

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from campaign.models import Campaign, Membership, Role, User
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


class WeakPassword(DomainError):
    """The password is too short to protect residents' personal data."""

    code = "password_too_short"


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True if the password is the user's; never raises on a bad hash."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str) -> None:
    """Change a password and end every session of the account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"use at least {MIN_PASSWORD_LENGTH} characters", min=MIN_PASSWORD_LENGTH
        )
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: str,
    campaign_slug: str | None = None,
    name: str = "",
) -> User:
    """Create a staff account (admin, or lead/organizer of one campaign); flushes, no commit."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DomainError("that is not an email address", code="email_invalid")
    if session.scalar(sa.select(User).where(User.email == email)):
        raise DomainError(f"an account for {email} already exists", code="account_exists")
    user = User(email=email, name=name, is_admin=role == "admin", session_version=0)
    set_password(session, user, password)
    session.add(user)
    if role in (Role.LEAD, Role.ORGANIZER):
        if not campaign_slug:
            raise DomainError(
                "a lead or organizer belongs to a campaign: give --campaign",
                code="campaign_required",
            )
        grant(session, user, campaign_slug, Role(role))
    elif role != "admin":
        raise DomainError("role must be admin, lead or organizer", code="role_unknown")
    session.flush()
    return user


def grant(session: Session, user: User, campaign_slug: str, role: Role) -> Membership:
    """Give a person a role in a campaign (or change the role they have)."""
    campaign = session.scalar(sa.select(Campaign).where(Campaign.slug == campaign_slug))
    if campaign is None:
        raise NotFound(f"no campaign with slug {campaign_slug!r}")
    for membership in user.memberships:
        if membership.campaign_id == campaign.id:
            membership.role = role
            return membership
    membership = Membership(user=user, campaign_id=campaign.id, role=role)
    session.add(membership)
    return membership


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with this email and password, or None (same cost either way)."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        # Hash anyway so a wrong email takes as long as a wrong password.
        _hasher.hash(password)
        return None
    if not check_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user
