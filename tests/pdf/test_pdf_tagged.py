"""The tagged packet: structure tree, languages, bookmarks and archival metadata survive the merge.

No PDF/UA or PDF/A validator can be installed here (veraPDF comes from no reachable
registry), so tests/pdf/structure.py checks with pikepdf what such a validator would look
at first, and poppler's `pdfinfo -struct-text` reads the tree back as an independent reader.
docs/packets.md lists what is verified and what is not.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pikepdf
import pytest

from campaign.pdf import build_packet
from campaign.pdf.sample import make_content
from tests.pdf.conftest import (
    GIVEN_NAMES,
    BuiltPacket,
    need_poppler,
    roster_of,
    run_tool,
    small_content,
)
from tests.pdf.structure import check


def _two_languages():
    """The small packet with its testimony bodies in English and Spanish."""
    content = small_content()
    groups = []
    for group in content.testimony_groups:
        entries = tuple(
            dataclasses.replace(t, language="es" if i % 2 else "en")
            for i, t in enumerate(group.entries)
        )
        groups.append(dataclasses.replace(group, entries=entries))
    return dataclasses.replace(content, testimony_groups=tuple(groups))


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> BuiltPacket:
    folder = tmp_path_factory.mktemp("tagged")
    content = _two_languages()
    out = folder / "packet.pdf"
    result = build_packet(content, out, cache_dir=folder / "cache", workers=0)
    return BuiltPacket(content, out, result, None, [])  # type: ignore[arg-type]


def test_the_merged_packet_has_one_whole_structure_tree(tagged: BuiltPacket) -> None:
    found = check(tagged.path, lang=tagged.content.labels.lang)
    assert found.problems == []
    # Every page's marked content leads to an element: the trees of all chunks were joined.
    assert found.mcids > 20 * tagged.result.pages
    for tag in ("/H1", "/H2", "/P", "/L", "/LI", "/Table", "/TR", "/TH", "/TD", "/Link"):
        assert found.tags[tag] > 0, tag
    assert found.tags["/Document"] == 1
    # WeasyPrint's Span per run of text is gone where it said nothing (flatten_spans).
    assert found.tags["/Span"] < found.tags["/P"] + found.tags["/TD"]
    testimonies = sum(len(g.entries) for g in tagged.content.testimony_groups)
    assert found.tags["/BlockQuote"] >= testimonies
    # Each testimony body carries its own language; the packet's is the catalog's /Lang.
    assert found.languages == {"en", "es"}


def test_each_testimony_body_is_tagged_in_its_language_in_reading_order(
    tagged: BuiltPacket,
) -> None:
    with pikepdf.open(tagged.path) as pdf:
        document = pdf.Root.StructTreeRoot.K[0]
        pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
        quotes = []
        stack = [document]
        while stack:  # depth first, in order: the reading order of the tree
            element = stack.pop()
            if element.get("/S") == "/BlockQuote":
                quotes.append((pages[element.Pg.objgen], str(element.get("/Lang", ""))))
                continue
            kids = [k for k in element.get("/K", []) if isinstance(k, pikepdf.Dictionary)]
            stack.extend(k for k in reversed(kids) if k.get("/Type") == "/StructElem")
    entries = [t for g in tagged.content.testimony_groups for t in g.entries]
    # One body per testimony page here (short testimonies), in the packet's order.
    assert [lang for _page, lang in quotes] == [t.language for t in entries]
    assert [page for page, _lang in quotes] == sorted(page for page, _lang in quotes)


def test_poppler_reads_the_tree_with_headings_roster_names_and_testimony(
    tagged: BuiltPacket,
) -> None:
    pdfinfo = need_poppler("pdfinfo")
    info = run_tool(pdfinfo, str(tagged.path))
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M), info.stdout
    tree = run_tool(pdfinfo, "-struct-text", str(tagged.path))
    assert tree.returncode == 0, tree.stderr
    text = tree.stdout
    # A heading's text is in it (its MCIDs directly: plain Spans are flattened).
    assert re.search(r"^\s*H1 \(block\)\n\s*\"[^\"]+\"", text, re.M)
    assert "BlockQuote" in text
    first = next(t for g in tagged.content.testimony_groups for t in g.entries)
    assert first.body.split()[0] in text
    for name in GIVEN_NAMES[:8]:
        assert name in text, name


def test_the_roster_is_a_list_of_signers_under_district_headings(tagged: BuiltPacket) -> None:
    """Each signer is a list item that holds the name, the ZIP and the date, in the
    roster's order, each district's signers after its H2 heading."""
    tree = run_tool(need_poppler("pdfinfo"), "-struct-text", str(tagged.path)).stdout
    read: list[tuple[str, list[str]]] = []  # ("H2", texts) or ("LI", texts)
    lines = tree.splitlines()
    for i, line in enumerate(lines):
        kind = line.strip().split(" ")[0]
        if kind in ("H2", "LI"):
            texts = [
                t.strip().strip('"') for t in lines[i + 1 : i + 5] if t.strip().startswith('"')
            ]
            read.append((kind, texts))
    # The roster's items (the cover's organizations are a list too): a name, a ZIP, a date.
    bodies = [
        t[0]
        for kind, t in read
        if kind == "LI" and len(t) > 1 and any(re.match(r"\d{5}  \d", x) for x in t[1:])
    ]
    roster = tagged.content.roster
    assert len(bodies) == len(roster)
    assert bodies == [entry.name for entry in roster]
    headings = [t[0] for kind, t in read if kind == "H2"]
    for district in dict.fromkeys(entry.district for entry in roster):
        assert district in headings


def test_bookmarks_page_labels_links_and_archival_metadata(tagged: BuiltPacket) -> None:
    with pikepdf.open(tagged.path) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
        assert tagged.content.labels.roster in titles
        assert pdf.Root.PageLabels.Nums[1].S == "/D"
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2U"
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
        assert links and all(a.Subtype == "/Link" and "/StructParent" in a for a in links)
        assert all(a.F == 4 and str(a.Contents).startswith("Go to page") for a in links)
        # Each link annotation belongs to the Link element of the contents entry it covers.
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for annotation in links:
            element = parents[int(annotation.StructParent)]
            assert element.S == "/Link"
            assert any(
                isinstance(k, pikepdf.Dictionary) and k.get("/Obj") == annotation for k in element.K
            )
            assert any(isinstance(k, int) for k in element.K)  # and the entry's text


def test_the_checks_fail_on_an_untagged_packet_and_on_a_broken_tree(
    tagged: BuiltPacket, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.pdf"
    build_packet(tagged.content, plain, cache_dir=tmp_path / "cache", workers=0, tagged=False)
    problems = check(plain, lang=tagged.content.labels.lang).problems
    assert "no structure tree" in problems
    assert "no XMP metadata" in problems
    assert "no PDF/A output intent" in problems
    assert any("Helvetica" in p and "not embedded" in p for p in problems)

    broken = tmp_path / "broken.pdf"
    with pikepdf.open(tagged.path) as pdf:
        kids = pdf.Root.StructTreeRoot.K[0].K
        del kids[len(kids) // 2]  # one element (and what is under it) gone from the tree
        del pdf.Root.Lang
        pdf.save(broken)
    problems = check(broken, lang=tagged.content.labels.lang).problems
    assert any("is in no element of the tree" in p for p in problems)
    assert any("/Lang" in p for p in problems)


def test_a_packet_rendered_by_the_workers_is_tagged_the_same(tmp_path: Path) -> None:
    """The workers draw text with the packet's glyph loop (glyphs.py): tags stay whole."""
    content = make_content(0, 4, words=120, roster=list(roster_of(GIVEN_NAMES, per_name=20)))
    out = tmp_path / "workers.pdf"
    result = build_packet(content, out, cache_dir=tmp_path / "cache", workers=2)
    assert result.batches_rendered > 0
    found = check(out, lang=content.labels.lang)
    assert found.problems == []
    assert found.mcids > 20 * result.pages
