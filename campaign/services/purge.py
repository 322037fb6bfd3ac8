"""The purge: retention_days after a campaign closes, its residents' personal data is removed.

What changes, per campaign (status closed or archived, not held, not yet purged):

- signatures: name becomes "Signer N" (N counts the campaign's signatures in the order they
  came in), email, address, comment, email domain and client hash are removed; the keyed email
  hash is replaced by a random value, so nobody can be looked up by address any more; a staff
  note on why a signature was invalidated is replaced by a placeholder;
- testimony: name becomes "Resident N"; email, phone, affiliation, moderation note, interpreter
  language and client hash are removed; the text (original and redacted) is replaced by
  "[removed after the campaign closed]". Testimony is free text that names people, streets,
  workplaces and family members, so no text is kept, not even approved public testimony: the
  council received it in the packet and holds the record; our copy is not needed to add up;
- endorsements: the contact person's name and email are removed (the organization stays);
- the campaign's mail (queued or sent) is deleted, and so are its packet PDFs and the packet
  segment cache (rendered pages with names).

Files go, and the database overwrites the old values it still keeps on disk, only once the
purge is committed, in `scrub_storage()`, which every caller runs after its commit.

District, ZIP, position, status, visibility, language and dates stay, so every public total
(by district and ZIP, for and against) is the same before and after; the purge checks this and
refuses to finish otherwise. A lead can hold a campaign back, with a reason.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from campaign.models import (
    Campaign,
    CampaignStatus,
    Endorsement,
    OutgoingMail,
    Packet,
    PacketDelivery,
    Signature,
    SignatureStatus,
    Testimony,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, audit, context, mail
from campaign.services import campaigns as campaign_service

PLACEHOLDER = "[removed after the campaign closed]"
PURGEABLE = (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED)
REASON_LENGTH = 500
BATCH = 1000


class PurgeError(DomainError):
    """The purge would have changed a public total; nothing was changed."""


class ScrubIncomplete(DomainError):
    """The purge is committed, but the database could not yet overwrite the old values."""


@dataclass
class PurgePlan:
    """What a purge of one campaign changes (or would change, in a dry run)."""

    slug: str
    campaign_id: int
    signatures: int = 0
    testimonies: int = 0
    endorsement_contacts: int = 0
    mails: int = 0
    packets: int = 0
    done: bool = False
    files: list[str] = field(default_factory=list)
    mail_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        verb = "anonymized" if self.done else "would anonymize"
        removed = "deleted" if self.done else "would delete"
        return (
            f"{self.slug}: {verb} {self.signatures} signatures, {self.testimonies} "
            f"testimonies, {self.endorsement_contacts} endorsement contacts; {removed} "
            f"{self.mails} emails and {self.packets} packets"
        )


def purge_due_at(campaign: Campaign) -> datetime | None:
    """When the campaign's personal data is due to be purged (None: not closed yet)."""
    if campaign.status not in PURGEABLE or campaign.closed_at is None:
        return None
    return campaign.closed_at + timedelta(days=campaign.retention_days or 0)


def due(session: Session, now: datetime | None = None) -> list[Campaign]:
    """Closed campaigns past their retention period, not held and not yet purged."""
    now = now or utcnow()
    candidates = session.scalars(
        sa.select(Campaign)
        .where(
            Campaign.status.in_(PURGEABLE),
            Campaign.purge_hold.is_(False),
            Campaign.purged_at.is_(None),
            Campaign.closed_at.is_not(None),
        )
        .order_by(Campaign.closed_at, Campaign.id)
    ).all()
    # retention_days is per campaign: compared here so the SQL stays the same on every database.
    return [c for c in candidates if (purge_due_at(c) or now) <= now]


def held(session: Session) -> list[Campaign]:
    """Campaigns a lead has held back from purging."""
    return list(
        session.scalars(
            sa.select(Campaign)
            .where(Campaign.purge_hold.is_(True), Campaign.purged_at.is_(None))
            .order_by(Campaign.id)
        )
    )


def _count(session: Session, model, *conditions) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions)) or 0


def plan(session: Session, campaign: Campaign) -> PurgePlan:
    """What purging this campaign would change, without changing anything."""
    return PurgePlan(
        slug=campaign.slug,
        campaign_id=campaign.id,
        signatures=_count(session, Signature, Signature.campaign_id == campaign.id),
        testimonies=_count(session, Testimony, Testimony.campaign_id == campaign.id),
        endorsement_contacts=_count(
            session,
            Endorsement,
            Endorsement.campaign_id == campaign.id,
            sa.or_(Endorsement.contact_name.is_not(None), Endorsement.contact_email.is_not(None)),
        ),
        mails=_count(session, OutgoingMail, OutgoingMail.campaign_id == campaign.id),
        packets=_count(session, Packet, Packet.campaign_id == campaign.id),
    )


def _random_hash() -> str:
    # Unique per campaign like the keyed hash it replaces, but of nothing: 256 random bits.
    return secrets.token_hex(32)


def _anonymize_signatures(session: Session, campaign_id: int) -> None:
    rows = session.execute(
        sa.select(Signature.id, Signature.status)
        .where(Signature.campaign_id == campaign_id)
        .order_by(Signature.id)
    ).all()
    for start in range(0, len(rows), BATCH):
        session.execute(
            sa.update(Signature),
            [
                {
                    "id": row_id,
                    "name": f"Signer {start + offset + 1}",
                    "email": None,
                    "email_hash": _random_hash(),
                    "email_domain": None,
                    "address": None,
                    "comment": None,
                    "client_hash": None,
                    "consent_updates": False,
                    "invalidated_reason": PLACEHOLDER
                    if status == SignatureStatus.INVALIDATED
                    else None,
                    "anonymized": True,
                }
                for offset, (row_id, status) in enumerate(rows[start : start + BATCH])
            ],
        )


def _anonymize_testimonies(session: Session, campaign_id: int) -> None:
    ids = session.scalars(
        sa.select(Testimony.id).where(Testimony.campaign_id == campaign_id).order_by(Testimony.id)
    ).all()
    for start in range(0, len(ids), BATCH):
        session.execute(
            sa.update(Testimony),
            [
                {
                    "id": row_id,
                    "name": f"Resident {start + offset + 1}",
                    "email": None,
                    "email_hash": _random_hash(),
                    "phone": None,
                    "affiliation": None,
                    "body": PLACEHOLDER,
                    "redacted_body": None,
                    "moderation_note": None,
                    "interpreter_language": None,
                    "consent_reminders": False,
                    "client_hash": None,
                    "anonymized": True,
                }
                for offset, row_id in enumerate(ids[start : start + BATCH])
            ],
        )


def _packet_files(session: Session, campaign_id: int) -> list[str]:
    packets_path = context.setting("PACKETS_PATH")
    if packets_path is None:
        return []
    folder = Path(packets_path)
    names: list[str] = []
    for file_name, volumes in session.execute(
        sa.select(Packet.file_name, Packet.volumes).where(
            Packet.campaign_id == campaign_id, Packet.file_name.is_not(None)
        )
    ):
        names.append(file_name)
        names.extend(str(v.get("file_name") or "") for v in volumes or [])
    # Only a bare file name inside the packets folder: a stored name is never trusted as a path.
    files = [str(folder / Path(name).name) for name in names if Path(name).name]
    # Rendered segments are cached by content, not by campaign: the whole cache goes, and the
    # next build of any packet renders again.
    files.append(str(folder / "cache"))
    return files


def _clerk_copies(session: Session, campaign_id: int) -> list[str]:
    """Development outbox copies of packets mailed to the clerk (they hold every name)."""
    ids = session.scalars(
        sa.select(PacketDelivery.id).where(PacketDelivery.campaign_id == campaign_id)
    ).all()
    return [str(path) for path in mail.sent_copy_files([f"clerk-{i}" for i in ids])]


def purge_campaign(
    session: Session, campaign: Campaign, now: datetime | None = None, actor: User | None = None
) -> PurgePlan:
    """Anonymize one campaign's personal data now (whatever its dates); the caller commits,
    then calls scrub_storage() with the result."""
    now = now or utcnow()
    if campaign.purged_at is not None:
        raise DomainError("this campaign was already purged", code="already_purged")
    if campaign.purge_hold:
        raise DomainError("a lead is holding this campaign back from the purge", code="purge_held")
    result = plan(session, campaign)
    before = campaign_service.counts(session, campaign.id)
    _anonymize_signatures(session, campaign.id)
    _anonymize_testimonies(session, campaign.id)
    session.execute(
        sa.update(Endorsement)
        .where(Endorsement.campaign_id == campaign.id)
        .values(contact_name=None, contact_email=None)
    )
    result.mail_ids = list(
        session.scalars(sa.select(OutgoingMail.id).where(OutgoingMail.campaign_id == campaign.id))
    )
    session.execute(sa.delete(OutgoingMail).where(OutgoingMail.campaign_id == campaign.id))
    result.files = _packet_files(session, campaign.id) + _clerk_copies(session, campaign.id)
    session.execute(sa.delete(Packet).where(Packet.campaign_id == campaign.id))
    session.flush()
    session.expire_all()
    after = campaign_service.counts(session, campaign.id)
    if before != after:
        raise PurgeError(f"{campaign.slug}: the purge would change the public totals")
    campaign.purged_at = now
    audit.record(
        session,
        "campaign.purged",
        actor=actor,
        campaign_id=campaign.id,
        target_type="campaign",
        target_id=campaign.id,
        rows=result.signatures + result.testimonies,
        signatures=result.signatures,
        testimonies=result.testimonies,
        endorsement_contacts=result.endorsement_contacts,
        mails=result.mails,
        packets=result.packets,
        retention_days=campaign.retention_days,
        closed_at=campaign.closed_at.isoformat() if campaign.closed_at else None,
    )
    session.flush()
    result.done = True
    return result


def purge(
    session: Session,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    actor: User | None = None,
) -> list[PurgePlan]:
    """Purge every campaign that is due (or, with dry_run, say what that would change)."""
    now = now or utcnow()
    campaigns = due(session, now)
    if dry_run:
        return [plan(session, campaign) for campaign in campaigns]
    return [purge_campaign(session, campaign, now, actor) for campaign in campaigns]


def remove_files(paths: Sequence[str | Path]) -> None:
    """Delete purged files and folders; a file already gone is fine."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# The tables whose rows a purge rewrites or deletes.
PURGED_TABLES = (Signature, Testimony, Endorsement, OutgoingMail, Packet)


def scrub_storage(engine: Engine, plans: Sequence[PurgePlan]) -> None:
    """After the purge is committed: delete its files, and overwrite the old values on disk."""
    if not any(plan.done for plan in plans):
        return
    with Session(bind=engine) as session:
        # Files of mail rows deleted elsewhere, or left by an earlier database, name people too.
        stray = mail.stray_outbox_files(session)
    mail_ids = [mail_id for plan in plans for mail_id in plan.mail_ids]
    remove_files(
        [*(path for plan in plans for path in plan.files), *mail.outbox_files(mail_ids), *stray]
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "sqlite":
            _checkpoint_sqlite(connection)
        elif connection.dialect.name == "postgresql":
            _rewrite_postgresql_tables(connection)


def _checkpoint_sqlite(connection: sa.Connection) -> None:
    # secure_delete (campaign.database) zeroed the old values in the pages the purge wrote to
    # the write-ahead log; until a checkpoint copies those pages over the main file, the old
    # pages are still there, and the log itself holds earlier copies until it is emptied.
    busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        raise ScrubIncomplete(
            "a long read kept the database busy: the old values stay in its "
            "files until SQLite's next checkpoint"
        )


# Tables a VACUUM by this user would skip with a mere warning: it must own them (or the database).
_NOT_VACUUMED = sa.text("""
    SELECT c.relname FROM unnest(CAST(:names AS text[])) AS t(name)
    JOIN pg_class c ON c.oid = to_regclass(t.name)
    WHERE NOT pg_has_role(c.relowner, 'USAGE') AND NOT pg_has_role(
        (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')
""")


def _rewrite_postgresql_tables(connection: sa.Connection) -> None:
    # A plain VACUUM marks the old row versions' space free without overwriting it: most old
    # values stay in the table and index files. VACUUM FULL writes new files holding only the
    # current rows (and new indexes), locking each table meanwhile (about a second for 100,000
    # signatures); ANALYZE replaces the sample of values the planner keeps in pg_statistic.
    names = [model.__tablename__ for model in PURGED_TABLES]
    not_ours = connection.execute(_NOT_VACUUMED, {"names": names}).scalars().all()
    if not_ours:
        raise ScrubIncomplete(f"only the owner of {', '.join(not_ours)} can rewrite them")
    for name in names:
        try:
            connection.exec_driver_sql(f'VACUUM (FULL, ANALYZE) "{name}"')
        except sa.exc.DBAPIError as error:
            raise ScrubIncomplete(f"VACUUM {name}: {error.orig}") from error


def set_purge_hold(
    session: Session, campaign: Campaign, hold: bool, reason: str | None, actor: User | None
) -> None:
    """Hold a campaign back from the purge (a reason is required), or release it."""
    if hold:
        text = " ".join((reason or "").split())
        if len(text) < 3:
            raise DomainError("say why the data must be kept", code="hold_reason_missing")
        if len(text) > REASON_LENGTH:
            raise DomainError(
                f"the reason has at most {REASON_LENGTH} characters",
                code="hold_reason_too_long",
                max=REASON_LENGTH,
            )
        if campaign.purged_at is not None:
            raise DomainError("this campaign was already purged", code="already_purged")
        campaign.purge_hold = True
        campaign.purge_hold_reason = text
        audit.record(
            session,
            "campaign.purge_held",
            actor=actor,
            campaign_id=campaign.id,
            target_type="campaign",
            target_id=campaign.id,
            reason=text,
        )
    else:
        if not campaign.purge_hold:
            return
        campaign.purge_hold = False
        campaign.purge_hold_reason = None
        audit.record(
            session,
            "campaign.purge_released",
            actor=actor,
            campaign_id=campaign.id,
            target_type="campaign",
            target_id=campaign.id,
        )
    session.flush()
