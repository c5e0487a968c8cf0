"""The rule engine as features: a fixed, documented vector in every ``rules`` Result.

``Result.details["features"]`` is ``{name: float}`` with every name of :data:`FEATURE_NAMES`, always, all
finite. A stacker (the ensemble) can rely on the order and the meanings below; a feature that means
"different" (``qtype_differs``, ``negation_mismatch`` …) is expected to get a negative coefficient.
The values come from :mod:`simcalc.rules.signed`; this module only fixes names, order and ranges.
"""
from __future__ import annotations

import math
from typing import Mapping

#: name → one line on its meaning (and range). The order is the vector's order; never reorder, only append.
FEATURES: dict[str, str] = {
    "subject_sim": "similarity of the subjects of the aligned clauses, 0..1 (0 when either lacks one)",
    "predicate_sim": "similarity of the predicates of the aligned clauses, 0..1",
    "object_sim": "similarity of the objects of the aligned clauses, 0..1 (0 when either lacks one)",
    "components_shared": "share of subject/predicate/object slots both sentences fill (paper's K2), 0..1",
    "structure_sim": "the paper's unsigned component score |S| over the aligned clauses, 0..1",
    "coverage": "IDF-weighted share of content words matched, mean of both directions, 0..1",
    "coverage_min": "the smaller of the two directions of coverage, 0..1",
    "exact_overlap": "IDF-weighted share of content words found as the identical string (both directions), 0..1",
    "unmatched_content": "IDF mass of content words (participants included) left unmatched, both sides, /10",
    "qtype_same": "1 when both sentences ask the same question type (or both ask nothing), else 0",
    "qtype_differs": "1 when the question types differ (one asks, the other asks something else or nothing)",
    "both_questions": "1 when both sentences are questions",
    "negation_mismatch": "1 when an aligned predicate (the same event) is negated on one side only",
    "negation_unaligned": "1 when a negated predicate has no counterpart in the other sentence",
    "antonym_predicate": "1 when two predicates are antonymous (好吃/难吃) with the same polarity",
    "role_exchange": "1 when the same predicate has agent and patient exchanged (猫追老鼠/老鼠追猫)",
    "ba_bei": "1 when a 把 and a 被 sentence with matching agent and patient are paired (a paraphrase)",
    "pattern_differs": "1 when the paper's sentence patterns differ (interrogative/imperative/…)",
    "entity_mismatch": "1 when a number, name or date of one side is missing from the other",
    "length_ratio": "content words of the shorter side over the longer side, 0..1",
    "opposite": "1 when the polarity verdict is 'opposite'",
    "paper_score": "the Li & Li (2015) signed score (mode 'paper'), -1..1",
    "rules_score": "the signed rule score (mode 'signed'), -1..1",
    "qtype_conflict": "1 when the question types ask different slots (怎么/什么时候; a slot against yes/no)",
    "char_overlap": "Dice coefficient of the two sentences' character bigrams (punctuation dropped), 0..1",
    "number_conflict": "1 when each side has a number/amount the other lacks and the rest matches (借款1000 / "
                       "借款2000; rules/slots.py)",
    "time_conflict": "1 when each side has a date or time the other lacks (明天 / 后天, 3号 / 5号)",
    "name_conflict": "1 when each side has a person's name the other lacks (张三 / 李四)",
    "place_conflict": "1 when each side has a place the other lacks (北京 / 上海)",
    "slot_rest_coverage": "coverage_min without the words of conflicting slots (1 when no conflict), 0..1; "
                          "the *_conflict features fire only when it reaches signed.SLOT_REST_GATE",
    "qtype_slot_conflict": "1 when both sentences ask for different unambiguous slots (为什么/什么时候/哪里/多少) "
                           "and the rest matches (coverage_min >= signed.SLOT_REST_GATE)",
    "negation_aligned": "1 when the sentences are the same token for token but for a negation on one side "
                        "(会/不会; rules/aligned.py; not in a 吗 question)",
    "antonym_aligned": "1 when the sentences are the same token for token but for one pair of antonyms (新/旧)",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)
#: Findings that decide "not the same question" however close the rest (a veto in the default engine's
#: verdict, simcalc/ensemble.py): aligned slots that disagree while the rest matches, the same words but for
#: a negation or one antonym pair. Each comes with a reason in ``details["polarity"]["conflicts"]``.
DECIDING: tuple[str, ...] = ("number_conflict", "time_conflict", "name_conflict", "place_conflict",
                             "qtype_slot_conflict", "negation_aligned", "antonym_aligned")


def feature_dict(values: Mapping[str, float]) -> dict[str, float]:
    """All names in order, missing ones 0.0, every value a finite float (NaN/inf become 0)."""
    unknown = set(values) - set(FEATURE_NAMES)
    if unknown:
        raise KeyError(f"unknown rule features: {', '.join(sorted(unknown))}")
    out = {}
    for name in FEATURE_NAMES:
        v = float(values.get(name, 0.0))
        out[name] = v if math.isfinite(v) else 0.0
    return out


def feature_vector(features: Mapping[str, float]) -> list[float]:
    """The values of a ``details["features"]`` dict in :data:`FEATURE_NAMES` order."""
    return [float(features.get(name, 0.0)) for name in FEATURE_NAMES]
