"""simcalc: Chinese sentence similarity you can read.

>>> import simcalc
>>> simcalc.compare("怎么开通花呗", "花呗如何开通", scorer="levenshtein").score  # doctest: +SKIP

Only light modules are imported here; scorers load their heavy dependencies when first used.
"""
from __future__ import annotations

from .api import compare, get_scorer, score_pairs, scorer_names
from .errors import (
    InputFormatError,
    InvalidTextError,
    ResourceNotFoundError,
    ScorerUnavailableError,
    SimcalcError,
    UnknownScorerError,
)
from .result import Result
from .scorer import PairwiseScorer, Scorer

__version__ = "0.1.0"

__all__ = [
    "compare", "get_scorer", "score_pairs", "scorer_names", "Result", "Scorer", "PairwiseScorer",
    "SimcalcError", "InvalidTextError", "ResourceNotFoundError", "ScorerUnavailableError",
    "UnknownScorerError", "InputFormatError", "__version__",
]
