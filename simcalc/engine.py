"""``simcalc.Engine``: the library entry point — one configured scorer, used for pairs and for FAQ ranking.

>>> import simcalc
>>> engine = simcalc.Engine()                       # the default ensemble config   # doctest: +SKIP
>>> engine.compare("怎么开通花呗", "花呗如何开通").label                             # doctest: +SKIP
1
>>> for r in engine.score_pairs(open_pairs(), batch_size=512, errors="keep"): ...  # doctest: +SKIP
>>> engine.rank("如何开通花呗", ["花呗怎么开通", "怎么还款"], top_k=1)[0].text      # doctest: +SKIP
'花呗怎么开通'

An Engine holds its own scorer (never one shared with other callers), so setting a threshold on it
changes nothing elsewhere. It may be shared by threads for reading (compare/score_pairs/rank).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .errors import InputFormatError, InvalidTextError, SimcalcError
from .rank import CandidateIndex, Match
from .result import Result
from .rows import FailedPair, Row, score_rows
from .scorer import Scorer

ERRORS = ("raise", "keep")


class Engine:
    """Similarity engine over an ensemble config or one named scorer.

    ``config``: a shipped ensemble config name (``"default"`` = ``"general"``, ``"bq"``, ``"lcqmc"``, ``"lexical"``),
    a path to a TOML file written by ``simcalc fit-ensemble``, or a dict; ignored when ``scorer``
    names a single scorer (e.g. ``scorer="tfidf"``). ``threshold`` overrides the decision threshold.
    ``errors``: ``"raise"`` stops at the first bad pair; ``"keep"`` yields :class:`FailedPair` in its place.
    """

    def __init__(self, config: str | Path | dict | None = None, *, scorer: str | None = None,
                 threshold: float | None = None, errors: str = "raise", **options: Any) -> None:
        from . import registry

        if errors not in ERRORS:
            raise InputFormatError(f"errors must be 'raise' or 'keep', got {errors!r}")
        self.errors = errors
        if scorer is not None and registry.canonical(scorer) != "ensemble":
            if config is not None:
                raise InputFormatError("give an ensemble config or a single scorer, not both")
            self.scorer: Scorer = registry.get(scorer, threshold=threshold, **options)
        else:
            self.scorer = registry.get("ensemble", config=config, threshold=threshold, **options)
        self._index: tuple[tuple[str, ...], CandidateIndex] | None = None
        self._index_lock = threading.Lock()  # rank() from several threads: one index built, none mixed up

    @property
    def threshold(self) -> float | None:
        return self.scorer.threshold

    def compare(self, a: str, b: str) -> Result:
        """Score one pair: ``engine.compare("怎么开通花呗", "花呗如何开通").score``."""
        return self.scorer.score(a, b)

    def explain(self, a: str, b: str) -> Result:
        """Deprecated: the same as :meth:`compare` (every result carries its explanation in ``details``);
        use ``engine.render(engine.compare(a, b))`` for the readable account."""
        import warnings

        warnings.warn("Engine.explain is Engine.compare; use compare() and render() the result",
                      DeprecationWarning, stacklevel=2)
        return self.compare(a, b)

    def render(self, result: Result) -> str:
        """The readable account of a result: the scorer's own rendering when it has one
        (:class:`~simcalc.scorer.Renders`, e.g. the rule engine), else the generic one.

        For an ensemble, ``result.details["members"]`` holds each member's raw and calibrated score,
        weight and own details."""
        from .explain import render_result
        from .scorer import Renders

        return self.scorer.render(result) if isinstance(self.scorer, Renders) else render_result(result)

    def score_pairs(self, pairs: Iterable[Any], batch_size: int | None = None,
                    errors: str | None = None) -> Iterator[Result | FailedPair]:
        """Score an iterable of (a, b) pairs lazily, ``batch_size`` at a time (constant memory), in order.

        ``batch_size`` defaults to the scorer's ``batch_rows`` (256; 4096 for the neural scorers)."""
        errors = errors or self.errors
        if errors not in ERRORS:
            raise InputFormatError(f"errors must be 'raise' or 'keep', got {errors!r}")
        if pairs is None or isinstance(pairs, (str, bytes)):
            raise InvalidTextError("pairs must be an iterable of (sentence1, sentence2) pairs")
        batch_size = self.scorer.rows_per_batch(batch_size)
        pending: list[tuple[int, Any]] = []
        for index, pair in enumerate(pairs):
            pending.append((index, pair))
            if len(pending) >= batch_size:
                yield from self._flush(pending, errors)
                pending = []
        yield from self._flush(pending, errors)

    def _flush(self, pending: list[tuple[int, Any]], errors: str) -> Iterator[Result | FailedPair]:
        rows = [Row.from_pair(index, pair) for index, pair in pending]
        for (index, pair), outcome in zip(pending, score_rows(self.scorer, rows, raise_errors=errors == "raise")):
            yield outcome.result if outcome.result is not None else FailedPair(index, pair, outcome.error or "")

    def index(self, candidates: Sequence[str], *, prefilter_above: int = 500, shortlist: int = 100,
              ranker: str | Path | None = "auto") -> CandidateIndex:
        """Prepare candidates once (FAQ questions) for many :meth:`rank` calls.

        ``ranker``: for an ensemble, the learned FAQ ranker (``"auto"``, a name or a ranker file) or
        None to rank by the ensemble's pair scores (see :class:`~simcalc.rank.CandidateIndex`)."""
        return CandidateIndex(self.scorer, candidates, prefilter_above=prefilter_above, shortlist=shortlist,
                              ranker=ranker)

    def rank(self, query: str, candidates: Sequence[str] | CandidateIndex, top_k: int = 5) -> list[Match]:
        """The ``top_k`` candidates closest to ``query``, best first.

        Passing the same candidate list again reuses its index (candidate vectors are computed once);
        for many FAQs, keep the :meth:`index` objects yourself.
        """
        if isinstance(candidates, CandidateIndex):
            return candidates.rank(query, top_k)
        if isinstance(candidates, (str, bytes)):
            raise InvalidTextError("candidates must be a list of sentences, not one string")
        key = tuple(candidates)
        with self._index_lock:
            current = self._index
            if current is None or current[0] != key:
                current = self._index = (key, self.index(key))
        return current[1].rank(query, top_k)


__all__ = ["Engine", "FailedPair", "Match", "SimcalcError"]
