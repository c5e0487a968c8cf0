"""Text to ids: character and word (jieba) sequences and their vocabularies.

Why here and not in the models: the same tokenisation must run at training, at vector training and at
scoring time, and a checkpoint must carry its vocabularies so that a model is never fed ids it was not
trained on.

* Characters are the *content* characters of the normalised text (:func:`simcalc.text.content_chars`):
  punctuation and spaces carry little in question matching and the lexical scorers drop them too.
  A text made only of punctuation keeps its characters rather than becoming empty.
* Words are jieba's default (precise, HMM on) segmentation of the same normalised text, with whitespace
  and punctuation-only tokens dropped (jieba's own dictionary, shared in the process: :mod:`simcalc.jieba_dict`;
  words a user adds to jieba's global tokenizer do not change what the models were trained on).
* Id 0 is padding, id 1 the unknown token; tokens seen fewer than ``min_count`` times are unknown.
* Sequences longer than ``max_len`` are cut, and :func:`encode` says so (it never cuts silently): the
  training report counts the cut sentences and the scorers put a warning on the Result.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from simcalc.errors import InputFormatError
from simcalc.jieba_dict import content_words
from simcalc.text import content_chars, normalize

log = logging.getLogger(__name__)

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
LEVELS = ("char", "word")


def char_tokens(text: str) -> list[str]:
    """The content characters of ``text`` (normalised here), one token each."""
    text = normalize(text)
    chars = content_chars(text) or text.replace(" ", "")
    return list(chars)


def word_tokens(text: str) -> list[str]:
    """jieba words of the normalised text, without whitespace/punctuation-only tokens."""
    text = normalize(text)
    words = content_words(text)
    return words or [w for w in text.split() if w] or [text]


def tokenize(text: str, level: str) -> list[str]:
    if level == "char":
        return char_tokens(text)
    if level == "word":
        return word_tokens(text)
    raise InputFormatError(f"unknown tokenisation level {level!r}; use one of {', '.join(LEVELS)}")


@dataclass
class Vocab:
    """Token ↔ id mapping with reserved ``<pad>`` (0) and ``<unk>`` (1)."""

    itos: list[str]

    def __post_init__(self) -> None:
        if self.itos[:2] != [PAD, UNK]:
            raise InputFormatError("a vocabulary must start with <pad> and <unk>")
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    @classmethod
    def build(cls, sequences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> "Vocab":
        """Tokens by descending frequency (ties: first seen), those below ``min_count`` left out."""
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = [t for t, c in counts.most_common() if c >= min_count and t not in (PAD, UNK)]
        if max_size is not None:
            kept = kept[: max(0, max_size - 2)]
        return cls([PAD, UNK] + kept)

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, UNK_ID) for t in tokens]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.itos, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Encoded:
    """Ids of one sentence at one level; ``original_length`` > ``len(ids)`` means it was cut."""

    ids: list[int]
    original_length: int

    @property
    def truncated(self) -> bool:
        return self.original_length > len(self.ids)

    @property
    def coverage(self) -> float:
        """Share of the (kept) tokens that the vocabulary knows; 0.0 for a sentence of unknowns."""
        return sum(i != UNK_ID for i in self.ids) / len(self.ids)


def encode(tokens: Sequence[str], vocab: Vocab, max_len: int) -> Encoded:
    """Ids of ``tokens``, cut to ``max_len`` (recorded in the result); never empty (an <unk> stands in)."""
    ids = vocab.ids(tokens) or [UNK_ID]
    return Encoded(ids[:max_len], len(ids))
