"""Invariants hold in the database itself, not only in Python."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from campaign.models import (
    Membership,
    Role,
    SignatureStatus,
    Tally,
    User,
)
from tests.factories import make_campaign, make_endorsement, make_signature


def _fails(db, statement, params=None):
    with pytest.raises((IntegrityError, StatementError)), db.session.begin_nested():
        db.session.execute(sa.text(statement), params or {})


def test_one_signature_per_campaign_and_canonical_email(db):
    campaign = make_campaign()
    other = make_campaign()
    make_signature(campaign, email="Rosa.Lopez@Example.org")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_signature(campaign, email="  rosa.lopez+petition@example.org ")
    make_signature(other, email="rosa.lopez@example.org")  # another campaign: allowed
    db.session.commit()


def test_gmail_dots_are_the_same_person(db):
    campaign = make_campaign()
    make_signature(campaign, email="ana.maria@gmail.com")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_signature(campaign, email="anamaria@googlemail.com")


def test_bad_values_are_refused_by_the_database(db):
    campaign = make_campaign()
    signature = make_signature(campaign)
    db.session.commit()
    _fails(db, "UPDATE signature SET visibility = 'everyone' WHERE id = :id", {"id": signature.id})
    _fails(db, "UPDATE signature SET status = 'maybe' WHERE id = :id", {"id": signature.id})
    _fails(db, "UPDATE signature SET zip = '1' WHERE id = :id", {"id": signature.id})
    _fails(db, "UPDATE signature SET email_hash = 'short' WHERE id = :id", {"id": signature.id})
    _fails(db, "UPDATE signature SET verified_at = NULL WHERE id = :id", {"id": signature.id})
    _fails(
        db,
        "UPDATE signature SET status = 'invalidated', invalidated_reason = NULL WHERE id = :id",
        {"id": signature.id},
    )
    _fails(db, "UPDATE campaign SET goal = -1 WHERE id = :id", {"id": campaign.id})
    _fails(db, "UPDATE campaign SET slug = 'Upper-Case' WHERE id = :id", {"id": campaign.id})
    _fails(db, "UPDATE campaign SET status = 'paused' WHERE id = :id", {"id": campaign.id})
    _fails(db, "UPDATE campaign SET retention_days = -5 WHERE id = :id", {"id": campaign.id})
    _fails(db, "UPDATE campaign SET purge_hold = :t WHERE id = :id", {"id": campaign.id, "t": True})
    _fails(db, "UPDATE deadline SET kind = 'party' WHERE campaign_id = :id", {"id": campaign.id})
    _fails(
        db,
        "UPDATE deadline SET rule = 'hours_after:2' WHERE campaign_id = :id",
        {"id": campaign.id},
    )


def test_required_fields_are_not_null(db):
    campaign = make_campaign()
    db.session.commit()
    _fails(db, "UPDATE campaign SET ask = NULL WHERE id = :id", {"id": campaign.id})
    _fails(db, "UPDATE decision SET body = NULL WHERE campaign_id = :id", {"id": campaign.id})


def test_testimony_rules(db):
    from tests.factories import make_testimony

    campaign = make_campaign()
    testimony = make_testimony(campaign)
    other = make_testimony(campaign)
    db.session.commit()
    _fails(db, "UPDATE testimony SET status = 'rejected' WHERE id = :id", {"id": testimony.id})
    _fails(db, "UPDATE testimony SET position = 'maybe' WHERE id = :id", {"id": testimony.id})
    _fails(db, "UPDATE testimony SET speak_mode = 'phone' WHERE id = :id", {"id": testimony.id})
    _fails(
        db,
        "UPDATE testimony SET reference = :ref WHERE id = :id",
        {"id": testimony.id, "ref": other.reference},
    )


def test_one_membership_per_person_and_campaign(db):
    campaign = make_campaign()
    user = User(email="staff@example.org", name="Staff", password_hash="x")
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, campaign_id=campaign.id, role=Role.LEAD))
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Membership(user_id=user.id, campaign_id=campaign.id, role=Role.ORGANIZER))
        db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(User(email="Staff@Example.org", name="Upper"))
        db.session.flush()


def test_one_endorsement_per_organization(db):
    campaign = make_campaign()
    make_endorsement(campaign, "Casa del Pueblo")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_endorsement(campaign, "Casa del Pueblo")


def test_tallies_never_go_negative(db):
    campaign = make_campaign()
    db.session.add(Tally(campaign_id=campaign.id, district="1"))
    db.session.commit()
    _fails(
        db, "UPDATE tally SET signatures_verified = -1 WHERE campaign_id = :id", {"id": campaign.id}
    )


def test_naive_datetimes_are_refused(db):
    campaign = make_campaign()
    with pytest.raises(StatementError), db.session.begin_nested():
        make_signature(campaign, status=SignatureStatus.VERIFIED, verified_at=datetime(2026, 1, 1))
    assert make_signature(campaign, verified_at=datetime(2026, 1, 1, tzinfo=UTC)).id
