"""What every request shares: the language chosen, ids and numbers read from URLs, the checks
made before a view and the headers after it, the staff user loader. What a reader sees is in
campaign.display, the error pages in campaign.error_pages."""

from __future__ import annotations

import re

from flask import (
    Flask,
    Request,
    abort,
    g,
    request,
    session,
)
from flask_babel import get_locale
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from campaign import display
from campaign.bilingual import lacks_spanish
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


def our_forms_could_send() -> bool:
    """False when a request to a page carries what none of our forms sends: a body that is not
    a form (JSON, XML, text), or a file under the name of a text field."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.mimetype or wants_json():
        return True
    return request.mimetype in FORM_BODIES and UPLOAD_FIELDS.issuperset(request.files)


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


def refuse_nul_in_path() -> None:
    # PostgreSQL refuses NUL in text; no real URL of ours contains one.
    if "\x00" in request.path or "%00" in request.full_path:
        abort(404)


def refuse_what_no_form_sends() -> None:
    # Only where a route matched: a wrong URL or method keeps its 404 or 405.
    if request.endpoint is not None and not our_forms_could_send():
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


def init_app(app: Flask) -> None:
    """Wire the shared web behaviour into the application."""
    app.request_class = CampaignRequest
    # Before any blueprint adds its routes: the converter is chosen when a rule is added.
    app.url_map.converters["int"] = DatabaseIntConverter
    from campaign.extensions import login

    login.user_loader(load_user)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        localized=display.localized,
        lacks_spanish=lacks_spanish,
        untranslated_here=display.untranslated_here,
        format_when=display.format_when,
        time_left=display.time_left,
    )
    app.jinja_env.filters["local_time"] = display.local_time
    app.context_processor(display.language_context)
    app.before_request(refuse_nul_in_path)
    app.before_request(refuse_what_no_form_sends)
    app.after_request(security_headers)
    from campaign import error_pages

    error_pages.init_app(app)
