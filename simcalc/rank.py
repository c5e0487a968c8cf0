"""1-vs-N matching (FAQ retrieval): rank candidate sentences for a query.

Why an index: a FAQ is scored against many queries, so the work that depends on the candidates only
is done once — validation, the sentence vectors of siamese members (``encode``/``score_encoded``
of the tfidf, cvlstm and mgf scorers), and a TF-IDF matrix for prefiltering. When the FAQ is large
(``prefilter_above``), a cheap character TF-IDF cosine keeps the ``shortlist`` best candidates and
only those are scored by the (expensive) scorer.

>>> from simcalc import Engine
>>> engine = Engine("lexical")                                          # doctest: +SKIP
>>> index = engine.index(["花呗怎么开通", "怎么还款", "借呗额度"])         # doctest: +SKIP
>>> [m.text for m in index.rank("如何开通花呗", top_k=1)]                 # doctest: +SKIP
['花呗怎么开通']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .errors import InvalidTextError
from .result import Result
from .rows import score_prepared_rows
from .scorer import Encoded, Encodes, Scorer
from .text import PreparedText, content_chars, prepare


@dataclass
class Match:
    """One ranked candidate: its position in the candidate list, text, score and full result."""

    rank: int
    index: int
    text: str
    score: float
    label: int | None
    result: Result

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "index": self.index, "text": self.text, "score": self.score,
                "label": self.label}


class _TfidfPrefilter:
    """Character 1–2-gram TF-IDF cosine over all candidates, as one sparse matrix product."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), preprocessor=_view)
        self.matrix = self.vectorizer.fit_transform(texts)

    def top(self, query: str, k: int) -> np.ndarray:
        sims = (self.matrix @ self.vectorizer.transform([query]).T).toarray().ravel()
        if k >= len(sims):
            return np.arange(len(sims))
        return np.argpartition(-sims, k)[:k]


#: Candidates scored between two looks at a caller's ``stop`` (the server's deadline).
RANK_CHUNK = 32


def _check(stop: Callable[[], bool] | None) -> None:
    if stop is not None and stop():
        raise TimeoutError("ranking was stopped")


def _view(text: str) -> str:
    return content_chars(text) or text


class CandidateIndex:
    """Candidates prepared once for ranking many queries; read-only afterwards (thread-safe to share).

    ``scorer``: any scorer; an ensemble is scored member by member so that siamese members reuse
    their candidate vectors. ``prefilter_above``: FAQ size above which TF-IDF prefiltering is used;
    ``shortlist``: how many candidates it keeps.
    """

    def __init__(self, scorer: Scorer, candidates: Sequence[str], *, prefilter_above: int = 500,
                 shortlist: int = 100, stop: Callable[[], bool] | None = None) -> None:
        from .ensemble import EnsembleScorer

        if isinstance(candidates, (str, bytes)):
            raise InvalidTextError("candidates must be a list of sentences, not one string")
        self.scorer = scorer
        self.texts = list(candidates)
        if not self.texts:
            raise InvalidTextError("there are no candidates to rank")
        self.prepared: list[PreparedText] = []
        for i, text in enumerate(self.texts):
            try:
                self.prepared.append(prepare(text, which=f"candidate {i}", max_chars=scorer.max_chars))
            except InvalidTextError as exc:
                raise InvalidTextError(f"candidate {i}: {exc}") from None
        self.ensemble = scorer if isinstance(scorer, EnsembleScorer) else None
        members = self.ensemble.members if self.ensemble else [(None, scorer)]
        plain = [p.text for p in self.prepared]
        self.members: list[tuple[str, Scorer]] = []
        self.vectors: dict[str, Encoded] = {}
        for member, member_scorer in members:
            name = member.name if member is not None else scorer.name
            if member_scorer.needs_fit and not member_scorer.is_fitted:  # e.g. TF-IDF: IDF of the FAQ
                member_scorer = member_scorer.for_sentences(plain)
            _check(stop)
            if isinstance(member_scorer, Encodes):
                self.vectors[name] = member_scorer.encode(plain)
            self.members.append((name, member_scorer))
        self.shortlist = shortlist
        self.prefilter = _TfidfPrefilter(plain) if len(plain) > prefilter_above else None

    def __len__(self) -> int:
        return len(self.texts)

    def rank(self, query: str, top_k: int = 5, *, stop: Callable[[], bool] | None = None) -> list[Match]:
        """The ``top_k`` candidates most similar to ``query``, best first.

        ``stop``: asked between chunks of candidates; :class:`TimeoutError` when it says so (a server's deadline).
        """
        if not isinstance(top_k, int) or top_k < 1:
            raise InvalidTextError(f"top_k must be a positive integer, got {top_k!r}")
        q = prepare(query, which="query", max_chars=self.scorer.max_chars)
        ids = (self.prefilter.top(q.text, self.shortlist) if self.prefilter else np.arange(len(self.texts))).tolist()
        per_member: dict[str, list[Result]] = {}
        for name, scorer in self.members:
            _check(stop)
            if name in self.vectors and isinstance(scorer, Encodes):
                per_member[name] = scorer.score_encoded(scorer.encode([q.text]), self.vectors[name].take(ids))
            else:
                outcomes = score_prepared_rows(scorer, [(q, self.prepared[i]) for i in ids],
                                               chunk=RANK_CHUNK if stop is not None else None, stop=stop)
                per_member[name] = [o.result for o in outcomes if o.result is not None]
        if self.ensemble is not None:
            results = self.ensemble.combine(per_member, len(ids))
        else:
            results = [r.with_threshold(self.scorer.threshold) for r in per_member[self.members[0][0]]]
        for r in results:
            r.warnings[:0] = q.warnings
        order = sorted(range(len(ids)), key=lambda j: -results[j].score)[:top_k]
        return [Match(rank + 1, int(ids[j]), self.texts[ids[j]], results[j].score, results[j].label, results[j])
                for rank, j in enumerate(order)]
