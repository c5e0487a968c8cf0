"""Vocabularies and tensorisation for the embedded parser (no torch needed to build them)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..conllu import UDSentence, canonical_form

PAD, UNK, ROOT = "<pad>", "<unk>", "<root>"
_DIGITS = re.compile(r"\d")
MAX_WORD_CHARS = 20  # characters of a word the char CNN reads; longer words are cut


def word_key(token: str) -> str:
    """Vocabulary key of a word: its canonical form with digits folded to 0 (years, amounts)."""
    return _DIGITS.sub("0", canonical_form(token))


@dataclass
class Vocab:
    items: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.items)

    def get(self, item: str, default: int = 1) -> int:
        return self.index.get(item, default)

    @classmethod
    def build(cls, counts: Counter, min_count: int, specials: Sequence[str]) -> "Vocab":
        kept = sorted((w for w, c in counts.items() if c >= min_count and w not in specials),
                      key=lambda w: (-counts[w], w))
        return cls(list(specials) + kept)


@dataclass
class Vocabs:
    words: Vocab
    chars: Vocab
    tags: Vocab
    rels: Vocab

    @classmethod
    def build(cls, sentences: Iterable[UDSentence], min_word: int = 2, min_char: int = 2) -> "Vocabs":
        sentences = list(sentences)
        words = Counter(word_key(t) for s in sentences for t in s.tokens)
        chars = Counter(ch for s in sentences for t in s.tokens for ch in canonical_form(t))
        tags = Counter(x for s in sentences for x in s.xpos)
        rels = Counter(d for s in sentences for d in s.deprels)
        return cls(Vocab.build(words, min_word, [PAD, UNK, ROOT]), Vocab.build(chars, min_char, [PAD, UNK, ROOT]),
                   Vocab.build(tags, 1, [PAD]), Vocab.build(rels, 1, [PAD]))

    def to_dict(self) -> dict:
        return {k: getattr(self, k).items for k in ("words", "chars", "tags", "rels")}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabs":
        return cls(*(Vocab(list(data[k])) for k in ("words", "chars", "tags", "rels")))

    def encode_tokens(self, tokens: Sequence[str]) -> tuple[list[int], list[list[int]]]:
        """Word ids and char ids of a sentence, the root prepended at position 0."""
        root_word, root_chars = self.encode_root()
        word_ids, char_ids = [root_word], [root_chars]
        for t in tokens:
            word, chars = self.encode_token(t)
            word_ids.append(word)
            char_ids.append(chars)
        return word_ids, char_ids

    def encode_token(self, token: str) -> tuple[int, list[int]]:
        """Word id and char ids of one word (the char CNN reads at most ``MAX_WORD_CHARS``)."""
        form = canonical_form(token)[:MAX_WORD_CHARS] or token[:1]
        return self.words.get(word_key(token)), [self.chars.get(ch) for ch in form] or [1]

    def encode_root(self) -> tuple[int, list[int]]:
        return self.words.index[ROOT], [self.chars.index[ROOT]]
