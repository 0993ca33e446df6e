"""Command line: a thin layer over the library.

``discrep train [hydra overrides]`` is a Hydra app; ``score``, ``compare`` and ``ui`` are plain
commands (shell globs and --flags do not fit Hydra's key=value grammar).
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

from discrep import __version__
from discrep.errors import DiscrepError
from discrep.resources import RESOURCE_ROOT, conf_dir_or_none, find_conf_dir

LOOPBACK = ("127.0.0.1", "localhost", "::1")



def _env_defaults(quiet: bool = False):
    from discrep.io.tracking import default_home, quiet_progress_bars

    quiet_progress_bars(False if quiet else None)  # third-party bars: a terminal only, never under -q
    os.environ.setdefault("DISCREP_HOME", str(default_home()))
    os.environ.setdefault("DISCREP_ROOT", str(RESOURCE_ROOT))  # conf paths.root_dir
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def cmd_train(argv: list[str]) -> int:
    conf = None
    rest = []
    it = iter(argv)
    for a in it:
        if a == "--config-dir":
            conf = next(it, None)
        elif a.startswith("--config-dir="):
            conf = a.split("=", 1)[1]
        else:
            rest.append(a)
    if any(a in ("-h", "--help") for a in rest):
        print("usage: discrep train [--config-dir DIR] [hydra overrides ...]\n\n"
              "Train the pair classifier (a Hydra app) and track the run in MLflow.\n"
              "examples:\n  discrep train\n  discrep train experiment=baseline\n"
              "  discrep train model=hgb features=structured\n"
              "  discrep train -m model=logreg,hgb   # a sweep: every run registered, @champion stays\n"
              "  discrep train promote=true          # @champion whatever the score (default auto: only a run\n"
              "                                      # that beats it on the fixed news validation set)\n"
              "  discrep train --cfg job      # print the composed config\n\n"
              "config groups: data, embedder, extract, features, model, tracking, experiment\n"
              f"config folder: {find_conf_dir(conf)}")
        return 0
    if any(a.lstrip("+~").split("=", 1)[0].split(".")[0] == "cluster" for a in rest):
        raise DiscrepError("cluster is a scoring setting (the trained model holds no clusterer): "
                           "discrep score ... --set cluster=NAME or --set cluster.KEY=VALUE")
    _env_defaults()
    from discrep.training.train import hydra_main

    sys.argv = ["discrep-train", "--config-path", str(find_conf_dir(conf)), "--config-name", "config", *rest]
    hydra_main()
    return 0


def _parse_date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {s!r}") from None


def _salience(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {s!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"salience is between 0 and 1, got {v:g}")
    return v


def score_settings(args):
    """conf/score.yaml composed with ``--set`` overrides, then the flags given on top (a flag always wins)."""
    from discrep.engines.files import engine_name
    from discrep.errors import ConfigError
    from discrep.io.config import load_score_settings
    from discrep.stages.reconcile import ReconcilePolicy

    sets = list(args.set or [])
    if args.reconcile is not None and any(s.lstrip("+~").split("=", 1)[0].split(".")[0] == "reconcile" for s in sets):
        raise ConfigError("--reconcile and --set reconcile... both set the policy: use one (--set reconcile=NAME "
                          "--set reconcile.KEY=VALUE to change one key of a named policy)")
    if args.engine is not None:
        sets.append(f"engine={engine_name(args.engine)}")  # last: the flag wins over --set engine=...
    st = load_score_settings(args.config_dir, sets)
    if args.reconcile is not None:  # a name in conf/reconcile/ or a standalone YAML file, as before
        st.reconcile = ReconcilePolicy.load(args.reconcile, st.conf_dir or conf_dir_or_none())
    if args.chunk_size is not None and st.engine == "stream":
        st.engine_options["chunk_size"] = args.chunk_size
    if args.spark_master is not None and st.engine == "spark":
        st.engine_options["master"] = args.spark_master
    flags = {"batch_size": args.batch_size, "threads": args.threads, "backend": args.backend,
             "cache_dir": args.embed_cache}
    st.embedder = {**st.embedder, **{k: v for k, v in flags.items() if v is not None}}
    st.model = args.model or st.model
    st.tracking_uri = args.tracking_uri or st.tracking_uri
    return st


# OS errors that are the machine's state, not a bug: said in one line (exit 2), never a traceback
ENV_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG,
                        errno.ENOTDIR, errno.EISDIR, errno.EMFILE, errno.ENFILE, errno.ENAMETOOLONG})
POSITIVE = ("batch_size", "threads")  # score flags that must be at least 1 (0 and -1 crashed the embedder)


def _bad_number(args) -> str | None:
    for name in POSITIVE:
        v = getattr(args, name, None)
        if v is not None and v < 1:
            return f"--{name.replace('_', '-')} must be a positive number, got {v}"
    return None



def _holds_a_run(out: Path) -> bool:
    """``out`` holds a discrep run: output files, a checkpoint, or the lock of a run (running, or killed)."""
    from discrep.engines.stream import WORK_DIR
    from discrep.io.output import LOCK_FILE, OUTPUT_FILES

    return any((out / n).exists() for n in (*OUTPUT_FILES, WORK_DIR, LOCK_FILE))


def check_out_dir(out: Path, force: bool = False, resume: bool = False) -> None:
    """--out may be new, empty, or an earlier discrep run (replaced, as before); any other folder with
    files in it is refused unless --force: a typo must not scatter outputs among someone's files."""
    if force or resume or not out.is_dir() or _holds_a_run(out) or next(out.iterdir(), None) is None:
        return
    raise DiscrepError(f"--out {out} is a folder with other files and no discrep run in it: choose a new or "
                       f"empty folder, or pass --force to write into it anyway")


def _named(rows: list[dict], n: int = 3) -> str:
    names = list(dict.fromkeys(Path(str(r.get("input") or "?")).name for r in rows))
    return f" ({', '.join(names[:n])}{f', … {len(names) - n} more' if len(names) > n else ''})" if names else ""


def _reject_rows(out: Path) -> tuple[list[dict], list[dict]]:
    """Rejected and warned inputs of the finished run, for the summary line (rejects.jsonl)."""
    try:
        rows = [json.loads(x) for x in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines() if x]
    except (OSError, ValueError):
        return [], []
    return ([r for r in rows if r.get("severity") != "warning"], [r for r in rows if r.get("severity") == "warning"])


def cmd_score(args) -> int:
    bad = _bad_number(args)
    if bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    _env_defaults(args.quiet)
    from discrep.engines.files import nothing_scored_reason, score_files
    from discrep.errors import ConfigError
    from discrep.io.ingest import IngestDefaults

    st = score_settings(args)
    engine = st.engine
    if args.resume and engine != "stream":
        print(f"error: --resume needs --engine stream (the default; the {engine} engine keeps no checkpoints"
              f"{': Spark re-runs failed tasks itself' if engine == 'spark' else ''})", file=sys.stderr)
        return 2
    if engine == "spark" and args.incidents:
        print("error: --incidents is not available with --engine spark (the store is one SQLite file on this "
              "machine); use the stream engine (the default), see docs/scale.md", file=sys.stderr)
        return 2
    if args.resume and not args.out:
        print("error: --resume needs the --out folder of the interrupted run", file=sys.stderr)
        return 2
    out = Path(args.out or Path(os.environ["DISCREP_HOME"]) / "scores" / time.strftime("%Y%m%d-%H%M%S"))
    check_out_dir(out, force=args.force, resume=args.resume)
    defaults = IngestDefaults(outlet=args.outlet, published=args.published, lang=args.lang,
                              unknown_lang=args.unknown_lang, max_text_chars=args.max_chars)
    if st.embedder.get("threads"):
        import torch

        torch.set_num_threads(st.embedder["threads"])
    try:
        if engine == "spark":
            from discrep.engines.spark import score_files_spark

            bad = sorted(set(st.engine_options) - {"master", "max_block_claims"})
            if bad:
                raise ConfigError(f"engine spark: unknown keys {bad} (keys: conf/engine/spark.yaml)")
            summary = score_files_spark(args.inputs, out, model_uri=st.model, defaults=defaults,
                                        tracking_uri=st.tracking_uri, quiet=args.quiet, reconcile=st.reconcile,
                                        clusterer=st.clusterer, min_align=st.min_align, fmt=args.format,
                                        min_salience=args.min_salience, **st.engine_options)
        else:
            from discrep.engines.stream import StreamConfig

            if engine == "memory" and st.engine_options:
                raise ConfigError(f"engine memory takes no options, got {sorted(st.engine_options)}")
            try:
                cfg = StreamConfig(**st.engine_options) if engine == "stream" else None
            except TypeError as e:
                raise ConfigError(f"engine stream: {e} (keys: conf/engine/stream.yaml)") from None
            summary = score_files(args.inputs, out, model_uri=st.model, defaults=defaults,
                                  tracking_uri=st.tracking_uri, quiet=args.quiet, incidents=args.incidents,
                                  reconcile=st.reconcile, engine=engine, resume=args.resume, config=cfg,
                                  embedder_options=st.embedder, clusterer=st.clusterer, min_align=st.min_align,
                                  fmt=args.format, min_salience=args.min_salience)
    except KeyboardInterrupt:
        if engine != "stream":
            raise
        print(f"\ninterrupted: the finished part is kept in {out}; run the same command with --resume "
              f"to continue", file=sys.stderr)
        return 130
    except OSError as e:
        if e.errno not in ENV_ERRNOS:
            raise
        where = f" ({e.filename})" if e.filename else f" (writing {out})"
        again = ("; the finished part is kept: fix it, then run the same command with --resume"
                 if engine == "stream" and (out / ".discrep-run" / "state.json").exists() else "")
        print(f"error: {e.strerror or e}{where}{again}", file=sys.stderr)
        return 2
    c = summary["counts"]
    errs, warns = _reject_rows(out)
    print(f"scored {c['articles']} articles -> {c['claims']} claims, {c['incidents']} incidents, "
          f"{c.get('label_contradict', 0)} contradictions, {c.get('label_unreported', 0)} unreported, "
          f"{c.get('label_agree', 0)} agreements; {summary['rejected']} inputs rejected{_named(errs)}, "
          f"{summary.get('warnings', 0)} warnings{_named(warns)}")
    print(f"model:  {summary['model_uri']}")
    print(f"output: {out}")
    print(f"report: {out / 'report.html'}")
    if c["articles"] == 0:
        print(f"error: nothing could be scored: {nothing_scored_reason(summary)}; "
              f"see {out / ('rejects.' + summary.get('format', 'jsonl'))}", file=sys.stderr)
        return 2
    return 0


_PATHLIKE = re.compile(r"^[^\s]{1,255}\.(txt|md|html?|text)$", re.I)


def _read_text_file(path: str, what: str = "--file") -> str:
    from discrep.errors import InputError

    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise InputError(f"{what}: no such file: {path}") from None
    except OSError as e:
        raise InputError(f"{what}: cannot read {path}: {e.strerror or e}") from None


def compare_text(text: str, as_file: bool = False) -> str:
    """The document for ``compare``: a path with --file; a positional that names an existing file is read
    too (with a note: before, the path itself was compared, giving "unreported", p=1.0); one that only looks
    like a file name (no spaces, .txt/.html/.md) is refused rather than compared as text."""
    from discrep.errors import InputError

    if as_file:
        return _read_text_file(text)
    if len(text) < 4096 and "\n" not in text:
        with contextlib.suppress(OSError, ValueError):
            if Path(text).is_file():
                print(f"note: {text!r} is an existing file: reading it (pass --file to say so)", file=sys.stderr)
                return _read_text_file(text, "TEXT")
        if _PATHLIKE.match(text.strip()):
            raise InputError(f"TEXT {text!r} looks like a file name but there is no such file; pass the "
                             f"document's text, or --file PATH for a file that exists")
    return text


def _compare_pairs(path: str, model: str | None) -> int:
    """--pairs FILE.jsonl: one {"claim": ..., "text": ... | "file": ...} per line -> one JSON line each on
    stdout, in order, the model loaded once; a bad line gets {"line": N, "error": ...} and exit status 2."""
    from discrep.api import _pipeline, compare

    lines = _read_text_file(path, "--pairs").splitlines()
    pipe, bad = None, 0
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        row = {"line": n}
        try:
            rec = json.loads(raw)
            if not isinstance(rec, dict) or not isinstance(rec.get("claim"), str) or \
                    not isinstance(rec.get("text", rec.get("file")), str):
                raise ValueError('need an object with "claim" and "text" (or "file") strings')
            if "id" in rec:
                row["id"] = rec["id"]
            text = _read_text_file(rec["file"], f"line {n}: file") if "text" not in rec else rec["text"]
            pipe = pipe or _pipeline(model, None)
            row.update(compare(rec["claim"], text, pipeline=pipe).to_dict())
        except (ValueError, DiscrepError) as e:
            bad += 1
            row["error"] = str(e)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if bad:
        print(f"error: {bad} of the pairs in {path} could not be compared (see their \"error\")", file=sys.stderr)
    return 2 if bad else 0


def cmd_compare(args) -> int:
    _env_defaults(args.quiet)
    if args.pairs:
        if args.claim is not None or args.text is not None or args.file:
            raise DiscrepError("--pairs FILE.jsonl takes the claims and texts from the file: "
                               "give no CLAIM, TEXT or --file with it")
        return _compare_pairs(args.pairs, args.model)
    if args.claim is None or args.text is None:
        raise DiscrepError("compare needs CLAIM and TEXT (or --file PATH), or --pairs FILE.jsonl")
    from discrep.api import compare

    text = compare_text(args.text, args.file)
    r = compare(args.claim, text, model=args.model)
    print(json.dumps(r.to_dict(), indent=2, ensure_ascii=False))
    return 0


def cmd_log_model(args) -> int:
    _env_defaults()
    from discrep.io.tracking import log_saved_model, registration_line

    r = log_saved_model(args.path, tracking_uri=args.tracking_uri, experiment=args.experiment,
                        register=not args.no_register, force=args.force, promote=True if args.promote else "auto")
    print(f"logged {args.path} as run {r['run_id']} in {r['tracking_uri']}")
    print(f"model: {r['model_uri']}" + (f" ({registration_line(r)})" if r.get("version") else ""))
    return 0


def _port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def cmd_ui(args) -> int:
    """Replace this process with ``mlflow server`` on the project's store (one worker, no job runner:
    ~0.5 GB instead of ~3 GB), after printing where to point the browser."""
    _env_defaults()
    from discrep.io.tracking import artifact_root, experiment_links, resolve_tracking_uri

    uri = resolve_tracking_uri(args.tracking_uri)
    port = args.port if args.port else _free_port(args.host)
    if not _port_free(args.host, port):
        raise DiscrepError(f"port {port} on {args.host} is already in use (another `discrep ui`?): "
                           f"pass --port N, or --port 0 for any free port")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri, "--host", args.host,
           "--port", str(port), "--workers", "1"]
    root = artifact_root(uri)
    if root:
        cmd += ["--artifacts-destination", root]
    if args.host not in LOOPBACK:
        print(f"warning: binding {args.host} exposes the MLflow UI, which has no authentication, to other "
              "machines; the default 127.0.0.1 keeps it on this one", file=sys.stderr)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}"
    print(f"MLflow UI for {uri}\nopen {url}  (Ctrl-C to stop)", flush=True)
    for exp_id, name, n_runs in experiment_links(uri):
        print(f"  {name}: {n_runs} runs  {url}/#/experiments/{exp_id}/runs", flush=True)
    os.execve(sys.executable, cmd, env)
    return 0  # not reached




def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="discrep", description="Find where news sources disagree.",
                                epilog="Run `discrep COMMAND --help` for each command.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("train", help="train the pair classifier (Hydra app: discrep train [overrides])", add_help=False)
    s = sub.add_parser("score", help="score articles into claims, incidents, discrepancies and a report",
                       description="Score articles (JSONL, CSV, .txt, .html files or folders of them).")
    s.add_argument("inputs", nargs="+", help="input files or folders")
    s.add_argument("--model", help="local folder, runs:/<id>/model or models:/discrep-pair/<version|@alias>; "
                                   "default: the champion (or newest) registered discrep-pair model")
    s.add_argument("--out", help="output folder (default: $DISCREP_HOME/scores/<timestamp>)")
    s.add_argument("--outlet", help="outlet for inputs that do not name one (plain text)")
    s.add_argument("--published", type=_parse_date, help="publication date (ISO) for inputs without one")
    s.add_argument("--lang", help="language for inputs that do not name one")
    s.add_argument("--tracking-uri", help="MLflow tracking URI (default: sqlite file in $DISCREP_HOME)")
    s.add_argument("--incidents", metavar="STORE", help="incident store (SQLite file, created if missing): "
                                                       "claims join incidents of earlier runs, ids stay stable")
    s.add_argument("--reconcile", metavar="POLICY", help="reconciliation policy for figures.jsonl: a name in "
                   "conf/reconcile/ (conservative, median, latest) or a YAML path (default: conservative)")
    s.add_argument("--format", choices=("jsonl", "parquet", "csv"), default="jsonl",
                   help="format of the output tables (claims, incidents, discrepancies, ...): jsonl (default, nested "
                        "records), parquet or csv (flat columns, see docs/outputs.md); the report and run.json as "
                        "always")
    s.add_argument("--min-salience", type=_salience, default=None, metavar="S",
                   help="leave out unreported facts of salience under S (0-1: whether the fact is central, how many "
                        "independent sources state it, whether the silent source is a party or declined to "
                        "comment); default: the files keep all, the report lists those from 0.4 up")
    s.add_argument("--unknown-lang", choices=("warn", "reject"), default="warn",
                   help="articles not in English: score with a warning (default) or reject")
    s.add_argument("--max-chars", type=int, default=2_000_000,
                   help="reject article texts longer than this (default 2,000,000 characters)")
    s.add_argument("--force", action="store_true", help="write into an --out folder that holds other files "
                                                        "(an earlier discrep run there is replaced without it)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress output (the stream engine's bar is also off "
                                                        "when stderr is not a terminal)")
    s.add_argument("--engine", choices=("stream", "memory", "local", "spark"), default=None,
                   help="stream (default; conf/score.yaml's engine group): bounded memory, progress bar, "
                        "checkpoints for --resume; memory: the whole batch at once, no checkpoints ('local' is an "
                        "old name for it); spark: pyspark with the MLflow model as a UDF. All write the same files "
                        "(see docs/scale.md)")
    s.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out (same inputs and model; stream engine)")
    s.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="stream engine: articles per extract+embed chunk, one checkpoint each (default 200)")
    s.add_argument("--batch-size", type=int, metavar="N", help="sentences per embedding batch (default 64)")
    s.add_argument("--threads", type=int, metavar="N", help="CPU threads for the embedder (default: all cores)")
    s.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"),
                   help="embedder runtime: torch (default), onnx (same vectors, faster on CPU), onnx-int8 "
                        "(quantised: fastest, vectors differ slightly; see docs/scale.md)")
    s.add_argument("--embed-cache", metavar="DIR",
                   help="persistent embedding cache (SQLite, keyed by text hash): repeated texts across runs "
                        "are embedded once")
    s.add_argument("--spark-master", default=None, help="Spark master URL for --engine spark (default local[*])")
    s.add_argument("--config-dir", metavar="DIR", help="config folder holding score.yaml (default: $DISCREP_CONF, "
                                                      "./conf, the package's own conf/; none: built-in "
                                                      "defaults)")
    s.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="Hydra override of conf/score.yaml, repeatable: --set engine=memory "
                        "--set cluster.distance_threshold=1.2 --set reconcile=median; flags win over it")
    c = sub.add_parser("compare", help="check one claim against one document (or many pairs: --pairs)")
    c.add_argument("claim", nargs="?")
    c.add_argument("text", nargs="?", help="the document text, or a file path with --file (an existing file "
                                           "given without --file is read, with a note)")
    c.add_argument("--file", action="store_true", help="TEXT is a path to read")
    c.add_argument("--pairs", metavar="FILE.jsonl", help='batch: one {"claim": ..., "text": ...} (or "file": '
                   'PATH; optional "id") per line -> one JSON line per pair on stdout, the model loaded once')
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    c.add_argument("--model", help="model URI (default: the registered champion)")
    lm = sub.add_parser("log-model", help="log a locally saved model (tracking.offline_fallback) to MLflow",
                        description="Log a model folder that `discrep train` saved while the tracking server "
                                    "was unreachable: its params, metrics and the model, registered as "
                                    "discrep-pair.")
    lm.add_argument("path", help="the folder train printed (holds classifier.skops and discrep.json)")
    lm.add_argument("--tracking-uri", help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or the "
                                           "sqlite file in $DISCREP_HOME)")
    lm.add_argument("--experiment", help="MLflow experiment (default: the one the training run used)")
    lm.add_argument("--no-register", action="store_true", help="log only, do not register a model version")
    lm.add_argument("--force", action="store_true", help="log again a folder that was already logged")
    lm.add_argument("--promote", action="store_true", help="make this version @champion whatever its score "
                                                          "(default: only when it beats the champion)")
    u = sub.add_parser("ui", help="start the MLflow UI on the project's tracking store")
    u.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1: this machine only)")
    u.add_argument("--port", type=int, default=5000, help="port (default 5000; 0: any free port)")
    u.add_argument("--tracking-uri")
    for sp in (s, c, lm, u):
        _add_log_flags(sp)
    return p


def _add_log_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="more log output on stderr: -v info, -vv debug (default: warnings and errors)")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), type=str.lower,
                   help="log level on stderr; wins over -v/-q")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test's capture, a redirected stream)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def setup_logging(args) -> None:
    """One stderr handler for discrep and the libraries under it: warnings by default, -v info, -vv debug,
    -q errors only, --log-level exactly."""
    if getattr(args, "log_level", None):
        level = getattr(logging, args.log_level.upper())
    elif getattr(args, "verbose", 0):
        level = logging.INFO if args.verbose == 1 else logging.DEBUG
    else:
        level = logging.ERROR if getattr(args, "quiet", False) else logging.WARNING
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):  # once per process (main() may run often)
        h = _StderrHandler()
        h.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(h)
    for noisy in ("urllib3", "alembic", "filelock", "fsspec", "matplotlib"):  # not ours: debug only on -vv
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        try:
            return cmd_train(argv[1:])
        except DiscrepError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    p = build_parser()
    args = p.parse_args(argv)
    if not args.command:
        p.print_help()
        return 0
    setup_logging(args)
    try:
        return {"score": cmd_score, "compare": cmd_compare, "ui": cmd_ui,
                "log-model": cmd_log_model}[args.command](args)
    except DiscrepError as e:
        print(f"error: {str(e).replace(chr(10), ' ')}", file=sys.stderr)  # one line, whatever the message holds
        return 2


if __name__ == "__main__":
    sys.exit(main())
