"""Attacks on the three standalone documents that go through the issuing transaction: the 提请协调单
(`coordinate ID`), the 得分情况通报 (`scores --period P --notice`) and the 问责建议 (`accountability --issue`).
A run killed at each stage, two clerks at once, hostile register text and templates, a full disk or a read-only
output folder; and the platform's board folders left in /tmp by servers that were stopped.

Every expected value is worked out by hand: the numbers are the first of 2026 of the default issuer's prefixes
(督协 提请协调单, 督考 得分情况通报, 督问 问责建议: kinds.py's default prefixes, settings.yaml names none)."""
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import QUICK_SOFFICE, docgen, write_registers

DOCGEN = [sys.executable, "-m", "docgen"]

RULES = """\
    basis: {number: 泰高管发〔2021〕11号, title: 关于进一步健全完善工作高效运行机制的意见}
    coordination: {consult: 第3条第（1）项, report: 第3条第（2）项, escalate: 第3条第（3）项, opinion: 第3条第（4）项}
    accountability: {named_in_a_row: 3, overdue_days: 30, score_below: 95, rectify_overdue: true,
                     year_score_below: 90, clause: 第14条}
    """

# XT01, XT02: matters at 分管领导 level meeting §3(1) and §3(2) (consulted without agreement, a disagreement and
# a proposal given): each gets a 提请协调单.
COORD = """\
    coordination:
      - id: XT01
        date: 2026-11-02
        text: 管线迁改费用分担未定
        lead: 经济发展部
        units: [财政金融部]
        level: 分管领导
        consulted:
          - {date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 迁改费用分担}
        proposal: 按管线权属分担迁改费用
        opinion: {by: 陈立新, date: 2026-11-03, text: 同意由经济发展部牵头协调}
      - id: XT02
        date: 2026-11-02
        text: 道路占用审批未定
        lead: 财政金融部
        units: [经济发展部]
        level: 分管领导
        consulted:
          - {date: 2026-10-29, units: [经济发展部], result: 未达成一致, disagreement: 审批主体}
        proposal: 由财政金融部牵头报批
        opinion: {by: 陈立新, date: 2026-11-03, text: 同意}
    """

# A 主任办公会 of 2026-09-01 (会后10日内: due 9/11, a Friday): B done and verified 9/10, D never done. Scores of
# 2026-Q3 as of 10/12: 经济发展部 100.5, 财政金融部 98 (test_accountability.py works them out).
# As of 12/20, D is 12/20 − 9/11 = 100 days overdue, over the 30 of rules.yaml: a 临时性 fact for the 问责建议.
ITEMS = """\
    meetings:
      - id: M3
        kind: 主任办公会
        title: 2026年第15次主任办公会
        date: 2026-09-01
        items:
          - {id: B, text: 完成乙项目立项, lead: 经济发展部}
          - {id: D, text: 完成丁项目环评, lead: 财政金融部}
    progress:
      - {item: B, date: 2026-09-10, type: 办结}
      - {item: B, date: 2026-09-10, type: 核查, passed: 通过}
    """

# each command, its arguments, its document's folder, the number its first run gives, what its ledger key is
COMMANDS = {
    "coordinate": (["coordinate", "XT01", "--on", "2026-11-04"], "提请协调单", "督协〔2026〕1号"),
    "notice": (["scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice"], "得分情况通报", "督考〔2026〕1号"),
    "accountability": (["accountability", "--period", "2026-Q4", "--on", "2026-12-20", "--issue"], "问责建议",
                       "督问〔2026〕1号"),
}


# the command `check` names, with the period as --period takes it and the day the number was given
RESUME = {"coordinate": "docgen coordinate XT01 --on 2026-11-04",
          "notice": "docgen scores --period 2026-07-01..2026-09-30 --on 2026-10-12 --notice",
          "accountability": "docgen accountability --period 2026-10-01..2026-12-31 --on 2026-12-20 --issue"}


def office(root: Path, coord: str = COORD, items: str = ITEMS, **more) -> Path:
    return write_registers(root, {"rules.yaml": RULES, "coordination/2026.yaml": coord, "m.yaml": items, **more})


def quick_soffice(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "soffice"
    p.write_text(f"#!{sys.executable}\n" + QUICK_SOFFICE, encoding="utf-8")
    p.chmod(0o755)
    return p


GATED = """#!/bin/sh
# LibreOffice behind a gate: it says it was started (its pid), waits until the test opens the gate, then runs
touch {gate}/started.$$
while [ ! -e {gate}/open ]; do sleep 0.01; done
exec {soffice} "$@"
"""


def gated_soffice(folder: Path, real: Path) -> tuple[Path, Path]:
    gate = folder / "gate"
    gate.mkdir(parents=True)
    p = folder / "gated-soffice"
    p.write_text(GATED.format(gate=gate, soffice=real), encoding="utf-8")
    p.chmod(0o755)
    return p, gate


def gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for init to reap it has ended too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] in "ZX"


def until(cond, p, what: str, timeout: float = 120) -> None:
    """Wait until cond() holds (an event on the run's way); a run that ends first must have got there."""
    deadline = time.monotonic() + timeout

    def holds():
        try:
            return cond()
        except OSError:
            return False

    while not holds():
        if p.poll() is not None:
            assert holds(), f"the run ended without {what}"
            return
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.005)


def ledger_text(reg: Path) -> str:
    p = reg / "ledger.jsonl"
    return p.read_text(encoding="utf-8") if p.exists() else ""


def start(reg: Path, out: Path, args: list[str], soffice: Path) -> subprocess.Popen:
    return subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), *args],
                            env=dict(os.environ, DOCGEN_SOFFICE=str(soffice)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


# ---------------------------------------------------------------- 1. a run killed at each stage

@pytest.mark.parametrize("what", list(COMMANDS))
def test_a_run_killed_at_each_stage_is_finished_by_the_next_under_the_same_number(tmp_path, what, monkeypatch):
    """Each command killed (SIGKILL, docgen's whole process group, as a closed window or the OOM killer would)
    at three stages reached by events: its LibreOffice started and held at a gate (numbered, no PDF), its PDF
    written beside the .docx (numbered, perhaps recorded), its render record written (perhaps not archived).
    After each: the ledger reads (hash chain), `check` passes and says which command finishes the document,
    the next run (at the first stage: the command `check` named) finishes it under the same number, the killed
    run's LibreOffice is gone, no temporary folder is left, `archive verify` is clean, nothing numbered twice."""
    quick = quick_soffice(tmp_path / "bin")
    monkeypatch.setenv("DOCGEN_SOFFICE", str(quick))
    try:
        for stage in ("gated", "pdf", "render"):
            killed_and_finished(tmp_path, what, stage, quick)
    finally:  # never leave a held LibreOffice behind, whatever the result
        for f in tmp_path.glob("*/gate/started.*"):
            if not gone(int(f.suffix[1:])):
                os.kill(int(f.suffix[1:]), signal.SIGKILL)


def killed_and_finished(tmp_path, what, stage, quick) -> None:
    from docgen.record.ledger import read

    args, folder, number = COMMANDS[what]
    reg = office(tmp_path / stage / "r")
    out = tmp_path / stage / "o"
    gated, gate = gated_soffice(tmp_path / stage, quick)
    if stage != "gated":
        (gate / "open").touch()
    p = start(reg, out, args, gated)
    docs = out / "documents" / folder
    if stage == "gated":
        until(lambda: any(gate.glob("started.*")), p, "LibreOffice started")
    elif stage == "pdf":
        until(lambda: (docs / f"{number}.pdf").exists(), p, "PDF")
    else:
        until(lambda: '"act":"render"' in ledger_text(reg), p, "render record")
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    p.stdout.close()
    p.stderr.close()
    held = [int(f.suffix[1:]) for f in gate.glob("started.*")]
    st = read(reg)  # the whole chain verified
    (slip,) = st.valid(what)
    assert slip.number == number, stage
    if stage == "gated":
        assert slip.rendered is None and held and not gone(held[0])  # its LibreOffice outlived it
        c = docgen(["-r", reg, "-o", out, "check"])
        assert c.returncode == 0, c.stderr
        # the clerk is told the document is numbered but not made, and the command that finishes it
        assert f"警告：{folder} {number}已编号，文件尚未生成（运行被中断或转换失败）：运行 {RESUME[what]} 补齐" \
               "（编号和日期" in c.stdout, c.stdout
    again = RESUME[what].split()[1:] if stage == "gated" else args  # the command check named does it
    q = docgen(["-r", reg, "-o", out, *again])
    assert q.returncode == 0, (stage, q.stdout, q.stderr)
    assert stage == "render" or number in q.stdout  # a kill after the archive copies leaves nothing to say
    st = read(reg)
    assert [s.number for s in st.valid(what)] == [number], stage  # numbered once, the same number
    assert st.valid(what)[0].rendered is not None
    for pid in held:  # the killed run's LibreOffice was ended by the next run
        assert gone(pid), (stage, pid)
    assert sorted(x.name for x in docs.iterdir()) == [f"{number}.docx", f"{number}.pdf"], stage
    assert list(out.rglob(".docgen-pdf-*")) == [] and list(out.rglob("*.tmp")) == []
    v = docgen(["-r", reg, "-o", out, "archive", "verify"])
    assert v.returncode == 0, (stage, v.stdout, v.stderr)
    assert "账本记录出具1份" in v.stdout
    c = docgen(["-r", reg, "-o", out, "check"])
    assert c.returncode == 0 and "已编号，文件尚未生成" not in c.stdout, c.stdout


class Killed(BaseException):
    """The process dies here (not an Exception: nothing of docgen's catches it)."""


@pytest.mark.parametrize("what", list(COMMANDS))
def test_a_run_that_dies_after_its_render_record_before_its_archive_copy_is_archived_by_the_next(
        tmp_path, what, quick_pdf, monkeypatch):
    """The window between the render record and the archive copy, hit every time (the run dies in archive.put):
    the ledger says issued, the archive has no copy; the next run of the same command puts it there (for the
    问责建议, whose facts are all proposed by then, too) and `archive verify` is clean."""
    from docgen.record import archive as A
    from docgen.record.ledger import read

    args, folder, number = COMMANDS[what]
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    real = A.put

    def dies(*a, **kw):
        raise Killed

    monkeypatch.setattr(A, "put", dies)
    with pytest.raises(Killed):
        docgen(["-r", reg, "-o", out, *args])
    monkeypatch.setattr(A, "put", real)
    assert read(reg).valid(what)[0].rendered is not None
    v = docgen(["-r", reg, "-o", out, "archive", "verify"])
    assert v.returncode == 1 and f"缺失：{reg / 'archive' / '2026' / folder / number}.docx" in v.stdout
    # what to do: the output folder holds the recorded files, the command that issued it archives them
    assert f"{folder} {number}的输出副本与账本记录相符：运行 {RESUME[what]} 即补齐归档" in v.stdout, v.stdout
    q = docgen(["-r", reg, "-o", out, *RESUME[what].split()[1:]])
    assert q.returncode == 0, q.stderr
    assert [s.number for s in read(reg).valid(what)] == [number]
    v = docgen(["-r", reg, "-o", out, "archive", "verify"])
    assert v.returncode == 0, v.stdout
    assert sorted(p.name for p in (reg / "archive" / "2026" / folder).iterdir()) == [f"{number}.docx", f"{number}.pdf"]


LATER = {"coordinate": ("2026-11-04", "2026-11-09", "2026年11月4日", "2026年11月9日"),
         "notice": ("2026-10-12", "2026-10-20", "2026年10月12日", "2026年10月20日"),
         "accountability": ("2026-12-20", "2026-12-28", "2026年12月20日", "2026年12月28日")}


@pytest.mark.parametrize("what", list(COMMANDS))
def test_a_document_finished_on_a_later_day_is_dated_the_day_it_was_numbered(tmp_path, what, quick_pdf,
                                                                              monkeypatch):
    """Numbered on one day, its conversion failed (or its run was killed); the clerk runs the command again a few
    days later. The ledger says it was issued the first day (its number's date, the date stamped in its PDF):
    the document finished must print that day as its 成文日期 (and, for the 得分情况通报, 统计截至 that day),
    never the day of the run that finished it."""
    import docx as D

    from docgen.documents import merge
    from docgen.documents.pdf import Result
    from docgen.record.ledger import read

    args, folder, number = COMMANDS[what]
    first, later, first_cn, later_cn = LATER[what]
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    real = merge.convert
    calls = []

    def failing(paths, *a, **kw):
        if not calls:
            calls.append(paths)
            return [Result(p, None, f"{p.name} 转换失败（测试）") for p in paths]
        return real(paths, *a, **kw)

    monkeypatch.setattr(merge, "convert", failing)
    assert first in args
    q = docgen(["-r", reg, "-o", out, *args])
    assert q.returncode == 2 and "编号已登记，再次运行将补齐" in q.stderr, (q.stdout, q.stderr)
    q = docgen(["-r", reg, "-o", out, *[later if a == first else a for a in args]])
    assert q.returncode == 0, q.stderr
    (slip,) = read(reg).valid(what)
    assert (slip.number, slip.issued.isoformat()) == (number, first) and slip.rendered is not None
    doc = D.Document(str(out / "documents" / folder / f"{number}.docx"))
    text = "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert first_cn in text and later_cn not in text, text
    assert doc.core_properties.created.date().isoformat() == first


# ---------------------------------------------------------------- 2. clerks at once

# Loaded by the docgen processes of the test (PYTHONPATH): each says, by a file, when it starts waiting for the
# ledger's lock, so that the test releases the lock only once every clerk has done all it does before it.
LOCK_WITNESS = """\
import os
import filelock

_real = filelock.FileLock.acquire


def acquire(self, *a, **kw):
    folder = os.environ.get("DOCGEN_TEST_WAITING")
    if folder and str(self.lock_file).endswith("ledger.jsonl.lock"):
        open(os.path.join(folder, f"waiting.{os.getpid()}"), "w").close()
    return _real(self, *a, **kw)


filelock.FileLock.acquire = acquire
"""


def test_clerks_at_once_get_one_document_each_numbers_in_a_row_and_the_losers_are_told(tmp_path):
    """Eight clerks start at the same moment on the same registers while the ledger's lock is held; it is released
    once all eight wait for it (each has read the registers and the ledger, and worked out what it would issue):
      two   scores --period 2026-Q3 --notice (10/12)   one 督考〔2026〕1号, the other told it was issued already
      two   coordinate XT01, one coordinate XT02          督协〔2026〕1号 and 2号, one each, the loser told
      three accountability --period 2026-Q4 --issue, two on 12/20 and one on 12/21. D (due 9/11, never done) is
            100 days overdue on 12/20 (101 on 12/21), over the 30 of rules.yaml; 财政金融部's Q4: D's further weeks
            10/02 … 12/18 (12 × −0.5 = −6): 94, below 95. Both facts proposed once, by 督问〔2026〕1号; the two
            other runs are told they were proposed already, numbering nothing
    Every run exits 0 with no traceback, and no half-written file is left."""
    from docgen.record.ledger import ledger_path, read

    reg, out = office(tmp_path / "r"), tmp_path / "o"
    quick = quick_soffice(tmp_path / "bin")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(LOCK_WITNESS, encoding="utf-8")
    waiting = tmp_path / "waiting"
    waiting.mkdir()
    runs = [["scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice"]] * 2 + \
           [["coordinate", "XT01", "--on", "2026-11-04"]] * 2 + [["coordinate", "XT02", "--on", "2026-11-04"]] + \
           [["accountability", "--period", "2026-Q4", "--on", day, "--issue"]
            for day in ("2026-12-20", "2026-12-20", "2026-12-21")]
    env = dict(os.environ, DOCGEN_SOFFICE=str(quick), DOCGEN_TEST_WAITING=str(waiting),
               PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    lock_path = ledger_path(reg).with_name("ledger.jsonl.lock")
    reg.mkdir(exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        procs = [subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), *a], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for a in runs]
        deadline = time.monotonic() + 120
        while len(list(waiting.glob("waiting.*"))) < len(procs):
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
            assert time.monotonic() < deadline, "the clerks never all waited for the lock"
            time.sleep(0.01)
        fcntl.flock(lock, fcntl.LOCK_UN)
    results = [p.communicate(timeout=300) for p in procs]
    for p, (so, se) in zip(procs, results):
        assert p.returncode == 0 and "Traceback" not in se, (p.args, so, se)
    st = read(reg)
    assert [s.number for s in st.valid("notice")] == ["督考〔2026〕1号"]
    assert {s.key: s.number for s in st.valid("coordinate")} in (
        {"XT01": "督协〔2026〕1号", "XT02": "督协〔2026〕2号"}, {"XT02": "督协〔2026〕1号", "XT01": "督协〔2026〕2号"})
    assert [s.number for s in st.valid("accountability")] == ["督问〔2026〕1号"]
    (proposal,) = st.valid("accountability")
    assert proposal.facts["问责情形"] == ["overdue_days|D|2026-09-11", "score_below|2026-10-01..2026-12-31|财政金融部"]
    notices = [so for so, _ in results[:2]]
    assert sorted("（出具）" in so for so in notices) == [False, True]
    assert sum("督考〔2026〕1号（已于2026-10-12出具，不另编号）" in so for so in notices) == 1
    xt01 = [so for so, _ in results[2:4]]
    assert sum("，已于2026-11-04出具，不另编号）" in so for so in xt01) == 1
    proposals = [so for so, _ in results[5:]]
    assert sum("问责建议 督问〔2026〕1号（2项情形）：" in so for so in proposals) == 1, proposals
    assert sum("已由问责建议 督问〔2026〕1号提出，不另编号" in so for so in proposals) == 2, proposals
    assert list(out.rglob("*.tmp")) == [] and list(out.rglob(".docgen-pdf-*")) == []
    assert sorted(p.name for p in (out / "documents" / "问责建议").iterdir()) == ["督问〔2026〕1号.docx", "督问〔2026〕1号.pdf"]
    v = docgen(["-r", reg, "-o", out, "archive", "verify"])
    assert v.returncode == 0 and "账本记录出具4份" in v.stdout, v.stdout


def test_a_proposal_whose_facts_another_clerk_partly_proposed_meanwhile_numbers_nothing(tmp_path, quick_pdf,
                                                                                         monkeypatch):
    """Between this run working out its facts and taking the ledger's lock, another clerk proposes the year's:
    on 12/20 the year 2026 has one fact, D 100 days overdue (财政金融部's year, Q3 −2 and Q4 −6: 92, not below
    90); Q4 has two (D, and 财政金融部's Q4 of 94 below 95). This run's Q4 list is then half proposed: it
    numbers nothing, names the other 问责建议 and says to run again; run again, it proposes the one left."""
    from docgen.issuing import accountability as AC
    from docgen.record.ledger import read

    reg, out = office(tmp_path / "r"), tmp_path / "o"
    real, other = AC.issue, []

    def interleaved(*a, **kw):
        if not other:  # the other clerk's run (its own issue is the real one)
            monkeypatch.setattr(AC, "issue", real)
            other.append(docgen(["-r", reg, "-o", out, "accountability", "--period", "2026", "--on", "2026-12-20",
                                 "--issue"]))
        return real(*a, **kw)

    monkeypatch.setattr(AC, "issue", interleaved)
    q = docgen(["-r", reg, "-o", out, *COMMANDS["accountability"][0]])
    assert other[0].returncode == 0 and "问责建议 督问〔2026〕1号（1项情形）" in other[0].stdout, other[0].stdout
    assert q.returncode == 2
    assert ("错误：本次列出的2项问责情形中，有1项已由同时运行出具的问责建议 督问〔2026〕1号 提出：本次未编号、未生成文件。"
            "请再次运行 docgen accountability 查看尚未提出的情形") in q.stderr, q.stderr
    st = read(reg)
    assert [s.number for s in st.valid("accountability")] == ["督问〔2026〕1号"]
    assert sorted(p.name for p in (out / "documents" / "问责建议").iterdir()) == ["督问〔2026〕1号.docx", "督问〔2026〕1号.pdf"]
    q = docgen(["-r", reg, "-o", out, *COMMANDS["accountability"][0]])
    assert q.returncode == 0 and "2026年第四季度问责情形：1项（另有1项已提出问责建议，不再列出）" in q.stdout, q.stdout
    assert "问责建议 督问〔2026〕2号（1项情形）" in q.stdout
    assert read(reg).slips["督问〔2026〕2号"].facts["问责情形"] == ["score_below|2026-10-01..2026-12-31|财政金融部"]


# ---------------------------------------------------------------- 3. hostile register text

# what an office pastes into its registers: XML's own characters and a CDATA end, text that looks like Jinja, a
# combining accent, an emoji and a CJK Extension B character (four UTF-8 bytes, outside the BMP). Control,
# bidirectional and zero-width characters are refused by `check` naming file, line and field (test_bidi.py,
# test_text_edges.py); the emoji is kept in the .docx but the office's fonts have no glyph for it (not checked in
# the PDF: it prints as a box)
HOSTILE = 'A&B <w:t>x</w:t> ]]> "q" &amp; \'s {{ 7*7 }} {% for x in range(3) %}{{x}}{% endfor %} {# c #} e\u0301 🚧 𠀾'
UNIT = "../良庄/镇{{ 7*7 }}"  # a unit's name with a path in it, and Jinja
MATTER = "../../XT01"  # a matter's id with a path in it


def hostile_office(root: Path) -> Path:
    import json

    from conftest import MINI_UNITS

    def q(s):  # a JSON string is a YAML double-quoted scalar
        return json.dumps(s, ensure_ascii=False)

    units = MINI_UNITS.replace("{name: 财政金融部,", f"{{name: {q(UNIT)},")
    coord = COORD.replace("管线迁改费用分担未定", q(HOSTILE)).replace("按管线权属分担迁改费用", q(HOSTILE)) \
        .replace("财政金融部", q(UNIT)).replace("id: XT01", f"id: {q(MATTER)}")
    items = ITEMS.replace("完成丁项目环评", q(HOSTILE)).replace("财政金融部", q(UNIT))
    return office(root, coord=coord, items=items, **{"units.yaml": units})


def test_hostile_register_text_is_printed_as_written_and_no_file_escapes(tmp_path):
    """The three documents of an office whose texts and names are hostile, with the real LibreOffice: each
    renders; the .docx holds every text exactly as written (python-docx escapes it; nothing is evaluated as a
    template: {{ 7*7 }} is never 49); the PDF shows it; every file is under the output folder or the archive,
    named by its number."""
    import docx as D

    from pdfcheck import open_pdf

    reg, out = hostile_office(tmp_path / "r"), tmp_path / "o"
    runs = {"coordinate": ["coordinate", MATTER, "--on", "2026-11-04"],
            "notice": COMMANDS["notice"][0], "accountability": COMMANDS["accountability"][0]}
    for what, args in runs.items():
        q = docgen(["-r", reg, "-o", out, *args])
        assert q.returncode == 0, (what, q.stdout, q.stderr)
    texts = {}
    for what, (_, folder, number) in COMMANDS.items():
        f = out / "documents" / folder / f"{number}.docx"
        doc = D.Document(str(f))
        texts[what] = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
        with open_pdf(f.with_suffix(".pdf")) as pdf:
            flat = "".join("".join((p.extract_text() or "").split()) for p in pdf.pages)
        for s in ("A&B", "<w:t>x</w:t>", "]]>", "&amp;", "{{7*7}}", "{{x}}{%endfor%}", "{#c#}", "𠀾"):
            if what != "notice":  # the notice prints no item text: its units and figures
                assert s in flat, (what, s)
        assert "".join(UNIT.split()) in flat, what
        assert not any("49" in t for t in texts[what]), what
    assert HOSTILE in texts["coordinate"]  # 协调事项 and 办理建议, each a cell as written
    assert texts["coordinate"].count(HOSTILE) == 2 and UNIT in texts["coordinate"]
    # D (due 9/11, never done): −1 on 9/12, −0.5 on 9/18 and 9/25 in Q3 (test_accountability.py's NOTICE)
    assert f"2.{UNIT}：扣2分（逾期未办结1次扣1分，逾期每满1周2次扣1分）。" in texts["notice"]
    assert any(f"“{HOSTILE}”（D）" in t and t.startswith(f"1.{UNIT}：") for t in texts["accountability"])
    # nothing outside the output folder and the registers (its archive), no file named after register text
    assert sorted(x.name for x in tmp_path.iterdir()) == ["o", "r"]
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert made == sorted(f"documents/{folder}/{number}{ext}" for _, folder, number in COMMANDS.values()
                          for ext in (".docx", ".pdf")), made


# ---------------------------------------------------------------- 3b. an office editing the bulletin's sections

NEW_SECTIONS = ("年度目标推进情况", "定期报告报送情况", "项目调度情况")


@pytest.mark.parametrize("section", NEW_SECTIONS + ("总体情况", "存在的问题"))  # 下步工作要求 names no x.y
def test_templates_check_catches_a_misspelt_name_in_every_branch_of_a_section(tmp_path, section):
    """An office edits its copy of a section (`docgen templates init`) and misspells one name: each `x.name` the
    shipped template uses (outside its comments), misspelt in turn, is caught by `templates check`, naming the
    file and the name, also in a branch only some bulletins take (a meeting held late, a project's meeting not
    held, a report's units not yet due)."""
    import re

    from docgen.documents import templates as T

    reg = office(tmp_path / "r")
    assert docgen(["-r", reg, "templates", "init"]).returncode == 0
    f = reg / "templates" / "通报" / f"{section}.j2"
    src = f.read_text(encoding="utf-8")
    comments = [m.span() for m in re.finditer(r"\{#.*?#\}", src, re.S)]
    uses = [m for m in re.finditer(r"\b([a-z_]+)\.([a-z_]+)\b", src)
            if not any(a <= m.start() < b for a, b in comments)]
    assert uses, section
    missed = []
    for m in uses:
        f.write_text(src[:m.start(2)] + m.group(2) + "x" + src[m.end(2):], encoding="utf-8")
        found = T.check(reg, ["通报"])
        if not any(str(f) in p and f"{m.group(2)}x" in p for p in found):
            missed.append(f"{m.group(0)} at {src.count(chr(10), 0, m.start()) + 1}")
    assert missed == [], missed
    f.write_text(src, encoding="utf-8")
    q = docgen(["-r", reg, "templates", "check"])
    assert q.returncode == 0 and "模板检查通过" in q.stdout


ESCAPES = {  # an edit -> what the refusal says (after the file's name)
    '{{ p.name.__class__.__base__.__subclasses__() }}': "使用了不允许的属性「__",
    '{{ "{0.__class__}".format(projects) }}': "使用了不允许的属性或方法「__class__」",
    '{% for a in "x" * 100000 %}{% for b in "x" * 100000 %}{% endfor %}{% endfor %}': "循环次数超过1000000次",
    "\n".join(['{{ "x" * 99999 }}'] * 20): "模板填写后超过1000000个字符",
    '{% include "/etc/passwd" %}': "使用了不允许的标签 {% include %}",
    '{% import "/etc/passwd" as x %}': "使用了不允许的标签 {% import %}",
    '{{ projects.pop() }}': "使用了不允许的属性或方法「pop」",
}


@pytest.mark.parametrize("section", NEW_SECTIONS)
def test_a_section_reaching_python_looping_or_reading_files_is_refused_naming_it(tmp_path, section):
    """Each new section edited to reach Python's internals, loop for ever, write megabytes, read a file or change
    the bulletin's data: `templates check` and the bulletin refuse it (exit 2) naming the file and why, in
    Chinese, and the bulletin numbers nothing."""
    reg = office(tmp_path / "r")
    assert docgen(["-r", reg, "templates", "init"]).returncode == 0
    f = reg / "templates" / "通报" / f"{section}.j2"
    src = f.read_text(encoding="utf-8")
    for edit, why in ESCAPES.items():
        f.write_text(src + edit + "\n", encoding="utf-8")
        q = docgen(["-r", reg, "templates", "check"])
        assert q.returncode == 2 and f"错误：模板 {f}：" in q.stderr and why in q.stderr, (edit, q.stderr)
        b = docgen(["-r", reg, "-o", tmp_path / "o", "bulletin", "--period", "2026-09", "--on", "2026-10-09"])
        assert b.returncode == 2 and f"模板有误，未出具任何单据：\n模板 {f}：" in b.stderr and why in b.stderr, b.stderr
        assert not (reg / "ledger.jsonl").exists() and "Traceback" not in b.stderr


def test_a_section_that_blows_up_only_on_a_real_offices_data_is_stopped_while_rendering(tmp_path):
    """A loop the sample data never starts (six projects: the sample has one) passes `templates check`, so the
    sandbox's limits must hold while the bulletin is drawn: the loop is stopped after 1000000 iterations, the
    error names the file and the section, and no paragraph of it reaches the document."""
    from types import SimpleNamespace

    from docgen.core.diagnostics import DocgenError
    from docgen.documents.bulletin import sample_contexts, sentences
    from docgen.documents.gbt9704 import OfficialDocument
    from docgen.documents import templates as T

    reg = office(tmp_path / "r")
    T.init(reg)
    f = reg / "templates" / "通报" / "项目调度情况.j2"
    f.write_text(f.read_text(encoding="utf-8") + '{% if projects | length > 5 %}{% for a in "x" * 100000 %}'
                 '{% for b in "x" * 100000 %}{% endfor %}{% endfor %}{% endif %}\n', encoding="utf-8")
    assert T.check(reg, ["通报"]) == []
    ctx = sample_contexts()[0]
    ctx = {**ctx, "projects": ctx["projects"] * 6}
    d = OfficialDocument()
    before = len(d.doc.paragraphs)
    t0 = time.monotonic()
    with pytest.raises(DocgenError) as e:
        sentences(d, SimpleNamespace(root=reg), "项目调度情况", ctx)
    assert time.monotonic() - t0 < 60
    assert f"模板 {f}：无法生成《督导通报》的“项目调度情况”" in str(e.value) and "循环次数超过1000000次" in str(e.value)
    assert len(d.doc.paragraphs) == before


# ---------------------------------------------------------------- 4. a full disk, a read-only output folder

def refusing_mkstemp(monkeypatch, under: Path, code: int, probe_too: bool):
    """Every file docgen creates under `under` fails with `code` (a new file on a full disk, a read-only folder):
    atomic writes, archive copies and the folder probe all create theirs with tempfile.mkstemp."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(*a, **kw):
        d, prefix = Path(kw.get("dir") or ""), kw.get("prefix") or ""
        if (d == under or under in d.parents) and (probe_too or not prefix.startswith(".docgen-probe")):
            raise OSError(code, os.strerror(code))  # as the kernel says it: no file named
        return real(*a, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return lambda: monkeypatch.setattr(tempfile, "mkstemp", real)


@pytest.mark.parametrize("what", list(COMMANDS))
def test_a_read_only_output_folder_numbers_nothing(tmp_path, what, quick_pdf, monkeypatch):
    import errno

    args, folder, number = COMMANDS[what]
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    refusing_mkstemp(monkeypatch, out, errno.EROFS, probe_too=True)
    q = docgen(["-r", reg, "-o", out, *args])
    assert q.returncode == 2 and "Traceback" not in q.stderr
    assert f"错误：无法写入 {out / 'documents' / folder}（Read-only file system）：本次未编号、未生成任何文件" in q.stderr, \
        q.stderr
    assert not (reg / "ledger.jsonl").exists() and not list(out.rglob("*.docx"))


@pytest.mark.parametrize("what", list(COMMANDS))
@pytest.mark.parametrize("where", ["output", "archive"])
def test_a_disk_that_fills_after_numbering_says_the_number_is_kept_and_the_next_run_finishes(
        tmp_path, what, where, quick_pdf, monkeypatch):
    """The folders were probed, the number committed, then the disk fills: writing the .docx (output) or the
    archive copy fails. The clerk is told in Chinese which file, that the number is recorded and that running the
    command again finishes it under the same number (exit 2, no traceback); with space again, it does."""
    import errno

    from docgen.record.ledger import read

    args, folder, number = COMMANDS[what]
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    under = out / "documents" if where == "output" else reg / "archive" / "2026"
    restore = refusing_mkstemp(monkeypatch, under, errno.ENOSPC, probe_too=False)
    q = docgen(["-r", reg, "-o", out, *args])
    assert q.returncode == 2 and "Traceback" not in q.stderr, q.stderr
    target = out / "documents" / folder if where == "output" else under / folder
    assert f"错误：写入失败：{target}（磁盘已满）。{number}已编号并登记，文件未全部生成；" \
           f"腾出磁盘空间后再次运行将补齐，编号不变" in q.stderr, q.stderr
    assert [s.number for s in read(reg).valid(what)] == [number]
    restore()
    q = docgen(["-r", reg, "-o", out, *args])
    assert q.returncode == 0, q.stderr
    (slip,) = read(reg).valid(what)
    assert slip.number == number and slip.rendered is not None
    v = docgen(["-r", reg, "-o", out, "archive", "verify"])
    assert v.returncode == 0 and "账本记录出具1份" in v.stdout, v.stdout
    assert list(out.rglob("*.tmp")) == [] and list(reg.rglob("*.tmp")) == []


# ---------------------------------------------------------------- 5. the platform's board folders in /tmp

BOARD = "docgen-platform-board-"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _platform(reg: Path, tmp: Path) -> tuple[subprocess.Popen, int]:
    """`docgen platform` in its own process, its temporary folder `tmp` (TMPDIR), once it listens."""
    import socket

    port = _free_port()
    p = subprocess.Popen(DOCGEN + ["-r", str(reg), "platform", "--port", str(port), "--on", "2026-11-04"],
                         env=dict(os.environ, TMPDIR=str(tmp)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the platform did not start"
            time.sleep(0.05)


def test_a_platform_stopped_by_sigterm_removes_its_board_folder(tmp_path):
    """A service manager (or `kill`) stops the platform with SIGTERM: it closes and exits cleanly, and its board
    folder (in the temporary folder, where it draws each unit's board) is gone with it."""
    reg = office(tmp_path / "r")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    p, _ = _platform(reg, tmp)
    try:
        (board,) = tmp.glob(f"{BOARD}*")
        assert board.is_dir()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0 and "Traceback" not in err.decode()
    assert list(tmp.iterdir()) == []


def test_a_new_platform_removes_the_board_folders_of_servers_that_are_gone(tmp_path):
    """A server killed (SIGKILL: nothing of it runs any more) leaves its board folder; the next server started
    removes it, and keeps its own and those of servers still running (named by their pid)."""
    reg = office(tmp_path / "r")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    alive = tmp / f"{BOARD}{os.getpid()}-keepme"  # a server that still runs (this process, for the test)
    alive.mkdir()
    first, _ = _platform(reg, tmp)
    try:
        (dead,) = set(tmp.glob(f"{BOARD}*")) - {alive}
        first.kill()
        first.wait()
        assert dead.is_dir()  # SIGKILL: nothing ran
        second, _ = _platform(reg, tmp)
        try:
            mine = set(tmp.glob(f"{BOARD}*")) - {alive}
            assert not dead.exists() and len(mine) == 1 and alive.is_dir()
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
    finally:
        for p in (first,):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert sorted(x.name for x in tmp.iterdir()) == [alive.name]


def test_a_proposal_refused_for_a_control_character_is_not_also_called_missing(run, tmp_path):
    """A clerk pastes a 办理建议 with a control character: `check` names that character, on the proposal's line,
    once; it does not also say the proposal is missing (it is written: only its character is wrong)."""
    reg = office(tmp_path / "r", coord=COORD.replace("proposal: 按管线权属分担迁改费用", 'proposal: "按管线\\x01权属分担"'))
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    f = reg / "coordination" / "2026.yaml"
    assert err.splitlines() == [f"{f}:10: proposal: 含有不能写入文档的控制字符 U+0001（第4个字符），请删除", "共1个问题，未生成任何文件。"]


def test_a_run_killed_while_the_real_libreoffice_converts_leaves_no_libreoffice_behind(tmp_path):
    """The real LibreOffice, started in its own session by `coordinate`: docgen is killed (SIGKILL) as soon as
    the conversion folder names LibreOffice's process group; LibreOffice outlives it, hung (stopped, so that it
    cannot finish by itself); the next run ends that group before it removes the folder, and finishes
    督协〔2026〕1号 under its number."""
    import shutil

    from docgen.documents.pdf import OWNER, _group_members
    from docgen.record.ledger import read

    soffice = shutil.which("soffice")
    assert soffice
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    args, folder, number = COMMANDS["coordinate"]
    p = start(reg, out, args, Path(soffice))
    docs = out / "documents" / folder

    def group():
        for f in docs.glob(f".docgen-pdf-*/{OWNER}"):
            parts = f.read_text().split()
            if len(parts) == 2:
                return int(parts[1])
        return None

    until(lambda: group() is not None, p, "LibreOffice started")
    pgid = group()
    os.killpg(p.pid, signal.SIGKILL)
    os.killpg(pgid, signal.SIGSTOP)  # and LibreOffice hangs: it can only end if someone ends it
    p.wait()
    p.stdout.close()
    p.stderr.close()
    try:
        q = docgen(["-r", reg, "-o", out, *args])
        assert q.returncode == 0, q.stderr
        assert _group_members(pgid) == []  # the killed run's LibreOffice is gone
        assert [s.number for s in read(reg).valid("coordinate")] == [number]
        assert sorted(x.name for x in docs.iterdir()) == [f"{number}.docx", f"{number}.pdf"]
    finally:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_request_that_runs_over_a_page_has_its_pages_numbered(tmp_path):
    """A 提请协调单 is a form of one page, without a page number; a matter whose text runs to 1900 characters (under
    the 2000 a field may hold) fills several pages, and a document of several pages has its page numbers
    (GB/T 9704 7.5: “— 1 —” under each page): it is drawn again with them."""
    from pypdf import PdfReader

    text = "管线迁改涉及燃气电力通信等多家权属单位费用分担意见不一致需要协调" * 59  # 32 × 59 = 1888 characters
    assert len(text) == 1888
    reg, out = office(tmp_path / "r", coord=COORD.replace("管线迁改费用分担未定", text)), tmp_path / "o"
    q = docgen(["-r", reg, "-o", out, *COMMANDS["coordinate"][0]])
    assert q.returncode == 0, q.stderr
    pages = PdfReader(str(out / "documents" / "提请协调单" / "督协〔2026〕1号.pdf")).pages
    assert len(pages) >= 2
    for i, page in enumerate(pages, 1):
        assert page.extract_text().rstrip().endswith(f"— {i} —"), (i, page.extract_text()[-40:])
    # one page: no page number (slips.md: a form has none)
    reg, out = office(tmp_path / "r1"), tmp_path / "o1"
    assert docgen(["-r", reg, "-o", out, *COMMANDS["coordinate"][0]]).returncode == 0
    (page,) = PdfReader(str(out / "documents" / "提请协调单" / "督协〔2026〕1号.pdf")).pages
    assert "—" not in page.extract_text()


def test_a_numbered_notice_is_finished_later_even_after_an_appeal_was_lodged(tmp_path, quick_pdf, monkeypatch):
    """督考〔2026〕1号 is numbered on 10/12 and its conversion fails; on 10/15 财政金融部 appeals D's deduction
    (pending). Run again on 10/20, the notice is not refused as “未出具，未编号”: it was numbered on 10/12, when
    no appeal awaited a decision, and is finished as of that day."""
    from docgen.documents import merge
    from docgen.documents.pdf import Result
    from docgen.record.ledger import read

    appeal = ITEMS.rstrip(" ") + """\
      - {item: D, type: 申诉, unit: 财政金融部, rule: overdue, date: 2026-10-15, reason: 环评机构延误}
    """
    reg, out = office(tmp_path / "r"), tmp_path / "o"
    real, calls = merge.convert, []

    def failing(paths, *a, **kw):
        if not calls:
            calls.append(paths)
            return [Result(p, None, f"{p.name} 转换失败（测试）") for p in paths]
        return real(paths, *a, **kw)

    monkeypatch.setattr(merge, "convert", failing)
    q = docgen(["-r", reg, "-o", out, *COMMANDS["notice"][0]])
    assert q.returncode == 2 and "编号已登记，再次运行将补齐" in q.stderr
    (reg / "m.yaml").write_text(__import__("textwrap").dedent(appeal), encoding="utf-8")
    q = docgen(["-r", reg, "-o", out, "scores", "--period", "2026-Q3", "--on", "2026-10-20", "--notice"])
    assert q.returncode == 0, q.stderr
    assert "2026年第三季度得分情况通报 督考〔2026〕1号（已于2026-10-12出具，不另编号）" in q.stdout
    (slip,) = read(reg).valid("notice")
    assert slip.rendered is not None and slip.issued.isoformat() == "2026-10-12"
    # a period not numbered yet is still refused while the appeal waits
    q = docgen(["-r", reg, "-o", out, "scores", "--period", "2026-10", "--on", "2026-11-02", "--notice"])
    assert q.returncode == 2 and "2026年10月的得分情况通报未出具，未编号" in q.stderr
