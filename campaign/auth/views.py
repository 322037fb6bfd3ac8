"""Log in and out. Thin: form, one service call, commit."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from campaign.auth import bp
from campaign.auth.forms import LoginForm
from campaign.extensions import db, limiter
from campaign.services import accounts


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("public.index")


def _account_key() -> str:
    from campaign.crypto import keyring

    email = (request.form.get("email") or "").strip().lower()
    return "account:" + keyring().keyed_hash("login", email)[:32]


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
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("public.index"))
