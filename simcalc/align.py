"""One greedy one-to-one alignment for everything that pairs items by a score (words of two components,
sememes of two concepts, characters of two words): take the best remaining pair, drop its row and column,
repeat. Greedy rather than optimal (Hungarian) because the inputs are tiny and the papers it follows
(Liu & Li 2002 set alignment) define it greedily; ties break by position, so it is deterministic.
"""
from __future__ import annotations

from typing import Callable, Sequence, TypeVar

A = TypeVar("A")
B = TypeVar("B")


def greedy_align(left: Sequence[A], right: Sequence[B], score: Callable[[A, B], float | None],
                 minimum: float = float("-inf")) -> list[tuple[int, int, float]]:
    """Index pairs ``(i, j, score)`` of a greedy one-to-one alignment, best first.

    ``score`` returning None means "may not be paired"; pairs scoring below ``minimum`` are left out.
    """
    scored = []
    for i, x in enumerate(left):
        for j, y in enumerate(right):
            value = score(x, y)
            if value is not None and value >= minimum:
                scored.append((-value, i, j))
    scored.sort()
    used_l: set[int] = set()
    used_r: set[int] = set()
    out = []
    for neg, i, j in scored:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((i, j, -neg))
        if len(used_l) == len(left) or len(used_r) == len(right):
            break
    return out
