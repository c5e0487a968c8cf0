"""Typos read against the other sentence: 花呗能不能分其 beside 花呗可以分期吗 means 分期.

Why pair-level: a homophone or near-form typo (分其, 手续废, 换款, 帮定) is rarely a word, so jieba either
glues it into an unknown word or cuts it into characters, and the parse, the components and the content
words of the sentence all change; the two sentences then look different although a reader sees one
question. Which word was meant is unknowable from one sentence (分其: 分期? 分析? 分歧?), but when the
other sentence has a dictionary word that the unknown span misses by one character, that word is the
reading. The span is rewritten before the sentence is analysed.

A span is read as a typo of word W of the other sentence only when (:func:`repair_pair`):

* W has 2-4 Chinese characters, a dictionary knows it, it is not a person's name, and the sentence with
  the span does not contain W already;
* the span has W's length, differs from W in exactly one character, and no dictionary knows it (登陆 /
  登录, 南京 / 北京, 上课 / 上班: two words, two meanings; never rewritten);
* the span starts and ends at word boundaries of its sentence (分其他的 is 分 + 其他 + 的, not a typo of
  分期), neither holds a grammar character (numerals, negations, particles, prepositions, question words:
  :data:`~.words.GRAMMAR_CHARS`; 很高 / 很矮, 送给 / 送的, 为什么 / 有什么) and the two differing characters
  are not opposites (``opposite``: 高 / 矮).

The structural particles 的 / 地 / 得 (all read de) are confused all the time (学的不好 for 学得不好, 我得书 for
我的书, 高兴的说 for 高兴地说): a particle is read as the other sentence's when the two stand between the same
two characters (:func:`_read_particles`).

One reading is made between two words: a demonstrative typed for the question word that sounds like it
(那里 for 哪里, 那个 for 哪个), when the other sentence asks with that question word and the sentence with the
demonstrative asks nothing else: it has no question word and is not a yes/no question (那里能办理吗 is one).
"""
from __future__ import annotations

from typing import Callable, Sequence

from .question import question_type
from .readings import sound_alike
from .words import is_han, typo_pair

_PROPER_TAGS = ("nr",)


def _boundaries(tokens: Sequence[str]) -> set[int]:
    out, pos = {0}, 0
    for tok in tokens:
        pos += len(tok)
        out.add(pos)
    return out


def _asks_already(text: str, tokens: Sequence[str]) -> bool:
    """A question word or a yes/no form (为什么, 几号, …吗, 能不能) by rules/question.py: such a sentence
    has no question word mistyped."""
    qtype, marker = question_type(text, tokens)
    return qtype is not None and marker != "?"


def _reads_as_question(text: str, end: int) -> bool:
    """A sentence whose sound-alike demonstrative (那里 for 哪里, ending at ``end``) can be the question word:
    it ends in ？, 呢 or 啊, or it goes on after the demonstrative (在那里办理). A statement ending in it (他在那里,
    放那里) stays a statement."""
    core = text.rstrip("。.!！~～ ")
    return core.endswith(("?", "？", "呢", "啊")) or end < len(core)


def _question_typo(span: str, word: str) -> bool:
    diff = [(x, y) for x, y in zip(span, word) if x != y]
    return len(span) == len(word) and len(diff) == 1 and sound_alike(*diff[0])


def _read(text: str, tokens: Sequence[str], words: Sequence[str], known: Callable[[str], bool],
          tag: Callable[[str], str], opposite: Callable[[str, str], bool],
          question_words: frozenset[str] = frozenset()) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with each span that is a typo of one of ``words`` replaced by that word."""
    if "".join(tokens) != text:  # the segmenter changed the text (spaces, case): offsets do not hold
        return text, []
    cuts = _boundaries(tokens)
    found: list[tuple[str, str]] = []
    for word in dict.fromkeys(words):
        n = len(word)
        if not (2 <= n <= 4 and is_han(word)) or word in text or tag(word) in _PROPER_TAGS or not known(word):
            continue
        asked = word in question_words and not _asks_already(text, tokens)
        for start in range(0, len(text) - n + 1):
            if start not in cuts or start + n not in cuts:
                continue
            span = text[start:start + n]
            if sum(x != y for x, y in zip(span, word)) != 1 or not is_han(span):
                continue
            if (asked and _question_typo(span, word) and _reads_as_question(text, start + n)) or (
                    typo_pair(span, word, known) and not opposite(*[(x, y) for x, y in zip(span, word) if x != y][0])):
                found.append((span, word))
                text = text[:start] + word + text[start + n:]
                break  # one reading per word; offsets of the other spans are unchanged (same length)
    return text, found


#: the structural particles, one sound (de), three characters
PARTICLES = "的地得"


def _read_particles(text: str, other: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with each particle that stands where ``other`` has another particle between the same two
    characters (学的不好 / 学得不好) written as ``other``'s."""
    contexts = {(other[k - 1], other[k + 1]): other[k] for k in range(1, len(other) - 1) if other[k] in PARTICLES}
    if not contexts:
        return text, []
    chars, found = list(text), []
    for k in range(1, len(text) - 1):
        if text[k] in PARTICLES:
            wanted = contexts.get((text[k - 1], text[k + 1]))
            if wanted and wanted != text[k] and is_han(text[k - 1]) and is_han(text[k + 1]):
                found.append((text[k - 1:k + 2], text[k - 1] + wanted + text[k + 1]))
                chars[k] = wanted
    return "".join(chars), found


def repair_pair(a: str, b: str, segment: Callable[[str], Sequence[str]], known: Callable[[str], bool],
                tag: Callable[[str], str] = lambda word: "",
                opposite: Callable[[str, str], bool] = lambda x, y: False,
                question_words: frozenset[str] = frozenset()) -> tuple[str, str, list[str]]:
    """(a, b) with typos read against the other sentence's words, and one note per reading made.

    ``segment``: text → its words (the scorer passes its analyses' tokens); ``known``: whether any dictionary has a word;
    ``tag``: a word's dictionary POS tag (person names, ``nr``, are never a reading); ``opposite``: whether
    two characters are antonyms (高 / 矮); ``question_words``: the words that make a sentence ask."""
    if a == b:
        return a, b, []
    tokens_a, tokens_b = list(segment(a)), list(segment(b))
    new_b, in_b = _read(b, tokens_b, tokens_a, known, tag, opposite, question_words)
    new_a, in_a = _read(a, tokens_a, tokens_b, known, tag, opposite, question_words)
    new_b, de_b = _read_particles(new_b, new_a)
    new_a, de_a = _read_particles(new_a, new_b)  # after b took a's particles: only where a's differ still
    in_a, in_b = in_a + de_a, in_b + de_b
    notes = [f"sentence1: read {x} as {y} (a typo of sentence2's word)" for x, y in in_a]
    notes += [f"sentence2: read {x} as {y} (a typo of sentence1's word)" for x, y in in_b]
    return new_a, new_b, notes
