"""A table of the runs of one MLflow experiment, read from the tracking store.

    python experiments/compare.py                          # experiment discrep-pair, newest 20 runs
    python experiments/compare.py --tag experiment=numeric --metrics news_val_macro_f1 gold_ece
    python experiments/compare.py --sort gold_ece --asc

Columns: run name, experiment tag, model, feature groups, the chosen metrics; the champion is starred.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_METRICS = ["news_val_macro_f1", "val_macro_f1", "val_contradiction_recall", "val_ece", "gold_macro_f1",
                   "gold_conflicts_found", "gold_compatible_as_contradict", "gold_ece", "fnc_cv_macro_f1",
                   "fnc_cv_contradict_f1", "train_seconds"]
SHORT = {"news_val_macro_f1": "news_F1", "val_macro_f1": "val_F1", "val_contradiction_recall": "val_c_rec",
         "val_ece": "val_ECE", "gold_macro_f1": "gold_F1", "gold_conflicts_found": "gold_conf",
         "gold_compatible_as_contradict": "compat→c", "gold_ece": "gold_ECE", "fnc_cv_macro_f1": "fnc_F1",
         "fnc_cv_contradict_f1": "fnc_disF1", "train_seconds": "train_s"}


def table(runs, metrics, champion_run=None) -> list[list[str]]:
    rows = [["", "run", "experiment", "model", "features"] + [SHORT.get(m, m) for m in metrics]]
    for r in runs:
        p = r["params"]
        model = (p.get("model.estimator._target_") or "?").rsplit(".", 1)[-1].replace("Classifier", "")
        feats = p.get("features.groups", "?").replace('"', "").strip("[]").replace(", ", "+")
        mode = p.get("features.embedding_mode", "")
        if "embedding" in feats and mode:
            feats = feats.replace("embedding", f"emb:{mode}")
        vals = []
        for m in metrics:
            v = r["metrics"].get(m)
            vals.append("—" if v is None else (f"{v:.0f}" if m.endswith(("seconds", "found", "contradict"))
                                                and not m.endswith("_f1") else f"{v:.3f}"))
        rows.append(["*" if r["run_id"] == champion_run else "", r["name"] or r["run_id"][:8],
                     r["tags"].get("experiment", ""), model, feats] + vals)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiment", default="discrep-pair", help="MLflow experiment name")
    ap.add_argument("--tag", action="append", default=[], help="KEY=VALUE tag filter, e.g. experiment=numeric")
    ap.add_argument("--metrics", nargs="+", default=DEFAULT_METRICS)
    ap.add_argument("--sort", default=None, help="metric to sort by (default: newest first)")
    ap.add_argument("--asc", action="store_true")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--tracking-uri", default=None)
    args = ap.parse_args(argv)
    os.environ.setdefault("DISCREP_HOME", str(Path.cwd() / "work"))
    from discrep.io.tracking import champion_info, search_runs

    flt = " and ".join(f"tags.{k} = '{v}'" for k, v in (t.split("=", 1) for t in args.tag))
    runs = search_runs(args.experiment, args.tracking_uri, filter_string=flt, max_results=max(args.n, 200))
    if args.sort:
        runs.sort(key=lambda r: r["metrics"].get(args.sort, float("nan") if args.asc else float("-inf")),
                  reverse=not args.asc)
    runs = runs[: args.n]
    if not runs:
        print(f"no runs in experiment {args.experiment!r}" + (f" matching {flt}" if flt else ""))
        return 1
    champ = champion_info(args.tracking_uri)
    rows = table(runs, args.metrics, champ["run_id"] if champ else None)
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(x.ljust(w[i]) for i, x in enumerate(r)).rstrip())
    if champ:
        print(f"\n* champion: discrep-pair v{champ['version']} (selection metric news_val_macro_f1 = "
              f"{champ['selection_metric']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
