"""Question-aware root choice: which word of a parsed question is its predicate (HED).

Why: the embedded parser learnt its trees from GSD's 4k encyclopedia sentences, which have almost no
questions. On users' questions it often roots the tree in a clause that only states a circumstance
(为什么qq上有入口,没有可用额度 → 没有), in a noun or a question word over the verb (怎么调升额度 → 额度,
这个月还多少 → 多少), or in an adverbial (没到账 → 没, 提前还款 → 提前). The rule engine compares
predicates, so a wrong root costs it the whole comparison. These repairs follow the conventions of the
question gold set's guidelines (data/parser/questions_gold.conllu): the HED is the predicate of the (first)
clause that asks; negation, modal, benefactive and politeness words are adverbials of the verb after them;
a question word asks about an argument of the verb, it is not the predicate.

They run on LTP-labelled trees (after :func:`simcalc.rules.parse.ud_convert.convert`) and only on
sentences that ask (:func:`is_question`), so declarative text keeps the parser's tree. Each repair moves
the root and a few of its direct dependents, so the result is always a tree. Developed on
data/parser/questions_train.conllu only (never on the gold set).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from ..config import read_words
from ..question import is_a_not_a
from .conllu import is_punct

#: Clause-final particles that make a clause a question (吧/啊 do not ask).
ASKING_PARTICLES = frozenset({"吗", "嗎", "么", "麼", "呢", "嘛"})
#: Openers that make the sentence a request (guideline 2: 请/求 carry the request like a question).
REQUEST_OPENERS = frozenset({"请", "请问", "求", "求问", "麻烦", "问下", "问一下"})
QUESTION_MARKS = frozenset({"?", "？"})
#: Punctuation that ends a clause (a pause comma included: questions rarely use 、 between clauses).
CLAUSE_PUNCT = frozenset({",", "，", "。", ".", "!", "！", "?", "？", ";", "；", "~", "～", "…", " "})
#: Words that head a question only in form: negation, modal and yes/no adverbs, timing adverbs, politeness,
#: benefactives and greetings. With a verb after them among their dependents, that verb is the predicate.
ADVERBIAL_HEADS = frozenset({
    "没", "没有", "未", "不", "无法", "不能", "不会", "不可以", "是否", "能否", "可否", "能不能", "会不会",
    "可不可以", "要不要", "提前", "自动", "继续", "一直", "总是", "老是", "只是", "都", "已经", "已", "请", "请问",
    "麻烦", "帮", "帮忙", "给", "你好", "您好", "谢谢", "亲", "为啥", "为什么", "问下", "问一下"})
#: Modal verbs (guideline 3: adverbials of the verb they precede) and 要/需要, which are main verbs unless a
#: verb follows them.
MODALS = frozenset({"能", "可以", "会", "可", "应该", "必须", "能够", "应当", "得", "还能", "才能", "可否"})
#: Openers of a concessive clause, whose question word does not ask (不论多少 "however much").
CONCESSIVE = frozenset({"不论", "无论", "不管"})
#: Question words that stand for an argument or amount: never the predicate when a verb governs the question.
NOMINAL_QUESTION_WORDS = frozenset({
    "多少", "多久", "几", "几号", "几个", "几天", "什么", "啥", "多大", "多长", "多长时间", "哪里", "哪儿", "哪个",
    "哪些", "哪", "谁", "什么样", "多少钱"})
#: Question words that make the verb they modify the asking predicate.
ASKING_ADVERBS = frozenset({"怎么", "如何", "怎样", "为什么", "为啥", "咋", "为何", "怎么样", "多久", "何时", "咋样"})
#: Predicates that are questions themselves (guideline 4).
QUESTION_PREDICATES = frozenset({"怎么办", "怎么样", "怎么回事", "如何", "咋办", "怎样"})
#: Verbs that take a question or a verb as their object (guideline 3: 想, 需要 and 求 are main verbs;
#: 知道/问/告诉 embed the question): a question inside their object does not take the root from them.
EMBEDDING_VERBS = frozenset({
    "想", "需要", "需", "求", "知道", "不知道", "问", "问问", "咨询", "告诉", "看", "看看", "查", "查看", "说",
    "觉得", "认为", "想知道", "了解"})
#: Negations that are also the verb "not have" (没有钱): only a verb after them takes the root.
HAVE_NOT = frozenset({"没", "没有", "无"})
#: Modals, negations and question adverbs that show the word after them is a verb, whatever its tag.
PRE_VERB = frozenset({"要", "需", "需要", "不", "没", "没有", "怎么", "如何", "怎样", "是否", "能否", "可否", "能不能",
                      "可不可以", "会不会"})
#: Words that are never the predicate a modal or a noun hides: modals, negations, adverbial heads.
NOT_PREDICATES = MODALS | PRE_VERB | ADVERBIAL_HEADS
#: POS that never carry a clause: particles, punctuation, conjunctions, interjections.
FUNCTION_POS = ("u", "wp", "c", "e", "o")
#: POS of the LTP tag set that are nominal (a noun root may hide the verb before it).
NOMINAL_POS = ("n", "nz", "ns", "ni", "nh", "nt", "nl", "nd", "j")


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """The project's question words (data/wordlists/question_words.txt, shared with the rule engine)."""
    return read_words("question_words.txt")


def asking_word(token: str) -> bool:
    """A question word or asking particle, also inside a longer token (多长时间, 咋办, 几号), or an
    A-not-A form (能不能, 算不算)."""
    if token in QUESTION_MARKS or token in ASKING_PARTICLES or token in _asking_words() or is_a_not_a(token):
        return True
    return any(w in token for w in _asking_words() if len(w) >= 2) or bool(_JI_NA.match(token))


#: 几 + a measure word (几号, 几天) and 哪 + a noun (哪家, 哪种), but not 几乎 "almost" or 哪怕 "even if"
_JI_NA = re.compile(r"^(几[个号天次年点月日岁周位张条种块期笔]|哪[家种位天年类样边国])")
#: Sentence ends of written statements: such a sentence asks only with a question mark or a final particle
#: (GSD's declaratives use 谁/什么/是否 in indefinite or embedded senses: 一旦抽中谁，便…。).
STATEMENT_ENDS = frozenset({"。", "．", "！", "!"})


#: Closing quotes and brackets, which may follow a sentence's final 。 (…专辑的。」).
CLOSERS = frozenset("」』\"”’)）】》")


def _ends_as_statement(tokens: Sequence[str]) -> bool:
    end = next((t for t in reversed(tokens) if t not in CLOSERS), "")
    return end in STATEMENT_ENDS


@lru_cache(maxsize=1)
def _asking_words() -> frozenset[str]:
    return question_words() | NOMINAL_QUESTION_WORDS | ASKING_ADVERBS | QUESTION_PREDICATES


def is_question(tokens: Sequence[str]) -> bool:
    """A question mark, a question word, an asking particle or a request opener: the sentence asks. A
    sentence ending like a written statement (。/！) asks only with a question mark or a final particle."""
    last = next((t for t in reversed(tokens) if not is_punct(t)), "")
    if _ends_as_statement(tokens):
        return any(t in QUESTION_MARKS for t in tokens) or last in ASKING_PARTICLES
    if any(asking_word(t) for t in tokens):
        return True
    first = next((t for t in tokens if not is_punct(t)), "")
    return first in REQUEST_OPENERS


def clauses(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """0-based ``[start, end)`` spans of the clauses, cut after clause punctuation (kept in its clause)."""
    spans, start = [], 0
    for i, t in enumerate(tokens):
        if t in CLAUSE_PUNCT and i + 1 < len(tokens) and tokens[i + 1] not in CLAUSE_PUNCT:
            spans.append((start, i + 1))
            start = i + 1
    spans.append((start, len(tokens)))
    return [s for s in spans if any(not is_punct(tokens[k]) for k in range(*s))]


def asks(tokens: Sequence[str], span: tuple[int, int]) -> bool:
    """Whether a clause asks: a question word, an asking particle or mark, or the request opener of the
    sentence. A concessive clause (不论/无论/不管 + question word: "however much") asks nothing."""
    part = tokens[span[0]: span[1]]
    if part and part[0] in CONCESSIVE:
        return False
    return any(asking_word(t) for t in part) or (
        span[0] == 0 and bool(part) and part[0] in REQUEST_OPENERS)


def depth(heads: Sequence[int], k: int) -> int:
    """Arcs from 1-based word ``k`` up to the root."""
    d = 0
    while heads[k - 1] and d <= len(heads):
        k, d = heads[k - 1], d + 1
    return d


def _deps(heads: Sequence[int], k: int) -> list[int]:
    return [d for d in range(1, len(heads) + 1) if heads[d - 1] == k]


def _move_root(heads: list[int], rels: list[str], new: int, old: int, old_rel: str, keep) -> None:
    """``new`` becomes the root, ``old`` its ``old_rel`` dependent; the old root's other dependents for
    which ``keep(d)`` is false move to ``new``. ``new`` was a descendant of ``old``, so this is a tree."""
    for d in _deps(heads, old):
        if d != new and not keep(d):
            heads[d - 1] = new
    heads[new - 1], rels[new - 1] = 0, "HED"
    heads[old - 1], rels[old - 1] = new, old_rel


def _as_predicate(pos: list[str], k: int) -> None:
    """Tag a word a repair made the predicate as a verb unless it is a verb or adjective already: the
    tagger's tag there was part of the mistake (到/p in 没到账, 扣/nz in 需扣利息), and the rule engine
    compares a sentence without a verbal head as a noun phrase."""
    if pos[k - 1] not in ("v", "a"):
        pos[k - 1] = "v"


def _choose_clause(tokens, heads, rels) -> bool:
    """Guideline 2: the root belongs to the first clause that asks (if any clause asks)."""
    spans = clauses(tokens)
    if len(spans) < 2:
        return False
    asking = next((s for s in spans if asks(tokens, s)), None)
    root = heads.index(0) + 1
    if asking is None or asking[0] < root <= asking[1]:
        return False
    inside = [k for k in range(asking[0] + 1, asking[1] + 1)
              if not is_punct(tokens[k - 1]) and not (asking[0] < heads[k - 1] <= asking[1])]
    inside = [k for k in inside if tokens[k - 1] not in ASKING_PARTICLES]
    if not inside:
        return False
    top = min(inside, key=lambda k: (depth(heads, k), k))
    end = asking[1]
    # particles and punctuation after the asking clause's head go with it; the old clause keeps the rest
    _move_root(heads, rels, top, root, "COO",
               keep=lambda d: not (top < d <= end and (is_punct(tokens[d - 1]) or tokens[d - 1] in ASKING_PARTICLES)))
    return True


def _verb_after(tokens, pos, heads, rels, root: int) -> int:
    """The nearest dependent of ``root`` after it that can be its predicate. After 没/没有 only a verb,
    an adjective or a post-verbal preposition LTP keeps as CMP (没|到|账: 到), since 没有 + noun is "not
    have"; after the other adverbial heads any content word (是否|安全, 为啥|冻结)."""
    for k in range(root + 1, len(tokens) + 1):
        if heads[k - 1] != root or rels[k - 1] in ("WP", "RAD") or pos[k - 1] in FUNCTION_POS:
            continue
        if tokens[root - 1] not in HAVE_NOT or pos[k - 1] in ("v", "a") or (rels[k - 1] == "CMP" and pos[k - 1] == "p"):
            return k
    return 0


def _relative_clause(tokens, heads, k: int) -> bool:
    """Whether verb ``k`` heads a 的-relative clause (its subtree's last word is followed by 的/之)."""
    last = k
    for d in range(1, len(tokens) + 1):
        node = d
        while node and node != k:
            node = heads[node - 1]
        if node == k:
            last = max(last, d)
    return tokens[last - 1] in ("的", "之") or (last < len(tokens) and tokens[last] in ("的", "之"))


def _hidden_verb(tokens, pos, heads, rels, root: int, deps: list[int]) -> int:
    """The verb a nominal-looking root hides, or 0: a dependent 是 (利息|是多少); for a question word
    (这个月还多少, 微粒贷多久还) the nearest content word before it, else after it; for a noun, the nearest
    verb before it that is not a 的-relative clause (怎么调升额度)."""
    word = tokens[root - 1]
    copula = [d for d in deps if tokens[d - 1] in ("是", "是不是")]
    if copula:
        return copula[0]
    content = [d for d in deps if rels[d - 1] not in ("WP", "RAD") and pos[d - 1] not in FUNCTION_POS]
    if word in NOMINAL_QUESTION_WORDS:
        before = [d for d in content if d < root and rels[d - 1] in ("ADV", "ATT", "SBV")
                  and pos[d - 1] not in NOMINAL_POS + ("r", "m", "q", "nd")]
        after = [d for d in content if d > root and pos[d - 1] not in NOMINAL_POS + ("r", "m", "q", "nd")]
        return max(before) if before else (min(after) if after else 0)
    if pos[root - 1] in NOMINAL_POS:
        verbs = [d for d in content if d < root and pos[d - 1] == "v" and rels[d - 1] in ("ATT", "ADV", "SBV")
                 and tokens[d - 1] not in NOT_PREDICATES and not _relative_clause(tokens, heads, d)]
        if verbs:
            return max(verbs)
    return 0


def _local_repair(tokens, pos, heads, rels, asking: bool = True) -> bool:
    """One repair at the root (adverbial, question-word or noun root; a root whose verb object asks).
    ``asking=False`` (a user's statement): the adverbial and modal repairs only."""
    root = heads.index(0) + 1
    word = tokens[root - 1]
    if word in ADVERBIAL_HEADS:
        verb = _verb_after(tokens, pos, heads, rels, root)
        if verb:
            _move_root(heads, rels, verb, root, "ADV", keep=lambda d: False)
            _as_predicate(pos, verb)
            pos[root - 1] = "d"  # as ud_convert.promote_adverbial_root tags a demoted negation
            return True
    if word in MODALS:
        obj = next((k for k in range(root + 1, len(tokens) + 1) if heads[k - 1] == root
                    and rels[k - 1] in ("VOB", "COO", "ATT", "ADV") and pos[k - 1] not in FUNCTION_POS), 0)
        if obj:
            _move_root(heads, rels, obj, root, "ADV", keep=lambda d: False)
            _as_predicate(pos, obj)
            return True
    if not asking:
        return False
    deps = _deps(heads, root)
    new = _hidden_verb(tokens, pos, heads, rels, root, deps)
    if new:
        copula = tokens[new - 1] in ("是", "是不是")
        rel = "VOB" if new < root else ("SBV" if copula and pos[root - 1] in NOMINAL_POS else "ADV")
        lo, hi = min(new, root), max(new, root)
        _move_root(heads, rels, new, root, rel, keep=lambda d: lo < d < hi)
        _as_predicate(pos, new)
        return True
    if word in EMBEDDING_VERBS or any(tokens[d - 1] in ASKING_ADVERBS for d in deps):
        return False
    for d in deps:
        if d > root and rels[d - 1] != "WP" and (
                tokens[d - 1] in QUESTION_PREDICATES or pos[d - 1] in ("v", "a")
                and any(tokens[g - 1] in ASKING_ADVERBS and g < d for g in _deps(heads, d))):
            _move_root(heads, rels, d, root, "COO",
                       keep=lambda x: not (x > d and (is_punct(tokens[x - 1]) or tokens[x - 1] in ASKING_PARTICLES)))
            return True
    return False


def repair_question_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> bool:
    """Re-root a question's LTP tree in place by the conventions above; True when something moved.
    A user's statement (no question, not ending in 。/！: 资金还没有到账) gets the adverbial and modal
    repairs only; a written statement (ending in 。/！ with no question mark or final particle, as all
    of GSD's declaratives) is left alone."""
    if 0 not in heads or len(tokens) < 2:
        return False
    asking = is_question(tokens)
    if not asking and _ends_as_statement(tokens):
        return False
    changed = asking and _choose_clause(tokens, heads, rels)
    seen = {heads.index(0)}
    for _ in range(3):  # an adverbial root may hide a noun root that hides the verb
        before = (list(heads), list(rels))
        if not _local_repair(tokens, pos, heads, rels, asking):
            break
        if heads.index(0) in seen:  # two repairs disagree: keep the tree before the second
            heads[:], rels[:] = before
            break
        seen.add(heads.index(0))
        changed = True
    return changed
