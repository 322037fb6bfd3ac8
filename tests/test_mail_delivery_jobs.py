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

REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL")


@pytest.fixture(params=["sqlite", "redis"])
def store(app, request):
    """The app's job queue in a real store; the jobs run only when a test runs them."""
    from huey.storage import RedisStorage, SqliteStorage

    if request.param == "redis" and not REDIS_URL:
        pytest.skip("set CAMPAIGN_TEST_REDIS_URL to test the Redis queue (.ci/run does)")
    jobs.huey.immediate = False
    if request.param == "redis":
        jobs.huey.storage = RedisStorage("campaign-delivery-test", url=REDIS_URL)
    else:
        jobs.huey.storage = SqliteStorage(
            "campaign", filename=str(Path(app.instance_path) / "jobs.sqlite3"))
    jobs.huey.storage.flush_all()
    yield jobs.huey
    jobs.huey.storage.flush_all()
    jobs.huey.immediate = True


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
