"""The few calls most users need: ``compare``, ``score_pairs``, ``get_scorer``."""
from __future__ import annotations

from typing import Any, Iterable

from . import registry
from .config import DEFAULT_SCORER
from .errors import InputFormatError, InvalidTextError
from .result import Result
from .rows import FailedPair, Row, score_rows
from .scorer import Pair, Scorer


def get_scorer(name: str = DEFAULT_SCORER, **options: Any) -> Scorer:
    """A (cached) scorer by registry name; options such as ``threshold`` or ``model`` go to it."""
    return registry.get(name, **options)


def compare(a: str, b: str, scorer: str = DEFAULT_SCORER, **options: Any) -> Result:
    """Similarity of two sentences: ``simcalc.compare("怎么开通花呗", "花呗如何开通").score``."""
    return get_scorer(scorer, **options).score(a, b)


def score_pairs(pairs: Iterable[Pair], scorer: str = DEFAULT_SCORER, *, errors: str = "raise",
                **options: Any) -> list[Result] | list[Result | FailedPair]:
    """Scores for many pairs, in order, as a list (``Engine.score_pairs`` is the lazy, streaming form).

    ``errors="raise"`` (default) raises on the first pair that cannot be scored; ``"keep"`` puts a
    :class:`~simcalc.rows.FailedPair` in its place.
    """
    if errors not in ("raise", "keep"):
        raise InputFormatError(f"errors must be 'raise' or 'keep', got {errors!r}")
    chosen = get_scorer(scorer, **options)
    if errors == "raise":
        return chosen.score_batch(pairs)
    if pairs is None or isinstance(pairs, (str, bytes)):
        raise InvalidTextError("pairs must be an iterable of (sentence1, sentence2) pairs")
    items = list(pairs)
    outcomes = score_rows(chosen, [Row.from_pair(i, pair) for i, pair in enumerate(items)])
    return [o.result if o.result is not None else FailedPair(i, items[i], o.error or "")
            for i, o in enumerate(outcomes)]


def scorer_names() -> list[str]:
    return registry.names()
