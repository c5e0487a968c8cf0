"""The flat word → sememe list (OpenHowNet-era vocabulary): the OOV chain's third step.

``word_sememes_flat.tsv`` merges all senses of a word into one set of Chinese sememe names, without
structure or POS. It covers 126k words against the glossary's 53k, so it rescues words the glossary
lacks. Its names are mapped onto the HowNet 2000 tree by their Chinese part when that part names
exactly one tree sememe; other names stay atoms (equal or not). Two words are compared with Liu &
Li's set alignment (:meth:`ConceptSimilarity.set_alignment`).
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Mapping

from .errors import LexiconFormatError
from .tree import SememeTree


def tree_mapping(tree: SememeTree | None) -> dict[str, str]:
    """Chinese sememe name -> the one tree name (``en|zh``) with that Chinese part, where unique."""
    by_zh: dict[str, list[str]] = defaultdict(list)
    if tree is not None:
        for name in tree.ids_by_name:
            by_zh[name.split("|")[-1]].append(name)
    return {zh: names[0] for zh, names in by_zh.items() if len(names) == 1}


def read_flat(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``word<TAB>sememe sememe ...`` lines (no header; a word may start with ``#``), names as given."""
    out: dict[str, tuple[str, ...]] = {}
    problems: list[tuple[int, str]] = []
    with open(path, encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\n\r")
            if not line:
                continue
            word, tab, rest = line.partition("\t")
            if not tab or not word or not rest.split():
                problems.append((lineno, "expected 'word<TAB>sememe sememe ...'"))
                continue
            out[word] = tuple(dict.fromkeys(rest.split()))
    if problems:
        raise LexiconFormatError(path, problems)
    return out


class FlatSememes:
    """``word -> tuple of sememe names`` mapped onto a tree where possible."""

    def __init__(self, sememes_by_word: Mapping[str, tuple[str, ...]]) -> None:
        self.sememes = sememes_by_word

    @classmethod
    def from_file(cls, path: str | Path, tree: SememeTree | None = None) -> "FlatSememes":
        """Read the flat list and map its names onto ``tree``."""
        mapping = tree_mapping(tree)
        return cls({word: tuple(dict.fromkeys(mapping.get(s, s) for s in names))
                    for word, names in read_flat(path).items()})

    def __contains__(self, word: object) -> bool:
        return word in self.sememes

    def get(self, word: str) -> tuple[str, ...] | None:
        return self.sememes.get(word)
