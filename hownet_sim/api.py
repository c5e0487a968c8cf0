"""Public entry points: loaders, ``word_similarity``, ``disambiguate``, the CLI report and its rendering.

Data comes from ``data_dir`` (the folder holding ``hownet/`` and ``cilin/``) or, when it is None,
from ``$SIMCALC_DATA_DIR`` / the simcalc cache and else from the lexicon index shipped with the
package (see :mod:`simcalc.hownet_sim.index`). In a folder only ``hownet/glossary.dat`` and
``hownet/whole.dat`` are required; Cilin, the flat sememe list, the antonym lists and the sentiment
lists switch their steps off when absent (the report says so).
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from simcalc.errors import InvalidTextError
from simcalc.text import is_content_char, prepare

from .antonym import AntonymRules
from .cilin import Cilin
from .engine import STEP_BUDGET, WordSimilarity
from .index import open_resource
from .flat import FlatSememes
from .lexicon import GlossaryLexicon, Sense
from .relation import Relation
from .similarity import LiuLiParams
from .wsd import Choice, Disambiguator

log = logging.getLogger(__name__)

_lock = threading.Lock()
_engines: dict[tuple, WordSimilarity] = {}


def load_lexicon(data_dir: str | Path | None = None, kind: str = "hownet2000", **options: Any):
    """A lexicon: ``"hownet2000"`` (glossary.dat + whole.dat) or ``"openhownet"`` (the package's data)."""
    if kind == "hownet2000":
        return GlossaryLexicon.load(data_dir, **options)
    if kind == "openhownet":
        from .openhownet import OpenHowNetLexicon

        return OpenHowNetLexicon.load(**options)
    raise ValueError(f"unknown lexicon kind {kind!r}; use 'hownet2000' or 'openhownet'")


def build_engine(lexicon, data_dir: str | Path | None = None, *, params: LiuLiParams | None = None,
                 signed: bool = True, oov_chain: bool = True, word_antonyms: bool = True,
                 sentiment: bool = True, step_budget: int = STEP_BUDGET) -> WordSimilarity:
    """Assemble the engine around a lexicon, finding the optional resources next to it."""
    from .lexicon_index import LazyPairs, read_cilin, read_flat_index, read_sentiment_index

    word_pairs = positive = negative = None
    if signed and word_antonyms:
        index = open_resource("antonym_pairs", data_dir)
        word_pairs = LazyPairs(index) if index is not None else None
    if signed and sentiment:
        index = open_resource("sentiment", data_dir)
        if index is not None:
            positive, negative = read_sentiment_index(index)
    rules = AntonymRules(lexicon.tree, lexicon.sememe_relations(), word_pairs, positive, negative)

    def cilin_loader() -> Cilin | None:
        index = open_resource("cilin", data_dir)
        return read_cilin(index) if index is not None else None

    def flat_loader() -> FlatSememes | None:
        index = open_resource("flat", data_dir)
        return read_flat_index(index, lexicon.tree) if index is not None else None

    return WordSimilarity(lexicon, params or LiuLiParams(), rules, cilin_loader, flat_loader,
                          signed=signed, oov_chain=oov_chain, step_budget=step_budget)


def get_engine(data_dir: str | Path | None = None, **options: Any) -> WordSimilarity:
    """A shared engine per (data_dir, options): the lexicon loads once per process.

    Without ``data_dir`` the key is the folder ``SIMCALC_DATA_DIR`` names now, so an engine loaded from
    one folder is never handed out after the variable points elsewhere."""
    from simcalc.resources import data_dir as current_data_dir

    where = data_dir if data_dir is not None else current_data_dir()
    key = (str(where) if where is not None else None, tuple(sorted(options.items())))
    with _lock:
        if key not in _engines:
            _engines[key] = build_engine(GlossaryLexicon.load(data_dir), data_dir, **options)
        return _engines[key]


def _clean_word(word: object, which: str) -> str:
    """Validate like every simcalc input (:func:`simcalc.text.prepare`), but keep the case:
    HowNet has entries such as ``GDP`` and ``BP机``."""
    prepare(word, which=which)  # raises InvalidTextError for None, non-strings, empty, punctuation only
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", word) if is_content_char(ch) or ch in "-·")
    if not cleaned:
        raise InvalidTextError(f"{which} has no word characters")
    if len(cleaned) > 50:
        raise InvalidTextError(f"{which} is {len(cleaned)} characters long; a word has at most 50")
    return cleaned


def word_similarity(w1: str, w2: str, *, data_dir: str | Path | None = None) -> float:
    """Similarity of two words in [-1, 1] without context: 父亲/爸爸 → 1.0, 高/矮 → negative."""
    return get_engine(data_dir).similarity(_clean_word(w1, "word1"), _clean_word(w2, "word2"))


def relation(w1: str, w2: str, *, senses: tuple[Sequence[Sense] | None, Sequence[Sense] | None] | None = None,
             data_dir: str | Path | None = None) -> Relation:
    """Similarity of two words (or of their chosen senses, ``senses=(senses1, senses2)``) and whether
    they are antonymous or converse, by which rule, and whether HowNet itself says so (``confident``)."""
    a, b = _clean_word(w1, "word1"), _clean_word(w2, "word2")
    senses1, senses2 = senses if senses is not None else (None, None)
    return get_engine(data_dir).relation(a, b, senses1, senses2)


def disambiguate(tokens: Sequence[str], pos_tags: Sequence[str | None], *,
                 data_dir: str | Path | None = None, window: int = 2) -> list[Choice]:
    """The HowNet sense of each token in context, with the reason (see :mod:`simcalc.hownet_sim.wsd`)."""
    if len(tokens) != len(pos_tags):
        raise InvalidTextError(f"{len(tokens)} tokens but {len(pos_tags)} POS tags")
    engine = get_engine(data_dir)
    return Disambiguator(engine.lexicon, engine.concepts, window)(list(tokens), list(pos_tags))


def word_similarity_report(w1: str, w2: str, *, data_dir: str | Path | None = None) -> dict:
    """JSON-serialisable report for ``simcalc word-sim``: score, senses, sememe paths, chain step."""
    a, b = _clean_word(w1, "word1"), _clean_word(w2, "word2")
    return get_engine(data_dir).report(a, b)


def render_word_similarity(report: dict) -> str:
    """Human-readable form of :func:`word_similarity_report`."""
    w1, w2 = report["words"]
    lines = [f"{w1} / {w2}: {report['score']:+.4f}  (method: {report.get('method')}, range {report.get('range')})"]
    if report.get("antonym"):
        ant = report["antonym"]
        detail = " vs ".join(ant.get("sememes") or []) or ant.get("via", "")
        sure = "" if "confident" not in ant else (", confident" if ant["confident"] else ", not confident")
        lines.append(f"  opposite ({ant['relation']}, rule {ant['rule']}{sure}): {detail}"
                     + (f" [{ant['via']}]" if ant.get("via") and ant.get("sememes") else ""))
        if "similarity" in report:
            lines.append(f"  similarity of the concepts otherwise: {report['similarity']:.4f}, negated")
    for sense in report.get("senses", []):
        lines.append(f"  sense of {sense['word']} ({sense['pos']}): {sense['def']}")
    explanation = report.get("explanation") or {}
    if explanation.get("parts"):
        parts = ", ".join(f"{k} {v}" for k, v in explanation["parts"].items())
        lines.append(f"  Liu & Li parts: {parts}")
    for p in explanation.get("sememe_paths", []):
        path = " → ".join(p["path"]) if p["path"] else "(no path)"
        lines.append(f"  {p['pair'][0]} ~ {p['pair'][1]}: {p['similarity']} (d={p['distance']}) {path}")
    if report.get("cilin_codes"):
        lines.append(f"  Cilin codes: {' / '.join(report['cilin_codes'])}")
    if report.get("aligned"):
        lines.append("  aligned sememes: " + ", ".join(f"{x}~{y} {s}" for x, y, s in report["aligned"][:8]))
    if report.get("aligned_characters"):
        lines.append("  aligned characters: " + ", ".join(f"{x}~{y} {s}" for x, y, s in report["aligned_characters"]))
    trace = " → ".join(f"{s['step']}: {s['status']}" for s in report.get("oov_chain", []))
    lines.append(f"  chain: {trace}")
    if report.get("note"):
        lines.append(f"  note: {report['note']}")
    return "\n".join(lines)
