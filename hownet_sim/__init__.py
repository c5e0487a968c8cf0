"""hownet_sim: HowNet word similarity (Liu & Li 2002) with antonymy in [-1, 1] and WSD (Li & Li 2015).

>>> import hownet_sim
>>> hownet_sim.word_similarity("父亲", "爸爸")   # doctest: +SKIP
1.0
>>> hownet_sim.word_similarity("高", "矮") < 0   # doctest: +SKIP
True
>>> [c.reason for c in hownet_sim.disambiguate(["打", "篮球"], ["v", "n"])]   # doctest: +SKIP
>>> r = hownet_sim.relation("买", "卖"); (r.converse, r.rule, r.confident)   # doctest: +SKIP
(True, 'sememe_pair', True)

Data: the lexicons ship with the package as compiled indexes; ``$SIMCALC_DATA_DIR/hownet/`` and
``cilin/`` (or ``data_dir=``) override them (see :mod:`simcalc.hownet_sim.index`). Importing this package loads
nothing and imports no heavy dependency.
"""
from __future__ import annotations

from .api import (
    build_engine,
    disambiguate,
    get_engine,
    load_lexicon,
    relation,
    render_word_similarity,
    word_similarity,
    word_similarity_report,
)
from .defs import Concept, parse_def, parse_kdml
from .errors import HowNetError, LexiconFormatError
from .lexicon import GlossaryLexicon, Lexicon, Sense
from .relation import Relation
from .similarity import LiuLiParams

__all__ = [
    "word_similarity", "word_similarity_report", "relation", "Relation", "render_word_similarity", "disambiguate",
    "load_lexicon", "get_engine", "build_engine", "GlossaryLexicon", "Lexicon", "Sense", "Concept",
    "parse_def", "parse_kdml", "LiuLiParams", "HowNetError", "LexiconFormatError",
]
