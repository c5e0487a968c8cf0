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

import html
import importlib.resources
import json
import logging
import re
import threading
import unicodedata
from typing import Any, Mapping

from .errors import SimcalcError

log = logging.getLogger(__name__)

__all__ = ["PairAnalyser", "pair_analysis", "rules_analysis", "tree_svg", "pair_svg", "explanation_html",
           "standalone_html", "stylesheet"]

FONT_FAMILY = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
               "'WenQuanYi Micro Hei', 'Hiragino Sans GB', sans-serif")
#: role → (strong colour for the centre word, light tint for the other words)
ROLE_COLOURS = {
    "subject": ("#1d4ed8", "#dbeafe"),
    "predicate": ("#b91c1c", "#fee2e2"),
    "object": ("#047857", "#d1fae5"),
    "participant": ("#7c3aed", "#ede9fe"),
    "phrase": ("#a16207", "#fef3c7"),
}
_MARKERS = {"ba": ("把",), "bei": ("被", "叫", "让")}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(value: Any) -> str:
    """Text and attribute escaping (HTML and XML alike); drops characters XML cannot hold."""
    return html.escape(_XML_INVALID.sub("", str(value)), quote=True)


# -- analysis ---------------------------------------------------------------------------------------
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
                from . import registry

                try:
                    self._rules = registry.get("rules", user_dict=self._user_dict)
                except SimcalcError as exc:
                    self._rules = None
                    self._reason = f"the rule engine could not load: {exc}"
                    log.warning("drawing parses and components only: %s", self._reason)
            if self._rules is not None:
                return self._rules, None
            if self._parse_only is None:
                from .rules.scorer import RulesScorer
                from .rules.words import NoWords

                try:
                    self._parse_only = RulesScorer(words=NoWords(), user_dict=self._user_dict)
                except SimcalcError as exc:
                    self._parse_only = exc
            return None, self._parse_only

    @property
    def reason(self) -> str:
        return self._reason or "the rule engine (HowNet word knowledge) is not loaded; set SIMCALC_DATA_DIR"

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
        views = [parse_only._sentence_view(sides[t.text]) for t in (a, b)]
        warnings = [w for t in (a, b) for w in t.warnings]
        for view, t in zip(views, (a, b)):
            view.pop("senses", None)  # nothing is known about the words
            warnings.extend(sides[t.text].sentence.parse.warnings)
        return {"source": "parse-only", "sentences": views, "unavailable": self.reason, "warnings": warnings}


_default: PairAnalyser | None = None
_default_lock = threading.Lock()


def pair_analysis(sentence1: str, sentence2: str, result: Any = None, analyser: PairAnalyser | None = None) -> dict:
    """:meth:`PairAnalyser.analyse` with ``analyser`` or a process-wide one that loads the registry's
    ``rules`` scorer on first use (and falls back to parse-only)."""
    global _default
    if analyser is None:
        with _default_lock:
            if _default is None:
                _default = PairAnalyser("auto")
            analyser = _default
    return analyser.analyse(sentence1, sentence2, result)


# -- tree drawing ---------------------------------------------------------------------------------
def _text_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in str(text))


def _marks(view: Mapping) -> tuple[dict[int, tuple[str, bool, str]], list[str], set[str]]:
    """Token index → (role, is centre, tag), note lines, roles present."""
    marks: dict[int, tuple[str, bool, str]] = {}
    notes: list[str] = []
    roles: set[str] = set()
    clauses = view.get("clauses") or []

    def mark(comp: Mapping, role: str, suffix: str) -> None:
        if not comp or "centre_index" not in comp:
            return
        roles.add(role)
        marks.setdefault(int(comp["centre_index"]), (role, True, role + suffix))
        for i in comp.get("modifier_indices") or []:
            marks.setdefault(int(i), (role, False, role + suffix))

    for n, clause in enumerate(clauses, 1):
        suffix = f" {n}" if len(clauses) > 1 else ""
        for role in ("predicate", "subject", "object"):
            mark((clause.get("components") or {}).get(role), role, suffix)
        for part in clause.get("participants") or []:
            mark(part, "participant", suffix)
        bits = []
        construction = clause.get("construction")
        if construction in _MARKERS:
            bits.append(f"{_MARKERS[construction][0]} construction ({construction})")
        elif construction:
            bits.append(f"{construction} construction")
        if clause.get("negations"):
            negs = "/".join(clause["negations"])
            bits.append(f"negation {negs}: " + ("negated" if clause.get("negated") else "cancels out (affirmative)"))
        if bits:
            notes.append((f"clause {n}: " if len(clauses) > 1 else "") + "; ".join(bits))
    if view.get("nominal"):
        mark(view["nominal"], "phrase", "")
        notes.append("no verbal or adjectival head: compared as one noun phrase")
    tokens = list(view.get("tokens") or [])
    for clause in clauses:  # the 把/被 marker and negation words, when no component claims them
        for marker in _MARKERS.get(clause.get("construction") or "", ()):
            if marker in tokens and tokens.index(marker) + 1 not in marks:
                marks[tokens.index(marker) + 1] = ("marker", False, f"{marker} marker")
                break
        for neg in clause.get("negations") or []:
            if neg in tokens and tokens.index(neg) + 1 not in marks:
                marks[tokens.index(neg) + 1] = ("negation", False, "negation")
    return marks, notes, roles


def _levels(arcs: list[tuple[int, int]]) -> list[int]:
    """Stack arcs by length: each sits one level above every shorter arc it overlaps."""
    order = sorted(range(len(arcs)), key=lambda k: (abs(arcs[k][0] - arcs[k][1]), min(arcs[k])))
    level = [0] * len(arcs)
    placed: list[int] = []
    for k in order:
        lo, hi = sorted(arcs[k])
        below = [level[j] for j in placed if min(arcs[j]) < hi and max(arcs[j]) > lo]
        level[k] = 1 + max(below, default=0)
        placed.append(k)
    return level


class _Tree:
    """Layout of one sentence; :meth:`body` draws it at a vertical offset."""

    TOKEN, POS, TAG, LABEL = 17, 12, 11, 11
    LEVEL = 24
    PAD = 16

    def __init__(self, view: Mapping, title: str | None) -> None:
        self.view = view
        self.title = title
        self.tokens = [str(t) for t in view.get("tokens") or []]
        n = len(self.tokens)
        self.pos = [str(p) for p in (view.get("pos") or [""] * n)]
        self.rels = [str(r) for r in (view.get("rels") or [""] * n)]
        self.heads = [int(h) for h in (view.get("heads") or [0] * n)]
        if not (len(self.pos) == len(self.rels) == len(self.heads) == n):
            raise ValueError("a sentence view needs tokens, pos, heads and rels of the same length")
        if any(not 0 <= h <= n for h in self.heads):
            raise ValueError(f"a head lies outside the sentence (heads are 0 for the root, else 1..{n})")
        self.marks, self.notes, self.roles = _marks(view)
        self.arcs = [(h, i) for i, h in enumerate(self.heads, 1) if 0 < h <= n and h != i]
        self.level = _levels([(h, d) for h, d in self.arcs])
        top_level = max(self.level, default=0) + 1
        # columns
        self.col = [max(58.0, _text_width(t, self.TOKEN) + 20, _text_width(p, self.POS) + 12,
                        _text_width(self.marks.get(i, ("", False, ""))[2], self.TAG) + 10)
                    for i, (t, p) in enumerate(zip(self.tokens, self.pos), 1)]
        self.x: list[float] = []
        left = self.PAD
        for w in self.col:
            self.x.append(left + w / 2)
            left += w
        self.slots = self._slots()
        y = self.PAD + (26 if title else 0)
        self.root_label_y = y + 10
        self.base = y + 18 + top_level * self.LEVEL
        self.token_y = self.base + 24
        self.pos_y = self.token_y + 18
        self.tag_y = self.pos_y + 16
        self.legend_y = self.tag_y + 30
        self.note_y = self.legend_y + 22
        self.height = self.note_y + 18 * len(self.notes) + self.PAD - 8
        self.legend = self._legend_items()
        legend_w = sum(w for _, _, w in self.legend)
        text_w = max([_text_width(t, 13) for t in self.notes] + [_text_width(title or "", 15)], default=0)
        self.width = max(left + self.PAD, legend_w + 2 * self.PAD, text_w + 2 * self.PAD)

    def _slots(self) -> dict[tuple[int, int], float]:
        """Where each arc (and the root line) meets each token, so that no arc crosses another's leg:
        arcs to the left, shortest first, then arcs to the right, longest first."""
        touching: dict[int, list[tuple[int, int, tuple[int, int]]]] = {i: [] for i in range(1, len(self.tokens) + 1)}
        for h, d in self.arcs:
            for end, other in ((h, d), (d, h)):
                side = 0 if other < end else 2
                length = abs(h - d)
                touching[end].append((side, length if side == 0 else -length, (end, other)))
        for i, h in enumerate(self.heads, 1):
            if h == 0:
                touching[i].append((1, 0, (i, 0)))
        out = {}
        for i, items in touching.items():
            items.sort()
            step = min(8.0, self.col[i - 1] * 0.5 / max(len(items) - 1, 1))
            start = self.x[i - 1] - step * (len(items) - 1) / 2
            for k, (_, _, key) in enumerate(items):
                out[key] = start + k * step
        return out

    def _legend_items(self) -> list[tuple[str, str, float]]:
        roles = [r for r in ("subject", "predicate", "object", "participant", "phrase")
                 if r in self.roles or r in ("subject", "predicate", "object")]
        items = [(r, r, 26 + _text_width(r, 12) + 14) for r in roles]
        hint = "bold box = centre word, tint = other words"
        items.append(("hint", hint, _text_width(hint, 12) + 10))
        return items

    def body(self, dy: float = 0.0) -> list[str]:
        out = [f'<g transform="translate(0 {dy:g})">']
        if self.title:
            out.append(f'<text x="{self.PAD}" y="{self.PAD + 12}" font-size="15" font-weight="bold" '
                       f'fill="#111827">{_esc(self.title)}</text>')
        out += self._arcs() + self._tokens() + self._legend()
        for k, note in enumerate(self.notes):
            out.append(f'<text class="note" x="{self.PAD}" y="{self.note_y + 18 * k:g}" font-size="13" '
                       f'fill="#374151">{_esc(note)}</text>')
        out.append("</g>")
        return out

    def _arcs(self) -> list[str]:
        out = []
        for (h, d), level in zip(self.arcs, self.level):
            x1, x2 = self.slots[(h, d)], self.slots[(d, h)]
            top = self.base - level * self.LEVEL
            r = min(8.0, abs(x2 - x1) / 2)
            sign = 1 if x2 > x1 else -1
            tip = self.base - 7
            path = (f"M{x1:.1f},{self.base:g} L{x1:.1f},{top + r:.1f} "
                    f"Q{x1:.1f},{top:.1f} {x1 + sign * r:.1f},{top:.1f} "
                    f"L{x2 - sign * r:.1f},{top:.1f} Q{x2:.1f},{top:.1f} {x2:.1f},{top + r:.1f} L{x2:.1f},{tip:g}")
            rel = self.rels[d - 1]
            mid = (x1 + x2) / 2
            lw = _text_width(rel, self.LABEL) + 6
            out.append(
                f'<g class="arc" data-head="{h}" data-dep="{d}" data-rel="{_esc(rel)}">'
                f'<title>{_esc(self.tokens[h - 1])} → {_esc(self.tokens[d - 1])}: {_esc(rel)}</title>'
                f'<path d="{path}" fill="none" stroke="#6b7280" stroke-width="1.3"/>'
                f'<path d="M{x2 - 4:.1f},{tip:g} L{x2 + 4:.1f},{tip:g} L{x2:.1f},{self.base:g} Z" fill="#6b7280"/>'
                f'<rect x="{mid - lw / 2:.1f}" y="{top - 7:.1f}" width="{lw:.1f}" height="14" rx="3" fill="#ffffff"/>'
                f'<text class="rel" x="{mid:.1f}" y="{top + 4:.1f}" font-size="{self.LABEL}" text-anchor="middle" '
                f'fill="#374151">{_esc(rel)}</text></g>')
        for i, h in enumerate(self.heads, 1):
            if h == 0:
                x = self.slots[(i, 0)]
                out.append(
                    f'<g class="root" data-dep="{i}"><title>root: {_esc(self.tokens[i - 1])} ({_esc(self.rels[i - 1])})'
                    f'</title><text x="{x:.1f}" y="{self.root_label_y:g}" font-size="{self.LABEL}" '
                    f'font-weight="bold" text-anchor="middle" fill="#111827">ROOT</text>'
                    f'<path d="M{x:.1f},{self.root_label_y + 4:g} L{x:.1f},{self.base - 7:g}" stroke="#111827" '
                    f'stroke-width="1.3"/><path d="M{x - 4:.1f},{self.base - 7:g} L{x + 4:.1f},{self.base - 7:g} '
                    f'L{x:.1f},{self.base:g} Z" fill="#111827"/></g>')
        return out

    def _tokens(self) -> list[str]:
        out = []
        for i, (tok, pos, rel, head) in enumerate(zip(self.tokens, self.pos, self.rels, self.heads), 1):
            x, w = self.x[i - 1], self.col[i - 1]
            role, centre, tag = self.marks.get(i, ("", False, ""))
            strong, tint = ROLE_COLOURS.get(role, ("#4b5563", "#f3f4f6"))
            head_text = "ROOT" if head == 0 else f"{self.tokens[head - 1]} ({head})"
            what = f"{i} {tok} /{pos}, {rel} of {head_text}" + (f"; {tag}" + (" (centre word)" if centre else "")
                                                               if tag else "") + self._sense(i)
            attrs = f' data-role="{_esc(role)}" data-centre="{str(centre).lower()}"' if role else ""
            out.append(f'<g class="word" data-index="{i}"{attrs}><title>{_esc(what)}</title>')
            bw = min(w - 6, _text_width(tok, self.TOKEN) + 14)
            if role in ROLE_COLOURS:  # centre: tinted box with a strong border; other words: the tint only
                border = f' stroke="{strong}" stroke-width="2"' if centre else ""
                out.append(f'<rect x="{x - bw / 2:.1f}" y="{self.token_y - 19:g}" width="{bw:.1f}" height="26" '
                           f'rx="5" fill="{tint}"{border}/>')
            weight = ' font-weight="bold"' if centre else ""
            colour = strong if role in ROLE_COLOURS else "#111827"
            out.append(f'<text class="token" x="{x:.1f}" y="{self.token_y:g}" font-size="{self.TOKEN}" '
                       f'text-anchor="middle" fill="{colour}"{weight}>{_esc(tok)}</text>')
            out.append(f'<text class="pos" x="{x:.1f}" y="{self.pos_y:g}" font-size="{self.POS}" text-anchor="middle" '
                       f'fill="#6b7280">{_esc(pos)}</text>')
            if tag:
                style = ' font-weight="bold"' if centre else ("" if role in ROLE_COLOURS else ' font-style="italic"')
                out.append(f'<text class="tag" x="{x:.1f}" y="{self.tag_y:g}" font-size="{self.TAG}" '
                           f'text-anchor="middle" fill="{strong}"{style}>{_esc(tag)}</text>')
            out.append("</g>")
        return out

    def _sense(self, i: int) -> str:
        senses = self.view.get("senses") or []
        sense = senses[i - 1] if i <= len(senses) else None
        if not sense:
            return ""
        if isinstance(sense, (list, tuple)):
            more = f" (+{len(sense) - 4} more)" if len(sense) > 4 else ""
            return f"; HowNet senses: {' | '.join(map(str, sense[:4]))}{more}"
        return f"; HowNet sense: {sense}"

    def _legend(self) -> list[str]:
        out = ['<g class="legend">']
        x = float(self.PAD)
        y = self.legend_y
        for key, label, width in self.legend:
            if key in ROLE_COLOURS:
                strong, tint = ROLE_COLOURS[key]
                out.append(f'<rect x="{x:.1f}" y="{y - 11:g}" width="20" height="14" rx="3" fill="{tint}" '
                           f'stroke="{strong}" stroke-width="2"/>')
                out.append(f'<text x="{x + 26:.1f}" y="{y:g}" font-size="12" fill="{strong}">{_esc(label)}</text>')
            else:
                out.append(f'<text x="{x:.1f}" y="{y:g}" font-size="12" fill="#4b5563">{_esc(label)}</text>')
            x += width
        out.append("</g>")
        return out

    def describe(self) -> str:
        """One line for screen readers: the sentence and its components."""
        parts = []
        for clause in self.view.get("clauses") or []:
            comps = clause.get("components") or {}
            parts.append(", ".join(f"{role} {comps[role].get('centre')}" for role in ("subject", "predicate", "object")
                                   if role in comps))
        if self.view.get("nominal"):
            parts.append(f"noun phrase, centre {self.view['nominal'].get('centre')}")
        text = self.view.get("text") or "".join(self.tokens)
        return f"Dependency tree of {text}" + (": " + "; ".join(p for p in parts if p) if parts else "")

    def arc_list(self) -> str:
        items = [f"{self.tokens[h - 1]} -{self.rels[d - 1]}-> {self.tokens[d - 1]}" for h, d in self.arcs]
        items += [f"ROOT -> {self.tokens[i - 1]}" for i, h in enumerate(self.heads, 1) if h == 0]
        return "; ".join(items)


def _svg(width: float, height: float, label: str, desc: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sc-tree" role="img" lang="zh" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" aria-label="{_esc(label)}" '
            f'font-family="{_esc(FONT_FAMILY)}"><title>{_esc(label)}</title><desc>{_esc(desc)}</desc>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(body) + "</svg>")


def tree_svg(view: Mapping, *, title: str | None = None) -> str:
    """A dependency tree as a self-contained SVG: arcs above the words (head → dependent, relation on
    the arc), each word with its POS below, the subject / predicate / object marked (centre word boxed
    and bold, other words tinted), a legend, and the 把/被 construction and negation noted.
    ``view``: one entry of a rules explanation's ``sentences``."""
    tree = _Tree(view, title)
    return _svg(tree.width, tree.height, tree.describe(), tree.arc_list(), tree.body())


def pair_svg(analysis: Mapping) -> str:
    """Both sentences' trees stacked in one SVG (``simcalc explain --svg``)."""
    views = list(analysis.get("sentences") or [])
    trees = [_Tree(v, f"Sentence {n}: {v.get('text') or ''.join(v.get('tokens') or [])}")
             for n, v in enumerate(views, 1)]
    body, y = [], 0.0
    for tree in trees:
        body += tree.body(y)
        y += tree.height
    notes = []
    if analysis.get("unavailable"):
        notes.append(f"Word comparison unavailable: {analysis['unavailable']}")
    width = max([t.width for t in trees] + [_text_width(n, 13) + 32 for n in notes] + [300])
    for k, note in enumerate(notes):
        body.append(f'<text class="note" x="16" y="{y + 20 + 18 * k:g}" font-size="13" '
                    f'fill="#92400e">{_esc(note)}</text>')
    height = y + (18 * len(notes) + 16 if notes else 0) or 40
    label = " / ".join(t.describe() for t in trees) or "No sentence to draw"
    return _svg(width, height, label, " | ".join(t.arc_list() for t in trees), body)


# -- HTML -------------------------------------------------------------------------------------------
def _num(value: Any, signed: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else _esc(value)
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _verdict(label: Any, threshold: Any) -> str:
    if label is None:
        return '<span class="sc-verdict sc-verdict-none">no decision threshold</span>'
    word, cls = ("similar", "sc-similar") if label else ("not similar", "sc-not-similar")
    shown = f"{threshold:g}" if isinstance(threshold, (int, float)) else _num(threshold)
    return f'<span class="sc-verdict {cls}">{word}</span> <span class="sc-threshold">at threshold {shown}</span>'


def _value_html(value: Any, depth: int = 0) -> str:
    """A scorer's own details (any JSON) as nested definition lists."""
    if isinstance(value, Mapping) and value and depth < 4:
        rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_value_html(v, depth + 1)}</dd>" for k, v in value.items())
        return f'<dl class="sc-details">{rows}</dl>'
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return _esc(", ".join(_num(v) if isinstance(v, float) else str(v) for v in value))
        return f"<code>{_esc(json.dumps(value, ensure_ascii=False, default=str))}</code>"
    if isinstance(value, float):
        return _num(value)
    return _esc(value)


def _members_html(details: Mapping) -> str:
    members = details.get("members") or {}
    stacking = details.get("combination") == "stacking"
    columns = ["Member", "Raw score", "Calibrated P(similar)", "Weight"] + (["Stack coefficient"] if stacking else [])
    head = "<tr>" + "".join(f'<th scope="col">{c}</th>' for c in columns) + "</tr>"
    rows = []
    for name, m in members.items():
        values = [m.get(k) for k in ("raw", "calibrated", "weight", "stack_coefficient")[: len(columns) - 1]]
        rows.append(f'<tr><th scope="row">{_esc(name)}</th>'
                    + "".join(f'<td class="sc-num">{_num(v)}</td>' for v in values) + "</tr>")
    out = [f'<table class="sc-table sc-members"><caption>Ensemble members (config {_esc(details.get("config", "?"))}, '
           f'combination {_esc(details.get("combination", "?"))})</caption><thead>{head}</thead>'
           f'<tbody>{"".join(rows)}</tbody></table>']
    if details.get("unused"):
        unused = ", ".join(details["unused"])
        out.append(f'<p class="sc-unused">Not used (zero weight in the config): {_esc(unused)}</p>')
    for name, why in (details.get("left_out") or {}).items():
        out.append(f'<p class="sc-left-out">Left out (could not load): <strong>{_esc(name)}</strong>: {_esc(why)}</p>')
    for name, m in members.items():
        own = {k: v for k, v in (m.get("details") or {}).items() if k != "explanation"}
        if "explanation" in (m.get("details") or {}):
            own["explanation"] = "the rule engine's explanation is shown below"
        if own:
            out.append(f'<details class="sc-member-details"><summary>{_esc(name)}: details</summary>'
                       f'{_value_html(own)}</details>')
    return "".join(out)


def _pair_row(kind: str, pair: Mapping) -> str:
    words = list(pair.get("words") or ["", ""]) + ["", ""]
    senses = list(pair.get("senses") or [None, None]) + [None, None]
    rels = pair.get("relations")
    kind_text = kind + (f" ({'/'.join(rels)})" if rels else "")
    return (f'<td>{_esc(kind_text)}</td><td lang="zh">{_esc(words[0])}</td><td lang="zh">{_esc(words[1])}</td>'
            f'<td class="sc-num">{_num(pair.get("similarity"), signed=True)}</td>'
            f'<td>{_esc(pair.get("relation") or "")}</td>'
            f'<td class="sc-sense">{_esc(senses[0] or "—")}</td><td class="sc-sense">{_esc(senses[1] or "—")}</td>')


def _components_html(clause: Mapping, caption: str) -> str:
    head = ('<tr><th scope="col">Component</th><th scope="col">Words</th><th scope="col">Sentence 1</th>'
            '<th scope="col">Sentence 2</th><th scope="col">Similarity</th><th scope="col">Relation</th>'
            '<th scope="col">HowNet sense 1</th><th scope="col">HowNet sense 2</th></tr>')
    groups = []
    for role, comp in (clause.get("components") or {}).items():
        rows = []
        if isinstance(comp.get("centre"), Mapping):
            rows.append(_pair_row("centre", comp["centre"]))
        elif comp.get("crossed"):
            crossed = list(comp["crossed"]) + [""]
            rows.append(_pair_row("crossed", {"words": crossed[:2], "similarity": comp.get("score")}))
        rows += [_pair_row("other", pair) for pair in comp.get("aligned") or []]
        rows = rows or ['<td colspan="7">—</td>']
        rule = [comp.get("rule") or ""]
        if "granularity" in comp:
            rule.append(f"granularity {comp['granularity']}, other words {comp.get('others')}")
        if "centre_realigned" in comp:
            rule.append(f"centre realigned to {comp['centre_realigned']}")
        label = (f'<th scope="rowgroup" rowspan="{len(rows)}"><span class="sc-role sc-role-{_esc(role)}">'
                 f'{_esc(role)}</span> <span class="sc-num">{_num(comp.get("score"))}</span><br>'
                 f'<small>{_esc("; ".join(r for r in rule if r))}</small></th>')
        groups.append("<tbody>" + "".join(f"<tr>{label if k == 0 else ''}{row}</tr>" for k, row in enumerate(rows))
                      + "</tbody>")
    return (f'<table class="sc-table sc-alignment"><caption>{_esc(caption)}</caption><thead>{head}</thead>'
            + "".join(groups) + "</table>")


def _coefficient_row(name: str, c: Mapping) -> str:
    fired = bool(c.get("fired"))
    value = f"{c['value']:g}" if isinstance(c.get("value"), (int, float)) else "—"
    return (f'<tr class="{"sc-fired" if fired else "sc-quiet"}"><th scope="row">{_esc(name)}</th>'
            f'<td class="sc-num">{value}</td><td>{"fired" if fired else "not fired"}</td>'
            f'<td class="sc-reason">{_esc(c.get("reason", ""))}</td></tr>')


def _coefficients_html(analysis: Mapping) -> str:
    head = ('<tr><th scope="col">Coefficient</th><th scope="col">Value</th><th scope="col">Fired</th>'
            '<th scope="col">Reason</th></tr>')
    bodies = []
    if isinstance(analysis.get("K1"), Mapping):
        bodies.append("<tbody>" + _coefficient_row("K1 (sentence pattern)", analysis["K1"]) + "</tbody>")
    for clause in analysis.get("clauses") or []:
        rows = [_coefficient_row(name, c) for name, c in (clause.get("coefficients") or {}).items()]
        where = _clause_caption(clause, analysis)
        info = [f"S {_num(clause['S'])}" if "S" in clause else "", f"K {_num(clause['K'])}" if "K" in clause else "",
                f"pairing: {clause['pairing']}" if clause.get("pairing") else ""]
        bodies.append(f'<tbody><tr><th scope="rowgroup" colspan="4" class="sc-group">{_esc(where)}: '
                      f'{_esc(", ".join(i for i in info if i))}</th></tr>' + "".join(rows) + "</tbody>")
    return (f'<table class="sc-table sc-coefficients"><caption>Each coefficient, whether it fired, and why</caption>'
            f'<thead>{head}</thead>{"".join(bodies)}</table>')


def _clause_caption(clause: Mapping, analysis: Mapping) -> str:
    if "clauses" in clause:
        i, j = clause["clauses"]
        return f"clause {i + 1} of sentence 1 ~ clause {j + 1} of sentence 2"
    return "noun phrase ~ noun phrase" if analysis.get("mode") == "noun phrase" else "clauses"


def _tree_figure(view: Mapping, n: int) -> str:
    text = view.get("text") or "".join(view.get("tokens") or [])
    notes = [str(x) for x in view.get("notes") or []]
    for k, clause in enumerate(view.get("clauses") or [], 1):
        notes += [f"clause {k}: {x}" for x in clause.get("notes") or []]
    pattern = view.get("pattern") or {}
    if pattern.get("pattern"):
        notes.insert(0, f"pattern: {pattern['pattern']} ({pattern.get('marker', '')})")
    note_list = "".join(f"<li>{_esc(x)}</li>" for x in notes)
    try:
        svg = tree_svg(view)
    except (ValueError, TypeError, KeyError) as exc:
        svg = f'<p class="sc-error">This tree cannot be drawn: {_esc(exc)}</p>'
    return (f'<figure class="sc-figure"><figcaption>Sentence {n}: <span lang="zh">{_esc(text)}</span></figcaption>'
            f'<div class="sc-tree-scroll" tabindex="0" role="region" aria-label="Dependency tree of sentence {n} '
            f'(scrolls sideways)">{svg}</div>' + (f'<ul class="sc-notes">{note_list}</ul>' if note_list else "")
            + "</figure>")


def _analysis_html(analysis: Mapping | None, scorer: str | None) -> str:
    if not analysis:
        return ""
    source = analysis.get("source")
    out = ['<section class="sc-section sc-rules"><h3>Rule engine: parses and components</h3>']
    if source == "rules" and scorer != "rules":
        out.append(f'<p class="sc-rules-score">The rule engine (<code>rules</code>) scores this pair '
                   f'<strong class="sc-num">{_num(analysis.get("score"), signed=True)}</strong> '
                   + (_verdict(analysis.get("label"), analysis.get("threshold")) if analysis.get("label") is not None
                      else "") + f"; shown for its parses, aligned words and coefficients (the score above is "
                   f"{_esc(scorer or '?')}'s).</p>")
    if analysis.get("unavailable"):
        what = "parses and components only" if source == "parse-only" else "nothing to draw"
        out.append(f'<p class="sc-unavailable" role="note"><strong>Word comparison unavailable</strong> ({what}): '
                   f'{_esc(analysis["unavailable"])}</p>')
    out.append('<div class="sc-trees">' + "".join(_tree_figure(v, n) for n, v in
                                                  enumerate(analysis.get("sentences") or [], 1)) + "</div>")
    if source == "rules":
        out.append("<h4>Aligned words</h4>")
        for clause in analysis.get("clauses") or []:
            out.append(_components_html(clause, "Aligned words, " + _clause_caption(clause, analysis)))
        out.append("<h4>Coefficients</h4>" + _coefficients_html(analysis))
        if analysis.get("formula"):
            out.append(f'<p class="sc-formula">Formula ({_esc(analysis.get("mode", ""))}): '
                       f'<code>{_esc(analysis["formula"])}</code></p>')
    out.append("</section>")
    return "".join(out)


def explanation_html(result: Any, analysis: Mapping | None = None) -> str:
    """The explanation of one result as an HTML fragment (no ``<html>``/``<head>``): score, verdict and
    threshold; an ensemble's members; the scorer's own details; the two trees; the aligned words with
    senses and similarities; every coefficient with its reason; the formula; warnings. ``result``: a
    :class:`~simcalc.result.Result` or its ``to_dict()``; ``analysis``: from :class:`PairAnalyser` (or None)."""
    data = _as_dict(result)
    scorer = data.get("scorer")
    signed = scorer == "rules"
    details = data.get("details") or {}
    out = ['<section class="simcalc-explanation" aria-label="Explanation">',
           f'<h2 class="sc-headline"><span class="sc-scorer">{_esc(scorer or "?")}</span> '
           f'<span class="sc-score">{_num(data.get("score"), signed=signed)}</span> '
           f'{_verdict(data.get("label"), data.get("threshold"))}</h2>']
    if scorer == "ensemble":
        out.append('<section class="sc-section"><h3>Ensemble</h3>' + _members_html(details) + "</section>")
    elif details and not (scorer == "rules" and "explanation" in details):
        out.append(f'<section class="sc-section"><h3>Details</h3>{_value_html(details)}</section>')
    out.append(_analysis_html(analysis, scorer))
    warnings = list(data.get("warnings") or [])
    warnings += [w for w in (analysis or {}).get("warnings") or [] if w not in warnings]
    if warnings:
        out.append('<section class="sc-section sc-warnings" role="note"><h3>Warnings</h3><ul>'
                   + "".join(f"<li>{_esc(w)}</li>" for w in warnings) + "</ul></section>")
    out.append("</section>")
    return "".join(out)


def stylesheet() -> str:
    """The stylesheet of the explanation (``simcalc/static/simcalc.css``, shipped as package data)."""
    return (importlib.resources.files("simcalc") / "static" / "simcalc.css").read_text(encoding="utf-8")


def standalone_html(fragment: str, title: str) -> str:
    """A complete HTML document around ``fragment`` with the stylesheet inlined (works offline)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(title)}</title>\n<style>\n{stylesheet()}</style>\n</head>\n"
            f"<body class=\"sc-document\">\n<main class=\"sc-page\">\n<h1>{_esc(title)}</h1>\n{fragment}\n</main>\n</body>\n</html>\n")
