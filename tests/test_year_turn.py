"""Read in January: a short date (月日) is the as-of year's; a date of another year is printed whole. The warning
list of 2027-01-11 on the example office names the 2026 deadlines with their year (registers.calendar.cn_md_in,
used by view.py's phrases: warn, the SMS reminders, the board)."""
from __future__ import annotations

import datetime as dt
import shutil

from conftest import ROOT


def test_cn_md_in():
    from docgen.registers.calendar import cn_md_in

    assert cn_md_in(dt.date(2026, 11, 30), 2026) == "11月30日"
    assert cn_md_in(dt.date(2026, 11, 30), 2027) == "2026年11月30日"


def test_the_warning_list_of_january_names_last_years_deadlines_with_their_year(run, tmp_path):
    reg = tmp_path / "r"
    shutil.copytree(ROOT / "registers", reg)
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "warn", "--on", "2027-01-11")
    assert rc == 0, err
    # the milestone due 2026-08-31: overdue from 9/1, 2027-01-11 − 2026-08-31 = 30 + 31 + 30 + 31 + 11 = 133 days
    assert "应于2026年8月31日前完成，截至1月11日尚未完成，自2026年9月1日起已逾期133天" in out
    # a 交办单 item due 2026-11-30 with no slip: 31 (December) + 11 = 42 days overdue
    assert "办结时限2026年11月30日，已逾期42天" in out
    assert "应于8月31日前" not in out and "办结时限11月30日" not in out


def test_a_warning_of_the_same_year_keeps_its_short_date(run, tmp_path):
    reg = tmp_path / "r"
    shutil.copytree(ROOT / "registers", reg)
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "warn", "--on", "2026-12-01")
    assert rc == 0, err
    assert "办结时限11月30日" in out and "2026年11月30日" not in out
