"""Public views: thin, one service call each."""

from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import quote, urlencode, urlsplit

from babel.dates import format_date
from flask import abort, current_app, redirect, render_template
from flask_babel import get_locale

from campaign.display import localized
from campaign.extensions import db
from campaign.labels import label, vote_word
from campaign.links import external_url
from campaign.models import Campaign, Stance
from campaign.models.types import utcnow
from campaign.public import bp
from campaign.services import NotFound, deadlines, record_sync
from campaign.services import campaigns as campaign_service
from campaign.services import testimony as testimony_service


@bp.get("/")
def index():
    open_campaigns = campaign_service.list_open(db.session)
    return render_template("public/index.html", campaigns=open_campaigns)


def _campaign(slug: str) -> Campaign:
    try:
        return campaign_service.get_public(db.session, slug, whip_count=True)
    except NotFound:
        abort(404)


@bp.get("/c/<slug>")
def campaign_page(slug: str):
    campaign = _campaign(slug)
    now = utcnow()
    due_soon = deadlines.due_soon_hours()
    stances = Counter(member.stance for member in campaign.decision_makers)
    page_url = external_url("public.campaign_page", slug=campaign.slug)
    mail_query = urlencode(
        {
            "subject": localized(campaign, "title"),
            "body": f"{localized(campaign, 'ask')}\n\n{page_url}",
        },
        quote_via=quote,
    )
    return render_template(
        "public/campaign.html",
        campaign=campaign,
        counts=campaign_service.counts(db.session, campaign.id),
        timeline=[(d, deadlines.status(d, now, due_soon)) for d in campaign.deadlines],
        next_deadline=deadlines.next_deadline(campaign, now),
        endorsements=campaign_service.approved_endorsements(db.session, campaign.id),
        window=testimony_service.window(campaign, now),
        stances=[(stance, stances.get(stance, 0)) for stance in Stance],
        members_by_district={m.district: m for m in campaign.decision_makers if m.district},
        page_url=page_url,
        mailto=f"mailto:?{mail_query}",
        record=record_sync.link_of(db.session, campaign),
        votes=record_sync.votes_by_maker(db.session, campaign),
    )


def _share_target(network: str, campaign: Campaign) -> str | None:
    # Plain links to each service's own share page: no widget or script of theirs on ours.
    url = external_url("public.campaign_page", slug=campaign.slug)
    ask = localized(campaign, "ask")
    if network == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": f"{ask} {url}"}, quote_via=quote)
    if network == "twitter":
        return "https://twitter.com/intent/tweet?" + urlencode(
            {"text": ask, "url": url}, quote_via=quote
        )
    return None


@bp.get("/c/<slug>/share/<network>")
def share(slug: str, network: str):
    """Send the reader to a service's share page. A redirect, so that our pages hold no
    address of another host at all; nothing is loaded from there unless the reader goes."""
    target = _share_target(network, _campaign(slug))
    if target is None:
        abort(404)
    return redirect(target, code=303)


@bp.get("/c/<slug>/positions/<int:position_id>/source")
def position_source(slug: str, position_id: int):
    """Where a decision-maker stated their position (a news story, a vote record)."""
    campaign = _campaign(slug)
    for member in campaign.decision_makers:
        for position in member.positions:
            if (
                position.id == position_id
                and position.source_url
                and urlsplit(position.source_url).scheme in ("http", "https")
            ):
                return redirect(position.source_url, code=303)
    abort(404)


bp.add_app_template_global(label, "label")
bp.add_app_template_global(vote_word, "vote_word")


@bp.app_template_global()
def format_day(day: date) -> str:
    """A calendar date in the reader's language: "Nov 3, 2026", "3 nov 2026"."""
    return format_date(day, "medium", locale=str(get_locale() or "en"))


@bp.get("/accessibility")
def accessibility():
    return render_template(
        "public/accessibility.html", contact=current_app.config.get("ACCESSIBILITY_CONTACT")
    )
