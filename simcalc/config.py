"""Defaults that more than one module needs."""
from __future__ import annotations

#: The scorer used when none is named. A lexical one until a trained model ships.
DEFAULT_SCORER = "levenshtein"
