"""The supervision platform (督办事项网络平台; the seed's 督导工作网络平台): units sign for, report on and ask to extend their items over HTTP;
the clerk accepts what they send into the registers. journal.py the append-only files, accounts.py the accounts
file and sign-in, inbox.py the units' submissions and the clerk's decisions, audit.py who did what from where,
server.py the WSGI application waitress serves."""


def check(registers, reg) -> int:
    """`docgen check`: the inbox, the audit record and the accounts file read (InputErrors naming the line or
    the field otherwise), every account's unit in units.yaml, every report's item in the registers. Returns how
    many reports wait for the clerk."""
    from pathlib import Path

    from ..core.diagnostics import Diagnostic, InputErrors
    from . import accounts, audit, inbox
    from .journal import Journal

    registers = Path(registers)
    problems = []
    for read in (lambda: accounts.read(registers), lambda: inbox.journal(registers).read(),
                 lambda: Journal(registers / audit.FILE, "审计记录").read()):
        try:
            read()
        except InputErrors as e:
            problems += e.diagnostics
    if problems:
        raise InputErrors(problems)
    # the hash chain cannot see an edit of the last line: the audit record names the hash of every report's and
    # decision's line (a cut-off or edited last record is told; an edit of both files together is not)
    from .journal import line_hash

    lines = inbox.journal(registers).lines()
    for a in Journal(registers / audit.FILE, "审计记录").read():
        ref = a.get("inbox")
        if a.get("what") in ("report", "accept", "reject") and isinstance(ref, list) and len(ref) == 2:
            n, digest = ref
            if not isinstance(n, int) or n < 1 or n > len(lines) or line_hash(lines[n - 1]) != digest:
                problems.append(Diagnostic(str(registers / inbox.FILE), n if isinstance(n, int) else 0, "报送记录",
                                           f"与审计记录第{a['n']}条所记的不符（报送记录被修改或删除）"))
    for a in accounts.read(registers).values():
        if a.role == "unit" and a.unit not in reg.units:
            problems.append(Diagnostic(str(accounts.path(registers)), 0, a.name,
                                       f"单位账户「{a.name}」的单位不在 units.yaml 中：停用它（docgen accounts disable）或恢复单位"))
    items = {i.id for i in reg.items}
    reports = inbox.reports(inbox.journal(registers).read())
    for r in reports:
        if r.status == inbox.PENDING and r.item not in items:
            problems.append(Diagnostic(str(registers / inbox.FILE), 0, f"第{r.id}号报送",
                                       f"报送的事项「{r.item}」已不在台账中：退回它（docgen inbox reject {r.id} --reason …）"))
    if problems:
        raise InputErrors(problems)
    return sum(1 for r in reports if r.status == inbox.PENDING)
