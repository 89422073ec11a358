"""The code of the built-in kinds: each kind's decider (engine), what it prints (documents), its form and its
hooks, attached to its data (kinds.py) and registered. Imported by the edge (issuing) before anything is issued;
docs/extending.md shows how a new kind is declared the same way, its data and its code together."""
from __future__ import annotations

from .. import kinds as K
from ..documents import slips as S
from ..documents.bulletin import build_bulletin
from ..documents.standalone import build_notice, build_proposal, build_request
from ..documents.forms import FORMS
from ..engine import slips as E
from ..engine.figures import compute
from .standalone import PERIOD_ID


def _urge_extra(reg, cal, st, s, item) -> dict:
    """A 催办单 says which 催办 of its item it is, and by when to reply; for an item returned for rework it cites
    the 整改通知单 that set the deadline it urges (the last failed verification's, issued by the urge's date)."""
    times = 1 + sum(1 for o in st.of_item(s.kind, item.id) if (o.issued, o.year, o.seq) < (s.issued, s.year, s.seq))
    out = {"times": times, "reply": E.reply_by(s.issued, reg.rules, cal)}
    failed = [ev for ev in reg.events_of(item.id) if ev.date <= s.issued and ev.type == "核查" and ev.passed is False]
    if failed:
        basis = st.find("rectify", E.rectify_key(item.id, failed[-1]))
        if basis is not None and not basis.is_void and basis.issued <= s.issued:
            out["assign"] = basis
    return out


def _rectify_extra(reg, cal, st, s, item) -> dict:
    """A 整改通知单 for a completion that failed verification cites that verification (its key names the day)."""
    day = E.failed_check_day(s.key)
    if day is None:
        return {}
    return {"failed": next((ev for ev in reg.events_of(item.id)
                            if ev.type == "核查" and ev.date == day and ev.passed is False), None)}


ASSIGN = K.register(K.Kind(K.ASSIGN, decide=E.assignments, context=S.assign_context, form=FORMS["交办单"],
                           late=E.late_issue))
RECTIFY = K.register(K.Kind(K.RECTIFY, decide=E.rectifications, context=S.rectify_context,
                            form=FORMS["整改通知单"], extra=_rectify_extra))
URGE = K.register(K.Kind(K.URGE, decide=E.urges, context=S.urge_context, form=FORMS["催办单"], tint=S.urge_tint,
                         extra=_urge_extra))
BULLETIN = K.register(K.Kind(K.BULLETIN, decide=compute, draw=build_bulletin))
def _resume_proposal(s) -> str:
    period = (s.facts or {}).get(PERIOD_ID, "期间")  # a facts record of before PERIOD_ID: any period completes it
    return f"docgen accountability --period {period} --on {s.issued.isoformat()} --issue"


COORDINATE = K.register(K.Kind(K.COORDINATE, draw=build_request,
                               resume=lambda s: f"docgen coordinate {s.key} --on {s.issued.isoformat()}"))
NOTICE = K.register(K.Kind(K.NOTICE, draw=build_notice,
                           resume=lambda s: f"docgen scores --period {s.key} --on {s.issued.isoformat()} --notice"))
ACCOUNT = K.register(K.Kind(K.ACCOUNT, draw=build_proposal, resume=_resume_proposal))
