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

    def candidates(self, token: str, tag: str | None) -> tuple[list[Sense], bool]:
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
