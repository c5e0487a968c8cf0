"""``simcalc fit-ensemble``: calibrations, weights, stack and threshold of an ensemble, from a dev file.

Steps (all on the labelled dev file, never on a test split):

1. score the dev pairs with every member (TF-IDF is fitted once, on ``corpus`` or the dev sentences,
   and its table saved next to the config so later scores do not depend on the batch);
2. per member, a calibration raw → P(similar): Platt (a one-feature logistic regression) or isotonic;
3. a logistic-regression stack over the calibrated scores, non-negative: a member with a negative
   coefficient is dropped and the stack refitted; the mean's weights are the stack's coefficients
   normalised (a member the stack does not trust gets weight 0). With ``features``, the stack also
   takes the numeric features those members expose in ``details["features"]``, standardised by their dev
   mean and standard deviation (recorded in the config), with coefficients of either sign — a feature
   that means "different" (negation on aligned predicates) earns a negative one;
4. with a polarity member (one exposing the feature ``opposite``: the rule engine), a signed config: a
   second, *content* stack without the structural features (:data:`STRUCTURAL`) and without the
   polarity member's own signed score, and the ``content_gate``: the lowest content probability, not
   below the content stack's own dev threshold, at which no more than ``max_false_opposite`` of the dev
   paraphrases (label 1) would be called opposite;
5. thresholds for both combinations with :func:`simcalc.evaluate.best_threshold` (the signed score's
   own, opposites included).

Graded dev labels (e.g. STS 0–5) are cut at the middle of their range into similar / not similar.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import registry
from .ensemble import (CALIBRATIONS, COMBINATIONS, VETO_SHARE, Calibration, Cascade, EnsembleConfig, FeatureSet, Member,
                       Polarity)
from .errors import InputFormatError
from .evaluate import (THRESHOLD_RULES, best_threshold, binary_metrics, detect_task, rule_threshold,
                       score_labelled)
from .io import PairReader, read_sentences
from .router import SHARPNESS as ROUTER_SHARPNESS
from .rules.features import DECIDING
from .scorer import Fits, Scorer

log = logging.getLogger(__name__)

#: Members fitted when none are named: every scorer that ships with the package.
DEFAULT_MEMBERS = ("levenshtein", "jaro_winkler", "char_jaccard", "tfidf", "cvlstm", "mgf")
#: Features that signal contradiction (or carry the polarity member's signed verdict) rather than how
#: close the content is: in the main stack, never in the content stack that gates *opposite*.
STRUCTURAL = ("negation_mismatch", "negation_unaligned", "antonym_predicate", "role_exchange", "opposite",
              "paper_score", "rules_score", *DECIDING)
#: Structural features that veto "similar" (a product rule, not fitted: exchanged roles are another event
#: however close the words, a different amount, date, name, place, asked slot or one negation is another
#: question; dev sets have too few such pairs to teach a coefficient). Their dev cost is reported.
VETO = ("role_exchange", *DECIDING, "opposite")
#: The feature by which a member says its polarity verdict was *opposite* (1) in dev scores.
OPPOSITE_FEATURE = "opposite"
#: Regularisation of the stack with features (inverse strength, standardised features): 33 rule
#: features, some rare on dev (role exchange), should not take the dev set's noise for signal.
FEATURE_C = 1.0
#: Regularisation of a general config's experts and pre-stacks. Their members are calibrated probabilities
#: (not standardised: spread ≈ 0.3), so C = 1 shrank the members far more than the features; 5-fold
#: cross-validation over all fitting domains at once (bench/general.py's sets) gave, C = 1 → 10: BQ dev
#: 84.29 → 84.35, LCQMC 75.57 → 75.85, AFQMC 61.3 → 62.0 at the same F1, PAWS-X 66.1 → 67.8, CNSD ρ 71.6 → 71.8.
EXPERT_C = 10.0
# THRESHOLD_RULES (simcalc.evaluate) — how a binary expert's intercept is placed (``threshold_rule``), the threshold of its fitting pairs with the
# best: ``balanced`` accuracy (the verdict does not lean on the domain's share of paraphrases);
# ``accuracy_f1``, accuracy + F1 of "similar"; ``macro_f1``, the mean F1 of both classes. On a domain of
# even classes (BQ, LCQMC) they agree, within noise; on AFQMC (31 % paraphrases) the last two lean toward
# its majority — 5-fold cross-validation on the AFQMC fitting sample, accuracy / F1: balanced 62.0 / 54.4,
# accuracy_f1 64.0 / 53.0 (LCQMC −0.4), macro_f1 65.7 / 50.2; plain accuracy would give 68.9 / 20.9.
#: Share of dev paraphrases the content gate may let through as *opposite*.
MAX_FALSE_OPPOSITE = 0.005
#: the cascade's floor: at most this share of each domain's fitting pairs may change label against the
#: full engine when the expensive member is skipped below it
MAX_CASCADE_CHANGE = 0.002


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


def fit_calibration(raw: np.ndarray, y: np.ndarray, method: str, weight: np.ndarray | None = None) -> Calibration:
    """Raw → P(similar) by ``method``; ``weight``: per-row sample weights (balancing domains)."""
    if method == "none":
        return Calibration()
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), y, sample_weight=weight)
        return Calibration("platt", float(lr.coef_[0, 0]), float(lr.intercept_[0]))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y, sample_weight=weight)
    x, yy = iso.X_thresholds_, iso.y_thresholds_
    if len(x) > 256:  # keep the config readable: 256 knots, interpolated
        knots = np.linspace(0, len(x) - 1, 256).round().astype(int)
        x, yy = x[knots], yy[knots]
    return Calibration("isotonic", x=[round(float(v), 6) for v in x], y=[round(float(v), 6) for v in yy])


def fit_ensemble(dev: str | Path, out: str | Path, members: Sequence[str] = DEFAULT_MEMBERS, *,
                 combination: str = "stacking", calibration: str = "isotonic", corpus: str | Path | None = None,
                 name: str | None = None, description: str = "", progress: bool = False, nonnegative: bool = True,
                 features: Sequence[str] | None = None, signed: bool = True, **read) -> EnsembleConfig:
    """Fit an ensemble on the labelled ``dev`` file and write its config to ``out`` (TOML).

    ``features``: members whose ``details["features"]`` join the stack; None: every member that exposes
    some; ``()``: none. ``signed``: a ``[polarity]`` table when a stacked member says *opposite*.
    """
    if combination not in COMBINATIONS:
        raise InputFormatError(f"combination must be one of {', '.join(COMBINATIONS)}, got {combination!r}")
    if calibration not in CALIBRATIONS:
        raise InputFormatError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {calibration!r}")
    members = [registry.canonical(m) for m in members]
    if len(set(members)) != len(members) or not members or "ensemble" in members:
        raise InputFormatError(f"members must be distinct scorer names other than ensemble, got {members}")
    wanted = None if features is None else [registry.canonical(m) for m in features]
    if wanted and set(wanted) - set(members):
        raise InputFormatError(f"--features names members that are not in --members: "
                               f"{', '.join(sorted(set(wanted) - set(members)))}")
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
    scored = score_labelled(dev, scorers, progress=progress, features=wanted is None or bool(wanted), **read)
    found = {m: (scored.feature_names[m], scored.features[m]) for m in members
             if scored.feature_names.get(m) and (wanted is None or m in wanted)}
    if wanted and set(wanted) - set(found):
        raise InputFormatError(f"these members expose no features: {', '.join(sorted(set(wanted) - set(found)))}")
    config = fit_from_scores(scored.raw, scored.labels, members, options, combination=combination,
                             calibration=calibration, nonnegative=nonnegative, name=name or out.stem,
                             description=description, source=Path(dev).name, features=found, signed=signed)
    out.write_text(config.to_toml(), encoding="utf-8")
    config.source = str(out)
    config.base_dir = out.resolve().parent
    return config


def fit_from_scores(raw: np.ndarray, labels: np.ndarray, members: Sequence[str], options: dict[str, dict], *,
                    combination: str = "stacking", calibration: str = "isotonic", nonnegative: bool = True,
                    name: str = "ensemble", description: str = "", source: str = "dev",
                    features: Mapping[str, tuple[Sequence[str], np.ndarray]] | None = None,
                    signed: bool = True, max_false_opposite: float = MAX_FALSE_OPPOSITE) -> EnsembleConfig:
    """The config for members' raw dev scores (rows × members) and labels.

    ``nonnegative``: members whose stack coefficient comes out negative are dropped from the stack (weight
    and coefficient 0) and the stack is refitted. A negative coefficient on a calibrated similarity
    means "more similar by this member → less likely a paraphrase", which fits the dev domain's quirks
    (correlated lexical members) and fails out of it (PAWS-X: high overlap, different meaning). Features
    (``{member: (names, rows × names)}``) keep their sign: they are the structure, not a similarity.
    """
    y, how = binarize(labels)
    if len(set(y.tolist())) < 2:
        raise InputFormatError("the dev labels hold one class only; calibration needs both")
    calibrations = [fit_calibration(raw[:, j], y, calibration) for j in range(raw.shape[1])]
    cal = np.column_stack([[c(v) for v in raw[:, j]] for j, c in enumerate(calibrations)])
    sets = _feature_sets(features or {}) if combination == "stacking" else []
    matrix = np.column_stack([fs.matrix for fs in sets]) if sets else np.zeros((len(y), 0))
    columns = [(fs.member, n) for fs in sets for n in fs.names]

    coef, keep, intercept, stack_scores = _stack(cal, matrix, y, nonnegative, C=FEATURE_C if sets else 100.0)
    positive = np.clip(coef[:len(members)], 0, None)
    weights = positive / positive.sum() if positive.sum() > 0 else np.full(len(members), 1 / len(members))
    mean_scores = cal @ weights
    mean_t = best_threshold(mean_scores, y)
    feature_sets = [FeatureSet(fs.member, {n: round(float(coef[len(members) + columns.index((fs.member, n))]), 6)
                                           for n in fs.names},
                               {n: round(float(c), 6) for n, c in zip(fs.names, fs.center)},
                               {n: round(float(c), 6) for n, c in zip(fs.names, fs.scale)}) for fs in sets]
    # the rounded numbers of the config are the ones that score: refit nothing, recompute from them
    stack_scores = _sigmoid(intercept + cal @ coef[:len(members)] + matrix @ coef[len(members):])
    notes = [f"{source}: {len(y)} pairs, {how}, calibration {calibration}"]
    if len(keep) != len(members):
        notes.append("dropped from the stack for a negative coefficient: "
                     + ", ".join(m for j, m in enumerate(members) if j not in keep))
    if sets:
        notes.append(f"features standardised by dev mean/sd, logistic C={FEATURE_C}: "
                     + ", ".join(f"{fs.member} ({len(fs.names)})" for fs in sets))
    polarity, stack_t, signed_scores = _signed_threshold(sets, members, cal, matrix, columns, y, stack_scores,
                                                         signed, max_false_opposite, notes)
    log.info("fit-ensemble: dev accuracy mean %.4f, stacking %.4f", float(np.mean((mean_scores >= mean_t) == y)),
             float(np.mean((signed_scores >= stack_t) == y)))
    notes.append(f"dev accuracy {float(np.mean((signed_scores >= stack_t) == y)):.4f}")
    return EnsembleConfig(
        members=[Member(m, round(float(w), 6), c, round(float(k), 6), options.get(m, {}),
                        {"dev_auc": round(binary_metrics(raw[:, j], y, 0.5)["roc_auc"], 4),
                         "dev_mean": round(float(cal[:, j].mean()), 6)})
                 for j, (m, w, c, k) in enumerate(zip(members, weights, calibrations, coef[:len(members)]))],
        combination=combination, threshold=round(stack_t if combination == "stacking" else mean_t, 6),
        mean_threshold=round(mean_t, 6), intercept=round(intercept, 6), name=name, description=description,
        fitted_on="; ".join(notes), features=feature_sets, polarity=polarity)


@dataclass
class DomainScores:
    """One domain's fitting data for a general config: members' raw scores (rows × members), labels,
    features (``{member: (names, rows × names)}``) and the pairs' texts (for the router)."""

    raw: np.ndarray
    labels: np.ndarray
    features: Mapping[str, tuple[Sequence[str], np.ndarray]]
    pairs: Sequence[tuple[str, str]]


def fit_general_from_scores(domains: Mapping[str, DomainScores], members: Sequence[str],
                            options: dict[str, dict], *, calibration: str = "platt", nonnegative: bool = True,
                            name: str = "general", description: str = "", signed: bool = True,
                            max_false_opposite: float = MAX_FALSE_OPPOSITE,
                            router_pairs: Mapping[str, Sequence[tuple[str, str]]] | None = None,
                            cascade_member: str | None = "rules", cascade: bool = True,
                            max_cascade_change: float = MAX_CASCADE_CHANGE, expert_c: float = EXPERT_C,
                            threshold_rule: str | Mapping[str, str] = "balanced", router_sharpness: float = ROUTER_SHARPNESS,
                            expert_members: Mapping[str, Sequence[str]] | None = None,
                            cascade_early: Sequence[str] = (), max_early_change: float | None = None
                            ) -> EnsembleConfig:
    """A routed config: one expert stack per domain, a router, shared calibrations and features.

    * calibrations and the features' standardisation: on all domains together, each domain weighing the
      same (a domain of 10,000 pairs does not outvote one of 1,200);
    * an expert per domain: the logistic stack of :func:`fit_from_scores` on that domain's rows; a graded
      domain (STS 0–5) is fitted to its grade as a soft target (grade share of the range), so the expert's
      probability keeps the order of grades, not only the middle cut; a binary domain's intercept is
      shifted so that its own best *balanced*-accuracy threshold lands on 0.5 (:func:`balanced_threshold`:
      the verdict does not lean on a domain's share of paraphrases — AFQMC 31 %, BQ 50 %), or with
      ``threshold_rule="accuracy_f1"`` its best accuracy + F1 (:data:`THRESHOLD_RULES`); the experts'
      logistic regularisation is ``expert_c`` (:data:`EXPERT_C`);
    * the router (:func:`simcalc.router.fit_router`, ``router_sharpness``) on the domains' pairs and
      ``router_pairs`` (more unlabelled pairs of a domain: its text, not its labels, is what the router
      learns); the general P(similar) is the router-weighted mean of the experts' probabilities;
    * polarity (content stack and gate) on all domains' rows, as :func:`fit_from_scores`; the threshold
      is 0.5, where every expert's own threshold lies;
    * the cascade (``cascade_member`` among ``members``): a pre-stack per expert over the other members
      only, fitted as the expert is, and per expert the largest floor under which at most
      ``max_cascade_change`` of the fitting pairs routed first to it change label against the full engine
      (``cascade``: whether it runs by default);
    * ``cascade_early``: members the cascade may also skip one stage before (:class:`simcalc.ensemble.Cascade`
      ``early``): per expert an early pre-stack over the members neither early nor ``cascade_member``, and
      its floors, chosen as the cascade's are (within ``max_early_change``, default ``max_cascade_change``);
    * ``expert_members``: per domain, the members its expert (and its content and pre-stacks) may use; the
      others get coefficient 0 there (:data:`EXPERT_MEMBERS`). None: every expert may use every member.
    The config's ``router`` must be saved beside it (:func:`write_config`).
    """
    from .ensemble import Expert
    from .router import fit_router

    names = list(domains)
    if len(names) < 2:
        raise InputFormatError("a general config needs at least two domains")
    rules = _threshold_rules(names, threshold_rule)
    allowed = _allowed_members(names, members, expert_members)
    # graded (STS 0-5) and 3-class relevance grades (QBQTC 0/1/2) are both orders: soft targets
    tasks = {d: detect_task(domains[d].labels) for d in names}
    graded = {d: tasks[d] != "binary" for d in names}
    binary = {d: binarize(domains[d].labels)[0] for d in names}
    y = np.concatenate([binary[d] for d in names])
    raw = np.vstack([domains[d].raw for d in names])
    balance = np.concatenate([np.full(len(binary[d]), len(y) / (len(names) * len(binary[d]))) for d in names])
    # P(similar) is calibrated on paraphrase labels only (yes/no, STS grades): 3-class relevance grades
    # (QBQTC's query-title 0/1/2, three quarters "somewhat relevant") are another question; with them the
    # members' calibrations moved and the LCQMC expert lost 0.5 accuracy on LCQMC test
    paraphrase = np.concatenate([np.full(len(binary[d]), tasks[d] != "3class") for d in names])
    if paraphrase.any():
        balance = balance * paraphrase
    calibrations = [fit_calibration(raw[:, j], y, calibration, balance) for j in range(raw.shape[1])]
    cal = np.column_stack([[c(v) for v in raw[:, j]] for j, c in enumerate(calibrations)])
    feature_members = [m for m in members if all(m in domains[d].features for d in names)]
    sets = _feature_sets({m: (list(domains[names[0]].features[m][0]),
                              np.vstack([np.asarray(domains[d].features[m][1], dtype=float) for d in names]))
                          for m in feature_members})
    matrix = np.column_stack([fs.matrix for fs in sets]) if sets else np.zeros((len(y), 0))
    columns = [(fs.member, n) for fs in sets for n in fs.names]
    bounds = np.cumsum([0] + [len(binary[d]) for d in names])
    experts, logits, notes = [], [], [f"calibration {calibration} on the domains with paraphrase labels, each weighing the same",
                                      f"experts: logistic C={expert_c:g}, binary intercepts placed by "
                                      + ", ".join(f"{r} ({', '.join(d for d in names if rules[d] == r and not graded[d])})"
                                                  for r in dict.fromkeys(rules[d] for d in names if not graded[d]))]
    k = len(members)
    for i, d in enumerate(names):
        rows = slice(bounds[i], bounds[i + 1])
        target, weight = binary[d], None
        if graded[d]:  # soft target: each row once as similar (weight = grade share) and once as not
            labels = domains[d].labels
            share = (labels - labels.min()) / (labels.max() - labels.min())
            target, weight = np.concatenate([np.ones(len(share)), np.zeros(len(share))]), \
                np.concatenate([share, 1 - share])
        x_cal, x_mat = cal[rows], matrix[rows]
        if graded[d]:
            x_cal, x_mat = np.vstack([x_cal, x_cal]), np.vstack([x_mat, x_mat])
        coef, keep, intercept, _ = _stack(x_cal, x_mat, target, nonnegative, expert_c, weight, allowed[d])
        z = intercept + cal[rows] @ coef[:k] + matrix[rows] @ coef[k:]
        shift = 0.0
        if not graded[d]:
            t = min(0.98, max(0.02, rule_threshold(_sigmoid(z), binary[d], rules[d])))
            shift = -float(np.log(t / (1 - t)))
        intercept = round(intercept + shift, 6)
        features: dict[str, dict[str, float]] = {}
        for c, (member, feature) in zip(coef[k:], columns):
            features.setdefault(member, {})[feature] = round(float(c), 6)
        expert = Expert(d, intercept, {m: round(float(c), 6) for m, c in zip(members, coef[:k])}, features,
                        {"dev_pairs": int(len(binary[d])), "dev_labels": "graded (soft target)" if graded[d]
                         else "binary", "dev_auc": round(binary_metrics(z, binary[d], 0.0)["roc_auc"], 4)})
        experts.append(expert)
        logits.append(intercept + cal @ coef[:k] + matrix @ coef[k:])
        notes.append(f"{d}: {len(binary[d])} pairs" + (" (graded, soft target)" if graded[d] else "")
                     + (f", dropped {', '.join(m for j, m in enumerate(members) if j not in keep)}"
                        if len(keep) != k else ""))
    texts = [p for d in names for p in domains[d].pairs]
    extra = {d: list(v) for d, v in (router_pairs or {}).items()}
    if set(extra) - set(names):
        raise InputFormatError(f"router_pairs names domains without data: {', '.join(sorted(set(extra) - set(names)))}")
    router = fit_router(texts + [p for d in extra for p in extra[d]],
                        [d for d in names for _ in domains[d].pairs] + [d for d in extra for _ in extra[d]],
                        sharpness=router_sharpness)
    route = np.array([[r[d] for d in names] for r in (router.route(a, b) for a, b in texts)])
    stack_scores = (route * _sigmoid(np.column_stack(logits))).sum(axis=1)
    own = route[np.arange(len(y)), np.repeat(np.arange(len(names)), np.diff(bounds))]
    notes.append("router on the domains' pairs" + "".join(f", {len(v)} more {d} pairs" for d, v in extra.items())
                 + f": mean weight of the pair's own domain {own.mean():.3f}")
    # signed: each expert has its own content stack (fitted on its domain's pairs the polarity member did
    # not call opposite); the content probability is their router-weighted mixture, as P(similar) is
    polar = [fs for fs in sets if OPPOSITE_FEATURE in fs.raw_names] if signed else []
    content = None
    if polar:
        said = polar[0].raw[:, polar[0].raw_names.index(OPPOSITE_FEATURE)] > 0.5
        parts = []
        for i, expert in enumerate(experts):
            mask = np.zeros(len(y), dtype=bool)
            mask[bounds[i]:bounds[i + 1]] = True
            fit_rows = mask & ~said if len(set(y[mask & ~said].tolist())) == 2 else mask
            c_intercept, c_members, c_all, c_features = _content_stack(polar[0], members, cal, matrix, columns, y,
                                                                      fit_rows, allowed[expert.name])
            expert.content = {"intercept": c_intercept, "members": c_members, "features": c_features}
            parts.append(c_all)
        content = (route * np.column_stack(parts)).sum(axis=1)
    # every expert's own threshold sits at 0.5, so does the mixture's: one threshold chosen on the pooled
    # rows would follow the domains' shares of paraphrases (AFQMC's 69 % negatives pull it to 0.6)
    polarity, stack_t, signed_scores = _signed_threshold(sets, members, cal, matrix, columns, y, stack_scores,
                                                         signed, max_false_opposite, notes, threshold=0.5,
                                                         content=content)
    for i, d in enumerate(names):
        rows = slice(bounds[i], bounds[i + 1])
        experts[i].info["dev_accuracy"] = round(float(np.mean((signed_scores[rows] >= stack_t) == y[rows])), 4)
    notes.append("dev accuracy " + ", ".join(f"{e.name} {e.info['dev_accuracy']:.4f}" for e in experts))
    cascaded = None
    if cascade_member is not None and cascade_member in members and k > 1:
        cascaded = _cascade(experts, cascade_member, members, cal, binary, graded, domains, names, bounds, route,
                            signed_scores >= stack_t, nonnegative, max_cascade_change, cascade, expert_c, allowed,
                            [m for m in cascade_early if m in members],
                            max_cascade_change if max_early_change is None else max_early_change)
    mean_coef = np.mean([[e.members[m] for m in members] for e in experts], axis=0)
    positive = np.clip(mean_coef, 0, None)
    weights = positive / positive.sum() if positive.sum() > 0 else np.full(k, 1 / k)
    mean_t = best_threshold(cal @ weights, y)
    feature_sets = [FeatureSet(fs.member, {n: round(float(np.mean([e.features.get(fs.member, {}).get(n, 0.0)
                                                                   for e in experts])), 6) for n in fs.names},
                               {n: round(float(c), 6) for n, c in zip(fs.names, fs.center)},
                               {n: round(float(c), 6) for n, c in zip(fs.names, fs.scale)}) for fs in sets]
    return EnsembleConfig(
        members=[Member(m, round(float(w), 6), c, None, options.get(m, {}),
                        {"dev_auc": round(binary_metrics(raw[:, j], y, 0.5)["roc_auc"], 4),
                         "dev_mean": round(float(cal[:, j].mean()), 6)})
                 for j, (m, w, c) in enumerate(zip(members, weights, calibrations))],
        combination="stacking", threshold=round(stack_t, 6), mean_threshold=round(mean_t, 6), name=name,
        description=description, fitted_on="; ".join(notes), features=feature_sets, polarity=polarity,
        experts=experts, router_file=f"{name}.router.tsv.gz", router=router, cascade=cascaded)


def _cascade(experts: list, member: str, members: Sequence[str], cal: np.ndarray, binary: dict[str, np.ndarray],
             graded: dict[str, bool], domains: Mapping[str, DomainScores], names: list[str], bounds: np.ndarray,
             route: np.ndarray, full_label: np.ndarray, nonnegative: bool, max_change: float,
             enabled: bool, expert_c: float = EXPERT_C, allowed: Mapping[str, list[int]] | None = None,
             early: Sequence[str] = (), max_early_change: float = MAX_CASCADE_CHANGE) -> Cascade:
    """Each expert's pre-stack (the members but ``member``, no features; fills ``expert.pre``) and the
    cascade's floors, one per expert: the largest under which at most ``max_change`` of the fitting pairs
    routed first to that expert, of those the full engine calls similar, would be answered "not similar"
    (the only way skipping can change a label). One floor per expert, not the lowest for all: the rule
    engine lifts few BQ pairs from a low pre-stack over the threshold (floor 0.44) and more LCQMC ones (0.17).
    Only pairs routed first to a binary domain's expert are skipped: a graded domain's expert also orders
    the dissimilar pairs' grades (Spearman), which the pre-stack alone orders worse (CNSD STS-B dev ρ −0.3).
    ``early``: the same once more over the members neither ``early`` nor ``member`` (``expert.early``,
    ``early_floors``) within ``max_early_change``."""

    skippable = [d for d in names if not graded[d]]
    top = np.array(names)[route.argmax(axis=1)]

    def stage(skip: set[str], change: float) -> tuple[list[dict[str, Any]], dict[str, float], np.ndarray]:
        """Each expert's pre-stack over the members not in ``skip``, the floors, and the pairs skipped."""
        cheap = [j for j, m in enumerate(members) if m not in skip]
        tables, parts = [], []
        for i, d in enumerate(names):
            rows = slice(bounds[i], bounds[i + 1])
            x, target, weight = cal[rows][:, cheap], binary[d], None
            if graded[d]:
                labels = domains[d].labels
                share = (labels - labels.min()) / (labels.max() - labels.min())
                x, target, weight = np.vstack([x, x]), np.concatenate([np.ones(len(share)), np.zeros(len(share))]), \
                    np.concatenate([share, 1 - share])
            usable = None if allowed is None else [c for c, j in enumerate(cheap) if j in allowed[d]]
            coef, _, intercept, _ = _stack(x, np.zeros((len(x), 0)), target, nonnegative, expert_c, weight, usable)
            tables.append({"intercept": round(intercept, 6),
                           "members": {members[j]: round(float(c), 6) for j, c in zip(cheap, coef)}})
            parts.append(intercept + cal[:, cheap] @ coef)
        pre = (route * _sigmoid(np.column_stack(parts))).sum(axis=1)
        floors = {}
        for d in skippable:
            routed = top == d
            similar = np.sort(pre[routed & full_label])
            budget = int(change * routed.sum())
            floors[d] = max(0.0, round(min(0.5, float(similar[budget]) if budget < len(similar) else 0.5) - 1e-6, 6))
        return tables, floors, pre < np.array([floors.get(t, 0.0) for t in top])

    tables, floors, skipped = stage({member}, max_change)
    for expert, table in zip(experts, tables):
        expert.pre = table
    early_floors: dict[str, float] = {}
    if early:
        tables, early_floors, first = stage({member, *early}, max_early_change)
        for expert, table in zip(experts, tables):
            expert.early = table
        skipped = skipped | first
    info = {"fit_max_change": max_change,
            "fit_skipped": {d: round(float(skipped[bounds[i]:bounds[i + 1]].mean()), 4) for i, d in enumerate(names)},
            "fit_changed": {d: round(float((skipped & full_label)[bounds[i]:bounds[i + 1]].mean()), 4)
                            for i, d in enumerate(names)}}
    if early:
        info["fit_max_early_change"] = max_early_change
        info["fit_skipped_early"] = {d: round(float(first[bounds[i]:bounds[i + 1]].mean()), 4)
                                     for i, d in enumerate(names)}
    return Cascade(member, min(floors.values(), default=0.0), enabled, skippable, info, floors, list(early),
                   early_floors)


def parse_domains(specs: Sequence[str]) -> dict[str, str | tuple[str, int, int]]:
    """``NAME=FILE`` or ``NAME=FILE@START:STOP`` (``--domain``) → the ``domains`` of :func:`fit_general`."""
    out: dict[str, str | tuple[str, int, int]] = {}
    for spec in specs:
        name, eq, rest = spec.partition("=")
        path, at, rows = rest.rpartition("@") if "@" in rest else (rest, "", "")
        start, colon, stop = rows.partition(":")
        if not eq or not name.strip() or not path or name in out or (at and not (colon and start.isdigit()
                                                                                  and stop.isdigit())):
            raise InputFormatError(f"--domain takes NAME=FILE or NAME=FILE@START:STOP, one per name; got {spec!r}")
        if not Path(path).is_file():
            raise InputFormatError(f"--domain {name}: {path} is not a file")
        out[name.strip()] = (path, int(start), int(stop)) if at else path
    return out


def fit_general(domains: Mapping[str, str | Path | tuple[str | Path, int, int]], out: str | Path,
                members: Sequence[str] = (*DEFAULT_MEMBERS, "rules"), *, calibration: str = "platt",
                max_pairs: int | None = 10000, name: str | None = None, description: str = "",
                progress: bool = False, nonnegative: bool = True, signed: bool = True) -> EnsembleConfig:
    """Fit a routed general config (:func:`fit_general_from_scores`) on labelled files, one per domain, and
    write it (with its router and TF-IDF tables) to ``out``.

    ``domains``: ``{name: file}`` or ``{name: (file, start, stop)}`` (rows ``start:stop`` by line order: keep
    the rest of a dev file out for reporting). ``max_pairs``: a larger domain is sampled to this many pairs
    (seed 0, file order kept). TF-IDF is fitted on the sentences of all domains' pairs.
    """
    import tempfile

    members = [registry.canonical(m) for m in members]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    chosen: dict[str, list[tuple[str, str, str]]] = {}
    for domain, spec in domains.items():
        path, start, stop = (spec, 0, None) if isinstance(spec, (str, Path)) else spec
        rows = [(r.sentence1, r.sentence2, r.label) for r in PairReader(path)
                if r.error is None and isinstance(r.sentence1, str) and r.label is not None][start:stop]
        if max_pairs and len(rows) > max_pairs:
            keep = np.sort(np.random.default_rng(0).choice(len(rows), size=max_pairs, replace=False))
            rows = [rows[i] for i in keep]
        chosen[domain] = rows
    scorers: dict[str, Scorer] = {}
    options: dict[str, dict] = {}
    stem = name or out.stem
    for member in members:
        scorer = registry.create(member)
        options[member] = {}
        if scorer.needs_fit:
            scorer.fit(s for rows in chosen.values() for a, b, _ in rows for s in (a, b))
            if isinstance(scorer, Fits):
                options[member] = scorer.save_fitted(out.parent, f"{stem}.{member}")
        scorers[member] = scorer
    data = {}
    with tempfile.TemporaryDirectory() as folder:
        for domain, rows in chosen.items():
            path = Path(folder) / f"{domain}.tsv"
            # rows read from a TSV hold no tab or newline: written back as they were read
            path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                            encoding="utf-8")
            scored = score_labelled(path, scorers, progress=progress, features=True)
            if scored.errors:
                raise InputFormatError(f"domain {domain}: {len(scored.errors)} rows could not be scored "
                                       f"(first: {scored.errors[0]})")
            data[domain] = DomainScores(scored.raw, scored.labels,
                                        {m: (scored.feature_names[m], scored.features[m]) for m in members
                                         if scored.feature_names.get(m)}, [(a, b) for a, b, _ in rows])
    config = fit_general_from_scores(data, members, options, calibration=calibration, nonnegative=nonnegative,
                                     name=stem, description=description, signed=signed)
    write_config(config, out)
    return config


def write_config(config: EnsembleConfig, out: str | Path) -> None:
    """Write ``config`` to ``out`` (TOML) and a routed config's router table beside it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if config.router is not None and config.router_file is not None:
        config.router.save(out.parent / config.router_file)
    out.write_text(config.to_toml(), encoding="utf-8")
    config.source = str(out)
    config.base_dir = out.resolve().parent


def _signed_threshold(sets: list["_Features"], members: Sequence[str], cal: np.ndarray, matrix: np.ndarray,
                      columns: list[tuple[str, str]], y: np.ndarray, stack_scores: np.ndarray, signed: bool,
                      max_false_opposite: float, notes: list[str], threshold: float | None = None,
                      content: np.ndarray | None = None) -> tuple[Polarity | None, float, np.ndarray]:
    """The polarity table (content stack, gate, veto) when a feature set says *opposite* and ``signed``,
    the threshold of the signed dev scores (best accuracy, unless ``threshold`` is given), and those
    scores; notes for ``fitted_on`` appended."""
    polarity, signed_scores = None, stack_scores
    polar = [fs for fs in sets if OPPOSITE_FEATURE in fs.raw_names] if signed else []
    if polar:
        polarity, signed_scores, line = _polarity(polar[0], members, cal, matrix, columns, y, stack_scores,
                                                  max_false_opposite, content)
        notes.append(line)
    stack_t = best_threshold(signed_scores, y) if threshold is None else threshold
    if polarity is not None and polarity.veto:
        fired = np.zeros(len(y), dtype=bool)
        for feature in polarity.veto:
            fired |= polar[0].raw[:, polar[0].raw_names.index(feature)] > 0.5
        vetoed = fired & (signed_scores >= stack_t)
        signed_scores = np.where(vetoed, stack_t * VETO_SHARE, signed_scores)
        polarity.info.update(dev_vetoed=int(vetoed.sum()), dev_vetoed_labelled_1=int((vetoed & (y == 1)).sum()))
        notes.append(f"veto {', '.join(polarity.veto)}: {int(vetoed.sum())} dev pairs held below the threshold, "
                     f"{int((vetoed & (y == 1)).sum())} of them labelled 1")
    return polarity, stack_t, signed_scores


class _Features:
    """One member's dev features, constant columns dropped, with their standardisation."""

    def __init__(self, member: str, names: Sequence[str], values: np.ndarray) -> None:
        values = np.asarray(values, dtype=float)
        center = np.nanmean(values, axis=0) if len(values) else np.zeros(len(names))
        values = np.where(np.isfinite(values), values, center)
        scale = values.std(axis=0)
        varies = scale > 1e-9
        self.member, self.raw_names = member, list(names)
        self.names = [n for n, v in zip(names, varies) if v]
        self.center, self.scale = center[varies], scale[varies]
        self.raw = values
        self.matrix = (values[:, varies] - self.center) / self.scale


def _feature_sets(features: Mapping[str, tuple[Sequence[str], np.ndarray]]) -> list[_Features]:
    return [_Features(m, names, values) for m, (names, values) in features.items() if len(names)]


def _threshold_rules(names: Sequence[str], rule: str | Mapping[str, str]) -> dict[str, str]:
    """Each domain's threshold rule: ``rule`` for all, or ``{domain: rule}`` (a domain it does not name
    gets the ``"*"`` entry, else ``balanced``)."""
    table = {"*": rule} if isinstance(rule, str) else {"*": "balanced", **rule}
    bad = {r for r in table.values() if r not in THRESHOLD_RULES}
    if bad or set(table) - {"*", *names}:
        raise InputFormatError(f"threshold_rule must be one of {', '.join(THRESHOLD_RULES)} (or a table of them by "
                               f"domain), got {rule!r}")
    return {d: table.get(d, table["*"]) for d in names}


def _allowed_members(names: Sequence[str], members: Sequence[str],
                     expert_members: Mapping[str, Sequence[str]] | None) -> dict[str, list[int]]:
    """Per domain, the column indices of the members its expert may use (``expert_members``; a domain it
    does not name: every member)."""
    chosen = dict(expert_members or {})
    unknown = set(chosen) - set(names)
    wrong = {m for v in chosen.values() for m in v} - set(members)
    if unknown or wrong:
        raise InputFormatError("expert_members names " + ", ".join(
            [f"domains without data: {sorted(unknown)}"] * bool(unknown) + [f"no such members: {sorted(wrong)}"] * bool(wrong)))
    return {d: [j for j, m in enumerate(members) if d not in chosen or m in chosen[d]] for d in names}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))


def _stack(cal: np.ndarray, matrix: np.ndarray, y: np.ndarray, nonnegative: bool, C: float,
           weight: np.ndarray | None = None, usable: Sequence[int] | None = None
           ) -> tuple[np.ndarray, list[int], float, np.ndarray]:
    """A logistic stack over calibrated members (columns of ``cal``, kept non-negative when asked: the
    negative ones dropped and the stack refitted; only the columns ``usable`` when given) and standardised
    features (either sign). Returns all coefficients (members then features, dropped members 0), the kept
    members, intercept, dev P."""
    from sklearn.linear_model import LogisticRegression

    keep = list(range(cal.shape[1])) if usable is None else [j for j in range(cal.shape[1]) if j in usable]
    if not keep and not matrix.shape[1]:  # nothing to stack: the base rate alone
        rate = float(np.clip(np.average(y, weights=weight), 1e-6, 1 - 1e-6))
        return np.zeros(cal.shape[1]), [], float(np.log(rate / (1 - rate))), np.full(len(y), rate)
    while True:
        x = np.column_stack([cal[:, keep], matrix])
        stack = LogisticRegression(C=C, max_iter=2000).fit(x, y, sample_weight=weight)
        negative = [k for k, c in zip(keep, stack.coef_[0][:len(keep)]) if c < 0]
        if not nonnegative or not negative or len(negative) == len(keep):
            break
        keep = [k for k in keep if k not in negative]
    coef = np.zeros(cal.shape[1] + matrix.shape[1])
    coef[keep] = stack.coef_[0][:len(keep)]
    coef[cal.shape[1]:] = stack.coef_[0][len(keep):]
    coef = np.round(coef, 6)
    return coef, keep, float(stack.intercept_[0]), stack.predict_proba(x)[:, 1]


def _polarity(polar: _Features, members: Sequence[str], cal: np.ndarray, matrix: np.ndarray,
              columns: list[tuple[str, str]], y: np.ndarray, stack_scores: np.ndarray, max_false_opposite: float,
              content: np.ndarray | None = None) -> tuple[Polarity, np.ndarray, str]:
    """The content stack and gate of a signed config, the signed dev scores, and a line for ``fitted_on``.
    ``content``: the content probabilities when the caller has them (a routed config: the mixture of its
    experts' content stacks); else one content stack is fitted here."""
    said = polar.raw[:, polar.raw_names.index(OPPOSITE_FEATURE)] > 0.5
    # fitted on the pairs the member did not call opposite: there the label speaks of content alone
    fit_rows = ~said if len(set(y[~said].tolist())) == 2 else np.ones(len(y), dtype=bool)
    stack = None
    if content is None:
        stack = _content_stack(polar, members, cal, matrix, columns, y, fit_rows)
        content = stack[2]
    floor = best_threshold(content[fit_rows], y[fit_rows])  # "same topic": content alone says similar
    positives = max(1, int(y.sum()))
    allowed = int(np.floor(max_false_opposite * positives))
    paraphrase_content = np.sort(content[said & (y == 1)])[::-1]  # a gate above the (allowed+1)-th passes ≤ allowed
    gate = float(np.nextafter(paraphrase_content[allowed], 1.0)) if len(paraphrase_content) > allowed else floor
    gate = min(1.0, max(gate, floor))
    opposite = said & (content >= gate)
    signed = np.where(opposite, -content, stack_scores)
    info = {"dev_said_opposite": int(said.sum()), "dev_opposite": int(opposite.sum()),
            "dev_opposite_labelled_0": int((opposite & (y == 0)).sum()),
            "dev_false_opposite_rate": round(float((opposite & (y == 1)).sum() / positives), 6)}
    intercept, content_members, features = stack[:2] + (stack[3],) if stack is not None else (0.0, {}, {})
    polarity = Polarity(polar.member, round(gate, 6), intercept, content_members, features,
                        [n for n in STRUCTURAL if n in polar.names], [n for n in VETO if n in polar.raw_names], info)
    line = (f"signed: {polar.member} said opposite on {info['dev_said_opposite']} dev pairs; content gate "
            f"{gate:.4f} (content-stack threshold {floor:.4f}, at most {max_false_opposite:.1%} of dev paraphrases) "
            f"keeps {info['dev_opposite']}, of them {info['dev_opposite_labelled_0']} labelled 0; false opposites "
            f"{info['dev_false_opposite_rate']:.2%} of dev paraphrases")
    return polarity, signed, line


def _content_stack(polar: _Features, members: Sequence[str], cal: np.ndarray, matrix: np.ndarray,
                   columns: list[tuple[str, str]], y: np.ndarray, fit_rows: np.ndarray,
                   allowed: Sequence[int] | None = None
                   ) -> tuple[float, dict[str, float], np.ndarray, dict[str, dict[str, float]]]:
    """The content stack (no structural features, not the polarity member's own score; only the members
    ``allowed`` when given) fitted on ``fit_rows``: intercept, member coefficients, its probability on
    every row, feature coefficients."""
    content_cols = [j for j, (m, n) in enumerate(columns) if n not in STRUCTURAL]
    content_members = [j for j, m in enumerate(members) if m != polar.member]
    usable = None if allowed is None else [c for c, j in enumerate(content_members) if j in allowed]
    coef, keep, intercept, _ = _stack(cal[fit_rows][:, content_members], matrix[fit_rows][:, content_cols],
                                      y[fit_rows], True, FEATURE_C, usable=usable)
    k = len(content_members)
    coef = np.round(coef, 6)
    intercept = round(intercept, 6)
    content = _sigmoid(intercept + cal[:, content_members] @ coef[:k] + matrix[:, content_cols] @ coef[k:])
    features: dict[str, dict[str, float]] = {}
    for c, j in zip(coef[k:], content_cols):
        member, feature = columns[j]
        features.setdefault(member, {})[feature] = float(c)
    return intercept, {members[j]: float(c) for j, c in zip(content_members, coef[:k])}, content, features


def dev_report(config: EnsembleConfig) -> dict:
    """What ``fit-ensemble`` prints: members with weight, stack coefficient and dev AUC."""
    out: dict[str, Any] = {"config": config.source, "combination": config.combination, "threshold": config.threshold,
           "fitted_on": config.fitted_on,
           "members": {m.name: {"weight": m.weight, "stack": m.stack, **m.info} for m in config.members}}
    if config.features:
        out["features"] = {f.member: f.coefficients for f in config.features}
    if config.polarity is not None:
        out["polarity"] = {"member": config.polarity.member, "content_gate": config.polarity.content_gate,
                           **config.polarity.info}
    if config.experts:
        out["experts"] = {e.name: {"members": e.members, **e.info} for e in config.experts}
    return out
