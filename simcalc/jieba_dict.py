"""jieba's main dictionary loaded once per process and shared by every simcalc tokenizer.

Why: loading jieba's prefix dictionary takes about a second (a 350k-entry table, kept as a marshal file in
simcalc's cache folder, ``<cache>/jieba/``). The neural scorers' word tokenisation and the rule engine's
segmenter each used to load it, so the default engine paid twice at every cold start. Components that add
words (a user dictionary) get a *private* tokenizer that starts from a copy of the loaded table, so adding
words never changes what another component, or jieba's global tokenizer, sees.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_base: Any = None


def base_tokenizer() -> Any:
    """The shared ``jieba.Tokenizer`` with jieba's own dictionary only; never add words to it."""
    global _base
    with _lock:
        if _base is None:
            import jieba

            from simcalc.resources import cache_dir

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            folder = cache_dir() / "jieba"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(folder)
            except OSError as exc:  # read-only home: jieba falls back to the temp folder
                log.debug("jieba cache folder %s not usable (%s)", folder, exc)
            tokenizer.initialize()
            _base = tokenizer
    return _base


def private_tokenizer() -> Any:
    """A ``jieba.Tokenizer`` of its own (words may be added), starting from a copy of the shared table."""
    import jieba

    base = base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = base.tmp_dir
    tokenizer.FREQ, tokenizer.total = dict(base.FREQ), base.total
    tokenizer.initialized = True
    return tokenizer
