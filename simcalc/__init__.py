"""simcalc: Chinese sentence similarity you can read.

>>> import simcalc
>>> simcalc.compare("怎么开通花呗", "花呗如何开通", scorer="levenshtein").score  # doctest: +SKIP
0.3333333333333333
>>> engine = simcalc.Engine()            # the default ensemble config       # doctest: +SKIP
>>> engine.compare("怎么开通花呗", "花呗如何开通").label                     # doctest: +SKIP
1

Only light modules are imported here (``Engine`` itself loads on first use); scorers load their
heavy dependencies when first used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

# The design card keeps hownet_sim/, rules/, neural/ and cli.py at the repository root; they join this package
# as simcalc.hownet_sim, simcalc.rules, simcalc.neural and simcalc.cli only. In a checkout, simcalc/ holds a
# symbolic link to each (so imports and the type checker see exactly those four, nothing else of the root);
# a wheel installs them there (setup.py). Code imports them only as ``simcalc.<name>``.

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

if TYPE_CHECKING:  # loaded on first use (below); a type checker sees the real classes
    from .engine import Engine
    from .rank import Match
    from .rows import FailedPair

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: `import simcalc` stays cheap
    if name == "Engine":
        from .engine import Engine

        return Engine
    if name == "FailedPair":
        from .rows import FailedPair

        return FailedPair
    if name == "Match":
        from .rank import Match

        return Match
    raise AttributeError(f"module 'simcalc' has no attribute {name!r}")

__all__ = [
    "Engine", "FailedPair", "Match", "compare", "get_scorer", "score_pairs", "scorer_names", "Result", "Scorer", "PairwiseScorer",
    "SimcalcError", "InvalidTextError", "ResourceNotFoundError", "ScorerUnavailableError",
    "UnknownScorerError", "InputFormatError", "__version__",
]
