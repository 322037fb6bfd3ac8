"""Sign-load benchmark: the real sign flow under gunicorn vs. a bare Flask + sqlite3 insert.

    .venv/bin/python benchmarks/sign_load.py [--seconds 20] [--clients 32] [--workers 4]

For the app: each client GETs /c/<slug>/sign (for the session cookie and CSRF token) and POSTs
the form, as a resident's browser does; the figure is signatures per second (POSTs answered).
For the baseline: the same clients POST to a bare Flask endpoint that inserts one row with
sqlite3 (the MEASURED.md baseline, about 3,000 inserts per second with wrk). Both servers run
under gunicorn with the same number of sync workers on the same machine, driven by the same
Python client, in the same run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
SLUG = "riverton-arrest-data"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, path: str = "/", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


class Load:
    """Clients hammering a server for a fixed time; collects latencies and statuses."""

    def __init__(self, clients: int, seconds: float) -> None:
        self.clients, self.seconds = clients, seconds
        self.latencies: list[float] = []
        self.ok = 0
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def _error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def run(self, one_iteration) -> float:
        stop = time.monotonic() + self.seconds
        counter = iter(range(10**9))

        def client(number: int) -> None:
            while time.monotonic() < stop:
                n = next(counter)
                try:
                    started = time.perf_counter()
                    ok = one_iteration(number, n)
                    elapsed = time.perf_counter() - started
                except (OSError, http.client.HTTPException) as error:
                    self._error(type(error).__name__)
                    continue
                with self.lock:
                    if ok is True:
                        self.ok += 1
                        self.latencies.append(elapsed)
                    else:
                        self.errors[str(ok)] = self.errors.get(str(ok), 0) + 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(self.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    def summary(self, elapsed: float) -> dict:
        latencies = sorted(self.latencies) or [0.0]
        return {
            "rate": self.ok / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


def sign_iteration(port: int, run: str):
    def iteration(client: int, n: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", f"/c/{SLUG}/sign")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return f"GET {response.status}"
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        token = TOKEN.search(body)
        if not token:
            return "no csrf token"
        form = urllib.parse.urlencode({
            "csrf_token": token.group(1).decode(),
            "name": f"Load Tester {client}-{n}",
            "email": f"load.{run}.{client}.{n}@load.example",
            "zip": "40104",
            "visibility": "packet",
            "website": "",
        })
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        connection.request("POST", f"/c/{SLUG}/sign", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        iteration.post_latencies.append(time.perf_counter() - started)
        return True if response.status == 200 else f"POST {response.status}"

    iteration.post_latencies = []
    return iteration


BASELINE_APP = textwrap.dedent('''
    import os, sqlite3
    from flask import Flask, request
    app = Flask(__name__)
    DB = os.environ["BASELINE_DB"]

    @app.post("/insert")
    def insert():
        connection = sqlite3.connect(DB, timeout=15)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("INSERT INTO signature (name, email) VALUES (?, ?)",
                           (request.form["name"], request.form["email"]))
        connection.commit()
        connection.close()
        return "ok"
''')


def baseline_iteration(port: int):
    def iteration(client: int, n: int):
        form = urllib.parse.urlencode({"name": f"Base {client}-{n}",
                                       "email": f"base.{client}.{n}@load.example"})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/insert", body=form,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return True if response.status == 200 else f"POST {response.status}"

    return iteration


def gunicorn(app_spec: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         app_spec],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time used so far by a server and its workers (every process of its session), the
    workers already replaced after max_requests included."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == process.pid:  # the session id (the server started a new one)
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
            if stat.parent.name == str(process.pid):  # the master: its reaped workers' too
                total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sign-load-"))
    env = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp / "instance"),
           "CAMPAIGN_RATELIMIT_ENABLED": "false", "CAMPAIGN_ENV_NAME": "development"}
    env.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    flask = [str(BIN / "flask"), "--app", "campaign"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], env=env, check=True, capture_output=True)

    port = _free_port()
    server = gunicorn("campaign:create_app()", port, args.workers, env, ROOT)
    try:
        _wait_ready(port, f"/c/{SLUG}/sign")
        run = str(int(time.time()))
        load = Load(args.clients, args.seconds)
        iteration = sign_iteration(port, run)
        cpu_before, client_before = server_cpu_seconds(server), time.process_time()
        elapsed = load.run(iteration)
        app_figures = load.summary(elapsed)
        app_figures["server_cpu"] = server_cpu_seconds(server) - cpu_before
        app_figures["client_cpu"] = time.process_time() - client_before
        posts = sorted(iteration.post_latencies) or [0.0]
        app_figures["post_p50"] = statistics.median(posts) * 1000
        app_figures["post_p99"] = posts[min(len(posts) - 1, int(len(posts) * 0.99))] * 1000
    finally:
        stop(server)
    database = tmp / "instance" / "campaign.sqlite3"
    if "DATABASE_URL" not in env:
        with sqlite3.connect(database) as connection:
            stored = connection.execute(
                "SELECT count(*) FROM signature WHERE email_domain = 'load.example'").fetchone()[0]
    else:
        stored = -1

    base_dir = tmp / "baseline"
    base_dir.mkdir()
    (base_dir / "baseline_app.py").write_text(BASELINE_APP)
    base_db = base_dir / "baseline.sqlite3"
    with sqlite3.connect(base_db) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE signature (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
    base_env = {**os.environ, "BASELINE_DB": str(base_db)}
    port = _free_port()
    server = gunicorn("baseline_app:app", port, args.workers, base_env, base_dir)
    try:
        _wait_ready(port, "/insert")  # a GET: 405 once the workers answer
        load = Load(args.clients, args.seconds)
        cpu_before, client_before = server_cpu_seconds(server), time.process_time()
        elapsed = load.run(baseline_iteration(port))
        base_figures = load.summary(elapsed)
        base_figures["server_cpu"] = server_cpu_seconds(server) - cpu_before
        base_figures["client_cpu"] = time.process_time() - client_before
    finally:
        stop(server)
    with sqlite3.connect(base_db) as connection:
        base_stored = connection.execute("SELECT count(*) FROM signature").fetchone()[0]

    print(f"sign-load: {args.clients} clients, {args.seconds:.0f} s each, "
          f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores")
    print(f"{'':24}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'stored':>9}"
          f"{'ok responses':>14}")
    print(f"{'app sign (GET+POST)':24}{app_figures['rate']:12.0f}{app_figures['p50']:9.1f}"
          f"{app_figures['p99']:9.1f}{app_figures['errors']:8d}{stored:9d}{app_figures['ok']:14d}")
    print(f"{'app sign POST alone':24}{'':12}{app_figures['post_p50']:9.1f}"
          f"{app_figures['post_p99']:9.1f}")
    print(f"{'baseline insert POST':24}{base_figures['rate']:12.0f}{base_figures['p50']:9.1f}"
          f"{base_figures['p99']:9.1f}{base_figures['errors']:8d}{base_stored:9d}"
          f"{base_figures['ok']:14d}")
    print(f"ratio app/baseline: {app_figures['rate'] / max(base_figures['rate'], 1):.2f} "
          f"(target >= 0.50); p99 POST target < 100 ms; rows stored equal to ok responses: "
          f"{stored == app_figures['ok']}")
    # Where the two cores went: the server's CPU per answered signature / insert, and the
    # load-driving client's (which shares the machine) per request it made.
    for label, figures, requests_per_ok in (("app sign", app_figures, 2),
                                            ("baseline insert", base_figures, 1)):
        ok = max(figures["ok"], 1)
        print(f"{label}: server CPU {figures['server_cpu'] / ok * 1000:.2f} ms per answer, "
              f"client CPU {figures['client_cpu'] / (ok * requests_per_ok) * 1000:.2f} ms "
              f"per request")
    if app_figures["error_kinds"] or base_figures["error_kinds"]:
        print("error kinds:", app_figures["error_kinds"], base_figures["error_kinds"])


if __name__ == "__main__":
    main()
