"""One sheet per slip: how tall a filled form sets, measured from its own XML with the fonts the PDF is drawn with,
and the defined steps a form takes to keep its page.

The measure reads every size, face, line pitch, spacing, indent, cell width, cell margin and row height from the
filled document itself: run properties, then the paragraph's style and the styles it is based on (found by the
style's id in that document, so a template saved by LibreOffice, which renames styles to Style25…, or by WPS
reads the same), then the document defaults. Lines are broken as a line breaker does (a Latin word or a number
is never split, a line never starts with closing punctuation or ends with opening punctuation) with advance
widths from documents/metrics.py; a single-spaced line is as tall as its face's hhea ascent + descent + line gap
(metrics.line_height; on LibreOffice 7.4: 宋体 10.5 pt lines 15.1 pt apart, 仿宋 14 pt 16.8, 黑体 16 pt 23.15).
A filled form loses any document grid first (no_grid).

Steps, tried in this order until the measure fits the type area, the same for every slip of a run:
  0. the template as it is;
  1. spacing: paragraphs outside the tables set at 1.25 × their size instead of the 22-line pitch, no space
     before or after them (the seal's two lines kept, at the tighter pitch); table lines 1.25 × their size
     instead of 1.4 ×;
  2. row heights: the tables' minimum row heights dropped (rows as tall as their text);
  3… a size step each: all table text one standard size smaller (三号 16, 小三 15, 四号 14, 小四 12, 五号 10.5),
     never below 五号.
A form fits when it measures within the type area (less SAFETY) with its 回执's 签收单位（盖章） row at least
SEAL_ROW_MIN and its 办理情况 row at least WRITE_ROW_MIN tall. Whatever height is left on the page then goes to
those two rows, for a seal and for handwriting.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from docx.oxml import OxmlElement
from docx.oxml.ns import qn as _qn

from . import metrics, nobreak
from . import oxml as X

qn = functools.lru_cache(maxsize=None)(_qn)  # Clark names of the few tags the measure reads, made once

SIZES = (16.0, 15.0, 14.0, 12.0, 10.5)  # 三号, 小三, 四号, 小四, 五号: the table text's size steps
SIZE_NAMES = {16.0: "三号", 15.0: "小三", 14.0: "四号", 12.0: "小四", 10.5: "五号"}
MIN_SIZE = 10.5
SAFETY = 14.0  # pt kept free at the foot of the page: what the measure may be short of LibreOffice's setting
TIGHT_LINE = 1.25  # × size: a paragraph's line outside the tables at step 1
BORDER = 0.75  # pt: a table rule
SEAL_ROW_MIN = 20 * X.MM  # pt: the 签收单位（盖章） row at least this tall: room for a seal
WRITE_ROW_MIN = 15 * X.MM  # pt: the 办理情况 row at least this tall: a few lines of handwriting
SEAL_ROW_MAX = 48 * X.MM  # pt: the 签收单位（盖章） row need not be taller than a seal and its margin
TABLE_TIGHT = 1.25  # × size: a table line at step 1 (1.4 × size otherwise)
SPACING, ROWS = 1, 2  # the first two steps
OPENING, CLOSING = "《（〔“‘【([{<", "，。、；：！？）》〕”’】,.;:!?)]}>"


qn = functools.lru_cache(maxsize=None)(qn)  # the measure asks for the same few tags millions of times


def _val(el, attr: str = "w:val"):
    return None if el is None else el.get(qn(attr))


class Styles:
    """The effective properties of a paragraph and its runs in one document: direct formatting, then the style
    chain (by w:styleId of this document), then docDefaults. What the styles say is looked up once per style and
    property: the measure never changes a style, only the body's direct formatting (read afresh each time)."""

    def __init__(self, root):
        self.by_id = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
        self.default_para = next((s for s in root.findall(qn("w:style"))
                                  if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true", "on")),
                                 None)
        dd = root.find(qn("w:docDefaults"))
        self.d_rpr = dd.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if dd is not None else None
        self.d_ppr = dd.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}") if dd is not None else None
        self._chains: dict = {}  # paragraph style id (None: the default) -> its chain
        self._inherited: dict = {}  # (holder kind, style id, tag, attr) -> the value the styles and defaults give

    def _style_chain(self, sid):
        out = self._chains.get(sid)
        if out is None:
            st = self.by_id.get(sid) if sid else self.default_para
            out, seen = [], set()
            while st is not None and id(st) not in seen:
                seen.add(id(st))
                out.append(st)
                base = st.find(qn("w:basedOn"))
                st = self.by_id.get(_val(base)) if base is not None else None
            self._chains[sid] = out
        return out

    @staticmethod
    def _sid(ppr):
        ps = ppr.find(qn("w:pStyle")) if ppr is not None else None
        return (_val(ps) or None) if ps is not None else None

    def chain(self, p):
        ppr = p.find(qn("w:pPr"))
        return ppr, self._style_chain(self._sid(ppr))

    @staticmethod
    def _first(holders, tag: str, attr: str):
        for holder in holders:
            if holder is None:
                continue
            el = holder.find(qn(tag))
            if el is not None and el.get(qn(attr)) is not None:
                return el.get(qn(attr))
        return None

    def _from_styles(self, kind: str, sid, tag: str, attr: str):
        """What the paragraph style `sid`'s chain, then the defaults, say of pPr or rPr (`kind`) tag@attr."""
        key = (kind, sid, tag, attr)
        try:
            return self._inherited[key]
        except KeyError:
            pass
        holders = [s.find(qn(kind)) for s in self._style_chain(sid)]
        holders.append(self.d_ppr if kind == "w:pPr" else self.d_rpr)
        v = self._inherited[key] = self._first(holders, tag, attr)
        return v

    def ppr_attr(self, p, tag: str, attr: str):
        """The first value of pPr/tag@attr: direct, then the style chain, then the defaults."""
        ppr = p.find(qn("w:pPr"))
        if ppr is not None:
            el = ppr.find(qn(tag))
            if el is not None and el.get(qn(attr)) is not None:
                return el.get(qn(attr))
        return self._from_styles("w:pPr", self._sid(ppr), tag, attr)

    def _run_holders(self, p, r) -> tuple[list, object]:
        """Where a run's properties are said, in order (its rPr, its character style's; for the paragraph mark, the
        paragraph's rPr), and the paragraph's pPr (its style chain and the defaults come after)."""
        holders = [r.find(qn("w:rPr"))] if r is not None else []
        if r is not None and holders[0] is not None and holders[0].find(qn("w:rStyle")) is not None:
            cs = self.by_id.get(_val(holders[0].find(qn("w:rStyle"))))
            holders.append(cs.find(qn("w:rPr")) if cs is not None else None)
        ppr = p.find(qn("w:pPr"))
        if r is None:  # the paragraph mark
            holders.append(ppr.find(qn("w:rPr")) if ppr is not None else None)
        return holders, ppr

    def rpr(self, p, r, tag: str, attr: str = "w:val", _where=None):
        """A run property: the run's rPr, its character style, the paragraph style chain, the defaults."""
        holders, ppr = _where or self._run_holders(p, r)
        v = self._first(holders, tag, attr)
        return v if v is not None else self._from_styles("w:rPr", self._sid(ppr), tag, attr)

    def size(self, p, r=None, _where=None) -> float:
        v = self.rpr(p, r, "w:sz", _where=_where)
        return int(v) / 2 if v else 10.0

    def face(self, p, r=None, _where=None) -> str:
        return (self.rpr(p, r, "w:rFonts", "w:eastAsia", _where) or self.rpr(p, r, "w:rFonts", "w:ascii", _where)
                or "宋体")

    def spacing(self, p, r=None, _where=None) -> float:
        v = self.rpr(p, r, "w:spacing", _where=_where)
        return int(v) / 20 if v else 0.0

    def run_props(self, p, r) -> tuple[float, str, float]:
        """(size, face, spacing) of a run, as size(), face() and spacing() give them, its holders found once."""
        where = self._run_holders(p, r)
        return self.size(p, r, where), self.face(p, r, where), self.spacing(p, r, where)


def _tw(v, default: float = 0.0) -> float:
    return int(float(v)) / 20 if v not in (None, "") else default


def _tokens(text: str):
    """Units a line breaker never splits: a number, date or 文号 (documents/nobreak.py, which LibreOffice is made
    to keep whole), a Latin word or a number, or one other character."""
    out, at = [], 0
    for start, end in nobreak.spans(text):
        out += _plain_tokens(text[at:start])
        out.append(text[start:end])
        at = end
    return out + _plain_tokens(text[at:])


def _plain_tokens(text: str):
    out, word = [], ""
    for c in text:
        if c.isascii() and (c.isalnum() or c in "-./%+#@_:&"):
            word += c
            continue
        if word:
            out.append(word)
            word = ""
        out.append(c)
    if word:
        out.append(word)
    return out


def line_count(pieces: list[tuple[str, float, str, float]], width: float, first: float = 0.0) -> int:
    """Lines a paragraph sets in: pieces are (text, size, face, spacing) runs, "\n" a line break; `first` the first
    line's indent."""
    lines, x, avail, prev = 1, 0.0, max(10.0, width - first), None
    for text, size, face, spacing in pieces:
        for tok in _tokens(text):
            if tok == "\n":
                lines, x, avail, prev = lines + 1, 0.0, max(10.0, width), None
                continue
            w = sum(metrics.em(c, face) * size + spacing for c in tok) if tok != "\t" else 0.0
            # LibreOffice's space between Chinese and a Latin letter or digit: within a line, not at its start
            gap = metrics.AUTOSPACE * size if prev and x and metrics.spaced(prev[0][-1], tok[0]) else 0.0
            if x + gap + w <= avail + 0.01 or x == 0:
                w += gap
                x += w
                prev = (tok, w)
                continue
            # break before tok; a closing mark takes the previous unit with it; an opening mark never ends a line
            lines += 1
            avail = max(10.0, width)
            if (tok[0] in CLOSING or prev and prev[0][-1] in OPENING) and prev:
                x = prev[1] + w
            else:
                x = w
            prev = (tok, w)
    return lines


_SCOPE = None  # (a styles element, its Styles) while fit() sets a form: what its styles say, looked up once


def _styles(doc) -> Styles:
    """What doc's styles say (oxml.read_styles: for a form whose styles are its template's, worked out once a
    process and template)."""
    root, memo = X.read_styles(doc)
    if _SCOPE is not None and _SCOPE[0] is root:
        return _SCOPE[1]
    st = memo.get(Styles)
    if st is None:
        st = memo[Styles] = Styles(root)
    return st


class Measure:
    """Heights of one form as it stands: a table measured is remembered (by its element) for this Measure's life,
    so make a new Measure after changing the form."""

    def __init__(self, doc):
        self.doc = doc
        self.st = _styles(doc)
        self._rows: dict = {}

    def paragraph(self, p, width: float) -> float:
        st = self.st
        pieces = []
        for r in p.iter(qn("w:r")):
            for child in r:
                if child.tag == qn("w:t"):
                    pieces.append((child.text or "", *st.run_props(p, r)))
                elif child.tag in (qn("w:br"), qn("w:cr")):
                    pieces.append(("\n", 0.0, "", 0.0))
                elif child.tag == qn("w:tab"):
                    pieces.append(("\t", 0.0, "", 0.0))
        sized = [(s, f) for t, s, f, _ in pieces if t.strip() and t != "\n"] or [(st.size(p), st.face(p))]
        left = _tw(st.ppr_attr(p, "w:ind", "w:left") or st.ppr_attr(p, "w:ind", "w:start"))
        right = _tw(st.ppr_attr(p, "w:ind", "w:right") or st.ppr_attr(p, "w:ind", "w:end"))
        first = _tw(st.ppr_attr(p, "w:ind", "w:firstLine")) - _tw(st.ppr_attr(p, "w:ind", "w:hanging"))
        n = line_count(pieces, width - left - right, first)
        rule = st.ppr_attr(p, "w:spacing", "w:lineRule") or "auto"
        line = st.ppr_attr(p, "w:spacing", "w:line")
        natural = max(s * metrics.line_height(f) for s, f in sized)
        if line is None:
            h = natural
        elif rule == "exact":
            h = _tw(line)
        elif rule == "atLeast":
            h = max(_tw(line), natural)
        else:
            h = natural * int(line) / 240
        before = _tw(st.ppr_attr(p, "w:spacing", "w:before"))
        after = _tw(st.ppr_attr(p, "w:spacing", "w:after"))
        rules = 0.0
        ppr = p.find(qn("w:pPr"))
        bdr = ppr.find(qn("w:pBdr")) if ppr is not None else None
        for side in ("top", "bottom"):
            b = bdr.find(qn(f"w:{side}")) if bdr is not None else None
            if b is not None and b.get(qn("w:val")) not in (None, "nil", "none"):
                rules += float(b.get(qn("w:space")) or 0) + int(b.get(qn("w:sz")) or 0) / 8
        return before + n * h + after + rules

    def table(self, tbl) -> list[float]:
        """Each row's height in pt, its top rule included."""
        if tbl not in self._rows:
            self._rows[tbl] = list(self._row_heights(tbl))
        return list(self._rows[tbl])

    def _row_heights(self, tbl):
        """Each row's height in pt, its top rule included, as the rows are measured (table, over)."""
        grid = [_tw(g.get(qn("w:w"))) for g in tbl.iter(qn("w:gridCol"))]
        mar = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}")

        def margin(holder, side, default):
            if holder is None:
                return default
            el = holder.find(qn(f"w:{side}"))
            if el is None and side in ("left", "right"):
                el = holder.find(qn("w:start" if side == "left" else "w:end"))
            return _tw(el.get(qn("w:w"))) if el is not None and el.get(qn("w:w")) else default

        top, bottom = margin(mar, "top", 0.0), margin(mar, "bottom", 0.0)
        lm, rm = margin(mar, "left", 5.4), margin(mar, "right", 5.4)
        for tr in tbl.findall(qn("w:tr")):
            col, h = 0, 0.0
            for tc in tr.findall(qn("w:tc")):
                tcpr = tc.find(qn("w:tcPr"))
                span = int(_val(tcpr.find(qn("w:gridSpan"))) or 1) if tcpr is not None and \
                    tcpr.find(qn("w:gridSpan")) is not None else 1
                w = sum(grid[col:col + span]) if grid[col:col + span] else 0.0
                tcw = tcpr.find(qn("w:tcW")) if tcpr is not None else None
                if not w and tcw is not None and tcw.get(qn("w:type")) == "dxa":
                    w = _tw(tcw.get(qn("w:w")))
                col += span
                cm = tcpr.find(qn("w:tcMar")) if tcpr is not None else None
                t, b = margin(cm, "top", top), margin(cm, "bottom", bottom)
                inner = w - margin(cm, "left", lm) - margin(cm, "right", rm)
                content = sum(self.paragraph(p, inner) for p in tc.findall(qn("w:p")))
                h = max(h, content + t + b)
            trh = tr.find(f"{qn('w:trPr')}/{qn('w:trHeight')}")
            if trh is not None and trh.get(qn("w:val")):
                v = _tw(trh.get(qn("w:val")))
                h = v if trh.get(qn("w:hRule")) == "exact" else max(h, v)
            yield h + BORDER

    def body(self) -> float:
        """The body's height in pt, in the first section's type area."""
        return self._walk(math.inf)[0]

    def over(self, limit: float) -> bool:
        """Whether the body is taller than `limit` pt: body() > limit, measured only until it is (a register of
        a thousand rows need not be measured to the end to know that it runs over a page)."""
        return self._walk(limit)[1]

    def _walk(self, limit: float) -> tuple[float, bool]:
        """(the body's height, measured until it is past `limit`; whether it is). Measured whole (no finite limit),
        each table is remembered (table); one left part-way is not."""
        width = self.width()
        total = 0.0
        for el in self.doc.element.body:
            if el.tag == qn("w:p"):
                total += self.paragraph(el, width)
            elif el.tag == qn("w:tbl"):
                rows = self._rows.get(el)
                if rows is None and limit == math.inf:
                    rows = self.table(el)
                t = 0.0
                for h in (rows if rows is not None else self._row_heights(el)):
                    t += h
                    if total + (t + BORDER) > limit:
                        return total + (t + BORDER), True
                total += t + BORDER
            if total > limit:
                return total, True
        return total, False

    def width(self) -> float:
        s = self.doc.sections[0]
        return (s.page_width - s.left_margin - s.right_margin) / 12700

    def height(self) -> float:
        s = self.doc.sections[0]
        return (s.page_height - s.top_margin - s.bottom_margin) / 12700


# ---------------------------------------------------------------- the steps

def _outside_tables(doc):
    return [el for el in doc.element.body if el.tag == qn("w:p")]


def _tables(doc):
    return [el for el in doc.element.body if el.tag == qn("w:tbl")]


def tighten_spacing(doc) -> None:
    """Step 1: paragraphs outside the tables at TIGHT_LINE × their size, no space before or after (the sealed
    署名 keeps two of those lines above it for the seal); table lines at TABLE_TIGHT × their size."""
    st = _styles(doc)
    for p in _outside_tables(doc):
        texts = [r for r in p.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
        size = max([st.size(p, r) for r in texts] or [st.size(p)])
        line = round(size * TIGHT_LINE, 1)
        before = _tw(st.ppr_attr(p, "w:spacing", "w:before"))
        old = st.ppr_attr(p, "w:spacing", "w:line")
        rule = st.ppr_attr(p, "w:spacing", "w:lineRule") or "auto"
        keep = 2 * line if before > 2 * line - 0.5 and _is(st, p, "署名") else 0.0
        ppr = p.get_or_add_pPr()
        if old is not None and rule == "exact" and _tw(old) < line:
            line = _tw(old)
        X.set_ppr(ppr, line=line, before=keep, after=0)
    for tbl in _tables(doc):
        for p in tbl.iter(qn("w:p")):
            rule = st.ppr_attr(p, "w:spacing", "w:lineRule") or "auto"
            old = st.ppr_attr(p, "w:spacing", "w:line")
            size = max([st.size(p, r) for r in p.iter(qn("w:r"))] or [st.size(p)])
            if rule == "exact" and old is not None and _tw(old) > size * TABLE_TIGHT:
                ppr = p.get_or_add_pPr()
                sp = X._ordered(ppr, "w:spacing", X._PPR_ORDER)
                sp.set(qn("w:line"), str(X.twips(size * TABLE_TIGHT)))
                sp.set(qn("w:lineRule"), "exact")


def _is(st: Styles, p, name: str) -> bool:
    _, chain = st.chain(p)
    return any(_val(s.find(qn("w:name"))) == name for s in chain[:1])


def drop_row_heights(doc) -> None:
    """Step 2: no minimum row heights (an exact height stays: the template wants it)."""
    for tbl in _tables(doc):
        for trh in tbl.iter(qn("w:trHeight")):
            if trh.get(qn("w:hRule")) != "exact":
                trh.getparent().remove(trh)


def table_size(doc) -> float:
    """The size of the table text (the largest size of a run with text in a content cell)."""
    st = _styles(doc)
    sizes = []
    for tbl in _tables(doc):
        for tc in tbl.iter(qn("w:tc")):
            for p in tc.findall(qn("w:p")):
                for r in p.iter(qn("w:r")):
                    if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip():
                        sizes.append(st.size(p, r))
    return max(sizes) if sizes else 0.0


def step_size(size: float) -> float | None:
    """The next standard size below `size`, or None below 五号."""
    smaller = [s for s in SIZES if s < size - 0.01]
    return smaller[0] if smaller else None


def resize_tables(doc, steps: int) -> float:
    """Steps 3…: every run of the tables `steps` standard sizes smaller than it is (lines 1.4 × the size where the
    line was exact); returns the size the table text is now set in."""
    st = _styles(doc)
    plan = []
    for tbl in _tables(doc):
        for p in tbl.iter(qn("w:p")):
            runs = list(p.iter(qn("w:r")))
            for r in runs + [None]:
                s = st.size(p, r)
                for _ in range(steps):
                    s = step_size(s) or s
                plan.append((p, r, max(MIN_SIZE, s)))
    for p, r, s in plan:
        if r is None:
            ppr = p.get_or_add_pPr()
            X.set_ppr(ppr, line=s * 1.4)
            X.set_rpr(X._ordered(ppr, "w:rPr", X._PPR_ORDER), size=s)
        else:
            rpr = r.find(qn("w:rPr"))
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                r.insert(0, rpr)
            X.set_rpr(rpr, size=s)
    return table_size(doc)


def _writable(doc):
    """The 回执's table and its rows for a seal (签收单位（盖章）) and for handwriting (办理情况): (table, seal row
    index or None, writing row index or None); (None, None, None) when the form has no such rows."""
    tables = _tables(doc)
    if not tables:
        return None, None, None
    receipt = tables[-1]
    rows = receipt.findall(qn("w:tr"))

    def label(tr):
        cells = tr.findall(qn("w:tc"))
        return "".join(t.text or "" for t in cells[0].iter(qn("w:t"))) if cells else ""

    def empty(tr):
        cells = tr.findall(qn("w:tc"))
        return len(cells) > 1 and not "".join(t.text or "" for c in cells[1:] for t in c.iter(qn("w:t"))).strip()

    seal = next((i for i, tr in enumerate(rows) if "盖章" in label(tr) and empty(tr)), None)
    write = next((i for i, tr in enumerate(rows) if "办理情况" in label(tr) and empty(tr)), None)
    return (receipt, seal, write) if seal is not None or write is not None else (None, None, None)


def deficit(doc, m: Measure | None = None) -> float:
    """How much the 回执's seal and writing rows are short of SEAL_ROW_MIN and WRITE_ROW_MIN (pt); `m`: the form's
    measure, if it has one."""
    tbl, seal, write = _writable(doc)
    if tbl is None:
        return 0.0
    h = (m or Measure(doc)).table(tbl)
    return sum(max(0.0, need - (h[i] - BORDER)) for i, need in ((seal, SEAL_ROW_MIN), (write, WRITE_ROW_MIN))
               if i is not None)


def give_spare(doc, spare: float, m: Measure | None = None) -> None:
    """The page's spare height to the 回执's rows: first each up to its minimum (a seal's, a few lines of
    handwriting), then the seal's row up to SEAL_ROW_MAX and the rest to the writing row; `m`: the form's
    measure, if it has one."""
    tbl, seal, write = _writable(doc)
    if tbl is None or spare <= 1:
        return
    rows = tbl.findall(qn("w:tr"))
    heights = [h - BORDER for h in (m or Measure(doc)).table(tbl)]
    new = {i: heights[i] for i in (seal, write) if i is not None}
    for i, need in ((seal, SEAL_ROW_MIN), (write, WRITE_ROW_MIN)):
        if i is not None and need > new[i]:
            add = min(spare, need - new[i])
            new[i] += add
            spare -= add
    if seal is not None and write is not None:
        add = min(spare / 2, max(0.0, SEAL_ROW_MAX - new[seal]))
        new[seal] += add
        new[write] += spare - add
    else:
        new[seal if seal is not None else write] += spare
    for i, h in new.items():
        if h <= heights[i] + 0.5:
            continue
        tr = rows[i]
        trpr = tr.find(qn("w:trPr"))
        if trpr is None:
            trpr = OxmlElement("w:trPr")
            tr.insert(0, trpr)
        trh = trpr.find(qn("w:trHeight"))
        if trh is not None and trh.get(qn("w:hRule")) == "exact":
            continue
        if trh is None:
            trh = OxmlElement("w:trHeight")
            trpr.append(trh)
        trh.set(qn("w:val"), str(math.floor(h * 20)))
        trh.set(qn("w:hRule"), "atLeast")


def withdraw_spare(doc) -> None:
    """The 回执's seal and writing rows back to their minimum heights (SEAL_ROW_MIN, WRITE_ROW_MIN), the spare
    height give_spare gave them withdrawn: for a slip whose PDF still ran over its page at the last step (the
    measure was short by more than the steps take away; issuing/slips.py one_sheet)."""
    tbl, seal, write = _writable(doc)
    if tbl is None:
        return
    rows = tbl.findall(qn("w:tr"))
    for i, need in ((seal, SEAL_ROW_MIN), (write, WRITE_ROW_MIN)):
        trh = rows[i].find(f"{qn('w:trPr')}/{qn('w:trHeight')}") if i is not None else None
        if trh is not None and trh.get(qn("w:hRule")) != "exact" and _tw(trh.get(qn("w:val"))) > need:
            trh.set(qn("w:val"), str(math.floor(need * 20)))


@dataclass(frozen=True)
class Fit:
    level: int  # the step the form was set at (0: as the template is)
    fits: bool  # measured to fit one page
    size: float  # the table text's size after the steps
    template_size: float  # the table text's size in the template


def apply(doc, level: int) -> float:
    """The steps up to `level` applied to a filled form; returns its table text's size."""
    size = resize_tables(doc, level - ROWS) if level > ROWS else None
    if level >= SPACING:
        tighten_spacing(doc)
    if level >= ROWS:
        drop_row_heights(doc)
    return table_size(doc) if size is None else size  # the later steps change no size


def max_level(size: float) -> int:
    """The last step for table text of `size`: as many size steps as standard sizes down to 五号."""
    return ROWS + len([s for s in SIZES if s < size - 0.01 and s >= MIN_SIZE])


def needed_level(data_or_doc, start: int = 0) -> int:
    """The first step at which the form measures to fit (the last step when none does)."""
    return _first_fitting(data_or_doc, start)[0]


def _first_fitting(doc, start: int, size: float | None = None):
    """(the first step from `start` at which the form measures to fit, or the last step; the form tried at that
    step, a _Probe, with its measured body, deficit, measure and table text's size; None when no step was
    tried). size: the form's table text's size, when known."""
    import copy
    top = max_level(table_size(doc) if size is None else size)
    tried = None
    for level in range(start, top + 1):
        trial = copy.deepcopy(doc.element.body)
        probe = _Probe(doc, trial)
        now = apply(probe, level)
        m = Measure(probe)
        tried = (probe, m.body(), deficit(probe, m), m, now)
        if tried[1] + tried[2] <= Measure(doc).height() - SAFETY:
            return level, tried
    return top, tried if top >= start else None


class _Probe:
    """A document whose body is a copy: the steps tried on it leave the form as it was."""

    def __init__(self, doc, body):
        self._doc = doc
        self.part = doc.part  # its styles are the document's (oxml.read_styles)
        self.sections = doc.sections
        self.element = _Element(body)


class _Element:
    def __init__(self, body):
        self.body = body


def no_grid(doc) -> None:
    """No document grid (gbt9704.md: exact line pitch only). A template saved by Word or WPS from a Chinese
    default document carries `w:docGrid w:type="lines"`; LibreOffice then snaps every line to the grid's pitch,
    and every slip of the example year ran onto a second page."""
    for sect in doc.element.body.iter(qn("w:sectPr")):
        for g in sect.findall(qn("w:docGrid")):
            sect.remove(g)


def fit(doc, floor: int = 0, spare: bool = True) -> Fit:
    """Set a filled form on one page: no document grid, the first step from `floor` that measures to fit, then
    the spare height to the 回执's rows. The form tried at that step is the form set at it: its body is taken
    over, with its measure."""
    global _SCOPE
    no_grid(doc)
    _SCOPE = (X.read_styles(doc)[0], _styles(doc))  # the steps change the body, never a style
    try:
        before = table_size(doc)
        level, tried = _first_fitting(doc, floor, before)
        m = Measure(doc)
        if tried is None:
            size = apply(doc, level)
            body, short = m.body(), deficit(doc, m)
        else:
            probe, body, short, m, size = tried  # its tables, measured, are the form's now
            mine = doc.element.body
            for el in list(mine):
                mine.remove(el)
            for el in list(probe.element.body):
                mine.append(el)
        left = m.height() - SAFETY - body
        fits = left - short >= 0
        if spare and left > 0:
            give_spare(doc, left, m)
        return Fit(level, fits, size, before)
    finally:
        _SCOPE = None


def describe(level: int, template_size: float, size: float) -> str:
    """What the steps did, in Chinese, for the console and the build summary."""
    parts = []
    if level >= SPACING:
        parts.append("行距收紧为字号的1.25倍（表格内外）")
    if level >= ROWS:
        parts.append("表格取消最小行高")
    if level > ROWS and size < template_size:
        parts.append(f"表格文字由{SIZE_NAMES.get(template_size, f'{template_size:g}磅')}缩为"
                     f"{SIZE_NAMES.get(size, f'{size:g}磅')}（{size:g}磅）")
    return "、".join(parts)


if __name__ == "__main__":  # pragma: no cover - python -m docgen.documents.fit a.docx…: the measure of files
    import sys

    import docx

    for f in sys.argv[1:]:
        d = docx.Document(f)
        m = Measure(d)
        print(f"{f}: {m.body():.1f} pt of {m.height():.1f}; table text {table_size(d):g} pt; step {needed_level(d)}")
