"""Fraud signals: bursts per client hash and email domains over time for the staff; a lead
invalidates a batch with a reason, or restores it (both in the audit log)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from campaign.access import campaign_staff
from campaign.display import local_time
from campaign.error_messages import MESSAGES, error_text
from campaign.extensions import db
from campaign.models import Campaign, Role
from campaign.organize import bp
from campaign.services import DomainError, NotFound, fraud
from campaign.web import query_int

WINDOW_CHOICES = (10, 30, 60, 180, 1440)
DAY_CHOICES = (7, 14, 30, 60)
MAX_THRESHOLD = 100_000
DOMAIN = re.compile(r"^[^\s\x00-\x1f\x7f]{1,255}$")
SPARK_SLOT, SPARK_HEIGHT = 6, 32


def _clean(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _check_reason(form, field) -> None:
    try:
        fraud.clean_reason(field.data)
    except fraud.InvalidReason as error:
        raise ValidationError(error_text(error)) from None


REASON_MESSAGE = MESSAGES["reason_invalid"]
REASON_VALIDATORS = [
    DataRequired(message=REASON_MESSAGE),
    Length(min=fraud.REASON_MIN, max=fraud.REASON_MAX, message=REASON_MESSAGE),
    _check_reason,
]


class InvalidateForm(FlaskForm):
    key = HiddenField()  # which of the page's forms was sent, to show its error in place
    client_hash = HiddenField()
    email_domain = StringField()
    span = StringField()
    reason = StringField(_l("Reason"), filters=[_clean], validators=REASON_VALIDATORS)


class RestoreForm(FlaskForm):
    batch = HiddenField()
    reason = StringField(_l("Reason"), filters=[_clean], validators=REASON_VALIDATORS)


@dataclass
class Filters:
    window: int
    threshold: int
    days: int

    def args(self) -> dict[str, int]:
        return {"window": self.window, "threshold": self.threshold, "days": self.days}


def _filters() -> Filters:
    """The page's settings from the query string; anything odd falls back to the defaults."""
    config = current_app.config
    window = query_int("window")
    if window not in WINDOW_CHOICES:
        window = int(config.get("FRAUD_WINDOW_MINUTES", fraud.WINDOW_MINUTES))
    threshold = query_int("threshold")
    if threshold is None or not 2 <= threshold <= MAX_THRESHOLD:
        threshold = int(config.get("FRAUD_BURST_THRESHOLD", fraud.BURST_THRESHOLD))
    days = query_int("days")
    if days not in DAY_CHOICES:
        days = int(config.get("FRAUD_DOMAIN_DAYS", fraud.DOMAIN_DAYS))
    return Filters(window, threshold, days)


def _span(start: datetime, end: datetime) -> str:
    return f"{start.isoformat()}/{end.isoformat()}"


def _parse_span(value: str | None) -> tuple[datetime, datetime] | None:
    try:
        first, last = (value or "").split("/")
        start, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
    except ValueError:
        return None
    if start.tzinfo is None or end.tzinfo is None or start > end:
        return None
    return start, end


def _spark(series: fraud.DomainSeries) -> dict:
    """Bar geometry for one domain's days, drawn as a small SVG (styles come from classes)."""
    top = max((d.count for d in series.days), default=0) or 1
    bars = []
    for n, day in enumerate(series.days):
        height = round((SPARK_HEIGHT - 2) * day.count / top, 2)
        bars.append(
            {
                "x": n * SPARK_SLOT,
                "y": round(SPARK_HEIGHT - height, 2),
                "width": SPARK_SLOT - 1,
                "height": height,
                "day": day,
            }
        )
    return {"width": SPARK_SLOT * len(series.days), "height": SPARK_HEIGHT, "bars": bars}


def _domain_spans(signals: fraud.Signals, campaign: Campaign) -> list[tuple[str, object]]:
    """(span, day or None for the whole period) for the domain form's choice of days."""
    spans: list[tuple[str, object]] = [(_span(signals.since, signals.until), None)]
    for day in reversed(signals.days):
        start, end = fraud.local_day_bounds(day, campaign.time_zone)
        spans.append((_span(start, min(end, signals.until)), day))
    return spans


def _page(
    campaign: Campaign,
    *,
    invalidate_form: InvalidateForm | None = None,
    restore_form: RestoreForm | None = None,
):
    filters = _filters()
    config = current_app.config
    signals = fraud.signals(
        db.session,
        campaign,
        window_minutes=filters.window,
        threshold=filters.threshold,
        days=filters.days,
        floor=int(config.get("FRAUD_TRENDING_FLOOR", fraud.TRENDING_FLOOR)),
        multiple=float(config.get("FRAUD_TRENDING_MULTIPLE", fraud.TRENDING_MULTIPLE)),
    )
    day_spans = {}
    for series in signals.domains:
        for day in series.days:
            start, end = fraud.local_day_bounds(day.day, campaign.time_zone)
            day_spans[day.day] = _span(start, min(end, signals.until))
    return render_template(
        "organize/signals.html",
        campaign=campaign,
        signals=signals,
        filters=filters,
        window_choices=WINDOW_CHOICES,
        day_choices=DAY_CHOICES,
        batches=fraud.invalidated_batches(db.session, campaign.id),
        sparks={s.domain: _spark(s) for s in signals.domains},
        day_spans=day_spans,
        domain_spans=_domain_spans(signals, campaign),
        span=_span,
        failed=invalidate_form,
        failed_restore=restore_form,
        local=lambda moment: local_time(moment, campaign.time_zone),
    )


@bp.get("/c/<slug>/signals")
@campaign_staff()
def signals_page(campaign: Campaign):
    return _page(campaign)


def _back(**anchor):
    return redirect(
        url_for(
            "organize.signals_page", slug=request.view_args["slug"], **_filters().args(), **anchor
        )
    )


@bp.post("/c/<slug>/signals/invalidate")
@campaign_staff(Role.LEAD)
def invalidate_signatures(campaign: Campaign):
    form = InvalidateForm()
    # The criteria come from the page's own hidden fields and choices: anything else is a
    # tampered or broken request, not a person's typing mistake.
    client_hash = (form.client_hash.data or "").strip().lower() or None
    email_domain = (form.email_domain.data or "").strip().lower() or None
    span = _parse_span(form.span.data)
    if span is None or (client_hash is None) == (email_domain is None):
        abort(400)
    if client_hash is not None and not fraud.CLIENT_HASH.match(client_hash):
        abort(400)
    if email_domain is not None and not DOMAIN.match(email_domain):
        abort(400)
    if not form.validate():
        return _page(campaign, invalidate_form=form)
    start, end = span
    try:
        count = fraud.invalidate_batch(
            db.session,
            campaign,
            current_user,
            client_hash=client_hash,
            email_domain=email_domain,
            start=start,
            end=end,
            reason=form.reason.data,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return _back()
    if count:
        flash(
            _(
                "Invalidated %(count)d signatures. They no longer count; each keeps its row "
                "and your reason, and the batch can be restored below.",
                count=count,
            )
        )
    else:
        flash(_("No signature that still counts matched; nothing changed."), "error")
    return _back(_anchor="batches")


@bp.post("/c/<slug>/signals/restore")
@campaign_staff(Role.LEAD)
def restore_signatures(campaign: Campaign):
    form = RestoreForm()
    batch = (form.batch.data or "").strip()
    if not batch:
        abort(400)
    if not form.validate():
        return _page(campaign, restore_form=form)
    try:
        count = fraud.restore_batch(db.session, campaign, current_user, batch, form.reason.data)
        db.session.commit()
    except NotFound:
        db.session.rollback()
        flash(
            _("There is no invalidated batch by that name (it may have been restored already)."),
            "error",
        )
        return _back(_anchor="batches")
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return _back(_anchor="batches")
    flash(_("Restored %(count)d signatures: they count again.", count=count))
    return _back(_anchor="batches")
