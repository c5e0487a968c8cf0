"""Expectations: whether a scorer's judgement of a case is what a user would sign off on.

Every expectation is stated on the scorer's own scale, never tuned so that some scorer passes:

* **mft** ``similar`` / ``not_similar``: the scorer's label (``score >= threshold``; its own threshold, else the
  run's) is 1 / 0. For a signed scorer (range low < 0) the report also says how often the score was negative
  ("opposite"), as a separate column, not as pass/fail.
* **inv** ``same``: changing sentence 2 moves the score by at most :data:`INV_TOLERANCE` of the range width
  (0.1 on 0..1, 0.2 on -1..1) and does not flip the label.
* **dir** ``not_higher``: the changed pair scores at most :data:`DIR_EPSILON` of the range width (0.01 on 0..1)
  above the original; ``lower``: the changed pair scores strictly below the original.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..result import Result
from .generate import Case

#: Largest |Δscore| an invariance test allows, as a fraction of the scorer's range width.
INV_TOLERANCE = 0.1
#: Slack for "must not raise the score" (rounding in a scorer), as a fraction of the range width.
DIR_EPSILON = 0.01


@dataclass(frozen=True)
class Scale:
    """What the expectations need to know about a scorer: its range and its decision threshold."""

    low: float
    high: float
    threshold: float

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def signed(self) -> bool:
        return self.low < 0


@dataclass
class Outcome:
    case: Case
    passed: bool
    #: How badly the case failed (larger = worse), on the score scale; used to list the worst failures.
    badness: float
    score: float
    label: int
    score_changed: float | None = None
    label_changed: int | None = None
    opposite: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sentence1": self.case.sentence1, "sentence2": self.case.sentence2}
        if self.case.sentence2_changed is not None:
            out["sentence2_changed"] = self.case.sentence2_changed
        out.update(source=self.case.source, passed=self.passed, score=round(self.score, 4), label=self.label)
        if self.score_changed is not None:
            out.update(score_changed=round(self.score_changed, 4), label_changed=self.label_changed,
                       delta=round(self.score_changed - self.score, 4))
        if self.opposite is not None:
            out["opposite"] = self.opposite
        if self.case.note:
            out["note"] = self.case.note
        return out


def label_of(result: Result, scale: Scale) -> int:
    """The scorer's own label when it set one, else ``score >= threshold``."""
    return int(result.label) if result.label is not None else int(result.score >= scale.threshold)


def is_opposite(result: Result, scale: Scale) -> bool | None:
    """A signed scorer's "opposite" verdict (its ``details['verdict']`` if given, else a negative score)."""
    if not scale.signed:
        return None
    verdict = result.details.get("verdict") if isinstance(result.details, dict) else None
    return verdict == "opposite" if verdict is not None else result.score < 0


def judge(case: Case, expect: str, scale: Scale, result: Result, changed: Result | None = None) -> Outcome:
    label = label_of(result, scale)
    if case.kind == "mft":
        if expect == "similar":
            passed, badness = label == 1, scale.threshold - result.score
        else:
            passed, badness = label == 0, result.score - scale.threshold
        return Outcome(case, passed, badness, result.score, label, opposite=is_opposite(result, scale))
    assert changed is not None, f"a {case.kind} case needs the changed pair's result"
    label2 = label_of(changed, scale)
    delta = changed.score - result.score
    if case.kind == "inv":
        passed = abs(delta) <= INV_TOLERANCE * scale.width + 1e-9 and label == label2
        badness = abs(delta) + (scale.width if label != label2 else 0.0)
    elif expect == "not_higher":
        passed, badness = delta <= DIR_EPSILON * scale.width, delta
    else:  # lower
        passed, badness = delta < 0, delta
    return Outcome(case, passed, badness, result.score, label, changed.score, label2)
