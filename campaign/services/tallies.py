"""Running counts per campaign and district, kept in step with the rows they count.

Public pages and the API read these instead of counting signatures, so a campaign with
100,000 signatures answers as fast as one with ten.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign.models import (
    Position,
    Signature,
    SignatureStatus,
    Tally,
    Testimony,
    TestimonyStatus,
)

COUNT_COLUMNS = ("signatures_verified", "signatures_pending", "support", "oppose", "neutral")


def bump(session: Session, campaign_id: int, district: str, **deltas: int) -> None:
    """Add to the counts of one district atomically (an upsert, safe under concurrency)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(COUNT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown tally columns: {sorted(unknown)}")
    values: dict[str, object] = {"campaign_id": campaign_id, "district": district}
    values.update({c: max(deltas.get(c, 0), 0) for c in COUNT_COLUMNS})
    values.update({f"delta_{c}": delta for c, delta in deltas.items()})
    statement = _upsert(session.get_bind().dialect.name, tuple(sorted(deltas)))
    session.execute(statement, values)


@functools.cache
def _upsert(dialect: str, changed: tuple[str, ...]):
    # Built once per kind of change: every signature bumps a count, and building the statement
    # cost more than running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Tally.__table__
    return insert(table).on_conflict_do_update(
        index_elements=["campaign_id", "district"],
        set_={c: table.c[c] + sa.bindparam(f"delta_{c}", type_=sa.Integer) for c in changed},
    )


def recount(session: Session, campaign_id: int) -> None:
    """Rebuild a campaign's tallies from its rows: after bulk changes, imports and purges."""
    rows: dict[str, dict[str, int]] = {}

    def slot(district: str) -> dict[str, int]:
        return rows.setdefault(district, dict.fromkeys(COUNT_COLUMNS, 0))

    signature_counts = session.execute(
        sa.select(Signature.district, Signature.status, sa.func.count())
        .where(Signature.campaign_id == campaign_id)
        .group_by(Signature.district, Signature.status)
    )
    for district, status, count in signature_counts:
        if status == SignatureStatus.VERIFIED:
            slot(district)["signatures_verified"] += count
        elif status == SignatureStatus.PENDING:
            slot(district)["signatures_pending"] += count
    testimony_counts = session.execute(
        sa.select(Testimony.district, Testimony.position, sa.func.count())
        .where(
            Testimony.campaign_id == campaign_id,
            Testimony.status == TestimonyStatus.APPROVED,
        )
        .group_by(Testimony.district, Testimony.position)
    )
    for district, position, count in testimony_counts:
        slot(district)[Position(position).value] += count

    session.execute(sa.delete(Tally).where(Tally.campaign_id == campaign_id))
    if rows:
        session.execute(
            sa.insert(Tally),
            [
                {"campaign_id": campaign_id, "district": district, **counts}
                for district, counts in rows.items()
            ],
        )


def signature_transition(
    session: Session,
    signature: Signature,
    old: SignatureStatus | None,
    new: SignatureStatus | None,
) -> None:
    """Move one signature between counted states (None: it did not exist / no longer exists)."""
    signature_moved(session, signature.campaign_id, signature.district, old, new)


def signature_moved(
    session: Session,
    campaign_id: int,
    district: str,
    old: SignatureStatus | None,
    new: SignatureStatus | None,
) -> None:
    """signature_transition for a signature known by its campaign and district (a row just
    inserted, with no object loaded)."""
    deltas: dict[str, int] = {}
    for status, sign in ((old, -1), (new, +1)):
        if status == SignatureStatus.VERIFIED:
            deltas["signatures_verified"] = deltas.get("signatures_verified", 0) + sign
        elif status == SignatureStatus.PENDING:
            deltas["signatures_pending"] = deltas.get("signatures_pending", 0) + sign
    bump(session, campaign_id, district, **deltas)


def testimony_transition(
    session: Session, testimony: Testimony, old: TestimonyStatus | None, new: TestimonyStatus
) -> None:
    """Count or uncount one testimony as it enters or leaves the approved state."""
    was = old == TestimonyStatus.APPROVED
    now = new == TestimonyStatus.APPROVED
    if was != now:
        bump(
            session,
            testimony.campaign_id,
            testimony.district,
            **{Position(testimony.position).value: 1 if now else -1},
        )
