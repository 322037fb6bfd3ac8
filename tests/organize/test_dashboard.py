"""The dashboard: totals against the goal, a chart of signatures per day, districts beside
the whip count, testimony by position, what waits, the next dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import time_machine

from campaign.models import (
    DecisionMaker,
    EndorsementStatus,
    Position,
    SignatureSource,
    SignatureStatus,
    Stance,
    StatedPosition,
    TestimonyStatus,
)
from campaign.services import dashboard
from tests.factories import make_endorsement, make_signature, make_testimony

NOW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)


def _login(client, user):
    assert (
        client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        ).status_code
        == 302
    )


def test_signatures_are_counted_on_the_local_day(app, db, team):
    campaign = team["campaign"]  # America/New_York
    # 02:30 UTC on June 15 is 22:30 on June 14 in New York.
    make_signature(campaign, created_at=datetime(2026, 6, 15, 2, 30, tzinfo=UTC))
    make_signature(campaign, created_at=datetime(2026, 6, 15, 14, 0, tzinfo=UTC))
    make_signature(
        campaign,
        created_at=datetime(2026, 6, 15, 15, 0, tzinfo=UTC),
        status=SignatureStatus.PENDING,
    )
    days = dashboard.signatures_per_day(db.session, campaign, NOW)
    counts = {d.day: d.count for d in days}
    assert len(days) == dashboard.CHART_DAYS and days[-1].day == date(2026, 6, 15)
    assert counts[date(2026, 6, 14)] == 1 and counts[date(2026, 6, 15)] == 1
    chart = dashboard.chart(days)
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.y + tallest.height == chart.plot_bottom and chart.max_count == 5


def test_dashboard_page(client, db, team):
    campaign = team["campaign"]
    campaign.goal = 10
    for district, many in (("1", 6), ("2", 1)):
        for _ in range(many):
            make_signature(
                campaign,
                zip="11111" if district == "1" else "22222",
                district=district,
                created_at=NOW - timedelta(days=1),
            )
    make_signature(campaign, source=SignatureSource.PAPER, created_at=NOW - timedelta(days=2))
    for status, position in (
        (TestimonyStatus.APPROVED, Position.OPPOSE),
        (TestimonyStatus.APPROVED, Position.SUPPORT),
        (TestimonyStatus.PENDING, Position.OPPOSE),
    ):
        make_testimony(campaign, status=status, position=position)
    make_endorsement(campaign, "Waiting Org", status=EndorsementStatus.PENDING)
    for name, district, stance in (
        ("Alicia Moreno", "1", Stance.NO),
        ("Robert Keane", "2", Stance.YES),
        ("Mayor Lee", None, Stance.UNDECIDED),
    ):
        maker = DecisionMaker(campaign=campaign, name=name, district=district)
        maker.positions.append(
            StatedPosition(
                stance=stance, stated_on=date(2026, 6, 1), source_url="https://ledger.example/whip"
            )
        )
        db.session.add(maker)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        _login(client, team["organizer"])
        page = client.get(f"/organize/c/{campaign.slug}/").get_data(as_text=True)
    assert "<strong>8</strong>" in page and "of a goal of 10" in page and "(80%)" in page
    assert "7 online, 1 on paper" in page
    assert re.search(r"<strong>1</strong> testimonies to moderate", page)
    assert re.search(r"<strong>1</strong> organizations to approve", page)
    # The chart is an SVG drawn on the server: no script, no style attribute.
    assert '<svg viewBox="0 0 720 240"' in page and 'class="bar"' in page
    assert "style=" not in page and "<script>" not in page
    whip = page[page.index('class="whip"') :]
    rows = re.findall(r'<tr( class="thin")?>\s*<th scope="row">(\w+)', whip)
    assert ("", "1") in rows and (' class="thin"', "2") in rows
    district_two = whip[whip.index('<th scope="row">2') :]
    assert "Robert Keane" in district_two.split("</tr>")[0]
    assert "Mayor Lee" in page and "At large" in page
    assert "Hearing" in page  # the next date


def test_thin_districts(app, db, team):
    campaign = team["campaign"]
    for _ in range(10):
        make_signature(campaign, district="1")
    make_signature(campaign, district="2")
    rows, _at_large = dashboard.district_rows(
        db.session, campaign, dashboard.campaigns.counts(db.session, campaign.id)
    )
    thin = {r.district: r.thin for r in rows}
    assert thin == {"1": False, "2": True}
