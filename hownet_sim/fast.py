"""Liu & Li concept similarity on integer-coded concepts: the engine's hot path.

Why: context-free word similarity compares every sense pair of two words, and most word pairs
are new ones, so the per-concept-pair cost decides throughput. Concepts are compiled once (on
first use) to tuples of sememe codes, and sememe similarities are memoised under one integer key.
The arithmetic is exactly :class:`~hownet_sim.similarity.ConceptSimilarity`'s (tests compare
the two); the string-based class stays the reference and produces the explanations.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np

from .defs import Concept
from .limits import MEMO_LIMIT
from .similarity import ConceptSimilarity

_SHIFT = 1 << 21


class CompiledConcepts:
    """Integer-coded concepts of one lexicon plus memoised sememe similarities."""

    def __init__(self, sim: ConceptSimilarity, concepts: Sequence[Concept]) -> None:
        self.sim = sim
        self.concepts = concepts
        self.beta = sim.params.beta
        self.delta = sim.params.delta
        self._codes: dict[str | None, int] = {None: 0}
        self._names: list[str | None] = [None]
        self._compiled: dict[int, tuple] = {}
        self._memo: dict[int, float] = {}
        self._lock = threading.Lock()

    def _code(self, name: str | None) -> int:
        code = self._codes.get(name)
        if code is None:  # first sight of a sememe: under the lock, or two server threads could share a code
            with self._lock:
                code = self._codes.get(name)
                if code is None:
                    self._names.append(name)
                    code = self._codes[name] = len(self._names) - 1
        return code

    def _groups(self, items: Sequence[tuple[str, str]]) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for key, value in items:
            out.setdefault(key, []).append(self._code(value))
        return {k: tuple(v) for k, v in out.items()}

    def compiled(self, i: int) -> tuple:
        c = self._compiled.get(i)
        if c is None:
            concept = self.concepts[i]
            if concept.function_word:
                c = (True, 0, tuple(self._code(x) for x in concept.all_sememes()), {}, {})
            else:
                c = (False, self._code(concept.first), tuple(self._code(x) for x in concept.others),
                     self._groups(concept.relations), self._groups(concept.symbols))
            self._compiled[i] = c
        return c

    def precompute(self) -> "CompiledConcepts":
        """Compile every concept and tabulate every sememe pair (numpy; ~0.5 s and ~30 MB on HowNet
        2000). Worth it for bulk scoring; single look-ups are faster without it."""
        for i in range(len(self.concepts)):
            self.compiled(i)
        rows = sememe_table(self)
        size = len(rows)
        memo_sememe = self._memo_sememe

        def table_sememe(a: int, b: int) -> float:
            if a < size and b < size:
                return rows[a][b]
            return memo_sememe(a, b)

        self.sememe = table_sememe  # type: ignore[method-assign]
        self.table_size = size
        return self

    def sememe(self, a: int, b: int) -> float:
        return self._memo_sememe(a, b)

    def _memo_sememe(self, a: int, b: int) -> float:
        if a == b:
            return 1.0
        key = a * _SHIFT + b if a < b else b * _SHIFT + a
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            value = self._memo[key] = self.sim.sememe(self._names[a], self._names[b])
            return value

    def align(self, a: tuple[int, ...], b: tuple[int, ...]) -> float:
        """Greedy set alignment, as :meth:`ConceptSimilarity.set_alignment`."""
        if not a and not b:
            return 1.0
        if not a or not b:
            return self.delta
        sememe = self.sememe
        if len(a) == 1 or len(b) == 1:  # one element pairs with its best match, the rest get δ
            one, many = (a[0], b) if len(a) == 1 else (b[0], a)
            best = max(sememe(one, y) for y in many) if len(many) > 1 else sememe(one, many[0])
            return (best + self.delta * (len(many) - 1)) / len(many)
        scores = sorted(((sememe(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True)
        used_a: set[int] = set()
        used_b: set[int] = set()
        total = 0.0
        limit = min(len(a), len(b))
        for s, i, j in scores:
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            total += s
            if len(used_a) == limit:
                break
        total += self.delta * (len(a) + len(b) - 2 * limit)
        return total / max(len(a), len(b))

    def grouped(self, a: dict[str, tuple[int, ...]], b: dict[str, tuple[int, ...]]) -> float:
        if not a and not b:
            return 1.0
        keys = a.keys() | b.keys()
        total = 0.0
        for k in keys:
            if k in a and k in b:
                total += self.align(a[k], b[k])
            else:
                total += self.delta
        return total / len(keys)

    def similarity(self, i: int, j: int) -> float:
        compiled = self._compiled
        c1 = compiled.get(i) or self.compiled(i)
        c2 = compiled.get(j) or self.compiled(j)
        fw1, f1, o1, r1, s1 = c1
        fw2, f2, o2, r2, s2 = c2
        if fw1 != fw2:
            return 0.0
        if fw1:
            return self.align(o1, o2)
        b1, b2, b3, b4 = self.beta
        p = self.sememe(f1, f2)
        total = b1 * p
        p *= self.align(o1, o2)
        total += b2 * p
        if r1 or r2:
            p *= self.grouped(r1, r2)
        total += b3 * p
        if s1 or s2:
            p *= self.grouped(s1, s2)
        return total + b4 * p


def node_distances(tree) -> "np.ndarray":
    """All-pairs path lengths between tree nodes (``inf`` across trees), level by level."""
    import numpy as np

    n = len(tree.names)
    depth = np.array([len(c) - 1 for c in tree.chains])
    width = int(depth.max()) + 1 if n else 1
    rows = np.full((n, width), -1, dtype=np.int32)
    for i, chain in enumerate(tree.chains):
        rows[i, : len(chain)] = chain[::-1]  # root first
    other = np.where(rows < 0, -2, rows)  # pads never match each other
    alive = np.ones((n, n), dtype=bool)
    shared = np.zeros((n, n), dtype=np.int16)
    for k in range(width):
        alive &= rows[:, k][:, None] == other[:, k][None, :]
        shared += alive
    dist = (depth[:, None] + depth[None, :] - 2 * (shared.astype(np.int64) - 1)).astype(np.float64)
    dist[shared == 0] = np.inf
    return dist


def sememe_table(compiled: CompiledConcepts) -> list:
    """Similarity of every pair of sememe codes, as rows of ``array('d')`` (8 bytes per cell)."""
    from array import array

    import numpy as np

    from .defs import is_concrete

    sim, tree = compiled.sim, compiled.sim.tree
    params = sim.params
    names = compiled._names
    n = len(names)
    nodes = node_distances(tree)
    by_node = np.full((n, nodes.shape[0]), np.inf)
    in_tree = np.zeros(n, dtype=bool)
    for c, name in enumerate(names):
        ids = tree.ids_by_name.get(name) if name else None
        if ids:
            by_node[c] = nodes[ids].min(axis=0)
            in_tree[c] = True
    dist = np.full((n, n), np.inf)
    for c, name in enumerate(names):
        ids = tree.ids_by_name.get(name) if name else None
        if ids:
            dist[:, c] = by_node[:, ids].min(axis=1)
    unrelated = 0.0 if params.unrelated_distance is None else params.alpha / (params.unrelated_distance + params.alpha)
    table = np.where(np.isfinite(dist), params.alpha / (dist + params.alpha), unrelated)
    concrete = np.array([bool(name) and is_concrete(name) for name in names])
    table[concrete[:, None] & concrete[None, :]] = 0.0
    table[concrete[:, None] ^ concrete[None, :]] = params.gamma
    table[0, :] = table[:, 0] = params.delta
    np.fill_diagonal(table, 1.0)
    return [array("d", row) for row in table]
