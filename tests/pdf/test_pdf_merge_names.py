"""The merger keeps the bytes pypdf writes for each PDF name; the files stay the same."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from campaign.pdf import merge

NAMES = ("/Type", "/Font", "/A#B", "/Ünïcødé", "/a b", "/(paren)", "/%percent", "/x\u00ff", "/~")


def _written(names: tuple[str, ...]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    extra = DictionaryObject({NameObject(n): NameObject(n) for n in names})
    extra[NameObject("/Title")] = TextStringObject("names")
    writer.root_object[NameObject("/PacketNames")] = writer._add_object(extra)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_kept_name_bytes_are_pypdfs_own(monkeypatch):
    assert NameObject.renumber is merge._kept_name_bytes
    for name in NAMES:
        assert merge._kept_name_bytes(NameObject(name)) == merge._pypdf_name_bytes(
            NameObject(name)
        )
    with_kept = _written(NAMES)
    again = _written(NAMES)  # now every name comes from what was kept
    monkeypatch.setattr(NameObject, "renumber", merge._pypdf_name_bytes)
    plain = _written(NAMES)
    assert with_kept == again
    # The writer's file identifier differs per file; everything before the trailer must not.
    assert with_kept.split(b"trailer")[0] == plain.split(b"trailer")[0]
    assert b"/A#23B" in plain and b"/a#20b" in plain


def test_kept_name_bytes_are_bounded(monkeypatch):
    monkeypatch.setattr(merge, "_name_bytes", {})
    monkeypatch.setattr(merge, "_NAME_BYTES_KEPT", 3)
    for n in range(10):
        assert merge._kept_name_bytes(NameObject(f"/N{n}")) == f"/N{n}".encode()
    assert len(merge._name_bytes) == 3
