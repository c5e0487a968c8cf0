"""Sentence patterns for Li & Li's K1: interrogative, imperative, exclamatory, declarative.

Markers come from data/wordlists (question words and the pattern markers file). Order of precedence:
a question mark, a question word among the tokens or a final 吗/呢 makes a sentence interrogative;
then imperative markers, then exclamatory ones; anything else is declarative.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from simcalc.text import is_content_char

from .config import RuleConfig

PATTERNS = ("interrogative", "imperative", "exclamatory", "declarative")


@lru_cache(maxsize=8)
def _grouped(markers: tuple[tuple[str, str, str], ...]) -> dict[str, list[tuple[str, str]]]:
    """pattern → [(kind, marker)], built once per marker table."""
    by_pattern: dict[str, list[tuple[str, str]]] = {p: [] for p in PATTERNS}
    for pattern, kind, marker in markers:
        by_pattern.setdefault(pattern, []).append((kind, marker))
    return by_pattern


def detect_pattern(text: str, tokens: Sequence[str], config: RuleConfig) -> tuple[str, str]:
    """(pattern, the marker that decided it)."""
    stripped = text.strip()
    core = "".join(ch for ch in stripped if is_content_char(ch))
    last_punct = next((ch for ch in reversed(stripped) if not ch.isspace() and not is_content_char(ch)), "")
    by_pattern = _grouped(config.pattern_markers)
    ends_with_punct = bool(stripped) and not is_content_char(stripped[-1])

    def hit(pattern: str) -> str | None:
        for kind, marker in by_pattern.get(pattern, []):
            if kind == "punct" and ends_with_punct and last_punct == marker:
                return f"ends with {marker}"
            if kind == "final" and core.endswith(marker):
                return f"ends with {marker}"
            if kind == "initial" and core.startswith(marker):
                return f"begins with {marker}"
        return None

    found = hit("interrogative")
    if found:
        return "interrogative", found
    word = next((t for t in tokens if t in config.question_words), None)
    if word:
        return "interrogative", f"question word {word}"
    for pattern in ("imperative", "exclamatory"):
        found = hit(pattern)
        if found:
            return pattern, found
    return "declarative", "no interrogative, imperative or exclamatory marker"


def pattern_coefficient(p1: str, p2: str, config: RuleConfig) -> tuple[float, str]:
    """K1 and why."""
    if p1 == p2:
        return 1.0, f"same pattern ({p1})"
    if "interrogative" in (p1, p2):
        return config.pattern_interrogative, f"{p1} vs {p2}: interrogative against another pattern"
    return config.pattern_other, f"{p1} vs {p2}: different patterns"
