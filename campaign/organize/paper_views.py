"""Paper signatures: the printable sheet, and importing typed-up sheets with a preview."""

from __future__ import annotations

import logging

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from campaign.access import campaign_staff
from campaign.error_messages import error_text
from campaign.extensions import db
from campaign.links import external_url
from campaign.models import Campaign
from campaign.models.types import utcnow
from campaign.organize import bp, sheet
from campaign.organize.common import (
    forget_upload,
    problem_text,
    remember_upload,
    upload_is_ours,
)
from campaign.organize.forms import ConfirmForm, PaperUploadForm
from campaign.services import DomainError, NotFound, paper, uploads
from campaign.web import query_page

logger = logging.getLogger(__name__)
PAPER_UPLOAD = "paper"
PER_PAGE = 200
# Where the QR code sends people: the sign form when the residents' area has one.
SIGN_ENDPOINTS = ("residents.sign", "residents.sign_petition", "public.campaign_page")


def sign_url(campaign: Campaign) -> str:
    endpoint = next(e for e in SIGN_ENDPOINTS if e in current_app.view_functions)
    return external_url(endpoint, slug=campaign.slug)


@bp.route("/c/<slug>/paper", methods=["GET", "POST"])
@campaign_staff()
def paper_page(campaign: Campaign):
    form = PaperUploadForm()
    if request.method == "GET":
        form.language.data = str(get_locale() or "en")
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            paper.check_campaign(campaign)
            paper.parse(data)  # refuse unreadable files here, not on the preview page
        except DomainError as error:
            form.file.errors.append(error_text(error))
        else:
            token = uploads.store(
                current_app.instance_path,
                PAPER_UPLOAD,
                data,
                user_id=current_user.id,
                campaign_id=campaign.id,
                meta={
                    "batch": paper.clean_batch(form.batch.data or "", utcnow()),
                    "language": form.language.data,
                    "filename": (form.file.data.filename or "")[:120],
                },
            )
            remember_upload(token)
            return redirect(url_for("organize.paper_preview", slug=campaign.slug, token=token))
    return render_template(
        "organize/paper.html",
        campaign=campaign,
        form=form,
        batches=paper.batches(db.session, campaign.id),
        sign_url=sign_url(campaign),
    )


@bp.get("/c/<slug>/paper/sheet.pdf")
@campaign_staff()
def paper_sheet(campaign: Campaign):
    language = request.args.get("lang_sheet") or str(get_locale() or "en")
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    pdf = sheet.sheet_pdf(campaign, language, sign_url(campaign))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{campaign.slug}-sign-up-sheet-{language}.pdf"'
    )
    return response


def _kept(campaign: Campaign, token: str) -> tuple[bytes, dict]:
    if not upload_is_ours(token):
        abort(404)
    try:
        return uploads.load(
            current_app.instance_path,
            token,
            PAPER_UPLOAD,
            user_id=current_user.id,
            campaign_id=campaign.id,
        )
    except NotFound:
        abort(404)


@bp.get("/c/<slug>/paper/import/<token>")
@campaign_staff()
def paper_preview(campaign: Campaign, token: str):
    data, meta = _kept(campaign, token)
    try:
        preview = paper.analyze(db.session, campaign, data)
    except paper.PaperFileError as error:
        flash(error_text(error), "error")
        return redirect(url_for("organize.paper_page", slug=campaign.slug))
    show = request.args.get("show", "all")
    rows = (
        preview.rows
        if show not in ("valid", "invalid", "duplicate")
        else [r for r in preview.rows if r.status.value == show]
    )
    page = query_page()
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    return render_template(
        "organize/paper_preview.html",
        campaign=campaign,
        preview=preview,
        meta=meta,
        token=token,
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        page=page,
        pages=pages,
        show=show,
        form=ConfirmForm(),
        problem_text=problem_text,
    )


@bp.post("/c/<slug>/paper/import/<token>")
@campaign_staff()
def paper_confirm(campaign: Campaign, token: str):
    data, meta = _kept(campaign, token)
    if request.form.get("action") == "cancel":
        uploads.discard(current_app.instance_path, token)
        forget_upload(token)
        flash(_("Import cancelled; nothing was saved."))
        return redirect(url_for("organize.paper_page", slug=campaign.slug))
    try:
        paper.check_campaign(campaign)
        # Read again against the signatures that exist now, not those at preview time.
        preview = paper.analyze(db.session, campaign, data)
    except DomainError as error:
        flash(error_text(error), "error")
        return redirect(url_for("organize.paper_page", slug=campaign.slug))
    # The file is used up: a second press of the button (or a reload) cannot import twice.
    uploads.discard(current_app.instance_path, token)
    forget_upload(token)
    user = current_user._get_current_object()
    now = utcnow()
    steps = paper.save(
        db.session,
        campaign,
        user,
        preview,
        batch=meta.get("batch") or paper.clean_batch("", now),
        language=meta.get("language") or "en",
        now=now,
    )
    page = render_template(
        "organize/paper_progress.html", campaign=campaign, preview=preview, batch=meta.get("batch")
    )
    head, _marker, tail = page.partition("<!-- progress -->")
    macros = "organize/paper_stream.html"
    step_line = get_template_attribute(macros, "step")
    finished_line = get_template_attribute(macros, "finished")
    failed_line = get_template_attribute(macros, "failed")

    def stream():
        # A streamed page shows progress without JavaScript: each chunk adds a line.
        yield head
        try:
            for step in steps:
                if step.finished:
                    db.session.commit()
                    yield finished_line(campaign, step.saved, step.total - step.saved)
                else:
                    yield step_line(step.done, step.total)
        except Exception:
            logger.exception("paper import failed")
            db.session.rollback()
            yield failed_line(campaign)
        yield tail

    response = Response(stream_with_context(stream()), mimetype="text/html")
    response.headers["X-Accel-Buffering"] = "no"  # a proxy must not hold the progress back
    response.headers["Cache-Control"] = "no-store"
    return response
