"""Command line: a thin layer over the library.

``discrep train [hydra overrides]`` is a Hydra app; ``score``, ``compare`` and ``ui`` are plain
commands (shell globs and --flags do not fit Hydra's key=value grammar).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from discrep import __version__
from discrep.errors import DiscrepError
from discrep.resources import RESOURCE_ROOT, conf_dir_or_none, find_conf_dir

LOOPBACK = ("127.0.0.1", "localhost", "::1")



def _env_defaults():
    from discrep.io.tracking import default_home

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


def cmd_score(args) -> int:
    _env_defaults()
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
                                        clusterer=st.clusterer, min_align=st.min_align, **st.engine_options)
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
                                  embedder_options=st.embedder, clusterer=st.clusterer, min_align=st.min_align)
    except KeyboardInterrupt:
        if engine != "stream":
            raise
        print(f"\ninterrupted: the finished part is kept in {out}; run the same command with --resume "
              f"to continue", file=sys.stderr)
        return 130
    c = summary["counts"]
    print(f"scored {c['articles']} articles -> {c['claims']} claims, {c['incidents']} incidents, "
          f"{c.get('label_contradict', 0)} contradictions, {c.get('label_unreported', 0)} unreported, "
          f"{c.get('label_agree', 0)} agreements; {summary['rejected']} inputs rejected, "
          f"{summary.get('warnings', 0)} warnings")
    print(f"model:  {summary['model_uri']}")
    print(f"output: {out}")
    print(f"report: {out / 'report.html'}")
    if c["articles"] == 0:
        print(f"error: nothing could be scored: {nothing_scored_reason(summary)}; "
              f"see {out / 'rejects.jsonl'}", file=sys.stderr)
        return 2
    return 0


def cmd_compare(args) -> int:
    _env_defaults()
    from discrep.api import compare

    text = Path(args.text).read_text(encoding="utf-8") if args.file else args.text
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
    s.add_argument("--unknown-lang", choices=("warn", "reject"), default="warn",
                   help="articles not in English: score with a warning (default) or reject")
    s.add_argument("--max-chars", type=int, default=2_000_000,
                   help="reject article texts longer than this (default 2,000,000 characters)")
    s.add_argument("--quiet", action="store_true", help="no progress output (the stream engine's bar is also off "
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
    c = sub.add_parser("compare", help="check one claim against one document")
    c.add_argument("claim")
    c.add_argument("text", help="the document text, or a file path with --file")
    c.add_argument("--file", action="store_true", help="TEXT is a path to read")
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
    return p


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
    try:
        return {"score": cmd_score, "compare": cmd_compare, "ui": cmd_ui,
                "log-model": cmd_log_model}[args.command](args)
    except DiscrepError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
