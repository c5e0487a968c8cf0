"""The rule engine's lexical resources as indexes: what each one's builder writes and its loader reads.

Every builder parses the source files with the same reader the text route always used
(:func:`~hownet_sim.glossary.read_glossary`, :meth:`Cilin.from_file`, ...), so an index holds exactly
what those readers return; the loaders rebuild the same objects lazily (a row is decoded when a
word is looked up). Resources (sources relative to a data folder):

``hownet2000``    hownet/glossary.dat, hownet/whole.dat [+ hownet/antonym_converse_whole2000.tsv]
``cilin``         cilin/cilin_ex.txt
``flat``          hownet/word_sememes_flat.tsv
``antonym_pairs`` cilin/antonym_pairs_yaleimeng.txt
``sentiment``     hownet/sentiment/zh_{positive,negative}_{evaluation,emotion}.txt (any of them)
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from .index import (CILIN, FLAT, GLOSSARY, RELATIONS, SENTIMENT_NEGATIVE, SENTIMENT_POSITIVE, WHOLE, WORD_PAIRS,
                    IndexFile, IndexWriter, ragged, read_ragged)


def _sources(paths: dict[str, Path | None]) -> dict[str, str | None]:
    """Provenance kept in the index: sha256 of each source (relative names only, no machine paths)."""
    out: dict[str, str | None] = {}
    for rel, path in sorted(paths.items()):
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
    return out


def _need(paths: "dict[str, Path | None]", key: str) -> Path:
    """The source file ``key``; the builders are only called when their files were found."""
    path = paths.get(key)
    if path is None:
        raise KeyError(f"no source file for {key}")
    return path


# -- HowNet 2000: glossary, sememe tree, antonym/converse sememe pairs ----------------------------------
def build_hownet(paths: dict[str, Path | None]) -> IndexWriter:
    from .glossary import read_glossary, read_sememe_relations
    from .tree import SememeTree

    concepts, entries, problems = read_glossary(_need(paths, GLOSSARY))
    tree = SememeTree.from_whole_dat(_need(paths, WHOLE))
    relations = read_sememe_relations(_need(paths, RELATIONS)) if paths.get(RELATIONS) else {}
    pos_names = sorted({p for rows in entries.values() for p, _ in rows})
    pos_id = {p: i for i, p in enumerate(pos_names)}
    n_pos = len(pos_names)
    w = IndexWriter("hownet2000", {"sources": _sources(paths), "problems": [list(p) for p in problems],
                                   "words": len(entries), "concepts": len(concepts)})
    w.strings("tree.names", tree.names)
    w.smallest_ints("tree.parents", tree.parents)
    pairs = sorted(relations.items())
    w.strings("relations.a", [a for (a, _), _ in pairs])
    w.strings("relations.b", [b for (_, b), _ in pairs])
    w.strings("relations.kind", [kind for _, kind in pairs])
    w.strings("defs", [c.raw for c in concepts])
    w.strings("pos", pos_names)
    # one integer per (POS, DEF) entry of a word: def_id * n_pos + pos_id
    ragged(w, "entries", {word: [d * n_pos + pos_id[p] for p, d in rows] for word, rows in entries.items()})
    return w


class LazyConcepts:
    """Concepts parsed from their DEF strings on first use (a load must not parse 17k DEFs)."""

    def __init__(self, raw: list[str]) -> None:
        self._raw = raw
        self._built: list = [None] * len(raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, i: int):
        c = self._built[i]
        if c is None:
            from .defs import parse_def

            c = self._built[i] = parse_def(self._raw[i])
        return c

    def __iter__(self) -> Iterator:
        return (self[i] for i in range(len(self)))


def read_hownet(index: IndexFile):
    """(tree, concepts, entries, relations, problems) of a ``hownet2000`` index."""
    from .tree import SememeTree

    tree = SememeTree(index.strings("tree.names"), list(index.ints("tree.parents")))
    relations = dict(zip(zip(index.strings("relations.a"), index.strings("relations.b")),
                         index.strings("relations.kind")))
    pos = index.strings("pos")
    n_pos = len(pos)

    def decode(codes: Sequence[int]) -> list[tuple[str, int]]:
        return [(pos[c % n_pos], c // n_pos) for c in codes]

    entries = read_ragged(index, "entries", decode)
    problems = [tuple(p) for p in index.meta.get("problems", [])]
    return tree, LazyConcepts(index.strings("defs")), entries, relations, problems


def _word_string_lists(w: IndexWriter, table: str, by_word: Mapping[str, Sequence[str]]) -> None:
    """Each word's list of strings as ids into one sorted string table ``table`` (ragged ``words``)."""
    names = sorted({s for strings in by_word.values() for s in strings})
    ids = {s: i for i, s in enumerate(names)}
    w.strings(table, names)
    ragged(w, "words", {word: [ids[s] for s in strings] for word, strings in by_word.items()})


# -- Cilin -------------------------------------------------------------------------------------------
def build_cilin(paths: dict[str, Path | None]) -> IndexWriter:
    from .cilin import Cilin

    codes_by_word = Cilin.from_file(_need(paths, CILIN)).codes
    w = IndexWriter("cilin", {"sources": _sources(paths), "words": len(codes_by_word)})
    _word_string_lists(w, "codes", codes_by_word)
    return w


def read_cilin(index: IndexFile):
    from .cilin import Cilin

    codes = index.strings("codes")
    return Cilin(read_ragged(index, "words", lambda ids: [codes[i] for i in ids]), all_codes=codes)


# -- the flat word -> sememe list --------------------------------------------------------------------
def build_flat(paths: dict[str, Path | None]) -> IndexWriter:
    from .flat import read_flat

    by_word = read_flat(_need(paths, FLAT))
    w = IndexWriter("flat", {"sources": _sources(paths), "words": len(by_word)})
    _word_string_lists(w, "names", by_word)
    return w


def read_flat_index(index: IndexFile, tree=None):
    from .flat import FlatSememes, tree_mapping

    mapping = tree_mapping(tree)
    names = [mapping.get(s, s) for s in index.strings("names")]
    return FlatSememes(read_ragged(index, "words", lambda ids: tuple(dict.fromkeys(names[i] for i in ids))))


# -- word lists: antonym pairs, sentiment -----------------------------------------------------------
def build_word_pairs(paths: dict[str, Path | None]) -> IndexWriter:
    from .antonym import read_word_pairs

    pairs = sorted((a, b) for a, b in read_word_pairs(_need(paths, WORD_PAIRS)) if a < b)  # the set holds both orders
    w = IndexWriter("antonym_pairs", {"sources": _sources(paths), "pairs": len(pairs)})
    w.strings("a", [a for a, _ in pairs])
    w.strings("b", [b for _, b in pairs])
    return w


class LazyPairs:
    """The set of word pairs (both orders, as :func:`read_word_pairs` gives it), read on the first
    membership test: most comparisons never need it. A test is a binary search in the index's sorted
    ``a < b`` columns (building the two-way set took ~10 ms more at every start); iterating builds the set."""

    def __init__(self, index: IndexFile) -> None:
        self._index = index
        self._count = 2 * index.count("a")
        self._pairs: set[tuple[str, str]] | None = None
        self._columns: tuple[list[str], list[str]] | None = None

    def _load(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            a, b = self._sorted()
            self._pairs = set(zip(a, b)) | set(zip(b, a))
        return self._pairs

    def _sorted(self) -> tuple[list[str], list[str]]:
        if self._columns is None:
            a, b = self._index.strings("a"), self._index.strings("b")
            if not all(x < y for x, y in zip(a, b)) or a != sorted(a):  # build_word_pairs writes them so
                pairs = sorted({(min(x, y), max(x, y)) for x, y in zip(a, b) if x != y})
                a, b = [x for x, _ in pairs], [y for _, y in pairs]
            self._columns = (a, b)
        return self._columns

    def __contains__(self, pair: object) -> bool:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str)):
            return pair in self._load()
        x, y = pair if pair[0] < pair[1] else (pair[1], pair[0])
        a, b = self._sorted()
        i = bisect_left(a, x)
        while i < len(a) and a[i] == x:
            if b[i] == y:
                return True
            i += 1
        return False

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        return iter(self._load())


def build_sentiment(paths: dict[str, Path | None]) -> IndexWriter:
    from .antonym import read_sentiment

    positive = read_sentiment([_need(paths, p) for p in SENTIMENT_POSITIVE if paths.get(p)])
    negative = read_sentiment([_need(paths, p) for p in SENTIMENT_NEGATIVE if paths.get(p)])
    w = IndexWriter("sentiment", {"sources": _sources(paths)})
    w.strings("positive", sorted(positive))
    w.strings("negative", sorted(negative))
    return w


def read_sentiment_index(index: IndexFile) -> tuple[set[str], set[str]]:
    return set(index.strings("positive")), set(index.strings("negative"))
