"""What the staff pages share: the navigation, kept uploads, translated problem messages."""

from __future__ import annotations

from flask import g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaign.models import Role
from campaign.organize import bp

MAX_KEPT_UPLOADS = 5


def remember_upload(token: str) -> None:
    """Tie an upload's token to this browser session (the service ties it to the person)."""
    tokens = [t for t in session.get("uploads", []) if t != token][-(MAX_KEPT_UPLOADS - 1) :]
    session["uploads"] = [*tokens, token]


def upload_is_ours(token: str) -> bool:
    return token in session.get("uploads", [])


def forget_upload(token: str) -> None:
    session["uploads"] = [t for t in session.get("uploads", []) if t != token]


def is_lead() -> bool:
    """The current person leads the campaign of this request (site admins count as leads)."""
    return bool(
        current_user.is_authenticated
        and (current_user.is_admin or getattr(g, "role", None) == Role.LEAD)
    )


@bp.app_context_processor
def staff_navigation():
    return {"is_lead": is_lead, "problem_text": problem_text}


PROBLEM_MESSAGES = {
    "name_missing": _l("Name is missing"),
    "name_too_long": _l("Name is too long"),
    "zip_missing": _l("ZIP is missing"),
    "zip_invalid": _l("ZIP must have 5 digits (a spreadsheet may have dropped a leading zero)"),
    "email_invalid": _l("Email is not a valid address"),
    "visibility_unknown": _l("Visibility not understood (use public, packet or counted)"),
    "duplicate_in_file": _l("Same person as line %(line)s of this file"),
    "already_signed": _l("Already signed this campaign"),
    "district_invalid": _l("District is missing or has characters we do not accept"),
    "zip_conflict": _l("This ZIP appears earlier with another district"),
}


def problem_text(code: str, line: int | None = None) -> str:
    message = PROBLEM_MESSAGES.get(code)
    if message is None:
        return code
    return str(message) % {"line": line} if "%(line)s" in str(message) else str(message)
