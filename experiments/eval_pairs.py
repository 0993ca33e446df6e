"""The pair-classifier targets in one table, with published reference points beside them.

    python experiments/eval_pairs.py                 # champion model of $DISCREP_HOME/mlflow.db (default ./work)
    python experiments/eval_pairs.py --model models:/discrep-pair/3 --skip-sick

Rows:
- data/gold (evaluation only): numeric conflicts found, qualifier-compatible pairs called contradiction, ECE;
- FNC-1 dev half through ``discrep.compare``: every pair is judged by a model whose stance aggregator never
  saw its story (5 story folds; pairs whose headline and body stories fall in different folds are left out);
- SICK test: the ``experiment=sick`` recipe (full embedding block + logistic regression) trained on SICK
  TRAIN+TRIAL, with its cost per pair; and the champion itself on SICK test for comparison;
- training time of the champion's run.
Public data is read from ../shared/data (or $DISCREP_SHARED/data); a missing set is reported, not faked.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("DISCREP_ROOT", str(ROOT))

import numpy as np  # noqa: E402


def compose_cfg(overrides=()):
    from hydra import compose, initialize_config_dir

    from discrep.io.tracking import default_home

    os.environ.setdefault("DISCREP_HOME", str(default_home()))
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def gold_rows(pipe, cfg):
    from discrep.training.train import evaluate_gold

    m, gold, preds, p3 = evaluate_gold(pipe.classifier, pipe.extractor, cfg)
    if not m or "gold_conflicts_total" not in m:
        return [("gold: pairs mapped", "none", "", "", "")]
    return [
        ("gold: numeric conflicts found", f"{m['gold_conflicts_found']:.0f}/{m['gold_conflicts_total']:.0f}",
         "all", "—", m["gold_conflicts_found"] == m["gold_conflicts_total"]),
        ("gold: qualifier-compatible called contradict", f"{m['gold_compatible_as_contradict']:.0f}", "0", "—",
         m["gold_compatible_as_contradict"] == 0),
        ("gold: ECE (3-way)", f"{m['gold_ece']:.3f}", "≤ 0.05", "—", m["gold_ece"] <= 0.05),
        ("gold: macro-F1 (3-way, n=%d)" % m["gold_n"], f"{m['gold_macro_f1']:.3f}", "", "—", ""),
    ]


def fnc_rows(pipe, cfg, folds: int, top_k: int, limit: int | None):
    from sklearn.metrics import f1_score

    from discrep.api import compare
    from discrep.model.stance import StanceAggregator, document_features, prepare_document
    from discrep.records.core import LABELS
    from discrep.training.data import fnc_pairs, story_folds

    path = Path(cfg.data.fnc.path)
    if not path.exists():
        return [("FNC-1: skipped", f"{path} not found", "", "", "")]
    fnc = fnc_pairs(path, limit=limit)
    fold = story_folds(fnc.stories, folds)
    keep = np.flatnonzero(fold >= 0)
    fnc, fold = fnc.subset(keep), fold[keep]
    t0 = time.perf_counter()
    X = document_features(pipe, fnc.claims, fnc.texts, top_k=top_k)
    y = np.array(fnc.labels)
    saved = getattr(pipe.classifier, "aggregator_", None)
    docs, pred = {}, np.empty(len(y), dtype=object)
    try:
        for k in np.unique(fold):
            pipe.classifier.aggregator_ = StanceAggregator().fit(X[fold != k], y[fold != k])
            for i in np.flatnonzero(fold == k):
                t = fnc.texts[i]
                if t not in docs:
                    docs[t] = prepare_document(pipe, t)
                pred[i] = compare(fnc.claims[i], t, pipeline=pipe, top_k=top_k, document=docs[t]).label
    finally:
        if saved is not None:
            pipe.classifier.aggregator_ = saved
        else:
            del pipe.classifier.aggregator_
    secs = time.perf_counter() - t0
    f1 = dict(zip(LABELS, f1_score(y, pred, labels=list(LABELS), average=None, zero_division=0)))
    macro = float(np.mean(list(f1.values())))
    counts = {lab: int((y == lab).sum()) for lab in LABELS}
    print(f"FNC-1: {len(y)} pairs {counts}, {folds} story folds, {secs:.0f} s "
          f"({secs / len(y) * 1000:.0f} ms/pair incl. features twice); per-class F1 "
          + ", ".join(f"{k} {v:.3f}" for k, v in f1.items()))
    return [("FNC-1 dev, held-out stories: macro-F1 (4-class)", f"{macro:.3f}", "≥ 0.70",
             "0.58–0.60 (top-3, full test set)", macro >= 0.70),
            ("FNC-1 dev, held-out stories: disagree F1", f"{f1['contradict']:.3f}", "≥ 0.5",
             "well under 0.5 (top-3)", f1["contradict"] >= 0.5)]


def sick_rows(pipe, cfg, embedder):
    from sklearn.linear_model import LogisticRegression

    from discrep.model.classifier import PairClassifier
    from discrep.model.features import PairFeaturizer
    from discrep.stages.verdict import three_way  # noqa: F401
    from discrep.training.data import sick_pairs

    path = Path(cfg.data.sick.path)
    if not path.exists():
        return [("SICK: skipped", f"{path} not found", "", "", "")]
    ex = pipe.extractor
    train = sick_pairs(path, ex, splits=("TRAIN", "TRIAL"))
    test = sick_pairs(path, ex, splits=("TEST",))
    clf = PairClassifier(PairFeaturizer(embedder=embedder, embedding_mode="diff_prod"),
                         LogisticRegression(C=0.5, max_iter=3000, class_weight="balanced"), calibration="sigmoid")
    t0 = time.perf_counter()
    clf.fit(train.pairs, train.labels)
    fit_s = time.perf_counter() - t0
    pred = clf.predict(test.pairs)
    acc = float(np.mean(pred == np.array(test.labels)))
    # cost per pair: featurise + predict with cached vectors, and the embedding of two fresh sentences
    t0 = time.perf_counter()
    clf.predict_proba(test.pairs[:1000])
    cls_ms = (time.perf_counter() - t0) / 1000 * 1000
    from discrep.model.embedder import Embedder

    fresh = Embedder(model=embedder.model)
    texts = [f"{p.a.text} ({i})" for i, p in enumerate(test.pairs[:256])]
    fresh.encode(texts[:8])  # load the model outside the timing
    t0 = time.perf_counter()
    fresh.encode(texts)
    emb_ms = (time.perf_counter() - t0) / len(texts) * 1000
    own = pipe.classifier.predict(test.pairs)
    own = np.where(own == "unreported", "neutral", own)
    own_acc = float(np.mean(own == np.array(test.labels)))
    print(f"SICK: trained on {len(train)} TRAIN+TRIAL pairs in {fit_s:.0f} s; test n={len(test)}; cost per pair "
          f"{cls_ms:.2f} ms classifier (vectors cached) + 2 × {emb_ms:.1f} ms MiniLM embedding on this CPU")
    return [("SICK test accuracy (experiment=sick recipe)", f"{acc:.3f}", "≥ 0.80",
             "84.6% SemEval-14 winner; ~87% BERT-base", acc >= 0.80),
            ("SICK: cost per pair", f"{cls_ms + 2 * emb_ms:.1f} ms", "batch-cheap",
             "BERT-base cross-encoder ≈ 10× MiniLM", ""),
            ("SICK test accuracy (champion news model)", f"{own_acc:.3f}", "", "", "")]


def train_rows():
    from discrep.io.tracking import champion_info

    info = champion_info()
    if not info:
        return []
    m = info["metrics"]
    secs = m.get("run_seconds") or m.get("train_seconds", float("nan"))
    return [(f"champion v{info['version']} ({info['run_name']}): training run time", f"{secs:.0f} s", "< 300 s",
             "2 CPU cores", secs < 300),
            ("champion: news validation macro-F1 (selection metric)", f"{m.get('news_val_macro_f1', float('nan')):.3f}",
             "", "", "")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model URI (default: the champion of the default tracking store)")
    ap.add_argument("--skip-fnc", action="store_true")
    ap.add_argument("--skip-sick", action="store_true")
    ap.add_argument("--fnc-limit", type=int, default=None, help="first N FNC pairs only (quick check)")
    args = ap.parse_args(argv)
    cfg = compose_cfg()
    from discrep.api import DiscrepPipeline
    from discrep.model.embedder import Embedder
    from discrep.training.data import set_hf_cache

    set_hf_cache(Path(cfg.paths.work_dir) / "cache")
    embedder = Embedder(cache_dir=str(Path(cfg.paths.work_dir) / "cache"))
    pipe = DiscrepPipeline.from_model(args.model, embedder=embedder)
    print(f"model: {pipe.model_uri_}")
    rows = gold_rows(pipe, cfg)
    if not args.skip_fnc:
        rows += fnc_rows(pipe, cfg, int(cfg.data.fnc.folds), int(cfg.data.fnc.top_k), args.fnc_limit)
    if not args.skip_sick:
        rows += sick_rows(pipe, cfg, embedder)
    rows += train_rows()
    head = ("target", "measured", "bar", "published reference", "met")
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    print()
    for r in [head] + rows:
        met = {True: "yes", False: "NO"}.get(r[4], r[4]) if isinstance(r[4], bool) else r[4]
        print("  ".join(str(x).ljust(w[i]) for i, x in enumerate((*r[:4], met))))


if __name__ == "__main__":
    main()
