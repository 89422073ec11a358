"""The record survives odd states (issue 15): stale temporaries, a ledger that is not a file, a number whose item
left, a full disk, a killed run's LibreOffice, absurd lengths and periods."""
import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_registers

from docgen.record.ledger import Ledger, read

DOCGEN = [sys.executable, "-m", "docgen"]

ITEMS = """\
meetings:
  - id: M
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: X0, text: 落实事项0, lead: 经济发展部}
      - {id: X1, text: 落实事项1, lead: 财政金融部}
"""


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} \
        if root.exists() else {}


def test_a_killed_commits_temporary_ledger_copies_are_removed(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    stale = reg / ".ledger.jsonl.k3j2x9.tmp"
    stale.write_bytes(b'{"n":1,"prev":"half a line')
    arch = reg / "archive"
    arch.mkdir()
    head = arch / ".ledger-head.json.a8b7c6.tmp"
    head.write_bytes(b"{")
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert not stale.exists() and not head.exists()
    assert sorted(p.name for p in reg.iterdir() if p.name.startswith(".")) == []
    assert len(read(reg).slips) == 2


def test_a_killed_archive_copy_is_removed_by_the_next_run(run, tmp_path, quick_pdf):
    """archive.put copies a document to <year>/<kind>/.<name>.XXXX.tmp, then links it: a run killed in between
    leaves the copy, which the next run holding the ledger lock removes (archive verify would list it)."""
    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    out = tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    folder = reg / "archive" / "2026" / "交办单"
    left = folder / ".督交〔2026〕2号.pdf.q7w8e9.tmp"
    left.write_bytes(b"%PDF-1.7 half a copy")
    rc, so, _ = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 1 and "未登记" in so  # as the killed run left it
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-04")
    assert rc == 0, err
    assert not left.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["督交〔2026〕1号.docx", "督交〔2026〕1号.pdf",
                                                        "督交〔2026〕2号.docx", "督交〔2026〕2号.pdf"]
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0, so + err


def test_a_ledger_that_is_a_folder_is_named_not_a_crash(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    (reg / "ledger.jsonl").mkdir()
    for cmd in (["check"], ["assign", "--on", "2026-11-03", "--no-pdf"], ["warn", "--on", "2026-11-03"]):
        rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), *cmd)
        assert rc == 2, (cmd, err)
        assert f"{reg / 'ledger.jsonl'}: 账本: 应为账本文件，实际是文件夹" in err and "内部错误" not in err
    assert not (tmp_path / "out").exists()


def test_a_number_whose_item_left_is_refused_by_check_and_assign_writes_nothing(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    with Ledger(reg) as led:  # numbered, never rendered (an older docgen's --no-pdf run): then X9 was deleted
        led.allocate("dudao", "assign", "督交", "X9", "X9", dt.date(2026, 11, 3))
        led.commit()
    before = files(reg)
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "督交〔2026〕1号（2026年11月3日编号，尚未生成文件）：事项「X9」已不在台账中" in err
    assert "docgen void 督交〔2026〕1号 --reason 原因" in err
    out = tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 2 and "事项「X9」已不在台账中" in err and "本次未编号、未生成任何文件" in err
    assert files(reg) == before and files(out) == {} and not (reg / "archive").exists()


def test_a_full_disk_names_the_file_it_could_not_write(run, tmp_path, monkeypatch, quick_pdf):
    import docgen.issuing.slips as I

    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    real = I.atomic_write_bytes
    target = tmp_path / "out" / "slips" / "交办单" / "督交〔2026〕2号.docx"

    def full(path, data):
        if Path(path) == target:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a write() on a full disk: no file named
        return real(path, data)

    monkeypatch.setattr(I, "atomic_write_bytes", full)
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-03")
    assert rc == 2
    assert f"写入失败：{target}（磁盘已满）" in err and "LibreOffice" not in err
    assert "本次新编号已登记：督交〔2026〕1号、督交〔2026〕2号" in err
    monkeypatch.setattr(I, "atomic_write_bytes", real)  # space again: the next run finishes under the same numbers
    rc, so, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert "补齐已编号交办单的文件2份（编号不变）：督交〔2026〕1号、督交〔2026〕2号" in so


def test_a_full_disk_when_the_ledger_is_written_leaves_it_as_it_was(run, tmp_path, monkeypatch):
    import docgen.record.ledger as L

    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    real = L.atomic_write_bytes

    def full(path, data):
        if Path(path).name == "ledger.jsonl":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)

    monkeypatch.setattr(L, "atomic_write_bytes", full)
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-03")
    assert rc == 2
    assert f"无法写入账本 {reg / 'ledger.jsonl'}（磁盘已满）：账本未改动" in err
    assert not (reg / "ledger.jsonl").exists()


HANGING_SOFFICE = """#!/bin/sh
# a LibreOffice that keeps writing into its output folder (as soffice.bin does after its docgen is killed)
out=""
while [ $# -gt 0 ]; do [ "$1" = "--outdir" ] && out="$2"; shift; done
i=0
while [ $i -lt 300 ]; do mkdir -p "$out"; : > "$out/still-writing.pdf"; sleep 0.1; i=$((i+1)); done
"""


def test_a_killed_runs_libreoffice_cannot_bring_its_folders_back(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    out = tmp_path / "out"
    hang = tmp_path / "bin" / "soffice"
    hang.parent.mkdir()
    hang.write_text(HANGING_SOFFICE)
    hang.chmod(0o755)
    env = dict(os.environ, DOCGEN_SOFFICE=str(hang))
    p = subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = out / "slips" / "交办单"
    deadline = time.monotonic() + 120
    while not list(folder.glob(".docgen-pdf-*/still-writing.pdf")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(folder.glob(".docgen-pdf-*/still-writing.pdf")), "the conversion never started"
    os.kill(p.pid, signal.SIGKILL)  # docgen only, as a clerk closing the window or the OOM killer would
    p.wait()
    q = subprocess.run(DOCGEN + ["-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03"], capture_output=True,
                       text=True, timeout=300)  # with the quick converter of the fixture
    assert q.returncode == 0, q.stderr
    time.sleep(1.5)  # the orphan would have written again by now
    assert list(out.rglob(".docgen-pdf-*")) == [] and list(out.rglob("still-writing.pdf")) == []
    orphans = subprocess.run(["pgrep", "-f", str(hang)], capture_output=True, text=True).stdout.split()
    for pid in orphans:  # never leave them behind, whatever the result
        os.kill(int(pid), signal.SIGKILL)
    assert orphans == []


def test_a_libreoffice_started_just_before_its_docgen_was_killed_is_found_by_its_folder(tmp_path):
    """docgen writes its LibreOffice's process group into the folder only once LibreOffice has started: a run
    killed in between leaves a LibreOffice the owner file does not name (CI saw one write a batch's folder back).
    The next run finds it by the folder its command line names, and kills it; a program that is not LibreOffice
    naming a file there (a clerk's viewer) is left alone."""
    from docgen.documents import pdf

    folder = tmp_path / "out" / "batches" / ".batch-x" / ".docgen-pdf-y"
    folder.mkdir(parents=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (folder / pdf.OWNER).write_text(f"{gone.pid}\n")  # the killed docgen, before it could add the group
    hang = tmp_path / "bin" / "soffice"
    hang.parent.mkdir()
    hang.write_text(HANGING_SOFFICE)
    hang.chmod(0o755)
    lo = subprocess.Popen([str(hang), "--convert-to", "pdf", "--outdir", str(folder), str(folder / "in" / "a.docx")],
                          start_new_session=True)
    viewer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", str(folder / "still-writing.pdf")],
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not (folder / "still-writing.pdf").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (folder / "still-writing.pdf").exists()
        assert pdf.reap(folder) is True
        assert lo.wait(timeout=10) == -signal.SIGKILL
        assert viewer.poll() is None
    finally:
        for q in (lo, viewer):
            if q.poll() is None:
                os.killpg(q.pid, signal.SIGKILL)
                q.wait()


def test_an_absurdly_long_name_is_refused_by_check_with_its_line(run, tmp_path):
    long = "长" * 10000
    units = f"units:\n  - {{name: 经济发展部, contact: 孙伟}}\n  - {{name: {long}, contact: 周敏}}\n"
    reg = write_registers(tmp_path / "r", {"units.yaml": units, "m.yaml": ITEMS})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "units.yaml:3: name: 文字过长（10000个字符）：一个字段不能超过2000个字符" in err
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "build", "--on", "2026-11-03")
    assert rc == 2 and "文字过长" in err and not (tmp_path / "out").exists()


def test_a_slip_that_cannot_be_drawn_fails_the_build(run, tmp_path, monkeypatch, quick_pdf):
    import dataclasses

    from docgen.issuing.kinds import ASSIGN
    from docgen.kinds import KINDS

    reg = write_registers(tmp_path / "r", {"m.yaml": ITEMS})
    real = ASSIGN.context

    def fragile(reg_, entry, status, ctx, mark=None):
        if status.item.id == "X1":
            raise ValueError("表格放不下")
        return real(reg_, entry, status, ctx, mark)

    monkeypatch.setitem(KINDS, "assign", dataclasses.replace(ASSIGN, context=fragile))
    rc, so, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "build", "--on", "2026-11-03")
    assert rc == 2
    assert "交办单未出具：事项「X1」的交办单无法生成（ValueError: 表格放不下）" in err
    assert [(s.number, s.item) for s in read(reg).slips.values()] == [("督交〔2026〕1号", "X0")]


def test_an_absurd_rule_period_is_refused_at_load(run, tmp_path):
    rules = "deadlines:\n  meeting.major:\n    {period: 1000000000, count: calendar}\n"
    reg = write_registers(tmp_path / "r", {"rules.yaml": rules, "m.yaml": ITEMS})
    for cmd in (["check"], ["status", "--on", "2026-11-03"], ["due", "--rule", "meeting.major", "--from", "2026-11-02"]):
        rc, _, err = run("-r", str(reg), *cmd)
        assert rc == 2, (cmd, err)
        assert "rules.yaml:3: period: 期限1000000000日过长：不能超过3660日（约十年）" in err, err
    rules = "deadlines:\n  doc.single:\n    period: 2001\n"
    reg = write_registers(tmp_path / "r2", {"rules.yaml": rules})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "rules.yaml:3: period: 期限2001个工作日过长：不能超过2000个工作日（约十年）" in err, err
    # the longest allowed is taken
    reg = write_registers(tmp_path / "r3", {"rules.yaml": "deadlines:\n  doc.single:\n    period: 2000\n"})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 0, err
