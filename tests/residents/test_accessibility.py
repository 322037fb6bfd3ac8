"""Accessibility that a test can check: labels, fieldsets, contrast, no inline code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from campaign.models import Visibility
from tests.factories import make_campaign
from tests.residents.support import campaign_with_hearing, text_of

CSS = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()


class FormAudit(HTMLParser):
    """Collects the inputs, labels and fieldsets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict] = []
        self.labels: set[str] = set()
        self.stack: list[str] = []
        self.fieldsets: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "fieldset":
            self.fieldsets.append({"legend": False, "radios": 0})
            self.stack.append("fieldset")
        elif tag == "legend" and self.fieldsets:
            self.fieldsets[-1]["legend"] = True
        elif tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            kind = attributes.get("type", tag)
            if kind == "hidden":
                return
            inside = "fieldset" in self.stack
            if kind == "radio" and inside:
                self.fieldsets[-1]["radios"] += 1
            self.inputs.append({**attributes, "kind": kind, "in_fieldset": inside})

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.stack:
            self.stack.pop()


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


@pytest.fixture
def pages(client, db):
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10), ask_address=True)
    db.session.commit()
    sent = client.post(
        f"/c/{campaign.slug}/testify",
        data={
            "name": "Rosa",
            "email": "rosa@example.org",
            "zip": "11111",
            "position": "oppose",
            "body": "Text.",
            "language": "en",
            "speak": "no",
            "visibility": "packet",
        },
    )
    private = sent.headers["Location"]
    return {
        "sign": f"/c/{campaign.slug}/sign",
        "sign with errors": (f"/c/{campaign.slug}/sign", {"zip": "1"}),
        "testify": f"/c/{campaign.slug}/testify",
        "testify with errors": (f"/c/{campaign.slug}/testify", {"speak": "phone"}),
        "edit": private + "/edit",
        "resend": f"/c/{campaign.slug}/testify/resend",
    }


def test_every_input_has_a_label_and_radio_groups_have_legends(client, pages):
    for name, target in pages.items():
        if isinstance(target, tuple):
            html = text_of(client.post(target[0], data=target[1]))
        else:
            html = text_of(client.get(target))
        found = audit(html)
        assert found.inputs, name
        for field in found.inputs:
            assert field.get("id") in found.labels, (name, field)
            if field["kind"] == "radio":
                assert field["in_fieldset"], (name, field)
        assert all(f["legend"] for f in found.fieldsets), name
        assert " style=" not in html and "onclick" not in html.lower(), name


def test_errors_are_tied_to_their_fields(client, pages):
    html = text_of(client.post(pages["testify with errors"][0], data={"speak": "phone"}))
    for field in ("name", "email", "zip", "body", "phone"):
        tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag, field
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
        assert any(f"{field}-error-" in d for d in described), field
        for ident in described:
            assert f'id="{ident}"' in html
    assert 'role="alert"' in html and 'href="#position-0"' in html


def _colors() -> dict[str, str]:
    root = CSS.split(":root {", 1)[1].split("}", 1)[0]
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def _luminance(hex_color: str) -> float:
    if len(hex_color) == 4:  # "#333" -> "#333333"
        hex_color = "#" + "".join(c * 2 for c in hex_color[1:])
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa():
    colors = _colors()
    pairs = [
        ("ink", "paper"),
        ("ink", "page"),
        ("muted", "paper"),
        ("muted", "page"),
        ("brand", "paper"),
        ("brand", "page"),
        ("accent", "paper"),
        ("warn-ink", "warn-bg"),
        ("brand-dark", "paper"),
    ]
    for text, background in pairs:
        assert contrast(colors[text], colors[background]) >= 4.5, (text, background)
    for background in ("ok", "brand", "accent"):  # white text on buttons and the header
        assert contrast("#ffffff", colors[background]) >= 4.5, background
    # Focus ring and input borders: 3:1 against the page (non-text contrast).
    assert contrast(colors["ink"], colors["paper"]) >= 3
    assert contrast(colors["field-border"], colors["paper"]) >= 3

    # Tags with their own colours, as written in the stylesheet.
    def resolve(value: str) -> str:
        variable = re.fullmatch(r"var\(--([\w-]+)\)", value.strip())
        return colors[variable.group(1)] if variable else value.strip()

    tags = re.findall(r"background: ([^;]+); color: ([^;}]+)", CSS)
    assert len(tags) >= 8
    for background, text in tags:
        assert contrast(resolve(text), resolve(background)) >= 4.5, (text, background)


def test_visibility_levels_are_explained_in_one_sentence_each(client, db):
    campaign = make_campaign(default_visibility=Visibility.COUNTED)
    db.session.commit()
    html = text_of(client.get(f"/c/{campaign.slug}/sign"))
    hints = re.findall(r'<p class="hint" id="visibility-\d-hint">([^<]+)</p>', html)
    assert len(hints) == 3 and all(h.count(".") == 1 and h.endswith(".") for h in hints)
    assert 'checked id="visibility-2"' in html  # the campaign's default
