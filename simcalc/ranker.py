"""A learned FAQ ranker: which of the shortlisted candidates answers the query.

Why not the pair ensemble: it answers "are these two sentences a paraphrase", calibrated over all kinds of
pairs, and throws away what ranking needs most. On LCQMC test used as a retrieval task the ``bq`` ensemble's
rerank of the TF-IDF shortlist fell well below TF-IDF's own top-1 (58.5 % on 200 queries vs 83.5 %, ``bench/faq.py``).
Among several close candidates, what separates the answer from its neighbours is the prefilter's own cosine
(IDF of the FAQ), how much of the query a candidate covers and the reverse, their length ratio, bigram overlap,
and how crowded the candidate's neighbourhood in the FAQ is (a question with many near-duplicates is close to
every query of its topic: hubness). A linear score over those features (standardised) is fitted on
retrieval tasks built from dev files (:func:`retrieval_task`): listwise, a softmax over each query's prefilter
shortlist, then Platt-scaled to P(answer) (:func:`fit_ranker`).

What did not help, measured on dev: adding the pair ensemble's probability (rule engine included) to the
ranker's top 3 only lowered top-1, at any weight; a gradient-boosted model and polynomial terms were within
noise of the linear score. The rule engine (~150 pairs/s) could not score tens
of candidates per query at 100 queries/s anyway; ``simcalc compare`` on the winning pair gives the full verdict.

The shipped ranker ``faq`` (``simcalc/configs/rankers/faq.toml``) has no neural feature: the character features
above plus the overlap of content words (:data:`WORD_FEATURES`, :class:`WordOverlap`: jieba words, plain and
IDF-weighted, and the words each side lacks). Fitted on part of LCQMC dev and measured on a held-out part (five
folds, out-of-fold top-1): the character features 82.0 %, with the word overlap 82.5 % (five folds × three seeds:
+0.37 ± 0.25, one standard error); on LCQMC test (``bench/faq.py``, ranker + polarity guard) 87.1 → 87.4 % (BQ
test 12.2 → 12.5 %) at about three quarters of the speed (jieba segments each query: ~0.6 ms a query; in one
process each, LCQMC test, queries/s against the tfidf scorer's: 0.82–0.93 before, 0.62–0.65 now, ~350 queries/s on
the shared machine; the FAQ's words are segmented with the index).

Tried and not kept (LCQMC dev top-1, five folds, against the character features; test where said): the ``re2``
cross-attention member's probability on the shortlist (+0.4, test +0.2; over the word overlap +0.1, test +0.0; ~17 ms
a query for 20 pairs, under 100 queries/s), also as a second stage on the ranker's top 3/5/10 (+0.3);
``cvlstm-general`` (on the 1,445 dev queries outside its training: +0.4 alone, −0.1 over the word overlap);
listwise features (rank in the shortlist, gap to the shortlist's best, first under re2; ≤ +0.3); question-type
agreement (:mod:`simcalc.rules.question`, +0.25); over the word overlap: Cilin synonym classes (+0.1), shortlist
centrality (mean / max cosine with the other shortlisted candidates, +0.0–0.2), unshared question words counted
apart (+0.3 on LCQMC dev but −0.6 on BQ dev: no better than moving BQ's share); a gradient-boosted pointwise model
(−0.2 to −1.0). The same word overlap *with* punctuation tokens gained 1.5 points on dev and nothing on test:
LCQMC dev pairs share punctuation far more often than chance, test pairs hardly (see :class:`WordOverlap`) — a dev
artifact.

Later, also within noise (five folds × three seeds on LCQMC dev, BQ dev at a tenth in the fit; LCQMC / BQ dev top-1,
base 82.3 / 11.7): more fitting data from retrieval tasks built from AFQMC train (its task is unlike LCQMC's: the
prefilter's top-1 3 %, the answer in the top 20 for 23 % of queries) or BQ train, at a tenth to the full share
(−0.0 to −0.6 on LCQMC); a pairwise loss (logistic regression on answer − other differences, RankSVM-like: +0.0,
worse at weak L2); features z-scored within each query's shortlist (+0.3 fitted on LCQMC alone, −0.1 / −0.9 with
BQ in the fit); the shortlist's depth 10/30/40 (±0.15); character LCS both ways, the longest shared substring,
``word_order``'s order and exchanges, same first / last two characters (≤ +0.1); ``mgf-bq``'s logit as a feature
(+0.1 / +0.4) or as a second stage over the top 3 or 5 (+0.1 / +0.5–0.7), ~7 ms a query on the shared machine;
a listwise network with one hidden layer (8 tanh units beside the linear score: +0.5 / −0.6, and +0.3 on LCQMC
once copies of the query are left out: part of its gain was learning that copies are rarely labelled, below).
Why so little moves: of the 772 LCQMC dev queries the ranker misses (fitted on all of dev), 761 have a first answer the
file says nothing about for that query, and in a read of 60 of them about 50 are paraphrases of the query (床前明月光
的下一句是什么 / 床前明月光。的下一句是什么。): the labels name one answer per query, not which of several paraphrases
the FAQ holds. One kind is systematic: a copy of the query (the same content characters) is almost never the
labelled answer on dev (4 of 59 shortlisted copies), though it is the best one (on test, 657 positive pairs are
copies); ``retrieval_task(same="content")`` (``bench/faq.py --same content``) counts copies as the query itself. A
feature that pushes copies down gained 0.8 on dev and was not kept: it would rank the FAQ's copy of a user's
question below its paraphrases.

Earlier: the probability of ``mgf`` with ``mgf-bq-large`` (BQ-trained, siamese: the FAQ is encoded once, a
query costs one encoding) gained 0.5 on LCQMC dev and 0.6 on BQ dev, but gave LCQMC test the same top-1 at a
sixth of the speed (53 queries/s on the shared machine, under the 100 asked) and a 40 s index for 12,064
questions: fit it with ``--neural mgf --model mgf-bq-large`` where speed does not matter. Within ±0.3 and not
kept: the word-level (jieba) TF-IDF cosine (``--words``), a negation-mismatch flag, cvlstm-bq,
Levenshtein / Jaro-Winkler, the cosine under the general corpus's IDF, log prefilter rank. The rule engine's
signed score added to the ranker's top 3 (weight 2) gained 0.3 on LCQMC dev but costs three rule-engine pairs
per query (~50 queries/s); it serves only as the :class:`PolarityGuard`. A ranker with a general model
(``--neural cvlstm --model cvlstm-general``) leaves out the queries whose pair that model trained on
(:func:`trained_pairs`), because their scores there are in-sample.

Fit again (dev files only; the test files are for reporting)::

    python -m simcalc.ranker --dev lcqmc/dev.tsv --dev bq_corpus/dev.tsv:0.1 -o simcalc/configs/rankers/faq.toml

BQ counts a tenth: its retrieval labels name one answer among the many paraphrases of a few banking topics
(top-1 is about 12 % for every engine). With the word overlap, on the fitting data, LCQMC dev / BQ dev top-1:
BQ left out 82.5 / 11.2 %, a tenth 82.3 / 11.9 %, a quarter 81.9 / 12.0 % (the character features alone with a
quarter: 81.8 / 12.0 %).
"""
from __future__ import annotations

import csv
import functools
import importlib.resources
import logging
import math
import random
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Sequence

import numpy as np

from .errors import InputFormatError, ResourceNotFoundError, SimcalcError
from .jieba_dict import content_words
from .evaluate import best_f1_threshold
from .lexical import TfidfScorer, smoothed_idf
from .prefilter import TfidfPrefilter, view
from .result import Result
from .scorer import Encoded, Encodes, Scorer
from .text import normalize


log = logging.getLogger(__name__)

#: Features computed from the characters of the pair (content characters, as the lexical scorers see them).
TEXT_FEATURES = ("char_jaccard", "query_coverage", "candidate_coverage", "length_ratio", "bigram_jaccard")
#: The prefilter's TF-IDF cosine (character 1–2-grams, IDF of the FAQ itself).
PREFILTER = "prefilter"
#: The candidate's mean prefilter cosine with its nearest FAQ neighbours (``TfidfPrefilter.density``).
DENSITY = "density"
#: The TF-IDF cosine of jieba words (IDF of the FAQ): the same scorer at word level.
WORDS = "word_tfidf"
#: Overlap of the pair's content words (jieba, punctuation left out), plain and weighted by the words' IDF in the
#: FAQ, and how many words each side has that the other lacks (:class:`WordOverlap`).
WORD_FEATURES = ("word_jaccard", "word_idf_jaccard", "query_word_idf_coverage", "candidate_word_idf_coverage",
                 "query_words_unshared", "candidate_words_unshared")
#: Siamese scorers a ranker may use as features (their FAQ vectors are encoded once).
NEURAL = ("cvlstm", "mgf")
SHIPPED = ("faq",)


@dataclass
class Ranker:
    """A fitted ranker: ``P(answer) = sigmoid(intercept + Σ coefficientᵢ · (xᵢ − centerᵢ) / scaleᵢ)``."""

    name: str
    coefficients: dict[str, float]
    intercept: float = 0.0
    center: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.5
    shortlist: int = 20
    scorers: dict[str, dict[str, Any]] = field(default_factory=dict)  # neural feature → scorer options
    description: str = ""
    fitted_on: str = ""

    @property
    def neural(self) -> list[str]:
        return [f for f in self.coefficients if f in NEURAL]

    def standardised(self, x: np.ndarray) -> np.ndarray:
        names = list(self.coefficients)
        center = np.array([self.center.get(n, 0.0) for n in names])
        scale = np.array([self.scale.get(n, 1.0) for n in names])
        return (x - center) / scale

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits of rows of raw feature values (columns in ``coefficients`` order)."""
        return self.intercept + self.standardised(x) @ np.array(list(self.coefficients.values()))

    def to_toml(self) -> str:
        from .ensemble import _toml

        lines = ["# simcalc FAQ ranker (see simcalc/ranker.py)", "[ranker]", f"name = {_toml(self.name)}",
                 f"description = {_toml(self.description)}", f"fitted_on = {_toml(self.fitted_on)}",
                 f"intercept = {_toml(round(self.intercept, 6))}", f"threshold = {_toml(round(self.threshold, 6))}",
                 f"shortlist = {self.shortlist}", "",
                 "[features]", f"coefficients = {_toml({k: round(v, 6) for k, v in self.coefficients.items()})}",
                 f"center = {_toml({k: round(v, 6) for k, v in self.center.items()})}",
                 f"scale = {_toml({k: round(v, 6) for k, v in self.scale.items()})}"]
        for name, options in self.scorers.items():
            lines += ["", f"[scorers.{name}]", f"options = {_toml(options)}"]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, source: str) -> "Ranker":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputFormatError(f"{source}: not valid TOML: {exc}") from None
        head, features = data.get("ranker"), data.get("features")
        if not isinstance(head, dict) or not isinstance(features, dict) or "coefficients" not in features:
            raise InputFormatError(f"{source}: a ranker needs [ranker] and [features] coefficients = {{...}}")
        coefficients = {str(k): float(v) for k, v in features["coefficients"].items()}
        known = {PREFILTER, DENSITY, WORDS, *TEXT_FEATURES, *WORD_FEATURES, *NEURAL}
        unknown = set(coefficients) - known
        if unknown:
            raise InputFormatError(f"{source}: unknown ranker features {', '.join(sorted(unknown))}; "
                                   f"known: {', '.join(sorted(known))}")
        scale = {str(k): float(v) for k, v in features.get("scale", {}).items()}
        if any(v <= 0 for v in scale.values()):
            raise InputFormatError(f"{source}: every scale must be > 0")
        scorers = {str(k): dict(v.get("options", {})) for k, v in data.get("scorers", {}).items()}
        shortlist = int(head.get("shortlist", 20))
        if shortlist < 1:
            raise InputFormatError(f"{source}: shortlist must be >= 1")
        return cls(str(head.get("name", Path(source).stem)), coefficients, float(head.get("intercept", 0.0)),
                   {str(k): float(v) for k, v in features.get("center", {}).items()}, scale,
                   float(head.get("threshold", 0.5)), shortlist, scorers, str(head.get("description", "")),
                   str(head.get("fitted_on", "")))


def load_ranker(ranker: str | Path | Ranker) -> Ranker:
    """The shipped ranker by name (``faq``), or one from a path (written by ``python -m simcalc.ranker``)."""
    if isinstance(ranker, Ranker):
        return ranker
    name = str(ranker)
    if name in SHIPPED:
        return _shipped(name)
    path = Path(name).expanduser()
    if not path.is_file():
        raise ResourceNotFoundError(f"no ranker {name!r}: shipped rankers are {', '.join(SHIPPED)}; "
                                    "or pass a path to a ranker .toml file")
    return Ranker.from_toml(path.read_text(encoding="utf-8"), str(path))


@functools.lru_cache(maxsize=None)
def _shipped(name: str) -> Ranker:
    """A shipped ranker, read once per process (a server builds an index per request with candidates)."""
    resource = importlib.resources.files("simcalc") / "configs" / "rankers" / f"{name}.toml"
    if not resource.is_file():
        raise ResourceNotFoundError(f"the shipped ranker {name} (simcalc/configs/rankers/{name}.toml) is missing "
                                    "from this installation; reinstall simcalc")
    return Ranker.from_toml(resource.read_text(encoding="utf-8"), f"{name} (shipped)")


class RankerFeatures:
    """The candidate-side part of the features (character sets, neural vectors), computed once per FAQ."""

    def __init__(self, ranker: Ranker, texts: Sequence[str], prefilter: TfidfPrefilter) -> None:
        from . import registry

        self.ranker = ranker
        self.prefilter = prefilter
        self.density = prefilter.density() if DENSITY in ranker.coefficients else None
        self.words = (TfidfPrefilter(texts, TfidfScorer(level="word").fit(texts)) if WORDS in ranker.coefficients
                      else None)
        self.word_overlap = (WordOverlap(texts) if any(f in ranker.coefficients for f in WORD_FEATURES)
                             else None)
        views = [view(t) for t in texts]
        self.chars = [frozenset(v) for v in views]
        self.bigrams = [frozenset(_bigrams(v)) for v in views]
        self.lengths = np.array([len(v) for v in views], dtype=float)
        self.scorers: dict[str, Scorer] = {}
        self.vectors: dict[str, Encoded] = {}
        for name in ranker.neural:
            scorer = registry.get(name, **ranker.scorers.get(name, {}))
            if not isinstance(scorer, Encodes):
                raise SimcalcError(f"ranker feature {name}: the scorer cannot encode sentences once")
            self.scorers[name] = scorer
            self.vectors[name] = scorer.encode(list(texts))

    def matrix(self, query: str, ids: Sequence[int], prefilter: np.ndarray) -> tuple[np.ndarray, dict[str, list]]:
        """Raw feature rows for ``ids`` (columns in the ranker's order), and each neural scorer's details."""
        q = view(query)
        qc, qb, ql = frozenset(q), frozenset(_bigrams(q)), float(len(q))
        columns: dict[str, np.ndarray] = {PREFILTER: np.asarray(prefilter, dtype=float)}
        if self.density is not None:
            columns[DENSITY] = self.density[list(ids)]
        if self.words is not None:
            columns[WORDS] = self.words.scores(query)[list(ids)]
        shared = np.array([len(qc & self.chars[i]) for i in ids], dtype=float)
        sizes = np.array([len(self.chars[i]) for i in ids], dtype=float)
        columns["char_jaccard"] = shared / np.maximum(1.0, len(qc) + sizes - shared)
        columns["query_coverage"] = shared / max(1, len(qc))
        columns["candidate_coverage"] = shared / np.maximum(1.0, sizes)
        lengths = self.lengths[list(ids)]
        columns["length_ratio"] = np.minimum(lengths, ql) / np.maximum(1.0, np.maximum(lengths, ql))
        columns["bigram_jaccard"] = np.array([_jaccard(qb, self.bigrams[i]) for i in ids])
        if self.word_overlap is not None:
            columns.update(self.word_overlap.features(query, ids))
        details: dict[str, list] = {}
        for name, scorer in self.scorers.items():
            encoded = scorer.encode([query])  # type: ignore[attr-defined]
            results = scorer.score_encoded(encoded, self.vectors[name].take(list(ids)))  # type: ignore[attr-defined]
            columns[name] = np.array([r.score for r in results])
            details[name] = [r.details for r in results]
        return np.column_stack([columns[f] for f in self.ranker.coefficients]), details

    def score(self, query: str, ids: Sequence[int], prefilter: np.ndarray) -> "Scored":
        """The ranker's logits for ``ids``; :meth:`Scored.results` builds full results for the few shown."""
        x, neural = self.matrix(query, ids, prefilter)
        contributions = self.ranker.standardised(x) * np.array(list(self.ranker.coefficients.values()))
        return Scored(self.ranker, x, contributions, self.ranker.intercept + contributions.sum(axis=1), neural)


@dataclass
class Scored:
    """Feature values, contributions and logits of a query's shortlist (rows in shortlist order)."""

    ranker: Ranker
    x: np.ndarray
    contributions: np.ndarray
    logits: np.ndarray
    neural: dict[str, list]

    def results(self, rows: Sequence[int]) -> list[Result]:
        """One :class:`Result` per row: P(answer), labelled at the ranker's threshold, with each feature's value
        and contribution in ``details`` (``decided_by`` is filled in by the index)."""
        out = []
        for row in rows:
            features = {name: {"value": round(float(self.x[row, j]), 6),
                               "contribution": round(float(self.contributions[row, j]), 6)}
                        for j, name in enumerate(self.ranker.coefficients)}
            details: dict[str, Any] = {"ranker": self.ranker.name, "features": features}
            if self.neural:
                details["members"] = {name: rows_[row] for name, rows_ in self.neural.items()}
            z = float(self.logits[row])
            p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
            out.append(Result(p, f"ranker:{self.ranker.name}", details=details).with_threshold(self.ranker.threshold))
        return out


class WordOverlap:
    """The :data:`WORD_FEATURES` of a query against FAQ questions, their word sets made once per FAQ.

    Why words beside characters: character overlap counts 海上 as sharing all of 上海, and cannot tell a shared
    word from its characters scattered over other words; word sets can, and a word's IDF is its own, not its
    characters'.
    Why punctuation is left out: on LCQMC dev a query shares its answer's punctuation far more often than chance
    (59 % identical punctuation sets vs 34 %), on LCQMC test hardly (49 % vs 46 %); the same overlap with
    punctuation tokens gained 1.5 points of top-1 on dev and nothing on test (an artifact of how dev was built)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.words = [frozenset(content_words(t)) for t in texts]
        df = Counter(w for words in self.words for w in words)
        self.idf = {w: smoothed_idf(c, len(texts)) for w, c in df.items()}
        self.unseen = smoothed_idf(0, len(texts))  # a word no FAQ question has: as rare as possible
        self.mass = [sum(self.idf[w] for w in words) for words in self.words]

    def features(self, query: str, ids: Sequence[int]) -> dict[str, np.ndarray]:
        q = frozenset(content_words(query))
        q_mass = sum(self.idf.get(w, self.unseen) for w in q)
        rows = []
        for i in ids:
            c = self.words[i]
            shared = q & c
            s_mass = sum(self.idf[w] for w in shared)
            rows.append((len(shared) / max(1, len(q | c)), s_mass / max(1e-9, q_mass + self.mass[i] - s_mass),
                         s_mass / max(1e-9, q_mass), s_mass / max(1e-9, self.mass[i]),
                         len(q - c), len(c - q)))
        table = np.array(rows, dtype=float).reshape(len(ids), len(WORD_FEATURES))
        return {name: table[:, j] for j, name in enumerate(WORD_FEATURES)}


class PolarityGuard:
    """Keeps a FAQ question that says the opposite of the query (negated, or an antonymous predicate) from
    winning over the ones that match it.

    Why: the ranker's features count shared characters, and 花呗为什么不能用了 shares all of its characters
    but one with 花呗为什么能用了. The rule engine's signed verdict (*opposite*: negation or antonym on the same
    event while the rest of the content matches) knows the difference, but at ~150 pairs/s it cannot score a
    shortlist. So it is asked only about the first ``top`` candidates, and only where a cheap character cue
    says polarity may differ (:meth:`cue`: negation characters on one side only, or an antonym morpheme pair
    such as 高/低 split across the two). A candidate it calls opposite scores −P(answer), is labelled 0 and
    ranks below every candidate it did not call opposite.
    """

    def __init__(self, scorer: Scorer, top: int = 3) -> None:
        from .rules.config import RuleConfig
        from .rules.polarity import load_cues

        config = getattr(scorer, "config", None)
        cues = load_cues(config.negation_words if isinstance(config, RuleConfig) else RuleConfig().negation_words)
        self.scorer = scorer
        self.top = top
        self.negation = frozenset(w for w in cues.negation if len(w) == 1)
        self.antonyms = cues.morphemes

    def cue(self, query: str, candidate: str) -> bool:
        """Whether polarity may differ: cheap, on characters; most pairs of a FAQ shortlist say no."""
        a, b = set(view(query)), set(view(candidate))
        if (a & self.negation) != (b & self.negation):
            return True
        only_b = b - a
        return any((x, y) in self.antonyms for x in a - b for y in only_b)

    def opposites(self, query: str, candidates: dict[int, str]) -> dict[int, dict[str, Any]]:
        """The rule engine's polarity details of the candidates (position → text) it calls *opposite*."""
        asked = {j: text for j, text in candidates.items() if self.cue(query, text)}
        if not asked:
            return {}
        results = self.scorer.score_batch([(query, text) for text in asked.values()])
        out = {}
        for j, result in zip(asked, results):
            said = result.details.get("polarity") or {}
            if isinstance(said, dict) and said.get("verdict") == "opposite":
                out[j] = said
        return out


def why_ahead(winner: Result, runner_up: Result | None) -> str:
    """In words: the feature that put ``winner`` furthest ahead of the candidate ranked below it."""
    features = winner.details.get("features", {})
    if runner_up is None or not features:
        return "the only candidate"
    theirs = runner_up.details.get("features", {})
    gaps = {n: f["contribution"] - theirs.get(n, {}).get("contribution", 0.0) for n, f in features.items()}
    name = max(gaps, key=gaps.__getitem__)
    return f"{name} (+{gaps[name]:.2f} over the next candidate)" if gaps[name] > 0 else "ties with the next candidate"


def _bigrams(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)] or [text]


def _jaccard(a: frozenset, b: frozenset) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


# -- retrieval tasks and fitting ------------------------------------------------------------------------
@dataclass
class RetrievalTask:
    """A pair file used as FAQ retrieval: the FAQ is every distinct ``sentence2``; each ``sentence1`` of a
    positive pair is a query whose answers are its positive ``sentence2`` (in ``gold``, as FAQ indices);
    ``labelled_not`` are the FAQ questions the file labels *not* similar to it. Any other FAQ question is
    unlabelled for that query (often another paraphrase: a miss there is not always wrong).
    A query that is itself a FAQ question is not ranked against its own text (``self_index``), nor, with
    ``same="content"``, against the other copies of its text (``copies``, see :func:`retrieval_task`)."""

    name: str
    candidates: list[str]
    queries: list[str]
    gold: list[frozenset[int]]
    self_index: list[int | None]
    labelled_not: list[frozenset[int]] = field(default_factory=list)
    copies: list[frozenset[int]] = field(default_factory=list)

    def left_out(self, query: int) -> frozenset[int]:
        """The FAQ questions query number ``query`` is not ranked against: its own text and its copies."""
        own = self.self_index[query]
        copies = self.copies[query] if self.copies else frozenset()
        return copies | {own} if own is not None else copies


def retrieval_task(path: str | Path, *, limit: int | None = None, seed: int = 1,
                   exclude: Collection[tuple[str, str]] = (), same: str = "text") -> RetrievalTask:
    """The retrieval task of a labelled pair TSV (``sentence1, sentence2, label``; read with QUOTE_NONE).

    Queries: ``sentence1`` of every positive pair whose sentences differ and that is not in ``exclude``
    (e.g. :func:`trained_pairs`), shuffled with ``seed``, at most ``limit``.

    ``same``: when two sentences are the same one. ``"text"``: identical strings. ``"content"``: the same
    content characters once normalised (what the prefilter and the ranker's character features see: only
    punctuation, spaces, case or script differ). Why offer it: LCQMC holds such copies of one question (床前明月光的
    下一句是什么 / 床前明月光。的下一句是什么。), and how its labels treat them differs by split: on dev a copy is
    almost never the labelled answer (4 of the 59 shortlisted copies; a ranker that puts it first, as it should,
    scores a miss), on test 657 of the 6,247 positive pairs are copies (an answer every engine finds). With
    ``"content"`` a pair of copies is no query, and the copies of a query are left out of its ranking like its
    own text (``copies``): the task measures paraphrases only (LCQMC test: 5,590 queries, 83 with copies left out).
    """
    if same not in ("text", "content"):
        raise InputFormatError(f"same must be 'text' or 'content', not {same!r}")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if len(r) >= 3]
    except FileNotFoundError:
        raise ResourceNotFoundError(f"{path} does not exist") from None
    if rows and rows[0][2] == "label":
        rows = rows[1:]
    candidates = list(dict.fromkeys(r[1] for r in rows))
    position = {c: i for i, c in enumerate(candidates)}
    key = (lambda text: view(normalize(text))) if same == "content" else (lambda text: text)
    keys = [key(c) for c in candidates]
    by_key: dict[str, set[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, set()).add(i)
    answers: dict[str, set[int]] = {}
    negatives: dict[str, set[int]] = {}
    for s1, s2, label, *_ in rows:
        if label == "1" and key(s1) != keys[position[s2]]:
            answers.setdefault(s1, set()).add(position[s2])
        elif label == "0":
            negatives.setdefault(s1, set()).add(position[s2])
    excluded = set(exclude)
    queries = [s1 for s1, s2, label, *_ in rows
               if label == "1" and key(s1) != keys[position[s2]] and (s1, s2) not in excluded]
    if not queries:
        raise InputFormatError(f"{path}: no positive pairs (label 1) to use as queries")
    random.Random(seed).shuffle(queries)
    queries = queries[:limit] if limit else queries
    return RetrievalTask(Path(path).parent.name or str(path), candidates, queries,
                         [frozenset(answers[q]) for q in queries], [position.get(q) for q in queries],
                         [frozenset(negatives.get(q, ())) for q in queries],
                         [frozenset(by_key.get(key(q), set()) - {position.get(q)}) if same == "content" else frozenset()
                          for q in queries])


def trained_pairs(path: str | Path) -> set[tuple[str, str]]:
    """The pairs of a dev file that the general neural models train on (the seeded cut of
    :mod:`simcalc.neural.mix`; e.g. 60 % of LCQMC dev for ``cvlstm-general``). Their scores on those pairs are
    in-sample: a ranker fitted with a neural feature on them would trust the model far more than it deserves."""
    from .neural.mix import DOMAINS, cut, read_pairs

    path = Path(path)
    for domain in DOMAINS:
        for part in domain.parts:
            if not part.file.startswith("chinesests:") and path.as_posix().endswith(part.file) and part.train:
                rows = cut(read_pairs(path), part, f"{domain.name}:{part.file}")["train"]
                return {(a, b) for a, b, _ in rows}
    return set()


def shortlist_features(ranker: Ranker, task: RetrievalTask, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, gold flags and query numbers of every (query, candidate) in each query's prefilter top ``k``
    (the query's own text left out). Texts are normalised as an index prepares them."""
    candidates = [normalize(c) for c in task.candidates]
    prefilter = TfidfPrefilter(candidates)
    features = RankerFeatures(ranker, candidates, prefilter)
    xs, ys, qs = [], [], []
    for qi, (raw, gold) in enumerate(zip(task.queries, task.gold)):
        query = normalize(raw)
        sims = prefilter.scores(query)
        sims[list(task.left_out(qi))] = -1.0
        ids = prefilter.top_of(sims, k).tolist()
        x, _ = features.matrix(query, ids, sims[ids])
        xs.append(x)
        ys.append(np.array([i in gold for i in ids], dtype=float))
        qs.append(np.full(len(ids), qi))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(qs)


def fit_ranker(tasks: Sequence[RetrievalTask], features: Sequence[str], *, name: str = "faq", k: int = 20,
               scorers: dict[str, dict[str, Any]] | None = None, l2: float = 1e-3,
               weights: Sequence[float] | None = None) -> Ranker:
    """A ranker fitted on retrieval tasks (dev files).

    Listwise: the weights maximise the probability of a labelled answer under a softmax over each query's
    prefilter top ``k`` (on LCQMC dev, five folds × three seeds: top-1 82.1 % vs 81.5 % for a pointwise
    logistic regression on the same features), with an L2 penalty ``l2`` on the standardised features. The
    scores are then Platt-scaled to P(answer) (order unchanged); the threshold is the P(answer) with the best F1
    over the shortlisted candidates. ``weights``: each task's share of the fit (default equal).
    """
    from sklearn.linear_model import LogisticRegression

    if PREFILTER not in features:
        raise InputFormatError(f"a ranker needs the {PREFILTER} feature (its shortlist comes from the prefilter)")
    template = Ranker(name, {f: 0.0 for f in features}, shortlist=k,
                      scorers={n: o for n, o in (scorers or {}).items() if n in features})
    parts = [shortlist_features(template, task, k) for task in tasks]
    shares = list(weights) if weights is not None else [1.0] * len(parts)
    if len(shares) != len(parts) or min(shares) < 0 or sum(shares) <= 0:
        raise InputFormatError("give one weight >= 0 per task, not all zero")
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    offsets = np.cumsum([0] + [len(task.queries) for task in tasks])
    query = np.concatenate([p[2] + offset for p, offset in zip(parts, offsets)])
    n_queries = int(offsets[-1])
    per_query = np.concatenate([np.full(len(task.queries), w * n_queries / (sum(shares) * len(task.queries)))
                                for task, w in zip(tasks, shares)])
    row_weight = per_query[query]
    center = np.average(x, axis=0, weights=row_weight)
    scale = np.sqrt(np.cov(x, rowvar=False, aweights=row_weight).diagonal())
    scale[scale == 0] = 1.0
    z = (x - center) / scale
    w = _listwise(z, y, query, per_query, l2)
    platt = LogisticRegression(C=1e6, max_iter=1000).fit((z @ w)[:, None], y, sample_weight=row_weight)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    ranker = Ranker(name, dict(zip(features, (a * w).tolist())), b,
                    dict(zip(features, center.tolist())), dict(zip(features, scale.tolist())),
                    shortlist=k, scorers=template.scorers)
    ranker.threshold = best_f1_threshold(1.0 / (1.0 + np.exp(-ranker.logits(x))), y)
    hits = []
    for task, (tx, ty, tq), share in zip(tasks, parts, shares):
        alone = _top1(tx[:, list(features).index(PREFILTER)], ty, tq)
        hits.append(f"{task.name} (weight {share:g}): {len(task.queries)} queries, top-1 "
                    f"{100 * _top1(ranker.logits(tx), ty, tq):.1f} % (prefilter alone {100 * alone:.1f} %)")
    ranker.fitted_on = (f"retrieval tasks from dev files, prefilter top {k}, listwise softmax L2={l2:g}, "
                        "Platt-scaled; " + "; ".join(hits) + " (on the fitting data)")
    return ranker


def _listwise(z: np.ndarray, y: np.ndarray, query: np.ndarray, per_query: np.ndarray, l2: float) -> np.ndarray:
    """Weights maximising Σ_q weight_q · log P(a labelled answer of q) under a softmax of ``z @ w`` over each
    query's rows (rows of one query are contiguous); queries without an answer in their shortlist teach nothing."""
    from scipy.optimize import minimize

    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(query)]))
    answered = np.add.reduceat(y, starts) > 0
    weight = per_query[query[starts]] * answered
    total_weight = weight.sum()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[group])
        total = np.add.reduceat(e, starts)
        gold = np.add.reduceat(e * y, starts)
        safe_gold = np.where(answered, gold, 1.0)
        value = -(weight * np.log(np.where(answered, gold / total, 1.0))).sum() + l2 * total_weight * (w @ w)
        push = (e / total[group] - e * y / safe_gold[group]) * weight[group]
        return float(value), (push[:, None] * z).sum(axis=0) + 2 * l2 * total_weight * w

    return np.asarray(minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x)


def _top1(scores: np.ndarray, gold: np.ndarray, query: np.ndarray) -> float:
    best: dict[int, tuple[float, float]] = {}
    for s, g, q in zip(scores, gold, query):
        if q not in best or s > best[q][0]:
            best[int(q)] = (s, g)
    return sum(g for _, g in best.values()) / max(1, len(best))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m simcalc.ranker --dev FILE[:WEIGHT] [--dev ...] -o OUT [--neural cvlstm]``: fit and write a ranker."""
    import argparse

    from . import datasets

    parser = argparse.ArgumentParser(description="Fit an FAQ ranker on retrieval tasks built from dev pair files.")
    parser.add_argument("--dev", action="append", required=True,
                        help="labelled pair TSV (dev split), repeatable; FILE:WEIGHT gives its share (default 1)")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--words", action="store_true", help="add the word-level (jieba) TF-IDF cosine")
    parser.add_argument("--no-word-overlap", action="store_true", help="leave out the word-overlap features")
    parser.add_argument("--neural", choices=NEURAL, default=None, help="add this siamese scorer's probability")
    parser.add_argument("--model", default=None, help="its model (e.g. cvlstm-general)")
    parser.add_argument("--name", default=None)
    parser.add_argument("--shortlist", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None, help="queries per file (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    features = ([PREFILTER, DENSITY, *TEXT_FEATURES] + ([] if args.no_word_overlap else list(WORD_FEATURES))
                + ([WORDS] if args.words else [])
                + ([args.neural] if args.neural else []))
    scorers = {args.neural: {"model": args.model} if args.model else {}} if args.neural else {}
    files = [(p.rpartition(":")[0], float(p.rpartition(":")[2])) if ":" in p else (p, 1.0) for p in args.dev]
    tasks = []
    for relative, _ in files:
        path = datasets.resolve(relative)
        # only the general models trained on dev pairs (cvlstm-general: 60 % of LCQMC dev); the BQ models did not
        exclude = trained_pairs(path) if args.neural and "general" in (args.model or "") else set()
        if exclude:
            log.info("%s: queries of the %d pairs the general models trained on are left out", relative, len(exclude))
        tasks.append(retrieval_task(path, limit=args.limit, exclude=exclude))
    ranker = fit_ranker(tasks, features, name=args.name or "faq", k=args.shortlist, scorers=scorers,
                        weights=[w for _, w in files])
    ranker.description = ("FAQ ranker: the prefilter's TF-IDF cosine, the candidate's neighbourhood density, "
                          "character-overlap features" + ("" if args.no_word_overlap else ", content-word overlap")
                          + (", the word TF-IDF cosine" if args.words else "")
                          + (f", the {args.neural} probability" if args.neural else "")
                          + "; logistic")
    Path(args.output).write_text(ranker.to_toml(), encoding="utf-8")
    log.info("%s", ranker.fitted_on)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
