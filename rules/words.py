"""Word-level knowledge the rule engine asks for: senses in context (WSD) and word relations.

It wraps :mod:`hownet_sim` behind two calls so the scorer never touches its internals:
``senses(tokens, pos)`` (Li & Li's disambiguation, one sense per token or None) and
``relation(w1, w2, s1, s2)`` (signed similarity plus whether the chosen senses are opposite), on top of
:meth:`hownet_sim.engine.WordSimilarity.relation`, which memoises them.

Typos (:func:`typo_pair`): a word no dictionary knows that is one homophone character away from a word one
does (换款 / 还款, 额渡 / 额度, 申清 / 申请) is read as that word mistyped, not compared character by character:
users type homophones with pinyin input, and jieba's HMM glues the mistyped pair into one unknown word.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence


@dataclass(frozen=True)
class WordRelation:
    """What the rule engine needs of a word pair."""

    score: float  # signed similarity in [-1, 1]
    opposite: bool  # antonymous or converse chosen senses, from a source trusted for negation
    kind: str | None = None  # "antonym" | "converse" | None
    rule: str | None = None
    method: str = ""
    cohyponym: bool = False  # distinct nouns HowNet cannot tell apart (狗/猫, 北京/上海): score capped

    @property
    def magnitude(self) -> float:
        return abs(self.score)


#: (id(engine), window) -> (engine, Disambiguator, relation cache); the engine is kept so its id stays its own
_shared: dict[tuple[int, int], tuple[Any, Any, dict]] = {}
_shared_lock = threading.Lock()


#: similarity of a word and its one-character typo (:func:`typo_pair`): near the word itself, below a synonym
TYPO_SIMILARITY = 0.9


def is_han(word: str) -> bool:
    """Every character a CJK unified ideograph (the typo rules read Chinese words only)."""
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


#: characters that make grammar, not content: a word holding one is never read as a typo (很高 / 很矮, 一把 / 一被,
#: 送给 / 送的, 为什么 / 有什么, 三个 / 四个: each pair differs in meaning). Numerals, negations, degree
#: adverbs, particles, prepositions and co-verbs, question-word characters, personal pronouns, 是/有.
GRAMMAR_CHARS = frozenset("零一二三四五六七八九十百千万亿两半几"
                          "不没未别非无莫勿"
                          "很太最更挺真超蛮较"
                          "的地得了着过吗呢吧啊呀嘛呗哦啦嘞"
                          "把被给在从向对比和与跟及或让叫由为"
                          "什么哪怎谁啥多"
                          "我你他她它您咱"
                          "是有")


def typo_pair(w1: str, w2: str, known: Callable[[str], bool]) -> bool:
    """Whether one of the two words reads as a homophone typo of the other: both Chinese, the same length
    (2 to 4 characters), exactly one position differs and its two characters share a reading (期 / 其,
    :func:`.readings.sound_alike`), neither word holds a grammar character (:data:`GRAMMAR_CHARS`), and
    ``known`` (any dictionary: HowNet, Cilin, the flat sememe list, jieba's) knows exactly one of them.
    Two unknown words (花呗 / 借呗: product names), two known words (登陆 / 登录, 上海 / 上饶: each means
    something) and characters that do not sound alike (吃豆腐 / 卖豆腐) are never a typo pair."""
    from .readings import sound_alike

    if w1 == w2 or len(w1) != len(w2) or not 2 <= len(w1) <= 4 or not (is_han(w1) and is_han(w2)):
        return False
    diff = [(a, b) for a, b in zip(w1, w2) if a != b]
    if len(diff) != 1 or any(ch in GRAMMAR_CHARS for ch in w1 + w2) or not sound_alike(*diff[0]):
        return False
    return known(w1) != known(w2)


class HowNetWords:
    """The default word knowledge: HowNet 2000 through :func:`simcalc.hownet_sim.get_engine`."""

    def __init__(self, data_dir: str | None = None, window: int = 2) -> None:
        from simcalc import hownet_sim
        from simcalc.hownet_sim.wsd import Disambiguator

        self.engine = hownet_sim.get_engine(data_dir)
        # shared by every HowNetWords on this engine (the engine is shared per process): the
        # disambiguator's memos and the relation cache are pure functions of the lexicon
        key = (id(self.engine), window)
        with _shared_lock:
            if key not in _shared:
                _shared[key] = (self.engine, Disambiguator(self.engine.lexicon, self.engine.concepts, window), {})
            _, self._wsd, self._relations = _shared[key]

    def describe(self) -> dict[str, Any]:
        return {"lexicon": "HowNet 2000"}

    def knows(self, word: str) -> bool:
        return bool(self.engine.def_ids(word))  # memoised by the engine

    def in_any_dictionary(self, word: str) -> bool:
        """HowNet, Cilin, the flat sememe list or jieba's dictionary knows ``word`` (the typo test)."""
        if self.knows(word):
            return True
        cilin, flat = self.engine.cilin, self.engine.flat
        if (cilin is not None and word in cilin.codes) or (flat is not None and flat.get(word)):
            return True
        from simcalc.jieba_dict import base_tokenizer

        return base_tokenizer().FREQ.get(word, 0) > 0

    def senses(self, tokens: Sequence[str], pos: Sequence[str]) -> "SensesInContext":
        """The senses of each token in context: a tuple with the one sense WSD chose when it had
        evidence (the only sense, the only one of this POS, or collocation), else the POS-filtered
        candidates (the relation then takes the best pair, as Liu & Li); None when HowNet lacks the word.
        A sequence computed per token when first read: only compared tokens pay for WSD."""
        return SensesInContext(self._wsd.lazy(tokens, pos))

    def relation(self, w1: str, w2: str, s1: Any = None, s2: Any = None) -> WordRelation:
        """``s1``/``s2``: a tuple of candidate senses each (from :meth:`senses`) or None. Memoised by
        :meth:`hownet_sim.engine.WordSimilarity.relation` (a bounded, thread-safe LRU)."""
        if w1 == w2:
            return IDENTICAL
        k1 = s1.key if isinstance(s1, SenseSet) else _sense_key(s1)
        k2 = s2.key if isinstance(s2, SenseSet) else _sense_key(s2)
        key = (w1, w2, k1, k2)
        found = self._relations.get(key)
        if found is None:
            rel = self.engine.relation_by_key(w1, w2, k1, k2)
            kind = "converse" if rel.converse else ("antonym" if rel.antonym else None)
            found = WordRelation(rel.score, bool(kind) and rel.confident, kind, rel.rule, rel.method, rel.cohyponym)
            if kind is None and abs(rel.score) < TYPO_SIMILARITY and typo_pair(w1, w2, self.in_any_dictionary):
                found = WordRelation(TYPO_SIMILARITY, False, None, "typo", "typo")
            if len(self._relations) > RELATION_CACHE:
                self._relations.clear()
            self._relations[key] = found
        return found


#: the identical string: similarity 1, never opposite
IDENTICAL = WordRelation(1.0, False, None, None, "identical")
#: entries of a :class:`HowNetWords` relation cache before it is cleared (the engine keeps its own LRU)
RELATION_CACHE = 200_000


def _sense_key(senses: Any) -> tuple | None:
    from simcalc.hownet_sim.engine import sense_key

    return sense_key(list(senses)) if senses else None


class SenseSet(tuple):
    """The candidate senses of one token (a tuple of :class:`~simcalc.hownet_sim.lexicon.Sense`) with
    their relation cache key computed once."""

    key: tuple | None

    def __new__(cls, senses: Any) -> "SenseSet":
        out = super().__new__(cls, senses)
        out.key = _sense_key(out)
        return out


class SensesInContext(Sequence[Any]):
    """:meth:`HowNetWords.senses` of one sentence as a read-only sequence, each item decided on first
    read (:class:`simcalc.hownet_sim.wsd.LazyChoices`) and kept."""

    def __init__(self, choices: Any) -> None:
        self._choices = choices
        self._items: dict[int, Any] = {}
        self._n = len(choices)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k: Any) -> Any:  # type: ignore[override]
        try:
            return self._items[k]
        except (KeyError, TypeError):  # not decided yet, or a slice
            pass
        if isinstance(k, slice):
            return [self[i] for i in range(self._n)[k]]
        if k < 0:
            k += self._n
        if not 0 <= k < self._n:
            raise IndexError(k)
        if k in self._items:
            return self._items[k]
        sense, reason = self._choices.choice(k)
        if sense is None:
            item = None
        elif reason.startswith("only sense") or reason == "collocation":
            item = SenseSet((sense,))
        else:
            pool = self._choices.pools[k]
            item = SenseSet(tuple({s.def_id: s for s in pool}.values()) or (sense,))
        self._items[k] = item
        return item

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))


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


class NoWords:
    """Word knowledge that knows nothing: every word is unknown and has no sense. Lets the parse and
    the components be shown (:mod:`simcalc.display`) when HowNet is missing; scores made with it
    compare identical words only and say nothing about meaning."""

    def describe(self) -> dict[str, Any]:
        return {"lexicon": "none"}

    def knows(self, word: str) -> bool:
        return False

    def senses(self, tokens: Sequence[str], pos: Sequence[str]) -> list[Any]:
        return [None] * len(tokens)

    def relation(self, w1: str, w2: str, s1: Any = None, s2: Any = None) -> WordRelation:
        if w1 == w2:
            return WordRelation(1.0, False, None, None, "identical")
        return WordRelation(0.0, False, None, None, "none")
