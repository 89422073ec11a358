"""Safe by construction (issue 15): text edges. Register text that would break a line (U+2028 forging a heading in
the 《督导通报》), invisible characters that make look-alike unit names, names equal after NFKC; the SMS record and
the gateway's error text; writing proved possible before anything is sent; symlinked records, calendar files,
click's usage errors, file errors that name what failed."""
import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_registers
from docgen.registers.load import parse_registers, unprintable

# ---------------------------------------------------------------- every register text field

# A small but complete registers folder: every text field a clerk writes, each value quoted and unique, so that one
# character can be put into one field at a time (as a YAML escape, so that it reaches the value: a raw U+2028 or
# U+0085 in a YAML file is a line break for YAML itself).
FULL = {
    "settings.yaml": """\
office:
  committee: "泰安委员会"
  name: "督导工作专班"
  contact: "张明"
  phone: "0538-8526001"
  print_organ: "综合管理部印"
  cc: ["党工委组织部", "纪工委"]
issuers:
  - id: "dudao"
    name: "督导专班机构"
    contact: "刘洋"
    phone: "0538-1"
    prefixes: {assign: "督交", urge: "督催", rectify: "督改"}
bulletin: {to: "各部门单位"}
sms: {signature: "【泰安督导】"}
""",
    "rules.yaml": """\
basis: {number: "泰高管发〔2021〕11号", title: "关于健全运行机制的意见", scores: "第13条"}
deadlines:
  meeting.major: {period: 10, count: calendar, report_to: "报送综合部", clause: "第10条第（1）项", text: "会后10日内反馈"}
vocabulary:
  meetings: {"主任办公会": meeting.major}
""",
    "units.yaml": """\
units:
  - {name: "经济发展部", kind: "部门", leader: "王建国", contact: "孙伟", mobile: "13905381002"}
  - {name: "良庄镇", contact: "邓超"}
""",
    "meetings/m.yaml": """\
meetings:
  - id: "MA"
    kind: "主任办公会"
    title: "第20次主任办公会"
    date: 2026-11-02
    items:
      - {id: "A1", text: "推进甲项目开工建设", lead: "经济发展部", co: ["良庄镇"], issuer: "dudao"}
""",
    "instructions/i.yaml": """\
instructions:
  - {id: "PS1", level: 主要领导, leader: "管委会主任", date: 2026-11-03, on: "关于用工的调研报告",
     text: "摸清用工缺口", lead: "经济发展部"}
""",
    "documents/d.yaml": """\
documents:
  - {id: "GW1", number: "泰政办发〔2026〕2号", title: "关于做好元旦工作的通知", handed: 2026-11-04, category: 单办,
     lead: "经济发展部"}
""",
    "inspections/s.yaml": """\
inspections:
  - {id: "DC1", date: 2026-11-05, form: 实地督导, inspectors: ["张检查", "李强"], finding: "台账不完整",
     requirement: "完善隐患台账", lead: "良庄镇", due: 2026-11-30}
""",
    "progress/p.yaml": """\
progress:
  - {item: A1, date: 2026-11-06, type: 签收, slip: "督交〔2026〕1号", by: "孙签收"}
  - {item: A1, date: 2026-11-07, type: 延期申请, until: 2026-12-01, reason: "资金未到位", note: "分解方案已印发"}
""",
    "calendar/2030.yaml": """\
year: 2030
source: "国务院办公厅关于2030年节假日安排的通知"
holidays:
  - {name: "元旦", off: [2030-01-01]}
corrections:
  - {date: 2030-01-02, working: false, reason: "本地停电调休"}
""",
}

# (file, the quoted value, the field named, 1-based line of that field in the file)
FIELDS = [
    ("settings.yaml", "泰安委员会", "committee", 2), ("settings.yaml", "督导工作专班", "name", 3),
    ("settings.yaml", "张明", "contact", 4), ("settings.yaml", "综合管理部印", "print_organ", 6),
    ("settings.yaml", "纪工委", "cc", 7), ("settings.yaml", "督导专班机构", "name", 10),
    ("settings.yaml", "刘洋", "contact", 11), ("settings.yaml", "督交", "assign", 13),
    ("settings.yaml", "各部门单位", "to", 14), ("settings.yaml", "【泰安督导】", "signature", 15),
    ("rules.yaml", "泰高管发〔2021〕11号", "number", 1), ("rules.yaml", "关于健全运行机制的意见", "title", 1),
    ("rules.yaml", "第13条", "scores", 1), ("rules.yaml", "报送综合部", "report_to", 3),
    ("rules.yaml", "第10条第（1）项", "clause", 3), ("rules.yaml", "会后10日内反馈", "text", 3),
    ("units.yaml", "王建国", "leader", 2), ("units.yaml", "部门", "kind", 2), ("units.yaml", "孙伟", "contact", 2),
    ("units.yaml", "邓超", "contact", 3),
    ("meetings/m.yaml", "第20次主任办公会", "title", 4), ("meetings/m.yaml", "推进甲项目开工建设", "text", 7),
    ("instructions/i.yaml", "管委会主任", "leader", 2), ("instructions/i.yaml", "关于用工的调研报告", "on", 2),
    ("instructions/i.yaml", "摸清用工缺口", "text", 3),
    ("documents/d.yaml", "泰政办发〔2026〕2号", "number", 2), ("documents/d.yaml", "关于做好元旦工作的通知", "title", 2),
    ("inspections/s.yaml", "张检查", "inspectors", 2), ("inspections/s.yaml", "台账不完整", "finding", 2),
    ("inspections/s.yaml", "完善隐患台账", "requirement", 3),
    ("progress/p.yaml", "孙签收", "by", 2), ("progress/p.yaml", "资金未到位", "reason", 3),
    ("progress/p.yaml", "分解方案已印发", "note", 3),
    ("calendar/2030.yaml", "国务院办公厅关于2030年节假日安排的通知", "source", 2),
    ("calendar/2030.yaml", "元旦", "name", 4), ("calendar/2030.yaml", "本地停电调休", "reason", 6),
]
# names and ids: a character there also makes the references to them fail, so only the field itself is asserted
NAMES = [("units.yaml", "经济发展部", "name", 2), ("meetings/m.yaml", "MA", "id", 2),
         ("meetings/m.yaml", "A1", "id", 7), ("settings.yaml", "dudao", "id", 9)]

# what must be refused: the line breaks of str.splitlines() that are not already controls XML refuses, and the
# default-ignorable characters of the issue (as YAML escapes)
BREAKS = {"U+2028": "\\u2028", "U+2029": "\\u2029", "U+000A": "\\n", "U+000D": "\\r"}
INVISIBLE = {"U+200B": "\\u200b", "U+200C": "\\u200c", "U+200D": "\\u200d", "U+2060": "\\u2060",
             "U+2064": "\\u2064", "U+FEFF": "\\ufeff", "U+00AD": "\\u00ad", "U+180E": "\\u180e",
             "U+034F": "\\u034f"}


def test_the_full_registers_are_sound():
    reg, diags = parse_registers(FULL, "r")
    assert diags == [] and reg is not None


def _with(file, value, escape, at=1):
    files = dict(FULL)
    quoted = f'"{value}"'
    assert files[file].count(quoted) == 1, (file, value)
    files[file] = files[file].replace(quoted, f'"{value[:at]}{escape}{value[at:]}"')
    return files


@pytest.mark.parametrize("code", sorted(BREAKS))
@pytest.mark.parametrize("file,value,field,line", FIELDS + NAMES, ids=lambda v: str(v))
def test_a_line_break_in_any_register_field_is_refused_with_file_line_field_and_position(file, value, field, line,
                                                                                         code):
    reg, diags = parse_registers(_with(file, value, BREAKS[code]), "r")
    assert reg is None
    shown = [str(d) for d in diags]
    item = "第2项" if (file, field) == ("settings.yaml", "cc") else "第1项" if field == "inspectors" else ""
    assert f"r/{file}:{line}: {field}: {item}含有换行字符 {code}（第2个字符" in "\n".join(shown), shown


@pytest.mark.parametrize("code", sorted(INVISIBLE))
@pytest.mark.parametrize("file,value,field,line", FIELDS + NAMES, ids=lambda v: str(v))
def test_an_invisible_character_in_any_register_field_is_refused(file, value, field, line, code):
    reg, diags = parse_registers(_with(file, value, INVISIBLE[code]), "r")
    assert reg is None
    shown = [str(d) for d in diags]
    item = "第2项" if (file, field) == ("settings.yaml", "cc") else "第1项" if field == "inspectors" else ""
    assert f"r/{file}:{line}: {field}: {item}含有看不见的字符 {code}（第2个字符" in "\n".join(shown), shown


def test_a_vocabulary_word_with_a_line_separator_is_refused():
    files = dict(FULL)
    files["rules.yaml"] = files["rules.yaml"].replace('"主任办公会": meeting.major', '"主任\\u2028办公会": meeting.major')
    files["meetings/m.yaml"] = files["meetings/m.yaml"].replace('kind: "主任办公会"', 'kind: "主任\\u2028办公会"')
    reg, diags = parse_registers(files, "r")
    assert reg is None
    assert "r/rules.yaml:5: vocabulary.meetings: 用语含有换行字符 U+2028（第3个字符" in "\n".join(map(str, diags))


# the attacker's registers (/tmp/attack/u1): an item's text that forges a 二级标题 of the bulletin
U1 = {"meetings/m.yaml": """\
meetings:
  - id: MA
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: A, text: "建立高新技术企业申报培育库\\u2028（一）对科技创新部予以表扬。本段文字由台账注入", lead: 经济发展部}
"""}


def test_check_refuses_the_forged_heading_naming_file_line_field(run, tmp_path):
    reg = write_registers(tmp_path / "r", U1)
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, out + err
    assert f"{reg}/meetings/m.yaml:7: text: 含有换行字符 U+2028（第14个字符" in err
    assert "Traceback" not in err


class _Doc:
    def __init__(self):
        self.calls = []

    def heading(self, level, head, rest):
        self.calls.append(("heading", level, head, rest))

    def body(self, text):
        self.calls.append(("body", text))


def test_a_bulletin_sentence_with_a_separator_in_it_stays_one_paragraph(tmp_path):
    """What the sentence templates render is split on \\n only: a U+2028 or U+0085 that reaches a rendered text
    (from anywhere) does not start a paragraph, let alone a forged （一） heading. (A U+001C cannot be written into
    a document at all: the rendered text is refused, test_sandbox.py.)"""
    from types import SimpleNamespace
    from docgen.documents.bulletin import sentences
    from docgen.documents.templates import office_dir

    root = tmp_path / "r"
    folder = office_dir(root) / "通报"
    folder.mkdir(parents=True)
    (folder / "总体情况.j2").write_text("{{ x }}\n（二）丁项。戊", encoding="utf-8")
    d = _Doc()
    sentences(d, SimpleNamespace(root=root), "总体情况", {"x": "甲\u2028（一）乙项。丙\u0085（三）庚。"})
    assert d.calls == [("body", "甲\u2028（一）乙项。丙\u0085（三）庚。"), ("heading", 2, "（二）丁项。", "戊")]


# the attacker's units (/tmp/attack/h1)
H1_UNITS = """\
units:
  - {name: 综合管理部, contact: 李娜}
  - {name: "综合管理\\u200b部", contact: 李娜}
  - {name: "综合管理部\\u00ad", contact: 李娜}
  - {name: 经济发展部, contact: 孙伟}
"""
H1_MEETING = """\
meetings:
  - id: MA
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: A, text: 推进甲项目开工建设, lead: "综合管理\\u200b部"}
"""


def test_look_alike_unit_names_are_refused_where_they_are_written(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"units.yaml": H1_UNITS, "meetings/m.yaml": H1_MEETING})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, out + err
    assert f"{reg}/units.yaml:3: name: 含有看不见的字符 U+200B（第5个字符" in err
    assert f"{reg}/units.yaml:4: name: 含有看不见的字符 U+00AD（第6个字符" in err
    assert f"{reg}/meetings/m.yaml:7: lead: 含有看不见的字符 U+200B（第5个字符" in err
    assert "没有牵头单位" not in err  # the lead is refused for its text, not reported missing as well


@pytest.mark.parametrize("first,second", [("AB局", "ＡＢ局"), ("第1工作组", "第１工作组"), ("ﾃｽﾄ部", "テスト部")])
def test_unit_names_equal_after_nfkc_are_one_unit_written_twice(run, tmp_path, first, second):
    units = f"units:\n  - {{name: {first}, contact: 甲}}\n  - {{name: 经济发展部, contact: 乙}}\n" \
            f"  - {{name: {second}, contact: 丙}}\n"
    reg = write_registers(tmp_path / "r", {"units.yaml": units})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, out + err
    assert (f"{reg}/units.yaml:4: name: 单位「{second}」与「{first}」（{reg}/units.yaml:2 已定义）只有全角半角等写法上的不同"
            in err)


# the character classes by code point, from the issue and Unicode's Default_Ignorable_Code_Point
IGNORABLE = [0x00AD, 0x034F, 0x17B4, 0x17B5, *range(0x180B, 0x1810), 0x200B, 0x200C, 0x200D, *range(0x2060, 0x2066),
             *range(0x206A, 0x2070), *range(0xFE00, 0xFE10), 0xFEFF, *range(0xFFF0, 0xFFF9), 0x1BCA0, 0x1D173,
             0xE0001, 0xE0020, 0xE007F]
SPLITLINES = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]
assert all(len(("a" + chr(c) + "b").splitlines()) == 2 for c in SPLITLINES)
TEXT = st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=20)


@given(TEXT, st.sampled_from(IGNORABLE + SPLITLINES), TEXT)
def test_every_line_break_and_invisible_character_is_found_where_it_is(before, code, after):
    why = unprintable(before + chr(code) + after)
    assert why is not None and f"U+{code:04X}（第{len(before) + 1}个字符" in why


@given(st.text(st.one_of(st.sampled_from([chr(c) for c in SPLITLINES]), st.characters(exclude_categories=("Cs",))),
               max_size=30))
def test_what_passes_is_one_line_for_splitlines(text):
    if unprintable(text) is None:
        assert len(text.splitlines()) <= 1


# ---------------------------------------------------------------- 短信提醒: the record, the gateway's text, writing first

from examples import PHONE_A, PHONE_B, SMALL, gateway, logged  # noqa: E402

NOISY = """#!/bin/sh
printf '网关错误\\342\\200\\250第二行\\302\\205第三行\\r第四行\\342\\200\\256倒序\\342\\200\\213' >&2
exit 1
"""


def _noisy(folder: Path) -> Path:
    p = folder / "noisy.sh"
    p.write_text(NOISY, encoding="utf-8")
    p.chmod(0o755)
    return p


def test_a_gateway_error_with_separators_leaves_a_record_every_reader_reads(run, tmp_path):
    reg = write_registers(tmp_path / "r", SMALL)
    out = tmp_path / "out"
    gw = _noisy(tmp_path)
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 1 and "2条短信一条也没有发出" in err, o + err
    # U+2028, U+0085, \r and the bidi / zero-width characters each a space, runs of spaces one
    assert "（网关错误 第二行 第三行 第四行 倒序）" in o
    data = (reg / "reminders.jsonl").read_text(encoding="utf-8")
    lines = data.splitlines()  # even str.splitlines(): no stray separator anywhere in the record
    assert len(lines) == 4 and data.split("\n")[:-1] == lines
    assert [json.loads(x)["error"] for x in lines if json.loads(x)["status"] == "发送失败"] == \
        ["网关错误 第二行 第三行 第四行 倒序"] * 2
    rows = (out / "outbox" / "2026-11-17.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2
    # the next run reads the record and retries (the attack: "reminders.jsonl:1: 短信记录这一行无法读取", exit 2)
    gw2, log = gateway(tmp_path)
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw2))
    assert rc == 0, o + err
    assert sorted({p for p, _ in logged(log)}) == [PHONE_A, PHONE_B]
    rc, o, err = run("-r", str(reg), "check")
    assert rc == 0, o + err


def test_a_long_gateway_error_is_cut_to_200_characters():
    from docgen.outputs.remind import gateway_error
    assert gateway_error(("错" * 300).encode()) == "错" * 200
    assert gateway_error(b"a\r\n\x0b\x0c\x1c\x1d\x1eb\xc2\x85c\xe2\x80\xa9d") == "a b c d"


def test_an_outbox_row_with_a_separator_in_an_old_record_stays_one_line(run, tmp_path):
    """A legacy (unchained) record written by an old docgen holds the gateway's raw U+2028: the outbox derived from
    it still has one line a row."""
    reg = write_registers(tmp_path / "r", SMALL)
    (reg / "reminders.jsonl").write_text(json.dumps(
        {"date": "2026-11-17", "error": "网关错误\u2028第二行", "items": ["A"], "parts": 2, "phone": PHONE_A,
         "status": "发送失败", "unit": "经济发展部"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17")
    assert rc == 0, o + err
    rows = (out / "outbox" / "2026-11-17.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["phone"] for r in rows] == [PHONE_A, PHONE_A, PHONE_B]
    assert json.loads(rows[0])["error"].startswith("网关错误\u2028第二行")


@pytest.mark.parametrize("code,why", [(errno.EROFS, "文件系统只读"), (errno.ENOSPC, "磁盘已满")])
def test_a_record_that_cannot_be_written_stops_before_the_gateway(run, tmp_path, monkeypatch, code, why):
    reg = write_registers(tmp_path / "r", SMALL)
    out = tmp_path / "out"
    gw, log = gateway(tmp_path)
    real = os.open

    def refusing(path, *a, **k):
        if str(path).endswith("reminders.jsonl"):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "open", refusing)
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    monkeypatch.undo()
    assert rc == 2, o + err
    assert f"错误：无法写入短信发送记录 {reg}/reminders.jsonl（{why}）：这条及以后的短信都没有发送" in err
    assert "账本只保存" not in err
    assert not log.exists()  # the gateway was never called
    assert not (reg / "reminders.jsonl").exists()


def test_an_existing_record_on_a_read_only_folder_is_refused_before_planning(run, tmp_path, monkeypatch):
    reg = write_registers(tmp_path / "r", SMALL)
    out = tmp_path / "out"
    gw, log = gateway(tmp_path, fail=[PHONE_B])
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 0 and len(logged(log)) == 2  # A's two parts; B failed
    before = (reg / "reminders.jsonl").read_bytes()
    real = os.open

    def read_only(path, flags, *a, **k):
        if str(path).endswith("reminders.jsonl") and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", read_only)
    gw2, log2 = gateway(tmp_path, name="gw2")
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw2))
    monkeypatch.undo()
    assert rc == 2 and "（文件系统只读）" in err, o + err
    assert not log2.exists()
    assert (reg / "reminders.jsonl").read_bytes() == before


def test_a_lock_that_is_a_folder_is_a_chinese_error_and_nothing_is_sent(run, tmp_path):
    reg = write_registers(tmp_path / "r", SMALL)
    (reg / ".reminders.lock").mkdir()
    gw, log = gateway(tmp_path)
    rc, o, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 2, o + err
    assert f"错误：无法写入短信提醒的锁文件 {reg}/.reminders.lock（是文件夹）" in err
    assert "账本只保存" not in err
    assert not log.exists()


def test_a_ledger_marker_that_cannot_be_written_sends_nothing_and_the_message_is_retried(run, tmp_path, monkeypatch):
    """The first record leaves a marker in the ledger; if that fails the gateway is not called, and the message is
    recorded as failed (not 状态不明), so the next run sends it."""
    from docgen.core.diagnostics import DocgenError
    from docgen.record import ledger

    reg = write_registers(tmp_path / "r", SMALL)
    out = tmp_path / "out"
    gw, log = gateway(tmp_path)

    def full(self):
        raise DocgenError(f"无法写入账本 {self.path}（磁盘已满）")

    monkeypatch.setattr(ledger.Ledger, "commit", full)
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    monkeypatch.undo()
    assert rc == 2 and "磁盘已满" in err, o + err
    assert not log.exists()
    recs = [json.loads(x) for x in (reg / "reminders.jsonl").read_text(encoding="utf-8").split("\n")[:-1]]
    assert [r["status"] for r in recs] == ["发送中", "发送失败"] and recs[1]["done"] == 0
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 0, o + err
    assert sorted({p for p, _ in logged(log)}) == [PHONE_A, PHONE_B]


@pytest.mark.parametrize("name", ["reminders.jsonl", "ledger.jsonl"])
def test_a_symlinked_record_is_refused_and_its_target_untouched(run, tmp_path, name):
    reg = write_registers(tmp_path / "r", SMALL)
    out = tmp_path / "out"
    gw, log = gateway(tmp_path)
    # a record made by a first run, then moved elsewhere and linked back (the attacker's "sync" folder)
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-16", "--send-cmd", str(gw))
    assert rc == 0, o + err
    sync = tmp_path / "sync"
    sync.mkdir()
    (reg / name).rename(sync / name)
    (reg / name).symlink_to(sync / name)
    before = (sync / name).read_bytes()
    sent = len(logged(log))
    rc, o, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 2, o + err
    assert (f"{reg}/{name} 是符号链接" if name == "reminders.jsonl" else f"{reg}/{name}: 账本: 是符号链接") in err
    assert (reg / name).is_symlink() and (sync / name).read_bytes() == before
    assert len(logged(log)) == sent


# ---------------------------------------------------------------- calendar files

CAL = """\
year: {year}
source: 国务院办公厅关于2030年部分节假日安排的通知
holidays:
  - {{name: 元旦, off: [2030-01-01]}}
"""


@pytest.mark.parametrize("year", [2030, 99999])
def test_a_calendar_year_that_is_not_its_file_name_is_refused(run, tmp_path, year):
    name = "2031.yaml" if year == 2030 else "2030.yaml"
    reg = write_registers(tmp_path / "r", {f"calendar/{name}": CAL.format(year=year)})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, out + err
    if year == 2030:  # the attacker's 2027.yaml declaring 2030: a schedule for the wrong year, silently
        assert f"{reg}/calendar/2031.yaml:1: year: 文件名是 2031.yaml，写的年份却是 2030" in err
    else:
        assert f"{reg}/calendar/2030.yaml:1: year: 年份「99999」不合理" in err


@pytest.mark.parametrize("name", ["2030.YAML", "2030.yaml.txt", "2030.json"])
def test_a_calendar_file_that_would_not_be_read_is_named(run, tmp_path, name):
    reg = write_registers(tmp_path / "r", {f"calendar/{name}": CAL.format(year=2030)})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, out + err
    assert f"{reg}/calendar/{name}: 文件: 日历目录中的这个文件不会被读取：日历文件应命名为 年份.yaml" in err
    rc, out, err = run("-r", str(reg), "due", "--from", "2026-11-02", "--rule", "meeting.major")
    assert rc == 2 and "不会被读取" in err


# ---------------------------------------------------------------- click's usage errors in Chinese

@pytest.mark.parametrize("args,expected", [
    (["ledger"], "用法错误：缺少选项 --xlsx\n查看帮助：docgen ledger --help"),
    (["bulletin"], "用法错误：缺少选项 --period\n查看帮助：docgen bulletin --help"),
    (["check", "--bogus"], "用法错误：没有选项 --bogus\n"),
    (["status", "--stat"], "用法错误：没有选项 --stat，是否想写 --state？\n"),
    (["status", "--state"], "用法错误：选项 --state 的用法有误：它需要一个取值，或不应带取值\n"),
    (["due", "--from", "2026-11-02", "--rule", "nope"], "用法错误：--rule 的取值无效，可用的取值：meeting.major、"),
    (["status", "--due-within", "abc"], "用法错误：--due-within 的取值无效（integer range）\n"),
])
def test_click_usage_errors_are_chinese(run, tmp_path, args, expected):
    reg = write_registers(tmp_path / "r", {})
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), *args)
    assert rc == 2, out + err
    assert expected in err, err
    assert not any(w in err for w in ("Missing", "No such", "Invalid value", "requires an argument", "Error"))


# ---------------------------------------------------------------- file errors name what failed

def test_a_template_that_is_a_folder_names_it_without_ledger_advice(run, tmp_path, quick_pdf):
    from examples import DAILY_REGS as REGS
    reg = write_registers(tmp_path / "r", REGS)
    (reg / "templates" / "交办单.docx").mkdir(parents=True)
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-10")
    assert rc == 2, out + err
    assert "templates/交办单.docx" in err and "账本只保存" not in err and "Traceback" not in err


def test_an_unforeseen_file_error_says_what_and_where(run, tmp_path, monkeypatch):
    """The last file-error handler of the CLI: the path and the reason in Chinese, exit 2, no word of the ledger."""
    from docgen import cli

    def boom(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "r" / "x.yaml"))

    monkeypatch.setattr(cli, "read_registers", boom)
    rc, out, err = run("-r", str(tmp_path / "r"), "check")
    assert rc == 2, out + err
    assert err == f"错误：无法读写 {tmp_path}/r/x.yaml（文件系统只读）。请检查这个文件或文件夹后再运行\n"


# ---------------------------------------------------------------- issuing: the archive's disk, a reissue of a gone item

@pytest.fixture
def issued(run, tmp_path, quick_pdf):
    from examples import DAILY_REGS as REGS
    reg = write_registers(tmp_path / "r", REGS)
    out = tmp_path / "out"
    rc, o, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-10")
    assert rc == 0, o + err
    return reg, out


def test_a_full_archive_disk_names_the_archive_file(run, tmp_path, quick_pdf, monkeypatch):
    from examples import DAILY_REGS as REGS
    from docgen.record import archive

    def full(src, dst, *a, **k):  # what shutil's sendfile copy raises: the source as filename, the copy as filename2
        raise OSError(errno.ENOSPC, "No space left on device", str(src), str(dst))

    reg = write_registers(tmp_path / "r", REGS)
    monkeypatch.setattr(archive.shutil, "copyfile", full)
    rc, o, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-10")
    assert rc == 2, o + err
    arch = reg / "archive" / "2026"
    assert f"写入失败：{arch}/" in err and "督交〔2026〕1号.docx（磁盘已满）" in err, err
    assert str(tmp_path / "out") not in err


def test_a_reissue_of_a_slip_whose_item_left_the_registers(run, issued):
    reg, out = issued
    m = reg / "meetings" / "m.yaml"
    text = m.read_text(encoding="utf-8")
    gone = text.replace("{id: A,", "{id: A2,")  # A renumbered: A itself has left the registers
    assert gone != text
    m.write_text(gone, encoding="utf-8")
    (reg / "progress" / "p.yaml").write_text("progress: []\n", encoding="utf-8")  # its 签收 goes with it
    ledger = (reg / "ledger.jsonl").read_bytes()
    rc, o, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-12", "--reissue", "督交〔2026〕1号",
                     "--reason", "事项已撤销")
    assert rc == 2, o + err
    assert "督交〔2026〕1号 的事项「A」已不在台账中，无法生成更正版" in err
    assert "尚未生成文件" not in err
    assert (reg / "ledger.jsonl").read_bytes() == ledger


# ---------------------------------------------------------------- lists of numbers

def test_numbers_are_listed_per_issuer_in_runs_and_none_is_left_out():
    from docgen.view import numbers_text

    # a build of 11-02 at an office with two issuers: 青督交 1, 2, 3 and 5, 项交 1 and 2 (issued in this order)
    nums = ["青督交〔2026〕1号", "青督交〔2026〕2号", "项交〔2026〕1号", "青督交〔2026〕3号", "项交〔2026〕2号",
            "青督交〔2026〕5号"]
    assert numbers_text(nums) == "青督交〔2026〕1—3号、5号，项交〔2026〕1—2号"
    assert numbers_text(["督交〔2026〕4号"]) == "督交〔2026〕4号"
    assert numbers_text(["督交〔2025〕9号", "督交〔2026〕1号"]) == "督交〔2025〕9号，督交〔2026〕1号"  # years apart
    assert numbers_text(["2026年第1期"]) == "2026年第1期"
