"""Benchmark: a second `docgen build` with nothing changed, on the example registers (target: under 2 s, and no
file written).

Run: .venv/bin/python bench/bench_build.py [--repeat 5]
Copies the example registers to a temporary folder, runs one `build` on the demo's date (which issues the slips,
PDFs, batches, the Excel 台账 and the board), then times `--repeat` more runs of the same build in fresh processes
and reports the median, and whether any of them wrote a file.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-20"


def snapshot(*roots: Path) -> dict:
    return {p: p.stat().st_mtime_ns for r in roots if r.exists() for p in r.rglob("*")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        reg, out = t / "registers", t / "output"
        shutil.copytree(ROOT / "registers", reg)
        cmd = [sys.executable, "-m", "docgen", "-r", str(reg), "-o", str(out), "build", "--on", DATE]
        t0 = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True)
        first = time.monotonic() - t0
        before = snapshot(reg, out, t / "archive")
        times = []
        for _ in range(a.repeat):
            t0 = time.monotonic()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.monotonic() - t0)
        wrote = snapshot(reg, out, t / "archive") != before
        print(f"first build (issues the example year's slips up to {DATE}): {first:.1f} s")
        print(f"second build, nothing changed: median {statistics.median(times):.2f} s over {a.repeat} runs "
              f"(min {min(times):.2f}, max {max(times):.2f}); files written: {'yes' if wrote else 'none'}")


if __name__ == "__main__":
    main()
