"""Word-level knowledge the rule engine asks for: senses in context (WSD) and word relations.

It wraps :mod:`hownet_sim` behind two calls so the scorer never touches its internals:
``senses(tokens, pos)`` (Li & Li's disambiguation, one sense per token or None) and
``relation(w1, w2, s1, s2)`` (signed similarity plus whether the chosen senses are opposite).
Relations are memoised in a bounded, lock-protected dict: the same word pair recurs across a batch.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Sequence

_MEMO_LIMIT = 200_000


@dataclass(frozen=True)
class WordRelation:
    """What the rule engine needs of a word pair."""

    score: float  # signed similarity in [-1, 1]
    opposite: bool  # antonymous or converse chosen senses, from a source trusted for negation
    kind: str | None = None  # "antonym" | "converse" | None
    rule: str | None = None
    method: str = ""

    @property
    def magnitude(self) -> float:
        return abs(self.score)


class HowNetWords:
    """The default word knowledge: HowNet 2000 through :func:`simcalc.hownet_sim.get_engine`."""

    def __init__(self, data_dir: str | None = None, window: int = 2) -> None:
        from simcalc import hownet_sim
        from simcalc.hownet_sim.wsd import Disambiguator

        self.engine = hownet_sim.get_engine(data_dir)
        self._wsd = Disambiguator(self.engine.lexicon, self.engine.concepts, window)
        self._memo: dict[tuple, WordRelation] = {}
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"lexicon": "HowNet 2000", "relation_api": hasattr(self.engine, "relation")}

    def knows(self, word: str) -> bool:
        return bool(self.engine.lexicon.def_ids(word))

    def senses(self, tokens: Sequence[str], pos: Sequence[str]) -> list[Any]:
        """The senses of each token in context: a tuple with the one sense WSD chose when it had
        evidence (the only sense, the only one of this POS, or collocation), else the POS-filtered
        candidates (the relation then takes the best pair, as Liu & Li); None when HowNet lacks the word."""
        out: list[Any] = []
        for choice, tag in zip(self._wsd(list(tokens), list(pos)), pos):
            if choice.sense is None:
                out.append(None)
            elif choice.reason.startswith("only sense") or choice.reason == "collocation":
                out.append((choice.sense,))
            else:
                pool, _ = self._wsd.candidates(choice.token, tag)
                out.append(tuple({s.def_id: s for s in pool}.values()) or (choice.sense,))
        return out

    def relation(self, w1: str, w2: str, s1: Any = None, s2: Any = None) -> WordRelation:
        """``s1``/``s2``: a tuple of candidate senses each (from :meth:`senses`) or None."""
        key = (w1, w2, tuple(s.def_id for s in s1) if s1 else None, tuple(s.def_id for s in s2) if s2 else None)
        found = self._memo.get(key)
        if found is not None:
            return found
        found = self._compute(w1, w2, s1, s2)
        with self._lock:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _compute(self, w1: str, w2: str, s1: Any, s2: Any) -> WordRelation:
        if w1 == w2:
            return WordRelation(1.0, False, None, None, "identical")
        engine = self.engine
        if hasattr(engine, "relation"):  # the public relation API of hownet_sim
            rel = engine.relation(w1, w2, list(s1) if s1 else None, list(s2) if s2 else None)
            kind = "converse" if rel.converse else ("antonym" if rel.antonym else None)
            return WordRelation(rel.score, bool(kind) and rel.confident, kind, rel.rule, rel.method)
        if s1 and s2 and len(s1) == len(s2) == 1:
            score = engine.sense_similarity(s1[0], s2[0])
            return WordRelation(score, score < 0, "antonym" if score < 0 else None, None, "hownet")
        score = engine.similarity(w1, w2)
        known = s1 is not None and s2 is not None
        return WordRelation(score, known and score < 0, "antonym" if known and score < 0 else None, None,
                            "hownet" if known else "chain")


class TableWords:
    """Word knowledge from a dict ``{(w1, w2): score}`` (symmetric; negative = opposite). For tests
    and for users who bring their own similarities; unknown pairs score 0, identical words 1."""

    def __init__(self, table: dict[tuple[str, str], float], converse: set[tuple[str, str]] | None = None) -> None:
        self.table = {**table, **{(b, a): v for (a, b), v in table.items()}}
        self.converse = {p for pair in (converse or set()) for p in (pair, pair[::-1])}

    def describe(self) -> dict[str, Any]:
        return {"lexicon": "table", "pairs": len(self.table) // 2}

    def knows(self, word: str) -> bool:
        return any(word in pair for pair in self.table)

    def senses(self, tokens: Sequence[str], pos: Sequence[str]) -> list[Any]:
        return [None] * len(tokens)

    def relation(self, w1: str, w2: str, s1: Any = None, s2: Any = None) -> WordRelation:
        if w1 == w2:
            return WordRelation(1.0, False, None, None, "identical")
        score = self.table.get((w1, w2), 0.0)
        if score < 0:
            kind = "converse" if (w1, w2) in self.converse else "antonym"
            return WordRelation(score, True, kind, "table", "table")
        return WordRelation(score, False, None, None, "table")
