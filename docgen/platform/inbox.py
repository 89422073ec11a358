"""What the units send (报送) and what the clerk decides: inbox.jsonl beside the registers, append-only
(journal.py: numbered, hash-chained, fsynced before the server answers 201).

    {"act": "report", "id": 7, "item", "type", "date", "note", "until", "slip", "by", "unit", "account", "at",
     "from", "attachment": {"sha256", "type", "size", "name"} | null}
    {"act": "accept", "id": 7, "by", "at", "file"}      the clerk took it into the registers
    {"act": "reject", "id": 7, "by", "at", "reason"}    退回: returned to the unit with the reason

Nothing a unit sends changes the registers until the clerk accepts it: `accept` appends the progress entry, dated
the day the unit sent it (an extension request's date decides whether it came before the due date), to
progress/online-<year>.yaml as text, so the clerk's comments and layout stay; the registers are read again with
the new line and the entry is refused (nothing written) when they would not pass `docgen check`.

Attachments (PDF, JPG, PNG; at most 10 MB) are told by their first bytes, never by the name or the type the
browser gave, and kept write-once by their SHA-256 in the archive: <archive>/inbox/ab/cd/<sha256>.pdf."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import atomic_write_text, fsync_dir
from .journal import Journal

FILE = "inbox.jsonl"
TYPES = ("签收", "反馈", "办结", "延期申请")
LEAD_ONLY = ("办结", "延期申请")  # what only the lead unit reports; co-units sign for and give feedback
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_NOTE = 2000  # the registers' MAX_TEXT
MAGIC = {"application/pdf": (b"%PDF-", ".pdf"), "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
         "image/jpeg": (b"\xff\xd8\xff", ".jpg")}
PENDING, ACCEPTED, REJECTED = "待审核", "已采纳", "退回"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\u202a-\u202e\u2066-\u2069]")
HEADER = ("# 平台报送：各单位在督办事项网络平台上报送、办事员用 docgen inbox accept 采纳的进展记录。\n"
          "# docgen 在末尾追加条目（每条注明报送号）；可以加注释，请勿删改已有条目。\n"
          "progress:\n")


class ReportError(DocgenError):
    """A report the server refuses: HTTP status, the field, a Chinese message for the unit."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field = status, field


@dataclass(frozen=True)
class Report:
    id: int
    record: dict
    status: str  # 待审核 | 已采纳 | 退回
    decision: dict | None

    @property
    def item(self) -> str:
        return self.record["item"]


def journal(registers: Path) -> Journal:
    return Journal(Path(registers) / FILE, "报送记录")


def ref(registers: Path, rec: dict) -> list:
    """[line number, hash of the line] of a record just written, for the audit record (platform.check): the
    hash of its own encoding, whatever another process has appended since."""
    from .journal import record_hash

    return [rec["n"], record_hash(rec)]


def reports(records: list[dict]) -> list[Report]:
    decided = {r["id"]: r for r in records if r.get("act") in ("accept", "reject")}
    out = []
    for r in records:
        if r.get("act") == "report":
            d = decided.get(r["id"])
            out.append(Report(r["id"], r, PENDING if d is None else ACCEPTED if d["act"] == "accept" else REJECTED, d))
    return out


def clean_text(value, field: str, what: str, required: bool = False, limit: int = MAX_NOTE) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReportError(400, field, f"{what}（{field}）应为文字")
    from ..registers.load import unprintable

    value = value.strip()
    if required and not value:
        raise ReportError(400, field, f"请填写{what}（{field}）")
    if len(value) > limit:
        raise ReportError(400, field, f"{what}（{field}）不能超过{limit}个字")
    why = unprintable(value)  # what the registers refuse in any text (load.py): refused now, not when accepted
    if why:
        raise ReportError(400, field, f"{what}（{field}）{why}")
    return value


def validate(fields: dict, *, role_lead: bool, due: dt.date | None, slips: list[str], today: dt.date) -> dict:
    """The fields of a report as they will be kept, or ReportError naming the field (Chinese)."""
    typ = fields.get("type")
    if typ not in TYPES:
        raise ReportError(400, "type", f"报送类型（type）应为{'、'.join(TYPES)}之一")
    if typ in LEAD_ONLY and not role_lead:
        raise ReportError(403, "type", f"{typ}由牵头单位报送；配合单位可以签收和反馈")
    note = clean_text(fields.get("note"), "note", "延期原因" if typ == "延期申请" else "说明",
                      required=typ in ("反馈", "延期申请"))
    out = {"type": typ, "note": note, "until": "", "slip": "", "by": "", "date": today.isoformat()}
    if typ == "签收":
        slip = clean_text(fields.get("slip"), "slip", "签收的单据编号", required=True, limit=40)
        if slip not in slips:
            raise ReportError(400, "slip", f"「{slip}」不是这个事项已出具的单据" + (
                f"（可签收：{'、'.join(slips)}）" if slips else "（这个事项还没有出具单据）"))
        out["slip"] = slip
        out["by"] = clean_text(fields.get("by"), "by", "签收人", required=True, limit=40)
    if typ == "延期申请":
        raw = clean_text(fields.get("until"), "until", "申请延至的日期", required=True, limit=10)
        try:
            until = dt.date.fromisoformat(raw)
        except ValueError:
            raise ReportError(400, "until", f"申请延至的日期（until）「{raw}」不是有效日期，请写成 YYYY-MM-DD")
        if until <= today or (due is not None and until <= due):
            raise ReportError(400, "until", f"申请延至的日期 {until.isoformat()} 应晚于今天和现在的办结时限"
                                            + (f" {due.isoformat()}" if due else ""))
        out["until"] = until.isoformat()
    return out


def sniff(data: bytes, declared: str) -> str:
    """The attachment's type by its first bytes; ReportError (413, 415) when too big, not PDF/JPG/PNG, or labelled
    as another of them than it is."""
    if len(data) > MAX_ATTACHMENT:
        raise ReportError(413, "attachment", "附件不能超过 10 MB")
    found = next((t for t, (magic, _) in MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        raise ReportError(415, "attachment", "附件只能是 PDF、JPG 或 PNG 文件（按文件内容判断）")
    declared = (declared or "").split(";")[0].strip().lower()
    if declared == "image/jpg":
        declared = "image/jpeg"
    if declared not in ("", "application/octet-stream", found):
        raise ReportError(415, "attachment", f"附件的内容是 {found}，与标明的类型 {declared} 不符")
    return found


MB = 1024 * 1024


def over_limit(records: list[dict], unit: str, day: str, size: int, limits) -> ReportError | None:
    """The refusal (429) when unit's reports of day, with this one (an attachment of size bytes), would pass the
    office's limits (settings.yaml `platform`: reports_per_day, attachments_mb_per_day; 0 is no limit), else None.
    Counted from the inbox itself, so a restart of the server forgets nothing."""
    sent = [r for r in records if r.get("act") == "report" and r.get("unit") == unit and r.get("date") == day]
    if limits.reports_per_day and len(sent) >= limits.reports_per_day:
        return ReportError(429, "", f"本单位今天已报送{len(sent)}条，每个单位每天至多报送{limits.reports_per_day}条，"
                                    "这次报送没有保存：请明天再报送，急需时请联系办事员。")
    if size and limits.attachments_mb_per_day:
        used = sum((r.get("attachment") or {}).get("size", 0) for r in sent)
        if used + size > limits.attachments_mb_per_day * MB:
            return ReportError(429, "attachment", f"本单位今天报送的附件已有{used / MB:.1f} MB，加上这个附件（{size / MB:.1f} MB）"
                                                  f"将超过每个单位每天{limits.attachments_mb_per_day} MB 的限额，"
                                                  "这次报送没有保存：请明天再报送，急需时请联系办事员。")
    return None


def disk_problem(archive: Path, size: int, min_free_mb: int) -> ReportError | None:
    """The refusal (507) when storing size bytes would leave the archive's filesystem less than min_free_mb free
    (0: no floor), else None."""
    import shutil

    if not min_free_mb:
        return None
    where = Path(archive)
    while not where.exists() and where.parent != where:  # the archive (or its inbox folder) not made yet
        where = where.parent
    free = shutil.disk_usage(where).free
    if free - size < min_free_mb * MB:
        return ReportError(507, "attachment", f"平台的存储空间不足（归档所在磁盘的可用空间将少于 {min_free_mb} MB），"
                                              "暂不能接收附件，这次报送没有保存：请告知办事员。")
    return None


def attachment_path(archive: Path, sha: str, typ: str) -> Path:
    from ..record.archive import INBOX

    return Path(archive) / INBOX / sha[:2] / sha[2:4] / f"{sha}{MAGIC[typ][1]}"


def store_attachment(archive: Path, data: bytes, typ: str) -> str:
    """Write once, by hash, read-only; the same content sent twice is one file. Returns the SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    dst = attachment_path(archive, sha, typ)
    if dst.is_file():
        return sha
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{sha}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, dst)  # never replaces: a second writer of the same content finds it there
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(dst.parent)
    return sha


def _q(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def entry_text(r: dict, clerk: str, on: dt.date) -> str:
    """The progress entry of report r as one YAML line (flow mapping, JSON-quoted strings) and its comment."""
    parts = [f"item: {_q(r['item'])}", f"date: {r['date']}", f"type: {r['type']}"]
    if r["type"] == "签收":
        parts += [f"slip: {_q(r['slip'])}", f"by: {_q(r['by'])}"]
    if r["type"] == "延期申请":
        parts += [f"until: {r['until']}", f"reason: {_q(r['note'])}"]
    elif r["note"]:
        parts.append(f"note: {_q(r['note'])}")
    who = _CONTROL.sub("", clerk).replace("\n", " ")
    att = r.get("attachment")
    where = (f"；附件在归档的 inbox/{att['sha256'][:2]}/{att['sha256'][2:4]}/{att['sha256']}{MAGIC[att['type']][1]}"
             if att else "")
    return (f"  - {{{', '.join(parts)}}}\n"
            f"    {marker(r['id'])}{_CONTROL.sub('', r['unit'])}于{r['date']}报送（{r['at']}），{who}于{on.isoformat()}采纳"
            f"{where}\n")


def marker(n: int) -> str:
    return f"# 平台报送第{n}号："


def written(text: str, n: int) -> bool:
    """Whether report n's entry is in the file's text already: its comment on a line of its own, where
    entry_text puts it. A unit's note may contain the same words, but inside the entry's quoted string, on the
    entry's line (a note never holds a line break), so it is never taken for the comment."""
    return re.search(r"^[ \t]*" + re.escape(marker(n)), text, re.MULTILINE) is not None


def find(records: list[dict], n: int) -> Report:
    rep = next((r for r in reports(records) if r.id == n), None)
    if rep is None:
        raise DocgenError(f"没有第{n}号报送：docgen inbox 列出待审核的报送")
    if rep.status != PENDING:
        raise DocgenError(f"第{n}号报送已{'采纳' if rep.status == ACCEPTED else '退回'}，不能再审核")
    return rep


def accept(registers: Path, n: int, clerk: str, now: dt.datetime) -> tuple[dict, Path]:
    """Append report n's progress entry to progress/online-<year>.yaml and record the decision. The registers
    are read again with the new line first: nothing is written when they would not pass `docgen check`."""
    from ..engine.checks import calendar_checks
    from ..registers.calendar import WorkCalendar
    from ..registers.load import _display, _read_files, parse_registers

    registers = Path(registers)
    out: dict = {}

    def make(records):
        rep = find(records, n)
        r = rep.record
        rel = f"progress/online-{r['date'][:4]}.yaml"
        target = registers / rel
        old = target.read_text(encoding="utf-8") if target.exists() else HEADER
        if not written(old, n):  # a run killed after writing the entry wrote it already
            new = old + ("" if old.endswith("\n") else "\n") + entry_text(r, clerk, now.date())
            files, problems = _read_files(registers)
            files[rel] = new
            reg, diags = parse_registers(files, _display(registers))
            if not problems and not diags:
                diags = calendar_checks(reg, WorkCalendar(reg.calendar_files))[0]
            if problems or diags:
                raise DocgenError(f"采纳第{n}号报送后台账将有误，未写入：\n"
                                  + "\n".join(str(d) for d in problems + list(diags)))
            line = new.count("\n", 0, len(new) - len(entry_text(r, clerk, now.date()))) + 1
            if not any(e.src.file.endswith(rel) and e.src.line == line for e in reg.events):
                raise DocgenError(f"{target} 的末尾不是 progress 列表，追加的条目不会作为进展记录读取，未写入："
                                  "请把 progress: 列表放在这个文件的最后")
            atomic_write_text(target, new)
            fsync_dir(target.parent)
        out["file"] = target
        return {"act": "accept", "id": n, "by": clerk, "at": now.isoformat(timespec="seconds"), "file": rel}

    rec = journal(registers).append(make)
    return rec, out["file"]


def reject(registers: Path, n: int, clerk: str, reason: str, now: dt.datetime) -> dict:
    reason = reason.strip()
    if not reason or _CONTROL.search(reason):
        raise DocgenError("请用 --reason 写明退回的原因（不含控制字符），单位会看到它")

    def make(records):
        find(records, n)
        return {"act": "reject", "id": n, "by": clerk, "at": now.isoformat(timespec="seconds"), "reason": reason}

    return journal(registers).append(make)
