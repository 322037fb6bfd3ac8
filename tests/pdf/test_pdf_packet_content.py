"""What a clerk reads in the packet: totals, testimony, roster, contents, numbering, metadata."""

from __future__ import annotations

import html
import re
from pathlib import Path

from conftest import (
    ARTIFACTS,
    GIVEN_NAMES,
    NOT_GIVEN_NAMES,
    BuiltPacket,
    need_poppler,
    run_tool,
    squash,
)

from campaign.pdf import roster as roster_geometry
from campaign.pdf.sections import format_number


def test_text_shows_totals_every_reference_and_every_roster_name(built: BuiltPacket) -> None:
    content = built.content
    everything = "\n".join(built.texts)
    labels = content.labels
    cover = squash(built.texts[0])
    verified = format_number(content.signatures_verified, labels)
    assert squash(f"{verified} {labels.verified_signatures}") in cover
    assert squash(f"{len(content.coalition)} {labels.organizations}") in cover
    for district in content.districts:
        assert district.district in everything
    for group in content.testimony_groups:
        for entry in group.entries:
            assert f"{labels.reference} {entry.reference}" in everything
            assert entry.author in everything
    for name in GIVEN_NAMES:
        assert name in everything, name
    for name in NOT_GIVEN_NAMES:
        assert name not in everything
    # The cover says how many testimonies there are for and against.
    assert squash(f"{content.testimonies_support} support") in cover
    assert squash(f"{content.testimonies_oppose} oppose") in cover
    # The district table's total row sums the districts.
    total = sum(d.signatures for d in content.districts)
    assert squash(f"{labels.total} {format_number(total, labels)}") in squash(everything)


def _roster_reading_order(path: Path, pages: list[int]) -> str:
    """Roster words read as a clerk reads them: page by page, down each column."""
    words = []
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">(.*?)</word>'
    )
    for page in pages:
        bbox = run_tool(
            need_poppler("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(path), "-"
        )
        for x, y, word in pattern.findall(bbox.stdout):
            x, y = float(x), float(y)
            if 78 <= y <= 740:  # between the page's roster header and the footer
                column = int((x - 40 + 3) // roster_geometry.COLUMN_PITCH)
                words.append((page, column, round(y), x, html.unescape(word)))
    return "".join(w[-1] for w in sorted(words))


def test_roster_reads_down_columns_in_the_given_order_under_district_headings(
    built: BuiltPacket,
) -> None:
    labels = built.content.labels
    pages = [i + 1 for i, t in enumerate(built.texts) if t.startswith(labels.roster)]
    assert pages
    text = _roster_reading_order(built.path, pages)
    cursor = 0
    district = None
    for entry in built.content.roster:
        if entry.district != district:
            district = entry.district
            cursor = text.index(squash(district), cursor)
        cursor = text.index(squash(entry.name), cursor)  # found after the previous one


def test_every_page_has_the_footer_with_global_page_numbers(built: BuiltPacket) -> None:
    pages = len(built.texts)
    assert pages == built.result.pages
    footer = f"{built.content.campaign_title} · {built.content.hearing_title}"
    for number, text in enumerate(built.texts, start=1):
        assert f"page {number} of {pages}" in text
        assert footer in text
    assert built.texts[0].rstrip().endswith(f"page 1 of {pages}")
    assert built.texts[-1].rstrip().endswith(f"page {pages} of {pages}")


def test_contents_page_numbers_point_at_their_sections(built: BuiltPacket) -> None:
    labels = built.content.labels
    contents = next(t for t in built.texts if labels.contents in t)
    expected = [
        labels.totals_by_district,
        labels.totals_by_zip,
        labels.endorsements,
        labels.written_testimony,
        *(g.title for g in built.content.testimony_groups),
        labels.roster,
        *dict.fromkeys(e.district for e in built.content.roster),
        labels.methods,
    ]
    checked = 0
    for title in expected:
        match = re.search(rf"^{re.escape(title)}(?: \([\d,]+\))? (\d+)$", contents, re.M)
        assert match, f"no contents line for {title!r}"
        page = int(match.group(1))
        assert squash(title) in squash(built.texts[page - 1]), (title, page)
        checked += 1
    assert checked == len(expected)


def test_bookmarks_cover_every_section_group_and_testimony(built: BuiltPacket) -> None:
    reader = built.reader
    titles: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                titles.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    top = [t for d, t, _p in titles if d == 0]
    labels = built.content.labels
    for section in (
        labels.contents,
        labels.totals_by_district,
        labels.endorsements,
        labels.written_testimony,
        labels.roster,
        labels.methods,
    ):
        assert section in top
    groups = [t for d, t, _p in titles if d == 1]
    for group in built.content.testimony_groups:
        assert group.title in groups
    references = [t for d, t, _p in titles if d == 2]
    assert len(references) == sum(len(g.entries) for g in built.content.testimony_groups)
    for _depth, title, page in titles:
        assert 0 <= page < len(built.texts)
        if title.startswith("T-"):
            assert title.split(" — ")[0] in built.texts[page]


def test_contents_entries_are_links_to_their_pages(built: BuiltPacket) -> None:
    contents_index = next(
        i for i, t in enumerate(built.texts) if built.content.labels.contents in t
    )
    page = built.reader.pages[contents_index]
    targets = []
    for annotation in page.get("/Annots", []):
        annotation = annotation.get_object()
        if annotation.get("/Subtype") == "/Link":
            targets.append(built.reader.get_page_number(annotation["/Dest"][0].get_object()))
    assert len(targets) >= 8
    assert all(0 <= t < len(built.texts) for t in targets)


def test_metadata_names_packet_campaign_and_decision(built: BuiltPacket) -> None:
    meta = built.reader.metadata
    content = built.content
    assert content.campaign_title in meta.title
    assert content.hearing_title in meta.title
    assert content.campaign_title in meta.author
    assert content.decision_title in meta.subject
    assert content.decision_reference in meta.subject
    assert meta["/ContentHash"] == built.result.content_hash


def test_cover_and_contents_print_the_content_hash(built: BuiltPacket) -> None:
    digest = built.result.content_hash
    assert digest == built.content.content_hash()
    assert digest[:16] in built.texts[0]
    assert digest in squash("\n".join(built.texts[:3]))


def test_content_hash_ignores_generation_time_only(built: BuiltPacket) -> None:
    import dataclasses

    content = built.content
    later = dataclasses.replace(content, generated_at="June 1, 2024, 8:00 AM EDT")
    assert later.content_hash() == content.content_hash()
    edited = dataclasses.replace(content, ask=content.ask + " Now.")
    assert edited.content_hash() != content.content_hash()


def test_poppler_reads_the_packet_and_fonts_are_bundled_and_embedded(
    built: BuiltPacket,
) -> None:
    pdfinfo = run_tool(need_poppler("pdfinfo"), str(built.path))
    assert pdfinfo.returncode == 0, pdfinfo.stderr
    assert pdfinfo.stderr == ""
    assert re.search(rf"^Pages:\s+{built.result.pages}$", pdfinfo.stdout, re.M)
    pdftotext = run_tool(need_poppler("pdftotext"), "-enc", "UTF-8", str(built.path), "-")
    assert pdftotext.returncode == 0, pdftotext.stderr
    assert pdftotext.stderr == ""
    assert GIVEN_NAMES[0] in pdftotext.stdout
    pdffonts = run_tool(need_poppler("pdffonts"), str(built.path))
    assert pdffonts.returncode == 0, pdffonts.stderr
    rows = pdffonts.stdout.splitlines()[2:]
    # The @font-face families of static/pdf/fonts.css, subset and embedded; no system font.
    assert any("Packet-Serif" in row for row in rows)
    assert any("Packet-Sans-Condensed" in row for row in rows)
    # The stamped page numbers too: a subset of a bundled font (PDF/A embeds every font).
    assert any("+Packet-Stamp" in row for row in rows)
    for row in rows:
        assert "+Packet-" in row.split()[0], row
        assert " yes yes yes " in row, row


def test_save_cover_testimony_and_roster_pages_as_png(built: BuiltPacket) -> None:
    pdftoppm = need_poppler("pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    labels = built.content.labels
    first_testimony = (
        next(i for i, t in enumerate(built.texts) if f"{labels.reference} T-" in t) + 1
    )
    first_roster = next(i for i, t in enumerate(built.texts) if t.startswith(labels.roster)) + 1
    for name, page in (("cover", 1), ("testimony", first_testimony), ("roster", first_roster)):
        prefix = ARTIFACTS / name
        done = run_tool(
            pdftoppm,
            "-png",
            "-r",
            "60",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(built.path),
            str(prefix),
        )
        assert done.returncode == 0, done.stderr
        png = prefix.with_suffix(".png")
        assert png.stat().st_size > 5_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_labels_can_be_spanish_and_page_numbers_follow(tmp_path: Path) -> None:
    import dataclasses

    from conftest import read_texts, small_content

    from campaign.pdf import PacketLabels, build_packet

    labels = PacketLabels(
        lang="es", contents="Índice", roster="Firmas", page_of="página {page} de {pages}"
    )
    content = small_content(labels=labels)
    out = tmp_path / "es.pdf"
    result = build_packet(content, out, cache_dir=tmp_path / "c", workers=0)
    reader, texts = read_texts(out)
    assert "Índice" in texts[1]
    assert texts[-1].rstrip().endswith(f"página {result.pages} de {result.pages}")
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert dataclasses.replace(content, labels=PacketLabels()).content_hash() != (
        content.content_hash()
    )
