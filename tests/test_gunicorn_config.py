"""The production server configuration never logs client addresses."""

from __future__ import annotations

import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def test_access_log_has_no_client_address():
    settings = runpy.run_path(str(CONFIG))
    log_format = settings["access_log_format"]
    for address_atom in ("%(h)s", "X-Forwarded-For", "x-forwarded-for", "%({x-real-ip}i)s"):
        assert address_atom not in log_format
    assert "%(U)s" in log_format and "%(q)s" not in log_format  # no query strings either


def _access_line(log_format: str, path: str = "/c/riverton/sign") -> str:
    """What the configured logger writes for one request, with this access log format."""
    import datetime
    import io
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config

    settings = runpy.run_path(str(CONFIG))
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", log_format)
    logger = settings["logger_class"](config)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    logger.access_log.propagate = False
    logger.access_log.setLevel(logging.INFO)
    headers = [
        ("Host", "example.org"),
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Real-IP", "203.0.113.9"),
        ("User-Agent", "Phone 203.0.113.9"),
    ]
    request = SimpleNamespace(headers=headers)
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Set-Cookie", "s=1")])
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "email=ana@example.org",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": path,
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    }
    logger.access(response, request, environ, datetime.timedelta(milliseconds=42))
    return stream.getvalue()


def test_no_access_log_format_can_print_the_client():
    settings = runpy.run_path(str(CONFIG))
    line = _access_line(settings["access_log_format"])
    assert '"POST /c/riverton/sign" 200 512 42ms' in line
    # Every atom gunicorn offers that could carry the client, asked for outright.
    hostile = (
        "%(h)s %(r)s %(q)s %(a)s %(f)s %({x-forwarded-for}i)s %({x-real-ip}i)s "
        "%({remote_addr}e)s %({http_x_forwarded_for}e)s %({set-cookie}o)s"
    )
    line = _access_line(hostile)
    assert "203.0.113.9" not in line and "ana@example.org" not in line and "s=1" not in line
    assert line.split() == ["-"] * 10


def test_a_path_cannot_forge_a_second_log_line():
    settings = runpy.run_path(str(CONFIG))
    line = _access_line(settings["access_log_format"], path="/x\n203.0.113.9 GET /admin")
    assert line.count("\n") == 1 and "/x\\n203.0.113.9 GET /admin" in line


def test_no_control_socket():
    from gunicorn.config import Config

    config = Config()
    for name, value in runpy.run_path(str(CONFIG)).items():
        if name in config.settings:
            config.set(name, value)
    assert config.control_socket_disable is True


def test_workers_freeze_what_the_app_loaded():
    import gc

    settings = runpy.run_path(str(CONFIG))
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_app_is_built_once_in_the_master():
    # Workers are forks of it: a replaced worker does not import and build the app again.
    assert runpy.run_path(str(CONFIG))["preload_app"] is True


def test_building_the_app_opens_no_database_connection(_migrated_url, tmp_path):
    """The master builds the app before it forks: a connection opened there would be shared by
    every worker."""
    from campaign.extensions import db
    from tests.conftest import make_app

    app = make_app(tmp_path / "instance", _migrated_url)
    with app.app_context():
        for engine in db.engines.values():
            assert engine.pool.checkedin() == 0 and engine.pool.checkedout() == 0


def test_a_worker_never_uses_a_connection_it_inherited(app):
    """Should the master ever hold a pooled connection, a forked worker starts a pool of its own."""
    from types import SimpleNamespace

    import sqlalchemy as sa

    from campaign.extensions import db

    settings = runpy.run_path(str(CONFIG))
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    inherited = db.engine.pool
    assert inherited.checkedin() == 1
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    settings["post_fork"](server, None)
    assert db.engine.pool is not inherited and db.engine.pool.checkedin() == 0
    # An app without a database under the same configuration is left as it is.
    from flask import Flask

    settings["post_fork"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: Flask("bare"))), None)


def test_the_master_freezes_what_it_loaded_before_each_fork():
    import gc
    import weakref

    class Node:
        pass

    settings = runpy.run_path(str(CONFIG))
    gc.disable()  # no automatic collection may free the garbage before the hook does
    try:
        garbage = Node()
        garbage.cycle = garbage  # unreachable once dropped, freed only by the collector
        gone = weakref.ref(garbage)
        del garbage
        assert gc.get_freeze_count() == 0
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0
        assert gone() is None  # collected, not frozen for the master's lifetime
    finally:
        gc.unfreeze()
        gc.enable()


def test_link_tokens_are_not_logged(app):
    """A reset, invitation, confirmation or private testimony link, or a calendar feed, is a
    credential: the access log shows where it led, never the token."""
    import secrets

    from campaign.services import invitations, signing

    settings = runpy.run_path(str(CONFIG))
    with app.test_request_context():
        signed = signing.make_link_token(signing.SIGNATURE_LINK, 501, "ce3c1c928817b6be" * 4)
        invite = invitations.token_for(7)
    feed = secrets.token_urlsafe(32)
    for path, logged in (
        (f"/c/riverton-arrest-data/confirm/{signed}", "/c/riverton-arrest-data/confirm/<token>"),
        (f"/t/{signed}/edit", "/t/<token>/edit"),
        (f"/invite/{invite}", "/invite/<token>"),
        (f"/calendar/{feed}.ics", "/calendar/<token>"),
    ):
        line = _access_line(settings["access_log_format"], path=path)
        assert f'"POST {logged}"' in line, line
    # What is not a token stays as it is.
    for path in (
        "/c/stop-sharing-riverton-arrest-data-with-ice/sign",
        "/static/css/site.css",
        "/c/riverton-arrest-data/calendar.ics",
        "/api/v1/campaigns/riverton/Counts",
    ):
        assert f'"POST {path}"' in _access_line(settings["access_log_format"], path=path)
