"""The signed rule score (mode ``signed``, the default): content similarity in [0, 1], negative only when
the polarity verdict says *opposite*.

Why not the paper's ``K·|S|`` (still available as mode ``paper``): on question data its multipliers are
noise — K1 = 0.1 fires on half the paraphrases, negation words flip pairs whose negation sits on another
event, unmatched words cost nothing and question words become component centres. Here:

* **Content** (:class:`Profile`, :func:`coverage`): every content word (participants included; light
  words, question words and negation cues excluded) is weighted by its IDF (jieba's dictionary
  frequencies) and matched in the other sentence: the identical string is the base (1.0); otherwise
  HowNet (``signed_hownet_weight`` × similarity) or shared characters (``signed_char_weight`` × Dice) add
  where strings differ. Numbers, dates and places (the slot values of :mod:`simcalc.rules.slots`) match
  only as the same string (HowNet gives 北京/上海 1.0); names are compared by the name slots, which see
  one name cut two ways by the segmenter. An A-not-A form counts as its predicate (贵不贵 → 贵). Coverage
  is the matched IDF share, both directions.
* **Question type** (:mod:`simcalc.rules.question`): the same content asking a different slot
  (怎么还款 / 什么时候还款) is scaled by ``signed_qtype_factor``.
* **Polarity** (:mod:`simcalc.rules.polarity`): negation compared on aligned predicates only; an
  *opposite* verdict needs the rest of the content to match (both coverages ≥ ``signed_opposite_gate``),
  the same question type and no entity difference, and says why.
* **Roles** from the paper's analysis: agent and patient exchanged under the same predicate scales the
  score by ``role_exchange``; a 把/被 pair with matching roles keeps it. Participants in the other order
  with converse predicates (赢/输给, 卖/买, 送给/收到, 高/矮 with 比) are one event: no role exchange.
"""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Sequence

from .config import RuleConfig, read_words
from .polarity import (Cues, Event, compare_events, events, listed_alternatives, listed_antonyms, load_cues,
                       morpheme_antonyms, same_event)
from .question import a_not_a_lemma, is_a_not_a, question_type, question_word_set
from .aligned import aligned_polarity
from .slots import KINDS as SLOT_KINDS, Value, conflicts as slot_conflicts, token_starts, values as slot_values
from .tokens import CLASSIFIERS, anchor_split, dictionary_frequencies, dictionary_tag

_PUNCT_RE = re.compile(r"^[\W_]+$")
_ENTITY_RE = re.compile(r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ]")
_ENTITY_TAGS = ("nh", "ns", "m", "nt")
#: the IDF weight of a word: log(total / freq) from the segmenter's dictionary, clipped (unknown words
#: count like rare ones, not more: a typo must not dominate) and shifted so the commonest words weigh little
IDF_CAP = 13.0
IDF_FLOOR = 4.0
ADVERB_WEIGHT = 0.5


def light_words() -> frozenset[str]:
    return read_words("light_words.txt") | read_words("function_words.txt")


def transfer_morphemes() -> frozenset[str]:
    return read_words("transfer_morphemes.txt")


#: personal pronouns: participants, compared exactly (我/你 differ; 你/您 and 我/我们 are close)
PRONOUNS = frozenset("我 你 您 他 她 它 我们 你们 他们 她们 咱 咱们".split())
PRONOUN_WEIGHT = 1.0
_PRONOUN_CLOSE = {frozenset(p): v for p, v in ((("你", "您"), 1.0), (("我", "我们"), 0.8), (("你", "你们"), 0.8),
                                               (("您", "你们"), 0.8), (("我", "咱"), 1.0), (("我们", "咱们"), 1.0),
                                               (("他", "她"), 0.6), (("他们", "她们"), 0.6))}


@dataclass
class ContentWord:
    token: str
    index: int  # 0-based position in the parse
    weight: float
    entity: bool
    known: bool
    #: the slot values (kind, value) the word is part of: two entity words with the same ones are one
    #: entity written two ways (国庆节 / 国庆 both name 10月1日)
    slots: frozenset[tuple[str, str]] = frozenset()


@dataclass
class Profile:
    """What the signed comparison needs of one sentence (computed once per distinct sentence)."""

    content: list[ContentWord]
    qtype: str | None
    qmarker: str | None
    events: list[Event]
    questions: list[str]
    bigrams: Counter = field(default_factory=Counter)  # character bigrams (char_overlap)
    slots: list[Value] = field(default_factory=list)  # numbers, times, names, places (rules/slots.py)
    text: str = ""
    tokens: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"content": [w.token for w in self.content], "question_type": self.qtype,
                "question_marker": self.qmarker, "events": [e.to_dict() for e in self.events],
                "yes_no_forms": list(self.questions),
                "slots": [f"{v.kind}:{v.text}" for v in self.slots]}


class IdfTable:
    """IDF weights from a word → frequency table (jieba's dictionary)."""

    def __init__(self, freq: dict[str, int], total: float | None = None) -> None:
        self.freq = freq
        self.total = float(total or sum(freq.values()) or 1.0)

    def weight(self, word: str) -> float:
        f = self.freq.get(word) or 0
        idf = math.log(self.total / f) if f > 0 else IDF_CAP
        return max(0.5, min(idf, IDF_CAP) - IDF_FLOOR)


@lru_cache(maxsize=8)
def _skipped(cues: Cues, question_words: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(words never content, two-token cues) for one config's word lists: built once, not per sentence."""
    skip = light_words() | question_word_set() | question_words | cues.negation | cues.prefix | cues.suffix
    return frozenset(skip), cues.suffix | cues.prefix


def profile(text: str, tokens: Sequence[str], pos: Sequence[str], config: RuleConfig, idf: IdfTable,
            knows: Callable[[str], bool] | None, word_senses: Callable[[str], Any] | None = None) -> Profile:
    """``word_senses`` (a word's HowNet senses, all of them) lets the slot values find places; without it
    only numbers, times and names are found."""
    cues = load_cues(config.negation_words)
    qtype, qmarker = question_type(text, tokens)
    evs, questions = events(tokens, predicate_tags(tokens, pos), cues)
    skip, joined_cues = _skipped(cues, config.question_words)
    slots = slot_values(text, tokens, knows, word_senses, skip)
    # numbers, dates/times and places (rules/slots.py: 三个, 两千, 明天, 星期三, 杭州市) compare exactly; names
    # not by their tokens (the segmenter cuts one name two ways: 小红|藏 / 小红藏): the name slots compare them
    spans = [(v.start, v.start + len(v.text), (v.kind, v.value)) for v in slots
             if v.kind != "name" and v.start >= 0]
    starts = token_starts(text, tokens)
    content = []
    complements = {e.index + 2 for e in evs for c in e.cues
                   if c[:1] == "不" and c[1:] in cues.potential and e.index + 2 < len(tokens)
                   and tokens[e.index + 1] == "不" and tokens[e.index + 2] == c[1:]}
    words = [(i, tok, tag) for i, (tok, tag) in enumerate(zip(tokens, pos))]
    for at in range(len(words) - 1, -1, -1):
        i, tok, tag = words[at]
        if is_a_not_a(tok):  # 贵不贵 asks whether 贵: its predicate is content like the plain question's,
            lemma = a_not_a_lemma(tok)  # cut as the token repairs cut that word (好用 → 好 用) when alone
            parts = anchor_split(lemma, knows) if knows is not None and not knows(lemma) else None
            words[at:at + 1] = [(i, part, tag) for part in parts or [lemma]]
    for i, tok, tag in words:
        # content is decided by the word lists, not by the tag: the parser's tags are noisy on short
        # questions (借/p 不 出来, 追/k 猫/k)
        if tok in skip or _PUNCT_RE.match(tok) or tag == "wp":
            continue
        if i in complements:  # 借|不|出来: 出来 belongs to the negated verb
            continue
        if i > 0 and tokens[i - 1] + tok in joined_cues:  # 不|成功, 没|办法: part of a cue
            continue
        if tag == "q" or (len(tok) == 1 and tag[:1] in ("u", "c", "e", "y", "o")):
            continue  # classifiers and one-character particles whatever the lists say
        if tok in PRONOUNS:
            content.append(ContentWord(tok, i, PRONOUN_WEIGHT, True, False))  # compared exactly
            continue
        at = starts.get(i, -1)  # the slot values the token overlaps, by offsets (not 一 inside 统一)
        end = at + len(tokens[i])
        keys = frozenset(key for s, e, key in spans if at >= 0 and s < end and at < e)
        entity = bool(_ENTITY_RE.search(tok)) or tag in _ENTITY_TAGS or bool(keys)
        weight = idf.weight(tok) * (ADVERB_WEIGHT if tag[:1] == "d" else 1.0)
        content.append(ContentWord(tok, i, weight, entity, bool(knows(tok)) if knows else True, keys))
    chars = [ch for ch in text if ch.isalnum()]
    bigrams = Counter(a + b for a, b in zip(chars, chars[1:])) if len(chars) > 1 else Counter(chars)
    return Profile(content, qtype, qmarker, evs, questions, bigrams, slots, text, tuple(tokens))


@lru_cache(maxsize=1 << 16)
def _predicate_word(word: str) -> bool:
    """A verb or adjective by jieba's dictionary; a word it lacks (难吃 is there, 好用 may not be) counts
    when its last character is one."""
    tag = dictionary_tag(word)
    if tag:
        return tag[:1] in ("v", "a") or (len(word) == 1 and tag == "m")  # 多/少 are tagged m
    if dictionary_frequencies().get(word):
        return False  # in the dictionary with another tag (长发/n, 老婆/n)
    return len(word) == 2 and dictionary_tag(word[-1])[:1] in ("v", "a")


def predicate_tags(tokens: Sequence[str], pos: Sequence[str]) -> list[str]:
    """The parser's tags, with a verb/adjective from jieba's dictionary where the parser says neither
    noun/pronoun nor verb/adjective (its tags are noisy on short sentences: 追/nz, 贵/k), or a noun right
    after a negation (没|学会/n)."""
    out = []
    for i, (tok, tag) in enumerate(zip(tokens, pos)):
        negated = i > 0 and tokens[i - 1] in _PLAIN_NEGATIONS  # 没|学会/n: after a negation, a verb
        if (tag[:1] not in ("v", "a", "r", "d", "p", "u", "c", "m", "q", "w") and tag not in ("n", "nh", "ns", "ni")) \
                or (negated and tag[:1] == "n"):
            alt = dictionary_tag(tok)
            if alt[:1] in ("v", "a"):
                tag = alt[:1]
        out.append(tag)
    return out


#: negations before a predicate (a noun after them is rare: 没钱 stays a noun by jieba's dictionary)
_PLAIN_NEGATIONS = frozenset("不 没 没有 未 别".split())


@lru_cache(maxsize=1 << 16)
def char_dice(x: str, y: str) -> float:
    common = sum(min(x.count(ch), y.count(ch)) for ch in set(x))
    return 2.0 * common / (len(x) + len(y))


#: HowNet parts of speech of function words (a listed antonym with one of them is no predicate for sure)
_FUNCTION_POS = frozenset({"PREP", "ADV", "CONJ", "STRU", "PRON"})

#: entries of a scorer's opposite-predicate cache (:attr:`Match.opposites`) before it is cleared
OPPOSITE_CACHE = 200_000


@dataclass
class Match:
    """Word matching between two profiles with the signed config's weights (memoised per pair).

    ``opposites``: a dict shared by the pairs a scorer compares (one per config and word knowledge):
    whether two words are opposite predicates depends on the two words only, so it is decided once.
    ``knows``: whether the word knowledge has a word (None: every word counts as known);
    ``word_senses``: a word's senses out of context (None: predicates by jieba's dictionary only)."""

    config: RuleConfig
    relation: Callable[[str, str, Any, Any], Any]
    senses1: Sequence[Any]
    senses2: Sequence[Any]
    _rel: dict = field(default_factory=dict)
    same: set = field(default_factory=set)  # word pairs to count as one (a converse pair once found)
    opposites: dict | None = None
    knows: Callable[[str], bool] | None = None
    word_senses: Callable[[str], Any] | None = None

    def rel(self, x: str, y: str, i: int | None = None, j: int | None = None) -> Any:
        """The relation of two words, with the senses of tokens ``i``/``j`` when given. Memoised per word
        pair for this sentence pair: the first call decides which senses count (see :meth:`opposite`)."""
        key = (x, y)
        found = self._rel.get(key)
        if found is None:
            s1 = self.senses1[i] if i is not None and i < len(self.senses1) else None
            s2 = self.senses2[j] if j is not None and j < len(self.senses2) else None
            found = self._rel[key] = self.relation(x, y, s1, s2)
        return found

    def known(self, word: str) -> bool:
        return True if self.knows is None else bool(self.knows(word))

    def opposite(self, x: str, y: str) -> bool:
        """Antonymous predicates: both words verbs or adjectives (by jieba's dictionary: kinship converses
        such as 舅舅/老婆 and nouns such as 长发/短发 are not), and a morpheme pair or a trusted relation.
        The relation it consults is the context-free one, and it is memoised for the pair like any
        :meth:`rel` call (so :meth:`words` then reads the same relation for these two words)."""
        if x == y:
            return False
        key = (x, y)
        cache = self.opposites
        found = cache.get(key) if cache is not None else None
        if found is None:
            found = self._opposite(x, y)
            if cache is not None:
                if len(cache) > OPPOSITE_CACHE:
                    cache.clear()
                cache[key] = found
        verdict, consulted = found
        if consulted is not None and key not in self._rel:
            self._rel[key] = consulted
        return verdict

    def predicate(self, word: str) -> bool:
        """A verb or adjective: by jieba's dictionary, else by HowNet when every sense of the word is one
        (jieba tags 同意/反对 as adverbs and 降级 as a noun; HowNet has them as verbs only)."""
        if _predicate_word(word):
            return True
        senses = self.word_senses(word) if self.word_senses is not None else ()
        return bool(senses) and all(getattr(sense, "pos", "") in ("V", "ADJ") for sense in senses)

    def function_word(self, word: str) -> bool:
        """Also a preposition, adverb or conjunction (通过 'by means of', 老 'always'): a listed antonym pair
        with such a word is no evidence out of context. Words neither knows (解绑, 下架) are not."""
        if dictionary_tag(word)[:1] in ("p", "d", "c", "u", "r"):
            return True
        senses = self.word_senses(word) if self.word_senses is not None else ()
        return any(getattr(sense, "pos", "") in _FUNCTION_POS for sense in senses)

    def _opposite(self, x: str, y: str) -> tuple[bool, Any]:
        """(opposite?, the context-free relation when it was consulted, else None)."""
        cues = load_cues(self.config.negation_words)
        if len(x) == len(y) == 1 and morpheme_antonyms(x, y, cues):
            return True, None  # 冷/热: one-character antonymous morphemes are words themselves
        if listed_antonyms(x, y) and not (self.function_word(x) or self.function_word(y)):
            return True, None  # 开通/关闭, 忙/闲: the antonym list (HowNet 2000 lacks the relation or the tags)
        if not (self.predicate(x) and self.predicate(y)):
            return False, None
        if morpheme_antonyms(x, y, cues):
            return True, None
        # the context-free relation: a sensed one is memoised for (x, y) only after this call (words())
        r = self.relation(x, y, None, None)
        if r.kind == "converse":
            marks = transfer_morphemes()
            if any(ch in marks for ch in x) and any(ch in marks for ch in y):
                return False, r  # 借/贷, 买/卖: one event from either side, not opposites
        return r.kind is not None and (r.opposite or r.rule in self.config.signed_opposite_rules), r

    def similar(self, x: str, y: str) -> float:
        return 0.0 if self.opposite(x, y) else self.rel(x, y).magnitude

    def words(self, x: ContentWord, y: ContentWord) -> float:
        if x.token == y.token or (x.token, y.token) in self.same or listed_alternatives(x.token, y.token):
            return 1.0  # listed alternatives: 解绑 / 解除绑定 name one action
        if x.entity or y.entity:
            if x.slots and x.slots == y.slots:
                return 1.0  # one slot value written two ways (国庆节 / 国庆, 杭州市 / 杭州)
            return _PRONOUN_CLOSE.get(frozenset((x.token, y.token)), 0.0)
        cfg = self.config
        score = cfg.signed_char_weight * char_dice(x.token, y.token)
        if self.opposite(x.token, y.token):
            return 1.0  # antonyms are the same slot with the other polarity: polarity decides
        if x.known and y.known:
            score = max(score, cfg.signed_hownet_weight * self.rel(x.token, y.token, x.index, y.index).magnitude)
        return score


def coverage(c1: Sequence[ContentWord], c2: Sequence[ContentWord], match: Match) -> dict[str, float]:
    """Coverage both directions, the identical-string share and the unmatched IDF mass."""
    if not c1 and not c2:
        return {"cov1": 1.0, "cov2": 1.0, "exact": 1.0, "unmatched": 0.0}
    if not c1 or not c2:
        return {"cov1": 0.0, "cov2": 0.0, "exact": 0.0,
                "unmatched": sum(w.weight for w in (*c1, *c2))}
    best1 = [0.0] * len(c1)
    best2 = [0.0] * len(c2)
    for i, x in enumerate(c1):
        for j, y in enumerate(c2):
            m = match.words(x, y)
            if m > best1[i]:
                best1[i] = m
            if m > best2[j]:
                best2[j] = m
    w1 = sum(x.weight for x in c1)
    w2 = sum(y.weight for y in c2)
    tokens1, tokens2 = {x.token for x in c1}, {y.token for y in c2}
    exact = (sum(x.weight for x in c1 if x.token in tokens2) + sum(y.weight for y in c2 if y.token in tokens1)) \
        / (w1 + w2)
    unmatched = sum(x.weight * (1 - b) for x, b in zip(c1, best1)) + sum(y.weight * (1 - b) for y, b in zip(c2, best2))
    return {"cov1": sum(x.weight * b for x, b in zip(c1, best1)) / w1,
            "cov2": sum(y.weight * b for y, b in zip(c2, best2)) / w2, "exact": exact, "unmatched": unmatched}


_NO_SWAP = frozenset("把 被 叫 让 是".split())
#: function words that may be the pivot of a role exchange (他比我高 / 我比他高, 北京在上海的北边)
PIVOTS = frozenset("比 给 向 从 对 在 替 为".split())
#: aspect particles and modal verbs after the verb, pivots of the verb's participants (王芳等了周杰 / 周杰等了王芳)
_ASPECT_PIVOTS = frozenset("了 过 着 要 会 想".split())


def _predicate_lemmas(p1: Profile, p2: Profile) -> set[str]:
    """Event lemmas that are verbs/adjectives in jieba's dictionary (a name the parser tags v stays a
    participant)."""
    return {e.lemma for e in (*p1.events, *p2.events) if dictionary_tag(e.lemma)[:1] in ("v", "a")}


def roles_swapped(p1: Profile, p2: Profile, tokens1: Sequence[str], tokens2: Sequence[str]) -> str | None:
    """Word-order evidence that two participants are exchanged around one pivot (猫追老鼠 / 老鼠追猫, 他比我高
    / 我比他高), independent of the parse: a token found once in each sentence (a shared content word or a
    preposition such as 比) with a participant before it on one side found after it on the other, both
    ways. 把/被 and 是 sentences are left to the structural rules; predicates never count as participants."""
    blocking = _NO_SWAP & (set(tokens1) | set(tokens2))
    if blocking and not (blocking == {"是"} and tokens1[:1] == tokens2[:1] == ["是"]):
        return None  # 是 opening both sentences marks the focus (是公司欠我工资吗), no equation
    lemmas = _predicate_lemmas(p1, p2)
    # a shared content word, a preposition, or a verb the word lists leave out of content (等 is also
    # "etc."); not a conjunction: A和B / B和A, A还是B / B还是A say the same
    shared = ({w.token for w in p1.content} & {w.token for w in p2.content}) | PIVOTS | _ASPECT_PIVOTS | {
        t for t in set(tokens1) & set(tokens2) if _predicate_word(t) and dictionary_tag(t)[:1] == "v"}
    # in sentence order, so that the pivot named in the reason is the same in every process
    pivots = sorted((t for t in shared if tokens1.count(t) == 1 and tokens2.count(t) == 1),
                    key=tokens1.index)
    for t in pivots:
        i, j = tokens1.index(t), tokens2.index(t)
        before1 = {w.token for w in p1.content if w.index < i and w.token not in lemmas}
        after1 = {w.token for w in p1.content if w.index > i and w.token not in lemmas}
        before2 = {w.token for w in p2.content if w.index < j and w.token not in lemmas}
        after2 = {w.token for w in p2.content if w.index > j and w.token not in lemmas}
        moved_back, moved_front = (before1 & after2) - before2, (after1 & before2) - after2
        if moved_back and moved_front:
            return f"{'/'.join(sorted(moved_back))} and {'/'.join(sorted(moved_front))} change sides of {t}"
    return None


#: slot kinds that are circumstances, not participants (上周, 1000元)
_CIRCUMSTANCES = frozenset({"time", "number"})


def _participants(p: Profile, lemmas: set[str]) -> list[ContentWord]:
    """Content words that can fill a role: not predicates, not times or amounts."""
    own = {e.lemma for e in p.events if len(e.lemma) == 1}  # 丢 (jieba: zg) is the parse's predicate
    return [w for w in p.content if w.token not in lemmas and w.token not in own
            and dictionary_tag(w.token)[:1] not in ("v", "a") and not any(kind in _CIRCUMSTANCES for kind, _ in w.slots)]


def _roles(p: Profile, tokens: Sequence[str], lemmas: set[str], span: tuple[int, int]) -> dict[str, str]:
    """participant → agent / patient / other by the 把/被 markers, else by word order (the first
    participant acts on the second): 张三把李四打了 / 李四被张三打了 / 张三打了李四 give one frame. Only
    the clause ``span`` (token positions lo..hi) is read: roles do not cross a comma."""
    lo, hi = span
    # a possessor (我 in 我的汽车) modifies the participant after it: no role of its own
    words = [w for w in _participants(p, lemmas) if lo <= w.index < hi and tokens[w.index + 1:w.index + 2] != ["的"]]
    if not words:
        return {}
    marker = next(((i, t) for i, t in enumerate(tokens[lo:hi], lo) if t in ("把", "被")), None)
    roles: dict[str, str] = {w.token: "other" for w in words}
    if marker is None:
        if len(words) < 2:
            return {}  # one participant: 背包丢了 names no agent (unknown, not a role to compare)
        roles[words[0].token], roles[words[1].token] = "agent", "patient"
    else:
        at, kind = marker
        before = [w.token for w in words if w.index < at]
        after = [w.token for w in words if w.index > at]
        if before:
            roles[before[-1]] = "agent" if kind == "把" else "patient"
        if after:
            roles[after[0]] = "patient" if kind == "把" else "agent"
    return roles


_CLAUSE_ENDS = frozenset("，,。.？?！!；;")


def _clause(tokens: Sequence[str], at: int) -> tuple[int, int]:
    """The token span of the clause holding position ``at`` (split at ，。？！；)."""
    lo = at
    while lo > 0 and tokens[lo - 1] not in _CLAUSE_ENDS:
        lo -= 1
    hi = at
    while hi < len(tokens) and tokens[hi] not in _CLAUSE_ENDS:
        hi += 1
    return lo, hi


def _ba_bei_verb(p: Profile, tokens: Sequence[str]) -> tuple[str, tuple[int, int]] | None:
    """The predicate after the first 把/被 in its clause, and that clause (None: no marker or no verb)."""
    at = next((i for i, t in enumerate(tokens) if t in ("把", "被")), None)
    if at is None:
        return None
    span = _clause(tokens, at)
    verb = next((e.lemma for e in p.events if at < e.index < span[1]), None)
    return (verb, span) if verb else None


def _verb_clause(p: Profile, tokens: Sequence[str], verb: str) -> tuple[int, int] | None:
    """The clause of ``p`` holding the same predicate as ``verb`` (None: it has none)."""
    at = next((e.index for e in p.events if same_event(e.lemma, verb)), None)
    if at is None:
        at = next((i for i, t in enumerate(tokens) if t == verb), None)
    return None if at is None else _clause(tokens, at)


def ba_bei_frames(p1: Profile, p2: Profile, tokens1: Sequence[str], tokens2: Sequence[str]) -> str | None:
    """For a pair where a 把 or 被 sentence is involved: ``same`` when the shared participants keep their
    roles (他把门打开了 / 门被他打开了), ``exchanged`` when agent and patient trade places (张三把书卖给了李四 /
    李四把书卖给了张三), None when neither has 把/被, the other sentence lacks the 把/被 clause's verb (怎样把好友
    隐藏 / 怎样看好友在不在线), or too little is shared to tell. Only the clause of that verb is read on
    either side (我用花呗买的东西，然后我把花呗还上了 compares 我把花呗还上了 only)."""
    found = _ba_bei_verb(p1, tokens1) or _ba_bei_verb(p2, tokens2)
    if found is None:
        return None
    verb = found[0]
    span1, span2 = _verb_clause(p1, tokens1, verb), _verb_clause(p2, tokens2, verb)
    if span1 is None or span2 is None:
        return None  # the 把/被 clause's predicate is not in the other sentence: nothing to compare roles on
    lemmas = _predicate_lemmas(p1, p2)
    r1, r2 = _roles(p1, tokens1, lemmas, span1), _roles(p2, tokens2, lemmas, span2)
    shared = [t for t in r1 if t in r2]
    if len(shared) < 2 or "agent" not in r1.values() or "agent" not in r2.values():
        return None
    if any({r1[t], r2[t]} == {"agent", "patient"} for t in shared):
        return "exchanged"  # only agent ↔ patient: an "other" participant has no role to trade
    if all(r1[t] == r2[t] for t in shared):
        return "same"
    return None


def participants_reversed(p1: Profile, p2: Profile) -> tuple[str, str] | None:
    """Two participants (content words that are not predicates) found in both sentences in the opposite
    order (我借给他 / 他向我借)."""
    lemmas = _predicate_lemmas(p1, p2)
    pos1 = {w.token: w.index for w in p1.content if w.token not in lemmas}
    pos2 = {w.token: w.index for w in p2.content if w.token not in lemmas}
    shared = sorted(set(pos1) & set(pos2), key=lambda token: pos1[token])
    for a, b in itertools.combinations(shared, 2):
        if (pos1[a] - pos1[b]) * (pos2[a] - pos2[b]) < 0:
            return a, b
    return None


def converse_pair(p1: Profile, p2: Profile, match: "Match") -> tuple[str, str] | None:
    """Two differing words, one per side, that are opposite or converse (高/矮, 北边/南边, 卖/买): with the
    participants exchanged they describe one situation (他比我高 / 我比他矮)."""
    cues = load_cues(match.config.negation_words)
    shared = {w.token for w in p1.content} & {w.token for w in p2.content}
    words2 = [w.token for w in p2.content if not w.entity and w.token not in shared]
    for x in (w.token for w in p1.content if not w.entity and w.token not in shared):
        for y in words2:
            if x == y:
                continue
            if _receives(x, y, p2) or _receives(y, x, p1):
                return x, y
            if _dative_converse(x, y):
                return x, y
            for a, b in dict.fromkeys([(x, y), (verb_stem(x), verb_stem(y))]):  # the words first
                if a == b:
                    continue
                if listed_antonyms(a, b):
                    return x, y
                if morpheme_antonyms(a, b, cues):
                    return x, y
                if match.known(a) and match.known(b):
                    r = match.rel(a, b)
                    if r.kind is not None and (r.opposite or r.rule in match.config.signed_opposite_rules
                                               or r.kind == "converse"):
                        return x, y
    return None


#: complements that mark the recipient or the other party after a verb (输给, 卖给, 负于, 高于): not part of
#: the verb's meaning, so the converse of 输给 is the converse of 输 and 低于 that of 高于. (jieba cuts 败|于
#: apart: there 败 itself is compared.)
_DATIVE_COMPLEMENTS = ("给", "于")


def verb_stem(word: str) -> str:
    """The verb without a dative complement (输给 → 输, 负于 → 负, 高于 → 高); the word itself otherwise, and
    for prepositions and conjunctions that end so (关于, 对于, 由于)."""
    if len(word) >= 2 and word.endswith(_DATIVE_COMPLEMENTS) and _predicate_word(word[:-1]) \
            and dictionary_tag(word)[:1] not in ("p", "c", "d") and word not in light_words():
        return word[:-1]
    return word


def _dative_converse(x: str, y: str) -> bool:
    """借给 / 借, 租给 / 租: a verb of transfer with its recipient marked by 给 on one side and bare on the other
    (公司借给他 / 他向公司借, 房子租给了夫妻 / 夫妻租了房子): with the participants in the other order, one event."""
    for given, bare in ((x, y), (y, x)):
        if given.endswith("给") and len(given) >= 2 and given[:-1] == bare \
                and any(ch in transfer_morphemes() for ch in bare):
            return True
    return False


def reception_verbs() -> frozenset[str]:
    return read_words("reception_verbs.txt")


def _receives(x: str, y: str, side_y: Profile) -> bool:
    """``x`` receives what ``y`` gives: a verb of receiving (收到) against a verb of giving (送, 借给) or any
    verb in a sentence that names a recipient with 给 (给我打了电话 / 接到了电话)."""
    if x not in reception_verbs() or y in reception_verbs() or not _predicate_word(y):
        return False
    return any(ch in transfer_morphemes() for ch in y) or any(
        t == "给" or (len(t) > 1 and t.endswith("给")) for t in side_y.tokens)  # 给我 / 交给我: a recipient


#: question types that ask for a specific slot: two different ones (怎么 / 什么时候), or one of them against a
#: yes/no or content question, ask different things; what/which/who/yes-no among themselves, or a manner or
#: reason question against a statement, often ask the same (这是什么 / 哪个是 …; 怎么开通 / 开通花呗)
SLOT_TYPES = frozenset({"manner", "reason", "time", "quantity", "place"})
_STRONG_AGAINST_NONE = frozenset({"time", "quantity", "place"})


def qtype_conflict(q1: str | None, q2: str | None) -> bool:
    """Whether two different question types ask different things (a strong difference), see SLOT_TYPES."""
    if q1 == q2:
        return False
    if q1 is None or q2 is None:
        return (q1 or q2) in _STRONG_AGAINST_NONE
    return q1 in SLOT_TYPES or q2 in SLOT_TYPES


def _entity_keys(p: Profile) -> set:
    """The entities of a sentence: a word's slot values where it has some (so 国庆节 and 国庆 are one), else
    the word. Places are left out: two different places are a place conflict, and a place on one side only
    (电信 / 中国电信) is extra detail."""
    return {w.slots or w.token for w in p.content if w.entity and w.token not in PRONOUNS and not _article(w.token)
            and not (w.slots and all(kind == "place" for kind, _ in w.slots))}


def rhetorical_question(pol: Any, p1: Profile, p2: Profile) -> bool:
    """The negated side of the first contradicting pair is a 吗/嘛 question (不能…吗 asks what 能…吗 asks,
    不是有…嘛 asserts what 有…吗 asks)."""
    pair = (pol.mismatched or pol.antonyms)[0]
    negated_side = p1 if pair[0].negated else p2
    return negated_side.qtype == "yesno" and negated_side.qmarker in ("吗", "么", "嘛")


def _without_details(content: Sequence[ContentWord]) -> list[ContentWord]:
    """Content words without times and 一 + classifier (see :func:`_detail`)."""
    return [w for w in content if not (w.slots and _detail(w.slots) is not None) and not _article(w.token)]


def _article(token: str) -> bool:
    """一 + classifier (一台, 一笔): an indefinite article, not a number that matters."""
    return len(token) == 2 and token[0] == "一" and token[1] in CLASSIFIERS


def _detail(key: Any) -> str | None:
    """The kind of an entity that may stand on one side only as extra detail: a time (昨天买了 / 买了) or
    one of something (一台冰箱 / 冰箱: 一 + classifier is an article); None for any other entity."""
    if isinstance(key, frozenset) and key:
        kinds = {"time" if kind == "time" else "one" if (kind, value) == ("number", "1") else None
                 for kind, value in key}
        if len(kinds) == 1:
            return next(iter(kinds))
    return None


def _entities_differ(p1: Profile, p2: Profile, details: frozenset[str] = frozenset({"one"})) -> bool:
    """Names, numbers, times … that differ: an entity on one side only counts, except one of the
    ``details`` kinds (see :func:`_detail`) the other side does not replace with one of its own kind. For
    the content score a time on one side only counts (BQ dev: 我昨天还款了 / 我还款了 differ as often as
    not); for the opposite gate it is detail (李娜买了椅子 / 李娜上周一没有买椅子 is still a negation)."""
    e1, e2 = _entity_keys(p1), _entity_keys(p2)
    only1, only2 = e1 - e2, e2 - e1
    kinds1, kinds2 = {_detail(k) for k in only1}, {_detail(k) for k in only2}
    return any(_detail(k) not in details for k in only1 | only2) or bool(kinds1 & kinds2 & details)


def _paper_parts(detail: dict) -> dict[str, float]:
    """Component similarities, K2, |S|, role exchange and Ba/Bei from the paper's explanation."""
    out = {"subject_sim": 0.0, "predicate_sim": 0.0, "object_sim": 0.0, "components_shared": 0.0,
           "structure_sim": float(abs(detail.get("S", 0.0))), "role_exchange": 0.0, "ba_bei": 0.0}
    clauses = detail.get("clauses") or []
    if not clauses:
        return out
    first = clauses[0]
    for role in ("subject", "predicate", "object"):
        comp = first.get("components", {}).get(role)
        if comp is not None:
            out[f"{role}_sim"] = float(comp["score"])
    if "phrase" in first.get("components", {}):
        out["predicate_sim"] = float(first["components"]["phrase"]["score"])
    coeffs = first.get("coefficients", {})
    out["components_shared"] = float(coeffs.get("K2", {}).get("value", 1.0))
    out["role_exchange"] = float(any(c.get("coefficients", {}).get("role_exchange", {}).get("fired")
                                     for c in clauses))
    out["ba_bei"] = float(any(c.get("coefficients", {}).get("ba_bei", {}).get("fired") for c in clauses))
    return out


def compare(p1: Profile, p2: Profile, match: Match, paper_score: float, paper_detail: dict,
            patterns: tuple[str, str], config: RuleConfig, tokens: tuple[Sequence[str], Sequence[str]] = ((), ())
            ) -> tuple[float, dict[str, float], dict]:
    """(signed score, feature values, polarity verdict)."""
    cfg = config
    cov = coverage(p1.content, p2.content, match)
    cov_mean = (cov["cov1"] + cov["cov2"]) / 2
    cov_min = min(cov["cov1"], cov["cov2"])
    parts = _paper_parts(paper_detail)
    swap: str | None = None
    converse = None
    frames = ba_bei_frames(p1, p2, *tokens) if tokens[0] and tokens[1] else None
    if frames == "same":  # 把/被 with the roles kept, whatever the parse made of it
        parts["ba_bei"], parts["role_exchange"] = 1.0, 0.0
    elif frames == "exchanged" and cov_min >= cfg.signed_swap_gate and not converse_pair(p1, p2, match):
        parts["role_exchange"] = 1.0  # (with converse predicates, 卖给 / 买, the reversal below decides)
        swap = "the 把/被 roles of the participants differ"
    reversed_ = participants_reversed(p1, p2) if not parts["ba_bei"] and frames != "same" else None
    if reversed_:  # participants in the other order: one event seen from the other side, or roles exchanged
        candidate = converse_pair(p1, p2, match)  # 我借给他 / 他向我借, 我赢了他 / 他输给了我
        with_converse = cov
        if candidate:  # the converse words name one relation: count them as matched, then gate
            match.same.add(candidate)
            with_converse = coverage(p1.content, p2.content, match)
        if min(with_converse["cov1"], with_converse["cov2"]) >= cfg.signed_swap_gate:
            swap = roles_swapped(p1, p2, *tokens)
            if candidate:
                converse, cov = candidate, with_converse
                swap = swap or "{} and {} in the other order".format(*reversed_)
                cov_mean = (cov["cov1"] + cov["cov2"]) / 2
                cov_min = min(cov["cov1"], cov["cov2"])
            if converse or swap:  # else the paper's analysis decides
                parts["role_exchange"] = float(converse is None)
        elif candidate:
            match.same.discard(candidate)
    if converse is None and paper_detail.get("clauses") and \
            str(paper_detail["clauses"][0].get("pairing", "")).startswith("crossed"):
        converse = ("", "")  # the paper's analysis found converse predicates with crossed roles
        parts["role_exchange"] = 0.0
    qsame = p1.qtype == p2.qtype
    entity_mismatch = _entities_differ(p1, p2)
    pol = compare_events(p1.events, p2.events, match.similar, match.opposite)
    n1, n2 = len(p1.content), len(p2.content)
    feats: dict[str, float] = {
        **parts,
        "coverage": cov_mean, "coverage_min": cov_min, "exact_overlap": cov["exact"],
        "unmatched_content": cov["unmatched"] / 10.0,
        "qtype_same": float(qsame), "qtype_differs": float(not qsame),
        "qtype_conflict": float(qtype_conflict(p1.qtype, p2.qtype)),
        "both_questions": float(p1.qtype is not None and p2.qtype is not None),
        "negation_mismatch": float(bool(pol.mismatched)),
        "negation_unaligned": float(bool(pol.unaligned_negated)),
        "antonym_predicate": float(bool(pol.antonyms)),
        "pattern_differs": float(patterns[0] != patterns[1]),
        "entity_mismatch": float(entity_mismatch),
        "length_ratio": min(n1, n2) / max(n1, n2) if max(n1, n2) else 1.0,
        "paper_score": float(paper_score),
    }
    found = slot_conflicts(p1.slots, p2.slots)
    rest = slot_rest_coverage(p1, p2, found, match) if found else 1.0
    decisive = rest >= SLOT_REST_GATE
    for kind in SLOT_KINDS:
        feats[f"{kind}_conflict"] = float(decisive and any(c.kind == kind for c in found))
    feats["slot_rest_coverage"] = rest
    aligned = aligned_polarity(tokens[0], tokens[1], cfg.negation_words, match.opposite) \
        if tokens[0] and tokens[1] else None
    if aligned is not None and aligned["kind"] == "negation":
        negated = p1 if aligned["negated"] == "first" else p2
        if negated.qtype == "yesno" and negated.qmarker in ("吗", "么"):
            aligned = None  # 不能…吗 asks what 能…吗 asks
    feats["qtype_slot_conflict"] = float(qtype_slot_conflict(p1, p2) and cov_min >= SLOT_REST_GATE)
    feats["negation_aligned"] = float(aligned is not None and aligned["kind"] == "negation")
    feats["antonym_aligned"] = float(aligned is not None and aligned["kind"] == "antonym")
    total = sum(p1.bigrams.values()) + sum(p2.bigrams.values())
    char_overlap = 2.0 * sum((p1.bigrams & p2.bigrams).values()) / total if total else 1.0
    feats["char_overlap"] = char_overlap
    cov_mix = cfg.signed_min_weight * cov_min + (1 - cfg.signed_min_weight) * cov_mean
    content = (cfg.signed_coverage_weight * cov_mix + cfg.signed_char_overlap_weight * char_overlap
               + (1 - cfg.signed_coverage_weight - cfg.signed_char_overlap_weight) * parts["structure_sim"])
    if converse == ("", ""):
        content = max(content, parts["structure_sim"])  # converse predicates with exchanged roles: one event
    conflict = qtype_conflict(p1.qtype, p2.qtype)
    if not qsame:
        both_slots = p1.qtype in SLOT_TYPES and p2.qtype in SLOT_TYPES
        content *= (cfg.signed_qtype_slot_factor if both_slots else cfg.signed_qtype_factor) if conflict \
            else cfg.signed_qtype_weak_factor
    if entity_mismatch or feats["name_conflict"] or feats["place_conflict"]:  # 张三 / 李四, 北京 / 上海 too
        cap = cfg.signed_entity_cap * (1 - cfg.signed_entity_cap_slope + cfg.signed_entity_cap_slope * content)
        content = min(content * cfg.signed_entity_factor, cap)
    gate_cov = cov_min
    if gate_cov < cfg.signed_opposite_gate:  # a time or 一 + classifier on one side is detail, not content
        kept1, kept2 = _without_details(p1.content), _without_details(p2.content)
        if len(kept1) < len(p1.content) or len(kept2) < len(p2.content):
            plain = coverage(kept1, kept2, match)
            gate_cov = min(plain["cov1"], plain["cov2"])
    matches = gate_cov >= cfg.signed_opposite_gate and qsame and not (
        entity_mismatch and _entities_differ(p1, p2, frozenset({"one", "time"})))
    verdict, reason = "unclear", ""
    cue: dict[str, Any] | None = None
    if converse is not None and not pol.mismatched:
        verdict = "agree" if matches or cov_min >= cfg.signed_opposite_gate else "unclear"
        reason = (f"converse: {converse[0]}/{converse[1]} with the participants exchanged ({swap}) describe one "
                  "situation") if swap else "converse predicates with crossed roles (the paper's K3·K4 = +1)"
        cue = {"kind": "converse", "words": list(converse)}
    elif pol.contradicts:
        pair = (pol.mismatched or pol.antonyms)[0]
        what = (f"{pair[0].lemma}{'(negated: ' + '/'.join(pair[0].cues) + ')' if pair[0].negated else ''} vs "
                f"{pair[1].lemma}{'(negated: ' + '/'.join(pair[1].cues) + ')' if pair[1].negated else ''}")
        kind = "antonymous predicates" if pol.antonyms and not pol.mismatched else "negation on one side of the same event"
        cue = {"kind": "antonym" if pol.antonyms and not pol.mismatched else "negation",
               "events": [pair[0].to_dict(), pair[1].to_dict()]}
        rhetorical = cue["kind"] == "negation" and rhetorical_question(pol, p1, p2)
        if matches and not rhetorical and cfg.use_polarity:
            verdict, reason = "opposite", f"{kind}: {what}; the rest of the content matches (coverage {cov_min:.2f})"
        elif rhetorical:
            reason = f"{kind}: {what}, but in a yes/no question (不能…吗 asks what 能…吗 asks)"
        elif matches:
            reason = f"{kind}: {what} (polarity switched off)"
        else:
            why = ("question types differ" if not qsame else "names/numbers differ" if entity_mismatch
                   else f"content differs too (coverage {cov_min:.2f} < {cfg.signed_opposite_gate:g})")
            reason = f"{kind}: {what}, but {why}"
    elif parts["role_exchange"]:
        reason = ("the same predicate with agent and patient exchanged: not the same statement"
                  + (f" ({swap})" if swap else ""))
        cue = {"kind": "role_exchange"}
    elif matches:
        verdict, reason = "agree", f"content matches (coverage {cov_min:.2f}) and aligned predicates agree"
    else:
        reason = (f"question types differ ({p1.qtype or 'none'} / {p2.qtype or 'none'})" if not qsame else
                  "names/numbers differ" if entity_mismatch else f"content differs (coverage {cov_min:.2f})")
    if verdict == "unclear" and found and decisive and not parts["role_exchange"]:
        reason = f"{found[0].reason()}; the rest matches (coverage {rest:.2f})"
    if (aligned is not None and verdict != "opposite" and converse is None and not parts["role_exchange"]
            and cfg.use_polarity):
        # word for word the same but for a negation or one antonym pair: opposite whatever the parse says
        verdict, reason = "opposite", f"{aligned['kind']}: {aligned['reason']}"
        cue = {"kind": aligned["kind"], "words": aligned["words"]}
    if (pol.contradicts and verdict != "opposite" and converse is None and cfg.use_polarity and qsame
            and not (p1.questions or p2.questions) and not rhetorical_question(pol, p1, p2)):
        content *= cfg.signed_contradiction_factor  # contradicting predicates, amid other differences
    if parts["role_exchange"] and verdict != "opposite" and cfg.use_role_exchange:
        content *= cfg.signed_role_factor
    content = max(0.0, min(1.0, content))
    score = -content if verdict == "opposite" else content
    feats["opposite"] = float(verdict == "opposite")
    feats["rules_score"] = score
    findings = [{**c.to_dict(), "rest_coverage": round(rest, 4), "decisive": decisive} for c in found]
    if aligned is not None:
        findings.append({"kind": aligned["kind"], "feature": f"{aligned['kind']}_aligned", "words": aligned["words"],
                         "reason": aligned["reason"]})
    if conflict:
        findings.append({"kind": "question_type",
                         "feature": "qtype_slot_conflict" if feats["qtype_slot_conflict"] else "qtype_conflict",
                         "words": [[p1.qmarker or ""], [p2.qmarker or ""]],
                         "reason": f"a different question: {_asks(p1)} vs {_asks(p2)}"})
    return score, feats, {"verdict": verdict, "reason": reason, "cue": cue, "conflicts": findings}


#: a slot conflict decides (its ``*_conflict`` feature fires) only when the rest of the content matches at
#: least this well (the smaller direction of :func:`coverage` without the slot words): 借款1000利息多少 /
#: 借款2000利息多少 differ in the amount alone; 2000分期五个月 / 10个月每月还多少 differ in more than that,
#: and there the amounts are not the point. Chosen on BQ dev / LCQMC dev (see tests/test_gates.py).
SLOT_REST_GATE = 0.8


def slot_rest_coverage(p1: Profile, p2: Profile, found: Sequence[Any], match: Match) -> float:
    """How well the content matches once the conflicting slots' words are set aside (min of both ways)."""
    words = {w for c in found for side in (c.first, c.second) for w in side}

    def rest(p: Profile) -> list[ContentWord]:
        return [w for w in p.content if not any(w.token in x or x in w.token for x in words)]

    r1, r2 = rest(p1), rest(p2)
    if not r1 and not r2:
        return 1.0
    cov = coverage(r1, r2, match)
    return max(min(cov["cov1"], cov["cov2"]), _char_rest(p1.text, p2.text, words))


def _char_rest(text1: str, text2: str, words: set[str]) -> float:
    """Dice of character bigrams once the slot words are cut out of both texts: the rest matches even where
    the segmenter glued a unit to the next word (100元收 / 一万元 收)."""
    def bigrams(text: str) -> Counter:
        for w in sorted(words, key=len, reverse=True):
            text = text.replace(w, " ")
        chars = [ch if ch.isalnum() else " " for ch in text]
        out: Counter = Counter()
        for part in "".join(chars).split():
            out.update(part[k:k + 2] for k in range(max(1, len(part) - 1)))
        return out

    b1, b2 = bigrams(text1), bigrams(text2)
    total = sum(b1.values()) + sum(b2.values())
    return 2.0 * sum((b1 & b2).values()) / total if total else 1.0


#: question types whose markers name one slot unambiguously (为什么, 什么时候, 哪里, 多少); a manner question
#: is not among them (怎么 also asks why: 怎么我的额度不见了), nor what/which/who/yes-no, which on real
#: data ask the same as the others as often as not (哪个网站 / 在哪, 几个 = some)
STRICT_SLOTS = SLOT_TYPES - {"manner"}


def _slot(p: Profile) -> str | None:
    """The slot a question asks; 多长 (how long) asks a duration as often as a length: a time question."""
    return "time" if p.qtype == "quantity" and p.qmarker == "多长" else p.qtype


def qtype_slot_conflict(p1: Profile, p2: Profile) -> bool:
    """Both sentences ask, for two different slots of :data:`STRICT_SLOTS` (为什么 / 什么时候 / 哪里 / 多少)."""
    s1, s2 = _slot(p1), _slot(p2)
    return (s1 != s2 and s1 in STRICT_SLOTS and s2 in STRICT_SLOTS
            and not str(p1.qmarker).startswith("怎") and not str(p2.qmarker).startswith("怎"))


def _asks(p: Profile) -> str:
    """What a sentence asks, in words: 'time (什么时候)', 'nothing (a statement)'."""
    return f"{p.qtype} ({p.qmarker})" if p.qtype else "nothing (a statement)"
