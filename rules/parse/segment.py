"""Word segmentation for parsers that need tokens first (the embedded one).

:func:`default_segmenter` is jieba, precise mode; :func:`model_segmenter` is the trained segmenter
(:mod:`.embedded.segmenter`), which falls back to jieba.

A private ``jieba.Tokenizer`` per user dictionary, so adding words never changes jieba's global
state for other simcalc components.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Callable

from simcalc.errors import ResourceNotFoundError

log = logging.getLogger(__name__)


class Segmenter:
    """``Segmenter(user_dict=None)(text) -> list[str]``; whitespace never becomes a token."""

    def __init__(self, user_dict: str | Path | None = None) -> None:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
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


@lru_cache(maxsize=4)
def default_segmenter(user_dict: str | None = None) -> Segmenter:
    return Segmenter(user_dict)


@lru_cache(maxsize=8)
def model_segmenter(user_dict: str | None = None, known: Callable[[str], bool] | None = None):
    """The trained segmenter (GSD-style words, the ones the embedded parser was trained on), with the
    user dictionary's words forced and, when ``known`` is given, lexicon words merged back; jieba
    (:class:`Segmenter`) when its weights or torch are missing. Same interface as :func:`default_segmenter`."""
    from .embedded.segmenter import TrainedSegmenter, segmenter_available

    if segmenter_available():
        try:
            return TrainedSegmenter(user_dict, known=known)
        except ImportError as exc:  # torch / safetensors not installed
            log.warning("trained segmenter unavailable (%s); using jieba", exc)
    else:
        log.warning("trained segmenter weights missing in data/parser; using jieba")
    return default_segmenter(user_dict)
