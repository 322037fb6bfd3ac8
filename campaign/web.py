"""What every page shares: language choice, template helpers, security headers, error pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, g, jsonify, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from campaign.config import REPO_ROOT


def translation_directories() -> str:
    """Every catalog folder under translations/ (one per area, so areas never edit one file)."""
    root = REPO_ROOT / "translations"
    folders = [str(root)] + sorted(str(p) for p in root.iterdir() if p.is_dir() and p.name != "es")
    return ";".join(folders)


def select_locale() -> str:
    """An explicit choice (?lang= or the switch, kept in the session), else Accept-Language."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


def localized(obj, field: str) -> str:
    """A campaign text in the reader's language, falling back to English."""
    if str(get_locale()) == "es":
        value = getattr(obj, f"{field}_es", None)
        if value:
            return value
    return getattr(obj, field) or ""


def local_time(moment: datetime, time_zone: str) -> datetime:
    """A moment as the clock on the wall reads it in the campaign's city."""
    return moment.astimezone(ZoneInfo(time_zone))


def format_when(moment: datetime, time_zone: str, with_time: bool = True) -> str:
    """A date and time in the campaign's zone, with the zone named: 'Tuesday, December 8, 2026,
    3:00 PM EST'."""
    local = local_time(moment, time_zone)
    locale = str(get_locale() or "en")
    text = format_date(local, "full", locale=locale)
    if with_time:
        text += ", " + format_time(local, "short", locale=locale) + " " + (local.tzname() or "")
    return text


def init_app(app: Flask) -> None:
    """Wire the shared web behaviour into the application."""
    from campaign.extensions import login

    @login.user_loader
    def load_user(identifier: str):
        from campaign.extensions import db
        from campaign.models import User

        user_id, _sep, version = identifier.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(localized=localized, format_when=format_when)
    app.jinja_env.filters["local_time"] = local_time

    @app.context_processor
    def language_context():
        current = str(get_locale() or "en")
        from campaign.models.types import utcnow

        return {
            "now_utc": utcnow(),
            "current_language": current,
            "other_language": "es" if current == "en" else "en",
        }

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
            "object-src 'none'; frame-ancestors 'none'",
        )
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "interest-cohort=(), geolocation=(), camera=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if "Content-Language" not in headers:
            headers["Content-Language"] = str(get_locale() or "en")
        return response

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def error_page(status: int, title: str, message: str):
        if wants_json():
            return jsonify({"error": {"status": status, "message": message}}), status
        return (
            render_template("error.html", status=status, title=title, message=message),
            status,
        )

    @app.errorhandler(400)
    def bad_request(_error):
        return error_page(400, _("Something was wrong with that request"),
                          _("Please go back and try again."))

    @app.errorhandler(403)
    def forbidden(_error):
        return error_page(403, _("Not allowed"), _("You do not have access to this page."))

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(404, _("Page not found"),
                          _("We could not find that page. It may have moved or been closed."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return error_page(405, _("Not allowed"), _("That action is not possible on this page."))

    @app.errorhandler(413)
    def too_large(_error):
        return error_page(413, _("Too large"), _("What you sent is too large."))

    @app.errorhandler(429)
    def too_many(_error):
        return error_page(
            429,
            _("Please slow down"),
            _("Too many attempts from your connection. Please wait a minute and try again."),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        # The form's own view re-renders with the user's text where it can (see the areas);
        # this is the fallback for forms that do not.
        g.csrf_failed = True
        return error_page(
            400,
            _("This form expired"),
            _("For your safety the form expired. Go back, and send it again."),
        )

    @app.errorhandler(500)
    def server_error(_error):
        from campaign.extensions import db

        db.session.rollback()
        return error_page(
            500,
            _("Something went wrong on our side"),
            _("Please try again in a moment. If it keeps happening, tell the campaign."),
        )
