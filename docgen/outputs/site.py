"""实时调阅: a static status board (Jinja2, templates/site/) a leader opens from a shared folder: no server, no
network, every asset local. An overview (counts by state and source, on-time rate by unit, overdue trend by
month, warnings, every item with search and filters), a page per unit, a page per item with its whole history
and links to its slips' PDFs. `--unit` writes one unit's pages alone, to share with that unit.

The board holds everything its pages link to: each linked slip's archived PDF is copied into the board's own
pdf/ folder (pdf/<year>/<kind folder>/<number>.pdf, as in the archive), so the folder works alone, opened from
disk, copied to a share, sent to a unit or served by `docgen serve`, which serves that folder and nothing else.

Page file names come from a hash of the unit's name or the item's id, never from register text. A file is only
rewritten when its content changes, and files of items no longer listed are removed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from urllib.parse import quote

from ..record import archive as A
from ..registers.calendar import cn_date
from .daily import Day
from ..engine.status import BLUE, CLOSED, DONE, MISSED, OVERDUE, RED, STATES, YELLOW, status_all
from ..engine.figures import Counts
from ..engine.warnings import UNSIGNED, level_of
from ..core.files import atomic_write_bytes, safe_name, shipped, write_if_changed
from ..kinds import KINDS, SLIP_KINDS
from ..registers import sources
from ..view import LEVEL_TEXT, event_text, progress_text, state_text, warned_text, with_progress

TEMPLATES = shipped("templates", "site")
CLS = {RED: "red", YELLOW: "yellow", BLUE: "blue", UNSIGNED: "unsigned", None: "none"}


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _href(target: Path, page_dir: Path) -> str:
    rel = os.path.relpath(target, page_dir).replace(os.sep, "/")
    return "/".join(quote(part) for part in rel.split("/"))


def _bar_chart(rows: list[tuple[str, float | None, str]]) -> str:
    """Horizontal bars (label, percent or None, caption) as inline SVG."""
    h, label_w, bar_w = 22, 150, 300
    out = [f'<svg role="img" width="{label_w + bar_w + 90}" '
           f'height="{h * len(rows) + 10}" viewBox="0 0 {label_w + bar_w + 90} {h * len(rows) + 10}">']
    for i, (label, pct, cap) in enumerate(rows):
        y = 5 + i * h
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_esc(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{h - 8}" fill="#eee"/>')
        if pct is not None:
            colour = "#2e7d32" if pct >= 90 else ("#f9a825" if pct >= 60 else "#c62828")
            out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * pct / 100:.1f}" height="{h - 8}" fill="{colour}"/>')
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{_esc(cap)}</text>')
    out.append("</svg>")
    return "".join(out)


def _column_chart(points: list[tuple[str, int]]) -> str:
    """Columns (label, count) as inline SVG."""
    w, h, top = 46, 160, max([n for _, n in points] + [1])
    width = w * len(points) + 20
    out = [f'<svg role="img" width="{width}" height="{h + 40}" '
           f'viewBox="0 0 {width} {h + 40}">']
    for i, (label, n) in enumerate(points):
        x = 10 + i * w
        bh = h * n / top
        out.append(f'<rect x="{x + 8}" y="{10 + h - bh:.1f}" width="{w - 16}" height="{bh:.1f}" fill="#c62828"/>')
        out.append(f'<text x="{x + w / 2}" y="{6 + h - bh:.1f}" text-anchor="middle">{n}</text>')
        out.append(f'<text x="{x + w / 2}" y="{h + 28}" text-anchor="middle">{_esc(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _trend(d: Day) -> list[tuple[str, int]]:
    """Open items overdue at each month's end (the current month: on the day), from the first month an item was
    assigned, at most twelve months back."""
    first = min((s.item.assigned for s in d.statuses), default=d.as_of)
    months = []
    y, m = d.as_of.year, d.as_of.month
    while (y, m) >= (first.year, first.month) and len(months) < 12:
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    out = []
    for y, m in reversed(months):
        end = d.as_of if (y, m) == (d.as_of.year, d.as_of.month) else \
            (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        n = sum(1 for s in status_all(d.reg, d.cal, end) if s.is_open and s.state == OVERDUE)
        out.append((f"{m}月", n))
    return out


def _copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy an archived file into the board unless dst already is that copy (same size and time: archived
    files are written once and never replaced). Atomic: a killed run leaves the old copy or the new one."""
    st = src.stat()
    try:
        cur = dst.stat()
        if cur.st_size == st.st_size and cur.st_mtime_ns == st.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(dst, src.read_bytes())
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))  # a kill before this only makes the next run copy again
    return True


def _history(d: Day, item, page_dir: Path, arch: Path, pdfs: dict[Path, Path], dest: Path) -> list[dict]:
    h = [{"day": item.assigned, "date": cn_date(item.assigned), "what": "交办", "note": item.source.describe(),
          "href": None}]
    for s in sorted((s for s in d.st.slips.values() if s.item == item.id and s.kind in SLIP_KINDS
                     and s.issued <= d.as_of), key=lambda s: (s.issued, s.number)):
        pdf = A.archived(arch, s, 0, ".pdf")
        entry = {"day": s.issued, "date": cn_date(s.issued), "what": f"出具{KINDS[s.kind].name}", "link": s.number,
                 "note": "（已作废）" if s.is_void else "（纸质出具）" if s.adopted else "", "href": None}
        if s.renders and pdf.exists():
            copy = dest / "pdf" / pdf.relative_to(arch)  # the board's own copy: the folder works alone
            pdfs[copy] = pdf
            entry["href"] = _href(copy, page_dir)
        h.append(entry)
    for e in d.reg.events_of(item.id):
        if e.date > d.as_of:
            continue
        what, note = event_text(e)
        h.append({"day": e.date, "date": cn_date(e.date), "what": what, "note": note, "href": None})
    return sorted(h, key=lambda x: x["day"])


def _fell_due(sts, as_of) -> Counts:
    """The engine's counts (engine.figures.Counts: its 按期办结率) of the items whose due date is on or before as_of."""
    c = Counts()
    for s in sts:
        if s.due <= as_of:
            c.add(s)
    return c


def build(d: Day, dest: Path, unit: str | None = None, archive_root: Path | None = None) -> tuple[int, int]:
    """Write the board to dest (a folder). Returns (files written, files unchanged)."""
    from jinja2 import FileSystemLoader

    from ..documents.sandbox import SITE_FILTERS, environment

    env = environment(autoescape=True, strict=True, filters=SITE_FILTERS, loader=FileSystemLoader(str(TEMPLATES)),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    arch = archive_root or A.archive_root(d.reg.root, d.reg.settings.archive)
    statuses = [s for s in d.statuses if unit is None or s.item.lead == unit or unit in s.item.co]
    units = sorted({s.item.lead for s in statuses}) if unit is None else [unit]
    warned = {u.unit: u for u in d.warned}
    level = {s.item.id: level_of(s) for s in statuses}
    common = {"office": d.reg.settings.office, "as_of": cn_date(d.as_of), "generated": cn_date(d.as_of)}
    written: dict[Path, bytes] = {}
    pdfs: dict[Path, Path] = {}  # the board's copy -> the archived PDF

    def page(path: str) -> tuple[Path, str]:
        p = dest / path
        return p, "../" * path.count("/")

    def unit_href(u: str, root: str) -> str:
        return f"{root}index.html" if unit else f"{root}units/{key(u)}.html"

    def item_rows(sts, root):
        return [{"text": s.item.text, "href": f"{root}items/{key(s.item.id)}.html", "source": sources.get(s.item.source_kind).board_label,
                 "lead": s.item.lead, "units": "|".join((s.item.lead,) + tuple(s.item.co)),
                 "due": cn_date(s.due), "state": s.state, "state_text": with_progress(state_text(s), s),
                 "slip": d.assigned_by.get(s.item.id, ""), "cls": CLS[level[s.item.id]]} for s in sts]

    def warn_rows(entries, root):
        return [{"level": LEVEL_TEXT[w.level], "cls": CLS[w.level], "unit": w.status.item.lead,
                 "text": (w.slip + " " if w.slip else "") + w.status.item.text,
                 "href": f"{root}items/{key(w.status.item.id)}.html", "why": warned_text(w)} for w in entries]

    def nav(root: str) -> list[dict]:  # hrefs relative to the board's root
        return [{"name": u, "href": unit_href(u, "")} for u in units]

    def render(tpl: str, path: str, **ctx) -> None:
        p, root = page(path)
        html = env.get_template(tpl).render(**common, root=root, nav_units=nav(root), **ctx)
        written[p] = html.encode("utf-8")

    def counts(sts) -> dict:
        rate = _fell_due(sts, d.as_of).rate
        return {"total": len(sts), "states": [{"name": st, "n": n} for st in STATES
                                             if (n := sum(1 for s in sts if s.state == st))],
                "rate": f"{rate:.1f}%" if rate is not None else ""}

    if unit is None:
        lv = [level[s.item.id] for s in statuses]
        cards = [{"n": len(statuses), "label": "督办事项", "cls": ""},
                 {"n": sum(1 for s in statuses if s.state == OVERDUE), "label": "逾期", "cls": "lv-red"},
                 {"n": sum(1 for s in statuses if s.is_open and s.state != OVERDUE), "label": "正在办理", "cls": ""},
                 {"n": sum(1 for s in statuses if s.state == DONE), "label": "已办结待核查", "cls": ""},
                 {"n": sum(1 for s in statuses if s.state == CLOSED), "label": "已销号", "cls": ""},
                 {"n": lv.count(RED), "label": "红色预警", "cls": "lv-red"},
                 {"n": lv.count(YELLOW), "label": "黄色预警", "cls": "lv-yellow"},
                 {"n": lv.count(BLUE), "label": "蓝色预警", "cls": "lv-blue"}]
        by_source = [{"name": src.board_label, "total": sum(1 for s in statuses if s.item.source_kind == src.kind),
                      "states": [sum(1 for s in statuses if s.item.source_kind == src.kind and s.state == st)
                                 for st in STATES]}
                     for src in sources.all() if not src.standing or any(s.item.source_kind == src.kind
                                                                         for s in statuses)]
        rates = []
        for u in units:
            c = _fell_due([s for s in statuses if s.item.lead == u], d.as_of)
            rates.append((u, c.rate, f"{c.on_time}/{c.due}" if c.due else "未到期"))
        recurring = _recurring_pages(d, statuses, render, item_rows)
        render("index.html.j2", "index.html", title="总览", cards=cards, state_names=list(STATES),
               by_source=by_source, coordination=coordination_rows(d.reg, d.st, d.as_of), rate_chart=_bar_chart(rates), trend_chart=_column_chart(_trend(d)),
               warned=warn_rows([w for u in d.warned for w in u.entries], ""), units=units,
               items=item_rows(statuses, ""), recurring=recurring)
    for u in units:
        path = "index.html" if unit else f"units/{key(u)}.html"
        _, root = page(path)
        sts = [s for s in statuses if s.item.lead == u or (unit and u in s.item.co)]
        render("unit.html.j2", path, title=u, unit=u, counts=counts([s for s in sts if s.item.lead == u]),
               warned=warn_rows(warned[u].entries if u in warned else [], root),
               items=item_rows(sts, root), units=[u], state_names=list(STATES))
    for s in statuses:
        path = f"items/{key(s.item.id)}.html"
        p, root = page(path)
        lv = level[s.item.id]
        w = next((w for w in (warned.get(s.item.lead).entries if s.item.lead in warned else [])
                  if w.status.item.id == s.item.id and w.level != UNSIGNED), None)
        item = {"text": s.item.text, "source_full": s.item.source.describe(), "lead": s.item.lead,
                "lead_href": unit_href(s.item.lead, root) if (unit is None or s.item.lead == unit) else "#",
                "co": "、".join(s.item.co), "due_full": cn_date(s.due) + (
                    f"（原时限{cn_date(s.original.due)}，经批准延期）" if s.extended_to else ""),
                "state_text": state_text(s), "why": warned_text(w) if w else progress_text(s), "cls": CLS[lv]}
        render("item.html.j2", path, title=s.item.text[:20], item=item,
               history=_history(d, s.item, p.parent, arch, pdfs, dest))
    for name in ("board.css", "board.js"):
        written[dest / "assets" / name] = (TEMPLATES / "assets" / name).read_bytes()

    changed = sum(write_if_changed(p, data) for p, data in written.items())
    changed += sum(_copy_if_changed(src, copy) for copy, src in pdfs.items())
    for old in list(dest.rglob("*.html")):  # an item or unit no longer on the board
        if old not in written:
            old.unlink()
    for old in list((dest / "pdf").rglob("*")):  # a slip no longer linked
        if old.is_file() and old not in pdfs:
            old.unlink()
    return changed, len(written) + len(pdfs) - changed


def coordination_rows(reg, st, as_of) -> dict | None:
    """The coordination matters (registers/coordination.py) by level and state, and each with its 提请协调单;
    None when the registers hold none."""
    from ..registers.coordination import LEVELS, STATES, matters

    ms = sorted(matters(reg), key=lambda m: (LEVELS.index(m.level), m.date, m.id))
    if not ms:
        return None
    levels = [{"level": lv, "total": sum(1 for m in ms if m.level == lv),
               "states": [sum(1 for m in ms if m.level == lv and m.state == x) for x in STATES]}
              for lv in LEVELS if any(m.level == lv for m in ms)]
    rows = []
    for m in ms:
        s = st.find("coordinate", m.id) if st is not None else None
        rows.append({"id": m.id, "text": m.text, "lead": m.lead, "units": "、".join(m.units), "level": m.level,
                     "date": cn_date(m.date), "state": m.state, "number": s.number if s and not s.is_void and s.issued <= as_of else ""})
    return {"states": list(STATES), "levels": levels, "matters": rows}


def _recurring_pages(d: Day, statuses, render, item_rows) -> list[dict]:
    """A page per annual target (its milestones), per 包保 project (its 调度) and per 包保 leader (the projects
    they hold and their items); the overview's links to them, by group ([] for an office without such work)."""
    by_target = {}
    by_project = {}
    for s in statuses:
        if s.item.source_kind == "target":
            by_target.setdefault(s.item.source.id, []).append(s)
        elif s.item.source_kind == "schedule" and s.item.source.detail.get("project"):
            by_project.setdefault(s.item.source.detail["project"], []).append(s)
    groups = []
    links = []
    for t in d.reg.targets:
        path = f"targets/{key('target:' + t.id)}.html"
        sts = sorted(by_target.get(t.id, []), key=lambda s: s.due)
        render("group.html.j2", path, title=t.text[:20], heading=f"{t.year}年度任务目标：{t.text}",
               facts=[{"name": n, "value": v} for n, v in (("牵头单位", t.lead), ("配合单位", "、".join(t.co) or "无"),
                                                           ("责任人", t.owner), ("分管领导", t.leader))],
               links=[], links_title="", items_title="分解节点", items=item_rows(sts, "../"), units=[t.lead],
               state_names=list(STATES))
        late = sum(1 for s in sts if s.state == OVERDUE or (s.completed and not s.on_time))
        links.append({"href": path, "text": t.text, "note": f"{len(sts)}个节点" + (f"，{late}个滞后" if late else "")})
    if links:
        groups.append({"title": "年度目标", "links": links})
    links, leaders = [], {}
    for p in d.reg.projects:
        path = f"projects/{key('project:' + p.id)}.html"
        sts = sorted(by_project.get(p.id, []), key=lambda s: s.due)
        missed = sum(1 for s in sts if s.completed is None and s.state in (OVERDUE, MISSED))
        render("group.html.j2", path, title=p.name[:20], heading=f"{p.name}（{p.kind}）",
               facts=[{"name": n, "value": v} for n, v in (("包保领导", p.leader), ("牵头单位", p.lead),
                                                           ("纳入包保", cn_date(p.since)))],
               links=[], links_title="", items_title="定期调度", items=item_rows(sts, "../"), units=[p.lead],
               state_names=list(STATES))
        link = {"href": path, "text": p.name, "note": f"{p.kind}，包保领导{p.leader}" + (f"，{missed}次未调度" if missed else "")}
        links.append(link)
        leaders.setdefault(p.leader, []).append((p, link, sts))
    if links:
        groups.append({"title": "包保项目", "links": links})
    links = []
    for name, held in leaders.items():
        path = f"leaders/{key('leader:' + name)}.html"
        sts = [s for _, _, ss in held for s in ss]
        render("group.html.j2", path, title=name, heading=f"包保领导：{name}",
               facts=[{"name": "包保项目和企业", "value": f"{len(held)}个"}],
               links=[{**lk, "href": "../" + lk["href"]} for _, lk, _ in held], links_title="包保的项目和企业",
               items_title="项目的定期调度", items=item_rows(sts, "../"), units=sorted({p.lead for p, _, _ in held}),
               state_names=list(STATES))
        links.append({"href": path, "text": name, "note": f"{len(held)}个项目"})
    if links:
        groups.append({"title": "包保领导", "links": links})
    return groups


def dest_for(out: Path, unit: str | None) -> Path:
    return out / "site" if unit is None else out / f"site-{safe_name(unit)}"

