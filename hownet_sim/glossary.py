"""Readers of HowNet 2000's text files: ``glossary.dat`` and the antonym/converse sememe pairs.

Their own module because two layers use them: the index builder (:mod:`.lexicon_index`) compiles what they
return, and the lexicon (:mod:`.lexicon`) loads the compiled index; neither needs to import the other.
"""
from __future__ import annotations

from pathlib import Path

from .defs import Concept, parse_def
from .errors import LexiconFormatError

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
