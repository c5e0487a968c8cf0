"""Lexical baselines: surface overlap, no meaning.

They are the yardstick the rule engine and the neural models must beat, and a fast fallback.
All compare *content characters* by default (punctuation and spaces dropped, see
:func:`simcalc.text.content_chars`), because 怎么开通花呗？ and 怎么开通花呗 ask the same thing.
The Levenshtein and Jaro-Winkler thresholds (0.618) are the CV-LSTM paper's.
"""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import jellyfish
import Levenshtein

from .result import Result
from .scorer import Pair, PairwiseScorer, Scorer
from .text import MAX_CHARS, content_chars, normalize


def smoothed_idf(count: int, n: int) -> float:
    """IDF of a term found in ``count`` of ``n`` documents, smoothed as scikit-learn's ``smooth_idf``
    (``log((1 + n) / (1 + count)) + 1``): never zero, defined for an unseen term (``count`` 0). One formula
    for the TF-IDF scorer, the FAQ ranker's word weights and the router's n-grams."""
    return math.log((1 + n) / (1 + count)) + 1.0


class _CharView:
    """What character scorers compare: content characters (default) or the whole normalised text."""

    ignore_punct: bool = True

    def _view(self, text: str) -> str:
        return (content_chars(text) or text) if self.ignore_punct else text


class _CharScorer(_CharView, PairwiseScorer):
    def __init__(self, threshold: float | None = None, max_chars: int = MAX_CHARS,
                 ignore_punct: bool = True) -> None:
        super().__init__(threshold=threshold, max_chars=max_chars)
        self.ignore_punct = ignore_punct


class LevenshteinScorer(_CharScorer):
    """``(len(a)+len(b) - ldist) / (len(a)+len(b))``, substitutions costing 2 (python-Levenshtein ratio)."""

    name = "levenshtein"
    default_threshold = 0.618

    def _score_pair(self, a: str, b: str) -> Result:
        a, b = self._view(a), self._view(b)
        distance = Levenshtein.distance(a, b)
        return Result(Levenshtein.ratio(a, b), self.name,
                      details={"compared": [a, b], "edit_distance": distance})


class JaroWinklerScorer(_CharScorer):
    """Jaro similarity boosted for a shared prefix (prefix scale 0.1, up to 4 characters)."""

    name = "jaro_winkler"
    default_threshold = 0.618

    def _score_pair(self, a: str, b: str) -> Result:
        a, b = self._view(a), self._view(b)
        return Result(jellyfish.jaro_winkler_similarity(a, b), self.name,
                      details={"compared": [a, b], "jaro": jellyfish.jaro_similarity(a, b)})


class CharJaccardScorer(_CharScorer):
    """|A ∩ B| / |A ∪ B| over the sets of characters."""

    name = "char_jaccard"

    def _score_pair(self, a: str, b: str) -> Result:
        sa, sb = set(self._view(a)), set(self._view(b))
        shared = sa & sb
        return Result(len(shared) / len(sa | sb), self.name,
                      details={"shared": "".join(sorted(shared)), "union_size": len(sa | sb)})


def char_ngrams(text: str, n_min: int = 1, n_max: int = 2) -> list[str]:
    return [text[i:i + n] for n in range(n_min, n_max + 1) for i in range(len(text) - n + 1)]


class TfidfScorer(_CharView, Scorer):
    """Cosine similarity of character 1–2-gram TF-IDF vectors (smoothed idf, sublinear tf off); with
    ``level="word"``, of jieba word vectors instead (the FAQ ranker's second view: 开通 and 通开 share characters,
    not words).

    IDF comes from :meth:`fit` on a corpus you give (``corpus=`` a file, or any iterable of
    sentences), or else from the sentences being scored in each call: a whole file for
    ``simcalc score``/``eval``, the batch for ``score_batch``, the two sentences for ``score`` (which
    still down-weights the characters they share). IDF is ``ln((1+N)/(1+df)) + 1`` as in scikit-learn.
    """

    name = "tfidf"
    needs_fit = True

    def __init__(self, threshold: float | None = None, max_chars: int = MAX_CHARS,
                 ignore_punct: bool = True, corpus: Iterable[str] | str | None = None,
                 idf: str | None = None, level: str = "char") -> None:
        super().__init__(threshold=threshold, max_chars=max_chars)
        self.ignore_punct = ignore_punct
        if level not in ("char", "word"):
            from .errors import InputFormatError

            raise InputFormatError(f"tfidf level must be 'char' or 'word', not {level!r}")
        self.level = level
        self._idf: dict[str, float] | None = None
        self._df: Counter | None = None
        self._default_idf = 1.0
        if corpus is not None and idf is not None:
            from .errors import InputFormatError

            raise InputFormatError("tfidf takes a corpus or a saved idf table, not both")
        if idf is not None:
            self.load_idf(idf)
        if isinstance(corpus, str):
            from .io import read_sentences

            corpus = read_sentences(corpus)
        if corpus is not None:
            self.fit(corpus)

    @property
    def is_fitted(self) -> bool:
        return self._idf is not None

    def fit(self, sentences: Iterable[str]) -> "TfidfScorer":
        df: Counter[str] = Counter()
        n = 0
        for sentence in sentences:
            n += 1
            df.update(set(self._grams(normalize(sentence))))
        self._set_df(df, n)
        self._recipe = None  # fitted here: no longer what its registry name and options build
        return self

    def save_idf(self, path: str) -> None:
        """Write the document frequencies this scorer was fitted on (gzip TSV), for ``idf=`` later.

        Fitting once and reusing the table keeps a pair's score independent of the other pairs scored.
        """
        import gzip

        if self._df is None:
            raise ValueError("fit the scorer before saving its idf table")
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
            f.write(f"#documents\t{self._n_docs}\n")
            for gram, count in sorted(self._df.items()):
                f.write(f"{gram}\t{count}\n")

    def save_fitted(self, folder: Path, stem: str) -> dict[str, str]:
        """:class:`~simcalc.scorer.Fits`: the idf table as ``<stem>-idf.tsv.gz``; returns ``{"idf": name}``."""
        path = Path(folder) / f"{stem}-idf.tsv.gz"
        self.save_idf(str(path))
        return {"idf": path.name}

    def load_idf(self, path: str) -> "TfidfScorer":
        """Read a table written by :meth:`save_idf`."""
        import gzip

        from .errors import InputFormatError, ResourceNotFoundError

        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                head = f.readline().rstrip("\n").split("\t")
                if head[0] != "#documents" or len(head) != 2:
                    raise InputFormatError(f"{path}: not a simcalc idf table (first line must be #documents<TAB>N)")
                df: Counter[str] = Counter()
                for line in f:
                    gram, _, count = line.rstrip("\n").rpartition("\t")
                    df[gram] = int(count)
        except FileNotFoundError:
            raise ResourceNotFoundError(f"tfidf idf table {path} does not exist") from None
        except (OSError, ValueError) as exc:
            raise InputFormatError(f"{path}: cannot read idf table: {exc}") from None
        self._set_df(df, int(head[1]))
        return self

    def _set_df(self, df: Counter, n: int) -> None:
        self._df = df
        self._idf = {g: smoothed_idf(c, n) for g, c in df.items()}
        self._default_idf = smoothed_idf(0, n)  # an n-gram never seen: as rare as possible
        self._n_docs = n

    def _grams(self, text: str) -> list[str]:
        """The terms of a text: character 1–2-grams of its view, or its jieba words (``level="word"``)."""
        if self.level == "char":
            return char_ngrams(self._view(text))
        from .jieba_dict import base_tokenizer

        return [w for w in base_tokenizer().lcut(self._view(text)) if not w.isspace()]

    def _vector(self, text: str) -> dict[str, float]:
        assert self._idf is not None
        counts = Counter(self._grams(text))
        vec = {g: c * self._idf.get(g, self._default_idf) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def encode(self, texts: Sequence[str]) -> "Vectors":
        """Unit TF-IDF vectors of prepared texts: FAQ ranking computes each candidate's once."""
        if self._idf is None:
            raise ValueError("fit the scorer (or give it an idf table) before encoding")
        return Vectors(self._vector(t) for t in texts)

    def score_encoded(self, left: Sequence[dict[str, float]], right: Sequence[dict[str, float]]) -> list[Result]:
        """Results for row-aligned vectors from :meth:`encode` (a 1-row side is broadcast)."""
        n = max(len(left), len(right))
        left, right = (list(side) * n if len(side) == 1 else side for side in (left, right))
        return [self._cosine(va, vb) for va, vb in zip(left, right)]

    def _cosine(self, va: dict[str, float], vb: dict[str, float]) -> Result:
        if len(va) > len(vb):
            va, vb = vb, va
        shared = {g: va[g] * vb[g] for g in va if g in vb}
        top = sorted(shared.items(), key=lambda kv: -kv[1])[:5]
        return Result(min(1.0, sum(shared.values())), self.name,
                      details={"top_shared_ngrams": {g: round(v, 4) for g, v in top}, "idf_documents": self._n_docs})

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        return [self._cosine(self._vector(a), self._vector(b)) for a, b in pairs]


class Vectors(list):
    """TF-IDF vectors from :meth:`TfidfScorer.encode` (:class:`~simcalc.scorer.Encoded`)."""

    def take(self, ids: Sequence[int]) -> "Vectors":
        return Vectors(self[i] for i in ids)

