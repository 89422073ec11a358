"""`docgen build`, the day's one command, as a function: check → issue each slip kind → the bulletin when
settings.yaml's bulletin.auto asks → the SMS outbox → the xlsx ledger → the board, and a summary of it all.

The command line loads the registers, calls build() and prints the report's lines; the report's errors are the
failures it raises once everything else was done."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from .core.diagnostics import DocgenError
from .core.paths import Paths
from .registers.calendar import WorkCalendar, cn_date
from .registers.model import Registers
from .view import numbers_text


@dataclass
class BuildReport:
    """What a build did, as the clerk reads it: `lines` in order, and the failures still to put right."""

    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def error_text(self) -> str:
        return "\n".join(self.errors) + "\n已编号的单据已记入账本；排除上述问题后再次运行 docgen build 即补齐"


def build(paths: Paths, reg: Registers, cal: WorkCalendar, as_of: dt.date, workers: int | None = None,
          warnings: list | tuple = (), notify: Callable[[str], None] | None = None) -> BuildReport:
    """One day's run. warnings: those the registers' checks found (listed last); notify: where the SMS step reports
    as it goes. Raises DocgenError before anything is issued when reminders.jsonl or a template is damaged."""
    from .documents import templates as T
    from .engine.figures import last_ended
    from .engine.status import BLUE, RED
    from .kinds import KINDS, slip_kinds
    from .outputs import remind as R
    from .outputs import site as W
    from .outputs.daily import day
    from .outputs.ledger_xlsx import write as write_xlsx
    from .record.ledger import read
    from .documents.bulletin import view_words
    from .issuing.bulletin import issue_bulletin
    from .issuing.slips import issue
    from .view import duplex_text

    R.verify(paths.registers)  # a damaged or missing reminders.jsonl stops the run before anything is issued
    problems = T.check(paths.registers)
    if problems:
        raise DocgenError("模板有误，未出具任何单据：\n" + "\n".join(problems))
    lines, errors, batches = [], [], []
    for kind in (k.id for k in slip_kinds()):
        report = issue(reg, cal, kind, as_of, paths, workers=workers)
        if report.new:
            units: dict[str, list[str]] = {}
            for s in report.new:
                units.setdefault(reg.item(s.item).lead, []).append(s.number)
            lines.append(report.lines()[0] + "；" + "；".join(f"{u}：{numbers_text(n)}" for u, n in units.items()))
        lines += report.lines()[1:]
        errors += report.errors
        errors += [f"{KINDS[kind].name}未出具：{r}" for r in report.refused]
        if report.batch:
            batches.append(report.batch)
    if reg.settings.bulletin_auto:
        period = last_ended(reg.settings.bulletin_auto, as_of)
        if read(paths.registers).find("bulletin", period.key) is None:
            slip, view, path, errs = issue_bulletin(reg, cal, period, as_of, paths)
            lines.append(f"出具《{view_words(view)[0]}》{slip.number}（{period.label}）：{path.with_suffix('.pdf')}")
            errors += errs
    d = day(reg, cal, as_of)
    sms = R.remind(d, paths.output, None, notify=notify)
    xlsx = write_xlsx(d, paths.output / "台账.xlsx")
    dest = W.dest_for(paths.output, None)
    W.build(d, dest, archive_root=paths.archive)

    red = sum(u.count(RED) for u in d.warned)
    blue = sum(u.count(BLUE) for u in d.warned)
    out = [f"{cn_date(as_of)} docgen build"] + (lines or ["今天没有需要出具的单据"])
    out.append(f"预警：红色{red}项（逾期），蓝色{blue}项（临期）；详见 docgen warn")
    if batches:
        how = duplex_text(reg.settings.printing.duplex)
        out.append("请打印：" + "；".join(f"{b}（各单位的 PDF 和签收登记表，{how}）" for b in batches))
    out.append(f"短信发件箱：{sms.files[0]}（{len(sms.due)}条；发送：docgen remind --send-cmd 命令）")
    if sms.unknown:
        out.append(f"短信：{len(sms.unknown)}条状态不明，可能已经发出，不会自动重发；详见 docgen remind")
    out.append(f"台账：{xlsx}；看板：{dest / 'index.html'}")
    out += [f"警告：{w}" for w in warnings]
    return BuildReport(out, errors)
