"""Input hygiene shared by every scorer.

Why one place: all scorers must treat ``None``, empty, punctuation-only, control characters and
over-long text the same way, so that a score file never differs only by how a scorer coped.

Rules (documented in the README):

* ``None`` or a non-string raises :class:`~simcalc.errors.InvalidTextError`.
* Text is NFKC-normalised (full-width Latin/digits/punctuation become half-width), traditional characters
  become simplified ones (character by character, :func:`simplify_chars`: users in Hong Kong or Taiwan type
  为什麼/花唄 for 为什么/花呗, and every scorer, lexicon and model here reads simplified text), control and
  format characters (U+0000–001F, U+007F–009F, zero-width spaces, stray BOMs) are dropped, runs of
  whitespace collapse to one space, and a space beside a Chinese (or Japanese) character is dropped
  (:func:`drop_cjk_spaces`): Chinese is written without spaces, so 信用 卡 / 转 5000 元 mean 信用卡 / 转5000元,
  and a stray space must not cut a word in two for the scorers that segment words. Spaces between two
  Latin words or numbers (iphone 6, win 10) carry meaning and stay.
* Text with no *content* character left (letters of any script, digits, or symbols such as emoji)
  raises :class:`InvalidTextError`: there is nothing to compare.
* Text longer than :data:`MAX_CHARS` characters is cut to that length and the result says so in its
  ``warnings``; nothing is cut silently.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import InvalidTextError, ResourceNotFoundError

log = logging.getLogger(__name__)

#: Longest text (after normalisation) a scorer sees. Questions in LCQMC/BQ are < 150 characters;
#: 1,000 keeps paragraph-sized input useful while bounding quadratic lexical scorers.
MAX_CHARS = 1000

_WHITESPACE = re.compile(r"\s+")
#: Scripts written without spaces: CJK radicals, CJK symbols and punctuation, kana, bopomofo, the CJK
#: ideograph blocks (extension A, unified, compatibility, extensions B and beyond).
_UNSPACED = ("\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
             "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f")
_CJK_SPACE = re.compile(f"(?<=[{_UNSPACED}]) | (?=[{_UNSPACED}])")
_CONTENT_CATEGORIES = ("L", "N", "S")  # letters, numbers, symbols (emoji are So)

#: The shipped traditional → simplified character table (built from OpenCC ``t2s`` when the parser is
#: exported: ``simcalc.rules.parse.conllu.build_char_table``), relative to the project's ``data/``.
T2S_TABLE = "parser/t2s_chars.json"


@dataclass(frozen=True)
class PreparedText:
    """A normalised text plus what normalisation had to do to it."""

    text: str
    original_length: int
    warnings: tuple[str, ...] = field(default=())

    @property
    def truncated(self) -> bool:
        return len(self.text) < self.original_length


def _drop_invisible(text: str) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\f\v":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, int]:
    from .resources import project_data_path

    try:
        data = json.loads(project_data_path(T2S_TABLE).read_text(encoding="utf-8"))
        produced = set(data["to"])  # a character the table produces is simplified: never convert it again
        return {ord(a): ord(b) for a, b in zip(data["from"], data["to"]) if a not in produced}
    except (ResourceNotFoundError, OSError, ValueError, KeyError) as exc:
        log.warning("no traditional→simplified table (%s): traditional characters are kept as they are", exc)
        return {}


def simplify_chars(text: str) -> str:
    """Traditional → simplified, character by character, with the shipped table (no OpenCC at run time).

    Characters that also occur in simplified text (乾 of 乾隆, 著 of 著名) are left out of the table when it
    is built, so simplified input is never changed.
    """
    return text.translate(_t2s_table())


def drop_cjk_spaces(text: str) -> str:
    """``text`` (whitespace already collapsed to single spaces) without the spaces that touch a character
    of a script written without spaces: 花呗 怎么 还款 → 花呗怎么还款, 转 5000 元 → 转5000元, while
    iphone 6 and 3 4 keep theirs. Why in the input rules: a space inside a Chinese sentence is noise
    (or, in user text, a pause standing for a comma), but jieba cuts at it, so 信用 卡 became two words for
    every word-level scorer (the rule engine, mgf, word TF-IDF) and moved their scores."""
    return _CJK_SPACE.sub("", text)


def normalize(text: str) -> str:
    """NFKC, traditional → simplified, lower-case, invisible characters removed, whitespace collapsed,
    spaces beside Chinese characters dropped."""
    text = simplify_chars(unicodedata.normalize("NFKC", text))
    text = _drop_invisible(text).lower()
    return drop_cjk_spaces(_WHITESPACE.sub(" ", text).strip())


def is_content_char(ch: str) -> bool:
    """True for characters that carry meaning: letters, digits, symbols (not punctuation/space)."""
    return unicodedata.category(ch)[0] in _CONTENT_CATEGORIES


def content_chars(text: str) -> str:
    """The text without punctuation and whitespace: what character-level scorers compare."""
    return "".join(ch for ch in text if is_content_char(ch))


def prepare(text: object, *, which: str = "text", max_chars: int = MAX_CHARS) -> PreparedText:
    """Validate and normalise one input text, or raise :class:`InvalidTextError` saying why."""
    if text is None:
        raise InvalidTextError(f"{which} is None; pass a string")
    if not isinstance(text, str):
        raise InvalidTextError(f"{which} must be a string, not {type(text).__name__}")
    normalized = normalize(text)
    if not normalized:
        raise InvalidTextError(f"{which} is empty (or only whitespace/control characters)")
    if not any(is_content_char(ch) for ch in normalized):
        raise InvalidTextError(f"{which} has only punctuation; there is nothing to compare")
    warnings: list[str] = []
    original_length = len(normalized)
    if original_length > max_chars:
        normalized = normalized[:max_chars]
        warnings.append(f"{which} truncated from {original_length} to {max_chars} characters")
    return PreparedText(normalized, original_length, tuple(warnings))
