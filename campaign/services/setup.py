"""Setting a campaign up: its texts, decision, dates, decision-makers, ZIP table and status."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import (
    UNASSIGNED,
    Campaign,
    CampaignStatus,
    Decision,
    DecisionKind,
    DecisionMaker,
    DistrictZip,
    Signature,
    Stance,
    StatedPosition,
    Testimony,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, tallies, uploads
from campaign.services.campaigns import district_sort_key

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])$")
ZIP_PATTERN = re.compile(r"^(\d{5})(?:-?\d{4})?$")
DISTRICT_PATTERN = re.compile(r"^[\w .'-]{1,40}$")
MAX_DISTRICT_ROWS = 5000

CAMPAIGN_FIELDS = (
    "slug", "title", "title_es", "ask", "ask_es", "summary", "summary_es", "goal", "time_zone",
    "city", "default_visibility", "ask_address", "retention_days", "close_after_vote",
)
DECISION_FIELDS = ("title", "title_es", "body", "kind", "reference", "action", "action_es")

# Which status a campaign may move to from each status.
TRANSITIONS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    CampaignStatus.DRAFT: (CampaignStatus.OPEN,),
    CampaignStatus.OPEN: (CampaignStatus.CLOSED,),
    CampaignStatus.CLOSED: (CampaignStatus.OPEN, CampaignStatus.ARCHIVED),
    CampaignStatus.ARCHIVED: (),
}


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name this machine knows."""
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> bool:
    """True for an IANA zone such as America/New_York."""
    return name in time_zones()


def valid_slug(slug: str) -> bool:
    """Lower-case letters, digits and inner hyphens, 2 to 80 characters."""
    return bool(SLUG_PATTERN.match(slug or ""))


def _get_campaign_slug_taken(session: Session, slug: str, except_id: int | None) -> bool:
    query = sa.select(Campaign.id).where(Campaign.slug == slug)
    if except_id is not None:
        query = query.where(Campaign.id != except_id)
    return session.scalar(query) is not None


def _check_campaign_fields(session: Session, values: dict[str, Any], except_id: int | None):
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"not campaign fields: {sorted(unknown)}")
    if "slug" in values:
        if not valid_slug(values["slug"]):
            raise DomainError("the web address may use lower-case letters, digits and hyphens")
        if _get_campaign_slug_taken(session, values["slug"], except_id):
            raise DomainError("another campaign already uses that web address")
    if "time_zone" in values and not valid_time_zone(values["time_zone"]):
        raise DomainError("unknown time zone")
    for number in ("goal", "retention_days"):
        if number in values and values[number] < 0:
            raise DomainError(f"{number} cannot be negative")


def create_campaign(session: Session, actor: User, **values: Any) -> Campaign:
    """A new draft campaign (site admins); flushes."""
    _check_campaign_fields(session, values, None)
    campaign = Campaign(status=CampaignStatus.DRAFT, **values)
    session.add(campaign)
    session.flush()
    audit.record(session, "campaign.created", actor=actor, campaign_id=campaign.id,
                 target_type="campaign", target_id=campaign.id, slug=campaign.slug)
    return campaign


def update_campaign(session: Session, campaign: Campaign, actor: User, **values: Any) -> list[str]:
    """Change a campaign's settings; returns the names of the fields that changed."""
    _check_campaign_fields(session, values, campaign.id)
    if "slug" in values and values["slug"] != campaign.slug and (
        campaign.status != CampaignStatus.DRAFT
    ):
        # Printed sheets, QR codes and shared links point at the address of an open campaign.
        raise DomainError("the web address can only change while the campaign is a draft")
    changed = [name for name, value in values.items() if getattr(campaign, name) != value]
    for name in changed:
        setattr(campaign, name, values[name])
    if changed:
        audit.record(session, "campaign.updated", actor=actor, campaign_id=campaign.id,
                     target_type="campaign", target_id=campaign.id, fields=changed)
    return changed


def change_status(
    session: Session, campaign: Campaign, actor: User, new_status: CampaignStatus
) -> None:
    """Open a draft, close, reopen or archive a campaign (audit-logged)."""
    old = campaign.status
    if new_status not in TRANSITIONS[old]:
        raise DomainError(f"a {old.value} campaign cannot become {new_status.value}")
    if new_status == CampaignStatus.OPEN:
        if campaign.decision is None:
            raise DomainError("describe the decision before opening the campaign")
        if campaign.purged_at is not None:
            raise DomainError("a purged campaign cannot be reopened")
    now = utcnow()
    campaign.status = new_status
    if new_status == CampaignStatus.OPEN:
        campaign.opened_at = campaign.opened_at or now
        campaign.closed_at = None
    elif new_status == CampaignStatus.CLOSED:
        campaign.closed_at = now
    audit.record(session, "campaign.status", actor=actor, campaign_id=campaign.id,
                 target_type="campaign", target_id=campaign.id,
                 **{"from": old.value, "to": new_status.value})


def save_decision(session: Session, campaign: Campaign, actor: User, **values: Any) -> Decision:
    """Create or change what the campaign presses on."""
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
        audit.record(session, "decision.updated", actor=actor, campaign_id=campaign.id,
                     target_type="decision", target_id=decision.id, fields=changed)
    return decision


# Decision-makers ---------------------------------------------------------------------------


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
) -> DecisionMaker:
    """Add a decision-maker, or change one."""
    if maker is None:
        maker = DecisionMaker(campaign=campaign)
        session.add(maker)
    maker.name, maker.office = name, office
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
) -> StatedPosition:
    """Record a decision-maker's stated position with where and when it was stated."""
    if source_url and not source_url.lower().startswith(("https://", "http://")):
        raise DomainError("the source must be a web address starting with https://")
    position = StatedPosition(stance=stance, stated_on=stated_on, source_url=source_url or None,
                              source_note=source_note or None)
    maker.positions.append(position)
    session.flush()
    session.refresh(maker, ["positions"])
    audit.record(session, "position.recorded", actor=actor, campaign_id=maker.campaign_id,
                 target_type="decision_maker", target_id=maker.id, stance=stance.value,
                 stated_on=stated_on.isoformat())
    return position


def delete_position(session: Session, maker: DecisionMaker, position_id: int) -> None:
    """Remove a position entered by mistake."""
    position = session.get(StatedPosition, position_id)
    if position is None or position.decision_maker_id != maker.id:
        raise NotFound("no such position")
    session.delete(position)
    session.flush()
    session.refresh(maker, ["positions"])


# The ZIP-to-district table -----------------------------------------------------------------

ZIP_HEADERS = {"zip", "zip code", "zipcode", "postal code", "codigo postal", "cp", "zip5"}
DISTRICT_HEADERS = {"district", "council district", "distrito", "distrito del concejo", "ward"}


@dataclass
class DistrictPreview:
    """What a ZIP-to-district CSV would become, before anything is saved."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, problem code)
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def districts(self) -> list[str]:
        return sorted({d for _z, d in self.rows}, key=district_sort_key)


def read_district_table(data: bytes) -> DistrictPreview:
    """Parse a ZIP,district CSV; each problem is (line, code): zip_invalid, district_invalid,
    zip_conflict (same ZIP twice with two districts)."""
    table = uploads.read_table(data, max_rows=MAX_DISTRICT_ROWS)
    names = [uploads.normalize_header(h) for h in table.header]
    zip_col = next((i for i, n in enumerate(names) if n in ZIP_HEADERS), None)
    district_col = next((i for i, n in enumerate(names) if n in DISTRICT_HEADERS), None)
    rows = table.rows
    if zip_col is None or district_col is None:
        # No header row: the first line is data, ZIP then district.
        if len(table.header) >= 2 and ZIP_PATTERN.match(table.header[0]):
            zip_col, district_col = 0, 1
            rows = [(table.header_line, table.header), *rows]
        else:
            raise uploads.UnreadableFile("the file needs a ZIP column and a district column")
    preview = DistrictPreview()
    seen: dict[str, str] = {}
    for line, cells in rows:
        zip_raw = cells[zip_col] if zip_col < len(cells) else ""
        district = " ".join((cells[district_col] if district_col < len(cells) else "").split())
        match = ZIP_PATTERN.match(zip_raw.replace(" ", ""))
        if not match:
            preview.errors.append((line, "zip_invalid"))
            continue
        if not DISTRICT_PATTERN.match(district) or district.lower() == UNASSIGNED:
            preview.errors.append((line, "district_invalid"))
            continue
        zip_code = match.group(1)
        if zip_code in seen:
            if seen[zip_code] != district:
                preview.errors.append((line, "zip_conflict"))
            continue
        seen[zip_code] = district
        preview.rows.append((zip_code, district))
    return preview


def district_changes(
    session: Session, campaign: Campaign, rows: list[tuple[str, str]]
) -> dict[str, int]:
    """How many signatures would change district if this table replaced the current one."""
    new = dict(rows)
    counts = session.execute(
        sa.select(Signature.zip, Signature.district, sa.func.count())
        .where(Signature.campaign_id == campaign.id)
        .group_by(Signature.zip, Signature.district)
    )
    moved = unassigned = 0
    for zip_code, district, count in counts:
        target = new.get((zip_code or "")[:5], UNASSIGNED)
        if target != district:
            moved += count
            if target == UNASSIGNED:
                unassigned += count
    return {"signatures_moved": moved, "signatures_unassigned": unassigned}


def replace_district_table(
    session: Session, campaign: Campaign, actor: User, rows: list[tuple[str, str]]
) -> int:
    """Replace the ZIP-to-district table and re-district every signature and testimony by ZIP,
    then rebuild the counts. Returns how many signatures changed district."""
    if not rows:
        raise DomainError("the table has no valid rows")
    changes = district_changes(session, campaign, rows)
    session.execute(sa.delete(DistrictZip).where(DistrictZip.campaign_id == campaign.id))
    session.execute(
        sa.insert(DistrictZip),
        [{"campaign_id": campaign.id, "zip": z, "district": d} for z, d in rows],
    )
    by_district: dict[str, list[str]] = {}
    for zip_code, district in rows:
        by_district.setdefault(district, []).append(zip_code)
    for model in (Signature, Testimony):
        zip5 = sa.func.substr(model.zip, 1, 5)
        session.execute(
            sa.update(model)
            .where(model.campaign_id == campaign.id)
            .values(district=UNASSIGNED)
            .execution_options(synchronize_session=False)
        )
        for district, zips in by_district.items():
            for start in range(0, len(zips), 500):
                session.execute(
                    sa.update(model)
                    .where(model.campaign_id == campaign.id, zip5.in_(zips[start:start + 500]))
                    .values(district=district)
                    .execution_options(synchronize_session=False)
                )
    session.expire_all()
    tallies.recount(session, campaign.id)
    audit.record(session, "districts.replaced", actor=actor, campaign_id=campaign.id,
                 rows=len(rows), districts=len(by_district), **changes)
    return changes["signatures_moved"]
