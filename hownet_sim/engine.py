"""Word similarity in [-1, 1]: Liu & Li on a lexicon, antonymy, and a bounded OOV chain.

Order of the chain (the report names the step that produced the score):

1. ``identical``: the same string scores 1;
2. ``hownet``: both words in the lexicon: Liu & Li, max over sense pairs (or the given senses),
   negated only when that best pair itself is antonymous/converse (:mod:`simcalc.hownet_sim.antonym`;
   Li & Li: a word pair is -Sim when its *corresponding* concepts are opposites, so a word pair
   with a synonymous sense pair is never negative; see :meth:`WordSimilarity._best_pair` for ties);
3. ``cilin``: both words in Cilin: Tian & Zhao's code similarity;
4. ``flat_sememes``: both words have sememes in the flat list (or the lexicon): set alignment;
5. ``characters``: character-level composition: each character is looked up as a word (steps 2-4),
   characters are aligned greedily and averaged;
6. ``none``: nothing known: 0.

Every step runs under its own deterministic work budget (``step_budget`` units: one unit per sense
pair, Cilin code pair, sememe pair or character pair compared; no recursion) and is reported as
``budget exhausted`` if it runs out; the chain then moves on. Counting work instead of measuring
wall-clock time makes the score and the method the same on every machine and under any load.
Words are looked up as given, then in another case (:meth:`_IndexedLexicon.key`). The word-level
rules (``morpheme``, the Cilin synonym bridge, the antonym list) apply to the result of any step when
no concept rule decided; a listed pair is first searched for an opposite sense pair among the senses
the context allows (:meth:`WordSimilarity._decide`). Distinct nouns HowNet cannot tell apart are capped
(:meth:`WordSimilarity._capped`). Why and how well: ``hownet_sim/README.md``.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .antonym import NEGATIVE_MARK, POSITIVE_MARK, AntonymEvidence, AntonymRules
from .cilin import Cilin
from .fast import CompiledConcepts
from .flat import FlatSememes
from .lexicon import Sense, _IndexedLexicon
from .limits import MEMO_LIMIT
from .relation import CONFIDENT_RULES, Relation, is_confident
from .similarity import ConceptSimilarity, LiuLiParams

log = logging.getLogger(__name__)

#: At or above this similarity two words share a concept (or a Cilin synonym set): a word-level
#: antonym list that pairs them is wrong (the list has e.g. 会见@会晤, 奋斗@努力), so it is ignored.
SYNONYM = 1.0 - 1e-9
#: Two sense pairs whose similarities differ by less than this are tied for the maximum.
TIE = 1e-12
#: A noun pair at least this similar in HowNet is checked for being two distinct members of one class
#: (狗/猫, 苹果/香蕉 share a definition; 北京/上海 differ only in capital|国都 / city|市).
COHYPONYM_MIN = 0.9
#: ... and then scores at most this: HowNet 2000 gives 狗/猫 1.0, so a substituted noun would not show.
#: 0.8 keeps such pairs "close" for word-similarity use (MC30 rates furnace/stove 0.78) while putting
#: them clearly below synonyms; the rule engine can read :attr:`Relation.cohyponym` and cap harder.
COHYPONYM_CAP = 0.8
_ENTITY_ROOTS = frozenset({"entity|实体"})
#: Character-level rules the ``morpheme`` rule trusts: not ``hypernym_pair`` (measured precision 0.00:
#: 借/还 are under take|取/give|给, so 借款/还款 would be opposites) nor the bare word list.
MORPHEME_RULES = frozenset({"sememe_pair", "sememe_word", "sibling_values", "sentiment"})
#: Cilin synonyms tried per word HowNet lacks (``_synonym_bridge``): bounded work per pair.
BRIDGE_WORDS = 8
#: A numeral or date written with digits or Chinese numerals, with at most one unit character.
_NUMBER = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿.．]+[年月日号点时分秒岁元块个次天周%]?")
#: Parts of speech that stand for one another in a predicate (see ``_allowed``).
PREDICATE_POS = frozenset({"V", "ADJ"})
#: Largest scale on which two values of listed words count as opposites (see ``_scale_pair``).
LISTED_SCALE_VALUES = 6
#: Default work budget of one chain step. HowNet 2000's most ambiguous word (打) has 28 DEFs, so a
#: word pair costs at most 784 units in the ``hownet`` step and this limit only cuts long character
#: compositions.
STEP_BUDGET = 20_000


def sense_key(senses: Sequence[Sense] | None) -> tuple | None:
    """The cache key of a set of candidate senses: ``((word, pos, def_id), ...)``, None for none."""
    return tuple((s.word, s.pos, s.def_id) for s in senses) if senses else None


class BudgetExhausted(Exception):
    """A chain step ran out of its work budget (internal; reported, never raised to callers)."""


@dataclass
class Budget:
    """Work units a chain step may spend (counted, so the cut is the same on every machine)."""

    limit: int
    used: int = 0

    def spend(self, units: int = 1) -> None:
        self.used += units
        if self.used > self.limit:
            raise BudgetExhausted


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
    step_budget: int = STEP_BUDGET
    max_chars: int = 8
    relation_cache: int = 200_000
    confident_rules: frozenset = CONFIDENT_RULES  # set at construction: relations are cached
    cohyponym_cap: float = COHYPONYM_CAP  # 1.0 switches the cap off; so does signed=False (faithful Liu & Li)

    def __post_init__(self) -> None:
        self.concepts = ConceptSimilarity(self.lexicon.tree, self.params)
        self.compiled = CompiledConcepts(self.concepts, self.lexicon.concepts)
        self._memo: dict[int, Any] = {}  # antonym findings of DEF pairs (_finding)
        self._sims: dict[int, float] = {}  # similarities of DEF pairs (_sim)
        self._chars: dict[tuple[str, str], tuple[float | None, int, int]] = {}  # _char_score
        self._ids: dict[str, tuple[int, ...]] = {}
        self._cilin: Cilin | None | bool = False
        self._flat: FlatSememes | None | bool = False
        self._groups: dict[str, list[str]] | None = None
        # bounded and thread-safe (functools' LRU holds a lock around its bookkeeping)
        self._relation = functools.lru_cache(maxsize=self.relation_cache)(self._relation_uncached)
        if self.antonyms is not None and self.antonyms.lookup is None:
            self.antonyms.lookup = self._concepts_of

    def _concepts_of(self, word: str) -> list:
        return [self.lexicon.concepts[i] for i in self.def_ids(word)]

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
        return self._sim(i, j), self._finding(i, j)

    def _sim(self, i: int, j: int) -> float:
        """Liu & Li similarity of two DEF ids, memoised (the maximum over sense pairs needs only this
        for most pairs: the antonym finding is looked at only near the maximum)."""
        key = i * 1048576 + j
        try:
            return self._sims[key]
        except KeyError:
            if len(self._sims) > MEMO_LIMIT:
                self._sims.clear()
            value = self._sims[key] = self.compiled.similarity(i, j)
            return value

    def _finding(self, i: int, j: int) -> Any:
        """The antonym finding of two DEF ids (see :meth:`_pair`), memoised."""
        key = i * 1048576 + j
        try:
            return self._memo[key]
        except KeyError:
            found = None
            if self.antonyms is not None and self.signed:
                concepts = self.lexicon.concepts
                found = self.antonyms.from_defs(concepts[i], concepts[j])
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
            return found

    def concept_pair(self, i: int, j: int) -> float:
        """Unsigned Liu & Li similarity of two DEF ids (memoised)."""
        return self._pair(i, j)[0]

    def def_ids(self, word: str) -> tuple[int, ...]:
        """Distinct DEF ids of a word, looked up as given or in another case (memoised, bounded)."""
        ids = self._ids.get(word)
        if ids is None:
            if len(self._ids) > MEMO_LIMIT:
                self._ids.clear()
            ids = self._ids[word] = tuple(self.lexicon.def_ids(word))
        return ids

    def sense_similarity(self, s1: Sense, s2: Sense) -> float:
        """Signed similarity of two chosen senses (what the rule engine uses after WSD)."""
        sim, found = self._pair(s1.def_id, s2.def_id)
        if found is not None and self.antonyms.resolve(found, s1.word, s2.word):
            return -sim
        return sim

    def _best_pair(self, w1: str, w2: str, ids1: Sequence[int], ids2: Sequence[int],
                   budget: Budget | None = None) -> tuple[float, int, int, AntonymEvidence | None]:
        """Li & Li: the maximum over sense pairs, negated only when the best pair itself is
        antonymous/converse. On a tie below synonymy an opposite pair wins (大/小: big/small and
        important/secondary are equally close; the first is a HowNet antonym pair); at synonymy a
        non-opposite pair wins, so two words that share a concept are never negative."""
        best, bi, bj, bev = -1.0, ids1[0], ids2[0], None
        sim, finding = self._sim, self._finding
        resolve = self.antonyms.resolve if self.antonyms is not None else None
        for i in ids1:
            if budget is not None:
                budget.spend(len(ids2))
            for j in ids2:
                s = sim(i, j)
                if s < best - TIE:
                    continue
                found = finding(i, j)
                ev = resolve(found, w1, w2) if found is not None else None
                if s > best + TIE:
                    best, bi, bj, bev = s, i, j, ev
                elif (ev is None) == (best >= SYNONYM) and (bev is None) != (ev is None):
                    bi, bj, bev = i, j, ev  # a tie: see the docstring for who wins
        if bev is not None:
            return -best, bi, bj, bev
        return best, bi, bj, None

    def _opposite_pair(self, w1: str, w2: str, ids1: Sequence[int], ids2: Sequence[int],
                       budget: Budget | None = None) -> tuple[float, int, int, AntonymEvidence] | None:
        """The most similar sense pair that a concept rule calls opposite, or None."""
        best = None
        resolve = self.antonyms.resolve
        for i in ids1:
            if budget is not None:
                budget.spend(len(ids2))
            for j in ids2:
                s, found = self._pair(i, j)
                if found is None or (best is not None and s <= best[0] + TIE):
                    continue
                ev = resolve(found, w1, w2)
                if ev is not None:
                    best = (s, i, j, ev)
        return best

    def _decide(self, w1: str, w2: str, ids1: Sequence[int], ids2: Sequence[int],
                budget: Budget | None = None, wide1: Sequence[int] | None = None,
                wide2: Sequence[int] | None = None) -> tuple[float, int, int, AntonymEvidence | None]:
        """(signed score, chosen DEF ids, evidence) in the ``hownet`` step, word-level rules included.

        Li & Li's maximum over the sense pairs ``ids1`` x ``ids2``; then, when no concept rule fired on
        the best pair but the word list pairs the words, the closest *opposite* sense pair among the
        senses the context allows (``wide1`` x ``wide2``: the chosen senses' part of speech) wins over
        it: a rare sense (大 as clan|辈分 next to 房子, 冷 and 热 sharing ``perception|感知``) must not make
        a listed antonym pair similar. Two sources agreeing is the evidence; either alone is not."""
        if len(ids1) == 1 and len(ids2) == 1:  # most words: one DEF each
            i, j = ids1[0], ids2[0]
            if budget is not None:
                budget.spend(1)
            score, found = self._pair(i, j)
            ev = self.antonyms.resolve(found, w1, w2) if found is not None else None
            if ev is not None:
                score = -score
        else:
            score, i, j, ev = self._best_pair(w1, w2, ids1, ids2, budget)
        if ev is None and self.signed and self.antonyms is not None:
            if self.antonyms.listed(w1, w2):
                found = (self._opposite_pair(w1, w2, wide1 or ids1, wide2 or ids2, budget)
                         or self._scale_pair(wide1 or ids1, wide2 or ids2))
                if found is not None:
                    sim, i, j, ev = found
                    score = -sim
                elif (wide1 or wide2) and self._opposite_pair(w1, w2, self.def_ids(w1), self.def_ids(w2)):
                    # the opposite senses exist but the context rules them out (高 as a surname):
                    # the list keeps its sign, nothing more
                    if score >= SYNONYM:
                        return score, i, j, None
                    return -abs(score), i, j, AntonymEvidence("word_list", "antonym", via=f"{w1}@{w2}")
            elif wide1 or wide2:  # unlisted: a widened sense pair must be an opposite on its own
                found = self._opposite_pair(w1, w2, wide1 or ids1, wide2 or ids2, budget)
                if found is not None and self._strict(found[3], self._sense(w1, None, found[1]),
                                                      self._sense(w2, None, found[2])):
                    sim, i, j, ev = found
                    score = -sim
            if ev is None:
                score, ev = self._word_rules(w1, w2, score, known=True)
        return score, i, j, ev

    def _scale_pair(self, ids1: Sequence[int], ids2: Sequence[int]) -> tuple[float, int, int, AntonymEvidence] | None:
        """For listed words only: the most similar sense pair giving two values of one attribute on a
        small scale (热闹/安静 on occasion|场面, 5 values). Rule 3 alone accepts two-valued scales only;
        here the list is the second source, but colour (14 values, 红色/绿色 are listed) stays out."""
        tree, concepts, best = self.lexicon.tree, self.lexicon.concepts, None
        for i in ids1:
            for j in ids2:
                c1, c2 = concepts[i], concepts[j]
                if c1.function_word or c2.function_word or c1.first != c2.first or c1.raw == c2.raw:
                    continue
                shared = set(c1.others) & set(c2.others)
                for x in (o for o in c1.others if o not in shared):
                    y = next((o for o in c2.others if o not in shared and tree.siblings(x, o) in shared
                              and tree.n_children(tree.siblings(x, o)) <= LISTED_SCALE_VALUES), None)
                    if y is not None:
                        s = self._pair(i, j)[0]
                        if best is None or s > best[0] + TIE:
                            best = (s, i, j, AntonymEvidence("sibling_values", "antonym", (x, y),
                                                             via=f"{tree.siblings(x, y)}, listed words"))
                        break
        return best

    def _word_rules(self, w1: str, w2: str, score: float,
                    known: bool = False) -> tuple[float, AntonymEvidence | None]:
        """Word-level opposites for a pair no concept rule decided: ``morpheme`` (two words that differ
        in one character, those characters being opposites: 好吃/难吃, 进口/出口), then the word list.
        Words found synonymous stay so unless the list pairs them (进口/出口 share both HowNet DEFs)."""
        if score >= SYNONYM and not self.antonyms.listed(w1, w2):
            return score, None  # a shared concept (考上/考取) outweighs one opposite character
        # characters fill a gap in HowNet only: a word it lacks (难吃), or two words it cannot tell
        # apart (进口/出口); where it defines both differently (大笑 laugh, 微笑 smile) it has decided
        ev = self._morpheme(w1, w2) if not known or score >= SYNONYM else None
        if ev is None and not known and self.antonyms.listed(w1, w2):
            ev = self._synonym_bridge(w1, w2)
        if ev is None and score < SYNONYM:
            ev = self.antonyms.words(w1, w2)
        return (-abs(score), ev) if ev is not None else (score, None)

    def _cilin_group(self, code: str) -> list[str]:
        """Words of one Cilin code, in file order (index built on first use)."""
        if self._groups is None:
            groups: dict[str, list[str]] = {}
            for word, codes in self.cilin.codes.items():
                for c in codes:
                    groups.setdefault(c, []).append(word)
            self._groups = groups
        return self._groups.get(code, [])

    def _synonym_bridge(self, w1: str, w2: str) -> AntonymEvidence | None:
        """For a listed pair with a word HowNet lacks (关上): the concept rules on the HowNet senses of
        that word's Cilin ``=`` synonyms (关闭), at most :data:`BRIDGE_WORDS` of them, in file order."""
        cilin = self.cilin
        if cilin is None:
            return None
        sides = []
        for w in (w1, w2):
            ids = self.def_ids(w)
            if ids:
                sides.append([(w, ids)])
                continue
            mates: dict[str, None] = {}
            for code in cilin.codes.get(w, ()):
                if code.endswith("="):
                    mates.update(dict.fromkeys(m for m in self._cilin_group(code) if m != w and self.def_ids(m)))
            sides.append([(m, self.def_ids(m)) for m in list(mates)[:BRIDGE_WORDS]])
        for a, ids1 in sides[0]:
            for b, ids2 in sides[1]:
                found = self._opposite_pair(a, b, ids1, ids2)
                if found is not None:
                    ev = found[3]
                    bridge = " / ".join(f"{w}~{m}" for w, m in ((w1, a), (w2, b)) if w != m)
                    return AntonymEvidence(ev.rule, ev.relation, ev.sememes,
                                           via=f"Cilin synonyms {bridge}" + (f"; {ev.via}" if ev.via else ""))
        return None

    def _morpheme(self, w1: str, w2: str) -> AntonymEvidence | None:
        """Rule ``morpheme``: same length, one differing character, the two characters opposite by a
        concept rule (好/难: easy|易 vs difficult|难) and neither word a noun only (大学/小学 and
        上海/下海 are not opposites). The parallel build (X吃/Y吃) is the second source, so the rule
        counts as strict: confident without the word list."""
        if len(w1) != len(w2) or len(w1) < 2:
            return None
        diff = [k for k in range(len(w1)) if w1[k] != w2[k]]
        if len(diff) != 1:
            return None
        for w in (w1, w2):
            pos = {p for p, _ in self.lexicon.entries.get(self.lexicon.key(w) or w, ())}
            if pos and pos <= {"N"}:
                return None
        a, b = w1[diff[0]], w2[diff[0]]
        rel = self.relation(a, b)
        if rel.rule not in MORPHEME_RULES:
            return None
        return AntonymEvidence("morpheme", "converse" if rel.converse else "antonym", (a, b),
                               via=f"{rel.rule}" + (f" {rel.via}" if rel.via else ""))

    def _strict(self, ev: AntonymEvidence, s1: Sense | None, s2: Sense | None) -> bool:
        """A sememe-level opposite that holds without the word list: the opposed sememes are the whole
        difference between the two definitions (markers aside) and neither is an entity (kin terms
        differ in male|男/female|女 and in kinship: 哥哥/老婆), Cilin files the words in one class but
        not as synonyms (借贷/借款 are one ``=`` group). ``sememe_word`` and ``morpheme``
        (confident characters) always hold."""
        if ev.rule in ("sememe_word", "morpheme"):
            return True
        if ev.rule != "sememe_pair" or not ev.sememes or s1 is None or s2 is None:
            return False
        c1, c2 = s1.concept, s2.concept
        if (self._is_entity(c1) or self._is_entity(c2) or not self._cilin_neighbours(s1.word, s2.word)
                or self._cilin_synonyms(s1.word, s2.word)):
            return False
        x, y = ev.sememes

        def rest(c, opposed: str) -> set:
            items = {m for m in ([c.first] if c.first else []) + list(c.others)
                     if m not in (opposed, POSITIVE_MARK, NEGATIVE_MARK)}
            return items | {f"{r}={v}" for r, v in c.relations if v != opposed}

        return rest(c1, x) == rest(c2, y) or rest(c1, y) == rest(c2, x)

    def _cilin_neighbours(self, w1: str, w2: str) -> bool:
        """Whether Cilin files the two words in one level-3 class (its first four code characters):
        Cilin puts antonyms side by side (同意 Gb15B01, 反对 Gb15D01), while a rare HowNet sense pair
        (下 as few|少 vs 显 as HighRank|高等) joins words Cilin keeps apart."""
        cilin = self.cilin
        if cilin is None or w1 not in cilin or w2 not in cilin:
            return False
        classes = {c[:4] for c in cilin.codes[w1]}
        return any(c[:4] in classes for c in cilin.codes[w2])

    def _is_entity(self, c) -> bool:
        if not c.first:
            return False
        chain = self.lexicon.tree.ancestors(c.first)
        return (chain[-1] if chain else c.first) in _ENTITY_ROOTS

    def _capped(self, w1: str, w2: str, score: float, i: int, j: int) -> tuple[float, bool]:
        """(score, cohyponym): the score capped at :attr:`cohyponym_cap` for distinct nouns HowNet
        (nearly) cannot tell apart (DEF ids ``i``, ``j``) and Cilin does not call synonyms, and flagged
        (capped if above) for two different numbers."""
        if self._distinct_numbers(w1, w2) or (score >= COHYPONYM_MIN and self._cohyponym(w1, w2, i, j)):
            return min(score, self.cohyponym_cap), True
        return score, False

    def _distinct_numbers(self, w1: str, w2: str) -> bool:
        """Two different numerals or dates (三/五, 2019年/2020年, 100/200): HowNet gives 三/五 one DEF and
        the chain scores 100/200 as 1.0, yet a changed number changes the question."""
        return (self.signed and self.cohyponym_cap < 1.0 and w1 != w2
                and bool(_NUMBER.fullmatch(w1)) and bool(_NUMBER.fullmatch(w2)))

    def _cohyponym(self, w1: str, w2: str, i: int, j: int) -> bool:
        concepts = self.lexicon.concepts
        if (self.cohyponym_cap >= 1.0 or not self.signed or w1 == w2
                or not (self._is_entity(concepts[i]) and self._is_entity(concepts[j]))):
            return False
        cilin = self.cilin
        w1, w2 = self.lexicon.key(w1) or w1, self.lexicon.key(w2) or w2
        if cilin is None or w1 not in cilin or w2 not in cilin:
            return False  # no second opinion: keep HowNet's
        return not self._cilin_synonyms(w1, w2)

    def _cilin_synonyms(self, w1: str, w2: str) -> bool:
        """Whether Cilin puts the two words in one ``=`` (synonym) group."""
        cilin = self.cilin
        if cilin is None or w1 not in cilin or w2 not in cilin:
            return False
        codes2 = set(cilin.codes[w2])
        return any(c.endswith("=") and c in codes2 for c in cilin.codes[w1])

    # -- the fast path ----------------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Score in [-1, 1] (in [0, 1] with ``signed=False``)."""
        if w1 == w2:
            return 1.0
        ids1, ids2 = self._ids.get(w1) or self.def_ids(w1), self._ids.get(w2) or self.def_ids(w2)
        if ids1 and ids2 and len(ids1) * len(ids2) <= self.step_budget:  # else the step is cut: the chain
            score, i, j, _ = self._decide(w1, w2, ids1, ids2)
            return self._capped(w1, w2, score, i, j)[0]
        if not self.oov_chain:
            return 0.0
        return self._relation(w1, w2, None, None).score

    # -- the relation API (what the rule engine calls) ----------------------------------------------
    def relation(self, w1: str, w2: str, senses1: Sequence[Sense] | None = None,
                 senses2: Sequence[Sense] | None = None) -> Relation:
        """Similarity and opposition of two words, or of the given (disambiguated) senses.

        With senses the maximum runs over those senses only (after WSD: exactly the chosen ones).
        Memoised per (word, word, senses) in a bounded LRU cache.
        """
        return self._relation(w1, w2, sense_key(senses1), sense_key(senses2))

    def relation_by_key(self, w1: str, w2: str, k1: tuple | None, k2: tuple | None) -> Relation:
        """:meth:`relation` with the senses given as :func:`sense_key` tuples (computed once per token by
        a caller that compares the same token many times)."""
        return self._relation(w1, w2, k1, k2)

    def _sense(self, word: str, key: tuple | None, def_id: int) -> Sense:
        """The Sense object for a chosen DEF id: from the given senses, else (no senses given, or a
        sense of the same POS that :meth:`_allowed` added) the word's entry with that DEF."""
        given = next((k for k in key if k[2] == def_id), None) if key else None
        if given:
            w, pos, _ = given
            return Sense(w, pos, self.lexicon.concepts[def_id], def_id)
        spelled = self.lexicon.key(word) or word
        pos = next((p for p, d in self.lexicon.entries.get(spelled, ()) if d == def_id), "")
        return Sense(spelled, pos, self.lexicon.concepts[def_id], def_id)

    def _relation_uncached(self, w1: str, w2: str, k1: tuple | None, k2: tuple | None) -> Relation:
        if w1 == w2:
            s1 = self._sense(w1, k1, k1[0][2]) if k1 else None
            s2 = self._sense(w2, k2, k2[0][2]) if k2 else None
            return Relation(w1, w2, 1.0, 1.0, False, False, None, False, s1, s2, "identical")
        ids1 = tuple(dict.fromkeys(k[2] for k in k1)) if k1 else self.def_ids(w1)
        ids2 = tuple(dict.fromkeys(k[2] for k in k2)) if k2 else self.def_ids(w2)
        if ids1 and ids2 and len(ids1) * len(ids2) <= self.step_budget:  # the same cut as in report()
            score, i, j, ev = self._decide(w1, w2, ids1, ids2, None, self._allowed(w1, k1), self._allowed(w2, k2))
            score, cohyponym = self._capped(w1, w2, score, i, j)
            return self._make_relation(w1, w2, score, abs(score), ev, self._sense(w1, k1, i),
                                       self._sense(w2, k2, j), "hownet", cohyponym)
        if not self.oov_chain:
            return Relation(w1, w2, 0.0, 0.0, False, False, None, False, None, None, "none")
        senses1 = [self._sense(w1, k1, k[2]) for k in k1] if k1 else None
        senses2 = [self._sense(w2, k2, k[2]) for k in k2] if k2 else None
        report = self.report(w1, w2, senses1, senses2)
        ant = report.get("antonym")
        ev = AntonymEvidence(ant["rule"], ant["relation"], tuple(ant["sememes"]) if ant.get("sememes") else None,
                             ant.get("via")) if ant else None
        return self._make_relation(w1, w2, report["score"], report.get("similarity", 0.0), ev, None, None,
                                   report["method"], "cohyponym" in report)

    def _allowed(self, word: str, key: tuple | None) -> tuple[int, ...] | None:
        """The senses the context allows: every sense of ``word`` with a part of speech of the chosen
        ones (WSD's collocation choice is weak evidence, its POS is not), verbs and adjectives counting
        as one (taggers call predicative adjectives verbs: 价格很便宜 tags 便宜 v, whose only V sense is
        benefit|便利); None without chosen senses."""
        if not key:
            return None
        wanted = {k[1] for k in key}
        if wanted & PREDICATE_POS:
            wanted |= PREDICATE_POS
        chosen = tuple(dict.fromkeys(k[2] for k in key))
        spelled = self.lexicon.key(word) or word
        extra = [d for p, d in self.lexicon.entries.get(spelled, ()) if p in wanted and d not in chosen]
        return chosen + tuple(dict.fromkeys(extra))

    def _make_relation(self, w1: str, w2: str, score: float, similarity: float, ev: AntonymEvidence | None,
                       s1: Sense | None, s2: Sense | None, method: str, cohyponym: bool = False) -> Relation:
        listed = self.antonyms is not None and self.antonyms.listed(w1, w2)
        if ev is None:
            return Relation(w1, w2, score, similarity, False, False, None, False, s1, s2, method,
                            listed=listed, cohyponym=cohyponym)
        via = " vs ".join(ev.sememes) if ev.sememes else None
        if ev.via:
            via = f"{via} ({ev.via})" if via else ev.via
        confident = is_confident(ev.rule, listed, self._strict(ev, s1, s2), self.confident_rules)
        return Relation(w1, w2, score, similarity, ev.relation == "antonym", ev.relation == "converse",
                        ev.rule, confident, s1, s2, method, via, listed, cohyponym)

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
                _ = self.cilin  # loading a resource is not part of a step's work budget
            if name in ("flat_sememes", "characters"):
                _ = self.flat
            budget = Budget(self.step_budget)
            try:
                if name == "hownet":
                    result = step(w1, w2, budget, senses1, senses2)
                else:
                    result = step(w1, w2, budget)
            except BudgetExhausted:
                chain.append({"step": name, "status": "budget exhausted", "work": budget.used,
                              "budget": self.step_budget})
                log.warning("word similarity %s/%s: step %s exceeded its budget of %d units",
                            w1, w2, name, self.step_budget)
                continue
            if result is None:
                chain.append({"step": name, "status": "not applicable"})
                continue
            chain.append({"step": name, "status": "used", "work": budget.used})
            out["method"] = name
            break
        if result is None:
            out.update(score=0.0, method="none", oov_chain=chain,
                       note="no lexicon knows both words; similarity 0")
            return out
        score = result.pop("score")
        if out["method"] != "hownet" and self._distinct_numbers(w1, w2):
            score = result["similarity"] = min(score, self.cohyponym_cap)
            result["cohyponym"] = {"cap": self.cohyponym_cap, "why": "two different numbers"}
        if self.signed and out["method"] != "hownet" and self.antonyms is not None:  # hownet: in _decide
            score, ev = self._word_rules(w1, w2, score)
            if ev is not None:
                result["antonym"] = ev.to_dict()
                result["antonym"]["confident"] = is_confident(ev.rule, self.antonyms.listed(w1, w2),
                                                              self._strict(ev, None, None), self.confident_rules)
        out.update(score=score, oov_chain=chain, **result)
        return out

    def _step_hownet(self, w1: str, w2: str, budget: Budget, senses1=None, senses2=None) -> dict | None:
        k1 = tuple((s.word, s.pos, s.def_id) for s in senses1) if senses1 else None
        k2 = tuple((s.word, s.pos, s.def_id) for s in senses2) if senses2 else None
        ids1 = tuple(dict.fromkeys(k[2] for k in k1)) if k1 else self.def_ids(w1)
        ids2 = tuple(dict.fromkeys(k[2] for k in k2)) if k2 else self.def_ids(w2)
        if not ids1 or not ids2:
            return None
        score, i, j, ev = self._decide(w1, w2, ids1, ids2, budget, self._allowed(w1, k1), self._allowed(w2, k2))
        score, cohyponym = self._capped(w1, w2, score, i, j)
        c1, c2 = self.lexicon.concepts[i], self.lexicon.concepts[j]
        s1, s2 = self._sense(w1, k1, i), self._sense(w2, k2, j)
        return {
            "score": score,
            "similarity": self.concept_pair(i, j),
            "senses": [{"word": s1.word, "pos": s1.pos or None, **c1.to_dict()},
                       {"word": s2.word, "pos": s2.pos or None, **c2.to_dict()}],
            "sense_pairs_compared": len(ids1) * len(ids2),
            "explanation": self.concepts.explain(c1, c2),
            "antonym": self._evidence_dict(w1, w2, ev, s1, s2),
            **({"cohyponym": {"cap": self.cohyponym_cap, "why": "two different numbers"
                              if self._distinct_numbers(w1, w2) else "distinct nouns HowNet cannot tell apart, "
                                                                    "not synonyms in Cilin"}} if cohyponym else {}),
        }

    def _evidence_dict(self, w1: str, w2: str, ev: AntonymEvidence | None, s1: Sense | None,
                       s2: Sense | None) -> dict | None:
        if ev is None:
            return None
        listed = self.antonyms.listed(w1, w2)
        return {**ev.to_dict(), "listed": listed,
                "confident": is_confident(ev.rule, listed, self._strict(ev, s1, s2), self.confident_rules)}

    def _step_cilin(self, w1: str, w2: str, budget: Budget) -> dict | None:
        cilin = self.cilin
        if cilin is None:
            return None
        found = cilin.similarity(w1, w2)
        if found is None:
            return None
        budget.spend(len(cilin.codes[w1]) * len(cilin.codes[w2]))
        score, codes = found
        return {"score": score, "similarity": score, "cilin_codes": list(codes), "antonym": None}

    def _flat_set(self, word: str) -> tuple[str, ...] | None:
        flat = self.flat
        got = flat.get(word) if flat is not None else None
        if got:
            return got
        ids = self.def_ids(word)
        if ids:
            names: dict[str, None] = {}
            for i in ids:
                c = self.lexicon.concepts[i]
                names.update(dict.fromkeys([c.first] if c.first else []))
                names.update(dict.fromkeys(c.others))
            return tuple(names)
        return None

    def _step_flat(self, w1: str, w2: str, budget: Budget) -> dict | None:
        a, b = self._flat_set(w1), self._flat_set(w2)
        if not a or not b:
            return None
        budget.spend(len(a) * len(b))
        score, pairs = self.concepts.set_alignment(a, b)
        return {"score": score, "similarity": score, "antonym": None,
                "sememes": [list(a), list(b)],
                "aligned": [[x, y, round(s, 4)] for x, y, s in pairs]}

    def _char_score(self, a: str, b: str, budget: Budget) -> float | None:
        """A character pair through the lexicon steps only (no recursion into characters). Memoised per
        pair together with the work it costs, which is spent again on every use in the same increments,
        so a step's budget runs out exactly where it did without the memo (characters recur in most
        unknown words: 花呗/借呗/呗)."""
        found = self._chars.get((a, b))
        if found is None:
            found = self._char_score_uncached(a, b)
            if len(self._chars) > MEMO_LIMIT:
                self._chars.clear()
            self._chars[(a, b)] = found
        value, rows, units = found
        for _ in range(rows):
            budget.spend(units)
        return value

    def _char_score_uncached(self, a: str, b: str) -> tuple[float | None, int, int]:
        """(score or None, increments of work, units per increment)."""
        if a == b:
            return 1.0, 0, 0
        ids1, ids2 = self.def_ids(a), self.def_ids(b)
        if ids1 and ids2:  # |_best_pair|: its running maximum, without antonym findings (they only sign it)
            sim, best = self._sim, -1.0
            for i in ids1:
                for j in ids2:
                    s = sim(i, j)
                    if s > best + TIE:
                        best = s
            return abs(best), len(ids1), len(ids2)
        cilin = self.cilin
        found = cilin.similarity(a, b) if cilin is not None else None
        if found is not None:
            return found[0], 1, len(cilin.codes[a]) * len(cilin.codes[b])
        fa, fb = self._flat_set(a), self._flat_set(b)
        if fa and fb:
            return self.concepts.set_alignment(fa, fb)[0], 1, len(fa) * len(fb)
        return None, 0, 0

    def _step_characters(self, w1: str, w2: str, budget: Budget) -> dict | None:
        c1, c2 = list(w1[: self.max_chars]), list(w2[: self.max_chars])
        if not c1 or not c2:
            return None
        scores = []
        for i, a in enumerate(c1):
            for j, b in enumerate(c2):
                budget.spend(1)
                value = self._char_score(a, b, budget)
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
