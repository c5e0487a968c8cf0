"""Word order: whether two sentences that share their words also keep them in the same order.

Why: bag-of-characters members cannot see 布拉杜河是胡达萨河的支流 vs 胡达萨河是布拉杜河的支流, or 从爱沙尼亚搬到芬兰
vs 从芬兰搬到爱沙尼亚 — the same characters, another fact. PAWS-X pairs are built that way. This member asks
only about order; how much the sentences share is the other members' business. It learns nothing: every
number below is a count over the pair itself.

* ``char_order``: the longest common subsequence of the content characters over the characters the two
  share (as a multiset): 1 when the shared characters come in the same order, 0 when none are shared. (python-Levenshtein's ratio
  is ``2·LCS / (|a|+|b|)``, the character Dice ``2·shared / (|a|+|b|)``: this is their quotient.)
* aligned content words (identical jieba words first, nearest relative position for repeats; then words
  of two or more characters sharing half their characters — transliterations such as 伊莉莎 / 伊丽莎):
  ``content_order``, the share of them in one increasing run (longest increasing subsequence), and
  ``breaks``, how often the run restarts, per aligned word (0 when no word aligns);
* ``exchanged``: two aligned content words whose order flips *and* whose neighbours trade places too
  (u's left or right neighbour in the first sentence is v's in the second, and v's is u's): one took the
  other's slot. Words of one coordination (A、B和C) are exempt: listing them in another order keeps the
  meaning. ``slot_taken``: the share of aligned words in a crossing pair where one took the other's slot
  (one side's neighbour only, so looser);
* ``chars_exchanged``: the same test on character bigrams found once in each sentence, with the
  neighbouring characters (names jieba cuts differently on the two sides).

The score is ``char_order`` × 0.75 for each kind of exchange found: 1 = the shared characters keep their
order. It says nothing about *how much* is shared (two sentences sharing one character keep its order): in a
stack it is read beside the overlap members, whose business that is. On PAWS-X zh dev
rows 0–1199 (a fitting set; nothing here is fitted) its ROC AUC is 0.80, levenshtein's 0.68.
"""
from __future__ import annotations

import bisect
from collections import Counter
from typing import Sequence

import Levenshtein

from .align import greedy_align
from .result import Result
from .scorer import PairwiseScorer
from .text import MAX_CHARS, content_chars, is_content_char

#: Function words: they carry order (从 X 到 Y) as neighbours but are not aligned themselves.
FUNCTION_WORDS = frozenset("""的 了 是 在 和 与 及 于 为 被 由 从 到 把 对 向 给 之 也 并 而 或 以 将 其 该 此 这 那
一个 一 个 着 过 地 得 所 中 上 下 后 前 时""".split())
#: Words that join the items of a coordination.
COORDINATORS = frozenset("、 和 与 及 以及 或 或者 跟 同".split())
#: Words that end a coordination item (with punctuation, function words and verbs).
_ITEM_STOPS = FUNCTION_WORDS | {"有", "等"}
#: Longest coordination item, in words.
_ITEM_WORDS = 4
#: Each exchange (of words, of character bigrams) takes this share off the score.
EXCHANGE_PENALTY = 0.25
#: Character bigrams (found once in each text) the exchange test looks at, at most: the test is quadratic in
#: them, and a long text's first ones decide as well as all would.
MAX_SPOTS = 256
#: Two words of two or more characters whose character sets overlap at least this much (Dice) align.
FUZZY_DICE = 0.5
_START = "\x02"  # the neighbour of a sentence's first or last word


def _is_punct(word: str) -> bool:
    return not any(is_content_char(ch) for ch in word)


def _is_content(word: str) -> bool:
    return not _is_punct(word) and word not in FUNCTION_WORDS


def _tokens(text: str) -> list[str]:
    from .jieba_dict import base_tokenizer

    return [w for w in (t.strip() for t in base_tokenizer().lcut(text)) if w]


def _lcs(a: Sequence, b: Sequence) -> int:
    """Longest common subsequence (python-Levenshtein's indel ratio is 2·LCS / (|a|+|b|))."""
    total = len(a) + len(b)
    return round(Levenshtein.ratio(a, b) * total / 2) if total else 0


def _in_order(a: Sequence, b: Sequence) -> float:
    """LCS over shared items (a multiset): 1.0 when the shared items keep their order, 0.0 when nothing is
    shared (no order kept: two unrelated sentences must not look like a perfect match to the stack)."""
    shared = sum((Counter(a) & Counter(b)).values())
    return _lcs(a, b) / shared if shared else 0.0


def _lis(values: Sequence[int]) -> int:
    tails: list[int] = []
    for v in values:
        k = bisect.bisect_left(tails, v)
        tails[k:k + 1] = [v]
    return len(tails)


def coordination(words: Sequence[str]) -> list[int | None]:
    """Per word, the id of the coordination (A、B和C) it is an item of, else None. An item is the run of
    up to four words beside a coordinator, stopped by punctuation, a function word or a verb."""
    from .rules.tokens import dictionary_tag

    ids: list[int | None] = [None] * len(words)
    count = 0

    def item(k: int, step: int) -> list[int]:
        out: list[int] = []
        while 0 <= k < len(words) and len(out) < _ITEM_WORDS:
            w = words[k]
            if w in COORDINATORS or w in _ITEM_STOPS or (_is_punct(w) and w not in "·-")\
                    or dictionary_tag(w).startswith("v"):
                break
            out.append(k)
            k += step
        return out

    for k, w in enumerate(words):
        if w not in COORDINATORS:
            continue
        left, right = item(k - 1, -1), item(k + 1, 1)
        if not left or not right:
            continue
        known = [ids[x] for x in left if ids[x] is not None]
        if known:
            group = known[0]
        else:
            count += 1
            group = count
        for x in left + right:
            ids[x] = group
    return ids


def align_words(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Content-word alignment ``(i, j)`` sorted by ``i``: identical words first (the nearest relative
    position among repeats), then words of two or more characters sharing half their characters."""
    la, lb = max(len(a), 1), max(len(b), 1)
    left = [(i, w, set(w)) for i, w in enumerate(a) if _is_content(w)]
    right = [(j, w, set(w)) for j, w in enumerate(b) if _is_content(w)]

    def score(x: tuple[int, str, set[str]], y: tuple[int, str, set[str]]) -> float | None:
        if x[1] == y[1]:
            return 2.0 - abs(x[0] / la - y[0] / lb)
        if len(x[1]) < 2 or len(y[1]) < 2 or x[2].isdisjoint(y[2]):
            return None
        dice = 2 * len(x[2] & y[2]) / (len(x[2]) + len(y[2]))
        return dice if dice >= FUZZY_DICE else None

    pairs = greedy_align(left, right, score)
    return sorted((left[i][0], right[j][0]) for i, j, _ in pairs)


def chars_exchanged(a: str, b: str) -> bool:
    """Two character bigrams found once in each text cross, and a neighbouring character trades places with
    them (布拉杜河是胡达萨河 / 胡达萨河是布拉杜河): the word-level test for names jieba cuts differently."""
    grams_a = [a[i:i + 2] for i in range(len(a) - 1)]
    grams_b = [b[i:i + 2] for i in range(len(b) - 1)]
    count_a, count_b = Counter(grams_a), Counter(grams_b)
    at = {g: i for i, g in enumerate(grams_a) if count_a[g] == 1 and count_b.get(g) == 1}
    bt = {g: j for j, g in enumerate(grams_b) if g in at}
    spots = sorted((at[g], bt[g]) for g in bt)[:MAX_SPOTS]

    def before(text: str, i: int) -> str:
        return text[i - 1] if i > 0 else _START

    def after(text: str, i: int) -> str:
        return text[i + 2] if i + 2 < len(text) else _START

    for x, (i1, j1) in enumerate(spots):
        for i2, j2 in spots[x + 1:]:
            if j1 < j2 or i2 - i1 < 2 or j1 - j2 < 2:  # crossing, and apart on both sides (symmetric)
                continue
            for near in (before, after):
                if near(a, i1) != near(a, i2) and near(a, i1) == near(b, j2) and near(a, i2) == near(b, j1):
                    return True
    return False


def order_features(a: str, b: str) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """The features of the module docstring for two normalised texts, and the content words seen trading
    places (first sentence's order)."""
    ca, cb = content_chars(a) or a, content_chars(b) or b
    ta, tb = _tokens(a), _tokens(b)
    pairs = align_words(ta, tb)
    n = len(pairs)
    js = [j for _, j in pairs]
    breaks = sum(1 for x in range(1, n) if js[x] < js[x - 1])
    la, lb = coordination(ta), coordination(tb)

    def side(words: list[str], k: int, step: int) -> str:
        k += step
        return words[k] if 0 <= k < len(words) else _START

    exchanged: list[tuple[str, str]] = []
    taken: set[int] = set()
    for x in range(n):
        for y in range(x + 1, n):
            (i1, j1), (i2, j2) = pairs[x], pairs[y]
            if j1 < j2 or (la[i1] is not None and la[i1] == la[i2]) or (lb[j1] is not None and lb[j1] == lb[j2]):
                continue
            for step in (-1, 1):
                a1, a2, b1, b2 = side(ta, i1, step), side(ta, i2, step), side(tb, j1, step), side(tb, j2, step)
                if a1 == a2:
                    continue
                if a1 == b2 and a2 == b1 and (ta[i1], ta[i2]) not in exchanged:
                    exchanged.append((ta[i1], ta[i2]))
                if (a1 == b2 and b1 != a1) or (a2 == b1 and b2 != a2):
                    taken.update((x, y))
    return {"char_order": _in_order(ca, cb),
            "content_order": _lis(js) / n if n else 0.0, "breaks": breaks / (n - 1) if n > 1 else 0.0,
            "exchanged": float(bool(exchanged)), "chars_exchanged": float(chars_exchanged(ca, cb)),
            "slot_taken": len(taken) / n if n else 0.0}, exchanged


class WordOrderScorer(PairwiseScorer):
    """Same order of the shared characters (1) or not (0), × 0.75 per kind of exchange (words, character
    bigrams) that shows two of them trading places. The numbers behind it are in
    ``details["order"]``; with ``features=True`` also in ``details["features"]``, where a stacked ensemble
    takes them (off by default: in the general config the features moved the PAWS-X expert further, but
    the router's soft mix carried them onto CNSD STS-B rows, which lost 1.1 Spearman; the score alone
    costs nothing elsewhere)."""

    name = "word_order"

    def __init__(self, threshold: float | None = None, max_chars: int = MAX_CHARS, features: bool = False) -> None:
        super().__init__(threshold=threshold, max_chars=max_chars)
        self.features = bool(features)

    def _score_pair(self, a: str, b: str) -> Result:
        order, swapped = order_features(a, b)
        score = order["char_order"] * (1 - EXCHANGE_PENALTY) ** (order["exchanged"] + order["chars_exchanged"])
        rounded = {k: round(v, 6) for k, v in order.items()}
        details = {"order": rounded, "swapped": [list(p) for p in swapped[:5]]}
        if self.features:
            details["features"] = dict(rounded)
        return Result(score, self.name, details=details)
