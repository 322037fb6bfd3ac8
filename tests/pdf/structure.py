"""Checks of a tagged packet's structure, language and archival metadata, with pikepdf.

What is checked here is what a test can check without a PDF/UA or PDF/A validator (veraPDF
is distributed from no registry this project reaches): docs/packets.md lists it, and what
is not checked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name


@dataclass
class Structure:
    """What the checks found: element counts and every problem, as sentences."""

    tags: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # Alt texts
    languages: set[str] = field(default_factory=set)  # /Lang of elements
    headings: list[str] = field(default_factory=list)
    mcids: int = 0
    ids: Counter = field(default_factory=Counter)  # element /ID -> elements with it
    headers: set[str] = field(default_factory=set)  # IDs named by cells' /Headers


def _elements(root: Dictionary, found: Structure, on_page: dict) -> None:
    """Walk the tree from the root: count tags, and MCIDs per page (page objgen -> ids)."""
    seen: set[tuple[int, int]] = set()
    stack = [(root.K if isinstance(root.K, Array) else Array([root.K]), root, None)]
    while stack:
        kids, parent, page = stack.pop()
        for kid in kids:
            if isinstance(kid, int):
                if page is None:
                    found.problems.append("an MCID without a page")
                    continue
                on_page.setdefault(page, {})[int(kid)] = parent.objgen
                continue
            if not isinstance(kid, Dictionary):
                continue
            if kid.get("/Type") == Name.MCR:
                mcr_page = kid.Pg.objgen if "/Pg" in kid else page
                on_page.setdefault(mcr_page, {})[int(kid.MCID)] = parent.objgen
                continue
            if kid.get("/Type") == Name.OBJR:
                continue
            if kid.objgen in seen:
                found.problems.append(f"element {kid.objgen} appears twice in the tree")
                continue
            seen.add(kid.objgen)
            if kid.get("/P") is None or kid.P.objgen != parent.objgen:
                found.problems.append(f"element {kid.get('/S')} has a wrong /P")
            tag = str(kid.get("/S"))
            found.tags[tag] += 1
            if tag == "/Figure":
                found.figures.append(str(kid.get("/Alt", "")))
                if not str(kid.get("/Alt", "")).strip():
                    found.problems.append("a Figure without alternative text (/Alt)")
            if "/Lang" in kid:
                found.languages.add(str(kid.Lang))
            if "/ID" in kid:
                found.ids[str(kid.ID)] += 1
            attributes = kid.get("/A")
            if isinstance(attributes, Dictionary) and "/Headers" in attributes:
                found.headers.update(str(h) for h in attributes.Headers)
            child_page = kid.Pg.objgen if "/Pg" in kid else page
            k = kid.get("/K")
            if k is not None:
                stack.append((k if isinstance(k, Array) else Array([k]), kid, child_page))


def _content_mcids(page: pikepdf.Page) -> list[int]:
    ids = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and len(operands) == 2:
            props = operands[1]
            if isinstance(props, Dictionary) and "/MCID" in props:
                ids.append(int(props.MCID))
    return ids


def check(path: Path, *, lang: str) -> Structure:
    """Check a tagged packet; returns what was found (problems empty if it passed)."""
    found = Structure()
    with pikepdf.open(path) as pdf:
        catalog = pdf.Root
        problems = found.problems
        # qpdf's own check of the file: cross-reference table, objects, every stream decodes.
        problems.extend(f"qpdf: {problem}" for problem in pdf.check_pdf_syntax())
        if catalog.get("/Lang") != lang:
            problems.append(f"catalog /Lang is {catalog.get('/Lang')!r}, not {lang!r}")
        if not catalog.get("/MarkInfo", {}).get("/Marked", False):
            problems.append("no /MarkInfo /Marked true")
        if not catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False):
            problems.append("no /ViewerPreferences /DisplayDocTitle true")
        if "/Outlines" not in catalog:
            problems.append("no bookmarks")
        if "/PageLabels" not in catalog:
            problems.append("no page labels")
        _check_metadata(pdf, problems)
        _check_output_intent(catalog, problems)
        _check_fonts(pdf, problems)
        root = catalog.get("/StructTreeRoot")
        if root is None:
            problems.append("no structure tree")
            return found
        on_page: dict = {}
        _elements(root, found, on_page)
        nums = root.ParentTree.Nums
        parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page in enumerate(pdf.pages, start=1):
            _check_page(number, page, parent_tree, on_page, found)
        _check_ids(root, found)
        for annotation_page in pdf.pages:
            for annotation in annotation_page.obj.get("/Annots", Array()):
                if "/StructParent" not in annotation:
                    problems.append("an annotation without /StructParent")
                elif "/Contents" not in annotation:
                    problems.append("an annotation without /Contents")
        for heading in _heading_texts(found):
            found.headings.append(heading)
    return found


def _check_page(number, page, parent_tree, on_page, found: Structure) -> None:
    problems = found.problems
    if "/StructParents" not in page.obj:
        problems.append(f"page {number} has no /StructParents")
        return
    mcids = _content_mcids(page)
    found.mcids += len(mcids)
    if len(set(mcids)) != len(mcids):
        problems.append(f"page {number} repeats an MCID")
    in_tree = on_page.get(page.obj.objgen, {})
    array = parent_tree.get(int(page.obj.StructParents))
    if array is None:
        problems.append(f"page {number}: its /StructParents is not in the ParentTree")
        return
    for mcid in mcids:
        if mcid not in in_tree:
            problems.append(f"page {number}: MCID {mcid} is in no element of the tree")
        elif mcid >= len(array) or array[mcid].objgen != in_tree[mcid]:
            problems.append(f"page {number}: the ParentTree maps MCID {mcid} elsewhere")
    extra = set(in_tree) - set(mcids)
    if extra:
        problems.append(f"page {number}: the tree names MCIDs {sorted(extra)[:5]} not drawn")
    untagged = _untagged_text(page)
    if untagged:
        problems.append(f"page {number}: text outside marked content: {untagged}")


def _check_ids(root: Dictionary, found: Structure) -> None:
    """Element IDs are unique, all in the IDTree, and every cell's header names one."""
    repeated = [name for name, count in found.ids.items() if count > 1]
    if repeated:
        found.problems.append(f"element IDs used twice: {repeated[:3]}")
    names = root.get("/IDTree", Dictionary()).get("/Names", Array())
    listed = {str(names[i]) for i in range(0, len(names), 2)}
    if set(found.ids) != listed:
        found.problems.append("the IDTree does not list exactly the elements' IDs")
    unknown = found.headers - set(found.ids)
    if unknown:
        found.problems.append(f"cells name headers that no element has: {sorted(unknown)[:3]}")


def _untagged_text(page: pikepdf.Page) -> str:
    """Text drawn outside any marked content (neither tagged nor an artifact), if any."""
    depth = 0
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BDC", "BMC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
        elif name in ("Tj", "TJ", "'", '"') and depth == 0:
            return repr(operands)[:60]
    return ""


def _check_metadata(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    stream = pdf.Root.get("/Metadata")
    if stream is None:
        problems.append("no XMP metadata")
        return
    if "/Filter" in stream:
        problems.append("the XMP metadata stream is compressed")
    xmp = stream.read_bytes().decode("utf-8")
    for claim in (
        r"<pdfaid:part>2</pdfaid:part>",
        r"<pdfaid:conformance>[ABU]</pdfaid:conformance>",
        r"<pdfuaid:part>1</pdfuaid:part>",
        r"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>",
        r"<dc:title>",
    ):
        if not re.search(claim, xmp):
            problems.append(f"XMP lacks {claim}")
    title = str(pdf.docinfo.get("/Title", ""))
    if title and title.replace("&", "&amp;").replace("<", "&lt;") not in xmp:
        problems.append("XMP dc:title differs from the document information's title")


def _check_output_intent(catalog, problems: list[str]) -> None:
    intents = catalog.get("/OutputIntents", Array())
    pdfa = [i for i in intents if i.get("/S") == Name.GTS_PDFA1]
    if not pdfa:
        problems.append("no PDF/A output intent")
    elif "/DestOutputProfile" not in pdfa[0] or int(pdfa[0].DestOutputProfile.N) != 3:
        problems.append("the PDF/A output intent has no RGB profile")


def _check_fonts(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    """Every font drawn on a page, or in a form it draws, is embedded."""
    seen: set = set()
    for page in pdf.pages:
        stack = [page.obj.get("/Resources", Dictionary())]
        while stack:
            resources = stack.pop()
            for font in resources.get("/Font", Dictionary()).values():
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
                fonts = font.DescendantFonts if "/DescendantFonts" in font else [font]
                for one in fonts:
                    descriptor = one.get("/FontDescriptor", Dictionary())
                    if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        problems.append(f"font {one.get('/BaseFont')} is not embedded")
            for xobject in resources.get("/XObject", Dictionary()).values():
                if xobject.get("/Subtype") == Name.Form and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    stack.append(xobject.get("/Resources", Dictionary()))


def _heading_texts(found: Structure) -> list[str]:
    return [tag for tag in found.tags if re.fullmatch(r"/H[1-6]", tag)]
