"""The scorer protocol: what every similarity method in simcalc looks like from outside.

A scorer has a ``name``, an output ``range``, an optional decision ``threshold``, and turns text pairs
into :class:`~simcalc.result.Result` objects. Input validation happens here, once, so that every
scorer sees normalised, non-empty, length-bounded text (see :mod:`simcalc.text`).

Subclasses implement :meth:`Scorer._score_texts` (a batch of already-prepared pairs); they may
override :meth:`Scorer.fit` when they learn statistics from the sentences being scored.

Abilities beyond scoring are declared as small protocols that callers test with ``isinstance``
(never by probing attribute names): :class:`Encodes` (sentence vectors computed once, for FAQ ranking),
:class:`Renders` (an own text rendering of a result), :class:`Fits` (corpus statistics that can be saved
next to a config) and :class:`ScopesThreads` (a torch thread count of its own). How to build the same
scorer elsewhere (a worker process, a Dask worker, a server) is declared by :meth:`Scorer.recipe`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterable, Protocol, Sequence, runtime_checkable

import copy
import math

from .errors import InputFormatError, InvalidTextError
from .result import Result
from .rows import PreparedPair, Row, score_rows
from .text import MAX_CHARS, prepare

Pair = tuple[str, str]


@dataclass(frozen=True)
class Recipe:
    """How to build a scorer again, in another process: its registry ``name`` and constructor ``options``
    (like scikit-learn's ``get_params``). ``target`` (``"module:Class"``) lets a worker register a plug-in
    scorer that was registered at run time in the parent. Build one with :func:`simcalc.registry.build`."""

    name: str
    options: tuple[tuple[str, Any], ...] = ()
    target: str | None = None

    @property
    def key(self) -> str:
        """A stable text key (per-process caches of built scorers use it)."""
        return f"{self.name}:{self.options!r}"


@runtime_checkable
class Encoded(Protocol):
    """Sentence vectors from :meth:`Encodes.encode`, one per text."""

    def take(self, ids: Sequence[int]) -> "Encoded": ...

    def __len__(self) -> int: ...


@runtime_checkable
class Encodes(Protocol):
    """A siamese scorer: each sentence is encoded alone, so a FAQ's vectors are computed once."""

    def encode(self, texts: Sequence[str]) -> Encoded: ...

    def score_encoded(self, left: Any, right: Any) -> list[Result]: ...


@runtime_checkable
class Renders(Protocol):
    """A scorer with its own readable account of a result (``simcalc explain``)."""

    def render(self, result: Result) -> str: ...


@runtime_checkable
class Fits(Protocol):
    """A scorer that learns corpus statistics (``needs_fit``) and can save them for later scoring."""

    def fit(self, sentences: Iterable[str]) -> Any: ...

    def save_fitted(self, folder: Path, stem: str) -> dict[str, str]:
        """Write what was learned under ``folder`` (file names start with ``stem``); returns the
        constructor options, relative to ``folder``, that load it again."""
        ...


@runtime_checkable
class ScopesThreads(Protocol):
    """A scorer that sets its own torch thread count while scoring (worker processes give it their share)."""

    threads: int | None


class Scorer(ABC):
    """Base class of all scorers. Thread-compatible, not thread-safe."""

    name: ClassVar[str] = "scorer"
    #: (low, high) of ``Result.score``: (0, 1) for most, (-1, 1) for signed rule scores.
    range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    #: Decision threshold used when none is configured (None: scores are not labelled).
    default_threshold: ClassVar[float | None] = None
    #: True when :meth:`fit` should see the sentences before scoring them (e.g. TF-IDF).
    needs_fit: ClassVar[bool] = False
    #: Pairs that file scoring hands over at once when the caller sets no batch size. Per-call costs
    #: decide it: negligible for lexical and rule scorers; a neural forward pass is far cheaper per
    #: sentence on a few thousand sentences than on a few hundred (``simcalc score`` of 10,000 BQ pairs
    #: with mgf: 20.9 s at 256, 9.7 s in one batch).
    batch_rows: int = 256

    #: Set by :func:`simcalc.registry.get`; see :meth:`recipe`.
    _recipe: Recipe | None = None

    def __init__(self, threshold: float | None = None, max_chars: int = MAX_CHARS) -> None:
        self.threshold = self.default_threshold if threshold is None else _finite(threshold, "threshold")
        self.max_chars = max_chars

    # -- public API -------------------------------------------------------------------------------
    def score(self, a: str, b: str) -> Result:
        """Score one pair. Raises :class:`InvalidTextError` for text that cannot be scored."""
        return self.score_prepared([self.prepare_pair(a, b)])[0]

    def score_batch(self, pairs: Iterable[Pair]) -> list[Result]:
        """Score many pairs at once (faster for batched models); order is kept.

        An invalid pair raises :class:`InvalidTextError` naming its index; callers that must keep
        going past bad rows (file scoring) use :meth:`prepare_pair` + :meth:`score_prepared`.
        """
        if pairs is None or isinstance(pairs, (str, bytes)):
            raise InvalidTextError("pairs must be an iterable of (sentence1, sentence2) pairs")
        rows = [Row.from_pair(index, pair) for index, pair in enumerate(pairs)]
        return [outcome.result for outcome in score_rows(self, rows, raise_errors=True)]  # type: ignore[misc]

    def prepare_pair(self, a: object, b: object) -> PreparedPair:
        """Validate and normalise a pair (see :func:`simcalc.text.prepare`)."""
        return (
            prepare(a, which="sentence1", max_chars=self.max_chars),
            prepare(b, which="sentence2", max_chars=self.max_chars),
        )

    def score_prepared(self, prepared: Sequence[PreparedPair]) -> list[Result]:
        """Score pairs that already went through :meth:`prepare_pair`."""
        if not prepared:
            return []
        scorer = self.for_sentences(t.text for pair in prepared for t in pair)
        results = scorer._score_texts([(a.text, b.text) for a, b in prepared])
        for result, (a, b) in zip(results, prepared):
            result.warnings.extend(a.warnings + b.warnings)
        return [result.with_threshold(self.threshold) for result in results]

    def fit(self, sentences: Iterable[str]) -> "Scorer":
        """Fix corpus statistics for all later scoring (no-op for most scorers)."""
        return self

    @property
    def is_fitted(self) -> bool:
        return True

    def for_sentences(self, sentences: Iterable[str]) -> "Scorer":
        """The scorer to use on these sentences: itself, or — for a scorer that learns statistics
        (``needs_fit``) and was given no corpus — a copy fitted on exactly these sentences, so that
        a shared instance never carries one call's statistics into the next."""
        if not self.needs_fit or self.is_fitted:
            return self
        return copy.copy(self).fit(sentences)

    def require_fitted(self, why: str) -> None:
        """Refuse to go on with a scorer that would learn different statistics in different places."""
        if self.needs_fit and not self.is_fitted:
            raise InputFormatError(
                f"scorer {self.name!r} learns its statistics from the sentences it scores, which differ {why}; "
                "fit it once on a corpus and pass the object: simcalc.lexical.TfidfScorer(corpus='corpus.txt') "
                "(or scorer='tfidf', corpus='corpus.txt')")

    def recipe(self) -> Recipe | None:
        """How to build this scorer again elsewhere, when it came from the registry unchanged; else None
        (such a scorer travels pickled)."""
        return self._recipe

    def rows_per_batch(self, batch_size: int | None = None) -> int:
        """The caller's batch size, or this scorer's :attr:`batch_rows` when none is given."""
        if batch_size is None:
            return self.batch_rows
        if batch_size < 1:
            raise InputFormatError(f"batch size must be at least 1, got {batch_size}")
        return batch_size

    def describe(self) -> dict:
        """A JSON-friendly summary for ``simcalc info`` and explanations."""
        return {"name": self.name, "range": list(self.range), "threshold": self.threshold}

    # -- for subclasses ---------------------------------------------------------------------------
    @abstractmethod
    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        """Score normalised, non-empty texts. Must return one Result per pair, in order."""


def _finite(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputFormatError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InputFormatError(f"{what} must be a finite number, got {value!r}")
    return number


class PairwiseScorer(Scorer):
    """A scorer with no batch speed-up: implement :meth:`_score_pair` only."""

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        return [self._score_pair(a, b) for a, b in pairs]

    @abstractmethod
    def _score_pair(self, a: str, b: str) -> Result:
        """Score one normalised pair."""
