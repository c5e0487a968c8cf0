"""What the rule engine needs to know about two (disambiguated) words, in one immutable object.

Why a separate object instead of the report dict: the sentence scorer calls this for every aligned
word pair, so it must be cheap, cacheable and typed; reports are for people and the CLI.

``confident`` separates opposites HowNet itself establishes (sememe pairs, hypernym pairs, two-valued
scales, HowNet's sentiment markers and lists) from the community word list, whose precision is low
(see the table in ``hownet_sim/README.md``): a sentence scorer should only let confident opposites
flip the sign of a sentence.
"""
from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Sense

#: Rules whose opposite decision counts as confident (HowNet's own data; measured precision in README).
CONFIDENT_RULES = frozenset({"sememe_pair", "hypernym_pair", "sibling_values", "sentiment"})


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

    @property
    def opposite(self) -> bool:
        """Antonymous or converse."""
        return self.antonym or self.converse

    def to_dict(self) -> dict:
        return {
            "word1": self.word1, "word2": self.word2, "score": self.score, "similarity": self.similarity,
            "antonym": self.antonym, "converse": self.converse, "rule": self.rule,
            "confident": self.confident, "via": self.via, "method": self.method,
            "sense1": self.sense1.to_dict() if self.sense1 else None,
            "sense2": self.sense2.to_dict() if self.sense2 else None,
        }
