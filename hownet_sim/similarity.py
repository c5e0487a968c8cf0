"""Liu & Li (2002) concept similarity on a sememe tree.

Reading implemented (刘群, 李素建 2002, 基于《知网》的词汇语义相似度计算):

* sememe similarity ``α / (d + α)``, ``d`` the path length in the hypernym tree, ``α = 1.6``;
  a concrete word against a sememe is ``γ = 0.2``; two concrete words are 1 if equal else 0;
  anything against an empty value is ``δ = 0.2``;
* two sememes with no path (different trees, or a name missing from the tree that is not equal):
  ``d = unrelated_distance`` (20, as in the widely used C++ implementation of the paper) —
  set it to ``None`` for 0;
* concept similarity ``Σ_{i=1..4} β_i Π_{j≤i} Sim_j`` with ``β = (0.5, 0.2, 0.17, 0.13)``;
  Sim_1 first basic sememe, Sim_2 other basic sememes, Sim_3 relation sememes grouped by role,
  Sim_4 relation-symbol sememes grouped by symbol;
* a set against a set: greedy alignment (take the most similar pair, remove it, repeat), unpaired
  elements score δ, the mean over the larger set; two empty sets score 1;
* role/symbol groups: each role (symbol) present on both sides is a set comparison, on one side δ;
  the mean over the union of roles (symbols);
* function word against notional word: 0; two function words: the set similarity of their
  sememes (Liu & Li compare their syntax/relation sememes directly).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .defs import Concept, is_concrete
from .limits import MEMO_LIMIT
from .tree import SememeTree


@dataclass(frozen=True)
class LiuLiParams:
    """Parameters of Liu & Li 2002; defaults are the paper's."""

    alpha: float = 1.6
    beta: tuple[float, float, float, float] = (0.5, 0.2, 0.17, 0.13)
    gamma: float = 0.2
    delta: float = 0.2
    unrelated_distance: int | None = 20

    def __post_init__(self) -> None:
        if self.alpha <= 0:
            raise ValueError("alpha must be positive")
        if len(self.beta) != 4 or abs(sum(self.beta) - 1.0) > 1e-6:
            raise ValueError("beta must be four weights summing to 1")


@dataclass
class ConceptSimilarity:
    """Sememe, set and concept similarities over one tree, with memoised sememe pairs."""

    tree: SememeTree
    params: LiuLiParams = field(default_factory=LiuLiParams)

    def __post_init__(self) -> None:
        self._memo: dict[tuple[str, str], float] = {}

    def sememe(self, x: str | None, y: str | None) -> float:
        """Similarity of two sememes (or concrete words, or empty values)."""
        if x == y:
            return 1.0
        if not x or not y:
            return self.params.delta
        key = (x, y)
        value = self._memo.get(key)
        if value is not None:
            return value
        cx, cy = is_concrete(x), is_concrete(y)
        if cx and cy:
            value = 0.0
        elif cx or cy:
            value = self.params.gamma
        else:
            d = self.tree.distance(x, y)
            if d is None:
                d = self.params.unrelated_distance
            value = 0.0 if d is None else self.params.alpha / (d + self.params.alpha)
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = self._memo[(y, x)] = value
        return value

    def set_alignment(self, a: Sequence[str], b: Sequence[str]) -> tuple[float, list[tuple[str | None, str | None, float]]]:
        """Greedy one-to-one alignment; returns the mean score and the aligned pairs."""
        if not a and not b:
            return 1.0, []
        if not a or not b:
            rest = a or b
            return self.params.delta, [(x, None, self.params.delta) if a else (None, x, self.params.delta) for x in rest]
        if len(a) == 1 and len(b) == 1:
            s = self.sememe(a[0], b[0])
            return s, [(a[0], b[0], s)]
        scores = sorted(((self.sememe(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
                        reverse=True)
        used_a: set[int] = set()
        used_b: set[int] = set()
        pairs: list[tuple[str | None, str | None, float]] = []
        for s, i, j in scores:
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            pairs.append((a[i], b[j], s))
            if len(used_a) == len(a) or len(used_b) == len(b):
                break
        pairs += [(x, None, self.params.delta) for i, x in enumerate(a) if i not in used_a]
        pairs += [(None, y, self.params.delta) for j, y in enumerate(b) if j not in used_b]
        return sum(p[2] for p in pairs) / max(len(a), len(b)), pairs

    def grouped(self, a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]]) -> float:
        """Relation (or symbol) parts: compare values under the same key, δ for a one-sided key."""
        if not a and not b:
            return 1.0
        ga: dict[str, list[str]] = {}
        gb: dict[str, list[str]] = {}
        for k, v in a:
            ga.setdefault(k, []).append(v)
        for k, v in b:
            gb.setdefault(k, []).append(v)
        keys = ga.keys() | gb.keys()
        total = 0.0
        for k in keys:
            if k in ga and k in gb:
                total += self.set_alignment(ga[k], gb[k])[0]
            else:
                total += self.params.delta
        return total / len(keys)

    def parts(self, c1: Concept, c2: Concept) -> list[float]:
        """Sim_1..Sim_4 of two notional concepts."""
        return [
            self.sememe(c1.first, c2.first),
            self.set_alignment(c1.others, c2.others)[0],
            self.grouped(c1.relations, c2.relations),
            self.grouped(c1.symbols, c2.symbols),
        ]

    def concept(self, c1: Concept, c2: Concept) -> float:
        """Liu & Li concept similarity in [0, 1]."""
        if c1.function_word != c2.function_word:
            return 0.0
        if c1.function_word:
            return self.set_alignment(c1.all_sememes(), c2.all_sememes())[0]
        total, product = 0.0, 1.0
        for beta, sim in zip(self.params.beta, self.parts(c1, c2)):
            product *= sim
            total += beta * product
        return total

    def explain(self, c1: Concept, c2: Concept) -> dict:
        """The parts, the aligned sememes and their tree paths (for reports)."""
        if c1.function_word != c2.function_word:
            return {"rule": "function word vs notional word = 0", "score": 0.0}
        firsts = [(c1.first, c2.first)] if not c1.function_word else []
        _, aligned = self.set_alignment(c1.all_sememes() if c1.function_word else c1.others,
                                        c2.all_sememes() if c2.function_word else c2.others)
        pairs = firsts + [(x, y) for x, y, _ in aligned]
        paths = []
        for x, y in pairs:
            if x and y:
                paths.append({"pair": [x, y], "similarity": round(self.sememe(x, y), 4),
                              "distance": self.tree.distance(x, y), "path": self.tree.path(x, y)})
        out: dict = {"score": self.concept(c1, c2), "sememe_paths": paths}
        if not c1.function_word:
            out["parts"] = dict(zip(("first", "other_basic", "relation", "symbol"),
                                    (round(p, 4) for p in self.parts(c1, c2))))
        return out
