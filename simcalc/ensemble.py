"""The ``ensemble`` scorer: several scorers brought to one scale and combined, as a TOML config says.

Why calibrate first: members speak different scales (rule scores are signed in [-1, 1], neural scores
are probabilities, lexical scores are overlap ratios). Each member's raw score is mapped to
P(similar) by a calibration fitted on labelled dev data (Platt: ``sigmoid(a·raw + b)``, or isotonic:
a monotone piecewise-linear table), then the calibrated scores are combined:

* ``mean``: ``Σ wᵢ·pᵢ / Σ wᵢ`` over the members that loaded;
* ``stacking``: a logistic regression over the calibrated scores, ``sigmoid(b + Σ cᵢ·pᵢ)``.

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
    options = {}                    # passed to the member scorer

    [stacking]
    intercept = -3.1

A member that cannot load (missing package or resource) is logged once, left out, and the weights
are renormalised; a stack needs all its members, so it falls back to the weighted mean (with
``mean_threshold``). Every result says which members were left out and why. Adding a member (e.g.
the rule engine ``rules``, signed in [-1, 1], with an ``explanation`` in its details) is a config
change: refit with ``simcalc fit-ensemble --members ...,rules``.

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
from typing import Any, Iterable, Sequence

from .errors import InputFormatError, ResourceNotFoundError, SimcalcError
from .result import Result
from .scorer import Pair, PreparedPair, Scorer
from .text import MAX_CHARS

log = logging.getLogger(__name__)

#: The shipped config that ``default`` (and no config at all) means; README "Ensemble" says why this one.
DEFAULT_CONFIG = "bq"
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

    def __call__(self, raw: float) -> float:
        if self.method == "platt":
            z = self.a * raw + self.b
            return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        if self.method == "isotonic":
            import numpy as np

            return float(np.interp(raw, self.x, self.y))
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
            if combination == "stacking" and stack is None:
                raise InputFormatError(f"{where}: a stacking ensemble needs stack = COEFFICIENT for every member")
            options = table.get("options", {})
            if not isinstance(options, dict):
                raise InputFormatError(f"{where}: options must be a table")
            info = {k: v for k, v in table.items() if k.startswith("dev_")}
            members.append(Member(name, weight, Calibration.from_toml(table, where),
                                  None if stack is None else _number(stack, f"{where} stack"), dict(options), info))
        threshold = head.get("threshold")
        mean_threshold = head.get("mean_threshold", threshold if combination == "mean" else None)
        return cls(members, combination, None if threshold is None else _number(threshold, f"{source} threshold"),
                   None if mean_threshold is None else _number(mean_threshold, f"{source} mean_threshold"),
                   _number(data.get("stacking", {}).get("intercept", 0.0), f"{source} intercept"),
                   str(head.get("name", Path(source).stem)), str(head.get("description", "")),
                   str(head.get("fitted_on", "")), source, base_dir)

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
        return "\n".join(lines) + "\n"


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

    ``config``: a shipped config name (``default``, ``bq``, ``lcqmc``, ``lexical``), a TOML path, or a dict.
    """

    name = "ensemble"

    def __init__(self, config: str | Path | dict | EnsembleConfig | None = None, threshold: float | None = None,
                 max_chars: int = MAX_CHARS) -> None:
        super().__init__(threshold=threshold, max_chars=max_chars)
        self.config = load_config(config)
        self.members: list[tuple[Member, Scorer]] = []
        self.left_out: dict[str, str] = {}
        self.unused = [m.name for m in self.config.members if m.weight == 0 and not m.stack]
        for member in self.config.members:
            if member.name in self.unused:  # zero weight in the mean and in the stack: not loaded, not scored
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
        per_member = {m.name: scorer.score_prepared(prepared) for m, scorer in self.members}
        results = self.combine(per_member, len(prepared))
        for result, (a, b) in zip(results, prepared):
            result.warnings[:0] = a.warnings + b.warnings
        return results

    def combine(self, per_member: dict[str, list[Result]], n: int) -> list[Result]:
        """Ensemble results from each member's results for the same ``n`` pairs (in order)."""
        results = []
        for i in range(n):
            parts, calibrated = {}, {}
            for member, _ in self.members:
                r = per_member[member.name][i]
                p = member.calibration(r.score)
                calibrated[member.name] = p
                parts[member.name] = {"raw": r.score, "calibrated": p, "weight": self.weights[member.name],
                                      **({"stack_coefficient": member.stack} if self.combination == "stacking" else {}),
                                      "details": r.details}
            details: dict[str, Any] = {"config": self.config.name, "combination": self.combination,
                                       "members": parts}
            if self.unused:
                details["unused"] = list(self.unused)
            result = Result(self._combine(calibrated), self.name, details=details)
            if self.left_out:
                details["left_out"] = dict(self.left_out)
                result.warnings.append("left out (could not load): " + ", ".join(self.left_out)
                                       + ("; weights renormalised" if self.combination == "mean" else ""))
            results.append(result.with_threshold(self.threshold))
        return results

    def _combine(self, calibrated: dict[str, float]) -> float:
        if self.combination == "stacking":
            z = self.config.intercept + sum((m.stack or 0.0) * calibrated[m.name] for m, _ in self.members)
            return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        return min(1.0, max(0.0, sum(self.weights[k] * p for k, p in calibrated.items())))

    def _score_texts(self, pairs: Sequence[Pair]) -> list[Result]:  # pragma: no cover - score_prepared is used
        return self.score_prepared([self.prepare_pair(a, b) for a, b in pairs])
