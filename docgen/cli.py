"""The docgen command line. Thin: it reads the clock and the files, calls the engine, prints or writes."""
from __future__ import annotations

import datetime as dt
import errno
import json
import re
import sys
from pathlib import Path

import click

from .registers.calendar import WorkCalendar, cn_date
from .core.diagnostics import DocgenError, InputErrors
from .engine.due import compute_due
from .engine.status import PENDING, STATES, status_all
from .registers import sources
from .registers.load import read_registers, read_rules_and_calendar, suggest
from .registers.rules import DEFAULT_DEADLINES
from .core.paths import Paths
from .core.textfmt import table
from .view import progress_text, state_text

CONTEXT = {"help_option_names": ["-h", "--help"]}
DRAFT_ONLY = "这只是草稿：未编号，账本中没有记录。去掉 --no-pdf 运行才正式出具"


class DateParam(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"「{value}」不是有效日期，请写成 YYYY-MM-DD，如 2026-09-30", param, ctx)


DATE = DateParam()


def _cn_help(opt):
    if opt is not None:
        opt.help = "显示帮助并退出"
    return opt


class CnCommand(click.Command):
    def get_help_option(self, ctx):
        return _cn_help(super().get_help_option(ctx))


class CnGroup(click.Group):
    command_class = CnCommand

    def get_help_option(self, ctx):
        return _cn_help(super().get_help_option(ctx))


CnGroup.group_class = CnGroup


class DocgenGroup(CnGroup):
    """The top-level group: its own commands, and a command for every slip kind in the registry (kinds.py), made
    when it is looked up, so a kind registered later has its command too."""

    def _kinds(self) -> dict:
        from .issuing import kinds as _declared  # noqa: F401 - every kind registered before settings are read
        from .kinds import slip_kinds

        return {k.command: k for k in slip_kinds() if k.command not in self.commands}

    def list_commands(self, ctx):
        return sorted([*self.commands, *self._kinds()])

    def get_command(self, ctx, name):
        kinds = self._kinds()
        found = super().get_command(ctx, name)
        if found is not None:
            return found
        kind = kinds.get(name)
        return _kind_command(kind) if kind is not None else None


class Ctx:
    def __init__(self, registers: str, output: str):
        self.registers = Path(registers)
        self.output = Path(output)
        self._reg = None  # the registers once loaded: their folder as shown, and settings.yaml's archive:
        self._paths: Paths | None = None

    @property
    def paths(self) -> Paths:
        """Every folder and file of this run (core/paths.py), built once: after load() when the settings name the
        archive. An archive at the old default (../archive) that holds this office's files is kept, said once."""
        if self._paths is None:
            from .record import archive as A
            from .record.ledger import MARK, read

            root = Path(self._reg.root) if self._reg is not None else self.registers
            setting = self._reg.settings.archive if self._reg is not None else None
            arch, kept = A.locate(root, setting, lambda: read(root))
            if kept and not (arch / MARK).exists():
                click.echo(f"说明：沿用台账目录旁的归档 {arch}（旧版的默认位置，其中是本台账的文件）；"
                           "新建的办公室默认使用台账目录内的 archive/，也可在 settings.yaml 的 archive: 指定", err=True)
            self._paths = Paths.of(root, self.output, arch)
        return self._paths

    def load(self, warnings: list | None = None, as_of: dt.date | None = None):
        """The registers, validated, and their calendar; InputErrors for any problem (warnings go to the list).
        as_of: the run's date (default today): the recurring work is derived through its year."""
        from .engine.checks import calendar_checks

        reg, diags = read_registers(self.registers, partial=True, as_of=as_of or dt.date.today())
        if diags:  # and what the calendar finds in every item that did read: all problems, in one run
            raise InputErrors(diags + (calendar_checks(reg, WorkCalendar(reg.calendar_files))[0] if reg else []))
        self._reg, self._paths = reg, None
        cal = WorkCalendar(reg.calendar_files)
        errors, warns = calendar_checks(reg, cal)
        if errors:
            raise InputErrors(errors)
        if warnings is not None:
            warnings.extend(warns)
        return reg, cal


@click.group(cls=DocgenGroup, context_settings=CONTEXT, help="docgen：督导工作专班的台账与公文引擎。\n\n"
             "读取台账（YAML），按规则文件（rules.yaml）在中国工作日历上计算办结时限，出具交办单、催办单、整改通知单和《督导通报》。")
@click.option("-r", "--registers", default="registers", show_default=True, metavar="目录", help="台账目录")
@click.option("-o", "--output", default="output", show_default=True, metavar="目录", help="生成文件的目录")
@click.version_option(package_name="docgen", message="docgen %(version)s", help="显示版本并退出")
@click.pass_context
def cli(ctx, registers, output):
    ctx.obj = Ctx(registers, output)


def _undrawable(reg) -> list[str]:
    """A warning for each item and progress entry whose text has a character no installed font draws."""
    from .documents.gbt9704 import FANGSONG, HEITI, KAITI, SONGTI, XIAOBIAOSONG
    from .documents.metrics import undrawable
    from .view import undrawable_text

    faces = (FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI)
    texts = [(i.src, f"{i.text}{i.source.describe()}") for i in reg.items if not i.source.derived]
    texts += [(ev.src, f"{ev.note}{ev.reason}") for ev in reg.events]
    return [undrawable_text(src, chars) for src, text in texts if (chars := undrawable(text, faces))]


@cli.command(help="检查台账：列出所有问题（文件:行: 字段: 说明）。有问题时退出码为 2。")
@click.pass_obj
def check(c: Ctx):
    warnings: list = []
    today = dt.date.today()
    reg, cal = c.load(warnings, today)
    from .issuing.slips import late_issued, stale
    from .record.ledger import read

    from .documents import templates as T
    from .engine.checks import mobile_warnings, receipt_checks

    st = read(c.paths.registers)  # the ledger too: raises InputErrors naming its lines
    from .outputs import remind as R

    R.verify(c.paths.registers, st)  # and reminders.jsonl: each line, its chain, and that it is there when the ledger says so
    found = []  # every problem of every kind, told together
    from .platform import check as platform_check

    try:
        platform_pending = platform_check(c.paths.registers, reg)  # inbox.jsonl, audit.jsonl and accounts.json
    except InputErrors as e:
        found += [str(d) for d in e.diagnostics]
        platform_pending = 0
    from .engine.checks import paper_checks
    from .issuing.transaction import snapshot

    paper = paper_checks(reg, st)  # the slips issued on paper against the ledger; then read as the next run adopts them
    found += [str(d) for d in paper]
    recorded = (len(st.records), len(st.slips), len(st.closes))
    if not paper:
        snapshot(reg, st)
    problems = stale(reg, cal, st)
    if problems:
        found.append("台账的更正会改变已出具的单据：\n" + "\n".join(problems))
    problems = T.check(c.paths.registers)
    if problems:
        found.append("模板有误（docgen templates check）：\n" + "\n".join(problems))
    wrong, unknown = receipt_checks(reg, st.slips)
    found += [str(w) for w in wrong]
    if found:
        raise DocgenError("\n".join(found))
    from .registers.scaffold import placeholders

    warnings += unknown + mobile_warnings(reg) + placeholders(reg.settings) + _undrawable(reg)
    for w in warnings:
        click.echo(f"警告：{w}")
    for w in late_issued(reg, cal, st):
        click.echo(f"警告：交办单出具偏晚 {w}")
    from .issuing import kinds as _declared  # noqa: F401 - the kinds' code registered (their resume)
    from .issuing.standalone import unfinished

    for w in unfinished(st):
        click.echo(f"警告：{w}")
    if platform_pending:
        click.echo(f"平台有{platform_pending}条报送待审核（docgen inbox）。")
    items = sum(1 for i in reg.items if not i.source.derived or i.assigned <= today)  # recurring: periods begun
    click.echo(f"台账检查通过：{len(reg.units)}个单位，{items}个事项，{len(reg.events)}条进展记录；"
               f"账本{recorded[0]}条记录，{recorded[1]}个编号，{recorded[2]}个已结算期间"
               + (f"；{len(st.slips) - recorded[1]}份纸质出具的单据将在下次出具时登记" if len(st.slips) > recorded[1]
                  else "") + "。")


@cli.command(help="计算办结时限并说明理由：规则、依据条款、跳过的非工作日和计入的调休上班日。\n\n"
             "docgen due 事项编号：说明一个事项的办结时限（规则、条款、假日、延期、核查不通过后的整改时限）；"
             "docgen due --rule 规则 --from 起算日：按规则计算。")
@click.argument("item_id", required=False, metavar="[事项编号]")
@click.option("--rule", "rule_id", type=click.Choice(list(DEFAULT_DEADLINES)), help="时限规则")
@click.option("--from", "start", type=DATE, help="起算日（会议日期或交办日期）")
@click.option("--until", "explicit", type=DATE, help="rule 为 explicit 时的明确时限")
@click.option("--on", "as_of", type=DATE, help="说明一个事项时：截至日期（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def due(c: Ctx, item_id, rule_id, start, explicit, as_of, as_json):
    if item_id:
        return _due_of_item(c, item_id, as_of or dt.date.today())
    if not rule_id or not start:
        raise DocgenError("请写事项编号（docgen due 2026-GW05-3），或同时写 --rule 和 --from")
    rules, files = read_rules_and_calendar(c.registers)
    cal = WorkCalendar(files)
    if rule_id == "explicit" and explicit is None:
        raise DocgenError("规则 explicit 需要用 --until 给出明确的办结时限")
    lo, hi = cal.known_span()
    if not lo <= start.year <= hi:
        raise DocgenError(f"起算日 {start.isoformat()} 不在工作日历已知的{lo}—{hi}年之内")
    from .engine.due import applies_to

    d = compute_due(rules.rule(rule_id), start, cal, rules.roll_forward, explicit)
    if as_json:
        click.echo(json.dumps({
            "rule": rule_id, "from": start.isoformat(), "due": d.due.isoformat(),
            "nominal": d.nominal.isoformat(), "period": d.rule.period, "count": d.rule.unit,
            "clause": rules.clause(rule_id),
            "skipped": [{"from": s.first.isoformat(), "to": s.last.isoformat(), "name": s.name} for s in d.skipped],
            "makeup": [m.isoformat() for m in d.makeup], "provisional": d.provisional,
        }, ensure_ascii=False))
    else:
        click.echo("\n".join(d.explain(cal, rules.clause(rule_id), applies_to(rules, rule_id))))


def _due_of_item(c: "Ctx", item_id: str, as_of: dt.date) -> None:
    """One item's due date and why (engine.status.explain_item), and where it stands on as_of."""
    from .engine.status import explain_item
    from .engine.status import item_status
    from .view import standing_text

    reg, cal = c.load(as_of=as_of)
    ids = {i.id for i in reg.items}
    if item_id not in ids:
        raise DocgenError(f"台账中没有事项「{item_id}」{suggest(item_id, ids)}")
    item = reg.item(item_id)
    events = reg.events_of(item.id)
    st = item_status(item, events, reg.rules, cal, as_of)
    lines = explain_item(item, events, reg.rules, cal, as_of, st) + [standing_text(st, as_of)]
    click.echo("\n".join(lines))


def _status_row(s) -> dict:
    i = s.item
    return {
        "id": i.id, "text": i.text, "source": sources.label(i.source_kind), "source_text": i.source.describe(), "lead": i.lead,
        "co": list(i.co), "rule": i.rule, "assigned": i.assigned.isoformat(), "original_due": s.original.due.isoformat(),
        "due": s.due.isoformat(), "extended": s.extended_to is not None, "state": s.state, "warning": s.warning,
        "days_overdue": s.days_overdue, "workdays_left": s.workdays_left,
        "completed": s.completed.isoformat() if s.completed else None, "on_time": s.on_time,
        "verified": s.verified.isoformat() if s.verified else None,
        "late_extension_requests": [e.date.isoformat() for e in s.late_requests],
        "provisional": s.original.provisional,
    }


@cli.command(help="列出每个事项的状态：事项、来源、牵头单位、规则、办结时限、状态、逾期天数或剩余工作日。")
@click.option("--on", "as_of", type=DATE, help="截至日期（默认今天）")
@click.option("--unit", help="只看某个单位牵头或配合的事项（可写别名或名称的一部分，如 财政）")
@click.option("--state", type=click.Choice([*STATES, PENDING]), help="只看某种状态")
@click.option("--due-within", type=click.IntRange(0, 366), metavar="N", help="只看 N 个工作日内到期、尚未办结的事项")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def status(c: Ctx, as_of, unit, state, due_within, as_json):
    as_of = as_of or dt.date.today()
    reg, cal = c.load(as_of=as_of)
    if unit and unit not in reg.units:
        found = reg.units_named(unit)  # a name, an alias (units.yaml aliases), or part of one
        if len(found) != 1:
            raise DocgenError(f"单位「{unit}」不在单位名录中{suggest(unit, reg.units)}" if not found else
                              f"「{unit}」可指{len(found)}个单位：{'、'.join(found)}，请写全称")
        unit = found[0]
    pending: list = []
    rows = status_all(reg, cal, as_of, unit, pending)
    if state:
        rows = [s for s in rows if s.state == state]
        pending = pending if state == PENDING else []
    if due_within is not None:
        rows = [s for s in rows if s.workdays_left is not None and s.workdays_left <= due_within]
        pending = []
    waiting = [{"id": i.id, "text": i.text, "source": sources.label(i.source_kind), "lead": i.lead, "rule": i.rule,
                "state": PENDING, "due": None, "needs_year": e.year} for i, e in pending]
    if as_json:
        click.echo(json.dumps({"as_of": as_of.isoformat(), "items": [_status_row(s) for s in rows] + waiting},
                              ensure_ascii=False, indent=1))
        return
    out = []
    for s in rows:
        due_txt = s.due.isoformat() + ("（延）" if s.extended_to else "") + ("（暂定）" if s.original.provisional else "")
        out.append([s.item.id, _short(s.item.text), sources.label(s.item.source_kind), s.item.lead, s.item.rule,
                    due_txt, state_text(s), progress_text(s)])
    out += [[w["id"], _short(w["text"]), w["source"], w["lead"], w["rule"], "—", PENDING,
             f"待{w['needs_year']}年节假日安排"] for w in waiting]
    click.echo(f"截至{cn_date(as_of)}，共{len(out)}个事项" + (f"，其中{len(waiting)}个时限待定（见 docgen check）"
                                                          if waiting else ""))
    if out:
        click.echo(table(["编号", "事项", "来源", "牵头单位", "规则", "办结时限", "状态", "进度"], out))


def _short(text: str, n: int = 14) -> str:
    from .view import short_title

    return short_title(text, n)


def _issue(c: Ctx, kind: str, as_of, no_pdf: bool, workers, reissue=None, reason=None) -> None:
    from .issuing.slips import issue
    from .kinds import KINDS

    as_of = as_of or dt.date.today()
    if (reissue is None) != (reason is None):
        raise DocgenError("更正单据须同时写 --reissue 编号 和 --reason 原因")
    reg, cal = c.load(as_of=as_of)
    report = issue(reg, cal, kind, as_of, c.paths, pdf=not no_pdf, workers=workers,
                   reissue=(reissue, reason) if reissue else None)
    for line in report.lines():
        click.echo(line)
    if report.errors or report.refused:
        raise DocgenError("\n".join(report.errors + [f"{KINDS[kind].name}未出具：{r}" for r in report.refused]))


_PDF_OPTS = [
    click.option("--on", "as_of", type=DATE, help="出具日期（默认今天）"),
    click.option("--no-pdf", is_flag=True, help="只生成草稿（.docx，编号处印“草稿”）：不编号、不记入账本、不归档"),
    click.option("--workers", type=click.IntRange(1, 32), help="并行转换 PDF 的 LibreOffice 进程数（默认为 CPU 核数）"),
    click.option("--reissue", metavar="编号", help="更正一张已出具的单据：按现在的台账重新生成，作为更正版与原件一并归档"),
    click.option("--reason", metavar="原因", help="更正原因（与 --reissue 一起使用）"),
]


def _pdf_opts(f):
    for o in reversed(_PDF_OPTS):
        f = o(f)
    return f


def _kind_command(kind) -> click.Command:
    """The command of a slip kind (kinds.KindInfo: its verb and help): `docgen assign`, `docgen urge` …"""

    @_pdf_opts
    @click.pass_obj
    def issue_kind(c: Ctx, as_of, no_pdf, workers, reissue, reason):
        _issue(c, kind.id, as_of, no_pdf, workers, reissue, reason)

    cmd = click.command(kind.command, cls=CnCommand, help=kind.help or f"出具{kind.name}。")(issue_kind)
    _local_dirs(cmd)
    return cmd


@cli.command(help="将一个编号作废：编号保留在账本中并注明作废；已出具的单据另生成标注“此单已作废”的一份，与原件一并归档。")
@click.argument("number")
@click.option("--reason", required=True, help="作废原因")
@click.option("--on", "as_of", type=DATE, help="作废日期（默认今天）")
@click.option("--no-pdf", is_flag=True, help="只生成草稿（.docx，不作废、不记入账本）")
@click.pass_obj
def void(c: Ctx, number, reason, as_of, no_pdf):
    from .issuing.slips import void as do_void
    from .issuing.slips import void_draft
    from .registers.load import reordering

    why = reordering(reason)  # the ledger keeps any other character; this one would reorder what is shown
    if why:
        raise DocgenError(f"--reason: 作废原因{why}")
    reg, cal = c.load(as_of=as_of)
    if no_pdf:
        s, path = void_draft(reg, cal, number, reason, as_of or dt.date.today(), c.paths)
        if path:
            click.echo(f"草稿：{path}（标注“此单已作废”的一份，编号处印“草稿”）")
        click.echo(f"{s.number} 尚未作废：--no-pdf 只生成草稿，账本中没有记录。去掉 --no-pdf 再次运行才作废。")
        return
    s = do_void(reg, cal, number, reason, as_of or dt.date.today(), c.paths)
    click.echo(f"{s.number} 已作废（{s.void['reason']}），编号保留，不再使用。")


class PeriodParam(click.ParamType):
    name = "期间"

    def convert(self, value, param, ctx):
        from .registers.periods import parse_period

        try:
            return parse_period(value)
        except DocgenError as e:
            self.fail(str(e), param, ctx)


@cli.command(help="出具一期《督导通报》（按年编第N期）：总体情况、各单位落实情况、计分排名、逾期事项、下步要求，附事项清单。\n\n"
             "期间写成 2026-Q3（季度）、2026-10（月）或 2026-07-01..2026-09-30。同一期间再次生成时期号不变。")
@click.option("--period", required=True, type=PeriodParam(), help="通报期间")
@click.option("--on", "as_of", type=DATE, help="通报日期，即统计截至日期（默认今天）")
@click.option("--no-pdf", is_flag=True, help="只生成草稿（.docx，期数处印“草稿”）：不编期号、不结算、不记入账本")
@click.option("--json", "as_json", is_flag=True, help="另以 JSON 输出通报所用的全部数字")
@click.pass_obj
def bulletin(c: Ctx, period, as_of, no_pdf, as_json):
    from .documents.bulletin import view_words
    from .issuing.bulletin import bulletin_path, draft_bulletin, figures_json, issue_bulletin

    as_of = as_of or dt.date.today()
    reg, cal = c.load(as_of=as_of)
    title = reg.settings.bulletin_title  # the office's name of its bulletins (settings.yaml bulletin.title)
    if no_pdf:
        view, path, done = draft_bulletin(reg, cal, period, as_of, c.paths)
        if as_json:
            click.echo(json.dumps(figures_json(view, done), ensure_ascii=False, indent=1))
        elif done:
            click.echo(f"{period.label}已于{done.issued.isoformat()}随《{view_words(view)[0]}》{done.number}结算，"
                       f"不再生成草稿：{bulletin_path(c.paths, done, view)}")
        else:
            click.echo(f"《{title}》草稿（{period.label}，期数和编号处印“草稿”）：{path}")
            click.echo("这只是草稿：未编期号，期间未结算，账本中没有记录。去掉 --no-pdf 运行才正式出具，"
                       "按届时的台账统计并结算该期间")
        return
    slip, view, path, errors = issue_bulletin(reg, cal, period, as_of, c.paths)
    if as_json:
        click.echo(json.dumps(figures_json(view, slip), ensure_ascii=False, indent=1))
    else:
        click.echo(f"《{view_words(view)[0]}》{slip.number}（{period.label}，{slip.issued.isoformat()}出具，"
                   f"该期间已结算）：{path}")
    if errors:
        raise DocgenError("\n".join(errors))


@cli.command(help="各单位的考核得分及每一项扣分、加分（事项、规则、日期），可核对自己的得分；--xlsx 另存季度小结表。\n\n"
             "--period 2026（一年）：四个季度（已结算的按结算记录）和年度得分，按单位和责任人（事项的 owner）汇总；"
             "--xlsx 另存年度表（含“责任人”表）。")
@click.option("--period", required=True, type=PeriodParam(), help="期间，如 2026-Q3；2026 为全年")
@click.option("--on", "as_of", type=DATE, help="统计截至日期（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--xlsx", is_flag=True, help="另存为 输出目录/scores/期间.xlsx")
@click.option("--notice", is_flag=True, help="出具该期间的得分情况通报（张榜公布，编号如 督考〔2026〕1号，抄送 settings.yaml 的 cc）；"
              "有待决定的申诉时不出具")
@click.option("--no-pdf", is_flag=True, help="与 --notice 同用：只生成通报的草稿（编号处印“草稿”），不编号、不记入账本")
@click.pass_obj
def scores(c: Ctx, period, as_of, as_json, xlsx, notice, no_pdf):
    from .record.ledger import read
    from .issuing.bulletin import score_sheet, scores_text, write_scores_xlsx
    from .registers.periods import is_year

    as_of = as_of or dt.date.today()
    reg, cal = c.load(as_of=as_of)
    if is_year(period) and notice:
        raise DocgenError(f"得分情况通报按季度、月份或一段日期出具，不按全年：请写 --period {period.start.year}-Q4 等；"
                          f"全年的得分用 scores --period {period.start.year} 查看")
    if is_year(period):
        from .issuing.scores import write_year_xlsx, year_sheet, year_text

        view = year_sheet(reg, cal, period.start.year, as_of, read(c.paths.registers))
        click.echo(json.dumps(view, ensure_ascii=False, indent=1) if as_json else "\n".join(year_text(view)))
        if xlsx:
            p = write_year_xlsx(view, c.paths.scores / f"{period.start.year}.xlsx", reg.settings.office)
            if not as_json:
                click.echo(f"已另存 {p}")
        return
    if notice:
        from .issuing.scores import notice as issue_notice

        if no_pdf:
            click.echo(f"{period.label}得分情况通报草稿：{issue_notice(reg, cal, period, as_of, c.paths, True)}")
            click.echo(DRAFT_ONLY)
            return
        slip, path, new, errors = issue_notice(reg, cal, period, as_of, c.paths)
        when = "出具" if new else f"已于{slip.issued.isoformat()}出具，不另编号"
        click.echo(f"{period.label}得分情况通报 {slip.number}（{when}）：{path}")
        if errors:
            raise DocgenError("\n".join(errors))
        return
    sheet = score_sheet(reg, cal, period, as_of, read(c.paths.registers))
    if as_json:
        click.echo(json.dumps(sheet, ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(scores_text(sheet, reg.settings.bulletin_title)))
    if xlsx:
        p = write_scores_xlsx(sheet, c.paths.scores / f"{period.key}.xlsx", reg.settings.office)
        if not as_json:
            click.echo(f"已另存 {p}")


@cli.command(short_help="为一个协调事项出具提请协调单。", help="为一个协调事项（台账 coordination）出具提请协调单（.docx 和 PDF，编号如 督协〔2026〕1号）："
             "主办部门、涉及单位、会商过程、意见分歧、办理建议、分管领导意见。同一事项再次运行不另编号。")
@click.argument("matter_id", metavar="协调事项编号")
@click.option("--on", "as_of", type=DATE, help="出具日期（默认今天）")
@click.option("--no-pdf", is_flag=True, help="只生成草稿（.docx，编号处印“草稿”）：不编号、不记入账本")
@click.pass_obj
def coordinate(c: Ctx, matter_id, as_of, no_pdf):
    from .issuing.coordination import request

    reg, _ = c.load(as_of=as_of)
    if no_pdf:
        click.echo(f"提请协调单草稿（协调事项 {matter_id}）：{request(reg, matter_id, as_of or dt.date.today(), c.paths, True)}")
        click.echo(DRAFT_ONLY)
        return
    slip, path, new, errors = request(reg, matter_id, as_of or dt.date.today(), c.paths)
    when = "出具" if new else f"已于{slip.issued.isoformat()}出具，不另编号"
    click.echo(f"提请协调单 {slip.number}（协调事项 {matter_id}，{when}）：{path}")
    if errors:
        raise DocgenError("\n".join(errors))


@cli.command(short_help="问责情形（阶段性、临时性、年度）；--issue 出具问责建议。", help="问责情形（rules.yaml 的 accountability）：期间得分低于阈值（阶段性）；连续若干期被通报、逾期超过若干天、"
             "整改逾期未完成的事项（临时性，随时）；年度得分低于阈值（年度，--period 2026）。每项写明事实和条款；"
             "--issue 出具编号的问责建议（抄送 settings.yaml 的 cc 所列机关），已提出过的情形不再列出。")
@click.option("--period", required=True, type=PeriodParam(), help="期间，如 2026-Q3；2026 为全年（年度问责）")
@click.option("--on", "as_of", type=DATE, help="截至日期（默认今天）")
@click.option("--issue", "do_issue", is_flag=True, help="出具问责建议（编号如 督问〔2026〕1号）")
@click.option("--no-pdf", is_flag=True, help="与 --issue 同用：只生成问责建议的草稿（编号处印“草稿”），不编号、不记入账本")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def accountability(c: Ctx, period, as_of, do_issue, no_pdf, as_json):
    from .issuing import accountability as AC

    as_of = as_of or dt.date.today()
    reg, cal = c.load(as_of=as_of)
    new, old = AC.facts(reg, cal, period, as_of, AC.read(c.paths.registers))
    if as_json:
        click.echo(json.dumps({"facts": [f.as_dict() for f in new], "proposed": old}, ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(AC.lines(new, old, period.label)))
    if not do_issue:
        return
    if not no_pdf:  # a 问责建议 numbered by an earlier run whose conversion failed: completed from its record
        for s in AC.unfinished(AC.read(c.paths.registers), c.paths.archive):
            slip, path, _, errors = AC.complete(reg, c.paths, s)
            click.echo(f"问责建议 {slip.number}（{slip.issued.isoformat()}已编号，本次补齐）：{path}")
            if errors:
                raise DocgenError("\n".join(errors))
    if not new:
        click.echo("没有新的问责情形，不出具问责建议")
        return
    if no_pdf:
        click.echo(f"问责建议草稿（{len(new)}项情形）：{AC.issue(reg, cal, period, as_of, c.paths, new, True)}")
        click.echo(DRAFT_ONLY)
        return
    slip, path, fresh, errors = AC.issue(reg, cal, period, as_of, c.paths, new)
    from .view import proposal_issued_text

    click.echo(f"问责建议 {slip.number}（{len(new)}项情形）：{path}" if fresh
               else f"{proposal_issued_text(slip.number, len(new), slip.issued)}：{path}")
    if errors:
        raise DocgenError("\n".join(errors))


@cli.command(help="生成一份用到全部 GB/T 9704 要素的样例公文（.docx 和 PDF），写入 输出目录/sample/。")
@click.option("--on", "as_of", type=DATE, help="成文日期（默认今天）")
@click.option("--no-pdf", is_flag=True, help="只生成 .docx")
@click.pass_obj
def sample(c: Ctx, as_of, no_pdf):
    from .documents.sample import build_sample
    from .core.files import save_docx

    as_of = as_of or dt.date.today()
    reg, _ = c.load(as_of=as_of)
    path = save_docx(build_sample(reg.settings, reg.rules, as_of), c.paths.sample / "样例公文.docx")
    if not no_pdf:  # convert–count–redraw: a 版记 page after a blank page has no page number (GB/T 9704 7.5)
        from .documents.pdf import blank_before_last, convert

        failed = [r for r in convert([path]) if r.pdf is None]
        if not failed and blank_before_last(path.with_suffix(".pdf")):
            save_docx(build_sample(reg.settings, reg.rules, as_of, banji_numbered=False), path)
            path.with_suffix(".pdf").unlink()
            failed = [r for r in convert([path]) if r.pdf is None]
        if failed:
            raise DocgenError("\n".join(r.error for r in failed))
    click.echo(f"已生成 {path}")
    if not no_pdf:
        click.echo("已转换 PDF 1 份")


def _to_pdf(c: Ctx, paths, no_pdf: bool) -> None:
    if no_pdf or not paths:
        return
    from .documents.pdf import convert

    failed = [r for r in convert(paths) if r.pdf is None]
    if failed:
        raise DocgenError("\n".join(r.error for r in failed))
    click.echo(f"已转换 PDF {len(paths)} 份")


@cli.group(help="归档：每份出具的单据和通报（.docx 与 PDF）写入一次，永不替换。")
def archive():
    pass


@archive.command("verify", help="核对归档与账本：列出缺失、被改动和账本中没有记录的文件，以及被截短的账本。有问题时退出码为 1。")
@click.pass_obj
def archive_verify(c: Ctx):
    from .record import archive as A
    from .record.ledger import read

    reg, _ = c.load()
    st = read(c.paths.registers)
    root = c.paths.archive
    why = A.owner_problem(root, st, reg.settings.office)
    if why:
        raise DocgenError(why)
    found = A.verify(root, st)
    for f in found:
        click.echo(str(f))
    if found:
        from .issuing import kinds as _declared  # noqa: F401 - the kinds' code registered (their resume)
        from .issuing.standalone import unarchived

        for line in unarchived(st, c.paths):
            click.echo(line)
    n = sum(len(s.renders) for s in st.slips.values())
    if found:
        click.echo(f"归档 {root}：账本记录出具{n}份，发现{len(found)}个问题。", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"归档 {root}：账本记录出具{n}份（每份 .docx 与 PDF），全部在位，内容与记录一致。")


@cli.command(short_help="每天一条命令：检查、出具、打印批次、发件箱、台账.xlsx、看板。", help="每天一条命令：检查台账 → 出具到期的交办单、整改通知单、催办单（PDF、打印批次、归档）→ 设置要求时出具上一期"
                  "《督导通报》→ 短信发件箱 → Excel 台账（输出目录/台账.xlsx）→ 看板（输出目录/site/）。最后说明出具了什么、"
                  "给了谁、哪些逾期、要打印什么、哪里失败以及如何补齐。没有变化时不写任何文件。")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.option("--workers", type=click.IntRange(1, 32), help="并行转换 PDF 的 LibreOffice 进程数")
@click.pass_obj
def build(c: Ctx, as_of, workers):
    from .build import build as build_day

    warnings: list = []
    reg, cal = c.load(warnings, as_of)
    report = build_day(c.paths, reg, cal, as_of or dt.date.today(), workers, warnings,
                       notify=lambda m: click.echo(m, err=True))
    click.echo("\n".join(report.lines))
    if report.errors:
        raise DocgenError(report.error_text())


@cli.command(short_help="预警清单：红、黄、蓝及未签收回执，按单位列出。", help="预警清单：红色（逾期）、黄色（退回整改或到期后才申请延期）、蓝色（临期），以及出具后超过规定工作日仍未签收回执的单据，"
                  "按单位列出，最紧急的在前。")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def warn(c: Ctx, as_of, as_json):
    from .outputs.daily import day
    from .view import warn_json, warn_lines

    from .engine.appeals import pending
    from .view import appeal_lines

    reg, cal = c.load(as_of=as_of)
    d = day(reg, cal, as_of or dt.date.today())
    if as_json:
        click.echo(json.dumps(warn_json(d), ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(warn_lines(d) + appeal_lines(pending(reg, d.as_of), reg.settings.bulletin_title)))


@cli.command(short_help="短信提醒：发件箱，或用 --send-cmd 发送。", help="短信提醒：每个单位的联系人每天至多一条短信，列出该单位的预警事项和未签收的单据；写出发件箱 "
                  "输出目录/outbox/日期.csv 和 .jsonl（当天的每条短信及其状态）。--send-cmd 指定短信网关的发送命令（每段短信运行一次，"
                  "参数为手机号和短信内容，标准输入为 JSON；超时见 settings.yaml 的 sms.timeout），每条短信发送前后都记入 "
                  "台账目录/reminders.jsonl：每条短信至多发送一次，失败的下次重发，状态不明的（运行被中断、网关超时）不自动重发，"
                  "核实后用 --resend 编号 重发。有短信要发而一条也没有发出时退出码为 1。")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.option("--send-cmd", metavar="命令", help="发送命令，如 \"/usr/local/bin/sms-send\"")
@click.option("--resend", "resend_id", metavar="编号", help="重发一条状态不明或发送失败的短信（编号见发件箱），须同时给出 --send-cmd")
@click.pass_obj
def remind(c: Ctx, as_of, send_cmd, resend_id):
    from .outputs import remind as R
    from .outputs.daily import day

    argv = R.parse_send_cmd(send_cmd) if send_cmd is not None else None
    if resend_id is not None and argv is None:
        raise DocgenError("--resend 须同时给出 --send-cmd（短信网关的发送命令）")
    date = R.id_date(resend_id) if resend_id is not None else None
    if date and as_of and as_of != date:
        raise DocgenError(f"短信 {resend_id} 是{cn_date(date)}的，与 --on {as_of} 不符")
    reg, cal = c.load(as_of=date or as_of)  # a resend looks from its message's day, as the message did
    notify = lambda m: click.echo(m, err=True)  # noqa: E731
    if resend_id is not None:
        res = R.resend(day(reg, cal, date), c.output, argv, resend_id, notify)
    else:
        res = R.remind(day(reg, cal, as_of or dt.date.today()), c.output, argv, notify)
    click.echo("\n".join(R.summary(res)))
    if res.none_went_out:
        e = DocgenError(f"{len(res.due)}条短信一条也没有发出（见上）；发送失败的下次运行时重发")
        e.exit_code = 1
        raise e


@cli.command("ledger", short_help="写出 Excel 台账（按来源分表、汇总，按预警着色）。", help=f"把台账写成 Excel（.xlsx）：按来源分表（{'、'.join(s.sheet for s in sources.all())}）及汇总，"
                            "每行按预警着色，可直接打印（A4 横向，每页重复表头）。")
@click.option("--xlsx", "xlsx_path", required=True, type=click.Path(dir_okay=False), metavar="文件", help="写出的 .xlsx 文件")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.pass_obj
def ledger_cmd(c: Ctx, xlsx_path, as_of):
    from .outputs.daily import day
    from .outputs.ledger_xlsx import write

    reg, cal = c.load(as_of=as_of)
    path = write(day(reg, cal, as_of or dt.date.today()), Path(xlsx_path))
    click.echo(f"已写出台账 {path}")


@cli.command(short_help="实时调阅：生成静态看板 output/site/。", help="实时调阅：生成静态的督办事项看板（输出目录/site/，打开 index.html 即可，无需服务器和网络）：总览、各单位、"
                  "各事项的办理经过及已出具单据的 PDF（复制在看板的 pdf/ 中，整个文件夹可单独复制、发送）。"
                  "--unit 只生成一个单位的页面（输出目录/site-单位名/），可单独发给该单位。")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.option("--unit", help="只生成这个单位的页面")
@click.pass_obj
def site(c: Ctx, as_of, unit):
    from .outputs import site as W
    from .outputs.daily import day

    _no_blank_unit(unit)
    reg, cal = c.load(as_of=as_of)
    if unit is not None and unit not in reg.units:
        named = [u.name for u in reg.units.values() if unit in u.aliases]  # an alias names its unit
        if not named:
            raise DocgenError(f"没有单位「{unit}」{suggest(unit, reg.units)}")
        unit = named[0]
    dest = W.dest_for(c.output, unit)
    changed, same = W.build(day(reg, cal, as_of or dt.date.today()), dest, unit, archive_root=c.paths.archive)
    click.echo(f"看板：{dest / 'index.html'}（写入{changed}个文件，{same}个未变）")


def _no_blank_unit(unit: str | None) -> None:
    if unit is not None and not unit.strip():
        raise DocgenError("--unit 不能为空：请写单位名称，如 --unit 财政金融部；不写 --unit 即为全部单位的看板")


class PortParam(click.ParamType):
    name = "端口"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            return value
        if str(value).isascii() and str(value).isdigit() and 1 <= int(value) <= 65535:
            return int(value)
        self.fail(f"「{value}」不是有效端口，请写 1 到 65535 之间的整数，如 8400", param, ctx)


@cli.command(short_help="在本机预览看板（只监听 127.0.0.1）。",
             help="在本机用浏览器预览看板（预览用；供各单位登录调阅和报送的是 docgen platform）：只提供看板文件夹（输出目录/site/，"
                  "或 --unit 的 输出目录/site-单位名/）中的页面、样式、脚本和单据 PDF，不提供输出目录中的其他文件"
                  "（发件箱、单据、批次）和台账；默认只监听本机 127.0.0.1。按 Ctrl+C 停止。")
@click.option("--host", default="127.0.0.1", metavar="地址",
              help="监听地址（默认 127.0.0.1，只有本机能访问）；改为其他地址（如 0.0.0.0）时，同一网络中的其他人也能看到看板")
@click.option("--port", default=8400, type=PortParam(), help="端口（默认 8400）")
@click.option("--unit", metavar="单位", help="预览这个单位的看板（先运行 docgen site --unit 单位）")
@click.pass_obj
def serve(c: Ctx, host, port, unit):

    from .outputs import serve as S
    from .outputs import site as W

    _no_blank_unit(unit)
    dest = W.dest_for(c.output, unit)
    if not (dest / "index.html").is_file():
        if unit is None:
            raise DocgenError(f"{dest} 中还没有看板：先运行 docgen site")
        boards = [p.name.removeprefix("site-") for p in c.output.glob("site-*") if (p / "index.html").is_file()]
        raise DocgenError(f"还没有单位「{unit}」的看板（{dest}）：先运行 docgen site --unit {unit}"
                          + suggest(unit, boards))
    server = _listen(lambda: S.make_server(dest, host, port), host, port, "serve", 8400)
    if not S.is_loopback(host):
        click.echo(f"警告：看板将在 {host} 上监听，同一网络中的其他人也能看到看板（各单位的事项和办理情况）；"
                   "只在本机预览请去掉 --host。", err=True)
    click.echo(f"看板预览：{S.url(host, port)}（{dest}；Ctrl+C 停止）")
    _run(server)


def _listen(make, host: str, port: int, command: str, default_port: int):
    """The server `make` opens on host:port, or the reason it cannot listen, in Chinese (docgen serve, platform)."""
    try:
        return make()
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise DocgenError(f"端口 {port} 已被占用（可能已有一个 docgen {command} 在运行）：请换一个端口，如 --port {port + 1}")
        if e.errno == errno.EACCES:
            raise DocgenError(f"没有权限监听端口 {port}：请用 1024 以上的端口，如 --port {default_port}")
        if e.errno == errno.EADDRNOTAVAIL:
            raise DocgenError(f"{host} 不是本机的地址，不能在上面监听：请检查 --host，或去掉 --host 只在本机监听")
        raise DocgenError(f"不能在 {host} 端口 {port} 上监听（{e.strerror or e}）：请检查 --host 地址")
    except ValueError:  # waitress: a name that resolves to nothing
        raise DocgenError(f"找不到地址「{host}」：--host 请写本机的 IP 地址，如 127.0.0.1")


def _run(server) -> None:
    """Serve until Ctrl+C or SIGTERM (a service manager's stop, `kill`), then close the listening socket. SIGTERM
    ends the run as Ctrl+C does, so that the process exits through Python and its atexit handlers run (the
    platform's board folder is removed)."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        signal.signal(signal.SIGTERM, old)


@cli.group(short_help="单据模板：复制（init）和检查（check）。", help="单据模板：交办单、催办单、整改通知单、回执、签收登记表、延期申请表、办结反馈单（.docx，docxtpl 占位符），"
                "以及《督导通报》的语句（Jinja2 文本）。台账目录下 templates/ 中的副本优先于随附模板。")
def templates():
    pass


@templates.command("init", help="把随附模板复制到 台账目录/templates/，供办公室用 Word 或 WPS 修改栏目名称和措辞；已有的副本不覆盖。")
@click.option("--force", is_flag=True, help="覆盖已有的副本")
@click.pass_obj
def templates_init(c: Ctx, force):
    from .documents import templates as T

    for path, what in T.init(c.registers, force):
        click.echo(f"{path}：{what}")
    click.echo("修改后运行 docgen templates check 检查；占位符 {{ … }} 的含义见 templates/README.md。")


@templates.command("check", help="检查将要使用的模板：能否打开、占位符是否都认识、必需的占位符是否保留、能否填写。有问题时退出码为 2。")
@click.pass_obj
def templates_check(c: Ctx):
    from .documents import templates as T
    from .documents.forms import FORMS

    problems = T.check(c.registers)
    if problems:
        raise DocgenError("\n".join(problems))
    for name in FORMS:
        click.echo(f"{name}：{T.path(c.registers, name)}")
    for t in T.TEXTS:
        click.echo(f"通报·{t}：{T.text_path(c.registers, t)}")
    click.echo("模板检查通过。")


@cli.command(short_help="空白表：延期申请表或办结反馈单。", help="为一个事项生成供承办单位填写的空白表：延期申请表或办结反馈单（.docx 和 PDF），写入 输出目录/forms/。"
                  "表上标明事项和对应的交办单编号，不占用单据编号。")
@click.argument("form", type=click.Choice(["延期申请", "办结反馈"]), metavar="延期申请|办结反馈")
@click.argument("item_id", metavar="事项")
@click.option("--on", "as_of", type=DATE, help="日期（默认今天）")
@click.option("--no-pdf", is_flag=True, help="只生成 .docx")
@click.pass_obj
def form(c: Ctx, form, item_id, as_of, no_pdf):
    from .documents import templates as T
    from .documents.slips import build_blank_form
    from .engine.status import item_status
    from .core.files import safe_name, save_docx
    from .issuing.slips import assigning_slip
    from .record.ledger import read

    as_of = as_of or dt.date.today()
    reg, cal = c.load(as_of=as_of)
    ids = {i.id for i in reg.items}
    if item_id not in ids:
        raise DocgenError(f"没有事项「{item_id}」{suggest(item_id, ids)}")
    name = {"延期申请": "延期申请表", "办结反馈": "办结反馈单"}[form]
    T.require(c.paths.registers, [name])
    item = reg.item(item_id)
    status = item_status(item, reg.events_of(item.id), reg.rules, cal, as_of)
    assign = assigning_slip(read(c.paths.registers), item.id)
    doc = build_blank_form(reg, name, item, status, assign, as_of)
    # the file is named by the slip's validated number, or the item's validated id
    path = save_docx(doc, c.paths.forms / f"{name}-{safe_name(assign.number if assign else item.id)}.docx")
    click.echo(f"已生成 {path}")
    _to_pdf(c, [path], no_pdf)


@cli.command(short_help="督办事项网络平台：单位在线签收、反馈、报告办结、申请延期。",
             help="督办事项网络平台（waitress）：各单位用自己的账户登录，查看本单位的事项，在线签收单据、反馈进展、报告办结、"
                  "申请延期（可附 PDF、JPG、PNG）；领导查看全部事项；办事员审核报送（docgen inbox）。页面按现在的台账显示。"
                  "默认只监听本机 127.0.0.1：供各单位访问时放在办公室的反向代理（nginx，提供 https）之后，见 docs/platform.md。"
                  "按 Ctrl+C 停止。")
@click.option("--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，只有本机和本机的反向代理能访问）")
@click.option("--port", default=8600, type=PortParam(), help="端口（默认 8600）")
@click.option("--name", "names", multiple=True, metavar="域名", help="各单位访问平台用的域名（反向代理转来的 Host），可写多个")
@click.option("--proxy", is_flag=True, help="在本机的反向代理之后：按代理的 X-Forwarded-For、X-Forwarded-Proto 记录来访地址和 https")
@click.option("--on", "as_of", type=DATE, help="按这一天显示和报送（演示用；默认今天）")
@click.pass_obj
def platform(c: Ctx, host, port, names, proxy, as_of):
    from .outputs import serve as S
    from .platform import accounts as ACC
    from .platform import server as P

    c.load(as_of=as_of)
    if not ACC.read(c.paths.registers):
        click.echo("警告：还没有账户，先用 docgen accounts add 单位名 开设", err=True)
    today = (lambda: as_of) if as_of else dt.date.today
    server = _listen(lambda: P.make_server(c.paths.registers, host, port, names, proxy, today), host, port,
                     "platform", 8600)
    if not S.is_loopback(host):
        click.echo(f"警告：平台将在 {host} 上直接监听（没有 https）：请改为 127.0.0.1 并放在反向代理之后", err=True)
    click.echo(f"督办事项网络平台：{P.url(host, port)}（台账 {c.paths.registers}；Ctrl+C 停止）", err=True)
    _run(server)


@cli.group(short_help="平台账户：开设、重设密码、停用、列出。", help="督办事项网络平台的账户（台账目录中的 accounts.json，只有本机可读）。"
           "单位账户用单位名称登录，只看本单位牵头或配合的事项；领导账户（--leader）查看全部事项，不能报送；"
           "办事员账户（--clerk）审核报送。密码只显示一次。")
def accounts():
    pass


@accounts.command("add", help="开设账户：docgen accounts add 单位名；或 --leader 姓名、--clerk 姓名。密码只显示这一次（最后一行）。")
@click.argument("unit", required=False, metavar="[单位名]")
@click.option("--leader", metavar="姓名", help="领导账户：查看全部单位的事项，不能报送")
@click.option("--clerk", metavar="姓名", help="办事员账户：审核各单位的报送")
@click.pass_obj
def accounts_add(c: Ctx, unit, leader, clerk):
    from .platform import accounts as ACC

    given = [x for x in (unit, leader, clerk) if x is not None]
    if len(given) != 1 or not given[0].strip():
        raise DocgenError("请写一个单位名，或 --leader 姓名、--clerk 姓名 之一")
    if unit is not None:
        reg, _ = c.load()
        found = reg.units_named(unit.strip())
        if len(found) != 1:
            raise DocgenError(f"单位「{unit}」" + ("不在 units.yaml 中" + suggest(unit, reg.units) if not found
                                                 else f"可指{'、'.join(found)}，请写全称"))
        name, role, of = found[0], "unit", found[0]
    else:
        name, role, of = (leader or clerk).strip(), ("leader" if leader else "clerk"), ""
        if any(ch in name for ch in "\n\r\t") or len(name) > 40:
            raise DocgenError("姓名不能含换行或制表符，不超过40个字")
    password = ACC.change(c.registers, name, role=role, unit=of)
    click.echo(f"已开设{ACC.ROLES[role]}账户「{name}」。登录名为「{name}」，密码如下（只显示这一次，请当面或密封交给使用人）：")
    click.echo(password)


@accounts.command("reset", help="重设一个账户的密码（原来的登录随即失效）；新密码只显示这一次（最后一行）。")
@click.argument("name", metavar="账户")
@click.pass_obj
def accounts_reset(c: Ctx, name):
    from .platform import accounts as ACC

    password = ACC.change(c.registers, name, reset=True)
    click.echo(f"已重设账户「{name}」的密码（只显示这一次）：")
    click.echo(password)


@accounts.command("disable", help="停用一个账户（随即退出登录；可用 reset 重新启用并设新密码）。")
@click.argument("name", metavar="账户")
@click.pass_obj
def accounts_disable(c: Ctx, name):
    from .platform import accounts as ACC

    ACC.change(c.registers, name, disable=True)
    click.echo(f"已停用账户「{name}」。")


@accounts.command("list", help="列出全部账户：登录名、类型、单位、是否停用（不显示密码）。")
@click.pass_obj
def accounts_list(c: Ctx):
    from .platform import accounts as ACC

    rows = [[a.name, ACC.ROLES[a.role], a.unit, "已停用" if a.disabled else "可用"] for a in ACC.read(c.registers).values()]
    click.echo(table(["账户", "类型", "单位", "状态"], rows) if rows else "还没有账户：docgen accounts add 单位名")


def _clerk_name() -> str:
    import getpass

    try:
        return f"办事员（本机 {getpass.getuser()}）"
    except Exception:  # noqa: BLE001 - no user name to tell
        return "办事员（本机）"


@cli.group(invoke_without_command=True, short_help="平台报送：列出待审核的，采纳（accept）或退回（reject）。",
           help="各单位在督办事项网络平台上的报送（签收、反馈、办结、延期申请）。不写子命令即列出待审核的报送。"
                "采纳的写入 台账目录/progress/online-年份.yaml（追加，保留注释），日期为单位报送的日期；退回的注明原因，单位可以看到。")
@click.pass_context
def inbox(ctx):
    if ctx.invoked_subcommand is None:
        from .platform import inbox as I

        c = ctx.obj
        pending = [r for r in I.reports(I.journal(c.registers).read()) if r.status == I.PENDING]
        if not pending:
            click.echo("没有待审核的报送。")
            return
        rows = []
        for r in pending:
            x = r.record
            what = (f"{x['slip']}（签收人：{x['by']}）" if x["slip"] else "") + (f"申请延至{x['until']}；" if x["until"] else "") + x["note"]
            rows.append([str(r.id), x["date"], x["unit"], x["item"], x["type"], _short(what, 30),
                         "有" if x.get("attachment") else ""])
        click.echo(table(["号", "报送日期", "单位", "事项", "类型", "内容", "附件"], rows))
        click.echo(f"共{len(pending)}条待审核：docgen inbox accept 号 采纳，docgen inbox reject 号 --reason 原因 退回。")


@inbox.command("accept", help="采纳一条报送：把它作为进展记录追加到 台账目录/progress/online-年份.yaml（日期为报送日期）。")
@click.argument("n", type=click.IntRange(1), metavar="号")
@click.pass_obj
def inbox_accept(c: Ctx, n):
    from .platform import inbox as I
    from .platform.audit import Audit

    now = dt.datetime.now(dt.timezone.utc)
    rec, target = I.accept(c.registers, n, _clerk_name(), now)
    Audit(c.registers)("accept", _clerk_name(), "命令行", id=n, inbox=I.ref(c.registers, rec))
    click.echo(f"已采纳第{n}号报送，写入 {target}。")


@inbox.command("reject", help="退回一条报送，写明原因（单位在平台上看到，计入事项的办理经过）。")
@click.argument("n", type=click.IntRange(1), metavar="号")
@click.option("--reason", required=True, help="退回原因")
@click.pass_obj
def inbox_reject(c: Ctx, n, reason):
    from .platform import inbox as I
    from .platform.audit import Audit

    rec = I.reject(c.registers, n, _clerk_name(), reason, dt.datetime.now(dt.timezone.utc))
    Audit(c.registers)("reject", _clerk_name(), "命令行", id=n, inbox=I.ref(c.registers, rec))
    click.echo(f"已退回第{n}号报送。")


@cli.command("init", short_help="为新的办公室建立台账目录。", help="为新的办公室建立台账目录：settings.yaml（办公室名称，未给出的标为“待填写”）、"
             "rules.yaml（默认规则，每项带说明）、units.yaml 和每种来源的一个示例（已注释）。目录须是新的或空的，不覆盖任何文件。")
@click.argument("folder", metavar="目录")
@click.option("--committee", default="", metavar="名称", help="发文机关全称")
@click.option("--office", default="", metavar="名称", help="督导工作专班名称")
@click.option("--contact", default="", metavar="姓名", help="督导专班联系人")
@click.option("--phone", default="", metavar="电话", help="联系电话")
@click.option("--print-organ", default="", metavar="名称", help="印发机关（版记）")
def init(folder, committee, office, contact, phone, print_organ):
    from .registers import scaffold

    paths = scaffold.init(Path(folder), scaffold.Office(committee, office, contact, phone, print_organ))
    for p in paths:
        click.echo(f"已写出 {p}")
    click.echo(f"下一步：填写 settings.yaml 中“{scaffold.PLACEHOLDER}”的项目，在 units.yaml 中登记单位，"
               f"然后 docgen -r {folder} check；已有 Excel 台账的，用 docgen -r {folder} import 台账.xlsx 导入。")


@cli.command("import", short_help="把 Excel 台账导入为 YAML 台账。", help="把 Excel 台账（.xlsx）导入为 YAML 台账：找出表头和各列（序号、事项来源、督办事项、牵头单位、"
             "配合单位、交办日期、办结时限、办理情况、交办单号），每种来源写一个新文件到台账目录。"
             "有一行有误（单位不在 units.yaml 中、日期不明确等）即指出工作表、行和列，什么也不写，退出码为 2。")
@click.argument("xlsx", metavar="台账.xlsx")
@click.option("--sheet", metavar="名称", help="只导入这个工作表（默认：每个有表头的工作表）")
@click.pass_obj
def import_cmd(c: Ctx, xlsx, sheet):
    from .engine.checks import paper_checks
    from .record.ledger import read
    from .registers import xlsx_import as X

    pl = X.plan(Path(xlsx), c.registers, sheet, also=lambda reg: paper_checks(reg, read(c.registers)))
    for sh in pl.sheets:
        click.echo(f"工作表「{sh.name}」：表头在第{sh.header_row}行，{len(sh.rows)}行事项")
        click.echo(table(["表中的列", "列", "导入为"], sh.table()) + "\n")
    standing = {s.sheet for s in sources.all() if s.standing}
    for name in pl.skipped:
        click.echo(f"工作表「{name}」：周期性工作（按年度目标或 rules.yaml 推算），未导入" if name in standing else
                   f"工作表「{name}」：前{X.HEADER_SCAN}行中没有督办事项的表头，未导入")
    for path in X.write(c.registers, pl):
        rel = path.relative_to(c.registers).as_posix()
        s, n, _ = pl.files[rel]
        click.echo(f"已写出 {path}：{s.label}，{n}个事项")
    click.echo(f"共导入{pl.rows}个事项。运行 docgen check 检查。")
    if pl.progress:
        click.echo(f"说明：{pl.progress}行的“办理情况”没有导入（进展记录须写日期和类型，见 docs/registers.md 的 progress）。")
    if pl.slips:
        click.echo(f"说明：{pl.slips}行的“交办单号”导入为纸质出具的单据（slip，交办日期为 slip_date）：docgen 不再为它们出具交办单，"
                   "自己的编号接在其后。")
    if pl.other_slips:
        click.echo(f"说明：{len(pl.other_slips)}行的“交办单号”不是本编号机构的机关代字，没有导入：{'、'.join(pl.other_slips)}；"
                   "如确是纸质出具的，请在台账中为事项写 slip 和 slip_date，或写明 issuer。")
    click.echo("注意：导入的事项都还没有进展记录，docgen 视为尚未办结：已办结、已销号的，先在 progress 中登记办结和核查，"
               "再运行 docgen build（否则会为它们出具交办单和催办单）；可先用 docgen build --no-pdf 只生成草稿查看。")


@cli.command(help="检查运行环境：LibreOffice 及版本、各标准字体实际使用的字体、缺少什么及安装命令。")
def doctor():
    from .documents.doctor import report

    ok, text = report()
    click.echo(text)
    if not ok:
        raise click.exceptions.Exit(2)


def _local_dirs(cmd: click.Command) -> None:
    """`docgen check -r DIR` as well as `docgen -r DIR check`: every command that reads the registers accepts
    -r and -o after its name too."""
    import functools

    cmd.params += [click.Option(["-r", "--registers", "local_registers"], metavar="目录", help="台账目录（也可写在命令名前）"),
                   click.Option(["-o", "--output", "local_output"], metavar="目录", help="输出目录（也可写在命令名前）")]
    inner = cmd.callback

    @functools.wraps(inner)
    def callback(*args, local_registers=None, local_output=None, **kwargs):
        c = click.get_current_context().find_object(Ctx)
        if local_registers:
            c.registers = Path(local_registers)
        if local_output:
            c.output = Path(local_output)
        return inner(*args, **kwargs)

    cmd.callback = callback


for _cmd in [*(c for c in cli.commands.values() if c not in (doctor, archive, templates, serve, init)),
             *archive.commands.values(), *templates.commands.values()]:
    _local_dirs(_cmd)


def main(argv=None) -> int:
    """Entry point: no traceback ever reaches a clerk."""
    try:
        rc = cli.main(args=argv, prog_name="docgen", standalone_mode=False)
        return rc if isinstance(rc, int) else 0  # click returns an Exit's code here
    except InputErrors as e:
        for d in e.diagnostics:
            click.echo(str(d), err=True)
        click.echo(f"共{len(e.diagnostics)}个问题，未生成任何文件。", err=True)
        return 2
    except DocgenError as e:
        click.echo(f"错误：{e}", err=True)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        return 130
    except click.ClickException as e:
        click.echo(_click_message(e), err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("已中止。", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        click.echo(f"错误：{_os_message(e)}", err=True)
        return 2
    except Exception as e:  # noqa: BLE001 - the last line of defence
        click.echo(f"docgen 内部错误（{type(e).__name__}: {e}）。账本只保存完整写入的记录；已登记编号的文件，"
                   "再次运行即补齐。请把这条信息报给维护人员。", err=True)
        return 1


_OS_WHY = {errno.ENOSPC: "磁盘已满", errno.EROFS: "文件系统只读", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
           errno.EISDIR: "这是一个文件夹，应为文件", errno.ENOTDIR: "路径中有一段不是文件夹", errno.ENOENT: "不存在",
           errno.EEXIST: "已存在"}


def _os_message(e: OSError) -> str:
    """A file error the commands did not foresee: what failed and where. The ledger is not mentioned: every write
    of the ledger reports its own failure (ledger.Ledger.commit), so this one was not a ledger write."""
    why = _OS_WHY.get(e.errno, e.strerror or str(e))
    where = e.filename if e.filename is not None else None
    if where is not None and e.filename2 is not None:
        return f"无法把 {where} 写到 {e.filename2}（{why}）。请解决后再运行"
    if where is not None:
        return f"无法读写 {where}（{why}）。请检查这个文件或文件夹后再运行"
    return f"读写文件失败（{why}）。请检查输出目录和台账目录的权限和磁盘空间后再运行"


_CJK = re.compile("[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _hint(e: click.BadParameter) -> str:
    """The option or argument a click error is about, as the clerk wrote it: --period, 文件 …"""
    if e.param_hint is not None:
        hint = e.param_hint
        return " / ".join(hint) if not isinstance(hint, str) else hint.strip("'\"")
    if e.param is not None:
        opts = getattr(e.param, "opts", None)
        if isinstance(e.param, click.Option) and opts:
            return " / ".join(opts)
        return e.param.make_metavar(e.ctx) if e.ctx is not None else (e.param.name or "")
    return ""


def _usage_cn(e: click.UsageError) -> str:
    """click's usage errors in Chinese, by their kind (click's own texts are English)."""
    if isinstance(e, click.MissingParameter):
        what = "选项" if isinstance(e.param, click.Option) else "参数"
        return f"缺少{what} {_hint(e)}"
    if isinstance(e, click.NoSuchOption):
        close = f"，是否想写 {'、'.join(e.possibilities)}？" if e.possibilities else ""
        return f"没有选项 {e.option_name}{close}"
    if isinstance(e, click.BadOptionUsage):
        return f"选项 {e.option_name} 的用法有误：它需要一个取值，或不应带取值"
    if isinstance(e, click.BadParameter):
        if _CJK.search(e.message or ""):  # docgen's own parameter types explain in Chinese
            return f"{_hint(e)} 的取值无效：{e.message}"
        if e.param is not None and isinstance(e.param.type, click.Choice):
            return f"{_hint(e)} 的取值无效，可用的取值：{'、'.join(map(str, e.param.type.choices))}"
        return f"{_hint(e)} 的取值无效（{e.param.type.name if e.param is not None else e.message}）"
    if isinstance(e, click.BadArgumentUsage):
        return "参数有误：多写了参数，或参数不全"
    if _CJK.search(e.message or ""):
        return e.message
    # click raises a plain UsageError for an unknown command and extra arguments: no kind to tell them by
    if "No such command" in (e.message or ""):
        name = (e.message.split("'")[1:2] or [""])[0]
        return f"没有「{name}」这个命令" if name else "没有这个命令"
    if "extra argument" in (e.message or ""):
        return "多写了参数：" + (e.message.split("(", 1)[-1].rstrip(")") if "(" in e.message else "")
    return "命令行有误"


def _click_message(e: click.ClickException) -> str:
    if isinstance(e, click.UsageError):
        msg = _usage_cn(e)
        if e.ctx is not None:
            return f"用法错误：{msg}\n查看帮助：{e.ctx.command_path} --help"
        return f"用法错误：{msg}"
    if isinstance(e, click.FileError):
        return f"错误：无法打开文件 {e.ui_filename}"
    return f"错误：{e.format_message()}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
