"""Evaluation figures: where people would rather look than read.

* binary labels: score distribution per label with the decision threshold, ROC curve with its AUC,
  and a reliability curve (fraction of similar pairs per score bin against the bin's mean score);
* 3-class labels: score distribution per label with both thresholds, and the mean score per label;
* graded labels: score against gold with Spearman's ρ, and the mean score per gold value.

Figures are drawn from the scores and labels :func:`simcalc.evaluate.evaluate` already computed and
the metrics it reported, so plotting can never change a metric. matplotlib is imported only here and
only when a figure is drawn; :class:`matplotlib.figure.Figure` renders with the Agg canvas, so no
display and no global backend switch are needed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import InputFormatError, SimcalcError

COLORS = {0: "#c0392b", 1: "#2471a3", 2: "#1e8449"}
DPI = 100


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SimcalcError("plots need matplotlib: pip install 'simcalc[plot]' (or matplotlib)") from None

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def check_plot_path(path: str | Path) -> Path:
    """Refuse a plot target that cannot be written before any scoring work is done."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputFormatError(f"--plot takes a .png, .svg or .pdf file name, got {path.name!r}")
    if not path.absolute().parent.is_dir():
        raise InputFormatError(f"plot folder {path.absolute().parent} does not exist")
    return path


def _save(fig: Any, path: str | Path) -> Path:
    path = check_plot_path(path)
    fig.savefig(path)
    return path


def _fmt(value: Any, pct: bool = True) -> str:
    if not isinstance(value, (int, float)) or not np.isfinite(value):
        return "n/a"
    return f"{100 * value:.1f}%" if pct else f"{value:.3f}"


def _bins(scores: np.ndarray, low: float, high: float, n: int = 40) -> np.ndarray:
    low, high = min(low, float(scores.min())), max(high, float(scores.max()))
    return np.linspace(low, high, n + 1)


def plot_evaluation(report: Mapping[str, Any], scores: np.ndarray, labels: np.ndarray, path: str | Path,
                    score_range: Sequence[float] = (0.0, 1.0)) -> Path:
    """Draw the figure for one ``simcalc eval`` report (its task decides the panels) into ``path``."""
    data = Path(str(report["data"]))
    title = f"{data.parent.name}/{data.name}: {report['scorer']} (n={report['n']:,})"
    task = report["task"]
    if task == "binary":
        fig = _binary(report, scores, labels, score_range)
    elif task == "3class":
        fig = _three_class(report, scores, labels, score_range)
    else:
        fig = _graded(report, scores, labels)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    return _save(fig, path)


def _distribution(ax: Any, scores: np.ndarray, labels: np.ndarray, values: Sequence[int], names: Sequence[str],
                  bins: np.ndarray, thresholds: Sequence[float], source: str | None) -> None:
    for value, name in zip(values, names):
        part = scores[labels == value]
        if len(part):
            ax.hist(part, bins=bins, density=True, histtype="stepfilled", alpha=0.35, color=COLORS[value],
                    label=f"{name} (n={len(part):,})")
            ax.hist(part, bins=bins, density=True, histtype="step", color=COLORS[value], linewidth=1.2)
    for i, t in enumerate(thresholds):
        label = ("threshold" if len(thresholds) == 1 else "thresholds") + " " + ", ".join(f"{v:.3f}" for v in thresholds)
        ax.axvline(t, color="black", linestyle="--", linewidth=1.2, label=label if i == 0 else None)
    ax.set_xlabel("score")
    ax.set_ylabel("density")
    ax.set_title("score distribution per label" + (f"\nthreshold: {source}" if source else ""), fontsize=10)
    ax.legend(fontsize=8, loc="upper left")


def _binary(report: Mapping[str, Any], scores: np.ndarray, labels: np.ndarray, score_range: Sequence[float]):
    from sklearn.metrics import roc_curve

    fig = _figure(15, 4.8)
    ax_dist, ax_roc, ax_rel = fig.subplots(1, 3)
    threshold = report.get("threshold")
    _distribution(ax_dist, scores, labels, (0, 1), ("label 0 (different)", "label 1 (similar)"),
                  _bins(scores, score_range[0], score_range[1]), [threshold] if threshold is not None else [],
                  _short_source(report.get("threshold_source")))
    if threshold is not None:
        ax_dist.set_title(f"score distribution per label: accuracy {_fmt(report.get('accuracy'))}, "
                          f"F1 {_fmt(report.get('f1'))}\nthreshold {threshold:.3f}: "
                          f"{_short_source(report.get('threshold_source'))}", fontsize=10)

    y = labels.astype(int)
    if len(set(y.tolist())) == 2:
        fpr, tpr, _ = roc_curve(y, scores)
        ax_roc.plot(fpr, tpr, color=COLORS[1], linewidth=2, label=f"ROC, AUC = {report['roc_auc']:.3f}")
        if threshold is not None:
            pred = scores >= threshold
            ax_roc.plot([np.mean(pred[y == 0])], [np.mean(pred[y == 1])], "o", color="black",
                        label=f"at threshold {threshold:.3f}")
    ax_roc.plot([0, 1], [0, 1], color="0.6", linestyle=":", label="chance")
    ax_roc.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate", ylabel="true positive rate")
    ax_roc.set_title("ROC curve", fontsize=10)
    ax_roc.legend(fontsize=8, loc="lower right")

    _reliability(ax_rel, scores, y, score_range)
    return fig


def _short_source(source: Any) -> str | None:
    if not source:
        return None
    text = str(source)
    if text.startswith("best accuracy on "):
        return "best accuracy on " + Path(text[len("best accuracy on "):]).name + " (dev)"
    return text


def _reliability(ax: Any, scores: np.ndarray, y: np.ndarray, score_range: Sequence[float], n_bins: int = 10,
                 min_pairs: int = 10) -> None:
    """Fraction of label-1 pairs per equal-width score bin (bins with >= ``min_pairs``); dot area ∝ pairs."""
    low, high = float(score_range[0]), float(score_range[1])
    edges = np.linspace(low, high, n_bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, n_bins - 1)
    mean_score, frac, counts = [], [], []
    for b in range(n_bins):
        mask = which == b
        if mask.sum() >= min_pairs:
            mean_score.append(float(scores[mask].mean()))
            frac.append(float(y[mask].mean()))
            counts.append(int(mask.sum()))
    counts_arr = np.asarray(counts, dtype=float)
    sizes = 20 + 280 * counts_arr / counts_arr.max() if len(counts_arr) else []
    if low >= 0:  # a probability-like score: the diagonal is perfect calibration
        ax.plot([low, high], [low, high], color="0.6", linestyle=":", label="calibrated (score = P(similar))")
    ax.plot(mean_score, frac, color=COLORS[1], linewidth=1.5)
    ax.scatter(mean_score, frac, s=sizes, color=COLORS[1], alpha=0.7, label=f"per score bin of ≥ {min_pairs} pairs (area ∝ pairs)")
    ax.set(xlim=(low, high), ylim=(-0.02, 1.02), xlabel="mean score in bin", ylabel="fraction labelled similar")
    ax.set_title("reliability (calibration)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")


def _per_value_means(ax: Any, scores: np.ndarray, labels: np.ndarray) -> None:
    values = np.unique(labels)
    means = [float(scores[labels == v].mean()) for v in values]
    ax.plot(values, means, "-o", color="black", linewidth=1.5, markersize=5, label="mean score per gold value")


def _graded(report: Mapping[str, Any], scores: np.ndarray, labels: np.ndarray):
    fig = _figure(8, 5.5)
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    span = float(np.ptp(labels)) or 1.0
    jitter = rng.uniform(-0.03, 0.03, len(labels)) * span if len(np.unique(labels)) <= 12 else 0
    ax.scatter(labels + jitter, scores, s=6, alpha=0.25, color=COLORS[1], linewidths=0, label="pairs")
    _per_value_means(ax, scores, labels)
    ax.set(xlabel="gold similarity", ylabel="score")
    ax.set_title(f"score vs gold: Spearman ρ = {_fmt(report.get('spearman'), pct=False)}, "
                 f"Pearson r = {_fmt(report.get('pearson'), pct=False)}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _three_class(report: Mapping[str, Any], scores: np.ndarray, labels: np.ndarray, score_range: Sequence[float]):
    fig = _figure(13, 4.8)
    ax_dist, ax_mean = fig.subplots(1, 2)
    _distribution(ax_dist, scores, labels, (0, 1, 2), ("label 0", "label 1", "label 2"),
                  _bins(scores, score_range[0], score_range[1]), list(report.get("threshold") or []),
                  _short_source(report.get("threshold_source")))
    ax_mean.boxplot([scores[labels == v] for v in (0, 1, 2)], positions=[0, 1, 2], widths=0.5, showfliers=False)
    ax_mean.set(xlabel="gold label", ylabel="score")
    ax_mean.set_title(f"accuracy {_fmt(report.get('accuracy'))}, macro-F1 {_fmt(report.get('macro_f1'))}, "
                      f"Spearman ρ = {_fmt(report.get('spearman'), pct=False)}", fontsize=10)
    return fig


# -- bench/accuracy.py: the scorer × dataset table --------------------------------------------------
HEADLINE = ("roc_auc", "spearman")


def plot_accuracy_table(results: Mapping[str, Mapping[str, Mapping[str, Any]]], path: str | Path,
                        title: str = "simcalc scorers on the Chinese similarity benchmarks") -> Path:
    """Grouped bars: for each dataset its threshold-free headline metric (ROC-AUC or Spearman ρ),
    one bar per scorer, values written on the bars. ``results[scorer][dataset]`` are eval reports."""
    scorers = list(results)
    datasets = list(dict.fromkeys(d for per in results.values() for d in per))
    if not scorers or not datasets:
        raise InputFormatError("nothing to plot: no results")
    columns = []
    for d in datasets:
        sample = next(results[s][d] for s in scorers if d in results[s])
        metric = next((m for m in HEADLINE if m in sample), None)
        if metric is not None:
            columns.append((d, metric))
    fig = _figure(max(8.0, 1.25 * len(columns) * max(1, len(scorers)) / 3 + 3), 5.2)
    ax = fig.subplots()
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    width = 0.8 / len(scorers)
    for i, scorer in enumerate(scorers):
        xs, ys = [], []
        for j, (d, metric) in enumerate(columns):
            value = results[scorer].get(d, {}).get(metric)
            if isinstance(value, (int, float)) and np.isfinite(value):
                xs.append(j - 0.4 + (i + 0.5) * width)
                ys.append(float(value))
        bars = ax.bar(xs, ys, width=width * 0.95, color=cmap(i % 10), label=scorer)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in ys], fontsize=6, rotation=90, padding=2)
    names = {"roc_auc": "AUC", "spearman": "Spearman ρ"}
    ax.set_xticks(range(len(columns)), [f"{d}\n{names[m]}" for d, m in columns], fontsize=9)
    ax.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("AUC (binary) / Spearman ρ (graded)")
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(fontsize=8, ncols=min(len(scorers), 6), loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    return _save(fig, path)
