"""What the rule engine needs to know about two (disambiguated) words, in one immutable object.

Why a separate object instead of the report dict: the sentence scorer calls this for every aligned
word pair, so it must be cheap, cacheable and typed; reports are for people and the CLI.

``confident`` marks the opposites a sentence scorer may let flip the sign of a sentence
(:func:`is_confident`): a HowNet concept rule confirmed by the word-level antonym list, or a HowNet
sememe-level rule that holds alone (``sememe_word``, ``morpheme``, a strict ``sememe_pair``). Measured
with ``python bench/antonyms.py`` on ``data/wordpairs/opposites.tsv`` (table in ``hownet_sim/README.md``):
precision 0.957 (dev) / 0.978 (held-out test) for words alone, against 0.664 / 0.800 when
``sememe_pair`` alone was confident; the scores still carry the sign of every rule, as Li & Li define them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Sense

#: HowNet rules with a measured precision of at least 0.5 (see the module docstring); pass another set
#: as ``WordSimilarity(confident_rules=...)`` after measuring, e.g. on disambiguated senses.
CONFIDENT_RULES = frozenset({"sememe_pair", "sememe_word", "morpheme"})
#: Rules that read the two concepts (or, ``morpheme``, the concepts of the differing characters): a
#: word pair they call opposite *and* the word-level antonym list pairs is confident whatever the rule.
CONCEPT_RULES = frozenset({"sememe_pair", "sememe_word", "hypernym_pair", "sibling_values", "sentiment",
                           "morpheme"})


def is_confident(rule: str | None, listed: bool, strict: bool, confident_rules: frozenset = CONFIDENT_RULES) -> bool:
    """Whether an opposite may flip a sentence: two independent sources agree (a HowNet concept rule
    and the word list), or a HowNet sememe-level rule alone when ``strict`` holds for the senses (the
    opposed sememes are the whole difference between two non-entity definitions: 有/没有, 贵/便宜,
    not 哥哥/老婆, whose DEFs differ in male/female *and* in kinship)."""
    if rule is None:
        return False
    if listed and rule in CONCEPT_RULES:
        return True
    if rule not in confident_rules:
        return False
    return strict if rule == "sememe_pair" else True


@dataclass(frozen=True)
class Relation:
    """Similarity and opposition of two words (or of their chosen senses).

    ``score`` is the signed similarity in [-1, 1] (what :meth:`WordSimilarity.similarity` returns for
    these senses); ``similarity`` the unsigned Liu & Li similarity of the chosen senses in [0, 1];
    ``antonym``/``converse`` say whether the chosen senses are opposites and ``rule`` which rule said
    so; ``method`` is the chain step that produced the score (identical, hownet, cilin, flat_sememes,
    characters, none).
    """

    word1: str
    word2: str
    score: float
    similarity: float
    antonym: bool
    converse: bool
    rule: str | None
    confident: bool
    sense1: Sense | None
    sense2: Sense | None
    method: str
    via: str | None = None  # the evidence in words (sememe pair, attribute, list entry)
    listed: bool = False  # the word-level antonym list pairs the two words
    cohyponym: bool = False  # distinct words HowNet cannot tell apart (狗/猫): the score was capped

    @property
    def opposite(self) -> bool:
        """Antonymous or converse."""
        return self.antonym or self.converse

    def to_dict(self) -> dict:
        return {
            "word1": self.word1, "word2": self.word2, "score": self.score, "similarity": self.similarity,
            "antonym": self.antonym, "converse": self.converse, "rule": self.rule,
            "confident": self.confident, "via": self.via, "method": self.method, "listed": self.listed,
            "cohyponym": self.cohyponym,
            "sense1": self.sense1.to_dict() if self.sense1 else None,
            "sense2": self.sense2.to_dict() if self.sense2 else None,
        }
