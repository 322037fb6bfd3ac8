"""Who may see what: staff of a campaign see its personal data, nobody else does."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user, login_required

from campaign.extensions import db
from campaign.models import Campaign, Role


def campaign_staff(*roles: Role):
    """View decorator: the view takes `slug`; only staff with one of `roles` (any role if none
    given) or a site admin get in. Anonymous users are sent to log in; others get 404, so a URL
    never confirms that a campaign's staff pages exist."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(slug: str, *args, **kwargs):
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
            if campaign is None:
                abort(404)
            role = current_user.role_in(campaign.id)
            allowed = current_user.is_admin or (role is not None and (not roles or role in roles))
            if not allowed:
                abort(404 if role is None else 403)
            g.campaign = campaign
            g.role = role
            return view(campaign, *args, **kwargs)

        return wrapper

    return decorator


def admin_required(view):
    """View decorator: site admins only."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
