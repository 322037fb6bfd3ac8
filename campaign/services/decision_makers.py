"""The decision-makers of a campaign and their dated, sourced positions: the whip count."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from campaign.models import Campaign, DecisionMaker, Stance, StatedPosition, User
from campaign.services import DomainError, NotFound, audit


def get_decision_maker(session: Session, campaign: Campaign, maker_id: int) -> DecisionMaker:
    """A decision-maker of this campaign, or NotFound."""
    maker = session.get(DecisionMaker, maker_id)
    if maker is None or maker.campaign_id != campaign.id:
        raise NotFound("no such decision-maker")
    return maker


def save_decision_maker(
    session: Session,
    campaign: Campaign,
    *,
    name: str,
    office: str,
    district: str | None,
    sort_order: int,
    maker: DecisionMaker | None = None,
    office_es: str | None = None,
) -> DecisionMaker:
    """Add a decision-maker, or change one (`office_es`: the office in Spanish)."""
    if maker is None:
        maker = DecisionMaker(campaign=campaign)
        session.add(maker)
    maker.name, maker.office = name, office
    maker.office_es = office_es or None
    maker.district = district or None
    maker.sort_order = sort_order
    session.flush()
    return maker


def delete_decision_maker(session: Session, maker: DecisionMaker) -> None:
    """Remove a decision-maker and their stated positions."""
    session.delete(maker)
    session.flush()


def add_position(
    session: Session,
    maker: DecisionMaker,
    actor: User,
    *,
    stance: Stance,
    stated_on: date,
    source_url: str | None,
    source_note: str | None,
    source_note_es: str | None = None,
) -> StatedPosition:
    """Record a decision-maker's stated position with where and when it was stated."""
    if source_url and not source_url.lower().startswith(("https://", "http://")):
        raise DomainError(
            "the source must be a web address starting with https://", code="source_not_web_address"
        )
    position = StatedPosition(
        stance=stance,
        stated_on=stated_on,
        source_url=source_url or None,
        source_note=source_note or None,
        source_note_es=source_note_es or None,
    )
    maker.positions.append(position)
    session.flush()
    session.refresh(maker, ["positions"])
    audit.record(
        session,
        "position.recorded",
        actor=actor,
        campaign_id=maker.campaign_id,
        target_type="decision_maker",
        target_id=maker.id,
        stance=stance.value,
        stated_on=stated_on.isoformat(),
    )
    return position


def delete_position(session: Session, maker: DecisionMaker, position_id: int) -> None:
    """Remove a position entered by mistake."""
    position = session.get(StatedPosition, position_id)
    if position is None or position.decision_maker_id != maker.id:
        raise NotFound("no such position")
    session.delete(position)
    session.flush()
    session.refresh(maker, ["positions"])


def translate_position_note(
    session: Session, maker: DecisionMaker, position_id: int, source_note_es: str | None
) -> StatedPosition:
    """Write (or clear) the Spanish of a recorded position's note; the position stays as
    stated."""
    position = session.get(StatedPosition, position_id)
    if position is None or position.decision_maker_id != maker.id:
        raise NotFound("no such position")
    if source_note_es and not position.source_note:
        raise DomainError("write the note in English first", code="english_missing")
    position.source_note_es = source_note_es or None
    session.flush()
    return position
