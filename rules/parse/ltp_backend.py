"""LTP (HIT) as a parser backend: the ``ltp`` 4.2.x package with a local model.

Why local only: LTP's models live on the Hugging Face hub; simcalc never downloads at parse time. A
model is either a folder in LTP's own format (``config.json`` with the ``ltp_core`` model spec and
vocabularies, ``pytorch_model.bin``, the tokenizer's ``vocab.txt``; ``SIMCALC_LTP_MODEL`` or the
``model`` argument), or a hub name (default ``LTP/small``) already in the local hub cache.
LTP already speaks the labels :class:`~rules.parse.types.Parse` uses, so no conversion is needed.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import re
from pathlib import Path

from .base import BaseParser
from .types import Parse, ParseError, ParserUnavailableError

log = logging.getLogger(__name__)

MODEL_ENV = "SIMCALC_LTP_MODEL"
DEFAULT_MODEL = "LTP/small"
#: LTP's transformer reads at most 512 sub-words; Chinese is about one per character.
LTP_MAX_CHARS = 500
REQUIRED_FILES = ("config.json", "pytorch_model.bin")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_model(model: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """(local folder or None, explanation). Never touches the network."""
    name = str(model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL)
    path = Path(name).expanduser()
    if path.is_dir():
        missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
        if missing:
            return None, f"LTP model folder {path} lacks {', '.join(missing)}"
        return path, f"local LTP model folder {path}"
    if not _HUB_ID.match(name):
        return None, f"LTP model folder {name} does not exist"
    not_here = (f"LTP model {name!r} is not on this machine (simcalc does not download it); "
                f"set {MODEL_ENV} to a local LTP model folder")
    if not any((cache / f"models--{name.replace('/', '--')}").is_dir() for cache in _hub_caches()):
        return None, not_here  # the common case, decided without importing huggingface_hub (~0.2 s)
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None, "huggingface_hub is not installed"
    cached = try_to_load_from_cache(name, "config.json")
    if isinstance(cached, str) and (Path(cached).parent / "pytorch_model.bin").exists():
        return Path(cached).parent, f"LTP model {name} from the local hub cache"
    return None, not_here


def _hub_caches() -> list[Path]:
    """Folders where the Hugging Face hub cache may be (its own environment variables and default), so
    that a model absent from all of them is known absent before importing ``huggingface_hub``."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    found = [os.environ.get("HF_HUB_CACHE"), os.environ.get("HUGGINGFACE_HUB_CACHE"), os.path.join(home, "hub")]
    return [Path(f).expanduser() for f in found if f]


def ltp_importable() -> bool:
    import importlib.util

    return importlib.util.find_spec("ltp") is not None


class LTPParser(BaseParser):
    """``LTPParser(model=None)``: LTP's own segmentation, POS tags and dependency trees."""

    name = "ltp"

    def __init__(self, model: str | os.PathLike | None = None, user_dict: str | os.PathLike | None = None,
                 max_chars: int = LTP_MAX_CHARS, **kwargs) -> None:
        super().__init__(max_chars=max_chars, **kwargs)
        if not ltp_importable():
            raise ParserUnavailableError("the ltp package is not installed (pip install 'ltp>=4.2,<4.3')")
        folder, why = resolve_model(model)
        if folder is None:
            raise ParserUnavailableError(why)
        from ltp import LTP

        try:
            with contextlib.redirect_stdout(io.StringIO()):  # LTP prints "Loading weights ..."
                self.ltp = LTP(str(folder))
        except Exception as exc:  # a broken folder: say which, keep the cause
            raise ParserUnavailableError(f"could not load the LTP model in {folder}: {exc}") from exc
        missing = {"cws", "pos", "dep"} - set(getattr(self.ltp, "supported_tasks", ()))  # legacy: no dep
        if missing:
            raise ParserUnavailableError(f"LTP model in {folder} cannot do {', '.join(sorted(missing))}")
        self.model_dir = folder
        self.source = why
        if user_dict is not None:  # jieba format (word [freq] [pos]); LTP's segmenter takes the words
            self.ltp.add_words(_user_words(user_dict))

    def _parse_texts(self, texts: list[str]) -> list[Parse]:
        out = self.ltp.pipeline(list(texts), tasks=["cws", "pos", "dep"])
        return [self._to_parse(w, p, d) for w, p, d in zip(out.cws, out.pos, out.dep)]

    def _parse_tokenized(self, batch: list[list[str]]) -> list[Parse]:
        parses: list[Parse] = []
        notes, trimmed = [], []
        for tokens in batch:  # keep within LTP's 512 sub-word window
            total, kept = 0, []
            for t in tokens:
                total += len(t)
                if total > self.max_chars and kept:
                    break
                kept.append(t)
            trimmed.append(kept)
            notes.append([] if len(kept) == len(tokens) else
                         [f"input truncated from {len(tokens)} to {len(kept)} tokens (LTP reads 512 sub-words)"])
        for tokens, note in zip(trimmed, notes):
            # one sentence per call: LTP 4.2 counts the padding of a pre-split batch as extra words
            # (``encoding.words`` is None there), so batched pre-tokenised output has wrong lengths
            out = self.ltp.pipeline([tokens], tasks=["pos", "dep"])
            parse = self._to_parse(tokens, out.pos[0], out.dep[0])
            parse.warnings.extend(note)
            parses.append(parse)
        return parses

    def _to_parse(self, tokens: list[str], pos: list[str], dep: dict) -> Parse:
        heads, labels = [int(h) for h in dep["head"]], list(dep["label"])
        if not (len(tokens) == len(pos) == len(heads) == len(labels)):
            raise ParseError(f"LTP returned {len(tokens)} words but {len(heads)} heads")
        # the word under the root is HED by definition (a weak model may label it otherwise)
        labels = ["HED" if h == 0 else r for h, r in zip(heads, labels)]
        return Parse(list(tokens), list(pos), heads, labels, self.name)

    def describe(self) -> dict:
        return {"name": self.name, "model": str(self.model_dir), "source": self.source}


def _user_words(path: str | os.PathLike) -> list[str]:
    from simcalc.errors import ResourceNotFoundError

    file = Path(path).expanduser()
    if not file.is_file():
        raise ResourceNotFoundError(f"user dictionary {file} does not exist")
    lines = file.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
