"""Sign-load benchmark: the real sign flow under gunicorn vs. a bare Flask + sqlite3 insert.

    .venv/bin/python benchmarks/sign_load.py [--seconds 20] [--clients 32] [--workers 4]

For the app: each client GETs /c/<slug>/sign (for the session cookie and CSRF token) and POSTs
the form, as a resident's browser does; the figure is signatures per second (POSTs answered).
For the baseline: the same clients POST to a bare Flask endpoint that inserts one row with
sqlite3 (the baseline of docs/measured.md, about 3,000 inserts per second with wrk). For the stack's
floor: the same sign flow as the app's, GET then POST, against the least an app on this stack
can do for it (Flask, Flask-WTF's CSRF token in the session cookie, a three-field WTForms form,
one sqlite3 insert in WAL), which shows how much of the app's cost is the stack's and how much
its own. All three servers run under gunicorn with the same configuration and number of sync
workers on the same machine (one thread each, as deployed with Redis), driven by the same Python
client, in the same run; the app is also measured in the default deployment without Redis, one
process with 8 threads (deploy_checks.default_workers). With nginx
installed, the app is also measured as deployed: under gunicorn trusting one proxy, behind
nginx with the production site (deploy/nginx/campaign.conf, through tests/deploy/tls_proxy.py)
over TLS, one HTTPS connection per resident's visit (the GET and the POST on it, as a browser
does).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import sqlite3
import ssl
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
sys.path.insert(0, str(ROOT))

from tests.deploy.tls_proxy import NGINX, start_nginx  # noqa: E402
from tests.servers import self_signed_certificate  # noqa: E402

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
        p50, p99 = percentiles(self.latencies)
        return {
            "rate": self.ok / elapsed,
            "p50": p50,
            "p99": p99,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """The median and the 99th percentile of latencies in seconds, in milliseconds."""
    ordered = sorted(latencies) or [0.0]
    return (
        statistics.median(ordered) * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )


def sign_iteration(port: int, run: str, connect=None, domain: str = "load.example"):
    """A resident's visit: GET the form, POST it. `connect` makes the visit's connection
    (plain HTTP to `port` by default); http.client opens it again if the server closed it."""
    connect = connect or (lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30))

    def iteration(client: int, n: int):
        connection = connect()
        connection.request("GET", f"/c/{SLUG}/sign")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return f"GET {response.status}"
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        token = TOKEN.search(body)
        if not token:
            return "no csrf token"
        form = urllib.parse.urlencode(
            {
                "csrf_token": token.group(1).decode(),
                "name": f"Load Tester {client}-{n}",
                "email": f"load.{run}.{client}.{n}@{domain}",
                "zip": "40104",
                "visibility": "packet",
                "website": "",
            }
        )
        started = time.perf_counter()
        scheme = "https" if isinstance(connection, http.client.HTTPSConnection) else "http"
        # The Referer a browser sends: over HTTPS, Flask-WTF refuses a form without it.
        connection.request(
            "POST",
            f"/c/{SLUG}/sign",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"{scheme}://{connection.host}:{connection.port}/c/{SLUG}/sign",
            },
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        iteration.post_latencies.append(time.perf_counter() - started)
        return True if response.status == 200 else f"POST {response.status}"

    iteration.post_latencies = []
    return iteration


BASELINE_APP = textwrap.dedent("""
    import os, sqlite3
    from flask import Flask, request
    app = Flask(__name__)
    DB = os.environ["BENCH_DB"]

    @app.post("/insert")
    def insert():
        connection = sqlite3.connect(DB, timeout=15)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("INSERT INTO signature (name, email) VALUES (?, ?)",
                           (request.form["name"], request.form["email"]))
        connection.commit()
        connection.close()
        return "ok"
""")


FLOOR_APP = textwrap.dedent("""
    import os, sqlite3
    from flask import Flask
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import CSRFProtect
    from wtforms import EmailField, StringField
    from wtforms.validators import DataRequired, Email

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(32).hex()
    CSRFProtect(app)
    DB = os.environ["BENCH_DB"]

    class SignForm(FlaskForm):
        name = StringField("Your name", validators=[DataRequired()])
        email = EmailField("Email", validators=[DataRequired(), Email()])
        zip = StringField("ZIP code", validators=[DataRequired()])

    PAGE = app.jinja_env.from_string(
        '<form method="post">'
        '<input name="csrf_token" type="hidden" value="{{ form.csrf_token.current_token }}">'
        '{% for field in (form.name, form.email, form.zip) %}{{ field.label }}{{ field }}'
        '{% endfor %}<button>Sign</button></form>')

    @app.route("/c/<slug>/sign", methods=["GET", "POST"])
    def sign(slug):
        form = SignForm()
        if not form.validate_on_submit():
            return PAGE.render(form=form)
        connection = sqlite3.connect(DB, timeout=15)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("INSERT INTO signature (name, email) VALUES (?, ?)",
                           (form.name.data, form.email.data))
        connection.commit()
        connection.close()
        return "<p>Check your email.</p>"
""")


def baseline_iteration(port: int):
    def iteration(client: int, n: int):
        form = urllib.parse.urlencode(
            {"name": f"Base {client}-{n}", "email": f"base.{client}.{n}@load.example"}
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/insert",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        return True if response.status == 200 else f"POST {response.status}"

    return iteration


def gunicorn(
    app_spec: str,
    port: int,
    workers: int,
    env: dict,
    cwd: Path,
    threads: int = 1,
    conf: Path = ROOT / "deploy" / "gunicorn.conf.py",
) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py (another tree's own for benchmarks/sign_ab.py)."""
    # Both through the variables deploy/gunicorn.conf.py reads: its default without Redis is
    # one process with 8 threads, and `--workers` alone would keep those 8 threads in each.
    env = {**env, "CAMPAIGN_WEB_WORKERS": str(workers), "CAMPAIGN_WEB_THREADS": str(threads)}
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(conf),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            app_spec,
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def measure(server: subprocess.Popen, port: int, clients: int, seconds: float, iteration) -> dict:
    """Drive one server for the given time; its figures, and the CPU that it and the client
    used."""
    load = Load(clients, seconds)
    cpu_before, client_before = server_cpu_seconds(server), time.process_time()
    elapsed = load.run(iteration)
    figures = load.summary(elapsed)
    figures["server_cpu"] = server_cpu_seconds(server) - cpu_before
    figures["client_cpu"] = time.process_time() - client_before
    if hasattr(iteration, "post_latencies"):  # a sign flow: its POSTs on their own too
        figures["post_p50"], figures["post_p99"] = percentiles(iteration.post_latencies)
    return figures


def bare_server(tmp: Path, name: str, source: str, workers: int):
    """A one-file app of the baseline's kind, with an empty signature table; its process, its
    port and its database."""
    folder = tmp / name
    folder.mkdir()
    (folder / f"{name}_app.py").write_text(source)
    database = folder / f"{name}.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE signature (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
    port = _free_port()
    server = gunicorn(
        f"{name}_app:app", port, workers, {**os.environ, "BENCH_DB": str(database)}, folder
    )
    return server, port, database


def behind_nginx(
    tmp: Path, env: dict, clients: int, seconds: float, workers: int, run: str
) -> dict:
    """The app as deployed: gunicorn trusting one proxy, nginx with the production site in
    front of it, residents on HTTPS; its figures, nginx's CPU among them."""
    certificate, key = self_signed_certificate(tmp / "tls")
    port = _free_port()
    server = gunicorn(
        "campaign:create_app()", port, workers, {**env, "CAMPAIGN_TRUSTED_PROXIES": "1"}, ROOT
    )
    nginx = None
    try:
        _wait_ready(port, f"/c/{SLUG}/sign")
        nginx = start_nginx(tmp / "nginx", f"127.0.0.1:{port}", certificate, key, "auto")
        context = ssl.create_default_context(cafile=str(certificate))

        def connect() -> http.client.HTTPSConnection:
            return http.client.HTTPSConnection(
                "127.0.0.1", nginx.https_port, timeout=30, context=context
            )

        proxy_before = server_cpu_seconds(nginx.process)
        figures = measure(
            server, port, clients, seconds, sign_iteration(port, run, connect, "tls.load.example")
        )
        figures["proxy_cpu"] = server_cpu_seconds(nginx.process) - proxy_before
    finally:
        if nginx is not None:
            nginx.stop()
        stop(server)
    return figures


def rows(database: Path, where: str = "") -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM signature {where}").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sign-load-"))
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE_PATH": str(tmp / "instance"),
        "CAMPAIGN_RATELIMIT_ENABLED": "false",
        "CAMPAIGN_ENV_NAME": "development",
    }
    env.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    flask = [str(BIN / "flask"), "--app", "campaign"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], env=env, check=True, capture_output=True)
    run = str(int(time.time()))

    port = _free_port()
    server = gunicorn("campaign:create_app()", port, args.workers, env, ROOT)
    try:
        _wait_ready(port, f"/c/{SLUG}/sign")
        app = measure(server, port, args.clients, args.seconds, sign_iteration(port, run))
    finally:
        stop(server)
    # The default without Redis (deploy_checks.default_workers): one process, 8 threads.
    port = _free_port()
    server = gunicorn("campaign:create_app()", port, 1, env, ROOT, threads=8)
    try:
        _wait_ready(port, f"/c/{SLUG}/sign")
        iteration = sign_iteration(port, run, domain="threads.load.example")
        threaded = measure(server, port, args.clients, args.seconds, iteration)
    finally:
        stop(server)
    tls = None
    if NGINX:
        tls = behind_nginx(tmp, env, args.clients, args.seconds, args.workers, run)
    else:
        print("nginx is not installed (apt-get install nginx): no figures through TLS")
    if "DATABASE_URL" not in env:
        database = tmp / "instance" / "campaign.sqlite3"
        stored = rows(database, "WHERE email_domain = 'load.example'")
        tls_stored = rows(database, "WHERE email_domain = 'tls.load.example'")
        threaded_stored = rows(database, "WHERE email_domain = 'threads.load.example'")
    else:
        stored = tls_stored = threaded_stored = -1

    server, port, floor_db = bare_server(tmp, "floor", FLOOR_APP, args.workers)
    try:
        _wait_ready(port, f"/c/{SLUG}/sign")
        floor = measure(server, port, args.clients, args.seconds, sign_iteration(port, run))
    finally:
        stop(server)

    server, port, base_db = bare_server(tmp, "baseline", BASELINE_APP, args.workers)
    try:
        _wait_ready(port, "/insert")  # a GET: 405 once the workers answer
        base = measure(server, port, args.clients, args.seconds, baseline_iteration(port))
    finally:
        stop(server)

    print(
        f"sign-load: {args.clients} clients, {args.seconds:.0f} s each, "
        f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores"
    )
    print(
        f"{'':24}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'stored':>9}"
        f"{'ok responses':>14}"
    )
    table = [
        ("app sign (GET+POST)", app, stored),
        ("  1 process, 8 threads", threaded, threaded_stored),
    ]
    if tls:
        table.append(("  via nginx, TLS", tls, tls_stored))
    table += [
        ("stack floor (GET+POST)", floor, rows(floor_db)),
        ("baseline insert POST", base, rows(base_db)),
    ]
    for label, figures, stored_rows in table:
        print(
            f"{label:24}{figures['rate']:12.0f}{figures['p50']:9.1f}{figures['p99']:9.1f}"
            f"{figures['errors']:8d}{stored_rows:9d}{figures['ok']:14d}"
        )
        if "post_p99" in figures:
            print(
                f"{'  its POST alone':24}{'':12}{figures['post_p50']:9.1f}"
                f"{figures['post_p99']:9.1f}"
            )
    print(
        f"ratio app/baseline: {app['rate'] / max(base['rate'], 1):.2f} "
        f"(target >= 0.50); p99 POST target < 100 ms; rows stored equal to ok responses: "
        f"{stored == app['ok']}"
    )
    print(
        f"ratio stack floor/baseline: {floor['rate'] / max(base['rate'], 1):.2f}; "
        f"app/stack floor: {app['rate'] / max(floor['rate'], 1):.2f}"
    )
    if tls:
        print(
            f"ratio app via nginx and TLS / app: {tls['rate'] / max(app['rate'], 1):.2f}; "
            f"rows stored equal to ok responses: {tls_stored == tls['ok']}; nginx CPU "
            f"{tls['proxy_cpu'] / max(tls['ok'], 1) * 1000:.2f} ms per answer"
        )
    # Where the two cores went: the server's CPU per answered signature / insert, and the
    # load-driving client's (which shares the machine) per request it made.
    for label, figures, requests_per_ok in (
        ("app sign", app, 2),
        ("app via nginx", tls, 2),
        ("stack floor", floor, 2),
        ("baseline insert", base, 1),
    ):
        if figures is None:
            continue
        ok = max(figures["ok"], 1)
        print(
            f"{label}: server CPU {figures['server_cpu'] / ok * 1000:.2f} ms per answer, "
            f"client CPU {figures['client_cpu'] / (ok * requests_per_ok) * 1000:.2f} ms "
            f"per request"
        )
    errors = {
        "app": app["error_kinds"],
        "app via nginx": (tls or {}).get("error_kinds"),
        "stack floor": floor["error_kinds"],
        "baseline": base["error_kinds"],
    }
    if any(errors.values()):
        print("error kinds:", errors)


if __name__ == "__main__":
    main()
