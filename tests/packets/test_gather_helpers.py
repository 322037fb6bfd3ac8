"""The roster's per-word sort keys and per-hour local dates give exactly the one-by-one results."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaign.services.packets import _local_date, _LocalDates, _sort_name, _SortNames


def test_word_by_word_sort_keys_equal_whole_name_keys():
    words = [
        "Ánh",
        "de la",
        "O'Brien",
        "ǅemal",
        "Straße",
        "ΣΊΣΥΦΟΣ",
        "İlkay",
        "ﬁlipa",
        "Nguyễn",
        "\u0301e",
        "a\u00a0b",
        "¨x",
        "",
        "  ",
        "東京",
        "José\u200b",
    ]
    rng = random.Random(3)
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) for _ in range(400)]
    names += ["e \u0301", " leading", "trailing ", "two  spaces"]
    keys = _SortNames()
    for name in names:
        assert keys(name) == _sort_name(name), name


@pytest.mark.parametrize(
    "zone", ["America/Chicago", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]
)
def test_per_hour_local_dates_equal_moment_by_moment(zone):
    tz = ZoneInfo(zone)
    dates = _LocalDates(tz)
    rng = random.Random(zone)
    start = datetime(2026, 3, 1)
    # Spans the northern and southern clock changes of 2026.
    for _ in range(3000):
        moment = start + timedelta(
            seconds=rng.randint(0, 240 * 86400), microseconds=rng.randint(0, 999_999)
        )
        for stored in (moment, moment.isoformat(" ")):
            assert dates(stored) == _local_date(stored, tz), (zone, stored)


def test_a_streamed_roster_is_read_after_gather_returns_and_matches_the_eager_one(app):
    """What packets.run_build asks for: the roster read district by district as it is laid
    out, after gather() returned (and outside its locale), the same as one read at once."""
    from flask_babel import force_locale

    from campaign.extensions import db
    from campaign.models import DeadlineKind, Visibility
    from campaign.pdf import Roster
    from campaign.services import packets
    from tests.factories import make_campaign, make_signature

    campaign = make_campaign()
    hearing = next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)
    rng = random.Random(5)
    for n in range(120):
        make_signature(
            campaign,
            name=rng.choice(["Ana", "Zoë", "Ángel", "bo"]) + f" {n % 7}",
            district=rng.choice(["1", "2", "10", "unassigned"]),
            visibility=rng.choice([Visibility.PUBLIC, Visibility.PACKET, Visibility.COUNTED]),
        )
    db.session.commit()
    with force_locale("en"):
        eager = packets.gather(db.session, campaign, hearing)
        streamed = packets.gather(db.session, campaign, hearing, stream_roster=True)
    assert isinstance(streamed.roster, Roster)
    assert streamed.roster.entries_through(0)  # the first district...
    assert len(streamed.roster.entries_through(0)) < len(streamed.roster)  # ...alone
    assert streamed.content_hash() == eager.content_hash()
    assert list(streamed.roster) == list(eager.roster)
    assert [e.district for e in eager.roster][:1] == ["District 1"]
    assert eager.signatures_verified == 120
    assert len(eager.roster) == 120 - eager.signatures_counted_only
