"""Benchmark: slips converted merged (many slips in one LibreOffice document, the PDF cut per slip:
documents/merge.py) against the same .docx files converted one per document (pdf.convert, as before), both with the
same number of LibreOffice processes, side by side in one run.

Run: .venv/bin/python bench/bench_merge.py [--slips 300] [--workers 2] [--items 1000] [--check 12]

The slips are real ones: the seeded year of bench/bench_year.py drawn as drafts (`assign`, `rectify` --no-pdf:
the templates' 交办单 with 回执 and 整改通知单, 草稿 where the number goes). Prints both times, the ratio, the PDFs'
sizes, and compares `--check` of the slips page by page (pdftoppm at 100 dpi, PNG bytes) between the two ways.
Writes nothing outside a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_year import AS_OF, generate  # noqa: E402
from docgen.documents import merge, pdf  # noqa: E402


def slips(tmp: Path, items: int, seed: int) -> list[Path]:
    reg, out = tmp / "registers", tmp / "output"
    reg.mkdir()
    generate(reg, items, seed)
    docgen = str(Path(sys.executable).parent / "docgen")
    for cmd in ("assign", "rectify"):
        p = subprocess.run([docgen, "-r", str(reg), "-o", str(out), cmd, "--no-pdf", "--on", AS_OF.isoformat()],
                           capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"docgen {cmd} --no-pdf failed:\n{p.stderr[-2000:]}")
    return sorted((out / "drafts").rglob("*.docx"))


def pages(pdf_file: Path, prefix: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf_file), str(prefix)], check=True)
    return [p.read_bytes() for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slips", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--check", type=int, default=12)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="docgen-merge-"))
    try:
        sample = slips(tmp, a.items, a.seed)
        if len(sample) < a.slips:
            sys.exit(f"only {len(sample)} slips drawn: raise --items")
        # spread over the kinds and the year, in the order they were drawn
        step = len(sample) / a.slips
        sample = [sample[int(i * step)] for i in range(a.slips)]
        d1, d2 = tmp / "merged", tmp / "single"
        d1.mkdir(), d2.mkdir()
        m = [Path(shutil.copy(p, d1 / f"{i:03d}.docx")) for i, p in enumerate(sample)]
        s = [Path(shutil.copy(p, d2 / f"{i:03d}.docx")) for i, p in enumerate(sample)]
        pdf.convert([Path(shutil.copy(sample[0], tmp / "warm.docx"))])  # the profiles warm, as a second run's
        t = time.perf_counter()
        rm = merge.convert(m, workers=a.workers)
        merged = time.perf_counter() - t
        t = time.perf_counter()
        rs = pdf.convert(s, workers=a.workers)
        single = time.perf_counter() - t
        kinds = {p.parent.name for p in sample}
        size_m = [r.pdf.stat().st_size for r in rm if r.pdf]
        size_s = [r.pdf.stat().st_size for r in rs if r.pdf]
        worst = max((x.pdf.stat().st_size / y.pdf.stat().st_size for x, y in zip(rm, rs) if x.pdf and y.pdf),
                    default=0)
        step = max(1, a.slips // max(1, a.check))
        same = differ = 0
        png = tmp / "png"
        png.mkdir()
        for i in range(0, a.slips, step)[: a.check]:
            if rm[i].pdf and rs[i].pdf:
                ok = pages(rm[i].pdf, png / f"m{i}") == pages(rs[i].pdf, png / f"s{i}")
                same, differ = same + ok, differ + (not ok)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {pdf.soffice_version(pdf.find_soffice())}; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"slips: {a.slips} ({'、'.join(sorted(kinds))}); PDFs made: merged {len(size_m)}, one per document "
              f"{len(size_s)}")
        print(f"merged ({a.workers} workers): {merged:.1f} s ({merged / a.slips * 1000:.0f} ms per slip)")
        print(f"one per document ({a.workers} workers): {single:.1f} s ({single / a.slips * 1000:.0f} ms per slip)")
        print(f"ratio: {single / merged:.1f}x")
        print(f"PDF size: merged mean {sum(size_m) / max(1, len(size_m)) / 1024:.0f} KB, one per document mean "
              f"{sum(size_s) / max(1, len(size_s)) / 1024:.0f} KB, largest ratio {worst:.2f}")
        print(f"pixel check (100 dpi): {same} slips identical, {differ} differ")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
