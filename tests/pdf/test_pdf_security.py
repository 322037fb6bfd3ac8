"""Hostile resident text is printed literally; the renderer fetches and embeds nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import CanaryServer, read_texts, roster_of, small_content, squash
from pypdf import PdfReader

from campaign.pdf import (
    PacketURLFetcher,
    RefusedURLError,
    TestimonyEntry,
    TestimonyGroup,
    build_packet,
    render_html_to_pdf,
)
from campaign.pdf.fetcher import STATIC_PDF_DIR


def hostile_strings(canary: CanaryServer) -> list[str]:
    """Markup and CSS a resident could type, aimed at the canary and the file system."""
    return [
        f'<img src="{canary.url("canary.png")}">',
        '<link rel=attachment href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/hostname">open me</a>',
        f"@import url({canary.url('x.css')});",
        "body { background: url(file:///etc/passwd) }",
        f"<style>@import url({canary.url('style.css')}); p {{ color: red }}</style>",
        f'<svg><image href="{canary.url("svg.png")}"/></svg>',
        f'<iframe src="{canary.url("frame")}"></iframe><object data="{canary.url("obj")}">',
        "<script>alert(1)</script> &amp; &lt;b&gt; ]]> <!-- comment -->",
    ]


def assert_nothing_embedded(path: Path) -> None:
    """No embedded files, no file-attachment annotations, no URI or launch actions."""
    reader = PdfReader(path)
    assert reader.attachments == {}
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            assert annotation.get("/Subtype") != "/FileAttachment"
            action = annotation.get("/A")
            assert action is None or action.get_object().get("/S") not in ("/URI", "/Launch")
    assert b"/EmbeddedFile" not in path.read_bytes()


def test_hostile_testimony_renders_as_literal_text_and_fetches_nothing(
    tmp_path: Path, canary: CanaryServer
) -> None:
    hostile = hostile_strings(canary)
    body = "\n\n".join(hostile)
    entry = TestimonyEntry(
        reference="T-HOSTILE-1",
        author=hostile[0] + " Mallory",
        affiliation=hostile[3] + " " + hostile[1],
        district="District 1 — Downtown",
        position="oppose",
        position_label="Oppose",
        submitted_on="2024-05-20",
        language_label="English",
        body=body,
        speaks=hostile[4],
    )
    roster = list(roster_of(("Ana Mejía", "Wei Chen"))) + [
        dataclasses.replace(roster_of(("x",))[0], name=hostile[0]),
    ]
    content = small_content(
        testimony_groups=(TestimonyGroup("Hostile <b>group</b>", (entry,)),),
        roster=tuple(roster),
        methods=(hostile[5], hostile[6]),
        campaign_title="Stop <i>it</i> & more",
    )
    out = tmp_path / "hostile.pdf"
    build_packet(content, out, cache_dir=tmp_path / "cache", workers=0)

    _reader, texts = read_texts(out)
    everything = squash("\n".join(texts))
    for text in hostile:
        assert squash(text) in everything, text
    assert squash("Hostile <b>group</b>") in everything
    assert squash("Stop <i>it</i> & more") in everything
    assert canary.requests == []
    assert_nothing_embedded(out)


def test_renderer_refuses_remote_and_local_urls_even_in_raw_html(
    tmp_path: Path, canary: CanaryServer
) -> None:
    # Trusted callers (the sign-up sheet) pass raw HTML: the fetcher and the attachment
    # stripping must hold even when markup is not escaped.
    html = f"""<html><head>
      <link rel="stylesheet" href="{canary.url("sheet.css")}">
      <link rel="attachment" href="file:///etc/passwd" title="passwd">
      <link rel="attachment" href="packet-asset:packet.css" title="even an allowed asset">
      <style>
        @import url({canary.url("import.css")});
        body {{ background: url({canary.url("bg.png")}); }}
        @font-face {{ font-family: X; src: url(file:///etc/passwd); }}
      </style></head><body>
      <p>Sheet</p>
      <img src="{canary.url("img.png")}"><img src="file:///etc/passwd">
      <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E">
      <a rel="attachment" href="file:///etc/hostname">attach</a>
      <a rel="attachment" href="packet-asset:fonts.css">attach asset</a>
      <a href="{canary.url("link")}">link</a>
      <svg width="10" height="10"><image href="{canary.url("svg.png")}" width="10"
        height="10"/></svg>
    </body></html>"""
    pdf = render_html_to_pdf(html, extra_css=f"@import url({canary.url('extra.css')});")
    out = tmp_path / "raw.pdf"
    out.write_bytes(pdf)
    assert canary.requests == []
    assert_nothing_embedded(out)
    assert "Sheet" in PdfReader(out).pages[0].extract_text()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.css",
        "https://example.org/font.ttf",
        "file:///etc/passwd",
        f"file://{STATIC_PDF_DIR}/packet.css",
        "data:text/css,body{color:red}",
        "ftp://example.org/x",
        "packet-asset:../../../../etc/passwd",
        "packet-asset:/etc/passwd",
        "packet-asset:fonts/LICENSE",
        "packet-asset:fonts/DejaVuSans.ttf?x=1",
        "packet-asset:",
        "packet.css",
        "//example.org/x.css",
    ],
)
def test_url_fetcher_refuses_everything_but_bundled_assets(url: str) -> None:
    fetcher = PacketURLFetcher()
    with pytest.raises(RefusedURLError):
        fetcher.fetch(url)
    with pytest.raises(RefusedURLError):
        fetcher(url)
    assert fetcher.refused


def test_url_fetcher_serves_the_stylesheet_and_fonts() -> None:
    fetcher = PacketURLFetcher()
    css = fetcher.fetch("packet-asset:packet.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    font = fetcher.fetch("packet-asset:fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.refused == []


def test_url_fetcher_refuses_a_symlink_out_of_the_assets(tmp_path: Path) -> None:
    root = tmp_path / "assets"
    root.mkdir()
    (root / "ok.css").write_text("p {}")
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    (root / "link.css").symlink_to(secret)
    fetcher = PacketURLFetcher(root)
    assert fetcher.fetch("packet-asset:ok.css").read() == b"p {}"
    with pytest.raises(RefusedURLError):
        fetcher.fetch("packet-asset:link.css")
