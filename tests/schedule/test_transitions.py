"""Changes made by time: a campaign closes after its vote; testimony closes at its deadline."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from campaign.models import AuditEvent, Campaign, CampaignStatus, DeadlineKind
from campaign.services import deadlines as ds
from campaign.services import transitions
from tests.factories import make_campaign, make_staff
from tests.schedule.conftest import local


def _events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_a_campaign_closes_itself_after_its_last_vote(app, db, runner):
    campaign = make_campaign(slug="close-me", hearing_at=local(2026, 10, 20, 10))
    committee = ds.create_deadline(
        db.session,
        campaign,
        kind=DeadlineKind.VOTE,
        title="Committee vote",
        at=local(2026, 10, 27, 18),
    )
    council = ds.create_deadline(
        db.session,
        campaign,
        kind=DeadlineKind.VOTE,
        title="Council vote",
        at=local(2026, 11, 3, 18),
    )
    db.session.commit()
    with time_machine.travel(committee.at + timedelta(minutes=5), tick=False):
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0 and "Closed" not in result.output
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.OPEN
    # The full council votes on the evening after the autumn change.
    with time_machine.travel(local(2026, 11, 3, 18, 15), tick=False):
        result = runner.invoke(args=["tick"])
        assert "Closed close-me after its vote." in result.output
        runner.invoke(args=["tick"])
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.closed_at == local(2026, 11, 3, 18, 15)
    closed = _events(db, "campaign.closed")
    assert len(closed) == 1
    assert closed[0].actor_label == "system" and closed[0].actor_id is None
    assert closed[0].details["vote_deadline_id"] == council.id


def test_campaigns_that_do_not_close_after_the_vote_stay_open(app, db):
    keep = make_campaign(close_after_vote=False)
    no_vote = make_campaign()
    ds.create_deadline(
        db.session, keep, kind=DeadlineKind.VOTE, title="Vote", at=local(2026, 5, 1, 18)
    )
    db.session.commit()
    with time_machine.travel(local(2026, 6, 1, 9), tick=False):
        assert transitions.tick(db.session).closed_campaigns == []
    assert keep.status == no_vote.status == CampaignStatus.OPEN
    assert _events(db, "campaign.closed") == []


def test_testimony_closing_is_recorded_once_per_hearing_and_again_if_moved(app, db):
    campaign = make_campaign(hearing_at=local(2026, 3, 9, 10))
    lead = make_staff(campaign, "lead")
    hearing = campaign.deadlines[0]
    comment = ds.add_relative(
        db.session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
    )
    ds.add_relative(
        db.session, hearing, DeadlineKind.SPEAKER_CUTOFF, "Sign-up closes", "days_before_at:1:12:00"
    )
    db.session.commit()
    # Just before 15:00 EDT on the day of the spring change: nothing closes yet.
    with time_machine.travel(local(2026, 3, 8, 14, 59), tick=False):
        assert transitions.tick(db.session).closings == [("speakers.closed", hearing.id)]
        db.session.commit()
    with time_machine.travel(local(2026, 3, 8, 15, 0), tick=False):
        assert transitions.tick(db.session).closings == [("testimony.closed", hearing.id)]
        db.session.commit()
        assert transitions.tick(db.session).closings == []
    closed = _events(db, "testimony.closed")
    assert len(closed) == 1 and closed[0].target_id == hearing.id
    assert closed[0].actor_label == "system" and closed[0].details["at"] == comment.at.isoformat()

    # The hearing is postponed a week: testimony reopens, and closes again a week later.
    ds.move_hearing(db.session, hearing, local(2026, 3, 16, 10), actor=lead)
    db.session.commit()
    with time_machine.travel(local(2026, 3, 15, 15, 1), tick=False):
        transitions.tick(db.session)
        db.session.commit()
    assert len(_events(db, "testimony.closed")) == 2
    assert len(_events(db, "speakers.closed")) == 2


def test_the_periodic_job_closes_campaigns(app, db):
    from campaign.schedule.tasks import run_tick_and_reminders

    campaign = make_campaign(hearing_at=local(2026, 1, 5, 10))
    ds.create_deadline(
        db.session, campaign, kind=DeadlineKind.VOTE, title="Vote", at=local(2026, 1, 20, 18)
    )
    db.session.commit()
    with time_machine.travel(local(2026, 1, 21, 9), tick=False):
        assert run_tick_and_reminders()[0] == 1
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.CLOSED
