"""The few calls most users need: ``compare``, ``score_pairs``, ``get_scorer``."""
from __future__ import annotations

from typing import Any, Iterable

from . import registry
from .config import DEFAULT_SCORER
from .result import Result
from .scorer import Pair, Scorer


def get_scorer(name: str = DEFAULT_SCORER, **options: Any) -> Scorer:
    """A (cached) scorer by registry name; options such as ``threshold`` or ``model`` go to it."""
    return registry.get(name, **options)


def compare(a: str, b: str, scorer: str = DEFAULT_SCORER, **options: Any) -> Result:
    """Similarity of two sentences: ``simcalc.compare("怎么开通花呗", "花呗如何开通").score``."""
    return get_scorer(scorer, **options).score(a, b)


def score_pairs(pairs: Iterable[Pair], scorer: str = DEFAULT_SCORER, **options: Any) -> list[Result]:
    """Scores for many pairs, in order; raises on the first pair that cannot be scored."""
    return get_scorer(scorer, **options).score_batch(pairs)


def scorer_names() -> list[str]:
    return registry.names()
