"""The printable sign-up sheet: the ask, the decision, columns to write in and a QR code to the
online form, in English or Spanish, rendered by the locked-down packet renderer."""

from __future__ import annotations

import segno
from flask import render_template
from flask_babel import force_locale

from campaign.models import Campaign

SHEET_ROWS = 14


def qr_svg(url: str) -> str:
    """A QR code of url as inline SVG markup (nothing to fetch when the PDF is rendered)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000")


def sheet_html(campaign: Campaign, language: str, sign_url: str) -> str:
    """The sign-up sheet as HTML in one language, QR code inline."""
    with force_locale(language):
        return render_template(
            "organize/paper/sheet.html",
            campaign=campaign,
            decision=campaign.decision,
            sign_url=sign_url,
            qr=qr_svg(sign_url),
            rows=range(1, SHEET_ROWS + 1),
            language=language,
        )


def sheet_pdf(campaign: Campaign, language: str, sign_url: str) -> bytes:
    """The printable sign-up sheet PDF, rendered with the locked-down packet renderer."""
    from campaign.pdf import render_html_to_pdf

    with force_locale(language):
        css = render_template("organize/paper/sheet.css")
    return render_html_to_pdf(sheet_html(campaign, language, sign_url), extra_css=css)
