"""Word-sense disambiguation in context (Li & Li 2015, §2.2.1, steps 1-4).

1. Tokens come segmented and POS-tagged (LTP tags); only words the lexicon knows are disambiguated.
2. POS: keep the senses whose HowNet POS matches the tag (:data:`LTP_TO_HOWNET`); one left → done.
3. Collocation: each remaining sense is scored by how well its sememes agree with the senses of the
   neighbouring notional words (the nearest ``window`` nouns, verbs, adjectives or classifiers on
   either side): for every neighbour, the best sememe match
   ``α/(d+α)`` between the candidate's sememes and the neighbour's (chosen sense if already
   disambiguated, else its POS-filtered senses), plus 0.01 per exactly shared sememe to break ties.
   Tree roots and the ``desired``/``undesired`` markers are ignored: they say nothing about context.
   (Step 3(1), matching HowNet's example collocations, is not possible: the 2000 glossary carries
   no examples.)
4. Left to right, so later words see the senses chosen for earlier ones.

If no sense agrees with anything (all scores equal), the first POS-matching sense in HowNet order
is kept and the reason says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .limits import MEMO_LIMIT
from .lexicon import Sense, _IndexedLexicon
from .similarity import ConceptSimilarity

#: LTP (863) POS tags → HowNet 2000 POS. ``i`` (idiom) and unknown tags keep every sense.
LTP_TO_HOWNET: dict[str, tuple[str, ...]] = {
    "n": ("N",), "nh": ("N",), "ni": ("N",), "nl": ("N",), "ns": ("N",), "nt": ("N",), "nz": ("N",),
    "nd": ("N",), "j": ("N",), "v": ("V",), "a": ("ADJ",), "b": ("ADJ",), "d": ("ADV",),
    "r": ("PRON",), "m": ("NUM",), "q": ("CLAS",), "p": ("PREP",), "c": ("CONJ", "COOR"),
    "u": ("STRU", "AUX"), "e": ("ECHO",), "o": ("ECHO",), "wp": ("PUNC",), "h": ("PREFIX",),
    "k": ("SUFFIX",),
}
_HOWNET_TAGS = {t for tags in LTP_TO_HOWNET.values() for t in tags} | {"EXPR", "PP", "P"}
_MARKS = {"desired|良", "undesired|莠"}
#: Neighbours that take part in collocation matching: notional words (Li & Li step 1). Adverbs such
#: as 很 are left out: a degree word says nothing about which sense of 高 is meant.
CONTENT_POS = frozenset({"N", "V", "ADJ", "CLAS"})


def hownet_pos(tag: str | None) -> tuple[str, ...] | None:
    """HowNet POS for an LTP tag (HowNet tags pass through); None means 'do not filter'."""
    if not tag:
        return None
    if tag in _HOWNET_TAGS:
        return (tag,)
    return LTP_TO_HOWNET.get(tag.lower())


@dataclass
class Choice:
    """The sense chosen for one token and why."""

    token: str
    pos: str | None
    sense: Sense | None
    reason: str
    candidates: int = 0
    evidence: dict | None = None

    def to_dict(self) -> dict:
        return {"token": self.token, "pos": self.pos, "def": self.sense.concept.raw if self.sense else None,
                "hownet_pos": self.sense.pos if self.sense else None, "reason": self.reason,
                "candidates": self.candidates, "evidence": self.evidence}


class Disambiguator:
    def __init__(self, lexicon: _IndexedLexicon, similarity: ConceptSimilarity, window: int = 2) -> None:
        self.lexicon = lexicon
        self.sim = similarity
        self.window = window
        roots = {n for i, n in enumerate(lexicon.tree.names) if lexicon.tree.parents[i] == i}
        self._ignored = roots | _MARKS
        self._pools: dict[tuple[str, str | None], tuple[list[Sense], bool]] = {}
        self._def_sememes: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}
        self._pair_agreement: dict[int, float | None] = {}

    def _sememes(self, sense: Sense) -> list[str]:
        return [s for s in dict.fromkeys(sense.concept.all_sememes()) if s not in self._ignored]

    def _agreement(self, cand: Sense, others: list[Sense]) -> tuple[float, dict | None]:
        best, why = 0.0, None
        mine = self._sememes(cand)
        for other in others:
            theirs = self._sememes(other)
            shared = len(set(mine) & set(theirs))
            for x in mine:
                for y in theirs:
                    s = self.sim.sememe(x, y) + 0.01 * shared
                    if s > best:
                        best, why = s, {"neighbour": other.word, "neighbour_def": other.concept.raw,
                                        "sememes": [x, y], "sememe_similarity": round(self.sim.sememe(x, y), 4)}
        return best, why

    def _sememes_of(self, sense: Sense) -> tuple[tuple[str, ...], frozenset[str]]:
        found = self._def_sememes.get(sense.def_id)
        if found is None:
            mine = tuple(self._sememes(sense))
            found = self._def_sememes[sense.def_id] = (mine, frozenset(mine))
        return found

    def _def_agreement(self, cand: Sense, other: Sense) -> float | None:
        """max over sememe pairs of similarity + 0.01 × shared sememes; None when either has none."""
        mine, mine_set = self._sememes_of(cand)
        theirs, theirs_set = self._sememes_of(other)
        if not mine or not theirs:
            return None
        sememe = self.sim.sememe
        best = max(sememe(x, y) for x in mine for y in theirs)
        return best + 0.01 * len(mine_set & theirs_set)

    def lazy(self, tokens: Sequence[str], pos_tags: Sequence[str | None]) -> "LazyChoices":
        """The choices of :meth:`__call__`, each computed when first asked for (see :class:`LazyChoices`)."""
        return LazyChoices(self, tokens, pos_tags)

    def candidates(self, token: str, tag: str | None) -> tuple[list[Sense], bool]:
        """(the senses of ``token`` its POS allows, whether the POS filter kept any): all senses when
        the tag maps to no HowNet POS or none of the senses has it."""
        senses = self.lexicon.senses(token)
        wanted = hownet_pos(tag)
        if wanted is None:
            return senses, True
        kept = [s for s in senses if s.pos in wanted]
        return (kept, True) if kept else (senses, False)

    def _context(self, pools: list[list[Sense]], k: int) -> list[int]:
        """The nearest ``window`` notional words on each side of token k."""
        out: list[int] = []
        for step in (-1, 1):
            j, found = k + step, 0
            while 0 <= j < len(pools) and found < self.window:
                if pools[j] and any(s.pos in CONTENT_POS for s in pools[j]):
                    out.append(j)
                    found += 1
                j += step
        return out

    def __call__(self, tokens: Sequence[str], pos_tags: Sequence[str | None]) -> list[Choice]:
        if len(tokens) != len(pos_tags):
            raise ValueError(f"{len(tokens)} tokens but {len(pos_tags)} POS tags")
        pools: list[list[Sense]] = []
        pos_ok: list[bool] = []
        for token, tag in zip(tokens, pos_tags):
            pool, ok = self.candidates(token, tag)
            pools.append(pool)
            pos_ok.append(ok)
        choices: list[Choice] = []
        for k, (token, tag) in enumerate(zip(tokens, pos_tags)):
            pool = pools[k]
            all_senses = len(self.lexicon.senses(token))
            if not pool:
                choices.append(Choice(token, tag, None, "not in lexicon"))
                continue
            distinct = list({s.def_id: s for s in pool}.values())
            if len(distinct) == 1:
                reason = "only sense" if all_senses == 1 else (
                    "only sense with this POS" if pos_ok[k] else "only sense (POS not in HowNet)")
                choices.append(Choice(token, tag, distinct[0], reason, all_senses))
                continue
            neighbours: list[list[Sense]] = []
            for j in self._context(pools, k):
                neighbours.append([choices[j].sense] if j < k and choices[j].sense else pools[j])
            scored = []
            for sense in distinct:
                total, evidence = 0.0, []
                for group in neighbours:
                    value, why = self._agreement(sense, group)
                    total += value
                    if why:
                        evidence.append(why)
                scored.append((total, sense, evidence))
            top = max(scored, key=lambda t: t[0])
            if not neighbours or all(abs(t[0] - top[0]) < 1e-9 for t in scored):
                choices.append(Choice(token, tag, distinct[0], "no collocation evidence: first sense", all_senses))
                continue
            best_ev = max(top[2], key=lambda e: e["sememe_similarity"]) if top[2] else None
            choices.append(Choice(token, tag, top[1], "collocation", all_senses,
                                  {"agreement": round(top[0], 4), **(best_ev or {})}))
        return choices


_MISSING: object = object()


class LazyChoices:
    """The senses :class:`Disambiguator` would choose for one sentence, computed per token on demand.

    Why: the rule engine compares only some tokens (content words, component words); disambiguating
    every token of every sentence cost as much as the comparisons. :meth:`choice` gives exactly what
    ``Disambiguator(tokens, tags)[k]`` gives (sense and reason; no evidence dict): a token's choice
    depends on the choices of the notional words on its left inside the window, which are computed
    (once) when needed. Agreement values are memoised per DEF pair across sentences.
    """

    def __init__(self, wsd: Disambiguator, tokens: Sequence[str], pos_tags: Sequence[str | None]) -> None:
        if len(tokens) != len(pos_tags):
            raise ValueError(f"{len(tokens)} tokens but {len(pos_tags)} POS tags")
        self.wsd = wsd
        self.tokens = list(tokens)
        self.tags = list(pos_tags)
        cache = wsd._pools
        pools: list[tuple[list[Sense], bool]] = []
        for token, tag in zip(self.tokens, self.tags):
            key = (token, tag)
            found = cache.get(key)
            if found is None:
                if len(cache) > MEMO_LIMIT:
                    cache.clear()
                found = cache[key] = wsd.candidates(token, tag)
            pools.append(found)
        self.pools = [p for p, _ in pools]
        self.pos_ok = [ok for _, ok in pools]
        self._done: dict[int, tuple[Sense | None, str]] = {}

    def __len__(self) -> int:
        return len(self.tokens)

    def choice(self, k: int) -> tuple[Sense | None, str]:
        """(chosen sense or None, reason) of token ``k``, as :class:`Disambiguator` decides it."""
        found = self._done.get(k)
        if found is not None:
            return found
        # the left context is decided first (left to right, as in the paper), without recursion
        todo, stack = [], [k]
        while stack:
            j = stack.pop()
            if j in self._done or j in todo:
                continue
            todo.append(j)
            stack.extend(i for i in self.wsd._context(self.pools, j) if i < j and i not in self._done)
        for j in sorted(todo):
            self._done[j] = self._decide(j)
        return self._done[k]

    def _decide(self, k: int) -> tuple[Sense | None, str]:
        wsd, pool, token = self.wsd, self.pools[k], self.tokens[k]
        if not pool:
            return None, "not in lexicon"
        distinct = list({s.def_id: s for s in pool}.values())
        if len(distinct) == 1:
            all_senses = len(wsd.lexicon.senses(token))
            reason = "only sense" if all_senses == 1 else (
                "only sense with this POS" if self.pos_ok[k] else "only sense (POS not in HowNet)")
            return distinct[0], reason
        neighbours: list[list[Sense]] = []
        for j in wsd._context(self.pools, k):
            chosen = self._done[j][0] if j < k else None
            neighbours.append([chosen] if chosen is not None else self.pools[j])
        scored = []
        for sense in distinct:
            total = 0.0
            for group in neighbours:
                total += self._agreement(sense, group)
            scored.append((total, sense))
        top = max(scored, key=lambda t: t[0])
        if not neighbours or all(abs(t[0] - top[0]) < 1e-9 for t in scored):
            return distinct[0], "no collocation evidence: first sense"
        return top[1], "collocation"

    def _agreement(self, cand: Sense, others: list[Sense]) -> float:
        """:meth:`Disambiguator._agreement`'s value: the best over ``others`` of one memoised DEF pair
        value (max sememe similarity + 0.01 per shared sememe; floating-point addition is monotone, so
        adding the constant after the maximum gives the same number)."""
        best = 0.0
        memo = self.wsd._pair_agreement
        for other in others:
            key = cand.def_id * 1048576 + other.def_id
            value = memo.get(key, _MISSING)
            if value is _MISSING:
                value = self.wsd._def_agreement(cand, other)
                if len(memo) > MEMO_LIMIT:
                    memo.clear()
                memo[key] = value
            if value is not None and value > best:
                best = value
        return best
