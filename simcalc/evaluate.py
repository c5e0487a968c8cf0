"""Evaluation of a scorer on a labelled pair file.

Tasks (guessed from the labels, or given):
    * ``binary`` (0/1): accuracy, precision, recall, F1 at a threshold, and ROC-AUC (threshold-free).
    * ``graded`` (e.g. STS 0–5): Spearman and Pearson correlation.
    * ``3class`` (0/1/2, QBQTC): accuracy and macro-F1 with two thresholds, plus Spearman.

A decision threshold is **never tuned on the file being evaluated**: it comes from a development file
(``threshold_from``: the threshold with the best accuracy there), an explicit value, or the scorer's
documented default — and the JSON says which.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .batch import iter_scored
from .errors import InputFormatError
from .io import PairReader
from .scorer import Scorer

log = logging.getLogger(__name__)
TASKS = ("binary", "graded", "3class")


@dataclass(frozen=True)
class LabelledScores:
    """Raw scores of one or more scorers ("members") on a labelled file, with the gold labels.

    Only the rows that every member scored and whose label is a number are kept (the others are counted
    in ``errors``, never hidden). ``raw`` is rows × members in ``members`` order; ``features[member]`` is
    rows × ``feature_names[member]``: the extra numeric features a member exposed per pair in
    ``Result.details["features"]`` (NaN where a row lacked one), collected when asked for.
    """

    path: str
    members: tuple[str, ...]
    raw: np.ndarray
    labels: np.ndarray
    errors: list[str]
    seconds: float
    feature_names: dict[str, list[str]] = field(default_factory=dict)
    features: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def scores(self) -> np.ndarray:
        """The first (for one scorer: the only) member's scores."""
        return self.raw[:, 0]

    def member(self, name: str) -> np.ndarray:
        return self.raw[:, self.members.index(name)]


#: The former name of :class:`LabelledScores` (one scorer's scores).
ScoredSet = LabelledScores


def score_labelled(path: str | Path, scorers: Scorer | Mapping[str, Scorer], *, encoding: str = "utf-8",
                   columns: str | None = None, fmt: str | None = None, header: bool | None = None,
                   progress: bool = False, batch_size: int | None = None,
                   features: bool = False) -> LabelledScores:
    """Score the labelled file ``path`` with one scorer or each of several (``{"name": scorer}``).

    The one evaluation helper: ``simcalc eval``, ``simcalc fit-ensemble`` and the benchmarks read their
    scores through it. ``features``: also collect what members expose in ``details["features"]``.
    """
    members = {scorers.name: scorers} if isinstance(scorers, Scorer) else dict(scorers)
    if not members:
        raise InputFormatError("score_labelled needs at least one scorer")
    started = time.perf_counter()
    columns_: list[np.ndarray] = []
    found: dict[str, list[Mapping[str, float]]] = {}
    labels: list[float] = []
    failed: dict[int, str] = {}
    for name, scorer in members.items():
        reader = PairReader(path, fmt=fmt, encoding=encoding, columns=columns, header=header)
        scores: list[float] = []
        rows_features: list[Mapping[str, float]] = []
        first = not columns_
        for i, scored in enumerate(iter_scored(reader, scorer, batch_size=batch_size, progress=progress)):
            if not reader.has_label:
                raise InputFormatError(f"{path}: no label column found; name it with --columns A,B,LABEL")
            if first:
                label = _parse_label(scored.row.label)
                labels.append(math.nan if label is None else label)
                if label is None and scored.score is not None:
                    failed[i] = f"line {scored.row.line_no}: label {scored.row.label!r} is not a number"
            if scored.score is None and i not in failed:
                failed[i] = scored.error or f"line {scored.row.line_no}: not scored"
            scores.append(math.nan if scored.score is None else scored.score)
            if features:
                rows_features.append(scored.outcome.features)
        columns_.append(np.asarray(scores, dtype=float))
        found[name] = rows_features
        if len(members) > 1:
            log.info("scored %s with %s", path, name)
    keep = np.ones(len(labels), dtype=bool)
    keep[list(failed)] = False
    if not keep.any():
        raise InputFormatError(f"{path}: no row could be scored"
                               + (" by every member" if len(members) > 1 else "") + f" ({len(failed)} errors)")
    names: dict[str, list[str]] = {}
    table: dict[str, np.ndarray] = {}
    if features:
        for name, rows_features in found.items():
            kept = [f for f, k in zip(rows_features, keep) if k]
            names[name] = sorted({key for f in kept for key in f})
            table[name] = np.asarray([[float(f.get(key, math.nan)) for key in names[name]] for f in kept],
                                     dtype=float).reshape(len(kept), len(names[name]))
    return LabelledScores(str(path), tuple(members), np.column_stack(columns_)[keep],
                          np.asarray(labels, dtype=float)[keep], [failed[i] for i in sorted(failed)],
                          time.perf_counter() - started, names, table)


def _parse_label(text: str | None) -> float | None:
    """A finite number, else None (the row is counted as an error)."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def detect_task(labels: np.ndarray) -> str:
    values = set(np.unique(labels).tolist())
    if values <= {0.0, 1.0}:
        return "binary"
    if values <= {0.0, 1.0, 2.0}:
        return "3class"
    return "graded"


_TASK_LABELS = {"binary": {0.0, 1.0}, "3class": {0.0, 1.0, 2.0}}


def check_labels(labels: np.ndarray, task: str, path: str | Path) -> None:
    """Refuse labels the task cannot use (e.g. 0–5 grades evaluated as binary)."""
    allowed = _TASK_LABELS.get(task)
    if allowed is None:
        return
    extra = sorted(set(np.unique(labels).tolist()) - allowed)
    if extra:
        shown = ", ".join(f"{v:g}" for v in extra[:5])
        raise InputFormatError(f"{path}: labels {shown} do not fit the {task} task "
                               f"(expected {', '.join(f'{v:g}' for v in sorted(allowed))})")


# -- thresholds -----------------------------------------------------------------------------------
def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold t (predict 1 when score >= t) with the highest accuracy; ties → the middle one.

    Candidates are midpoints between consecutive distinct scores, so the choice generalises.
    """
    order = np.argsort(scores, kind="stable")
    s, y = scores[order], labels[order].astype(bool)
    distinct = np.flatnonzero(np.diff(s) > 0)  # last index of each run of equal scores
    cuts = np.concatenate(([-1], distinct, [len(s) - 1]))
    # predictions 1 for indices > cut: correct = negatives at/below cut + positives above cut
    neg_below = np.concatenate(([0], np.cumsum(~y)))[cuts + 1]
    pos_above = y.sum() - np.concatenate(([0], np.cumsum(y)))[cuts + 1]
    correct = neg_below + pos_above
    best = np.flatnonzero(correct == correct.max())
    k = cuts[best[len(best) // 2]]
    if k < 0:
        return float(s[0])
    if k >= len(s) - 1:
        return float(np.nextafter(s[-1], np.inf))
    return float((s[k] + s[k + 1]) / 2)


#: Rules by which a threshold between the two classes may be chosen (:func:`rule_threshold`).
THRESHOLD_RULES = ("balanced", "accuracy_f1", "macro_f1")


def balanced_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the best balanced accuracy (mean of the two classes' recalls): on a domain with
    few paraphrases (AFQMC: 31 %) the best plain accuracy is "never similar", which no user wants."""
    return rule_threshold(scores, y, "balanced")


def rule_threshold(scores: np.ndarray, y: np.ndarray, rule: str = "balanced") -> float:
    """The threshold that maximises ``rule`` (:data:`THRESHOLD_RULES`: balanced accuracy, accuracy + F1 of
    "similar", or the mean F1 of both classes) of "score >= t is similar", midway between two distinct scores
    (so the choice generalises); the first of equal values wins."""
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold rule must be one of {', '.join(THRESHOLD_RULES)}, got {rule!r}")
    order = np.argsort(scores, kind="stable")
    s, positive = scores[order], y[order].astype(bool)
    cuts = np.flatnonzero(np.diff(s) > 0)  # predict 1 above index cut
    if not len(cuts):
        return float(s[0])
    pos, neg, n = int(positive.sum()), int((~positive).sum()), len(s)
    true_neg = np.cumsum(~positive)[cuts]
    if rule == "balanced":
        value = true_neg / max(1, neg) + (1 - np.cumsum(positive)[cuts] / max(1, pos))
    else:
        true_pos = pos - np.cumsum(positive)[cuts]
        called = n - cuts - 1
        f1 = 2 * true_pos / np.maximum(1, called + pos)
        if rule == "accuracy_f1":
            value = (true_neg + true_pos) / n + f1
        else:  # macro_f1: F1 of "similar" and of "not similar", averaged
            value = f1 + 2 * true_neg / np.maximum(1, n - called + neg)
    best = int(np.argmax(value))
    return float((s[cuts[best]] + s[cuts[best] + 1]) / 2)


def best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The score at which F1 of "score >= t is positive" is highest (a ranker's "answers the query")."""
    order = np.argsort(-scores)
    tp = np.cumsum(labels[order])
    f1 = 2 * tp / (np.arange(1, len(scores) + 1) + labels.sum())
    return float(scores[order][int(np.argmax(f1))])


def best_two_thresholds(scores: np.ndarray, labels: np.ndarray, grid: int = 200) -> tuple[float, float]:
    """Two cut points for a 3-class task (0 < t1 <= t2), chosen for accuracy on a grid of quantiles."""
    qs = np.unique(np.quantile(scores, np.linspace(0, 1, grid + 1)))
    best, best_acc = (float(qs[0]), float(qs[-1])), -1.0
    for i, t1 in enumerate(qs):
        for t2 in qs[i:]:
            acc = float(np.mean(_three_way(scores, t1, t2) == labels))
            if acc > best_acc:
                best, best_acc = (float(t1), float(t2)), acc
    return best


def _three_way(scores: np.ndarray, t1: float, t2: float) -> np.ndarray:
    return np.where(scores >= t2, 2, np.where(scores >= t1, 1, 0))


# -- metrics --------------------------------------------------------------------------------------
def binary_metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

    y = labels.astype(int)
    pred = (scores >= threshold).astype(int)
    p, r, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    auc = float(roc_auc_score(y, scores)) if len(set(y.tolist())) == 2 else float("nan")
    return {"accuracy": float(accuracy_score(y, pred)), "precision": float(p), "recall": float(r),
            "f1": float(f1), "roc_auc": auc}


def graded_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    from scipy.stats import pearsonr, spearmanr

    if np.ptp(scores) == 0 or np.ptp(labels) == 0:
        return {"spearman": float("nan"), "pearson": float("nan")}
    return {"spearman": float(spearmanr(scores, labels).statistic),
            "pearson": float(pearsonr(scores, labels).statistic)}


def three_class_metrics(scores: np.ndarray, labels: np.ndarray, t1: float, t2: float) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    pred = _three_way(scores, t1, t2)
    y = labels.astype(int)
    return {"accuracy": float(accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
            **{k: v for k, v in graded_metrics(scores, labels).items() if k == "spearman"}}


# -- the whole evaluation -------------------------------------------------------------------------
def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or Path(a).samefile(b)
    except OSError:
        return False


def parse_threshold(value: str | float | Sequence[float] | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = [value]
    values = value.split(",") if isinstance(value, str) else list(value)
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        numbers = ()
    if not numbers or not all(np.isfinite(numbers)):
        raise InputFormatError(f"--threshold takes a finite number (or two, t1,t2, for 3-class), got {value!r}")
    return numbers


def evaluate(data: str | Path, scorer: Scorer, *, threshold_from: str | Path | None = None,
             threshold: str | float | Sequence[float] | None = None, task: str | None = None,
             encoding: str = "utf-8", columns: str | None = None, fmt: str | None = None,
             header: bool | None = None, progress: bool = False,
             scored: dict[str, ScoredSet] | None = None) -> dict[str, Any]:
    """Evaluate ``scorer`` on ``data``; returns n, task, threshold (and its source) and all metrics.

    ``scored``, when given, receives the :class:`ScoredSet` of ``"test"`` (and ``"dev"``) for callers
    that draw them (``simcalc eval --plot``) without scoring twice.
    """
    if threshold_from is not None and threshold is not None:
        raise InputFormatError("give either a threshold or a file to choose it on, not both")
    if threshold_from is not None and _same_file(threshold_from, data):
        raise InputFormatError("the threshold must not be tuned on the file being evaluated; "
                               "pass a development split with --threshold-from")
    if task is not None and task not in TASKS:
        raise InputFormatError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    thresholds = parse_threshold(threshold)
    read: dict[str, Any] = dict(encoding=encoding, columns=columns, fmt=fmt, header=header, progress=progress)
    test = score_labelled(data, scorer, **read)
    if scored is not None:
        scored["test"] = test
    task = task or detect_task(test.labels)
    check_labels(test.labels, task, data)
    out: dict[str, Any] = {"data": str(data), "scorer": scorer.name, "task": task, "n": test.n,
                           "errors": len(test.errors), "error_rows": test.errors[:20],
                           "pairs_per_second": round(test.n / test.seconds, 1) if test.seconds else None}
    if task == "graded":
        if threshold_from is not None or thresholds is not None:
            raise InputFormatError("graded labels are evaluated by correlation; a threshold does not apply")
        out.update(threshold=None, threshold_source=None, **graded_metrics(test.scores, test.labels))
        return out
    needed = 1 if task == "binary" else 2
    if thresholds is not None and len(thresholds) != needed:
        raise InputFormatError(f"the {task} task takes {needed} threshold value(s), got {len(thresholds)}")
    dev = None
    if threshold_from is not None:
        dev = score_labelled(threshold_from, scorer, **read)
        if scored is not None:
            scored["dev"] = dev
        check_labels(dev.labels, task, threshold_from)
        out.update(dev_n=dev.n, dev_errors=len(dev.errors))
    if task == "binary":
        if dev is not None:
            t, source = best_threshold(dev.scores, dev.labels), f"best accuracy on {threshold_from}"
        elif thresholds is not None:
            t, source = thresholds[0], "given"
        elif scorer.threshold is not None:
            t, source = scorer.threshold, f"default of scorer {scorer.name}"
        else:  # nothing to decide with: report the threshold-free metric only
            out.update(threshold=None, threshold_source="none (pass --threshold-from DEV or --threshold X "
                       "for accuracy/F1)", roc_auc=binary_metrics(test.scores, test.labels, 0.5)["roc_auc"])
            return out
        out.update(threshold=t, threshold_source=source, **binary_metrics(test.scores, test.labels, t))
        return out
    if dev is not None:
        pair, source = best_two_thresholds(dev.scores, dev.labels), f"best accuracy on {threshold_from}"
    elif thresholds is not None:
        pair, source = (min(thresholds), max(thresholds)), "given"
    else:  # nothing to cut with: the threshold-free metric only
        out.update(threshold=None, threshold_source="none (pass --threshold-from DEV or --threshold t1,t2 "
                   "for accuracy/macro-F1)", spearman=graded_metrics(test.scores, test.labels)["spearman"])
        return out
    out.update(threshold=list(pair), threshold_source=source, **three_class_metrics(test.scores, test.labels, *pair))
    return out
