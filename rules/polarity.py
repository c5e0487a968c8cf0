"""Polarity of the events of a sentence, and whether two sentences contradict each other on the same event.

Why not count negation words (the paper's K3): on real questions that is wrong more often than right.
能不能/可不可以/借没借 are questions, not negations; 借不出来, 登不上, 无法借款, 还款失败 all say "it does not
work" and must agree with each other; and a negation on another event (没有借款怎么取消微粒贷: 借款 is
negated, 取消 is the event asked about) never flips the pair. So:

* :func:`events` lists the predicates (verbs and adjectives) of one sentence, each with its polarity:
  a cue (negation.txt adverbs, negative_predicates.txt prefixes) negates the run of predicates right after
  it (不想借钱: 想 and 借钱); a cue before a noun negates existence (没有额度: 有); a negative potential
  complement (借|不|出来, 用|不了, 登不上) or a failure predicate (还款失败, 借款不成功, 被拒) negates the verb
  before it. Cues inside one run toggle (不是不喜欢 is affirmative). A-not-A tokens and a final 没有/不
  after a verb (还款了没有) are yes/no questions, never negations.
* :func:`compare_events` aligns the events of two sentences (the same predicate, one a prefix of the
  other — 借/借款 — or near-synonyms by the word knowledge) and reports aligned events whose polarity
  differs, and antonymous predicates (好吃/难吃) of the same polarity.

The verdict (opposite / agree / unclear) also needs the rest of the content to match: see
:mod:`simcalc.rules.signed`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

from simcalc.errors import ResourceNotFoundError
from simcalc.resources import project_data_path

from .config import antonym_lines
from .question import a_not_a_lemma, is_a_not_a, question_word_set
from .tokens import pos_class

_PREDICATE_TAGS = ("v", "a")
_RUN_TAGS = ("d", "v", "a")  # a negation's scope runs through adverbs and predicates
_TAIL = frozenset("了呢啊呀吗么嘛吧")
_QUOTES = frozenset("“”‘’\"'《》「」『』")
_PUNCT = frozenset("，,。.？?！!；;：:、~～ ")


@dataclass(frozen=True)
class Cues:
    """The word lists polarity reads (data/wordlists)."""

    negation: frozenset[str]
    prefix: frozenset[str]
    suffix: frozenset[str]
    potential: frozenset[str]
    morphemes: frozenset[tuple[str, str]]


@lru_cache(maxsize=None)
def load_cues(negation: frozenset[str]) -> Cues:
    path = project_data_path("wordlists/negative_predicates.txt")
    kinds: dict[str, set[str]] = {"prefix": set(), "suffix": set(), "potential": set()}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or parts[0] not in kinds:
            raise ResourceNotFoundError(f"{path}: line {number}: expected prefix|suffix|potential<TAB>word")
        kinds[parts[0]].add(parts[1].strip())
    morph = project_data_path("wordlists/antonym_morphemes.txt")
    pairs = set()
    for number, line in enumerate(morph.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 1 or len(parts[1]) != 1:
            raise ResourceNotFoundError(f"{morph}: line {number}: expected two single characters")
        pairs.add((parts[0], parts[1]))
        pairs.add((parts[1], parts[0]))
    return Cues(frozenset(negation), frozenset(kinds["prefix"]), frozenset(kinds["suffix"]),
                frozenset(kinds["potential"]), frozenset(pairs))


@dataclass
class Event:
    """A predicate of a sentence with its polarity and the cues that set it."""

    lemma: str
    index: int  # 0-based token position
    negated: bool = False
    cues: list[str] = field(default_factory=list)

    def toggle(self, cue: str) -> None:
        self.negated = not self.negated
        self.cues.append(cue)

    def to_dict(self) -> dict:
        return {"lemma": self.lemma, "negated": self.negated, "cues": list(self.cues)}


def _is_predicate(pos: str) -> bool:
    return pos[:1] in _PREDICATE_TAGS or pos_class(pos) in ("verb", "adj")


def _is_tail(tokens: Sequence[str], j: int) -> bool:
    """Only particles and punctuation from j on (a final 没有/不 is a yes/no question)."""
    return all(t in _TAIL or all(ch in _PUNCT for ch in t) for t in tokens[j:])


def potential_form(token: str, cues: Cues) -> str | None:
    """The verb of a one-token negative potential form (登不上 → 登, 看不到 → 看), else None."""
    for neg in ("不", "没"):
        k = token.find(neg)
        if 0 < k < len(token) - 1 and token[k + 1:] in cues.potential and not is_a_not_a(token):
            return token[:k]
    return None


#: verbs that take a verb (想借钱, 喜欢吃): a negation on them reaches the verb after them too
VERB_TAKING = frozenset("""想 要 能 会 可以 能够 可 愿意 喜欢 爱 打算 准备 敢 肯 需要 应该 应当 必须 得 让 使 希望 同意 允许 继续
开始 想要 敢于 乐意 再 去 来 用 会不会""".split())
_NOT_EVENT_TAGS = ("r", "u", "w", "c", "m", "q", "e", "o", "y")
_SKIP_BACK = frozenset("了得的着过")


def events(tokens: Sequence[str], pos: Sequence[str], cues: Cues) -> tuple[list[Event], list[str]]:
    """The predicates of one sentence with their polarity, and the yes/no question forms found (which are
    *not* negations). Tolerant of tagging errors: the word a cue governs counts as a predicate whatever
    its tag (无法|借款/n, 借/p|不|出来), except pronouns, numerals, particles and punctuation."""
    n = len(tokens)
    qwords = question_word_set()
    evs: dict[int, Event] = {}
    questions: list[str] = []

    def event(i: int, lemma: str | None = None) -> Event:
        if i not in evs:
            evs[i] = Event(lemma or tokens[i], i)
        return evs[i]

    def is_cue(t: str) -> bool:
        return t in cues.negation or t in cues.prefix

    def governed(j: int) -> bool:
        return (j < n and not is_cue(tokens[j]) and pos[j][:1] not in _NOT_EVENT_TAGS
                and not all(ch in _PUNCT for ch in tokens[j]) and not is_a_not_a(tokens[j]))

    def previous(i: int, past_modals: bool = False) -> int | None:
        j = i - 1
        while j >= 0 and (tokens[j] in _SKIP_BACK or (past_modals and (tokens[j] in VERB_TAKING or
                                                                       tokens[j] in qwords or pos[j][:1] == "d"))):
            j -= 1
        return j if j >= 0 and governed(j) else None

    skip: set[int] = set()
    for i, tok in enumerate(tokens):
        if i in skip:
            continue
        nxt = tokens[i + 1] if i + 1 < n else ""
        if is_a_not_a(tok) or (i > 0 and tok in ("不" + tokens[i - 1], "没" + tokens[i - 1])):
            form = tok if is_a_not_a(tok) else tokens[i - 1] + tok  # 能不能 / 能|不能
            questions.append(form)
            event(i, a_not_a_lemma(form))  # the event asked about, affirmative (借没借到 → 借到)
            continue
        if i > 0 and tok in ("不", "没") and nxt[:1] and nxt.startswith(tokens[i - 1][:1]) \
                and len(tokens[i - 1]) <= len(nxt):
            questions.append(tokens[i - 1] + tok + nxt)  # 借|没|借到, 可|不|可以
            skip.add(i + 1)
            continue
        verb = potential_form(tok, cues) or (potential_form(tok + nxt, cues) if tok[-1:] in "不没" else None)
        if verb:  # 登不上 / 借不|出来
            if verb != tok[:len(verb)] or len(tok) > len(verb) + 1 or tok[-1] not in "不没":
                event(i, verb).toggle(tok)
            else:
                event(i, verb).toggle(tok + nxt)
                skip.add(i + 1)
            continue
        end = i
        if nxt and (tok + nxt in cues.suffix or tok + nxt in cues.prefix):  # 不|成功, 没|办法, 不|可用
            skip.add(i + 1)
            tok, end = tok + nxt, i + 1
        potential = tok == "不" and nxt in cues.potential and previous(i) is not None \
            and pos[previous(i)][:1] not in ("n", "d")  # type: ignore[index]
        if tok in cues.suffix or potential:  # 还款失败, 借|不|出来 (借款为什么会失败: past 会 and 为什么)
            j = previous(i) if potential else (previous(i, past_modals=True) or previous(i))
            if potential:
                skip.add(i + 1)
                tok = tok + nxt
            if j is not None:
                e = event(j)
                if not e.negated:  # "it does not work" is a fact: a second failure cue does not undo it
                    e.toggle(tok)
            elif tok in cues.suffix:
                event(i)  # 失败了怎么办: the failure itself is the event
            continue
        if not is_cue(tok):
            if _is_predicate(pos[i]):
                event(i)
            continue
        if tok in ("没有", "没", "不", "沒有", "沒") and i > 0 and _is_tail(tokens, end + 1) \
                and previous(i) is not None:
            questions.append(f"final {tok}")  # 还款了没有: a yes/no question
            continue
        # the cue's scope: the first governed word (after adverbs and further cues), then adjacent predicates
        j, pending = end + 1, [tok]
        while j < n and (pos[j][:1] in ("d", "p") or is_cue(tokens[j]) or tokens[j] in _QUOTES):
            if tokens[j] in _QUOTES:  # 没有“借钱”提示
                pass
            elif is_cue(tokens[j]):
                pending.append(tokens[j])
                skip.add(j)
            elif pos[j][:1] == "p" and j + 1 < n and pos[j + 1][:1] in ("n", "r"):  # 不要和我说话: past 和我
                j += 1
                while j + 1 < n and pos[j + 1][:1] in ("n", "r"):
                    j += 1
            elif pos[j][:1] == "p":
                break
            j += 1
        if not governed(j):
            if tok not in ("不", "没", "没有"):  # 不能。 / 无法 / 不是我的: the cue is the (negated) event
                lemma = tok[1:] if len(tok) == 2 and tok[0] in "不没未" else "能"
                event(i, lemma).toggle(tok)
            continue
        if tok in ("没有", "没", "无", "沒有", "沒") and len(pending) == 1 and pos[j][:1] == "n" \
                and not _is_predicate(pos[j]):
            event(i, "有").toggle(tok)  # 没有额度: existence negated
            continue
        while True:
            for cue in pending:
                event(j).toggle(cue)
            if tokens[j] not in VERB_TAKING:  # 不想借钱: past 想; 没下来可以取消: stops after 下来
                break
            j += 1
            if j >= n or not _is_predicate(pos[j]) or is_cue(tokens[j]) or is_a_not_a(tokens[j]):
                break
    return sorted(evs.values(), key=lambda e: e.index), questions


@lru_cache(maxsize=None)
def antonym_words(name: str = "antonym_words.txt") -> frozenset[frozenset[str]]:
    """Antonymous predicate pairs of ``data/wordlists/NAME`` (each line: two sides, alternatives by '/')."""
    return frozenset(frozenset((a, b)) for left, right in antonym_lines(name) for a in left for b in right
                     if a != b)


def listed_antonyms(w1: str, w2: str) -> bool:
    """Two words the antonym list pairs (开通/关闭, 忙/闲, 绑定/解绑)."""
    return w1 != w2 and frozenset((w1, w2)) in antonym_words()


@lru_cache(maxsize=None)
def _alternative_pairs(name: str = "antonym_words.txt") -> frozenset[frozenset[str]]:
    """Every two words on one side of one line of ``data/wordlists/NAME``, built once (coverage asks per word pair)."""
    return frozenset(frozenset((a, b)) for line in antonym_lines(name) for side in line for a in side for b in side
                     if a != b)


def listed_alternatives(w1: str, w2: str) -> bool:
    """Two words on one side of one line of the antonym list: one action written two ways (解绑 / 解除绑定,
    取关 / 取消关注), which must match as one word, not as two half-similar ones."""
    return w1 != w2 and frozenset((w1, w2)) in _alternative_pairs()


def morpheme_antonyms(w1: str, w2: str, cues: Cues) -> bool:
    """Two words of the same length differing in one character that is an antonymous morpheme pair
    (好吃/难吃, 上班/下班, 开机/关机; one-character words too: 冷/热, which HowNet 2000 scores 1.0)."""
    if len(w1) != len(w2) or w1 == w2:
        return False
    diff = [(x, y) for x, y in zip(w1, w2) if x != y]
    return len(diff) == 1 and diff[0] in cues.morphemes


def same_event(l1: str, l2: str) -> bool:
    """Lexically the same predicate: equal, or one a prefix of the other (借/借款, 登/登录, 还/还款)."""
    if l1 == l2:
        return True
    short, long_ = sorted((l1, l2), key=len)
    return len(short) >= 1 and len(long_) - len(short) <= 1 and (
        long_.startswith(short) or (len(short) == 1 and long_.endswith(short) and long_[0] in _KEEPING_PREFIXES))


#: first characters that keep the meaning of the one-character predicate after them (学会/会, 购买/买, 归还/还,
#: 偿还/还); others change it (离开/开, 迟到/到): no same event
_KEEPING_PREFIXES = frozenset("购学归偿")


@dataclass
class PolarityCompare:
    mismatched: list[tuple[Event, Event]] = field(default_factory=list)  # aligned, polarity differs
    agreed: list[tuple[Event, Event]] = field(default_factory=list)  # aligned, same polarity
    antonyms: list[tuple[Event, Event]] = field(default_factory=list)  # opposite predicates, same polarity
    unaligned_negated: list[Event] = field(default_factory=list)  # negated events with no counterpart
    offset: list[tuple[Event, Event]] = field(default_factory=list)  # mismatches the other side offsets

    @property
    def contradicts(self) -> bool:
        """Aligned polarity differs, or antonymous predicates of the same polarity — and not both (不好/坏)."""
        return bool(self.mismatched) != bool(self.antonyms)


def compare_events(ev1: Sequence[Event], ev2: Sequence[Event], similar: Callable[[str, str], float],
                   opposite: Callable[[str, str], bool], align_at: float = 0.9) -> PolarityCompare:
    """Align the events of two sentences; ``similar`` gives a word similarity magnitude, ``opposite`` tells
    whether two words are antonymous/converse. An event is mismatched only when every counterpart it
    aligns with has the other polarity (a sentence may mention one event twice)."""
    out = PolarityCompare()
    matched2: set[int] = set()
    for e1 in ev1:
        partners = [e2 for e2 in ev2 if same_event(e1.lemma, e2.lemma)]
        if not partners:
            partners = [e2 for e2 in ev2 if similar(e1.lemma, e2.lemma) >= align_at]
        if partners:
            matched2.update(id(p) for p in partners)
            same = [p for p in partners if p.negated == e1.negated]
            if same:
                out.agreed.append((e1, same[0]))
            else:
                out.mismatched.append((e1, partners[0]))
            continue
        anti = [e2 for e2 in ev2 if opposite(e1.lemma, e2.lemma)]
        if anti:
            matched2.update(id(p) for p in anti)
            same = [p for p in anti if p.negated == e1.negated]
            if same:
                out.antonyms.append((e1, same[0]))
            else:  # 不好 / 坏: antonym and negation cancel
                out.agreed.append((e1, anti[0]))
            continue
        if e1.negated:
            out.unaligned_negated.append(e1)
    out.unaligned_negated += [e2 for e2 in ev2 if e2.negated and id(e2) not in matched2]
    # a mismatch stands only when the other side's event has no same-polarity mention here either, and the
    # side whose event is affirmative negates nothing else (还款失败 / 借款不成功: both say it failed)
    negated1, negated2 = any(e.negated for e in ev1), any(e.negated for e in ev2)
    kept = []
    for e1, e2 in out.mismatched:
        echo = any(e.negated == e2.negated and same_event(e.lemma, e2.lemma) for e in ev1)
        elsewhere = negated2 if e1.negated else negated1
        if echo or elsewhere:
            out.offset.append((e1, e2))
        else:
            kept.append((e1, e2))
    out.mismatched = kept
    return out
