"""Input hygiene shared by every scorer.

Why one place: all scorers must treat ``None``, empty, punctuation-only, control characters and
over-long text the same way, so that a score file never differs only by how a scorer coped.

Rules (documented in the README):

* ``None`` or a non-string raises :class:`~simcalc.errors.InvalidTextError`.
* Text is NFKC-normalised (full-width Latin/digits/punctuation become half-width), traditional characters
  become simplified ones (character by character, :func:`simplify_chars`: users in Hong Kong or Taiwan type
  为什麼/花唄 for 为什么/花呗, and every scorer, lexicon and model here reads simplified text), control and
  format characters (U+0000–001F, U+007F–009F, zero-width spaces, stray BOMs) are dropped, and runs of
  whitespace collapse to one space.
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


def normalize(text: str) -> str:
    """NFKC, traditional → simplified, lower-case, invisible characters removed, whitespace collapsed."""
    text = simplify_chars(unicodedata.normalize("NFKC", text))
    text = _drop_invisible(text).lower()
    return _WHITESPACE.sub(" ", text).strip()


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
