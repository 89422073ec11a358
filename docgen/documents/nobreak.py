"""Numbers, dates and 文号 never split across lines (issue 17 item 10; docs/layout.md 数字不断行).

A token (泰高管发〔2021〕11号, 2026年11月10日, 11月10日, 43天, 第2期, 98.5%, 2026-GW05-4) is written as a run of its
own whose language is a Western one for East Asian text too (w:lang w:val and w:eastAsia en-US), with U+2060 WORD
JOINER between its characters where a line could otherwise break.

Why both (measured on LibreOffice 7.4, docs/layout.md): Writer asks the break iterator of the language of the
text at the line end. For Chinese (zh-CN) that is BreakIterator_CJK (i18npool breakiterator_cjk.cxx), which
may break before any character that is not in the forbidden-character lists and knows no word joiner; for a
Western language it is ICU's line breaker (UAX #14), which never breaks at a word joiner (rule LB11). Either one
alone left the tokens split as before; the two together kept every one whole. U+2060 is the Unicode character for
"no break here" (Word and WPS are not measured here). It has no width and LibreOffice does not draw it.

`join(doc)` rewrites every run of a python-docx document (body, tables, headers, footers) that holds a token; it
is idempotent, and a run without a token is left as it is (byte for byte). `spans(text)` finds the tokens.
"""
from __future__ import annotations

import copy
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

WJ = "\u2060"
LANG = "en-US"  # the Western language the token's run is given, for its East Asian characters as well

_HAN = "\u4e00-\u9fff"
# a 文号's 发文机关代字 is the Chinese run before 〔 (at most 4 characters), cut after a word that introduces a
# document in running text (根据、依据、按照、见、对、将、和、及、与、或、的)
_CUT = "据照按见对将和及与或的位"
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


def _split_run(r) -> None:
    """Replace run r by runs in which each token stands alone (joined and marked); other content (w:br, w:tab…)
    keeps its place and the run's properties."""
    rpr = r.find(qn("w:rPr"))
    pieces: list[tuple[str, object]] = []  # ("text", str) | ("token", str) | ("el", element)
    for child in r:
        if child.tag == qn("w:rPr"):
            continue
        if child.tag != qn("w:t"):
            pieces.append(("el", child))
            continue
        text = (child.text or "").replace(WJ, "")
        at = 0
        for start, end in spans(text):
            if start > at:
                pieces.append(("text", text[at:start]))
            pieces.append(("token", text[start:end]))
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

    for kind, value in pieces:
        if kind == "token":
            n = new_run(True)
            n.append(_t(joined(value)))
            current = None
            continue
        if current is None:
            current = new_run(False)
        current.append(_t(value) if kind == "text" else value)
    for n in out:
        r.addprevious(n)
    r.getparent().remove(r)


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
    plain = "".join(texts).replace(WJ, "")
    found = spans(plain)
    if not found:
        return False
    if _is_token_run(r) and len(texts) == 1 and found == [(0, len(plain))] and texts[0] == joined(plain):
        return False
    return True


def join_element(root) -> None:
    """Join the tokens of every run under an lxml element (a body, a header, a footer)."""
    for r in _text_runs(root):
        if _needs(r):
            _split_run(r)


def join(doc) -> None:
    """Join the tokens of a python-docx Document: body (tables included), and every header and footer."""
    join_element(doc.element.body)
    for section in doc.sections:
        for part in (section.header, section.footer, section.even_page_header, section.even_page_footer,
                     section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                join_element(part._element)
