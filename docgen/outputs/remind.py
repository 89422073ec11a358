"""短信提醒: one message a day to each unit's contact, listing that unit's warned items; an outbox the office can
send from, or a command of its own (its SMS gateway's client) that docgen runs for each part of a message. docgen
has no network code.

A reminder is sent at most once. What was sent is a recorded fact, kept beside the ledger in
registers/reminders.jsonl: one JSON line a record, appended with one write and fsynced, hash-chained like the ledger
(`n`, `prev`; docgen/record/ledger.py's encoding), so an edited, removed or reordered line is named with its line. Each
message has a stable id (date, phone, hash of its text). A run holds an exclusive lock (.reminders.lock) from the
plan to the last record, so two runs never both send. For each message it records an intent (发送中) before calling
the gateway and the outcome (已发送 / 发送失败 / 状态不明) after. A message with an intent and no outcome (the run was
killed) or whose gateway timed out is 状态不明: possibly sent, so never sent again by itself and its phone gets nothing
more that day; `docgen remind --resend ID` sends it deliberately. A message that failed is retried on the next run,
from its first part the gateway did not confirm.

The first record also leaves a marker (act `reminders`) in the ledger: a reminders.jsonl deleted afterwards is
found, and docgen refuses to run rather than remind everyone again.

The day's outbox (output/outbox/DATE.csv, .jsonl) is derived from the record and the plan: every message recorded
that day with its status, then the messages still to send; it never loses a row.
"""
from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

from filelock import FileLock, Timeout

from ..registers.calendar import cn_date
from .daily import Day
from ..core.diagnostics import Diagnostic, DocgenError, InputErrors
from ..engine.warnings import UNSIGNED
from ..core.files import fsync_dir, write_if_changed
from ..record.ledger import GENESIS, LEDGER, encode, line_hash
from ..view import bracket, short_title, warned_text

SMS = 70  # characters in one SMS
PART = 67  # characters in each part of a long SMS, its (1/2) mark included
SENT, FAILED, QUEUED, SENDING, UNKNOWN = "已发送", "发送失败", "待发送", "发送中", "状态不明"
RECORD, LOCK = "reminders.jsonl", ".reminders.lock"
FIELD = "短信记录"
LOCK_WAIT = 900.0  # seconds a run waits for another one to finish
KILL_GRACE = 5.0  # seconds to collect a killed gateway's pipes
_ID = re.compile(r"^(\d{8})-(\d{11})-([0-9a-f]{8})$")
# what the gateway's error text may not carry into the record, the outbox and the terminal: controls (\r, \n, U+0085 …),
# line and paragraph separators, bidirectional controls, invisible characters
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
                      "\ufff0-\ufffb\ud800-\udfff]")
ERROR_MAX = 200  # characters of the gateway's error text kept


def record_path(reg) -> Path:
    return Path(reg.root) / RECORD


@dataclass
class Message:
    id: str
    date: str  # ISO date
    phone: str
    unit: str
    contact: str
    items: list[str]  # item ids
    text: str
    parts: list[str] = field(default_factory=list)
    status: str = QUEUED
    error: str = ""
    done: int = 0  # parts the gateway confirmed
    line: int = 0  # its last line in reminders.jsonl


def message_id(date: str, phone: str, text: str) -> str:
    """Stable: the same message (date, phone, text) has the same id whenever the plan is computed."""
    return f"{date.replace('-', '')}-{phone}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def id_date(mid: str) -> dt.date:
    m = _ID.match(mid or "")
    if m:
        try:
            return dt.datetime.strptime(m[1], "%Y%m%d").date()
        except ValueError:
            pass
    raise DocgenError(f"「{mid}」不是短信编号（形如 20261120-13905381002-1a2b3c4d，见发件箱的“编号”列）")


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
    return bracket(f"{w.slip or ''}{short_title(w.status.item.text, 10)}", warned_text(w))


# ---------------------------------------------------------------- the record

_INT, _STR, _LIST, _BOOL = "int", "str", "list", "bool"
_COMMON = {"n": _INT, "prev": _STR, "at": _STR, "id": _STR, "date": _STR, "phone": _STR, "status": _STR}
INTENT = {**_COMMON, "unit": _STR, "contact": _STR, "items": _LIST, "text": _STR, "parts": _INT, "from": _INT}
OUTCOME = {**_COMMON, "error": _STR, "done": _INT}
LEGACY = {"date": _STR, "phone": _STR, "unit": _STR, "items": _LIST, "parts": _INT, "status": _STR, "error": _STR}


def _typed(v, t: str) -> bool:
    if t == _INT:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0
    return isinstance(v, {_STR: str, _LIST: list, _BOOL: bool}[t])


def _fields_wrong(r: dict, schema: dict, optional=()) -> list[str]:
    wrong = [k for k, t in schema.items() if k not in r or not _typed(r[k], t)]
    return wrong + [k for k in r if k not in schema and k not in optional]


def _iso(v: str) -> bool:
    try:
        return dt.date.fromisoformat(v).isoformat() == v
    except ValueError:
        return False


class Record:
    """registers/reminders.jsonl, validated: every message recorded, with its last status."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: list[str] = []
        self.messages: dict[str, Message] = {}  # id -> message, in the order first recorded
        self.marker: dict | None = None  # the ledger's `reminders` record

    @property
    def head(self) -> str:
        return line_hash(self.lines[-1]) if self.lines else GENESIS

    def on(self, date: str) -> list[Message]:
        return [m for m in self.messages.values() if m.date == date]

    def unknown(self, date: str | None = None) -> list[Message]:
        return [m for m in self.messages.values() if m.status in (SENDING, UNKNOWN) and date in (None, m.date)]

    def apply(self, r: dict, n: int) -> str | None:
        """Apply one chained record; returns why it is invalid, or None."""
        if r.get("status") == SENDING:
            wrong = _fields_wrong(r, INTENT, ("resend",))
            if "resend" in r and r["resend"] is not True:
                wrong.append("resend")
            if wrong:
                return f"发送记录的字段有误：{'、'.join(wrong)}"
            if not _iso(r["date"]):
                return f"日期「{r['date']}」无效"
            if r["id"] != message_id(r["date"], r["phone"], r["text"]):
                return f"编号「{r['id']}」与日期、手机号、短信内容不符（短信内容被修改？）"
            if r["parts"] != len(split(r["text"])) or not 1 <= r["from"] <= r["parts"]:
                return "段数与短信内容不符"
            m = self.messages.get(r["id"])
            if m is not None:
                if m.status == SENT:
                    return f"短信 {m.id} 已于第{m.line}行记为已发送，不能再次发送"
                if m.status in (SENDING, UNKNOWN) and not r.get("resend"):
                    return f"短信 {m.id} 状态不明（第{m.line}行），只能用 --resend 重发"
            else:
                m = Message(r["id"], r["date"], r["phone"], r["unit"], r["contact"], list(r["items"]), r["text"],
                            split(r["text"]))
                self.messages[m.id] = m
            m.status, m.error, m.done, m.line = SENDING, "", r["from"] - 1, n
            return None
        if r.get("status") in (SENT, FAILED, UNKNOWN):
            wrong = _fields_wrong(r, OUTCOME)
            if wrong:
                return f"发送结果记录的字段有误：{'、'.join(wrong)}"
            m = self.messages.get(r["id"])
            if m is None or m.status != SENDING:
                return f"短信「{r['id']}」没有与这条结果对应的发送记录"
            if (r["date"], r["phone"]) != (m.date, m.phone):
                return "日期或手机号与发送记录不符"
            if not m.done <= r["done"] <= len(m.parts) or (r["status"] == SENT) != (r["done"] == len(m.parts)):
                return "已发出的段数与发送结果不符"
            m.status, m.error, m.done, m.line = r["status"], r["error"], r["done"], n
            return None
        return f"未知的状态「{r.get('status')}」"

    def apply_legacy(self, r: dict, n: int) -> str | None:
        """A line written before records were chained (one line a message, after all its parts)."""
        wrong = _fields_wrong(r, LEGACY)
        if wrong:
            return f"旧版短信记录的字段有误：{'、'.join(wrong)}"
        if r["status"] not in (SENT, FAILED) or not _iso(r["date"]):
            return "旧版短信记录的状态或日期无效"
        mid = f"{r['date'].replace('-', '')}-{r['phone']}-L{n}"
        self.messages[mid] = Message(mid, r["date"], r["phone"], r["unit"], "", list(r["items"]), "", [""] * r["parts"],
                                     r["status"], r["error"], r["parts"] if r["status"] == SENT else 0, n)
        return None


def parse(data: bytes, file: str) -> Record:
    """Validate every line and replay them; InputErrors naming each bad line."""
    rec = Record(Path(file))
    errors: list[Diagnostic] = []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    else:
        errors.append(Diagnostic(file, len(parts), FIELD, "最后一行不完整（没有换行符）：短信记录被截断或被手工修改"))
    prev, chained = GENESIS, False
    for n, raw in enumerate(parts, 1):
        line = raw.decode("utf-8", "replace")
        try:
            r = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            r = None
        if not isinstance(r, dict):
            errors.append(Diagnostic(file, n, FIELD, "这一行不是有效的短信记录（不是一行 JSON）：被手工修改或损坏"))
        elif "n" not in r and not chained:
            why = rec.apply_legacy(r, n)
            if why:
                errors.append(Diagnostic(file, n, FIELD, why))
        else:
            chained = True
            if r.get("n") != n:
                errors.append(Diagnostic(file, n, FIELD, f"记录序号是 {r.get('n')}，应为 {n}：此前的记录被删除、插入或调换"))
            elif r.get("prev") != prev:
                errors.append(Diagnostic(file, n, FIELD, "前一条记录的哈希不符：前一条记录被修改、删除或调换"))
            why = rec.apply(r, n)
            if why:
                errors.append(Diagnostic(file, n, FIELD, why))
        prev = line_hash(line)
        rec.lines.append(line)
    if errors:
        raise InputErrors(errors)
    return rec


def verify(root: Path | str, ledger_state=None) -> Record:
    """reminders.jsonl read and verified, and its presence checked against the ledger's marker. Every command that
    writes calls this before writing anything."""
    from ..record.ledger import read

    root = Path(root)
    st = ledger_state if ledger_state is not None else read(root)
    p = root / RECORD
    rec = parse(p.read_bytes(), str(p)) if p.exists() else Record(p)
    rec.marker = st.reminders
    if rec.marker is not None and not rec.lines:
        raise DocgenError(
            f"短信发送记录 {p} {'是空的' if p.exists() else '不见了'}，但账本 {root / LEDGER}:{rec.marker['n']} 记下"
            f"自{rec.marker['date']}起已有发送记录。为免把短信重发一遍，docgen 不再运行，未写任何文件。\n"
            f"请从备份或版本管理中恢复这个文件（如在台账目录中运行 git checkout -- {RECORD}），然后再运行。")
    return rec


class Writer:
    """`with Writer(root) as w:` holds the reminders lock for the whole run; `w.record` is the verified record,
    `w.append()` writes one record: one line, one write, fsynced."""

    def __init__(self, root: Path | str, notify=None, wait: float = LOCK_WAIT,
                 clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self.root = Path(root)
        self.path = self.root / RECORD
        self.notify, self.wait, self.clock = notify, wait, clock
        self.record: Record | None = None
        self._lock = None

    def __enter__(self) -> "Writer":
        for p in (self.path, self.root / LOCK):
            if p.is_symlink():
                raise DocgenError(f"{p} 是符号链接：docgen 不通过链接写短信发送记录（写入会替换链接或写到别处）。请把它换成"
                                  "所指向的文件本身后再运行；未发送任何短信，未写任何文件")
        lock = FileLock(self.root / LOCK, poll_interval=0.05, preserve_lock_file=True, fallback_to_soft=False,
                        thread_local=False)
        try:
            try:
                lock.acquire(timeout=0)
            except Timeout:
                if self.notify:
                    self.notify(f"另一个 docgen 正在发送短信提醒（{self.root / LOCK}），等待它完成……")
                lock.acquire(timeout=self.wait)
        except Timeout:
            raise DocgenError(f"另一个 docgen 正在发送短信提醒，等待{self.wait:g}秒后仍未完成；未发送、未写任何文件，"
                              "请稍后再试") from None
        except OSError as e:
            raise unwritable(self.root / LOCK, e, "短信提醒的锁文件") from None
        self._lock = lock
        try:
            self.record = verify(self.root)
            if self.path.exists():  # proved writable before anything is sent (a new one: by its first record)
                try:
                    os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND))
                except OSError as e:
                    raise unwritable(self.path, e) from None
            if self.record.lines and self.record.marker is None:
                # records written before the marker (a run killed in between, or an old reminders.jsonl)
                first = json.loads(self.record.lines[0])
                self._mark({"date": first["date"], "id": first.get("id", "")})
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock:
            self._lock.release()
            self._lock = None

    def append(self, fields: dict, mark: bool = True) -> dict:
        rec = self.record
        n = len(rec.lines) + 1
        r = {"n": n, "prev": rec.head, "at": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"), **fields}
        line = encode(r)
        r = json.loads(line)  # exactly what a reader will see
        why = rec.apply(r, n)
        if why:
            raise DocgenError(f"{self.path}:{n}: 内部错误，短信记录未写入：{why}")
        data = (line + "\n").encode("utf-8")
        new = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                size = os.fstat(fd).st_size
                try:
                    if os.write(fd, data) != len(data):
                        raise OSError(errno.ENOSPC, "写入不完整（磁盘已满？）", str(self.path))
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, size)  # never leave half a line
                    os.fsync(fd)
                    raise
            finally:
                os.close(fd)
            if new:
                fsync_dir(self.root)
        except OSError as e:
            raise unwritable(self.path, e) from None
        rec.lines.append(line)
        if rec.marker is None and mark:
            self._mark(r)
        return r

    def _mark(self, r: dict) -> None:
        """After the first record is safely written: the ledger notes that reminders.jsonl holds records."""
        from ..record.ledger import Ledger

        with Ledger(self.root) as led:
            if led.state.reminders is None:
                led.add("reminders", date=r["date"], id=r["id"])
                led.commit()
            self.record.marker = led.state.reminders


def unwritable(path: Path, e: OSError, what: str = "短信发送记录") -> DocgenError:
    why = "磁盘已满" if e.errno == errno.ENOSPC else "文件系统只读" if e.errno == errno.EROFS else \
        "是文件夹" if e.errno == errno.EISDIR else (e.strerror or str(e))
    return DocgenError(f"无法写入{what} {path}（{why}）：这条及以后的短信都没有发送。短信须先记下再发送，"
                       "请检查台账目录的磁盘空间和权限后再运行")


# ---------------------------------------------------------------- plan, send, outbox

def compose_all(d: Day) -> tuple[list[Message], list[str]]:
    """A message for each warned unit with a mobile number, and the units without one."""
    reg, today = d.reg, d.as_of.isoformat()
    signature = reg.settings.sms_signature or f"【{reg.settings.office}】"
    msgs, missing = [], []
    for u in d.warned:
        unit = reg.units.get(u.unit)
        if unit is None or not unit.mobile:
            missing.append(u.unit)
            continue
        items = list(dict.fromkeys(w.status.item.id for w in u.entries))
        text = compose(signature, unit.contact, u.unit, [_line(w) for w in u.entries])
        msgs.append(Message(message_id(today, unit.mobile, text), today, unit.mobile, u.unit, unit.contact, items,
                            text, split(text)))
    return msgs, missing


def plan(d: Day, rec: Record) -> tuple[list[Message], list[str]]:
    """Today's messages still to send, and the units that cannot be reminded (no mobile number). A phone that has
    had a message today (sent, or possibly sent: 状态不明) gets no other; a message that failed is due again, from
    its first unconfirmed part."""
    msgs, missing = compose_all(d)
    blocked = {m.phone for m in rec.on(d.as_of.isoformat()) if m.status != FAILED}
    due = []
    for m in msgs:
        if m.phone in blocked:
            continue
        r = rec.messages.get(m.id)
        if r is not None:
            m.status, m.error, m.done = r.status, r.error, r.done
        due.append(m)
    return due, missing


def parse_send_cmd(cmd: str) -> list[str]:
    """--send-cmd as an argument vector, or DocgenError (exit 2) before anything is sent or recorded."""
    try:
        argv = shlex.split(cmd)
    except ValueError:
        raise DocgenError(f"--send-cmd「{cmd}」无法解析：引号不成对，或末尾多了反斜杠。命令和参数按 shell 的规则书写，"
                          "含空格的参数用引号括起；未发送任何短信") from None
    if not argv:
        raise DocgenError("--send-cmd 是空的：请写出短信网关的发送命令，如 --send-cmd /usr/local/bin/sms-send")
    if shutil.which(argv[0]) is None:
        raise DocgenError(f"找不到发送命令「{argv[0]}」（或它不可执行）；未发送任何短信")
    return argv


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def call_gateway(argv: list[str], phone: str, text: str, payload: str, timeout: float) -> tuple[str, str]:
    """One run of the office's command for one part: (已发送 | 发送失败 | 状态不明, why). The command runs in a
    session of its own; past the timeout its whole process group is killed and the part is 状态不明 (the gateway
    may have sent it)."""
    try:
        p = subprocess.Popen(argv + [phone, text], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return FAILED, f"无法运行发送命令：{e.strerror or e}"
    try:
        _, err = p.communicate(payload.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        exited = p.poll()
        _kill_group(p.pid)
        try:
            p.communicate(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:  # a child left the group and holds the pipe: stop listening
            for f in (p.stdin, p.stderr):
                if f:
                    f.close()
            p.wait()
        if exited is not None:  # it had answered; only something it left behind held the pipe
            return (SENT, "") if exited == 0 else (FAILED, f"退出码 {exited}")
        return UNKNOWN, f"短信网关超过{timeout:g}秒没有返回，已终止（短信可能已经发出）"
    if p.returncode != 0:
        return FAILED, gateway_error(err) or f"退出码 {p.returncode}"
    return SENT, ""


def gateway_error(err: bytes) -> str:
    """The gateway's stderr as one short line: every control, separator and invisible character a space, runs of
    spaces one, at most ERROR_MAX characters."""
    text = _CONTROL.sub(" ", err.decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", text).strip()[:ERROR_MAX]


def send_one(w: Writer, argv: list[str], m: Message, timeout: float, start: int | None = None,
             resend: bool = False) -> None:
    """Record the intent, run the gateway for each part from `start`, record the outcome."""
    start = m.done if start is None else start
    intent = {"id": m.id, "date": m.date, "phone": m.phone, "unit": m.unit, "contact": m.contact, "items": m.items,
              "text": m.text, "parts": len(m.parts), "from": start + 1, "status": SENDING}
    lines = len(w.record.lines)
    try:
        w.append({**intent, "resend": True} if resend else intent)
    except BaseException:
        if len(w.record.lines) > lines:  # the intent is written, what follows it (the ledger's marker) is not
            w.append({"id": m.id, "date": m.date, "phone": m.phone, "status": FAILED, "done": start,
                      "error": "未发送：账本中的短信记录标记未能写入"}, mark=False)
        raise  # the gateway is not called
    status, error, done = SENT, "", start
    for i in range(start, len(m.parts)):
        payload = json.dumps({"id": m.id, "phone": m.phone, "text": m.parts[i], "unit": m.unit, "part": i + 1,
                              "parts": len(m.parts)}, ensure_ascii=False)
        status, error = call_gateway(argv, m.phone, m.parts[i], payload, timeout)
        if status != SENT:
            break
        done += 1
    w.append({"id": m.id, "date": m.date, "phone": m.phone, "status": status, "error": error, "done": done})
    m.status, m.error, m.done = status, error, done


def _shown(m: Message) -> tuple[str, str]:
    """The status a clerk sees, and what to do."""
    if m.status in (SENDING, UNKNOWN):
        return UNKNOWN, (f"{m.error}；" if m.error else "发送时运行被中断；") + \
            f"可能已经发出：先向短信平台或收信人核实，确未收到的用 docgen remind --resend {m.id} 重发"
    if m.status == FAILED:
        return FAILED, (m.error or "") + ("；" if m.error else "") + "下次运行 docgen remind 时重发"
    return m.status, m.error


def outbox(out: Path, date: dt.date, rec: Record, pending: list[Message]) -> tuple[Path, Path]:
    """output/outbox/DATE.csv and .jsonl: every message recorded that day with what became of it, then the ones
    still to send. Derived from the record, so it never loses a row."""
    from ..core.xlsx import FORMULA_START

    folder = out / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    msgs = rec.on(date.isoformat()) + [m for m in pending if m.id not in rec.messages]
    rows = []
    for m in msgs:
        status, note = _shown(m)
        rows.append({"phone": m.phone, "unit": m.unit, "contact": m.contact, "message": m.text, "parts": len(m.parts),
                     "items": "、".join(m.items), "status": status, "error": note, "id": m.id})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["手机号", "单位", "联系人", "短信内容", "条数", "事项", "状态", "说明", "编号"])
    for r in rows:
        # a spreadsheet opening the CSV must not take a cell for a formula
        w.writerow(["'" + v if isinstance(v, str) and v.lstrip().startswith(FORMULA_START) else v for v in r.values()])
    base = folder / date.isoformat()
    write_if_changed(base.with_suffix(".csv"), ("\ufeff" + buf.getvalue()).encode("utf-8"))
    write_if_changed(base.with_suffix(".jsonl"),
                     "".join(encode(r) + "\n" for r in rows).encode("utf-8"))  # U+2028 … escaped: one line a row
    return base.with_suffix(".csv"), base.with_suffix(".jsonl")


@dataclass
class Result:
    date: dt.date
    due: list[Message]  # this run's messages: sent or tried with --send-cmd, else still to send
    missing: list[str]
    unknown: list[Message]  # the day's messages of unknown fate, from the record
    files: tuple[Path, Path]
    sending: bool

    @property
    def none_went_out(self) -> bool:
        return self.sending and bool(self.due) and not any(m.status == SENT for m in self.due)


def remind(d: Day, out: Path, argv: list[str] | None, notify=None) -> Result:
    """Plan, send (with argv) and record under the lock; write the day's outbox."""
    with Writer(d.reg.root, notify) as w:
        due, missing = plan(d, w.record)
        if argv is not None:
            for m in due:
                send_one(w, argv, m, d.reg.settings.sms_timeout)
        files = outbox(out, d.as_of, w.record, due)
        unknown = w.record.unknown(d.as_of.isoformat())
    return Result(d.as_of, due, missing, unknown, files, argv is not None)


def resend(d: Day, out: Path, argv: list[str], mid: str, notify=None) -> Result:
    """Send one recorded message again, deliberately: its text to its phone, recorded like any other send. Refused
    for an unknown id, a message already 已发送, or an old record without its text."""
    with Writer(d.reg.root, notify) as w:
        m = w.record.messages.get(mid)
        if m is None:
            raise DocgenError(f"{w.path} 中没有编号为「{mid}」的短信（编号见发件箱的“编号”列或 docgen remind 的输出）")
        if m.status == SENT:
            raise DocgenError(f"短信 {mid} 已发送（{w.path}:{m.line}），不再重发")
        if not m.text:
            raise DocgenError(f"短信 {mid} 是旧版记录，没有记下短信内容，不能重发")
        m = replace(m)
        send_one(w, argv, m, d.reg.settings.sms_timeout, start=0, resend=True)
        due, _ = plan(d, w.record)
        files = outbox(out, d.as_of, w.record, due)
        unknown = w.record.unknown(d.as_of.isoformat())
    return Result(d.as_of, [m], [], unknown, files, True)


def summary(res: Result) -> list[str]:
    msgs = res.due
    out = [f"{cn_date(res.date)}短信提醒：{len(msgs)}条（{sum(len(m.parts) for m in msgs)}段）"]
    for m in msgs:
        out.append(f"  {m.unit}　{m.contact}　{m.phone}　{len(m.items)}项　{_shown(m)[0]}　{m.id}"
                   + (f"（{m.error}）" if m.error else ""))
    if res.missing:
        out.append("以下单位没有登记手机号，未发送（请在 units.yaml 中补充 mobile）：" + "、".join(res.missing))
    if not res.sending and msgs:
        out.append("尚未发送：用 --send-cmd 指定短信网关的发送命令，或把发件箱交给短信平台")
    failed = [m for m in msgs if m.status == FAILED]
    if failed:
        out.append(f"{len(failed)}条发送失败，已记录，下次运行 docgen remind 时重发")
    if res.unknown:
        out.append(f"{len(res.unknown)}条短信状态不明（发送时运行被中断，或短信网关超时），可能已经发出，docgen 不会自动重发，"
                   "这些手机号今天也不再发其他短信：")
        for m in res.unknown:
            out.append(f"  {m.unit}　{m.contact}　{m.phone}　{m.id}" + (f"（{m.error}）" if m.error else ""))
        out.append("  请先向短信平台的发送记录或收信人核实：确未收到的，运行 docgen remind --resend 编号 --send-cmd 命令 重发；"
                   "已收到的无需处理")
    out.append(f"发件箱：{res.files[0]}")
    return out
