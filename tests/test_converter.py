"""The converter: missing or failing LibreOffice gives a clear message and keeps the .docx; doctor reports."""
import stat


from docgen.documents.gbt9704 import OfficialDocument, fit_mark
from docgen.documents.pdf import convert


def test_missing_converter_keeps_docx(run, example_registers, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "no-such-soffice"))
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "sample", "--on", "2026-11-20")
    assert rc == 2
    assert "找不到 LibreOffice" in err and "apt-get install" in err and "Traceback" not in err
    assert (out / "sample" / "样例公文.docx").stat().st_size > 10000
    assert not (out / "sample" / "样例公文.pdf").exists()


def test_failing_converter_keeps_docx(run, example_registers, tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(fake))
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "sample", "--on", "2026-11-20")
    assert rc == 2
    assert "转换 PDF 失败" in err and "source file could not be loaded" in err and ".docx 已保留" in err
    assert (out / "sample" / "样例公文.docx").exists()
    assert not list((out / "sample").glob("*.pdf"))
    assert sorted(p.name for p in (out / "sample").iterdir()) == ["样例公文.docx"]  # no temporary folder left


def test_batch_of_documents_in_parallel(tmp_path):
    files = []
    for i in range(5):
        d = OfficialDocument()
        d.title(f"第{i + 1}号测试文件")
        d.body("内容" * 30)
        p = tmp_path / f"d{i}.docx"
        d.save(p)
        files.append(p)
    results = convert(files, workers=2)
    assert [r.docx for r in results] == files
    assert all(r.pdf and r.pdf.stat().st_size > 1000 for r in results)


def test_doctor(run):
    rc, out, err = run("doctor")
    assert rc == 0, out + err
    assert "LibreOffice 7" in out
    assert "仿宋_GB2312 → FandolFang" in out and "方正小标宋简体 → Noto Serif CJK SC Bold" in out
    assert "黑体 → Noto Sans CJK SC" in out and "楷体_GB2312 → FandolKai" in out and "宋体 → Noto Serif CJK SC" in out


def test_doctor_without_libreoffice(run, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "none"))
    rc, out, _ = run("doctor")
    assert rc == 2 and "LibreOffice：未找到" in out and "apt-get install libreoffice-writer-nogui" in out


def test_mark_fits_the_line():
    # The line is 156 mm = 156 × 72 / 25.4 = 442.20 pt; fit_mark leaves 2 pt: 440.20 pt. 方正小标宋 (Noto Serif CJK SC
    # Bold) draws every ideograph 1 em wide, no letter spacing: n characters at 36 pt are 36n pt.
    #   10 characters: 360 pt, fits as it is.
    #   18 characters: 648 pt; 440.20 / 648 = 67.9 %: squeezed to 67 % (434.2 pt).
    #   36 characters: 1,296 pt; 440.20 / 1,296 = 34.0 %, below the 60 % floor: 60 % and a smaller size,
    #   440.20 / 36 / 0.6 = 20.38 pt, rounded to 20.4 pt.
    assert fit_mark("泰安高新区管委会文件", 36.0) == (36.0, None)
    assert fit_mark("泰安高新技术产业开发区管理委员会文件", 36.0) == (36.0, 67)
    assert fit_mark("中共泰安高新技术产业开发区工作委员会泰安高新技术产业开发区管理委员会文件", 36.0) == (20.4, 60)


FAKE = """#!{python}
# A stand-in for soffice that, like LibreOffice 7.4 after about 245 files, silently stops after {cap} files
# of one start (exit 0), and never converts a file whose name contains "bad".
import sys, pathlib
args = sys.argv[1:]
outdir = pathlib.Path(args[args.index("--outdir") + 1])
files = [a for a in args if a.endswith(".docx")]
with open({log!r}, "a") as log:
    log.write(" ".join(pathlib.Path(f).stem for f in files) + "\\n")
for f in files[:{cap}]:
    if "bad" not in f:
        (outdir / (pathlib.Path(f).stem + ".pdf")).write_bytes(b"%PDF-1.4\\n1 0 obj<<>>endobj\\n%%EOF\\n")
"""


def _fake(tmp_path, monkeypatch, cap):
    import sys

    log = tmp_path / "starts.log"
    fake = tmp_path / "soffice"
    fake.write_text(FAKE.format(python=sys.executable, cap=cap, log=str(log)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(fake))
    docs = tmp_path / "docs"
    docs.mkdir()
    return log, docs


def test_no_start_gets_more_than_its_share_and_silent_stops_are_retried(tmp_path, monkeypatch):
    import docgen.documents.pdf

    monkeypatch.setattr(docgen.documents.pdf, "MAX_PER_START", 4)
    log, docs = _fake(tmp_path, monkeypatch, cap=2)
    files = []
    for i in range(10):
        files.append(docs / f"d{i:02d}.docx")
        files[-1].write_bytes(b"not read by the stand-in")
    results = convert(files, workers=2)
    assert all(r.pdf is not None for r in results), [r.error for r in results]
    starts = [ln.split() for ln in log.read_text().splitlines()]
    # 10 files, 2 workers, at most 4 a start: jobs of 4, 4 and 2; each start stops after 2 files (exit 0), so
    # d02 d03 d06 d07 are lost and tried once more in fresh starts, two jobs of 2
    assert sorted(len(s) for s in starts[:3]) == [2, 4, 4] and [len(s) for s in starts[3:]] == [2, 2]
    assert sorted(f for s in starts[3:] for f in s) == ["d02", "d03", "d06", "d07"]
    assert max(len(s) for s in starts) <= 4
    assert not [p for p in docs.iterdir() if p.name.startswith(".docgen-pdf-")]


def test_a_file_that_fails_twice_is_reported_once_retried(tmp_path, monkeypatch):
    log, docs = _fake(tmp_path, monkeypatch, cap=200)
    files = [docs / "good.docx", docs / "bad.docx"]
    for f in files:
        f.write_bytes(b"x")
    good, bad = convert(files, workers=1)
    assert good.pdf is not None and bad.pdf is None and "bad.docx 转换 PDF 失败" in bad.error
    assert log.read_text().splitlines() == ["good bad", "bad"]


def test_real_libreoffice_in_several_starts(tmp_path, monkeypatch):
    """The real converter with a tiny start size: every PDF is made and parses."""
    import docgen.documents.pdf
    from pypdf import PdfReader

    monkeypatch.setattr(docgen.documents.pdf, "MAX_PER_START", 2)
    files = []
    for i in range(5):
        d = OfficialDocument()
        d.title(f"第{i + 1}号")
        p = tmp_path / f"d{i}.docx"
        d.save(p)
        files.append(p)
    results = convert(files, workers=1)
    assert [len(PdfReader(str(r.pdf)).pages) for r in results] == [1] * 5
