"""The sememe hypernym tree and path distances on it.

Why precomputed: Liu & Li's sememe similarity ``α / (d + α)`` needs the path length ``d`` between two
sememes for every pair compared. Each node keeps its ancestor chain and a map ancestor → steps, so a
distance is one walk up the shorter chain; distances between names are memoised.

Names that occur at several nodes (23 in ``whole.dat``, e.g. ``cause|原因``) take the *nearest*
occurrence: the smallest distance over all pairs of their nodes. Names absent from the tree (mostly
proper nouns such as ``China|中国``) are atoms: similar only to themselves.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

from .errors import LexiconFormatError
from .limits import MEMO_LIMIT


class SememeTree:
    """A forest of sememes: ``parents[i]`` is node i's parent (itself for a root)."""

    def __init__(self, names: list[str], parents: list[int]) -> None:
        if len(names) != len(parents):
            raise ValueError("names and parents differ in length")
        self.names = names
        self.parents = parents
        self.ids_by_name: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            self.ids_by_name[name].append(i)
        self.ids_by_name = dict(self.ids_by_name)
        self.chains: list[tuple[int, ...]] = [self._chain(i) for i in range(len(names))]
        self.steps: list[dict[int, int]] = [{a: k for k, a in enumerate(c)} for c in self.chains]
        self.children: dict[int, list[int]] = defaultdict(list)
        for i, p in enumerate(parents):
            if p != i:
                self.children[p].append(i)
        self._memo: dict[tuple[str, str], int | None] = {}

    def _chain(self, node: int) -> tuple[int, ...]:
        chain, seen = [node], {node}
        while self.parents[node] != node:
            node = self.parents[node]
            if node in seen:  # a cycle in bad data: stop rather than loop forever
                break
            chain.append(node)
            seen.add(node)
        return tuple(chain)

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_whole_dat(cls, path: str | Path) -> "SememeTree":
        """Read HowNet 2000 ``whole.dat`` (``<id> <en|zh> <parent-id>`` per line, ids 0..n-1)."""
        names: list[str] = []
        parents: list[int] = []
        problems: list[tuple[int, str]] = []
        with open(path, encoding="utf-8-sig") as handle:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                fields = line.split()
                if len(fields) != 3 or not fields[0].isdigit() or not fields[2].isdigit():
                    problems.append((lineno, f"expected '<id> <en|zh> <parent-id>', got {line.strip()!r}"))
                    continue
                if int(fields[0]) != len(names) + len(problems):
                    problems.append((lineno, f"id {fields[0]} out of sequence"))
                    continue
                names.append(fields[1])
                parents.append(int(fields[2]))
        bad_parent = [(i, p) for i, p in enumerate(parents) if p >= len(parents)]
        problems.extend((i + 1, f"parent id {p} does not exist") for i, p in bad_parent)
        if problems:
            raise LexiconFormatError(path, problems)
        return cls(names, parents)

    @classmethod
    def from_edges(cls, names: Iterable[str], hypernym_of: dict[str, str]) -> "SememeTree":
        """Build from ``child -> hypernym`` names (OpenHowNet taxonomy triples)."""
        all_names = list(dict.fromkeys([*names, *hypernym_of, *hypernym_of.values()]))
        index = {n: i for i, n in enumerate(all_names)}
        parents = [index.get(hypernym_of.get(n, n), i) for i, n in enumerate(all_names)]
        return cls(all_names, parents)

    # -- queries ----------------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.ids_by_name

    def node_distance(self, a: int, b: int) -> int | None:
        """Edges on the path between two nodes; ``None`` when they are in different trees."""
        steps_a = self.steps[a]
        for k, ancestor in enumerate(self.chains[b]):
            up = steps_a.get(ancestor)
            if up is not None:
                return up + k
        return None

    def distance(self, x: str, y: str) -> int | None:
        """Nearest-occurrence path length between two sememe names (``None``: no path or unknown)."""
        if x == y:
            return 0
        key = (x, y) if x < y else (y, x)
        if key in self._memo:
            return self._memo[key]
        best: int | None = None
        for a in self.ids_by_name.get(x, ()):
            for b in self.ids_by_name.get(y, ()):
                d = self.node_distance(a, b)
                if d is not None and (best is None or d < best):
                    best = d
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = best
        return best

    def path(self, x: str, y: str) -> list[str]:
        """The sememe names on the nearest path from x up to the common ancestor and down to y."""
        best: tuple[int, int, int] | None = None
        for a in self.ids_by_name.get(x, ()):
            for b in self.ids_by_name.get(y, ()):
                d = self.node_distance(a, b)
                if d is not None and (best is None or d < best[0]):
                    best = (d, a, b)
        if best is None:
            return []
        _, a, b = best
        steps_a = self.steps[a]
        up_b = []
        for ancestor in self.chains[b]:
            if ancestor in steps_a:
                up_a = self.chains[a][: steps_a[ancestor] + 1]
                return [self.names[i] for i in up_a] + [self.names[i] for i in reversed(up_b)]
            up_b.append(ancestor)
        return []

    def ancestors(self, name: str) -> list[str]:
        """Hypernyms of a name from its parent up to the root (first occurrence)."""
        ids = self.ids_by_name.get(name)
        if not ids:
            return []
        return [self.names[i] for i in self.chains[ids[0]][1:]]

    def siblings(self, x: str, y: str) -> str | None:
        """The shared parent's name when x and y are different children of one node, else None."""
        for a in self.ids_by_name.get(x, ()):
            for b in self.ids_by_name.get(y, ()):
                if a != b and self.parents[a] == self.parents[b] and self.parents[a] != a:
                    return self.names[self.parents[a]]
        return None

    def n_children(self, name: str) -> int:
        ids = self.ids_by_name.get(name, ())
        return max((len(self.children.get(i, ())) for i in ids), default=0)

    def depth(self, name: str) -> int | None:
        ids = self.ids_by_name.get(name)
        return min(len(self.chains[i]) - 1 for i in ids) if ids else None
