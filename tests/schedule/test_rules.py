"""Deadline rules in the campaign's zone: daylight-saving changes, midnight, moving hearings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from campaign.models import AuditEvent, DeadlineKind
from campaign.schedule.phrases import describe_rule
from campaign.services import DomainError
from campaign.services import deadlines as ds
from tests.factories import make_campaign, make_staff, make_testimony
from tests.schedule.conftest import NEW_YORK, local


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Wall-clock rules around the US spring change (Sunday 2026-03-08, 02:00 EST -> 03:00 EDT).
@pytest.mark.parametrize(
    ("hearing", "rule", "expected"),
    [
        # Hearing Monday after the change; "the day before at 15:00" is Sunday 15:00 EDT.
        (local(2026, 3, 9, 10), "days_before_at:1:15:00", utc(2026, 3, 8, 19)),
        # Hearing on the day of the change; the day before is still standard time.
        (local(2026, 3, 8, 10), "days_before_at:1:15:00", utc(2026, 3, 7, 20)),
        # Autumn (Sunday 2026-11-01, 02:00 EDT -> 01:00 EST): the day of and the day after.
        (local(2026, 11, 2, 10), "days_before_at:1:15:00", utc(2026, 11, 1, 20)),
        (local(2026, 11, 1, 10), "days_before_at:1:15:00", utc(2026, 10, 31, 19)),
        # Five business days before a Monday hearing: the Monday before, hearing's local time.
        (local(2026, 3, 9, 10), "business_days_before:5", utc(2026, 3, 2, 15)),
        (local(2026, 3, 9, 10), "business_days_before_at:5:17:00", utc(2026, 3, 2, 22)),
        # Across the autumn change: Friday 2026-11-06 10:00 EST -> Friday 10-30 10:00 EDT.
        (local(2026, 11, 6, 10), "business_days_before:5", utc(2026, 10, 30, 14)),
        # Same day, a wall-clock time that does not exist (02:30 on the spring change): read
        # with the offset before the change (fold=0), i.e. 07:30 UTC.
        (local(2026, 3, 8, 18), "days_before_at:0:02:30", utc(2026, 3, 8, 7, 30)),
        (local(2026, 3, 6, 17), "days_after_at:3:17:00", utc(2026, 3, 9, 21)),
    ],
)
def test_wall_clock_rules_stay_on_the_local_clock(hearing, rule, expected):
    result = ds.apply_rule(hearing, rule, NEW_YORK)
    assert result == expected
    assert result.tzinfo is not None


def test_elapsed_hour_rules_are_exact_across_the_change():
    # Friday noon EST + 72 elapsed hours = Monday 13:00 EDT (the clocks jumped in between).
    hearing = local(2026, 3, 6, 12)
    after = ds.apply_rule(hearing, "hours_after:72", NEW_YORK)
    assert after - hearing == timedelta(hours=72)
    assert after.astimezone(hearing.tzinfo).hour == 13
    # And in autumn: 48 hours before Monday 10:00 EST is Saturday 11:00 EDT, not 10:00.
    monday = local(2026, 11, 2, 10)
    before = ds.apply_rule(monday, "hours_before:48", NEW_YORK)
    assert monday - before == timedelta(hours=48)
    assert before.astimezone(monday.tzinfo).hour == 11 and before.day == 31


def test_across_midnight_the_day_is_the_campaign_days_not_utcs():
    # 20:00 in Los Angeles is already tomorrow in UTC; "the day before" is the local day before.
    hearing = local(2026, 6, 2, 20, zone="America/Los_Angeles")
    assert hearing.astimezone(UTC).day == 3
    comment = ds.apply_rule(hearing, "days_before_at:1:15:00", "America/Los_Angeles")
    assert comment == utc(2026, 6, 1, 22)
    # 00:30 local; "the day before at 23:00" is 30 minutes before midnight local time.
    early = local(2026, 6, 2, 0, 30, zone="America/Los_Angeles")
    late = ds.apply_rule(early, "days_before_at:1:23:00", "America/Los_Angeles")
    assert early - late == timedelta(minutes=90)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "nonsense",
        "days_before_at:1",
        "days_before_at:1:25:00",
        "days_before_at:1:10:60",
        "hours_before:-3",
        "hours_before:abc",
        "hours_after:99999",
        "business_days_before:0",
        "business_days_before:x",
        "days_before_at:400:10:00",
        "hours_before:1e3",
        "days_before_at:1:15:00:00",
    ],
)
def test_bad_rules_are_refused(rule):
    with pytest.raises(ds.BadRule):
        ds.parse_rule(rule)
    with pytest.raises(ds.BadRule):
        ds.apply_rule(local(2026, 3, 9, 10), rule, NEW_YORK)


def test_rules_are_normalized_and_described(app):
    assert ds.normalize_rule(" days_before_at:1:9:00") == "days_before_at:1:09:00"
    assert ds.normalize_rule("hours_after:72.0") == "hours_after:72"
    with force_locale("en"):
        assert describe_rule("days_before_at:1:15:00") == (
            "The day before the hearing at 3:00\u202fPM"
        )
        assert describe_rule("hours_after:72") == "72 hours after the hearing"
        assert describe_rule("business_days_before:5").startswith("5 business days before")
    with force_locale("es"):
        assert describe_rule("days_before_at:1:15:00").startswith("El día anterior")


def test_unknown_time_zone_is_a_domain_error():
    with pytest.raises(DomainError):
        ds.apply_rule(local(2026, 3, 9, 10), "days_before_at:1:15:00", "Mars/Olympus_Mons")


def test_status_on_both_sides_of_the_spring_change(app):
    campaign = make_campaign(hearing_at=local(2026, 3, 9, 10))
    hearing = campaign.deadlines[0]
    comment = ds.add_relative(
        app.extensions["sqlalchemy"].session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
    )
    assert comment.at == utc(2026, 3, 8, 19)
    # Saturday 18:00 EST: 20 elapsed hours before Sunday 15:00 EDT (21 on the wall clock).
    with time_machine.travel(local(2026, 3, 7, 18), tick=False):
        assert ds.current_status(comment) == "due_soon"
        assert ds.status(comment, due_soon_hours=19) == "upcoming"
        assert ds.status(comment, due_soon_hours=20) == "due_soon"
    # 72 elapsed hours before, exactly: due soon; one second earlier: upcoming.
    with time_machine.travel(comment.at - timedelta(hours=72), tick=False):
        assert ds.current_status(comment) == "due_soon"
    with time_machine.travel(comment.at - timedelta(hours=72, seconds=1), tick=False):
        assert ds.current_status(comment) == "upcoming"
    with time_machine.travel(local(2026, 3, 8, 15), tick=False):
        assert ds.current_status(comment) == "passed"
    with time_machine.travel(local(2026, 3, 8, 14, 59), tick=False):
        assert ds.current_status(comment) == "due_soon"
        assert ds.next_deadline(campaign) is comment


def test_status_on_both_sides_of_the_autumn_change_and_configured_window(app):
    campaign = make_campaign(hearing_at=local(2026, 11, 2, 10))
    hearing = campaign.deadlines[0]
    app.config["DUE_SOON_HOURS"] = 24
    # 01:30 happens twice on 2026-11-01; the second one (EST) is 24.5 elapsed hours before.
    with time_machine.travel(local(2026, 11, 1, 9, 30), tick=False):
        assert ds.current_status(hearing) == "upcoming"
    with time_machine.travel(local(2026, 11, 1, 10, 0), tick=False):
        assert ds.current_status(hearing) == "due_soon"
    with time_machine.travel(local(2026, 11, 2, 10, 0), tick=False):
        assert ds.current_status(hearing) == "passed"


def test_moving_a_hearing_moves_its_relative_deadlines_and_is_audit_logged(db):
    campaign = make_campaign(hearing_at=local(2026, 3, 2, 10))
    lead = make_staff(campaign, "lead")
    hearing = campaign.deadlines[0]
    comment = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
        actor=lead,
    )
    cutoff = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.SPEAKER_CUTOFF,
        "Speaker sign-up closes",
        "hours_before:24",
        actor=lead,
    )
    after = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.OTHER,
        "Written testimony accepted until",
        "hours_after:72",
        actor=lead,
    )
    db.session.commit()
    assert comment.at == utc(2026, 3, 1, 20)  # Sunday 15:00 EST

    # A week later, across the spring change.
    moved = ds.update_deadline(db.session, hearing, actor=lead, at=local(2026, 3, 9, 10))
    db.session.commit()
    assert set(moved) == {hearing, comment, cutoff, after}
    assert comment.at == utc(2026, 3, 8, 19)  # Sunday 15:00 EDT: same wall clock
    assert cutoff.at == utc(2026, 3, 8, 14)  # 24 elapsed hours: Sunday 10:00 EDT
    assert after.at == hearing.at + timedelta(hours=72)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "deadline.moved")
    ).all()
    assert {e.target_id for e in events} == {hearing.id, comment.id, cutoff.id, after.id}
    assert all(e.actor_id == lead.id for e in events)
    assert ds.revisions(db.session, [comment.id])[comment.id][0] == 1

    # move_hearing called directly (as other areas do) also moves and logs, as "system".
    ds.move_hearing(db.session, hearing, local(2026, 3, 16, 10))
    db.session.commit()
    assert comment.at == utc(2026, 3, 15, 19)
    system = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "deadline.moved", AuditEvent.target_id == comment.id
        )
    ).all()
    assert [e.actor_label for e in system] == [lead.email, "system"]


def test_relative_deadlines_are_edited_by_their_rule(db):
    campaign = make_campaign(hearing_at=local(2026, 4, 14, 10))
    lead = make_staff(campaign, "lead")
    hearing = campaign.deadlines[0]
    comment = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
    )
    db.session.flush()
    with pytest.raises(DomainError):
        ds.update_deadline(db.session, comment, actor=lead, at=local(2026, 4, 1, 9))
    ds.update_deadline(db.session, comment, actor=lead, rule="days_before_at:2:16:00")
    assert comment.at == local(2026, 4, 12, 16)
    # Made a fixed date: it no longer follows the hearing.
    ds.update_deadline(db.session, comment, actor=lead, rule=None, at=local(2026, 4, 10, 12))
    assert comment.relative_to is None and comment.rule is None
    ds.move_hearing(db.session, hearing, local(2026, 5, 14, 10), actor=lead)
    assert comment.at == local(2026, 4, 10, 12)
    # And back to following it.
    ds.update_deadline(db.session, comment, actor=lead, relative_to=hearing, rule="hours_before:48")
    assert comment.at == local(2026, 5, 12, 10)
    with pytest.raises(ds.BadRule):
        ds.update_deadline(db.session, comment, actor=lead, rule="the day before")
    with pytest.raises(DomainError):
        ds.add_relative(
            db.session, comment, DeadlineKind.OTHER, "Follows a deadline", "hours_before:1"
        )
    with pytest.raises(DomainError):
        ds.update_deadline(db.session, hearing, actor=lead, kind=DeadlineKind.VOTE)
    with pytest.raises(DomainError):
        ds.create_deadline(
            db.session, campaign, kind=DeadlineKind.VOTE, title="Vote", at=datetime(2026, 5, 20, 18)
        )  # naive: ambiguous


def test_deleting_a_hearing_removes_its_dependents_unless_residents_testified(db):
    campaign = make_campaign(hearing_at=local(2026, 4, 14, 10))
    lead = make_staff(campaign, "lead")
    second = ds.create_deadline(
        db.session,
        campaign,
        kind=DeadlineKind.HEARING,
        title="Second hearing",
        at=local(2026, 5, 5, 18),
        location="Library",
        actor=lead,
    )
    ds.add_relative(
        db.session,
        second,
        DeadlineKind.COMMENT_DEADLINE,
        "Due",
        "days_before_at:1:15:00",
        actor=lead,
    )
    first = campaign.deadlines[0]
    make_testimony(campaign, hearing_id=first.id)
    db.session.commit()
    with pytest.raises(DomainError):
        ds.delete_deadline(db.session, first, actor=lead)
    assert ds.delete_deadline(db.session, second, actor=lead) == 2
    db.session.commit()
    assert [d.title for d in campaign.deadlines] == ["Hearing"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "deadline.deleted")
        )
        == 2
    )
