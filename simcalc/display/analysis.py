"""The rule engine's view of a pair for drawing: parses, components, aligned words, coefficients."""
from __future__ import annotations

import logging
import threading
from typing import Any

from ..errors import SimcalcError

log = logging.getLogger(__name__)


def _as_dict(result: Any) -> dict:
    if result is None:
        return {}
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def rules_analysis(result: Any) -> dict | None:
    """The rule engine's explanation carried by ``result`` (a ``rules`` result, or an ensemble with a
    ``rules`` member) as an analysis dict, or None when it carries none."""
    data = _as_dict(result)
    details = data.get("details") or {}
    if data.get("scorer") == "ensemble":
        member = (details.get("members") or {}).get("rules")
        if not member:
            return None
        explanation = (member.get("details") or {}).get("explanation")
        score, label, threshold, warnings = member.get("raw"), None, None, []
    else:
        explanation = details.get("explanation")
        score, label, threshold = data.get("score"), data.get("label"), data.get("threshold")
        warnings = list(data.get("warnings") or [])
    if not isinstance(explanation, dict) or "sentences" not in explanation:
        return None
    return {**explanation, "source": "rules", "score": score, "label": label, "threshold": threshold,
            "warnings": warnings}


class PairAnalyser:
    """The rule engine's view of a pair, for drawing.

    ``rules``: a loaded :class:`~simcalc.rules.scorer.RulesScorer`; ``"auto"`` to load the registry's
    ``rules`` scorer on first use; None for parses and components only (the embedded parser, no
    HowNet). ``reason`` says why the word comparison is missing when ``rules`` is None (or failed to
    load). Nothing heavy happens before the first :meth:`analyse`; safe to call from several threads.
    """

    def __init__(self, rules: Any = None, *, reason: str | None = None, user_dict: str | None = None) -> None:
        self._rules = rules
        self._reason = reason
        self._user_dict = user_dict
        self._parse_only: Any = None
        self._lock = threading.Lock()

    def _resolve(self) -> tuple[Any, Any]:
        """(rules scorer or None, parse-only scorer or None), loading what is needed once."""
        with self._lock:
            if isinstance(self._rules, str):  # "auto"
                from .. import registry

                try:
                    self._rules = registry.get("rules", user_dict=self._user_dict)
                except SimcalcError as exc:
                    self._rules = None
                    self._reason = f"the rule engine could not load: {exc}"
                    log.warning("drawing parses and components only: %s", self._reason)
            if self._rules is not None:
                return self._rules, None
            if self._parse_only is None:
                from ..rules.scorer import RulesScorer
                from ..rules.words import NoWords

                try:
                    self._parse_only = RulesScorer(words=NoWords(), user_dict=self._user_dict)
                except SimcalcError as exc:
                    self._parse_only = exc
            return None, self._parse_only

    @property
    def reason(self) -> str:
        return self._reason or "the rule engine is not loaded (drawing parses only was asked for)"

    def analyse(self, sentence1: str, sentence2: str, result: Any = None) -> dict:
        """The rules explanation of the pair (``"source": "rules"``), else the two parses with their
        components (``"source": "parse-only"``, ``"unavailable"`` says why), else ``"source": "none"``.
        ``result``: a result already computed for this pair; its rules explanation is reused.
        Raises :class:`~simcalc.errors.InvalidTextError` for text no scorer accepts."""
        found = rules_analysis(result) if result is not None else None
        if found is not None:
            return found
        rules, parse_only = self._resolve()
        if rules is not None:
            found = rules_analysis(rules.score(sentence1, sentence2))
            if found is not None:
                return found
        if isinstance(parse_only, Exception) or parse_only is None:
            return {"source": "none", "sentences": [],
                    "unavailable": f"{self.reason}; no parser either: {parse_only}"}
        a, b = parse_only.prepare_pair(sentence1, sentence2)
        sides = parse_only.analyse_many([a.text, b.text])
        views = [parse_only.sentence_view(sides[t.text]) for t in (a, b)]
        warnings = [w for t in (a, b) for w in t.warnings]
        for view, t in zip(views, (a, b)):
            view.pop("senses", None)  # nothing is known about the words
            warnings.extend(sides[t.text].sentence.parse.warnings)
        return {"source": "parse-only", "sentences": views, "unavailable": self.reason, "warnings": warnings}
