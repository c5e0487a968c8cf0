"""The TF-IDF prefilter of FAQ ranking: a cheap cosine over every candidate, before anything expensive.

Character 1–2-grams of the content characters, IDF fitted on the FAQ itself (its own vocabulary decides
which characters are rare). :mod:`simcalc.rank` keeps its best candidates for scoring; :mod:`simcalc.ranker`
also uses its cosine and each candidate's neighbourhood density as features.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .text import content_chars


def view(text: str) -> str:
    """What the prefilter and the ranker's text features compare: content characters (the text if none)."""
    return content_chars(text) or text


class TfidfPrefilter:
    """Character 1–2-gram TF-IDF cosine over all candidates (IDF of the FAQ), as one sparse matrix product."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), preprocessor=view)
        self.matrix = self.vectorizer.fit_transform(texts)
        # one query at a time: the query's few n-grams select columns (scikit-learn's transform costs more
        # than the product itself for a single short text)
        self._columns = self.matrix.tocsc()
        self._analyze = self.vectorizer.build_analyzer()
        self._vocabulary = self.vectorizer.vocabulary_
        self._idf = self.vectorizer.idf_

    def scores(self, query: str) -> np.ndarray:
        """The cosine of ``query`` with every candidate (the same as the vectorizer's transform, faster)."""
        counts: dict[int, int] = {}
        for gram in self._analyze(query):
            column = self._vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(self.matrix.shape[0])
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=float, count=len(counts)) * self._idf[columns]
        weights /= np.linalg.norm(weights)
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
