"""Polarity found by aligning the two token sequences: the sentences are the same but for a negation
(会 / 不会, 能 / 不能) or one pair of antonyms (新 / 旧, 增加 / 减少).

Why beside :mod:`.polarity`: that module compares the parser's events, and on short sentences the parser
picks the wrong head (孙强会弹钢琴: the event is 会 on one side and 弹钢琴 on the other), so the negation is
never compared. When everything else is identical, word for word, no parse is needed: the one difference
decides. Fused negations (不会, 不能, 不是, 没有) are split into the cue and the positive word first.
"""
from __future__ import annotations

import difflib
import re
from typing import Callable, Sequence

_PUNCT = re.compile(r"^[\W_]+$")
#: particles, punctuation and aspect/degree adverbs do not count as a difference (了/呢 change no meaning;
#: 已经 is what 没有 negates: 已经冻结了 / 没有冻结)
_IGNORED = frozenset("了 呢 啊 呀 吧 哦 嘛 的 已经 已 都 也 还 很 非常 真的".split())
_NEG_HEADS = ("不", "没", "沒", "未")


def _normal(tokens: Sequence[str], negation: frozenset[str], bare_you: bool = False) -> list[str]:
    """Tokens without particles, fused negations split; ``bare_you``: 没有 is the bare negation 没 (没有冻结),
    else 没 + 有 (没有钱 / 有钱)."""
    out: list[str] = []
    for tok in tokens:
        if _PUNCT.match(tok) or tok in _IGNORED:
            continue
        if bare_you and tok in ("没有", "沒有"):
            out.append(tok[0])
        elif tok in negation and len(tok) == 2 and tok[0] in _NEG_HEADS:
            out.extend((tok[0], tok[1:]))  # 不会 → 不 会; 没有 → 没 有
        else:
            out.append(tok)
    return out


def aligned_polarity(tokens1: Sequence[str], tokens2: Sequence[str], negation: frozenset[str],
                     opposite: Callable[[str, str], bool]) -> dict | None:
    """``{"kind": "negation"|"antonym", "words": [...], "reason": ...}`` when the sentences differ only in
    negation cues on one side (an odd number of them) or only in one pair of words ``opposite`` calls
    antonyms; None otherwise (also when nothing differs)."""
    found = _aligned(_normal(tokens1, negation), _normal(tokens2, negation), negation, opposite)
    if found is None and any(t in ("没有", "沒有") for t in (*tokens1, *tokens2)):
        found = _aligned(_normal(tokens1, negation, True), _normal(tokens2, negation, True), negation, opposite)
    return found


def _aligned(a: list[str], b: list[str], negation: frozenset[str], opposite: Callable[[str, str], bool]
             ) -> dict | None:
    if not a or not b or a == b:
        return None
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    inserted = [t for _, i1, i2, j1, j2 in ops for t in (*a[i1:i2], *b[j1:j2])]
    if all(t in negation for t in inserted) and not any(tag == "replace" for tag, *_ in ops):
        first = sum(t in negation for t in a)
        second = sum(t in negation for t in b)
        if (first - second) % 2 == 1:
            where = "first" if first > second else "second"
            return {"kind": "negation", "words": inserted, "negated": where,
                    "reason": f"the same sentence with {'/'.join(inserted)} on one side only"}
        return None
    if len(ops) == 1 and ops[0][0] == "replace":
        _, i1, i2, j1, j2 = ops[0]
        if i2 - i1 == 1 and j2 - j1 == 1 and opposite(a[i1], b[j1]):
            return {"kind": "antonym", "words": [a[i1], b[j1]],
                    "reason": f"the same sentence with {a[i1]} in place of its opposite {b[j1]}"}
    return None
