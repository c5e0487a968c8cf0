"""1-vs-N matching (FAQ retrieval): rank candidate sentences for a query.

Why an index: a FAQ is scored against many queries, so the work that depends on the candidates only
is done once — validation, the sentence vectors of siamese members (``encode``/``score_encoded``
of the tfidf, cvlstm and mgf scorers), and a TF-IDF matrix for prefiltering. When the FAQ is large
(``prefilter_above``), a cheap character TF-IDF cosine keeps the ``shortlist`` best candidates and
only those are scored by the (expensive) scorer.

An ensemble ranks with a learned FAQ ranker instead (:mod:`simcalc.ranker`): its pair probability answers
"paraphrase or not" and, used to rank, did worse than the prefilter it reranks; the ranker combines the
prefilter's cosine with overlap features and a siamese model, fitted on dev retrieval tasks.

>>> from simcalc import Engine
>>> engine = Engine("lexical")                                          # doctest: +SKIP
>>> index = engine.index(["花呗怎么开通", "怎么还款", "借呗额度"])         # doctest: +SKIP
>>> [m.text for m in index.rank("如何开通花呗", top_k=1)]                 # doctest: +SKIP
['花呗怎么开通']
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .errors import InvalidTextError, SimcalcError
from .result import Result
from .rows import score_prepared_rows
from .scorer import Encoded, Encodes, Scorer
from .prefilter import TfidfPrefilter
from .text import PreparedText, prepare

if TYPE_CHECKING:
    from .ranker import PolarityGuard, Ranker, RankerFeatures

log = logging.getLogger(__name__)


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


#: Candidates scored between two looks at a caller's ``stop`` (the server's deadline).
RANK_CHUNK = 32


def _check(stop: Callable[[], bool] | None) -> None:
    if stop is not None and stop():
        raise TimeoutError("ranking was stopped")


class CandidateIndex:
    """Candidates prepared once for ranking many queries; read-only afterwards (thread-safe to share).

    ``scorer``: any scorer; an ensemble is scored member by member so that siamese members reuse
    their candidate vectors. ``prefilter_above``: FAQ size above which TF-IDF prefiltering is used;
    ``shortlist``: how many candidates it keeps.

    ``ranker`` (ensembles only): ``"auto"`` (or ``"faq"``) ranks with the shipped FAQ ranker
    (:mod:`simcalc.ranker`), whatever the config; a ranker file picks another; None ranks by the pair
    ensemble's own score. With a ranker, every candidate gets the
    prefilter's cosine and the ranker's shortlist (its own size, at most ``shortlist``) is scored by it;
    the ensemble members are not run (the rule engine is far too slow for tens of candidates per query), except
    a signed config's polarity member (the rule engine), asked about the ranker's first three only where a character
    cue says the polarity may differ (:class:`~simcalc.ranker.PolarityGuard`).
    """

    def __init__(self, scorer: Scorer, candidates: Sequence[str], *, prefilter_above: int = 500,
                 shortlist: int = 100, stop: Callable[[], bool] | None = None,
                 ranker: "str | Path | Ranker | None" = "auto") -> None:
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
        plain = [p.text for p in self.prepared]
        self.shortlist = shortlist
        self.ranker = self._ranker(ranker, plain) if self.ensemble is not None and ranker is not None else None
        self.polarity = self._polarity() if self.ranker is not None else None
        members = [] if self.ranker else self.ensemble.members if self.ensemble else [(None, scorer)]
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
        if self.ranker is not None:
            self.prefilter: TfidfPrefilter | None = self.ranker.prefilter
        else:
            self.prefilter = TfidfPrefilter(plain) if len(plain) > prefilter_above else None

    def _ranker(self, ranker: "str | Path | Ranker", plain: list[str]) -> "RankerFeatures | None":
        """The ranker's candidate features, or None (logged) when it cannot load: rank by the ensemble."""
        from .ranker import RankerFeatures, load_ranker

        ranker = "faq" if ranker == "auto" else ranker
        try:
            return RankerFeatures(load_ranker(ranker), plain, TfidfPrefilter(plain))
        except SimcalcError as exc:
            log.warning("FAQ ranker %s cannot load (%s); ranking by the ensemble's pair scores", ranker, exc)
            return None

    def _polarity(self) -> "PolarityGuard | None":
        """The signed config's polarity member (the rule engine) as a guard on the ranker's first few; None for
        an unsigned config."""
        from .ranker import PolarityGuard

        assert self.ensemble is not None
        said = self.ensemble.config.polarity
        scorer = next((s for m, s in self.ensemble.members if said is not None and m.name == said.member), None)
        return PolarityGuard(scorer) if scorer is not None else None

    def __len__(self) -> int:
        return len(self.texts)

    def rank(self, query: str, top_k: int = 5, *, stop: Callable[[], bool] | None = None) -> list[Match]:
        """The ``top_k`` candidates most similar to ``query``, best first.

        ``stop``: asked between chunks of candidates; :class:`TimeoutError` when it says so (a server's deadline).
        """
        if not isinstance(top_k, int) or top_k < 1:
            raise InvalidTextError(f"top_k must be a positive integer, got {top_k!r}")
        q = prepare(query, which="query", max_chars=self.scorer.max_chars)
        if self.ranker is not None:
            return self._rank_learned(q, top_k, stop)
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
            results = self.ensemble.combine(per_member, len(ids), texts=[(q.text, self.prepared[i].text) for i in ids])
        else:
            results = [r.with_threshold(self.scorer.threshold) for r in per_member[self.members[0][0]]]
        for r in results:
            r.warnings[:0] = q.warnings
        order = sorted(range(len(ids)), key=lambda j: -results[j].score)[:top_k]
        return [Match(rank + 1, int(ids[j]), self.texts[ids[j]], results[j].score, results[j].label, results[j])
                for rank, j in enumerate(order)]

    def _rank_learned(self, q: PreparedText, top_k: int, stop: Callable[[], bool] | None) -> list[Match]:
        """Prefilter cosine for every candidate, the ranker's features for its shortlist; ``decided_by`` says
        which feature put each match ahead of the candidate ranked below it. With a polarity guard, a candidate
        among the first few that the rule engine calls *opposite* to the query scores −P and goes last."""
        from .ranker import why_ahead

        assert self.ranker is not None and self.prefilter is not None
        _check(stop)
        sims = self.prefilter.scores(q.text)
        k = max(min(self.shortlist, self.ranker.ranker.shortlist), top_k)  # asked for more: score more
        ids = self.prefilter.top_of(sims, k).tolist()
        scored = self.ranker.score(q.text, ids, sims[ids])
        order = sorted(range(len(ids)), key=lambda j: (-scored.logits[j], j))
        opposite: dict[int, dict[str, Any]] = {}
        if self.polarity is not None:
            _check(stop)
            opposite = self.polarity.opposites(q.text, {j: self.prepared[ids[j]].text
                                                             for j in order[:self.polarity.top]})
            order = [j for j in order if j not in opposite] + [j for j in order if j in opposite]
        shown = order[:top_k + 1]  # the match after the last one shown explains why that one is ahead
        results = dict(zip(shown, scored.results(shown)))
        for j, said in opposite.items():
            if j in results:
                r = results[j]
                r.details["polarity"] = said
                results[j] = replace(r, score=-abs(r.score)).with_threshold(r.threshold)
        matches = []
        for rank, j in enumerate(order[:top_k]):
            result = results[j]
            result.warnings[:0] = q.warnings
            below = results.get(order[rank + 1]) if rank + 1 < len(order) else None
            result.details["decided_by"] = (f"the rule engine calls it opposite: {opposite[j].get('reason', '')}"
                                            if j in opposite else why_ahead(result, below))
            matches.append(Match(rank + 1, ids[j], self.texts[ids[j]], result.score, result.label, result))
        return matches
