"""The ledger (issue 8): strict escaping, the hash chain, validation on read, and numbering properties."""
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen.core.diagnostics import InputErrors
from docgen.record.ledger import GENESIS, Ledger, encode, line_hash, read

DAY = dt.date(2026, 11, 3)
HEX = "a" * 64


def lines(reg):
    return (reg / "ledger.jsonl").read_bytes().split(b"\n")[:-1]


def write_lines(reg, ls):
    (reg / "ledger.jsonl").write_bytes(b"\n".join(ls) + b"\n")


def errors_of(reg):
    with pytest.raises(InputErrors) as e:
        read(reg)
    return [(d.line, d.message) for d in e.value.diagnostics]


@pytest.fixture
def three(tmp_path):
    """A ledger with three numbers of one issuer."""
    reg = tmp_path / "r"
    with Ledger(reg) as led:
        for i in range(3):
            led.allocate("dudao", "assign", "督交", f"X{i}", f"X{i}", DAY)
        led.commit()
    return reg


# ---------------------------------------------------------------- format

def test_first_record_chains_from_zeros_and_each_from_the_line_before(three):
    ls = lines(three)
    recs = [json.loads(x) for x in ls]
    assert [r["n"] for r in recs] == [1, 2, 3]
    assert recs[0]["prev"] == GENESIS == "0" * 64
    import hashlib

    assert recs[1]["prev"] == hashlib.sha256(ls[0]).hexdigest()
    assert recs[2]["prev"] == hashlib.sha256(ls[1]).hexdigest()
    assert [r["number"] for r in recs] == ["督交〔2026〕1号", "督交〔2026〕2号", "督交〔2026〕3号"]


@pytest.mark.parametrize("ch", ["\u2028", "\u2029", "\r", "\n", "\x85", "\t", "\x00", "\x7f", "\ufeff"])
def test_line_breaking_characters_are_escaped_not_dropped(ch):
    line = encode({"item": f"A{ch}B"})
    assert ch not in line and "\n" not in line
    assert len(line.encode("utf-8").split(b"\n")) == 1 and len(line.splitlines()) == 1  # one line for every reader
    assert json.loads(line) == {"item": f"A{ch}B"}


def test_chinese_stays_readable():
    assert encode({"t": "督交〔2026〕1号"}) == '{"t":"督交〔2026〕1号"}'


@given(st.text(st.characters(exclude_categories=("Cs",))))
@settings(max_examples=300)
def test_any_string_round_trips_through_the_encoding(s):
    line = encode({"s": s})
    assert len(line.split("\n")) == 1 and len(line.splitlines()) <= 1
    assert json.loads(line)["s"] == s


@given(item=st.text(st.characters(exclude_categories=("Cs",)), min_size=1),
       reason=st.text(st.characters(exclude_categories=("Cs",)), min_size=1))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_item_id_and_void_reason_round_trip_through_the_ledger_file(tmp_path_factory, item, reason):
    reg = tmp_path_factory.mktemp("r")
    with Ledger(reg) as led:
        s = led.allocate("dudao", "assign", "督交", item, item, DAY)
        led.add("void", number=s.number, reason=reason, date=DAY)
        led.commit()
    back = read(reg)  # the file docgen wrote is readable by docgen
    (only,) = back.slips.values()
    assert only.item == item and only.key == item and only.void["reason"] == reason


# ---------------------------------------------------------------- tampering, named with its line

def test_an_edited_record_is_named(three):
    ls = lines(three)
    ls[1] = ls[1].replace("X1".encode(), "X9".encode())
    write_lines(three, ls)
    errs = errors_of(three)
    assert [ln for ln, _ in errs] == [3] and "前一条记录的哈希不符" in errs[0][1]


def test_a_deleted_record_is_named(three):
    ls = lines(three)
    del ls[1]
    write_lines(three, ls)
    errs = errors_of(three)
    on2 = " ".join(m for ln, m in errs if ln == 2)
    assert {ln for ln, _ in errs} == {2} and "应为 2" in on2 and "哈希不符" in on2


def test_reordered_records_are_named(three):
    ls = lines(three)
    ls[1], ls[2] = ls[2], ls[1]
    write_lines(three, ls)
    assert {ln for ln, _ in errors_of(three)} == {2, 3}


def test_a_cut_off_last_line_is_named(three):
    data = (three / "ledger.jsonl").read_bytes()
    (three / "ledger.jsonl").write_bytes(data[:-20])
    errs = errors_of(three)
    assert any(ln == 3 for ln, _ in errs)


def _rewrite(reg, n, change):
    """Change record n and re-chain every later record, as a forger who knows the format would."""
    recs = [json.loads(x) for x in lines(reg)]
    change(recs[n - 1])
    out, prev = [], GENESIS
    for r in recs:
        r["prev"] = prev
        line = encode(r)
        out.append(line.encode())
        prev = line_hash(line)
    write_lines(reg, out)


def test_a_number_that_would_leave_the_output_folder_is_refused(three):
    _rewrite(three, 2, lambda r: r.update(number="../../../../X"))
    errs = errors_of(three)
    assert errs[0] == (2, "编号「../../../../X」与机关代字、年份、序号不符（应为「督交〔2026〕2号」）")
    assert [ln for ln, _ in errs] == [2, 3]  # and the record after it no longer follows a valid one


def test_a_prefix_with_a_path_in_it_is_refused(three):
    def change(r):
        r["prefix"], r["number"] = "../x", "../x〔2026〕2号"
    _rewrite(three, 2, change)
    (ln, msg) = errors_of(three)[0]
    assert ln == 2 and "机关代字「../x」" in msg


def test_a_gap_and_a_duplicate_are_refused(tmp_path):
    reg = tmp_path / "r"
    with Ledger(reg) as led:
        led.allocate("dudao", "assign", "督交", "A", "A", DAY)
        with pytest.raises(InputErrors):
            led.add("number", issuer="dudao", kind="assign", year=2026, seq=3, prefix="督交", number="督交〔2026〕3号",
                    item="B", key="B", date=DAY)
        with pytest.raises(InputErrors):  # another issuer may not give a number that exists
            led.add("number", issuer="other", kind="assign", year=2026, seq=1, prefix="督交", number="督交〔2026〕1号",
                    item="C", key="C", date=DAY)


# ---------------------------------------------------------------- the old numbers.tsv, read once

LEGACY = ("# docgen 编号登记簿\nissuer\tkind\tyear\tseq\tnumber\titem\tkey\tissued\tstatus\tnote\n"
          "dudao\tassign\t2026\t1\t督交〔2026〕1号\tA\tA\t2026-10-12\tissued\t\n"
          "dudao\tassign\t2026\t2\t督交〔2026〕2号\tB\tB\t2026-10-12\tvoid\t填错\n"
          "dudao\tbulletin\t2026\t1\t2026年第1期\t\t2026-07-01..2026-09-30\t2026-10-12\tissued\t\n")


def test_numbers_tsv_is_converted_once(tmp_path):
    reg = tmp_path / "r"
    reg.mkdir()
    (reg / "numbers.tsv").write_text(LEGACY, encoding="utf-8")
    assert [s.number for s in read(reg).slips.values()] == ["督交〔2026〕1号", "督交〔2026〕2号", "2026年第1期"]
    assert not (reg / "ledger.jsonl").exists()  # reading converts nothing
    with Ledger(reg) as led:
        assert led.state.slips["督交〔2026〕2号"].void["reason"] == "填错"
    assert not (reg / "numbers.tsv").exists()
    recs = [json.loads(x) for x in lines(reg)]
    assert recs[0]["act"] == "migrate" and recs[0]["count"] == 3
    assert [r["act"] for r in recs] == ["migrate", "number", "number", "void", "number"]
    (reg / "numbers.tsv").write_text(LEGACY, encoding="utf-8")  # put back by mistake: refused, not read twice
    with pytest.raises(InputErrors) as e:
        read(reg)
    assert "已转换为 ledger.jsonl" in str(e.value)


# ---------------------------------------------------------------- numbering properties

ISSUERS = {"dudao": {"assign": "督交", "urge": "督催", "rectify": "督改"},
           "zs": {"assign": "招交", "urge": "招催", "rectify": "招改"},
           "gc": {"assign": "工交", "urge": "工催", "rectify": "工改"}}

op = st.one_of(
    st.tuples(st.just("allocate"), st.sampled_from(sorted(ISSUERS)), st.sampled_from(["assign", "urge", "rectify"]),
              st.sampled_from([2026, 2027])),
    st.tuples(st.just("void"), st.integers(0, 10_000)),
    st.tuples(st.just("render"), st.integers(0, 10_000)),
    st.tuples(st.just("reissue"), st.integers(0, 10_000)),
)


@given(st.lists(op, max_size=40), st.integers(1, 4))
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_sequence_of_acts_keeps_numbers_unique_and_gapless(tmp_path_factory, ops, commit_every):
    reg = tmp_path_factory.mktemp("r")
    given_numbers = []
    k = 0
    for i in range(0, len(ops), commit_every):
        with Ledger(reg) as led:  # a new run: the ledger is read back from its file each time
            for o in ops[i:i + commit_every]:
                live = [s for s in led.state.slips.values() if not s.is_void]
                if o[0] == "allocate":
                    _, issuer, kind, year = o
                    k += 1
                    s = led.allocate(issuer, kind, ISSUERS[issuer][kind], f"I{k}", f"K{k}", dt.date(year, 3, 1))
                    given_numbers.append(s.number)
                elif live:
                    s = live[o[1] % len(live)]
                    if o[0] == "void":
                        led.add("void", number=s.number, reason="作废", date=s.issued)
                    elif o[0] == "render" and s.rendered is None:
                        led.add("render", number=s.number, rev=s.rev, date=s.issued, docx=HEX, pdf=HEX, facts={})
                    elif o[0] == "reissue" and s.rendered is not None:
                        led.add("reissue", number=s.number, rev=s.rev + 1, reason="更正", date=s.issued)
            led.commit()
    state = read(reg)
    assert sorted(state.slips) == sorted(given_numbers)  # every number given is there, once
    assert len(set(given_numbers)) == len(given_numbers)  # unique across all issuers
    seqs = {}
    for s in state.slips.values():
        seqs.setdefault((s.issuer, s.kind, s.year), []).append(s.seq)
        assert s.number == f"{ISSUERS[s.issuer][s.kind]}〔{s.year}〕{s.seq}号"
    for got in seqs.values():
        assert got == list(range(1, len(got) + 1))  # gapless, in the order given


def test_read_does_not_take_the_lock_and_a_second_writer_waits(three):
    import threading
    import time

    with Ledger(three) as led:
        assert len(read(three).slips) == 3  # readers are never blocked
        got = []

        def second():
            with Ledger(three, wait_seconds=5) as l2:
                got.append(len(l2.state.slips))

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        assert got == []  # still waiting for the lock
        led.allocate("dudao", "assign", "督交", "X3", "X3", DAY)
        led.commit()
    t.join(10)
    assert got == [4]  # it saw the first writer's commit
