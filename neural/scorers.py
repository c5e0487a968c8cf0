"""The ``cvlstm`` and ``mgf`` scorers: a trained checkpoint turned into a :class:`simcalc.scorer.Scorer`.

Scores are the model's probability that the pair means the same (for a 3-label model, the expected
label scaled to [0, 1]). The decision threshold defaults to the one chosen on the dev set at training
time and stored in the checkpoint. Inference is batched (sorted by length to limit padding) and runs in
numpy by default (:mod:`simcalc.neural.numpy_net`: no torch import, same scores); ``backend="torch"`` (or
``SIMCALC_NEURAL_BACKEND=torch``, or a CUDA device) runs the torch model instead.

**Out-of-vocabulary text.** A model knows only the characters/words of its training data; everything
else is one ``<unk>`` id, so two unrelated sentences in Thai and Russian (or two different emoji) look
identical to it. Each result therefore reports the *coverage* (share of tokens in the vocabulary) of both
sentences at every level the model reads, and when the pair's coverage — the smallest of those shares —
is below :data:`MIN_COVERAGE` the score is blended towards a lexical one::

    w     = coverage / MIN_COVERAGE                  (0 … 1; 1 = the model is trusted fully)
    score = w · p_model + (1 − w) · lexical

``lexical`` is the Levenshtein ratio of the content characters, mapped piecewise-linearly so that its
own threshold (0.618, CV-LSTM paper) lands on the model's threshold: with no known token at all the
label is the Levenshtein scorer's decision. The result carries a warning, and ``details`` the model's
own probability, the coverage and the weight. Why 0.5: on BQ dev no CV-LSTM pair and 0.31 % of MGF pairs
(word level: rare jieba words) fall below it, and blending changes the dev accuracy of neither model by
more than 0.1 point (see the model cards); "most tokens unknown" is exactly the case where the model
has nothing to go on.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Sequence

import numpy as np

from simcalc.errors import ResourceNotFoundError, ScorerUnavailableError
from simcalc.numpy_nn import blas_threads, length_batches
from simcalc.resources import project_data_path
from simcalc.result import Result
from simcalc.scorer import Pair, Scorer
from simcalc.text import MAX_CHARS

#: Below this pair coverage (smallest share of known tokens over both sentences and all levels) the
#: model's score is blended towards a lexical one; see the module docstring for the rule and its basis.
MIN_COVERAGE = 0.5
#: The Levenshtein scorer's threshold (CV-LSTM paper), mapped onto the model's threshold by the fallback.
LEXICAL_THRESHOLD = 0.618


def unit_interval(value: float) -> float:
    """Clip to [0, 1], keeping NaN so that :class:`Result`'s NaN guard still sees a broken model."""
    return value if math.isnan(value) else min(1.0, max(0.0, value))


def lexical_fallback(a: str, b: str, threshold: float) -> float:
    """Levenshtein ratio of the content characters, rescaled so that 0.618 maps to ``threshold``."""
    from simcalc.lexical import LevenshteinScorer

    ratio = LevenshteinScorer()._score_pair(a, b).score
    if ratio <= LEXICAL_THRESHOLD:
        return ratio / LEXICAL_THRESHOLD * threshold
    return threshold + (ratio - LEXICAL_THRESHOLD) / (1 - LEXICAL_THRESHOLD) * (1 - threshold)


#: Padded tokens per forward pass: sentences are sorted by length and cut into chunks of at most this
#: many (width × rows, :func:`simcalc.numpy_nn.length_batches`) so that short sentences are not padded to
#: the longest one of a file batch.
TOKEN_BUDGET = 16384


#: Environment variable naming the default backend of the cvlstm/mgf scorers (``numpy`` or ``torch``).
BACKEND_ENV = "SIMCALC_NEURAL_BACKEND"
BACKENDS = ("auto", "numpy", "torch")


def choose_backend(backend: str | None, device: str | None = "auto") -> str:
    """``numpy`` or ``torch`` for a scorer. ``None`` reads :data:`BACKEND_ENV` (default ``auto``); ``auto`` is
    numpy (no torch import: the cold start of a call is mostly torch's) unless a CUDA device is asked for.
    Both compute the same scores (tests/test_neural_numpy.py); torch is kept for GPUs and training."""
    chosen = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if chosen not in BACKENDS:
        raise ScorerUnavailableError(f"unknown neural backend {chosen!r}; use one of {', '.join(BACKENDS)} "
                                     f"(option backend= or ${BACKEND_ENV})")
    on_gpu = (device or "auto").lower().startswith("cuda")
    if chosen == "auto":
        return "torch" if on_gpu else "numpy"
    if chosen == "numpy" and on_gpu:
        raise ScorerUnavailableError("the numpy backend runs on the CPU only; use backend 'torch' for device 'cuda'")
    if chosen == "torch":
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise ScorerUnavailableError("the torch backend needs torch, which is not installed: "
                                         "`pip install torch`, or use the numpy backend (the default on CPU)")
    return chosen


def coverage_weight(coverage: float) -> float:
    """How much of the model's probability to keep at this pair coverage (1 at or above MIN_COVERAGE)."""
    return min(1.0, max(0.0, coverage / MIN_COVERAGE))


@dataclass
class Checkpoint:
    """One trained network and the text → ids step of its vocabularies (an averaged model holds several)."""

    directory: Path
    config: dict[str, Any]
    vocabs: dict[str, Any]
    network: Any
    featurizer: Any


class NeuralScorer(Scorer):
    """Shared loading and batching; subclasses name their kind, shipped models and details."""

    batch_rows = 4096  # distinct sentences are encoded once per batch, in length-sorted chunks

    kind: ClassVar[str] = ""
    #: Shipped checkpoints of this kind under data/models/, chosen by name (``--model NAME``); the first is the default.
    shipped_models: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: str | Path | None = None, threshold: float | None = None,
                 threads: int | str | None = "auto", device: str = "auto", batch_size: int | None = None,
                 max_chars: int = MAX_CHARS, backend: str | None = None) -> None:
        """``threads``: threads used *while scoring* (torch's, or the BLAS pool's for numpy; restored
        afterwards): ``"auto"`` = the free cores (:func:`simcalc.neural.device.auto_threads`, decided once
        here), an int, or None to leave the setting alone. ``batch_size``: sentences per forward pass
        (default 1024 on CPU, 4096 on GPU). ``backend``: see :func:`choose_backend`."""
        super().__init__(threshold=threshold, max_chars=max_chars)
        from .checkpoint import average_members, read_config
        from .device import resolve_threads

        self.threads = resolve_threads(threads)
        self.backend = choose_backend(backend, device)
        self.device_name = "cpu"
        self.model_dir: Path | None = None  # None for an ad-hoc average ("A+B")
        parts = [p.strip() for p in str(model).split("+")] if model is not None else []
        if len(parts) > 1 and not Path(str(model)).expanduser().is_dir():
            self.model_name = "+".join(parts)
            self.checkpoints = [self._load(self.model_path(part), device) for part in parts]
            # no held-out threshold of its own: the members' mean
            self.config = {"kind": self.kind, "average": [str(c.directory) for c in self.checkpoints],
                           "threshold": float(np.mean([c.config.get("threshold", 0.5) for c in self.checkpoints]))}
        else:
            self.model_dir = self.model_path(model)
            self.model_name = self.model_dir.name
            members = average_members(self.model_dir)
            self.checkpoints = [self._load(d, device) for d in members or [self.model_dir]]
            self.config = read_config(self.model_dir) if members else self.checkpoints[0].config
        self.batch_size = int(batch_size) if batch_size else (4096 if self.device_name.startswith("cuda") else 1024)
        if threshold is None:
            self.threshold = self.config.get("threshold", 0.5)

    def _load(self, directory: Path, device: str) -> Checkpoint:
        """One checkpoint folder, on the scorer's backend, refused when it holds another kind of model."""
        from .checkpoint import Featurizer

        if self.backend == "numpy":
            from .checkpoint import load_numpy_network

            config, vocabs, network = load_numpy_network(directory)
        else:
            from .checkpoint import load_checkpoint
            from .device import select_device
            from .fast import TorchNetwork

            torch_device = select_device(device)
            self.device_name = str(torch_device)
            config, vocabs, model = load_checkpoint(directory, torch_device)
            network = TorchNetwork(model, torch_device)
        if config["kind"] != self.kind:
            raise ResourceNotFoundError(
                f"{directory} holds a {config['kind']!r} model, not {self.kind!r}; pass a {self.kind} checkpoint")
        return Checkpoint(directory, config, vocabs, network, Featurizer(config, vocabs))

    @property
    def vocabs(self) -> dict[str, Any]:
        """The (first) checkpoint's vocabularies."""
        return self.checkpoints[0].vocabs

    @classmethod
    def model_path(cls, model: str | Path | None = None) -> Path:
        """The checkpoint folder for ``model``: a folder, a shipped model's name, or None for the default
        (the first shipped model); a clear error naming the fix when there is none."""
        how = (f"train one with `simcalc train {cls.kind} --train T --dev D --out DIR` and pass --model DIR")
        if model is not None:
            path = Path(model).expanduser()
            if path.is_dir():
                return path
            if str(model) not in cls.shipped_models:
                raise ResourceNotFoundError(f"{cls.kind} model directory {path} does not exist (shipped {cls.kind} "
                                            f"models: {', '.join(cls.shipped_models)}); {how}")
        name = str(model) if model is not None else cls.shipped_models[0]
        try:
            return project_data_path(f"models/{name}")
        except ResourceNotFoundError:
            raise ResourceNotFoundError(
                f"the shipped {cls.kind} model (data/models/{name}) is missing from this installation; {how}") from None

    def describe(self) -> dict:
        first = self.checkpoints[0].config
        info = {**super().describe(), "model": str(self.model_dir or self.model_name), "kind": self.kind,
                "max_chars": first["max_chars"], "max_words": first["max_words"],
                "threads": self.threads, "device": self.device_name, "backend": self.backend,
                "min_coverage": MIN_COVERAGE}
        if len(self.checkpoints) > 1:
            info["average_of"] = [str(c.directory) for c in self.checkpoints]
            info["threshold_from"] = ("the average's held-out scores" if self.model_dir is not None
                                      else "the mean of the members' thresholds")
        return info

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        """Encode each distinct sentence once, in length-sorted batches, then score the pairs.

        Sentence vectors do not depend on the other sentence (both models are siamese up to the
        matching layer), so batching sentences by their own length wastes least time on padding.
        """
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        position = {t: i for i, t in enumerate(texts)}
        encoded = self.encode(texts)
        return self.score_encoded(encoded.take([position[a] for a, _ in pairs]),
                                  encoded.take([position[b] for _, b in pairs]))

    def _with_coverage(self, a: str, b: str, pairs: list, model_score: float, details: dict[str, Any]
                       ) -> tuple[float, dict[str, Any], list[str]]:
        """The final score, details with coverage, and a warning when the model knows too little.
        ``pairs``: the pair as each checkpoint encoded it (an average's members have their own vocabularies;
        the smallest share counts)."""
        shares = {which: {lv: round(min(pair[side][lv].coverage for pair in pairs), 4) for lv in pairs[0][side]}
                  for side, which in enumerate(("sentence1", "sentence2"))}
        coverage = min(v for side in shares.values() for v in side.values())
        details["coverage"] = {**shares, "pair": coverage}
        score = unit_interval(model_score)
        weight = coverage_weight(coverage)
        if weight >= 1.0 or math.isnan(score):
            return score, details, []
        threshold = self.threshold if self.threshold is not None else 0.5
        lexical = lexical_fallback(a, b, threshold)
        details["fallback"] = {"model_score": round(score, 6), "model_weight": round(weight, 4),
                               "lexical": round(lexical, 6), "rule": f"coverage below {MIN_COVERAGE}"}
        warning = (f"the {self.kind} model knows only {coverage:.0%} of the tokens of one sentence; "
                   f"the score leans on a lexical comparison (model weight {weight:.2f})")
        return unit_interval(weight * score + (1 - weight) * lexical), details, [warning]

    def _threads(self):
        """The thread count around a block of work: torch's for the torch backend, the BLAS pool's for numpy."""
        from .device import torch_threads

        return torch_threads(self.threads) if self.backend == "torch" else blas_threads(self.threads)

    def _vectors(self, checkpoint: Checkpoint, encoded: list) -> list[np.ndarray]:
        """Sentence vectors of encoded sentences, in their order: computed in batches sorted by length
        (least padding), then put back in place."""
        size = [sum(len(e.ids) for e in enc.values()) for enc in encoded]
        order = sorted(range(len(encoded)), key=size.__getitem__)
        chunks = []
        for idx in length_batches(size, self.batch_size, TOKEN_BUDGET):
            side = checkpoint.featurizer.collate_sentences([encoded[i] for i in idx])
            chunks.append(checkpoint.network.sentence_vectors(side))
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        return [np.concatenate([c[k] for c in chunks])[inverse] for k in range(len(chunks[0]))]

    # -- encode once, score many (FAQ matching: simcalc.rank) -------------------------------------
    def encode(self, texts: Sequence[str]) -> "EncodedSentences":
        """Sentence vectors of prepared texts, in input order (one set per checkpoint). CV-LSTM and MGF are
        siamese up to the matching head, so a candidate's vectors can be computed once and reused for every
        query."""
        parts = []
        with self._threads():
            for checkpoint in self.checkpoints:
                encoded = [checkpoint.featurizer.encode(t) for t in texts]
                parts.append(EncodedPart(encoded, tuple(self._vectors(checkpoint, encoded))))
        return EncodedSentences(list(texts), parts)

    def score_encoded(self, left: "EncodedSentences", right: "EncodedSentences") -> list[Result]:
        """Results for row-aligned :meth:`encode` outputs (a 1-row side is broadcast); equal to scoring
        the same pairs with :meth:`score_batch`. An average's class probabilities are the members' mean."""
        from .numpy_net import probabilities

        n = max(len(left), len(right))
        left, right = left.broadcast(n), right.broadcast(n)
        outs, member_probs = [], []
        with self._threads():
            for checkpoint, l_part, r_part in zip(self.checkpoints, left.parts, right.parts):
                out = checkpoint.network.head(l_part.vectors, r_part.vectors)
                outs.append({k: v.tolist() for k, v in out.items()})
                member_probs.append(probabilities(self.kind, out))
            probs = np.mean(member_probs, axis=0) if len(member_probs) > 1 else member_probs[0]
            grades = np.arange(probs.shape[-1], dtype=probs.dtype) / (probs.shape[-1] - 1)
            scores = (probs * grades).sum(-1).tolist()
        member_lists = [p.tolist() for p in member_probs]
        results = []
        for row in range(n):
            pairs = [(lp.encoded[row], rp.encoded[row]) for lp, rp in zip(left.parts, right.parts)]
            details = self._row_details(outs, member_lists, row, scores[row])
            score, details, warnings = self._with_coverage(left.texts[row], right.texts[row], pairs, scores[row], details)
            result = Result(score, self.name, details=details)
            result.warnings.extend(warnings + self._cut_warnings(pairs[0]))
            results.append(result)
        return results

    def _row_details(self, outs: list[dict[str, list]], probs: list[list], row: int, score: float) -> dict[str, Any]:
        """One checkpoint's details; for an average, its probability, how many it averages and each member's."""
        members = [self._details(c, out, row, p[row]) for c, out, p in zip(self.checkpoints, outs, probs)]
        if len(members) == 1:
            return members[0]
        return {"probability": round(score, 6), "model": self.model_name,
                "average_of": len(members), "members": members}

    def _cut_warnings(self, pair) -> list[str]:
        warnings = []
        for which, sentence in zip(("sentence1", "sentence2"), pair):
            for level, enc in sentence.items():
                if enc.truncated:
                    unit = "characters" if level == "char" else "words"
                    warnings.append(f"{which} has {enc.original_length} {unit}; the {self.kind} model read only "
                                    f"the first {len(enc.ids)}")
        return warnings

    def _details(self, checkpoint: Checkpoint, out: dict[str, list], row: int, probs: list[float]) -> dict[str, Any]:
        raise NotImplementedError


class CVLSTMScorer(NeuralScorer):
    """Character-vector LSTM (CV-LSTM paper); also serves its WV-/CNN variants from their checkpoints."""

    name = "cvlstm"
    kind = "cvlstm"
    shipped_models = ("cvlstm-bq", "cvlstm-general")  # general: all pair data (issue 21), not the default

    def _details(self, checkpoint: Checkpoint, out: dict[str, list], row: int, probs: list[float]) -> dict[str, Any]:
        config = checkpoint.config
        variant = ("CV" if config["level"] == "char" else "WV") + "-" + config["encoder"].upper()
        details: dict[str, Any] = {"probability": round(probs[-1] if len(probs) == 2 else sum(probs[1:]), 6),
                                   "cosine": round(out["cosine"][row], 6), "variant": variant,
                                   "model": checkpoint.directory.name}
        if len(probs) > 2:
            details["class_probabilities"] = [round(p, 6) for p in probs]
        return details


class MGFScorer(NeuralScorer):
    """Multi-granularity fusion model (MGF paper). Details split the logit into its two additive parts."""

    name = "mgf"
    kind = "mgf"
    shipped_models = ("mgf-bq", "mgf-bq-large")  # large: the paper's width, more accurate, ≈ 2× slower

    def _details(self, checkpoint: Checkpoint, out: dict[str, list], row: int, probs: list[float]) -> dict[str, Any]:
        return {"probability": round(probs[1], 6), "logit": round(out["logit"][row], 6),
                "logit_parts": {"dense_path": round(out["dense_logit"][row], 6),
                                "dot_product_C3": round(out["dot_logit"][row], 6)},
                "stream_cosine": {"char": round(out["char_cosine"][row], 6),
                                  "word": round(out["word_cosine"][row], 6)},
                "model": checkpoint.directory.name}


class EncodedPart(NamedTuple):
    """One checkpoint's view of some sentences: featurised ids and the sentence vectors (row-aligned)."""

    encoded: list
    vectors: tuple

    def take(self, picked: np.ndarray) -> "EncodedPart":
        return EncodedPart([self.encoded[i] for i in picked.tolist()], tuple(v[picked] for v in self.vectors))

    def broadcast(self, n: int) -> "EncodedPart":
        return EncodedPart(self.encoded * n, tuple(np.broadcast_to(v, (n, *v.shape[1:])) for v in self.vectors))


class EncodedSentences:
    """Sentences encoded by a neural scorer: the texts and one :class:`EncodedPart` per checkpoint."""

    def __init__(self, texts: list[str], parts: list[EncodedPart]) -> None:
        self.texts, self.parts = texts, parts

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, ids: Sequence[int]) -> "EncodedSentences":
        """The rows ``ids`` (e.g. a prefiltered shortlist of FAQ candidates)."""
        picked = np.asarray(list(ids), dtype=np.int64)
        return EncodedSentences([self.texts[i] for i in picked.tolist()], [p.take(picked) for p in self.parts])

    def broadcast(self, n: int) -> "EncodedSentences":
        if len(self) == n:
            return self
        return EncodedSentences(self.texts * n, [p.broadcast(n) for p in self.parts])
