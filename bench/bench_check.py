"""Benchmark: `docgen check` on generated registers of 3,000 items (target: under 1 s).

Run: .venv/bin/python bench/bench_check.py [--items 3000] [--repeat 5]
Prints the median wall time of the whole command (a fresh process each time) and of loading alone.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = [f"单位{i:02d}" for i in range(40)]


def generate(dst: Path, n_items: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    shutil.copy(ROOT / "registers" / "settings.yaml", dst / "settings.yaml")
    (dst / "units.yaml").write_text(
        "units:\n" + "".join(f"  - {{name: {u}, contact: 联系人{i}, mobile: '139{i:08d}'}}\n" for i, u in enumerate(UNITS)),
        encoding="utf-8")
    per_file = 100
    for f in range(n_items // per_file):
        lines = ["meetings:"]
        prog = ["progress:"]
        for m in range(per_file // 5):
            day = 1 + rnd.randrange(300)
            date = f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
            mid = f"F{f}M{m}"
            lines += [f"  - id: {mid}", "    kind: 主任办公会", f"    title: 第{m}次主任办公会", f"    date: {date}", "    items:"]
            for k in range(5):
                iid = f"{mid}-{k}"
                lead, *co = rnd.sample(UNITS, 3)
                lines += [f"      - id: {iid}", f"        text: 生成的议定事项{iid}，落实相关工作要求",
                          f"        lead: {lead}", f"        co: [{co[0]}, {co[1]}]"]
                if rnd.random() < 0.6:
                    prog.append(f"  - {{item: {iid}, date: {date}, type: 反馈, note: 已部署}}")
        (dst / f"m{f:03d}.yaml").write_text("\n".join(lines + prog) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    docgen = Path(sys.executable).parent / "docgen"
    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registers"
        reg.mkdir()
        generate(reg, a.items)
        sys.path.insert(0, str(ROOT))
        from docgen.registers.load import read_registers

        loads, runs = [], []
        for _ in range(a.repeat):
            t = time.perf_counter()
            r, diags = read_registers(reg)
            loads.append(time.perf_counter() - t)
            assert not diags and len(r.items) == a.items, diags[:3]
            t = time.perf_counter()
            p = subprocess.run([str(docgen), "-r", str(reg), "check"], capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
            assert p.returncode == 0, p.stderr[:500]
        print(p.stdout.strip())
        print(f"items={a.items} files={a.items // 100 + 2}")
        print(f"load+validate (in process): median {statistics.median(loads):.3f} s")
        print(f"docgen check (new process): median {statistics.median(runs):.3f} s  (target < 1 s)")


if __name__ == "__main__":
    main()
