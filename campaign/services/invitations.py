"""Campaign teams: a lead invites organizers (or leads) by email; the link works once, for
seven days. The invitation is an audit event, so who invited whom, and when, is on record; it is
accepted or revoked by later events pointing at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from campaign import mails
from campaign.models import AuditEvent, Campaign, Membership, Role, User
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, accounts, audit, context, mail

MAX_AGE = timedelta(days=7)
INVITED = "team.invited"
ACCEPTED = "team.invitation_accepted"
REVOKED = "team.invitation_revoked"
LINK = "invitation"


class InvalidInvitation(DomainError):
    """The invitation link is wrong (invitation_invalid), expired (invitation_expired), already
    used or withdrawn (invitation_closed), for another address (invitation_for_other_email),
    for an address that has an account (invitation_account_exists), or its campaign is gone
    (invitation_campaign_gone)."""

    code = "invitation_invalid"


@dataclass
class Invitation:
    id: int
    email: str
    role: Role
    campaign: Campaign
    invited_at: datetime
    invited_by: str

    @property
    def expires_at(self) -> datetime:
        return self.invited_at + MAX_AGE


def token_for(invitation_id: int) -> str:
    """The signed link token for an invitation."""
    return context.signer(LINK).dumps({"i": invitation_id})


def normalize_email(email: str) -> str:
    """A staff email as stored on accounts (lower case), or DomainError."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError("that is not an email address", code="email_invalid") from exc
    return checked.normalized.lower()


def _closed_ids(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            sa.select(AuditEvent.target_id).where(
                AuditEvent.target_type == "invitation",
                AuditEvent.action.in_((ACCEPTED, REVOKED)),
                AuditEvent.target_id.in_(ids),
            )
        )
    )


def _as_invitation(session: Session, event: AuditEvent) -> Invitation:
    campaign = session.get(Campaign, event.campaign_id)
    if campaign is None:
        raise InvalidInvitation("the campaign no longer exists", code="invitation_campaign_gone")
    return Invitation(
        id=event.id,
        email=event.details["email"],
        role=Role(event.details["role"]),
        campaign=campaign,
        invited_at=event.at,
        invited_by=event.actor_label,
    )


def invite(
    session: Session, campaign: Campaign, actor: User, email: str, role: Role, language: str
) -> Invitation:
    """Invite someone to a campaign's team; queues the email with the link."""
    email = normalize_email(email)
    existing = session.scalar(sa.select(User).where(User.email == email))
    if existing is not None and existing.role_in(campaign.id) is not None:
        raise DomainError("that person is already on this campaign's team", code="already_on_team")
    event = audit.record(
        session,
        INVITED,
        actor=actor,
        campaign_id=campaign.id,
        target_type="invitation",
        email=email,
        role=Role(role).value,
    )
    session.flush()
    event.target_id = event.id
    invitation = _as_invitation(session, event)
    language = context.site_language(language)
    subject, body = mails.render(
        "email/organize/invitation.txt",
        language,
        invitation=invitation,
        link=context.link("auth.accept_invitation", token=token_for(event.id)),
        inviter=actor.name or actor.email,
        has_account=existing is not None,
        days=MAX_AGE.days,
    )
    mail.queue(session, email, subject, body, language=language, campaign_id=campaign.id)
    return invitation


def read_token(session: Session, token: str, now: datetime | None = None) -> Invitation:
    """The open invitation a link stands for, or InvalidInvitation."""
    try:
        payload = context.signer(LINK).loads(token, max_age=int(MAX_AGE.total_seconds()))
        invitation_id = int(payload["i"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidInvitation("this invitation link is not valid or has expired") from exc
    event = session.get(AuditEvent, invitation_id)
    if event is None or event.action != INVITED:
        raise InvalidInvitation("this invitation link is not valid")
    if (now or utcnow()) - event.at > MAX_AGE:
        raise InvalidInvitation("this invitation has expired", code="invitation_expired")
    if _closed_ids(session, [event.id]):
        raise InvalidInvitation(
            "this invitation was already used or was withdrawn", code="invitation_closed"
        )
    return _as_invitation(session, event)


def _close(session: Session, invitation: Invitation, action: str, actor: User) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        campaign_id=invitation.campaign.id,
        target_type="invitation",
        target_id=invitation.id,
        email=invitation.email,
        role=invitation.role.value,
    )


def accept_for_user(session: Session, invitation: Invitation, user: User) -> Membership:
    """Add an existing account to the team (the invited email's own account only)."""
    if user.email != invitation.email:
        raise InvalidInvitation(
            "this invitation is for another email address", code="invitation_for_other_email"
        )
    membership = accounts.grant(session, user, invitation.campaign.slug, invitation.role)
    _close(session, invitation, ACCEPTED, user)
    session.flush()
    return membership


def accept_new_account(
    session: Session, invitation: Invitation, name: str, password: str, language: str
) -> User:
    """Create the invited person's account and add it to the team."""
    if session.scalar(sa.select(User.id).where(User.email == invitation.email)):
        raise InvalidInvitation(
            "an account with this email exists: log in to accept", code="invitation_account_exists"
        )
    user = accounts.create_user(
        session,
        invitation.email,
        password,
        role=invitation.role.value,
        campaign_slug=invitation.campaign.slug,
        name=name.strip(),
    )
    user.language = language
    _close(session, invitation, ACCEPTED, user)
    session.flush()
    return user


def pending(session: Session, campaign_id: int, now: datetime | None = None) -> list[Invitation]:
    """Invitations of this campaign still open (not used, not withdrawn, not expired)."""
    now = now or utcnow()
    events = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.campaign_id == campaign_id,
                AuditEvent.action == INVITED,
                AuditEvent.at > now - MAX_AGE,
            )
            .order_by(AuditEvent.at.desc())
        )
    )
    closed = _closed_ids(session, [e.id for e in events])
    return [_as_invitation(session, e) for e in events if e.id not in closed]


def revoke(session: Session, campaign: Campaign, actor: User, invitation_id: int) -> None:
    """Withdraw an open invitation so its link stops working."""
    for invitation in pending(session, campaign.id):
        if invitation.id == invitation_id:
            _close(session, invitation, REVOKED, actor)
            return
    raise NotFound("no such open invitation")


def team(session: Session, campaign_id: int) -> list[Membership]:
    """The campaign's staff, leads first."""
    return list(
        session.scalars(
            sa.select(Membership)
            .join(User)
            .where(Membership.campaign_id == campaign_id)
            .order_by(Membership.role, User.email)
        )
    )


def remove_member(session: Session, campaign: Campaign, actor: User, membership_id: int) -> None:
    """Take someone off a campaign's team; the last lead stays."""
    membership = session.get(Membership, membership_id)
    if membership is None or membership.campaign_id != campaign.id:
        raise NotFound("no such team member")
    if membership.role == Role.LEAD:
        leads = session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.campaign_id == campaign.id, Membership.role == Role.LEAD)
        )
        if leads <= 1:
            raise DomainError("a campaign keeps at least one lead", code="last_lead")
    email = membership.user.email
    role = membership.role.value
    user = membership.user
    user.memberships.remove(membership)
    session.flush()
    audit.record(
        session,
        "team.removed",
        actor=actor,
        campaign_id=campaign.id,
        target_type="user",
        target_id=user.id,
        email=email,
        role=role,
    )
