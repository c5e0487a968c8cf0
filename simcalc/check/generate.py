"""Cases from templates and lexicons: deterministic for a seed, so two runs (and two scorers) see the same cases.

Each capability has its own random stream (seeded with ``"{seed}:{capability}"``), so adding a capability or
a lexicon row for one capability leaves every other capability's cases unchanged.
"""
from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..errors import InputFormatError
from .perturb import PERTURBATIONS
from .suite import Capability, Suite

log = logging.getLogger(__name__)
SLOT = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)(?:#(\d+))?(?:\.([A-Za-z_][A-Za-z_0-9]*))?\}")
#: Draws per wanted case before a capability gives up (its templates cannot make that many distinct cases).
ATTEMPTS_PER_CASE = 30


@dataclass(frozen=True)
class Case:
    """One test: the pair (and, for invariance/directional tests, the pair with sentence 2 changed)."""

    capability: str
    kind: str
    sentence1: str
    sentence2: str
    sentence2_changed: str | None = None
    source: str = "generated"  # or "handwritten"
    template: int | None = None  # index of the template (or frame pair) that made it
    note: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        """The pairs to score: the pair, and the changed pair for inv/dir cases."""
        if self.sentence2_changed is None:
            return [(self.sentence1, self.sentence2)]
        return [(self.sentence1, self.sentence2), (self.sentence1, self.sentence2_changed)]


def fill(templates: Sequence[str], suite: Suite, rng: random.Random) -> tuple[str, ...]:
    """Fill the slots of several strings with one set of draws (a slot means the same row in all of them)."""
    wanted: dict[str, set[int]] = {}
    for template in templates:
        for lex, k, _ in SLOT.findall(template):
            wanted.setdefault(lex, set()).add(int(k or 1))
    rows: dict[tuple[str, int], tuple[str, ...]] = {}
    for lex_name in sorted(wanted):
        lex = suite.lexicon(lex_name)
        group = lex.columns.index("group") if "group" in lex.columns else None
        taken: list[tuple[str, ...]] = []
        for k in sorted(wanted[lex_name]):
            free = [r for r in lex.rows if r not in taken and (group is None or all(r[group] != t[group] for t in taken))]
            if not free:
                raise InputFormatError(f"lexicon {lex_name!r} has too few rows (or groups) for {len(wanted[lex_name])} "
                                       f"different draws in {templates[0]!r}")
            rows[(lex_name, k)] = rng.choice(free)
            taken.append(rows[(lex_name, k)])

    def value(match: re.Match) -> str:
        lex, k, column = match.group(1), int(match.group(2) or 1), match.group(3)
        return rows[(lex, k)][suite.lexicon(lex).column(column)]

    return tuple(SLOT.sub(value, t) for t in templates)


def generate(suite: Suite, capabilities: Iterable[str] | None = None, seed: int | None = None,
             cases: int | None = None) -> list[Case]:
    """Generated cases of the named capabilities (all by default); ``cases`` overrides each one's count."""
    seed = suite.seed if seed is None else seed
    out: list[Case] = []
    for name in capabilities if capabilities is not None else suite.capabilities:
        cap = suite.capabilities[name]
        out.extend(_generate_one(cap, suite, random.Random(f"{seed}:{name}"), cap.cases if cases is None else cases))
    return out


def handwritten(suite: Suite, capabilities: Iterable[str] | None = None) -> list[Case]:
    names = set(capabilities if capabilities is not None else suite.capabilities)
    return [Case(h.capability, suite.capabilities[h.capability].kind, h.sentence1, h.sentence2, h.sentence2_changed,
                 "handwritten", None, h.note) for h in suite.handwritten if h.capability in names]


def _generate_one(cap: Capability, suite: Suite, rng: random.Random, wanted: int) -> list[Case]:
    seen: set[tuple] = set()
    cases: list[Case] = []
    frame_pairs = [(i, j) for i in range(len(cap.frames)) for j in range(len(cap.frames)) if i < j]
    base = suite.base_pairs.get(cap.base or "", ())
    for attempt in range(wanted * ATTEMPTS_PER_CASE):
        if len(cases) >= wanted:
            break
        if cap.perturb is not None:
            index = attempt % len(base)
            s1, s2 = fill(base[index], suite, rng)
            changed = PERTURBATIONS[cap.perturb](s2, suite, rng)
            if changed == s2:
                continue
            texts: tuple[str, ...] = (s1, s2, changed)
        elif cap.frames:
            index = attempt % len(frame_pairs)
            i, j = frame_pairs[index]
            texts = fill((cap.frames[i], cap.frames[j]), suite, rng)
        else:
            index = attempt % len(cap.templates)
            texts = fill(cap.templates[index], suite, rng)
        if texts in seen or (texts[1] == texts[2] if len(texts) > 2 else texts[0] == texts[1]):
            continue
        seen.add(texts)
        cases.append(Case(cap.name, cap.kind, texts[0], texts[1], texts[2] if len(texts) > 2 else None,
                          "generated", index))
    if len(cases) < wanted:
        log.warning("capability %s: its templates made %d distinct cases of the %d asked for",
                    cap.name, len(cases), wanted)
    return cases
