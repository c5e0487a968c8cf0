"""The TF-IDF prefilter of FAQ ranking: a cheap cosine over every candidate, before anything expensive.

It is the ``tfidf`` scorer (:class:`simcalc.lexical.TfidfScorer`: character 1–2-grams of the content
characters) with its IDF fitted on the FAQ itself, so that the FAQ's own vocabulary decides which characters
are rare, laid out as one sparse matrix: a query's cosine with every candidate is one product. The cosine is
the scorer's own (``TfidfScorer.compare`` with the same IDF gives the same number), written once.
:mod:`simcalc.rank` keeps its best candidates for scoring; :mod:`simcalc.ranker` also uses its cosine and each
candidate's neighbourhood density as features.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .lexical import TfidfScorer
from .text import content_chars


def view(text: str) -> str:
    """What the prefilter and the ranker's text features compare: content characters (the text if none)."""
    return content_chars(text) or text


class TfidfPrefilter:
    """The TF-IDF cosine of a query with all candidates (IDF of the FAQ unless ``scorer`` brings its own)."""

    def __init__(self, texts: Sequence[str], scorer: TfidfScorer | None = None) -> None:
        from scipy.sparse import csr_matrix

        self.scorer = scorer if scorer is not None and scorer.is_fitted else TfidfScorer().fit(texts)
        self.vocabulary: dict[str, int] = {}
        indptr, indices, data = [0], [], []
        for vector in self.scorer.encode(texts):
            for gram, weight in vector.items():
                indices.append(self.vocabulary.setdefault(gram, len(self.vocabulary)))
                data.append(weight)
            indptr.append(len(indices))
        self.matrix = csr_matrix((np.array(data, dtype=float), np.array(indices, dtype=np.intp), np.array(indptr)),
                                 shape=(len(indptr) - 1, max(1, len(self.vocabulary))))
        # one query at a time: the query's few n-grams select columns
        self._columns = self.matrix.tocsc()

    def scores(self, query: str) -> np.ndarray:
        """The cosine of ``query`` with every candidate (the scorer's: n-grams no candidate has count in the
        query's norm, as in ``TfidfScorer.compare``)."""
        vector = self.scorer.encode([query])[0]
        shared = [(self.vocabulary[g], w) for g, w in vector.items() if g in self.vocabulary]
        if not shared:
            return np.zeros(self.matrix.shape[0])
        columns = np.fromiter((c for c, _ in shared), dtype=np.intp, count=len(shared))
        weights = np.fromiter((w for _, w in shared), dtype=float, count=len(shared))
        return np.asarray(self._columns[:, columns] @ weights).ravel()

    def density(self, k: int = 10, chunk: int = 512) -> np.ndarray:
        """Each candidate's mean cosine with its ``k`` nearest other candidates: how crowded its neighbourhood
        is. A question with many near-duplicates in the FAQ is near every query of its topic (a "hub");
        the ranker weighs this against its similarity to the query (hubness reduction, as in CSLS)."""
        n = self.matrix.shape[0]
        out = np.zeros(n)
        if n < 2:
            return out
        k = min(k, n - 1)
        transposed = self.matrix.T.tocsc()
        for start in range(0, n, chunk):
            block = (self.matrix[start:start + chunk] @ transposed).toarray()
            rows = np.arange(block.shape[0])
            block[rows, rows + start] = -np.inf  # not its own neighbour
            out[start:start + chunk] = np.partition(block, -k, axis=1)[:, -k:].mean(axis=1)
        return out

    @staticmethod
    def top_of(sims: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` best of ``sims``, best first (ties: lower index first)."""
        ids = np.arange(len(sims)) if k >= len(sims) else np.argpartition(-sims, k)[:k]
        return ids[np.lexsort((ids, -sims[ids]))]

    def top(self, query: str, k: int) -> np.ndarray:
        return self.top_of(self.scores(query), k)
