"""Lexicons behind one protocol, and the HowNet 2000 glossary lexicon.

Every lexicon answers ``senses(word, pos=None)`` with :class:`Sense` objects (word, HowNet POS,
structured :class:`~hownet_sim.defs.Concept`), owns the sememe tree its DEFs refer to, and knows the
antonym/converse relations between sememes. Similarity, antonymy and WSD only use this protocol, so
the HowNet 2000 glossary (the data Liu & Li used) and OpenHowNet are interchangeable.

Parsing ``glossary.dat`` is the slow part (66k lines), so the lexicon is read from a compiled index
(:mod:`~hownet_sim.index`): the one shipped with the package, or one compiled from the source files
of a data folder on first use and cached.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence, runtime_checkable

from simcalc.resources import find_resource

from .defs import Concept
from .errors import LexiconFormatError, ResourceNotFoundError
from .glossary import read_glossary, read_sememe_relations  # noqa: F401  (their home before)
from .tree import SememeTree

log = logging.getLogger(__name__)


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

    def __init__(self, tree: SememeTree, concepts: Sequence[Concept], entries: Mapping[str, list],
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


class GlossaryLexicon(_IndexedLexicon):
    """HowNet 2000: ``glossary.dat`` + ``whole.dat`` (+ optional antonym/converse sememe pairs)."""

    name = "hownet2000"

    @classmethod
    def load(cls, data_dir: str | Path | None = None, *, glossary: str | Path | None = None,
             whole: str | Path | None = None, relations: str | Path | None = None,
             use_cache: bool = True, strict: bool = False) -> "GlossaryLexicon":
        """Load from explicit files, ``<data_dir>/hownet/``, ``$SIMCALC_DATA_DIR/hownet/`` or, when none
        of these is given or set, the index shipped with the package (:mod:`~hownet_sim.index`).

        Source files are compiled once into an index under the cache folder (``use_cache=False``:
        in memory only). ``strict=True`` raises :class:`LexiconFormatError` on any malformed
        glossary line; otherwise they are skipped, logged with their line numbers and kept in
        ``lexicon.problems``.
        """
        from .index import compiled, open_resource
        from .index import GLOSSARY, RELATIONS, WHOLE
        from .lexicon_index import read_hownet

        if glossary is not None or whole is not None or relations is not None:
            paths: dict[str, Path | None] = {GLOSSARY: _locate("glossary.dat", glossary, data_dir),
                                             WHOLE: _locate("whole.dat", whole, data_dir)}
            try:
                paths[RELATIONS] = _locate("antonym_converse_whole2000.tsv", relations, data_dir)
            except ResourceNotFoundError:
                if relations is not None:
                    raise
                paths[RELATIONS] = None  # optional: antonymy then rests on the other rules
            index = compiled("hownet2000", paths, use_cache=use_cache)
        else:
            index = open_resource("hownet2000", data_dir, use_cache=use_cache)
            if index is None:
                folder = Path(data_dir) / "hownet"
                missing = [n for n in ("glossary.dat", "whole.dat") if not (folder / n).exists()]
                raise ResourceNotFoundError(
                    f"HowNet {' and '.join(missing)} not found in {folder}; pass the folder that holds "
                    f"hownet/glossary.dat and hownet/whole.dat, or none to use SIMCALC_DATA_DIR or the packaged lexicon")
        tree, concepts, entries, rel, problems = read_hownet(index)
        if problems:
            if strict:
                raise LexiconFormatError(index.origin, problems)
            log.warning("%s", LexiconFormatError(index.origin, problems))
        lex = cls(tree, concepts, entries, rel)
        lex.problems = problems
        lex.source = index.origin
        lex.cache_file = index.cache_file
        return lex


def _locate(name: str, explicit: str | Path | None, data_dir: str | Path | None) -> Path:
    """``explicit`` if given, else ``<data_dir>/hownet/<name>``, else the simcalc resource search."""
    if explicit is None and data_dir is not None:
        explicit = Path(data_dir) / "hownet" / name
    return find_resource(f"hownet/{name}", explicit, what=f"HowNet {name}")
