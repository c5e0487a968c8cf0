"""Scorers by name, imported only when asked for.

Why lazy: ``simcalc --help`` and the lexical scorers must not pay for (or need) torch, gensim or ltp.
A spec names its class as ``"module:Class"`` and the heavy packages it needs; ``available()`` checks
those with :func:`importlib.util.find_spec`, which does not import them.
"""
from __future__ import annotations

import copy
import importlib
import importlib.util
import inspect
import threading
from dataclasses import dataclass, field
from typing import Any

from .errors import InputFormatError, ScorerUnavailableError, UnknownScorerError
from .scorer import Recipe, Scorer


@dataclass(frozen=True)
class ScorerSpec:
    name: str
    target: str  # "package.module:ClassName"
    kind: str  # lexical | rules | neural | ensemble
    description: str
    requires: tuple[str, ...] = field(default=())
    #: (option, environment variable): the variable supplies the option when it is not given, for commands
    #: without that flag (match, serve, check, fit-ensemble); read per call so the cache key sees it.
    env: tuple[tuple[str, str], ...] = field(default=())

    def with_env(self, options: dict[str, Any]) -> dict[str, Any]:
        import os

        extra = {opt: os.environ[var] for opt, var in self.env if options.get(opt) is None and os.environ.get(var)}
        return {**options, **extra} if extra else options

    def missing_requirements(self) -> list[str]:
        """Top-level packages (and the scorer's own module) that cannot be found here."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        module = self.target.split(":")[0]
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except ModuleNotFoundError:
            missing.append(module)
        return missing

    def load(self) -> type[Scorer]:
        module_name, _, class_name = self.target.partition(":")
        missing = self.missing_requirements()
        if module_name in missing:
            raise ScorerUnavailableError(
                f"scorer {self.name!r} is not part of this installation (module {module_name} is missing)")
        if missing:
            raise ScorerUnavailableError(
                f"scorer {self.name!r} needs {', '.join(missing)}, which cannot be imported here; "
                "install simcalc with its dependencies (see README)"
            )
        module = importlib.import_module(module_name)
        return getattr(module, class_name)


_REGISTRY: dict[str, ScorerSpec] = {}


def register(spec: ScorerSpec) -> None:
    """Add (or replace) a scorer spec; plug-ins may call this."""
    _REGISTRY[spec.name] = spec


def canonical(name: str) -> str:
    """The registered spelling of ``name`` (case and ``-``/``_`` do not matter); a "did you mean" otherwise."""
    if isinstance(name, str):
        if name in _REGISTRY:
            return name
        folded = name.strip().lower().replace("-", "_")
        for known in _REGISTRY:
            if known.lower().replace("-", "_") == folded:  # hf-cross, jaro_winkler: either spelling
                return known
    import difflib

    known = ", ".join(sorted(_REGISTRY))
    close = difflib.get_close_matches(str(name).lower(), list(_REGISTRY), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UnknownScorerError(f"unknown scorer {name!r}; {hint}known scorers: {known}")


def spec(name: str) -> ScorerSpec:
    return _REGISTRY[canonical(name)]


def names() -> list[str]:
    return list(_REGISTRY)


def specs() -> list[ScorerSpec]:
    return list(_REGISTRY.values())


def create(name: str, **options: Any) -> Scorer:
    """A new scorer instance; ``options`` go to its constructor (e.g. ``threshold``, ``model``)."""
    name = canonical(name)
    cls = spec(name).load()
    options = {k: v for k, v in spec(name).with_env(options).items() if v is not None}
    accepted = inspect.signature(cls.__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise InputFormatError(f"scorer {name!r} takes no option {', '.join(unknown)}")
    scorer = cls(**options)
    # built by name and options: worker processes can build the same (a scorer that cannot be pickled,
    # such as the rule engine, then still runs under --jobs); fitting it later drops the recipe
    scorer._recipe = Recipe(name, tuple(sorted(options.items())), _REGISTRY[name].target)
    return scorer


_cache: dict[tuple, Scorer] = {}
_cache_lock = threading.RLock()  # re-entrant: an ensemble gets its members while being created


def get(name: str, **options: Any) -> Scorer:
    """A scorer per (name, options) whose heavy state (models, tables) loads once per process.

    Each call returns its own shallow copy: setting ``threshold`` (or fitting TF-IDF, which replaces
    its tables rather than changing them) on one caller's scorer leaves every other caller's alone.
    """
    name = canonical(name)
    options = spec(name).with_env(options)  # a model folder named by the environment is part of the key
    given = tuple(sorted((k, v) for k, v in options.items() if v is not None))
    key = (name, tuple((k, repr(v)) for k, v in given))
    with _cache_lock:  # two threads asking at once load the model once
        if key not in _cache:
            _cache[key] = create(name, **options)
        scorer = copy.copy(_cache[key])
    scorer._recipe = Recipe(name, given, _REGISTRY[name].target)  # how to build the same scorer elsewhere
    return scorer


def build(recipe: Recipe) -> Scorer:
    """The scorer a :class:`~simcalc.scorer.Recipe` describes, from this process's cache (see :func:`get`).

    A plug-in the parent process registered at run time is registered here too, from ``recipe.target``.
    """
    if recipe.name not in _REGISTRY and recipe.target is not None:
        register(ScorerSpec(recipe.name, recipe.target, "plugin", "registered at run time in the parent process"))
    return get(recipe.name, **dict(recipe.options))


for _spec in (
    ScorerSpec("levenshtein", "simcalc.lexical:LevenshteinScorer", "lexical",
               "Levenshtein ratio over characters (python-Levenshtein); threshold 0.618 (CV-LSTM paper)"),
    ScorerSpec("jaro_winkler", "simcalc.lexical:JaroWinklerScorer", "lexical",
               "Jaro-Winkler similarity over characters (jellyfish); threshold 0.618 (CV-LSTM paper)"),
    ScorerSpec("char_jaccard", "simcalc.lexical:CharJaccardScorer", "lexical",
               "Jaccard overlap of the two sentences' character sets"),
    ScorerSpec("word_order", "simcalc.order:WordOrderScorer", "lexical",
               "whether the shared characters keep their order (LCS over shared characters; not how many), "
               "×0.75 per kind of exchange (words, character bigrams) trading places; PAWS-style swaps", ("jieba",)),
    ScorerSpec("tfidf", "simcalc.lexical:TfidfScorer", "lexical",
               "cosine of character 1-2-gram TF-IDF vectors, fitted on the sentences scored or a corpus",
               ),
    ScorerSpec("rules", "simcalc.rules.scorer:RulesScorer", "rules",
               "rule engine over a dependency parse and HowNet (after Li & Li 2015), question-aware: content "
               "coverage, question types, polarity on aligned predicates, roles; signed -1..1 (negative = opposite), "
               "with a fixed feature vector in its details", ("jieba",)),
    ScorerSpec("rules-paper", "simcalc.rules.scorer:PaperRulesScorer", "rules",
               "Li & Li 2015 formula unchanged (K·|S|: pattern, component, negation and supplementary "
               "coefficients); signed -1..1", ("jieba",)),
    ScorerSpec("ensemble", "simcalc.ensemble:EnsembleScorer", "ensemble",
               "members calibrated on dev data and combined (mean or stacking) as a TOML config says; "
               "the default"),
    ScorerSpec("cvlstm", "simcalc.neural.scorers:CVLSTMScorer", "neural",
               "character-vector LSTM siamese model (CV-LSTM paper)", ("numpy", "safetensors")),
    ScorerSpec("mgf", "simcalc.neural.scorers:MGFScorer", "neural",
               "multi-granularity char+word fusion model (MGF paper); --model mgf-bq-large: full width, "
               "more accurate, a third as fast on batches", ("numpy", "safetensors", "jieba")),
    ScorerSpec("re2", "simcalc.neural.re2_scorer:RE2Scorer", "neural",
               "RE2-style cross-attention char matcher (aligns each character with the other sentence; "
               "sees word order and roles)", ("numpy", "safetensors")),
    # bring your own pretrained model (issue 22): a local transformers folder, never downloaded
    ScorerSpec("hf-cross", "simcalc.neural.hf:HFCrossScorer", "neural",
               "your own local transformers cross-encoder (sequence classification, e.g. Erlangshen); "
               "--model PATH or SIMCALC_HF_CROSS_MODEL; nothing shipped", ("torch", "transformers"),
               (("model", "SIMCALC_HF_CROSS_MODEL"),)),
    ScorerSpec("hf-bi", "simcalc.neural.hf:HFBiScorer", "neural",
               "your own local sentence-embedding model (transformers / sentence-transformers folder), cosine; "
               "--model PATH or SIMCALC_HF_BI_MODEL; nothing shipped", ("torch", "transformers"),
               (("model", "SIMCALC_HF_BI_MODEL"),)),
):
    register(_spec)
