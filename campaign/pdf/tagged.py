"""The tagged, archival merge: chunk PDFs and their structure trees joined into one packet.

Chunks rendered with WeasyPrint's `pdf_tags` carry a structure tree each: a /Document
element whose kids are the page's headings, paragraphs, lists and tables, a ParentTree
mapping each page's marked-content ids (MCIDs) to their elements, and /StructParents on
each page. merge_tagged() copies the pages with pikepdf (qpdf), then each chunk's elements
of those pages under one /Document element of the packet, renumbers /StructParents and
joins the ParentTrees, so every MCID on every page of the packet still leads to its element.
qpdf remembers what it copied from each chunk, so an element's /Pg points at the copied page.

It then adds what a PDF/UA-1 and PDF/A-2u reader looks for in the catalog: /Lang,
/MarkInfo, /ViewerPreferences /DisplayDocTitle, XMP metadata claiming both (with the
extension schema PDF/A asks for the pdfuaid property), an sRGB OutputIntent, bookmarks,
page labels, and tagged Link annotations for the contents. The footer (drawn on every page
from one form) and the "page X of Y" stamp are marked as pagination artifacts; the stamp uses
an embedded subset of a bundled font (PDF/A and PDF/UA allow no unembedded font).
docs/packets.md says what the tests verify and what they cannot.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name, Pdf, String

from .fetcher import STATIC_PDF_DIR
from .merge import (
    FOOTER_BASELINE,
    FOOTER_RGB,
    FOOTER_RIGHT_MARGIN,
    FOOTER_SIZE,
    LinkArea,
    OutlineItem,
    PagePart,
    _stamp_text,
    page_label,
)
from .roster_paint import to_unicode_cmap

# The font of the "page X of Y" stamp, embedded as a subset of the characters it needs.
STAMP_FONT = STATIC_PDF_DIR / "fonts" / "DejaVuSans.ttf"
PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = 2, "U", 1
_MARKED = {"BDC", "BMC", "EMC"}
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" and such
_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC"


# Chunk PDFs kept open at once. qpdf takes about 1.2 MB for each open file, whatever its
# size, and the streams copied from a file are read from it when the packet is written; so a
# chunk's streams are copied into the packet's memory (`detach`) and the chunk is closed
# when it is not among the last few used: 130 open chunks of a 100,000-signature packet took
# 160 MB, this about 5 + what the copies weigh (BENCHMARKS.md).
OPEN_CHUNKS = 4


@dataclass
class _Source:
    """One chunk PDF as read for this merge: its pages' elements and MCID arrays."""

    pdf: Pdf
    kids: dict[tuple[int, int], list] = field(default_factory=dict)  # page objgen -> elements
    parents: dict[int, object] = field(default_factory=dict)  # StructParents -> MCID array
    role_map: dict[str, object] = field(default_factory=dict)
    copied: list[pikepdf.Page] = field(default_factory=list)  # the packet's copies of its pages
    ids: dict[tuple[int, int], list] = field(default_factory=dict)  # page -> [(ID, element)]

    def detach(self) -> None:
        """Give the packet its own copy of every stream its pages drew from this chunk."""
        seen: set[tuple[int, int]] = set()
        for page in self.copied:
            _own_streams(page.obj, seen)
        self.copied = []

    def close(self) -> None:
        self.detach()
        self.pdf.close()

    @classmethod
    def open(cls, path: Path) -> _Source:
        pdf = Pdf.open(path)
        source = cls(pdf)
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            raise ValueError(f"{path.name} is not a tagged chunk")
        document = root.K[0] if isinstance(root.K, Array) else root.K
        for kid in document.get("/K", Array()):
            if isinstance(kid, Dictionary) and "/Pg" in kid:
                source.kids.setdefault(kid.Pg.objgen, []).append(kid)
        nums = root.ParentTree.get("/Nums", Array())
        source.parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        source.role_map = dict(root.get("/RoleMap", Dictionary()).items())
        names = root.get("/IDTree", Dictionary()).get("/Names", Array())
        for i in range(0, len(names), 2):
            element = names[i + 1]
            if "/Pg" in element:
                source.ids.setdefault(element.Pg.objgen, []).append((names[i], element))
        return source


def _own_streams(start: pikepdf.Object, seen: set[tuple[int, int]]) -> None:
    """Replace each stream reachable from a page (not through /Parent) by its own bytes."""
    stack = [start]
    while stack:
        item = stack.pop()
        if isinstance(item, Array):
            stack.extend(item)
            continue
        if not isinstance(item, (Dictionary, pikepdf.Stream)):
            continue
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Stream):
            item.write(
                item.read_raw_bytes(),
                filter=item.get("/Filter"),
                decode_parms=item.get("/DecodeParms"),
            )
        stack.extend(value for key, value in item.items() if key not in ("/Parent", "/P"))


_PLAIN_SPAN = {"/Type", "/S", "/K", "/Pg", "/P"}


def flatten_spans(path: Path, id_prefix: str = "") -> int:
    """In a tagged chunk, put each plain Span's MCIDs into its parent; returns Spans removed.

    It also makes the chunk's element IDs (WeasyPrint gives table header cells IDs unique
    only within one document) unique in the packet with `id_prefix`, the chunk's own name,
    and lists them in an IDTree, which the merge joins.

    WeasyPrint 70 tags every run of text as a Span element of its own, with nothing but its
    marked content: two thirds of a packet's elements. A paragraph may hold the MCIDs itself
    (ISO 32000-1, 14.7.4), which reads the same and leaves the merge a third of the objects
    to copy and keep in memory. Spans with anything more (/Lang, /ActualText...) stay.
    Runs in the rendering workers, on each chunk as it is written.
    """
    with Pdf.open(path, allow_overwriting_input=True) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return 0
        replaced: dict[tuple[int, int], Dictionary] = {}
        ids: list = []
        stack = list(root.K) if isinstance(root.K, Array) else [root.K]
        while stack:
            element = stack.pop()
            _prefix_ids(element, id_prefix, ids)
            stack.extend(_fold_plain_spans(element, replaced))
        if ids:
            ids.sort(key=lambda pair: bytes(pair[0]))
            root.IDTree = Dictionary(Names=Array([item for pair in ids for item in pair]))
        _point_marked_content_at_parents(root, replaced)
        pdf.save(path)
    return len(replaced)


def _fold_plain_spans(
    element: Dictionary, replaced: dict[tuple[int, int], Dictionary]
) -> list[Dictionary]:
    """Put the MCIDs of `element`'s plain Span kids into its own /K (noting each Span it
    replaced in `replaced`); returns the kids that are elements, to visit next."""
    kids = element.get("/K")
    if not isinstance(kids, Array):
        return []
    page = element.get("/Pg")
    flat, changed, elements = [], False, []
    for kid in kids:
        if _plain_span(kid, page):
            flat.extend(kid.K if isinstance(kid.K, Array) else [kid.K])
            replaced[kid.objgen] = element
            changed = True
            continue
        flat.append(kid)
        if isinstance(kid, Dictionary) and kid.get("/Type") == Name.StructElem:
            elements.append(kid)
    if changed:
        element.K = Array(flat)
    return elements


def _point_marked_content_at_parents(
    root: Dictionary, replaced: dict[tuple[int, int], Dictionary]
) -> None:
    """In the ParentTree, marked content that belonged to a folded Span now belongs to the
    element that took its MCIDs."""
    nums = root.ParentTree.Nums
    for i in range(1, len(nums), 2):
        mcids = nums[i]
        if isinstance(mcids, Array):
            for j, reference in enumerate(mcids):
                parent = replaced.get(reference.objgen)
                if parent is not None:
                    mcids[j] = parent


def _prefix_ids(element: Dictionary, prefix: str, ids: list) -> None:
    """Prefix an element's /ID and the IDs its table attributes name (/Headers)."""
    if "/ID" in element:
        element.ID = String(prefix + str(element.ID))
        ids.append((element.ID, element))
    attributes = element.get("/A")
    if isinstance(attributes, Dictionary) and isinstance(attributes.get("/Headers"), Array):
        attributes.Headers = Array([String(prefix + str(h)) for h in attributes.Headers])


def _plain_span(kid: object, page: object) -> bool:
    if not isinstance(kid, Dictionary) or kid.get("/S") != Name.Span:
        return False
    if set(kid.keys()) != _PLAIN_SPAN or page is None or kid.Pg.objgen != page.objgen:
        return False
    mcids = kid.K if isinstance(kid.K, Array) else [kid.K]
    return all(isinstance(m, int) for m in mcids)


class _Tree:
    """The packet's structure tree as its pages are appended."""

    def __init__(self, pdf: Pdf) -> None:
        self.pdf = pdf
        self.root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=Array())
        )
        self.root.K = Array([self.document])
        self.nums: list = []
        self.next_key = 0
        self.role_map: dict[str, object] = {}
        self.ids: list[tuple[bytes, object, Dictionary]] = []  # (sort key, ID, element)

    def append(self, source: _Source, index: int, language: str = "") -> pikepdf.Page:
        """Copy page `index` of a chunk and its elements; returns the packet's page.

        `language`: the /Lang of the page's BlockQuote elements (a testimony's body).
        """
        page = source.pdf.pages[index]
        self.pdf.pages.append(page)
        copied = self.pdf.pages[-1]
        source.copied.append(copied)
        # The page first, so that qpdf maps each element's /Pg to this copy of it.
        for kid in source.kids.get(page.obj.objgen, ()):
            if "/P" in kid:
                del kid["/P"]  # the chunk's /Document: replaced by the packet's
            element = self.pdf.copy_foreign(kid)
            element.P = self.document
            self.document.K.append(element)
            if language:
                _set_language(element, language)
        for name, element in source.ids.get(page.obj.objgen, ()):
            self.ids.append((bytes(name), name, self.pdf.copy_foreign(element)))
        mcids = source.parents.get(int(page.obj.get("/StructParents", -1)))
        key = self.key()
        copied.obj.StructParents = key
        if mcids is not None:
            if not mcids.is_indirect:
                mcids = source.pdf.make_indirect(mcids)
            self.nums.extend([key, self.pdf.copy_foreign(mcids)])
        else:
            self.nums.extend([key, Array()])
        self.role_map.update(source.role_map)
        return copied

    def key(self) -> int:
        self.next_key += 1
        return self.next_key - 1

    def link(
        self, annotation: Dictionary, page: pikepdf.Page, element: Dictionary | None
    ) -> Dictionary:
        """Tag a link annotation: its Link element (a new one if None) gets a reference."""
        if element is None:
            element = self.pdf.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name.Link, P=self.document, K=Array())
            )
            self.document.K.append(element)
        reference = Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page.obj)
        kids = element.K if isinstance(element.get("/K"), Array) else Array([element.K])
        kids.append(reference)
        element.K = kids
        key = self.key()
        annotation.StructParent = key
        self.nums.extend([key, element])
        return element

    def finish(self) -> None:
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=Array(self.nums)))
        self.root.ParentTreeNextKey = self.next_key
        if self.role_map:
            self.root.RoleMap = Dictionary(self.role_map)
        if self.ids:
            self.ids.sort(key=lambda item: item[0])
            names = [value for _key, name, element in self.ids for value in (name, element)]
            self.root.IDTree = self.pdf.make_indirect(Dictionary(Names=Array(names)))
        self.pdf.Root.StructTreeRoot = self.root


def _set_language(element: Dictionary, language: str) -> None:
    """Give every BlockQuote element under `element` (itself included) a /Lang."""
    stack = [element]
    while stack:
        current = stack.pop()
        if current.get("/S") == Name.BlockQuote:
            current.Lang = String(language)
            continue
        for kid in current.get("/K", Array()):
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.StructElem:
                stack.append(kid)


def _link_elements(tree: _Tree, first: int, last: int) -> list[Dictionary]:
    """The Link elements of pages first..last-1 (the cover and contents), in order."""
    found: list[Dictionary] = []
    pages = {tree.pdf.pages[i].obj.objgen for i in range(first, last)}

    def walk(element: Dictionary) -> None:
        if element.get("/S") == Name.Link:
            found.append(element)
            return
        for kid in element.get("/K", Array()):
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.StructElem:
                walk(kid)

    for kid in tree.document.K:
        if "/Pg" in kid and kid.Pg.objgen in pages:
            walk(kid)
    return found


class _Stamp:
    """The "page X of Y" stamp's font, embedded: a subset of a bundled TrueType font."""

    def __init__(self, pdf: Pdf, template: str, total: int) -> None:
        text = set(_stamp_text(template, total, total)) | set("0123456789 /")
        text |= set(_stamp_text(template, 1, total))
        # lazy: the subsetter reads only the tables and glyphs it keeps (the same bytes, in
        # a third of the time: 0.05 s instead of 0.13 s of every tagged build).
        font = TTFont(io.BytesIO(STAMP_FONT.read_bytes()), lazy=True)  # no file left open
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in text])
        subsetter.subset(font)
        data = io.BytesIO()
        font.save(data)
        cmap = font.getBestCmap()
        units = font["head"].unitsPerEm
        widths = []
        for code in range(32, 256):
            try:
                char = bytes([code]).decode("cp1252")
            except UnicodeDecodeError:
                char = ""
            glyph = cmap.get(ord(char)) if char else None
            widths.append(round(font["hmtx"][glyph][0] * 1000 / units) if glyph else 0)
        self.widths = widths
        head, hhea = font["head"], font["hhea"]
        name = Name("/PKTNUM+Packet-Stamp")
        file = pikepdf.Stream(pdf, data.getvalue())
        file.Length1 = len(data.getvalue())
        scale = 1000 / units
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=name,
            Flags=32,
            FontBBox=Array(
                [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
            ),
            ItalicAngle=0,
            Ascent=round(hhea.ascent * scale),
            Descent=round(hhea.descent * scale),
            CapHeight=round(hhea.ascent * scale),
            StemV=80,
            FontFile2=pdf.make_indirect(file),
        )
        self.font = pdf.make_indirect(
            Dictionary(
                Type=Name.Font,
                Subtype=Name.TrueType,
                BaseFont=name,
                FirstChar=32,
                LastChar=255,
                Widths=Array(widths),
                Encoding=Name.WinAnsiEncoding,
                FontDescriptor=pdf.make_indirect(descriptor),
                ToUnicode=pdf.make_stream(_to_unicode(text)),
            )
        )

    def width(self, label: bytes) -> float:
        return sum(self.widths[b - 32] if b >= 32 else 0 for b in label) * FOOTER_SIZE / 1000


def _to_unicode(text: set[str]) -> bytes:
    """A ToUnicode CMap for the stamp's characters in WinAnsi (cp1252) codes."""
    printable = (c for c in text if c.isprintable() and ord(c) < 0x10000)
    return to_unicode_cmap(((c.encode("cp1252")[0], c) for c in printable), 1)


def _footer_form(pdf: Pdf, part: PagePart) -> pikepdf.Object:
    """The footer chunk's page as a form, its marked content removed (drawn as an artifact)."""
    source = Pdf.open(part.path)
    form = pikepdf.Page(source.pages[part.first]).as_form_xobject()
    operations = [
        (operands, operator)
        for operands, operator in pikepdf.parse_content_stream(form)
        if str(operator) not in _MARKED
    ]
    form.write(pikepdf.unparse_content_stream(operations))
    copied = pdf.copy_foreign(form)
    _own_streams(copied, set())
    source.close()
    return copied


def _stamp_pages(pdf: Pdf, template: str, footer: pikepdf.Object | None) -> None:
    """Draw the footer and "page X of Y" on every page, as pagination artifacts."""
    total = len(pdf.pages)
    stamp = _Stamp(pdf, template, total)
    opening = pdf.make_stream(b"q\n")
    for number, page in enumerate(pdf.pages, start=1):
        resources_ = page.obj.get("/Resources")
        if resources_ is None:
            resources_ = page.obj.Resources = Dictionary()
        if "/Font" not in resources_:
            resources_.Font = Dictionary()
        resources_.Font.FPacketNo = stamp.font
        if footer is not None:
            if "/XObject" not in resources_:
                resources_.XObject = Dictionary()
            resources_.XObject.FPacketFooter = footer
        label = page_label(template, number, total)
        x = float(page.mediabox[2]) - FOOTER_RIGHT_MARGIN - stamp.width(label)
        drawn = (
            b"Q "
            + _ARTIFACT
            + b" q "
            + (b"/FPacketFooter Do " if footer is not None else b"")
            + b"BT /FPacketNo %.2f Tf %s rg %.2f %.2f Td ("
            % (FOOTER_SIZE, FOOTER_RGB, x, FOOTER_BASELINE)
            + label
            + b") Tj ET Q EMC\n"
        )
        page.contents_add(opening, prepend=True)
        page.contents_add(pdf.make_stream(drawn), prepend=False)


def _outline(pdf: Pdf, outline: list[OutlineItem]) -> None:
    with pdf.open_outline() as tree:
        parents: list[list] = [tree.root]
        for item in outline:
            del parents[item.level + 1 :]
            while len(parents) < item.level + 1:
                parents.append(parents[-1])
            if item.top is not None:
                destination = pikepdf.make_page_destination(pdf, item.page, "XYZ", top=item.top)
            else:
                destination = pikepdf.make_page_destination(pdf, item.page, "Fit")
            created = pikepdf.OutlineItem(item.title, destination)
            created.is_closed = item.level != 0
            parents[-1].append(created)
            parents.append(created.children)


def _distinct_links(links: list[LinkArea]) -> list[LinkArea]:
    """The link areas less those inside the one before (one per link, as WeasyPrint tags).

    A contents entry's count is a <span> in its title's <a>: WeasyPrint reports it as a
    second area inside the first, but tags one Link element.
    """
    kept: list[LinkArea] = []
    for area in links:
        last = kept[-1] if kept else None
        if (
            last is not None
            and (last.page, last.target_page, last.target_top)
            == (area.page, area.target_page, area.target_top)
            and all(a <= b + 0.5 for a, b in zip(last.rect[:2], area.rect[:2], strict=True))
            and all(a >= b - 0.5 for a, b in zip(last.rect[2:], area.rect[2:], strict=True))
        ):
            continue
        kept.append(area)
    return kept


def _links(pdf: Pdf, tree: _Tree, links: list[LinkArea], cover_pages: int) -> None:
    """The contents' links, each tagged, with its destination said in /Contents."""
    elements = _link_elements(tree, 0, min(cover_pages, len(pdf.pages)))
    areas = _distinct_links(links)
    matched = len(elements) == len(areas)
    for index, area in enumerate(areas):
        page = pdf.pages[area.page]
        target = pdf.pages[area.target_page].obj
        destination = (
            Array([target, Name.XYZ, None, area.target_top, None])
            if area.target_top is not None
            else Array([target, Name.Fit])
        )
        annotation = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(area.rect),
                Border=Array([0, 0, 0]),
                F=4,  # print (PDF/A)
                Dest=destination,
                Contents=String(f"Go to page {area.target_page + 1}"),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = Array()
        page.obj.Annots.append(annotation)
        tree.link(annotation, page, elements[index] if matched else None)


def _xmp(metadata: dict[str, str], lang: str) -> bytes:
    """XMP claiming PDF/A-2u and PDF/UA-1, with the PDF/A extension schema for pdfuaid."""
    title, author = escape(metadata.get("Title", "")), escape(metadata.get("Author", ""))
    subject, keywords = escape(metadata.get("Subject", "")), escape(metadata.get("Keywords", ""))
    creator, producer = escape(metadata.get("Creator", "")), escape(metadata.get("Producer", ""))
    lang = escape(lang or "x-default")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description>
    <rdf:Alt>
    <rdf:li xml:lang="x-default">{subject}</rdf:li>
   </rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <pdf:Producer>{producer}</pdf:Producer>
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <pdfaid:part>{PDFA_PART}</pdfaid:part>
   <pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>
   <pdfuaid:part>{PDFUA_PART}</pdfuaid:part>
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>The part of ISO 14289 followed</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def _catalog(pdf: Pdf, metadata: dict[str, str], lang: str) -> None:
    """Document information, XMP, language, output intent and the flags readers look for."""
    for key, value in metadata.items():
        pdf.docinfo[Name(f"/{key}")] = String(value)
    stream = pdf.make_stream(_xmp(metadata, lang))
    stream.Type, stream.Subtype = Name.Metadata, Name.XML
    pdf.Root.Metadata = stream
    pdf.Root.Lang = String(lang)
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    pdf.Root.PageMode = Name.UseOutlines
    pdf.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
    profile = _srgb_profile()
    icc = pdf.make_stream(profile)
    icc.N = 3
    pdf.Root.OutputIntents = Array(
        [
            Dictionary(
                Type=Name.OutputIntent,
                S=Name.GTS_PDFA1,
                OutputConditionIdentifier=String("sRGB2014.icc"),
                Info=String("sRGB2014.icc"),
                DestOutputProfile=icc,
            )
        ]
    )


def _srgb_profile() -> bytes:
    """WeasyPrint's sRGB ICC profile, read from its package without importing WeasyPrint
    (the merging process need not load it)."""
    spec = importlib.util.find_spec("weasyprint")
    if spec is None or spec.origin is None:
        raise RuntimeError("WeasyPrint is not installed")
    return (Path(spec.origin).parent / "pdf" / "sRGB2014.icc").read_bytes()


def _open(sources: OrderedDict[Path, _Source], path: Path) -> _Source:
    """The open chunk at `path`, opened now if need be; the least recently used closed."""
    source = sources.get(path)
    if source is None:
        source = sources[path] = _Source.open(path)
        while len(sources) > OPEN_CHUNKS:
            sources.popitem(last=False)[1].close()
    sources.move_to_end(path)
    return source


def merge_tagged(
    parts: Iterable[PagePart],
    out: BinaryIO,
    *,
    footer: PagePart | None,
    page_of: str,
    outline: list[OutlineItem],
    links: list[LinkArea],
    metadata: dict[str, str],
    lang: str,
    on_stage: Callable[[str, float], None] | None = None,
    cover_pages: int = 0,
    languages: dict[int, str] | None = None,
) -> int:
    """Write the tagged packet made of `parts` to `out`; returns its page count.

    `cover_pages`: the first part's page count (its Link elements are the contents');
    `languages`: part index -> language of the testimony body on its pages.
    """
    languages = languages or {}
    metadata = {**metadata, "Producer": "WeasyPrint + pikepdf"}
    pdf = Pdf.new()
    tree = _Tree(pdf)
    sources: OrderedDict[Path, _Source] = OrderedDict()  # the open chunks, last used last
    used: set[tuple[Path, int]] = set()
    parts = list(parts)
    for number, part in enumerate(parts):
        language = languages.get(number, "")
        for index in range(part.first, part.first + part.count):
            if (part.path, index) in used:
                # qpdf would add the very same page object twice; read a fresh copy.
                once = _Source.open(part.path)
                tree.append(once, index, language)
                once.close()
                continue
            used.add((part.path, index))
            tree.append(_open(sources, part.path), index, language)
        if on_stage and number % 50 == 0:
            on_stage("merging", number / max(len(parts), 1))
    total = len(pdf.pages)
    _stamp_pages(pdf, page_of, _footer_form(pdf, footer) if footer is not None else None)
    _links(pdf, tree, links, cover_pages)
    tree.finish()
    _outline(pdf, outline)
    _catalog(pdf, metadata, lang)
    if on_stage:
        on_stage("merging", 1.0)
    # Object streams: the roster's hundred thousand list items, compressed (PDF/A-2 allows them).
    pdf.save(
        out,
        min_version="1.7",
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return total


def write_volume(
    packet: Path,
    cover: Path,
    span: tuple[int, int],
    out: BinaryIO,
    *,
    metadata: dict[str, str],
    lang: str,
    title: str,
) -> int:
    """One volume of a tagged packet: its own (tagged) cover, then the packet's pages
    span[0]..span[1]-1 with their structure elements; returns its page count.

    The contents' links would lead into other volumes: their annotations are dropped and
    their Link elements keep their text. Page labels give each page its number in the whole
    packet, as stamped on it."""
    pdf = Pdf.new()
    tree = _Tree(pdf)
    front, source = _Source.open(cover), _Source.open(packet)
    try:
        for index in range(len(front.pdf.pages)):
            tree.append(front, index)
        linked = []  # the volume's pages that had links (the contents)
        for index in range(*span):
            page = tree.append(source, index)
            if "/Annots" in page.obj:
                del page.obj["/Annots"]
                linked.append(len(pdf.pages) - 1)
        if linked:
            for element in _link_elements(tree, linked[0], linked[-1] + 1):
                kids = element.K if isinstance(element.get("/K"), Array) else Array([element.K])
                element.K = Array([k for k in kids if not _is_annotation_reference(k)])
        tree.finish()
        _outline(pdf, [OutlineItem(0, title, 0, None), *_outline_within(source, span)])
        _catalog(pdf, metadata, lang)
        first = Dictionary(S=Name.D, St=span[0] + 1)
        pdf.Root.PageLabels = Dictionary(
            Nums=Array([0, Dictionary(P=String(title)), len(front.pdf.pages), first])
        )
        pdf.save(
            out,
            min_version="1.7",
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        return len(pdf.pages)
    finally:
        front.pdf.close()
        source.pdf.close()


def _outline_within(source: _Source, span: tuple[int, int]) -> list[OutlineItem]:
    """The packet's bookmarks to pages span[0]..span[1]-1, as a volume (whose cover is page
    0) numbers them."""
    found: list[OutlineItem] = []
    pages = {page.objgen: i for i, page in enumerate(source.pdf.pages)}

    def walk(items: list, level: int) -> None:
        for item in items:
            destination = item.destination
            if isinstance(destination, Array) and len(destination):
                page = pages.get(destination[0].objgen)
                if page is not None and span[0] <= page < span[1]:
                    top = float(destination[3]) if len(destination) > 3 else None
                    found.append(OutlineItem(level, item.title, 1 + page - span[0], top))
            walk(item.children, level + 1)

    with source.pdf.open_outline() as outline:
        walk(outline.root, 0)
    return _flattened_levels(found)


def _flattened_levels(items: list[OutlineItem]) -> list[OutlineItem]:
    """Levels that never jump by more than one (a volume can start inside a section)."""
    fixed: list[OutlineItem] = []
    for item in items:
        ceiling = fixed[-1].level + 1 if fixed else 0
        fixed.append(dataclasses.replace(item, level=min(item.level, ceiling)))
    return fixed


def _is_annotation_reference(kid: object) -> bool:
    return isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR
