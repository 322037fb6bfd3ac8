"""The roster's per-word sort keys and per-hour local dates give exactly the one-by-one results."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaign.services.packets import _local_date, _LocalDates, _sort_name, _SortNames


def test_word_by_word_sort_keys_equal_whole_name_keys():
    words = ["Ánh", "de la", "O'Brien", "ǅemal", "Straße", "ΣΊΣΥΦΟΣ", "İlkay", "ﬁlipa",
             "Nguyễn", "\u0301e", "a\u00a0b", "¨x", "", "  ", "東京", "José\u200b"]
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
        moment = start + timedelta(seconds=rng.randint(0, 240 * 86400),
                                   microseconds=rng.randint(0, 999_999))
        for stored in (moment, moment.isoformat(" ")):
            assert dates(stored) == _local_date(stored, tz), (zone, stored)
