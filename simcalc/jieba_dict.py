"""jieba's main dictionary loaded once per process, fast, and shared by every simcalc tokenizer.

Why: jieba's prefix dictionary is a ~500k-entry word → frequency table (words and their prefixes). jieba
itself keeps it as a marshal file and unmarshals it at every start: about a second, the largest part of the
default engine's cold start. Here the same table is kept in simcalc's cache folder (``<cache>/jieba/``) as
one UTF-8 blob of the keys plus a raw array of the frequencies: splitting the blob and zipping it into a
dict takes a quarter of that. The table is built the first time by jieba's own ``gen_pfdict`` from jieba's
own ``dict.txt`` (so it holds exactly what jieba would load, in the same order) and rebuilt when that
file changes.

The neural scorers' word tokenisation and the rule engine's segmenter share the table. Components that add
words (a user dictionary) get a *private* tokenizer that starts from a copy of it, so adding words never
changes what another component, or jieba's global tokenizer, sees. (Building the table in a background
thread while the models load was tried: the build holds the GIL, so on a busy machine it only slowed the
start down.)
"""
from __future__ import annotations

import logging
import os
import struct
import sys
import threading
from array import array
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_base: Any = None

#: file layout: magic, then (total, entries, key bytes) as little-endian u64, the keys joined by "\n" in
#: UTF-8, the frequencies as little-endian i64 (jieba's words never hold whitespace: it splits lines on it)
_MAGIC = b"simcalc-jieba-prefix-1\n"
_HEADER = struct.Struct("<QQQ")


def _table_files(source: Path) -> list[Path]:
    """Where the table of ``source`` may be kept: simcalc's cache folder, else the temporary folder (a
    read-only home then still starts fast, as jieba's own cache did)."""
    import tempfile

    from simcalc.resources import cache_dir

    stat = source.stat()
    name = f"prefix-{stat.st_size}-{stat.st_mtime_ns}.bin"
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return [cache_dir() / "jieba" / name, Path(tempfile.gettempdir()) / f"simcalc-jieba-{user}" / name]


def write_table(path: Path, freq: dict[str, int], total: int) -> None:
    """Write a prefix table atomically (a reader never sees half a file)."""
    keys = "\n".join(freq).encode("utf-8")
    values = array("q", freq.values())
    if sys.byteorder == "big":
        values.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(_MAGIC + _HEADER.pack(total, len(freq), len(keys)))
        handle.write(keys)
        handle.write(values.tobytes())
    os.replace(tmp, path)


def read_table(path: Path) -> tuple[dict[str, int], int]:
    """The (word → frequency, total) table of :func:`write_table`; ValueError if the file is damaged."""
    raw = path.read_bytes()
    if not raw.startswith(_MAGIC):
        raise ValueError(f"{path} is not a simcalc jieba table")
    start = len(_MAGIC) + _HEADER.size
    total, entries, key_bytes = _HEADER.unpack_from(raw, len(_MAGIC))
    keys = raw[start:start + key_bytes].decode("utf-8").split("\n")
    values = array("q")
    values.frombytes(raw[start + key_bytes:])
    if sys.byteorder == "big":
        values.byteswap()
    if not (len(keys) == len(values) == entries):
        raise ValueError(f"{path} is truncated")
    return dict(zip(keys, values.tolist())), total


def load_table(tokenizer: Any) -> tuple[dict[str, int], int]:
    """jieba's prefix table for ``tokenizer``'s dictionary file, from the cache or built and cached."""
    handle = tokenizer.get_dict_file()
    try:
        paths = _table_files(Path(handle.name))
    except OSError:
        paths = []
    for path in paths:
        try:
            table = read_table(path)
            handle.close()
            return table
        except OSError:  # not there (or not readable): the next place
            continue
        except (ValueError, UnicodeDecodeError) as exc:  # damaged: built again and written over
            log.warning("rebuilding jieba's table: %s", exc)
            break
    freq, total = tokenizer.gen_pfdict(handle)  # jieba's own builder (it closes the file)
    for path in paths:
        try:
            write_table(path, freq, total)
            break
        except OSError as exc:  # an unwritable folder only costs speed
            log.debug("cannot cache jieba's table at %s: %s", path, exc)
    return freq, total


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
            tokenizer.FREQ, tokenizer.total = load_table(tokenizer)
            tokenizer.initialized = True
            _base = tokenizer
    return _base


def content_words(text: str) -> list[str]:
    """jieba words of a normalised text that hold a content character: whitespace- and punctuation-only tokens
    left out (the word view of the FAQ ranker and of the word-level neural vocabularies)."""
    from .text import is_content_char

    return [w for w in base_tokenizer().lcut(text) if any(is_content_char(c) for c in w)]


def private_tokenizer() -> Any:
    """A ``jieba.Tokenizer`` of its own (words may be added), starting from a copy of the shared table."""
    import jieba

    base = base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = base.tmp_dir
    tokenizer.FREQ, tokenizer.total = dict(base.FREQ), base.total
    tokenizer.initialized = True
    return tokenizer
