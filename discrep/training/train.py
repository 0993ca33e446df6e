"""The training app: build pairs, fit the pair classifier, evaluate, track in MLflow.

``run(cfg)`` is the library entry (a notebook can compose a config with Hydra's compose API and
call it); ``discrep train`` wraps it as a Hydra app so overrides and ``-m`` sweeps work.
"""
from __future__ import annotations

import hashlib
import logging
import random
import re
import time
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from discrep.errors import TrackingError
from discrep.records.core import LABELS, REPORT_LABELS, ClaimPair
from discrep.training.data import (
    DEFAULT_KINDS,
    PairSet,
    fnc_pairs,
    gold_pairs,
    read_jsonl,
    set_hf_cache,
    sick_pairs,
    story_folds,
    synthetic_pairs,
)

log = logging.getLogger("discrep.train")


def file_hash(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def build_parts(cfg: DictConfig):
    from hydra.utils import instantiate

    extractor = instantiate(cfg.extract)
    embedder = instantiate(cfg.embedder)
    featurizer = instantiate(cfg.features, embedder=embedder)
    clf = instantiate(cfg.model, featurizer=featurizer, _convert_="all")
    return extractor, embedder, clf


def build_training_data(cfg: DictConfig, extractor) -> tuple[PairSet, dict[str, str], list[str]]:
    """The labelled pool, dataset hashes, and notes on sources skipped (with the reason)."""
    pool = PairSet("train")
    hashes, notes = {}, []
    seeds = Path(cfg.data.seed_claims)
    if not seeds.exists():
        raise FileNotFoundError(f"seed claims for synthetic pairs not found: {seeds}")
    syn = synthetic_pairs(read_jsonl(seeds), extractor, kinds=dict(cfg.data.synthetic.kinds),
                          per_claim=int(cfg.data.synthetic.per_claim), seed=int(cfg.seed))
    pool.extend(syn)
    hashes["synthetic"] = file_hash(seeds)
    if cfg.data.sick.enabled:
        p = Path(cfg.data.sick.path)
        if p.exists():
            sick = sick_pairs(p, extractor, limit=cfg.data.sick.limit)
            pool.extend(sick)
            hashes["sick"] = file_hash(p)
        else:
            notes.append(f"SICK skipped: {p} not found (set data.sick.path or DISCREP_SHARED)")
    for n in notes:
        log.warning(n)
    return pool, hashes, notes


def grouped_split(groups: list[str], val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train / validation rows by group (incident, story, SICK pair): a group's side is a hash of its id, so
    every run — whatever its data or model settings — holds out the same incidents."""
    del seed  # the split must not move between runs that are compared
    side = np.array([_hash01(g) < val_fraction for g in groups], dtype=bool)
    return np.flatnonzero(~side), np.flatnonzero(side)


def _hash01(s: str) -> float:
    return int(hashlib.sha256(f"discrep-val:{s}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def news_selection_set(cfg: DictConfig, extractor) -> PairSet:
    """A fixed news validation set: synthetic pairs of the held-out incidents, made with the default
    transformations and a fixed seed, so runs with different data settings are ranked on the same pairs."""
    syn = synthetic_pairs(read_jsonl(cfg.data.seed_claims), extractor, kinds=DEFAULT_KINDS, per_claim=10, seed=20240102)
    keep = [i for i, g in enumerate(syn.groups) if _hash01(g) < float(cfg.data.val_fraction)]
    return syn.subset(keep)


def pairs_frame(ps: PairSet):
    """A PairSet as the rows MLflow's dataset records describe (schema, row count, digest)."""
    import pandas as pd

    return pd.DataFrame({"text_a": [p.a.text for p in ps.pairs], "text_b": [p.b.text if p.b else "" for p in ps.pairs],
                         "source_a": [p.source_a for p in ps.pairs], "source_b": [p.source_b for p in ps.pairs],
                         "label": list(ps.labels), "kind": list(ps.kinds) or [ps.name] * len(ps),
                         "group": list(ps.groups) or [""] * len(ps)})


def frame_digest(df) -> str:
    """A digest of every row (MLflow's own hashes a sample): equal digests, equal pairs and labels."""
    h = hashlib.sha256()
    for row in df.itertuples(index=False):
        h.update(repr(tuple(row)).encode("utf-8"))
    return h.hexdigest()[:16]


def portable(value, roots: dict[str, str]):
    """``value`` (a resolved config) with this machine's paths replaced by the config keys they come from
    (``${paths.root_dir}/data/sources.yaml``), any other absolute path cut to its file name: params compare
    across machines and do not publish a home folder."""
    if isinstance(value, dict):
        return {k: portable(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v, roots) for v in value]
    if not isinstance(value, str):
        return value
    for token, path in sorted(roots.items(), key=lambda kv: -len(kv[1])):
        if path and path != "/":
            value = re.sub(re.escape(path.rstrip("/")) + r"(?=/|$|[\s;,])", lambda _: token, value)
    if value.startswith("/"):
        value = f"…/{Path(value).name}"
    return value


def in_sweep() -> bool:
    """True inside a Hydra multirun job (``discrep train -m ...``)."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    except (ImportError, ValueError):
        return False


def champion_rescorer(news: PairSet, embedder, tracking_uri: str | None):
    """``rescore(version)``: the registered version's selection metric on this run's validation set (None when
    it cannot be loaded), for a champion that was selected on another set."""
    def rescore(version: str) -> float | None:
        from discrep.evaluation.metrics import classification_metrics
        from discrep.io import tracking

        try:
            champ, _ = tracking.load_classifier(f"models:/{tracking.REGISTERED_NAME}/{version}", tracking_uri)
            if "embedding" in champ.featurizer_.groups:
                from discrep.model.embedder import Embedder

                same = champ.embedder_name_ in (None, getattr(embedder, "model", None))
                champ.featurizer_.embedder = embedder if same else Embedder(model=champ.embedder_name_)
            P = champ.predict_proba(news.pairs)
        except Exception as e:  # noqa: BLE001 - untrusted, or features this code no longer makes: it stays
            log.warning("cannot re-score champion v%s: %s", version, e)
            return None
        classes = list(champ.classes_)
        m = classification_metrics(news.labels, [classes[i] for i in P.argmax(axis=1)], list(LABELS),
                                   prefix="news_val_", proba=P, classes=classes)
        return float(m[tracking.SELECTION_METRIC])
    return rescore


def fit_aggregator(cfg: DictConfig, clf, extractor, embedder) -> tuple[dict[str, float], list[str], object]:
    """Fit compare()'s stance aggregator on FNC-1 (when present): cross-validated by story for the metrics,
    then refit on all stories for the saved model. Returns metrics, notes and the rows it was fitted on
    (headline, body, label, story; None when not fitted) for the run's dataset record."""
    from types import SimpleNamespace

    from sklearn.base import clone
    from sklearn.metrics import f1_score

    from discrep.model.stance import StanceAggregator, document_features

    p = Path(cfg.data.fnc.path)
    if not cfg.data.fnc.enabled:
        return {}, [], None
    if not p.exists():
        return {}, [f"FNC-1 skipped: {p} not found (set data.fnc.path or DISCREP_SHARED)"], None
    fnc = fnc_pairs(p, limit=cfg.data.fnc.limit)
    folds = story_folds(fnc.stories, int(cfg.data.fnc.folds))
    keep = np.flatnonzero(folds >= 0)
    fnc = fnc.subset(keep)
    folds = folds[keep]
    pipe = SimpleNamespace(extractor=extractor, embedder=embedder, classifier=clf)
    t0 = time.perf_counter()
    X = document_features(pipe, fnc.claims, fnc.texts, top_k=int(cfg.data.fnc.top_k))
    y = np.array(fnc.labels)
    oof = np.empty(len(y), dtype=object)
    base = clf.aggregator if clf.aggregator is not None else StanceAggregator()
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        oof[te] = clone(base).fit(X[tr], y[tr]).predict(X[te])
    f1 = f1_score(y, oof, labels=list(LABELS), average=None, zero_division=0)
    m = {"fnc_cv_macro_f1": float(np.mean(f1)), "fnc_cv_accuracy": float(np.mean(oof == y)),
         **{f"fnc_cv_{lab}_f1": float(v) for lab, v in zip(LABELS, f1)}, "fnc_n": float(len(y)),
         "fnc_seconds": time.perf_counter() - t0}
    clf.fit_aggregator(X, y)
    import pandas as pd

    rows = pd.DataFrame({"headline": list(fnc.claims), "body": list(fnc.texts), "label": list(y),
                         "story": list(fnc.stories)})
    return m, [], rows


def evaluate_gold(clf, extractor, cfg: DictConfig) -> tuple[dict[str, float], PairSet, list, list]:
    """Three-way verdicts on the hand-labelled pairs of data/gold (evaluation only)."""
    from discrep.evaluation.metrics import classification_metrics
    from discrep.io.ingest import read_articles
    from discrep.stages.verdict import three_way

    gold_dir = Path(cfg.data.gold_dir)
    if not (gold_dir / "pairs.jsonl").exists():
        return {}, PairSet("gold"), [], []
    arts, _ = read_articles([cfg.data.examples_dir])
    claims = [c for a in arts for c in extractor.extract(a)]
    gold = gold_pairs(gold_dir, claims)
    if not gold.pairs:
        return {"gold_missing": float(len(gold.missing))}, gold, [], []
    probas = clf.proba_frame(gold.pairs)
    preds, p3s = [], []
    for pr in probas:
        lab, _, p3 = three_way(pr)
        preds.append(lab)
        p3s.append([p3[k] for k in REPORT_LABELS])
    m = classification_metrics(gold.labels, preds, list(REPORT_LABELS), prefix="gold_",
                               proba=np.array(p3s), classes=list(REPORT_LABELS))
    conflicts = [i for i, l in enumerate(gold.labels) if l == "contradict"]
    compat = [i for i, k in enumerate(gold.kinds) if k == "qualifier_compatible"]
    m["gold_conflicts_found"] = float(sum(preds[i] == "contradict" for i in conflicts))
    m["gold_conflicts_total"] = float(len(conflicts))
    m["gold_compatible_as_contradict"] = float(sum(preds[i] == "contradict" for i in compat))
    m["gold_missing"] = float(len(gold.missing))
    return m, gold, preds, p3s


def run(cfg: DictConfig) -> dict:
    from discrep.evaluation.metrics import classification_metrics, confusion_figure, reliability_figure
    from discrep.io import tracking

    t_start = time.perf_counter()
    promote, sweep = tracking.promote_setting(cfg.get("promote")), in_sweep()
    if promote is True and sweep:
        from discrep.errors import ConfigError

        raise ConfigError("promote=true in a sweep (-m) would make whichever run ends last the champion: sweep "
                          "without it, then promote the run you choose: discrep train <its overrides> promote=true")
    work = Path(cfg.paths.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    # Fail fast: minutes of training must not be lost to a tracking server that is down.
    offline = False
    try:
        tracking.check_reachable(tracking.resolve_tracking_uri(cfg.tracking.uri))
    except TrackingError as e:
        if not cfg.tracking.offline_fallback:
            raise
        offline = True
        log.warning("%s", str(e).split(". Start it")[0])
        log.warning("training anyway (tracking.offline_fallback=true): the model will be saved locally")
    set_hf_cache(work / "cache")
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    extractor, embedder, clf = build_parts(cfg)

    pool, hashes, notes = build_training_data(cfg, extractor)
    tr, va = grouped_split(pool.groups, float(cfg.data.val_fraction), int(cfg.seed))
    train_set, val_set = pool.subset(tr), pool.subset(va)
    w = np.array([float(cfg.data.sick.weight) if k == "sick" else 1.0 for k in train_set.kinds])
    log.info("training on %d pairs (%s), validating on %d", len(train_set),
             {l: train_set.labels.count(l) for l in LABELS}, len(val_set))
    t0 = time.perf_counter()
    clf.fit(train_set.pairs, train_set.labels, sample_weight=w)
    train_seconds = time.perf_counter() - t0

    P = clf.predict_proba(val_set.pairs)
    classes = list(clf.classes_)
    pred = [classes[i] for i in P.argmax(axis=1)]
    metrics = classification_metrics(val_set.labels, pred, list(LABELS), prefix="val_", proba=P, classes=classes)
    news = news_selection_set(cfg, extractor)
    Pn = clf.predict_proba(news.pairs)
    metrics.update(classification_metrics(news.labels, [classes[i] for i in Pn.argmax(axis=1)], list(LABELS),
                                          prefix="news_val_", proba=Pn, classes=classes))
    metrics["train_seconds"] = train_seconds
    metrics["n_train"] = float(len(train_set))
    t1 = time.perf_counter()
    clf.predict_proba(val_set.pairs[:200])
    metrics["seconds_per_1k_pairs"] = (time.perf_counter() - t1) / max(1, min(200, len(val_set))) * 1000
    gm, gold, gpred, gp3 = evaluate_gold(clf, extractor, cfg)
    metrics.update(gm)
    fm, fnotes, fnc_rows = fit_aggregator(cfg, clf, extractor, embedder)
    metrics.update(fm)
    notes += fnotes
    if fm:
        hashes["fnc1"] = file_hash(Path(cfg.data.fnc.path) / "stances.csv")
    # the champion is chosen on held-out news pairs that every run shares (never on the gold set,
    # which stays an evaluation set); their digest tells whether two runs were ranked on the same pairs
    selection = metrics[tracking.SELECTION_METRIC]
    metrics["selection_metric"] = selection
    frames = {"train": pairs_frame(train_set), "validation": pairs_frame(val_set), "news": pairs_frame(news)}
    selection_set = frame_digest(frames["news"])
    metrics["run_seconds"] = time.perf_counter() - t_start  # data, embeddings, fit, evaluation (not MLflow I/O)

    run_name = cfg.run_name or f"{cfg.experiment_name}-{Path(str(cfg.model.estimator._target_)).suffix[1:]}-" \
                               f"{'+'.join(cfg.features.groups)}"
    tags = {"git_commit": tracking.git_commit() or "", "experiment": str(cfg.experiment_name),
            "data_hash": "-".join(f"{k}:{v}" for k, v in sorted(hashes.items())), "notes": "; ".join(notes)}
    cfg_dict = OmegaConf.to_container(cfg, resolve=True)
    roots = {"${paths.work_dir}": str(cfg.paths.work_dir), "${paths.shared_dir}": str(cfg.paths.shared_dir),
             "${paths.root_dir}": str(cfg.paths.root_dir), "~": str(Path.home())}
    example = _input_example(val_set.pairs[:3])
    result = {"metrics": metrics, "run_name": run_name}
    try:
        if offline:
            raise TrackingError("tracking store unreachable at start")
        with tracking.start_run(str(cfg.tracking.experiment), run_name, tags, cfg.tracking.uri) as run:
            tracking.log_params(portable(cfg_dict, roots))
            tracking.log_params({"datasets": {k: f"{k}@{v}" for k, v in hashes.items()}})
            tracking.log_dict(cfg_dict, "config.json")
            tracking.log_metrics(metrics)
            tracking.log_datasets(_dataset_records(cfg, frames, selection_set, gold, fnc_rows, roots))
            tracking.log_figure(confusion_figure(val_set.labels, pred, list(LABELS), "validation"),
                                "plots/confusion_val.png")
            tracking.log_figure(reliability_figure(val_set.labels, P, classes, "validation"),
                                "plots/reliability_val.png")
            if gpred:
                tracking.log_figure(confusion_figure(gold.labels, gpred, list(REPORT_LABELS), "gold"),
                                    "plots/confusion_gold.png")
                tracking.log_figure(reliability_figure(gold.labels, np.array(gp3), list(REPORT_LABELS), "gold"),
                                    "plots/reliability_gold.png")
            reg = tracking.log_classifier(clf, example, cfg.extract.sources_path, cfg.extract.places_path,
                                          register=bool(cfg.tracking.register), selection_metric=selection,
                                          promote=promote, selection_set=selection_set, sweep=sweep,
                                          rescore=champion_rescorer(news, embedder, cfg.tracking.uri))
            result.update(reg)
            result["run_id"] = run.info.run_id
            result["tracking_uri"] = tracking.resolve_tracking_uri(cfg.tracking.uri)
    except TrackingError:
        if not cfg.tracking.offline_fallback:
            raise
        out = tracking.save_offline(clf, work / "models" / time.strftime("%Y%m%d-%H%M%S"), cfg_dict, metrics,
                                    example, run_name, selection_set=selection_set)
        log.error("tracking store unreachable: model saved to %s; log it later with "
                  "`discrep log-model %s` (add --tracking-uri URI for another store)", out, out)
        result["model_uri"] = str(out)
        result["offline"] = True
    result["total_seconds"] = time.perf_counter() - t_start
    _print_summary(result)
    return result


def _dataset_records(cfg: DictConfig, frames: dict, selection_set: str, gold: PairSet, fnc, roots: dict[str, str]
                     ) -> list[dict]:
    """The run's datasets for ``mlflow.log_input``: name, rows (described, not stored), digest, source (a
    path in config terms, see :func:`portable`), context."""
    src = portable(str(cfg.data.seed_claims), roots)
    if cfg.data.sick.enabled and (frames["train"]["kind"] == "sick").any():
        src += " + " + portable(str(cfg.data.sick.path), roots)
    out = [{"name": "train", "df": frames["train"], "source": src, "context": "training"},
           {"name": "validation", "df": frames["validation"], "source": src, "context": "validation"},
           {"name": "news-selection", "df": frames["news"], "source": portable(str(cfg.data.seed_claims), roots),
            "context": "selection", "digest": selection_set}]
    if gold.pairs:
        out.append({"name": "gold", "df": pairs_frame(gold), "source": portable(f"{cfg.data.gold_dir}/pairs.jsonl",
                                                                                roots), "context": "evaluation"})
    if fnc is not None:  # compare()'s stance aggregator was fitted on it
        out.append({"name": "fnc1-dev", "df": fnc, "source": portable(str(cfg.data.fnc.path), roots),
                    "context": "training"})
    for d in out:
        d["digest"] = d.get("digest") or frame_digest(d["df"])
    return out


def _input_example(pairs: list[ClaimPair]):
    import pandas as pd

    rows = []
    for p in pairs or []:
        rows.append({"text_a": p.a.text, "text_b": p.b.text if p.b else "", "source_a": p.source_a,
                     "source_b": p.source_b, "published_a": p.a.published.isoformat() if p.a.published else "",
                     "published_b": p.b.published.isoformat() if p.b and p.b.published else ""})
    if not rows:
        rows = [{"text_a": "The governor said one person was killed.", "text_b": "Two people were killed.",
                 "source_a": "governor", "source_b": "channel", "published_a": "2024-01-02",
                 "published_b": "2024-01-02"}]
    return pd.DataFrame(rows)


def _print_summary(result: dict):
    m = result["metrics"]
    keys = ["val_macro_f1", "news_val_macro_f1", "val_contradiction_recall", "val_ece", "gold_macro_f1",
            "gold_conflicts_found", "gold_conflicts_total", "gold_compatible_as_contradict", "gold_ece",
            "fnc_cv_macro_f1", "fnc_cv_contradict_f1", "train_seconds"]
    print(f"run {result.get('run_name')}: " + ", ".join(f"{k}={m[k]:.3f}" for k in keys if k in m))
    if result.get("model_uri"):
        from discrep.io.tracking import registration_line

        print(f"model: {result['model_uri']}" + (f" ({registration_line(result)})" if result.get("version") else
                                                   f" ({result['promotion']})" if result.get("promotion") else ""))


def hydra_main():
    import hydra

    from discrep.errors import DiscrepError

    @hydra.main(version_base="1.3", config_path=None, config_name="config")
    def _app(cfg: DictConfig):
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        try:
            return run(cfg)["metrics"].get("selection_metric")
        except DiscrepError as e:  # one clear line and exit 2, not Hydra's traceback dump
            import sys

            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(2) from None

    _app()
