"""Question type of a sentence: which slot the question asks about (manner, reason, time …) or yes/no.

Why: on question data two sentences with the same content ask different things when their question
words differ (花呗怎么还款 / 花呗什么时候还款), and question words must never be compared as content or
become component centres. The markers live in data/wordlists/question_types.tsv (first match wins);
A-not-A forms (能不能, 可不可以, 借没借), a final 吗/么 and a final 没有/不/没 after a verb are yes/no
questions, found here by pattern because they are productive.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from .config import read_triples

QTYPES = ("reason", "time", "place", "which", "quantity", "who", "manner", "what", "yesno")
#: an A-not-A token (能不能, 可不可以, 是不是, 借没借到); 不/没 between a repeated first character
_A_NOT_A = re.compile(r"^(.)\1?[^不没]*?[不没]\1")
_FINAL_PARTICLES = "吗么嘛"
#: request openings that ask nobody's identity (谁知道…, 谁能告诉我…): skipped before typing the question
PREAMBLES = ("有谁知道", "谁能告诉我", "谁能告诉", "谁知道", "谁有", "有谁", "请问", "求问", "问一下", "问下")
_YESNO_TAILS = ("没有", "没", "不")


@lru_cache(maxsize=None)
def question_markers(name: str = "question_types.tsv") -> tuple[tuple[str, str, str], ...]:
    """(qtype, kind, marker) rows of the question-type file, in file order."""
    return read_triples(name, lambda parts: parts[0] in QTYPES and parts[1] in ("token", "text"),
                        "qtype<TAB>token|text<TAB>marker")


@lru_cache(maxsize=None)
def question_word_set(name: str = "question_types.tsv") -> frozenset[str]:
    """Every marker of the file that can be a token (never content, never a component centre)."""
    return frozenset(m for _, _, m in question_markers(name))


def is_a_not_a(token: str) -> bool:
    """能不能, 可不可以, 有没有, 是不是, 借没借到 — a yes/no question form, not a negation."""
    return len(token) >= 3 and bool(_A_NOT_A.match(token))


def a_not_a_lemma(token: str) -> str:
    """The predicate an A-not-A form asks about, affirmative: 贵不贵 → 贵, 可不可以 → 可以, 借没借到 → 借到."""
    k = max(token.find("不", 1), token.find("没", 1))
    return token[k + 1:] if k > 0 else token


_CLAUSE_ENDS = re.compile(r"[，,。.？?！!；;~～ ]")
#: after 怎么/咋 in its clause: cannot (付不了, 没法, 无法) — the sentence asks why, not how
_UNABLE = ("不了", "没法", "无法", "不能", "不可以", "不行")


def _how_come(core: str, marker: str) -> bool:
    """怎么 read as "how come": its clause holds V不了/没法 or ends in 了 (花呗怎么付不了电费, 额度怎么降了呢)."""
    if marker not in ("怎么", "咋", "怎么样", "怎样"):
        return False
    k = core.find(marker)
    if k < 0:
        return False
    clause = _CLAUSE_ENDS.split(core[k + len(marker):], 1)[0].rstrip("呢啊呀吗么嘛")
    return any(u in clause for u in _UNABLE) or (len(clause) >= 2 and clause.endswith("了"))


def question_type(text: str, tokens: Sequence[str]) -> tuple[str | None, str | None]:
    """(qtype, marker) or (None, None) for a sentence that asks nothing."""
    core = "".join(ch for ch in text if not ch.isspace())
    for opening in PREAMBLES:
        if core.startswith(opening) and len(core) > len(opening):
            core = core[len(opening):]
            tokens = [t for t in tokens if t not in ("谁", "请问")]
            break
    token_set = set(tokens)
    for qtype, kind, marker in question_markers():
        if (kind == "text" and marker in core) or (kind == "token" and marker in token_set):
            if qtype == "manner" and _how_come(core, marker):
                return "reason", marker
            return qtype, marker
    for tok in tokens:
        if is_a_not_a(tok):
            return "yesno", tok
    stripped = core.rstrip("?？!！。.~～ ")
    if stripped and stripped[-1] in _FINAL_PARTICLES:
        return "yesno", stripped[-1]
    content = [t for t in tokens if t.strip("?？!！。.,，~～ ")]
    while content and content[-1] in ("了", "呢", "啊", "呀"):
        content.pop()
    if len(content) >= 2 and content[-1] in _YESNO_TAILS:
        return "yesno", f"final {content[-1]}"
    if core.endswith(("?", "？")):
        return "yesno", "?"
    return None, None
