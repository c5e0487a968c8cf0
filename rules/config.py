"""Every weight, threshold and word list of the rule engine, in one place.

Defaults are Li & Li (2015)'s values where the paper gives one (cited per field); the fields marked
*simcalc* are this project's additions for cases the paper leaves open (its stated limits), each with the
reason. :meth:`RuleConfig.replace` makes a variant (ablations, tuned configs) without touching the default.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from simcalc.errors import InputFormatError, ResourceNotFoundError
from simcalc.resources import project_data_path


@lru_cache(maxsize=None)
def read_words(name: str) -> frozenset[str]:
    """A shipped word list (``data/wordlists/NAME``: one entry per line, ``#`` comments), read once: the
    rule modules share these lists instead of each keeping its own copy."""
    path = project_data_path(f"wordlists/{name}")
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return frozenset(words)


@lru_cache(maxsize=None)
def antonym_lines(name: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """The two sides of every line of an antonym list ``data/wordlists/NAME`` (alternatives by '/'),
    read once for rules.polarity and rules.tokens."""
    path = project_data_path(f"wordlists/{name}")
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        sides = line.split()
        if len(sides) != 2:
            raise ResourceNotFoundError(f"{path}: line {number}: expected two sides (alternatives joined by /)")
        lines.append((frozenset(sides[0].split("/")), frozenset(sides[1].split("/"))))
    return tuple(lines)


@lru_cache(maxsize=None)
def listed_words(name: str = "antonym_words.txt") -> frozenset[str]:
    """Every word of the antonym list (the tokenizer joins 解除|绑定 into the listed 解除绑定)."""
    return frozenset(w for left, right in antonym_lines(name) for w in left | right)


def read_triples(name: str, valid: Callable[[list[str]], bool], expected: str) -> tuple[tuple[str, str, str], ...]:
    """The rows of a three-column word table in ``data/wordlists/`` (``#`` comments, blank lines skipped);
    a row ``valid`` refuses is an error naming the file, the line and the ``expected`` form."""
    path = project_data_path(f"wordlists/{name}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not valid(parts):
            raise ResourceNotFoundError(f"{path}: line {number}: expected {expected}")
        rows.append((parts[0], parts[1], parts[2]))
    return tuple(rows)


@lru_cache(maxsize=None)
def _read_patterns(name: str) -> tuple[tuple[str, str, str], ...]:
    return read_triples(name, lambda parts: parts[1] in ("final", "initial", "punct"),
                        "pattern<TAB>final|initial|punct<TAB>marker")


#: "signed": the default engine (rules/signed.py); "paper": Li & Li 2015's formula unchanged
MODES = ("signed", "paper")


@dataclass(frozen=True)
class RuleConfig:
    # -- sentence similarity S = Σ component weight · S_component (Li & Li formula (3)) ------------
    subject_weight: float = 0.3
    predicate_weight: float = 0.5
    object_weight: float = 0.2
    # -- inside a component (Li & Li §3.3 rule (1)): centre word vs the other words -----------------
    centre_weight: float = 0.6
    modifier_weight: float = 0.4
    #: contribution of each notional POS class (Li & Li §3.3: nouns, verbs, adjectives, pronouns;
    #: numerals count as pronouns)
    pos_weights: dict[str, float] = field(default_factory=lambda: {"noun": 0.3, "verb": 0.3, "adj": 0.2, "pron": 0.2})
    # -- coefficients K = K1·K2·K3·K4 -------------------------------------------------------------
    #: K1: interrogative vs any other pattern (Li & Li: 0.1) and between two other differing patterns (0.5)
    pattern_interrogative: float = 0.1
    pattern_other: float = 0.5
    #: K2 = 2m/(n1+n2) over the components (subject/predicate/object) each sentence has
    use_component_coefficient: bool = True
    #: K3 (negation / antonymous predicates) and K4 (antonymous predicates with roles exchanged)
    use_negation: bool = True
    use_supplementary: bool = True
    #: Ba/Bei rule: cross subject/object similarity above this makes the pair a paraphrase (Li & Li: 0.5)
    ba_bei_threshold: float = 0.5
    use_ba_bei: bool = True
    #: use the sentence pattern coefficient at all
    use_pattern: bool = True
    # -- simcalc additions ------------------------------------------------------------------------
    #: *simcalc*: the same predicate with agent and patient exchanged (张三借给李四 / 李四借给张三) is not a
    #: paraphrase; the paper scores it near 1. The score is multiplied by this.
    role_exchange: float = 0.5
    use_role_exchange: bool = True
    #: *simcalc*: roles count as exchanged when the crossed pairing beats the straight one by this margin
    exchange_margin: float = 0.1
    #: *simcalc*: 是-sentences (A 是 B / B 是 A) compare subject and object in either order
    copula_symmetric: bool = True
    #: *simcalc*: a sentence missing subject or object may match its only argument against the other
    #: sentence's other role (topicalised objects: 书我看完了, 花呗如何开通 vs 怎么开通花呗)
    topic_alignment: bool = True
    #: opposites (antonym/converse) that may flip a sentence through K3/K4: hownet_sim marks only its
    #: measured-precise rule (sememe_pair) as confident; K3 also trusts these rules, because it looks only at
    #: predicate heads (高/矮, 大/小 come from sibling attribute values). The community word list and the
    #: sentiment lists never flip a sentence.
    opposite_rules: frozenset[str] = frozenset({"sememe_pair", "sibling_values"})
    #: *simcalc*: two different proper names (POS nh/ns/ni/nz) or two different words neither of which the
    #: lexicon knows are different referents: their similarity is capped here. HowNet gives 北京/上海 1.0 and
    #: the character fallback gives 张三/李四 1.0, which makes 我去北京/我去上海 a paraphrase. 1 = off.
    distinct_entity_cap: float = 0.3
    #: *simcalc*: weight of the bag-of-notional-words alignment mixed into S (0 = the paper's S alone).
    #: It keeps a score when the parser splits the sentences differently.
    word_alignment_weight: float = 0.0
    #: *simcalc*: a notional word scores only against words of its POS class in modifiers (rule (3)),
    #: but centre words are compared whatever their POS
    words_disambiguated: bool = True
    # -- the signed engine (mode "signed", the default; rules/signed.py) ----------------------------
    # weights and factors below: a grid on BQ dev + LCQMC dev (mean of the two accuracies, each at its
    # own dev threshold), 2026-12-03; see bench/rules.py for the measured numbers
    #: *simcalc*: "signed" = content similarity with polarity verdicts (rules/signed.py); "paper" = the
    #: 2015 formula K·|S| exactly as Li & Li (for those who want the paper's method)
    mode: str = "signed"
    #: weight of HowNet similarity when two content words differ as strings (identical strings count 1;
    #: below 1 because HowNet 2000 gives 狗/猫, 北京/上海 1.0: a substituted word must show)
    signed_hownet_weight: float = 0.5
    #: weight of the character Dice coefficient of two differing words (借款/借, 微粒贷/微粒货)
    signed_char_weight: float = 0.6
    #: content = this · IDF coverage + signed_char_overlap_weight · character-bigram Dice + the rest ·
    #: the paper's structural |S|; coverage = signed_min_weight · the smaller direction + the rest · the mean
    signed_coverage_weight: float = 0.7
    signed_char_overlap_weight: float = 0.2
    signed_min_weight: float = 1.0
    #: factor on the content score when the question types ask different things (怎么还款 / 什么时候还款;
    #: rules/signed.qtype_conflict), and when they differ less (这是什么 / 哪个是; 怎么开通 / 开通)
    signed_qtype_factor: float = 0.6
    signed_qtype_weak_factor: float = 1.0
    #: the factor when both sentences ask for a slot and the slots differ (怎么挂失 / 为什么不能挂失, 怎么去 /
    #: 去要多长时间): two questions, not one question and a statement
    signed_qtype_slot_factor: float = 0.45
    #: cap on the content score when a number, name or date differs (我有三个苹果 / 我有五个苹果 must not
    #: pass the default threshold however much else matches)
    signed_entity_cap: float = 0.45
    #: below the cap, the content still orders capped pairs: cap · (1 − slope + slope · content), so that a
    #: pair differing in more than the entity scores lower than one differing in the entity alone
    signed_entity_cap_slope: float = 0.1
    #: word-order role exchange is looked for when the smaller coverage is at least this
    signed_swap_gate: float = 0.6
    #: factor on the content score when agent and patient are exchanged (猫追老鼠 / 老鼠追猫)
    signed_role_factor: float = 0.25
    #: factor when a number, name or date of one side is missing from the other
    signed_entity_factor: float = 0.8
    #: *simcalc*: the signed engine may call a pair opposite at all (off: every verdict is agree/unclear)
    use_polarity: bool = True
    #: an opposite verdict needs both coverages at least this high (the rest of the content matches)
    signed_opposite_gate: float = 0.8
    #: factor on the content score when aligned predicates contradict (a negation on one side, antonyms)
    #: but the verdict is not *opposite* (the rest differs too): a contradiction never makes a pair closer
    signed_contradiction_factor: float = 0.8
    #: hownet_sim relation rules trusted to call two predicates antonymous in the signed engine (besides
    #: the morpheme pairs of data/wordlists/antonym_morphemes.txt); the content gate keeps them safe
    signed_opposite_rules: frozenset[str] = frozenset({"sememe_pair", "sibling_values", "word_list"})
    #: cap of clauses compared clause by clause (several HED/COO predicates)
    max_clauses: int = 4
    #: word lists (project files in data/wordlists, see their headers for sources)
    negation_words: frozenset[str] = field(default_factory=lambda: read_words("negation.txt"))
    question_words: frozenset[str] = field(default_factory=lambda: read_words("question_words.txt"))
    pattern_markers: tuple[tuple[str, str, str], ...] = field(
        default_factory=lambda: _read_patterns("sentence_patterns.txt"))

    def __post_init__(self) -> None:
        for name in ("subject_weight", "predicate_weight", "object_weight", "centre_weight", "modifier_weight",
                     "pattern_interrogative", "pattern_other", "ba_bei_threshold", "role_exchange",
                     "exchange_margin", "word_alignment_weight", "distinct_entity_cap", "signed_hownet_weight",
                     "signed_char_weight", "signed_coverage_weight", "signed_qtype_factor", "signed_entity_factor", "signed_role_factor", "signed_qtype_weak_factor",
                     "signed_char_overlap_weight", "signed_min_weight", "signed_entity_cap", "signed_swap_gate",
                     "signed_opposite_gate", "signed_contradiction_factor",
                     "signed_qtype_slot_factor", "signed_entity_cap_slope"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                raise InputFormatError(f"rule config: {name} must be a number in [0, 1], got {value!r}")
        if self.signed_coverage_weight + self.signed_char_overlap_weight > 1.0 + 1e-9:
            raise InputFormatError("rule config: signed_coverage_weight + signed_char_overlap_weight must be <= 1")
        if self.mode not in MODES:
            raise InputFormatError(f"rule config: mode must be one of {', '.join(MODES)}, got {self.mode!r}")

    def replace(self, **changes: Any) -> "RuleConfig":
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InputFormatError(f"rule config has no field {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (word lists as their sizes)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (frozenset, tuple)):
                out[f.name] = f"{len(value)} entries"
            else:
                out[f.name] = value
        return out


#: Ablation names → the switch that turns one rule off in mode "paper" (bench/rules.py measures each).
ABLATIONS: dict[str, dict[str, Any]] = {
    "no_pattern (K1)": {"use_pattern": False},
    "no_component (K2)": {"use_component_coefficient": False},
    "no_negation (K3)": {"use_negation": False},
    "no_supplementary (K4)": {"use_supplementary": False},
    "no_ba_bei": {"use_ba_bei": False},
    "no_role_exchange": {"use_role_exchange": False},
    "no_topic_alignment": {"topic_alignment": False},
    "no_entity_cap": {"distinct_entity_cap": 1.0},
}


#: The signed engine's ablations (mode "signed"): each switches one of its rules off.
SIGNED_ABLATIONS: dict[str, dict[str, Any]] = {
    "no_polarity (never opposite)": {"use_polarity": False},
    "no_question_type": {"signed_qtype_factor": 1.0, "signed_qtype_weak_factor": 1.0, "signed_qtype_slot_factor": 1.0},
    "no_contradiction_factor": {"signed_contradiction_factor": 1.0},
    "no_role_exchange": {"use_role_exchange": False},
    "no_entity_check": {"signed_entity_factor": 1.0, "signed_entity_cap": 1.0},
    "no_hownet (strings only)": {"signed_hownet_weight": 0.0},
    "no_char_overlap": {"signed_char_overlap_weight": 0.0, "signed_coverage_weight": 1.0},
}


def load_config(path: str | Path | None = None, **overrides: Any) -> RuleConfig:
    """The default config, or one read from a TOML file's ``[rules]`` table, with ``overrides`` on top."""
    values: dict[str, Any] = {}
    if path is not None:
        import tomllib

        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ResourceNotFoundError(f"rule config {p} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputFormatError(f"rule config {p}: {exc}") from None
        values.update(data.get("rules", data))
    values.update(overrides)
    return RuleConfig().replace(**values) if values else RuleConfig()
