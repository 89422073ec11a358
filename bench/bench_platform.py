"""Benchmark: the supervision platform (`docgen platform`, waitress, 8 threads) on this machine: requests per
second and latency (median, p95) for the item list (a unit's, the leader's), one item, and a report (each report
fsynced to the inbox and the audit record before its 201).

Run: .venv/bin/python bench/bench_platform.py [--clients 8] [--requests 400]
Copies the example registers to a temporary folder, opens an account for each of its units and a leader, starts
`docgen platform` in its own process on a free port, then for each kind of request runs --clients concurrent
clients (each signed in once, keep-alive) that together send --requests requests, and reports the figures.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-20"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = self.csrf = ""

    def call(self, method, path, obj=None):
        body = json.dumps(obj, ensure_ascii=False).encode() if obj is not None else None
        h = {"Content-Type": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf:
            h["X-CSRF-Token"] = self.csrf
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, r.getheader("Set-Cookie"), data

    def login(self, name, pw):
        status, cookie, data = self.call("POST", "/api/login", {"name": name, "password": pw})
        assert status == 200, data
        self.cookie, self.csrf = cookie.split(";")[0], json.loads(data)["csrf"]


def run(port, accounts, clients, total, request) -> tuple[float, list[float]]:
    per = total // clients
    lat: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    signed_in = []
    for i in range(clients):  # one after another: sign-ins of one name sent at once count as guesses (lockout)
        name, pw = accounts[i % len(accounts)]
        signed_in.append(Client(port))
        signed_in[-1].login(name, pw)

    def worker(i):
        name = accounts[i % len(accounts)][0]
        c = signed_in[i]
        ready.wait()
        mine = []
        for k in range(per):
            t0 = time.perf_counter()
            status = request(c, name, i, k)
            mine.append(time.perf_counter() - t0)
            assert status in (200, 201), status
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registers"
        shutil.copytree(ROOT / "registers", reg)
        with open(reg / "settings.yaml", "a", encoding="utf-8") as f:  # --requests reports from a few units in a day
            f.write("platform:\n  reports_per_day: 0\n")
        import yaml

        units = [u["name"] for u in yaml.safe_load((reg / "units.yaml").read_text(encoding="utf-8"))["units"]]
        docgen = [sys.executable, "-m", "docgen", "-r", str(reg)]
        accounts = []
        for u in units:
            out = subprocess.run(docgen + ["accounts", "add", u], check=True, capture_output=True, text=True).stdout
            accounts.append((u, out.strip().splitlines()[-1]))
        out = subprocess.run(docgen + ["accounts", "add", "--leader", "领导"], check=True, capture_output=True,
                             text=True).stdout
        leader = [("领导", out.strip().splitlines()[-1])]
        port = free_port()
        proc = subprocess.Popen(docgen + ["platform", "--port", str(port), "--on", DATE],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            c = Client(port)
            c.login(*leader[0])
            items = json.loads(c.call("GET", "/api/items")[2])["items"]
            led = {u: next(i["id"] for i in items if i["lead"] == u) for u, _ in accounts
                   if any(i["lead"] == u for i in items)}
            reporters = [(u, pw) for u, pw in accounts if u in led]
            cases = [
                ("单位的事项列表 GET /api/items", accounts, lambda c, u, i, k: c.call("GET", "/api/items")[0]),
                ("领导的事项列表（47项）GET /api/items", leader, lambda c, u, i, k: c.call("GET", "/api/items")[0]),
                ("一个事项 GET /api/items/<id>", reporters,
                 lambda c, u, i, k: c.call("GET", f"/api/items/{led[u]}")[0]),
                ("报送 POST /api/items/<id>/reports", reporters,
                 lambda c, u, i, k: c.call("POST", f"/api/items/{led[u]}/reports",
                                           {"type": "反馈", "note": f"基准第{i}-{k}次"})[0]),
            ]
            print(f"{a.clients}个并发客户端，每种请求共{a.requests}次（{len(units)}个单位账户，示例台账47个事项）")
            for what, accs, req in cases:
                wall, lat = run(port, accs, a.clients, a.requests, req)
                lat.sort()
                p95 = lat[int(len(lat) * 0.95) - 1]
                print(f"{what}: {len(lat) / wall:.0f} 次/秒，中位 {statistics.median(lat) * 1000:.1f} ms，"
                      f"p95 {p95 * 1000:.1f} ms")
            n = sum(1 for line in (reg / "inbox.jsonl").read_bytes().splitlines() if b'"act":"report"' in line)
            print(f"收件箱：{n}条报送（应为{a.requests // a.clients * a.clients}）")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
