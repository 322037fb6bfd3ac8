"""Fixtures for the staff area: a campaign with its team, cheap logins."""

from __future__ import annotations

import pytest

from campaign.models import Membership, Role, User
from campaign.services.accounts import hash_password
from tests.factories import make_campaign

_HASHES: dict[str, str] = {}


def staff_user(db, email: str, *, admin: bool = False, campaign=None, role: str | None = None):
    """A staff account whose password is email + " password" (hash computed once per email
    pattern, so tests do not spend their time in argon2)."""
    password = email + " password"
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        is_admin=admin,
        password_hash=_HASHES[password],
    )
    db.session.add(user)
    db.session.flush()
    if campaign is not None and role:
        db.session.add(Membership(user_id=user.id, campaign_id=campaign.id, role=Role(role)))
        db.session.flush()
    return user


@pytest.fixture
def team(db):
    """A campaign with a lead and an organizer, and another campaign with its own organizer."""
    campaign = make_campaign()
    other = make_campaign()
    people = {
        "campaign": campaign,
        "other": other,
        "lead": staff_user(db, "lead@team.example", campaign=campaign, role="lead"),
        "organizer": staff_user(db, "organizer@team.example", campaign=campaign, role="organizer"),
        "outsider": staff_user(db, "outsider@team.example", campaign=other, role="organizer"),
        "admin": staff_user(db, "admin@team.example", admin=True),
    }
    db.session.commit()
    return people
