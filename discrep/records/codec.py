"""Claims as JSON that round-trips exactly: the on-disk spool of a streaming run and the claim
columns that the Spark path hands to the MLflow model.

``Claim.to_dict`` is the *output* shape (it leaves out internal fields); a resumed run or a Spark
executor must rebuild the very same :class:`Claim`, so the spool keeps every dataclass field.
``claim_from_dict`` also reads the output shape of ``claims.jsonl`` (missing fields get defaults).
"""
from __future__ import annotations

import dataclasses
import json
import math
from datetime import date
from typing import Any

from discrep.records.core import Claim, Quantity

_CLAIM_FIELDS = {f.name for f in dataclasses.fields(Claim)}
_QTY_FIELDS = {f.name for f in dataclasses.fields(Quantity)}
_CLAIM_ORDER = [f.name for f in dataclasses.fields(Claim)]
_QTY_ORDER = [f.name for f in dataclasses.fields(Quantity)]
_DATE_FIELDS = ("published", "date")


def claim_to_dict(c: Claim) -> dict[str, Any]:
    """Every field of the claim, JSON-safe (dates as ISO strings, an unbounded ``high`` as None)."""
    d = {f: getattr(c, f) for f in _CLAIM_ORDER}  # shallow: dataclasses.asdict deep-copies (5x slower)
    for k in _DATE_FIELDS:
        if isinstance(d.get(k), date):
            d[k] = d[k].isoformat()
    d["events"], d["places"] = list(d["events"]), list(d["places"])
    qs = []
    for q in c.quantities:
        qd = {f: getattr(q, f) for f in _QTY_ORDER}
        if isinstance(qd["high"], float) and math.isinf(qd["high"]):
            qd["high"] = None
        qs.append(qd)
    d["quantities"] = qs
    return d


def claim_from_dict(d: dict[str, Any]) -> Claim:
    """Inverse of :func:`claim_to_dict`; unknown keys are ignored, so output records load too."""
    return Claim.from_dict(d)


def claim_to_json(c: Claim) -> str:
    return json.dumps(claim_to_dict(c), ensure_ascii=False)


def claim_from_json(s: str) -> Claim:
    return claim_from_dict(json.loads(s))
