"""Character readings (toneless pinyin) for telling a homophone typo from a different word.

Why: 分其 for 分期 and 手续废 for 手续费 are typos because the characters sound alike (qi / fei); 卖豆腐 for
吃豆腐 is another word. The typo rules (:mod:`.typos`, :func:`.words.typo_pair`) accept a one-character
difference only between characters that share a reading. No pinyin package is used: the table ships in
``data/wordlists/char_readings.tsv``, built by :func:`build` from the ``Translit`` (pinyin) column of the
Universal Dependencies Chinese treebanks in the shared data folder (GSDSimp dev/test, HK, PUD, CFL: CC BY-SA;
Beginner: CC BY-NC-SA 3.0; traditional forms simplified with the input rules' table)::

    python -m simcalc.rules.readings --data ../shared/data --out data/wordlists/char_readings.tsv

Single-character tokens give a character's reading directly; a longer word's transliteration is cut into
as many syllables as it has characters (syllables seen on single characters, apostrophes respected), and
a word that does not cut exactly one way is skipped. A character the table lacks sounds like nothing.
"""
from __future__ import annotations

import argparse
import logging
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

#: the shipped table, relative to the project's ``data/``
READINGS = "wordlists/char_readings.tsv"
#: the treebanks read by :func:`build`, relative to the shared data folder (CC BY-SA; Beginner CC BY-NC-SA 3.0)
SOURCES = ("ud_chinese/UD_Chinese-GSDSimp/zh_gsdsimp-ud-dev.conllu",
           "ud_chinese/UD_Chinese-GSDSimp/zh_gsdsimp-ud-test.conllu",
           "ud_chinese/UD_Chinese-HK/zh_hk-ud-test.conllu",
           "ud_chinese/UD_Chinese-PUD/zh_pud-ud-test.conllu",
           "ud_chinese/UD_Chinese-CFL/zh_cfl-ud-test.conllu",
           "ud_chinese/UD_Chinese-Beginner/zh_beginner-ud-test.conllu")


@lru_cache(maxsize=1)
def readings() -> dict[str, frozenset[str]]:
    """Character → its toneless readings, from the shipped table ({} with a warning when it is missing)."""
    from simcalc.errors import ResourceNotFoundError
    from simcalc.resources import project_data_path

    try:
        text = project_data_path(READINGS).read_text(encoding="utf-8")
    except (ResourceNotFoundError, OSError) as exc:
        log.warning("no character readings (%s): typos are not read as the other sentence's word", exc)
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            char, _, syllables = line.partition("\t")
            out[char] = frozenset(syllables.split())
    return out


def sound_alike(a: str, b: str) -> bool:
    """Two characters that share a toneless reading (期 / 其: qi; 费 / 废: fei)."""
    table = readings()
    return bool(table.get(a, frozenset()) & table.get(b, frozenset()))


def toneless(translit: str) -> str:
    """Pinyin without tone marks, ü written v, lower case: ``lǜsè`` → ``lvse``."""
    decomposed = unicodedata.normalize("NFD", translit.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_INITIALS = ("", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r", "z",
             "c", "s", "y", "w")
_FINALS = ("a", "o", "e", "i", "u", "v", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "ia", "ie",
           "iao", "iu", "ian", "in", "iang", "ing", "iong", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ue", "ve")
#: shapes of pinyin syllables (initial + final; over-generates a little, which only makes more cuts ambiguous)
SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)


def _cut(syllables: str, n: int, inventory: frozenset[str] = SYLLABLES) -> list[str] | None:
    """``syllables`` cut into exactly ``n`` syllables, or None when there is not exactly one way. Pinyin
    spelling: a syllable after the first that starts with a vowel follows an apostrophe (xi'an)."""
    syllables = syllables.strip("'")
    parts = syllables.split("'") if "'" in syllables else [syllables]
    if len(parts) > 1:  # apostrophes mark syllable starts: cut each part on its own
        out: list[str] = []
        for part in parts:
            found = None
            for k in range(1, n - len(out) + 1):
                found = _cut(part, k, inventory)
                if found:
                    break
            if not found:
                return None
            out += found
        return out if len(out) == n else None
    ways: list[list[str]] = []

    def walk(rest: str, k: int, acc: list[str]) -> None:
        if len(ways) > 1:
            return
        if k == 0:
            if not rest:
                ways.append(list(acc))
            return
        for end in range(1, min(6, len(rest)) + 1):
            if rest[:end] in inventory and (not acc or rest[0] not in "aoe"):
                walk(rest[end:], k - 1, acc + [rest[:end]])

    walk(syllables, n, [])
    return ways[0] if len(ways) == 1 else None


def _tokens(paths: Iterable[Path]) -> Iterable[tuple[str, str]]:
    from simcalc.text import simplify_chars

    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) != 10 or not cols[0].isdigit():
                continue
            misc = dict(item.split("=", 1) for item in cols[9].split("|") if "=" in item)
            word, translit = simplify_chars(cols[1]), misc.get("Translit", "")
            syllables = toneless(translit)
            if syllables.replace("'", "").isascii() and syllables.replace("'", "").isalpha() \
                    and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                yield word, syllables


def build(paths: Iterable[Path]) -> dict[str, set[str]]:
    """Character → toneless readings from CoNLL-U files with a ``Translit`` MISC field."""
    tokens = list(_tokens(paths))
    table: dict[str, set[str]] = defaultdict(set)
    for word, syllables in tokens:
        if len(word) == 1 and "'" not in syllables:
            table[word].add(syllables)
    for word, syllables in tokens:
        if len(word) > 1:
            cut = _cut(syllables, len(word))
            if cut:
                for ch, syllable in zip(word, cut):
                    table[ch].add(syllable)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the character readings table from UD Chinese treebanks.")
    parser.add_argument("--data", required=True, help="the shared data folder (with ud_chinese/)")
    parser.add_argument("--out", required=True, help="the table to write (TSV)")
    args = parser.parse_args(argv)
    table = build(Path(args.data) / s for s in SOURCES)
    lines = ["# character<TAB>toneless pinyin readings; built by python -m simcalc.rules.readings from the",
             "# Translit column of UD Chinese GSDSimp dev/test, HK, PUD, CFL (CC BY-SA) and Beginner (CC BY-NC-SA 3.0):",
             "# see NOTICE.md"]
    lines += [f"{ch}\t{' '.join(sorted(table[ch]))}" for ch in sorted(table)]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} characters written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
