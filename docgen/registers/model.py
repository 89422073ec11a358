"""The validated model of the registers. Plain frozen data; every entry knows where it was written."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calendar import CalendarFile
from ..core.diagnostics import Src
from .rules import DEFAULT_TERM, DEFAULT_TITLE, Rules  # noqa: F401 - the defaults are read here too



EVENT_TYPES = ("反馈", "办结", "延期申请", "延期批复", "核查", "整改报告", "签收", "专报", "申诉", "申诉决定")
APPEAL_DECISIONS = ("撤销", "维持")  # 申诉决定: the deduction is cancelled, or it stands
URGENCIES = ("特急", "加急")


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    leader: str
    contact: str
    mobile: str
    src: Src
    aliases: tuple[str, ...] = ()  # units.yaml `aliases`: short names (卫健局) that name this unit and no other


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    prefixes: dict  # slip kind ("assign" | "urge" | "rectify") -> 机关代字 such as 督交
    contact: str
    phone: str
    src: Src | None = None


@dataclass(frozen=True)
class Paper:
    """A document the office issued on paper before it used docgen (adopted into the ledger, never issued
    again): an item's `slip` and `slip_date`, or an entry of settings.yaml `bulletin.adopted` (its `period` key)."""

    number: str  # as printed: 督交〔2026〕7号, or 2026年第2期
    date: dt.date
    src: Src  # where the number is written
    year: int = 0  # parsed from the number (checked against its issuer's prefix when the registers load)
    seq: int = 0
    period: str = ""  # a bulletin: its period's key (2026-07-01..2026-09-30)
    label: str = ""  # a bulletin: its period's name (2026年第三季度)


# The office's own words when settings.yaml names none (docs/registers.md): its bulletin's name and the word of its
# fixed phrases. A bulletin recorded before settings named them was issued with these words.
OFFICE_WORD_MAX = 10  # characters of bulletin.title / office.term


@dataclass(frozen=True)
class Settings:
    committee: str  # 发文机关全称
    office: str  # 督导工作专班的名称
    contact: str
    phone: str
    print_organ: str  # 印发机关
    cc: tuple[str, ...]
    issuers: dict  # id -> Issuer
    default_issuer: str
    bulletin_issuer: str
    src: Src | None = None
    bulletin_to: str = "各有关单位"  # 主送 of the bulletin
    archive: str | None = None  # the archive folder, relative to the registers folder (default ../archive)
    printing: "Printing" = None  # settings.yaml `print`
    bulletin_auto: str = ""  # settings.yaml `bulletin.auto`: month | quarter: `build` issues the last ended period's
    sms_signature: str = ""  # settings.yaml `sms.signature`, e.g. 【泰安高新区督导专班】
    sms_timeout: float = 20.0  # settings.yaml `sms.timeout`: seconds the gateway has for one part of a message
    bulletin_adopted: tuple = ()  # settings.yaml `bulletin.adopted`: bulletins issued on paper (Paper, by period)
    bulletin_title: str = DEFAULT_TITLE  # settings.yaml `bulletin.title`: the bulletin's name (masthead, file names)
    term: str = DEFAULT_TERM  # settings.yaml `office.term`: the office's word in fixed phrases (督导事项, 督导整改)
    platform: "PlatformLimits" = None  # settings.yaml `platform`: what one unit may send a day, the free-disk floor

    def __post_init__(self):
        if self.printing is None:
            object.__setattr__(self, "printing", Printing())
        if self.platform is None:
            object.__setattr__(self, "platform", PlatformLimits())


@dataclass(frozen=True)
class PlatformLimits:
    """What the platform (docgen platform) takes (settings.yaml `platform`); 0 is no limit."""

    reports_per_day: int = 50  # reports one unit may send a day
    attachments_mb_per_day: int = 200  # MB of attachments one unit may send a day
    min_free_mb: int = 1024  # an attachment is refused when the archive's disk would have less free than this


@dataclass(frozen=True)
class Printing:
    """How the office prints (settings.yaml `print`)."""

    sealed: bool = False  # 加盖印章 (GB/T 9704 7.3.5.1) or not (7.3.5.2)
    colour: bool = True  # 催办单 in its warning colour; False for offices that print on coloured paper
    cc_leader: bool = False  # 催办单 抄报 the lead unit's 分管领导
    copies: int | None = None  # 《督导通报》 印数 (共印N份) in the 版记
    duplex: bool = True  # print batches for both sides: each slip starts on an odd page


@dataclass(frozen=True)
class Source:
    """Where an item comes from: a meeting, an instruction, a document, an inspection (registers/sources.py)."""

    kind: str  # a declared source: meeting | instruction | document | inspection | …
    id: str
    date: dt.date
    title: str  # meeting title / instruction's document / incoming document title / inspection form
    detail: dict = field(default_factory=dict, compare=False, hash=False)
    src: Src | None = None
    # filled by the loader from the source's declaration (registers/sources.py), so the model needs no registry:
    described: str = field(default="", compare=False)  # as printed on a slip: 2026年第12次主任办公会（…）议定事项
    rectification: bool = field(default=False, compare=False)  # findings to rectify (整改通知单), not work assigned
    # an obligation the registers or the rules set themselves (a target's milestone, a periodic report, a required
    # meeting, a feedback period): no 交办单 assigns it, and it is urged without one (registers/sources.py `standing`)
    standing: bool = field(default=False, compare=False)
    derived: bool = field(default=False, compare=False)  # recurring, derived from rules.yaml: no on-time bonus

    def describe(self) -> str:
        return self.described


@dataclass(frozen=True)
class Item:
    id: str
    source: Source
    text: str
    lead: str
    co: tuple[str, ...]
    assigned: dt.date
    rule: str
    explicit_due: dt.date | None
    issuer: str
    urgency: str | None
    src: Src
    paper: Paper | None = None  # `slip` and `slip_date`: its first slip, issued on paper before docgen
    owner: str = ""  # `owner`: its 责任人 (scores tie to each responsible person, rules.md §9)
    feedback: str = ""  # `feedback`: how often a long item reports progress (weekly | biweekly | monthly), or ""
    # a derived obligation that can no longer be met after this day (a month's 调度会 once the month is over):
    # past it, an item not done is 未落实 and its lateness stops counting (engine.status)
    closes: dt.date | None = None
    period: str = ""  # a derived obligation: the key of the period it is for (2026-07-01..2026-09-30)

    @property
    def first_kind(self) -> str:
        """The kind of slip that assigns it: a finding's 整改通知单, otherwise its 交办单 (rules.md §5a)."""
        return "rectify" if self.is_rectification else "assign"

    @property
    def source_kind(self) -> str:
        return self.source.kind

    @property
    def is_rectification(self) -> bool:
        return self.source.rectification


@dataclass(frozen=True)
class Event:
    item: str
    date: dt.date
    type: str  # one of EVENT_TYPES
    note: str
    src: Src
    until: dt.date | None = None  # 延期申请: requested date; 延期批复: granted date
    reason: str = ""
    granted: bool | None = None  # 延期批复
    passed: bool | None = None  # 核查
    slip: str = ""  # 签收: the number of the slip signed for (its 回执)
    signer: str = ""  # 签收: who signed; 申诉决定: who decided (`by`)
    unit: str = ""  # 申诉, 申诉决定: the unit that appeals
    rule: str = ""  # 申诉, 申诉决定: the score rule of the deduction appealed against (a key of rules.yaml scores)
    decision: str = ""  # 申诉决定: 撤销 | 维持


@dataclass(frozen=True)
class Project:
    """A 包保 project or enterprise (registers/projects.yaml): its leader (包保领导) and lead unit."""

    id: str
    name: str
    kind: str
    leader: str
    lead: str
    since: dt.date
    src: Src
    until: dt.date | None = None  # no longer dispatched after this day (completed, handed over)


@dataclass(frozen=True)
class Milestone:
    item: str  # its item id: 2026-MB01-1
    by: dt.date
    text: str
    src: Src


@dataclass(frozen=True)
class Target:
    """An annual target (registers/targets/2026.yaml), broken down into dated milestones, each an item."""

    id: str
    year: int
    text: str
    lead: str
    co: tuple[str, ...]
    owner: str  # 责任人
    leader: str  # 分管领导
    milestones: tuple[Milestone, ...]
    src: Src


@dataclass(frozen=True)
class Registers:
    root: str
    settings: Settings
    rules: Rules
    units: dict  # name -> Unit
    items: tuple[Item, ...]
    events: tuple[Event, ...]
    calendar_files: tuple[CalendarFile, ...] = ()
    entries: dict = field(default_factory=dict)  # source kind -> its entries besides items (coordination matters)
    projects: tuple[Project, ...] = ()
    targets: tuple[Target, ...] = ()

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    @property
    def _by_id(self) -> dict:
        cache = self.__dict__.get("_by_id_cache")
        if cache is None:
            cache = {i.id: i for i in self.items}
            object.__setattr__(self, "_by_id_cache", cache)
        return cache

    def units_named(self, text: str) -> list[str]:
        """The units a clerk's word may mean (`--unit`): the unit of that name or alias; else every unit whose name
        or an alias contains it (财政 -> 财政金融部). One name: found; several: ambiguous; none: unknown."""
        if text in self.units:
            return [text]
        exact = [u.name for u in self.units.values() if text in u.aliases]
        if exact:
            return exact
        return [u.name for u in self.units.values() if text in u.name or any(text in a for a in u.aliases)]

    def events_of(self, item_id: str) -> tuple[Event, ...]:
        cache = self.__dict__.get("_events_cache")
        if cache is None:
            cache = {}
            for e in self.events:
                cache.setdefault(e.item, []).append(e)
            cache = {k: tuple(sorted(v, key=lambda e: (e.date, e.src))) for k, v in cache.items()}
            object.__setattr__(self, "_events_cache", cache)
        return cache.get(item_id, ())
