"""Output tables as Parquet or CSV (``discrep score --format parquet|csv``), with the flat columns of
discrep.records.tables.

Every engine writes JSON Lines; the other formats are converted from them at the end of the run, in batches of
rows (pyarrow), so memory stays bounded whatever the size of the run. In both formats a list of records
(``quantities``, ``estimates``, ``contradictions``) is JSON text; a list of strings is a Parquet list and JSON
text in CSV.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from discrep.errors import ConfigError
from discrep.fs import TMP_INFIX, atomic_write
from discrep.records.tables import BOOL, COLUMNS, FLOAT, INT, JSON, LIST, flatten

FORMATS = ("jsonl", "parquet", "csv")
BATCH_ROWS = 5000


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} (one of {', '.join(FORMATS)})")
    return fmt


def schema(table: str, fmt: str):
    """The pyarrow schema of ``table`` in ``fmt`` (CSV has no list type: lists are JSON text there)."""
    import pyarrow as pa

    kinds = {INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_(),
             LIST: pa.list_(pa.string()) if fmt == "parquet" else pa.string()}
    return pa.schema([(c, kinds.get(k, pa.string())) for c, k in COLUMNS[table]])


def _cell(v, kind: str, fmt: str):
    if v is None:
        return None
    if kind == JSON or (kind == LIST and fmt == "csv"):
        return json.dumps(v, ensure_ascii=False)
    if kind == LIST:
        return [None if x is None else str(x) for x in v]
    if kind == FLOAT:
        return float(v)
    return v


def _batches(table: str, records: Iterable[dict], fmt: str, sch) -> Iterator:
    import pyarrow as pa

    cols = COLUMNS[table]
    buf: list[dict] = []

    def batch():
        return pa.record_batch([pa.array([_cell(r[c], k, fmt) for r in buf], type=sch.field(c).type)
                                for c, k in cols], schema=sch)

    for rec in records:
        buf.append(flatten(table, rec))
        if len(buf) >= BATCH_ROWS:
            yield batch()
            buf = []
    if buf:
        yield batch()


def write_table(table: str, records: Iterable[dict], path: str | Path, fmt: str) -> int:
    """Write ``records`` (output dicts, as in the JSONL file) to ``path`` as ``fmt`` (parquet | csv), through a
    temp file and a rename; returns the number of rows."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    sch = schema(table, fmt)
    n = 0
    with atomic_write(path, "wb") as fh:
        writer = pq.ParquetWriter(fh, sch) if fmt == "parquet" else pacsv.CSVWriter(fh, sch)
        try:
            for b in _batches(table, records, fmt, sch):
                writer.write_batch(b)
                n += b.num_rows
        finally:
            writer.close()
    return n


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def convert_dir(out: str | Path, fmt: str) -> list[Path]:
    """Each ``<table>.jsonl`` of a run folder written also as ``<table>.<fmt>`` (streamed in batches); returns the
    JSONL files converted, which the caller removes once the run is marked complete. Stale files of the other
    formats (an earlier run in the same folder) are removed, so the folder holds one format."""
    out = Path(out)
    done = []
    for table in COLUMNS:
        src = out / f"{table}.jsonl"
        for other in FORMATS[1:]:
            for stale in out.glob(f"{table}.{other}{TMP_INFIX}*"):
                with contextlib.suppress(OSError):
                    stale.unlink()
            if other != fmt:
                with contextlib.suppress(FileNotFoundError):
                    (out / f"{table}.{other}").unlink()
        if fmt == "jsonl" or not src.exists():
            continue
        write_table(table, read_jsonl(src), out / f"{table}.{fmt}", fmt)
        done.append(src)
    return done


def read_table(path: str | Path):
    """One output table as a DataFrame, from any of the formats (lists and JSON columns decoded as in
    :meth:`discrep.records.result.ScoreResult.to_pandas`)."""
    import pandas as pd

    path = Path(path)
    table = path.name.split(".", 1)[0]
    kinds = dict(COLUMNS[table])
    if path.suffix == ".jsonl":
        return pd.DataFrame.from_records([flatten(table, r) for r in read_jsonl(path)], columns=list(kinds))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    else:
        import pyarrow.csv as pacsv

        sch = schema(table, "csv")
        opts = pacsv.ConvertOptions(column_types=sch, strings_can_be_null=True,
                                    quoted_strings_can_be_null=False)  # null is written bare, "" quoted
        rows = pacsv.read_csv(path, convert_options=opts).to_pylist()
    for r in rows:
        for c, k in kinds.items():
            if r[c] is not None and (k == JSON or (k == LIST and isinstance(r[c], str))):
                r[c] = json.loads(r[c])
    return pd.DataFrame.from_records(rows, columns=list(kinds))
