"""Two offices, two archives: the archive belongs to one office (record/archive.py), never shared by default."""
import json
import shutil
from pathlib import Path

from conftest import MINI_SETTINGS, write_registers

from docgen.record.ledger import encode, line_hash, read

ONE_ITEM = ("meetings:\n  - id: M\n    kind: 主任办公会\n    title: 2026年第20次主任办公会\n    date: 2026-11-02\n"
            "    items:\n      - {id: A1, text: 落实事项一, lead: 经济发展部}\n")


def office(root: Path, name: str, extra: str = "") -> Path:
    s = MINI_SETTINGS.replace("name: 泰安高新区管委会督导工作专班", f"name: {name}督导工作专班", 1) + extra
    return write_registers(root, {"settings.yaml": s, "m.yaml": ONE_ITEM})


def listing(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_sibling_offices_each_keep_their_own_archive(run, tmp_path, quick_pdf):
    offices = tmp_path / "offices"
    a, b = office(offices / "甲区", "甲区"), office(offices / "乙区", "乙区")
    for reg, out in ((a, tmp_path / "out甲"), (b, tmp_path / "out乙")):
        rc, _, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-11-03")
        assert rc == 0, err
        rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
        assert rc == 0, err
        assert "账本记录出具1份" in so
    # each office's first slip is its own 督交〔2026〕1号, in its own folder
    for reg in (a, b):
        assert (reg / "archive" / "2026" / "交办单" / "督交〔2026〕1号.pdf").is_file()
    assert not (offices / "archive").exists()
    ma = json.loads((a / "archive" / "office.json").read_text(encoding="utf-8"))
    mb = json.loads((b / "archive" / "office.json").read_text(encoding="utf-8"))
    assert (ma["office"], mb["office"]) == ("甲区督导工作专班", "乙区督导工作专班")
    assert ma["id"] != mb["id"] and len(ma["id"]) == 64
    assert read(a).office["id"] == ma["id"] and read(b).office["id"] == mb["id"]


def test_an_archive_marked_for_another_office_is_refused_and_nothing_is_written(run, tmp_path, quick_pdf):
    offices = tmp_path / "offices"
    a, b = office(offices / "甲区", "甲区"), office(offices / "乙区", "乙区")
    for reg, out in ((a, tmp_path / "out甲"), (b, tmp_path / "out乙")):
        assert run("-r", str(reg), "-o", str(out), "build", "--on", "2026-11-03")[0] == 0
    # 乙区 is pointed at 甲区's archive, and has a new item to issue
    (b / "settings.yaml").write_text((b / "settings.yaml").read_text(encoding="utf-8") + "archive: ../甲区/archive\n",
                                     encoding="utf-8")
    (b / "m.yaml").write_text(ONE_ITEM + "      - {id: A2, text: 落实事项二, lead: 经济发展部}\n", encoding="utf-8")
    before_a, before_b = listing(a), {k: v for k, v in listing(b).items() if not k.endswith(".lock")}
    before_out = listing(tmp_path / "out乙")
    rc, _, err = run("-r", str(b), "-o", str(tmp_path / "out乙"), "assign", "--on", "2026-11-04")
    assert rc == 2
    assert "属于「甲区督导工作专班」" in err and "两个办公室不能共用一个归档" in err
    assert listing(a) == before_a
    assert {k: v for k, v in listing(b).items() if not k.endswith(".lock")} == before_b
    assert listing(tmp_path / "out乙") == before_out
    rc, _, err = run("-r", str(b), "archive", "verify")
    assert rc == 2 and "属于「甲区督导工作专班」" in err


def test_a_new_office_beside_another_never_uses_its_archive(run, tmp_path, quick_pdf):
    """The old default: ../archive of the registers folder. Office 甲区's files there do not make it 乙区's."""
    offices = tmp_path / "offices"
    a = office(offices / "甲区", "甲区", "archive: ../archive\n")
    assert run("-r", str(a), "-o", str(tmp_path / "out甲"), "assign", "--on", "2026-11-03")[0] == 0
    b = office(offices / "乙区", "乙区")
    rc, _, err = run("-r", str(b), "-o", str(tmp_path / "out乙"), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert (b / "archive" / "2026" / "交办单" / "督交〔2026〕1号.pdf").is_file()
    assert [p.name for p in (offices / "archive" / "2026" / "交办单").iterdir()] == ["督交〔2026〕1号.docx",
                                                                                  "督交〔2026〕1号.pdf"] or \
        sorted(p.name for p in (offices / "archive" / "2026" / "交办单").iterdir()) == ["督交〔2026〕1号.docx",
                                                                                      "督交〔2026〕1号.pdf"]


def test_an_old_layout_archive_beside_the_registers_keeps_working(run, tmp_path, quick_pdf):
    """An office whose archive is ../archive from before (no office act, no office.json): kept, said once."""
    offices = tmp_path / "offices"
    a = office(offices / "甲区", "甲区")
    out = tmp_path / "out"
    assert run("-r", str(a), "-o", str(out), "assign", "--on", "2026-11-03")[0] == 0
    # make it the old layout: the archive beside the registers, the ledger without its office act
    shutil.move(str(a / "archive"), str(offices / "archive"))
    (offices / "archive" / "office.json").unlink()
    recs = [json.loads(x) for x in (a / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["act"] for r in recs].count("office") == 1
    old, prev = [], "0" * 64  # the ledger as a docgen before issue 16 wrote it: no office act, no "v"
    for r in (r for r in recs if r["act"] != "office"):
        r = {k: v for k, v in r.items() if k != "v"} | {"n": len(old) + 1, "prev": prev}
        old.append(encode(r))
        prev = line_hash(old[-1])
    (a / "ledger.jsonl").write_text("\n".join(old) + "\n", encoding="utf-8")
    assert read(a).office is None
    head = {"n": len(old), "hash": read(a).head}
    (offices / "archive" / "ledger-head.json").write_text(json.dumps(head), encoding="utf-8")
    rc, so, err = run("-r", str(a), "-o", str(out), "archive", "verify")
    assert rc == 0, err
    assert f"沿用台账目录旁的归档 {(offices / 'archive').resolve()}" in err
    (a / "m.yaml").write_text(ONE_ITEM + "      - {id: A2, text: 落实事项二, lead: 经济发展部}\n", encoding="utf-8")
    rc, _, err = run("-r", str(a), "-o", str(out), "assign", "--on", "2026-11-04")
    assert rc == 0, err
    assert (offices / "archive" / "2026" / "交办单" / "督交〔2026〕2号.pdf").is_file()
    assert not (a / "archive").exists()
    assert json.loads((offices / "archive" / "office.json").read_text(encoding="utf-8"))["id"] == read(a).office["id"]
    rc, so, err = run("-r", str(a), "-o", str(out), "archive", "verify")
    assert rc == 0 and "沿用" not in err  # said once: the archive is marked now


KILLED_WRITING_THE_HEAD = """
import os, signal, sys, tempfile
from pathlib import Path
import docgen.record.ledger as L
real = L.atomic_write_bytes

def write(path, data):
    path = Path(path)
    if path.name == L.HEAD:  # as a kill after the temporary file is written, before its rename
        fd, _ = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
        os.write(fd, data)
        os.fsync(fd)
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, data)

L.atomic_write_bytes = write
from docgen.cli import main
sys.argv = ["docgen", *sys.argv[1:]]
main()
"""


def test_a_first_run_killed_while_writing_the_archives_ledger_head_is_finished_by_the_next(run, tmp_path, quick_pdf):
    """The first commit writes the ledger, then the archive's ledger-head.json (a temporary file, then its rename).
    Killed in between, the archive holds only that temporary file: not a document of some other office. CI's
    random kills (tests/test_slips.py) once met it, and the next run refused the office's own archive."""
    import signal
    import subprocess
    import sys

    reg = office(tmp_path / "甲区", "甲区")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-c", KILLED_WRITING_THE_HEAD, "-r", str(reg), "-o", str(out), "assign",
                        "--on", "2026-11-03"], capture_output=True, text=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr
    archive = reg / "archive"
    assert [q.name[:len(".ledger-head.json.")] for q in archive.iterdir()] == [".ledger-head.json."]
    assert read(reg).slips  # numbered, and committed to the ledger
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert "督交〔2026〕1号" in so
    assert sorted(q.name for q in archive.iterdir() if q.is_file()) == ["ledger-head.json", "office.json"]
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0 and "账本记录出具1份" in so, err


KILLED_PROBING_THE_ARCHIVE = """
import os, signal, sys
from pathlib import Path
real = os.unlink

def unlink(path, *a, **k):  # as a kill after the archive's write probe is written, before it is removed
    p = Path(path)
    if p.name.startswith(".docgen-probe") and p.parent.name == "archive":
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, *a, **k)

os.unlink = unlink
from docgen.cli import main
sys.argv = ["docgen", *sys.argv[1:]]
main()
"""


def test_a_run_killed_while_probing_the_archive_leaves_nothing_the_next_run_or_verify_takes_for_a_document(
        run, tmp_path, quick_pdf):
    """Before numbering, a run writes a probe file into the archive (is there room, may it write?) and removes it.
    Killed in between, the probe is left there: the next run must neither refuse the archive for it nor leave it
    for `archive verify` to report as an unregistered file (CI's random kills, tests/test_slips.py, met it)."""
    import signal
    import subprocess
    import sys

    reg = office(tmp_path / "甲区", "甲区")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-c", KILLED_PROBING_THE_ARCHIVE, "-r", str(reg), "-o", str(out), "assign",
                        "--on", "2026-11-03"], capture_output=True, text=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr
    archive = reg / "archive"
    assert [q.name[:len(".docgen-probe")] for q in archive.iterdir()] == [".docgen-probe"]
    assert not read(reg).slips  # killed before any number
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert "督交〔2026〕1号" in so
    assert sorted(q.name for q in archive.iterdir() if q.is_file()) == ["ledger-head.json", "office.json"]
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0 and "账本记录出具1份" in so, (so, err)
