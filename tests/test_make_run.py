"""Set-up without traps: `make run` checks Python before making .venv and recovers from a
wrong one, takes PORT, prints the demo logins once, and one Ctrl+C stops everything."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign.demo import riverton
from tests.servers import ROOT, Browser, free_port

PYTHON311 = sys.executable  # the suite runs on Python 3.11


def _make(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", *args],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    """A folder with the Makefile and what its rules name, to try it without touching ours."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "translations").mkdir()
    return tmp_path


def _fake_python(folder: Path, version: str) -> Path:
    fake = folder / "fake-python"
    fake.write_text(
        f'#!/bin/sh\n[ "$1" = "--version" ] && echo "Python {version}" && exit 0\nexit 1\n'
    )
    fake.chmod(0o755)
    return fake


def test_a_wrong_python_stops_make_run_before_it_makes_a_venv(project):
    result = _make(project, "run", PYTHON=str(_fake_python(project, "3.12.1")))
    assert result.returncode != 0
    assert "This project needs Python 3.11" in result.stderr
    assert "Python 3.12.1" in result.stderr and "PYTHON=/path/to/python3.11" in result.stderr
    assert not (project / ".venv").exists()


def test_a_venv_left_by_another_python_is_removed_and_made_again(project):
    (project / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(_fake_python(project, "3.12.1"), project / ".venv" / "bin" / "python")
    result = _make(project, "-n", "run", PYTHON=PYTHON311)
    assert "was not made by Python 3.11" in result.stdout
    assert not (project / ".venv").exists()
    assert f"{PYTHON311} -m venv .venv" in result.stdout  # what the real run does next


def test_reset_demo_removes_the_demo_and_keeps_the_keys(project):
    instance = project / "instance"
    (instance / "outbox").mkdir(parents=True)
    (instance / "outbox" / "00000001.eml").write_text("mail")
    for name in ("campaign.sqlite3", "demo-logins.txt", "jobs.sqlite3", "secret_key", "config.py"):
        (instance / name).write_text("x")
    # Needs no Python at all, as `make clean` does not.
    result = _make(project, "reset-demo", PYTHON=str(_fake_python(project, "3.12.1")))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in instance.iterdir()) == ["config.py", "secret_key"]


def test_port_chooses_the_servers_port_and_its_links(project):
    result = _make(project, "-n", "run", PYTHON=PYTHON311, PORT="8080")
    assert "--port 8080" in result.stdout
    assert "http://127.0.0.1:8080" in result.stdout
    assert "5000" not in result.stdout


def test_the_demo_logins_are_printed_once(app, runner):
    for _run in range(2):  # the first run makes them, the second shows them again
        output = runner.invoke(args=["demo", "--if-empty", "--show-logins"]).output
        for email in (riverton.LEAD_EMAIL, riverton.ORGANIZER_EMAIL):
            assert output.count(email) == 1, output
    makefile = (ROOT / "Makefile").read_text()
    assert "demo-logins.txt" not in makefile.split("\nrun:")[1].split("\n\n")[0]


def _processes() -> dict[int, tuple[int, str]]:
    """Every process that is not a zombie (a zombie has already exited): pid -> (ppid, args)."""
    listing = subprocess.run(
        ["ps", "-ww", "-e", "-o", "pid=,ppid=,stat=,args="], capture_output=True, text=True
    ).stdout
    found = {}
    for line in listing.splitlines():
        pid, ppid, stat, args = (line.split(None, 3) + [""])[:4]
        if not stat.startswith("Z"):
            found[int(pid)] = (int(ppid), args)
    return found


def _descendants(root: int) -> dict[int, str]:
    """The processes started by `root`, directly or not (whatever their process group)."""
    table = _processes()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, args) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = args
                frontier.append(pid)
    return found


@pytest.mark.slow
def test_ctrl_c_stops_the_server_the_worker_and_its_forkserver_at_once(tmp_path):
    port = free_port()
    log = tmp_path / "run.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
    }
    with log.open("wb") as out:
        # Its own session, as a terminal gives a command: Ctrl+C is SIGINT to that group.
        make = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and make.poll() is None:
            text = log.read_text()
            if "Job worker started" in text and "Packet renderer" in text:
                try:
                    Browser(port).request("GET", "/")
                    break
                except OSError:
                    pass
            time.sleep(0.2)
        started = _descendants(make.pid)
        commands = " | ".join(started.values())
        assert " serve " in commands and " worker " in commands, commands
        assert "forkserver" in commands, commands
        os.killpg(make.pid, signal.SIGINT)  # Ctrl+C
        make.wait(timeout=60)
    finally:
        for pid in [make.pid, *started]:
            if pid in _processes():
                os.kill(pid, signal.SIGKILL)
    # Once make has returned, nothing it started is left: server, worker, forkserver.
    alive = _processes()
    assert {pid: args for pid, args in started.items() if pid in alive} == {}
    text = log.read_text()
    assert "Server and job worker stopped." in text
    assert text.count(riverton.LEAD_EMAIL) == 1  # the logins, printed once
