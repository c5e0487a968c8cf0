"""Run a suite against a scorer: generate the cases, score every distinct pair once in batches, judge them.

``scorer`` may be a registered name (``"rules"``), a :class:`~simcalc.scorer.Scorer`, or any object with a
``score_batch(pairs)`` method returning :class:`~simcalc.result.Result` objects or plain numbers (a user's own
scorer); ``range`` and ``threshold`` attributes are read when present.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..errors import InputFormatError
from ..result import Result
from .expect import Outcome, Scale, judge
from .generate import Case, generate, handwritten
from .suite import Suite, load_suite

log = logging.getLogger(__name__)
#: How many worst failures each capability keeps for the report.
WORST = 5


@dataclass
class CapabilityResult:
    name: str
    kind: str
    expect: str
    property: str
    outcomes: list[Outcome]

    def _of(self, source: str | None) -> list[Outcome]:
        return [o for o in self.outcomes if source is None or o.case.source == source]

    def cases(self, source: str | None = None) -> int:
        return len(self._of(source))

    def failed(self, source: str | None = None) -> int:
        return sum(not o.passed for o in self._of(source))

    def failure_rate(self, source: str | None = None) -> float | None:
        n = self.cases(source)
        return self.failed(source) / n if n else None

    def opposite_rate(self) -> float | None:
        flags = [o.opposite for o in self.outcomes if o.opposite is not None]
        return sum(flags) / len(flags) if flags else None

    def worst(self, k: int = WORST) -> list[Outcome]:
        return sorted((o for o in self.outcomes if not o.passed), key=lambda o: -o.badness)[:k]

    def to_dict(self, worst: int = WORST, all_cases: bool = False) -> dict[str, Any]:
        out = {
            "name": self.name, "kind": self.kind, "expect": self.expect, "property": self.property,
            "cases": self.cases(), "failed": self.failed(), "failure_rate": self.failure_rate(),
            "generated": {"cases": self.cases("generated"), "failed": self.failed("generated"),
                          "failure_rate": self.failure_rate("generated")},
            "handwritten": {"cases": self.cases("handwritten"), "failed": self.failed("handwritten"),
                            "failure_rate": self.failure_rate("handwritten")},
            "opposite_rate": self.opposite_rate(),
            "worst_failures": [o.to_dict() for o in self.worst(worst)],
        }
        if all_cases:
            out["outcomes"] = [o.to_dict() for o in self.outcomes]
        return out


@dataclass
class Report:
    scorer: str
    scale: Scale
    threshold_source: str  # "scorer" | "given" | "range midpoint"
    seed: int
    suite: str
    capabilities: list[CapabilityResult]
    pairs_scored: int
    seconds: float

    @property
    def cases(self) -> int:
        return sum(c.cases() for c in self.capabilities)

    def failure_rate(self) -> float | None:
        n = self.cases
        return sum(c.failed() for c in self.capabilities) / n if n else None

    def exceeds(self, rate: float) -> list[str]:
        """Capabilities whose failure rate is above ``rate`` (what ``--fail-above`` checks)."""
        return [c.name for c in self.capabilities if (c.failure_rate() or 0.0) > rate]

    def to_dict(self, worst: int = WORST, all_cases: bool = False) -> dict[str, Any]:
        from .expect import DIR_EPSILON, INV_TOLERANCE

        return {
            "scorer": self.scorer,
            "range": [self.scale.low, self.scale.high],
            "threshold": self.scale.threshold,
            "threshold_source": self.threshold_source,
            "inv_tolerance": INV_TOLERANCE * self.scale.width,
            "dir_epsilon": DIR_EPSILON * self.scale.width,
            "seed": self.seed,
            "suite": self.suite,
            "cases": self.cases,
            "failure_rate": self.failure_rate(),
            "pairs_scored": self.pairs_scored,
            "seconds": round(self.seconds, 2),
            "capabilities": [c.to_dict(worst, all_cases) for c in self.capabilities],
        }


def resolve_scorer(scorer: Any, config: str | None = None) -> Any:
    """A scorer object from a name (or the ensemble with ``config``), or the object itself."""
    if isinstance(scorer, str) or scorer is None:
        from .. import registry
        from ..config import DEFAULT_SCORER

        name = registry.canonical(scorer or DEFAULT_SCORER)
        if config is not None and name != "ensemble":
            raise InputFormatError("a config is for the ensemble scorer; drop it or use the ensemble")
        return registry.get(name, config=config) if config else registry.get(name)
    if config is not None:
        raise InputFormatError("give a scorer object or a config, not both")
    if not callable(getattr(scorer, "score_batch", None)):
        raise InputFormatError(f"{type(scorer).__name__} is not a scorer: it has no score_batch(pairs) method")
    return scorer


def scale_of(scorer: Any, threshold: float | None = None) -> tuple[Scale, str]:
    low, high = (float(v) for v in getattr(scorer, "range", (0.0, 1.0)))
    if threshold is not None:
        return Scale(low, high, float(threshold)), "given"
    own = getattr(scorer, "threshold", None)
    if own is not None:
        return Scale(low, high, float(own)), "scorer"
    return Scale(low, high, (low + high) / 2), "range midpoint"


def select(suite: Suite, capabilities: Iterable[str] | None) -> list[str]:
    if not capabilities:
        return list(suite.capabilities)
    chosen = []
    for name in capabilities:
        for part in str(name).split(","):
            part = part.strip()
            if part and part not in suite.capabilities:
                raise InputFormatError(f"unknown capability {part!r}; known: {', '.join(suite.capabilities)}")
            if part and part not in chosen:
                chosen.append(part)
    return chosen


def cases_for(suite: Suite, names: Sequence[str], seed: int | None = None, cases: int | None = None,
              include_handwritten: bool = True) -> list[Case]:
    out = generate(suite, names, seed=seed, cases=cases)
    return out + (handwritten(suite, names) if include_handwritten else [])


def run(scorer: Any = None, capabilities: Iterable[str] | None = None, *, suite: Suite | str | Path | None = None,
        config: str | None = None, seed: int | None = None, cases: int | None = None,
        threshold: float | None = None, include_handwritten: bool = True, batch_size: int | None = None,
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Run the behavioural checks on ``scorer`` (default: the default ensemble) and return the report.

    ``cases`` overrides every capability's number of generated cases; ``threshold`` the decision threshold
    (default: the scorer's, else the middle of its range); ``progress(done, total)`` is called after each batch.
    """
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    names = select(suite, capabilities)
    scorer = resolve_scorer(scorer, config)
    scale, source = scale_of(scorer, threshold)
    seed = suite.seed if seed is None else seed
    all_cases = cases_for(suite, names, seed, cases, include_handwritten)
    start = time.perf_counter()
    index: dict[tuple[str, str], int] = {}
    for case in all_cases:
        for pair in case.pairs():
            index.setdefault(pair, len(index))
    pairs = list(index)
    results = score_all(scorer, pairs, batch_size, progress)
    seconds = time.perf_counter() - start
    by_cap: dict[str, list[Outcome]] = {name: [] for name in names}
    for case in all_cases:
        got = [results[index[p]] for p in case.pairs()]
        expect = suite.capabilities[case.capability].expect
        by_cap[case.capability].append(judge(case, expect, scale, got[0], got[1] if len(got) > 1 else None))
    caps = [CapabilityResult(n, suite.capabilities[n].kind, suite.capabilities[n].expect,
                             suite.capabilities[n].property, by_cap[n]) for n in names]
    name = getattr(scorer, "name", type(scorer).__name__)
    config_name = getattr(getattr(scorer, "config", None), "name", None)
    if config_name:
        name = f"{name}:{config_name}"
    return Report(str(name), scale, source, seed, str(suite.root), caps, len(pairs), seconds)


def score_all(scorer: Any, pairs: list[tuple[str, str]], batch_size: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[Result]:
    """Results for all pairs, in batches. A scorer that learns corpus statistics (TF-IDF) is fitted once on
    all the run's sentences, so a pair's score does not depend on which batch it fell in."""
    if getattr(scorer, "needs_fit", False) and not getattr(scorer, "is_fitted", True):
        scorer = scorer.for_sentences(s for pair in pairs for s in pair)
    if batch_size is None:
        rows = getattr(scorer, "rows_per_batch", None)
        batch_size = rows() if callable(rows) else 256
    out: list[Result] = []
    name = str(getattr(scorer, "name", type(scorer).__name__))
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        got = list(scorer.score_batch(chunk))
        if len(got) != len(chunk):
            raise InputFormatError(f"scorer {name} returned {len(got)} results for {len(chunk)} pairs")
        out.extend(r if isinstance(r, Result) else Result(float(r), name) for r in got)
        if progress is not None:
            progress(len(out), len(pairs))
    return out
