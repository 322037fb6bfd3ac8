"""Factory helpers: each test makes the data it needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from campaign.crypto import email_domain, email_hash
from campaign.extensions import db
from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DeadlineKind,
    Decision,
    DecisionKind,
    DistrictZip,
    Endorsement,
    EndorsementRole,
    EndorsementStatus,
    Position,
    Signature,
    SignatureSource,
    SignatureStatus,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.services import tallies

_sequence = itertools.count(1)


def make_campaign(**fields) -> Campaign:
    n = next(_sequence)
    hearing_at = fields.pop("hearing_at", datetime.now(UTC) + timedelta(days=10))
    values = {
        "slug": f"campaign-{n}",
        "status": CampaignStatus.OPEN,
        "title": f"Campaign {n}",
        "ask": "Vote NO on the renewal.",
        "goal": 100,
        "time_zone": "America/New_York",
    }
    values.update(fields)
    campaign = Campaign(**values)
    campaign.decision = Decision(
        title="Renewal of the data-sharing contract",
        body="City Council",
        kind=DecisionKind.CONTRACT_VOTE,
        reference=f"File {n}",
        action="renewing the contract",
    )
    campaign.deadlines.append(
        Deadline(kind=DeadlineKind.HEARING, title="Hearing", at=hearing_at, location="City Hall")
    )
    campaign.district_zips.extend(
        [DistrictZip(zip="11111", district="1"), DistrictZip(zip="22222", district="2")]
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def make_signature(campaign: Campaign, **fields) -> Signature:
    n = next(_sequence)
    email = fields.pop("email", f"signer{n}@example.org")
    values = {
        "campaign_id": campaign.id,
        "name": f"Signer Number{n}",
        "email": email,
        "email_hash": email_hash(email),
        "email_domain": email_domain(email),
        "zip": "11111",
        "district": "1",
        "visibility": Visibility.PUBLIC,
        "source": SignatureSource.ONLINE,
        "status": SignatureStatus.VERIFIED,
        "verified_at": datetime.now(UTC),
    }
    values.update(fields)
    if values["status"] != SignatureStatus.VERIFIED and "verified_at" not in fields:
        values["verified_at"] = None
    signature = Signature(**values)
    db.session.add(signature)
    db.session.flush()
    tallies.signature_transition(db.session, signature, None, signature.status)
    return signature


def make_testimony(campaign: Campaign, **fields) -> Testimony:
    n = next(_sequence)
    email = fields.pop("email", f"witness{n}@example.org")
    values = {
        "campaign_id": campaign.id,
        "reference": f"T{n:06d}",
        "name": f"Witness Number{n}",
        "email": email,
        "email_hash": email_hash(email),
        "zip": "11111",
        "district": "1",
        "position": Position.OPPOSE,
        "body": "Please vote no.\n\nOur families depend on it.",
        "visibility": Visibility.PUBLIC,
        "status": TestimonyStatus.APPROVED,
        "confirmed_at": datetime.now(UTC),
    }
    values.update(fields)
    testimony = Testimony(**values)
    db.session.add(testimony)
    db.session.flush()
    tallies.testimony_transition(db.session, testimony, None, testimony.status)
    return testimony


def make_endorsement(campaign: Campaign, organization: str, **fields) -> Endorsement:
    values = {
        "campaign_id": campaign.id,
        "organization": organization,
        "organization_key": organization.lower(),
        "role": EndorsementRole.SUPPORTER,
        "status": EndorsementStatus.APPROVED,
    }
    values.update(fields)
    endorsement = Endorsement(**values)
    db.session.add(endorsement)
    db.session.flush()
    return endorsement


def make_staff(campaign: Campaign | None, role: str = "organizer", **fields):
    """A staff account: role "admin", or "lead"/"organizer" of the campaign. Password: the email
    followed by " password"."""
    from campaign.models import Membership, Role, User
    from campaign.services.accounts import hash_password

    n = next(_sequence)
    email = fields.pop("email", f"{role}{n}@staff.example")
    user = User(
        email=email,
        name=f"{role.title()} {n}",
        is_admin=role == "admin",
        password_hash=hash_password(email + " password"),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    if role != "admin" and campaign is not None:
        db.session.add(Membership(user_id=user.id, campaign_id=campaign.id, role=Role(role)))
        db.session.flush()
    return user
