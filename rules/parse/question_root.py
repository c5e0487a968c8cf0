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
from ..question import is_a_not_a, question_word_set
from .conllu import is_punct
from .ud_convert import ADVERBIAL_ROOTS, POLITE_OPENERS

#: Clause-final particles that make a clause a question (吧/啊 do not ask).
ASKING_PARTICLES = frozenset({"吗", "嗎", "么", "麼", "呢", "嘛"})
#: Openers that make the sentence a request (guideline 2: 请/求 carry the request like a question).
REQUEST_OPENERS = frozenset({"请", "请问", "求", "求问", "麻烦", "问下", "问一下"})
QUESTION_MARKS = frozenset({"?", "？"})
#: Particles that may follow a clause's asking particle (吗啊, 么呢).
TAIL_PARTICLES = ASKING_PARTICLES | {"啊", "呀", "吧", "了", "啦", "哦", "哈"}
#: Punctuation that ends a clause (a pause comma included: questions rarely use 、 between clauses).
CLAUSE_PUNCT = frozenset({",", "，", "。", ".", "!", "！", "?", "？", ";", "；", "~", "～", "…", " "})
#: Words that head a question only in form: negation, modal and yes/no adverbs, timing adverbs, politeness,
#: benefactives and greetings. With a verb after them among their dependents, that verb is the predicate.
ADVERBIAL_HEADS = frozenset({
    "没", "没有", "未", "不", "无法", "不能", "不会", "不可以", "是否", "能否", "可否", "能不能", "会不会",
    "可不可以", "要不要", "提前", "自动", "继续", "一直", "总是", "老是", "只是", "都", "已经", "已", "请", "请问",
    "麻烦", "帮", "帮忙", "给", "你好", "您好", "谢谢", "亲", "为啥", "为什么", "问下", "问一下", "是不是"}) | ADVERBIAL_ROOTS
#: Heads whose predicate after them must be a verb or adjective: 没有/是不是 + noun is "not have"/"is it",
#: 给/帮/谢谢 + noun or pronoun is the verb with its object (给我一个理由, 谢谢你).
VERB_ONLY = frozenset({"没", "没有", "无", "是不是", "给", "帮", "帮忙", "谢谢", "请问"})
#: Tags of words that stand for an argument, never the predicate: pronouns, numerals, measures, place words.
NOT_VERB_POS = ("r", "m", "q", "nd")
#: Modal verbs (guideline 3: adverbials of the verb they precede) and 要/需要, which are main verbs unless a
#: verb follows them.
MODALS = frozenset({"能", "可以", "会", "可", "应该", "必须", "能够", "应当", "还能", "才能", "可否"})
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
    """A question word or asking particle, also inside a longer token (多长时间, 啥时候, 为啥子, 咋整), or an
    A-not-A form (能不能, 算不算); not an indefinite use (没什么, 不怎么样, 无论如何, 好几个, 多多少少)."""
    if token in QUESTION_MARKS or token in ASKING_PARTICLES or token in _asking_words() or is_a_not_a(token):
        return True
    if _INDEFINITE.match(token) or token in NOT_ASKING:
        return False
    return (any(w in token for w in _asking_words() if len(w) >= 2) or bool(_JI_NA.match(token))
            or token[:1] in ("咋", "啥"))


#: 几 + a measure word (几号, 几天) and 哪 + a noun (哪家, 哪种), but not 几乎 "almost" or 哪怕 "even if"
_JI_NA = re.compile(r"^(几[个号天次年点月日岁周位张条种块期笔]|哪[家种位天年类样边国])")
#: A negation, 无论, 好 or 多 before a question word makes it indefinite: 没什么 "nothing much", 不怎么
#: "not very", 无论如何 "anyway", 好几个 "several", 多多少少 "more or less".
_INDEFINITE = re.compile(r"^(不|没|没有|无论|不论|好|多)(怎么|怎样|什么|啥|如何|几|多少)")
#: Names that contain a question word (the delivery app 饿了么).
NOT_ASKING = frozenset({"饿了么"})


def _split_a_not_a(tokens: Sequence[str]) -> bool:
    """An A-not-A form the segmenter split (能|不能, 会|不会, 有|没有): a yes/no question."""
    return any(a and b in ("不" + a, "没" + a) for a, b in zip(tokens, tokens[1:]))


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
    """The rule engine's question words and question-type markers (data/wordlists/question_types.tsv), with
    the step lists below."""
    return (question_words() | question_word_set() | NOMINAL_QUESTION_WORDS | ASKING_ADVERBS
            | QUESTION_PREDICATES)


def is_question(tokens: Sequence[str]) -> bool:
    """A clause that asks (:func:`asks`: a question word outside a 不管/无论 clause, an asking particle or
    mark, a sentence-opening request), a split A-not-A form (能|不能) or a yes/no ending (开通要钱不): the
    sentence asks. A sentence ending like a written statement (。/！) asks only with a question mark or a
    final particle."""
    last = next((t for t in reversed(tokens) if not is_punct(t)), "")
    if _ends_as_statement(tokens):
        return any(t in QUESTION_MARKS for t in tokens) or last in ASKING_PARTICLES
    if any(asks(tokens, s) for s in clauses(tokens)) or _split_a_not_a(tokens):
        return True
    content = [t for t in tokens if not is_punct(t)]
    return len(content) >= 3 and content[-1] in ("不", "没")


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
    for i, t in enumerate(part):
        if t in ASKING_PARTICLES:  # only at the clause's end (饿|了|么|外卖 is a name)
            if all(is_punct(x) or x in TAIL_PARTICLES for x in part[i + 1:]):
                return True
        elif asking_word(t):
            return True
    return span[0] == 0 and bool(part) and part[0] in REQUEST_OPENERS


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
    tagger's tag there was part of the mistake (到/p in 没到账, 扣/nz in 需扣利息, 怎么办/n), and the rule
    engine compares a sentence without a verbal head as a noun phrase."""
    if pos[k - 1] not in ("v", "a"):
        pos[k - 1] = "v"


def _clause_of(tokens: Sequence[str], k: int) -> tuple[int, int]:
    """The 0-based ``[start, end)`` clause span holding 1-based word ``k``."""
    return next((s for s in clauses(tokens) if s[0] < k <= s[1]), (0, len(tokens)))


def _has_content(tokens: Sequence[str], pos: Sequence[str], span: tuple[int, int]) -> bool:
    """A clause worth rooting: it holds a question word, or a verb or adjective with more than a question mark
    after it (借呗？ and 花呗？ before the real question name a topic, they do not ask)."""
    words = [k for k in range(*span) if not is_punct(tokens[k]) and pos[k] not in FUNCTION_POS]
    if any(asking_word(tokens[k]) for k in words) or any(tokens[k] in ASKING_PARTICLES for k in range(*span)):
        return True
    return len(words) > 1 and any(pos[k] in ("v", "a") for k in words)


#: A numeral + measure word (一个, 几笔, 3张): the word it modifies is a noun, whatever its tag (给我一个理由).
_MEASURE = re.compile(r"^([一二两三四五六七八九十几这那每某][个张条笔次份件种位只本句]|[0-9]+[个张条笔次份件])$")


def _counted(tokens: Sequence[str], pos: Sequence[str], heads: Sequence[int], k: int) -> bool:
    """Whether word ``k`` has a numeral, measure word or numeral + measure before it among its dependents."""
    return any(heads[d - 1] == k and (pos[d - 1] in ("m", "q") or bool(_MEASURE.match(tokens[d - 1])))
               for d in range(1, k))


def asking_clause_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> int:
    """Step 1 (guideline 2): the root moves to the first clause that asks and holds a verb or a question
    word; its top word, verbs and adjectives before nouns (面包机哪个牌子好 → 好, not 牌子). Returns the
    new root or 0."""
    spans = clauses(tokens)
    if len(spans) < 2:
        return 0
    asking = next((s for s in spans if asks(tokens, s) and _has_content(tokens, pos, s)), None)
    root = heads.index(0) + 1
    if asking is None or asking[0] < root <= asking[1]:
        return 0
    inside = [k for k in range(asking[0] + 1, asking[1] + 1)
              if not is_punct(tokens[k - 1]) and not (asking[0] < heads[k - 1] <= asking[1])
              and tokens[k - 1] not in ASKING_PARTICLES]
    if not inside:
        return 0
    top = min(inside, key=lambda k: (depth(heads, k), pos[k - 1] not in ("v", "a"), k))
    end = asking[1]
    # particles and punctuation after the asking clause's head go with it; the old clause keeps the rest
    _move_root(heads, rels, top, root, "COO",
               keep=lambda d: not (top < d <= end and (is_punct(tokens[d - 1]) or tokens[d - 1] in ASKING_PARTICLES)))
    if tokens[top - 1] in QUESTION_PREDICATES:
        _as_predicate(pos, top)
    return top


def _verb_after(tokens: Sequence[str], pos: Sequence[str], heads: Sequence[int], rels: Sequence[str],
                root: int) -> int:
    """The nearest dependent of ``root`` after it, in its clause, that can be its predicate. Never a
    pronoun, numeral, measure or place word (帮我 → not 我). After 没/没有/是不是 and the benefactive and
    thanking words (给/帮/谢谢/请问: 给我一个理由 keeps 给) only a verb or an adjective, or after 没/没有 a
    post-verbal preposition LTP keeps as CMP (没|到|账: 到); after the other adverbial heads any other
    content word (是否|安全, 为啥|冻结)."""
    word, (_, end) = tokens[root - 1], _clause_of(tokens, root)
    for k in range(root + 1, end + 1):
        if heads[k - 1] != root or rels[k - 1] in ("WP", "RAD") or pos[k - 1] in FUNCTION_POS + NOT_VERB_POS + ("k",):
            continue
        if word in VERB_ONLY and _counted(tokens, pos, heads, k):
            continue
        if word not in VERB_ONLY or pos[k - 1] in ("v", "a") or (
                word in HAVE_NOT and rels[k - 1] == "CMP" and pos[k - 1] == "p"):
            return k
    return 0


def adverbial_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> int:
    """Step 2: a negation, yes/no, timing, politeness or benefactive root hands the root to the verb after
    it (请/请问/麻烦 only when they open the sentence: 我请你吃饭 keeps 请). Returns the new root or 0."""
    root = heads.index(0) + 1
    word = tokens[root - 1]
    opens = all(is_punct(t) for t in tokens[:root - 1])
    if word not in ADVERBIAL_HEADS or (word in POLITE_OPENERS and not opens):
        return 0
    verb = _verb_after(tokens, pos, heads, rels, root)
    if verb:
        _move_root(heads, rels, verb, root, "ADV", keep=lambda d: False)
        _as_predicate(pos, verb)
        pos[root - 1] = "d"  # as ud_convert.promote_adverbial_root tags a demoted negation
    return verb


def modal_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> int:
    """Step 2b (guideline 3): a modal root hands the root to its verb or adjective complement in its clause
    (可以|退款; not 得|钱). Returns the new root or 0."""
    root = heads.index(0) + 1
    if tokens[root - 1] not in MODALS:
        return 0
    _, end = _clause_of(tokens, root)
    obj = next((k for k in range(root + 1, end + 1) if heads[k - 1] == root
                and rels[k - 1] in ("VOB", "COO", "ATT", "ADV") and pos[k - 1] in ("v", "a")), 0)
    if obj:
        _move_root(heads, rels, obj, root, "ADV", keep=lambda d: False)
    return obj


def _relative_clause(tokens: Sequence[str], heads: Sequence[int], k: int) -> bool:
    """Whether verb ``k`` heads a 的-relative clause (its subtree's last word is followed by 的/之)."""
    last = max(d for d in range(1, len(tokens) + 1) if _under(heads, d, k))
    return tokens[last - 1] in ("的", "之") or (last < len(tokens) and tokens[last] in ("的", "之"))


def _under(heads: Sequence[int], d: int, k: int) -> bool:
    """Whether word ``d`` is ``k`` or below it."""
    node, steps = d, 0
    while node and node != k and steps <= len(heads):
        node, steps = heads[node - 1], steps + 1
    return node == k


def _copula(tokens: Sequence[str], pos: Sequence[str], heads: Sequence[int], root: int, deps: list[int]) -> int:
    """A dependent 是 in the root's clause that is the predicate: under a nominal or question-word root
    (利息|是多少, 汞是液体还是固体); under a verb root only when 是's own subtree holds the question word and
    the root does not embed questions (我是三星手机，能开通吗 keeps 开通; 我想知道…是什么 keeps 知道)."""
    lo, hi = _clause_of(tokens, root)
    for d in deps:
        if tokens[d - 1] != "是" or not lo < d <= hi:
            continue
        if pos[root - 1] not in ("v", "a") or tokens[root - 1] in NOMINAL_QUESTION_WORDS:
            return d
        if tokens[root - 1] not in EMBEDDING_VERBS and any(
                _under(heads, q, d) and tokens[q - 1] in _asking_words() for q in range(1, len(tokens) + 1)):
            return d
    return 0


def hidden_verb_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> int:
    """Step 3: a nominal-looking root hands the root to the verb it hides: a dependent 是 (:func:`_copula`);
    for a question word (这个月还多少, 微粒贷多久还) the nearest content word before it, else after it; for a
    noun, the nearest verb before it that is not a 的-relative clause (怎么调升额度). Returns the new root or 0."""
    root = heads.index(0) + 1
    deps = _deps(heads, root)
    new = _copula(tokens, pos, heads, root, deps)
    if not new:
        content = [d for d in deps if rels[d - 1] not in ("WP", "RAD") and pos[d - 1] not in FUNCTION_POS]
        if tokens[root - 1] in NOMINAL_QUESTION_WORDS:
            before = [d for d in content if d < root and rels[d - 1] in ("ADV", "ATT", "SBV")
                      and pos[d - 1] not in NOMINAL_POS + NOT_VERB_POS]
            after = [d for d in content if d > root and pos[d - 1] not in NOMINAL_POS + NOT_VERB_POS]
            new = max(before) if before else (min(after) if after else 0)
        elif pos[root - 1] in NOMINAL_POS:
            verbs = [d for d in content if d < root and pos[d - 1] == "v" and rels[d - 1] in ("ATT", "ADV", "SBV")
                     and tokens[d - 1] not in NOT_PREDICATES and not _relative_clause(tokens, heads, d)]
            new = max(verbs) if verbs else 0
    if not new:
        return 0
    copula = tokens[new - 1] == "是"
    rel = "VOB" if new < root else ("SBV" if copula and pos[root - 1] in NOMINAL_POS else "ADV")
    lo, hi = min(new, root), max(new, root)
    _move_root(heads, rels, new, root, rel, keep=lambda d: lo < d < hi)
    _as_predicate(pos, new)
    return new


def asking_verb_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> int:
    """Step 4: a root whose following verb in its clause carries 怎么/如何/为什么 … (我开户了怎么贷款) or is
    怎么办/怎么样 gives the root to that verb, unless the root embeds questions (想, 知道 …: guideline 3).
    Returns the new root or 0."""
    root = heads.index(0) + 1
    deps = _deps(heads, root)
    if tokens[root - 1] in EMBEDDING_VERBS or any(tokens[d - 1] in ASKING_ADVERBS for d in deps):
        return 0
    _, end = _clause_of(tokens, root)
    for d in deps:
        if not root < d <= end or rels[d - 1] == "WP":
            continue
        asked = pos[d - 1] in ("v", "a") and any(tokens[g - 1] in ASKING_ADVERBS and g < d for g in _deps(heads, d))
        if tokens[d - 1] in QUESTION_PREDICATES or asked:
            _move_root(heads, rels, d, root, "COO",
                       keep=lambda x: not (x > d and (is_punct(tokens[x - 1]) or tokens[x - 1] in ASKING_PARTICLES)))
            _as_predicate(pos, d)
            return d
    return 0


def _local_repair(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str], asking: bool) -> int:
    """One repair at the root, the first step that applies; a user's statement (``asking=False``) gets the
    adverbial and modal steps only. Returns the new root or 0."""
    steps = (adverbial_root, modal_root) + ((hidden_verb_root, asking_verb_root) if asking else ())
    for step in steps:
        new = step(tokens, pos, heads, rels)
        if new:
            return new
    return 0


def repair_question_root(tokens: Sequence[str], pos: list[str], heads: list[int], rels: list[str]) -> bool:
    """Re-root a question's LTP tree in place by the conventions above; True when something moved.
    A user's statement (no question, not ending in 。/！: 资金还没有到账) gets the adverbial and modal
    repairs only; a written statement (ending in 。/！ with no question mark or final particle, as all
    of GSD's declaratives) is left alone. When two repairs disagree (one would send the root back to a word
    that was the root before) the input tree is restored."""
    if 0 not in heads or len(tokens) < 2:
        return False
    asking = is_question(tokens)
    if not asking and _ends_as_statement(tokens):
        return False
    original = (list(pos), list(heads), list(rels))
    seen = {heads.index(0) + 1}
    new = asking_clause_root(tokens, pos, heads, rels) if asking else 0
    seen.add(new)
    for _ in range(3):  # an adverbial root may hide a noun root that hides the verb
        new = _local_repair(tokens, pos, heads, rels, asking)
        if not new:
            break
        if new in seen:
            pos[:], heads[:], rels[:] = original
            return False
        seen.add(new)
    return (pos, heads, rels) != original
