"""The value every scorer returns: a score plus the data that explains it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

#: The three verdicts (:attr:`Result.verdict`).
SIMILAR, NOT_SIMILAR, OPPOSITE = "similar", "not similar", "opposite"
VERDICTS = (SIMILAR, NOT_SIMILAR, OPPOSITE)


def verdict_of(score: float | None, label: int | None) -> str | None:
    """The verdict of a score and its label (see :attr:`Result.verdict`); None for a failed row."""
    if score is None:
        return None
    if score < 0:
        return OPPOSITE
    if label is None:
        return None
    return SIMILAR if label else NOT_SIMILAR


def json_ready(obj: Any) -> Any:
    """``obj`` with NaN and infinities as None: JSON has neither (an undefined metric, one class only, is null)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_ready(v) for v in obj]
    return obj


def plain(obj: Any) -> Any:
    """``obj`` with every mapping a plain ``dict`` and every list a new ``list``. ``details`` may hold
    mappings that build a value on first read (the rule engine's explanation, :mod:`simcalc.rules.lazy`);
    serialisers that read a dict's storage directly (pydantic) must get them built."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


@dataclass
class Result:
    """One similarity judgement.

    ``score`` lies in the scorer's ``range``; ``label`` is 1/0 when a decision threshold was applied;
    ``details`` is a JSON-serialisable dict (component scores, chosen senses, probabilities ...) that
    ``simcalc explain`` renders; ``warnings`` records anything done to the input (e.g. truncation).
    :attr:`verdict` puts score and label into words.
    """

    score: float
    scorer: str
    label: int | None = None
    threshold: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.score = float(self.score)
        if math.isnan(self.score):
            from .errors import SimcalcError

            raise SimcalcError(f"scorer {self.scorer!r} produced NaN; please report this as a bug")

    def with_threshold(self, threshold: float | None) -> "Result":
        """A copy labelled at ``threshold`` (score >= threshold means similar); this result is unchanged.
        ``None`` keeps the result as it is."""
        if threshold is None:
            return self
        return replace(self, label=int(self.score >= threshold), threshold=float(threshold),
                       details=self.details, warnings=list(self.warnings))

    @property
    def verdict(self) -> str | None:
        """``"opposite"``, ``"similar"``, ``"not similar"``, or None (no threshold, no sign).

        Derived, never stored: a negative score is *opposite* (only signed scorers — the rule engine, the
        default ensemble — produce one: same topic, contradicting polarity), else the label decides. An
        unsigned scorer therefore only ever says similar / not similar.
        """
        return verdict_of(self.score, self.label)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"score": self.score, "scorer": self.scorer}
        if self.label is not None:
            out["label"] = self.label
            out["threshold"] = self.threshold
        if self.verdict is not None:
            out["verdict"] = self.verdict
        if self.details:
            out["details"] = plain(self.details)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out
