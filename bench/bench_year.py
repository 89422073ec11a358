"""Benchmark: a seeded year of an office's work, issued cold with PDFs, then again with nothing new.

Run: .venv/bin/python bench/bench_year.py [--items 3000] [--seed 2026] [--convert-docs 50] [--keep DIR] [--no-today]
                                          [--reference DIR]

Generates ~3,000 items (meetings and their decided items, leaders' instructions, documents, inspection findings)
with their progress (feedback, completion, extension requests and decisions, verification, rectification reports)
for 40 units and two issuers, then measures, each as a fresh `docgen` process as a clerk runs it:
  1. `docgen check`;
  2. a cold `assign` and `rectify` with PDFs on the as-of date and `urge` on the next working day: documents,
     seconds, PDFs per second, failed PDFs; then the same cold year on a copy of the registers with each .docx
     converted as its own LibreOffice document (the converter before merged conversion), for the ratio;
  3. the same three again with nothing new (each should take under 2 s);
  4. the converter against one `soffice` start per document, on the same 50 slips (--convert-docs 0: skipped).
--reference DIR: the same cold year also by the docgen of another checkout (DIR holds its `docgen` package, e.g.
`git archive a649edc | tar -x -C DIR`), on a copy of the registers, each command by the reference then by this
checkout in turn (a machine's speed drifts): PDFs per second of both and their ratio.
Targets on 2 cores: 0 failed PDFs; at least 10 PDFs/s; a second run with nothing new under 2 s.
Writes nothing outside a temporary folder (or --keep DIR).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS = [f"{name}{i:02d}" for i, name in enumerate(["综合部", "发展部", "财政部", "建设局", "资源局", "科技局", "应急局",
                                                     "环境局", "社会事务中心", "招商中心"] * 4)]
AS_OF = dt.date(2026, 11, 27)
URGE_ON = dt.date(2026, 11, 30)  # the next working day
SETTINGS = """\
office:
  committee: 滨江新区管理委员会
  name: 滨江新区督查室
  contact: 陈红
  phone: 0571-8800001
  print_organ: 滨江新区党政办公室
  cc: [区委组织部, 区纪委监委]
issuers:
  - id: ducha
    name: 滨江新区督查室
    prefixes: {assign: 滨督交, urge: 滨督催, rectify: 滨督改}
    default: true
  - id: zhuanban
    name: 滨江新区项目建设专班
    prefixes: {assign: 项交, urge: 项催, rectify: 项改}
"""


def day(rnd: random.Random, lo: dt.date = dt.date(2026, 1, 5), hi: dt.date = dt.date(2026, 11, 20)) -> dt.date:
    return lo + dt.timedelta(days=rnd.randrange((hi - lo).days))


def progress(rnd: random.Random, iid: str, start: dt.date, due_days: int) -> list[str]:
    """What happened to an item afterwards, dated after its start and before the as-of date."""
    out = []
    r = rnd.random()
    if r < 0.15:
        out.append(f"  - {{item: {iid}, date: {start + dt.timedelta(days=1)}, type: 反馈, note: 已部署}}")
    if 0.15 <= r < 0.25:
        ask = start + dt.timedelta(days=max(1, due_days - 2))
        until = ask + dt.timedelta(days=20)
        out.append(f"  - {{item: {iid}, date: {ask}, type: 延期申请, until: {until}, reason: 需协调}}")
        out.append(f"  - {{item: {iid}, date: {ask + dt.timedelta(days=1)}, type: 延期批复, "
                   f"granted: {'同意' if rnd.random() < 0.7 else '不同意'}}}")
    if r >= 0.35:
        done = start + dt.timedelta(days=rnd.randrange(1, due_days + 15))
        if done < AS_OF:
            out.append(f"  - {{item: {iid}, date: {done}, type: 办结}}")
            if rnd.random() < 0.5 and done + dt.timedelta(days=3) < AS_OF:
                ok = "通过" if rnd.random() < 0.85 else "不通过"
                out.append(f"  - {{item: {iid}, date: {done + dt.timedelta(days=3)}, type: 核查, passed: {ok}}}")
    return out


def generate(dst: Path, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    (dst / "settings.yaml").write_text(SETTINGS, encoding="utf-8")
    (dst / "units.yaml").write_text("units:\n" + "".join(
        f"  - {{name: {u}, contact: 联系人{i}, mobile: '139{i:08d}'}}\n" for i, u in enumerate(UNITS)), encoding="utf-8")
    shares = {"meetings": 0.4, "instructions": 0.2, "documents": 0.3, "inspections": 0.1}
    k = 0
    for kind, share in shares.items():
        count = int(n * share)
        files: list[list[str]] = []
        lines, prog = [f"{kind}:"], ["progress:"]
        made = 0
        while made < count:
            d = day(rnd)
            lead, co = rnd.choice(UNITS), rnd.choice(UNITS)
            co_line = f", co: [{co}]" if co != lead else ""
            issuer = ", issuer: zhuanban" if rnd.random() < 0.2 else ""
            if kind == "meetings":
                kk = rnd.choice(["主任办公会", "专题会议", "党工委会", "工作专班会议"])
                lines += [f"  - id: M{k}", f"    kind: {kk}", f"    title: 第{k}次{kk}", f"    date: {d}", "    items:"]
                for j in range(min(6, count - made)):
                    iid = f"M{k}-{j}"
                    lead = rnd.choice(UNITS)
                    lines.append(f"      - {{id: {iid}, text: 落实第{k}次会议议定的第{j + 1}项工作，按要求报送进展, "
                                 f"lead: {lead}{issuer}}}")
                    prog += progress(rnd, iid, d, 10)
                    made += 1
            elif kind == "instructions":
                iid = f"P{k}"
                level = rnd.choice(["主要领导", "分管领导", "工作专班"])
                lines.append(f"  - {{id: {iid}, date: {d}, level: {level}, leader: 领导{k % 7}, "
                             f"on: 关于第{k}项工作的报告, text: 请抓紧研究落实第{k}项批示事项, lead: {lead}{co_line}{issuer}}}")
                prog += progress(rnd, iid, d, 7)
                made += 1
            elif kind == "documents":
                iid = f"G{k}"
                cat = rnd.choice(["单办", "会办", "调研", "急办"])
                lines.append(f"  - {{id: {iid}, number: 滨发〔2026〕{k}号, title: 关于做好第{k}项工作的通知, handed: {d}, "
                             f"category: {cat}, lead: {lead}{co_line}{issuer}}}")
                prog += progress(rnd, iid, d, 20 if cat == "调研" else 5)
                made += 1
            else:
                iid = f"F{k}"
                due = d + dt.timedelta(days=rnd.randrange(7, 30))
                lines.append(f"  - {{id: {iid}, date: {d}, form: 实地督导, inspectors: [检查组{k % 5}], "
                             f"finding: 第{k}项检查发现台账不规范, requirement: 限期规范台账, lead: {lead}, due: {due}}}")
                prog += progress(rnd, iid, d, (due - d).days)
                made += 1
            k += 1
            if len(lines) > 400:
                files.append(lines + prog)
                lines, prog = [f"{kind}:"], ["progress:"]
        files.append(lines + prog)
        for i, f in enumerate(files):
            (dst / f"{kind}-{i:02d}.yaml").write_text("\n".join(f) + "\n", encoding="utf-8")


# `docgen` with the converter of before merged conversion (every .docx its own LibreOffice document): the same
# run's reference for the cold year
TODAY = """\
import sys
from docgen.documents import merge, pdf
merge.convert = pdf.convert
from docgen.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run(docgen: str | list, reg: Path, out: Path, *args, env: dict | None = None) -> tuple[float, str]:
    """A fresh `docgen` process, started in the registers' folder: `python -m docgen` imports the package of its
    working directory before PYTHONPATH's, so a reference run started in this checkout would run this checkout."""
    t = time.perf_counter()
    cmd = docgen if isinstance(docgen, list) else [docgen]
    p = subprocess.run([*cmd, "-r", str(reg), "-o", str(out), *args], capture_output=True, text=True, env=env,
                       cwd=str(reg))
    took = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"docgen {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return took, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--convert-docs", type=int, default=50)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--no-today", action="store_true", help="skip the cold year with the converter of before")
    ap.add_argument("--reference", type=Path, help="a checkout of docgen to run the same cold year with, in turn")
    a = ap.parse_args()
    docgen = str(Path(sys.executable).parent / "docgen")
    tmp = Path(tempfile.mkdtemp(prefix="docgen-year-"))
    try:
        reg, out = tmp / "registers", tmp / "output"
        reg.mkdir()
        generate(reg, a.items, a.seed)
        reg_today, out_today = tmp / "registers-today", tmp / "output-today"
        shutil.copytree(reg, reg_today)
        from docgen.registers.load import read_registers

        r, diags = read_registers(reg)
        assert not diags, [str(d) for d in diags[:5]]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores; items {len(r.items)}, "
              f"progress entries {len(r.events)}, as of {AS_OF}")
        # the machine's speed today: a virtual machine's neighbours can slow it by a third from hour to hour
        from docgen.documents.gbt9704 import OfficialDocument
        from docgen.documents.pdf import convert as _convert

        ref = tmp / "reference"
        ref.mkdir()
        docs = []
        for i in range(60):
            d = OfficialDocument()
            d.title(f"第{i + 1}号参照文件")
            d.body("按照交办要求认真组织落实，现将有关情况报告如下。" * 4)
            docs.append(ref / f"r{i:02d}.docx")
            d.save(docs[-1])
        t0 = time.perf_counter()
        _convert(docs)
        print(f"reference: 60 one-page documents converted at {60 / (time.perf_counter() - t0):.1f} per second")
        t, _ = run(docgen, reg, out, "check")
        print(f"check: {t:.2f} s")
        cold, cold_ref = {}, {}
        # 交办单 and 整改通知单 on the as-of date; 催办单 on the next working day (never on the day an item's
        # first slip goes out)
        days = {"assign": AS_OF, "rectify": AS_OF, "urge": URGE_ON}
        if a.reference:
            reg_ref, out_ref = tmp / "registers-reference", tmp / "output-reference"
            shutil.copytree(reg, reg_ref)
            env = {**os.environ, "PYTHONPATH": str(a.reference.resolve())}
            which = subprocess.run([sys.executable, "-c", "import docgen; print(docgen.__file__)"], env=env,
                                   cwd=str(tmp), capture_output=True, text=True).stdout.strip()
            if not which.startswith(str(a.reference.resolve())):
                sys.exit(f"the reference runs {which}, not the package of {a.reference}")
            print(f"reference package: {which}")
            reference = [sys.executable, "-m", "docgen"]
        for cmd in ("assign", "rectify", "urge"):
            if a.reference:
                cold_ref[cmd], text = run(reference, reg_ref, out_ref, cmd, "--on", days[cmd].isoformat(), env=env)
                print(f"cold {cmd}, reference: {cold_ref[cmd]:.1f} s — {text.splitlines()[0]}")
            t, text = run(docgen, reg, out, cmd, "--on", days[cmd].isoformat())
            cold[cmd] = t
            print(f"cold {cmd}: {t:.1f} s — {text.splitlines()[0]}")
        from docgen.record.ledger import read

        st = read(reg)
        docs = sum(1 for s in st.slips.values() if s.rendered)
        pdfs = len(list((out / "slips").rglob("*.pdf")))
        numbered = len(st.slips)
        total = sum(cold.values())
        print(f"cold run: {numbered} numbers, {docs} slips recorded with PDF, {pdfs} PDFs on disk, "
              f"failed {numbered - docs}; {total:.1f} s, {pdfs / total:.1f} PDFs/s (target >= 10)")
        if a.reference:
            pdfs_ref = len(list((out_ref / "slips").rglob("*.pdf")))
            t_ref = sum(cold_ref.values())
            print(f"cold run, reference {a.reference}: {pdfs_ref} PDFs, {t_ref:.1f} s, {pdfs_ref / t_ref:.1f} PDFs/s; "
                  f"this checkout is {pdfs / total / (pdfs_ref / t_ref):.2f}x "
                  f"({', '.join(f'{k} {cold_ref[k] / cold[k]:.2f}x' for k in cold)})")
        if not a.no_today:  # the same year with each .docx converted as its own document, as before
            today = [sys.executable, "-c", TODAY]
            t_today = sum(run(today, reg_today, out_today, cmd, "--on", days[cmd].isoformat())[0]
                          for cmd in ("assign", "rectify", "urge"))
            pdfs_today = len(list((out_today / "slips").rglob("*.pdf")))
            print(f"cold run, one document per .docx (as before): {pdfs_today} PDFs, {t_today:.1f} s, "
                  f"{pdfs_today / t_today:.1f} PDFs/s; merged is {pdfs / total / (pdfs_today / t_today):.1f}x")
        again = {}
        for cmd in ("assign", "rectify", "urge"):
            again[cmd], text = run(docgen, reg, out, cmd, "--on", days[cmd].isoformat())
            assert text.startswith("新出具") and "份：" not in text.splitlines()[0], text
        print("second run, nothing new: " + ", ".join(f"{k} {v:.2f} s" for k, v in again.items())
              + " (target < 2 s each)")
        t, _ = run(docgen, reg, out, "archive", "verify")
        print(f"archive verify: {t:.1f} s")
        if a.keep:
            shutil.copytree(tmp, a.keep, dirs_exist_ok=True)
        if not a.convert_docs:
            return
        # the converter against one soffice start per document, on copies of the same slips
        from docgen.documents.pdf import convert, convert_one_per_process

        sample = sorted((out / "slips").rglob("*.docx"))[: a.convert_docs]
        d1, d2 = tmp / "batched", tmp / "single"
        d1.mkdir(), d2.mkdir()
        b = [Path(shutil.copy(p, d1 / f"{i:03d}.docx")) for i, p in enumerate(sample)]
        s = [Path(shutil.copy(p, d2 / f"{i:03d}.docx")) for i, p in enumerate(sample)]
        t0 = time.perf_counter()
        rb = convert(b)
        tb = time.perf_counter() - t0
        t0 = time.perf_counter()
        rs = convert_one_per_process(s)
        ts = time.perf_counter() - t0
        print(f"converter on {len(sample)} slips: batched {tb:.1f} s ({sum(r.pdf is not None for r in rb)} PDFs), "
              f"one soffice per document {ts:.1f} s ({sum(r.pdf is not None for r in rs)} PDFs), {ts / tb:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
