"""The decision a campaign presses on: what is decided, by which body, of what kind, under which
reference, and the action testimony takes a position on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaign.models import Campaign, Decision, DecisionKind, User
from campaign.services import audit

DECISION_FIELDS = (
    "title",
    "title_es",
    "body",
    "body_es",
    "kind",
    "reference",
    "reference_es",
    "action",
    "action_es",
)


def save_decision(
    session: Session,
    campaign: Campaign,
    actor: User | None,
    *,
    actor_label: str | None = None,
    **values: Any,
) -> Decision:
    """Create or change what the campaign presses on (audit-logged; as `actor_label` when no
    person acts: "record" for the city's record)."""
    unknown = set(values) - set(DECISION_FIELDS)
    if unknown:
        raise ValueError(f"not decision fields: {sorted(unknown)}")
    values["kind"] = DecisionKind(values.get("kind", DecisionKind.OTHER))
    decision = campaign.decision
    if decision is None:
        decision = Decision(**values)
        campaign.decision = decision
        changed = sorted(values)
    else:
        changed = [n for n, v in values.items() if getattr(decision, n) != v]
        for name in changed:
            setattr(decision, name, values[name])
    session.flush()
    if changed:
        audit.record(
            session,
            "decision.updated",
            actor=actor,
            actor_label=actor_label,
            campaign_id=campaign.id,
            target_type="decision",
            target_id=decision.id,
            fields=changed,
        )
    return decision
