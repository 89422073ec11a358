"""Register text with a character no installed font draws (an emoji pasted from a chat): the PDF would print a
box (the font's missing-glyph mark) where the clerk wrote it, so `check` warns, naming the file and line
(documents.metrics.undrawable, asked through the font map LibreOffice converts with). The fonts are the ones `make` installs (fonts-noto-cjk,
texlive-lang-chinese's Fandol faces, LibreOffice's own): none of them has emoji."""
from __future__ import annotations

from conftest import write_registers

MEETING = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第1次主任办公会
    date: 2026-03-02
    items:
      - id: M1-1
        text: 推进🚧道路施工围挡整治
        lead: 经济发展部
      - id: M1-2
        text: 落实①号文件，做好α、Ω类企业走访
        lead: 财政金融部
progress:
  - {item: M1-1, date: 2026-03-05, type: 反馈, note: 已完成👍}
  - {item: M1-2, date: 2026-03-05, type: 反馈, note: 已部署（第一批）}
"""


def test_check_warns_of_each_text_no_font_can_print_and_names_its_line(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": MEETING})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    boxes = [x for x in out.splitlines() if "没有字体能打印" in x]
    # the item M1-1 is written from line 7 (its `- id:`); the progress entry of 👍 is line 14
    assert len(boxes) == 2, out
    assert "m.yaml:7：" in boxes[0] and "「🚧」（U+1F6A7）" in boxes[0]
    assert "m.yaml:14：" in boxes[1] and "「👍」（U+1F44D）" in boxes[1]
    assert "①" not in out and "Ω" not in out  # drawn by the office fonts: nothing to say
    assert "台账检查通过" in out


def test_plain_registers_get_no_such_warning(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": MEETING.replace("🚧", "").replace("👍", "")})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    assert "没有字体能打印" not in out
