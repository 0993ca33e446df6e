"""Metrics that make runs comparable: macro-F1, per-class P/R/F1, contradiction recall, calibration."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support


def expected_calibration_error(y_true, proba: np.ndarray, classes, n_bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over confidence bins, weighted by bin size."""
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    conf = proba.max(axis=1)
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    correct = (pred == np.asarray(y_true)).astype(float)
    bins = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def classification_metrics(y_true, y_pred, labels, prefix: str = "", proba=None, classes=None) -> dict[str, float]:
    y_true, y_pred = list(y_true), list(y_pred)
    present = [l for l in labels if l in set(y_true) | set(y_pred)]
    out = {f"{prefix}macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
           f"{prefix}accuracy": float(np.mean(np.array(y_true) == np.array(y_pred))) if y_true else float("nan"),
           f"{prefix}n": float(len(y_true))}
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for lab, pi, ri, fi, si in zip(labels, p, r, f, s):
        if si == 0 and lab not in y_pred:
            continue
        out[f"{prefix}{lab}_precision"] = float(pi)
        out[f"{prefix}{lab}_recall"] = float(ri)
        out[f"{prefix}{lab}_f1"] = float(fi)
    if "contradict" in labels:
        out[f"{prefix}contradiction_recall"] = out.get(f"{prefix}contradict_recall", float("nan"))
    if proba is not None and classes is not None:
        out[f"{prefix}ece"] = expected_calibration_error(y_true, proba, classes)
    return out


def confusion_figure(y_true, y_pred, labels, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = confusion_matrix(y_true, y_pred, labels=labels)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", color="black" if cm[i, j] < cm.max() / 2 else "white")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def reliability_figure(y_true, proba, classes, title: str, n_bins: int = 10):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    proba = np.asarray(proba)
    conf = proba.max(axis=1)
    correct = (np.asarray(classes)[proba.argmax(axis=1)] == np.asarray(y_true)).astype(float)
    bins = np.linspace(0, 1, n_bins + 1)
    xs, ys, ns = [], [], []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            xs.append(conf[m].mean())
            ys.append(correct[m].mean())
            ns.append(int(m.sum()))
    fig, ax = plt.subplots(figsize=(4.4, 4.2))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    ax.plot(xs, ys, "o-", label="model")
    for x, y, n in zip(xs, ys, ns):
        ax.annotate(str(n), (x, y), fontsize=7, xytext=(3, -8), textcoords="offset points")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title} (ECE {expected_calibration_error(y_true, proba, classes):.3f})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
