"""Antonymy and converseness between concepts and words (Li & Li 2015, §2.2.2).

Li & Li extend HowNet word similarity from [0, 1] to [-1, 1]: when two words are antonymous or
converse, their similarity becomes ``-Sim``, ``Sim`` being the ordinary similarity of the concepts
involved, so the magnitude still says how close the two concepts are otherwise.

Rules, tried in this order on a pair of concepts (the first that fires is reported):

1. ``sememe_pair``: a basic sememe of one and a basic sememe of the other (or two values of the
   same relation role) are an antonym/converse pair (HowNet 2000 pairs from ``antonym_converse_whole2000.tsv``, or OpenHowNet's taxonomy triples);
   ``sememe_word``: a basic sememe of one is opposed to a sememe whose Chinese name is a word with
   exactly the other's definition (反对 ``oppose|反对`` is the converse of ``appreciate|赞成``, and the
   word 赞成 has the one definition ``agree|同意`` of 同意: 同意/反对). HowNet names its sememes with
   words, so an opposition between sememes carries over to the words that lexicalise them; the rule
   needs a word lookup (:attr:`AntonymRules.lookup`, set by the engine);
2. ``hypernym_pair``: their first basic sememes have hypernyms (up to ``hypernym_levels`` up) that are
   such a pair (Li & Li's agree/disagree example: AttitudeByGood vs AttitudeByBad);
3. ``sibling_values``: both definitions name the same attribute (e.g. ``height|高度``) and give two
   different values of it that are its only children in the tree (a two-valued scale such as
   ``tall|高``/``low|矮`` or ``good|好``/``bad|坏``); colours and other many-valued scales are not opposites;
   the attribute must not be the category itself (``qValue|数量值`` has two children, ``amount|多少`` and
   ``rate|比率``, which are attributes, not values: 九折/多 are not opposites);
4. ``sentiment``: same first basic sememe and same attribute, and opposite polarity, from HowNet's
   sentiment word lists or the ``desired|良``/``undesired|莠`` markers in the definitions.

A word-level antonym list (``cilin/antonym_pairs_yaleimeng.txt``) is the backup when no concept rule
fires (``word_list``); it is noisy (contrast pairs such as 红/绿 or 学生/老师, even synonyms such as
会见/会晤), which is why it comes last and is ignored for words HowNet or Cilin call synonymous.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .defs import Concept
from .limits import MEMO_LIMIT
from .tree import SememeTree

POSITIVE_MARK, NEGATIVE_MARK = "desired|良", "undesired|莠"


@dataclass(frozen=True)
class AntonymEvidence:
    """Why two concepts (or words) count as opposites."""

    rule: str
    relation: str  # antonym | converse
    sememes: tuple[str, str] | None = None
    via: str | None = None

    def to_dict(self) -> dict:
        out = {"rule": self.rule, "relation": self.relation}
        if self.sememes:
            out["sememes"] = list(self.sememes)
        if self.via:
            out["via"] = self.via
        return out


def read_word_pairs(path: str | Path) -> set[tuple[str, str]]:
    """Word antonym pairs in either format: ``A@B`` lines or ``A:B1;B2`` lines. Both orders kept."""
    pairs: set[tuple[str, str]] = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "@" in line:
                a, _, b = line.partition("@")
                others = [b]
            elif ":" in line:
                a, _, rest = line.partition(":")
                others = rest.split(";")
            else:
                continue
            for b in others:
                a, b = a.strip(), b.strip()
                if a and b and a != b:
                    pairs.add((a, b))
                    pairs.add((b, a))
    return pairs


def read_sentiment(paths: Iterable[Path]) -> set[str]:
    """Words of HowNet sentiment lists (line 1 a header with its count, line 2 blank)."""
    words: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, 1):
                word = line.strip()
                if lineno > 2 and word:
                    words.add(word)
    return words


class AntonymRules:
    """Decides whether two concepts or words are opposites (see the module docstring)."""

    def __init__(self, tree: SememeTree, sememe_relations: dict[tuple[str, str], str],
                 word_pairs: set[tuple[str, str]] | None = None, positive: set[str] | None = None,
                 negative: set[str] | None = None, hypernym_levels: int = 1, max_scale_values: int = 2) -> None:
        self.tree = tree
        self.relations = sememe_relations
        self.word_pairs = word_pairs or set()
        self.positive = positive or set()
        self.negative = negative or set()
        self.hypernym_levels = hypernym_levels
        self.max_scale_values = max_scale_values
        self._memo: dict[tuple[str, str], object] = {}
        self._related = {x for x, _ in sememe_relations}
        self._capable: dict[str, bool] = {}
        self._opposed: dict[str, list[tuple[str, str]]] = {}
        for (x, y), rel in sorted(sememe_relations.items()):
            self._opposed.setdefault(x, []).append((y, rel))
        #: word -> its concepts (for ``sememe_word``); None switches that rule off
        self.lookup: Callable[[str], Sequence[Concept]] | None = None

    def listed(self, w1: str, w2: str) -> bool:
        """Whether the word-level antonym list pairs the two words."""
        return (w1, w2) in self.word_pairs

    def _basic(self, c: Concept) -> list[str]:
        return ([c.first] if c.first else []) + [o for o in c.others if o not in (POSITIVE_MARK, NEGATIVE_MARK)]

    def concepts(self, c1: Concept, c2: Concept, w1: str = "", w2: str = "") -> AntonymEvidence | None:
        """Evidence that two concepts (senses of ``w1`` and ``w2``) are opposites, else None."""
        key = (c1.raw, c2.raw)
        found = self._memo.get(key, False)
        if found is False:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = self.from_defs(c1, c2)
        return self.resolve(found, w1, w2)

    def resolve(self, found: "AntonymEvidence | str | None", w1: str, w2: str) -> AntonymEvidence | None:
        """Turn a :meth:`from_defs` result into evidence, using the words' sentiment if needed."""
        if found is None or isinstance(found, AntonymEvidence):
            return found
        if self.positive or self.negative:
            p1, p2 = self._word_polarity(w1), self._word_polarity(w2)
            if p1 and p2 and p1 != p2:
                return AntonymEvidence("sentiment", "antonym", None,
                                       via=f"{w1}: {p1}, {w2}: {p2} (HowNet sentiment lists)")
        return None

    def _can_relate(self, c: Concept) -> bool:
        """Whether any sememe rules 1-2 look at is in a relation pair at all (a cheap pre-check)."""
        found = self._capable.get(c.raw)
        if found is None:
            names = self._basic(c) + [v for _, v in c.relations]
            if c.first:
                names += self.tree.ancestors(c.first)[: self.hypernym_levels]
            found = self._capable[c.raw] = any(n in self._related for n in names)
        return found

    def from_defs(self, c1: Concept, c2: Concept) -> "AntonymEvidence | str | None":
        """Rules 1-4 from the definitions alone (no memo). Returns evidence, None, or "eligible"
        when only the words' sentiment polarity could still decide (pass it to :meth:`resolve`)."""
        if c1.function_word or c2.function_word or c1.raw == c2.raw:
            return None
        if c1.first != c2.first and not (self._can_relate(c1) and self._can_relate(c2)):
            return None  # rules 3-4 need the same first sememe; rules 1-2 need related sememes
        return self._from_defs(c1, c2)

    def _from_defs(self, c1: Concept, c2: Concept) -> "AntonymEvidence | str | None":
        """Rules 1-4 using the definitions only; "eligible" when only word polarity could decide."""
        b1, b2 = self._basic(c1), self._basic(c2)
        shared = set(b1) & set(b2)
        for x in b1:
            for y in b2:
                rel = self.relations.get((x, y))
                if rel and x not in shared and y not in shared:
                    return AntonymEvidence("sememe_pair", rel, (x, y))
        found = self._sememe_word(c1, c2, b1, b2)
        if found is not None:
            return found
        for role, x in c1.relations:  # values of the same role (KDML puts most content there)
            for role2, y in c2.relations:
                rel = self.relations.get((x, y)) if role == role2 else None
                if rel:
                    return AntonymEvidence("sememe_pair", rel, (x, y), via=f"role {role}")
        if c1.first and c2.first and c1.first != c2.first and self.hypernym_levels > 0:
            up1 = [c1.first] + self.tree.ancestors(c1.first)[: self.hypernym_levels]
            up2 = [c2.first] + self.tree.ancestors(c2.first)[: self.hypernym_levels]
            for x in up1:
                for y in up2:
                    rel = self.relations.get((x, y))
                    if rel:
                        return AntonymEvidence("hypernym_pair", rel, (x, y),
                                               via=f"{c1.first} under {x}, {c2.first} under {y}")
        if c1.first != c2.first:
            return None
        only1 = [x for x in b1 if x not in shared]
        only2 = [y for y in b2 if y not in shared]
        for x in only1:
            for y in only2:
                parent = self.tree.siblings(x, y)
                if (parent and parent in shared and parent != c1.first
                        and self.tree.n_children(parent) <= self.max_scale_values):
                    return AntonymEvidence("sibling_values", "antonym", (x, y), via=parent)
        if not (shared - {c1.first}) or not only1 or not only2:
            return None  # polarity alone is not enough: the attribute must be shared, the values differ
        p1, p2 = self._def_polarity(c1), self._def_polarity(c2)
        if p1 and p2 and p1 != p2:
            return AntonymEvidence("sentiment", "antonym", (only1[0], only2[0]),
                                   via=f"{c1.raw}: {p1}, {c2.raw}: {p2} (desired/undesired markers)")
        return "eligible" if not (p1 and p2) else None

    def _sememe_word(self, c1: Concept, c2: Concept, b1: list[str], b2: list[str]) -> AntonymEvidence | None:
        """Rule ``sememe_word`` (see the module docstring), in both directions."""
        if self.lookup is None:
            return None
        for mine, other, flip in ((b2, c1, False), (b1, c2, True)):
            for x in mine:
                for y, rel in self._opposed.get(x, ()):
                    name = y.partition("|")[2]
                    named = self.lookup(name) if name else ()
                    # the name must be unambiguous: 大 names big|大 but also has clan|辈分
                    if len({c.raw for c in named}) == 1 and named[0].raw == other.raw:
                        pair = (x, y) if flip else (y, x)
                        return AntonymEvidence("sememe_word", rel, pair, via=f"{name} is {other.raw}")
        return None

    @staticmethod
    def _def_polarity(c: Concept) -> str | None:
        if NEGATIVE_MARK in c.others:
            return "negative"
        if POSITIVE_MARK in c.others:
            return "positive"
        return None

    def _word_polarity(self, word: str) -> str | None:
        if word in self.positive and word not in self.negative:
            return "positive"
        if word in self.negative and word not in self.positive:
            return "negative"
        return None

    def words(self, w1: str, w2: str) -> AntonymEvidence | None:
        """The word-level backup list."""
        if (w1, w2) in self.word_pairs:
            return AntonymEvidence("word_list", "antonym", via=f"{w1}@{w2}")
        return None
