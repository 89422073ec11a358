"""The rules that used to live in the command line, called as functions: the 签收 checks and the missing-mobile
warning (engine/checks.py), and an item's due explanation with an extension and a rework (engine/due.py,
view.standing_text). Every expected line is worked out by hand in the comments."""
import datetime as dt
from types import SimpleNamespace

from conftest import write_registers

from docgen.engine.checks import mobile_warnings, receipt_checks
from docgen.engine.status import explain_item
from docgen.engine.status import item_status
from docgen.registers.calendar import WorkCalendar
from docgen.registers.load import read_registers
from docgen.view import standing_text

D = dt.date.fromisoformat

MEETING = """\
    meetings:
      - id: MA
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
          - {id: B, text: 做好乙项目资金保障, lead: 财政金融部}
    """


def load(tmp_path, files):
    reg, diags = read_registers(write_registers(tmp_path / "r", files))
    assert diags == []
    return reg


def test_receipts_against_the_ledger(tmp_path):
    # the ledger holds 督交〔2026〕1号 (A's) and 2号 (B's). Line 2 signs A's own slip: fine. Line 3 signs a number the
    # ledger does not have: a warning. Line 4 says B signed 1号, which is A's: an error.
    reg = load(tmp_path, {"meetings/m.yaml": MEETING, "progress/p.yaml": """\
        progress:
          - {item: A, date: 2026-11-11, type: 签收, slip: 督交〔2026〕1号, by: 孙伟}
          - {item: A, date: 2026-11-11, type: 签收, slip: 督交〔2026〕9号, by: 孙伟}
          - {item: B, date: 2026-11-12, type: 签收, slip: 督交〔2026〕1号, by: 周敏}
          - {item: B, date: 2026-11-12, type: 办结}
        """})
    slips = {"督交〔2026〕1号": SimpleNamespace(item="A"), "督交〔2026〕2号": SimpleNamespace(item="B")}
    errors, warnings = receipt_checks(reg, slips)
    p = tmp_path / "r" / "progress" / "p.yaml"
    assert [str(d) for d in warnings] == [
        f"{p}:3: slip: 签收的单据「督交〔2026〕9号」在账本中没有（尚未出具，或编号写错）"]
    assert [str(d) for d in errors] == [f"{p}:4: slip: 单据「督交〔2026〕1号」是事项「A」的，不是「B」的"]


def test_receipts_all_in_order_give_nothing(tmp_path):
    reg = load(tmp_path, {"meetings/m.yaml": MEETING, "progress/p.yaml": """\
        progress:
          - {item: B, date: 2026-11-12, type: 签收, slip: 督交〔2026〕2号, by: 周敏}
        """})
    assert receipt_checks(reg, {"督交〔2026〕2号": SimpleNamespace(item="B")}) == ([], [])


def test_units_without_a_mobile_are_named_once(tmp_path):
    # MINI_UNITS: 良庄镇 has no mobile; here 财政金融部 loses its number too, and both are named in units.yaml's order
    units = """\
        units:
          - {name: 经济发展部, contact: 孙伟, mobile: "13905381002"}
          - {name: 财政金融部, contact: 周敏}
          - {name: 良庄镇, contact: 邓超}
        """
    reg = load(tmp_path, {"meetings/m.yaml": MEETING, "units.yaml": units})
    assert mobile_warnings(reg) == ["以下单位没有登记手机号（mobile），不能发送短信提醒：财政金融部、良庄镇"]


def test_every_unit_with_a_mobile_gives_no_warning(tmp_path):
    units = """\
        units:
          - {name: 经济发展部, contact: 孙伟, mobile: "13905381002"}
          - {name: 财政金融部, contact: 周敏, mobile: "13905381003"}
        """
    assert mobile_warnings(load(tmp_path, {"meetings/m.yaml": MEETING, "units.yaml": units})) == []


def test_due_explained_with_a_late_extension_and_a_rework(tmp_path):
    # A: 主任办公会 on Mon 11/02, meeting.major = 10 calendar days from the meeting: 11/12, a Thursday (a working
    # day, nothing rolled). 11/13 it asks for an extension to 11/30, after 11/12: late. 11/16 granted (no until: the
    # request's 11/30). Done 11/20; the check on Tue 11/24 fails: rework within 5 working days after it, 11/25 26 27
    # 30, 12/01 -> Tue 12/01. The rework is reported on 11/27: on time. On 12/02 it waits for verification.
    reg = load(tmp_path, {"meetings/m.yaml": MEETING, "progress/p.yaml": """\
        progress:
          - {item: A, date: 2026-11-13, type: 延期申请, until: 2026-11-30, reason: 需协调用地}
          - {item: A, date: 2026-11-16, type: 延期批复, granted: 同意}
          - {item: A, date: 2026-11-20, type: 办结}
          - {item: A, date: 2026-11-24, type: 核查, passed: 不通过}
          - {item: A, date: 2026-11-27, type: 整改报告}
          - {item: A, date: 2026-12-03, type: 核查, passed: 通过}
        """})
    cal = WorkCalendar(reg.calendar_files)
    item, events, as_of = reg.item("A"), reg.events_of("A"), D("2026-12-02")
    st = item_status(item, events, reg.rules, cal, as_of)
    assert explain_item(item, events, reg.rules, cal, as_of, st) == [
        "事项：A　推进甲项目开工建设",
        f"来源：2026年第20次主任办公会（2026年11月2日）议定事项；牵头单位：经济发展部（{tmp_path / 'r' / 'meetings' / 'm.yaml'}:7）",
        "规则：meeting.major（会议类别：党工委会、主任办公会、重大综合性会议，10日）",
        "起算：2026年11月2日（星期一），当日不计入",
        "期满：2026年11月2日后第10日为2026年11月12日（星期四）",
        "办结时限：2026年11月12日（星期四）",
        "2026年11月13日申请延期至2026年11月30日（到期后才申请，扣分）",
        "2026年11月16日批准延期至2026年11月30日；申请在到期之后，此前逾期4天照计（办结时限2026年11月12日）",
        "核查不通过，退回整改，整改时限2026年12月1日；2026年11月27日报送整改",
    ]  # the 12/03 check is after as_of: not counted
    assert standing_text(st, as_of) == "截至2026年12月2日：办结时限2026年12月1日，已办结待核查，按期办结"


def test_a_refused_extension_and_an_open_rework(tmp_path):
    # B: due 11/12 as A. Asked on 11/10 (in time) for 11/20, refused 11/11. Done 11/12, check 11/13 fails with its
    # own until 11/18. On 11/19 nothing was reported: 1 day past 11/18, overdue, red.
    reg = load(tmp_path, {"meetings/m.yaml": MEETING, "progress/p.yaml": """\
        progress:
          - {item: B, date: 2026-11-10, type: 延期申请, until: 2026-11-20, reason: 资金未到位}
          - {item: B, date: 2026-11-11, type: 延期批复, granted: 不同意}
          - {item: B, date: 2026-11-12, type: 办结}
          - {item: B, date: 2026-11-13, type: 核查, passed: 不通过, until: 2026-11-18}
        """})
    cal = WorkCalendar(reg.calendar_files)
    item, events, as_of = reg.item("B"), reg.events_of("B"), D("2026-11-19")
    st = item_status(item, events, reg.rules, cal, as_of)
    assert explain_item(item, events, reg.rules, cal, as_of, st)[6:] == [
        "2026年11月10日申请延期至2026年11月20日",
        "2026年11月11日不同意延期",
        "核查不通过，退回整改，整改时限2026年11月18日",
    ]
    assert standing_text(st, as_of) == "截至2026年11月19日：办结时限2026年11月18日，逾期·红，已逾期1天"
