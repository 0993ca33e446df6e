"""Incident clustering quality: the bundled gold (claims) and two public document sets, against baselines.

    python experiments/eval_incidents.py                 # gold + FNC-1 + ECB+ tables
    python experiments/eval_incidents.py --only gold     # or fnc / ecb; --gold-grid prints the gold sweep

Gold: the claims `discrep` extracts from data/examples, each matched to its hand-labelled sentence in
data/gold/claims.jsonl; claims whose gold incident is null (background) are left out of the scores and
counted separately when they land in a gold incident's cluster.

Documents (../shared/data, or $DISCREP_SHARED/data): FNC-1 dev bodies -> stories, ECB+ documents ->
incidents (the topic field is never read). Three methods on the same MiniLM whole-body embeddings
(the model reads the first ~256 word pieces): a BERTopic-style pipeline (UMAP to 5 dims + HDBSCAN,
noise points kept as singletons), plain agglomerative clustering (average linkage, cosine threshold),
and discrep's IncidentClusterer with conf/cluster/documents.yaml terms (embedding + salient names +
word TF-IDF). Every method's parameters are chosen on labelled data other than what is reported:
FNC-1 by cross-validation over stories (2 folds of stories x 3 shuffles; tune on one half, report on
the other), ECB+ on the standard train topics, reported on the dev topics (and on all 772 documents).
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
os.environ.setdefault("HF_HOME", str(Path(os.environ.get("DISCREP_HOME", ROOT / "work")) / "hf"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from discrep.stages.cluster import Gazetteer, bcubed, context_fill, load_clusterer, salient_names

THRESHOLDS_PLAIN = np.round(np.arange(0.10, 1.001, 0.025), 3)
THRESHOLDS_OURS = np.round(np.arange(1.5, 3.501, 0.05), 3)
WEIGHTS = [(0.5, 1.0, 2.0), (1.0, 1.0, 1.0), (0.5, 0.5, 2.0), (1.0, 0.0, 2.0)]  # (w_text, w_entity, w_lexical)
MIN_CLUSTER = [2, 3, 4, 6]


def scores(y, p) -> dict:
    P, R, F = bcubed(y, p)
    return {"P": P, "R": R, "F": F, "ARI": adjusted_rand_score(y, p), "k": len(set(p))}


# ------------------------------------------------------------------------------------------------ methods
class Plain:
    name = "plain agglomerative (cosine)"

    def grid(self, E, texts):
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        D = np.clip(1.0 - E @ E.T, 0, 2)
        np.fill_diagonal(D, 0)
        Z = linkage(squareform(D, checks=False), "average")
        return {("threshold", float(t)): fcluster(Z, t, "distance") for t in THRESHOLDS_PLAIN}

    def run(self, E, texts, params):
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        D = np.clip(1.0 - E @ E.T, 0, 2)
        np.fill_diagonal(D, 0)
        return fcluster(linkage(squareform(D, checks=False), "average"), params[1], "distance")


class BERTopicStyle:
    name = "BERTopic-style (UMAP+HDBSCAN)"

    @staticmethod
    def reduce(E):
        try:
            import umap
        except ImportError:
            sys.exit("the BERTopic-style baseline needs umap-learn: pip install 'discrep[bench]'")

        return umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                         random_state=42).fit_transform(E)

    @staticmethod
    def hdb(R, m):
        from sklearn.cluster import HDBSCAN

        lab = HDBSCAN(min_cluster_size=m, copy=True).fit_predict(R)
        nxt = lab.max() + 1
        for i in np.flatnonzero(lab < 0):  # outliers: singletons (one "-1" topic would merge them all)
            lab[i] = nxt
            nxt += 1
        return lab

    def grid(self, E, texts):
        R = self.reduce(E)
        return {("min_cluster_size", m): self.hdb(R, m) for m in MIN_CLUSTER}

    def run(self, E, texts, params):
        return self.hdb(self.reduce(E), params[1])


class Ours:
    name = "discrep IncidentClusterer"

    def grid(self, E, texts):
        out = {}
        names = [salient_names(t) for t in texts]
        for wt, we, wl in WEIGHTS:
            k = load_clusterer("documents", w_text=wt, w_entity=we, w_lexical=wl).fit(E, entities=names, texts=texts)
            for t in THRESHOLDS_OURS:
                out[("w_text,w_entity,w_lexical,threshold", (wt, we, wl, float(t)))] = k.labels_at(t)
        return out

    def run(self, E, texts, params):
        wt, we, wl, t = params[1]
        return load_clusterer("documents", w_text=wt, w_entity=we, w_lexical=wl, distance_threshold=t).fit_predict(
            E, entities=[salient_names(x) for x in texts], texts=texts)


METHODS = [BERTopicStyle(), Plain(), Ours()]


def tune(method, E, texts, y):
    """Parameters with the best B-cubed F1 on (E, y); ties go to the first in grid order."""
    best = None
    for params, lab in method.grid(E, texts).items():
        f = bcubed(y, lab)[2]
        if best is None or f > best[0] + 1e-12:
            best = (f, params)
    return best[1], best[0]


def report(method, E, texts, y, params):
    t0 = time.perf_counter()
    lab = method.run(E, texts, params)
    dt = time.perf_counter() - t0
    return {**scores(y, lab), "s": dt}


def table(title, rows):
    print(f"\n{title}")
    print(f"{'method':34s} {'B3-P':>6s} {'B3-R':>6s} {'B3-F1':>6s} {'ARI':>6s} {'#cl':>5s} {'time s':>7s}  params")
    for name, r, params in rows:
        print(f"{name:34s} {r['P']:6.3f} {r['R']:6.3f} {r['F']:6.3f} {r['ARI']:6.3f} {r['k']:5.0f} {r['s']:7.2f}  {params}")


# ------------------------------------------------------------------------------------------------ data
def embedder():
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    from discrep.model.embedder import Embedder

    return Embedder(cache_dir=str(Path(os.environ.get("DISCREP_HOME", ROOT / "work")) / "cache"))


def shared_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get("DISCREP_SHARED")
    return Path(env) / "data" if env else ROOT.parent / "shared" / "data"


def load_fnc(shared: Path):
    from datasets import load_dataset

    p = shared / "fnc1-dev" / "bodies.csv"
    if not p.exists():
        return None
    ds = load_dataset("csv", data_files=str(p), split="train")
    return list(ds["body"]), list(ds["story"]), None


def load_ecb(shared: Path):
    from datasets import load_dataset

    p = shared / "ecbplus-dev" / "documents.jsonl"
    if not p.exists():
        return None
    ds = load_dataset("json", data_files=str(p), split="train")
    texts = [((t or "") + "\n" + x).strip() for t, x in zip(ds["title"], ds["text"])]
    return texts, list(ds["incident"]), list(ds["split"])  # the topic column is never read


# ------------------------------------------------------------------------------------------------ sections
def eval_gold(emb, grid: bool = False):
    from discrep.io.ingest import read_articles
    from discrep.stages.extract import ClaimExtractor
    from discrep.training.data import _norm, read_jsonl

    ex = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"), places_path=str(ROOT / "data" / "places.yaml"))
    arts, _ = read_articles([ROOT / "data" / "examples"])
    claims = [c for a in arts for c in ex.extract(a)]
    gold: dict[str, list[dict]] = {}
    for g in read_jsonl(ROOT / "data" / "gold" / "claims.jsonl"):
        if not g.get("caption"):
            gold.setdefault(g["article_id"], []).append(g)
    labels, matched = [], []
    for c in claims:
        t = _norm(c.text)
        m = next((g for g in gold.get(c.article_id, []) if _norm(g["sentence"]) in t or t in _norm(g["sentence"])), None)
        labels.append(m["incident"] if m else None)
        matched.append(m is not None)
    X = emb.encode([c.text for c in claims])
    ctx = context_fill(claims, Gazetteer.load(ROOT / "data" / "places.yaml"))
    keep = [i for i, lab in enumerate(labels) if lab]
    y = [labels[i] for i in keep]
    print(f"gold: {len(claims)} extracted claims, {len(keep)} with a gold incident ({len(set(y))} incidents), "
          f"{sum(1 for i, lab in enumerate(labels) if lab is None and matched[i])} background (null), "
          f"{matched.count(False)} not matched to a gold sentence")
    variants = [("discrep default (agglomerative.yaml)", load_clusterer("agglomerative"), True),
                ("  no place cannot-link", load_clusterer("agglomerative", cannot_link_places=False), True),
                ("  no context fill (own date/places)", load_clusterer("agglomerative"), False),
                ("  text only (same threshold)", load_clusterer("agglomerative", w_date=0, w_place=0, max_days=None,
                                                               cannot_link_places=False), True),
                ("discrep hdbscan.yaml", load_clusterer("hdbscan"), True)]
    rows = []
    for name, k, filled in variants:
        t0 = time.perf_counter()
        if filled:
            p = k.fit_predict(X, dates=ctx.dates, places=ctx.places, scopes=ctx.scopes)
        else:
            p = k.fit_predict(X, dates=[c.date or c.published for c in claims], places=[set(c.places) for c in claims])
        dt = time.perf_counter() - t0
        pk = p[keep]
        r = {**scores(y, pk), "s": dt}
        inc_clusters = {}
        for i in keep:
            inc_clusters.setdefault(p[i], []).append(labels[i])
        hotel = [i for i, c in enumerate(claims) if c.claim_id in ("nl-002:1", "nl-002:2")]
        kharkiv = {p[i] for i in keep if labels[i] == "kharkiv-2024-01-02"}
        sep = "apart" if hotel and not any(p[i] in kharkiv for i in hotel) else "MERGED"
        rows.append((name, r, f"Dec-30 Kharkiv hotel vs kharkiv-2024-01-02: {sep}"))
    table("Gold claims -> incidents (data/gold)", rows)
    if grid:
        import itertools

        res = []
        g = dict(distance_threshold=[1.0, 1.1, 1.2, 1.3, 1.4], w_date=[0.5, 1.0], date_tolerance_days=[0, 0.5, 1],
                 date_scale_days=[1, 2, 3], w_place=[1.0, 1.5, 2.0],
                 unknown_place=[0.15, 0.3], lifted_place=[0.3, 0.5, 1.0])
        for vals in itertools.product(*g.values()):
            kw = dict(zip(g, vals))
            p = load_clusterer("agglomerative", **kw).fit_predict(X, dates=ctx.dates, places=ctx.places,
                                                                  scopes=ctx.scopes)[keep]
            res.append((bcubed(y, p)[2], adjusted_rand_score(y, p), kw))
        res.sort(key=lambda r: -r[0])
        print(f"gold grid: {len(res)} configs, {sum(r[0] >= 0.9 for r in res)} reach B3-F1 >= 0.9; best:")
        for r in res[:5]:
            print(f"  B3-F1 {r[0]:.3f} ARI {r[1]:.3f} {r[2]}")


def eval_fnc(emb, data, folds: int = 2, repeats: int = 3):
    texts, y, _ = data
    y = np.asarray(y)
    t0 = time.perf_counter()
    E = emb.encode(texts)
    print(f"\nFNC-1 dev: {len(texts)} bodies, {len(set(y))} stories; embedding {time.perf_counter() - t0:.1f} s "
          f"(cached after the first run)")
    stories = np.array(sorted(set(y)))
    acc = {m.name: [] for m in METHODS}
    chosen = {m.name: [] for m in METHODS}
    for rep in range(repeats):
        rng = np.random.default_rng(rep)
        fold_of = {s: i % folds for i, s in enumerate(rng.permutation(stories))}
        f = np.array([fold_of[s] for s in y])
        for k in range(folds):
            tr, te = np.flatnonzero(f != k), np.flatnonzero(f == k)
            for m in METHODS:
                params, _ = tune(m, E[tr], [texts[i] for i in tr], y[tr])
                acc[m.name].append(report(m, E[te], [texts[i] for i in te], y[te], params))
                chosen[m.name].append(params[1])
    rows = []
    for m in METHODS:
        rs = acc[m.name]
        mean = {key: float(np.mean([r[key] for r in rs])) for key in rs[0]}
        sd = float(np.std([r["F"] for r in rs]))
        rows.append((m.name, mean, f"B3-F1 sd {sd:.3f}; chosen per split: {chosen[m.name]}"))
    table(f"FNC-1 bodies -> stories: mean over {folds * repeats} held-out halves ({folds} folds of stories x "
          f"{repeats} shuffles; parameters tuned on the other half)", rows)
    return E


def eval_ecb(emb, data):
    texts, y, split = data
    y = np.asarray(y)
    t0 = time.perf_counter()
    E = emb.encode(texts)
    split = np.asarray(split)
    tr, dev = np.flatnonzero(split == "train"), np.flatnonzero(split != "train")
    print(f"\nECB+: {len(texts)} documents, {len(set(y))} incidents (train {len(tr)} docs / dev {len(dev)} docs); "
          f"embedding {time.perf_counter() - t0:.1f} s")
    rows_dev, rows_all = [], []
    for m in METHODS:
        params, f_tr = tune(m, E[tr], [texts[i] for i in tr], y[tr])
        rows_dev.append((m.name, report(m, E[dev], [texts[i] for i in dev], y[dev], params),
                         f"{params} (train B3-F1 {f_tr:.3f})"))
        rows_all.append((m.name, report(m, E, texts, y, params), str(params)))
    table("ECB+ documents -> incidents, dev topics (parameters tuned on the train topics; topic never used)", rows_dev)
    table("ECB+ documents -> incidents, all 772 documents at once (same parameters; train part in-sample)", rows_all)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["gold", "fnc", "ecb"], action="append")
    ap.add_argument("--shared", help="folder holding fnc1-dev/ and ecbplus-dev/ (default ../shared/data)")
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gold-grid", action="store_true", help="also print the gold parameter sweep")
    a = ap.parse_args(argv)
    only = set(a.only or ["gold", "fnc", "ecb"])
    emb = embedder()
    t0 = time.perf_counter()
    if "gold" in only:
        eval_gold(emb, a.gold_grid)
    shared = shared_dir(a.shared)
    if "fnc" in only:
        d = load_fnc(shared)
        if d is None:
            print(f"\nFNC-1 skipped: {shared / 'fnc1-dev' / 'bodies.csv'} not found (set DISCREP_SHARED or --shared)")
        else:
            eval_fnc(emb, d, a.folds, a.repeats)
    if "ecb" in only:
        d = load_ecb(shared)
        if d is None:
            print(f"\nECB+ skipped: {shared / 'ecbplus-dev' / 'documents.jsonl'} not found")
        else:
            eval_ecb(emb, d)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
