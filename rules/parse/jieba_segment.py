"""jieba as a segmenter: a private ``jieba.Tokenizer`` per user dictionary, so adding words never changes
jieba's global state for other simcalc components.

Its own module so that the trained segmenter (:mod:`.embedded.segmenter`, which uses jieba's cut as an input
feature) and :mod:`.segment` (which chooses between them) both build on it without importing each other.
"""
from __future__ import annotations

from pathlib import Path

from simcalc.errors import ResourceNotFoundError


class Segmenter:
    """``Segmenter(user_dict=None)(text) -> list[str]``; whitespace never becomes a token."""

    def __init__(self, user_dict: str | Path | None = None) -> None:
        from simcalc.jieba_dict import private_tokenizer

        self._tokenizer = private_tokenizer()
        self.user_dict = str(user_dict) if user_dict else None
        if user_dict is not None:
            path = Path(user_dict).expanduser()
            if not path.is_file():
                raise ResourceNotFoundError(f"jieba user dictionary {path} does not exist")
            self._tokenizer.load_userdict(str(path))

    @property
    def frequencies(self) -> dict[str, int]:
        """The tokenizer's word → frequency table (its dictionary plus the user dictionary)."""
        self._tokenizer.check_initialized()
        return self._tokenizer.FREQ

    def add_word(self, word: str, freq: int | None = None) -> None:
        self._tokenizer.add_word(word, freq)

    def __call__(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.cut(text, HMM=True) if w.strip()]
