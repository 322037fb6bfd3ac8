"""The campaign page: dates with a countdown, progress, districts, coalition, whip count,
share links and OpenGraph tags; never a signer's name or email."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import time_machine

from campaign.models import (
    Deadline,
    DeadlineKind,
    DecisionMaker,
    EndorsementRole,
    SignatureStatus,
    Stance,
    StatedPosition,
    Visibility,
)
from tests.factories import make_campaign, make_endorsement, make_signature
from tests.residents.support import campaign_with_hearing, local, text_of

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 10 am in New York


def test_every_deadline_with_its_status_and_a_countdown_to_the_next(client, db):
    with time_machine.travel(NOW, tick=False):
        campaign = campaign_with_hearing(local(2026, 3, 9, 10))  # across the DST change
        campaign.deadlines.append(
            Deadline(kind=DeadlineKind.OTHER, title="Rally at City Hall", at=local(2026, 2, 20, 17))
        )
        campaign.deadlines.append(
            Deadline(kind=DeadlineKind.VOTE, title="Council vote", at=local(2026, 3, 4, 19))
        )
        db.session.commit()
        page = text_of(client.get(f"/c/{campaign.slug}"))
    for title in ("Rally at City Hall", "Council vote", "Written testimony due", "Hearing"):
        assert title in page
    timeline = page.split('id="dates-heading"')[1].split("</section>")[0]
    assert (
        timeline.index("Rally at City Hall")
        < timeline.index("Council vote")
        < timeline.index("Written testimony due")
        < timeline.index("Monday, March 9, 2026")
    )
    assert "Passed" in page and "Soon" in page and "Upcoming" in page
    # Next: the vote, Wednesday 7 pm EST, 2 days and 9 hours away (so "soon").
    next_card = page.split('id="next-heading"')[1].split("</section>")[0]
    assert "Council vote" in next_card and "in 2 days, 9 hours" in next_card
    assert 'data-countdown="2026-03-05T00:00:00+00:00"' in next_card
    # The testimony deadline is in EDT (after the change), the vote in EST (before).
    assert "Sunday, March 8, 2026, 3:00\u202fPM EDT" in page
    assert "Wednesday, March 4, 2026, 7:00\u202fPM EST" in page
    assert "Times are" in page and "America/New_York" in page
    assert "Written testimony closes Sunday, March 8, 2026" in page


def test_progress_counts_only_verified_signatures(client, db):
    campaign = make_campaign(goal=10)
    for _ in range(3):
        make_signature(campaign)
    make_signature(campaign, status=SignatureStatus.PENDING)
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    assert "<strong>3</strong>" in page and "of a goal of 10" in page
    assert re.search(r'<progress max="10" value="3"', page)


def test_counts_by_district_name_the_council_member(client, db):
    campaign = make_campaign()
    campaign.decision_makers.append(DecisionMaker(name="Alicia Moreno", district="1"))
    make_signature(campaign, zip="11111", district="1")
    make_signature(campaign, zip="99999", district="unassigned")
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    table = page.split('id="districts-heading"')[1].split("</table>")[0]
    assert "Alicia Moreno" in table and "Unassigned" in table


def test_whip_count_with_stances_dates_and_sources(client, db):
    campaign = make_campaign()
    members = [
        DecisionMaker(name="Ana Yes", district="1", sort_order=1),
        DecisionMaker(name="Bo No", district="2", sort_order=2),
        DecisionMaker(name="Cy Unknown", district="3", sort_order=3),
    ]
    members[0].positions.append(
        StatedPosition(
            stance=Stance.UNDECIDED, stated_on=date(2026, 1, 5), source_url="https://news.example/1"
        )
    )
    members[0].positions.append(
        StatedPosition(
            stance=Stance.YES,
            stated_on=date(2026, 2, 10),
            source_url="https://news.example/2",
            source_note="Co-sponsored the renewal.",
        )
    )
    members[1].positions.append(
        StatedPosition(
            stance=Stance.NO, stated_on=date(2026, 2, 1), source_url="javascript:alert(1)"
        )
    )
    campaign.decision_makers.extend(members)
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    whip = page.split('id="whip-heading"')[1].split("</section>")[0]
    assert "vote on renewing the contract" in whip
    assert "<strong>1</strong> Yes" in whip and "<strong>1</strong> No" in whip
    assert "<strong>0</strong> Undecided" in whip and "<strong>1</strong> Not known" in whip
    assert "Co-sponsored the renewal." in whip and "Stated Feb 10, 2026" in whip
    assert "No position stated yet." in whip
    latest = members[0].positions[0]
    source = f"/c/{campaign.slug}/positions/{latest.id}/source"
    assert source in whip
    response = client.get(source)
    assert response.status_code == 303 and response.headers["Location"] == "https://news.example/2"
    bad = members[1].positions[0]
    assert client.get(f"/c/{campaign.slug}/positions/{bad.id}/source").status_code == 404
    other = make_campaign()
    db.session.commit()
    assert client.get(f"/c/{other.slug}/positions/{latest.id}/source").status_code == 404


def test_endorsements_with_founding_members(client, db):
    campaign = make_campaign()
    make_endorsement(campaign, "Casa del Pueblo", role=EndorsementRole.FOUNDING)
    make_endorsement(campaign, "Tenants Union")
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    assert "Casa del Pueblo" in page and "founding member" in page and "Tenants Union" in page


def test_share_links_are_plain_links_and_opengraph_tags_are_there(client, db, app):
    campaign = make_campaign(title="Stop the contract", ask="Vote NO & mean it.")
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    base = app.config["SERVER_BASE_URL"]
    assert f'<meta property="og:url" content="{base}/c/{campaign.slug}">' in page
    assert '<meta property="og:title" content="Stop the contract">' in page
    assert '<meta property="og:description" content="Vote NO &amp; mean it.">' in page
    mailto = re.search(r'href="(mailto:[^"]+)"', page).group(1)
    query = parse_qs(urlsplit(mailto.replace("&amp;", "&")).query)
    assert query["subject"] == ["Stop the contract"]
    assert f"{base}/c/{campaign.slug}" in query["body"][0]
    whatsapp = client.get(f"/c/{campaign.slug}/share/whatsapp")
    assert whatsapp.status_code == 303
    assert whatsapp.headers["Location"].startswith("https://wa.me/?text=Vote%20NO%20%26%20mean")
    twitter = client.get(f"/c/{campaign.slug}/share/twitter")
    assert twitter.headers["Location"].startswith("https://twitter.com/intent/tweet?")
    assert client.get(f"/c/{campaign.slug}/share/facebook").status_code == 404
    assert "<iframe" not in page and "platform.twitter" not in page


def test_no_signer_name_or_email_ever_appears(client, db):
    campaign = make_campaign()
    for visibility in Visibility:
        make_signature(
            campaign,
            name=f"Secret {visibility.value} Person",
            email=f"{visibility.value}@hidden.example",
            visibility=visibility,
        )
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    assert "Person" not in page.replace("Personal", "") and "hidden.example" not in page


def test_calls_to_action_follow_what_is_open(client, db):
    with time_machine.travel(NOW, tick=False):
        campaign = campaign_with_hearing(local(2026, 3, 9, 10))
        db.session.commit()
        page = text_of(client.get(f"/c/{campaign.slug}"))
        assert f'href="/c/{campaign.slug}/sign"' in page
        assert f'href="/c/{campaign.slug}/testify"' in page
    with time_machine.travel(local(2026, 3, 8, 16), tick=False):
        page = text_of(client.get(f"/c/{campaign.slug}"))
        assert f'href="/c/{campaign.slug}/sign"' in page
        assert f'href="/c/{campaign.slug}/testify"' not in page


def test_the_page_in_spanish(client, db, demo):
    page = text_of(client.get("/c/riverton-arrest-data?lang=es"))
    for phrase in (
        "Firme la petición",
        "Envíe testimonio escrito",
        "Próxima fecha",
        "La posición de quienes deciden",
        "Comparta la campaña",
        "Audiencia del Comité de Seguridad Pública",
        "Sí",
    ):
        assert phrase in page, phrase
    assert "dentro de " in page and " días" in page
    assert "Where the decision-makers stand" not in page


def test_countdown_reads_in_minutes_near_the_end(client, db):
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign(hearing_at=NOW + timedelta(minutes=42))
        db.session.commit()
        assert "in 42 minutes" in text_of(client.get(f"/c/{campaign.slug}"))
    with time_machine.travel(NOW + timedelta(minutes=41, seconds=30), tick=False):
        assert "in 1 minute" in text_of(client.get(f"/c/{campaign.slug}"))
