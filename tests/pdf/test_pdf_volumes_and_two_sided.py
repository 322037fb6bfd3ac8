"""Volumes under a size limit, each with its cover and one content hash; two-sided printing
with every testimony on a right-hand page."""

from __future__ import annotations

import dataclasses
import re

import pikepdf
import pytest
from pypdf import PdfReader

from campaign.pdf import build_packet
from campaign.pdf.sample import make_content
from campaign.pdf.volumes import split_volumes
from tests.pdf.conftest import read_texts, small_content
from tests.pdf.structure import check


def _page_numbers(texts: list[str]) -> list[int]:
    numbers = []
    for text in texts:
        found = re.findall(r"page (\d+) of (\d+)", text)
        numbers.append(int(found[-1][0]) if found else 0)
    return numbers


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("volumes")
    content = make_content(2000, 24, words=400)
    out = folder / "packet.pdf"
    result = build_packet(content, out, cache_dir=folder / "cache", workers=0)
    return content, out, result


def test_volumes_stay_under_the_limit_with_their_own_cover_and_one_hash(big):
    content, out, result = big
    size = out.stat().st_size
    # Each volume carries its cover and the fonts its pages use: a small packet splits in
    # two under three quarters of its size (a 10 MB packet is mostly its pages' content).
    limit = int(size * 0.75)
    volumes = split_volumes(out, content, result.content_hash, limit_bytes=limit)

    assert len(volumes) >= 2
    assert all(v.size_bytes <= limit for v in volumes)
    assert volumes[0].first_page == 1 and volumes[-1].last_page == result.pages
    for before, after in zip(volumes, volumes[1:], strict=False):
        assert after.first_page == before.last_page + 1  # every page once, in order
    for number, volume in enumerate(volumes, start=1):
        reader, texts = read_texts(volume.path)
        assert len(reader.pages) == volume.pages == volume.last_page - volume.first_page + 2
        cover = re.sub(r"\s+", " ", texts[0])
        assert f"Volume {number} of {len(volumes)}" in cover
        assert result.content_hash in cover.replace(" ", "")
        assert reader.metadata["/ContentHash"] == result.content_hash
        # The packet's own numbering runs through the volumes.
        numbers = _page_numbers(texts[1:])
        assert numbers == list(range(volume.first_page, volume.last_page + 1))
        # No testimony is cut: a volume starts where a section, testimony or roster page does.
        assert "(continued)" not in texts[1] or "roster" in texts[1].lower()


def test_a_packet_under_the_limit_is_not_split(big):
    content, out, result = big
    assert split_volumes(out, content, result.content_hash, limit_bytes=out.stat().st_size) == []


def test_two_sided_starts_every_testimony_on_a_right_hand_page(tmp_path):
    content = small_content()
    long_one = dataclasses.replace(
        content.testimony_groups[0].entries[0], body="A long paragraph of testimony. " * 500
    )
    groups = list(content.testimony_groups)
    groups[0] = dataclasses.replace(groups[0], entries=(long_one, *groups[0].entries[1:]))
    content = dataclasses.replace(content, testimony_groups=tuple(groups))
    one = build_packet(content, tmp_path / "one.pdf", cache_dir=tmp_path / "cache", workers=0)
    two = build_packet(
        content, tmp_path / "two.pdf", cache_dir=tmp_path / "cache", workers=0, two_sided=True
    )
    assert two.content_hash == one.content_hash and two.pages > one.pages
    reader = PdfReader(tmp_path / "two.pdf")
    starts = []
    for item in reader.outline:
        for child in item if isinstance(item, list) else [item]:
            if isinstance(child, list):
                starts += [reader.get_destination_page_number(c) for c in child]
    references = [e.reference for g in content.testimony_groups for e in g.entries]
    assert len(starts) >= len(references)
    assert all(page % 2 == 0 for page in starts)  # 0-based even: a right-hand page
    texts = [page.extract_text() or "" for page in reader.pages]
    for reference in references:
        first = next(i for i, text in enumerate(texts) if reference in text)
        assert first % 2 == 0
    # Blank pages carry only the footer; numbering counts them.
    assert f"page {len(texts)} of {len(texts)}" in texts[-1]


def test_the_volumes_of_a_tagged_packet_are_tagged_and_archival(big):
    """Each volume keeps its pages' structure (PDF/UA-1, PDF/A-2u claims and all), and its
    page labels are the packet's page numbers stamped on them."""
    content, out, result = big
    volumes = split_volumes(
        out, content, result.content_hash, limit_bytes=int(out.stat().st_size * 0.75)
    )
    assert len(volumes) >= 2
    for volume in volumes:
        found = check(volume.path, lang=content.labels.lang)
        assert found.problems == [], found.problems[:5]
        with pikepdf.open(volume.path) as pdf:
            assert pdf.open_metadata().pdfa_status == "2U"
            assert "/Annots" not in pdf.pages[1].obj  # no link into another volume
            labels = pdf.Root.PageLabels.Nums
            assert int(labels[3].St) == volume.first_page
            assert str(pdf.docinfo.Author) == str(PdfReader(out).metadata["/Author"])
