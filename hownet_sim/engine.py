"""Word similarity in [-1, 1]: Liu & Li on a lexicon, antonymy, and a bounded OOV chain.

Order of the chain (the report names the step that produced the score):

1. ``identical``: the same string scores 1;
2. ``hownet``: both words in the lexicon: Liu & Li, max over sense pairs (or the given senses),
   negated when a sense pair is antonymous/converse (:mod:`hownet_sim.antonym`);
3. ``cilin``: both words in Cilin: Tian & Zhao's code similarity;
4. ``flat_sememes``: both words have sememes in the flat list (or the lexicon): set alignment;
5. ``characters``: character-level composition: each character is looked up as a word (steps 2-4),
   characters are aligned greedily and averaged;
6. ``none``: nothing known: 0.

Every step runs under its own time budget (``step_timeout`` seconds, checked inside its loops, no
recursion) and is reported as ``timeout`` if it runs out; the chain then moves on. The word-level
antonym list is applied to the result of any step when no concept rule decided, unless that step
found the two words synonymous (similarity 1).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .antonym import AntonymEvidence, AntonymRules
from .cilin import Cilin
from .fast import CompiledConcepts
from .flat import FlatSememes
from .lexicon import Sense, _IndexedLexicon
from .limits import MEMO_LIMIT
from .similarity import ConceptSimilarity, LiuLiParams

log = logging.getLogger(__name__)

#: At or above this similarity two words share a concept (or a Cilin synonym set): a word-level
#: antonym list that pairs them is wrong (the list has e.g. 会见@会晤, 奋斗@努力), so it is ignored.
SYNONYM = 1.0 - 1e-9


class StepTimeout(Exception):
    """A chain step ran out of its time budget (internal; reported, never raised to callers)."""


@dataclass
class Deadline:
    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def check(self) -> None:
        if time.perf_counter() - self.start > self.seconds:
            raise StepTimeout


@dataclass
class WordSimilarity:
    """The word-similarity engine. Optional resources are loaded by callables on first use."""

    lexicon: _IndexedLexicon
    params: LiuLiParams = field(default_factory=LiuLiParams)
    antonyms: AntonymRules | None = None
    cilin_loader: Callable[[], Cilin | None] | None = None
    flat_loader: Callable[[], FlatSememes | None] | None = None
    signed: bool = True
    oov_chain: bool = True
    step_timeout: float = 0.2
    max_chars: int = 8

    def __post_init__(self) -> None:
        self.concepts = ConceptSimilarity(self.lexicon.tree, self.params)
        self.compiled = CompiledConcepts(self.concepts, self.lexicon.concepts)
        self._memo: dict[int, tuple] = {}
        self._ids: dict[str, tuple[int, ...]] = {}
        self._cilin: Cilin | None | bool = False
        self._flat: FlatSememes | None | bool = False

    # -- lazily loaded resources ------------------------------------------------------------------
    @property
    def cilin(self) -> Cilin | None:
        if self._cilin is False:
            self._cilin = self.cilin_loader() if self.cilin_loader else None
        return self._cilin  # type: ignore[return-value]

    @property
    def flat(self) -> FlatSememes | None:
        if self._flat is False:
            self._flat = self.flat_loader() if self.flat_loader else None
        return self._flat  # type: ignore[return-value]

    def warm_up(self) -> "WordSimilarity":
        """Tabulate all sememe-pair similarities (numpy, about a second on HowNet 2000): worth it
        before scoring many pairs, pointless for a single look-up."""
        self.compiled.precompute()
        return self

    # -- concepts ---------------------------------------------------------------------------------
    def _pair(self, i: int, j: int) -> tuple:
        """(Liu & Li similarity, antonym finding from the definitions) of two DEF ids, memoised.

        The finding is None, an :class:`AntonymEvidence`, or "eligible" (only the words' sentiment
        can still decide, see :meth:`AntonymRules.resolve`).
        """
        key = i * 1048576 + j
        try:
            return self._memo[key]
        except KeyError:
            sim = self.compiled.similarity(i, j)
            found = None
            if self.antonyms is not None and self.signed:
                concepts = self.lexicon.concepts
                found = self.antonyms.from_defs(concepts[i], concepts[j])
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            value = self._memo[key] = (sim, found)
            return value

    def concept_pair(self, i: int, j: int) -> float:
        """Unsigned Liu & Li similarity of two DEF ids (memoised)."""
        return self._pair(i, j)[0]

    def def_ids(self, word: str) -> tuple[int, ...]:
        ids = self._ids.get(word)
        if ids is None:
            ids = self._ids[word] = tuple(self.lexicon.def_ids(word))
        return ids

    def sense_similarity(self, s1: Sense, s2: Sense) -> float:
        """Signed similarity of two chosen senses (what the rule engine uses after WSD)."""
        sim, found = self._pair(s1.def_id, s2.def_id)
        if found is not None and self.antonyms.resolve(found, s1.word, s2.word):
            return -sim
        return sim

    def _best_pair(self, w1: str, w2: str, ids1: Sequence[int], ids2: Sequence[int],
                   deadline: Deadline | None = None) -> tuple[float, int, int, AntonymEvidence | None]:
        """Li & Li: antonymous if some sense pair is (the closest such pair), else max over pairs."""
        best, bi, bj = -1.0, ids1[0], ids2[0]
        ant, ai, aj, aev = -1.0, -1, -1, None
        pair = self._pair
        for i in ids1:
            if deadline is not None:
                deadline.check()
            for j in ids2:
                s, found = pair(i, j)
                if s > best:
                    best, bi, bj = s, i, j
                if found is not None and s > ant:
                    ev = self.antonyms.resolve(found, w1, w2)
                    if ev is not None:
                        ant, ai, aj, aev = s, i, j, ev
        if aev is not None:
            return -ant, ai, aj, aev
        return best, bi, bj, None

    # -- the fast path ----------------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Score in [-1, 1] (in [0, 1] with ``signed=False``)."""
        if w1 == w2:
            return 1.0
        ids1, ids2 = self._ids.get(w1) or self.def_ids(w1), self._ids.get(w2) or self.def_ids(w2)
        if ids1 and ids2:
            if len(ids1) == 1 and len(ids2) == 1:  # most words: one DEF each
                score, found = self._pair(ids1[0], ids2[0])
                if found is not None and self.antonyms.resolve(found, w1, w2) is not None:
                    return -score
                ev = None
            else:
                score, _, _, ev = self._best_pair(w1, w2, ids1, ids2)
            if (ev is None and self.signed and self.antonyms and score < SYNONYM
                    and (w1, w2) in self.antonyms.word_pairs):
                return -abs(score)
            return score
        if not self.oov_chain:
            return 0.0
        return self.report(w1, w2)["score"]

    # -- the explained path -----------------------------------------------------------------------
    def report(self, w1: str, w2: str, senses1: list[Sense] | None = None,
               senses2: list[Sense] | None = None) -> dict:
        """Score plus chosen senses, sememe paths, antonym evidence and the OOV chain trace."""
        chain: list[dict] = []
        out: dict = {"words": [w1, w2], "range": [-1.0, 1.0] if self.signed else [0.0, 1.0]}
        if w1 == w2:
            chain.append({"step": "identical", "status": "used"})
            out.update(score=1.0, method="identical", oov_chain=chain)
            return out
        chain.append({"step": "identical", "status": "not applicable"})
        steps = [("hownet", self._step_hownet)]
        if self.oov_chain:
            steps += [("cilin", self._step_cilin), ("flat_sememes", self._step_flat),
                      ("characters", self._step_characters)]
        result = None
        for name, step in steps:
            if name in ("cilin", "characters"):
                _ = self.cilin  # loading a resource is not part of a step's time budget
            if name in ("flat_sememes", "characters"):
                _ = self.flat
            t0 = time.perf_counter()
            try:
                if name == "hownet":
                    result = step(w1, w2, Deadline(self.step_timeout), senses1, senses2)
                else:
                    result = step(w1, w2, Deadline(self.step_timeout))
            except StepTimeout:
                chain.append({"step": name, "status": "timeout", "seconds": round(time.perf_counter() - t0, 4)})
                log.warning("word similarity %s/%s: step %s exceeded %.2fs", w1, w2, name, self.step_timeout)
                continue
            if result is None:
                chain.append({"step": name, "status": "not applicable"})
                continue
            chain.append({"step": name, "status": "used", "seconds": round(time.perf_counter() - t0, 4)})
            out["method"] = name
            break
        if result is None:
            out.update(score=0.0, method="none", oov_chain=chain,
                       note="no lexicon knows both words; similarity 0")
            return out
        score = result.pop("score")
        if self.signed and result.get("antonym") is None and self.antonyms and result["similarity"] < SYNONYM:
            ev = self.antonyms.words(w1, w2)
            if ev is not None:
                result["antonym"] = ev.to_dict()
                score = -abs(score)
        out.update(score=score, oov_chain=chain, **result)
        return out

    def _step_hownet(self, w1: str, w2: str, deadline: Deadline, senses1=None, senses2=None) -> dict | None:
        ids1 = [s.def_id for s in senses1] if senses1 else self.lexicon.def_ids(w1)
        ids2 = [s.def_id for s in senses2] if senses2 else self.lexicon.def_ids(w2)
        if not ids1 or not ids2:
            return None
        score, i, j, ev = self._best_pair(w1, w2, ids1, ids2, deadline)
        c1, c2 = self.lexicon.concepts[i], self.lexicon.concepts[j]
        pos1 = next((p for p, d in self.lexicon.entries[w1] if d == i), None) if w1 in self.lexicon else None
        pos2 = next((p for p, d in self.lexicon.entries[w2] if d == j), None) if w2 in self.lexicon else None
        return {
            "score": score,
            "similarity": self.concept_pair(i, j),
            "senses": [{"word": w1, "pos": pos1, **c1.to_dict()}, {"word": w2, "pos": pos2, **c2.to_dict()}],
            "sense_pairs_compared": len(ids1) * len(ids2),
            "explanation": self.concepts.explain(c1, c2),
            "antonym": ev.to_dict() if ev else None,
        }

    def _step_cilin(self, w1: str, w2: str, deadline: Deadline) -> dict | None:
        cilin = self.cilin
        if cilin is None:
            return None
        found = cilin.similarity(w1, w2)
        deadline.check()
        if found is None:
            return None
        score, codes = found
        return {"score": score, "similarity": score, "cilin_codes": list(codes), "antonym": None}

    def _flat_set(self, word: str) -> tuple[str, ...] | None:
        flat = self.flat
        got = flat.get(word) if flat is not None else None
        if got:
            return got
        ids = self.lexicon.def_ids(word)
        if ids:
            names: dict[str, None] = {}
            for i in ids:
                c = self.lexicon.concepts[i]
                names.update(dict.fromkeys([c.first] if c.first else []))
                names.update(dict.fromkeys(c.others))
            return tuple(names)
        return None

    def _step_flat(self, w1: str, w2: str, deadline: Deadline) -> dict | None:
        a, b = self._flat_set(w1), self._flat_set(w2)
        if not a or not b:
            return None
        deadline.check()
        score, pairs = self.concepts.set_alignment(a, b)
        deadline.check()
        return {"score": score, "similarity": score, "antonym": None,
                "sememes": [list(a), list(b)],
                "aligned": [[x, y, round(s, 4)] for x, y, s in pairs]}

    def _char_score(self, a: str, b: str, deadline: Deadline) -> float | None:
        """A character pair through the lexicon steps only (no recursion into characters)."""
        if a == b:
            return 1.0
        ids1, ids2 = self.lexicon.def_ids(a), self.lexicon.def_ids(b)
        if ids1 and ids2:
            return abs(self._best_pair(a, b, ids1, ids2, deadline)[0])
        cilin = self.cilin
        found = cilin.similarity(a, b) if cilin is not None else None
        if found is not None:
            return found[0]
        fa, fb = self._flat_set(a), self._flat_set(b)
        if fa and fb:
            return self.concepts.set_alignment(fa, fb)[0]
        return None

    def _step_characters(self, w1: str, w2: str, deadline: Deadline) -> dict | None:
        c1, c2 = list(w1[: self.max_chars]), list(w2[: self.max_chars])
        if not c1 or not c2:
            return None
        scores = []
        for i, a in enumerate(c1):
            for j, b in enumerate(c2):
                deadline.check()
                value = self._char_score(a, b, deadline)
                if value is not None:
                    scores.append((value, i, j))
        if not scores:
            return None  # no character pair is known to any lexicon
        scores.sort(reverse=True)
        used1: set[int] = set()
        used2: set[int] = set()
        aligned = []
        for s, i, j in scores:
            if i not in used1 and j not in used2:
                used1.add(i)
                used2.add(j)
                aligned.append([c1[i], c2[j], s])
        score = sum(a[2] for a in aligned) / max(len(c1), len(c2))
        aligned = [[a, b, round(s, 4)] for a, b, s in aligned]
        out = {"score": score, "similarity": score, "antonym": None, "aligned_characters": aligned}
        if len(w1) > self.max_chars or len(w2) > self.max_chars:
            out["note"] = f"words cut to {self.max_chars} characters"
        return out
