"""The audit log: who did what to which data, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaign.models import AuditEvent, User


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    campaign_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    rows: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the work it describes."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.email if actor else "system"),
        campaign_id=campaign_id,
        target_type=target_type,
        target_id=target_id,
        rows=rows,
        details=details,
    )
    session.add(event)
    return event
