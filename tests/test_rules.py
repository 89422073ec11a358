"""The rules a clerk must be able to defend (issue 9), worked out by hand from the clauses."""
import subprocess
import sys

import docx

from conftest import write_registers

from docgen.ledger import read

DOCGEN = [sys.executable, "-m", "docgen"]


def cli(reg, out, *args):
    p = subprocess.run(DOCGEN + ["-r", str(reg), "-o", str(out), *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


ONE_ACT = """\
meetings:
  - id: MT
    kind: 主任办公会
    title: 2026年第30次主任办公会
    date: 2026-10-20
    items:
      - {id: M, text: 落实会议事项, lead: 经济发展部}
inspections:
  - {id: F, date: 2026-10-20, form: 实地督导, finding: 台账不全, requirement: 补齐台账, lead: 良庄镇, due: 2026-10-23}
"""


def test_one_number_per_act(tmp_path):
    """rules.md §5a: a finding's assignment slip is its 整改通知单 (no 交办单); no 催办单 on the day an item's
    first slip is issued; a 催办单 cites the slip that assigned the item by that slip's own number and date."""
    reg = write_registers(tmp_path / "r", {"m.yaml": ONE_ACT})
    out = tmp_path / "out"
    # 10/26: F is overdue (due 10/23), M is due 10/30 (会后10日), 4 working days away: not yet blue
    for cmd in ("assign", "rectify", "urge"):
        cli(reg, out, cmd, "--on", "2026-10-26", "--no-pdf")
    assert sorted((s.number, s.item) for s in read(reg).slips.values()) == [("督交〔2026〕1号", "M"),
                                                                           ("督改〔2026〕1号", "F")]
    # 10/27: F is still overdue and its slip went out yesterday: urged now; M is 3 working days away: not urged
    cli(reg, out, "urge", "--on", "2026-10-27", "--no-pdf")
    urges = [s for s in read(reg).slips.values() if s.kind == "urge"]
    assert [(s.number, s.item) for s in urges] == [("督催〔2026〕1号", "F")]
    cells = [c.text for t in docx.Document(str(out / "slips" / "催办单" / "督催〔2026〕1号.docx")).tables
             for r in t.rows for c in r.cells]
    assert cells[cells.index("整改通知单") + 1] == "督改〔2026〕1号（2026年10月26日）"
