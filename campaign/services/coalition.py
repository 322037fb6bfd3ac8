"""The coalition: organizations sign on publicly; a campaign lead approves each one."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.models import (
    Campaign,
    CampaignStatus,
    Endorsement,
    EndorsementRole,
    EndorsementStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit

DESCRIPTION_LENGTH = 300


def organization_key(name: str) -> str:
    """The form of a name used to find an organization signing twice."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())[:200]


def submit(
    session: Session,
    campaign: Campaign,
    *,
    organization: str,
    role: EndorsementRole,
    contact_name: str,
    contact_email: str,
    website: str | None = None,
) -> tuple[Endorsement, bool]:
    """An organization asks to join the coalition; returns (endorsement, created). Signing on
    twice creates nothing new, and the caller answers the same way either way."""
    if campaign.status != CampaignStatus.OPEN:
        raise DomainError("this campaign is not taking sign-ons", code="sign_ons_closed")
    organization = " ".join(organization.split())
    key = organization_key(organization)
    existing = session.scalar(
        sa.select(Endorsement).where(
            Endorsement.campaign_id == campaign.id, Endorsement.organization_key == key
        )
    )
    if existing is not None:
        return existing, False
    endorsement = Endorsement(
        campaign_id=campaign.id,
        organization=organization,
        organization_key=key,
        role=EndorsementRole(role),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        website=(website or "").strip() or None,
        status=EndorsementStatus.PENDING,
    )
    try:
        with session.begin_nested():
            session.add(endorsement)
    except IntegrityError:
        # The same organization signed on from two browsers at once.
        existing = session.scalar(
            sa.select(Endorsement).where(
                Endorsement.campaign_id == campaign.id, Endorsement.organization_key == key
            )
        )
        if existing is None:
            raise
        return existing, False
    return endorsement, True


def get(session: Session, campaign_id: int, endorsement_id: int) -> Endorsement:
    """An endorsement of this campaign, or NotFound."""
    endorsement = session.get(Endorsement, endorsement_id)
    if endorsement is None or endorsement.campaign_id != campaign_id:
        raise NotFound("no such endorsement")
    return endorsement


def by_status(session: Session, campaign_id: int) -> dict[str, list[Endorsement]]:
    """The campaign's endorsements grouped by status: pending first for the lead to decide."""
    groups: dict[str, list[Endorsement]] = {s.value: [] for s in EndorsementStatus}
    for endorsement in session.scalars(
        sa.select(Endorsement)
        .where(Endorsement.campaign_id == campaign_id)
        .order_by(Endorsement.role, Endorsement.organization_key)
    ):
        groups[endorsement.status.value].append(endorsement)
    return groups


def decide(
    session: Session,
    endorsement: Endorsement,
    actor: User,
    status: EndorsementStatus,
    role: EndorsementRole | None = None,
) -> None:
    """Approve or reject an organization's sign-on (a lead may also correct its role)."""
    status = EndorsementStatus(status)
    if status == EndorsementStatus.PENDING:
        raise DomainError("choose approve or reject", code="decision_invalid")
    previous = endorsement.status
    endorsement.status = status
    if role is not None:
        endorsement.role = EndorsementRole(role)
    endorsement.decided_at = utcnow()
    audit.record(
        session,
        f"endorsement.{status.value}",
        actor=actor,
        campaign_id=endorsement.campaign_id,
        target_type="endorsement",
        target_id=endorsement.id,
        previous=previous.value,
        role=endorsement.role.value,
    )
    session.flush()


def describe(
    session: Session,
    endorsement: Endorsement,
    actor: User,
    description: str | None,
    description_es: str | None,
) -> bool:
    """Write the line the campaign page shows under an organization's name, in English and
    Spanish; True if it changed (audit-logged)."""
    description = " ".join((description or "").split()) or None
    description_es = " ".join((description_es or "").split()) or None
    if description_es and not description:
        raise DomainError("write the description in English first", code="english_missing")
    if max(len(description or ""), len(description_es or "")) > DESCRIPTION_LENGTH:
        raise DomainError(f"at most {DESCRIPTION_LENGTH} characters", code="too_long")
    if (endorsement.description, endorsement.description_es) == (description, description_es):
        return False
    endorsement.description, endorsement.description_es = description, description_es
    audit.record(
        session,
        "endorsement.described",
        actor=actor,
        campaign_id=endorsement.campaign_id,
        target_type="endorsement",
        target_id=endorsement.id,
    )
    session.flush()
    return True
