"""短信提醒 at most once (issue 15): through kills and concurrent runs; the day's outbox never shrinks; the record is
verified by check, build and remind; the gateway has its own timeout and is killed with its children."""
import collections
import fcntl
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINI_SETTINGS, ROOT, write_registers

DOCGEN = [sys.executable, "-m", "docgen"]
# the example registers have messages for eight units that day (docgen remind --on 2026-11-20): the seven warned for
# their items, and 高新建设集团 for its target's milestones 2026-MB03-2 (due 8/31) and 2026-MB03-3 (due 11/13), overdue
DAY = "2026-11-20"

from examples import A_PARTS, PHONE_A, PHONE_B, SMALL, TEXT_A, gateway, logged  # noqa: E402,F401


def outbox(out: Path, day: str) -> list[dict]:
    return [json.loads(x) for x in (out / "outbox" / f"{day}.jsonl").read_text(encoding="utf-8").splitlines()]


def docgen(reg, out, *args, timeout=120):
    return subprocess.run(DOCGEN + ["-r", str(reg), "-o", str(out), *args], capture_output=True, text=True,
                          timeout=timeout)


def small(tmp_path, settings_extra=""):
    return write_registers(tmp_path / "r", {**SMALL, "settings.yaml": MINI_SETTINGS + settings_extra})


# ---------------------------------------------------------------- kills

def _wait_for_gateways(gw: Path, limit=30.0) -> None:
    """Until no process runs the fake gateway gw (a killed docgen leaves the part in flight to finish)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        running = False
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and str(gw).encode() in (proc / "cmdline").read_bytes():
                    running = not _gone(int(proc.name)) or running
            except OSError:
                continue
        if not running:
            return
        time.sleep(0.02)
    raise AssertionError(f"{gw} still running")


def test_killed_runs_never_send_a_part_twice_and_unknown_ones_wait_for_resend(tmp_path):
    # the whole plan, sent by a run nobody kills: every part of every message, once
    ref = tmp_path / "ref"
    shutil.copytree(ROOT / "registers", ref / "r")
    gw, log = gateway(ref, sleep=0.03)
    t0 = time.monotonic()
    p = docgen(ref / "r", ref / "o", "remind", "--on", DAY, "--send-cmd", str(gw))
    full = time.monotonic() - t0
    assert p.returncode == 0, p.stderr
    everything = logged(log)
    assert len(everything) == len(set(everything)) and len({ph for ph, _ in everything}) == 8
    ref_rows = outbox(ref / "o", DAY)

    rng = random.Random(15)
    trials = []
    for trial in range(20):  # each: a run killed (SIGKILL, its whole process group) at a random moment, and a rerun
        base = tmp_path / f"t{trial}"
        shutil.copytree(ROOT / "registers", base / "r")
        reg, out = base / "r", base / "o"
        gw, log = gateway(base, sleep=0.03)
        run = subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), "remind", "--on", DAY, "--send-cmd", str(gw)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0, full * 1.1))
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        run.wait()
        _wait_for_gateways(gw)  # a gateway in flight (in a session of its own) finishes its part
        p = docgen(reg, out, "remind", "--on", DAY, "--send-cmd", str(gw))
        assert p.returncode == 0, (trial, p.stderr)
        sent = logged(log)
        dup = [k for k, n in collections.Counter(sent).items() if n > 1]
        assert not dup, (trial, dup)
        assert set(sent) <= set(everything)
        trials.append((reg, out, gw, log, sent, p.stdout))

    messages = {r["id"]: r for r in ref_rows}
    assert len(messages) == 8 and {r["status"] for r in messages.values()} == {"已发送"}
    seen_unknown = 0
    for trial, (reg, out, gw, log, sent, stdout) in enumerate(trials):
        rows = {r["id"]: r for r in outbox(out, DAY)}
        assert set(rows) == set(messages), trial  # the same ids when the plan is computed again
        unknown = [i for i, r in rows.items() if r["status"] == "状态不明"]
        assert {r["status"] for r in rows.values()} <= {"已发送", "状态不明"}
        for i, r in rows.items():
            parts = [x for x in everything if x[0] == r["phone"]]
            if r["status"] == "已发送":
                assert all(x in sent for x in parts), (trial, i)
            else:
                assert i in stdout and "--resend" in rows[i]["error"]  # listed, with how to resend it
        # a third run sends nothing more: an unknown message is possibly sent
        docgen(reg, out, "remind", "--on", DAY, "--send-cmd", str(gw))
        assert logged(log) == sent
        # each unknown message, resent deliberately, goes out once more in full
        for i in unknown:
            seen_unknown += 1
            before = collections.Counter(logged(log))
            p = docgen(reg, out, "remind", "--resend", i, "--send-cmd", str(gw))
            assert p.returncode == 0, p.stderr
            gained = collections.Counter(logged(log)) - before
            assert gained == collections.Counter(x for x in everything if x[0] == rows[i]["phone"])
        assert {r["status"] for r in outbox(out, DAY)} == {"已发送"}
        assert {x for x in logged(log)} == set(everything)
    assert seen_unknown > 0  # the kills did land between an intent and its outcome


def test_two_runs_at_once_send_each_part_once(tmp_path):
    shutil.copytree(ROOT / "registers", tmp_path / "r")
    gw, log = gateway(tmp_path, sleep=0.05)
    cmd = DOCGEN + ["-r", str(tmp_path / "r"), "-o", str(tmp_path / "o"), "remind", "--on", DAY, "--send-cmd", str(gw)]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    sent = logged(log)
    assert len(sent) == len(set(sent)) and len({ph for ph, _ in sent}) == 8
    # one of them sent all eight; the other found nothing left to send
    firsts = sorted(out.splitlines()[0] for out, _ in results)
    assert firsts[0].endswith("短信提醒：0条（0段）") and firsts[1].startswith("2026年11月20日短信提醒：8条")


def test_a_second_run_waits_for_the_first_and_says_so(tmp_path):
    reg = small(tmp_path)
    gw, log = gateway(tmp_path)
    with open(reg / ".reminders.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run is sending
        p = subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(tmp_path / "o"), "remind", "--on", "2026-11-17",
                                       "--send-cmd", str(gw)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        ready, _, _ = select.select([p.stderr], [], [], 30)
        line = p.stderr.readline() if ready else ""
        if not ready:
            p.kill()
        assert "另一个 docgen 正在发送短信提醒" in line and "等待" in line
        time.sleep(0.3)
        assert p.poll() is None and not log.exists()  # still waiting, nothing sent
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0 and "短信提醒：2条（4段）" in out
    assert logged(log)[:2] == [(PHONE_A, A_PARTS[0]), (PHONE_A, A_PARTS[1])]


# ---------------------------------------------------------------- the outbox

def test_the_outbox_keeps_what_was_sent_and_a_run_with_nothing_new_writes_nothing(tmp_path, run):
    reg, out = small(tmp_path), tmp_path / "o"
    gw, log = gateway(tmp_path, fail=[PHONE_B])
    rc, stdout, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 0 and logged(log) == [(PHONE_A, A_PARTS[0]), (PHONE_A, A_PARTS[1])]
    rows = outbox(out, "2026-11-17")
    assert [(r["phone"], r["message"], r["status"]) for r in rows] == [(PHONE_A, TEXT_A, "已发送"),
                                                                     (PHONE_B, rows[1]["message"], "发送失败")]
    # a second run the same day without --send-cmd: 经济发展部's message stays listed as sent, 财政金融部's is due
    rc, stdout, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17")
    assert rc == 0 and "短信提醒：1条（2段）" in stdout
    assert [(r["phone"], r["status"]) for r in outbox(out, "2026-11-17")] == [(PHONE_A, "已发送"), (PHONE_B, "发送失败")]
    csv = (out / "outbox" / "2026-11-17.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(csv) == 3 and csv[1].startswith(f"{PHONE_A},经济发展部,孙伟,") and ",已发送," in csv[1]
    mtimes = {f: f.stat().st_mtime_ns for f in (out / "outbox").iterdir()}
    rc, _, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17")
    assert rc == 0 and {f: f.stat().st_mtime_ns for f in (out / "outbox").iterdir()} == mtimes


def test_a_failed_message_is_retried_from_its_first_unsent_part(tmp_path, run):
    reg, out = small(tmp_path), tmp_path / "o"
    gw, log = gateway(tmp_path, "gw1", fail=["(2/2)", PHONE_B])
    rc, _, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 1  # two messages due, none went out whole
    assert logged(log) == [(PHONE_A, A_PARTS[0])]
    gw2, log2 = gateway(tmp_path, "gw2", fail=[PHONE_B])
    run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw2))
    assert logged(log2) == [(PHONE_A, A_PARTS[1])]  # (1/2) went out the first time


# ---------------------------------------------------------------- the record verified

def _sent_office(tmp_path, run):
    reg, out = small(tmp_path), tmp_path / "o"
    gw, log = gateway(tmp_path)
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 0 and len(logged(log)) == 4, err
    return reg, out, gw, log


@pytest.mark.parametrize("damage, line", [
    # 经济发展部's phone edited in its two records: the chain breaks at the line after the first edited one
    (lambda ls: [x.replace("13905381002", "13905381009") for x in ls], 2),
    (lambda ls: [x.replace("孙伟", "孙玮") for x in ls], 1),  # the text edited: its id no longer matches
    (lambda ls: ls[1:], 1),  # the first record removed
    (lambda ls: ls[:-1] + [ls[-1][:40]], -1),  # the last line cut short
    (lambda ls: ls[:1] + ["{not json"] + ls[2:], 2),
])
def test_a_damaged_record_stops_check_build_and_remind(tmp_path, run, damage, line):
    reg, out, gw, log = _sent_office(tmp_path, run)
    p = reg / "reminders.jsonl"
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\n".join(damage(lines)) + ("\n" if line != -1 else ""), encoding="utf-8")
    line = len(lines) if line == -1 else line
    rc, _, err = run("-r", str(reg), "-o", str(out), "check")
    assert rc == 2 and f"reminders.jsonl:{line}: 短信记录:" in err
    ledger = (reg / "ledger.jsonl").read_bytes()
    rc, stdout, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-11-17")
    assert rc == 2 and f"reminders.jsonl:{line}:" in err and "新出具" not in stdout
    assert (reg / "ledger.jsonl").read_bytes() == ledger  # nothing issued
    assert not (out / "台账.xlsx").exists() and not (out / "site").exists()
    n = len(logged(log))
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 2 and f"reminders.jsonl:{line}:" in err and len(logged(log)) == n


def test_a_deleted_record_is_found_and_nothing_is_resent(tmp_path, run):
    reg, out, gw, log = _sent_office(tmp_path, run)
    (reg / "reminders.jsonl").unlink()
    rc, _, err = run("-r", str(reg), "-o", str(out), "check")
    assert rc == 2 and "reminders.jsonl 不见了" in err and "ledger.jsonl:1" in err and "git checkout" in err
    marker = [json.loads(x) for x in (reg / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["act"], r["date"]) for r in marker] == [("reminders", "2026-11-17")]
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 2 and "不见了" in err and len(logged(log)) == 4  # nobody texted again
    assert not (reg / "reminders.jsonl").exists()
    (reg / "reminders.jsonl").write_text("", encoding="utf-8")  # an empty file is no better
    rc, _, err = run("-r", str(reg), "-o", str(out), "check")
    assert rc == 2 and "是空的" in err


# ---------------------------------------------------------------- the command and the gateway

@pytest.mark.parametrize("cmd, words", [("sms-send 'unbalanced", "引号不成对"), ("", "--send-cmd 是空的"),
                                        ("/no/such/sms-send", "找不到发送命令")])
def test_an_unusable_send_command_is_refused_before_anything(tmp_path, run, cmd, words):
    reg, out = small(tmp_path), tmp_path / "o"
    rc, stdout, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", cmd)
    assert rc == 2 and words in err and err.startswith("错误：") and "Traceback" not in err
    assert not (reg / "reminders.jsonl").exists() and not out.exists()


def test_remind_exits_1_when_no_message_went_out(tmp_path, run):
    reg, out = small(tmp_path), tmp_path / "o"
    gw, log = gateway(tmp_path, fail=[PHONE_A, PHONE_B])
    rc, stdout, err = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 1 and "2条短信一条也没有发出" in err and "2条发送失败" in stdout
    assert [r["status"] for r in outbox(out, "2026-11-17")] == ["发送失败", "发送失败"]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie is dead, only not yet reaped
    except FileNotFoundError:
        return True


def test_a_hanging_gateway_is_killed_with_its_children(tmp_path):
    reg, out = small(tmp_path, "sms:\n  timeout: 1\n"), tmp_path / "o"
    pids = tmp_path / "pids"
    gw = tmp_path / "hang"
    gw.write_text(f"#!/bin/sh\nsleep 1000 &\necho $! >> {pids}\necho $$ >> {pids}\nsleep 1000\n", encoding="utf-8")
    gw.chmod(0o755)
    t0 = time.monotonic()
    p = subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd",
                                   str(gw)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        stdout, stderr = p.communicate(timeout=60)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    took = time.monotonic() - t0
    assert p.returncode == 1, stderr  # two due, none went out
    assert took < 20
    started = [int(x) for x in pids.read_text().split()]
    assert len(started) == 4  # a child and the script, for each of the two messages
    time.sleep(0.2)
    assert [pid for pid in started if not _gone(pid)] == []
    rows = outbox(out, "2026-11-17")
    assert [r["status"] for r in rows] == ["状态不明", "状态不明"] and "超过1秒没有返回" in rows[0]["error"]


def test_an_unknown_message_waits_for_a_deliberate_resend(tmp_path, run):
    reg, out = small(tmp_path, "sms:\n  timeout: 1\n"), tmp_path / "o"
    slow, slow_log = gateway(tmp_path, "slow", sleep=3, fail=[PHONE_B])  # logs (1/2), then outlasts the timeout
    rc, stdout, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(slow))
    assert rc == 1 and logged(slow_log) == [(PHONE_A, A_PARTS[0])]
    mid = outbox(out, "2026-11-17")[0]["id"]
    assert mid.startswith(f"20261117-{PHONE_A}-") and "1条短信状态不明" in stdout and mid in stdout
    gw, log = gateway(tmp_path)
    rc, stdout, _ = run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-11-17", "--send-cmd", str(gw))
    assert rc == 0 and [ph for ph, _ in logged(log)] == [PHONE_B, PHONE_B]  # 经济发展部 is not texted again
    assert "1条短信状态不明" in stdout and mid in stdout
    rc, stdout, _ = run("-r", str(reg), "-o", str(out), "remind", "--resend", mid, "--send-cmd", str(gw))
    assert rc == 0 and logged(log)[2:] == [(PHONE_A, A_PARTS[0]), (PHONE_A, A_PARTS[1])]
    assert [r["status"] for r in outbox(out, "2026-11-17")] == ["已发送", "已发送"]
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--resend", mid, "--send-cmd", str(gw))
    assert rc == 2 and "已发送" in err and "不再重发" in err and len(logged(log)) == 4
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--resend", f"20261117-{PHONE_A}-00000000",
                     "--send-cmd", str(gw))
    assert rc == 2 and "没有编号为" in err
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--resend", "abc", "--send-cmd", str(gw))
    assert rc == 2 and "不是短信编号" in err
    rc, _, err = run("-r", str(reg), "-o", str(out), "remind", "--resend", mid)
    assert rc == 2 and "须同时给出 --send-cmd" in err


@pytest.mark.parametrize("value", ["abc", "0", "601", "true"])
def test_a_bad_sms_timeout_names_its_line(tmp_path, run, value):
    reg = small(tmp_path, f"sms:\n  signature: 【专班】\n  timeout: {value}\n")
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "check")
    line = MINI_SETTINGS.count("\n") + 3
    assert rc == 2 and f"settings.yaml:{line}: timeout: 短信网关的超时应为1到600之间的秒数" in err


def test_any_damage_to_the_record_is_reported_never_a_crash(tmp_path_factory):
    """Whatever happens to reminders.jsonl's bytes, reading it gives the record or diagnostics with a line."""
    from hypothesis import given, settings, strategies as st

    from docgen.core.diagnostics import InputErrors
    from docgen.outputs.remind import parse

    tmp = tmp_path_factory.mktemp("fuzz")
    reg = small(tmp)
    gw, _ = gateway(tmp)
    assert docgen(reg, tmp / "o", "remind", "--on", "2026-11-17", "--send-cmd", str(gw)).returncode == 0
    good = (reg / "reminders.jsonl").read_bytes()
    assert len(parse(good, "reminders.jsonl").messages) == 2

    @settings(max_examples=300, deadline=None)
    @given(st.integers(0, len(good) - 1), st.integers(0, 255), st.booleans())
    def damaged(at, byte, cut):
        data = good[:at] if cut else good[:at] + bytes([byte]) + good[at + 1:]
        try:
            rec = parse(data, "reminders.jsonl")
        except InputErrors as e:
            assert e.diagnostics and all(d.file == "reminders.jsonl" and d.line >= 1 for d in e.diagnostics)
            return
        # accepted only: no change; a cut at a line's end (whole last lines removed: the chain cannot see that); or an
        # edit inside the last line that leaves it a valid record (its `at`, say: no later line hashes it)
        last = good.rstrip(b"\n").rfind(b"\n") + 1
        assert data == good or (cut and (data == b"" or data.endswith(b"\n"))) or (not cut and at >= last), (at, byte)
        assert len(rec.messages) <= 2

    damaged()
