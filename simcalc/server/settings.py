"""Settings of ``simcalc serve``: which scorers load, and the limits every request is held to.

Plain data (no FastAPI import), so the CLI can build them cheaply and hand them to worker processes
as JSON (uvicorn starts each ``--workers`` process from an import string, not from an object).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Environment variable that carries the settings to uvicorn worker processes.
ENV_VAR = "SIMCALC_SERVE_SETTINGS"

#: What ``simcalc serve`` loads when ``--scorers`` is not given: the default ensemble (its members load
#: with it), the rule engine (the page draws its trees) and the two edit-distance baselines.
DEFAULT_SCORERS = ("ensemble", "rules", "levenshtein", "jaro_winkler")

#: The shipped ensemble configs, all served by default so the page offers the choice (their members'
#: models are shared, so the extra configs cost well under a second at start).
DEFAULT_CONFIGS = ("default", "lcqmc", "lexical")


@dataclass(frozen=True)
class ServerSettings:
    """Everything a server process needs to know; every limit is checked before any scoring starts.

    ``scorers``: registry names to load at start (``ensemble`` loads each of ``configs``; the first
    config answers to plain ``ensemble``, every config also to ``ensemble:NAME``).
    ``default_scorer``: what a request without ``scorer`` gets (default: ensemble when it loaded,
    else the first scorer that did). ``faq``: a file of candidate questions (one per line) that
    ``POST /rank`` uses when the request has no ``candidates``; it is read here, at start, never on a
    client's say-so. ``threads``: requests scored at once (worker threads beside the event loop).
    """

    scorers: tuple[str, ...] = DEFAULT_SCORERS
    configs: tuple[str, ...] = DEFAULT_CONFIGS
    default_scorer: str | None = None
    faq: str | None = None
    max_body_bytes: int = 1_000_000
    max_pairs: int = 1000
    max_chars: int = 512
    max_candidates: int = 5000
    max_top_k: int = 100
    timeout_s: float = 30.0
    body_timeout_s: float = 10.0  # the longest wait for the next part of a request body (slow clients: 408)
    threads: int = 4
    view: bool = True  # POST /explain draws trees (loads the parser even when rules cannot load)
    allowed_hosts: tuple[str, ...] | None = None  # Host headers answered (None: any); `simcalc serve` sets loopback names

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_pairs", "max_chars", "max_candidates", "max_top_k", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        from simcalc.text import MAX_CHARS

        if self.max_chars > MAX_CHARS:
            raise ValueError(f"max_chars is at most {MAX_CHARS} (the scorers' own limit on a text)")
        if self.timeout_s <= 0 or self.body_timeout_s <= 0:
            raise ValueError("timeout_s and body_timeout_s must be positive")
        if not self.scorers:
            raise ValueError("give at least one scorer to serve")
        object.__setattr__(self, "scorers", tuple(self.scorers))
        object.__setattr__(self, "configs", tuple(self.configs) or DEFAULT_CONFIGS)
        if self.allowed_hosts is not None:
            object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "ServerSettings":
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)

    @classmethod
    def from_env(cls) -> "ServerSettings":
        text = os.environ.get(ENV_VAR)
        return cls.from_json(text) if text else cls()

    def limits(self) -> dict[str, float]:
        """The limits a client may want to know (``GET /health``)."""
        return {k: getattr(self, k) for k in ("max_body_bytes", "max_pairs", "max_chars", "max_candidates",
                                               "max_top_k", "timeout_s", "body_timeout_s")}


#: The names a loopback server answers to (its Host header policy; see :class:`~simcalc.server.limits.AllowedHosts`).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


def allowed_hosts_for(host: str, allow: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The Host headers a server bound to ``host`` answers: the loopback names (which stops DNS-rebinding
    pages) plus ``allow``; None (any) for ``*`` or for a non-loopback bind given no names."""
    loopback = is_loopback(host)
    if "*" in allow or not (loopback or allow):
        return None
    return (LOOPBACK_HOSTS if loopback else ()) + tuple(allow)


__all__ = ["ServerSettings", "allowed_hosts_for", "is_loopback", "DEFAULT_SCORERS", "DEFAULT_CONFIGS", "ENV_VAR"]
