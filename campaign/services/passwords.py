"""Password reset by email: a signed link valid for one hour that dies once used.

The token carries the account's session_version; setting a password raises it, so the link
stops working after it is used or after any other password change, and every other session
of the account ends at the same moment.
"""

from __future__ import annotations

import sqlalchemy as sa
from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from campaign import mails
from campaign.models import User
from campaign.services import DomainError, accounts, audit, context, mail

MAX_AGE_SECONDS = 60 * 60
LINK = "password-reset"


class InvalidResetLink(DomainError):
    """The reset link is wrong, expired or already used."""

    code = "reset_link_invalid"


def reset_token(user: User) -> str:
    """A signed token for this account at its current session version."""
    return context.signer(LINK).dumps({"u": user.id, "v": user.session_version})


def request_reset(session: Session, email: str) -> bool:
    """Queue a reset link if an active account has this email. The caller must answer the same
    way whatever this returns, so nobody learns which emails have accounts."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return False
    language = context.site_language(user.language)
    subject, body = mails.render(
        "email/organize/password_reset.txt",
        language,
        user=user,
        link=context.link("auth.reset_password", token=reset_token(user)),
        minutes=MAX_AGE_SECONDS // 60,
    )
    mail.queue(session, user.email, subject, body, language=language)
    return True


def user_for_token(session: Session, token: str) -> User:
    """The account a reset link is for, or InvalidResetLink."""
    try:
        payload = context.signer(LINK).loads(token, max_age=MAX_AGE_SECONDS)
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
    audit.record(
        session, "account.password_reset", actor=user, target_type="user", target_id=user.id
    )
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change one's own password knowing the current one; other sessions end."""
    if not accounts.check_password(user, current):
        raise DomainError("the current password is not right", code="wrong_current_password")
    accounts.set_password(session, user, new)
    audit.record(
        session, "account.password_changed", actor=user, target_type="user", target_id=user.id
    )
