"""Shared input handling for parser backends: validation, normalisation, length bound."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

from simcalc.errors import InvalidTextError
from simcalc.text import MAX_CHARS, normalize, prepare

from .types import Parse

#: Longest pre-tokenised input, in tokens; longer token lists are cut (with a warning on the Parse).
MAX_TOKENS = 512


class BaseParser(ABC):
    """Texts go through :func:`simcalc.text.prepare` (clear errors for empty/punctuation-only input,
    truncation to ``max_chars`` with a warning); subclasses parse token lists or raw texts."""

    name = "parser"

    def __init__(self, max_chars: int = MAX_CHARS, max_tokens: int = MAX_TOKENS) -> None:
        self.max_chars = max_chars
        self.max_tokens = max_tokens

    def parse(self, text: str) -> Parse:
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence[str]) -> list[Parse]:
        if isinstance(texts, str):
            raise InvalidTextError("parse_batch expects a list of texts, not one string")
        prepared = [prepare(t, which=f"text {i}" if len(texts) > 1 else "text", max_chars=self.max_chars)
                    for i, t in enumerate(texts)]
        parses = self._parse_texts([p.text for p in prepared])
        for parse, p in zip(parses, prepared):
            parse.warnings.extend(p.warnings)
        return parses

    def parse_tokens(self, tokens: Sequence[str]) -> Parse:
        return self.parse_tokens_batch([tokens])[0]

    def parse_tokens_batch(self, batch: Sequence[Sequence[str]]) -> list[Parse]:
        cleaned = []
        for i, tokens in enumerate(batch):
            if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
                raise InvalidTextError(f"tokens {i} must be a list of strings")
            toks = [normalize(t) for t in tokens]
            toks = [t for t in toks if t]
            if not toks:
                raise InvalidTextError(f"tokens {i} is empty (no non-blank token)")
            cleaned.append(toks)
        return self._parse_capped(cleaned)

    def _parse_texts(self, texts: list[str]) -> list[Parse]:
        """Default: segment, then parse the tokens. Backends with their own segmenter override this."""
        return self._parse_capped([self.segment(text) for text in texts])

    def _parse_capped(self, batch: list[list[str]], **hints) -> list[Parse]:
        """Parse token lists cut to ``max_tokens``; each cut is recorded in its Parse's warnings.
        ``hints`` go to :meth:`_parse_tokenized` when no list was cut (e.g. the embedded parser's
        finer segmentation of the same texts)."""
        notes = [[f"input truncated from {len(t)} to {self.max_tokens} tokens"] if len(t) > self.max_tokens else []
                 for t in batch]
        if any(notes):
            hints = {}
        parses = self._parse_tokenized([t[: self.max_tokens] for t in batch], **hints)
        for parse, note in zip(parses, notes):
            parse.warnings.extend(note)
        return parses

    def segment(self, text: str) -> list[str]:
        raise NotImplementedError

    @abstractmethod
    def _parse_tokenized(self, batch: list[list[str]]) -> list[Parse]:
        """Parse non-empty, normalised token lists."""

    def describe(self) -> dict:
        return {"name": self.name}
