"""Where an office's template comes from, and reading it safely: the shipped templates (templates/, in the
package), an office's own copy in <registers>/templates/, which wins; a regular file inside the registers folder
(no symlink, device or pipe), read with a size cap; a .docx that links nowhere outside itself (`links`).
documents/templates.py checks templates with these; the form and bulletin drawers read them through here."""
from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import zipfile
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import shipped

SHIPPED = shipped("templates")
# the bulletin's sentences: templates/通报/<name>.j2 (the last three: the work that recurs, printed when a period has it)
TEXTS = ("总体情况", "存在的问题", "下步工作要求", "年度目标推进情况", "定期报告报送情况", "项目调度情况")
# what the sentence templates can name (documents/bulletin.text_context)
TEXT_NAMES = {"as_of": "统计截止日期", "total": "本期合计（due 应办结、completed 已办结、on_time 按期办结、rate 按期办结率、"
              "in_progress 正在办理、overdue 逾期、extended 延期）", "new": "本期新交办（total、kinds）",
              "meetings": "各次会议", "by_source": "按来源", "overdue": "逾期未办结事项（每项的 no 是它在列表中的序数（一）（二）……）",
              "late_done": "逾期办结事项（no 同上，从（一）起）",
              "explain_days": "说明原因的期限（工作日）", "office": "专班名称（settings.yaml 的 office.name）",
              "title": "通报的名称（settings.yaml 的 bulletin.title，默认“督导通报”）",
              "term": "固定用语中的工作名称（settings.yaml 的 office.term，默认“督导”，如“督导事项”）",
              "targets": "本期有节点到期的年度目标（no 序数、id、text 目标、lead 牵头单位、co 配合单位、owner 责任人、"
              "leader 分管领导、behind 是否滞后、milestones 节点：text、by 日期、state 完成情况）",
              "reports": "本期到期的定期报告（no、period 期间、text 报告、to 报送对象、due 报送时限、total 应报单位数；"
              "on_time 按期报送、late 逾期报送（unit、days、date）、missing 尚未报送（unit、days）、open 未到期的单位；"
              "on_time_units、late_units、missing_units、open_units 为以顿号连接的单位名称）",
              "schedules": "本期应召开的定期调度会议（no、kind 会议类别、period 期间、lead 组织单位、due 时限、"
              "held 召开日期（未召开为空）、state 召开情况）",
              "projects": "本期应调度的包保项目（no、id、name 项目名称、leader 包保领导、lead 牵头单位、meetings 各次会议，字段同 schedules）"}


def office_dir(registers_root) -> Path:
    return Path(registers_root) / "templates"


MAX_DOCX = 5 << 20  # bytes: a form's .docx (the shipped ones are about 40 KB)
MAX_TEXT = 256 << 10  # bytes: a bulletin sentence template
MAX_UNZIPPED = 64 << 20  # bytes: everything in a .docx unpacked


class BadTemplate(DocgenError):
    """A template file docgen will not read."""


def _own(registers_root, rel: str) -> Path | None:
    """The office's copy <registers>/templates/<rel> when there is one: a regular file inside the registers folder.
    None when there is none (the shipped template is used); BadTemplate for anything else there."""
    own = office_dir(registers_root) / rel
    if not os.path.lexists(own):
        return None
    if own.is_symlink():
        raise BadTemplate(f"模板 {own}：是符号链接（指向 {os.readlink(own)}），不能使用；"
                          "办公室的模板必须是 templates/ 文件夹中的普通文件")
    root = Path(registers_root).resolve()
    if not own.resolve().is_relative_to(root):
        raise BadTemplate(f"模板 {own}：实际位置 {own.resolve()} 不在登记表文件夹 {root} 内，不能使用")
    if not stat.S_ISREG(os.lstat(own).st_mode):
        raise BadTemplate(f"模板 {own}：不是普通文件（是文件夹、设备或管道），不能使用")
    return own


def path(registers_root, name: str) -> Path:
    return _own(registers_root, f"{name}.docx") or SHIPPED / f"{name}.docx"


def text_path(registers_root, name: str) -> Path:
    return _own(registers_root, f"通报/{name}.j2") or SHIPPED / "通报" / f"{name}.j2"


def read_capped(p: Path, cap: int) -> bytes:
    """A template's bytes: a regular file (a symlink is not followed, a pipe does not block) of at most cap bytes,
    never read past cap."""
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise BadTemplate(f"模板 {p}：无法读取（{e.strerror}）") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise BadTemplate(f"模板 {p}：不是普通文件（是文件夹、设备或管道），不能使用")
        if st.st_size > cap:
            raise BadTemplate(f"模板 {p}：文件有{st.st_size}字节，超过模板的上限{cap}字节")
        out = f.read(cap + 1)
    if len(out) > cap:
        raise BadTemplate(f"模板 {p}：文件超过模板的上限{cap}字节")
    return out


class TemplateBytes(bytes):
    """A template's bytes, knowing the file they were read from (for the messages of forms.fill)."""
    path: Path


@functools.lru_cache(maxsize=64)
def _read(p: str, stamp: tuple) -> bytes:
    out = TemplateBytes(read_capped(Path(p), MAX_DOCX))
    out.path = Path(p)
    return out


def data(registers_root, name: str) -> bytes:
    p = path(registers_root, name)
    st = p.stat()
    return _read(str(p), (st.st_mtime_ns, st.st_size))


def text_source(registers_root, name: str) -> tuple[Path, str]:
    """The bulletin sentence template <name>.j2 docgen uses, and its text."""
    p = text_path(registers_root, name)
    try:
        return p, read_capped(p, MAX_TEXT).decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadTemplate(f"模板 {p}：无法读取（不是 UTF-8 文本：{e.reason}）") from None


# ---------------------------------------------------------------- links out of a .docx

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
REL_KINDS = {"image": "图片", "hyperlink": "超链接", "aFChunk": "嵌入文档块（altChunk）", "subDocument": "子文档",
             "attachedTemplate": "附加模板", "frame": "框架网页", "oleObject": "OLE 对象", "package": "嵌入包",
             "control": "控件", "audio": "音频", "video": "视频", "media": "媒体"}
REFUSED_RELS = {"aFChunk", "subDocument", "attachedTemplate", "frame", "oleObject", "package", "control"}
REFUSED_ELEMENTS = {"altChunk": "嵌入文档块（altChunk）", "subDoc": "子文档（subDoc）", "object": "嵌入对象（w:object）",
                    "OLEObject": "OLE 对象", "frameset": "框架网页（frameset）"}
FIELDS = re.compile(r"(?:^|(?<=[\s{]))(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)(?=[\s\"]|$)", re.I)
ADDRESS = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://|file:|mhtml:|\\\\|//)", re.I)  # a URL, a UNC path
SCHEMA = ("http://schemas.", "http://purl.org/", "http://www.w3.org/", "urn:")
SAFE_LINK = re.compile(r"^(?:https?://|mailto:)", re.I)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def rel_problems(part: str, rels) -> list[str]:
    """rels: (type, target, external) of a part's relationships."""
    out = []
    for reltype, target, external in rels:
        kind = reltype.rsplit("/", 1)[-1]
        what = REL_KINDS.get(kind, kind)
        if kind in REFUSED_RELS:
            out.append(f"{part}：含有{what}（{target}）")
        elif external and not (kind == "hyperlink" and SAFE_LINK.match(target or "")):
            out.append(f"{part}：含有外部链接的{what}（{target}）")
    return out


def xml_problems(part: str, root) -> list[str]:
    """Elements, fields and attributes of an XML part that link outside the document."""
    out = []
    instr = []
    for el in root.iter():
        name = _local(el.tag)
        if name in REFUSED_ELEMENTS:
            out.append(f"{part}：含有{REFUSED_ELEMENTS[name]}")
        if name == "instrText" and el.text:
            instr.append(el.text)
        for attr, value in el.attrib.items():
            a = _local(attr)
            if a == "instr":
                instr.append(value)
            elif a not in ("uri", "Requires") and ADDRESS.match(value) and not value.startswith(SCHEMA) \
                    and not value.startswith("#"):
                out.append(f"{part}：含有外部地址（{a}=\"{value}\"）")
    codes = "".join(instr)  # a field's code may be split over several runs
    found = list(FIELDS.finditer(codes))
    for m, after in zip(found, found[1:] + [None]):
        shown = re.sub(r"\s+", " ", codes[m.start():after.start() if after else len(codes)])[:100].strip()
        out.append(f"{part}：含有 {m.group(1).upper()} 域（{shown}）")
    return list(dict.fromkeys(out))


LINKS_HINT = ("；模板不能引用网络地址或本机的其他文件（转换 PDF 时 LibreOffice、打开时 Word 会去读取它们），"
              "请在 Word 中删除这些图片、链接或域，图片请用“插入—图片”嵌入（超链接只能指向 http、https 或 mailto 地址）")


def links(data: bytes) -> list[str]:
    """What in a .docx (as its bytes) links outside it, in Chinese, part by part."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    out = []
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        infos = z.infolist()
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            return [f"解压后超过{MAX_UNZIPPED >> 20}MB（模板不能用来耗尽内存）"]
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                root = etree.fromstring(z.read(info), parser)
            except etree.XMLSyntaxError:
                continue  # python-docx reports a part it cannot read
            if info.filename.endswith(".rels"):
                out += rel_problems(info.filename, [(r.get("Type", ""), r.get("Target", ""),
                                                     r.get("TargetMode") == "External") for r in root])
            else:
                out += xml_problems(info.filename, root)
    return out


def package_links(package, template: bytes | None = None, filled: frozenset = frozenset()) -> list[str]:
    """links() of a python-docx package in memory (a filled document). A part is judged by its bytes: the parts a
    filled slip shares with its template (styles, theme, settings: most of its XML) are read once per process, not
    once per slip; the parts filling changed are read again. Given the `template` the package was filled from and
    the parts filling wrote (`filled`, part names), the other parts are the template's own, as it is: judged once
    per template and part name, without even being written out to be compared."""
    out = []
    template_key = hashlib.sha256(template).digest() if template is not None else None
    for part in package.iter_parts():
        name = str(part.partname).lstrip("/")
        out += rel_problems(name, [(r.reltype, r.target_ref, r.is_external) for r in part.rels.values()])
        if template_key is None or name in filled:
            out += _part_links(name, part)
            continue
        found = _PART_PROBLEMS.get((template_key, name))
        if found is None:
            found = _PART_PROBLEMS[(template_key, name)] = _part_links(name, part)
        out += found
    return out


def _part_links(name: str, part) -> list[str]:
    """What in one part of a package in memory (not its rels) links out, judged once per process by its bytes."""
    from lxml import etree

    element = getattr(part, "_element", None)
    if element is None and not part.content_type.endswith("xml"):
        return []
    data = etree.tostring(element) if element is not None else part.blob
    key = hashlib.sha256(name.encode("utf-8") + b"\0" + data).digest()
    found = _PART_PROBLEMS.get(key)
    if found is None:
        if element is None:
            try:
                element = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError:
                return []  # python-docx reports a part it cannot read
        found = xml_problems(name, element)
        if len(_PART_PROBLEMS) > 512:
            _PART_PROBLEMS.clear()
        _PART_PROBLEMS[key] = found
    return found


# a part's bytes, or (a template's sha256, a part name) -> what in it links out (package_links)
_PART_PROBLEMS: dict = {}


def unprintable_text(text: str) -> str | None:
    """Why a sentence template's output cannot go into a document: a character XML cannot hold."""
    m = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        return (f"填写后的第{line}行有控制字符 U+{ord(m.group()):04X}，不能写入文件"
                "（模板中不能写控制字符，如 \"\\x01\"）")
    return None
