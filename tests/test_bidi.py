"""Bidirectional controls (issue 15): invisible characters that reorder the text around them when shown (U+202E
turns a unit's name and everything after it on the board's navigation line backwards). Refused wherever a clerk's
text enters: the registers at check, --reason of void and of a reissue."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_registers
from docgen.registers.load import unprintable
from examples import DAILY_REGS as REGS

BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
assert len(BIDI) == 3 + 5 + 4

UNITS = ('units:\n'
         '  - {name: 经济发展部, contact: 孙伟, mobile: "13905381002"}\n'
         '  - {name: "财政金融部\u202e", contact: 周敏}\n'
         '  - {name: 良庄镇, contact: 邓超}\n')
MEETING = """\
meetings:
  - id: MA
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: A, text: "推进\u202e甲项目开工建设", lead: 经济发展部, co: [良庄镇, "良庄镇\u2067"]}
"""


def test_check_names_file_line_and_field_of_each_bidi_control(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"units.yaml": UNITS, "meetings/m.yaml": MEETING})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{reg}/units.yaml:3: name: 含有会改变文字显示顺序的双向控制字符 U+202E（第6个字符" in err
    assert f"{reg}/meetings/m.yaml:7: text: 含有会改变文字显示顺序的双向控制字符 U+202E（第3个字符" in err
    assert f"{reg}/meetings/m.yaml:7: co: 第2项含有会改变文字显示顺序的双向控制字符 U+2067（第4个字符" in err
    assert "Traceback" not in err


def test_the_board_is_not_built_from_such_a_name(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"units.yaml": UNITS, **REGS})
    out = tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "site", "--on", "2026-11-17")
    assert rc == 2 and "units.yaml:3: name:" in err and "U+202E" in err
    assert not out.exists()


@pytest.fixture
def issued(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", REGS)
    out = tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-10")
    assert rc == 0, err
    return reg, out, (reg / "ledger.jsonl").read_bytes()


@pytest.mark.parametrize("cmd", [["void", "督交〔2026〕1号", "--on", "2026-11-12"],
                                 ["assign", "--on", "2026-11-12", "--reissue", "督交〔2026〕1号"]])
def test_a_reason_with_a_bidi_control_is_refused_and_nothing_recorded(run, issued, cmd):
    reg, out, ledger = issued
    rc, _, err = run("-r", str(reg), "-o", str(out), *cmd, "--reason", "牵头单位\u202e填错")
    assert rc == 2, err
    assert "原因含有会改变文字显示顺序的双向控制字符 U+202E（第5个字符" in err
    assert (reg / "ledger.jsonl").read_bytes() == ledger


TEXT = st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=20)


@given(TEXT, st.sampled_from(BIDI), TEXT)
def test_every_bidi_control_is_found_where_it_is(before, code, after):
    why = unprintable(before + chr(code) + after)
    assert why is not None and f"U+{code:04X}（第{len(before) + 1}个字符" in why


@given(TEXT)
def test_letters_digits_punctuation_and_spaces_pass(text):
    assert unprintable(text) is None
