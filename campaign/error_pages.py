"""The error pages (JSON under /api/): what a person sees when a request cannot be answered,
with what they typed given back to copy wherever a form was sent."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from campaign.web import our_forms_could_send, wants_json


def _typed_text() -> list[tuple[str, str]]:
    """What the user sent in the form that failed, minus secrets, to give back to them."""
    skipped = {"csrf_token", "website"}
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in skipped and "password" not in name.lower() and value.strip()
    ][:50]


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
    if not our_forms_could_send():
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
    for key, handler in ERROR_HANDLERS.items():
        app.register_error_handler(key, handler)
