"""Defaults that more than one module needs."""
from __future__ import annotations

#: The scorer used when none is named: the ensemble with its default config (simcalc/configs/default.toml).
DEFAULT_SCORER = "ensemble"
