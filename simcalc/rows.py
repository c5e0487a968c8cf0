"""Row scoring: score the good pairs of a batch together and keep every failure in its place.

This is the one piece of code behind every way of scoring many pairs — ``Scorer.score_batch``,
``Engine.score_pairs``, file scoring (``simcalc score``), its worker processes, Dask partitions and the
server's ``/score`` — so that they agree on order, error messages and statistics:

* a :class:`Row` is a pair as it arrived (anything), possibly with an error already known (a malformed
  line) and a ``place`` (``"line 7"``, ``"pair 3"``) that prefixes its messages;
* :func:`score_rows` validates each row with the scorer's :meth:`~simcalc.scorer.Scorer.prepare_pair`,
  scores the valid ones together (a scorer that fits corpus statistics is fitted once, on all of them)
  and returns one frozen :class:`RowOutcome` per row, in order.

It sits at the bottom of the package (it imports only results, text and errors; :mod:`simcalc.scorer`
builds on it), so it names the scorer by the three calls it makes (:class:`RowScorer`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from .errors import InvalidTextError
from .result import Result
from .text import PreparedText

PreparedPair = tuple[PreparedText, PreparedText]

#: ``Result.details`` key under which a scorer may expose extra numeric features of a pair
#: (a ``dict[str, float]``); :func:`simcalc.evaluate.score_labelled` collects them per member.
FEATURES = "features"


class RowScorer(Protocol):
    """What row scoring needs of a scorer (every :class:`~simcalc.scorer.Scorer` has it)."""

    def prepare_pair(self, a: object, b: object) -> PreparedPair: ...

    def for_sentences(self, sentences: Iterable[str]) -> "RowScorer": ...

    def score_prepared(self, prepared: Sequence[PreparedPair]) -> list[Result]: ...


@dataclass(frozen=True)
class Row:
    """One pair to score as it arrived: ``error`` when it is known to be unusable, ``place`` for messages."""

    sentence1: Any
    sentence2: Any
    error: str | None = None
    place: str | None = None

    @classmethod
    def from_pair(cls, index: int, pair: Any) -> "Row":
        """Item ``index`` of an iterable of pairs (``simcalc.score_pairs``, ``Engine.score_pairs``)."""
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return cls(None, None, f"pair {index} is not a (sentence1, sentence2) pair: {pair!r:.80}")
        return cls(pair[0], pair[1], None, f"pair {index}")

    def prefix(self) -> str:
        return f"{self.place}: " if self.place else ""


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: the scorer's :class:`Result`, or the reason it could not be scored."""

    result: Result | None = None
    error: str | None = None
    place: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def score(self) -> float | None:
        return self.result.score if self.result is not None else None

    @property
    def label(self) -> int | None:
        """The decision (1/0) at the scorer's threshold; None without a threshold or for a failed row."""
        return self.result.label if self.result is not None else None

    @property
    def warning(self) -> str | None:
        """The result's warnings in one line (``line 7: ...`` when the row has a place)."""
        if self.result is None or not self.result.warnings:
            return None
        return (f"{self.place}: " if self.place else "") + "; ".join(self.result.warnings)

    @property
    def details(self) -> dict[str, Any]:
        return self.result.details if self.result is not None else {}

    @property
    def features(self) -> Mapping[str, float]:
        """Extra numeric features the scorer exposed for this pair (``details["features"]``), else empty."""
        found = self.details.get(FEATURES)
        return found if isinstance(found, Mapping) else {}

    def lean(self) -> "RowOutcome":
        """The same outcome without ``details`` (smaller to send between processes)."""
        if self.result is None or not self.result.details:
            return self
        return replace(self, result=replace(self.result, details={}, warnings=list(self.result.warnings)))


def prepare_rows(scorer: RowScorer, rows: Sequence[Row], *, raise_errors: bool = False
                 ) -> list[PreparedPair | str]:
    """Each row validated and normalised by ``scorer``, or the message saying why not.

    ``raise_errors``: raise :class:`InvalidTextError` at the first bad row instead (``errors="raise"``).
    """
    out: list[PreparedPair | str] = []
    for row in rows:
        error = row.error
        if error is None:
            try:
                out.append(scorer.prepare_pair(row.sentence1, row.sentence2))
                continue
            except InvalidTextError as exc:
                error = f"{row.prefix()}{exc}"
        if raise_errors:
            raise InvalidTextError(error)
        out.append(error)
    return out


def score_prepared_rows(scorer: RowScorer, items: Sequence[PreparedPair | str], places: Sequence[str | None] = (),
                        *, chunk: int | None = None, stop: Callable[[], bool] | None = None) -> list[RowOutcome]:
    """Outcomes for rows already prepared (or failed: a message), in order.

    The valid pairs are scored together; ``chunk`` scores them that many at a time, calling ``stop()``
    before each chunk and raising :class:`TimeoutError` when it says so (the server's deadline). A scorer
    that learns statistics from the sentences it scores is fitted once on all of them, so chunking never
    changes a score.
    """
    good = [item for item in items if not isinstance(item, str)]
    results: list[Result] = []
    if good:
        fitted = scorer.for_sentences(t.text for pair in good for t in pair)
        size = chunk or len(good)
        for start in range(0, len(good), size):
            if stop is not None and stop():
                raise TimeoutError("the row scoring was stopped")
            results.extend(fitted.score_prepared(good[start:start + size]))
    found = iter(results)
    places = list(places) or [None] * len(items)
    return [RowOutcome(None, item, place) if isinstance(item, str) else RowOutcome(next(found), None, place)
            for item, place in zip(items, places)]


def score_rows(scorer: RowScorer, rows: Sequence[Row], *, raise_errors: bool = False, chunk: int | None = None,
               stop: Callable[[], bool] | None = None) -> list[RowOutcome]:
    """One :class:`RowOutcome` per row, in order: the unit of work of every bulk scoring path."""
    return score_prepared_rows(scorer, prepare_rows(scorer, rows, raise_errors=raise_errors),
                               [row.place for row in rows], chunk=chunk, stop=stop)


@dataclass(frozen=True)
class FailedPair:
    """A pair that could not be scored (``errors="keep"``): its position, the pair and why.

    ``score`` and ``label`` are None, so ``r.score is None`` tells failures from results.
    """

    index: int
    pair: Any
    error: str
    score: None = None
    label: None = None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "error": self.error, "score": None}


__all__ = ["FEATURES", "FailedPair", "PreparedPair", "Row", "RowOutcome", "RowScorer", "prepare_rows", "score_prepared_rows", "score_rows"]
