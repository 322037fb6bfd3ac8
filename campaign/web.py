"""What every page shares: language choice, template helpers, security headers, error pages."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import (
    Flask,
    Request,
    abort,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from campaign.bilingual import in_language, lacks_spanish
from campaign.config import REPO_ROOT

# The largest number an INTEGER column holds on PostgreSQL (SQLite's hold 2**63 - 1), the type
# of every id: the database refuses a larger one in a query, so no number read from a URL is.
INTEGER_MAX = 2**31 - 1
# What an HTML form sends. Flask-WTF also reads a JSON body into a form (numbers, lists), and
# a file part into whichever field has its name: our text fields' filters expect text.
FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The name of every file input of ours (campaign.organize.forms.UploadForm.file).
UPLOAD_FIELDS = frozenset({"file"})


def translation_directories() -> str:
    """Every catalog folder under translations/ (one per area, so areas never edit one file)."""
    root = REPO_ROOT / "translations"
    areas = sorted(str(p) for p in root.iterdir() if p.is_dir() and p.name != "es")
    # Later catalogs win where two translate the same text: the shared base catalog goes last.
    return ";".join([*areas, str(root)])


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


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond what the database holds is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=INTEGER_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def query_int(
    name: str, default: int | None = None, *, low: int = 0, high: int = INTEGER_MAX
) -> int | None:
    """A whole number from the query string, between low and high; `default` when it is
    missing or anything else (a link edited by hand shows the default, never an error)."""
    value = request.args.get(name, "")
    # ASCII digits only, and few: int() also takes "1_000", other scripts' digits and spaces.
    if not re.fullmatch(r"-?[0-9]{1,19}", value):
        return default
    number = int(value)
    return number if low <= number <= high else default


def query_page() -> int:
    """The page of a list asked for in ?page=, from 1 (its rows' offset stays far within the
    64 bits OFFSET takes)."""
    return query_int("page", 1, low=1)


def wants_json() -> bool:
    """True for the JSON API, whose errors are JSON too."""
    return request.path.startswith("/api/")


def _our_forms_could_send() -> bool:
    """False when a request to a page carries what none of our forms sends: a body that is not
    a form (JSON, XML, text), or a file under the name of a text field."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.mimetype or wants_json():
        return True
    return request.mimetype in FORM_BODIES and UPLOAD_FIELDS.issuperset(request.files)


def localized(obj, field: str) -> str:
    """A campaign text in the reader's language, falling back to English (campaign.bilingual)."""
    return in_language(obj, field, str(get_locale() or "en"))


def untranslated_here(obj, field: str) -> bool:
    """True when the reader reads Spanish and sees a campaign text's English fallback: staff
    pages mark it "not translated yet"."""
    return str(get_locale() or "en") == "es" and lacks_spanish(obj, field)


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


def time_left(moment: datetime, now: datetime | None = None) -> str:
    """How long until a moment, in words and two units: "in 3 days, 4 hours"."""
    from campaign.models.types import utcnow

    minutes = int((moment - (now or utcnow())).total_seconds()) // 60
    if minutes < 0:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    day_text = ngettext("%(num)s day", "%(num)s days", days)
    hour_text = ngettext("%(num)s hour", "%(num)s hours", hours)
    if not (days or hours):
        minutes = max(minutes, 1)  # "in 1 minute", never "in 0 minutes"
    minute_text = ngettext("%(num)s minute", "%(num)s minutes", minutes)
    if days:
        span = f"{day_text}, {hour_text}" if hours else day_text
    elif hours:
        span = f"{hour_text}, {minute_text}" if minutes else hour_text
    else:
        span = minute_text
    return _("in %(span)s", span=span)


def keeps_text_on_csrf_error(view):
    """Mark a view whose form checks its own CSRF token: when the check fails (a long-open
    tab, a lost session) the view shows its form again with everything the user typed, a
    kind "form expired" message and status 400, instead of the generic page.

    The view is exempt from the check Flask-WTF makes before every view; its form makes that
    same check when it validates (campaign.residents.forms.ResidentForm), so such a view must
    write nothing before its form has validated.
    """
    from campaign.extensions import csrf

    return csrf.exempt(view)


def _typed_text() -> list[tuple[str, str]]:
    """What the user sent in the form that failed, minus secrets, to give back to them."""
    skipped = {"csrf_token", "website"}
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in skipped and "password" not in name.lower() and value.strip()
    ][:50]


class CampaignRequest(Request):
    """Form values never carry NUL: no text of ours needs it, and PostgreSQL refuses it."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any("\x00" in value for value in form.values()):
            self.__dict__["form"] = ImmutableMultiDict(
                [(key, value.replace("\x00", "")) for key, value in form.items(multi=True)]
            )


def _signed_in_staff() -> bool:
    """Whether this answer goes to someone signed in, without loading anyone: staff sign in
    only through the session (no remember-me cookie), so a session without Flask-Login's user
    id is a resident's. A stale id (a session version since changed) counts as signed in,
    which only makes the answer uncacheable."""
    loaded = g.get("_login_user")
    if loaded is not None:
        return bool(loaded.is_authenticated)
    return "_user_id" in session


def load_user(identifier: str):
    """Flask-Login's user loader: "<id>:<session version>", active accounts only."""
    from campaign.extensions import db
    from campaign.models import User

    user_id, _sep, version = identifier.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def language_context() -> dict:
    """What every template knows: now, and the reader's language and the other one."""
    from campaign.models.types import utcnow

    current = str(get_locale() or "en")
    return {
        "now_utc": utcnow(),
        "current_language": current,
        "other_language": "es" if current == "en" else "en",
    }


def refuse_nul_in_path() -> None:
    # PostgreSQL refuses NUL in text; no real URL of ours contains one.
    if "\x00" in request.path or "%00" in request.full_path:
        abort(404)


def refuse_what_no_form_sends() -> None:
    # Only where a route matched: a wrong URL or method keeps its 404 or 405.
    if request.endpoint is not None and not _our_forms_could_send():
        abort(415)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def security_headers(response):
    """The headers every answer carries (a view may set its own Cache-Control, staff never)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # same-origin: other sites get no Referer at all (a resident's visit, a private link's
    # path never leave the site), while our own forms carry one, which the HTTPS CSRF
    # check (WTF_CSRF_SSL_STRICT) requires; no-referrer made it refuse every form.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "interest-cohort=(), geolocation=(), camera=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if request.endpoint != "static" and ("Cache-Control" not in headers or _signed_in_staff()):
        # Pages carry a session's form tokens, and staff pages, downloads and a resident's
        # private links carry names: no browser or shared cache may keep any of them. A
        # public view may choose its own caching (the public calendar feed), staff's never.
        headers["Cache-Control"] = "no-store"
    if "Content-Language" not in headers:
        headers["Content-Language"] = str(get_locale() or "en")
    return response


def error_page(status: int, title: str, message: str, typed=()):
    """The error page (JSON under /api/), with what the person typed to copy, if any."""
    if wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return (
        render_template("error.html", status=status, title=title, message=message, typed=typed),
        status,
    )


def _typed_if_posted() -> list[tuple[str, str]] | tuple:
    return _typed_text() if request.method == "POST" else ()


def bad_request(_error):
    return error_page(
        400, _("Something was wrong with that request"), _("Please go back and try again.")
    )


def forbidden(_error):
    return error_page(403, _("Not allowed"), _("You do not have access to this page."))


def not_found(_error):
    return error_page(
        404,
        _("Page not found"),
        _("We could not find that page. It may have moved or been closed."),
    )


def method_not_allowed(_error):
    return error_page(405, _("Not allowed"), _("That action is not possible on this page."))


def too_large(_error):
    return error_page(413, _("Too large"), _("What you sent is too large."))


def unsupported_body(_error):
    return error_page(
        415, _("Something was wrong with that request"), _("Please go back and try again.")
    )


def too_many(_error):
    # What was typed comes back, so waiting a minute never means writing it all again.
    return error_page(
        429,
        _("Please slow down"),
        _("Too many attempts from your connection. Please wait a minute and try again."),
        typed=_typed_if_posted(),
    )


def csrf_error(_error):
    # Views marked keeps_text_on_csrf_error check the token in their own form and say so
    # there; every other form gets this page, which still gives the typed text back.
    if not _our_forms_could_send():
        # The CSRF check runs before refuse_what_no_form_sends; no form may read this.
        return unsupported_body(None)
    return error_page(
        400,
        _("This form expired"),
        _("For your safety the form expired. Go back, and send it again."),
        typed=_typed_text(),
    )


def database_busy(error):
    # A database locked or unreachable beyond its timeout: the transaction was rolled back,
    # so nothing from this request was stored, and the person may safely send it again.
    from flask import current_app

    from campaign.extensions import db

    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0][:200])
    response = make_response(
        error_page(
            503,
            _("We are very busy right now"),
            _("Nothing was saved. Please wait a moment and send it again."),
            typed=_typed_if_posted(),
        )
    )
    response.headers["Retry-After"] = "10"
    return response


def server_error(_error):
    from campaign.extensions import db

    db.session.rollback()
    return error_page(
        500,
        _("Something went wrong on our side"),
        _("Please try again in a moment. If it keeps happening, tell the campaign."),
        typed=_typed_if_posted(),
    )


ERROR_HANDLERS = {
    400: bad_request,
    403: forbidden,
    404: not_found,
    405: method_not_allowed,
    413: too_large,
    415: unsupported_body,
    429: too_many,
    CSRFError: csrf_error,
    OperationalError: database_busy,
    500: server_error,
}


def init_app(app: Flask) -> None:
    """Wire the shared web behaviour into the application."""
    app.request_class = CampaignRequest
    # Before any blueprint adds its routes: the converter is chosen when a rule is added.
    app.url_map.converters["int"] = DatabaseIntConverter
    from campaign.extensions import login

    login.user_loader(load_user)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        localized=localized,
        lacks_spanish=lacks_spanish,
        untranslated_here=untranslated_here,
        format_when=format_when,
        time_left=time_left,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.context_processor(language_context)
    app.before_request(refuse_nul_in_path)
    app.before_request(refuse_what_no_form_sends)
    app.after_request(security_headers)
    for key, handler in ERROR_HANDLERS.items():
        app.register_error_handler(key, handler)
