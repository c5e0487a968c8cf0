"""Bring your own pretrained model: ``hf-cross`` and ``hf-bi``, transformers models read from a local folder.

simcalc ships no pretrained transformer. These scorers put one the user already has — Erlangshen, a
MacBERT / RoBERTa-wwm fine-tuned on their pairs, a sentence-transformers model — next to the rule engine:

* ``hf-cross``: a sequence-classification model reads both sentences at once (``[CLS] a [SEP] b [SEP]``).
  Score = P(similar): sigmoid of a 1-logit head, softmax[1] of a 2-class head, or for a 3-class head
  (QBQTC: 0 irrelevant, 1 some relevance, 2 highly relevant) the expected label scaled to [0, 1], as
  the cvlstm scorer does for 3-label data. Threshold: the one ``simcalc train hf-cross`` chose on dev
  (``simcalc.json`` in the folder), else 0.5.
* ``hf-bi``: a sentence-embedding model; score = cosine of the two pooled vectors, in [-1, 1]. Pooling
  follows a sentence-transformers folder's ``modules.json`` / ``1_Pooling/config.json`` (mean, CLS or
  max), read with plain transformers (sentence-transformers is not needed); a plain model folder is
  mean-pooled. No threshold unless given (raw cosines of different models are not comparable): pass
  ``--threshold`` or let ``eval`` / ``fit-ensemble`` choose one on dev. Sentences are encoded once, so
  ``simcalc match`` encodes the FAQ once (``encode`` / ``score_encoded``).

Offline only: the folder comes from ``--model PATH`` (or ``SIMCALC_HF_CROSS_MODEL`` /
``SIMCALC_HF_BI_MODEL`` for commands without ``--model``: ``match``, ``serve``, ``check``,
``fit-ensemble``), ``HF_HUB_OFFLINE`` is forced and every load passes ``local_files_only=True``; a folder
that lacks a file is a :class:`ResourceNotFoundError` naming it, never a download.
"""
from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any, ClassVar, Sequence

from simcalc.errors import ResourceNotFoundError, ScorerUnavailableError
from simcalc.result import Result
from simcalc.scorer import Pair, Scorer
from simcalc.text import MAX_CHARS

log = logging.getLogger(__name__)

#: simcalc's own notes in a model folder (threshold chosen on dev, training kind, max length).
SIMCALC_META = "simcalc.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                "pytorch_model.bin.index.json")
#: Any one of these makes a usable tokenizer (fast tokenizer, WordPiece vocab, BPE or SentencePiece).
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model")
DEFAULT_MAX_LENGTH = 128
#: Above this share of unknown tokens (the tokenizer's [UNK]) a result carries a warning.
MAX_UNKNOWN = 0.5
#: Characters per forward pass budget (rows × padded width), like the other neural scorers' TOKEN_BUDGET.
TOKEN_BUDGET = 16384


def force_offline() -> None:
    """Make huggingface_hub/transformers refuse the network for the rest of the process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def require_transformers() -> None:
    import importlib.util

    missing = [m for m in ("torch", "transformers", "tokenizers") if importlib.util.find_spec(m) is None]
    if missing:
        raise ScorerUnavailableError(f"the hf scorers need {', '.join(missing)}: "
                                     "pip install 'transformers>=4.30' tokenizers torch")


def check_model_folder(path: str | Path | None, what: str, env: str | None = None) -> Path:
    """The folder, or a :class:`ResourceNotFoundError` saying exactly which files it lacks."""
    if path is None or str(path).strip() == "":
        hint = f" or set {env}" if env else ""
        raise ResourceNotFoundError(f"{what} needs a local model folder: pass --model PATH{hint} "
                                    "(simcalc ships no pretrained transformer and never downloads one)")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ResourceNotFoundError(f"{what} model folder {folder} does not exist (only local folders are read; "
                                    "a hub name such as 'IDEA-CCNL/...' is not downloaded: fetch it elsewhere "
                                    "and pass its folder)")
    st = _sentence_transformers_modules(folder)
    model_dir = st[0] if st else folder
    missing = []
    if not (model_dir / "config.json").is_file():
        missing.append("config.json")
    if not any((model_dir / f).is_file() for f in WEIGHT_FILES):
        missing.append("weights (one of " + ", ".join(WEIGHT_FILES[:2]) + ")")
    if not any((model_dir / f).is_file() for f in TOKENIZER_FILES):
        missing.append("tokenizer files (one of " + ", ".join(TOKENIZER_FILES) + ")")
    if missing:
        raise ResourceNotFoundError(f"{what} model folder {model_dir} lacks {'; '.join(missing)}: save the model "
                                    "with save_pretrained() and its tokenizer with tokenizer.save_pretrained()")
    return folder


def _sentence_transformers_modules(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """(transformer folder, pooling config) of a sentence-transformers folder, None for a plain one."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return None
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    transformer_dir, pooling = folder, {"pooling_mode_mean_tokens": True}
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        where = folder / module.get("path", "")
        if kind == "Transformer":
            transformer_dir = where
        elif kind == "Pooling":
            config_file = where / "config.json"
            if config_file.is_file():
                pooling = json.loads(config_file.read_text(encoding="utf-8"))
        elif kind == "Normalize":
            pass  # cosine does not change under normalisation
        else:
            raise ResourceNotFoundError(f"{folder}: sentence-transformers module {module.get('type')!r} is not "
                                        "supported by hf-bi (only Transformer, Pooling and Normalize)")
    return transformer_dir, pooling


def pooling_mode(pooling: dict[str, Any]) -> str:
    """mean | cls | max from a sentence-transformers pooling config (mean when it names none we know)."""
    for key, mode in (("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
                      ("pooling_mode_mean_tokens", "mean")):
        if pooling.get(key):
            return mode
    if pooling.get("pooling_mode") in ("cls", "max", "mean"):
        return pooling["pooling_mode"]
    return "mean"


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / SIMCALC_META
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def load_tokenizer(folder: Path, what: str):
    force_offline()
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except ImportError as exc:  # e.g. a SentencePiece tokenizer without the sentencepiece package
        raise ScorerUnavailableError(f"{what}: the tokenizer in {folder} needs a package that is missing: "
                                     f"{str(exc).splitlines()[0]}") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ResourceNotFoundError(f"{what}: cannot read the tokenizer in {folder} without the network: "
                                    f"{str(exc).splitlines()[0]}") from None


def load_model(folder: Path, what: str, cls_name: str, **kwargs: Any):
    """``transformers.<cls_name>.from_pretrained`` on a local folder only; errors name the folder."""
    force_offline()
    import transformers

    cls = getattr(transformers, cls_name)
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, **kwargs)
    except ImportError as exc:
        raise ScorerUnavailableError(f"{what}: the model in {folder} needs a package that is missing: "
                                     f"{str(exc).splitlines()[0]}") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ResourceNotFoundError(f"{what}: cannot load the model in {folder} without the network: "
                                    f"{str(exc).splitlines()[0]}") from None


def length_chunks(sizes: Sequence[int], rows: int, budget: int = TOKEN_BUDGET) -> list[list[int]]:
    """Indices sorted by size, cut into runs of at most ``rows`` rows and ``budget`` padded tokens."""
    from simcalc.numpy_nn import length_batches

    return length_batches(sizes, rows, budget)


class HFScorer(Scorer):
    """Shared loading (local folder, offline), device, threads, max length and batching."""

    batch_rows = 1024
    env: ClassVar[str] = ""
    model: Any  # a transformers model, set by _load
    tokenizer: Any  # its tokenizer, set by _load

    def __init__(self, model: str | Path | None = None, threshold: float | None = None,
                 threads: int | str | None = "auto", device: str = "auto", batch_size: int | None = None,
                 max_length: int | None = None, max_chars: int = MAX_CHARS) -> None:
        """``model``: the local folder (default: the ``env`` variable). ``batch_size``: rows per forward pass
        (default 64 on CPU, 256 on GPU); ``max_length``: tokens per input (default: the folder's
        ``simcalc.json``, else 128, never above the model's position limit)."""
        super().__init__(threshold=threshold, max_chars=max_chars)
        require_transformers()
        from .device import resolve_threads, select_device

        # the registry fills ``model`` from ``env``; read here too for direct construction
        self.model_dir = check_model_folder(model if model is not None else os.environ.get(self.env),
                                            self.name, self.env)
        self.threads = resolve_threads(threads)
        self.device = select_device(device)
        self.meta = read_meta(self.model_dir)
        self._load()
        self.model.to(self.device).eval()
        limits = [getattr(self.model.config, "max_position_embeddings", None) or 512,
                  getattr(self.tokenizer, "model_max_length", None) or 512]  # RoBERTa: 514 positions, 512 usable
        try:
            wanted = int(max_length or self.meta.get("max_length") or DEFAULT_MAX_LENGTH)
        except (TypeError, ValueError):
            wanted = 0
        if wanted < 4:
            raise ScorerUnavailableError(f"max_length must be an integer of at least 4 tokens, not {max_length!r}")
        self.max_length = min([wanted] + [int(v) for v in limits if v < 1_000_000])
        self.batch_size = int(batch_size) if batch_size else (256 if self.device.type == "cuda" else 64)

    def _load(self) -> None:
        raise NotImplementedError

    def describe(self) -> dict:
        return {**super().describe(), "model": str(self.model_dir), "architecture": self.model.config.model_type,
                "max_length": self.max_length, "batch_size": self.batch_size, "threads": self.threads,
                "device": str(self.device)}

    def _unknown_warning(self, ids: Sequence[int], what: str) -> list[str]:
        """A warning when more than :data:`MAX_UNKNOWN` of ``what``'s tokens are the tokenizer's unknown
        token: the model then compares placeholders, not text. Only a warning — unlike cvlstm/mgf there is
        no lexical blending, since a pretrained vocabulary covers the script it was trained for."""
        unk = self.tokenizer.unk_token_id
        special = set(self.tokenizer.all_special_ids) - {unk}
        tokens = [t for t in ids if t not in special]
        if unk is None or not tokens:
            return []
        share = sum(t == unk for t in tokens) / len(tokens)
        if share <= MAX_UNKNOWN:
            return []
        return [f"{share:.0%} of the tokens of {what} are unknown to the {self.name} model's vocabulary; "
                "its score says little"]

    def _forward_inputs(self, encoded: dict) -> dict:
        return {k: v.to(self.device) for k, v in encoded.items()}


class HFCrossScorer(HFScorer):
    """A sequence-classification model scoring the pair jointly (Erlangshen-style cross-encoder)."""

    name = "hf-cross"
    range = (0.0, 1.0)
    default_threshold = 0.5
    env = "SIMCALC_HF_CROSS_MODEL"

    def __init__(self, model: str | Path | None = None, threshold: float | None = None, **options: Any) -> None:
        super().__init__(model=model, threshold=threshold, **options)
        if threshold is None and self.meta.get("threshold") is not None:
            self.threshold = float(self.meta["threshold"])

    def _load(self) -> None:
        self.tokenizer = load_tokenizer(self.model_dir, self.name)
        self.model = load_model(self.model_dir, self.name, "AutoModelForSequenceClassification")
        self.num_labels = int(self.model.config.num_labels)
        if self.num_labels not in (1, 2, 3):
            raise ScorerUnavailableError(f"{self.model_dir}: a {self.num_labels}-class head is not a similarity "
                                         "head (hf-cross reads 1-logit, 2-class or 3-class QBQTC-style heads)")

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        import torch

        from .device import torch_threads

        a_list, b_list = [a for a, _ in pairs], [b for _, b in pairs]
        full = self.tokenizer(a_list, b_list, truncation=False, verbose=False)["input_ids"]
        sizes = [min(len(ids), self.max_length) for ids in full]
        logits: list[list[float]] = [[] for _ in pairs]
        with torch_threads(self.threads), torch.inference_mode():
            for idx in length_chunks(sizes, self.batch_size):
                batch = self.tokenizer([a_list[i] for i in idx], [b_list[i] for i in idx], truncation="longest_first",
                                       max_length=self.max_length, padding=True, return_tensors="pt")
                out = self.model(**self._forward_inputs(batch)).logits.float().cpu()
                for k, i in enumerate(idx):
                    logits[i] = out[k].tolist()
        results = []
        for i, row in enumerate(logits):
            score, details = cross_score(row)
            details["model"] = self.model_dir.name
            result = Result(score, self.name, details=details)
            result.warnings.extend(self._unknown_warning(full[i], "the pair"))
            if len(full[i]) > self.max_length:
                result.warnings.append(f"the pair has {len(full[i])} tokens; the {self.name} model read only "
                                       f"{self.max_length} (--max-length), cutting the longer sentence first")
            results.append(result)
        return results

    def describe(self) -> dict:
        return {**super().describe(), "num_labels": self.num_labels}


def cross_score(logits: Sequence[float]) -> tuple[float, dict[str, Any]]:
    """P(similar) from one row of logits (1-logit sigmoid, 2-class softmax, 3-class expected grade)."""
    if len(logits) == 1:
        p = 1 / (1 + math.exp(-logits[0])) if logits[0] > -700 else 0.0
        return p, {"probability": round(p, 6), "logit": round(logits[0], 6)}
    top = max(logits)
    exp = [math.exp(v - top) for v in logits]
    probs = [e / sum(exp) for e in exp]
    if len(probs) == 2:
        return probs[1], {"probability": round(probs[1], 6), "logits": [round(v, 6) for v in logits]}
    score = sum(k * p for k, p in enumerate(probs)) / (len(probs) - 1)
    return score, {"class_probabilities": [round(p, 6) for p in probs], "expected_grade": round(score * 2, 6),
                   "logits": [round(v, 6) for v in logits]}


class HFBiScorer(HFScorer):
    """A sentence-embedding model: cosine of pooled token vectors; encodes each distinct sentence once."""

    name = "hf-bi"
    range = (-1.0, 1.0)
    default_threshold = None
    env = "SIMCALC_HF_BI_MODEL"

    def _load(self) -> None:
        st = _sentence_transformers_modules(self.model_dir)
        transformer_dir, pooling = st if st else (self.model_dir, {"pooling_mode_mean_tokens": True})
        self.pooling = pooling_mode(pooling)
        if not self.meta.get("max_length"):
            bert_config = transformer_dir / "sentence_bert_config.json"
            if bert_config.is_file():
                self.meta["max_length"] = json.loads(bert_config.read_text(encoding="utf-8")).get("max_seq_length")
        self.tokenizer = load_tokenizer(transformer_dir, self.name)
        self.model = load_model(transformer_dir, self.name, "AutoModel")

    def describe(self) -> dict:
        return {**super().describe(), "pooling": self.pooling}

    def encode(self, texts: Sequence[str]) -> "EncodedTexts":
        """Unit-length sentence vectors of prepared texts, in input order (with truncation counts)."""
        import torch

        from .device import torch_threads

        texts = list(texts)
        full = self.tokenizer(texts, truncation=False, verbose=False)["input_ids"] if texts else []
        sizes = [min(len(ids), self.max_length) for ids in full]
        vectors = None
        with torch_threads(self.threads), torch.inference_mode():
            for idx in length_chunks(sizes, self.batch_size):
                batch = self.tokenizer([texts[i] for i in idx], truncation=True, max_length=self.max_length,
                                       padding=True, return_tensors="pt")
                inputs = self._forward_inputs(batch)
                hidden = self.model(**inputs).last_hidden_state.float()
                pooled = torch.nn.functional.normalize(pool(hidden, inputs["attention_mask"], self.pooling), dim=-1)
                if vectors is None:
                    vectors = torch.empty(len(texts), pooled.size(-1), device=pooled.device)
                vectors[torch.tensor(idx, device=pooled.device)] = pooled
        if vectors is None:  # no texts
            vectors = torch.empty(0, int(self.model.config.hidden_size), device=self.device)
        unknown = [self._unknown_warning(ids, "{which}") for ids in full]
        return EncodedTexts(texts, [len(ids) for ids in full], vectors, unknown)

    def score_encoded(self, left: "EncodedTexts", right: "EncodedTexts") -> list[Result]:
        """Cosines of row-aligned :meth:`encode` outputs (a 1-row side is broadcast)."""
        import torch

        n = max(len(left), len(right))
        left, right = left.broadcast(n), right.broadcast(n)
        with torch.inference_mode():
            cosines = (left.vectors * right.vectors).sum(-1).clamp(-1.0, 1.0).cpu().tolist()
        results = []
        for row, cosine in enumerate(cosines):
            result = Result(cosine, self.name, details={"cosine": round(cosine, 6), "pooling": self.pooling,
                                                        "model": self.model_dir.name})
            for which, side in (("sentence1", left), ("sentence2", right)):
                result.warnings.extend(w.format(which=which) for w in side.unknown[row])
                if side.lengths[row] > self.max_length:
                    result.warnings.append(f"{which} has {side.lengths[row]} tokens; the {self.name} model read "
                                           f"only the first {self.max_length} (--max-length)")
            results.append(result)
        return results

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        position = {t: i for i, t in enumerate(texts)}
        encoded = self.encode(texts)
        return self.score_encoded(encoded.take([position[a] for a, _ in pairs]),
                                  encoded.take([position[b] for _, b in pairs]))


def pool(hidden, mask, mode: str):
    """Sentence vectors from token vectors: mean over real tokens, the first ([CLS]) token, or max."""
    if mode == "cls":
        return hidden[:, 0]
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "max":
        return hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class EncodedTexts:
    """Sentences encoded by ``hf-bi``: texts, token counts before truncation, unit vectors (row-aligned)."""

    def __init__(self, texts: list[str], lengths: list[int], vectors, unknown: list[list[str]]) -> None:
        self.texts, self.lengths, self.vectors, self.unknown = texts, lengths, vectors, unknown

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, ids: Sequence[int]) -> "EncodedTexts":
        """The rows ``ids`` (e.g. a prefiltered shortlist of FAQ candidates)."""
        import torch

        ids = list(ids)
        picked = torch.as_tensor(ids, dtype=torch.long, device=self.vectors.device)
        return EncodedTexts([self.texts[i] for i in ids], [self.lengths[i] for i in ids], self.vectors[picked],
                            [self.unknown[i] for i in ids])

    def broadcast(self, n: int) -> "EncodedTexts":
        if len(self) == n:
            return self
        return EncodedTexts(self.texts * n, self.lengths * n, self.vectors.expand(n, -1), self.unknown * n)
