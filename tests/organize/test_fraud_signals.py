"""Fraud signals: bursts per client hash, trending email domains, a lead invalidating a batch
with a reason (counts drop, rows stay, audit written) and restoring it."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from campaign.crypto import email_hash
from campaign.models import (
    AuditEvent,
    Signature,
    SignatureSource,
    SignatureStatus,
    Visibility,
)
from campaign.services import DomainError, fraud, tallies

NOW = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 3 pm in the campaign's zone (New York)
ZONE = ZoneInfo("America/New_York")
BURST_HASH = "a1b2c3d4" + "e5" * 12
REASON = "Thirty signatures in ten minutes from one connection"
_numbers = itertools.count(1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _add(
    db,
    campaign,
    created_at,
    *,
    client_hash=None,
    domain="example.org",
    status=SignatureStatus.VERIFIED,
    source=SignatureSource.ONLINE,
    count=1,
):
    """Signatures in bulk, as the sign flow stores them; the tallies are rebuilt after."""
    rows = []
    for _ in range(count):
        n = next(_numbers)
        email = f"person{n}@{domain}"
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": f"Person {n}",
                "email": email,
                "email_hash": email_hash(email),
                "email_domain": domain,
                "zip": "11111",
                "district": "1",
                "visibility": Visibility.PUBLIC,
                "source": source,
                "status": status,
                "client_hash": client_hash,
                "created_at": created_at,
                "verified_at": created_at if status == SignatureStatus.VERIFIED else None,
            }
        )
    if rows:
        db.session.execute(sa.insert(Signature), rows)
    tallies.recount(db.session, campaign.id)


def _burst(db, campaign, start, *, count=30, seconds=20, **fields):
    for n in range(count):
        _add(db, campaign, start + timedelta(seconds=seconds * n), client_hash=BURST_HASH, **fields)


def _normal_traffic(db, campaign):
    """A week of ordinary signing: many clients with a few signatures each, one busy shared
    connection (a library) spread over the day, and one just under the threshold."""
    for day in range(7):
        for n in range(12):
            _add(
                db,
                campaign,
                NOW - timedelta(days=day, minutes=37 * n),
                client_hash=f"{day:02d}{n:02d}" + "0" * 28,
            )
    library = "b" * 32
    for n in range(40):
        _add(
            db, campaign, NOW - timedelta(hours=12) + timedelta(minutes=15 * n), client_hash=library
        )
    for n in range(19):
        _add(
            db, campaign, NOW - timedelta(hours=5) + timedelta(minutes=3 * n), client_hash="c" * 32
        )


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def _api_signatures(client, campaign) -> int:
    return client.get(f"/api/v1/campaigns/{campaign.slug}").get_json()["counts"]["signatures"]


def _statuses(db, campaign) -> dict[str, int]:
    db.session.expire_all()
    return {
        SignatureStatus(status).value: count
        for status, count in db.session.execute(
            sa.select(Signature.status, sa.func.count())
            .where(Signature.campaign_id == campaign.id)
            .group_by(Signature.status)
        )
    }


def _events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _burst_form(page: str) -> dict[str, str]:
    """The hidden fields of the burst's invalidation form, as the browser would send them."""
    form = re.search(r"<form[^>]*signals/invalidate[^>]*>(.*?)</form>", page, re.S).group(1)
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    }


def _row(page: str, row_id: str) -> str:
    return re.search(rf'<tr id="{row_id}">(.*?)</tr>', page, re.S).group(1)


def test_a_burst_from_one_client_shows_and_normal_traffic_does_not(client, db, team, frozen):
    campaign = team["campaign"]
    _normal_traffic(db, campaign)
    _burst(db, campaign, NOW - timedelta(hours=2))
    # The same client in another campaign is that campaign's business.
    _burst(db, team["other"], NOW - timedelta(hours=2))
    db.session.commit()

    result = fraud.signals(db.session, campaign)
    [burst] = result.bursts
    assert (burst.client_hash, burst.count, burst.open) == (BURST_HASH, 30, 30)
    assert burst.first == NOW - timedelta(hours=2)
    assert burst.last == NOW - timedelta(hours=2) + timedelta(seconds=20 * 29)
    assert burst.statuses == {"verified": 30}
    assert result.totals.in_bursts == 30
    assert result.totals.signatures == 7 * 12 + 40 + 19 + 30

    _login(client, team["organizer"])
    response = client.get(f"/organize/c/{campaign.slug}/signals")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "a1b2c3d4" in page
    # Organizers see the signal but neither the whole hash nor a form to act on it.
    assert BURST_HASH not in page and "signals/invalidate" not in page
    for quiet in ("b" * 8, "c" * 8):
        assert quiet not in page
    # The staff navigation leads here.
    assert f'href="/organize/c/{campaign.slug}/signals"' in page

    # A smaller window, or a lower threshold, is the staff's choice on the page.
    page = client.get(f"/organize/c/{campaign.slug}/signals?threshold=19&window=60").get_data(
        as_text=True
    )
    assert "c" * 8 in page and "b" * 8 not in page


def test_a_domain_well_above_its_usual_day_is_trending(client, db, team, frozen):
    campaign = team["campaign"]
    today = NOW.astimezone(ZONE).date()
    for back in range(14):
        noon = datetime.combine(
            today - timedelta(days=back), datetime.min.time(), tzinfo=ZONE
        ).replace(hour=12)
        _add(db, campaign, noon, domain="steady.example", count=30)  # big but usual
        _add(db, campaign, noon, domain="spike.example", count=2 if back != 3 else 45)
        _add(db, campaign, noon, domain="small.example", count=1 if back != 3 else 15)
        _add(
            db,
            campaign,
            noon,
            domain="paper.example",
            count=40 if back == 3 else 0,
            source=SignatureSource.PAPER,
        )
    # Just before local midnight belongs to the day it is in New York, not in UTC.
    _add(
        db,
        campaign,
        datetime.combine(today - timedelta(days=3), datetime.min.time(), tzinfo=ZONE).replace(
            hour=23, minute=59, second=59, microsecond=999_999
        ),
        domain="spike.example",
    )
    db.session.commit()

    result = fraud.signals(db.session, campaign)
    by_domain = {d.domain: d for d in result.domains}
    assert set(by_domain) == {"steady.example", "spike.example", "small.example"}
    spike = by_domain["spike.example"]
    assert [d.day for d in spike.trending_days] == [today - timedelta(days=3)]
    assert spike.trending_days[0].count == 46 and spike.trending_days[0].usual == 2.0
    assert spike.total == 13 * 2 + 46
    # Above the floor but its usual day, and far above its usual day but under the floor:
    assert not by_domain["steady.example"].trending
    assert not by_domain["small.example"].trending
    assert result.domains[0].domain == "spike.example"
    assert result.totals.trending_domains == 1

    _login(client, team["organizer"])
    page = client.get(f"/organize/c/{campaign.slug}/signals").get_data(as_text=True)
    row = _row(page, spike.key)
    assert "spike.example" in row and "Trending" in row and "<strong>46</strong>" in row
    steady = _row(page, by_domain["steady.example"].key)
    assert "Trending" not in steady
    assert "style=" not in page


def test_a_lead_invalidates_a_burst_with_a_reason_and_restores_it(client, db, team, frozen):
    campaign = team["campaign"]
    _add(db, campaign, NOW - timedelta(days=1), count=10, client_hash="d" * 32)
    # The same client three days before the burst: not part of it, stays counted.
    _add(db, campaign, NOW - timedelta(days=3), client_hash=BURST_HASH)
    _burst(db, campaign, NOW - timedelta(hours=2))
    _burst(db, team["other"], NOW - timedelta(hours=2))
    db.session.commit()
    before = _api_signatures(client, campaign)
    other_before = _api_signatures(client, team["other"])
    assert before == 41

    lead = team["lead"]
    _login(client, lead)
    page = client.get(f"/organize/c/{campaign.slug}/signals").get_data(as_text=True)
    fields = _burst_form(page)
    assert fields["client_hash"] == BURST_HASH
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/invalidate", data={**fields, "reason": f"  {REASON} "}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#batches")

    assert _api_signatures(client, campaign) == before - 30
    assert _api_signatures(client, team["other"]) == other_before
    assert _statuses(db, campaign) == {"verified": 11, "invalidated": 30}
    invalidated = db.session.scalars(
        sa.select(Signature).where(
            Signature.campaign_id == campaign.id, Signature.status == SignatureStatus.INVALIDATED
        )
    ).all()
    assert len(invalidated) == 30
    assert {s.invalidated_reason for s in invalidated} == {REASON}
    [label] = {s.batch for s in invalidated}
    assert re.fullmatch(r"fraud-202603101900-[0-9a-f]{6}", label)
    assert all(s.name and s.email for s in invalidated)  # rows kept as they were
    [event] = _events(db, "signatures.invalidated")
    assert (event.actor_id, event.rows, event.campaign_id) == (lead.id, 30, campaign.id)
    assert event.details["reason"] == REASON and event.details["batch"] == label
    assert event.details["client"] == "a1b2c3d4" and event.details["verified"] == 30
    assert BURST_HASH not in str(event.details)

    page = client.get(f"/organize/c/{campaign.slug}/signals").get_data(as_text=True)
    assert "Invalidated 30 signatures" in page
    batches = page[page.index('id="batches"') :]
    assert label in batches and REASON in batches and lead.email in batches
    assert "All invalidated" in page  # the burst is still shown, with nothing left to do

    # Restoring needs a reason too, and brings every signature back as it was.
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/restore", data={"batch": label, "reason": ""}
    )
    assert response.status_code == 200 and "Write a reason" in response.get_data(as_text=True)
    assert _api_signatures(client, campaign) == before - 30
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/restore",
        data={"batch": label, "reason": "A school's sign-up table, checked"},
    )
    assert response.status_code == 302
    assert _api_signatures(client, campaign) == before
    assert _statuses(db, campaign) == {"verified": 41}
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(
                Signature.campaign_id == campaign.id,
                sa.or_(Signature.batch.is_not(None), Signature.invalidated_reason.is_not(None)),
            )
        )
        == 0
    )
    [restored] = _events(db, "signatures.restored")
    assert (restored.actor_id, restored.rows) == (lead.id, 30)
    assert restored.details["reason"] == "A school's sign-up table, checked"
    # A batch is restored once.
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/restore", data={"batch": label, "reason": "again"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no invalidated batch by that name" in page
    assert _api_signatures(client, campaign) == before


def test_waiting_signatures_are_invalidated_too_and_restored_as_waiting(client, db, team, frozen):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=1), count=20)
    _burst(db, campaign, NOW - timedelta(minutes=50), count=5, status=SignatureStatus.PENDING)
    db.session.commit()
    [burst] = fraud.signals(db.session, campaign).bursts
    assert burst.statuses == {"verified": 20, "pending": 5}
    count = fraud.invalidate_batch(
        db.session,
        campaign,
        team["lead"],
        client_hash=BURST_HASH,
        start=burst.first,
        end=burst.last,
        reason=REASON,
    )
    db.session.commit()
    assert count == 25
    counts = client.get(f"/api/v1/campaigns/{campaign.slug}").get_json()["counts"]
    assert counts["signatures"] == 0
    [batch] = fraud.invalidated_batches(db.session, campaign.id)
    assert batch.count == 25 and batch.criteria["client"] == "a1b2c3d4"
    assert fraud.restore_batch(db.session, campaign, team["lead"], batch.label, "checked") == 25
    db.session.commit()
    assert _statuses(db, campaign) == {"verified": 20, "pending": 5}
    assert _api_signatures(client, campaign) == 20


def test_a_lead_invalidates_one_domains_day(client, db, team, frozen):
    campaign = team["campaign"]
    today = NOW.astimezone(ZONE).date()
    for back in range(5):
        noon = datetime.combine(
            today - timedelta(days=back), datetime.min.time(), tzinfo=ZONE
        ).replace(hour=12)
        _add(db, campaign, noon, domain="burner.example", count=30 if back == 1 else 1)
        _add(db, campaign, noon, domain="example.org", count=3)
    _add(db, campaign, NOW, domain="burner.example", source=SignatureSource.PAPER)
    db.session.commit()
    _login(client, team["lead"])
    page = client.get(f"/organize/c/{campaign.slug}/signals").get_data(as_text=True)
    trend = page[page.index("<h3>Trending</h3>") :]
    fields = _burst_form(trend)
    assert fields["email_domain"] == "burner.example"
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/invalidate",
        data={**fields, "reason": "Disposable addresses, all at once"},
    )
    assert response.status_code == 302
    left = db.session.execute(
        sa.select(Signature.email_domain, Signature.source, Signature.status, sa.func.count())
        .where(Signature.campaign_id == campaign.id)
        .group_by(Signature.email_domain, Signature.source, Signature.status)
    ).all()
    assert sorted((d, s.value, st.value, n) for d, s, st, n in left) == [
        ("burner.example", "online", "invalidated", 30),
        ("burner.example", "online", "verified", 4),
        ("burner.example", "paper", "verified", 1),  # paper is never a fraud signal
        ("example.org", "online", "verified", 15),
    ]


@pytest.mark.parametrize("reason", ["", "  ", "ab", "x" * 301, "bad\x01reason"])
def test_a_reason_is_required_and_nothing_changes_without_one(client, db, team, frozen, reason):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=2))
    db.session.commit()
    _login(client, team["lead"])
    page = client.get(f"/organize/c/{campaign.slug}/signals").get_data(as_text=True)
    fields = _burst_form(page)
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/invalidate", data={**fields, "reason": reason}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="error-summary"' in page and "Write a reason of 3 to 300 characters." in page
    assert f'href="#reason-{fields["key"]}"' in page and 'aria-invalid="true"' in page
    assert _statuses(db, campaign) == {"verified": 30}
    assert _events(db, "signatures.invalidated") == []
    with pytest.raises(fraud.InvalidReason):
        fraud.invalidate_batch(
            db.session,
            campaign,
            team["lead"],
            client_hash=BURST_HASH,
            start=NOW - timedelta(days=1),
            end=NOW,
            reason=reason,
        )


def test_only_leads_of_the_campaign_invalidate_or_restore(client, db, team, frozen):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=2))
    db.session.commit()
    [burst] = fraud.signals(db.session, campaign).bursts
    data = {
        "key": burst.key,
        "client_hash": BURST_HASH,
        "reason": REASON,
        "span": f"{burst.first.isoformat()}/{burst.last.isoformat()}",
    }
    invalidate = f"/organize/c/{campaign.slug}/signals/invalidate"
    restore = f"/organize/c/{campaign.slug}/signals/restore"

    response = client.post(invalidate, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert (
        client.get(f"/organize/c/{campaign.slug}/signals").headers["Location"].startswith("/login")
    )
    _login(client, team["organizer"])
    assert client.post(invalidate, data=data).status_code == 403
    assert client.post(restore, data={"batch": "fraud-x", "reason": REASON}).status_code == 403
    client.post("/logout")
    _login(client, team["outsider"])
    assert client.get(f"/organize/c/{campaign.slug}/signals").status_code == 404
    assert client.post(invalidate, data=data).status_code == 404
    assert _statuses(db, campaign) == {"verified": 30}
    assert _events(db, "signatures.invalidated") == []

    # This campaign's lead cannot act through another campaign's URL.
    client.post("/logout")
    _login(client, team["lead"])
    foreign = f"/organize/c/{team['other'].slug}/signals/invalidate"
    assert client.post(foreign, data=data).status_code == 404


@pytest.mark.parametrize(
    "tampered",
    [
        {"client_hash": "not-a-hash"},
        {"client_hash": BURST_HASH, "email_domain": "example.org"},
        {"client_hash": "", "email_domain": ""},
        {"span": "yesterday/today"},
        {"span": "2026-03-10T10:00:00/2026-03-10T11:00:00"},  # no zone
        {"span": "2026-03-10T12:00:00+00:00/2026-03-10T11:00:00+00:00"},  # ends before it starts
    ],
)
def test_tampered_criteria_are_refused(client, db, team, frozen, tampered):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=2))
    db.session.commit()
    _login(client, team["lead"])
    data = {
        "key": "k",
        "client_hash": BURST_HASH,
        "reason": REASON,
        "span": f"{(NOW - timedelta(days=1)).isoformat()}/{NOW.isoformat()}",
        **tampered,
    }
    response = client.post(f"/organize/c/{campaign.slug}/signals/invalidate", data=data)
    assert response.status_code == 400
    assert _statuses(db, campaign) == {"verified": 30}


def test_the_page_in_spanish(client, db, team, frozen):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=2))
    db.session.commit()
    _login(client, team["lead"])
    page = client.get(f"/organize/c/{campaign.slug}/signals?lang=es").get_data(as_text=True)
    assert "Señales de fraude" in page and "Ráfagas" in page and "Invalidar" in page
    response = client.post(
        f"/organize/c/{campaign.slug}/signals/invalidate", data={**_burst_form(page), "reason": ""}
    )
    assert "Escriba un motivo de 3 a 300 caracteres." in response.get_data(as_text=True)


def test_signals_after_purge_are_final(db, team, frozen):
    campaign = team["campaign"]
    _burst(db, campaign, NOW - timedelta(hours=2))
    campaign.purged_at = NOW
    db.session.commit()
    with pytest.raises(DomainError):
        fraud.invalidate_batch(
            db.session,
            campaign,
            team["lead"],
            client_hash=BURST_HASH,
            start=NOW - timedelta(days=1),
            end=NOW,
            reason=REASON,
        )


def test_a_sustained_run_is_one_burst_and_gaps_split_bursts(db, team, frozen):
    campaign = team["campaign"]
    start = NOW - timedelta(hours=10)
    # 25 an hour for three hours: over the threshold in every hour, so one burst of 75.
    for n in range(75):
        _add(db, campaign, start + timedelta(seconds=144 * n), client_hash=BURST_HASH)
    # Then quiet, and a second run later the same day: another burst.
    _burst(db, campaign, NOW - timedelta(hours=1), count=20, seconds=60)
    db.session.commit()
    bursts = sorted(fraud.signals(db.session, campaign).bursts, key=lambda b: b.first)
    assert [(b.count, b.first) for b in bursts] == [(75, start), (20, NOW - timedelta(hours=1))]
    # A 10-minute window sees neither: 25 an hour is not 20 in ten minutes, nor is one a minute.
    assert fraud.signals(db.session, campaign, window_minutes=10).bursts == []
    # Bounded by `since`: only the later run is looked at.
    [late] = fraud.signals(db.session, campaign, since=NOW - timedelta(hours=2)).bursts
    assert late.count == 20


def test_days_are_the_campaigns_even_in_a_zone_off_the_hour(db, team, frozen):
    campaign = team["campaign"]
    campaign.time_zone = "Asia/Kathmandu"  # UTC+5:45: hour buckets would split its days
    zone = ZoneInfo(campaign.time_zone)
    today = NOW.astimezone(zone).date()
    midnight = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    _add(db, campaign, midnight + timedelta(minutes=5), domain="early.example", count=3)
    _add(db, campaign, midnight - timedelta(minutes=5), domain="early.example", count=2)
    db.session.commit()
    [series] = fraud.signals(db.session, campaign).domains
    counts = {d.day: d.count for d in series.days if d.count}
    assert counts == {today - timedelta(days=1): 3, today - timedelta(days=2): 2}
