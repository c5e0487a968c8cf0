"""Reading CoNLL-U treebanks into plain sentences, in the script and punctuation simcalc parses.

Why here: the embedded parser trains on UD Chinese GSD v1.4, which is in traditional characters with
ASCII punctuation, while users type simplified Chinese with full-width punctuation (or half-width,
after :func:`simcalc.text.normalize`). :func:`canonical_form` maps every token to one view, used both
when training and when parsing, so the two always agree.
"""
from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from simcalc.errors import InputFormatError, ResourceNotFoundError
from simcalc.text import simplify_chars

log = logging.getLogger(__name__)

#: Half-width punctuation → the full-width form Chinese text uses (GSDSimp's convention).
_FULL_WIDTH = {
    ",": "，", ".": "。", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）",
    "``": "“", "''": "”", '"': "“", "...": "…", "~": "～",
}


@dataclass
class UDSentence:
    """One treebank sentence: parallel lists, heads 1-based with 0 = root."""

    tokens: list[str]
    upos: list[str]
    xpos: list[str]
    heads: list[int]
    deprels: list[str]
    comments: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def text(self) -> str:
        return "".join(self.tokens)


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError:
        raise ResourceNotFoundError(
            "reading a traditional-script treebank needs OpenCC (training/evaluation only): "
            "pip install 'simcalc[train]'") from None
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=200_000)
def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC ``t2s`` (character and phrase tables).

    Training and evaluation only (treebanks); parsing uses :func:`simplify_chars`, which needs no OpenCC.
    """
    return _t2s().convert(text)


def build_char_table(simplified_chars: Iterable[str], path: str | Path) -> int:
    """Write the shipped table: every CJK character OpenCC ``t2s`` changes into one other character,
    except those seen in simplified training text. Needs OpenCC (training time). Returns its size."""
    keep = set(simplified_chars)
    convert = _t2s().convert
    pairs = []
    for block in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)):
        for cp in range(*block):
            ch = chr(cp)
            out = convert(ch)
            if out != ch and len(out) == 1 and ch not in keep:
                pairs.append((ch, out))
    table = {"source": "OpenCC t2s (Apache-2.0), single characters", "from": "".join(a for a, _ in pairs),
             "to": "".join(b for _, b in pairs)}
    Path(path).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return len(pairs)


def is_punct(token: str) -> bool:
    return bool(token) and all(unicodedata.category(ch).startswith("P") or ch in "~`" for ch in token)


@lru_cache(maxsize=200_000)
def canonical_form(token: str) -> str:
    """The form the parser's vocabulary sees: NFKC, lower case, simplified, full-width punctuation."""
    form = unicodedata.normalize("NFKC", token).lower()
    if is_punct(form):
        return _FULL_WIDTH.get(form, form)
    return simplify_chars(form)


def read_conllu(path: str | Path, simplify: bool = True) -> list[UDSentence]:
    """All sentences of a CoNLL-U file; multiword-token and empty-node lines are skipped."""
    return list(iter_conllu(path, simplify=simplify))


def iter_conllu(path: str | Path, simplify: bool = True) -> Iterator[UDSentence]:
    rows: list[list[str]] = []
    comments: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line:
                if rows:
                    yield _sentence(rows, comments, simplify)
                rows, comments = [], []
            elif line.startswith("#"):
                comments.append(line)
            else:
                cols = line.split("\t")
                if len(cols) != 10:
                    raise InputFormatError(f"{path}:{number}: expected 10 tab-separated columns, got {len(cols)}")
                if "-" in cols[0] or "." in cols[0]:
                    continue
                rows.append(cols)
    if rows:
        yield _sentence(rows, comments, simplify)


def _sentence(rows: list[list[str]], comments: list[str], simplify: bool) -> UDSentence:
    tokens = [r[1] for r in rows]
    upos = [r[3] for r in rows]
    if simplify:
        tokens = [_FULL_WIDTH.get(t, t) if u == "PUNCT" else to_simplified(t) for t, u in zip(tokens, upos)]
    return UDSentence(tokens, upos, [r[4] for r in rows], [int(r[6]) for r in rows], [r[7] for r in rows],
                      list(comments))


def write_conllu(sentences: list[UDSentence], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for s in sentences:
            for i, (t, u, x, h, d) in enumerate(zip(s.tokens, s.upos, s.xpos, s.heads, s.deprels), 1):
                out.write(f"{i}\t{t}\t_\t{u}\t{x}\t_\t{h}\t{d}\t_\t_\n")
            out.write("\n")
