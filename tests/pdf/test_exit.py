"""The packet CLI ends cleanly: no crash in the interpreter's exit after the packet is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _flask(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "campaign", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_packet_build_command_exits_with_status_0(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    for args in (("db", "upgrade"), ("demo",)):
        done = _flask(instance, *args)
        assert done.returncode == 0, done.stderr[-2000:]
    # Before the renderer released its fonts at exit, every cold build here ended with
    # SIGSEGV (-11) once the packet was written: a script checking the status saw a failure.
    for attempt in range(2):
        out = tmp_path / f"packet-{attempt}.pdf"
        done = _flask(instance, "packet", "build", "riverton-arrest-data", "--out", str(out))
        assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
        assert out.read_bytes().startswith(b"%PDF")
        assert "Wrote" in done.stdout
