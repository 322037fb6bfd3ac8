"""Password reset by email: a signed link valid for one hour that dies once used.

The token carries the account's session_version; setting a password raises it, so the link
stops working after it is used or after any other password change, and every other session
of the account ends at the same moment.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from campaign.links import external_url
from campaign.models import User
from campaign.services import DomainError, accounts, audit, mail

MAX_AGE_SECONDS = 60 * 60
SALT = "campaign.password-reset"


class InvalidResetLink(DomainError):
    """The reset link is wrong, expired or already used."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def reset_token(user: User) -> str:
    """A signed token for this account at its current session version."""
    return _serializer().dumps({"u": user.id, "v": user.session_version})


def request_reset(session: Session, email: str) -> bool:
    """Queue a reset link if an active account has this email. The caller must answer the same
    way whatever this returns, so nobody learns which emails have accounts."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return False
    link = external_url("auth.reset_password", token=reset_token(user))
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    with force_locale(language):
        subject = _("Reset your password")
        body = render_template("email/organize/password_reset.txt", user=user, link=link,
                               minutes=MAX_AGE_SECONDS // 60)
    mail.queue(session, user.email, subject, body, language=language)
    return True


def user_for_token(session: Session, token: str) -> User:
    """The account a reset link is for, or InvalidResetLink."""
    try:
        payload = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
        user_id, version = int(payload["u"]), int(payload["v"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidResetLink("this link is not valid or has expired") from exc
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        raise InvalidResetLink("this link was already used or has expired")
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password through a reset link; ends every session of the account."""
    user = user_for_token(session, token)
    accounts.set_password(session, user, password)
    audit.record(session, "account.password_reset", actor=user, target_type="user",
                 target_id=user.id)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change one's own password knowing the current one; other sessions end."""
    if not accounts.check_password(user, current):
        raise DomainError("the current password is not right")
    accounts.set_password(session, user, new)
    audit.record(session, "account.password_changed", actor=user, target_type="user",
                 target_id=user.id)
