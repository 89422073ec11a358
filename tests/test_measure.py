"""The measure's early answer (documents/fit.py Measure.over): whether a form runs over its page, told without
measuring a long register to its end, is the answer the whole measure gives; and the 签收登记表, which is never
shrunk, gets its page numbers exactly when it runs over a page."""
from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT

DAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def reg():
    from docgen.registers.load import read_registers

    r, _ = read_registers(ROOT / "registers")
    return r


def _rows(n: int) -> list[tuple[str, str, str, str]]:
    return [(f"督交〔2026〕{i}号", "交办单", "经济发展部", f"第{i}项：完成重点项目年度投资任务并按月报送进展") for i in range(1, n + 1)]


def _signoff(reg, n: int):
    from docgen.documents.slips import build_signoff

    return docx.Document(io.BytesIO(build_signoff(reg, "交办单", DAY, _rows(n)).to_bytes()))


def _numbered(document) -> bool:
    """A PAGE field in the first section's footer."""
    xml = b"".join(p.blob for p in document.part.package.parts if "footer" in str(p.partname))
    return b"PAGE" in xml


def test_a_short_signoff_has_no_page_number_and_a_long_one_has(reg):
    # 3 rows and a heading take a fraction of a page; 150 rows of at least one 小四 line each (over 15 pt) are
    # more than 2,000 pt, while the A4 type area is 225 mm (about 638 pt) tall
    assert not _numbered(_signoff(reg, 3))
    assert _numbered(_signoff(reg, 150))


@pytest.fixture(scope="module")
def forms(reg):
    return {n: _signoff(reg, n) for n in (1, 12, 40)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.sampled_from([1, 12, 40]), share=st.floats(0.0, 1.5))
def test_over_answers_as_the_whole_measure_does(forms, n, share):
    from docgen.documents.fit import Measure

    form = forms[n]
    whole = Measure(form).body()
    limit = whole * share
    assert Measure(form).over(limit) == (whole > limit)
    assert not Measure(form).over(whole) and Measure(form).over(whole - 0.01)
    measured = Measure(form)
    measured.body()  # its tables remembered: the early answer reads them
    assert measured.over(limit) == (whole > limit)
