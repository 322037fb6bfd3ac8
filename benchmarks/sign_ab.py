"""Sign flow, two versions of the code alternated: is one slower than the other?

    git archive <old commit> | tar -x -C /tmp/old
    .venv/bin/python benchmarks/sign_ab.py /tmp/old . [--rounds 5] [--seconds 8] [--workers 4]

Each tree gets its own instance folder (migrated, with the demo), then each round runs every
tree in turn under gunicorn with its own deploy/gunicorn.conf.py, N sync workers, 32 clients
doing benchmarks/sign_load.py's visit (GET the form, POST it). Alternating in short rounds puts
both versions in the same phases of a machine whose speed drifts. Both trees run on this
venv's packages. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from benchmarks import sign_load  # noqa: E402


def prepare(tree: str) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="sign-ab-")) / "instance"
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE_PATH": str(instance),
        "CAMPAIGN_RATELIMIT_ENABLED": "false",
        "CAMPAIGN_ENV_NAME": "development",
        "PYTHONPATH": tree,
    }
    env.pop("DATABASE_URL", None)
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            [str(BIN / "flask"), "--app", "campaign", *command],
            env=env,
            cwd=tree,
            check=True,
            capture_output=True,
        )
    return env


def one_run(tree: str, env: dict, workers: int, seconds: float) -> dict:
    port = sign_load._free_port()
    conf = Path(tree) / "deploy" / "gunicorn.conf.py"
    server = sign_load.gunicorn("campaign:create_app()", port, workers, env, Path(tree), conf=conf)
    try:
        sign_load._wait_ready(port, f"/c/{sign_load.SLUG}/sign")
        visit = sign_load.sign_iteration(port, f"ab{time.time_ns()}")
        return sign_load.measure(server, port, 32, seconds, visit)
    finally:
        sign_load.stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    trees = [str(Path(tree).resolve()) for tree in args.trees]
    envs = {tree: prepare(tree) for tree in trees}
    rates: dict[str, list[float]] = {tree: [] for tree in trees}
    for _round in range(args.rounds):
        for tree in trees:
            figures = one_run(tree, envs[tree], args.workers, args.seconds)
            rates[tree].append(figures["rate"])
            cpu = 1000 * figures["server_cpu"] / max(figures["ok"], 1)
            print(
                f"{tree:40} {figures['rate']:6.0f}/s  POST p50 {figures['post_p50']:6.1f}"
                f"  p99 {figures['post_p99']:7.1f} ms  server CPU {cpu:5.2f} ms a signature",
                flush=True,
            )
    for tree in trees:
        print(f"{tree:40} mean {statistics.mean(rates[tree]):6.0f}/s over {args.rounds} rounds")


if __name__ == "__main__":
    main()
