"""Which parser backend runs: LTP when a model is on this machine, else the embedded parser.

Order of precedence for the choice: the ``name`` argument (the CLI's ``--parser``), then the
``SIMCALC_PARSER`` environment variable (the config override), then ``auto``.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from simcalc.errors import SimcalcError

from .types import Parser, ParserUnavailableError

log = logging.getLogger(__name__)

PARSER_ENV = "SIMCALC_PARSER"
CHOICES = ("auto", "ltp", "embedded")
_cache: dict[tuple, Parser] = {}


class UnknownParserError(SimcalcError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _requested(name: str | None) -> str:
    chosen = (name or os.environ.get(PARSER_ENV) or "auto").strip().lower()
    if chosen not in CHOICES:
        raise UnknownParserError(f"unknown parser {chosen!r}; choose one of {', '.join(CHOICES)}")
    return chosen


def backend_status(name: str | None = None) -> dict[str, Any]:
    """What ``get_parser(name)`` would use and why, without loading any model (for ``simcalc info``)."""
    from .embedded.parser import model_available
    from .ltp_backend import ltp_importable, resolve_model

    requested = _requested(name)
    ltp_dir, ltp_why = (resolve_model() if ltp_importable() else (None, "the ltp package is not installed"))
    embedded_ok = model_available()
    status: dict[str, Any] = {
        "requested": requested,
        "ltp": {"available": ltp_dir is not None, "detail": ltp_why},
        "embedded": {"available": embedded_ok,
                     "detail": "shipped weights in data/parser" if embedded_ok else "data/parser weights missing"},
    }
    if requested == "auto":
        if ltp_dir is not None:
            status.update(active="ltp", reason=f"auto: {ltp_why}")
        elif embedded_ok:
            status.update(active="embedded", reason=f"auto: no local LTP model ({ltp_why}); using the embedded parser")
        else:
            status.update(active=None, reason="no parser available: no local LTP model and no embedded weights")
    else:
        ok = status[requested]["available"]
        status.update(active=requested if ok else None,
                      reason=f"requested {requested}" + ("" if ok else f", unavailable: {status[requested]['detail']}"))
    return status


def get_parser(name: str | None = None, **options: Any) -> Parser:
    """A shared parser instance: ``auto`` (LTP if a local model exists, else embedded), ``ltp`` or ``embedded``.

    ``name=None`` means ``$SIMCALC_PARSER`` or else ``auto``, so pass ``None`` when the user gave no
    ``--parser`` and the config override still applies.

    ``options`` go to the backend (``model`` for LTP; ``model_dir``, ``user_dict``, ``question_roots`` for
    embedded; LTP ignores ``question_roots``).
    Raises :class:`ParserUnavailableError` when the chosen backend cannot run.
    """
    requested = _requested(name)
    key = (requested, os.environ.get("SIMCALC_LTP_MODEL"),
           tuple(sorted((k, repr(v)) for k, v in options.items() if v is not None)))
    if key in _cache:
        return _cache[key]
    if requested == "auto":
        status = backend_status("auto")
        if status["active"] is None:
            raise ParserUnavailableError(status["reason"])
        backend = status["active"]
        log.info("parser: %s", status["reason"])
    else:
        backend = requested
    opts = {k: v for k, v in options.items() if v is not None}
    if backend == "ltp":
        embedded_only = {k: opts.pop(k) for k in ("question_roots",) if k in opts}  # LTP's trees are its own
        from .ltp_backend import LTPParser

        try:
            parser: Parser = LTPParser(**opts)
        except ParserUnavailableError as exc:
            if requested != "auto" or not backend_status("embedded")["embedded"]["available"]:
                raise
            log.warning("LTP model found but not usable (%s); falling back to the embedded parser", exc)
            from .embedded.parser import EmbeddedParser

            parser = EmbeddedParser(**{k: v for k, v in opts.items() if k in ("user_dict",)}, **embedded_only)
    else:
        from .embedded.parser import EmbeddedParser

        parser = EmbeddedParser(**opts)
    _cache[key] = parser
    return parser
