"""The one shared corpus of hostile strings, pushed through every page, mail, export, feed and
packet by the tests in this folder.

A plain list of (short name, text). Addresses point at 127.0.0.1 port 9 (discard): a test that
runs a canary server swaps in its own address with `aimed_at()`, so anything that fetches one
of these URLs is caught.
"""

from __future__ import annotations

from typing import NamedTuple


class Hostile(NamedTuple):
    name: str
    text: str


CANARY_HOST = "127.0.0.1:9"
MEGABYTE = 1024 * 1024

CORPUS: list[Hostile] = [
    # Markup and script
    Hostile("script", "<script>alert(1)</script>"),
    Hostile("attr_breakout", '"><img src=x onerror=alert(1)>'),
    Hostile("single_quote_breakout", "' autofocus onfocus=alert(1) x='"),
    Hostile("svg_onload", "<svg onload=alert(1)><title>x</title></svg>"),
    Hostile("textarea_breakout", "<!-- ]]> </textarea></title><b>bold</b>"),
    Hostile("entities", "&lt;script&gt; &amp;amp; &#60;b&#62; &#x3C;"),
    # CSS
    Hostile("style_tag", "<style>body{display:none}</style>"),
    Hostile("css_url", "body { background: url(http://127.0.0.1:9/css-url.png) }"),
    Hostile("css_import", "@import url(http://127.0.0.1:9/import.css);"),
    Hostile("css_file_url", "p { background: url(file:///etc/passwd) }"),
    # URLs
    Hostile("javascript_url", "javascript:alert(document.cookie)"),
    Hostile("local_url", "http://127.0.0.1:9/x"),
    Hostile("file_url", "file:///etc/passwd"),
    Hostile("img_local", '<img src="http://127.0.0.1:9/img.png">'),
    Hostile("link_attachment", '<link rel=attachment href="file:///etc/passwd">'),
    Hostile("iframe_local", '<iframe src="http://127.0.0.1:9/frame"></iframe>'),
    # Direction, invisible and control characters
    Hostile("rtl_override", "Ana \u202egnp.exe\u202c Flores"),
    Hostile("bidi_isolates", "\u2066Ana\u2069 \u2067Flores\u2069 \u2068x\u2069 \u202a\u202b\u202d"),
    Hostile("zero_width", "A\u200bn\u200da\ufeff Flo\u200cres\u2060"),
    Hostile("nul", "Ana\x00Flores\x00"),
    Hostile("c0_controls", "Ana" + "".join(map(chr, range(1, 32))) + "Flores"),
    Hostile("c1_and_del", "Ana\x7f\x80\x85\x9b\x9fFlores"),
    Hostile("crlf_bcc", "Ana Flores\r\nBcc: victim@example.org\r\nX-Injected: 1"),
    Hostile("lf_headers", "Ana\nSubject: free money\nContent-Type: text/html\n\n<b>hi</b>"),
    Hostile("line_separators", "Ana\u2028Flores\u2029Paragraph\u0085Next"),
    Hostile("noncharacters", "Ana\ufdd0\ufffe\uffffFlores"),
    # Scripts, emoji and combining marks
    Hostile("emoji", "Ana 👩🏽‍🌾 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏿 🇲🇽 Flores"),
    Hostile("cjk", "中文 日本語のテキスト 한국어"),
    Hostile("arabic", "مرحبا بالعالم، أنا من الحي"),
    Hostile("hebrew_mixed", "שלום Ana עולם 123"),
    Hostile("devanagari", "नमस्ते दुनिया क्षत्रिय"),
    Hostile("combining", "Z\u0337\u0327a\u0336l\u0335g\u0338o\u0334 Jose\u0301 n\u0303"),
    Hostile("astral", "𝕳𝖊𝖑𝖑𝖔 𓀀 𠜎𠜱"),
    # Spreadsheet formulas
    Hostile("csv_hyperlink", '=HYPERLINK("http://127.0.0.1:9/x","click me")'),
    Hostile("csv_cmd", "+cmd|' /C calc'!A0"),
    Hostile("csv_minus", "-2+3"),
    Hostile("csv_at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    Hostile("csv_tab", "\t=1+1"),
    Hostile("csv_cr", "\r=1+1"),
    # Templates, format strings, SQL, paths
    Hostile("jinja", "{{ 7*7 }} {{ config }} {% if 1 %}x{% endif %}"),
    Hostile("jinja_raw", "{% raw %}{{ x }}{% endraw %} {# c #}"),
    Hostile("format_strings", "%(name)s %s %d {0} {name} %n"),
    Hostile("sql", "'; DROP TABLE signature;--"),
    Hostile("sql_or", "' OR '1'='1' /*"),
    Hostile("path", "../../../../etc/passwd"),
    # Size and shape
    Hostile("long_word", "Supercalifragilistic" * 9),
    Hostile("whitespace_only", " \t \u00a0\u3000\u2003 "),
    Hostile("invisible_only", "\u200b\u200d\ufeff\u2060\u0301"),
    Hostile("megabyte", ("palabra " * (MEGABYTE // 8))[:MEGABYTE]),
]

BY_NAME = {entry.name: entry for entry in CORPUS}
assert len(BY_NAME) == len(CORPUS), "corpus names must be unique"

# Entries that fit a field of ordinary size (the megabyte is for the fields that must refuse it).
SMALL: list[Hostile] = [entry for entry in CORPUS if len(entry.text) < 10_000]

# Entries that are plain printable ASCII: the packet font prints every one of them, so they
# must come out of the PDF as the same literal text.
ASCII_PRINTABLE: list[Hostile] = [
    entry for entry in SMALL if entry.text.isascii() and entry.text.isprintable()
]


def ids(entries: list[Hostile]) -> list[str]:
    return [entry.name for entry in entries]


def aimed_at(text: str, host: str) -> str:
    """The text with its URLs pointing at `host` ("127.0.0.1:PORT") instead of port 9."""
    return text.replace(CANARY_HOST, host)
