"""Low-level WordprocessingML helpers (the python-docx `oxml` layer): fonts, spacing, borders, frames.

Nothing here knows about GB/T 9704; gbt9704.py composes these into the standard's elements.
Lengths: pt for type, twips (1/20 pt) in the XML, mm for page geometry.
"""
from __future__ import annotations

import threading

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

MM = 72 / 25.4  # pt per mm


def twips(pt: float) -> int:
    return round(pt * 20)


def mm_twips(mm: float) -> int:
    return round(mm * MM * 20)


def _child(parent, tag: str, before: tuple[str, ...] = ()):
    """The first child `tag` of parent, created if missing (inserted before any of `before`)."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        for b in before:
            ref = parent.find(qn(b))
            if ref is not None:
                ref.addprevious(el)
                break
        else:
            parent.append(el)
    return el


# Order of rPr children matters to Word (CT_RPr sequence); we insert in schema order.
_RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
              "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
              "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
              "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
              "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")

_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
              "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
              "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
              "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


_ORDER_INDEX: dict[tuple[str, ...], dict[str, int]] = {}


def _ordered(parent, tag: str, order: tuple[str, ...]):
    """The child `tag` of parent, made in its schema place (before the first child that the schema puts after
    it) when it is not there yet."""
    index = _ORDER_INDEX.get(order)
    if index is None:
        index = _ORDER_INDEX[order] = {qn(t): i for i, t in enumerate(order)}
    clark = qn(tag)
    el = parent.find(clark)
    if el is not None:
        return el
    el = OxmlElement(tag)
    mine = index[clark]
    for child in parent:
        j = index.get(child.tag)
        if j is not None and j > mine:
            child.addprevious(el)
            return el
    parent.append(el)
    return el


_TBLPR_ORDER = ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
                "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TCPR_ORDER = ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
               "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_BORDER_ORDER = ("w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end", "w:insideH", "w:insideV")


def set_rpr(rpr, face: str | None = None, size: float | None = None, bold: bool | None = None,
            color: str | None = None, spacing: float | None = None, scale: int | None = None,
            ascii_face: str | None = None) -> None:
    """Run properties on an rPr element. `face` is set for East Asian and Latin text alike (w:eastAsia included),
    and any theme font is removed so that the named face is the one used."""
    if face:
        rf = _ordered(rpr, "w:rFonts", _RPR_ORDER)
        for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if rf.get(qn(a)) is not None:
                del rf.attrib[qn(a)]
        latin = ascii_face or face
        rf.set(qn("w:ascii"), latin)
        rf.set(qn("w:hAnsi"), latin)
        rf.set(qn("w:eastAsia"), face)
        rf.set(qn("w:cs"), latin)
        # no w:hint="eastAsia": it makes digits and Latin letters break like Chinese characters
    if bold is not None:
        b = _ordered(rpr, "w:b", _RPR_ORDER)
        b.set(qn("w:val"), "1" if bold else "0")
    if color:
        _ordered(rpr, "w:color", _RPR_ORDER).set(qn("w:val"), color)
    if spacing is not None:
        _ordered(rpr, "w:spacing", _RPR_ORDER).set(qn("w:val"), str(twips(spacing)))
    if scale is not None:
        _ordered(rpr, "w:w", _RPR_ORDER).set(qn("w:val"), str(scale))
    if size is not None:
        half = str(round(size * 2))
        _ordered(rpr, "w:sz", _RPR_ORDER).set(qn("w:val"), half)
        _ordered(rpr, "w:szCs", _RPR_ORDER).set(qn("w:val"), half)


def run_rpr(run):
    return run._r.get_or_add_rPr()


def para_ppr(paragraph):
    return paragraph._p.get_or_add_pPr()


def set_ppr(ppr, *, align: str | None = None, line: float | None = None, before: float | None = None,
            after: float | None = None, first_line: float | None = None, left: float | None = None,
            right: float | None = None, hanging: float | None = None, keep_next: bool = False,
            keep_lines: bool = False, page_break_before: bool = False, widow: bool | None = None) -> None:
    """Paragraph properties. line: exact line pitch in pt; indents and spacing in pt."""
    if keep_next:
        _ordered(ppr, "w:keepNext", _PPR_ORDER)
    if keep_lines:
        _ordered(ppr, "w:keepLines", _PPR_ORDER)
    if page_break_before:
        _ordered(ppr, "w:pageBreakBefore", _PPR_ORDER)
    if widow is not None:
        _ordered(ppr, "w:widowControl", _PPR_ORDER).set(qn("w:val"), "1" if widow else "0")
    if line is not None or before is not None or after is not None:
        sp = _ordered(ppr, "w:spacing", _PPR_ORDER)
        if line is not None:
            sp.set(qn("w:line"), str(twips(line)))
            sp.set(qn("w:lineRule"), "exact")
        sp.set(qn("w:before"), str(twips(before or 0)))
        sp.set(qn("w:after"), str(twips(after or 0)))
    if any(v is not None for v in (first_line, left, right, hanging)):
        ind = _ordered(ppr, "w:ind", _PPR_ORDER)
        if left is not None:
            ind.set(qn("w:left"), str(twips(left)))
        if right is not None:
            ind.set(qn("w:right"), str(twips(right)))
        if first_line is not None:
            ind.set(qn("w:firstLine"), str(twips(first_line)))
        if hanging is not None:
            ind.set(qn("w:hanging"), str(twips(hanging)))
    if align:
        _ordered(ppr, "w:jc", _PPR_ORDER).set(qn("w:val"), align)


def no_autospace(ppr) -> None:
    """No automatic space between Chinese and Latin or digits: keeps the 28-character grid."""
    _ordered(ppr, "w:autoSpaceDE", _PPR_ORDER).set(qn("w:val"), "0")
    _ordered(ppr, "w:autoSpaceDN", _PPR_ORDER).set(qn("w:val"), "0")


def border(ppr, side: str, width_pt: float, color: str = "000000", space_pt: float = 0, style: str = "single") -> None:
    """A paragraph border line (side: top | bottom | between)."""
    bdr = _ordered(ppr, "w:pBdr", _PPR_ORDER)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), style)
    el.set(qn("w:sz"), str(max(2, round(width_pt * 8))))  # eighths of a point
    el.set(qn("w:space"), str(round(space_pt)))
    el.set(qn("w:color"), color)
    order = ("top", "left", "bottom", "right", "between", "bar")
    for later in order[order.index(side) + 1:]:
        ref = bdr.find(qn(f"w:{later}"))
        if ref is not None:
            ref.addprevious(el)
            return
    bdr.append(el)


def field(paragraph, instr: str, rpr_setter) -> None:
    """A simple field such as PAGE, rendered by the word processor."""
    def r(kind=None, text=None):
        run = paragraph.add_run()
        rpr_setter(run_rpr(run))
        if kind:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            run._r.append(fc)
        if text is not None:
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = text
            run._r.append(it)
        return run
    r("begin")
    r(text=f" {instr} ")
    r("separate")
    run = r()
    run.text = "1"
    r("end")


def cell_margins(tbl, top_pt: float, bottom_pt: float, left_pt: float, right_pt: float) -> None:
    """Cell margins; the table is indented by the left margin so that its border, not its text, lies on the
    type area's left edge (Word and LibreOffice hang a table's border out by the cell margin)."""
    tblPr = tbl._tbl.tblPr
    ind = _ordered(tblPr, "w:tblInd", _TBLPR_ORDER)
    ind.set(qn("w:w"), str(twips(left_pt)))
    ind.set(qn("w:type"), "dxa")
    mar = _ordered(tblPr, "w:tblCellMar", _TBLPR_ORDER)
    for side, v in (("top", top_pt), ("left", left_pt), ("bottom", bottom_pt), ("right", right_pt)):
        el = _ordered(mar, f"w:{side}", _BORDER_ORDER)
        el.set(qn("w:w"), str(twips(v)))
        el.set(qn("w:type"), "dxa")


def table_borders(tbl, width_pt: float = 0.75, color: str = "000000", inner: bool = True) -> None:
    tblPr = tbl._tbl.tblPr
    b = _ordered(tblPr, "w:tblBorders", _TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right") + (("insideH", "insideV") if inner else ()):
        el = _ordered(b, f"w:{side}", _BORDER_ORDER)
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(round(width_pt * 8)))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), color)


def table_width(tbl, widths_mm: list[float]) -> None:
    """Fixed layout, the given column widths, total width as their sum; no indent beyond the type area."""
    tblPr = tbl._tbl.tblPr
    tw = _ordered(tblPr, "w:tblW", _TBLPR_ORDER)
    tw.set(qn("w:w"), str(mm_twips(sum(widths_mm))))
    tw.set(qn("w:type"), "dxa")
    lay = _ordered(tblPr, "w:tblLayout", _TBLPR_ORDER)
    lay.set(qn("w:type"), "fixed")
    ind = _ordered(tblPr, "w:tblInd", _TBLPR_ORDER)
    ind.set(qn("w:w"), "0")
    ind.set(qn("w:type"), "dxa")
    grid = tbl._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        gc.set(qn("w:w"), str(mm_twips(w)))
    for row in tbl.rows:
        for cell, w in zip(row.cells, widths_mm):
            tcPr = cell._tc.get_or_add_tcPr()
            cw = _ordered(tcPr, "w:tcW", _TCPR_ORDER)
            cw.set(qn("w:w"), str(mm_twips(w)))
            cw.set(qn("w:type"), "dxa")


def repeat_header(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    _child(trPr, "w:tblHeader").set(qn("w:val"), "1")


def cant_split(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    _child(trPr, "w:cantSplit").set(qn("w:val"), "1")


def row_height(row, pt: float, exact: bool = False) -> None:
    trPr = row._tr.get_or_add_trPr()
    h = _child(trPr, "w:trHeight")
    h.set(qn("w:val"), str(twips(pt)))
    h.set(qn("w:hRule"), "exact" if exact else "atLeast")


def cell_valign(cell, val: str = "center") -> None:
    tcPr = cell._tc.get_or_add_tcPr()
    _ordered(tcPr, "w:vAlign", _TCPR_ORDER).set(qn("w:val"), val)


def rule_borders(tbl, top: float, inside: float, bottom: float) -> None:
    """Horizontal rules only (pt widths): the 版记's thick-thin-thick lines."""
    tblPr = tbl._tbl.tblPr
    b = _ordered(tblPr, "w:tblBorders", _TBLPR_ORDER)
    for side, w in (("top", top), ("left", 0), ("bottom", bottom), ("right", 0), ("insideH", inside), ("insideV", 0)):
        el = _ordered(b, f"w:{side}", _BORDER_ORDER)
        if w:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(max(2, round(w * 8))))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")


def outline_level(ppr, level: int) -> None:
    """w:outlineLvl (0 = level 1): what Word's and WPS's navigation panes list. python-docx has no API for it."""
    _ordered(ppr, "w:outlineLvl", _PPR_ORDER).set(qn("w:val"), str(level))


def language(rpr, western: str, east_asian: str) -> None:
    lang = _ordered(rpr, "w:lang", _RPR_ORDER)
    lang.set(qn("w:val"), western)
    lang.set(qn("w:eastAsia"), east_asian)


def no_wrap(cell) -> None:
    """A cell whose text never wraps (w:noWrap)."""
    _ordered(cell._tc.get_or_add_tcPr(), "w:noWrap", _TCPR_ORDER)


def no_hanging_punctuation(ppr) -> None:
    """Punctuation never hangs past the type area's right edge (w:overflowPunct off): a 28-character line stays
    28 characters wide."""
    _ordered(ppr, "w:overflowPunct", _PPR_ORDER).set(qn("w:val"), "0")


def para_style(p, style_id: str) -> None:
    """A paragraph (an lxml w:p) in the named style: for paragraphs python-docx made without one."""
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    _ordered(ppr, "w:pStyle", _PPR_ORDER).set(qn("w:val"), style_id)


# ---------------------------------------------------------------- styles kept as their bytes

_READ_STYLES: dict[bytes, object] = {}  # a styles part's bytes -> its XML parsed once a process, to read only
_WRITTEN_STYLES: dict[bytes, bytes] = {}  # a styles part's bytes -> what python-docx would write of them


def _styles_part_class():
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml
    from docx.parts.styles import StylesPart

    class KeptStyles(StylesPart):
        """styles.xml kept as its bytes until something asks for its XML (python-docx's StylesPart otherwise): a
        filled form's styles are its template's, read from one parse a process and template (`read_styles`),
        and written out as python-docx would write them after parsing (once a process and template). Asked for
        its XML (to change a style, or by python-docx's style lookups), it is parsed and is the document's own."""

        @classmethod
        def load(cls, partname, content_type, blob, package):
            part = cls(partname, content_type, None, package)
            part.kept = blob
            return part

        @property
        def _element(self):
            el = self.__dict__.get("_parsed")
            if el is None:
                el = self.__dict__["_parsed"] = parse_xml(self.kept)
            return el

        @_element.setter
        def _element(self, value):
            self.__dict__["_parsed"] = value

        @property
        def blob(self):
            if self.__dict__.get("_parsed") is not None:
                return serialize_part_xml(self._parsed)
            out = _WRITTEN_STYLES.get(self.kept)
            if out is None:
                if len(_WRITTEN_STYLES) > 16:
                    _WRITTEN_STYLES.clear()
                out = _WRITTEN_STYLES[self.kept] = serialize_part_xml(parse_xml(self.kept))
            return out

    return KeptStyles


_KEPT = None  # the KeptStyles class, made at the first open_keeping_styles
_OPENING = threading.local()  # .choose: how the open this thread is making (open_choosing) picks part classes


def _selector(before):
    def selector(content_type: str, reltype: str):
        choose = getattr(_OPENING, "choose", None)
        found = choose(content_type) if choose is not None else None
        return found or (before(content_type, reltype) if before else None)
    selector.docgen = True
    return selector


def open_choosing(stream, choose):
    """A python-docx Document of a .docx stream (or path) whose parts are of the class `choose(content_type)`
    gives (None: python-docx's own): python-docx's PartFactory.part_class_selector, installed once, asks `choose`
    only for the thread opening this way, so other opens, in other threads too, are python-docx's as ever."""
    from docx import Document
    from docx.opc.part import PartFactory

    before = getattr(PartFactory, "part_class_selector", None)
    if not getattr(before, "docgen", False):
        PartFactory.part_class_selector = _selector(before)
    outer = getattr(_OPENING, "choose", None)
    _OPENING.choose = choose
    try:
        return Document(stream)
    finally:
        _OPENING.choose = outer


def open_keeping_styles(stream):
    """A python-docx Document of a .docx stream whose styles part is kept as its bytes (KeptStyles) until its
    XML is asked for."""
    global _KEPT
    from docx.opc.constants import CONTENT_TYPE as CT

    if _KEPT is None:
        _KEPT = _styles_part_class()
    return open_choosing(stream, lambda content_type: _KEPT if content_type == CT.WML_STYLES else None)


def read_styles(doc) -> tuple:
    """(doc's styles XML, a memo for what is worked out from it), to read and never to change. For styles still
    kept as their bytes: one tree a process and content (the same bytes, the same styles) and its memo, shared
    by every document with those bytes; otherwise the document's own tree and a new memo."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml

    main = getattr(doc, "part", doc)  # a Document, a paragraph's part (its body's, a header's), a form's probe
    main = getattr(getattr(main, "package", None), "main_document_part", None) or main
    try:
        part = main.part_related_by(RT.STYLES)
    except KeyError:  # none: python-docx's default styles (DocumentPart.styles adds them)
        return main.styles.element, {}
    kept = getattr(part, "kept", None)
    if kept is None or part.__dict__.get("_parsed") is not None:
        return part.element, {}
    found = _READ_STYLES.get(kept)
    if found is None:
        if len(_READ_STYLES) > 16:
            _READ_STYLES.clear()
        found = _READ_STYLES[kept] = (parse_xml(kept), {})
    return found


def style_name(p) -> str | None:
    """The name of a paragraph's style, as python-docx's `p.style.name` gives it (its style by id, or the default
    paragraph style), read through read_styles: a form's styles are not parsed for it."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.styles.styles import Styles

    root, memo = read_styles(p.part)
    names = memo.setdefault(style_name, {})
    sid = p._p.style
    if sid not in names:
        names[sid] = Styles(root).get_by_id(sid, WD_STYLE_TYPE.PARAGRAPH).name
    return names[sid]
