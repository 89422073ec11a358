"""The year's assessment (rules.md §9, seed §13): the sum of its four quarters, per unit and per 责任人. Pure: the
quarters' score sheets (closed ones as the ledger recorded them) and the items' owners in, the year's view out.

A unit's year score is the base plus every point of its four quarters (扣分 and 加分), so the year's points equal the
sum of the quarters' points exactly. A quarter the unit had nothing due in adds the points it still had (a
bulletin naming an old item). A 责任人 (an item's `owner`) is scored on the points of the items he answers for, with
the same base (every owner is listed, one with no points at the base); an item without an owner is counted under its
unit only.
"""
from __future__ import annotations


def _r(x: float) -> float:
    return round(x, 6) + 0.0


def year_view(year: int, sheets: list[dict], owners: dict[str, tuple[str, str]], base: float, as_of: str) -> dict:
    """sheets: the quarters' score sheets (issuing.bulletin.score_sheet), Q1 first, those not begun as None;
    owners: item id -> (责任人, unit)."""
    units: dict[str, dict] = {}
    people: dict[tuple[str, str], dict] = {}
    order: list[str] = []
    for q, sheet in enumerate(sheets):
        if sheet is None:
            continue
        for u in sheet["units"]:
            name = u["unit"]
            if name not in units:
                units[name] = {"unit": name, "quarters": [None] * 4, "points": 0.0, "minus": 0.0, "plus": 0.0,
                               "active": False}
                order.append(name)
            row = units[name]
            pts = sum(e["points"] for e in u["events"])
            row["quarters"][q] = {"score": u["score"], "points": _r(pts), "active": u["active"],
                                  "closed": bool(sheet.get("closed"))}
            row["points"] = _r(row["points"] + pts)
            row["minus"] = _r(row["minus"] + sum(e["points"] for e in u["events"] if e["points"] < 0))
            row["plus"] = _r(row["plus"] + sum(e["points"] for e in u["events"] if e["points"] > 0))
            row["active"] = row["active"] or u["active"]
            for e in u["events"]:
                who = owners.get(e["item"])
                if not who:
                    continue
                key = (who[0], who[1])
                p = people.setdefault(key, {"owner": who[0], "unit": who[1], "items": set(), "points": 0.0,
                                            "minus": 0.0, "plus": 0.0, "quarters": [0.0] * 4})
                p["items"].add(e["item"])
                p["points"] = _r(p["points"] + e["points"])
                p["quarters"][q] = _r(p["quarters"][q] + e["points"])
                p["minus" if e["points"] < 0 else "plus"] = _r(p["minus" if e["points"] < 0 else "plus"] + e["points"])
    for item, who in owners.items():  # every 责任人 is listed, with nothing to score too
        p = people.setdefault((who[0], who[1]), {"owner": who[0], "unit": who[1], "items": set(), "points": 0.0,
                                                 "minus": 0.0, "plus": 0.0, "quarters": [0.0] * 4})
        p["items"].add(item)
    rows = []
    for name in order:
        row = units[name]
        row["score"] = _r(base + row["points"]) if row["active"] else None
        rows.append(row)
    ranked = sorted((r for r in rows if r["active"]), key=lambda r: (-r["score"], r["unit"]))
    prev, rank = None, 0
    for i, r in enumerate(ranked, 1):
        if r["score"] != prev:
            rank, prev = i, r["score"]
        r["rank"] = rank
    idle = sorted((r for r in rows if not r["active"]), key=lambda r: r["unit"])
    for r in idle:
        r["rank"] = None
    persons = []
    for (owner, unit), p in sorted(people.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        persons.append({**p, "items": sorted(p["items"]), "score": _r(base + p["points"])})
    labels = [s["period"]["label"] if s else None for s in sheets]
    return {"year": year, "as_of": as_of, "base": base, "quarters": labels, "units": ranked + idle, "owners": persons,
            "closed": [bool(s and s.get("closed")) for s in sheets]}
