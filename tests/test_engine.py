"""The engine's deciders, warnings and score events called directly (no CLI, no files written by docgen): a small
registers folder read by registers.load.read_registers, statuses from engine.status, and the ledger's part (what
was issued) built by hand. Every expected value is worked out by hand in the comments: dates, working days counted,
holidays skipped (the 2026 schedule: examples.OFF, MAKEUP).

November 2026 has no holiday: Mondays are 11/2, 11/9, 11/16, 11/23, 11/30."""
import datetime as dt

import pytest

from conftest import write_registers
from docgen.engine import slips as S
from docgen.engine.figures import Closed, compute, parse_period, score_events
from docgen.engine.status import status_all
from docgen.engine.warnings import UNSIGNED, IssuedSlip, warnings
from docgen.registers.calendar import WorkCalendar
from docgen.registers.load import read_registers
from docgen.registers.rules import Rules

D = dt.date.fromisoformat

# 主任办公会 (meeting.major): 10 calendar days after the meeting, moved to the next working day.
#   A  经济发展部  met 11/2: due 11/12 (Thu), open
#   B  财政金融部  met 11/2: due 11/12, open
#   C  良庄镇      met 11/2: done 11/5 (reported done: needs no 交办单)
#   E  财政金融部  met 11/2: due 11/12; extension asked on 11/12 (on the due date: late), granted to 11/17
#   R  良庄镇      met 11/2: done 11/6, 核查 不通过 11/9: rework due 5 working days later,
#                  11/10 (1), 11/11 (2), 11/12 (3), 11/13 (4), 11/16 (5) -> 11/16
#   F  良庄镇      inspection finding of 11/3, due 11/20 (given): assigned by its 整改通知单, never a 交办单
#   G  经济发展部  document (单办, doc.single: 3 working days) handed 11/16 (Mon): 11/17, 11/18, 11/19 -> 11/19
#   A's 回执 (督交〔2026〕1号) signed on 11/11; B's (督交〔2026〕2号) never.
REG = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: A, text: 事项甲, lead: 经济发展部}
      - {id: B, text: 事项乙, lead: 财政金融部}
      - {id: C, text: 事项丙, lead: 良庄镇}
      - {id: E, text: 事项戊, lead: 财政金融部}
      - {id: R, text: 事项庚, lead: 良庄镇}
documents:
  - {id: G, title: 关于报送材料的通知, handed: 2026-11-16, category: 单办, lead: 经济发展部}
inspections:
  - {id: F, date: 2026-11-03, form: 实地督导, finding: 台账不全, requirement: 补齐, lead: 良庄镇, due: 2026-11-20}
progress:
  - {item: C, date: 2026-11-05, type: 办结}
  - {item: R, date: 2026-11-06, type: 办结}
  - {item: R, date: 2026-11-09, type: 核查, passed: 不通过}
  - {item: A, date: 2026-11-11, type: 签收, slip: 督交〔2026〕1号, by: 孙伟}
  - {item: E, date: 2026-11-12, type: 延期申请, until: 2026-11-17, reason: 协调中}
  - {item: E, date: 2026-11-12, type: 延期批复, granted: 同意}
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    reg, diags = read_registers(write_registers(tmp_path_factory.mktemp("engine") / "r", {"m.yaml": REG}))
    assert not diags, diags
    return reg, WorkCalendar(reg.calendar_files)


def statuses(office, on):
    reg, cal = office
    return status_all(reg, cal, D(on))


def issued(assigned=(), first=None, urged=None, rectified=()):
    return S.Issued(keys={"assign": set(assigned), "rectify": set(rectified)}, first_slip=first or {},
                    last_urged=urged or {})


def decide(office, decider, on, iss):
    reg, cal = office
    needs, skipped = decider(reg, cal, D(on), statuses(office, on), iss)
    return [(n.kind, n.item_id, n.key) for n in needs], skipped


# ---------------------------------------------------------------- assignments (交办单)

def test_assignments_every_open_item_without_one(office):
    # On 11/10: registered A, B, C, E, R (11/2) and F (11/3); G not yet (11/16). C is reported done; F is a finding
    # (its 整改通知单 assigns it); R's completion failed its check, so it is open again and needs one.
    assert decide(office, S.assignments, "2026-11-10", issued()) == (
        [("assign", "A", "A"), ("assign", "B", "B"), ("assign", "E", "E"), ("assign", "R", "R")], [])
    # A and E already have one: the others only
    assert decide(office, S.assignments, "2026-11-10", issued(assigned={"A", "E"}))[0] == [
        ("assign", "B", "B"), ("assign", "R", "R")]
    # On 11/16 G is registered too (assigned 11/16) and gets one
    assert decide(office, S.assignments, "2026-11-16", issued(assigned={"A", "B", "E", "R"}))[0] == [
        ("assign", "G", "G")]


# ---------------------------------------------------------------- urges (催办单)

def test_urge_red_items_but_not_on_the_day_of_their_first_slip(office):
    # 11/13 (Fri): A and B are red (due 11/12). E's extension moved it to 11/17: 11/16, 11/17 left, blue (2 days,
    # warn_days 2). R is in rework (yellow): never urged. F is due 11/20: 11/16–11/20 left, 5 days, no warning.
    # B's first slip goes out today: no 催办单 the same day. E has no 交办单: listed, not urged.
    first = {"A": D("2026-11-10"), "B": D("2026-11-13"), "R": D("2026-11-10"), "F": D("2026-11-10")}
    needs, no_assign = decide(office, S.urges, "2026-11-13", issued(first=first))
    assert needs == [("urge", "A", "A@2026-11-13")]
    assert no_assign == ["E"]


def test_urge_blue_items_and_the_urge_interval(office):
    first = {i: D("2026-11-10") for i in "ABER"} | {"F": D("2026-11-10"), "G": D("2026-11-16")}
    # 11/16 (Mon): G is due 11/19, three working days left (11/17, 11/18, 11/19): no warning, no urge.
    # A, B red; E blue (11/17 is one working day away). Nothing urged before: all three.
    assert decide(office, S.urges, "2026-11-16", issued(first=first))[0] == [
        ("urge", "A", "A@2026-11-16"), ("urge", "B", "B@2026-11-16"), ("urge", "E", "E@2026-11-16")]
    # Urge interval 3 working days. A last urged 11/12 (Thu): by 11/16 two have passed (11/13, 11/16): not yet;
    # B last urged 11/11 (Wed): 11/12, 11/13, 11/16, three: urged again; E urged 11/16 itself: not twice a day.
    urged = {"A": D("2026-11-12"), "B": D("2026-11-11"), "E": D("2026-11-16")}
    assert decide(office, S.urges, "2026-11-16", issued(first=first, urged=urged))[0] == [
        ("urge", "B", "B@2026-11-16")]
    # 11/17: A's three days are up (11/13, 11/16, 11/17); B's too (four: 11/12, 11/13, 11/16, 11/17). E is due
    # today (0 left): still blue, but urged 11/16 (one day): not yet. R's rework was due 11/16: red now, never
    # urged. F: 11/18, 11/19, 11/20 left, three: not yet blue. G is now blue: 11/18, 11/19 left.
    assert decide(office, S.urges, "2026-11-17", issued(first=first, urged=urged))[0] == [
        ("urge", "A", "A@2026-11-17"), ("urge", "B", "B@2026-11-17"), ("urge", "R", "R@2026-11-17"),
        ("urge", "G", "G@2026-11-17")]


def test_reply_by_counts_working_days():
    cal, rules = WorkCalendar(), Rules()  # reply_days 2
    assert S.reply_by(D("2026-11-13"), rules, cal) == D("2026-11-17")  # Fri: 11/16 (1), 11/17 (2)
    assert S.reply_by(D("2026-09-30"), rules, cal) == D("2026-10-09")  # 10/1–10/7 国庆节: 10/8 (1), 10/9 (2)
    # 2/13 (Fri): 2/14 is a make-up Saturday (1); 2/15–2/23 春节; 2/24 (2)
    assert S.reply_by(D("2026-02-13"), rules, cal) == D("2026-02-24")
    assert S.reply_by(D("2026-10-09"), rules, cal) == D("2026-10-12")  # 10/10 make-up Saturday (1), 10/12 (2)


# ---------------------------------------------------------------- rectifications (整改通知单)

def test_rectifications_for_findings_and_failed_checks(office):
    reg, cal = office
    # 11/10: F (a finding) needs one; R's check of 11/9 failed: one for that check, keyed by its date
    needs, _ = S.rectifications(reg, cal, D("2026-11-10"), statuses(office, "2026-11-10"), issued())
    assert [(n.item_id, n.key) for n in needs] == [("R", "R@核查2026-11-09"), ("F", "F")]
    assert needs[0].failed_check.date == D("2026-11-09") and needs[0].failed_check.passed is False
    assert needs[1].failed_check is None
    # F's issued: R's only; both issued: none
    assert decide(office, S.rectifications, "2026-11-10", issued(rectified={"F"}))[0] == [
        ("rectify", "R", "R@核查2026-11-09")]
    assert decide(office, S.rectifications, "2026-11-10", issued(rectified={"F", "R@核查2026-11-09"}))[0] == []
    # 11/6: R only just reported done, its check not yet made: F only
    assert decide(office, S.rectifications, "2026-11-06", issued())[0] == [("rectify", "F", "F")]


# ---------------------------------------------------------------- warnings (逾期预警)

SLIPS = [IssuedSlip("督交〔2026〕1号", "assign", "A", D("2026-11-10")),
         IssuedSlip("督交〔2026〕2号", "assign", "B", D("2026-11-10")),
         IssuedSlip("督交〔2026〕3号", "assign", "G", D("2026-11-19"))]


def warned(office, on, slips=SLIPS):
    reg, cal = office
    events = {i.id: reg.events_of(i.id) for i in reg.items}
    assigned_by = {"A": "督交〔2026〕1号", "B": "督交〔2026〕2号", "G": "督交〔2026〕3号"}
    out = warnings(statuses(office, on), slips, events, assigned_by, reg.rules, cal, D(on))
    return [(u.unit, [(e.level, e.status.item.id, e.slip, e.sign_by) for e in u.entries]) for u in out]


def test_warning_levels_and_unsigned_receipts(office):
    # 11/12: A, B due today (0 working days left): blue. E asked on 11/12 for 11/17 (11/13, 11/16, 11/17: three
    # left, not blue) but asked on the due date: yellow. R in rework (due 11/16): yellow. F (11/13–11/20, six):
    # nothing. The 回执 of 11/10 are due back 2 working days later (11/11, 11/12): on 11/12 not yet late.
    assert warned(office, "2026-11-12") == [
        ("财政金融部", [("黄", "E", None, None), ("蓝", "B", "督交〔2026〕2号", None)]),
        ("良庄镇", [("黄", "R", None, None)]),
        ("经济发展部", [("蓝", "A", "督交〔2026〕1号", None)]),
    ]
    # 11/13: A, B one day overdue: red. E: 11/16, 11/17 left: blue, but a late request makes it yellow. B's 回执
    # (due back 11/12) is unsigned; A's was signed on 11/11. Units with the most red first; on a tie of red and
    # of days overdue, more yellow first (财政金融部: B red, E yellow), then by name.
    assert warned(office, "2026-11-13") == [
        ("财政金融部", [("红", "B", "督交〔2026〕2号", None), ("黄", "E", None, None),
                   (UNSIGNED, "B", "督交〔2026〕2号", D("2026-11-12"))]),
        ("经济发展部", [("红", "A", "督交〔2026〕1号", None)]),
        ("良庄镇", [("黄", "R", None, None)]),
    ]


def test_an_unsigned_receipt_after_sign_days_working_days_across_a_weekend(office):
    # G's 交办单 of 11/19 (Thu): its 回执 is due back 11/20 (1), 11/23 (2) -> 11/23; listed from 11/24.
    # (G is due 11/19: red from 11/20.)
    only_g = [SLIPS[2]]
    g = lambda on: [e for u, es in warned(office, on, only_g) for e in es if e[1] == "G"]  # noqa: E731
    assert g("2026-11-23") == [("红", "G", "督交〔2026〕3号", None)]
    assert g("2026-11-24") == [("红", "G", "督交〔2026〕3号", None), (UNSIGNED, "G", "督交〔2026〕3号", D("2026-11-23"))]


# ---------------------------------------------------------------- score events (rules.md §5, §5a)

# Two months, October and November 2026 (as of 11/20):
#   O1  经济发展部  met 9/24: 9/24 + 10 = 10/4, in 国庆节 (10/1–10/7): due 10/8 (Thu). Open.
#       overdue -1 on 10/9 (the day after the due date). On 11/20 it is 43 days late (10/8 -> 11/8 is 31, + 12):
#       6 full weeks, -0.5 each on 10/15, 10/22, 10/29 (October) and 11/5, 11/12, 11/19 (November).
#       Extension asked 10/12, after the due date, refused 10/13: late extension -0.5 on 10/12.
#   O2  财政金融部  met 9/24, due 10/8; done 10/8 (on time), 核查 通过 10/9: on time +0.5 on 10/9, the day it is
#       verified (the office verifies), not the day of completion.
#   F2  良庄镇      finding of 10/20, due 11/10 (given); open: rectification overdue -2 on 11/11; 11/20 is 10 days
#       late: one full week, -0.5 on 11/17.
# October: 经济发展部 100 - 1 - 0.5 - 1.5 = 97.0; 财政金融部 100 + 0.5 = 100.5; 良庄镇 nothing due in October.
# November: 良庄镇 (F2 due 11/10) 100 - 2 - 0.5 = 97.5; 经济发展部 and 财政金融部 have nothing due in November.
SCORES = """\
meetings:
  - id: M2
    kind: 主任办公会
    title: 2026年第18次主任办公会
    date: 2026-09-24
    items:
      - {id: O1, text: 事项一, lead: 经济发展部}
      - {id: O2, text: 事项二, lead: 财政金融部}
inspections:
  - {id: F2, date: 2026-10-20, form: 实地督导, finding: 台账不全, requirement: 补齐, lead: 良庄镇, due: 2026-11-10}
progress:
  - {item: O2, date: 2026-10-08, type: 办结}
  - {item: O2, date: 2026-10-09, type: 核查, passed: 通过}
  - {item: O1, date: 2026-10-12, type: 延期申请, until: 2026-10-30, reason: 协调中}
  - {item: O1, date: 2026-10-13, type: 延期批复, granted: 不同意}
"""

OCTOBER = [("经济发展部", "2026-10-09", "O1", "overdue", -1.0),
           ("财政金融部", "2026-10-09", "O2", "on_time", 0.5),
           ("经济发展部", "2026-10-12", "O1", "late_extension", -0.5),
           ("经济发展部", "2026-10-15", "O1", "overdue_week", -0.5),
           ("经济发展部", "2026-10-22", "O1", "overdue_week", -0.5),
           ("经济发展部", "2026-10-29", "O1", "overdue_week", -0.5)]
NOVEMBER = [("经济发展部", "2026-11-05", "O1", "overdue_week", -0.5),
            ("良庄镇", "2026-11-11", "F2", "rectify_overdue", -2.0),
            ("经济发展部", "2026-11-12", "O1", "overdue_week", -0.5),
            ("良庄镇", "2026-11-17", "F2", "overdue_week", -0.5),
            ("经济发展部", "2026-11-19", "O1", "overdue_week", -0.5)]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    reg, diags = read_registers(write_registers(tmp_path_factory.mktemp("scores") / "r", {"m.yaml": SCORES}))
    assert not diags, diags
    return reg, WorkCalendar(reg.calendar_files)


def events(scored, on, closed=()):
    reg, cal = scored
    evs = score_events(reg, status_all(reg, cal, D(on)), list(closed))
    return sorted((e.unit, e.date.isoformat(), e.item, e.rule, e.points) for e in evs)


def key(e):
    return (e[1], e[2], e[3])


def test_score_events_by_the_day_they_accrue(scored):
    assert sorted(events(scored, "2026-11-20"), key=key) == sorted(OCTOBER + NOVEMBER, key=key)


def test_a_full_week_and_not_before(scored):
    # 10/14: 6 days late, no full week yet; 10/15: 7 days, the first week
    weeks = lambda on: [e for e in events(scored, on) if e[3] == "overdue_week"]  # noqa: E731
    assert weeks("2026-10-14") == []
    assert weeks("2026-10-15") == [("经济发展部", "2026-10-15", "O1", "overdue_week", -0.5)]
    # 10/8, the due date itself, is not late: nothing for O1 yet; O2 done that day, verified the next
    assert [e for e in events(scored, "2026-10-08")] == []
    assert events(scored, "2026-10-09") == [("经济发展部", "2026-10-09", "O1", "overdue", -1.0),
                                            ("财政金融部", "2026-10-09", "O2", "on_time", 0.5)]


def test_scores_of_each_period(scored):
    reg, cal = scored
    october = compute(reg, cal, parse_period("2026-10"), D("2026-11-20"))
    assert {u.unit: u.score for u in october.units} == {"经济发展部": 97.0, "财政金融部": 100.5, "良庄镇": None}
    assert [(u.unit, u.rank) for u in october.units if u.active] == [("财政金融部", 1), ("经济发展部", 2)]
    assert sorted((e.unit, e.date.isoformat(), e.item, e.rule, e.points)
                  for u in october.units for e in u.events) == sorted(OCTOBER)
    november = compute(reg, cal, parse_period("2026-11"), D("2026-11-20"))
    # 经济发展部 has nothing due in November but O1's three weeks (11/05, 11/12, 11/19) fall in it: scored and
    # ranked (rules.md §5), 100 − 3 × 0.5 = 98.5; 财政金融部 has nothing at all in November: not scored
    assert {u.unit: u.score for u in november.units} == {"经济发展部": 98.5, "财政金融部": None, "良庄镇": 97.5}
    assert sorted((e.unit, e.date.isoformat(), e.item, e.rule, e.points)
                  for u in november.units for e in u.events) == sorted(NOVEMBER)


def test_named_in_a_bulletin_costs_one_point_on_the_bulletin_day(scored):
    from docgen.engine.figures import ScoreEvent

    # October closed by a bulletin of 11/2 that named O1; its recorded events are October's as derived
    recorded = tuple(ScoreEvent(u, D(d), i, r, p, "recorded") for u, d, i, r, p in OCTOBER)
    october = Closed(D("2026-10-01"), D("2026-10-31"), "2026年10月", D("2026-11-02"), frozenset({"O1"}), recorded)
    named = ("经济发展部", "2026-11-02", "O1", "bulletin_named", -1.0)
    assert sorted(events(scored, "2026-11-20", [october]), key=key) == sorted(OCTOBER + NOVEMBER + [named], key=key)
    # before the bulletin's day it costs nothing
    assert named not in events(scored, "2026-11-01", [october])
