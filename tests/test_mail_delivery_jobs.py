"""Mail delivery jobs: one queued per burst of mail, never a mail left without a job to send it.

A delivery job that has not started yet sends every mail committed before it starts, so a
commit that finds one waiting queues no other (see campaign.services.mail.start_delivery).
These tests use a real job store (SQLite, and Redis where CAMPAIGN_TEST_REDIS_URL is set, as
`.ci/run` does), not the inline mode the other tests run jobs in.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from campaign import jobs
from campaign.services import mail
from tests.conftest import make_app

REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL")


def _app_with_a_job_store(app, kind: str):
    """Another app on the same database and instance folder, its jobs queued, not run
    inline: the app factory points the job queue at its store."""
    config = {"HUEY_IMMEDIATE": False}
    if kind == "redis":
        config["REDIS_URL"] = REDIS_URL
    return make_app(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"], **config)


@pytest.fixture(params=["sqlite", "redis"])
def store(app, request):
    """The app's job queue in a real store; the jobs run only when a test runs them."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("set CAMPAIGN_TEST_REDIS_URL to test the Redis queue (.ci/run does)")
    _app_with_a_job_store(app, request.param)
    jobs.huey.storage.flush_all()
    yield jobs.huey
    jobs.huey.storage.flush_all()
    jobs.init_app(app)  # this test's app again: jobs run inline


def _queue_one(db, number: int) -> None:
    mail.queue(db.session, f"resident{number}@example.org", "Subject", f"Body {number}")
    db.session.commit()


def _run_queued_jobs(huey) -> int:
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _sent(app) -> int:
    return len(list(Path(app.config["OUTBOX_PATH"]).glob("*.eml")))


def test_a_burst_of_mail_queues_one_job_that_sends_it_all(app, db, store):
    for number in range(5):
        _queue_one(db, number)
    assert store.pending_count() == 1
    assert _sent(app) == 0  # nothing is sent inside the request
    assert _run_queued_jobs(store) == 1
    assert _sent(app) == 5
    # The job has run: the next mail queues the next job.
    _queue_one(db, 5)
    assert store.pending_count() == 1
    _run_queued_jobs(store)
    assert _sent(app) == 6


def test_mail_committed_after_the_job_started_gets_a_job_of_its_own(app, db, store):
    _queue_one(db, 1)
    assert store.pending_count() == 1
    # The worker takes the job and clears the mark, then reads the outbox...
    task = store.dequeue()
    store.storage.pop_data(mail.DELIVERY_WAITING_KEY)
    # ...and this mail may be committed after that read: it must queue another job.
    _queue_one(db, 2)
    assert store.pending_count() == 1
    store.execute(task)
    _run_queued_jobs(store)
    assert _sent(app) == 2


def test_a_stale_mark_does_not_hold_mail_back(app, db, store):
    # As if a worker had been killed after taking the job and before clearing the mark.
    stale = time.time() - mail.DELIVERY_WAITING_TRUSTED_FOR - 1
    store.storage.put_data(mail.DELIVERY_WAITING_KEY, repr(stale).encode())
    _queue_one(db, 1)
    assert store.pending_count() == 1
    for unreadable in (b"not a time", repr(time.time() + 3600).encode()):
        store.storage.put_data(mail.DELIVERY_WAITING_KEY, unreadable)
        _queue_one(db, 2)
    assert store.pending_count() == 3
    _run_queued_jobs(store)
    assert _sent(app) == 3


def test_the_minute_job_sends_mail_whose_job_was_lost_and_clears_the_mark(app, db, store):
    _queue_one(db, 1)
    store.dequeue()  # the job is lost with its worker; the mark stays
    _queue_one(db, 2)
    assert store.pending_count() == 0  # the mark is recent: trusted
    mail.retry_mail_job.call_local()
    assert _sent(app) == 2
    assert store.storage.peek_data(mail.DELIVERY_WAITING_KEY) is mail.EmptyData
    _queue_one(db, 3)
    assert store.pending_count() == 1


def test_a_job_keeps_going_while_whole_batches_are_sent(app, db, store):
    for number in range(7):
        mail.queue(db.session, f"r{number}@example.org", "Subject", "Body")
    db.session.commit()
    store.dequeue()
    assert mail._deliver_in_own_session(limit=3) == (7, 0)
    assert _sent(app) == 7


def test_after_a_failure_the_rest_waits_for_the_retry_job(app, db, store):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # nothing there
    for number in range(4):
        mail.queue(db.session, f"r{number}@example.org", "Subject", "Body")
    db.session.commit()
    assert mail._deliver_in_own_session(limit=2) == (0, 2)  # one batch, then it stops
    app.config.update(MAIL_BACKEND="outbox")  # the server is back
    mail.retry_mail_job.call_local()
    assert _sent(app) == 4


def test_the_app_factory_chooses_where_jobs_wait(app, db):
    """Not the environment at import: the app's instance folder, or its REDIS_URL."""
    from huey.storage import RedisStorage, SqliteStorage

    try:
        _app_with_a_job_store(app, "sqlite")
        assert isinstance(jobs.huey.storage, SqliteStorage)
        assert jobs.huey.storage.filename == str(Path(app.instance_path) / "jobs.sqlite3")
        jobs.huey.storage.flush_all()
        _queue_one(db, 1)
        assert jobs.huey.pending_count() == 1 and _sent(app) == 0
        jobs.huey.storage.flush_all()
        with_redis = make_app(
            Path(app.instance_path),
            app.config["SQLALCHEMY_DATABASE_URI"],
            HUEY_IMMEDIATE=False,
            REDIS_URL="redis://127.0.0.1:1/5",
        )
        assert isinstance(jobs.huey.storage, RedisStorage)  # made, never connected here
        assert with_redis.extensions["huey"] is jobs.huey
    finally:
        jobs.init_app(app)
    assert jobs.huey.immediate


def test_mail_queued_in_a_savepoint_that_rolls_back_asks_for_nothing(app, db, store):
    with db.session.begin_nested():
        mail.queue(db.session, "kept@example.org", "Subject", "Body")
    savepoint = db.session.begin_nested()
    mail.queue(db.session, "dropped@example.org", "Subject", "Body")
    savepoint.rollback()
    db.session.commit()
    # The delivery asked for before the rolled-back savepoint still stands.
    assert store.pending_count() == 1
    _run_queued_jobs(store)
    assert _sent(app) == 1
    mail.queue(db.session, "gone@example.org", "Subject", "Body")
    db.session.rollback()
    db.session.commit()
    assert store.pending_count() == 0


def test_two_deliverers_at_once_send_each_message_once(app, db, store, monkeypatch):
    """The job a commit started and the every-minute retry (or two worker hosts) overlap:
    the second one starts while the first is in the middle of sending its first message."""
    for number in range(3):
        mail.queue(db.session, f"r{number}@example.org", "Subject", f"Body {number}")
    db.session.commit()
    store.dequeue()
    delivered: list[int] = []
    send = mail.deliver

    def deliver_while_another_job_runs(message):
        delivered.append(message.id)
        if len(delivered) == 1:
            mail.retry_mail_job.call_local()  # the other deliverer, in its own session
        send(message)

    monkeypatch.setattr(mail, "deliver", deliver_while_another_job_runs)
    mail.retry_mail_job.call_local()
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 3
    assert _sent(app) == 3


def test_a_message_whose_deliverer_died_is_sent_when_its_lease_runs_out(app, db, store):
    from datetime import timedelta

    from campaign.models import OutgoingMail
    from campaign.models.types import utcnow

    _queue_one(db, 1)
    store.dequeue()
    message = db.session.scalars(db.select(OutgoingMail)).one()
    message.claimed_until = utcnow() + timedelta(minutes=4)  # taken, then its worker died
    db.session.commit()
    mail.retry_mail_job.call_local()
    assert _sent(app) == 0  # still someone's
    message.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    mail.retry_mail_job.call_local()
    assert _sent(app) == 1
