"""Lexicons behind one protocol, and the HowNet 2000 glossary lexicon.

Every lexicon answers ``senses(word, pos=None)`` with :class:`Sense` objects (word, HowNet POS,
structured :class:`~hownet_sim.defs.Concept`), owns the sememe tree its DEFs refer to, and knows the
antonym/converse relations between sememes. Similarity, antonymy and WSD only use this protocol, so
the HowNet 2000 glossary (the data Liu & Li used) and OpenHowNet are interchangeable.

Loading ``glossary.dat`` is the slow part (66k lines); the parsed index is cached as JSON under
``simcalc.resources.cache_dir()/hownet/``, keyed by the sha256 of the data files, so later loads
read one file and never re-parse. JSON, not pickle: a cache file is data, never code.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, runtime_checkable

from simcalc.resources import cache_dir, find_resource

from .defs import Concept, parse_def
from .errors import LexiconFormatError, ResourceNotFoundError
from .tree import SememeTree

log = logging.getLogger(__name__)

INDEX_VERSION = 1


@dataclass(frozen=True)
class Sense:
    """One concept of a word. ``def_id`` indexes the lexicon's distinct DEFs (used for memoising)."""

    word: str
    pos: str
    concept: Concept
    def_id: int

    def to_dict(self) -> dict:
        return {"word": self.word, "pos": self.pos, "def": self.concept.raw}


@runtime_checkable
class Lexicon(Protocol):
    """What similarity, antonymy and WSD need from a lexicon."""

    name: str
    tree: SememeTree

    def senses(self, word: str, pos: str | None = None) -> list[Sense]: ...

    def __contains__(self, word: object) -> bool: ...

    def words(self) -> Iterable[str]: ...

    def sememe_relations(self) -> dict[tuple[str, str], str]:
        """``{(sememe1, sememe2): "antonym"|"converse"}``, both orders present."""
        ...


class _IndexedLexicon:
    """Shared storage: distinct concepts plus ``word -> [(pos, def_id)]``."""

    name = "lexicon"

    def __init__(self, tree: SememeTree, concepts: "list[Concept] | LazyConcepts", entries: dict[str, list],
                 relations: dict[tuple[str, str], str] | None = None) -> None:
        self.tree = tree
        self.concepts = concepts
        self.entries = entries
        self._relations = relations or {}
        self._case_index: dict[str, str] | None = None
        self.problems: list[tuple[int, str]] = []

    def key(self, word: str) -> str | None:
        """The lexicon's spelling of ``word``: as given, else in another case (HowNet keys are
        case-sensitive, e.g. ``GDP``, ``BP机``, while scorer text is lower-cased); None if absent."""
        if word in self.entries:
            return word
        lower = word.lower()
        if lower in self.entries:
            return lower
        index = getattr(self, "_case_index", None)
        if index is None:
            index = {}
            for w in sorted(self.entries):  # sorted: the same spelling wins on every machine
                if w != w.lower():
                    index.setdefault(w.lower(), w)
            self._case_index = index
        return index.get(lower)

    def senses(self, word: str, pos: str | None = None) -> list[Sense]:
        key = self.key(word) if isinstance(word, str) else None
        if key is None:
            return []
        out = [Sense(key, p, self.concepts[i], i) for p, i in self.entries[key]]
        if pos is not None:
            out = [s for s in out if s.pos == pos]
        return out

    def def_ids(self, word: str) -> list[int]:
        """Distinct DEF ids of a word (what context-free word similarity maximises over)."""
        key = self.key(word)
        return list(dict.fromkeys(i for _, i in self.entries[key])) if key is not None else []

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.key(word) is not None

    def __len__(self) -> int:
        return len(self.entries)

    def words(self) -> Iterable[str]:
        return self.entries.keys()

    def sememe_relations(self) -> dict[tuple[str, str], str]:
        return self._relations


def read_glossary(path: str | Path) -> tuple[list[Concept], dict[str, list[tuple[str, int]]], list[tuple[int, str]]]:
    """Parse ``glossary.dat`` (``WORD<TAB>POS<TAB>DEF``, fields space-padded) into an index.

    Malformed lines are returned as ``(line number, reason)`` and skipped.
    """
    concepts: list[Concept] = []
    def_index: dict[str, int] = {}
    entries: dict[str, list[tuple[str, int]]] = {}
    problems: list[tuple[int, str]] = []
    with open(path, encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\n\r")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                problems.append((lineno, f"expected 3 TAB-separated fields, got {len(fields)}"))
                continue
            word, pos, raw = (f.strip() for f in fields)
            if not word or not pos:
                problems.append((lineno, "empty word or POS"))
                continue
            did = def_index.get(raw)
            if did is None:
                try:
                    concept = parse_def(raw)
                except ValueError as exc:
                    problems.append((lineno, str(exc)))
                    continue
                did = def_index[raw] = len(concepts)
                concepts.append(concept)
            entries.setdefault(word, []).append((pos, did))
    return concepts, entries, problems


def read_sememe_relations(path: str | Path) -> dict[tuple[str, str], str]:
    """``antonym_converse_whole2000.tsv``: ``relation<TAB>sememe1<TAB>sememe2[...]``, ``#`` comments."""
    relations: dict[tuple[str, str], str] = {}
    problems: list[tuple[int, str]] = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3 or fields[0] not in ("antonym", "converse"):
                problems.append((lineno, "expected 'antonym|converse<TAB>sememe1<TAB>sememe2'"))
                continue
            relations[(fields[1], fields[2])] = relations[(fields[2], fields[1])] = fields[0]
    if problems:
        raise LexiconFormatError(path, problems)
    return relations


def file_digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256(f"v{INDEX_VERSION}".encode())
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def _concept_to_json(c: Concept) -> list:
    return [c.first, list(c.others), [list(r) for r in c.relations], [list(s) for s in c.symbols],
            int(c.function_word), c.raw]


def _concept_from_json(row: list) -> Concept:
    first, others, relations, symbols, fw, raw = row
    return Concept(first, tuple(others), tuple(tuple(r) for r in relations),
                   tuple(tuple(s) for s in symbols), bool(fw), raw)


class LazyConcepts:
    """Concepts built from their JSON rows on first use: a warm load must stay well under 1 s."""

    def __init__(self, rows: list) -> None:
        self._rows = rows
        self._built: list[Concept | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: int) -> Concept:
        c = self._built[i]
        if c is None:
            c = self._built[i] = _concept_from_json(self._rows[i])
        return c

    def __iter__(self):
        return (self[i] for i in range(len(self)))


class GlossaryLexicon(_IndexedLexicon):
    """HowNet 2000: ``glossary.dat`` + ``whole.dat`` (+ optional antonym/converse sememe pairs)."""

    name = "hownet2000"

    @classmethod
    def load(cls, data_dir: str | Path | None = None, *, glossary: str | Path | None = None,
             whole: str | Path | None = None, relations: str | Path | None = None,
             use_cache: bool = True, strict: bool = False) -> "GlossaryLexicon":
        """Load from ``<data_dir>/hownet/`` (default: ``$SIMCALC_DATA_DIR``) or explicit file paths.

        ``strict=True`` raises :class:`LexiconFormatError` on any malformed glossary line; otherwise
        they are skipped, logged with their line numbers and kept in ``lexicon.problems``.
        """
        gpath = _locate("glossary.dat", glossary, data_dir)
        wpath = _locate("whole.dat", whole, data_dir)
        try:
            rpath = _locate("antonym_converse_whole2000.tsv", relations, data_dir)
        except ResourceNotFoundError:
            if relations is not None:
                raise
            rpath = None  # optional: antonymy then rests on the other rules
        tree = SememeTree.from_whole_dat(wpath)
        rel = read_sememe_relations(rpath) if rpath else {}
        digest = file_digest([gpath, wpath])
        cache_file = cache_dir() / "hownet" / f"glossary-{digest}.json"
        if use_cache and not strict and cache_file.exists():
            try:
                with open(cache_file, encoding="utf-8") as handle:
                    data = json.load(handle)
                concepts = LazyConcepts(data["concepts"])
                lex = cls(tree, concepts, data["entries"], rel)  # entries stay [pos, id] lists
                lex.problems = [tuple(p) for p in data.get("problems", [])]
                lex.cache_file = cache_file
                return lex
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring unreadable HowNet index cache %s (%s); rebuilding", cache_file, exc)
        concepts, entries, problems = read_glossary(gpath)
        if problems:
            if strict:
                raise LexiconFormatError(gpath, problems)
            log.warning("%s", LexiconFormatError(gpath, problems))
        lex = cls(tree, concepts, entries, rel)
        lex.problems = problems
        lex.cache_file = None
        if use_cache:
            lex.cache_file = _write_json(cache_file, {
                "version": INDEX_VERSION, "concepts": [_concept_to_json(c) for c in concepts],
                "entries": entries, "problems": problems})
        return lex


def _locate(name: str, explicit: str | Path | None, data_dir: str | Path | None) -> Path:
    """``explicit`` if given, else ``<data_dir>/hownet/<name>``, else the simcalc resource search."""
    if explicit is None and data_dir is not None:
        explicit = Path(data_dir) / "hownet" / name
    return find_resource(f"hownet/{name}", explicit, what=f"HowNet {name}")


def _write_json(path: Path, data: dict) -> Path | None:
    """Atomic write (temp file + rename) so a concurrent reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
        return path
    except OSError as exc:
        log.warning("could not write HowNet index cache %s: %s", path, exc)
        return None
