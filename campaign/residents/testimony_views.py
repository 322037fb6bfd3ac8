"""Testimony views: give, confirm, view, edit and withdraw written testimony."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.crypto import client_key
from campaign.display import format_when, localized
from campaign.extensions import db, limiter
from campaign.models import (
    Campaign,
    Position,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.residents import bp
from campaign.residents.forms import (
    ButtonForm,
    EditTestimonyForm,
    ResendForm,
    TestimonyForm,
    clean_text,
)
from campaign.residents.views import (
    CLIENT_LIMIT,
    EMAIL_LIMIT,
    email_limit_key,
    form_status,
    language,
    page_context,
    public_campaign,
)
from campaign.services import signing
from campaign.services import testimony as testimony_service
from campaign.services.testimony import TestimonyWindow
from campaign.web import keeps_text_on_csrf_error


def _action(campaign: Campaign) -> str:
    return localized(campaign.decision, "action") if campaign.decision else ""


def _form(form_class, campaign: Campaign, window: TestimonyWindow, **kwargs):
    form = form_class(campaign=campaign, action=_action(campaign), language=language(), **kwargs)
    if not window.speaking_open:
        # Sign-up to speak has its own, earlier cut-off: the questions go away with it.
        del form.speak
        del form.phone
        del form.interpreter_language
    return form


def _details(form, existing: Testimony | None = None) -> testimony_service.TestimonyDetails:
    if "speak" in form:
        speak_mode = form.speak_mode
        phone = form.phone.data
        interpreter = form.interpreter_language.data
    else:  # speaking closed: whatever was asked before stays as it was
        speak_mode = existing.speak_mode if existing else None
        phone = existing.phone if existing else None
        interpreter = existing.interpreter_language if existing else None
    return testimony_service.TestimonyDetails(
        name=form.name.data,
        zip=form.zip.data,
        position=Position(form.position.data),
        body=form.body.data,
        language=form.language.data,
        visibility=Visibility(form.visibility.data),
        affiliation=form.affiliation.data,
        speak_mode=speak_mode,
        phone=phone,
        interpreter_language=interpreter,
        consent_reminders=form.consent_reminders.data,
        outcome_mail=form.outcome_mail.data,
    )


def _speaking_closed(form, window: TestimonyWindow, campaign: Campaign) -> None:
    when = window.speakers_close_at or window.now
    message = _(
        "Sign-up to speak at the hearing closed on %(when)s. You can still send written testimony.",
        when=format_when(when, campaign.time_zone),
    )
    target = form.speak if "speak" in form else form.body
    target.errors = [*target.errors, message]


def _closed(campaign: Campaign, window: TestimonyWindow, testimony: Testimony | None = None):
    """The page saying testimony has closed, and what is still possible; any text the resident
    had just sent comes back so that it is not lost."""
    typed = clean_text(request.form.get("body", "")) if request.method == "POST" else ""
    context = page_context(campaign)
    context["window"] = window
    return render_template(
        "residents/testify_closed.html", typed=typed, testimony=testimony, **context
    ), (409 if request.method == "POST" else 200)


@bp.route("/c/<slug>/testify", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
@limiter.limit(EMAIL_LIMIT, methods=["POST"], key_func=email_limit_key)
def testify(slug: str):
    campaign = public_campaign(slug)
    window = testimony_service.window(campaign)
    if not window.is_open:
        return _closed(campaign, window)
    form = _form(TestimonyForm, campaign, window)
    if form.validate_on_submit():
        if form.is_bot:
            # Looks like every success (a redirect to a private link); the link leads nowhere.
            decoy = signing.make_link_token(testimony_service.PRIVATE_LINK, 0, "0" * 16)
            return redirect(url_for(".private_testimony", token=decoy))
        try:
            testimony = testimony_service.submit(
                db.session,
                campaign,
                _details(form),
                email=form.email.data,
                ui_language=language(),
                client_hash=client_key(request),
            )
        except testimony_service.TestimonyClosed as closed:
            db.session.rollback()
            return _closed(campaign, closed.window)
        except testimony_service.SpeakingClosed as closed:
            db.session.rollback()
            _speaking_closed(form, closed.window, campaign)
        else:
            db.session.commit()
            flash(
                _(
                    "Thank you. We sent you an email: open it and press the button to confirm "
                    "your testimony."
                ),
                "success",
            )
            return redirect(
                url_for(".private_testimony", token=testimony_service.private_token(testimony))
            )
    return render_template(
        "residents/testify.html", form=form, editing=None, **page_context(campaign)
    ), form_status(form)


@bp.route("/c/<slug>/testify/confirm/<token>", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
def confirm_testimony(slug: str, token: str):
    campaign = public_campaign(slug)
    try:
        testimony, expired = testimony_service.testimony_for_confirmation(
            db.session, campaign, token
        )
    except signing.LinkInvalid:
        return render_template(
            "residents/link_invalid.html", campaign=campaign, what="testimony"
        ), 404
    context = {
        "campaign": campaign,
        "testimony": testimony,
        "private_url": testimony_service.private_url(testimony),
        "window": testimony_service.window_for(testimony, campaign),
    }
    if testimony.status != TestimonyStatus.UNCONFIRMED:
        return render_template("residents/testimony_confirmed.html", already=True, **context)
    if expired:
        return render_template(
            "residents/link_expired.html",
            what="testimony",
            form=ResendForm(formdata=None),
            campaign=campaign,
        ), 410
    form = ButtonForm()
    if form.validate_on_submit() and not form.is_bot:
        testimony_service.confirm(db.session, testimony)
        db.session.commit()
        return render_template("residents/testimony_confirmed.html", already=False, **context)
    return render_template("residents/confirm_testimony.html", form=form, **context), form_status(
        form
    )


@bp.route("/c/<slug>/testify/resend", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
@limiter.limit(EMAIL_LIMIT, methods=["POST"], key_func=email_limit_key)
def resend_testimony_link(slug: str):
    campaign = public_campaign(slug)
    form = ResendForm()
    if form.validate_on_submit():
        if not form.is_bot:
            testimony_service.resend_confirmations(
                db.session, campaign, form.email.data, ui_language=language()
            )
            db.session.commit()
        return render_template(
            "residents/resend_sent.html", campaign=campaign, email=form.email.data, what="testimony"
        )
    return render_template(
        "residents/resend.html", campaign=campaign, form=form, what="testimony"
    ), form_status(form)


def _private(token: str) -> tuple[Testimony, Campaign] | None:
    try:
        testimony = testimony_service.testimony_for_private_link(db.session, token)
    except signing.LinkInvalid:
        return None
    return testimony, db.session.get(Campaign, testimony.campaign_id)


def _invalid_private_link():
    return render_template("residents/link_invalid.html", campaign=None, what="private"), 404


@bp.get("/t/<token>")
def private_testimony(token: str):
    found = _private(token)
    if found is None:
        return _invalid_private_link()
    testimony, campaign = found
    return render_template(
        "residents/testimony.html",
        campaign=campaign,
        testimony=testimony,
        token=token,
        private_url=testimony_service.private_url(testimony),
        window=testimony_service.window_for(testimony, campaign),
    )


@bp.route("/t/<token>/edit", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
def edit_testimony(token: str):
    found = _private(token)
    if found is None:
        return _invalid_private_link()
    testimony, campaign = found
    window = testimony_service.window_for(testimony, campaign)
    if not window.is_open:
        return _closed(campaign, window, testimony)
    if testimony.status == TestimonyStatus.WITHDRAWN:
        return redirect(url_for(".private_testimony", token=token))
    form = _form(
        EditTestimonyForm,
        campaign,
        window,
        obj=testimony,
        speak=testimony.speak_mode.value if testimony.speak_mode else "no",
        position=testimony.position.value,
        visibility=testimony.visibility.value,
    )
    if form.validate_on_submit() and not form.is_bot:
        try:
            testimony_service.edit(
                db.session, campaign, testimony, _details(form, testimony), ui_language=language()
            )
        except testimony_service.TestimonyClosed as closed:
            db.session.rollback()
            return _closed(campaign, closed.window, testimony)
        except testimony_service.SpeakingClosed as closed:
            db.session.rollback()
            _speaking_closed(form, closed.window, campaign)
        except testimony_service.NotEditable:
            db.session.rollback()
            return redirect(url_for(".private_testimony", token=token))
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".private_testimony", token=token))
    return render_template(
        "residents/testify.html",
        form=form,
        editing=testimony,
        token=token,
        **{**page_context(campaign), "window": window},
    ), form_status(form)


@bp.route("/t/<token>/withdraw", methods=["GET", "POST"])
@keeps_text_on_csrf_error
@limiter.limit(CLIENT_LIMIT, methods=["POST"])
def withdraw_testimony(token: str):
    found = _private(token)
    if found is None:
        return _invalid_private_link()
    testimony, campaign = found
    window = testimony_service.window_for(testimony, campaign)
    if not window.is_open:
        return _closed(campaign, window, testimony)
    if testimony.status == TestimonyStatus.WITHDRAWN:
        return redirect(url_for(".private_testimony", token=token))
    form = ButtonForm()
    if form.validate_on_submit() and not form.is_bot:
        try:
            testimony_service.withdraw(db.session, campaign, testimony, ui_language=language())
        except (testimony_service.TestimonyClosed, testimony_service.NotEditable):
            db.session.rollback()
            return redirect(url_for(".private_testimony", token=token))
        db.session.commit()
        flash(_("Your testimony is withdrawn. It will not be used."), "success")
        return redirect(url_for(".private_testimony", token=token))
    return render_template(
        "residents/withdraw.html",
        form=form,
        testimony=testimony,
        campaign=campaign,
        token=token,
        window=window,
    ), form_status(form)
