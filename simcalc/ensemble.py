"""The ``ensemble`` scorer: several scorers brought to one scale and combined, as a TOML config says.

Why calibrate first: members speak different scales (rule scores are signed in [-1, 1], neural scores
are probabilities, lexical scores are overlap ratios). Each member's raw score is mapped to
P(similar) by a calibration fitted on labelled dev data (Platt: ``sigmoid(a·raw + b)``, or isotonic:
a monotone piecewise-linear table), then the calibrated scores are combined:

* ``mean``: ``Σ wᵢ·pᵢ / Σ wᵢ`` over the members that loaded;
* ``stacking``: a logistic regression over the calibrated scores and, optionally, the numeric features
  members expose in ``details["features"]`` (the rule engine's structure: coverage, negation on aligned
  predicates, role exchange …), ``sigmoid(b + Σ cᵢ·pᵢ + Σ dⱼ·(xⱼ − centerⱼ)/scaleⱼ)``. A feature that
  means "different" carries a negative coefficient.

**Signed configs** (a ``[polarity]`` table, the shipped default): the statistics answer "how close is the
content", the structure answers "do they agree". The score is P(similar) in [0, 1] unless the polarity
member (the rule engine) calls the pair *opposite* and the *content probability* — a second stack over
the same members without the structural features that signal contradiction — reaches ``content_gate``
(chosen on dev so that almost no dev paraphrase is called opposite); then the score is −(content
probability), in [−1, 0). A ``veto`` feature that fires on a pair the stack calls similar holds its score
below the threshold (``VETO_SHARE``): roles exchanged (猫追老鼠 / 老鼠追猫), or a finding of the rule engine
that aligned slots disagree while the rest matches — a number, date/time, person or place (借款1000 / 借款2000,
明天 / 后天; ``number_conflict`` … ``place_conflict``), an unambiguous question slot (为什么 / 什么时候;
``qtype_slot_conflict``), or the same words but for a negation or one antonym (``negation_aligned``,
``antonym_aligned``). ``details["polarity"]["veto_reason"]`` and ``decided_by`` say which finding decided
(``a different number or amount: 1000 vs 2000``). ``label = score >= threshold``;
:attr:`Result.verdict` is *opposite* for a
negative score, else *similar* / *not similar*. ``details["p_similar"]`` keeps the probability of
"similar" either way, and ``details["decided_by"]`` names the feature or member that decided.

A config (written by ``simcalc fit-ensemble``; shipped ones in ``simcalc/configs/``)::

    [ensemble]
    name = "bq"
    combination = "stacking"        # or "mean"
    threshold = 0.5                 # decision threshold of the combination above, chosen on dev
    mean_threshold = 0.5            # used when stacking falls back to the mean (a member is missing)

    [members.levenshtein]
    weight = 0.2                    # weight in the mean
    calibration = "platt"
    platt = [6.1, -4.0]             # a, b
    stack = 1.7                     # coefficient in the stack
    dev_mean = 0.45                 # mean calibrated dev score (explanations: the member's push)
    options = {}                    # passed to the member scorer

    [stacking]
    intercept = -3.1

    [features.rules]                # optional: features of a member's details["features"] in the stack
    coefficients = {coverage = 1.2, negation_mismatch = -0.9}
    center = {coverage = 0.6, negation_mismatch = 0.05}   # standardisation (x - center) / scale,
    scale = {coverage = 0.2, negation_mismatch = 0.2}     # recorded from dev (absent: 0 and 1)

    [polarity]                      # optional: a signed score
    member = "rules"                # whose details["polarity"]["verdict"] may say "opposite"
    content_gate = 0.7              # opposite only when the content probability is at least this
    structural = ["negation_mismatch"]      # features left out of the content stack
    veto = ["role_exchange"]        # firing on a pair the stack calls similar: not similar (held below)
    [polarity.content]              # the content stack: no structural features
    intercept = -2.9
    members = {levenshtein = 1.6}
    features = {rules = {coverage = 1.1}}

**Routed (general) configs** (``[router]`` and ``[experts.DOMAIN]`` tables, ``simcalc fit-ensemble --domain``):
one stack per domain (an *expert*: its own intercept and coefficients over the same calibrated members and
standardised features) and a router (:mod:`simcalc.router`: soft weights of the domains from the pair's
characters). ``P(similar) = Σ router weightᵈ · sigmoid(expertᵈ)``: one pass of the members, whatever the
number of domains. Members carry no ``stack`` (the experts do); ``[features.M]`` gives the standardisation and,
for reading, the experts' mean coefficients. ``details["router"]`` has the weights, ``details["expert"]`` the
router's first choice, whose coefficients the member and feature contributions show. Polarity is as above::

    [router]
    file = "general.router.tsv.gz"  # beside the config
    [experts.bq]
    intercept = -5.7
    members = {tfidf = 1.1, cvlstm = 8.0}
    features = {rules = {coverage = 0.47}}

**The cascade** (``[cascade]`` and ``[experts.DOMAIN.pre]``; :class:`Cascade`): the rule engine costs more
than the other members together, and where the content is clearly different it cannot change the answer
(*opposite* needs matching content). Each expert has a pre-stack over the cheap members only; where their
router-weighted probability is below the floor of the router's first choice (``floors``, one per expert; an
expert not named there uses ``floor``), and that first choice is one of ``experts``, the pair is answered
"not similar" with that probability as its score, without running ``member``; elsewhere the full engine runs. ``details["cascade"]`` marks a skipped pair. ``enabled = false`` (or
``EnsembleScorer(..., cascade=False)``) runs the full engine everywhere::

    [cascade]
    enabled = true
    member = "rules"
    floor = 0.15                    # the lowest of the floors (for an expert without its own)
    experts = ["bq", "lcqmc"]
    floors = {bq = 0.44, lcqmc = 0.15}  # fitted: at most 0.2 % of the fitting pairs routed first to the
                                        # expert that the full engine calls similar change label
    [experts.bq.pre]
    intercept = -5.1
    members = {tfidf = 0.8, cvlstm = 7.4}

An optional early stage skips slower members too (``early``, ``early_floors`` and ``[experts.DOMAIN.early]``,
a pre-stack over the members neither ``early`` nor ``member``): below its floor the pair is answered before
those members run (``details["cascade"]["stage"] = "early"``); the general config skips mgf-bq-large so::

    early = ["mgf"]
    early_floors = {bq = 0.25, lcqmc = 0.12}

A member that cannot load (missing package or resource) is logged once, left out, and the weights
are renormalised; a stack needs all its members, so it falls back to the weighted mean (with
``mean_threshold``, unsigned). Every result says which members were left out and why. Configs written
before features and polarity existed load unchanged (no ``[features.*]``, no ``[polarity]``).

>>> from simcalc.ensemble import EnsembleScorer
>>> scorer = EnsembleScorer("lexical")                    # doctest: +SKIP
>>> scorer.score("怎么开通花呗", "花呗如何开通").label     # doctest: +SKIP
1
"""
from __future__ import annotations

import importlib.resources
import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from .errors import InputFormatError, ResourceNotFoundError, SimcalcError
from .result import Result
from .scorer import Pair, PreparedPair, Scorer
from .text import MAX_CHARS

if TYPE_CHECKING:
    from .router import Router

log = logging.getLogger(__name__)

#: The shipped config that ``default`` (and no config at all) means; README "Ensemble" says why this one.
DEFAULT_CONFIG = "general"
COMBINATIONS = ("mean", "stacking")
CALIBRATIONS = ("platt", "isotonic", "none")
_REPORTED: set[tuple[str, str]] = set()  # (member, reason) pairs already logged in this process


# -- configuration ----------------------------------------------------------------------------------
@dataclass
class Calibration:
    """Raw member score → P(similar). ``none`` passes scores through (clipped to [0, 1])."""

    method: str = "none"
    a: float = 1.0
    b: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    _table: Any = field(default=None, init=False, repr=False, compare=False)

    def __call__(self, raw: float) -> float:
        if self.method == "platt":
            z = self.a * raw + self.b
            return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        if self.method == "isotonic":
            import numpy as np

            if self._table is None or self._table[0] is not self.x or self._table[1] is not self.y:
                # the knots as arrays once (np.interp converted both 256-long lists on every call)
                self._table = (self.x, self.y, np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float))
            return float(np.interp(raw, self._table[2], self._table[3]))
        return min(1.0, max(0.0, raw))

    def to_toml(self) -> dict[str, Any]:
        if self.method == "platt":
            return {"calibration": "platt", "platt": [self.a, self.b]}
        if self.method == "isotonic":
            return {"calibration": "isotonic", "isotonic_x": self.x, "isotonic_y": self.y}
        return {"calibration": "none"}

    @classmethod
    def from_toml(cls, table: dict[str, Any], where: str) -> "Calibration":
        method = table.get("calibration", "none")
        if method not in CALIBRATIONS:
            raise InputFormatError(f"{where}: calibration must be one of {', '.join(CALIBRATIONS)}, got {method!r}")
        if method == "platt":
            ab = table.get("platt")
            if not (isinstance(ab, list) and len(ab) == 2):
                raise InputFormatError(f"{where}: platt calibration needs platt = [a, b]")
            return cls("platt", _number(ab[0], f"{where} platt a"), _number(ab[1], f"{where} platt b"))
        if method == "isotonic":
            x, y = table.get("isotonic_x"), table.get("isotonic_y")
            if not (isinstance(x, list) and isinstance(y, list) and len(x) == len(y) >= 1):
                raise InputFormatError(f"{where}: isotonic calibration needs isotonic_x and isotonic_y of one length")
            xs = [_number(v, f"{where} isotonic_x") for v in x]
            ys = [_number(v, f"{where} isotonic_y") for v in y]
            if any(b < a for a, b in zip(xs, xs[1:])) or any(v < 0 or v > 1 for v in ys):
                raise InputFormatError(f"{where}: isotonic_x must be in increasing order and isotonic_y within 0..1")
            return cls("isotonic", x=xs, y=ys)
        return cls()


@dataclass
class Member:
    name: str
    weight: float = 1.0
    calibration: Calibration = field(default_factory=Calibration)
    stack: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # e.g. dev AUC: reported, not used


#: A vetoed pair (a ``[polarity] veto`` feature fired on a pair the stack calls similar) scores this share
#: of the threshold: below it, so *not similar*, and still above the clear non-matches.
VETO_SHARE = 0.95


def veto_reason(feature: str, said: dict[str, Any]) -> str:
    """Why a veto feature fired, in words: the polarity member's finding for that feature (its
    ``conflicts``: 1000 vs 2000, 明天 vs 后天, 怎么 vs 为什么 …), else its overall reason."""
    for finding in said.get("conflicts") or ():
        if isinstance(finding, dict) and finding.get("feature") == feature and finding.get("reason"):
            return str(finding["reason"])
    if feature == "opposite" and said.get("reason"):
        return f"said opposite ({said['reason']}), the content gate held the sign back"
    return str(said.get("reason") or "")


def _fires(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0.5


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _number_table(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise InputFormatError(f"{where} must be a table of numbers")
    return {str(k): _number(v, f"{where}.{k}") for k, v in value.items()}


@dataclass
class FeatureSet:
    """Features of one member's ``details["features"]`` in the stack: ``coefficient · (x − center) / scale``.

    The scaling is the dev mean and standard deviation when the fit standardised (recorded, so a score
    never depends on the batch); a feature a result lacks counts as its center (no push either way).
    """

    member: str
    coefficients: dict[str, float]
    center: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)

    def standardised(self, features: dict[str, Any]) -> dict[str, float]:
        """Each configured feature's standardised value (missing or non-numeric → 0)."""
        out = {}
        for name in self.coefficients:
            value = features.get(name)
            center = self.center.get(name, 0.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                value = center
            out[name] = (float(value) - center) / self.scale.get(name, 1.0)
        return out

    def to_toml(self) -> list[str]:
        lines = [f"[features.{self.member}]", f"coefficients = {_toml(self.coefficients)}"]
        if self.center:
            lines.append(f"center = {_toml(self.center)}")
        if self.scale:
            lines.append(f"scale = {_toml(self.scale)}")
        return lines

    @classmethod
    def from_toml(cls, member: str, table: Any, where: str) -> "FeatureSet":
        if not isinstance(table, dict) or "coefficients" not in table:
            raise InputFormatError(f"{where}: needs coefficients = {{FEATURE = NUMBER, ...}}")
        coefficients = _number_table(table["coefficients"], f"{where} coefficients")
        center = _number_table(table.get("center", {}), f"{where} center")
        scale = _number_table(table.get("scale", {}), f"{where} scale")
        if any(v <= 0 for v in scale.values()):
            raise InputFormatError(f"{where}: every scale must be > 0")
        unknown = (set(center) | set(scale)) - set(coefficients)
        if unknown:
            raise InputFormatError(f"{where}: center/scale name features without a coefficient: "
                                   f"{', '.join(sorted(unknown))}")
        return cls(member, coefficients, center, scale)


@dataclass
class Polarity:
    """When a signed config calls a pair *opposite* (see the module docstring)."""

    member: str
    content_gate: float
    content_intercept: float
    content_members: dict[str, float]
    content_features: dict[str, dict[str, float]] = field(default_factory=dict)
    structural: list[str] = field(default_factory=list)
    veto: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # dev numbers (reported, not used)

    def to_toml(self) -> list[str]:
        lines = ["[polarity]", f"member = {_toml(self.member)}", f"content_gate = {_toml(self.content_gate)}",
                 f"structural = {_toml(self.structural)}", f"veto = {_toml(self.veto)}"]
        lines += [f"{k} = {_toml(v)}" for k, v in self.info.items()]
        lines += ["", "[polarity.content]", f"intercept = {_toml(self.content_intercept)}",
                  f"members = {_toml(self.content_members)}", f"features = {_toml(self.content_features)}"]
        return lines

    @classmethod
    def from_toml(cls, table: Any, source: str) -> "Polarity":
        where = f"{source} [polarity]"
        if not isinstance(table, dict):
            raise InputFormatError(f"{where}: must be a table")
        member, content = table.get("member"), table.get("content")
        if not isinstance(member, str) or not isinstance(content, dict):
            raise InputFormatError(f"{where}: needs member = NAME, content_gate = P and a [polarity.content] table")
        gate = _number(table.get("content_gate"), f"{where} content_gate")
        if not 0 < gate <= 1:
            raise InputFormatError(f"{where}: content_gate must be in (0, 1], got {gate}")
        features = content.get("features", {})
        if not isinstance(features, dict):
            raise InputFormatError(f"{where} content.features must be a table of tables")
        structural, veto = table.get("structural", []), table.get("veto", [])
        for key, names in (("structural", structural), ("veto", veto)):
            if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
                raise InputFormatError(f"{where}: {key} must be a list of feature names")
        return cls(member, gate, _number(content.get("intercept", 0.0), f"{where} content.intercept"),
                   _number_table(content.get("members", {}), f"{where} content.members"),
                   {str(m): _number_table(t, f"{where} content.features.{m}") for m, t in features.items()},
                   list(structural), list(veto), {k: v for k, v in table.items() if k.startswith("dev_")})


@dataclass
class Expert:
    """One domain's stack in a routed (general) config: its own intercept and coefficients over the shared
    calibrated members and standardised features (``[experts.NAME]``)."""

    name: str
    intercept: float
    members: dict[str, float]
    features: dict[str, dict[str, float]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # dev numbers (reported, not used)
    #: a signed config: this domain's content stack (``intercept``, ``members``, ``features``), which gates
    #: *opposite* (see :class:`Polarity`); the content probability is the experts' router-weighted mixture
    content: dict[str, Any] = field(default_factory=dict)
    #: a cascaded config: this domain's pre-stack over the cheap members only (``intercept``, ``members``),
    #: which decides whether the expensive member runs at all (see :class:`Cascade`)
    pre: dict[str, Any] = field(default_factory=dict)
    #: a cascade with an early stage: the pre-stack over the members the early stage runs (``Cascade.early``
    #: and the expensive member left out), which decides whether those run at all
    early: dict[str, Any] = field(default_factory=dict)

    def logit(self, calibrated: dict[str, float], standardised: dict[str, dict[str, float]],
              content: bool = False, pre: bool = False, early: bool = False) -> float:
        """The stack's logit, or with ``content`` its content stack's, with ``pre`` its pre-stack's, with
        ``early`` its early pre-stack's."""
        table: dict[str, Any] = self.early if early else self.pre if pre else self.content if content else \
            {"intercept": self.intercept, "members": self.members, "features": self.features}
        z = float(table.get("intercept", 0.0))
        z += sum(c * calibrated.get(m, 0.0) for m, c in table.get("members", {}).items())
        for member, weights in table.get("features", {}).items():
            z += sum(c * standardised.get(member, {}).get(name, 0.0) for name, c in weights.items())
        return z

    def to_toml(self) -> list[str]:
        lines = [f"[experts.{self.name}]", f"intercept = {_toml(self.intercept)}",
                 f"members = {_toml(self.members)}", f"features = {_toml(self.features)}",
                 *(f"{k} = {_toml(v)}" for k, v in self.info.items())]
        if self.content:
            lines += ["", f"[experts.{self.name}.content]", *(f"{k} = {_toml(v)}" for k, v in self.content.items())]
        for kind, table in (("pre", self.pre), ("early", self.early)):
            if table:
                lines += ["", f"[experts.{self.name}.{kind}]", *(f"{k} = {_toml(v)}" for k, v in table.items())]
        return lines

    @classmethod
    def from_toml(cls, name: str, table: Any, where: str) -> "Expert":
        if not isinstance(table, dict):
            raise InputFormatError(f"{where}: must be a table")
        features = table.get("features", {})
        if not isinstance(features, dict):
            raise InputFormatError(f"{where}: features must be a table of tables")
        content = table.get("content", {})
        c_features = content.get("features", {}) if isinstance(content, dict) else None
        if not isinstance(c_features, dict):
            raise InputFormatError(f"{where}: content must be a table with intercept, members, features")
        parsed = {"intercept": _number(content.get("intercept", 0.0), f"{where} content.intercept"),
                  "members": _number_table(content.get("members", {}), f"{where} content.members"),
                  "features": {str(m): _number_table(t, f"{where} content.features.{m}")
                               for m, t in c_features.items()}} if content else {}
        stages = {}
        for kind in ("pre", "early"):
            pre = table.get(kind, {})
            if not isinstance(pre, dict) or pre.get("features"):
                raise InputFormatError(f"{where}: {kind} must be a table with intercept and members (no features)")
            stages[kind] = {"intercept": _number(pre.get("intercept", 0.0), f"{where} {kind}.intercept"),
                            "members": _number_table(pre.get("members", {}), f"{where} {kind}.members")} if pre else {}
        return cls(name, _number(table.get("intercept", 0.0), f"{where} intercept"),
                   _number_table(table.get("members", {}), f"{where} members"),
                   {str(m): _number_table(t, f"{where} features.{m}") for m, t in features.items()},
                   {k: v for k, v in table.items() if k.startswith("dev_")}, parsed, stages["pre"], stages["early"])


@dataclass
class Cascade:
    """Skip an expensive member (the rule engine) where it cannot change the answer (``[cascade]``).

    Each expert's pre-stack (``[experts.NAME.pre]``) reads the cheap members only; their router-weighted
    probability below ``floor`` answers "not similar" without running ``member`` (it cannot be *opposite*
    either: that needs matching content). ``floor`` is chosen on the fitting data so that few fitting pairs
    change label against the full engine; ``enabled = false`` keeps the tables but runs the full engine.
    ``experts``: skip only pairs whose router's first choice is one of these (empty: any) — a graded
    domain's expert orders the grades of dissimilar pairs too, which the pre-stack alone orders worse.

    ``early`` (optional): members skipped one stage before, the same way — each expert's early pre-stack
    (``[experts.NAME.early]``) reads the members that are neither ``early`` nor ``member``; below the
    expert's ``early_floors`` entry the pair is answered "not similar" before the ``early`` members (the
    slower neural ones) or ``member`` run.
    """

    member: str
    floor: float
    enabled: bool = True
    experts: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # fitting numbers (reported, not used)
    #: per expert (the router's first choice) its own floor; an expert not named here uses ``floor``
    floors: dict[str, float] = field(default_factory=dict)
    early: list[str] = field(default_factory=list)
    early_floors: dict[str, float] = field(default_factory=dict)

    def floor_for(self, expert: str) -> float:
        """The floor for a pair routed first to ``expert``."""
        return self.floors.get(expert, self.floor)

    def to_toml(self) -> list[str]:
        lines = ["[cascade]", f"enabled = {_toml(self.enabled)}", f"member = {_toml(self.member)}",
                 f"floor = {_toml(self.floor)}", f"experts = {_toml(self.experts)}"]
        if self.floors:
            lines.append(f"floors = {_toml(self.floors)}")
        if self.early:
            lines += [f"early = {_toml(self.early)}", f"early_floors = {_toml(self.early_floors)}"]
        return lines + [f"{k} = {_toml(v)}" for k, v in self.info.items()]

    @classmethod
    def from_toml(cls, table: Any, source: str) -> "Cascade":
        where = f"{source} [cascade]"
        if not isinstance(table, dict) or not isinstance(table.get("member"), str):
            raise InputFormatError(f"{where}: needs member = NAME, floor = P and enabled = true/false")
        floor = _number(table.get("floor"), f"{where} floor")
        if not 0.0 <= floor < 1.0:
            raise InputFormatError(f"{where}: floor must be in [0, 1), got {floor}")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InputFormatError(f"{where}: enabled must be true or false")
        experts = table.get("experts", [])
        if not isinstance(experts, list) or not all(isinstance(e, str) for e in experts):
            raise InputFormatError(f"{where}: experts must be a list of expert names")
        floors = _number_table(table.get("floors", {}), f"{where} floors")
        early = table.get("early", [])
        early_floors = _number_table(table.get("early_floors", {}), f"{where} early_floors")
        if any(not 0.0 <= v < 1.0 for v in [*floors.values(), *early_floors.values()]):
            raise InputFormatError(f"{where}: every floor must be in [0, 1)")
        if not isinstance(early, list) or not all(isinstance(e, str) for e in early) or table["member"] in early:
            raise InputFormatError(f"{where}: early must be a list of member names other than member")
        return cls(table["member"], floor, enabled, list(experts), {k: v for k, v in table.items() if k.startswith("fit_")},
                   floors, list(early), early_floors)


@dataclass
class EnsembleConfig:
    """A parsed ensemble config. ``source`` is where it came from (for messages and relative paths)."""

    members: list[Member]
    combination: str = "mean"
    threshold: float | None = None
    mean_threshold: float | None = None
    intercept: float = 0.0
    name: str = "ensemble"
    description: str = ""
    fitted_on: str = ""
    source: str = "<dict>"
    base_dir: Path | None = None
    features: list[FeatureSet] = field(default_factory=list)
    polarity: Polarity | None = None
    experts: list[Expert] = field(default_factory=list)
    router_file: str | None = None
    router: "Router | None" = None
    cascade: Cascade | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>", base_dir: Path | None = None) -> "EnsembleConfig":
        head = data.get("ensemble", {})
        combination = head.get("combination", "mean")
        if combination not in COMBINATIONS:
            raise InputFormatError(f"{source}: combination must be one of {', '.join(COMBINATIONS)}, got {combination!r}")
        tables = data.get("members")
        if not isinstance(tables, dict) or not tables:
            raise InputFormatError(f"{source}: no [members.NAME] tables; an ensemble needs at least one member")
        members = []
        for name, table in tables.items():
            where = f"{source} [members.{name}]"
            if not isinstance(table, dict):
                raise InputFormatError(f"{where}: must be a table")
            weight = _number(table.get("weight", 1.0), f"{where} weight")
            if weight < 0:
                raise InputFormatError(f"{where}: weight must be >= 0")
            stack = table.get("stack")
            if combination == "stacking" and stack is None and "experts" not in data:
                raise InputFormatError(f"{where}: a stacking ensemble needs stack = COEFFICIENT for every member")
            options = table.get("options", {})
            if not isinstance(options, dict):
                raise InputFormatError(f"{where}: options must be a table")
            info = {k: v for k, v in table.items() if k.startswith("dev_")}
            members.append(Member(name, weight, Calibration.from_toml(table, where),
                                  None if stack is None else _number(stack, f"{where} stack"), dict(options), info))
        threshold = head.get("threshold")
        mean_threshold = head.get("mean_threshold", threshold if combination == "mean" else None)
        names = {m.name for m in members}
        features_tables = data.get("features", {})
        if not isinstance(features_tables, dict):
            raise InputFormatError(f"{source}: features must be [features.MEMBER] tables")
        features = []
        for member, table in features_tables.items():
            if member not in names:
                raise InputFormatError(f"{source} [features.{member}]: {member!r} is not a member of this ensemble")
            features.append(FeatureSet.from_toml(member, table, f"{source} [features.{member}]"))
        polarity = Polarity.from_toml(data["polarity"], source) if "polarity" in data else None
        if polarity is not None:
            used = {polarity.member, *polarity.content_members, *polarity.content_features}
            if used - names:
                raise InputFormatError(f"{source} [polarity]: not members of this ensemble: "
                                       f"{', '.join(sorted(used - names))}")
            if combination != "stacking":
                raise InputFormatError(f"{source} [polarity]: a signed config needs combination = \"stacking\"")
        experts, router_file, router = _experts(data, source, names, combination, base_dir)
        cascade = Cascade.from_toml(data["cascade"], source) if "cascade" in data else None
        if cascade is not None:
            if cascade.member not in names:
                raise InputFormatError(f"{source} [cascade]: {cascade.member!r} is not a member of this ensemble")
            if not experts or not all(e.pre for e in experts):
                raise InputFormatError(f"{source} [cascade]: needs a routed config with [experts.NAME.pre] tables")
            if (set(cascade.experts) | set(cascade.floors) | set(cascade.early_floors)) - {e.name for e in experts}:
                raise InputFormatError(f"{source} [cascade]: experts or floors name unknown experts")
            if set(cascade.early) - names or (cascade.early and not all(e.early for e in experts)):
                raise InputFormatError(f"{source} [cascade]: early names members of this ensemble, with "
                                       f"[experts.NAME.early] tables")
        config = cls(members, combination, None if threshold is None else _number(threshold, f"{source} threshold"),
                   None if mean_threshold is None else _number(mean_threshold, f"{source} mean_threshold"),
                   _number(data.get("stacking", {}).get("intercept", 0.0), f"{source} intercept"),
                   str(head.get("name", Path(source).stem)), str(head.get("description", "")),
                   str(head.get("fitted_on", "")), source, base_dir, features, polarity, experts, router_file, router)
        config.cascade = cascade
        return config

    @property
    def signed(self) -> bool:
        """True when the score may be negative (an *opposite* verdict): a ``[polarity]`` table."""
        return self.polarity is not None

    def to_toml(self) -> str:
        """The config as TOML text (the format :meth:`load` reads)."""
        lines = ["# simcalc ensemble config (see simcalc/ensemble.py for the format)", "[ensemble]",
                 f"name = {_toml(self.name)}", f"description = {_toml(self.description)}",
                 f"fitted_on = {_toml(self.fitted_on)}", f"combination = {_toml(self.combination)}"]
        if self.threshold is not None:
            lines.append(f"threshold = {_toml(self.threshold)}")
        if self.mean_threshold is not None:
            lines.append(f"mean_threshold = {_toml(self.mean_threshold)}")
        if any(m.stack is not None for m in self.members):
            lines += ["", "[stacking]", f"intercept = {_toml(self.intercept)}"]
        for m in self.members:
            lines += ["", f"[members.{m.name}]", f"weight = {_toml(m.weight)}"]
            lines += [f"{k} = {_toml(v)}" for k, v in m.calibration.to_toml().items()]
            if m.stack is not None:
                lines.append(f"stack = {_toml(m.stack)}")
            lines += [f"{k} = {_toml(v)}" for k, v in m.info.items()]
            lines.append(f"options = {_toml(m.options)}")
        for feature_set in self.features:
            lines += ["", *feature_set.to_toml()]
        if self.polarity is not None:
            lines += ["", *self.polarity.to_toml()]
        if self.cascade is not None:
            lines += ["", *self.cascade.to_toml()]
        if self.router_file is not None:
            lines += ["", "[router]", f"file = {_toml(self.router_file)}"]
        for expert in self.experts:
            lines += ["", *expert.to_toml()]
        return "\n".join(lines) + "\n"


def _experts(data: dict[str, Any], source: str, names: set[str], combination: str, base_dir: Path | None
             ) -> tuple[list[Expert], str | None, "Router | None"]:
    """The ``[experts.*]`` tables and the ``[router]`` of a routed config (both or neither)."""
    tables, head = data.get("experts"), data.get("router")
    if tables is None and head is None:
        return [], None, None
    if not isinstance(tables, dict) or not tables or not isinstance(head, dict) \
            or not isinstance(head.get("file"), str):
        raise InputFormatError(f"{source}: a routed config needs [router] file = NAME and [experts.DOMAIN] tables")
    if combination != "stacking":
        raise InputFormatError(f"{source} [experts]: a routed config needs combination = \"stacking\"")
    experts = [Expert.from_toml(n, t, f"{source} [experts.{n}]") for n, t in tables.items()]
    for expert in experts:
        unknown = (set(expert.members) | set(expert.features)) - names
        if unknown:
            raise InputFormatError(f"{source} [experts.{expert.name}]: not members of this ensemble: "
                                   f"{', '.join(sorted(unknown))}")
    from .router import Router

    router = None
    if base_dir is not None:
        router = Router.load(_member_file(base_dir, "router", head["file"]))
        if sorted(router.domains) != sorted(e.name for e in experts):
            raise InputFormatError(f"{source}: the router's domains ({', '.join(router.domains)}) are not the "
                                   f"experts ({', '.join(e.name for e in experts)})")
    return experts, head["file"], router


#: Member options that name files: relative to the config's folder, and inside it.
FILE_OPTIONS = ("idf", "corpus", "model")


def _member_file(base_dir: Path, key: str, value: str) -> Path:
    """A member's file option resolved against the config's folder — never the current directory, never
    outside the folder (``..``, absolute paths). A ``model`` may also name a shipped model."""
    base = base_dir.resolve()
    path = (base / value).resolve()
    if base != path and base not in path.parents:
        raise InputFormatError(f"member option {key} = {value!r} points outside the config's folder {base}; "
                               "keep the files a config names beside it")
    if path.exists():
        return path
    if key == "model" and "/" not in value and "\\" not in value:
        from .resources import project_data_path

        return project_data_path(f"models/{value}")  # a shipped model, or a clear error
    raise ResourceNotFoundError(f"member option {key} = {value!r}: {path} does not exist (files a config names "
                                "are looked for beside it)")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputFormatError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def shipped_configs() -> list[str]:
    """Names of the configs shipped with simcalc (``simcalc/configs/*.toml``)."""
    folder = importlib.resources.files("simcalc") / "configs"
    return ["default"] + sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_config(config: str | Path | dict | EnsembleConfig | None = None) -> EnsembleConfig:
    """An :class:`EnsembleConfig` from a shipped name (``"bq"``), a TOML path, a dict, or None (default)."""
    if isinstance(config, EnsembleConfig):
        return config
    if isinstance(config, dict):
        return EnsembleConfig.from_dict(config)
    name = str(config) if config is not None else "default"
    if name == "default":
        name = DEFAULT_CONFIG
    path = Path(name).expanduser()
    if not (name.endswith(".toml") or path.exists()):
        resource = importlib.resources.files("simcalc") / "configs" / f"{name}.toml"
        if not resource.is_file():
            raise ResourceNotFoundError(f"no ensemble config {name!r}: shipped configs are "
                                        f"{', '.join(shipped_configs())}; or pass a path to a .toml file")
        with importlib.resources.as_file(resource) as real:
            return _read_toml(Path(real), f"{name} (shipped)")
    if not path.is_file():
        raise ResourceNotFoundError(f"ensemble config {path} does not exist")
    return _read_toml(path, str(path))


def _read_toml(path: Path, source: str) -> EnsembleConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"{source}: not valid TOML: {exc}") from None
    return EnsembleConfig.from_dict(data, source, path.resolve().parent)


# -- the scorer ------------------------------------------------------------------------------------
class EnsembleScorer(Scorer):
    """Members from a config, calibrated and combined; details show every member's part.

    ``config``: a shipped config name (``default`` = ``general``, ``bq``, ``lcqmc``, ``lexical``), a TOML path, or a dict.
    ``cascade``: run the config's ``[cascade]`` (skip the expensive member where the cheap pre-stacks are
    clearly below its floor) — None: as the config says (``enabled``); False: always the full engine.
    """

    name = "ensemble"

    def __init__(self, config: str | Path | dict | EnsembleConfig | None = None, threshold: float | None = None,
                 max_chars: int = MAX_CHARS, cascade: bool | None = None) -> None:
        super().__init__(threshold=threshold, max_chars=max_chars)
        self.config = load_config(config)
        self.members: list[tuple[Member, Scorer]] = []
        self.left_out: dict[str, str] = {}
        needed = {f.member for f in self.config.features}
        if self.config.polarity is not None:
            p = self.config.polarity
            needed |= {p.member, *(k for k, v in p.content_members.items() if v), *p.content_features}
        for expert in self.config.experts:
            for table in (expert.members, expert.content.get("members", {})):
                needed |= {k for k, v in table.items() if v}
            needed |= {*expert.features, *expert.content.get("features", {})}
        # zero weight in the mean and in the stacks, no features used: not loaded, not scored
        self.unused = [m.name for m in self.config.members if m.weight == 0 and not m.stack and m.name not in needed]
        for member in self.config.members:
            if member.name in self.unused:
                continue
            try:
                self.members.append((member, self._load_member(member)))
            except SimcalcError as exc:
                self.left_out[member.name] = str(exc)
                if (member.name, str(exc)) not in _REPORTED:
                    _REPORTED.add((member.name, str(exc)))
                    log.warning("ensemble %s: member %r left out: %s", self.config.name, member.name, exc)
        if not self.members:
            raise SimcalcError(f"ensemble {self.config.name}: no member could load ("
                               + "; ".join(f"{k}: {v}" for k, v in self.left_out.items()) + ")")
        self.batch_rows = max(scorer.batch_rows for _, scorer in self.members)
        self.combination = self.config.combination
        if self.combination == "stacking" and self.left_out:
            self.combination = "mean"
        total = sum(m.weight for m, _ in self.members)
        self.weights = {m.name: (m.weight / total if total > 0 else 1.0 / len(self.members)) for m, _ in self.members}
        if threshold is None:
            self.threshold = self.config.threshold if self.combination == self.config.combination \
                else self.config.mean_threshold
        #: signed only while the stack runs (a member left out → the unsigned mean)
        self.polarity = self.config.polarity if self.combination == "stacking" else None
        setattr(self, "range", (-1.0, 1.0) if self.polarity is not None else (0.0, 1.0))  # per config, not class
        c = self.config.cascade
        on = c is not None and (c.enabled if cascade is None else cascade)
        loaded = {m.name for m, _ in self.members}
        #: the cascade in force: only while the routed stack runs with every member loaded
        self.cascade = c if on and c is not None and self.combination == "stacking" and c.member in loaded \
            and set(c.early) <= loaded and len(loaded) > 1 else None

    def _load_member(self, member: Member) -> Scorer:
        from . import registry

        if registry.canonical(member.name) == self.name:  # also a config naming itself: it would recurse
            raise InputFormatError("an ensemble cannot be a member of an ensemble")
        options = dict(member.options)
        for key in FILE_OPTIONS:
            if isinstance(options.get(key), str) and self.config.base_dir is not None:
                options[key] = str(_member_file(self.config.base_dir, key, options[key]))
        return registry.get(member.name, **options)

    @property
    def needs_fit(self) -> bool:  # type: ignore[override]
        return any(s.needs_fit and not s.is_fitted for _, s in self.members)

    @property
    def is_fitted(self) -> bool:
        return not self.needs_fit

    def fit(self, sentences: Iterable[str]) -> "EnsembleScorer":
        """Fit the members that learn corpus statistics (TF-IDF without a shipped IDF)."""
        sentences = list(sentences)
        self.members = [(m, s.fit(sentences) if s.needs_fit else s) for m, s in self.members]
        self._recipe = None  # fitted here: no longer what its registry name and options build
        return self

    def for_sentences(self, sentences: Iterable[str]) -> "EnsembleScorer":
        return self  # members decide for themselves in score_prepared

    def describe(self) -> dict:
        return {**super().describe(), "config": self.config.name, "source": self.config.source,
                "combination": self.combination, "members": {m.name: self.weights[m.name] for m, _ in self.members},
                "left_out": dict(self.left_out)}

    def score_prepared(self, prepared: Sequence[PreparedPair]) -> list[Result]:
        if not prepared:
            return []
        texts = [(a.text, b.text) for a, b in prepared]
        if self.cascade is None:
            per_member = {m.name: scorer.score_prepared(prepared) for m, scorer in self.members}
            results = self.combine(per_member, len(prepared), texts)
        else:
            expensive = next(s for m, s in self.members if m.name == self.cascade.member)
            later = {*self.cascade.early, self.cascade.member}
            cheap = {m.name: scorer.score_prepared(prepared) for m, scorer in self.members if m.name not in later}
            early = {m.name: s for m, s in self.members if m.name in self.cascade.early}
            results = self.combine_cascaded(
                cheap, texts, lambda rows: expensive.score_prepared([prepared[i] for i in rows]),
                lambda rows: {name: s.score_prepared([prepared[i] for i in rows]) for name, s in early.items()})
        for result, (a, b) in zip(results, prepared):
            result.warnings[:0] = a.warnings + b.warnings
        return results

    def combine_cascaded(self, cheap: dict[str, list[Result]], texts: Sequence[tuple[str, str]],
                         expensive: Callable[[list[int]], list[Result]],
                         early: Callable[[list[int]], dict[str, list[Result]]] | None = None) -> list[Result]:
        """Ensemble results under the cascade from the cheap members' results on every pair: ``expensive``
        (the skipped member's results for the given row indices) is asked only for the pairs whose
        router-weighted pre-stack probability reaches the floor; the rest are answered by the pre-stack.
        With an early stage (``Cascade.early``), ``cheap`` holds the other members only and ``early`` (the
        early members' results by name for the given rows) is asked only for the pairs whose early
        pre-stack reaches its floor."""
        cascade = self.cascade
        if cascade is None:
            raise InputFormatError(f"ensemble {self.config.name}: no cascade in force")
        routes = [self.config.router.route(*t) if self.config.router is not None else
                  {e.name: 1.0 / len(self.config.experts) for e in self.config.experts} for t in texts]
        results: list[Result | None] = [None] * len(texts)
        rows = list(range(len(texts)))
        if cascade.early:
            if early is None:
                raise InputFormatError(f"ensemble {self.config.name}: its cascade's early stage needs the early "
                                       f"members' results")
            rows = [i for i in rows if not self._skip(cheap, i, routes[i], cascade, results, early=True)]
            more = early(rows)
            cheap = {**cheap, **{name: _spread(rs, rows, len(texts)) for name, rs in more.items()}}
        full = [i for i in rows if not self._skip(cheap, i, routes[i], cascade, results)]
        if full:
            per_member = {name: [rs[i] for i in full] for name, rs in cheap.items()}
            per_member[cascade.member] = expensive(full)
            for i, result in zip(full, self.combine(per_member, len(full), [texts[i] for i in full],
                                                    [routes[i] for i in full])):
                results[i] = result
        return [r for r in results if r is not None]

    def _skip(self, cheap: dict[str, list[Result]], i: int, route: dict[str, float], cascade: Cascade,
              results: list[Result | None], early: bool = False) -> bool:
        """Whether pair ``i`` is answered by its (``early``) pre-stack, below its floor; its result is then
        set in ``results``."""
        calibrated = {m.name: m.calibration(cheap[m.name][i].score) for m, _ in self.members if m.name in cheap}
        pre = sum(w * _sigmoid(e.logit(calibrated, {}, pre=not early, early=early))
                  for e in self.config.experts if (w := route.get(e.name, 0.0)))
        top = max(route, key=route.__getitem__) if route else ""
        # never above the threshold in force: a skipped pair is "not similar", so a user threshold
        # below the fitted floor must send the pairs between them to the full engine
        floor = cascade.early_floors.get(top, 0.0) if early else cascade.floor_for(top)
        if self.threshold is not None:
            floor = min(floor, self.threshold)
        if pre >= floor or (cascade.experts and top not in cascade.experts):
            return False
        results[i] = self._skipped(cheap, i, calibrated, route, pre, cascade, top, floor, early)
        return True

    def _skipped(self, cheap: dict[str, list[Result]], i: int, calibrated: dict[str, float],
                 route: dict[str, float], pre: float, cascade: Cascade, top: str, floor: float,
                 early: bool = False) -> Result:
        """A pair answered by the (``early``) pre-stack alone: "not similar", its score the pre-stack
        probability; ``top`` is the router's first choice whose ``floor`` decided the skip."""
        expert = next((e for e in self.config.experts if e.name == top),
                      max(self.config.experts, key=lambda e: route.get(e.name, 0.0)))
        stack = expert.early if early else expert.pre
        parts = {name: {"raw": rs[i].score, "calibrated": calibrated[name], "weight": self.weights[name],
                        "stack_coefficient": stack["members"].get(name, 0.0),
                        "contribution": stack["members"].get(name, 0.0) * calibrated[name],
                        "details": rs[i].details} for name, rs in cheap.items()}
        skipped = ", ".join([*cascade.early, cascade.member]) if early else cascade.member
        details: dict[str, Any] = {
            "config": self.config.name, "combination": self.combination,
            "router": {d: round(w, 4) for d, w in sorted(route.items(), key=lambda kv: -kv[1])},
            "expert": expert.name, "members": parts, "p_similar": pre,
            "cascade": {"skipped": skipped, "pre_stack": pre, "floor": floor, **({"stage": "early"} if early else {})}}
        if self.unused:
            details["unused"] = list(self.unused)
        result = Result(pre, self.name, details=details).with_threshold(self.threshold)
        what = "rule engine" if cascade.member == "rules" else cascade.member
        if early:
            what = f"{', '.join(cascade.early)} and {what}"
        details["decided_by"] = f"{what} skipped: pre-stack {pre:.2f} below the {expert.name} floor {floor:.2f} " \
                                f"(the {what} rarely lifts such pairs over the threshold)"
        return result

    def combine(self, per_member: dict[str, list[Result]], n: int,
                texts: Sequence[tuple[str, str]] | None = None,
                routes: Sequence[dict[str, float]] | None = None) -> list[Result]:
        """Ensemble results from each member's results for the same ``n`` pairs (in order); a routed
        config also needs the pairs' ``texts`` (normalised), which its router reads (or their ``routes``,
        when already read)."""
        stacking = self.combination == "stacking"
        routed = stacking and bool(self.config.experts)
        if routed and (texts is None or len(texts) != n):
            raise InputFormatError(f"ensemble {self.config.name}: a routed config needs the {n} pairs' texts")
        results = []
        for i in range(n):
            member_results = {m.name: per_member[m.name][i] for m, _ in self.members}
            calibrated = {m.name: m.calibration(member_results[m.name].score) for m, _ in self.members}
            details: dict[str, Any] = {"config": self.config.name, "combination": self.combination}
            standardised: dict[str, dict[str, float]] = {}
            expert, route = None, {}
            if routed:
                route = routes[i] if routes is not None else \
                    self.config.router.route(*texts[i]) if self.config.router is not None and texts else \
                    {e.name: 1.0 / len(self.config.experts) for e in self.config.experts}
                details["router"] = {d: round(w, 4) for d, w in sorted(route.items(), key=lambda kv: -kv[1])}
                expert = max(self.config.experts, key=lambda e: route.get(e.name, 0.0))
                details["expert"] = expert.name
            coefficients = expert.members if expert is not None else \
                {m.name: m.stack or 0.0 for m, _ in self.members}
            parts = {}
            for member, _ in self.members:
                r, p = member_results[member.name], calibrated[member.name]
                c = coefficients.get(member.name, 0.0)
                parts[member.name] = {"raw": r.score, "calibrated": p, "weight": self.weights[member.name],
                                      **({"stack_coefficient": c, "contribution": c * p} if stacking else {}),
                                      "details": r.details}
            details["members"] = parts
            if stacking:
                standardised = {f.member: f.standardised(member_results[f.member].details.get("features") or {})
                                for f in self.config.features}
                score = self._signed(calibrated, standardised, member_results, details, expert, route)
            else:
                score = self._combine(calibrated)
            if self.unused:
                details["unused"] = list(self.unused)
            result = Result(score, self.name, details=details)
            if self.left_out:
                details["left_out"] = dict(self.left_out)
                result.warnings.append("left out (could not load): " + ", ".join(self.left_out)
                                       + ("; weights renormalised" if self.combination == "mean" else ""))
            result = result.with_threshold(self.threshold)  # a labelled copy sharing ``details``
            if stacking and (self.config.features or self.polarity is not None):
                details["decided_by"] = self._decided_by(result, calibrated, details, coefficients)
            results.append(result)
        return results

    def _signed(self, calibrated: dict[str, float], standardised: dict[str, dict[str, float]],
                member_results: dict[str, Result], details: dict[str, Any], expert: Expert | None = None,
                route: dict[str, float] | None = None) -> float:
        """The stack's P(similar), or −(content probability) for a gated *opposite*; fills ``details``.

        A routed config: P(similar) = Σ router weight × the expert's P(similar); the contributions shown
        are those of ``expert`` (the router's first choice)."""
        z = self.config.intercept + sum((m.stack or 0.0) * calibrated[m.name] for m, _ in self.members)
        contributions: dict[str, dict[str, dict[str, Any]]] = {}
        for feature_set in self.config.features:
            values = member_results[feature_set.member].details.get("features") or {}
            table = contributions.setdefault(feature_set.member, {})
            own = expert.features.get(feature_set.member, {}) if expert is not None else feature_set.coefficients
            for name in feature_set.coefficients:
                coefficient = own.get(name, 0.0)
                c = coefficient * standardised[feature_set.member][name]
                z += c
                raw = values.get(name)
                table[name] = {"value": float(raw) if isinstance(raw, (int, float)) else None,
                               "coefficient": coefficient, "contribution": round(c, 6)}
        if expert is not None:
            p_similar = sum(w * _sigmoid(e.logit(calibrated, standardised))
                            for e in self.config.experts if (w := (route or {}).get(e.name, 0.0)))
        else:
            p_similar = _sigmoid(z)
        if not contributions and self.polarity is None:  # a config of scalar members only: as before
            return p_similar
        if contributions:
            details["features"] = contributions
        details["p_similar"] = p_similar
        if self.polarity is None:
            return p_similar
        pol = self.polarity
        if expert is not None and all(e.content for e in self.config.experts):
            content = sum(w * _sigmoid(e.logit(calibrated, standardised, content=True))
                          for e in self.config.experts if (w := (route or {}).get(e.name, 0.0)))
        else:
            zc = pol.content_intercept + sum(c * calibrated[m] for m, c in pol.content_members.items() if c)
            for member, weights in pol.content_features.items():
                zc += sum(c * standardised.get(member, {}).get(name, 0.0) for name, c in weights.items())
            content = _sigmoid(zc)
        said = member_results[pol.member].details.get("polarity") or {}
        verdict = said.get("verdict") if isinstance(said, dict) else None
        opposite = verdict == "opposite" and content >= pol.content_gate
        details["content"] = content
        details["polarity"] = {"member": pol.member, "verdict": verdict, "reason": said.get("reason", ""),
                               "content_gate": pol.content_gate, "opposite": opposite}
        if opposite:
            return -content
        values = member_results[pol.member].details.get("features") or {}
        fired = [name for name in pol.veto if _fires(values.get(name))]
        if fired and self.threshold is not None and p_similar >= self.threshold:
            details["polarity"]["veto"] = fired[0]  # e.g. roles exchanged: a different event, however close
            details["polarity"]["veto_reason"] = veto_reason(fired[0], said)
            return self.threshold * VETO_SHARE
        return p_similar

    def _decided_by(self, result: Result, calibrated: dict[str, float], details: dict[str, Any],
                    coefficients: dict[str, float]) -> str:
        """In words: what decided the verdict. *Opposite*: the polarity member's reason, named by the
        structural feature that fired. Otherwise the feature or member that pushed hardest toward the
        verdict, each measured against its dev average (features are centred; members by ``dev_mean``)."""
        polarity = details.get("polarity", {})
        if polarity.get("opposite"):
            own = details["members"][polarity["member"]]["details"]
            values = own.get("features") or {}
            cue = ((own.get("polarity") or {}).get("cue") or {}).get("kind", "")
            fired = [n for n in self.polarity.structural  # type: ignore[union-attr]
                     if _fires(values.get(n)) and n not in ("opposite", "paper_score", "rules_score")]
            fired.sort(key=lambda n: not (cue and n.startswith(cue[:7])))  # the rule engine's own cue first
            head = f"{fired[0]}: " if fired else ""
            return f"{head}{polarity['reason']}" if polarity.get("reason") else f"{head}{polarity['member']} polarity"
        if polarity.get("veto"):
            said = polarity.get("veto_reason") or polarity.get("reason")
            reason = f" ({said})" if said else ""
            return f"{polarity['veto']}: a structural veto of {polarity['member']}{reason}; P(similar) " \
                   f"{details['p_similar']:.2f} held below the threshold"
        sign = 1.0 if result.label else -1.0
        pushes: dict[str, float] = {}
        for member, _ in self.members:
            centre = member.info.get("dev_mean", 0.5)
            pushes[member.name] = sign * coefficients.get(member.name, 0.0) * (calibrated[member.name] - centre)
        for member, table in details.get("features", {}).items():
            for name, part in table.items():
                pushes[f"{member}.{name}"] = sign * part["contribution"]
        name = max(pushes, key=pushes.__getitem__)
        text = f"{name} ({'+' if sign > 0 else '-'}{abs(pushes[name]):.2f} toward {result.verdict})"
        if "expert" in details:
            text += f" in the {details['expert']} expert (router {details['router'][details['expert']]:.2f})"
        if polarity.get("verdict") == "opposite":  # the structure said opposite, the content gate held it back
            text += f"; {polarity['member']} said opposite but content {details['content']:.2f} < gate " \
                    f"{polarity['content_gate']:.2f}"
        return text

    def _combine(self, calibrated: dict[str, float]) -> float:
        if self.combination == "stacking":
            z = self.config.intercept + sum((m.stack or 0.0) * calibrated[m.name] for m, _ in self.members)
            return _sigmoid(z)
        return min(1.0, max(0.0, sum(self.weights[k] * p for k, p in calibrated.items())))

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:  # pragma: no cover - score_prepared is used
        return self.score_prepared([self.prepare_pair(a, b) for a, b in pairs])


def _spread(results: list[Result], rows: list[int], n: int) -> list[Result]:
    """``results`` of the pairs ``rows`` placed at those indices of a list of ``n`` (the other places hold
    the first result: never read, they belong to pairs answered earlier)."""
    out = [results[0]] * n if results else []
    for i, r in zip(rows, results):
        out[i] = r
    return out
