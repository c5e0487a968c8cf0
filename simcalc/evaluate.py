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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .batch import iter_scored
from .errors import InputFormatError
from .io import PairReader
from .scorer import Scorer

log = logging.getLogger(__name__)
TASKS = ("binary", "graded", "3class")


@dataclass
class ScoredSet:
    """Scores and gold labels of one file (rows that could not be scored are counted, not hidden)."""

    path: str
    scores: np.ndarray
    labels: np.ndarray
    errors: list[str]
    seconds: float

    @property
    def n(self) -> int:
        return len(self.scores)


def score_labelled(path: str | Path, scorer: Scorer, *, encoding: str = "utf-8",
                   columns: str | None = None, fmt: str | None = None, header: bool | None = None,
                   progress: bool = False, batch_size: int | None = None) -> ScoredSet:
    reader = PairReader(path, fmt=fmt, encoding=encoding, columns=columns, header=header)
    scores, labels, errors = [], [], []
    started = time.perf_counter()
    for scored in iter_scored(reader, scorer, batch_size=batch_size, progress=progress):
        if not reader.has_label:
            raise InputFormatError(f"{path}: no label column found; name it with --columns A,B,LABEL")
        label = _parse_label(scored.row.label)
        if scored.score is None or label is None:
            errors.append(scored.error or f"line {scored.row.line_no}: label {scored.row.label!r} is not a number")
            continue
        scores.append(scored.score)
        labels.append(label)
    if not scores:
        raise InputFormatError(f"{path}: no row could be scored ({len(errors)} errors)")
    return ScoredSet(str(path), np.asarray(scores, dtype=float), np.asarray(labels, dtype=float),
                     errors, time.perf_counter() - started)


def _parse_label(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


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
    read = dict(encoding=encoding, columns=columns, fmt=fmt, header=header, progress=progress)
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
