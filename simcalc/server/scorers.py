"""The scorers a server answers with: loaded once at start, each with its status.

A scorer that fails to load does not stop the server: its routes answer 503 with the reason and
``GET /health`` reports it, while the other scorers keep serving.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from simcalc.errors import ScorerUnavailableError, SimcalcError
from simcalc.scorer import Recipe, Scorer

from .settings import ServerSettings

log = logging.getLogger(__name__)


class NotServedError(SimcalcError):
    """A known scorer that this server was not started with (a client error, not an outage)."""


@dataclass
class Served:
    """One servable name: the loaded scorer, or why it could not load."""

    name: str
    kind: str
    description: str
    scorer: Scorer | None = None
    error: str | None = None
    load_seconds: float = 0.0

    @property
    def ready(self) -> bool:
        return self.scorer is not None

    @property
    def status(self) -> str:
        return "ready" if self.ready else "unavailable"

    @property
    def left_out(self) -> dict[str, str]:
        """Ensemble members that could not load (the ensemble serves without them)."""
        if self.kind != "ensemble" or self.scorer is None:
            return {}
        return dict(self.scorer.describe().get("left_out") or {})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "status": self.status,
                               "description": self.description, "error": self.error}
        if self.scorer is not None:
            out["range"] = list(self.scorer.range)
            out["threshold"] = self.scorer.threshold
            if self.kind == "ensemble":
                described = self.scorer.describe()
                out["config"] = described.get("config")
                out["members"] = described.get("members")
                out["left_out"] = self.left_out
        return out


def _load(recipe: Recipe) -> tuple[Scorer | None, str | None, float]:
    from simcalc import registry

    start = time.perf_counter()
    try:
        scorer = registry.build(recipe)
        return scorer, None, time.perf_counter() - start
    except (SimcalcError, OSError, ImportError, RuntimeError, ValueError) as exc:
        log.warning("scorer %s could not load: %s", recipe.name, exc)
        return None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start


class ScorerPool:
    """Loads ``settings.scorers`` (every ensemble config) once; hands out scorers by request name."""

    def __init__(self, settings: ServerSettings) -> None:
        from simcalc import registry

        self.settings = settings
        self.entries: dict[str, Served] = {}
        self.aliases: dict[str, str] = {}
        for requested in settings.scorers:
            name = registry.canonical(requested)  # an unknown name is a start-up error, not a 503
            spec = registry.spec(name)
            if name == "ensemble":
                for i, config in enumerate(settings.configs):
                    scorer, error, seconds = _load(Recipe(name, (("config", config),)))
                    label = scorer.describe()["config"] if scorer is not None else str(config)
                    key = f"ensemble:{label}"
                    self.entries[key] = Served(key, spec.kind, f"{spec.description} (config {label})",
                                               scorer, error, seconds)
                    if i == 0:
                        self.aliases["ensemble"] = key
            else:
                scorer, error, seconds = _load(Recipe(name))
                self.entries[name] = Served(name, spec.kind, spec.description, scorer, error, seconds)
        self.default = self._choose_default(settings.default_scorer)
        self.faq: list[str] | None = load_faq(settings.faq) if settings.faq else None
        self._faq_indexes: dict[str, Any] = {}
        self._faq_errors: dict[str, str] = {}
        if self.faq is not None:  # prepared at start: the first /rank must not pay for it (or time out)
            from simcalc.rank import CandidateIndex

            for key, entry in self.entries.items():
                if entry.scorer is not None:
                    try:
                        self._faq_indexes[key] = CandidateIndex(entry.scorer, self.faq)
                    except SimcalcError as exc:
                        self._faq_errors[key] = str(exc)
                        log.warning("FAQ not prepared for %s: %s", key, exc)

    def _choose_default(self, wanted: str | None) -> str:
        if wanted:
            return self.resolve(wanted)
        if "ensemble" in self.aliases and self.entries[self.aliases["ensemble"]].ready:
            return self.aliases["ensemble"]
        ready = [k for k, e in self.entries.items() if e.ready]
        return ready[0] if ready else next(iter(self.entries))

    def resolve(self, name: str | None) -> str:
        """The entry key for a request's ``scorer`` (None: the default); 422-type errors for bad names."""
        from simcalc import registry

        if name is None:
            return self.default
        if name in self.entries:
            return name
        if name in self.aliases:
            return self.aliases[name]
        base, _, config = name.partition(":")
        canonical = registry.canonical(base)  # UnknownScorerError with a did-you-mean
        key = f"{canonical}:{config}" if config else canonical
        key = self.aliases.get(key, key)
        if key not in self.entries:
            raise NotServedError(f"scorer {name!r} is not served here; served: {', '.join(self.names())}")
        return key

    def get(self, name: str | None) -> tuple[str, Scorer]:
        key = self.resolve(name)
        entry = self.entries[key]
        if entry.scorer is None:
            raise ScorerUnavailableError(f"scorer {key!r} could not load: {entry.error}")
        return key, entry.scorer

    def names(self) -> list[str]:
        return list(self.aliases) + list(self.entries)

    def ready(self, name: str) -> Scorer | None:
        key = self.aliases.get(name, name)
        entry = self.entries.get(key)
        return entry.scorer if entry is not None else None

    def faq_index(self, key: str) -> Any:
        """The server FAQ prepared for one scorer at start (read-only, shared by the threads)."""
        if key not in self._faq_indexes:
            raise ScorerUnavailableError(f"the FAQ could not be prepared for {key!r}: "
                                         f"{self._faq_errors.get(key, 'the scorer did not load')}")
        return self._faq_indexes[key]

    def health(self) -> dict[str, Any]:
        scorers: dict[str, dict[str, Any]] = {}
        for key, entry in self.entries.items():
            scorers[key] = {"status": entry.status, "error": entry.error, "load_seconds": round(entry.load_seconds, 3)}
            if entry.left_out:  # an ensemble that serves without some members says so
                scorers[key]["left_out"] = entry.left_out
        degraded = any(not e.ready or e.left_out for e in self.entries.values()) or self._faq_errors
        out: dict[str, Any] = {"status": "degraded" if degraded else "ok", "default": self.default, "aliases": dict(self.aliases),
               "scorers": scorers}
        if self.faq is not None:
            out["faq"] = {"questions": len(self.faq), "unprepared": dict(self._faq_errors)}
        return out


def load_faq(path: str) -> list[str]:
    """FAQ questions in `simcalc match`'s format, each checked as a scorer would (the error names the line)."""
    from simcalc.errors import InputFormatError, InvalidTextError
    from simcalc.match import read_faq
    from simcalc.text import prepare

    questions, _extras, lines = read_faq(path)
    for question, line in zip(questions, lines):
        try:
            prepare(question, which="the question")
        except InvalidTextError as exc:
            raise InputFormatError(f"{path}, line {line}: {exc}") from None
    return questions
