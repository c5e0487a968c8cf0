"""``simcalc fit-ensemble``: calibrations, weights, stack and threshold of an ensemble, from a dev file.

Steps (all on the labelled dev file, never on a test split):

1. score the dev pairs with every member (TF-IDF is fitted once, on ``corpus`` or the dev sentences,
   and its table saved next to the config so later scores do not depend on the batch);
2. per member, a calibration raw → P(similar): Platt (a one-feature logistic regression) or isotonic;
3. a logistic-regression stack over the calibrated scores, non-negative: a member with a negative
   coefficient is dropped and the stack refitted; the mean's weights are the stack's coefficients
   normalised (a member the stack does not trust gets weight 0);
4. thresholds for both combinations with :func:`simcalc.evaluate.best_threshold`.

Graded dev labels (e.g. STS 0–5) are cut at the middle of their range into similar / not similar.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import registry
from .ensemble import CALIBRATIONS, COMBINATIONS, Calibration, EnsembleConfig, Member
from .errors import InputFormatError
from .evaluate import best_threshold, binary_metrics, detect_task, score_labelled
from .io import PairReader, read_sentences
from .scorer import Fits, Scorer

log = logging.getLogger(__name__)

#: Members fitted when none are named: every scorer that ships with the package.
DEFAULT_MEMBERS = ("levenshtein", "jaro_winkler", "char_jaccard", "tfidf", "cvlstm", "mgf")


def score_members(path: str | Path, scorers: dict[str, Scorer], *, progress: bool = False,
                  **read: Any) -> tuple[np.ndarray, np.ndarray]:
    """Raw scores (rows × members) and labels of the rows every member scored: a shorthand for
    :func:`simcalc.evaluate.score_labelled` (use that for features and error rows)."""
    scored = score_labelled(path, scorers, progress=progress, **read)
    return scored.raw, scored.labels


def binarize(labels: np.ndarray) -> tuple[np.ndarray, str]:
    """0/1 labels as they are; 3-class and graded labels cut at the middle of their range."""
    task = detect_task(labels)
    if task == "binary":
        return labels.astype(int), "binary labels"
    cut = (labels.min() + labels.max()) / 2
    return (labels >= cut).astype(int), f"{task} labels cut at >= {cut:g}"


def fit_calibration(raw: np.ndarray, y: np.ndarray, method: str) -> Calibration:
    if method == "none":
        return Calibration()
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), y)
        return Calibration("platt", float(lr.coef_[0, 0]), float(lr.intercept_[0]))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    x, yy = iso.X_thresholds_, iso.y_thresholds_
    if len(x) > 256:  # keep the config readable: 256 knots, interpolated
        knots = np.linspace(0, len(x) - 1, 256).round().astype(int)
        x, yy = x[knots], yy[knots]
    return Calibration("isotonic", x=[round(float(v), 6) for v in x], y=[round(float(v), 6) for v in yy])


def fit_ensemble(dev: str | Path, out: str | Path, members: Sequence[str] = DEFAULT_MEMBERS, *,
                 combination: str = "stacking", calibration: str = "isotonic", corpus: str | Path | None = None,
                 name: str | None = None, description: str = "", progress: bool = False, nonnegative: bool = True,
                 **read) -> EnsembleConfig:
    """Fit an ensemble on the labelled ``dev`` file and write its config to ``out`` (TOML)."""
    if combination not in COMBINATIONS:
        raise InputFormatError(f"combination must be one of {', '.join(COMBINATIONS)}, got {combination!r}")
    if calibration not in CALIBRATIONS:
        raise InputFormatError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {calibration!r}")
    members = [registry.canonical(m) for m in members]
    if len(set(members)) != len(members) or not members or "ensemble" in members:
        raise InputFormatError(f"members must be distinct scorer names other than ensemble, got {members}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scorers: dict[str, Scorer] = {}
    options: dict[str, dict] = {}
    for member in members:
        scorer = registry.create(member)
        options[member] = {}
        if scorer.needs_fit:  # TF-IDF: fit once, save the table, reuse it at scoring time
            scorer.fit(read_sentences(corpus) if corpus else
                       (s for r in PairReader(dev, **read) if r.error is None for s in (r.sentence1, r.sentence2)
                        if isinstance(s, str) and s.strip()))
            if isinstance(scorer, Fits):
                options[member] = scorer.save_fitted(out.parent, f"{out.stem}.{member}")
        scorers[member] = scorer
    dev_scores = score_labelled(dev, scorers, progress=progress, **read)  # rows every member scored
    config = fit_from_scores(dev_scores.raw, dev_scores.labels, members, options, combination=combination, calibration=calibration,
                             nonnegative=nonnegative, name=name or out.stem, description=description, source=Path(dev).name)
    out.write_text(config.to_toml(), encoding="utf-8")
    config.source = str(out)
    config.base_dir = out.resolve().parent
    return config


def fit_from_scores(raw: np.ndarray, labels: np.ndarray, members: Sequence[str], options: dict[str, dict], *,
                    combination: str = "stacking", calibration: str = "isotonic", nonnegative: bool = True,
                    name: str = "ensemble", description: str = "", source: str = "dev") -> EnsembleConfig:
    """The config for members' raw dev scores (rows × members) and labels.

    ``nonnegative``: members whose stack coefficient comes out negative are dropped from the stack (weight
    and coefficient 0) and the stack is refitted. A negative coefficient on a calibrated similarity
    means "more similar by this member → less likely a paraphrase", which fits the dev domain's quirks
    (correlated lexical members) and fails out of it (PAWS-X: high overlap, different meaning).
    """
    y, how = binarize(labels)
    if len(set(y.tolist())) < 2:
        raise InputFormatError("the dev labels hold one class only; calibration needs both")
    calibrations = [fit_calibration(raw[:, j], y, calibration) for j in range(raw.shape[1])]
    cal = np.column_stack([[c(v) for v in raw[:, j]] for j, c in enumerate(calibrations)])

    from sklearn.linear_model import LogisticRegression

    keep = list(range(len(members)))
    while True:
        stack = LogisticRegression(C=100.0, max_iter=1000).fit(cal[:, keep], y)
        negative = [k for k, c in zip(keep, stack.coef_[0]) if c < 0]
        if not nonnegative or not negative or len(negative) == len(keep):
            break
        keep = [k for k in keep if k not in negative]
    coef = np.zeros(len(members))
    coef[keep] = stack.coef_[0]
    positive = np.clip(coef, 0, None)
    weights = positive / positive.sum() if positive.sum() > 0 else np.full(len(coef), 1 / len(coef))
    mean_scores = cal @ weights
    stack_scores = stack.predict_proba(cal[:, keep])[:, 1]
    mean_t, stack_t = best_threshold(mean_scores, y), best_threshold(stack_scores, y)
    log.info("fit-ensemble: dev accuracy mean %.4f, stacking %.4f", float(np.mean((mean_scores >= mean_t) == y)),
             float(np.mean((stack_scores >= stack_t) == y)))
    return EnsembleConfig(
        members=[Member(m, round(float(w), 6), c, round(float(k), 6), options.get(m, {}),
                        {"dev_auc": round(binary_metrics(raw[:, j], y, 0.5)["roc_auc"], 4)})
                 for j, (m, w, c, k) in enumerate(zip(members, weights, calibrations, coef))],
        combination=combination, threshold=round(stack_t if combination == "stacking" else mean_t, 6),
        mean_threshold=round(mean_t, 6), intercept=round(float(stack.intercept_[0]), 6),
        name=name, description=description,
        fitted_on=f"{source}: {len(y)} pairs, {how}, calibration {calibration}"
                  + ("" if len(keep) == len(members) else
                     f"; dropped from the stack for a negative coefficient: "
                     f"{', '.join(m for j, m in enumerate(members) if j not in keep)}"))


def dev_report(config: EnsembleConfig) -> dict:
    """What ``fit-ensemble`` prints: members with weight, stack coefficient and dev AUC."""
    return {"config": config.source, "combination": config.combination, "threshold": config.threshold,
            "fitted_on": config.fitted_on,
            "members": {m.name: {"weight": m.weight, "stack": m.stack, **m.info} for m in config.members}}
