"""Issue 16 item 6: a quieter, predictable CLI (no model needed here; the batch run is in
tests/system/test_compare_batch.py)."""
import json
import logging
import os

import pytest

from discrep.cli import _named, build_parser, check_out_dir, cmd_score, compare_text, main, setup_logging
from discrep.errors import DiscrepError, InputError


def test_out_on_a_foreign_non_empty_folder_is_refused_unless_forced(tmp_path, monkeypatch):
    calls = []
    done = {"counts": {"articles": 1, "claims": 0, "incidents": 0}, "rejected": 0, "model_uri": "m"}
    monkeypatch.setattr("discrep.engines.files.score_files", lambda *a, **kw: calls.append(kw) or done)
    theirs = tmp_path / "photos"
    theirs.mkdir()
    (theirs / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(DiscrepError, match="no discrep run in it.*--force"):
        cmd_score(build_parser().parse_args(["score", "in.jsonl", "--out", str(theirs)]))
    assert calls == [] and os.listdir(theirs) == ["holiday.jpg"]
    assert main(["score", "in.jsonl", "--out", str(theirs)]) == 2
    assert cmd_score(build_parser().parse_args(["score", "in.jsonl", "--out", str(theirs), "--force"])) == 0
    assert len(calls) == 1


@pytest.mark.parametrize("marker", ["run.json", "claims.jsonl", "report.html", ".discrep-run"])
def test_out_holding_an_earlier_run_new_or_empty_is_accepted(tmp_path, marker):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / marker).mkdir() if marker.startswith(".") else (earlier / marker).write_text("{}")
    (earlier / "notes.txt").write_text("mine")
    check_out_dir(earlier)
    check_out_dir(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    (tmp_path / "empty" / "x").write_text("x")
    check_out_dir(tmp_path / "empty", resume=True)
    with pytest.raises(DiscrepError):
        check_out_dir(tmp_path / "empty")


def test_compare_text_reads_an_existing_path_says_so_and_refuses_a_missing_one(tmp_path, capsys):
    doc = tmp_path / "doc.txt"
    doc.write_text("Officials said three people were killed.", encoding="utf-8")
    assert compare_text(str(doc)) == doc.read_text()
    assert "is an existing file: reading it" in capsys.readouterr().err
    assert compare_text(str(doc), as_file=True) == doc.read_text()
    with pytest.raises(InputError, match="--file: no such file: .*missing.txt"):
        compare_text(str(tmp_path / "missing.txt"), as_file=True)
    with pytest.raises(InputError, match="looks like a file name"):
        compare_text("report-2024.txt")
    assert compare_text("Three people were killed.") == "Three people were killed."


def test_compare_missing_file_is_an_error_line_not_a_traceback(tmp_path, capsys):
    assert main(["compare", "three killed", str(tmp_path / "missing.txt"), "--file"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --file: no such file") and "Traceback" not in err
    assert main(["compare", "three killed", "x", "--pairs", "p.jsonl"]) == 2
    assert main(["compare"]) == 2


def test_compare_pairs_reports_bad_lines_and_goes_on(tmp_path, capsys, monkeypatch):
    from discrep.api import Comparison

    loaded = []
    monkeypatch.setattr("discrep.api._pipeline", lambda model, pipe: loaded.append(model) or "PIPE")
    monkeypatch.setattr("discrep.api.compare", lambda c, t, pipeline=None, **kw:
                        Comparison("agree", {"agree": 1.0}, f"{pipeline}:{c}:{t}"))
    (tmp_path / "d.txt").write_text("from a file")
    pairs = tmp_path / "p.jsonl"
    pairs.write_text("\n".join([json.dumps({"id": "a", "claim": "c1", "text": "t1"}), "{not json",
                                json.dumps({"claim": "c2", "file": str(tmp_path / "d.txt")}),
                                json.dumps({"claim": "c3"}), ""]))
    assert main(["compare", "--pairs", str(pairs)]) == 2
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in out] == [1, 2, 3, 4] and out[0]["id"] == "a"
    assert [r.get("reason") for r in out] == ["PIPE:c1:t1", None, "PIPE:c2:from a file", None]
    assert "error" in out[1] and '"claim" and "text"' in out[3]["error"]
    assert loaded == [None]  # the model is loaded once


@pytest.mark.parametrize("argv, level", [([], logging.WARNING), (["-v"], logging.INFO), (["-vv"], logging.DEBUG),
                                         (["-q"], logging.ERROR), (["-v", "--log-level", "ERROR"], logging.ERROR)])
def test_log_flags(argv, level):
    setup_logging(build_parser().parse_args(["score", "in.jsonl", *argv]))
    assert logging.getLogger().level == level
    setup_logging(build_parser().parse_args(["compare", "a", "b", *argv]))
    assert logging.getLogger().level == level


def test_summary_names_rejected_files():
    rows = [{"input": "/data/in/a.csv:3"}, {"input": "/data/in/a.csv:3"}, {"input": "b.jsonl"}, {"input": "c"},
            {"input": "d"}]
    assert _named(rows) == " (a.csv:3, b.jsonl, c, … 1 more)"
    assert _named([]) == ""


def test_download_bars_off_unless_a_terminal(monkeypatch):
    from discrep.io import tracking

    for k in ("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "HF_HUB_DISABLE_PROGRESS_BARS"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    tracking.quiet_progress_bars()
    assert os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] == "false"
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"


def test_logging_reaches_stderr_once_however_often_main_runs(capsys):
    for _ in range(3):
        setup_logging(build_parser().parse_args(["score", "in.jsonl", "-v"]))
    logging.getLogger("discrep.test").info("hello")
    assert capsys.readouterr().err.count("INFO discrep.test: hello") == 1
    setup_logging(build_parser().parse_args(["score", "in.jsonl", "-q"]))
    logging.getLogger("discrep.test").warning("hidden")
    assert "hidden" not in capsys.readouterr().err
