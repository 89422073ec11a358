"""Many slips converted in one LibreOffice document, the PDF then cut per slip.

Most of LibreOffice's time for a one-page slip is per document (loading, font subsetting, PDF set-up), so slips
made from the same template (the same styles, settings, numbering, fonts and theme) are put one after another into
one .docx (`compose`): each slip is its own section (or sections) starting on a new page with its page numbers
from 1, its own page setup, headers and footers; a bookmark at the start of its first paragraph and at the start
of its last one is exported as a PDF named destination, which says exactly on which pages the slip lies (`ranges`).
Each slip's pages are then written as its own PDF (`cut`): PDF/A-2b as exported, the slip's own metadata (title,
author, subject, keywords as LibreOffice writes them from the .docx; dates as exported, then stamped by the
caller), and only the glyphs of its own pages in each embedded font (`subset_type1`).

What cannot be merged without changing how a slip looks is converted alone, as before (`eligible` says why): a
field other than PAGE (NUMPAGES would count the whole batch), footnotes, endnotes, comments, automatic numbering
(a list would continue from one slip into the next), a body that ends with a paragraph breaking a section itself
(a body that ends with a table gets the empty paragraph Writer would add, carrying the section break). A merged
document that fails, and every slip whose pages cannot be found in it or cannot be cut, is converted alone.
Composing and cutting run in worker processes (forked, killed with docgen) beside LibreOffice's.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import io
import math
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from lxml import etree

from ..core import forked
from ..core.files import atomic_write_bytes
from .gbt9704 import package_bytes

# the parts that must be the same for slips to share one document (styles, numbering, settings, fonts, theme)
SHARED_PARTS = ("word/styles.xml", "word/settings.xml", "word/numbering.xml", "word/fontTable.xml",
                "word/theme/theme1.xml", "word/stylesWithEffects.xml", "word/webSettings.xml")
MAX_MERGED = 60  # slips in one merged document: font subsets and the cut stay quick, a failure costs little
MARK = "docgenslip"  # bookmark names: docgenslip<i>a (start) and docgenslip<i>z (end)
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = {"w": nsmap["w"]}
_PARAS = etree.XPath(".//w:p[not(ancestor::w:txbxContent)]", namespaces=W)
_SECTS = etree.XPath("./w:pPr/w:sectPr", namespaces=W)
_SECTPR = re.compile(rb"<w:sectPr\b(?:[^>]*/>|.*?</w:sectPr>)", re.S)
_REF = re.compile(rb'<w:(header|footer)Reference\b[^>]*?w:type="(\w+)"')
_FIELD = re.compile(rb'<w:instrText[^>]*>\s*([A-Za-z]+)|w:instr="\s*([A-Za-z]+)')
_ALONE_ONLY = (b"<w:footnoteReference", b"<w:endnoteReference", b"<w:commentReference", b"<w:altChunk",
               b"<w:subDoc", b"<w:numPr")


def eligible(docx: Path) -> tuple[str | None, str]:
    """(signature, "") for a .docx that can be converted merged with others of the same signature, or
    (None, why not)."""
    try:
        with open(docx, "rb") as f, zipfile.ZipFile(f) as z:
            names = set(z.namelist())
            doc = z.read("word/document.xml")
            h = hashlib.sha256()
            stored = {name: _stored(f, z.getinfo(name)) for name in SHARED_PARTS if name in names}
            for name in SHARED_PARTS:
                h.update(name.encode() + b"\0" + stored.get(name, b"-") + b"\0")
            styles = _styles_of(z, stored["word/styles.xml"]) if "word/styles.xml" in stored else None
            others = [z.read(n) for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n)]
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        return None, f"不是可读的 .docx（{e}）"
    for part in [doc, *others]:
        for m in _FIELD.finditer(part):
            word = (m.group(1) or m.group(2)).upper()
            if word != b"PAGE":
                return None, f"域 {word.decode()}"
        for tag in _ALONE_ONLY:
            if tag in part:
                return None, tag.decode()[1:]
    if not _ends_plain(doc):
        return None, "正文结尾的段落带有分节符"
    # a section without a header or footer of some kind inherits the previous section's: a slip's first section
    # must name every kind its sections use, and only slips naming the same kinds share a document (none of
    # them then inherits one from the slip before it)
    sections = [set(_REF.findall(block)) for block in _SECTPR.findall(doc)] or [set()]
    if set().union(*sections) - sections[0]:
        return None, "后面的节有第一节没有的页眉或页脚"
    h.update(repr(sorted(sections[0])).encode())
    numbered, parent = styles or (frozenset(), {})
    if numbered:  # a style with numbering that the slip uses would continue from slip to slip
        used = set(re.findall(rb'<w:pStyle w:val="([^"]+)"', doc))
        todo = list(used)
        while todo:  # and the styles they are based on
            p = parent.get(todo.pop())
            if p and p not in used:
                used.add(p)
                todo.append(p)
        if numbered & used:
            return None, "自动编号的样式"
    return h.hexdigest(), ""


def _stored(f, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes as the zip stores them (compressed), with its compression method: the same bytes are the
    same part, so slips whose shared parts are stored alike share a document (the slips of one template, written
    by one writer) without each part being inflated and hashed; the same part compressed differently only keeps
    two slips apart. Read at its local header (ZipInfo.header_offset, compress_size)."""
    f.seek(info.header_offset)
    head = f.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}：本地文件头损坏")
    name, extra = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
    f.seek(info.header_offset + 30 + name + extra)
    data = f.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename}：数据不完整")
    return b"%d:" % info.compress_type + data


_STYLES: dict[bytes, tuple[frozenset, dict]] = {}  # a styles.xml as stored (_stored) -> _numbered_styles of it


def _styles_of(z: zipfile.ZipFile, stored: bytes) -> tuple[frozenset, dict]:
    """_numbered_styles of the zip's styles.xml, inflated once a process for the slips that store it alike."""
    found = _STYLES.get(stored)
    if found is None:
        if len(_STYLES) > 16:
            _STYLES.clear()
        found = _STYLES[stored] = _numbered_styles(z.read("word/styles.xml"))
    return found


def _numbered_styles(styles: bytes) -> tuple[frozenset, dict]:
    """The styles that number their paragraphs, and each style's parent (basedOn), of a styles.xml (the slips
    of one template share it: worked out once)."""
    numbered, parent = set(), {}
    for m in re.finditer(rb'<w:style [^>]*?w:styleId="([^"]+)"(.*?)</w:style>', styles, re.S):
        if b"<w:numPr" in m.group(2):
            numbered.add(m.group(1))
        based = re.search(rb'<w:basedOn w:val="([^"]+)"', m.group(2))
        if based:
            parent[m.group(1)] = based.group(1)
    return frozenset(numbered), parent


# ---------------------------------------------------------------- compose

def _paragraphs(elements) -> list:
    out = []
    for el in elements:
        if el.tag == qn("w:p"):
            out.append(el)
        out += _PARAS(el) if el.tag != qn("w:p") else []
    return out


def _bookmark(p, name: str, bid: int, at_end: bool) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bid))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bid))
    if at_end:
        p.append(start)
        p.append(end)
    else:
        ppr = p.find(qn("w:pPr"))
        i = 0 if ppr is None else list(p).index(ppr) + 1
        p.insert(i, start)
        p.insert(i + 1, end)


def _import_rels(src_part, dst_part, elements, cache: dict) -> None:
    """Every relationship an element refers to (r:id, r:embed, … — headers, footers, images, links) made in
    the merged document, the references renumbered."""
    for el in elements:
        for node in el.iter():
            for attr, value in list(node.attrib.items()):
                if not attr.startswith("{%s}" % R_NS):
                    continue
                if value not in cache:
                    rel = src_part.rels[value]
                    if rel.is_external:
                        cache[value] = dst_part.relate_to(rel.target_ref, rel.reltype, is_external=True)
                    else:
                        cache[value] = dst_part.relate_to(rel.target_part, rel.reltype)
                node.set(attr, cache[value])


def _unique_partnames(package) -> None:
    """Parts brought from the slips (header1.xml of each) renamed so that no two share a name."""
    seen = set()
    for part in list(package.iter_parts()):
        if part.partname in seen:
            stem, ext = os.path.splitext(part.partname)
            tmpl = re.sub(r"\d*$", "", stem) + "%d" + ext
            n = 1
            while tmpl % n in seen:
                n += 1
            part.partname = PackURI(tmpl % n)
        seen.add(part.partname)


# CT_SectPr's children in schema order
_SECT_ORDER = ("w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz",
               "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt",
               "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid",
               "w:printerSettings", "w:sectPrChange")


def _insert_before(parent, el, successors) -> None:
    for child in parent:
        if child.tag in {qn(t) for t in successors}:
            child.addprevious(el)
            return
    parent.append(el)


def compose(files: list[Path], target: Path) -> None:
    """The slips one after another in one .docx, each starting on a new page with page numbers from 1 and
    bookmarked (MARK) at its start and end."""
    base = Document(str(files[0]))
    body = base.element.body
    bid = 900000
    for i, f in enumerate(files):
        src = base if i == 0 else _body_only(f)
        sbody = src.element.body
        elements = [el for el in sbody if el.tag != qn("w:sectPr")]
        made_last = elements[-1].tag != qn("w:p") and i < len(files) - 1
        if made_last:
            # Writer ends a document that ends with a table with an empty paragraph of the default style: made
            # here, to carry the section break
            elements.append(OxmlElement("w:p"))
            if i == 0:
                sbody.find(qn("w:sectPr")).addprevious(elements[-1])
        final = sbody.find(qn("w:sectPr"))
        final = copy.deepcopy(final) if final is not None else OxmlElement("w:sectPr")
        if i:
            elements = [copy.deepcopy(el) for el in elements]
            _import_rels(src.part, base.part, elements + [final], {})
        paras = _paragraphs(elements)
        _bookmark(paras[0], f"{MARK}{i}a", bid, at_end=False)
        # at the start of the last paragraph too: a bookmark after its last character changes how Writer spaces a
        # closing 。 (a last paragraph that runs onto a next page leaves a page between slips: converted alone)
        _bookmark(paras[-2] if made_last else paras[-1], f"{MARK}{i}z", bid + 1, at_end=False)
        bid += 2
        if i:
            sects = [el for p in paras for el in _SECTS(p)] + [final]
            first = sects[0]
            t = first.find(qn("w:type"))
            if t is None:
                t = OxmlElement("w:type")
                _insert_before(first, t, _SECT_ORDER[_SECT_ORDER.index("w:type") + 1:])
            t.set(qn("w:val"), "nextPage")
            pg = first.find(qn("w:pgNumType"))
            if pg is None:
                pg = OxmlElement("w:pgNumType")
                _insert_before(first, pg, _SECT_ORDER[_SECT_ORDER.index("w:pgNumType") + 1:])
            if pg.get(qn("w:start")) is None:
                pg.set(qn("w:start"), "1")
        last = elements[-1]
        if i < len(files) - 1:  # the slip's last section ends at its last paragraph
            ppr = last.find(qn("w:pPr"))
            if ppr is None:
                ppr = OxmlElement("w:pPr")
                last.insert(0, ppr)
            change = ppr.find(qn("w:pPrChange"))
            (change.addprevious if change is not None else ppr.append)(final)
        if i:
            anchor = body.find(qn("w:sectPr"))
            for el in elements:
                anchor.addprevious(el)
            if i == len(files) - 1:
                body.replace(anchor, final)
    _unique_partnames(base.part.package)
    atomic_write_bytes(target, package_bytes(base, dt.datetime(2026, 1, 1), stored=True))


def _body_only(docx: Path):
    """A slip after the first of a merged document, opened for its body: only its main part is parsed, every
    other part (styles, settings, … the first slip's stand for them; headers and footers, carried over as they
    are) kept as its bytes (oxml.open_choosing)."""
    from docx.opc.part import Part

    from .oxml import open_choosing

    return open_choosing(str(docx), lambda content_type: None if content_type.endswith(".document.main+xml") else Part)


def _ends_plain(doc: bytes) -> bool:
    """The slip's body does not end with a paragraph that breaks a section itself (an empty last section)."""
    body = etree.fromstring(doc).find(qn("w:body"))
    kids = [el for el in body if el.tag != qn("w:sectPr")]
    return bool(kids) and not (kids[-1].tag == qn("w:p") and kids[-1].find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None)


# ---------------------------------------------------------------- cut

_SHOW = {b"Tj", b"TJ", b"'", b'"'}
_MARKS = {b"Tj", b"TJ", b"'", b'"', b"Do", b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"sh", b"BI",
          b"INLINE IMAGE"}


def _raw(s) -> bytes:
    return s.original_bytes if hasattr(s, "original_bytes") else bytes(s)


# LibreOffice's content streams: text in hex strings, fonts set with Tf in each text object
_TOKENS = re.compile(rb"/([^\s/\[\]<>()%]+)\s+[-+\d.]+\s+Tf(?![^\s\[\]<>()/%])|<([0-9A-Fa-f\s]*)>"
                     rb"|(?<![^\s\[\]<>()/%])(Tj|TJ|'|\"|Do|f\*?|F|S|s|B\*?|b\*?|sh|BI|q|Q)(?![^\s\[\]<>()/%])")


def _page_use(page) -> tuple[dict[str, set], bool]:
    """Which character codes a page shows in each font (by resource name), and whether it marks the page at all.
    Every hex string counts as shown in the font last set (a string that is not text, such as a marked-content
    property, only keeps a glyph more)."""
    contents = page.get_contents()
    if contents is None:
        return {}, False
    data = contents.get_data()
    fonts = (page.get("/Resources") or {}).get("/Font") or {}
    fonts = fonts.get_object() if hasattr(fonts, "get_object") else fonts
    if b"(" in data or not all(re.fullmatch(r"/[A-Za-z0-9_.+-]+", k) for k in fonts.keys()):
        # literal strings, or font names written with # escapes: pypdf's parser
        return _page_use_parsed(page, contents)
    font, stack, used, marks = None, [], {}, False
    for m in _TOKENS.finditer(data):
        name, hexa, op = m.groups()
        if name is not None:
            font = "/" + name.decode("latin-1")
        elif hexa is not None:
            digits = re.sub(rb"\s", b"", hexa)
            if font is not None:
                used.setdefault(font, set()).update(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        elif op == b"q":
            stack.append(font)
        elif op == b"Q":
            font = stack.pop() if stack else font
        else:
            marks = True
    return used, marks


def _page_use_parsed(page, contents) -> tuple[dict[str, set], bool]:
    from pypdf.generic import ContentStream

    font, stack, used, marks = None, [], {}, False
    for operands, op in ContentStream(contents, page.pdf).operations:
        if op == b"Tf":
            font = str(operands[0])
        elif op == b"q":
            stack.append(font)
        elif op == b"Q":
            font = stack.pop() if stack else font
        if op in _MARKS:
            marks = True
        if op in _SHOW and font is not None:
            codes = used.setdefault(font, set())
            strings = operands[0] if op == b"TJ" else [operands[-1]]
            for s in strings:
                if not isinstance(s, (int, float)) and hasattr(s, "__len__") and not isinstance(s, list):
                    codes.update(_raw(s))
    return used, marks


def ranges(reader, n: int) -> list[tuple[int, int] | None]:
    """Each slip's first and last page in the merged PDF, or None when they cannot be trusted.

    A slip starts where its first bookmark is and ends before the next slip starts (or at the end), less the
    blank page Writer puts before a next slip's page 1 when it would otherwise be a left-hand page. A blank page
    there is the slip's own only when its last bookmark (at the start of its last paragraph, which never lies
    after the slip's last page) is on it. Untrusted: a bookmark missing (the slip's, or the next slip's start),
    bookmarks out of order, the first slip not on the first page, a last bookmark after the slip's end."""
    where = {}
    for name, dest in reader.named_destinations.items():
        try:
            where[str(name).lstrip("/")] = reader.get_destination_page_number(dest)
        except Exception:  # a destination without a page
            continue
    pages = len(reader.pages)
    starts = [where.get(f"{MARK}{i}a") for i in range(n)]
    ends = [where.get(f"{MARK}{i}z") for i in range(n)]
    out: list = []
    for i in range(n):
        a, z = starts[i], ends[i]
        later = [s for s in starts[i + 1:] if s is not None]
        stop = later[0] if later else pages  # where the next slip found starts
        before = [x for x in starts[:i] + ends[:i] if x is not None]  # the slips before end before this one
        if (a is None or z is None or not 0 <= a <= z < pages or (i == 0 and a != 0) or stop <= a
                or any(s is None for s in starts[i + 1:i + 2]) or (before and a <= max(before))):
            out.append(None)
            continue
        last = stop - 1
        if last > z and last > a and not _page_use(reader.pages[last])[1]:
            last -= 1  # the blank page before the next slip's page 1
        out.append((a, last) if z <= last else None)
    return out


_CORE = {"title": "{http://purl.org/dc/elements/1.1/}title", "author": "{http://purl.org/dc/elements/1.1/}creator",
         "subject": "{http://purl.org/dc/elements/1.1/}subject",
         "keywords": "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords"}


def core(docx: Path) -> dict[str, str]:
    """The .docx properties LibreOffice puts in a PDF's metadata: title, author, subject, keywords."""
    with zipfile.ZipFile(docx) as z:
        try:
            root = etree.fromstring(z.read("docProps/core.xml"))
        except KeyError:
            return {k: "" for k in _CORE}
    return {k: (root.findtext(tag) or "").strip() for k, tag in _CORE.items()}


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xmp(meta: dict[str, str], producer: str, tool: str, created: str) -> bytes:
    """The XMP packet LibreOffice 7.4 writes for a PDF/A-2b document with these properties."""
    dc = ""
    if meta["title"]:
        dc += ('   <dc:title>\n    <rdf:Alt>\n     <rdf:li xml:lang="x-default">%s</rdf:li>\n    </rdf:Alt>\n'
               '   </dc:title>\n' % _esc(meta["title"]))
    if meta["author"]:
        dc += '   <dc:creator>\n    <rdf:Seq>\n     <rdf:li>%s</rdf:li>\n    </rdf:Seq>\n   </dc:creator>\n' % _esc(
            meta["author"])
    if meta["subject"]:
        dc += ('   <dc:description>\n    <rdf:Alt>\n     <rdf:li xml:lang="x-default">%s</rdf:li>\n    </rdf:Alt>\n'
               '   </dc:description>\n' % _esc(meta["subject"]))
    pdf = f"   <pdf:Producer>{_esc(producer)}</pdf:Producer>\n"
    if meta["keywords"]:
        pdf += f"   <pdf:Keywords>{_esc(meta['keywords'])}</pdf:Keywords>\n"
    text = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
            '   <pdfaid:part>2</pdfaid:part>\n   <pdfaid:conformance>B</pdfaid:conformance>\n  </rdf:Description>\n'
            + ('  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + dc
               + '  </rdf:Description>\n' if dc else "")
            + '  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n' + pdf
            + '  </rdf:Description>\n'
            '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
            f'   <xmp:CreatorTool>{_esc(tool)}</xmp:CreatorTool>\n   <xmp:CreateDate>{created}</xmp:CreateDate>\n'
            '  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n'
            + (" " * 100 + "\n") * 20 + '<?xpacket end="w"?>\n')
    return text.encode("utf-8")


_CHARSTRING = re.compile(rb"/([^\s/\[\]{}()<>%]+) (\d+) (RD|-\|) ")
EEXEC = 55665  # the key of a Type 1 font program's private part (Adobe Type 1 Font Format, 7.2)


_NEXT = [(x * 52845 + 22719) & 0xFFFF for x in range(65536 + 256)]  # the cipher's next key from (byte + key)


def _decrypt(data: bytes, _next=_NEXT) -> bytes:
    """eexec decryption from the eexec key (Adobe Type 1 Font Format, 7.2; fontTools.misc.eexec does the same a
    character at a time, several times slower: a merged batch's fonts are large)."""
    r = EEXEC
    out = bytearray()
    put = out.append
    for c in data:
        put(c ^ (r >> 8))
        r = _next[c + r]
    return bytes(out)


def _eexec_from(data: bytes, r: int, _next=_NEXT) -> tuple[bytes, int]:
    """eexec encryption of `data` from the cipher state r: the encrypted bytes and the state after them."""
    out = bytearray()
    put = out.append
    for p in data:
        c = p ^ (r >> 8)
        put(c)
        r = _next[c + r]
    return bytes(out), r


# Each glyph of a cut slip's font is encrypted once per batch, not once per slip: after each glyph entry (and after
# the part before the glyphs) comes whitespace chosen to bring the cipher to one fixed state, so a glyph's encrypted
# bytes are the same in every slip that keeps it. PostScript reads any run of whitespace between two tokens as
# one separator (PLRM 3.2.2); the font program is the same program.
SYNC = EEXEC  # the state every glyph entry is encrypted from
_PAD = b"\n \t\r"  # whitespace (PLRM 3.2.2), the first always written: an entry never runs into the next token


@functools.cache
def _pads() -> list[bytes]:
    """For each cipher state: the shortest whitespace (of _PAD's characters) whose encryption from it leads to
    SYNC. One breadth-first search backwards from SYNC over the 4 × 65,536 steps (about 0.3 s); every state gets
    one, of at most 10 characters (tests/test_merged_conversion.py checks each with fontTools' eexec)."""
    steps = [[_NEXT[(p ^ (r >> 8)) + r] for r in range(65536)] for p in _PAD]
    back: list[list[tuple[int, int]]] = [[] for _ in range(65536)]
    for p, step in zip(_PAD, steps):
        for r, t in enumerate(step):
            back[t].append((r, p))
    pads: list = [None] * 65536
    pads[SYNC] = b""
    frontier = [SYNC]
    while frontier:
        nxt = []
        for t in frontier:
            tail = pads[t]
            for r, p in back[t]:
                if pads[r] is None:
                    pads[r] = bytes((p,)) + tail
                    nxt.append(r)
        frontier = nxt
    if None in pads:
        raise RuntimeError("eexec: a cipher state no whitespace leads to SYNC from")
    return pads


def _synced(data: bytes, r: int) -> bytes:
    """`data` followed by whitespace, encrypted from state r so that the cipher ends at SYNC."""
    secret, r = _eexec_from(data + _PAD[:1], r)
    return secret + _eexec_from(_pads()[r], r)[0]


@dataclass
class Type1:
    """An embedded Type 1 font program taken apart: its clear part, the private part up to the glyphs, each
    glyph's charstring entry, what follows the glyphs, and the trailer. `secrets`: each glyph entry, with the
    whitespace after it, encrypted from SYNC to SYNC (filled as slips keep them)."""

    clear: bytes
    head: bytes
    glyphs: dict[bytes, bytes]
    tail: bytes
    trailer: bytes
    names: dict[int, bytes]  # character code → glyph name (the font's built-in encoding)
    secrets: dict[bytes, bytes] = field(default_factory=dict)

    def encrypt(self, kept: list[bytes], synced: bool) -> bytes:
        """The private part with only these glyph entries (names, in the font's order), encrypted. synced: the
        part before the glyphs from the eexec key, each glyph from SYNC (once per font), the rest after them;
        otherwise all at once, as LibreOffice writes it (for a few slips, quicker than the table of _pads)."""
        head = self.head + b"/CharStrings %d dict dup begin\n" % len(kept)
        if not synced:
            return _eexec_from(head + b"".join(self.glyphs[n] for n in kept) + self.tail, EEXEC)[0]
        parts = [_synced(head, EEXEC)]
        for name in kept:
            secret = self.secrets.get(name)
            if secret is None:
                secret = self.secrets[name] = _synced(self.glyphs[name], SYNC)
            parts.append(secret)
        parts.append(_eexec_from(self.tail, SYNC)[0])
        return b"".join(parts)


def parse_type1(font_file) -> Type1 | None:
    """A FontFile stream taken apart, or None when it is not laid out as LibreOffice writes it."""
    data = font_file.get_data()
    l1, l2 = int(font_file.get("/Length1", 0)), int(font_file.get("/Length2", 0))
    if not l1 or not l2 or l1 + l2 > len(data):
        return None
    clear, trailer = data[:l1], data[l1 + l2:]
    plain = _decrypt(data[l1:l1 + l2])
    start = re.search(rb"/CharStrings (\d+) dict dup begin\n", plain)
    if not start:
        return None
    glyphs, pos = {}, start.end()
    while True:
        m = _CHARSTRING.match(plain, pos)
        if not m:
            break
        end = m.end() + int(m.group(2))
        nd = re.match(rb" (ND|\|-)\n?", plain[end:end + 4])
        if not nd:
            return None
        glyphs[m.group(1)] = plain[pos:end + nd.end()]
        pos = end + nd.end()
    if len(glyphs) != int(start.group(1)) or b".notdef" not in glyphs:
        return None
    names = {int(c): n for c, n in re.findall(rb"dup (\d+) /(\S+) put", clear)}
    return Type1(clear, plain[:start.start()], glyphs, plain[pos:], trailer, names)


def subset_type1(font_file, font: Type1, codes: set[int], synced: bool = False) -> None:
    """The FontFile stream with only the glyphs of these character codes (and .notdef) of `font` (the same
    font program taken apart); synced: see Type1.encrypt."""
    from pypdf.generic import NameObject, NumberObject

    keep = {b".notdef"} | {font.names[c] for c in codes if c in font.names}
    kept = [name for name in font.glyphs if name in keep]
    if len(kept) == len(font.glyphs):  # every glyph shown: the program as it is
        return
    secret = font.encrypt(kept, synced)
    font_file.set_data(font.clear + secret + font.trailer)
    font_file[NameObject("/Length1")] = NumberObject(len(font.clear))
    font_file[NameObject("/Length2")] = NumberObject(len(secret))


def prepare(reader) -> list[dict[str, set]]:
    """Each page of the merged PDF made ready to be cut: its resources its own, with only the fonts it uses (the
    exported pages share one resource dictionary with every font of the batch), no structure-tree link (the
    structure tree is the whole batch's). Returns the codes each page shows per font."""
    from pypdf.generic import DictionaryObject, NameObject

    uses = []
    for page in reader.pages:
        used, _ = _page_use(page)
        res = page.get("/Resources")
        res = res.get_object() if res is not None else DictionaryObject()
        mine = DictionaryObject({NameObject(k): v for k, v in res.items() if k != "/Font"})
        fonts = res.get("/Font")
        if fonts is not None:
            fonts = fonts.get_object()
            # a page drawing forms (XObjects) keeps every font: a form may use any of them
            keep = fonts.keys() if "/XObject" in res else [k for k in fonts.keys() if k in used]
            mine[NameObject("/Font")] = DictionaryObject({NameObject(k): fonts.raw_get(k) for k in keep})
        page[NameObject("/Resources")] = mine
        if "/StructParents" in page:
            del page["/StructParents"]
        uses.append(used if "/XObject" not in res else None)
    return uses


def cut(reader, uses: list, first: int, last: int, meta: dict[str, str], target: Path,
        fonts_cache: dict | None = None, synced: bool = False) -> None:
    """Pages first..last of the merged PDF as a PDF/A-2b document of their own with the slip's metadata, each
    font subset to the glyphs these pages show; written whole to `target` (temporary name, then renamed).
    `fonts_cache` keeps the merged PDF's fonts taken apart from one slip to the next."""
    fonts_cache = {} if fonts_cache is None else fonts_cache
    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, NameObject, StreamObject,
                               TextStringObject)

    w = PdfWriter()
    w.pdf_header = reader.pdf_header
    codes: dict[int, tuple] = {}  # the merged PDF's font object number → (the font here, codes shown)
    whole = False
    for k in range(first, last + 1):
        page = w.add_page(reader.pages[k])
        if uses[k] is None:
            whole = True
            continue
        fonts = page.get("/Resources", {}).get("/Font")
        theirs = reader.pages[k]["/Resources"].get("/Font")
        for name, ref in (fonts.get_object().items() if fonts is not None else []):
            src = theirs.get_object().raw_get(name)
            key = src.idnum if hasattr(src, "idnum") else id(src)
            entry = codes.setdefault(key, (ref.get_object(), src.get_object(), set()))
            entry[2].update(uses[k].get(name, ()))
    if not whole:
        for key, (font, src, used) in codes.items():
            desc = font.get("/FontDescriptor")
            if font.get("/Subtype") != "/Type1" or desc is None or "/FontFile" not in desc.get_object():
                continue
            if key not in fonts_cache:
                fonts_cache[key] = parse_type1(src["/FontDescriptor"].get_object()["/FontFile"].get_object())
            if fonts_cache[key] is not None:
                subset_type1(desc.get_object()["/FontFile"].get_object(), fonts_cache[key], used, synced)
    root = reader.trailer["/Root"]
    for key in ("/Lang", "/ViewerPreferences", "/OutputIntents"):
        if key in root:
            w._root_object[NameObject(key)] = root.raw_get(key).clone(w) if hasattr(root.raw_get(key), "clone") else root[key]
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    producer, tool = str(info.get("/Producer", "")), str(info.get("/Creator", ""))
    old = reader.trailer["/Root"].get("/Metadata")
    created = re.search(rb"<xmp:CreateDate>([^<]*)</xmp:CreateDate>", old.get_object().get_data()) if old else None
    packet = StreamObject()
    packet[NameObject("/Type")] = NameObject("/Metadata")
    packet[NameObject("/Subtype")] = NameObject("/XML")
    packet.set_data(xmp(meta, producer, tool, created.group(1).decode() if created else ""))
    w._root_object[NameObject("/Metadata")] = w._add_object(packet)
    fields = {"/Title": meta["title"], "/Author": meta["author"], "/Subject": meta["subject"],
              "/Keywords": meta["keywords"], "/Creator": tool, "/Producer": producer,
              "/CreationDate": str(info.get("/CreationDate", ""))}
    w._info = w._add_object(DictionaryObject(
        {NameObject(k): TextStringObject(v) for k, v in fields.items() if v}))
    # the file identifier from what the file holds, so that the same slip cut again gives the same bytes
    # (PdfWriter.generate_file_identifiers draws a random one)
    ident = ByteStringObject(hashlib.md5(repr(sorted(meta.items())).encode() + b"%d-%d" % (first, last)
                                         + b"".join(reader.pages[k].get_contents().get_data()
                                                    for k in range(first, last + 1)
                                                    if reader.pages[k].get_contents() is not None)).digest())
    w._ID = ArrayObject([ident, ident])
    buf = io.BytesIO()
    w.write(buf)
    atomic_write_bytes(target, buf.getvalue())


# ---------------------------------------------------------------- convert

def convert(docx_files: list[Path], workers: int | None = None, timeout_per_doc: float = 30.0,
            progress=None, alone: tuple = ()):
    """pdf.convert, faster: the files that can be merged (`eligible`, the same signature) are converted in
    merged documents of at most MAX_MERGED, as many as the workers (or a multiple), and cut per file; the files in
    `alone` (long documents) and the rest convert as their own documents in the same starts, after the merged
    documents (_merged); every file whose merged conversion or cut failed, and every one that failed alone, then
    go to pdf.convert. Returns one pdf.Result per file, in order."""
    from . import pdf

    files = [Path(p) for p in docx_files]
    if not files:
        return []
    soffice = pdf.find_soffice()
    if not soffice:
        return pdf.convert(files, workers, timeout_per_doc, progress, alone)  # says LibreOffice is missing
    workers = max(1, min(workers or os.cpu_count() or 1, len(files)))
    alone = {Path(p) for p in alone}
    groups: dict[str, list[Path]] = {}
    single = []
    signatures = forked.forked([lambda p=p: None if p in alone else eligible(p)[0] for p in files],
                               forked.workers_for(len(files), workers))
    for p, sig in zip(files, signatures):
        (groups.setdefault(sig, []) if sig else single).append(p)
    chunks = []
    for g in groups.values():
        if len(g) < 2:
            single += g
            continue
        count = workers * math.ceil(len(g) / (MAX_MERGED * workers))
        size = math.ceil(len(g) / count)
        chunks += [g[i:i + size] for i in range(0, len(g), size)]
    total = len(files)
    results: dict[Path, object] = {}
    if chunks:
        order = {p: i for i, p in enumerate(files)}
        single.sort(key=order.get)
        results.update(_merged(soffice, chunks, workers, timeout_per_doc, progress, total,
                               [p for p in single if p in alone], [p for p in single if p not in alone]))
    rest = [p for p in files if p not in results or results[p].pdf is None]
    if rest:
        done = total - len(rest)
        tick = (lambda n, t: progress(done + n, total)) if progress else None
        for r in pdf.convert(rest, workers, timeout_per_doc, tick, tuple(p for p in rest if p in alone)):
            results[r.docx] = r
    return [results[p] for p in files]


def _compose_for(chunk: list[Path], target: Path) -> None:
    """A chunk composed (compose) into LibreOffice's copy of it (pdf.for_libreoffice) at `target`."""
    from .pdf import for_libreoffice

    plain = target.with_name(target.stem + "-composed.docx")
    compose(chunk, plain)
    for_libreoffice(plain, target)
    plain.unlink()


def _weight(docx: Path) -> int:
    """What LibreOffice's time for a document goes with (measured: about 0.5 µs per byte): the size of its text
    part, read from the zip's directory; 0 for a file that is not a readable .docx."""
    try:
        with zipfile.ZipFile(docx) as z:
            return z.getinfo("word/document.xml").file_size
    except (OSError, zipfile.BadZipFile, KeyError):
        return 0


def _balance(items: list, weight: dict, parts: int) -> list[list]:
    """items shared among at most `parts` groups of near equal weight: each, heaviest first, to the group that is
    lightest so far (the first of equals); each group keeps the items' order."""
    groups: list[list] = [[] for _ in range(max(1, min(parts, len(items))))]
    load = [0] * len(groups)
    for item in sorted(items, key=lambda x: -weight[x]):
        k = load.index(min(load))
        groups[k].append(item)
        load[k] += weight[item]
    rank = {x: i for i, x in enumerate(items)}
    return [sorted(g, key=rank.get) for g in groups if g]


SYNCED_FROM = 40  # merged slips from which each glyph is encrypted once (Type1.encrypt): the table (_pads) costs
# about 0.3 s once, encrypting a slip's fonts whole about 7 ms
FOLDED = 20  # files converted as their own documents that share the merged documents' starts, at most, per start


def _merged(soffice: str, chunks: list[list[Path]], workers: int, timeout_per_doc: float, progress,
            total: int, alone: list[Path] = (), single: list[Path] = ()) -> dict:
    """Each chunk composed into one .docx in a folder of its own beside the slips, converted (its bookmarks
    as named destinations) and cut; the Results of the files whose PDF was cut, and of the files converted as
    their own documents (`alone`, and `single` when they are few) in the same starts, after the merged documents.
    A LibreOffice start costs about 0.75 s of CPU before its first document, so there are as many starts as
    workers, their documents shared by weight (_weight, _balance); more files of their own (`single`) convert in
    starts of their own afterwards. Composing (and making LibreOffice's copies of the files of their own) and
    cutting run in `workers` processes beside LibreOffice: a start begins once its documents are ready, and each
    merged PDF is cut as soon as LibreOffice has written it, while the start converts its next documents."""
    from . import pdf

    folder = Path(tempfile.mkdtemp(prefix=".docgen-pdf-merge-", dir=str(chunks[0][0].parent)))
    (folder / pdf.OWNER).write_text(f"{os.getpid()}\n")
    out: dict = {}
    synced = sum(map(len, chunks)) >= SYNCED_FROM
    if synced:
        _pads()  # computed once, here, for the forked workers that cut
    pool = forked.pool(workers)
    try:
        made = [(folder / f"merged-{n:03d}.docx", chunk) for n, chunk in enumerate(chunks)]
        docs = dict(made)
        single = list(single)
        own = list(alone) + (single if len(single) <= FOLDED * workers else [])
        single = [p for p in single if p not in own]
        copies = {folder / f"own-{n:03d}.docx": p for n, p in enumerate(own)}  # LibreOffice's copy → the file
        weight = {t: sum(_weight(p) for p in chunk) for t, chunk in made} | {t: _weight(p) for t, p in copies.items()}
        groups = _balance([t for t, _ in made] + list(copies), weight, workers)
        composing = {}
        for i in range(max(len(g) for g in groups)):  # what the starts need first, first
            for t in (g[i] for g in groups if i < len(g)):
                composing[t] = (pool.submit(_compose_for, docs[t], t) if t in docs
                                else pool.submit(pdf.for_libreoffice, copies[t], t))
        size = max(len(c) for c in chunks)
        cutting = {}
        converted = [0]  # the slips whose PDF is made (cut or being cut)

        def ready(group):  # a start's documents, once ready (a merged one that failed: its slips alone, later)
            def files():
                if not all(composing[t].done() for t in group):
                    return None
                return [t for t in group if _ok(composing[t]) is not None]
            return files

        def take(results):
            for r in results:
                if r.pdf is None:  # converted alone, later
                    continue
                if r.docx in copies:
                    src = copies[r.docx]
                    shutil.move(r.pdf, src.with_suffix(".pdf"))
                    out[src] = pdf.Result(src, src.with_suffix(".pdf"))
                    converted[0] += 1
                else:
                    cutting[r.docx] = pool.submit(cut_all, r.pdf, docs[r.docx], synced)
                    converted[0] += len(docs[r.docx])

        def take_single(results):
            out.update((r.docx, r) for r in results)
            converted[0] += len(results)

        starts = [pdf.Start(ready(g), take, timeout_per_doc * size, pdf.PDF_FILTER_MARKED, prepared=True, early=True)
                  for g in groups]
        starts += [pdf.Start(lambda c=c: c, take_single, timeout_per_doc)
                   for c in (pdf._chunks(single, workers) if single else [])]
        pdf.run_starts(soffice, starts, workers, (lambda n: progress(min(total, converted[0] + n), total))
                       if progress else (lambda n: None))
        for target, job in cutting.items():
            for docx, pages in zip(docs[target], _ok(job) or []):
                if pages:
                    out[docx] = pdf.Result(docx, docx.with_suffix(".pdf"), pages=pages)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _ok(job):
    """A job's result (True for a job that returns nothing), or None when it raised (or its process died)."""
    try:
        r = job.result()
    except Exception:
        return None
    return True if r is None else r


def cut_all(merged: Path, chunk: list[Path], synced: bool = False) -> list[int | None]:
    """Each slip of a merged PDF cut to its PDF beside its .docx; the pages of each, None for one that was not.
    synced: see Type1.encrypt."""
    from pypdf import PdfReader

    reader = PdfReader(str(merged))
    found = ranges(reader, len(chunk))
    uses = prepare(reader)
    fonts: dict = {}
    done = []
    for docx, rng in zip(chunk, found):
        pages = None
        if rng is not None:
            try:
                cut(reader, uses, rng[0], rng[1], core(docx), docx.with_suffix(".pdf"), fonts, synced)
                pages = rng[1] - rng[0] + 1
            except Exception:  # this slip alone
                pass
        done.append(pages)
    return done
