"""Numbers, dates and 文号 never split across lines in the PDF (issue 17 item 10; docs/layout.md 数字不断行).

A token (泰高管发〔2021〕11号, 2026年11月10日, 11月10日, 43天, 第2期, 98.5%, 2026-GW05-4) is set as a run of its
own whose language is a Western one for its East Asian characters too (w:lang w:val and w:eastAsia en-US), with
U+2060 WORD JOINER between its characters wherever a line could otherwise break.

Why both (measured on LibreOffice 7.4, docs/layout.md): Writer asks the break iterator of the language of the
text at the line end. For Chinese (zh-CN) that is BreakIterator_CJK (i18npool breakiterator_cjk.cxx), which may
break before any character not in the forbidden-character lists and knows no word joiner; for a Western language
it is ICU's line breaker (UAX #14), which never breaks at a word joiner (rule LB11). Either one alone left the
tokens split as before; the two together kept every one whole. LibreOffice draws the joiner as nothing and does
not put it into the PDF's text.

This is done to the copy LibreOffice converts (pdf.for_libreoffice), not to the issued .docx: the .docx keeps
its text as the registers say it, so that a clerk searching or copying 督交〔2026〕3号 in Word or WPS finds it,
and no invisible character comes into the document a clerk edits. Word's own "no-width non break" is U+200D,
which LibreOffice 7.4 does not honour (measured: tokens split as before, and U+200D printed into the PDF text),
so no one character is honoured by both; Word and WPS break the .docx by their own rules (not measured here).
fit.py measures a slip with the tokens unbroken (spans), as LibreOffice will set them.

`join_element(root)` rewrites every run under an lxml element (a document, header or footer part) that holds a
token (in a narrow table cell, the pieces of a token that fit its line: _parts); it is idempotent, and a run
without a token is left as it is. `spans(text)` finds the tokens.
"""
from __future__ import annotations

import copy
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from . import metrics

WJ = "\u2060"
# a break opportunity before a token (UAX #14 LB8: a break after ZERO WIDTH SPACE): a token's run is Western, and
# for a line end inside it Writer asks ICU, which keeps a run of tokens joined by single punctuation together
# (7月17日、8月21日、9月15日 was one unbreakable stretch, spacing its line out); not after an opening bracket or
# quote, which must not end a line, nor at a paragraph's start or after a Latin letter or digit
ZW = "\u200b"
_NO_BREAK_AFTER = "（〔《〈“‘【「『([{"
LANG = "en-US"  # the Western language the token's run is given, for its East Asian characters as well

_HAN = "\u4e00-\u9fff"
# a 文号's 发文机关代字 is the Chinese run before 〔 (at most 4 characters: 泰高管发, 鲁政办字), cut after a word
# that introduces a document in running text (根据、依据、按照、见、对、将、和、及、与、或、的, 单位, 交办单)
_CUT = "据照按见对将和及与或的位单"
_PATTERN = re.compile("|".join((
    rf"[{_HAN}]{{0,4}}〔\d{{4}}〕(?:\d+号)?",  # 文号: 泰高管发〔2021〕11号, 〔2026〕
    r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?|度)?",  # 2026年11月10日, 2026年11月, 2026年度, 2026年
    r"\d{1,2}月\d{1,2}日",  # 11月10日
    r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+",  # 2026-GW05-4, 0538-1234567
    rf"第?（\d+）[{_HAN}]?",  # 第（1）项
    rf"第?\d+(?:\.\d+)?(?:[%％]|[{_HAN}])?",  # 43天, 第2期, 98.5分, 85%
)))


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token in text, in order; a token is at least two characters."""
    out = []
    for m in _PATTERN.finditer(text):
        start, end = m.span()
        if "〔" in m.group():
            head = m.group()[:m.group().index("〔")]
            cut = max((head.rfind(c) for c in _CUT), default=-1)
            start += cut + 1
        if end - start >= 2:
            out.append((start, end))
    return out


def _glue(a: str, b: str) -> bool:
    """Whether a word joiner goes between the characters a and b of a token: everywhere a line breaker could
    break. Digits and Latin letters stay together without one (UAX #14 rules LB23–LB29: 2026, 98.5, GW05),
    so do an opening bracket and what follows it (LB14), and what precedes a closing bracket or a percent sign
    (LB13, LB25)."""
    if a.isascii() and a.isalnum() and (b.isascii() and b.isalnum() or b == "."):
        return False
    if a == "." and b.isascii() and b.isdigit():
        return False
    return not (a in "〔（" or b in "〕）%％")


def joined(token: str) -> str:
    """The token's text with word joiners where a line could break."""
    out = token[:1]
    for a, b in zip(token, token[1:]):
        out += (WJ if _glue(a, b) else "") + b
    return out


def _text_runs(root):
    return [r for r in root.iter(qn("w:r")) if any(t.text for t in r.iterchildren(qn("w:t")))]


def _mark(rpr) -> None:
    """A token's run: its language Western for East Asian text too, so that Writer asks ICU, which honours the
    word joiner."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        from . import oxml as X

        lang = X._ordered(rpr, "w:lang", X._RPR_ORDER)
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)


def _is_token_run(r) -> bool:
    lang = r.find(f"{qn('w:rPr')}/{qn('w:lang')}")
    return lang is not None and lang.get(qn("w:eastAsia")) == LANG


CELL_PAD = 6.0  # pt of a table cell's width that text cannot use: docgen's cell margins (gbt9704.CELL_PAD each side)
TABLE_SIZE, TABLE_FACE = 14.0, "仿宋_GB2312"  # table text (表格文字) when a run does not say


def _limit(r) -> tuple[float, float, str] | None:
    """(width in pt, size, face) of a line of run r when it is in a table cell of known width; None for a body
    line, which holds any token."""
    tc = next((a for a in r.iterancestors(qn("w:tc"))), None)
    if tc is None:
        return None
    w = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
    if w is None or w.get(qn("w:type"), "dxa") != "dxa" or not (w.get(qn("w:w")) or "").isdigit():
        return None
    sz = r.find(f"{qn('w:rPr')}/{qn('w:sz')}")
    size = int(sz.get(qn("w:val"))) / 2 if sz is not None and (sz.get(qn("w:val")) or "").isdigit() else TABLE_SIZE
    fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    face = (fonts.get(qn("w:eastAsia")) if fonts is not None else None) or TABLE_FACE
    return int(w.get(qn("w:w"))) / 20 - CELL_PAD, size, face


def _fits(token: str, limit) -> bool:
    return limit is None or metrics.width(token, limit[1], limit[2]) <= limit[0]


def _parts(token: str, limit) -> list[str]:
    """A token as the pieces to keep whole: itself, or, when it is wider than a narrow table cell's line (where
    LibreOffice would break it anyway, leaving a character alone on a line), its 机关代字 and the rest of a
    文号 (泰高管发 / 〔2021〕11号), or the year and the rest of a date (2026年 / 11月10日). A piece still wider
    than the line is not joined."""
    if _fits(token, limit):
        return [token]
    for mark, after in (("〔", False), ("年", True)):
        i = token.find(mark)
        if 0 < i < len(token) - 1:
            i += 1 if after else 0
            return [token[:i], token[i:]]
    return [token]


def _split_run(r) -> None:
    """Replace run r by runs in which each token stands alone (joined and marked); other content (w:br, w:tab…)
    keeps its place and the run's properties."""
    rpr = r.find(qn("w:rPr"))
    limit = _limit(r)
    pieces: list[tuple[str, object]] = []  # ("text", str) | ("token", str) | ("el", element)
    for child in r:
        if child.tag == qn("w:rPr"):
            continue
        if child.tag != qn("w:t"):
            pieces.append(("el", child))
            continue
        text = (child.text or "").replace(WJ, "").replace(ZW, "")
        at = 0
        for start, end in spans(text):
            if start > at:
                pieces.append(("text", text[at:start]))
            for part in _parts(text[start:end], limit):
                pieces.append(("token" if len(part) > 1 and _fits(part, limit) else "text", part))
            at = end
        if at < len(text):
            pieces.append(("text", text[at:]))
    out, current = [], None

    def new_run(token: bool):
        n = OxmlElement("w:r")
        for k, v in r.attrib.items():
            n.set(k, v)
        if rpr is not None:
            n.append(copy.deepcopy(rpr))
        if token:
            _mark(_rpr_of(n))
        out.append(n)
        return n

    before = _prev_char(r)
    for kind, value in pieces:
        if kind == "token":
            n = new_run(True)
            n.append(_t((ZW if _breakable_after(before) else "") + joined(value)))
            current, before = None, value[-1:]
            continue
        if kind == "text":
            before = value[-1:] or before
        if current is None:
            current = new_run(False)
        current.append(_t(value) if kind == "text" else value)
    for n in out:
        r.addprevious(n)
    r.getparent().remove(r)


def _breakable_after(c: str) -> bool:
    """Whether a line may end after character c and before a token that follows it."""
    return bool(c) and not c.isspace() and c not in _NO_BREAK_AFTER and not (c.isascii() and c.isalnum())


def _prev_char(r) -> str:
    """The character before run r in its paragraph ("" at its start)."""
    for prev in r.itersiblings(preceding=True):
        if prev.tag != qn("w:r"):
            continue
        texts = [t.text or "" for t in prev.iterchildren(qn("w:t"))]
        text = "".join(texts).replace(WJ, "").replace(ZW, "")
        if text:
            return text[-1]
    return ""


def _rpr_of(r):
    rpr = r.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        r.insert(0, rpr)
    return rpr


def _t(text: str):
    t = OxmlElement("w:t")
    t.text = text
    if text != text.strip() or "  " in text:
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return t


def _needs(r) -> bool:
    """Whether run r holds a token not yet joined: any token, unless the run is exactly one joined token."""
    texts = [t.text or "" for t in r.iterchildren(qn("w:t"))]
    plain = "".join(texts).replace(WJ, "").replace(ZW, "")
    found = spans(plain)
    if not found:
        return False
    if _is_token_run(r) and len(texts) == 1 and found == [(0, len(plain))] and texts[0] in (joined(plain),
                                                                                              ZW + joined(plain)):
        return False
    return True


def join_element(root) -> int:
    """Join the tokens of every run under an lxml element (a document, header or footer part's root); the
    number of runs rewritten."""
    n = 0
    for r in _text_runs(root):
        if _needs(r):
            _split_run(r)
            n += 1
    return n
