"""`docgen import 台账.xlsx`: an office's Excel 台账 (or docgen's own, outputs/ledger_xlsx.py) as YAML registers.

A sheet has a title (often merged cells), maybe a blank row, then its header: the header is the first row that
names the item's text (督办事项/事项内容) and its lead unit (牵头单位/责任单位); the columns are found by their
usual names (COLUMNS), whatever their order. Every row below it is an item, unless it is blank.

Which source a row belongs to: the sheet's name when it is a declared source's sheet (docgen's own 台账 has one
sheet per source), else its 事项来源: the longest word of a declared source (its label, sheet, name, or a word of
its vocabulary) the text contains. The source's own details come from the 事项来源 text and the
会议名称/批示领导/文号 column (docgen's own 来源 column, as `describe` wrote it, is read back). A row that leaves
anything open (no source, an ambiguous date, a unit not in units.yaml, a text a register cannot hold) is refused
with its sheet, row and column; one refused row refuses the import and nothing is written.

Every item is written with its 交办日期 and 办结时限 as they stand in the sheet (`assigned`, `due`): the deadline
the office has, not one recomputed. Values are written by yaml.SafeDumper (without anchors); the files are checked by the register
loader, with the registers already in the folder, before any is written; an existing file is never replaced.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import tempfile
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core.diagnostics import Diagnostic, DocgenError, InputErrors
from ..core.files import safe_name
from ..kinds import parse_number
from . import sources
from .load import MAX_TEXT, _read_files, parse_registers, unprintable

# column -> the names offices give it (after removing blanks and line breaks)
COLUMNS = {
    "序号": ("序号",),
    "来源": ("事项来源", "来源"),
    "名称": ("会议名称", "批示领导", "文号", "来文文号", "会议名称/批示领导/文号"),
    "事项": ("督办事项", "事项内容", "督办内容"),
    "牵头单位": ("牵头单位", "责任单位", "主办单位"),
    "配合单位": ("配合单位", "协办单位"),
    "交办日期": ("交办日期",),
    "办结时限": ("办结时限", "完成时限"),
    "办理情况": ("办理情况", "进展", "进展情况"),
    "交办单号": ("交办单号",),
}
REQUIRED = ("事项", "牵头单位", "交办日期")
# what each column becomes, for the table `import` shows
USE = {"序号": "（不导入，事项另编编号）", "来源": "来源的种类、名称和日期", "名称": "会议名称 / 批示领导 / 文号",
       "事项": "事项内容 text（督导整改为 finding）", "牵头单位": "牵头单位 lead", "配合单位": "配合单位 co",
       "交办日期": "交办日期 assigned", "办结时限": "办结时限 due", "办理情况": "（不导入：进展记录须写日期和类型）",
       "交办单号": "纸质出具的单号 slip（机关代字须是编号机构的），交办日期为 slip_date；其他的不导入"}
HEADER_SCAN = 20  # the header is looked for in the first rows of a sheet
# what a 台账 can be: a sheet of an office's items has some thousands of rows and some tens of columns; a workbook
# past these (a stray cell at XFD1048576, a zip bomb) is refused before it is read, not read for hours
MAX_ROWS, MAX_COLUMNS = 100_000, 200
MAX_UNPACKED = 200 * 2**20  # bytes of the workbook's parts, unpacked
MAX_MERGED_CELLS = 1_000_000  # cells in merged ranges: openpyxl makes an object of each when it opens the sheet
MAX_CELLS = 2_000_000  # cells written in the sheets (100000 rows of 20 columns): likewise an object each

_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_DOT_DATE = re.compile(r"^(\d{4})[.\-/](\d{1,2})[.\-/](\d{1,2})$")
_SPLIT = re.compile(r"[、，,；;\s]+")
# what outputs/ledger_xlsx.py writes in 来源 (each source's `describe`), read back
_MEETING_DESC = re.compile(r"^(?P<title>.+)（(?P<date>\d{4}年\d{1,2}月\d{1,2}日)）议定事项$")
_INSTRUCTION_DESC = re.compile(r"^(?P<leader>.+?)(?P<date>\d{4}年\d{1,2}月\d{1,2}日)(?:在《(?P<on>.*)》上的批示|交办事项)$")
_DOCUMENT_DESC = re.compile(r"^(?:来文：)?(?P<number>[^《]*)《(?P<title>.+)》$")
_INSPECTION_DESC = re.compile(r"^(?P<date>\d{4}年\d{1,2}月\d{1,2}日)?(?P<form>.+?)(?:发现问题)?$")


def norm_header(v) -> str:
    """A header as compared: no blanks or line breaks, no bracketed remark (牵头单位（部门） is 牵头单位)."""
    if v is None:
        return ""
    h = re.sub(r"\s+", "", str(v))
    return re.sub(r"[（(][^（）()]*[）)]$", "", h) or h


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


@dataclass
class Row:
    sheet: str
    row: int
    cells: dict  # column -> (letter, value)
    heads: dict = field(default_factory=dict)  # column -> its header as the sheet writes it (责任单位)

    def bad(self, p: "Problems", col: str, msg: str) -> None:
        """A problem of this row in a column, named as the sheet names it, with its letter."""
        p.add(self.sheet, self.row, self.heads.get(col) or COLUMNS[col][0], self.cells.get(col, ("", None))[0], msg)


@dataclass
class Sheet:
    name: str
    header_row: int
    columns: dict  # column -> (index, header as written)
    rows: list = field(default_factory=list)
    others: list = field(default_factory=list)  # (index, header as written) of the header's other columns

    def table(self) -> list[list[str]]:
        """Each column of the header, in order: as written, its letter, what it becomes."""
        cols = [(i, head, USE[col]) for col, (i, head) in self.columns.items()]
        cols += [(i, head, "（不导入）") for i, head in self.others]
        return [[head, _col_letter(i), use] for i, head, use in sorted(cols)]


class Problems:
    def __init__(self, xlsx: str):
        self.xlsx, self.out = xlsx, []

    def add(self, sheet: str, row: int, column: str, letter: str, msg: str) -> None:
        where = f"{column}（{letter}列）" if letter else column
        self.out.append(Diagnostic(f"{self.xlsx} 工作表「{sheet}」", row, where, f"第{row}行：{msg}"))


def find_header(ws) -> tuple[int, dict] | None:
    """The header row of a sheet (1-based) and its columns, or None when the sheet has none (a summary sheet)."""
    for r, values in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_SCAN, values_only=True), 1):
        found: dict = {}
        for c, v in enumerate(values, 1):
            h = norm_header(v)
            for col, names in COLUMNS.items():
                if h in names and col not in found:
                    found[col] = (c, str(v).strip())
        if "事项" in found and "牵头单位" in found:
            return r, found
    return None


def parse_date(v, what: str) -> tuple[dt.date | None, str]:
    """A cell as a date: an Excel date, or text 2026年3月5日 / 2026.3.5 / 2026-03-05 / 2026/3/5. Anything else
    (3月5日 without its year, a bare number) is refused: (None, why)."""
    if isinstance(v, dt.datetime):
        if v.time() != dt.time(0):
            return None, f"{what}「{v}」带有时刻，应为日期"
        return v.date(), ""
    if isinstance(v, dt.date):
        return v, ""
    if isinstance(v, bool) or isinstance(v, (int, float)):
        return None, (f"{what}「{v}」是一个数字，看不出是哪一天：请把单元格设为日期格式，或写成 2026年3月5日")
    s = str(v).strip()
    t = s.removesuffix("前").rstrip()  # 办结时限 2026年11月30日前: the day itself
    m = _CN_DATE.match(t) or _DOT_DATE.match(t)
    if not m:
        if re.match(r"^\d{1,2}\s*月\s*\d{1,2}\s*日$", t) or re.match(r"^\d{1,2}[.\-/]\d{1,2}$", t):
            return None, f"{what}「{s}」没有写年份，不能确定是哪一年：请写成 2026年3月5日"
        return None, f"{what}「{s}」不是日期：请写成 2026年3月5日、2026.3.5 或 2026-03-05，或设为日期格式"
    y, mo, d = (int(x) for x in m.groups())
    try:
        return dt.date(y, mo, d), ""
    except ValueError:
        return None, f"{what}「{s}」不存在"


@dataclass(frozen=True)
class _Uncomputed:
    """A formula cell the file holds no computed value of: refused (read as empty, it would silently drop a date
    or a unit)."""

    formula: str


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10]
    return str(v).strip()


def _cn_date(s: str) -> dt.date:
    m = _CN_DATE.match(s)
    return dt.date(*(int(x) for x in m.groups()))


def _choose_source(text: str, vocabulary: dict) -> tuple["sources.SourceKind | None", str]:
    """The declared source a 事项来源 names: the longest word contained; None when none or two sources tie."""
    text = _outside_titles(text)
    best: list = []
    for s in sources.written():
        words = {w: (s, "") for w in (s.label, s.sheet, s.what, *s.import_words) if w}
        if s.vocabulary:
            words.update({w: (s, w) for w in vocabulary.get(s.vocabulary.group, {})})
        for w, hit in words.items():
            if w and w in text:
                best.append((len(w), hit))
    if not best:
        return None, ""
    top = max(n for n, _ in best)
    hits = {h[0].kind: h for n, h in best if n == top}
    if len(hits) > 1:
        return None, "两种来源：" + "、".join(h[0].label for h in hits.values())
    return next(iter(hits.values()))


def _outside_titles(text: str) -> str:
    """A 事项来源 without the titles in 《》 it quotes: a word in a document's title says nothing of the source."""
    return re.sub(r"《[^》]*》", "", text)


def _word_in(text: str, words) -> str:
    text = _outside_titles(text)
    found = [w for w in words if w in text]
    return max(found, key=len) if found else ""


def _merged(ws, below: int) -> dict:
    """(row, column) -> value for every cell of a merged range below the header: an office merges 事项来源 down the
    rows of one meeting, and each of those rows has it."""
    out = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= below:
            continue
        v = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out[(r, c)] = v
    return out


def read_sheets(path: Path, sheet: str | None, p: Problems, skipped: list | None = None) -> list[Sheet]:
    from openpyxl import load_workbook

    if not path.is_file():
        raise DocgenError(f"找不到 Excel 台账 {path}" if not path.exists() else f"{path} 不是文件")
    uncomputed = _refuse_too_big(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise DocgenError(f"无法打开 {path}：不是 Excel 工作簿（.xlsx），或文件已损坏（{type(e).__name__}）。"
                          "旧版的 .xls 请先在 Excel 或 WPS 中另存为 .xlsx")
    formulas = None  # a formula cell the file holds no result of reads as empty with data_only: opened again to
    if uncomputed:  # tell it from an empty one, only when the scan before opening saw such a cell
        try:
            formulas = load_workbook(path)
        except Exception:  # noqa: BLE001 - read just above; as unlikely to fail as that
            formulas = None
    names = wb.sheetnames
    if sheet is not None and sheet not in names:
        raise DocgenError(f"{path} 中没有工作表「{sheet}」（有：{'、'.join(names)}）")
    out = []
    # the sheets docgen's own 台账.xlsx has for the work that recurs: derived from rules.yaml or a target's milestones,
    # never items of their own to import
    standing = {s.sheet for s in sources.all() if s.standing}
    for name in ([sheet] if sheet is not None else names):
        if name in standing:
            if sheet is not None:
                raise DocgenError(f"{path} 工作表「{name}」是 docgen 按年度目标或 rules.yaml 推算的周期性工作，不能导入："
                                  "请在 targets、rules.yaml 的 reports、schedules 中登记")
            if skipped is not None:
                skipped.append(name)
            continue
        ws = wb[name]
        if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS:
            last = f"{_col_letter(ws.max_column)}{ws.max_row}"
            raise DocgenError(f"{path} 工作表「{name}」用到了第{ws.max_row}行、第{ws.max_column}列（直到单元格 {last}），"
                              f"超过 docgen import 能读的{MAX_ROWS}行、{MAX_COLUMNS}列：请删除表格下方和右侧多余的"
                              "单元格（或其格式）后再导入")
        found = find_header(ws)
        if found is None:
            if sheet is not None:
                raise DocgenError(f"{path} 工作表「{name}」的前{HEADER_SCAN}行中找不到表头："
                                  f"表头须有“督办事项”（或“事项内容”）和“牵头单位”（或“责任单位”）")
            if skipped is not None:
                skipped.append(name)
            continue
        r0, cols = found
        sh = Sheet(name, r0, cols)
        header = next(ws.iter_rows(min_row=r0, max_row=r0, values_only=True))
        used = {i for i, _ in cols.values()}
        sh.others = [(i, str(v).strip()) for i, v in enumerate(header, 1) if i not in used and _text(v)]
        merged = _merged(ws, r0)
        width = max(i for i, _ in cols.values())
        for r, values in enumerate(ws.iter_rows(min_row=r0 + 1, max_col=width, values_only=True), r0 + 1):
            cells = {col: (_col_letter(i), merged.get((r, i), values[i - 1] if i - 1 < len(values) else None))
                     for col, (i, _) in cols.items()}
            if formulas is not None:
                for col, (i, _) in cols.items():
                    if cells[col][1] is None and (r, i) not in merged:
                        f = formulas[name].cell(r, i)
                        if f.data_type == "f":
                            cells[col] = (cells[col][0], _Uncomputed(str(f.value)))
            row = Row(name, r, cells, {col: head for col, (_, head) in cols.items()})
            uncomputed = [(col, v) for col, (_, v) in cells.items() if isinstance(v, _Uncomputed)]
            for col, v in uncomputed:  # the row is refused for it, and not read further
                row.bad(p, col, f"单元格是公式「{v.formula}」，文件中没有它的计算结果（由程序生成、未经 Excel 或 WPS "
                                "保存过）：请在 Excel 或 WPS 中打开后保存一次，或把公式改为它的值")
            if uncomputed or all(_text(v) == "" for col, (_, v) in cells.items() if col != "序号"):
                continue  # blank, or numbered in advance and not used yet
            sh.rows.append(row)
        out.append(sh)
    if not out:
        raise DocgenError(f"{path} 中没有督办事项表：每个工作表的前{HEADER_SCAN}行中都找不到表头"
                          f"（须有“督办事项”或“事项内容”，和“牵头单位”或“责任单位”）")
    return out


def _refuse_too_big(path: Path) -> bool:
    """A workbook whose parts unpack to more than MAX_UNPACKED is refused before openpyxl unpacks it (a zip
    bomb: a few kilobytes that unpack to gigabytes). The sizes are the zip's own: Python's zipfile reads no part
    past the size its entry declares. Returns whether any cell holds a formula without its result."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            size = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # not a zip: load_workbook says so, in the message below
    if size > MAX_UNPACKED:
        raise DocgenError(f"无法打开 {path}：工作簿解压后有{size // 2**20}MB，超过 docgen import 能读的"
                          f"{MAX_UNPACKED // 2**20}MB，不像是一份台账（或文件已损坏）")
    return _refuse_huge_merges(path)


def _refuse_huge_merges(path: Path) -> bool:
    """A merged range openpyxl would spend hours and gigabytes opening (J5:XFD1048576 is 1.7e10 cells, each made
    an object when the sheet is read), or millions of cells written (`<c r="A1"/>` is 12 bytes, and compresses to
    almost nothing): refused from the parts' own <mergeCell ref="…"> and <c> before load_workbook. Returns
    whether a cell holds a formula (<f>) without its result (<v>)."""
    import zipfile

    from lxml import etree
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.constants import SHEET_MAIN_NS

    tag, cell = f"{{{SHEET_MAIN_NS}}}mergeCell", f"{{{SHEET_MAIN_NS}}}c"
    formula, value = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
    total = cells = 0
    uncomputed = False
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.filename.endswith(".xml"):
                continue
            try:
                with z.open(info) as f:
                    for _, el in etree.iterparse(f, events=("end",), tag=(tag, cell), resolve_entities=False,
                                                 no_network=True, huge_tree=False):
                        if el.tag == cell:
                            if not uncomputed and el.find(formula) is not None:
                                v = el.find(value)
                                uncomputed = v is None or not (v.text or "").strip()
                            el.clear()
                            cells += 1
                            if cells > MAX_CELLS:
                                raise DocgenError(f"无法打开 {path}：工作表中写有超过{MAX_CELLS}个单元格，超过 docgen "
                                                  "import 能读的，不像是一份台账：请删除多余的单元格（或其格式）后再导入")
                            continue
                        ref = el.get("ref") or ""
                        el.clear()
                        try:
                            c0, r0, c1, r1 = range_boundaries(ref)
                        except (ValueError, TypeError):
                            continue  # openpyxl says what it makes of it
                        if r1 > MAX_ROWS or c1 > MAX_COLUMNS:
                            raise DocgenError(f"无法打开 {path}：有合并单元格 {ref} 延伸到第{r1}行、第{c1}列，超过 docgen "
                                              f"import 能读的{MAX_ROWS}行、{MAX_COLUMNS}列：请取消这个合并后再导入")
                        total += (r1 - r0 + 1) * (c1 - c0 + 1)
                        if total > MAX_MERGED_CELLS:
                            raise DocgenError(f"无法打开 {path}：合并单元格共有超过{MAX_MERGED_CELLS}个单元格，"
                                              "不像是一份台账：请取消多余的合并后再导入")
            except etree.XMLSyntaxError:
                continue  # not XML: load_workbook says so
    return uncomputed


@dataclass
class Parsed:
    """One row, read: the item's fields and its source's."""

    row: Row
    source: "sources.SourceKind"
    text: str
    lead: str
    co: list
    assigned: dt.date
    due: dt.date | None
    src_text: str  # 事项来源 as written
    name: str  # 会议名称/批示领导/文号 as written
    word: str  # the source's vocabulary word the row names, or ""
    progress: str
    slip: str = ""  # 交办单号 of a slip issued on paper (the issuer's prefix for the kind that assigns it), or ""
    other_slip: str = ""  # 交办单号 written but not the issuer's: not imported (told)


def parse_row(row: Row, units, vocabulary: dict, p: Problems, years: tuple[int, int] = (1, 9999),
              prefixes: dict | None = None) -> Parsed | None:
    """One row, checked: its Parsed, or None with every problem of it in p. years: the dates docgen can count;
    prefixes: the default issuer's (kind -> 机关代字), for a 交办单号 issued on paper."""
    n0 = len(p.out)

    def cell(col):
        return row.cells.get(col, ("", None))

    def bad(col, msg):
        row.bad(p, col, msg)

    texts = {}
    for col in ("来源", "名称", "事项", "牵头单位", "配合单位", "办理情况", "交办单号"):
        t = _text(cell(col)[1])
        if col == "配合单位":  # a list: line breaks between the names are separators
            t = "、".join(x for x in _SPLIT.split(t) if x)
        texts[col] = t
        if col in ("办理情况", "交办单号"):
            continue  # read, not imported: what a register could not hold does not matter
        why = unprintable(t) or (f"文字过长（{len(t)}个字符）：一个字段不能超过{MAX_TEXT}个字符" if len(t) > MAX_TEXT else None)
        if why:
            if "换行" in why:
                why += "（Excel 单元格中按 Alt+Enter 的换行；台账的一个字段只有一行）"
            bad(col, why)
    if not texts["事项"]:
        bad("事项", "没有事项内容")
    # a unit as the sheet writes it: its name, or an alias (units.yaml `aliases`), written as the unit's name
    full = {a: u.name for u in units.values() for a in getattr(u, "aliases", ())}
    full.update({n: n for n in units})
    lead = texts["牵头单位"]
    lead = full.get(lead, lead)
    if not lead:
        bad("牵头单位", "没有牵头单位：每个事项须有且只有一个牵头单位")
    elif len([x for x in _SPLIT.split(lead) if x]) > 1:
        bad("牵头单位", f"「{lead}」是几个单位：牵头单位只能有一个，其余的请写在配合单位中")
    elif lead not in units:
        bad("牵头单位", f"单位「{lead}」不在单位名录（units.yaml）中：请先在 units.yaml 中登记，或改正单位名称")
    co = [full.get(x, x) for x in _SPLIT.split(texts["配合单位"]) if x]
    if lead and lead in co:
        bad("配合单位", f"牵头单位「{lead}」不应同时列为配合单位")
    for c in co:
        if c not in units:
            bad("配合单位", f"单位「{c}」不在单位名录（units.yaml）中：请先在 units.yaml 中登记，或改正单位名称")
    assigned = due = None
    v = cell("交办日期")[1]
    if _text(v) == "":
        bad("交办日期", "没有交办日期")
    else:
        assigned, why = parse_date(v, "交办日期")
        if why:
            bad("交办日期", why)
    v = cell("办结时限")[1]
    if _text(v) != "":
        due, why = parse_date(v, "办结时限")
        if why:
            bad("办结时限", why)
    for col, d in (("交办日期", assigned), ("办结时限", due)):
        if d is not None and not years[0] <= d.year <= years[1]:
            bad(col, f"日期 {d.isoformat()} 不在{years[0]}—{years[1]}年之间（工作日历已知的年份前后各一年），请检查是否写错")
            assigned, due = (None, due) if col == "交办日期" else (assigned, None)
    if assigned and due and due < assigned:
        bad("办结时限", f"办结时限 {due.isoformat()} 早于交办日期 {assigned.isoformat()}")
    # the source: the sheet's, else what 事项来源 names
    src = next((s for s in sources.written() if row.sheet in (s.sheet, s.label)), None)
    word = ""
    if src is not None:
        if src.vocabulary:
            word = _word_in(texts["来源"] + " " + texts["名称"], vocabulary.get(src.vocabulary.group, {}))
    else:
        src, word = _choose_source(texts["来源"] + " " + texts["名称"], vocabulary)
        if src is None:
            labels = "、".join(s.label for s in sources.written())
            bad("来源", (f"「{texts['来源']}」同时像{word}，不能确定" if word else
                        f"看不出事项属于哪种来源「{texts['来源']}」") + f"：事项来源请写明{labels}之一，或会议类别、批示领导层级等用语")
    if due is None and not word and len(p.out) == n0:
        bad("办结时限", "没有办结时限，也看不出按哪条规则计算（会议类别、批示领导层级、公文办理类别）：请写明办结时限")
    slip, other = "", ""
    number = texts["交办单号"]
    if number and prefixes and src is not None:
        prefix = prefixes["rectify" if src.rectification else "assign"]
        parsed = parse_number(number)
        if parsed is None or parsed[0] != prefix:
            other = number
        elif assigned is not None and parsed[1] != assigned.year:
            bad("交办单号", f"「{number}」的年份{parsed[1]}与交办日期 {assigned.isoformat()} 的年份不符")
        else:
            slip = number
    if len(p.out) > n0:
        return None
    return Parsed(row, src, texts["事项"], lead, co, assigned, due, texts["来源"], texts["名称"], word, texts["办理情况"],
                  slip, other)


# ---------------------------------------------------------------- rows -> register entries, per source

class _PlainDumper(yaml.SafeDumper):
    """safe_dump without anchors: a meeting's date and its item's assigned are the same date object, and written
    as `date: &id001 2026-11-12` … `assigned: *id001` a clerk correcting the meeting's date would change the
    item's with it (and deleting that line would break the file). Every value is written out."""

    def ignore_aliases(self, data):
        return True


def _item(x: Parsed, iid: str, text_key: str = "text") -> dict:
    d = {"id": iid, text_key: x.text, "lead": x.lead}
    if x.co:
        d["co"] = list(x.co)
    d["assigned"] = x.assigned
    if x.due:
        d["due"] = x.due
    if x.slip:  # issued on paper on its 交办日期: adopted, never issued again (docs/registers.md)
        d["slip"], d["slip_date"] = x.slip, x.assigned
    return d


def _meetings(s, rows: list[Parsed], ids, p: Problems) -> list[dict]:
    groups: dict = {}
    for x in rows:  # one meeting: its name, or 来源 as docgen writes it; else its 来源 and the day it assigned
        named = x.name or _MEETING_DESC.match(x.src_text)
        groups.setdefault((x.src_text, x.name, None if named else x.assigned), []).append(x)
    out = []
    for (src_text, name, _), xs in groups.items():
        m = _MEETING_DESC.match(src_text)
        title = name or (m.group("title") if m else src_text) or s.label
        date = _cn_date(m.group("date")) if m else min(x.assigned for x in xs)
        if date > min(x.assigned for x in xs):
            date = min(x.assigned for x in xs)
        mid = ids(s)
        e = {"id": mid}
        word = next((x.word for x in xs if x.word), "")
        if word:
            e["kind"] = word
        e.update({"title": title, "date": date,
                  "items": [_item(x, f"{mid}-{k}") for k, x in enumerate(xs, 1)]})
        out.append(e)
    return out


def _instruction(s, x: Parsed, iid: str, p: Problems) -> dict | None:
    m = _INSTRUCTION_DESC.match(x.src_text)
    leader = x.name or (m.group("leader") if m else "")
    if not leader:
        x.row.bad(p, "名称",
              "领导批示须写明批示领导（“批示领导”列，或事项来源写成“管委会主任2026年6月12日在《…》上的批示”）")
        return None
    e = {"id": iid}
    if x.word:
        e["level"] = x.word
    e.update({"leader": leader, "date": _cn_date(m.group("date")) if m else x.assigned})
    if m and m.group("on"):
        e["on"] = m.group("on")
    e.update({k: v for k, v in _item(x, iid).items() if k != "id"})
    return e


def _document(s, x: Parsed, iid: str, p: Problems) -> dict | None:
    m = _DOCUMENT_DESC.match(x.src_text) or _DOCUMENT_DESC.match(x.name)
    if not m:
        x.row.bad(p, "来源",
              "公文须写明来文标题：事项来源写成《标题》（可在前面写文号，如 泰政办字〔2026〕45号《关于…的通知》）")
        return None
    e = {"id": iid}
    number = (m.group("number") or "").strip() or (x.name if not _DOCUMENT_DESC.match(x.name) else "")
    if number:
        e["number"] = number
    e.update({"title": m.group("title"), "handed": x.assigned})
    if x.word:
        e["category"] = x.word
    e.update({k: v for k, v in _item(x, iid).items() if k not in ("id", "assigned")})
    return e


def _inspection(s, x: Parsed, iid: str, p: Problems) -> dict | None:
    from .sources import INSPECTION_FORMS

    m = _INSPECTION_DESC.match(x.src_text)
    form = _word_in(x.src_text + x.name, INSPECTION_FORMS)
    if not form:
        x.row.bad(p, "来源",
              f"督导整改须写明督导形式（{'、'.join(INSPECTION_FORMS)}）")
        return None
    if x.due is None:
        x.row.bad(p, "办结时限", "督导整改须写整改时限")
        return None
    date = _cn_date(m.group("date")) if m and m.group("date") else x.assigned
    e = {"id": iid, "date": min(date, x.assigned), "form": form}
    e.update({k: v for k, v in _item(x, iid, "finding").items() if k != "id"})
    return e


BUILDERS = {"instruction": _instruction, "document": _document, "inspection": _inspection}


@dataclass
class Plan:
    """What an import writes: file -> (source, how many items, YAML text), and the sheets it read."""

    sheets: list
    files: dict
    rows: int
    progress: int  # rows whose 办理情况 holds text (not imported: a progress entry needs its date and kind)
    skipped: list = field(default_factory=list)  # sheets without a header (a summary, notes)
    slips: int = 0  # rows whose 交办单号 was imported as a paper slip (`slip`)
    other_slips: list = field(default_factory=list)  # 交办单号 not of the issuer's prefix: not imported


def plan(xlsx: Path, registers: Path, sheet: str | None = None, also=None) -> Plan:
    """What importing `xlsx` into `registers` writes, every row checked and the result checked with the registers
    already there; `also(registers)` adds the caller's checks against what docgen issued (a 交办单号 docgen issued,
    as in its own 台账.xlsx, is no paper slip). Raises naming sheet, row and column; writes nothing."""
    from .load import read_registers

    reg, diags = read_registers(registers)
    if diags:
        raise InputErrors(diags)
    p = Problems(str(xlsx))
    skipped: list = []
    sheets = read_sheets(Path(xlsx), sheet, p, skipped)
    for sh in sheets:
        missing = [c for c in REQUIRED if c not in sh.columns]
        if missing:
            raise DocgenError(f"{xlsx} 工作表「{sh.name}」的表头（第{sh.header_row}行）缺少列："
                              + "、".join("/".join(COLUMNS[c]) for c in missing))
    from .calendar import WorkCalendar

    lo, hi = WorkCalendar(reg.calendar_files).known_span()
    parsed: list[Parsed] = []
    for sh in sheets:
        for row in sh.rows:
            x = parse_row(row, reg.units, reg.rules.vocabulary, p, (lo - 1, hi + 1),
                          reg.settings.issuers[reg.settings.default_issuer].prefixes)
            if x:
                parsed.append(x)
    existing = {i.id for i in reg.items} | {i.source.id for i in reg.items}
    counters: dict = {}

    def new_id(s):
        while True:
            counters[s.kind] = counters.get(s.kind, 0) + 1
            iid = f"导入-{s.key}-{counters[s.kind]}"
            if iid not in existing:
                return iid

    by_source: dict = {}
    for x in parsed:
        by_source.setdefault(x.source.kind, []).append(x)
    stem = safe_name(Path(xlsx).stem)
    files: dict = {}
    for s in sources.all():
        xs = by_source.get(s.kind)
        if not xs:
            continue
        if s.kind == "meeting":
            entries = _meetings(s, xs, new_id, p)
        elif s.kind in BUILDERS:
            entries = [e for e in (BUILDERS[s.kind](s, x, new_id(s), p) for x in xs) if e]
        else:
            for x in xs:
                x.row.bad(p, "来源",
                      f"{s.label}的事项还不能从 Excel 导入：请在 {s.folder}/ 中手工录入")
            continue
        rel = f"{s.folder}/导入-{stem}.yaml"
        head = f"# {s.label}：由 docgen import 从 {_comment_safe(Path(xlsx).name)} 导入（{len(xs)}个事项）。\n"
        files[rel] = (s, len(xs), head + yaml.dump({s.key: entries}, Dumper=_PlainDumper, allow_unicode=True,
                                                  sort_keys=False, default_flow_style=False, width=120))
    if p.out:
        raise InputErrors(p.out)
    for rel in files:
        if (registers / rel).exists() or (registers / rel).is_symlink():
            raise DocgenError(f"{registers / rel} 已存在：docgen import 不覆盖已有的文件，请先改名或删除它")
    # the files with the registers already there: what `check` would say
    texts, out = _read_files(registers)
    texts.update({rel: t for rel, (_, _, t) in files.items()})
    merged, diags = parse_registers(texts, str(registers), partial=True)
    if also is not None and merged is not None and merged.settings is not None and not out:
        diags = diags + also(merged)  # the caller's checks against what docgen issued (the ledger)
    if out or diags:  # what the checks of each row above did not foresee: named in the files not yet written
        raise DocgenError("导入后的台账有以下问题，未写出任何文件（所指的导入文件尚未写出）：\n"
                          + "\n".join(str(d) for d in sorted(set(out + diags))))
    return Plan(sheets, files, len(parsed), sum(1 for x in parsed if x.progress), skipped,
                sum(1 for x in parsed if x.slip), [x.other_slip for x in parsed if x.other_slip])


def _comment_safe(text: str) -> str:
    """A file's name as it can stand in a YAML comment: a line break in it (a Linux name may hold one, or NEL,
    U+2028) would end the comment and make the rest of the name YAML (`台账\nprogress: […]`); every control,
    format or separator character is written as \\uXXXX."""
    import unicodedata

    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in text)


def _create(path: Path, text: str) -> None:
    """A new file, whole or not at all, never replacing one: written beside it, then linked to its name (which
    fails if the name is taken); where the disk has no links (some shared drives), renamed when the name is free."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            if path.exists() or path.is_symlink():
                raise FileExistsError(errno.EEXIST, "已存在", str(path))
            os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write(registers: Path, pl: Plan) -> list[Path]:
    """The planned files, each created new (never replacing one); all or none."""
    done: list[Path] = []
    try:
        for rel, (_, _, text) in pl.files.items():
            path = registers / rel
            _create(path, text)
            done.append(path)
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return done
