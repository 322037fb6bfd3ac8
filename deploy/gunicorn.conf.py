"""Production server settings: `gunicorn -c deploy/gunicorn.conf.py 'campaign:create_app()'`.

Residents' visits must not be traceable: the access log never records client addresses (no
%(h)s, no X-Forwarded-For), and the app itself only ever sees a keyed hash of the address for
rate limiting.
"""

import gc
import os

from gunicorn.glogging import Logger

from campaign import deploy_checks
from campaign.access_log import loggable_path


class AddressFreeLogger(Logger):
    """gunicorn's logger, with only the access-log atoms that say nothing about the client.

    There is no %(h)s, no header, no query string and no environ atom to print, so no access
    log format, one given on the command line included, can write an address (an unknown atom
    prints "-"), and the path comes without its link tokens. It is also cheaper: gunicorn's
    own builds every header and every environ entry into the atoms of every request, which was
    about 4 % of a signature's server time.
    """

    def atoms(self, resp, req, environ, request_time):
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        path = loggable_path(environ.get("PATH_INFO") or "")
        sent = getattr(resp, "sent", None)
        milliseconds = request_time.seconds * 1000 + request_time.microseconds // 1000
        return {
            "t": self.now(),
            "m": environ.get("REQUEST_METHOD"),
            "U": path,
            "s": status,
            "B": sent,
            "b": str(sent) if sent is not None else "-",
            "M": milliseconds,
            "D": request_time.seconds * 1_000_000 + request_time.microseconds,
            "T": request_time.seconds,
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "p": f"<{os.getpid()}>",
        }


bind = deploy_checks.default_bind()
# Rate limits count per client across the whole site only if every worker sees the same
# counts: with Redis, two workers per core; without it, one process whose threads share them
# (deploy_checks.default_workers). Several workers on memory:// counts are refused at start.
workers = deploy_checks.default_workers()
threads = int(os.environ.get("CAMPAIGN_WEB_THREADS", 1 if workers > 1 else 8))
worker_class = "sync"  # gunicorn switches to its gthread worker when threads > 1
timeout = 60
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
# The app is built once, in the master, and every worker is a fork of it. A worker replaced
# after max_requests then starts in milliseconds instead of importing and building the app
# again (1.5 to 1.6 s of CPU each time, measured: 0.3 ms per request at 5,000 requests a
# worker), and the workers share the loaded code's memory. New code needs a restart, not HUP.
preload_app = True
accesslog = "-"
logger_class = AddressFreeLogger
# Time, request line without the query string, status, size, duration. No client address.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
# No control socket (gunicorn 25.1 and later open one in the home folder by default): nothing
# here uses it, and two servers on one machine would share its path.
control_socket_disable = True
# gunicorn reads no forwarded header itself: the app's one setting, CAMPAIGN_TRUSTED_PROXIES
# (werkzeug's ProxyFix), decides whether the scheme and the client come from the proxy.
secure_scheme_headers: dict[str, str] = {}


def on_starting(server):
    # The app is loaded already (preload_app). In production an unsafe configuration stops
    # the server here, before it accepts a request; elsewhere (tests, benchmarks, a trial on
    # loopback) the findings are only logged.
    app = server.app.wsgi()
    if "ENV_NAME" not in getattr(app, "config", {}):  # another app (a benchmark's floor)
        return
    findings = deploy_checks.run(app, server.cfg.workers, ",".join(server.cfg.bind))
    production = app.config.get("ENV_NAME") == "production"
    for finding in findings:
        server.log.warning("check-deploy: %s", finding)
    if production and deploy_checks.errors(findings):
        raise SystemExit("refusing to start: an unsafe configuration (see check-deploy above)")
    if not production:
        server.log.warning("ENV_NAME=%s: not a production configuration", app.config["ENV_NAME"])


def pre_fork(server, worker):
    # What the master loaded is frozen before each fork: the collector in a worker never
    # writes to those objects, so their memory pages stay shared with the master. Garbage is
    # collected first, or it would be frozen with them and never freed; after the first fork
    # that collection only walks what the master made since (0.1 ms; 126 ms the first time).
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    # A worker must never use a database connection it inherited from the master: two
    # processes on one socket corrupt each other's transactions. Nothing in create_app()
    # connects (tests/test_gunicorn_config.py), and this makes sure of it all the same.
    app = server.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is None:  # another app under this configuration (the benchmark's baseline)
        return
    with app.app_context():
        for engine in sqlalchemy.engines.values():
            engine.dispose(close=False)


def post_worker_init(worker):
    # The app, its templates and its catalogs are loaded now and live as long as the worker.
    # Frozen, they are out of the collector's way: a full collection no longer walks them in
    # the middle of a request (about 140 ms each time, measured in-process; 2 ms after).
    gc.freeze()
