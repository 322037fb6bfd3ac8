"""Signing a petition: the signature, its district, and the emailed link that confirms it.

Nothing here tells the caller whether an email address had already signed: a first signature
and a repeat return the same outcome to the page, and only the email to that address differs.
Links carry a signed record id (itsdangerous, one salt per purpose), so no token table is kept;
they also carry the start of the record's email hash, so a link never fits a later record that
happens to reuse the id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign import mails
from campaign.crypto import email_domain, email_hash
from campaign.models import (
    Campaign,
    CampaignStatus,
    Signature,
    SignatureSource,
    SignatureStatus,
    Visibility,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, context, mail, tallies
from campaign.services.districts import district_of_zip, normalize_zip

SIGNATURE_LINK = "signature-confirm"
HASH_PREFIX = 16


class SigningClosed(DomainError):
    """The campaign is not open, so it takes no new or confirmed signatures."""

    code = "signing_closed"


class LinkInvalid(DomainError):
    """A link this site did not make, or whose record no longer exists."""

    code = "link_invalid"


@dataclass(frozen=True)
class LinkPayload:
    record_id: int
    email_prefix: str
    expired: bool


@dataclass(frozen=True)
class SignatureDetails:
    """What a resident typed into the signing form, already validated."""

    name: str
    email: str
    zip: str
    visibility: Visibility
    language: str
    address: str | None = None
    comment: str | None = None
    consent_updates: bool = False
    client_hash: str | None = None


# --- Links ------------------------------------------------------------------------------------


def make_link_token(purpose: str, record_id: int, hashed_email: str) -> str:
    """A signed token naming one record for one purpose (confirm, private testimony link)."""
    return context.signer(purpose).dumps([record_id, hashed_email[:HASH_PREFIX]])


def read_link_token(purpose: str, token: str, max_age: timedelta | None) -> LinkPayload:
    """The record a token names; expired tokens are reported, not refused, so the page can
    still say "already confirmed" kindly. Raises LinkInvalid for anything not made here."""
    serializer = context.signer(purpose)
    expired = False
    try:
        if max_age is None:
            payload: Any = serializer.loads(token)
        else:
            payload = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        # The signature itself was good (itsdangerous checks it before the age).
        payload = serializer.load_payload(error.payload) if error.payload is not None else None
        expired = True
    except BadSignature as error:
        raise LinkInvalid("link not valid") from error
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise LinkInvalid("link not valid")
    return LinkPayload(payload[0], payload[1], expired)


def link_fits(payload: LinkPayload, hashed_email: str | None) -> bool:
    """True if the link was made for a record with this email hash."""
    return bool(hashed_email) and hashed_email.startswith(payload.email_prefix)


def confirmation_max_age() -> timedelta:
    """How long an emailed confirmation link works (CONFIRMATION_MAX_AGE_DAYS)."""
    return timedelta(days=int(context.setting("CONFIRMATION_MAX_AGE_DAYS", 7)))


def queue_resident_mail(
    session: Session,
    to: str,
    template: str,
    language: str,
    campaign: Campaign,
    *,
    texts: dict[str, str] | None = None,
    **details: Any,
) -> None:
    """Queue one mail to a resident, rendered in their language; sent after the commit.

    `texts` are what differs from one resident's mail to the next; with them, the mail is
    rendered once and kept (campaign.mails.render), and `details` must be hashable.
    """
    language = context.site_language(language)
    subject, body = mails.render(template, language, texts=texts, campaign=campaign, **details)
    mail.queue(session, to, subject, body, language=language, campaign_id=campaign.id)


# --- Signing ----------------------------------------------------------------------------------


def _insert_ignoring_duplicate(session: Session, values: dict[str, Any]) -> tuple[int, str] | None:
    """Insert a signature unless (campaign, email hash) exists; its id and district, or None.

    The district is looked up from the campaign's ZIP table inside the insert (`values` has
    no "district"): one statement, not two, on the path every signature takes.

    ON CONFLICT DO NOTHING instead of catching IntegrityError in a savepoint: two concurrent
    first signatures end with one row and one "repeat", and on SQLite (pysqlite) releasing an
    outermost savepoint commits early, which would break the request's single transaction.
    """
    values = {
        **values,
        "district_campaign_id": values["campaign_id"],
        "district_zip": values["zip"],
    }
    row = session.execute(_signature_insert(session.get_bind().dialect.name), values).first()
    return None if row is None else (row.id, row.district)


@functools.cache
def _signature_insert(dialect: str):
    # On the table, not the mapped class (the column types still encrypt), and built once:
    # the ORM's bulk machinery and building the statement were a good part of a signature's
    # cost under load.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Signature.__table__
    return (
        insert(table)
        # The column's own names cannot be the subquery's parameters in an INSERT.
        .values(district=district_of_zip("district_campaign_id", "district_zip"))
        .on_conflict_do_nothing(index_elements=["campaign_id", "email_hash"])
        .returning(table.c.id, table.c.district)
    )


def sign(session: Session, campaign: Campaign, details: SignatureDetails) -> None:
    """Record a signature waiting for email confirmation, or mail the existing signer.

    Returns nothing on purpose: the page must not learn whether this email had signed.
    """
    if campaign.status != CampaignStatus.OPEN:
        raise SigningClosed(campaign.slug)
    hashed = email_hash(details.email)
    zip_code = normalize_zip(details.zip)
    email = details.email.strip()
    now = utcnow()
    inserted = _insert_ignoring_duplicate(
        session,
        {
            "campaign_id": campaign.id,
            "name": details.name,
            "email": email,
            "email_hash": hashed,
            "email_domain": email_domain(details.email),
            "zip": zip_code,
            "address": details.address if campaign.ask_address and details.address else None,
            "visibility": details.visibility,
            "source": SignatureSource.ONLINE,
            "status": SignatureStatus.PENDING,
            "comment": details.comment or None,
            "consent_updates": details.consent_updates,
            "language": details.language,
            "client_hash": details.client_hash,
            "created_at": now,
            "last_mailed_at": now,  # the confirmation below is queued in this transaction
        },
    )
    if inserted is not None:
        new_id, district = inserted
        tallies.signature_moved(session, campaign.id, district, None, SignatureStatus.PENDING)
        _queue_confirmation(
            session, campaign, new_id, hashed, email, details.name, details.language
        )
        return
    existing = session.scalar(
        sa.select(Signature).where(
            Signature.campaign_id == campaign.id, Signature.email_hash == hashed
        )
    )
    if existing is not None:
        _mail_repeat(session, campaign, existing, to=details.email)


def _queue_confirmation(
    session: Session,
    campaign: Campaign,
    record_id: int,
    hashed: str,
    to: str,
    name: str,
    language: str,
) -> None:
    token = make_link_token(SIGNATURE_LINK, record_id, hashed)
    queue_resident_mail(
        session,
        to,
        "email/residents/signature_confirm.txt",
        language,
        campaign,
        texts={
            "name": name,
            "confirm_url": context.link(
                "residents.confirm_signature", slug=campaign.slug, token=token
            ),
        },
        campaign_url=context.link("public.campaign_page", slug=campaign.slug),
        max_age_days=confirmation_max_age().days,
    )


def _mail_confirmation(session: Session, campaign: Campaign, signature: Signature) -> None:
    _queue_confirmation(
        session,
        campaign,
        signature.id,
        signature.email_hash or "",
        signature.email or "",
        signature.name,
        signature.language,
    )
    signature.last_mailed_at = utcnow()


def _mail_repeat(session: Session, campaign: Campaign, signature: Signature, to: str) -> None:
    """The second signing with one address: re-send the link, or say it is already counted."""
    if signature.status == SignatureStatus.PENDING and signature.email:
        _mail_confirmation(session, campaign, signature)
        return
    # Paper signers may have given no email: answer the address that was typed. The mail
    # repeats nothing that was typed, so it cannot carry someone else's words to this inbox.
    queue_resident_mail(
        session,
        signature.email or to,
        "email/residents/signature_already.txt",
        signature.language,
        campaign,
        counted=signature.status == SignatureStatus.VERIFIED,
        campaign_url=context.link("public.campaign_page", slug=campaign.slug),
        testify_url=context.link("residents.testify", slug=campaign.slug),
    )
    signature.last_mailed_at = utcnow()


def signature_for_link(session: Session, campaign: Campaign, token: str) -> tuple[Signature, bool]:
    """The signature an emailed link confirms and whether the link has expired."""
    payload = read_link_token(SIGNATURE_LINK, token, confirmation_max_age())
    signature = session.get(Signature, payload.record_id)
    if (
        signature is None
        or signature.campaign_id != campaign.id
        or signature.anonymized
        or signature.status == SignatureStatus.INVALIDATED
        or not link_fits(payload, signature.email_hash)
    ):
        raise LinkInvalid("no such signature")
    return signature, payload.expired


def confirm(session: Session, campaign: Campaign, signature: Signature) -> bool:
    """Count a pending signature as verified; False if it already was (a reused link)."""
    if signature.status == SignatureStatus.VERIFIED:
        return False
    if campaign.status != CampaignStatus.OPEN:
        raise SigningClosed(campaign.slug)
    # A conditional update: two presses of the button at once verify (and count) once.
    result = session.execute(
        sa.update(Signature)
        .where(Signature.id == signature.id, Signature.status == SignatureStatus.PENDING)
        .values(status=SignatureStatus.VERIFIED, verified_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(signature)
    if result.rowcount != 1:
        return False
    tallies.signature_transition(
        session, signature, SignatureStatus.PENDING, SignatureStatus.VERIFIED
    )
    return True


def resend_confirmation(session: Session, campaign: Campaign, email: str) -> None:
    """Send a fresh link if this address has a signature waiting; silent either way."""
    if campaign.status != CampaignStatus.OPEN:
        return
    signature = session.scalar(
        sa.select(Signature).where(
            Signature.campaign_id == campaign.id,
            Signature.email_hash == email_hash(email),
            Signature.status == SignatureStatus.PENDING,
        )
    )
    if signature is not None and signature.email:
        _mail_confirmation(session, campaign, signature)
