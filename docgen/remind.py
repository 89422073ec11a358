"""短信提醒: one message a day to each unit's contact, listing that unit's warned items; an outbox the office can
send from, or a command of its own (its SMS gateway's client) that docgen runs for each message. docgen has no
network code.

What was sent is a recorded fact, kept beside the ledger in registers/reminders.jsonl (append-only, under a lock,
each line written whole and fsynced): the same item never goes to the same phone twice on one day, a contact gets
at most one message a day, and a message that failed (or was only queued) is sent on the next run.
"""
from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .calendar import cn_date
from .daily import Day
from .diagnostics import DocgenError
from .engine.warnings import UNSIGNED
from .files import write_if_changed
from .view import short_title, warned_text

SMS = 70  # characters in one SMS
PART = 67  # characters in each part of a long SMS, its (1/2) mark included
SENT, FAILED, QUEUED = "已发送", "发送失败", "待发送"


def record_path(reg) -> Path:
    return Path(reg.root) / "reminders.jsonl"


@dataclass
class Message:
    phone: str
    unit: str
    contact: str
    items: list[str]  # item ids
    text: str
    parts: list[str] = field(default_factory=list)
    status: str = QUEUED
    error: str = ""


def split(text: str) -> list[str]:
    """A text over 70 characters as parts of at most 67, each marked (1/N)."""
    if len(text) <= SMS:
        return [text]
    n = 1
    while True:
        mark = len(f"({n}/{n})")
        size = PART - mark
        chunks = [text[i:i + size] for i in range(0, len(text), size)]
        if len(chunks) <= n:
            return [f"({i}/{len(chunks)}){c}" for i, c in enumerate(chunks, 1)]
        n = len(chunks)


def compose(signature: str, contact: str, unit: str, lines: list[str]) -> str:
    body = "；".join(f"{i}.{ln}" for i, ln in enumerate(lines, 1))
    return f"{signature}{contact}您好，{unit}的督办提醒：{body}。请抓紧办理，按时反馈。"



def _line(w) -> str:
    if w.level == UNSIGNED:
        return f"{w.slip}回执未签收"
    return f"{w.slip or ''}{short_title(w.status.item.text, 10)}（{warned_text(w)}）"


def read_records(reg) -> list[dict]:
    p = record_path(reg)
    if not p.exists():
        return []
    out = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            raise DocgenError(f"{p}:{n}: 短信记录这一行无法读取（被手工修改或截断？）") from None
    return out


def plan(d: Day) -> tuple[list[Message], list[str]]:
    """Today's messages (one per contact, with the items not yet sent to that phone today), and the units that
    cannot be reminded (no mobile number)."""
    reg, today = d.reg, d.as_of.isoformat()
    sent_today = [r for r in read_records(reg) if r["date"] == today and r["status"] == SENT]
    done_phones = {r["phone"] for r in sent_today}
    signature = reg.settings.sms_signature or f"【{reg.settings.office}】"
    msgs, missing = [], []
    for u in d.warned:
        unit = reg.units.get(u.unit)
        if unit is None or not unit.mobile:
            missing.append(u.unit)
            continue
        if unit.mobile in done_phones:
            continue  # at most one message a day; today's went out
        entries = [w for w in u.entries]
        items = list(dict.fromkeys(w.status.item.id for w in entries))
        lines = [_line(w) for w in entries]
        text = compose(signature, unit.contact, u.unit, lines)
        msgs.append(Message(unit.mobile, u.unit, unit.contact, items, text, split(text)))
    return msgs, missing


def _append(reg, records: list[dict]) -> None:
    p = record_path(reg)
    with open(p.with_name(".reminders.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode()
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


def send(msgs: list[Message], cmd: str) -> None:
    """Run the office's command for each part: phone and text as arguments, the message as JSON on stdin."""
    argv = shlex.split(cmd)
    for m in msgs:
        for i, part in enumerate(m.parts, 1):
            payload = json.dumps({"phone": m.phone, "text": part, "unit": m.unit, "part": i, "parts": len(m.parts)},
                                 ensure_ascii=False)
            try:
                p = subprocess.run(argv + [m.phone, part], input=payload, capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                m.status, m.error = FAILED, str(e)
                break
            if p.returncode != 0:
                m.status, m.error = FAILED, (p.stderr.strip() or f"退出码 {p.returncode}")[:200]
                break
        else:
            m.status = SENT


def outbox(out: Path, d: Day, msgs: list[Message]) -> tuple[Path, Path]:
    """output/outbox/DATE.csv and .jsonl: today's messages, with what became of each."""
    from .xlsx import FORMULA_START

    folder = out / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"phone": m.phone, "unit": m.unit, "contact": m.contact, "message": m.text, "parts": len(m.parts),
             "items": "、".join(m.items), "status": m.status, "error": m.error} for m in msgs]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["手机号", "单位", "联系人", "短信内容", "条数", "事项", "状态", "说明"])
    for r in rows:
        # a spreadsheet opening the CSV must not take a cell for a formula
        w.writerow(["'" + v if isinstance(v, str) and v.lstrip().startswith(FORMULA_START) else v for v in r.values()])
    base = folder / d.as_of.isoformat()
    write_if_changed(base.with_suffix(".csv"), ("\ufeff" + buf.getvalue()).encode("utf-8"))
    write_if_changed(base.with_suffix(".jsonl"),
                     "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
    return base.with_suffix(".csv"), base.with_suffix(".jsonl")


def remind(d: Day, out: Path, send_cmd: str | None) -> tuple[list[Message], list[str], tuple[Path, Path]]:
    msgs, missing = plan(d)
    if send_cmd and msgs:
        send(msgs, send_cmd)
    if send_cmd:
        _append(d.reg, [{"date": d.as_of.isoformat(), "phone": m.phone, "unit": m.unit, "items": m.items,
                         "parts": len(m.parts), "status": m.status, "error": m.error} for m in msgs])
    files = outbox(out, d, msgs)
    return msgs, missing, files


def summary(d: Day, msgs: list[Message], missing: list[str], files, sending: bool) -> list[str]:
    out = [f"{cn_date(d.as_of)}短信提醒：{len(msgs)}条（{sum(len(m.parts) for m in msgs)}段）"]
    for m in msgs:
        out.append(f"  {m.unit}　{m.contact}　{m.phone}　{len(m.items)}项　{m.status}" + (f"（{m.error}）" if m.error else ""))
    if missing:
        out.append("以下单位没有登记手机号，未发送（请在 units.yaml 中补充 mobile）：" + "、".join(missing))
    if not sending and msgs:
        out.append("尚未发送：用 --send-cmd 指定短信网关的发送命令，或把发件箱交给短信平台")
    failed = [m for m in msgs if m.status == FAILED]
    if failed:
        out.append(f"{len(failed)}条发送失败，已记录，下次运行 docgen remind 时重发")
    out.append(f"发件箱：{files[0]}")
    return out
