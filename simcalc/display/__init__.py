"""Drawings of an explanation: dependency trees as SVG and the whole explanation as HTML.

Why here and stdlib only: ``simcalc explain --svg/--html`` and the web page of ``simcalc serve`` show the
same drawing, and neither should pay for a plotting library. Everything shown is user text or derived
from it, so every string goes through :func:`html.escape`.

* :class:`PairAnalyser` gives the rule engine's view of a pair (parses, components, aligned words,
  coefficients); without HowNet it still gives the parses and components (``"source": "parse-only"``).
* :func:`tree_svg` draws one sentence (a ``sentences[i]`` view of a rules explanation), :func:`pair_svg` both.
* :func:`explanation_html` renders a :class:`~simcalc.result.Result` of any scorer plus that analysis as an
  HTML fragment; :func:`standalone_html` wraps it in a document with the stylesheet
  (``simcalc/static/simcalc.css``, :func:`stylesheet`) inlined.
"""
from __future__ import annotations

from .analysis import PairAnalyser, rules_analysis
from .report import explanation_html, standalone_html, stylesheet
from .svg import pair_svg, tree_svg

__all__ = ["PairAnalyser", "rules_analysis", "tree_svg", "pair_svg", "explanation_html",
           "standalone_html", "stylesheet"]
