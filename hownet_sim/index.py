"""Precompiled lexicon indexes: one compact binary file per lexical resource, memory-mapped on load.

Why: parsing ``glossary.dat`` (66k lines) takes about 0.4 s, Cilin 0.3 s and the flat sememe list
0.4 s, and a wheel installed without ``$SIMCALC_DATA_DIR`` has no source files at all. Each resource is
therefore compiled once into columns (UTF-8 strings joined by ``\\n``, little-endian integer arrays)
that load with a few bulk operations, and the rule engine's lexicons ship with the package as such
files (``data/lexicon/``, built by ``python -m simcalc.hownet_sim.build_index``).

Where a resource comes from (:func:`open_resource`), first hit wins:

1. an explicit folder (``data_dir``) or explicit files: those only;
2. ``$SIMCALC_DATA_DIR`` (then ``<cache dir>/data``): the source files found there, compiled on first
   use into ``<cache dir>/hownet/<resource>-<sha256 of the sources>.idx`` and reused after;
3. the packaged index (``simcalc.data`` / ``data/lexicon/<resource>.idx``).

The packaged files are exactly what the builder writes from the shared data folder (a test checks it),
so both routes give the same numbers. Files are data, never code: no pickle.

File layout: ``SIMIDX01``, a little-endian u32 header length, a JSON header (``meta`` and the
``sections`` table: kind, offset, length, count, CRC-32), then the sections, each 8-byte aligned.
"""
from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import struct
import sys
import tempfile
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from simcalc.resources import cache_dir, project_data_path, search_roots

from .errors import HowNetError, ResourceNotFoundError

log = logging.getLogger(__name__)

MAGIC = b"SIMIDX01"
#: Bump when the layout or a builder changes: cached indexes are keyed by it and rebuilt.
FORMAT_VERSION = 1
PACKAGED_DIR = "lexicon"
_INT_KINDS = {"u8": "B", "u16": "H", "u32": "I"}


class IndexFormatError(HowNetError):
    """An index file is not one this version can read (truncated, corrupt, another format)."""


# -- the container ---------------------------------------------------------------------------------
class IndexWriter:
    """Collects named sections; :meth:`to_bytes` is deterministic (same input, same bytes)."""

    def __init__(self, kind: str, meta: dict | None = None) -> None:
        self.meta = {"kind": kind, "format": FORMAT_VERSION, **(meta or {})}
        self._sections: dict[str, tuple[str, bytes, int]] = {}

    def strings(self, name: str, items: Sequence[str]) -> None:
        for item in items:
            if "\n" in item:
                raise ValueError(f"section {name}: {item!r} contains a newline")
        self._sections[name] = ("str", "\n".join(items).encode("utf-8"), len(items))

    def ints(self, name: str, values: Iterable[int], kind: str = "u32") -> None:
        data = array(_INT_KINDS[kind], values)
        if data.itemsize != {"u8": 1, "u16": 2, "u32": 4}[kind]:
            raise RuntimeError(f"array type {data.typecode} has size {data.itemsize} on this platform")
        if sys.byteorder == "big":
            data.byteswap()
        self._sections[name] = (kind, data.tobytes(), len(data))

    def smallest_ints(self, name: str, values: Sequence[int]) -> None:
        """Integers in the narrowest unsigned width that holds them."""
        top = max(values, default=0)
        self.ints(name, values, "u8" if top < 1 << 8 else "u16" if top < 1 << 16 else "u32")

    def to_bytes(self) -> bytes:
        table, payload, offset = {}, [], 0
        for name, (kind, data, count) in self._sections.items():
            table[name] = [kind, offset, len(data), count, zlib.crc32(data)]
            pad = -len(data) % 8
            payload.append(data + b"\0" * pad)
            offset += len(data) + pad
        header = json.dumps({"meta": self.meta, "sections": table}, ensure_ascii=False, sort_keys=True,
                            separators=(",", ":")).encode("utf-8")
        header += b" " * (-(len(MAGIC) + 4 + len(header)) % 8)
        return MAGIC + struct.pack("<I", len(header)) + header + b"".join(payload)


class IndexFile:
    """A read-only index over a buffer (a memory map or bytes). Sections are read on demand."""

    def __init__(self, buffer: bytes | mmap.mmap, origin: str) -> None:
        self.origin = origin
        self.cache_file: Path | None = None  # set when this is a compiled copy kept in the cache folder
        self._buffer = buffer
        view = memoryview(buffer)
        try:
            if bytes(view[: len(MAGIC)]) != MAGIC:
                raise ValueError("not a simcalc lexicon index (bad magic)")
            (size,) = struct.unpack("<I", view[len(MAGIC): len(MAGIC) + 4])
            start = len(MAGIC) + 4
            header = json.loads(bytes(view[start: start + size]).decode("utf-8"))
            self.meta: dict = header["meta"]
            self._table: dict[str, list] = header["sections"]
            self._base = start + size
            if self.meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"index format {self.meta.get('format')}, this simcalc reads {FORMAT_VERSION}")
            end = max((self._base + o + n for _, o, n, _, _ in self._table.values()), default=self._base)
            if end > len(view):
                raise ValueError(f"truncated: {len(view)} bytes, sections need {end}")
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            raise IndexFormatError(f"{origin}: {exc}; rebuild it (python -m simcalc.hownet_sim.build_index)") from None
        self._view = view

    @classmethod
    def open(cls, path: str | Path) -> "IndexFile":
        with open(path, "rb") as handle:
            try:
                buffer: bytes | mmap.mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # empty file, or a file system without mmap
                buffer = handle.read()
        return cls(buffer, str(path))

    def _raw(self, name: str) -> tuple[str, memoryview, int]:
        try:
            kind, offset, length, count, crc = self._table[name]
        except KeyError:
            raise IndexFormatError(f"{self.origin}: no section {name!r}; rebuild the index") from None
        data = self._view[self._base + offset: self._base + offset + length]
        if zlib.crc32(data) != crc:
            raise IndexFormatError(f"{self.origin}: section {name!r} is corrupt (CRC mismatch); rebuild the index")
        return kind, data, count

    def __contains__(self, name: str) -> bool:
        return name in self._table

    def count(self, name: str) -> int:
        return self._table[name][3]

    def strings(self, name: str) -> list[str]:
        kind, data, count = self._raw(name)
        if kind != "str":
            raise IndexFormatError(f"{self.origin}: section {name!r} holds {kind}, not strings")
        return bytes(data).decode("utf-8").split("\n") if count else []

    def ints(self, name: str) -> Sequence[int]:
        """Zero-copy on little-endian machines (a memoryview over the map)."""
        kind, data, count = self._raw(name)
        if kind not in _INT_KINDS:
            raise IndexFormatError(f"{self.origin}: section {name!r} holds {kind}, not integers")
        if sys.byteorder == "big":
            values = array(_INT_KINDS[kind], bytes(data))
            values.byteswap()
            return values
        return data.cast(_INT_KINDS[kind])  # type: ignore[call-overload]

    def verify(self) -> None:
        """Check every section's CRC (what a freshly opened cache file must pass before use)."""
        for name in self._table:
            self._raw(name)


# -- views that decode on access -------------------------------------------------------------------
class RaggedMap(Mapping):
    """``key -> [values[k] for k in start[i]..start[i+1]]`` without building the lists up front.

    The key → row dict is built once (one C-level pass); rows are decoded only when asked for."""

    def __init__(self, keys: list[str], start: Sequence[int], items: Sequence[int],
                 decode: Callable[[Sequence[int]], object]) -> None:
        self._row = dict(zip(keys, range(len(keys))))
        self._start = start
        self._items = items
        self._decode = decode

    def __getitem__(self, key: str):
        i = self._row[key]
        return self._decode(self._items[self._start[i]: self._start[i + 1]])

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def ragged(writer: IndexWriter, prefix: str, rows: Mapping[str, Sequence[int]]) -> None:
    """Write a ``str -> list[int]`` mapping as keys, row starts and items (insertion order kept)."""
    start: list[int] = [0]
    items: list[int] = []
    for values in rows.values():
        items.extend(values)
        start.append(len(items))
    writer.strings(f"{prefix}.keys", list(rows))
    writer.smallest_ints(f"{prefix}.start", start)
    writer.smallest_ints(f"{prefix}.items", items)


def read_ragged(index: IndexFile, prefix: str, decode: Callable[[Sequence[int]], object]) -> RaggedMap:
    return RaggedMap(index.strings(f"{prefix}.keys"), index.ints(f"{prefix}.start"),
                     index.ints(f"{prefix}.items"), decode)


# -- resources and where they come from -------------------------------------------------------------
GLOSSARY, WHOLE, RELATIONS = "hownet/glossary.dat", "hownet/whole.dat", "hownet/antonym_converse_whole2000.tsv"
CILIN, FLAT, WORD_PAIRS = "cilin/cilin_ex.txt", "hownet/word_sememes_flat.tsv", "cilin/antonym_pairs_yaleimeng.txt"
SENTIMENT_POSITIVE = ("hownet/sentiment/zh_positive_evaluation.txt", "hownet/sentiment/zh_positive_emotion.txt")
SENTIMENT_NEGATIVE = ("hownet/sentiment/zh_negative_evaluation.txt", "hownet/sentiment/zh_negative_emotion.txt")


@dataclass(frozen=True)
class Resource:
    """A lexical resource: its source files (relative to a data folder) and its builder.

    ``required`` sources must all exist for the resource to be built from a folder; ``optional`` ones
    are used when present. ``builder`` names (``"module:function"``, like the scorer registry's targets)
    the function that turns the found paths (None for an absent optional one) into an
    :class:`IndexWriter`; it is imported only when an index is built, so this low-level module never
    imports the readers above it."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    builder: str

    @property
    def sources(self) -> tuple[str, ...]:
        return self.required + self.optional

    def build(self, paths: dict[str, Path | None]) -> IndexWriter:
        import importlib

        module, _, function = self.builder.partition(":")
        return getattr(importlib.import_module(module), function)(paths)


_BUILDERS = "simcalc.hownet_sim.lexicon_index"
_RESOURCES: dict[str, Resource] = {r.name: r for r in (
    Resource("hownet2000", (GLOSSARY, WHOLE), (RELATIONS,), f"{_BUILDERS}:build_hownet"),
    Resource("cilin", (CILIN,), (), f"{_BUILDERS}:build_cilin"),
    Resource("flat", (FLAT,), (), f"{_BUILDERS}:build_flat"),
    Resource("antonym_pairs", (WORD_PAIRS,), (), f"{_BUILDERS}:build_word_pairs"),
    Resource("sentiment", (), SENTIMENT_POSITIVE + SENTIMENT_NEGATIVE, f"{_BUILDERS}:build_sentiment"),
)}


def register(resource: Resource) -> Resource:
    """Add (or replace) a resource: a plug-in lexicon joins ``open_resource`` and the builder."""
    _RESOURCES[resource.name] = resource
    return resource


def resources() -> dict[str, Resource]:
    return dict(_RESOURCES)


def _found_in(folder: Path, resource: Resource) -> dict[str, Path | None] | None:
    paths: dict[str, Path | None] = {rel: folder / rel for rel in resource.sources}
    if not all(paths[rel].exists() for rel in resource.required):  # type: ignore[union-attr]
        return None
    for rel in resource.optional:
        if not paths[rel].exists():  # type: ignore[union-attr]
            paths[rel] = None
    if not resource.required and not any(paths.values()):
        return None
    return paths


def source_paths(name: str, data_dir: str | Path | None = None) -> dict[str, Path | None] | None:
    """The source files a resource would be built from, or None when the packaged index is used
    (``data_dir`` given: that folder only; else ``$SIMCALC_DATA_DIR`` and the cache's data folder)."""
    resource = resources()[name]
    folders = [Path(data_dir)] if data_dir is not None else search_roots()
    for folder in folders:
        found = _found_in(folder, resource)
        if found is not None:
            return found
    return None


def digest(name: str, paths: Mapping[str, Path | None]) -> str:
    h = hashlib.sha256(f"{name}:v{FORMAT_VERSION}".encode())
    for rel in sorted(paths):
        h.update(f"\0{rel}\0".encode())
        path = paths[rel]
        if path is None:
            h.update(b"-")
            continue
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def build(name: str, paths: Mapping[str, Path | None]) -> bytes:
    """The index of a resource built from its source files (what the packaged file holds)."""
    return resources()[name].build(dict(paths)).to_bytes()


def compiled(name: str, paths: Mapping[str, Path | None], use_cache: bool = True) -> IndexFile:
    """The index built from these source files: from the cache when it holds it, else built now
    (and cached, atomically, when the cache folder is writable)."""
    key = digest(name, paths)
    target = cache_dir() / "hownet" / f"{name}-{key}.idx"
    origin = ", ".join(str(p) for p in paths.values() if p is not None)  # errors name the sources
    index = None
    if use_cache and target.exists():
        try:
            index = IndexFile.open(target)
            index.verify()
        except (OSError, IndexFormatError) as exc:
            log.warning("ignoring unreadable lexicon index %s (%s); rebuilding", target, exc)
            index = None
    if index is None:
        data = build(name, paths)
        if not (use_cache and _write(target, data)):
            return IndexFile(data, origin)
        index = IndexFile.open(target)
    index.origin, index.cache_file = origin, target
    return index


def packaged_path(name: str) -> Path:
    try:
        return project_data_path(f"{PACKAGED_DIR}/{name}.idx")
    except ResourceNotFoundError:
        raise ResourceNotFoundError(
            f"the packaged lexicon index {name}.idx is missing from simcalc's data: reinstall simcalc, or set "
            f"SIMCALC_DATA_DIR to a folder holding {', '.join(resources()[name].required)}") from None


def open_resource(name: str, data_dir: str | Path | None = None, *, use_cache: bool = True,
                  packaged: bool = True) -> IndexFile | None:
    """The index of a resource, from ``data_dir`` / ``$SIMCALC_DATA_DIR`` sources or the package.

    None when ``data_dir`` is given and lacks the resource (an explicit folder is never mixed with
    the packaged data), or when ``packaged`` is False and no source folder has it."""
    paths = source_paths(name, data_dir)
    if paths is not None:
        return compiled(name, paths, use_cache=use_cache)
    if data_dir is not None or not packaged:
        return None
    return IndexFile.open(packaged_path(name))


def where(name: str, data_dir: str | Path | None = None) -> str:
    """Where a resource would come from, in words (for ``simcalc info`` and reports)."""
    paths = source_paths(name, data_dir)
    if paths is not None:
        return str(next(p for p in paths.values() if p is not None).parent)
    if data_dir is not None:
        return "missing"
    try:
        packaged_path(name)
    except ResourceNotFoundError:
        return "missing"
    return "packaged index"


def _write(path: Path, data: bytes) -> bool:
    """Atomic write (temp file + rename) so a concurrent reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("could not write lexicon index %s: %s", path, exc)
        return False
