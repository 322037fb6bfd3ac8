"""The demo command and the users command."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DeadlineKind,
    Endorsement,
    Signature,
    Testimony,
    TestimonyStatus,
    User,
    Visibility,
)
from campaign.services import accounts


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_builds_riverton_and_is_idempotent(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "lead@riverton.example" in first.output
    counts = {m: _count(db, m) for m in (Campaign, Signature, Testimony, Endorsement, User)}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already exists" in second.output
    assert "password" not in second.output  # passwords are printed once
    assert {m: _count(db, m) for m in counts} == counts

    open_campaign = db.session.scalar(
        sa.select(Campaign).where(Campaign.slug == "riverton-arrest-data")
    )
    closed = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "riverton-detainers"))
    assert open_campaign.status == CampaignStatus.OPEN
    assert closed.status == CampaignStatus.CLOSED
    assert len(open_campaign.decision_makers) == 9
    assert {m.stance.value for m in open_campaign.decision_makers} >= {"yes", "no", "undecided"}
    kinds = {d.kind for d in open_campaign.deadlines}
    assert kinds >= {
        DeadlineKind.HEARING,
        DeadlineKind.COMMENT_DEADLINE,
        DeadlineKind.VOTE,
        DeadlineKind.CONTRACT_EXPIRY,
    }
    expiry = next(d for d in open_campaign.deadlines if d.kind == DeadlineKind.CONTRACT_EXPIRY)
    local_expiry = expiry.at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local_expiry.month, local_expiry.day) == (8, 31)
    hearing = next(d for d in open_campaign.deadlines if d.kind == DeadlineKind.HEARING)
    comment = next(d for d in open_campaign.deadlines if d.kind == DeadlineKind.COMMENT_DEADLINE)
    local_comment = comment.at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert local_comment.hour == 15
    assert (hearing.at - comment.at).days in (0, 1)
    assert all(
        h.at < __import__("campaign.models.types").models.types.utcnow()
        for h in closed.deadlines
        if h.kind == DeadlineKind.HEARING
    )
    visibilities = set(db.session.scalars(sa.select(Signature.visibility).distinct()))
    assert visibilities == set(Visibility)
    statuses = set(db.session.scalars(sa.select(Testimony.status).distinct()))
    assert {TestimonyStatus.APPROVED, TestimonyStatus.PENDING, TestimonyStatus.REJECTED} <= statuses
    assert set(db.session.scalars(sa.select(Testimony.language).distinct())) == {"en", "es"}


def test_demo_bulk_adds_verified_signatures_and_recounts(runner, client):
    runner.invoke(args=["demo"])
    before = client.get("/api/v1/campaigns/riverton-arrest-data").json["counts"]
    result = runner.invoke(args=["demo", "--signatures", "2500", "--testimonies", "20"])
    assert result.exit_code == 0, result.output
    after = client.get("/api/v1/campaigns/riverton-arrest-data").json["counts"]
    assert after["signatures"] == before["signatures"] + 2500
    assert after["testimonies_approved"] == before["testimonies_approved"] + 20


def test_users_create_reads_the_password_from_stdin(runner, db, demo):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "New.Organizer@Example.org",
            "--role",
            "organizer",
            "--campaign",
            "riverton-arrest-data",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.organizer@example.org"))
    assert accounts.check_password(user, "a long enough passphrase")
    assert user.password_hash.startswith("$argon2id$")
    assert user.role_in(user.memberships[0].campaign_id).value == "organizer"

    again = runner.invoke(
        args=["users", "create", "new.organizer@example.org", "--role", "admin"],
        input="another long passphrase\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_create_refuses_weak_passwords_and_missing_campaigns(runner, db, demo):
    weak = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "admin"], input="short\n"
    )
    assert weak.exit_code != 0 and "12 characters" in weak.output
    lead = runner.invoke(
        args=["users", "create", "b@example.org", "--role", "lead"], input="long enough password\n"
    )
    assert lead.exit_code != 0 and "--campaign" in lead.output
    unknown = runner.invoke(
        args=["users", "create", "c@example.org", "--role", "lead", "--campaign", "nope"],
        input="long enough password\n",
    )
    assert unknown.exit_code != 0
    admin = runner.invoke(
        args=["users", "create", "admin@example.org", "--role", "admin"],
        input="long enough password\n",
    )
    assert admin.exit_code == 0
    assert db.session.scalar(sa.select(User).where(User.email == "admin@example.org")).is_admin
    assert _count(db, Deadline) > 0
