"""HIT Cilin (extended) word similarity: the OOV chain's second step and the Cilin-only baseline.

Method: 田久乐, 赵蔚 (2010) 基于同义词词林的词语相似度计算方法 (吉林大学学报). Codes such as
``Aa01A01=`` have five levels (A / a / 01 / A / 01) and a flag (``=`` synonyms, ``#`` related,
``@`` a lone word). For two codes:

* equal up to level 5: 1 for ``=`` or ``@``, ``e = 0.5`` for ``#``;
* different already at level 1: ``f = 0.1``;
* first different at level i = 2..5: ``coef_i · cos(n·π/180) · (n − k + 1) / n`` with
  ``coef = 0.65, 0.8, 0.9, 0.96``, ``n`` the number of branches under the shared node and ``k`` the
  distance between the two branches in code order.

A word's similarity is the maximum over its code pairs.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Mapping

from .errors import LexiconFormatError

_PREFIX = (1, 2, 4, 5, 7)  # code prefix length at levels 1..5
_COEF = {2: 0.65, 3: 0.8, 4: 0.9, 5: 0.96}
_E, _F = 0.5, 0.1


class Cilin:
    """Word → Cilin codes, with branch orders for the Tian & Zhao formula."""

    def __init__(self, codes_by_word: Mapping[str, list[str]], all_codes: Iterable[str] | None = None) -> None:
        """``all_codes``: the distinct codes, when known (saves a pass over every word's codes)."""
        self.codes = codes_by_word
        if all_codes is None:
            all_codes = {code for codes in codes_by_word.values() for code in codes}
        # the branch order under a node is worked out when a comparison first needs that node (from the
        # sorted codes, where a node's codes are contiguous): all of them up front cost ~50 ms per start
        self._codes = sorted(set(all_codes))
        self._order: dict[tuple[str, int], dict[str, int]] = {}

    @classmethod
    def from_file(cls, path: str | Path) -> "Cilin":
        """Read ``cilin_ex.txt`` (``CODE WORD WORD ...``; split on any whitespace)."""
        codes: dict[str, list[str]] = defaultdict(list)
        problems: list[tuple[int, str]] = []
        with open(path, encoding="utf-8-sig") as handle:
            for lineno, line in enumerate(handle, 1):
                fields = line.split()
                if not fields:
                    continue
                code = fields[0]
                if len(code) != 8 or code[7] not in "=#@" or not code[2:4].isdigit() or not code[5:7].isdigit():
                    problems.append((lineno, f"bad Cilin code {code!r}"))
                    continue
                if len(fields) < 2:
                    problems.append((lineno, "code without words"))
                    continue
                for word in fields[1:]:
                    codes[word].append(code)
        if problems:
            raise LexiconFormatError(path, problems)
        return cls(dict(codes))

    def __contains__(self, word: object) -> bool:
        return word in self.codes

    def code_similarity(self, c1: str, c2: str) -> float:
        if c1[:7] == c2[:7]:
            return _E if c1[7] == "#" and c2[7] == "#" else 1.0
        if c1[0] != c2[0]:
            return _F
        for level in range(2, 6):
            lo, hi = _PREFIX[level - 2], _PREFIX[level - 1]
            if c1[lo:hi] != c2[lo:hi]:
                order = self.branch_order(c1[:lo], hi)
                n = len(order)
                k = abs(order[c1[lo:hi]] - order[c2[lo:hi]])
                return _COEF[level] * math.cos(n * math.pi / 180) * (n - k + 1) / n
        return 1.0  # unreachable: equal prefixes were handled above

    def branch_order(self, parent: str, end: int) -> dict[str, int]:
        """Position of each branch ``code[len(parent):end]`` under the node ``parent``, in code order."""
        key = (parent, end)
        order = self._order.get(key)
        if order is None:
            start, codes, branches = len(parent), self._codes, set()
            i = bisect_left(codes, parent)
            while i < len(codes) and codes[i].startswith(parent):
                branches.add(codes[i][start:end])
                i += 1
            order = self._order[key] = {seg: k for k, seg in enumerate(sorted(branches))}
        return order

    def similarity(self, w1: str, w2: str) -> tuple[float, tuple[str, str]] | None:
        """Best score and the code pair that gave it; None when a word is not in Cilin."""
        if w1 not in self.codes or w2 not in self.codes:
            return None
        best = max(((self.code_similarity(a, b), (a, b)) for a in self.codes[w1] for b in self.codes[w2]),
                   key=lambda t: t[0])
        return best
