"""Reading campaigns as the public sees them: the decision, its dates and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    Decision,
    DecisionMaker,
    Endorsement,
    EndorsementStatus,
    Tally,
)
from campaign.models.types import utcnow
from campaign.services import NotFound, context

PUBLIC_STATUSES = (CampaignStatus.OPEN, CampaignStatus.CLOSED, CampaignStatus.ARCHIVED)


@dataclass(frozen=True)
class DistrictCount:
    district: str
    signatures: int
    testimonies: int


@dataclass(frozen=True)
class Counts:
    """Aggregate numbers of one campaign; never anything about a person."""

    signatures: int = 0
    signatures_pending: int = 0
    support: int = 0
    oppose: int = 0
    neutral: int = 0
    endorsements: int = 0
    by_district: list[DistrictCount] = field(default_factory=list)

    @property
    def testimonies_approved(self) -> int:
        return self.support + self.oppose + self.neutral


def list_open(session: Session) -> list[Campaign]:
    """Open campaigns, soonest next deadline first."""
    campaigns = session.scalars(
        sa.select(Campaign)
        .where(Campaign.status == CampaignStatus.OPEN)
        .options(selectinload(Campaign.decision), selectinload(Campaign.deadlines))
        .order_by(Campaign.created_at.desc())
    ).all()
    now = utcnow()

    def next_at(c: Campaign) -> datetime:
        upcoming = [d.at for d in c.deadlines if d.at >= now]
        return min(upcoming) if upcoming else datetime.max.replace(tzinfo=now.tzinfo)

    return sorted(campaigns, key=next_at)


def list_public(session: Session) -> list[Campaign]:
    """Every campaign the public may see (not drafts), newest first."""
    return list(
        session.scalars(
            sa.select(Campaign)
            .where(Campaign.status.in_(PUBLIC_STATUSES))
            .options(selectinload(Campaign.decision), selectinload(Campaign.deadlines))
            .order_by(Campaign.created_at.desc())
        )
    )


def get_public(session: Session, slug: str, *, whip_count: bool = False) -> Campaign:
    """A campaign the public may see, by slug; drafts and unknown slugs are NotFound.

    `whip_count` also loads the decision-makers and their stated positions, which only the
    campaign page shows (the sign and testify forms are the hot path under load).
    """
    # The deadlines' dependents too: the testimony window reads each hearing's comment
    # deadline and speaker cut-off (one query here instead of one per hearing later).
    options = [
        selectinload(Campaign.decision),
        selectinload(Campaign.deadlines).selectinload(Deadline.dependents),
    ]
    if whip_count:
        options.append(selectinload(Campaign.decision_makers).selectinload(DecisionMaker.positions))
    campaign = session.scalar(
        sa.select(Campaign)
        .where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
        .options(*options)
    )
    if campaign is None:
        raise NotFound(slug)
    return campaign


def counts(session: Session, campaign_id: int) -> Counts:
    """The campaign's totals, read from the running tallies (no scan of signatures)."""
    tallies = session.scalars(
        sa.select(Tally).where(Tally.campaign_id == campaign_id).order_by(Tally.district)
    ).all()
    endorsements = session.scalar(
        sa.select(sa.func.count())
        .select_from(Endorsement)
        .where(
            Endorsement.campaign_id == campaign_id,
            Endorsement.status == EndorsementStatus.APPROVED,
        )
    )
    by_district = [
        DistrictCount(t.district, t.signatures_verified, t.support + t.oppose + t.neutral)
        for t in tallies
        if t.signatures_verified or t.support or t.oppose or t.neutral
    ]
    by_district.sort(key=district_sort_key)
    return Counts(
        signatures=sum(t.signatures_verified for t in tallies),
        signatures_pending=sum(t.signatures_pending for t in tallies),
        support=sum(t.support for t in tallies),
        oppose=sum(t.oppose for t in tallies),
        neutral=sum(t.neutral for t in tallies),
        endorsements=endorsements or 0,
        by_district=by_district,
    )


def district_sort_key(item) -> tuple:
    """Districts in natural order ("2" before "10"), "unassigned" last."""
    name = item if isinstance(item, str) else item.district
    if name == "unassigned":
        return (2, 0, name)
    return (0, int(name), name) if name.isdigit() else (1, 0, name.lower())


def approved_endorsements(session: Session, campaign_id: int) -> list[Endorsement]:
    """Organizations whose sign-on a lead approved: founding members first, then by name."""
    return list(
        session.scalars(
            sa.select(Endorsement)
            .where(
                Endorsement.campaign_id == campaign_id,
                Endorsement.status == EndorsementStatus.APPROVED,
            )
            .order_by(Endorsement.role, Endorsement.organization_key)
        )
    )


# --- The signing form's campaign, reused while its rows are unchanged ---------------------------

_FORM_CAMPAIGNS_KEPT = 64


class FormCampaignCache:
    """A per-process cache of campaigns as the signing form needs them.

    Invalidation: every request reads the campaign's rows (its decision's and dates' too)
    and loads the campaign again when they differ from the cached ones.

    The form is the page that takes the load when a campaign is shared widely, and loading a
    campaign with its decision and dates through the ORM costs several times more than reading
    the same rows. So every request still reads the rows (a campaign closed or edited a moment
    ago shows at once, in every process), and only when they differ from what this process
    kept is the campaign loaded again. What is kept is detached and read only: nothing may add
    it to a session, and one that was (or was expired) is thrown away and loaded again.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[tuple, Campaign]] = {}
        # Built once: building a statement costs more than running this one. No filter on
        # the status: the rows only tell whether anything changed, and a campaign is kept
        # only once `get_public` has loaded it (a draft never is).
        campaign_table, decision_table = Campaign.__table__, Decision.__table__
        deadline_table = Deadline.__table__
        self._rows_statement = (
            sa.select(campaign_table, decision_table, deadline_table)
            .outerjoin(decision_table, decision_table.c.campaign_id == campaign_table.c.id)
            .outerjoin(deadline_table, deadline_table.c.campaign_id == campaign_table.c.id)
            .where(campaign_table.c.slug == sa.bindparam("slug"))
            .order_by(deadline_table.c.id)
        )
        self._compiled: dict[str, tuple[str, bool]] = {}

    def _rows(self, session: Session, slug: str) -> tuple | None:
        """The campaign's row, its decision's and its deadlines', in one query.

        Run on the driver's own cursor, in the session's transaction, and compared as the
        driver returns them: SQLAlchemy's execution and its conversion of every value were
        most of this check's cost, which every signing page pays.
        """
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            statement = self._rows_statement.compile(dialect=dialect)
            compiled = self._compiled[dialect.name] = (statement.string, statement.positional)
        sql, positional = compiled
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, (slug,) if positional else {"slug": slug})
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return tuple(tuple(row) for row in rows) or None

    @staticmethod
    def _usable(campaign: Campaign) -> bool:
        objects = [campaign, *campaign.deadlines]
        if campaign.decision is not None:
            objects.append(campaign.decision)
        return all(
            (state := sa.inspect(item)).detached and not state.expired_attributes
            for item in objects
        )

    def get(self, session: Session, slug: str) -> Campaign:
        """The public campaign for the signing form (detached, read only); NotFound if none."""
        rows = self._rows(session, slug)
        if rows is None:
            self._kept.pop(slug, None)
            raise NotFound(slug)
        kept = self._kept.get(slug)
        if kept is not None and kept[0] == rows and self._usable(kept[1]):
            return kept[1]
        try:
            campaign = self._load(session, slug)
        except NotFound:  # a draft, or made one again
            self._kept.pop(slug, None)
            raise
        if len(self._kept) >= _FORM_CAMPAIGNS_KEPT:
            self._kept.pop(next(iter(self._kept)))
        self._kept[slug] = (rows, campaign)
        return campaign

    @staticmethod
    def _load(session: Session, slug: str) -> Campaign:
        # Its own session, never committed, so nothing expires what it loaded; every relation
        # the form, its pages and its mails read is loaded here, as a detached object cannot
        # load anything later.
        with Session(bind=session.get_bind(), expire_on_commit=False) as own:
            campaign = get_public(own, slug)
            for deadline in campaign.deadlines:
                _ = deadline.relative_to  # one of these deadlines: found without a query
            for child in (campaign.decision, *campaign.deadlines):
                if child is not None:
                    set_committed_value(child, "campaign", campaign)
            own.expunge_all()
        return campaign


def form_campaign(session: Session, slug: str) -> Campaign:
    """The public campaign for the signing form, from this application's FormCampaignCache."""
    return context.process_cache("form_campaign_cache", FormCampaignCache).get(session, slug)
