"""Maximum spanning tree decoding (Chu-Liu-Edmonds) with exactly one root, in numpy.

Why not greedy heads: argmax per word can form cycles or give two roots; the rule engine needs a
tree. Most sentences are already trees after argmax, so the contraction step rarely runs.
"""
from __future__ import annotations

import numpy as np

_NEG = -1e9


def _find_cycle(heads: np.ndarray) -> np.ndarray | None:
    """A boolean mask of one cycle in ``heads`` (heads[0] ignored), or None."""
    n = len(heads)
    color = np.zeros(n, dtype=np.int8)  # 0 new, 1 on current path, 2 done
    color[0] = 2
    for start in range(1, n):
        path = []
        node = start
        while color[node] == 0:
            color[node] = 1
            path.append(node)
            node = heads[node]
        if color[node] == 1:  # closed a cycle on this path
            cycle = np.zeros(n, dtype=bool)
            cycle[path[path.index(node):]] = True
            return cycle
        for p in path:
            color[p] = 2
    return None


def chu_liu_edmonds(scores: np.ndarray) -> np.ndarray:
    """Heads maximising the total of ``scores[dep, head]`` (row 0 = root, ignored). May have >1 root."""
    scores = scores.astype(np.float64, copy=True)
    np.fill_diagonal(scores, _NEG)
    scores[0] = _NEG
    scores[0, 0] = 0
    heads = scores.argmax(1)
    cycle = _find_cycle(heads)
    if cycle is None:
        return heads
    cycle_locs = np.where(cycle)[0]
    noncycle = ~cycle
    noncycle_locs = np.where(noncycle)[0]
    cycle_scores = scores[cycle_locs, heads[cycle_locs]]
    cycle_total = cycle_scores.sum()
    # entering the cycle at node c from outside head h: break c's cycle arc
    enter = scores[cycle][:, noncycle] - cycle_scores[:, None] + cycle_total
    leave = scores[noncycle][:, cycle]
    enter_best = enter.argmax(0)  # per outside head: which cycle node it enters
    leave_best = leave.argmax(1)  # per outside dep: which cycle node is its head
    sub = np.pad(scores[noncycle][:, noncycle], ((0, 1), (0, 1)), constant_values=_NEG)
    k = len(noncycle_locs)
    sub[-1, :-1] = enter[enter_best, np.arange(k)]
    sub[:-1, -1] = leave[np.arange(k), leave_best]
    contracted = chu_liu_edmonds(sub)
    new_heads = heads.copy()
    for i, h in enumerate(contracted[:-1]):
        node = noncycle_locs[i]
        if node == 0:
            continue
        new_heads[node] = cycle_locs[leave_best[i]] if h == k else noncycle_locs[h]
    head_of_cycle = contracted[-1]
    new_heads[cycle_locs[enter_best[head_of_cycle]]] = noncycle_locs[head_of_cycle]
    return new_heads


def decode_tree(scores: np.ndarray, max_root_candidates: int = 4) -> list[int]:
    """Best tree with a single word under the root; ``scores`` is [n+1, n+1] (dep, head) log-probs.

    When the unconstrained tree has several roots, each of the best few root candidates is tried
    (the others forbidden from the root) and the highest-scoring tree is kept.
    """
    n = scores.shape[0]
    if n <= 2:
        return [0] * (n - 1)
    heads = chu_liu_edmonds(scores)
    roots = np.where(heads[1:] == 0)[0] + 1
    if len(roots) == 1:
        return heads[1:].tolist()
    candidates = np.argsort(-scores[1:, 0])[:max_root_candidates] + 1
    best, best_total = None, -np.inf
    for root in candidates:
        constrained = scores.copy()
        constrained[1:, 0] = _NEG
        constrained[root, 0] = scores[root, 0]
        tree = chu_liu_edmonds(constrained)
        total = constrained[np.arange(1, n), tree[1:]].sum()
        if total > best_total:
            best, best_total = tree, total
    return best[1:].tolist()


def decode_batch(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Heads [B, L] (position 0 and padding 0) of a batch of arc log-probs [B, L, L] with ``lengths``
    counting the root; the same trees as :func:`decode_tree` sentence by sentence.

    Why batched: nearly every sentence's greedy heads (best head per word) already form a tree with one
    word under the root, and checking that for the whole batch takes a few array operations (cycles by
    pointer doubling). Only the other sentences go through :func:`decode_tree`.
    """
    batch, length, _ = scores.shape
    positions = np.arange(length)
    masked = scores.copy()
    masked[:, positions, positions] = -np.inf  # no word heads itself
    heads = masked.argmax(-1)
    valid = positions[None, :] < lengths[:, None]
    valid[:, 0] = False
    heads[~valid] = 0
    one_root = ((heads == 0) & valid).sum(1) == 1
    # after k doublings each entry is its word's 2^k-th ancestor: all reach the root unless there is a cycle
    ancestors = heads
    for _ in range(max(1, int(np.ceil(np.log2(max(length, 2)))) + 1)):
        ancestors = np.take_along_axis(ancestors, ancestors, axis=1)
    is_tree = one_root & (ancestors == 0).all(1)
    for b in np.flatnonzero(~is_tree):
        n = int(lengths[b])
        heads[b, 1:n] = decode_tree(scores[b, :n, :n])
    return heads
