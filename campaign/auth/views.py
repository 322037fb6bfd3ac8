"""Staff accounts: log in and out, reset and change passwords, accept invitations.
Thin: form, one service call, commit."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from campaign.auth import bp
from campaign.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from campaign.error_messages import error_text
from campaign.extensions import db, limiter
from campaign.models import User
from campaign.services import DomainError, accounts, invitations, passwords

INVITE_KEY = "pending_invitation"


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect. Staff land on their campaigns."""
    if not target:
        return url_for("organize.home")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("public.index")


def _account_key() -> str:
    """One account from one client. Never the account alone: then anyone could lock a lead
    out by typing wrong passwords for their address (the per-client limit still holds)."""
    from campaign.crypto import client_key, keyring

    email = (request.form.get("email") or "").strip().lower()
    return "account:" + keyring().keyed_hash("login", f"{email}\x00{client_key(request)}")[:32]


def _reset_mail_key() -> str:
    """The account alone: nobody may fill a person's inbox with reset mail from many
    addresses. A person held back by it already has the links that those requests mailed."""
    from campaign.crypto import keyring

    email = (request.form.get("email") or "").strip().lower()
    return "reset:" + keyring().keyed_hash("login", email)[:32]


def _accept_pending_invitation(user) -> str | None:
    """After logging in: the invitation that sent this person here, if it is for them."""
    token = session.pop(INVITE_KEY, None)
    if not token:
        return None
    try:
        invitation = invitations.read_token(db.session, token)
        invitations.accept_for_user(db.session, invitation, user)
    except DomainError as error:
        flash(error_text(error), "error")
        return None
    flash(_("You joined the team of %(title)s.", title=invitation.campaign.title))
    return url_for("organize.dashboard", slug=invitation.campaign.slug)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("That email and password do not match an account."))
        else:
            login_user(user)
            target = _accept_pending_invitation(user)
            db.session.commit()
            return redirect(target or _safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("public.index"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_reset_mail_key)
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        passwords.request_reset(db.session, form.email.data)
        db.session.commit()
        # The same words whether or not the address has an account.
        flash(
            _(
                "If an account uses that address, we sent it a link to choose a new password. "
                "The link works for one hour."
            )
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    try:
        passwords.user_for_token(db.session, token)
    except passwords.InvalidResetLink:
        return render_template("auth/link_invalid.html", reset=True), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.reset_password(db.session, token, form.password.data)
        except accounts.WeakPassword as error:
            form.password.errors.append(error_text(error))
        else:
            db.session.commit()
            logout_user()
            flash(
                _(
                    "Your password is changed. Every other session of your account has "
                    "ended. Log in with the new password."
                )
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            passwords.change_password(db.session, user, form.current.data, form.password.data)
        except accounts.WeakPassword as error:
            form.password.errors.append(error_text(error))
        except DomainError as error:
            form.current.errors.append(error_text(error))
        else:
            db.session.commit()
            login_user(user)  # this session carries on with the new session version
            flash(_("Your password is changed. Your other sessions have ended."))
            return redirect(url_for("organize.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token: str):
    try:
        invitation = invitations.read_token(db.session, token)
    except invitations.InvalidInvitation:
        return render_template("auth/link_invalid.html", reset=False), 400
    has_account = (
        db.session.scalar(sa.select(User.id).where(User.email == invitation.email)) is not None
    )
    if current_user.is_authenticated:
        if current_user.email != invitation.email:
            return render_template(
                "auth/invitation.html", invitation=invitation, wrong_account=True, form=None
            ), 403
        if request.method == "POST":
            invitations.accept_for_user(db.session, invitation, current_user)
            db.session.commit()
            flash(_("You joined the team of %(title)s.", title=invitation.campaign.title))
            return redirect(url_for("organize.dashboard", slug=invitation.campaign.slug))
        return render_template(
            "auth/invitation.html", invitation=invitation, wrong_account=False, form=None
        )
    if has_account:
        # Accepted right after they log in with the account the invitation names.
        session[INVITE_KEY] = token
        flash(_("Log in to join the team of %(title)s.", title=invitation.campaign.title))
        return redirect(url_for("auth.login"))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept_new_account(
                db.session,
                invitation,
                form.name.data,
                form.password.data,
                str(get_locale() or "en"),
            )
            db.session.commit()
        except accounts.WeakPassword as error:
            db.session.rollback()
            form.password.errors.append(error_text(error))
        except DomainError:
            db.session.rollback()
            abort(400)
        else:
            login_user(user)
            flash(_("Welcome! You are on the team of %(title)s.", title=invitation.campaign.title))
            return redirect(url_for("organize.dashboard", slug=invitation.campaign.slug))
    return render_template(
        "auth/invitation.html", invitation=invitation, wrong_account=False, form=form
    )
