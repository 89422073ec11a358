"""Benchmark: 200 documents to PDF, batched (parallel workers, one LibreOffice start each) against one
`soffice --convert-to` process per document, on the same machine in the same run.

Run: .venv/bin/python bench/bench_convert.py [--docs 200] [--workers N]
Writes nothing outside a temporary folder; prints both times and the ratio.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen.documents.gbt9704 import OfficialDocument  # noqa: E402
from docgen.documents.pdf import convert, convert_one_per_process, find_soffice, soffice_version  # noqa: E402


def make_docs(folder: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        d = OfficialDocument()
        d.title(f"关于第{i + 1}号督导事项落实情况的报告")
        d.addressee("泰安高新区管委会督导工作专班")
        for k in range(4):
            d.body(f"第{k + 1}段：按照交办要求，我单位认真组织落实，现将有关情况报告如下。" * 2)
        d.table(["事项", "进展", "责任人"], [[f"事项{j}", "已完成", "张明"] for j in range(5)])
        p = folder / f"doc{i:03d}.docx"
        d.save(p)
        out.append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t1, t2 = Path(tmp, "batched"), Path(tmp, "single")
        t1.mkdir(), t2.mkdir()
        b_docs, s_docs = make_docs(t1, a.docs), make_docs(t2, a.docs)
        convert(make_docs(Path(tmp), 1))  # warm the profile once, as a clerk's second run would be
        t = time.perf_counter()
        rb = convert(b_docs, workers=a.workers)
        batched = time.perf_counter() - t
        t = time.perf_counter()
        rs = convert_one_per_process(s_docs)
        single = time.perf_counter() - t
        ok_b = sum(r.pdf is not None for r in rb)
        ok_s = sum(r.pdf is not None for r in rs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {soffice_version(find_soffice())}")
    print(f"documents: {a.docs}; PDFs made: batched {ok_b}, one per process {ok_s}")
    print(f"batched ({a.workers} workers): {batched:.1f} s ({batched / a.docs * 1000:.0f} ms per document)")
    print(f"one soffice per document: {single:.1f} s ({single / a.docs * 1000:.0f} ms per document)")
    print(f"ratio: {single / batched:.1f}x")


if __name__ == "__main__":
    main()
