"""A petition and public-testimony platform for one local decision at a time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from campaign.config import REPO_ROOT


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI."""
    instance_path = os.environ.get("CAMPAIGN_INSTANCE_PATH") or str(REPO_ROOT / "instance")
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = str(test_config["INSTANCE_PATH"])
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    # Keys, the SQLite database, packets and mail live here: for this user's eyes only.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)

    from campaign import config

    config.load(app, test_config)
    trusted_proxies = int(app.config["TRUSTED_PROXIES"])
    if trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Exactly N hops: the client address and the scheme are read from the N-th entry from
        # the right of X-Forwarded-For / -Proto, the ones our own proxies wrote. Anything a
        # client put further left is ignored, so nobody can choose their rate-limit key.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)

    from campaign.crypto import KeyRing

    app.extensions["keyring"] = KeyRing(app.config["ENCRYPTION_KEYS"], app.config["HASH_KEY"])

    from campaign import web
    from campaign.extensions import babel, csrf, db, limiter, login, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login.init_app(app)
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        default_translation_directories=web.translation_directories(),
    )
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    limiter.init_app(app)

    login.login_view = "auth.login"
    login.login_message = None

    from campaign import jobs, models  # noqa: F401  (registers the tables)
    from campaign.services import mail  # noqa: F401  (registers the after-commit hook)

    jobs.init_app(app)
    from campaign.database import configure_engine_events

    with app.app_context():
        configure_engine_events(db.engine, int(app.config["DATABASE_BUSY_TIMEOUT_MS"]))

    web.init_app(app)
    from campaign import deploy_checks

    deploy_checks.init_app(app)

    from campaign.api import bp as api_bp
    from campaign.auth import bp as auth_bp
    from campaign.coalition import bp as coalition_bp
    from campaign.organize import bp as organize_bp
    from campaign.packets import bp as packets_bp
    from campaign.public import bp as public_bp
    from campaign.residents import bp as residents_bp
    from campaign.schedule import bp as schedule_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(residents_bp)
    app.register_blueprint(coalition_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organize_bp, url_prefix="/organize")
    app.register_blueprint(packets_bp, url_prefix="/organize")
    app.register_blueprint(schedule_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)

    from campaign.cli import register as register_cli

    register_cli(app)
    return app
