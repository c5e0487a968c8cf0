"""Dependency trees as self-contained SVG (displaCy-style arcs; subject/predicate/object marked)."""
from __future__ import annotations

import unicodedata
from typing import Mapping

from .style import _MARKERS, FONT_FAMILY, ROLE_COLOURS, _esc


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
            component = (clause.get("components") or {}).get(role)
            if component is not None:
                mark(component, role, suffix)
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
        left = float(self.PAD)
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
        roles: list[str] = [r for r in ("subject", "predicate", "object", "participant", "phrase")
                 if r in self.roles or r in ("subject", "predicate", "object")]
        items: list[tuple[str, str, float]] = [(r, r, 26 + _text_width(r, 12) + 14) for r in roles]
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

