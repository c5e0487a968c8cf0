"""Behavioural checks (CheckList, Ribeiro et al. 2020): what a scorer can and cannot do, capability by capability.

>>> import simcalc.check
>>> report = simcalc.check.run("levenshtein")                       # doctest: +SKIP
>>> print(simcalc.check.to_text(report))                            # doctest: +SKIP

``run`` takes a registered scorer name, a :class:`~simcalc.scorer.Scorer` or any object with ``score_batch``.
Light imports only: nothing here imports torch until a scorer that needs it is run.
"""
from __future__ import annotations

from .expect import DIR_EPSILON, INV_TOLERANCE
from .generate import Case, generate, handwritten
from .report import side_by_side_markdown, to_html, to_json, to_markdown, to_text
from .runner import CapabilityResult, Report, run
from .suite import Suite, default_suite_path, load_suite

__all__ = ["run", "Report", "CapabilityResult", "Case", "Suite", "load_suite", "default_suite_path", "generate",
           "handwritten", "to_text", "to_markdown", "to_json", "to_html", "side_by_side_markdown",
           "INV_TOLERANCE", "DIR_EPSILON"]
