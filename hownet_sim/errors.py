"""Errors of hownet_sim: all :class:`simcalc.errors.SimcalcError` subclasses, so the CLI prints one line."""
from __future__ import annotations

from simcalc.errors import InputFormatError, ResourceNotFoundError, SimcalcError

__all__ = ["HowNetError", "LexiconFormatError", "ResourceNotFoundError"]


class HowNetError(SimcalcError):
    """Base class of hownet_sim's own errors."""


class LexiconFormatError(HowNetError, InputFormatError):
    """A lexicon file has malformed lines; the message names the file and the line numbers."""

    def __init__(self, path: object, problems: list[tuple[int, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        shown = "; ".join(f"line {n}: {why}" for n, why in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{self.path}: {len(problems)} malformed line(s): {shown}{more}")
