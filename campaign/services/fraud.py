"""Fraud signals: bursts of signatures from one client, email domains that suddenly trend, and
invalidating (or restoring) a batch of signatures with a reason, as the UK Parliament petitions
site lets its moderators do.

Only online signatures are looked at: paper signatures are typed up by the team, carry no client
hash and keep their own paper batch label. A client is the keyed hash the sign flow stores
(`Signature.client_hash`); no raw address exists anywhere to show or to log.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import (
    AuditEvent,
    Campaign,
    Signature,
    SignatureSource,
    SignatureStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, tallies

BURST_THRESHOLD = 20  # signatures from one client within the window
WINDOW_MINUTES = 60
DOMAIN_DAYS = 14
MAX_DAYS = 92
TRENDING_FLOOR = 20  # a day below this is never "trending", whatever the domain's usual count
TRENDING_MULTIPLE = 3.0  # ... and it must exceed this multiple of the domain's usual day
MAX_BURSTS = 100
MAX_BURST_CLIENTS = 500
MAX_DOMAINS = 25
MAX_BATCHES = 50
REASON_MIN, REASON_MAX = 3, 300
BATCH_PREFIX = "fraud-"
HASH_SHOWN = 8  # characters of a client hash shown to staff and written to the audit log
HOUR, QUARTER_HOUR = 3600, 900  # seconds

CLIENT_HASH = re.compile(r"^[0-9a-f]{32}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OPEN_STATUSES = (SignatureStatus.PENDING, SignatureStatus.VERIFIED)


class InvalidReason(DomainError):
    """The reason is missing, too short, too long or has control characters."""

    code = "reason_invalid"


@dataclass
class Burst:
    """Signatures from one client, closer together than the window allows for normal use."""

    client_hash: str
    first: datetime
    last: datetime
    count: int
    statuses: dict[str, int]

    @property
    def hash_prefix(self) -> str:
        return self.client_hash[:HASH_SHOWN]

    @property
    def key(self) -> str:
        """Stable while the burst's rows do not change: the client and its first signature."""
        return f"{self.hash_prefix}-{self.first:%Y%m%d%H%M%S}"

    @property
    def open(self) -> int:
        """Signatures of the burst that still count (pending or verified)."""
        return sum(self.statuses.get(s.value, 0) for s in OPEN_STATUSES)


@dataclass
class DomainDay:
    day: date
    count: int
    usual: float  # mean count of the domain's other days in the period
    trending: bool


@dataclass
class DomainSeries:
    """One email domain's signatures per local day."""

    domain: str
    total: int
    open: int  # not invalidated
    days: list[DomainDay]

    @property
    def key(self) -> str:
        """A short stable name for the domain, safe in HTML ids and URLs."""
        return "d-" + hashlib.sha256(self.domain.encode()).hexdigest()[:10]

    @property
    def trending_days(self) -> list[DomainDay]:
        return [d for d in self.days if d.trending]

    @property
    def trending(self) -> bool:
        return any(d.trending for d in self.days)

    @property
    def peak(self) -> DomainDay:
        return max(self.days, key=lambda d: (d.count, d.day))


@dataclass
class Totals:
    signatures: int = 0  # online signatures in the period
    by_status: dict[str, int] = field(default_factory=dict)
    clients: int = 0  # distinct client hashes
    in_bursts: int = 0
    domains: int = 0
    trending_domains: int = 0


@dataclass
class Signals:
    since: datetime
    until: datetime
    window_minutes: int
    threshold: int
    floor: int
    multiple: float
    days: list[date]
    bursts: list[Burst]
    domains: list[DomainSeries]
    totals: Totals


@dataclass
class InvalidatedBatch:
    label: str
    count: int  # signatures still invalidated under this label
    reason: str
    at: datetime | None = None
    actor: str | None = None
    criteria: dict[str, Any] = field(default_factory=dict)


def clean_reason(reason: str | None) -> str:
    """The reason as stored: spaces collapsed, 3 to 300 characters, no control characters."""
    text = " ".join((reason or "").split())
    if CONTROL.search(text) or not REASON_MIN <= len(text) <= REASON_MAX:
        raise InvalidReason(
            f"a reason of {REASON_MIN} to {REASON_MAX} characters is required",
            min=REASON_MIN,
            max=REASON_MAX,
        )
    return text


def local_day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The first and last instant (inclusive, to the microsecond) of a day in the campaign's
    zone, as aware UTC datetimes."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), (end - timedelta(microseconds=1)).astimezone(UTC)


def _bucket_seconds(zone: ZoneInfo, days: list[date]) -> int:
    """Hours when the zone's offset is whole hours on every day of the period (most zones);
    quarter hours otherwise: every zone's offset is a whole number of quarter hours."""
    for day in [*days, days[-1] + timedelta(days=1)]:
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset() or timedelta()
        if offset.total_seconds() % HOUR:
            return QUARTER_HOUR
    return HOUR


def _bucket(session: Session, column: Any, seconds: int) -> Any:
    """The `seconds`-long bucket since 1970 of a stored (naive UTC) timestamp, in SQL.

    Counting per bucket in SQL and folding buckets into local days in Python gives the exact
    count per day in the campaign's zone, which the two databases cannot take the same way.
    """
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.floor(sa.extract("epoch", column) / seconds), sa.BigInteger)
    # SQLite's strftime rounds fractional seconds to the millisecond, which can move a row into
    # the next bucket; the stored text's first 19 characters are the whole seconds.
    return sa.cast(sa.func.strftime("%s", sa.func.substr(column, 1, 19)), sa.Integer) // seconds


def _online(campaign_id: int, since: datetime, until: datetime) -> list[Any]:
    return [
        Signature.campaign_id == campaign_id,
        Signature.source == SignatureSource.ONLINE,
        Signature.created_at >= since,
        Signature.created_at <= until,
    ]


def _bursts(
    session: Session,
    campaign_id: int,
    since: datetime,
    until: datetime,
    window: timedelta,
    threshold: int,
) -> tuple[list[Burst], int]:
    """The bursts, and how many distinct clients signed in the period."""
    where = [*_online(campaign_id, since, until), Signature.client_hash.is_not(None)]
    candidates, clients = _busy_clients(session, where, threshold)
    bursts = []
    for client, rows in _signing_times(session, where, candidates).items():
        for first, last in _runs(rows, window, threshold):
            part = rows[first : last + 1]
            bursts.append(
                Burst(
                    client,
                    part[0][0],
                    part[-1][0],
                    len(part),
                    dict(Counter(status for _, status in part)),
                )
            )
    bursts.sort(key=lambda b: (-b.count, b.first, b.client_hash))
    return bursts[:MAX_BURSTS], clients


def _busy_clients(session: Session, where: list[Any], threshold: int) -> tuple[list[str], int]:
    """The clients with at least `threshold` signatures (the only ones that can have a burst),
    and how many clients signed at all, in one pass over the period's rows."""
    count = sa.func.count()
    per_client = (
        sa.select(
            Signature.client_hash.label("client"),
            count.label("n"),
            sa.func.count().over().label("clients"),
            sa.func.row_number().over(order_by=count.desc()).label("rank"),
        )
        .where(*where)
        .group_by(Signature.client_hash)
        .subquery()
    )
    # The busiest client is always returned, so the number of clients comes along even when
    # nobody reaches the threshold.
    found = session.execute(
        sa.select(per_client.c.client, per_client.c.n, per_client.c.clients)
        .where(sa.or_(per_client.c.n >= threshold, per_client.c.rank == 1))
        .order_by(per_client.c.n.desc(), per_client.c.client)
    ).all()
    clients = found[0].clients if found else 0
    return [row.client for row in found if row.n >= threshold][:MAX_BURST_CLIENTS], clients


def _signing_times(
    session: Session, where: list[Any], clients: list[str]
) -> dict[str, list[tuple[datetime, str]]]:
    """When each of these clients signed, and each signature's status, in time order."""
    times: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for start in range(0, len(clients), 100):
        for client, created_at, status in session.execute(
            sa.select(Signature.client_hash, Signature.created_at, Signature.status)
            .where(*where, Signature.client_hash.in_(clients[start : start + 100]))
            .order_by(Signature.client_hash, Signature.created_at, Signature.id)
        ):
            times[client].append((created_at, SignatureStatus(status).value))
    return times


def _runs(rows: list[tuple[datetime, str]], window: timedelta, threshold: int) -> list[list[int]]:
    """Every run of `threshold` rows that fits in one window, as [first, last] indexes;
    overlapping runs are one, so a client signing 25 times an hour all afternoon shows as one
    long burst."""
    spans: list[list[int]] = []
    left = 0
    for right in range(len(rows)):
        while rows[right][0] - rows[left][0] > window:
            left += 1
        if right - left + 1 >= threshold:
            if spans and left <= spans[-1][1]:
                spans[-1][1] = right
            else:
                spans.append([left, right])
    return spans


@dataclass
class _DomainCounts:
    """The period's online signatures counted per email domain and local day."""

    days: list[date]
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    per_day: dict[str, dict[date, int]] = field(default_factory=dict)

    def add(self, domain: str, status: str, day: date, count: int) -> None:
        self.totals[domain] += count
        if status != SignatureStatus.INVALIDATED.value:
            self.open[domain] += count
        days = self.per_day.setdefault(domain, dict.fromkeys(self.days, 0))
        if day in days:
            days[day] += count


def _domains(
    session: Session,
    campaign: Campaign,
    since: datetime,
    until: datetime,
    days: list[date],
    floor: int,
    multiple: float,
) -> tuple[list[DomainSeries], int, dict[str, int]]:
    """The domains to show, how many domains signed, and the period's counts by status."""
    counts = _count_domains(session, campaign, since, until, days)
    series = _domain_series(counts, floor, multiple)
    # Every trending domain, and the busiest others.
    series.sort(key=lambda s: (-s.total, s.domain))
    busiest = {s.domain for s in series[:MAX_DOMAINS]}
    shown = [s for s in series if s.trending or s.domain in busiest]
    shown.sort(key=lambda s: (not s.trending, -s.total, s.domain))
    return shown, len(counts.totals), dict(counts.by_status)


def _count_domains(
    session: Session, campaign: Campaign, since: datetime, until: datetime, days: list[date]
) -> _DomainCounts:
    """One pass over the period's rows, grouped in SQL by domain, status and hour (or quarter
    hour), the hours folded into the campaign's local days here."""
    zone = ZoneInfo(campaign.time_zone)
    seconds = _bucket_seconds(zone, days)
    bucket_of = _bucket(session, Signature.created_at, seconds)
    counts = _DomainCounts(days)
    day_of: dict[int, date] = {}
    for domain, status, bucket, count in session.execute(
        sa.select(Signature.email_domain, Signature.status, bucket_of, sa.func.count())
        .where(*_online(campaign.id, since, until))
        .group_by(Signature.email_domain, Signature.status, bucket_of)
    ):
        status = SignatureStatus(status).value
        counts.by_status[status] += count
        if domain is None:
            continue
        bucket = int(bucket)
        if bucket not in day_of:
            day_of[bucket] = datetime.fromtimestamp(bucket * seconds, UTC).astimezone(zone).date()
        counts.add(domain, status, day_of[bucket], count)
    return counts


def _domain_series(counts: _DomainCounts, floor: int, multiple: float) -> list[DomainSeries]:
    """Each domain's days, a day marked trending when it has at least `floor` signatures and
    more than `multiple` times the domain's usual day.

    The usual day is the mean of the domain's other days since the campaign's traffic began in
    this period: days before a campaign opened would make every domain look new."""
    days = counts.days
    active = {day for per_day in counts.per_day.values() for day, n in per_day.items() if n}
    span = [d for d in days if d >= min(active, default=days[-1])]
    series = []
    for domain, per_day in counts.per_day.items():
        total_span = sum(per_day[d] for d in span)
        domain_days = []
        for day in days:
            count = per_day[day]
            inside = day >= span[0]
            others = len(span) - (1 if inside else 0)
            usual = (total_span - (count if inside else 0)) / others if others else 0.0
            trending = count >= floor and count > multiple * usual
            domain_days.append(DomainDay(day, count, round(usual, 1), trending))
        series.append(DomainSeries(domain, counts.totals[domain], counts.open[domain], domain_days))
    return series


def signals(
    session: Session,
    campaign: Campaign,
    *,
    window_minutes: int = WINDOW_MINUTES,
    since: datetime | None = None,
    threshold: int = BURST_THRESHOLD,
    days: int = DOMAIN_DAYS,
    floor: int = TRENDING_FLOOR,
    multiple: float = TRENDING_MULTIPLE,
    now: datetime | None = None,
) -> Signals:
    """Bursts per client hash, signatures per email domain and local day with trending days
    flagged, and totals, for the campaign's online signatures since `since` (by default the
    start of the local day `days` - 1 days ago)."""
    if window_minutes < 1 or threshold < 2 or floor < 1 or multiple <= 0:
        raise DomainError(
            "window, threshold, floor and multiple must be positive", code="signal_settings_invalid"
        )
    now = now or utcnow()
    zone = ZoneInfo(campaign.time_zone)
    today = now.astimezone(zone).date()
    if since is None:
        first_day = today - timedelta(days=max(1, min(days, MAX_DAYS)) - 1)
        since = local_day_bounds(first_day, campaign.time_zone)[0]
    else:
        first_day = max(since.astimezone(zone).date(), today - timedelta(days=MAX_DAYS - 1))
        since = max(since, local_day_bounds(first_day, campaign.time_zone)[0])
    day_list = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
    bursts, clients = _bursts(
        session, campaign.id, since, now, timedelta(minutes=window_minutes), threshold
    )
    domains, domain_count, by_status = _domains(
        session, campaign, since, now, day_list, floor, multiple
    )
    totals = Totals(
        signatures=sum(by_status.values()),
        by_status=by_status,
        clients=clients,
        in_bursts=sum(b.count for b in bursts),
        domains=domain_count,
        trending_domains=sum(d.trending for d in domains),
    )
    return Signals(
        since, now, window_minutes, threshold, floor, multiple, day_list, bursts, domains, totals
    )


def _check_campaign(campaign: Campaign) -> None:
    if campaign.purged_at is not None:
        raise DomainError(
            "this campaign's personal data was purged; its counts are final", code="campaign_purged"
        )


def invalidate_batch(
    session: Session,
    campaign: Campaign,
    actor: User,
    *,
    client_hash: str | None = None,
    email_domain: str | None = None,
    start: datetime,
    end: datetime,
    reason: str,
) -> int:
    """Invalidate the campaign's counted online signatures from one client hash or one email
    domain signed between start and end (inclusive), as one labelled batch with a reason;
    recount and audit. Returns how many were invalidated. Flushes, does not commit; rows are
    changed in bulk, so objects already loaded must be refreshed."""
    reason = clean_reason(reason)
    _check_campaign(campaign)
    match, criteria = _criteria(client_hash, email_domain)
    if start.tzinfo is None or end.tzinfo is None or start > end:
        raise DomainError(
            "the time range must be aware and start before it ends", code="time_range_invalid"
        )
    now = utcnow()
    label = f"{BATCH_PREFIX}{now:%Y%m%d%H%M}-{secrets.token_hex(3)}"
    changed: dict[str, int] = {}
    # One statement per status, each conditional on it: a resident confirming at this moment
    # is either invalidated or not, never counted twice, and the audit says how many of each.
    for status in OPEN_STATUSES:
        result = session.execute(
            sa.update(Signature)
            .where(*_online(campaign.id, start, end), match, Signature.status == status)
            .values(status=SignatureStatus.INVALIDATED, invalidated_reason=reason, batch=label)
            .execution_options(synchronize_session=False)
        )
        changed[status.value] = result.rowcount
    count = sum(changed.values())
    if count:
        tallies.recount(session, campaign.id)
        audit.record(
            session,
            "signatures.invalidated",
            actor=actor,
            campaign_id=campaign.id,
            rows=count,
            batch=label,
            reason=reason,
            start=start.isoformat(),
            end=end.isoformat(),
            **criteria,
            **changed,
        )
    session.flush()
    return count


def _criteria(client_hash: str | None, email_domain: str | None) -> tuple[Any, dict[str, Any]]:
    """Which signatures a batch takes (one client hash or one email domain), and how the audit
    log names them."""
    if (client_hash is None) == (email_domain is None):
        raise DomainError("give one client hash or one email domain", code="criteria_invalid")
    if client_hash is not None:
        if not CLIENT_HASH.match(client_hash):
            raise DomainError("not a client hash", code="criteria_invalid")
        # A prefix identifies the client to the team; the full hash is a stable key that
        # could link this client's future visits, so it stays out of the log.
        return Signature.client_hash == client_hash, {"client": client_hash[:HASH_SHOWN]}
    domain = (email_domain or "").strip().lower()
    if not domain or len(domain) > 255:
        raise DomainError("not an email domain", code="criteria_invalid")
    return Signature.email_domain == domain, {"email_domain": domain}


def restore_batch(
    session: Session, campaign: Campaign, actor: User, batch: str, reason: str
) -> int:
    """Undo an invalidated batch: each signature is verified again if it had been verified,
    else pending. Recount and audit; returns how many were restored (NotFound if none)."""
    reason = clean_reason(reason)
    _check_campaign(campaign)
    batch = (batch or "").strip()
    if not batch.startswith(BATCH_PREFIX) or len(batch) > 40:
        raise NotFound("no such batch")
    where = [
        Signature.campaign_id == campaign.id,
        Signature.batch == batch,
        Signature.status == SignatureStatus.INVALIDATED,
    ]
    changed: dict[str, int] = {}
    for status, had_verified in (
        (SignatureStatus.VERIFIED, Signature.verified_at.is_not(None)),
        (SignatureStatus.PENDING, Signature.verified_at.is_(None)),
    ):
        result = session.execute(
            sa.update(Signature)
            .where(*where, had_verified)
            .values(status=status, invalidated_reason=None, batch=None)
            .execution_options(synchronize_session=False)
        )
        changed[status.value] = result.rowcount
    count = sum(changed.values())
    if not count:
        raise NotFound("no such batch")
    tallies.recount(session, campaign.id)
    audit.record(
        session,
        "signatures.restored",
        actor=actor,
        campaign_id=campaign.id,
        rows=count,
        batch=batch,
        reason=reason,
        **changed,
    )
    session.flush()
    return count


def invalidated_batches(session: Session, campaign_id: int) -> list[InvalidatedBatch]:
    """Batches invalidated here and not (wholly) restored, newest first, with who and why."""
    batches = [
        InvalidatedBatch(label, count, reason or "")
        for label, count, reason in session.execute(
            sa.select(Signature.batch, sa.func.count(), sa.func.max(Signature.invalidated_reason))
            .where(
                Signature.campaign_id == campaign_id,
                Signature.status == SignatureStatus.INVALIDATED,
                Signature.batch.startswith(BATCH_PREFIX, autoescape=True),
            )
            .group_by(Signature.batch)
            .order_by(Signature.batch.desc())
            .limit(MAX_BATCHES)
        )
    ]
    if not batches:
        return batches
    _add_who_and_why(session, campaign_id, batches)
    return batches


def _add_who_and_why(session: Session, campaign_id: int, batches: list[InvalidatedBatch]) -> None:
    """When each batch was invalidated, by whom and by which criteria, from the audit log."""
    wanted = {b.label: b for b in batches}
    oldest = min(_label_time(b.label) for b in batches) - timedelta(minutes=1)
    for event in session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.campaign_id == campaign_id,
            AuditEvent.action == "signatures.invalidated",
            AuditEvent.at >= oldest,
        )
        .order_by(AuditEvent.at.desc())
        .limit(MAX_BATCHES * 10)
    ):
        details = event.details or {}
        batch = wanted.get(details.get("batch", ""))
        if batch is not None and batch.at is None:
            batch.at, batch.actor = event.at, event.actor_label
            batch.criteria = _criteria_of(details)


def _criteria_of(details: dict[str, Any]) -> dict[str, Any]:
    criteria = {k: details[k] for k in ("client", "email_domain") if k in details}
    for k in ("start", "end"):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            criteria[k] = datetime.fromisoformat(details[k])
    return criteria


def _label_time(label: str) -> datetime:
    try:
        return datetime.strptime(label[len(BATCH_PREFIX) :][:12], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
