"""The output tables with flat columns: one row per record, one column per field, nested fields spread out.

The JSONL files keep the nested shape of ``to_dict``; a DataFrame, a Parquet file and a CSV file want flat
columns with a fixed type. :data:`COLUMNS` is that schema, once, for :meth:`ScoreResult.to_pandas
<discrep.records.result.ScoreResult.to_pandas>` and ``discrep score --format parquet|csv``
(discrep.io.tables); docs/outputs.md lists the columns. Rules:

* a discrepancy's two sides (``claim_a``, ``claim_b``) become ``<field>_a`` / ``<field>_b`` columns —
  ``claim_id``, ``article_id``, ``outlet``, ``published``, ``url``, ``text`` (the sentence) and
  ``claim_source`` (the speaker of that claim) — so a row needs no join to say who said what, where and when;
  its ``proba`` becomes ``p_agree``, ``p_contradict``, ``p_neutral``, ``p_unreported``;
* a list of strings stays a list (``places``, ``claim_ids``…), a list of records (``quantities``,
  ``estimates``, ``contradictions``) stays a list of dicts in a DataFrame and is JSON text in a file;
* dates stay ISO strings (``pd.to_datetime`` turns them into timestamps), as in the JSONL files.
"""
from __future__ import annotations

from typing import Any

STR, INT, FLOAT, BOOL, LIST, JSON = "str", "int", "float", "bool", "list", "json"
"""Column kinds: a list is a list of strings; JSON holds nested records."""

SIDE_FIELDS = ("claim_id", "article_id", "outlet", "published", "url", "text", "source")
"""The fields of a discrepancy's ``claim_a`` / ``claim_b`` (records.core.Discrepancy.to_dict)."""

PROBA = ("agree", "contradict", "neutral", "unreported")


def _side(x: str) -> list[tuple[str, str]]:
    return [(f"claim_source_{x}" if f == "source" else f"{f}_{x}", STR) for f in SIDE_FIELDS]


COLUMNS: dict[str, list[tuple[str, str]]] = {
    "claims": [("claim_id", STR), ("article_id", STR), ("outlet", STR), ("published", STR), ("sentence", INT),
               ("text", STR), ("source", STR), ("source_name", STR), ("source_type", STR), ("party", STR),
               ("incident_id", STR), ("quantities", JSON), ("events", LIST), ("date", STR), ("places", LIST),
               ("polarity", STR), ("kind", STR), ("silent_source", STR), ("topic", STR)],
    "incidents": [("incident_id", STR), ("title", STR), ("date_from", STR), ("date_to", STR), ("places", LIST),
                  ("sources", LIST), ("claim_ids", LIST)],
    "discrepancies": [("incident_id", STR), ("source_a", STR), ("source_b", STR), ("label", STR), ("score", FLOAT),
                      ("salience", FLOAT), ("reason", STR), ("fact", STR), *_side("a"), *_side("b"),
                      *[(f"p_{k}", FLOAT) for k in PROBA]],
    "source_pairs": [("incident_id", STR), ("source_a", STR), ("source_b", STR), ("n_agree", INT),
                     ("n_contradict", INT), ("n_unreported_a", INT), ("n_unreported_b", INT), ("agreement", FLOAT)],
    "rejects": [("input", STR), ("reason", STR), ("id", STR), ("severity", STR), ("code", STR)],
    "figures": [("incident_id", STR), ("event", STR), ("unit", STR), ("place", STR), ("low", FLOAT), ("best", FLOAT),
                ("high", FLOAT), ("policy", STR), ("n_sources", INT), ("sources", LIST),
                ("supporting_claim_ids", LIST), ("low_claim_ids", LIST), ("best_claim_ids", LIST),
                ("high_claim_ids", LIST), ("disputed", BOOL), ("grade", STR), ("flags", LIST),
                ("silent_parties", LIST), ("contradictions", JSON), ("superseded_claim_ids", LIST),
                ("estimates", JSON)],
    "grades": [("incident_id", STR), ("title", STR), ("grade", STR), ("flags", LIST), ("n_sources", INT),
               ("sources", LIST), ("silent_parties", LIST), ("n_figures", INT), ("n_contested", INT),
               ("n_confirmed", INT), ("reasons", LIST)],
    "syndication": [("article_id", STR), ("original_id", STR), ("outlet", STR), ("original_outlet", STR),
                    ("similarity", FLOAT), ("credited", BOOL)],
    "provenance": [("claim_id", STR), ("article_id", STR), ("outlet", STR), ("source", STR), ("origin", STR),
                   ("origin_name", STR), ("origin_type", STR), ("origin_party", STR), ("chain", LIST),
                   ("copy_of", STR), ("relayed", BOOL), ("chain_text", STR)],
}


def column_names(table: str) -> list[str]:
    return [c for c, _ in COLUMNS[table]]


def flatten(table: str, rec: dict[str, Any]) -> dict[str, Any]:
    """One output record (its ``to_dict``) as a flat row of ``table``'s columns (a missing field: None)."""
    if table != "discrepancies":
        return {c: rec.get(c) for c, _ in COLUMNS[table]}
    row = {k: rec.get(k) for k in ("incident_id", "source_a", "source_b", "label", "score", "salience", "reason",
                                   "fact")}
    for x in ("a", "b"):
        side = rec.get(f"claim_{x}") or {}
        row.update({c: side.get(f) for (c, _), f in zip(_side(x), SIDE_FIELDS)})
    proba = rec.get("proba") or {}
    row.update({f"p_{k}": proba.get(k) for k in PROBA})
    return row


def unflattened_keys(table: str, rec: dict[str, Any]) -> set[str]:
    """Fields of a record that no column holds (tests keep this empty: a new field needs a column)."""
    keys = set(rec)
    if table == "discrepancies":
        for x in ("a", "b"):
            side = rec.get(f"claim_{x}")
            keys |= {f"claim_{x}.{k}" for k in (side or {}) if k not in SIDE_FIELDS}
        keys |= {f"proba.{k}" for k in rec.get("proba") or {} if k not in PROBA}
        keys -= {"claim_a", "claim_b", "proba"}
    return keys - set(column_names(table))
