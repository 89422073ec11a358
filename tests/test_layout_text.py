"""Titles broken as a 文秘 would break them, measured with the faces the PDF is made with (GB/T 9704 7.3.1)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from docgen.documents.gbt9704 import XIAOBIAOSONG, split_title
from docgen.documents.metrics import em

AREA_PT = 156 * 72 / 25.4


def test_the_stand_in_face_draws_digits_wider_than_half_a_character():
    # why a half-width guess broke "…落实情况的通 / 报": Noto Serif CJK Bold draws a digit 0.594 em (its hmtx)
    assert em("通", XIAOBIAOSONG) == 1.0
    assert 0.55 < em("2", XIAOBIAOSONG) < 0.65


def test_the_bulletin_title_of_the_issue_breaks_between_words():
    # 18 characters and 4 digits: 18 + 4 × 0.594 = 20.4 em = 448 pt at 22 pt, wider than the 442 pt line
    lines = split_title("关于2026年第三季度重点工作落实情况的通报")
    assert len(lines) == 2 and "".join(lines) == "关于2026年第三季度重点工作落实情况的通报"
    assert lines[1] not in ("报", "通报")  # never the document type alone on its line
    # the break is between two phrases, after the time: never 重点 / 工作 (one word), 通 / 报 or 季 / 度
    assert lines == ["关于2026年第三季度", "重点工作落实情况的通报"]


def test_a_long_title_breaks_before_guanyu_and_never_after_he():
    # 7.3.1 (词意完整): a line never ends on a function word (…交办催办和 / 整改…); the organ, 关于…, then the matter
    assert split_title("泰安高新技术产业开发区管理委员会关于进一步规范督导事项交办催办和整改工作的通知") == [
        "泰安高新技术产业开发区管理委员会", "关于进一步规范督导事项", "交办催办和整改工作的通知"]


def test_a_title_that_fits_stays_on_one_line():
    # 17 characters and 4 digits: 17 + 2.4 = 19.4 em = 427 pt < 442 pt
    assert split_title("关于2026年第4季度重点工作落实情况的通报") == ["关于2026年第4季度重点工作落实情况的通报"]


WORDS = ["关于", "进一步", "加强", "督导", "事项", "交办", "催办", "整改", "工作", "落实", "情况", "的", "和",
         "重点", "项目", "建设", "2026年", "第三季度", "11月", "安全生产", "专项", "检查"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=6, max_size=22), st.sampled_from(["通知", "通报", "意见"]))
def test_no_line_is_one_character_and_no_number_is_split(words, kind):
    title = "".join(words) + "的" + kind
    lines = split_title(title)
    assert "".join(lines) == title
    assert all(len(ln) >= 2 for ln in lines)
    assert not any(ln.endswith(("的", "和")) for ln in lines[:-1])  # never on a function word (7.3.1 词意完整)
    assert not any(ln.startswith("的") for ln in lines[1:])
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and b[0].isdigit())
        assert not (a[-1].isdigit() and b[0] in "年月日")
        assert not (a.endswith(kind[0]) and b == kind[1:])  # 通 / 知
