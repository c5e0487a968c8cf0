"""Exceptions simcalc raises on purpose.

Every error a user can cause (bad text, a missing resource, an unknown scorer) is a
:class:`SimcalcError`, so the CLI can print one clear line instead of a traceback.
"""
from __future__ import annotations


class SimcalcError(Exception):
    """Base class of all errors simcalc raises deliberately."""


class InvalidTextError(SimcalcError, ValueError):
    """The input text cannot be scored: ``None``, not a string, or nothing left to compare."""


class ResourceNotFoundError(SimcalcError, FileNotFoundError):
    """A data file or model that a scorer needs is not on this machine."""


class UnknownScorerError(SimcalcError, KeyError):
    """No scorer is registered under the given name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ScorerUnavailableError(SimcalcError):
    """The scorer exists but cannot run here (a package or resource is missing)."""


class InputFormatError(SimcalcError, ValueError):
    """A pair file or option is malformed in a way that stops the whole run."""
