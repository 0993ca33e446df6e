"""Output files of ``discrep score``: written to a temporary name and renamed, so a killed run
never leaves a half-written file that looks complete. ``run.json`` is written last and removed
first, so its presence marks a finished run. Schemas are in docs/outputs.md."""
from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from discrep.errors import OutputError
from discrep.fs import TMP_INFIX, atomic_write
from discrep.stages.reconcile import GRADES

SCHEMAS: dict[str, dict[str, type | tuple]] = {
    "claims.jsonl": {"claim_id": str, "article_id": str, "outlet": str, "published": (str, type(None)),
                     "sentence": int, "text": str, "source": str, "incident_id": (str, type(None)),
                     "quantities": list, "date": (str, type(None)), "places": list, "polarity": str},
    "incidents.jsonl": {"incident_id": str, "title": str, "date_from": (str, type(None)),
                        "date_to": (str, type(None)), "places": list, "sources": list, "claim_ids": list},
    "discrepancies.jsonl": {"incident_id": str, "source_a": str, "source_b": str, "label": str, "score": float,
                            "reason": str, "claim_a": dict, "claim_b": (dict, type(None))},
    "source_pairs.jsonl": {"incident_id": str, "source_a": str, "source_b": str, "n_agree": int,
                           "n_contradict": int, "n_unreported_a": int, "n_unreported_b": int,
                           "agreement": (float, int, type(None))},
    "rejects.jsonl": {"input": str, "reason": str, "severity": str, "code": (str, type(None))},
    "figures.jsonl": {"incident_id": str, "event": str, "unit": str, "place": (str, type(None)), "low": (int, float),
                      "best": (int, float), "high": (int, float, type(None)), "policy": str, "n_sources": int,
                      "supporting_claim_ids": list, "disputed": bool, "grade": str, "estimates": list},
    "grades.jsonl": {"incident_id": str, "grade": str, "flags": list, "n_sources": int, "silent_parties": list},
    "syndication.jsonl": {"article_id": str, "original_id": str, "outlet": str, "original_outlet": str,
                          "similarity": (float, int)},
    "provenance.jsonl": {"claim_id": str, "source": str, "origin": str, "chain": list, "copy_of": (str, type(None))},
}
QUANTITY_KEYS = {"value", "low", "high", "unit", "event"}
OUTPUT_FILES = (*SCHEMAS, "report.html", "run.json")
COMPLETION_MARKER = "run.json"
LOCK_FILE = ".discrep-lock"  # in --out while a run writes there (discrep.io.lock)
WORK_DIRS = (".discrep-run", ".discrep-spark")  # the stream engine's checkpoint, Spark's driver spool
COUNTED = {"claims.jsonl": ("claims",), "incidents.jsonl": ("incidents",), "discrepancies.jsonl": ("discrepancies",),
           "source_pairs.jsonl": ("source_pairs",), "rejects.jsonl": ("rejects", "warnings"),
           "figures.jsonl": ("figures",), "syndication.jsonl": ("syndicated",)}  # lines = the sum of these counts


def prepare_out_dir(out: str | Path) -> Path:
    """Before a run writes into ``out``: remove the completion marker of an earlier run (so old and
    new files never pass for one finished run) and temp files left by a killed run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (out / COMPLETION_MARKER).unlink()
    remove_stale_temps(out)
    return out


def remove_stale_temps(out: str | Path) -> None:
    """Remove the ``*.tmp-*`` files a killed run left in ``out`` (its outputs) and in its work folders.
    Only safe while holding ``out``'s lock: otherwise they may be another live run's files in the making."""
    out = Path(out)
    stale = [p for name in OUTPUT_FILES for p in out.glob(f"{name}{TMP_INFIX}*")]
    stale += [p for d in WORK_DIRS for p in (out / d).glob(f"*{TMP_INFIX}*")]
    for p in stale:
        with contextlib.suppress(OSError):
            p.unlink()


def out_dir(out: str | Path) -> Path:
    """``out``, created if missing; OutputError (one line, before any model loads) when it is a file or
    cannot be written."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out {out} is a file, not a folder; give a folder (created if missing)") from None
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {e.strerror or e}") from None
    if not out.is_dir():
        raise OutputError(f"--out {out} is not a folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"the output folder {out} is not writable")
    return out


@contextlib.contextmanager
def locked_run(out: str | Path, incidents: str | Path | None = None, quiet: bool = False):
    """Hold a run's ``out`` folder (and its incident store) exclusively for the whole run: a second run on
    either refuses at once with LockError naming the holder's pid. Taken before the model loads, so the
    folder and the store are checked first (OutputError, StoreError). Temp files a killed run left in
    ``out`` are removed here, under the lock, also on ``--resume``."""
    from discrep.io.lock import RunLock

    out = out_dir(out)
    with contextlib.ExitStack() as stack:
        held = [stack.enter_context(RunLock(out / LOCK_FILE, f"the output folder {out}", "--out"))]
        remove_stale_temps(out)
        if incidents is not None:
            from discrep.io.store import IncidentStore, store_lock_path

            held.append(stack.enter_context(RunLock(store_lock_path(incidents), f"the incident store {incidents}",
                                                    "--incidents")))
            IncidentStore.check(incidents)
        for lock in held:
            if lock.stale_ and not quiet:
                print(f"note: {lock.what} was locked by pid {lock.stale_.get('pid')}, which is no longer "
                      "running; lock taken over", file=sys.stderr)
        yield out


def check_outputs(out: str | Path, counts: dict) -> None:
    """Before ``run.json`` says a run finished: every output file it lists is in ``out`` and holds the lines
    the run counted. OutputError otherwise (e.g. another process removed or replaced them meanwhile)."""
    out = Path(out)
    for name in OUTPUT_FILES:
        if name == COMPLETION_MARKER:
            continue
        p = out / name
        if not p.is_file():
            raise OutputError(f"output file {p} is missing after the run wrote it (was {out} changed by another "
                              "process?); run.json not written")
        keys = COUNTED.get(name)
        if keys and all(k in counts for k in keys):
            want, got = sum(int(counts[k]) for k in keys), _count_lines(p)
            if got != want:
                raise OutputError(f"output file {p} has {got} lines, the run wrote {want} (was {out} changed by "
                                  "another process?); run.json not written")


def _count_lines(p: Path) -> int:
    n = 0
    with open(p, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def json_line(d: Any) -> str:
    """One JSON line, always valid JSON: NaN/inf become null, unencodable text (lone surrogates,
    e.g. from file names) is \\u-escaped instead of failing the whole file."""
    try:
        s = json.dumps(d, ensure_ascii=False, allow_nan=False)
    except ValueError:
        s = json.dumps(_finite(d), ensure_ascii=False, allow_nan=False)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = json.dumps(_finite(d), ensure_ascii=True, allow_nan=False)
    return s


def _finite(x):
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def write_jsonl(path: str | Path, records: Iterable[Any]) -> int:
    n = 0
    with atomic_write(path) as fh:
        for r in records:
            d = r.to_dict() if hasattr(r, "to_dict") else r
            fh.write(json_line(d) + "\n")
            n += 1
    return n


def write_json(path: str | Path, obj: Any):
    d = _finite(json.loads(json.dumps(obj, default=str)))  # default=str: dates and paths
    text = json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(d, indent=2, ensure_ascii=True, allow_nan=False)
    with atomic_write(path) as fh:
        fh.write(text)


def validate_record(name: str, rec: dict) -> list[str]:
    """Problems of one output record against its schema (empty list: valid)."""
    errs = []
    schema = SCHEMAS[name]
    for k, t in schema.items():
        if k not in rec:
            errs.append(f"{name}: missing field {k}")
        elif not isinstance(rec[k], t) or (t is int and isinstance(rec[k], bool)):
            errs.append(f"{name}: field {k} has type {type(rec[k]).__name__}")
    if name == "claims.jsonl":
        for q in rec.get("quantities", []):
            if not QUANTITY_KEYS <= set(q):
                errs.append(f"{name}: quantity lacks {QUANTITY_KEYS - set(q)}")
            elif q["high"] is not None and q["low"] > q["high"]:
                errs.append(f"{name}: quantity low > high")
    if name == "figures.jsonl" and not errs:
        hi = rec["high"] if rec["high"] is not None else float("inf")
        if not rec["low"] <= rec["best"] <= hi:
            errs.append(f"{name}: need low <= best <= high")
        if rec["grade"] not in GRADES:
            errs.append(f"{name}: bad grade {rec['grade']}")
        if rec["n_sources"] < 1 or not rec["supporting_claim_ids"]:
            errs.append(f"{name}: a figure needs at least one source and one supporting claim")
    if name == "grades.jsonl" and rec.get("grade") not in GRADES:
        errs.append(f"{name}: bad grade {rec.get('grade')}")
    if name == "discrepancies.jsonl":
        if rec.get("label") not in ("agree", "contradict", "unreported"):
            errs.append(f"{name}: bad label {rec.get('label')}")
        if not 0.0 <= rec.get("score", -1) <= 1.0:
            errs.append(f"{name}: score out of [0, 1]")
        for side in ("claim_a", "claim_b"):
            c = rec.get(side)
            if isinstance(c, dict) and not {"claim_id", "text", "source"} <= set(c):
                errs.append(f"{name}: {side} lacks claim_id/text/source")
    return errs


def validate_dir(out_dir: str | Path) -> list[str]:
    """Validate every JSONL output of a scoring run; returns the list of problems."""
    errs = []
    for name in SCHEMAS:
        p = Path(out_dir) / name
        if not p.exists():
            errs.append(f"{name}: missing")
            continue
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            try:
                rec = json.loads(line, parse_constant=_no_constant)
            except ValueError as e:
                errs.append(f"{name}:{i}: not JSON ({e})")
                continue
            errs += [f"{e} (line {i})" for e in validate_record(name, rec)]
    if not (Path(out_dir) / "report.html").exists():
        errs.append("report.html: missing")
    run = Path(out_dir) / "run.json"
    if not run.exists():
        errs.append("run.json: missing (the run did not finish)")
    else:
        try:
            summary = json.loads(run.read_text(encoding="utf-8"), parse_constant=_no_constant)
            if summary["read"] != summary["scored"] + summary["rejected"]:
                errs.append(f"run.json: read {summary['read']} != scored {summary['scored']} + "
                            f"rejected {summary['rejected']}")
        except (ValueError, KeyError, TypeError) as e:
            errs.append(f"run.json: invalid ({type(e).__name__}: {e})")
    return errs


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
