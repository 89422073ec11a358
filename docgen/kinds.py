"""What docgen issues: every numbered kind, declared once. Every layer reads this registry.

A kind names its Chinese name, the folder its files go to (under output/slips/ and the archive), its default
机关代字, what it is for, how the engine decides it is due and how it is drawn (dotted names, resolved when
used, so that reading the registry costs no import of python-docx), and which of the item's facts it prints
(a register correction that changes one of them would change an issued document).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    id: str  # assign | urge | rectify | bulletin
    name: str  # 交办单
    folder: str  # output/slips/<folder>/, archive/<year>/<folder>/
    default_prefix: str | None  # 督交; None for the bulletin, numbered 第N期
    purpose: str
    decide: str  # "module:function" in docgen.engine
    draw: str  # "module:function" in docgen.documents
    facts: tuple[str, ...] = ()  # keys of engine.slips.item_facts() that the slip prints

    @property
    def is_slip(self) -> bool:
        return self.default_prefix is not None

    def decider(self):
        return _resolve(self.decide)

    def drawer(self):
        return _resolve(self.draw)


def _resolve(dotted: str):
    mod, fn = dotted.split(":")
    return getattr(importlib.import_module(mod), fn)


KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind("assign", "交办单", "交办单", "督交", "把一个事项交给牵头单位办理（附回执）",
         "docgen.engine.slips:assignments", "docgen.documents.slips:build_assign",
         ("来源", "事项", "牵头单位", "配合单位", "交办日期", "办结时限", "紧急程度")),
    Kind("urge", "催办单", "催办单", "督催", "催促临期（蓝色）或逾期（红色）未办结的事项",
         "docgen.engine.slips:urges", "docgen.documents.slips:build_urge",
         ("事项", "牵头单位", "办结时限")),
    Kind("rectify", "整改通知单", "整改单", "督改", "督导检查发现的问题、核查未通过的办结事项限期整改",
         "docgen.engine.slips:rectifications", "docgen.documents.slips:build_rectify",
         ("来源", "事项", "牵头单位", "办结时限")),
    Kind("bulletin", "督导通报", "督导通报", None, "定期通报督导事项落实情况、计分排名（出具即结算该期间）",
         "docgen.engine.figures:compute", "docgen.documents.bulletin:build_bulletin"),
)}

SLIP_KINDS = tuple(k for k in KINDS if KINDS[k].is_slip)

