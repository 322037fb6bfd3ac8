"""Resident views: thin, form -> one service call -> commit.

Every POST is rate limited per client (a keyed hash of the address, never the address), and
the forms that send mail also per email address, so no one can flood someone else's inbox.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale

from campaign.crypto import canonical_email, client_key, keyring
from campaign.extensions import db, limiter
from campaign.models import Campaign, CampaignStatus, SignatureStatus, Visibility
from campaign.residents import bp
from campaign.residents.form_pages import form_page
from campaign.residents.forms import ButtonForm, ResendForm, ResidentForm, SignForm
from campaign.services import NotFound, signing
from campaign.services import campaigns as campaign_service
from campaign.services import testimony as testimony_service
from campaign.web import keeps_text_on_csrf_error

CLIENT_LIMIT = "10 per minute; 100 per hour"
EMAIL_LIMIT = "5 per minute; 20 per hour"


def email_limit_key() -> str:
    """Rate-limit key of the email address in the form: one inbox, whatever the client."""
    email = canonical_email(request.form.get("email") or "")
    return "email:" + keyring().keyed_hash("rate-limit-email", email)[:32]


def public_campaign(slug: str) -> Campaign:
    try:
        return campaign_service.get_public(db.session, slug)
    except NotFound:
        abort(404)


def form_campaign(slug: str) -> Campaign:
    """The campaign for the signing pages (form, confirmation, new link): kept between
    requests while its rows are unchanged (read only; see campaigns.FormCampaignCache)."""
    try:
        return campaign_service.form_campaign(db.session, slug)
    except NotFound:
        abort(404)


def language() -> str:
    return str(get_locale() or "en")


@bp.after_request
def private_pages(response):
    # Forms, confirmation links and private testimony links: never cached, never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def form_status(form: ResidentForm) -> int:
    """400 for a form sent back because its CSRF check failed (it says so), else 200."""
    return 400 if form.expired else 200


def page_context(campaign: Campaign) -> dict:
    """What several resident pages show about the campaign: counts and the testimony window."""
    return {
        "campaign": campaign,
        "counts": campaign_service.counts(db.session, campaign.id),
        "window": testimony_service.window(campaign),
    }


@bp.route("/c/<slug>/sign", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
@limiter.limit(EMAIL_LIMIT, methods=["POST"], key_func=email_limit_key)
def sign(slug: str):
    campaign = form_campaign(slug)
    if campaign.status != CampaignStatus.OPEN:
        status = 409 if request.method == "POST" else 200
        page = render_template("residents/closed.html", what="sign", **page_context(campaign))
        return page, status
    if request.method == "GET":
        window = testimony_service.window(campaign)
        return form_page(
            ("sign", slug, language(), window.is_open),
            campaign,
            lambda: render_template(
                "residents/sign.html",
                form=SignForm(campaign=campaign),
                campaign=campaign,
                window=window,
            ),
        )
    form = SignForm(campaign=campaign)
    if form.validate_on_submit():
        if not form.is_bot:  # a filled honeypot gets the same page, and nothing is stored
            try:
                signing.sign(
                    db.session,
                    campaign,
                    signing.SignatureDetails(
                        name=form.name.data,
                        email=form.email.data,
                        zip=form.zip.data,
                        address=form.address.data if "address" in form else None,
                        comment=form.comment.data,
                        visibility=Visibility(form.visibility.data),
                        consent_updates=form.consent_updates.data,
                        language=language(),
                        client_hash=client_key(request),
                    ),
                )
            except signing.SigningClosed:
                db.session.rollback()
                return render_template(
                    "residents/closed.html", what="sign", **page_context(campaign)
                ), 409
            db.session.commit()
        # The same page whether this address is new or had signed: it reveals nothing.
        return form_page(
            ("sign_sent", slug, language()),
            campaign,
            lambda email: render_template(
                "residents/sign_sent.html",
                campaign=campaign,
                email=email,
                resend_form=ResendForm(formdata=None),
            ),
            email=form.email.data,
        )
    return render_template(
        "residents/sign.html",
        form=form,
        campaign=campaign,
        window=testimony_service.window(campaign),
    ), form_status(form)


@bp.route("/c/<slug>/confirm/<token>", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
def confirm_signature(slug: str, token: str):
    campaign = form_campaign(slug)
    try:
        signature, expired = signing.signature_for_link(db.session, campaign, token)
    except signing.LinkInvalid:
        return render_template(
            "residents/link_invalid.html", campaign=campaign, what="signature"
        ), 404
    if signature.status == SignatureStatus.VERIFIED:
        return render_template(
            "residents/signature_confirmed.html", already=True, **page_context(campaign)
        )
    if expired:
        return render_template(
            "residents/link_expired.html",
            what="signature",
            form=ResendForm(formdata=None),
            campaign=campaign,
        ), 410
    if campaign.status != CampaignStatus.OPEN:
        return render_template(
            "residents/closed.html", what="confirm", **page_context(campaign)
        ), 409
    form = ButtonForm()
    if form.validate_on_submit() and not form.is_bot:
        try:
            signing.confirm(db.session, campaign, signature)
        except signing.SigningClosed:
            db.session.rollback()
            return render_template(
                "residents/closed.html", what="confirm", **page_context(campaign)
            ), 409
        db.session.commit()
        return render_template(
            "residents/signature_confirmed.html", already=False, **page_context(campaign)
        )
    return render_template(
        "residents/confirm_signature.html", form=form, signature=signature, campaign=campaign
    ), form_status(form)


@bp.route("/c/<slug>/sign/resend", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
@limiter.limit(EMAIL_LIMIT, methods=["POST"], key_func=email_limit_key)
def resend_signature_link(slug: str):
    campaign = form_campaign(slug)
    form = ResendForm()
    if form.validate_on_submit():
        if not form.is_bot:
            signing.resend_confirmation(db.session, campaign, form.email.data)
            db.session.commit()
        return render_template(
            "residents/resend_sent.html", campaign=campaign, email=form.email.data, what="signature"
        )
    return render_template(
        "residents/resend.html", campaign=campaign, form=form, what="signature"
    ), form_status(form)


from campaign.residents import testimony_views  # noqa: E402,F401  (registers its routes)
