"""Word segmentation for parsers that need tokens first (the embedded one).

:func:`default_segmenter` is jieba, precise mode; :func:`model_segmenter` is the trained segmenter
(:mod:`.embedded.segmenter`), which falls back to jieba.

A private ``jieba.Tokenizer`` per user dictionary, so adding words never changes jieba's global
state for other simcalc components.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Callable

from .jieba_segment import Segmenter  # noqa: F401  (part of this module's interface)

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def default_segmenter(user_dict: str | None = None) -> Segmenter:
    return Segmenter(user_dict)


@lru_cache(maxsize=8)
def model_segmenter(user_dict: str | None = None, known: Callable[[str], bool] | None = None):
    """The trained segmenter (GSD-style words, the ones the embedded parser was trained on), with the
    user dictionary's words forced and, when ``known`` is given, lexicon words merged back; jieba
    (:class:`Segmenter`) when its weights are missing. Same interface as :func:`default_segmenter`.
    It runs in numpy (no torch)."""
    from .embedded.segmenter import TrainedSegmenter, segmenter_available

    if segmenter_available():
        return TrainedSegmenter(user_dict, known=known)
    log.warning("trained segmenter weights missing in data/parser; using jieba")
    return default_segmenter(user_dict)
