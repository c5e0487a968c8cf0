"""The ``rules`` scorer: sentence similarity signed in [-1, 1], explained, with a fixed feature vector.

Two modes (``RulesScorer(mode=...)`` or the config's ``mode``): ``signed`` (default, :mod:`.signed`):
content similarity in [0, 1], negative only when the polarity verdict is *opposite*; ``paper``: Li & Li
(2015)'s ``K·|S|`` unchanged (also registered as ``rules-paper``: :class:`PaperRulesScorer`). Every
Result carries ``details["features"]`` (:data:`simcalc.rules.features.FEATURE_NAMES`, both modes) and
``details["polarity"]`` (verdict, reason, cue).

Pipeline per pair: segment (jieba, user dictionary, :mod:`simcalc.rules.tokens` repairs) → parse (the selected
backend, see :mod:`simcalc.rules.parse.select`) → components (:mod:`simcalc.rules.components`) → senses in context
(:mod:`simcalc.hownet_sim.wsd`) → compare (:mod:`simcalc.rules.compare`). Each distinct sentence of a batch is parsed
once; analyses are cached (bounded), so FAQ-style batches that repeat sentences parse them once.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

from simcalc.result import Result
from simcalc.scorer import Pair, Scorer

from .compare import Comparer, Side
from .components import analyse
from .config import RuleConfig, load_config
from .features import feature_dict
from .lazy import LazyDetails
from .patterns import detect_pattern
from .signed import IdfTable, Match, compare as signed_compare, profile
from .tokens import read_user_words, repair

log = logging.getLogger(__name__)

CACHE_SIZE = 20_000
#: the signed mode's decision threshold when none is given (chosen on BQ dev + LCQMC dev, bench/rules.py)
SIGNED_THRESHOLD = 0.5


class RulesScorer(Scorer):
    """``RulesScorer(config=None, parser=None, user_dict=None, words=None, threshold=None)``.

    ``config``: a :class:`RuleConfig` or a TOML path; ``parser``: ``auto``/``ltp``/``embedded`` or a
    parser object; ``user_dict``: a jieba user dictionary (domain words such as 花呗, 借呗) used for
    segmentation; ``words``: word knowledge (default HowNet 2000 from ``$SIMCALC_DATA_DIR``).
    """

    name = "rules"
    range = (-1.0, 1.0)
    default_threshold = 0.5

    def __init__(self, threshold: float | None = None, config: RuleConfig | str | Path | None = None,
                 parser: Any = None, user_dict: str | Path | None = None, words: Any = None,
                 data_dir: str | Path | None = None, mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(threshold=threshold, **kwargs)
        self.config = config if isinstance(config, RuleConfig) else load_config(config)
        if mode is not None:
            self.config = self.config.replace(mode=mode)
        if threshold is None and self.config.mode == "signed":
            self.threshold = SIGNED_THRESHOLD
        self.user_dict = str(user_dict) if user_dict else None
        if self.user_dict and not Path(self.user_dict).expanduser().is_file():
            from simcalc.errors import ResourceNotFoundError

            raise ResourceNotFoundError(f"user dictionary {self.user_dict} does not exist")
        self._protected = read_user_words(self.user_dict)
        if parser is None or isinstance(parser, str):
            from .parse import get_parser

            # the question root repair stays off here: on 2,000 BQ / LCQMC dev pairs it left the engine's ROC AUC
            # where it was (76.72 → 76.70 / 76.57 → 76.68), and roots such as 怎么办 or 是 make the components
            # compare a noun phrase or the copula (data/parser/MODEL_CARD.md, "Question root repair")
            parser = get_parser(parser, question_roots=False,
                                **({"user_dict": self.user_dict} if self.user_dict else {}))
        self.parser = parser
        if words is None:
            from .words import HowNetWords

            words = HowNetWords(str(data_dir) if data_dir else None)
        self.words = words
        self._segment = None
        self._idf: IdfTable | None = None
        self._cache: OrderedDict[str, Side] = OrderedDict()
        self._lock = threading.Lock()
        self.cache_size = CACHE_SIZE
        self._opposites: dict = {}  # (word, word) -> opposite predicates? (signed.Match.opposite)

    def with_config(self, config: RuleConfig) -> "RulesScorer":
        """A scorer with another config sharing this one's parser, word knowledge and — when the word
        lists are the same — its analyses (ablations and tuning re-score without re-parsing)."""
        import copy

        other = copy.copy(self)
        other.config = config
        other._opposites = {}  # decided under the other config's word lists and trusted rules
        same_lists = (config.negation_words == self.config.negation_words
                      and config.question_words == self.config.question_words
                      and config.pattern_markers == self.config.pattern_markers
                      and config.max_clauses == self.config.max_clauses)
        if not same_lists:
            other._cache = OrderedDict()
            other._lock = threading.Lock()
        return other

    def describe(self) -> dict:
        out = super().describe()
        out.update(parser=getattr(self.parser, "name", type(self.parser).__name__), user_dict=self.user_dict,
                   words=self.words.describe(), mode=self.config.mode)
        return out

    # -- analysis ---------------------------------------------------------------------------------
    def _segmenter(self):
        if self._segment is None:
            from .parse.segment import default_segmenter

            self._segment = default_segmenter(self.user_dict)
        return self._segment

    def _idf_table(self) -> IdfTable:
        if self._idf is None:
            segment = self._segmenter()
            self._idf = IdfTable(segment.frequencies, getattr(getattr(segment, "_tokenizer", None), "total", None))
        return self._idf

    def _word_senses(self) -> Callable[[str], Any] | None:
        """A word's HowNet senses out of context (the slot values' places), when the words are HowNet."""
        engine = getattr(self.words, "engine", None)
        return engine.lexicon.senses if engine is not None else None

    def analyse_many(self, texts: Sequence[str]) -> dict[str, Side]:
        """Parse and analyse the distinct texts not cached yet (one parser batch)."""
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            segment = self._segmenter()
            token_lists, repairs, cuts = [], [], []
            for text in todo:
                cut = segment(text)
                tokens, notes = repair(cut, self._protected, getattr(self.words, "knows", None),
                                       segment.frequencies)
                token_lists.append(tokens or [text])
                repairs.append(notes)
                cuts.append(tuple(cut))
            parses = self.parser.parse_tokens_batch(token_lists)
            new = {}
            for text, parse, notes, cut in zip(todo, parses, repairs, cuts):
                sentence = analyse(parse, self.config)
                sentence.notes = notes + sentence.notes
                senses = self.words.senses(parse.tokens, parse.pos)
                view = profile(text, parse.tokens, parse.pos, self.config, self._idf_table(),
                               getattr(self.words, "knows", None), self._word_senses())
                new[text] = Side(text, sentence, detect_pattern(text, parse.tokens, self.config), senses, view,
                                 words=cut)
            with self._lock:
                for text, side in new.items():
                    self._cache[text] = side
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in texts if t not in found]
        if missing:  # evicted by a concurrent batch: analyse again
            found.update(self.analyse_many(missing))
        return found

    # -- scoring ----------------------------------------------------------------------------------
    def _read_typos(self, pairs: Sequence[Pair], sides: dict[str, Side]) -> tuple[list[Pair], list[list[str]]]:
        """The signed mode reads a typo against the other sentence's word (:mod:`.typos`) before analysis;
        the words of a sentence are the segmenter's cut kept with its analysis (``sides``: no second cut)."""
        if self.config.mode != "signed":
            return list(pairs), [[] for _ in pairs]
        freq = self._segmenter().frequencies
        in_any = getattr(self.words, "in_any_dictionary", None) or getattr(self.words, "knows", None)

        def known(word: str) -> bool:
            return freq.get(word, 0) > 0 or word in self._protected or bool(in_any and in_any(word))

        def opposite(x: str, y: str) -> bool:
            return self.words.relation(x, y).kind is not None

        def tokens(text: str) -> Sequence[str]:
            side = sides[text]
            return side.words or side.sentence.parse.tokens

        from .tokens import dictionary_tag
        from .typos import repair_pair

        out, notes = [], []
        for a, b in pairs:
            new_a, new_b, read = repair_pair(a, b, tokens, known, dictionary_tag, opposite,
                                             self.config.question_words)
            out.append((new_a, new_b))
            notes.append(read)
        return out, notes

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:
        sides = self.analyse_many([t for pair in pairs for t in pair])
        pairs, typo_notes = self._read_typos(pairs, sides)
        read = [t for pair in pairs for t in pair if t not in sides]
        if read:  # a sentence with a typo read: analysed as read
            sides.update(self.analyse_many(read))
        comparer = Comparer(self.config, self.words, explain=False)  # numbers only: see _explanation
        word_senses = self._word_senses()
        results = []
        signed = self.config.mode == "signed"
        for (a, b), typos in zip(pairs, typo_notes):
            sa, sb = sides[a], sides[b]
            paper, detail = comparer.sentences(sa, sb)
            match = Match(self.config, self.words.relation, sa.senses, sb.senses, opposites=self._opposites,
                          knows=getattr(self.words, "knows", None), word_senses=word_senses)
            rules_score, values, polarity = signed_compare(sa.profile, sb.profile, match, paper, detail,
                                                           (sa.pattern[0], sb.pattern[0]), self.config,
                                                           (sa.sentence.parse.tokens, sb.sentence.parse.tokens))
            score = rules_score if signed else paper
            warnings = list(typos)
            for side in (sa, sb):
                warnings.extend(side.sentence.parse.warnings)
            details = LazyDetails("explanation", partial(self._explanation, self.config, sa, sb, rules_score, polarity),
                                  {"features": feature_dict(values), "polarity": polarity})
            results.append(Result(score, self.name, details=details, warnings=warnings))
        return results

    def _explanation(self, config: RuleConfig, sa: Side, sb: Side, rules_score: float, polarity: dict) -> dict:
        """The full explanation of one scored pair, built when first read (:class:`LazyDetails`): the
        paper's comparison again with every word pair, reason and the formula in words (the same
        numbers as the score's: one code path, :class:`Comparer` with ``explain=True``)."""
        _, detail = Comparer(config, self.words).sentences(sa, sb)
        formula = detail.pop("formula")
        signed = config.mode == "signed"
        return {
            "mode": config.mode,
            "formula": (f"signed: {polarity['verdict']}, score {rules_score:.4f} ({polarity['reason']}); "
                        f"paper {formula}") if signed else formula,
            "sentences": [self.sentence_view(sa), self.sentence_view(sb)],
            **detail,
        }

    @staticmethod
    def render(result: Result) -> str:
        """The explanation as a readable table (``simcalc explain --scorer rules``)."""
        from .render import render_explanation

        return render_explanation(result)

    @staticmethod
    def sentence_view(side: Side) -> dict:
        """One analysed sentence as the explanation (and the drawings) show it: parse, components, senses.
        Built once per analysed sentence (a batch repeats sentences; the view is per sentence, not per
        pair) and shared by the results that show it: treat it as read-only."""
        cached = getattr(side, "_view", None)
        if cached is not None:
            return cached
        view = side.sentence.to_dict()
        view["text"] = side.text
        view["pattern"] = {"pattern": side.pattern[0], "marker": side.pattern[1]}
        view["senses"] = [None if not s else s[0].concept.raw if len(s) == 1 else [x.concept.raw for x in s]
                          for s in side.senses]
        if side.profile is not None:
            view["signed"] = side.profile.to_dict()
        side._view = view
        return view


class PaperRulesScorer(RulesScorer):
    """``rules-paper``: the rule engine in mode ``paper`` (Li & Li 2015's formula unchanged)."""

    name = "rules-paper"
    default_threshold = 0.5

    def __init__(self, threshold: float | None = None, mode: str | None = "paper", **kwargs: Any) -> None:
        super().__init__(threshold=threshold, mode=mode, **kwargs)
