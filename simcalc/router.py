"""The domain router of a general ensemble config: which kind of text a pair is, as soft weights.

Why a router: the members' evidence means different things in different kinds of text (on PAWS-X two
sentences share almost every character and still differ; on banking questions a shared product name says
little), so a general config keeps one linear stack (an *expert*) per domain and mixes their
probabilities by how much the pair looks like each domain. The router is a multinomial logistic regression
over character 1–2-gram TF-IDF of both sentences (within each sentence, content characters), fitted on the
sentences of each domain's fitting data (no labels of the pairs are used). It is small and readable: one
gzip TSV beside the config::

    #router<TAB>bq<TAB>lcqmc<TAB>…          the domains, in column order
    #intercept<TAB>0.31<TAB>-0.12<TAB>…     the regression's intercepts
    花呗<TAB>4.21<TAB>1.9<TAB>-0.4<TAB>…      n-gram, idf, one weight per domain

Scoring a pair costs one pass over its n-grams (microseconds), never a member's time.
"""
from __future__ import annotations

import gzip
import io
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputFormatError, ResourceNotFoundError
from .lexical import char_ngrams, smoothed_idf
from .text import content_chars, normalize

#: At most this many n-grams (the most frequent in the fitting sentences, seen in at least MIN_DF pairs).
MAX_GRAMS = 20000
MIN_DF = 3
#: The fitted router's logits are multiplied by this (a softmax temperature of 1/2): its weights leaned
#: toward the even mixture on unseen text, where the pair's own expert alone was better. 5-fold
#: cross-validation of the experts over the general config's fitting sets, sharpness 1 → 2: BQ dev
#: accuracy 84.43 → 84.48, LCQMC 75.69 → 75.80, PAWS-X 66.25 → 66.42, QBQTC ρ 38.37 → 38.58, AFQMC and CNSD
#: unchanged (within 0.05).
SHARPNESS = 2.0


#: Length buckets (content characters) of the pair's shape features.
_LENGTHS = (5, 10, 15, 25, 40)
#: Buckets of the longer / shorter length.
_RATIOS = (1.25, 1.6, 2.2, 3.5)
#: Buckets of the share of content characters the two sides have in common (Jaccard of their sets): a
#: PAWS-X pair shares nearly every character whatever its label, two captions of STS-B share some — without
#: it 81 of 1,458 CNSD STS-B dev pairs went first to the PAWS-X expert (and 46 of 800 held-out PAWS-X pairs
#: to the CNSD one), whose word-order evidence means another thing there.
OVERLAPS = (0.2, 0.4, 0.6, 0.75, 0.9)


def _bucket(value: float, bounds: Sequence[float]) -> int:
    return sum(value > b for b in bounds)


def pair_grams(a: str, b: str) -> Counter[str]:
    """Character 1–2-grams of both sentences (normalised, content characters; no gram spans the two), and
    the pair's shape: each side's length bucket, the length ratio's and the shared characters' (``§a2``,
    ``§b4``, ``§r3``, ``§o5``: :data:`OVERLAPS`) — a short search query beside a long page title is another
    kind of text than two questions of a kind, whatever their characters. A table fitted before a shape
    gram existed ignores it (not in its vocabulary)."""
    grams: Counter[str] = Counter()
    sizes, chars = [], []
    for text in (normalize(a), normalize(b)):
        content = content_chars(text) or text
        grams.update(char_ngrams(content))
        sizes.append(len(content))
        chars.append(set(content))
    grams.update([f"§a{_bucket(sizes[0], _LENGTHS)}", f"§b{_bucket(sizes[1], _LENGTHS)}",
                  f"§r{_bucket(max(sizes) / max(1, min(sizes)), _RATIOS)}"])
    if OVERLAPS:
        shared = len(chars[0] & chars[1]) / max(1, len(chars[0] | chars[1]))
        grams[f"§o{_bucket(shared, OVERLAPS)}"] += 1
    return grams


@dataclass
class Router:
    """Soft domain weights of a pair (see the module docstring)."""

    domains: list[str]
    intercepts: np.ndarray            # (domains,)
    vocabulary: dict[str, int]
    idf: np.ndarray                   # (grams,)
    weights: np.ndarray               # (grams, domains)

    def route(self, a: str, b: str) -> dict[str, float]:
        """P(domain | pair) for every domain (sums to 1)."""
        logits = self.intercepts.astype(float).copy()
        grams = [(self.vocabulary[g], c) for g, c in pair_grams(a, b).items() if g in self.vocabulary]
        if grams:
            rows = np.array([i for i, _ in grams])
            values = np.array([c for _, c in grams], dtype=float) * self.idf[rows]
            values /= math.sqrt(float(values @ values))
            logits += values @ self.weights[rows]
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return {d: float(v) for d, v in zip(self.domains, p)}

    def save(self, path: str | Path) -> None:
        """Write the table (gzip without a timestamp: the same router gives the same bytes)."""
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as packed, \
                io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as f:
            f.write("\t".join(["#router", *self.domains]) + "\n")
            f.write("\t".join(["#intercept", *(f"{v:.6g}" for v in self.intercepts)]) + "\n")
            for gram, i in sorted(self.vocabulary.items(), key=lambda kv: kv[1]):
                f.write("\t".join([gram, f"{self.idf[i]:.6g}", *(f"{v:.5g}" for v in self.weights[i])]) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Router":
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                head = f.readline().rstrip("\n").split("\t")
                intercept = f.readline().rstrip("\n").split("\t")
                if head[0] != "#router" or intercept[0] != "#intercept" or len(head) != len(intercept) < 2:
                    raise InputFormatError(f"{path}: not a simcalc router table (#router and #intercept lines)")
                vocabulary: dict[str, int] = {}
                idf: list[float] = []
                weights: list[list[float]] = []
                for line in f:
                    gram, value, *w = line.rstrip("\n").split("\t")
                    if len(w) != len(head) - 1:
                        raise InputFormatError(f"{path}: n-gram {gram!r} has {len(w)} weights, not {len(head) - 1}")
                    vocabulary[gram] = len(idf)
                    idf.append(float(value))
                    weights.append([float(v) for v in w])
        except FileNotFoundError:
            raise ResourceNotFoundError(f"router table {path} does not exist") from None
        except (OSError, ValueError, EOFError) as exc:
            raise InputFormatError(f"{path}: cannot read router table: {exc}") from None
        return cls(head[1:], np.array([float(v) for v in intercept[1:]]), vocabulary, np.array(idf),
                   np.array(weights).reshape(len(idf), len(head) - 1))


def fit_router(pairs: Sequence[tuple[str, str]], domains: Sequence[str], C: float = 10.0,
               sharpness: float = SHARPNESS) -> Router:
    """A router from example pairs and the domain of each (classes weighted to balance the domains), its
    logits multiplied by ``sharpness`` (the same table format: the scaled weights are the table's)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    if sharpness <= 0:
        raise InputFormatError(f"router sharpness must be > 0, got {sharpness}")
    names = sorted(set(domains), key=list(domains).index)
    if len(names) < 2:
        raise InputFormatError("a router needs pairs of at least two domains")
    counted = [pair_grams(a, b) for a, b in pairs]
    df: Counter[str] = Counter(g for grams in counted for g in grams)
    kept = [g for g, c in df.most_common(MAX_GRAMS) if c >= MIN_DF]
    vocabulary = {g: i for i, g in enumerate(kept)}
    n = len(pairs)
    idf = np.array([smoothed_idf(df[g], n) for g in kept])
    rows, cols, values = [], [], []
    for r, grams in enumerate(counted):
        entries = [(vocabulary[g], c * idf[vocabulary[g]]) for g, c in grams.items() if g in vocabulary]
        norm = math.sqrt(sum(v * v for _, v in entries)) or 1.0
        for i, v in entries:
            rows.append(r)
            cols.append(i)
            values.append(v / norm)
    x = csr_matrix((values, (rows, cols)), shape=(n, len(kept)))
    y = np.array([names.index(d) for d in domains])
    lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(x, y)
    coef, intercept = lr.coef_, lr.intercept_
    if len(names) == 2:  # sklearn keeps one row for two classes: the second class's logit
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, intercept[0]])
    coef, intercept = coef * sharpness, intercept * sharpness
    # rounded as the table stores them: the router that scores after loading is the one fitted here
    return Router(names, _rounded(intercept, 6), vocabulary, _rounded(idf, 6), _rounded(coef.T, 5))


def _rounded(values: np.ndarray, digits: int) -> np.ndarray:
    return np.array([float(f"{v:.{digits}g}") for v in np.ravel(values)]).reshape(np.shape(values))
