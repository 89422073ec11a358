"""Data shared by several test modules (test data, not tests: no test module imports another): the State
Council's holiday schedules written out by hand, and registers whose figures were worked out by hand."""
import datetime as dt
import json
import stat
import sys
from pathlib import Path

D = dt.date.fromisoformat

# The State Council's schedules (国务院办公厅关于2025年/2026年部分节假日安排的通知), written out by hand: the days
# off, as (first, last), and the make-up working days (调休上班, a Saturday or a Sunday).
OFF = {
    2025: [("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
           ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
    2026: [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
           ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
           ("2026-10-01", "2026-10-07")],
}
MAKEUP = {
    2025: {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
    2026: {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
}


def workday_by_hand(d: dt.date) -> bool:
    """A working day by the hand-written schedules above (2025 and 2026 only)."""
    assert d.year in OFF, d
    if d.isoformat() in MAKEUP[d.year]:
        return True
    if any(D(a) <= d <= D(b) for a, b in OFF[d.year]):
        return False
    return d.weekday() < 5


# Three meetings' items (主任办公会: 会后10日内, rules.md §1):
#   A 经济发展部, meeting 11/02 -> due 11/12 (Thu). On 11/17 it is 5 days overdue: red.
#   B 财政金融部, meeting 11/09 -> due 11/19 (Thu). On 11/17 two working days are left (11/18, 11/19): blue.
#   L 良庄镇 (no mobile in MINI_UNITS), same meeting as B: blue.
#   D 经济发展部, meeting 11/16 -> due 11/26: not warned on 11/17.
# All but D are assigned on 11/10 (督交〔2026〕1-3号 in register order: A, B, L). A's 回执 is signed on 11/11;
# B's and L's are not: due back 2 working days after 11/10, i.e. 11/12, so both are listed from 11/13.
DAILY_REGS = {
    "meetings/m.yaml": """\
        meetings:
          - id: MA
            kind: 主任办公会
            title: 2026年第20次主任办公会
            date: 2026-11-02
            items:
              - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
          - id: MB
            kind: 主任办公会
            title: 2026年第21次主任办公会
            date: 2026-11-09
            items:
              - {id: B, text: 做好乙项目资金保障, lead: 财政金融部}
              - {id: L, text: 落实丙村秸秆禁烧巡查, lead: 良庄镇}
          - id: MD
            kind: 主任办公会
            title: 2026年第22次主任办公会
            date: 2026-11-16
            items:
              - {id: D, text: "=SUM(1,2)丁项目前期手续", lead: 经济发展部}
        """,
    "progress/p.yaml": """\
        progress:
          - {item: A, date: 2026-11-11, type: 签收, slip: 督交〔2026〕1号, by: 孙伟}
        """,
}


# Q3 2026, as of 2026-10-12 (working it out). The office verifies completions (销号核查, the default): the on-time
# bonus is earned on the day a verification passes (rules.md §5a).
#   I1  经济发展部  due 7/13 (7/12 is a Sunday)  done 7/10, verified 7/14  on time  +0.5 (7/14)
#   I2  财政金融部  due 7/13                       done 7/20 (7 late)  -1 (7/14), -0.5 (7/20)
#   I3  财政金融部  due 7/13, open: 91 days late   -1 (7/14); weeks at 7/20 … 9/28 in Q3: 11 × -0.5;
#                   extension asked 7/20 (late), refused                -0.5 (7/20)
#   P1  良庄镇      due 8/10, extended to 8/31, done 8/28, not verified  on time, no bonus yet
#   F1  经济发展部  finding, due 9/15, open: 27 days late               -2 (9/16); weeks 9/22, 9/29: 2 × -0.5
#   D1  良庄镇      document due 10/8 (Q4), done 9/30, verified 10/9     +0.5 (10/9), counted in Q4
# Totals: due 5, completed 3 (I1 I2 P1), on time 2, overdue 2 (I3 F1), extended 1, rate 40.0%
# Scores: 良庄镇 100, 经济发展部 100 + 0.5 - 2 - 1 = 97.5, 财政金融部 100 - 1 - 0.5 - 1 - 5.5 - 0.5 = 91.5
Q3_REG = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第15次主任办公会
    date: 2026-07-02
    items:
      - {id: I1, text: 事项一, lead: 经济发展部}
      - {id: I2, text: 事项二, lead: 财政金融部}
      - {id: I3, text: 事项三, lead: 财政金融部}
instructions:
  - {id: P1, level: 主要领导, leader: 管委会主任, date: 2026-08-03, text: 批示事项, lead: 良庄镇}
documents:
  - {id: D1, title: 关于报送材料的通知, handed: 2026-09-28, category: 单办, lead: 良庄镇}
inspections:
  - {id: F1, date: 2026-09-01, form: 实地督导, finding: 台账不全, requirement: 补齐, lead: 经济发展部, due: 2026-09-15}
progress:
  - {item: I1, date: 2026-07-10, type: 办结}
  - {item: I1, date: 2026-07-14, type: 核查, passed: 通过}
  - {item: I2, date: 2026-07-20, type: 办结}
  - {item: I3, date: 2026-07-20, type: 延期申请, until: 2026-08-31, reason: 协调中}
  - {item: I3, date: 2026-07-21, type: 延期批复, granted: 不同意}
  - {item: P1, date: 2026-08-05, type: 延期申请, until: 2026-08-31, reason: 需调研}
  - {item: P1, date: 2026-08-06, type: 延期批复, granted: 同意}
  - {item: P1, date: 2026-08-28, type: 办结}
  - {item: D1, date: 2026-09-30, type: 办结}
  - {item: D1, date: 2026-10-09, type: 核查, passed: 通过}
"""


def items_yaml(n, start=0, day="2026-11-02", text="落实事项{i}"):
    lines = ["meetings:", f"  - id: M{start}", "    kind: 主任办公会", "    title: 2026年第20次主任办公会", f"    date: {day}",
             "    items:"]
    for i in range(start, start + n):
        lines += [f"      - id: X{i:03d}", f"        text: {text.format(i=i)}", "        lead: 经济发展部"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SMS: a small office and a fake gateway

# A small office: two items of the 主任办公会 of 11/02 (会后10日内: due 11/12), neither assigned, both red on 11/17.
SMALL = {
    "meetings/m.yaml": """\
        meetings:
          - id: MA
            kind: 主任办公会
            title: 2026年第20次主任办公会
            date: 2026-11-02
            items:
              - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
              - {id: B, text: 做好乙项目资金保障, lead: 财政金融部}
        """,
}
# By hand: 16 (signature) + 5 (孙伟您好，) + 11 (经济发展部的督办提醒：) + 2 (1.) + 9 (item) + 18 (（办结时限…5天）)
# + 1 (。) + 11 = 73 characters: two parts, (1/2) with 62 characters and (2/2) with the last 11.
TEXT_A = ("【泰安高新区管委会督导工作专班】孙伟您好，经济发展部的督办提醒：1.推进甲项目开工建设（办结时限11月12日，已逾期5天）。"
          "请抓紧办理，按时反馈。")
A_PARTS = ["(1/2)" + TEXT_A[:62], "(2/2)" + TEXT_A[62:]]
PHONE_A, PHONE_B = "13905381002", "13905381003"

GATEWAY = """#!{python}
import json, os, sys, time
phone, text = sys.argv[1], sys.argv[2]
payload = json.loads(sys.stdin.read())
assert payload["phone"] == phone and payload["text"] == text
fail = {fail!r}
if any(text.startswith(f) or phone == f for f in fail):
    sys.exit(1)
with open({log!r}, "a", encoding="utf-8") as f:
    f.write(json.dumps([phone, text], ensure_ascii=False) + "\\n")
    f.flush()
    os.fsync(f.fileno())
time.sleep({sleep})
"""


def gateway(folder: Path, name="gw", sleep=0.0, fail=()) -> tuple[Path, Path]:
    """A fake SMS gateway: logs (phone, text) of each part it sends, then sleeps; refuses phones or parts in fail."""
    p, log = folder / name, folder / f"{name}.log"
    p.write_text(GATEWAY.format(python=sys.executable, log=str(log), sleep=sleep, fail=list(fail)), encoding="utf-8")
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return p, log


def logged(log: Path) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    return [tuple(json.loads(x)) for x in log.read_text(encoding="utf-8").splitlines()]
