"""Packet builds through a real job worker: SQLite queue by default, Redis when configured,
and a worker killed mid-build leaves a build that can be retried."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign import jobs
from campaign.models import Packet, PacketStatus
from campaign.services import packets as packet_service
from tests.conftest import make_app

REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL")
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.fixture
def queue(app, request):
    """Point this process's job queue where a separate worker process will read it: both are
    told by their configuration (this app's, the worker's environment), as in production."""
    kind = request.param
    if kind == "redis" and not REDIS_URL:
        pytest.skip("set CAMPAIGN_TEST_REDIS_URL to test the Redis queue (.ci/run does)")
    queued = {"HUEY_IMMEDIATE": False} | ({"REDIS_URL": REDIS_URL} if kind == "redis" else {})
    make_app(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"], **queued)
    if kind == "redis":
        jobs.huey.storage.flush_all()
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE_PATH": app.instance_path,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CAMPAIGN_PACKET_WORKERS": "1",
    }
    env.pop("CAMPAIGN_REDIS_URL", None)
    if kind == "redis":
        env["CAMPAIGN_REDIS_URL"] = REDIS_URL
    workers: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        process = subprocess.Popen(
            [FLASK, "--app", "campaign", "worker", "--workers", "1"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(process)
        return process

    yield start_worker
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    jobs.init_app(app)  # this test's app again: jobs run inline


def _wait_for(db, packet_id: int, predicate, timeout: float = 90.0) -> Packet:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        packet = db.session.get(Packet, packet_id)
        if predicate(packet):
            return packet
        db.session.rollback()
        time.sleep(0.25)
    raise AssertionError(f"packet {packet_id} stuck at {packet.status} {packet.stage}")


@pytest.mark.parametrize("queue", ["sqlite", "redis"], indirect=True)
def test_worker_builds_queued_packet(db, demo, queue):
    from campaign.models import Campaign

    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "riverton-arrest-data"))
    queue()
    packet = packet_service.request_build(db.session, campaign, None)
    db.session.commit()  # enqueues the job for the worker process
    done = _wait_for(db, packet.id, lambda p: p.status in (PacketStatus.DONE, PacketStatus.FAILED))
    assert done.status == PacketStatus.DONE, done.error
    assert packet_service.file_path(done).exists() and done.sha256 and done.pages > 3


@pytest.mark.parametrize("queue", ["sqlite"], indirect=True)
def test_worker_killed_mid_build_leaves_a_retryable_build(db, demo, queue):
    import time_machine

    from campaign.demo import riverton
    from campaign.models import Campaign
    from campaign.models.types import utcnow

    riverton.bulk(db.session, riverton.OPEN_SLUG, 6000, 80, seed=3, words=300)
    db.session.commit()
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == riverton.OPEN_SLUG))
    worker = queue()
    packet = packet_service.request_build(db.session, campaign, None)
    db.session.commit()
    _wait_for(db, packet.id, lambda p: p.status == PacketStatus.RUNNING and p.progress >= 6)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    killed = _wait_for(db, packet.id, lambda p: True)
    assert killed.status == PacketStatus.RUNNING  # nobody is left to say otherwise...
    assert not packet_service.file_path(killed).exists()  # ...and no partial file is served
    with time_machine.travel(utcnow() + packet_service.STALE_AFTER * 2, tick=False):
        assert packet_service.mark_stale(db.session) == 1
        db.session.commit()
    failed = db.session.get(Packet, packet.id)
    assert failed.status == PacketStatus.FAILED
    assert packet_service.failure_of(failed).code == packet_service.BuildFailure.INTERRUPTED
    queue()  # a new worker; the organizer presses "Build packet" again
    again = packet_service.request_build(db.session, campaign, None)
    db.session.commit()
    done = _wait_for(
        db, again.id, lambda p: p.status in (PacketStatus.DONE, PacketStatus.FAILED), timeout=180
    )
    assert done.status == PacketStatus.DONE, done.error


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if parent == pid:
            found.append((int(stat.parent.name), command))
    return found


@pytest.mark.parametrize("queue", ["sqlite"], indirect=True)
def test_worker_starts_the_packet_renderer_before_any_build(db, demo, queue):
    """The job worker starts the rendering workers' forkserver (WeasyPrint and the fonts
    loaded) when it starts, so that a build an hour before the hearing does not wait for it."""
    worker = queue()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        servers = [c for c in _children(worker.pid) if "forkserver" in c[1]]
        if servers:
            break
        assert worker.poll() is None, "the job worker exited"
        time.sleep(0.1)
    else:
        raise AssertionError("the job worker started no packet renderer")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Packet)) == 0
