"""Perturbations for invariance tests: each turns a sentence into one that must be judged the same.

A perturbation is ``f(text, suite, rng) -> text``; returning the text unchanged means "does not apply" and
the generator draws another base pair. Table-driven ones read the suite's lexicons (``synonym``, ``typo``,
``traditional``), so a user extends them by adding rows.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # annotations only: suite.py imports this module when it reads a suite
    from .suite import Suite

Perturbation = Callable[[str, "Suite", random.Random], str]
_ENDINGS = ("？", "?", "。", "！", "？？", "…", "~")


def _replace_one(text: str, pairs: list[tuple[str, str]], rng: random.Random) -> str:
    """Replace one occurrence of a table word (not one inside a longer matched word) by its partner."""
    hits = []
    for old, new in pairs:
        start = text.find(old)
        while start >= 0:
            hits.append((start, start + len(old), new))
            start = text.find(old, start + 1)
    hits = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o[:2] != h[:2] for o in hits)]
    if not hits:
        return text
    start, end, new = rng.choice(sorted(hits))
    return text[:start] + new + text[end:]


def synonym(text: str, suite: Suite, rng: random.Random) -> str:
    pairs = []
    lex = suite.lexicon("synonym")
    direction = lex.columns.index("direction") if "direction" in lex.columns else None
    for row in lex.rows:
        word, syn = row[0], row[1]
        pairs.append((word, syn))
        # the reverse too, unless marked forward; a one-character word (能 in 功能) is never the thing replaced
        if len(syn) > 1 and (direction is None or row[direction] != "forward"):
            pairs.append((syn, word))
    return _replace_one(text, pairs, rng)


def _typos(kind: str) -> Perturbation:
    def perturb(text: str, suite: Suite, rng: random.Random) -> str:
        lex = suite.lexicon("typo")
        k = lex.column("kind")
        return _replace_one(text, [(row[0], row[1]) for row in lex.rows if row[k] == kind], rng)

    perturb.__doc__ = f"Replace a correct form by its {kind} typo (lexicons/typo.tsv)."
    return perturb


def punctuation(text: str, suite: Suite, rng: random.Random) -> str:
    stripped = text.rstrip("？?。！!…~.，,")
    if stripped != text and rng.random() < 0.5:
        return stripped
    return stripped + rng.choice(_ENDINGS)


def whitespace(text: str, suite: Suite, rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0 or len(text) < 3:
        return f" {text}  "
    positions = sorted(rng.sample(range(1, len(text)), min(choice, len(text) - 1)), reverse=True)
    for pos in positions:
        text = text[:pos] + " " + text[pos:]
    return text


def fullwidth(text: str, suite: Suite, rng: random.Random) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (U+FF01-FF5E)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch) for ch in text)


def traditional(text: str, suite: Suite, rng: random.Random) -> str:
    table = {row[0]: row[1] for row in suite.lexicon("traditional").rows}
    return "".join(table.get(ch, ch) for ch in text)


PERTURBATIONS: dict[str, Perturbation] = {
    "synonym": synonym,
    "typo": _typos("homophone"),
    "de": _typos("de"),
    "punctuation": punctuation,
    "whitespace": whitespace,
    "fullwidth": fullwidth,
    "traditional": traditional,
}
