"""``Parse``: the one dependency-tree shape every parser backend returns, in LTP's label set.

The rule engine reads only this. Heads are 1-based with 0 = root; ``rels`` are LTP labels
(HED, SBV, VOB, ...); ``pos`` are LTP's (863) part-of-speech tags.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

from simcalc.errors import SimcalcError

#: LTP's dependency relations (HIT-CDT), with what each means.
LTP_LABELS: dict[str, str] = {
    "HED": "head of the sentence (核心关系)",
    "SBV": "subject-verb (主谓关系)",
    "VOB": "verb-object (动宾关系)",
    "IOB": "indirect object (间宾关系)",
    "FOB": "fronted object (前置宾语)",
    "DBL": "pivot of a double construction (兼语)",
    "ATT": "attribute (定中关系)",
    "ADV": "adverbial (状中结构)",
    "CMP": "complement (动补结构)",
    "COO": "coordination (并列关系)",
    "POB": "preposition-object (介宾关系)",
    "LAD": "left adjunct, e.g. a conjunction (左附加关系)",
    "RAD": "right adjunct, e.g. a particle (右附加关系)",
    "IS": "independent structure (独立结构)",
    "WP": "punctuation (标点)",
}


class ParseError(SimcalcError, ValueError):
    """A tree that is not a valid ``Parse`` (lengths differ, a head out of range, a cycle)."""


class ParserUnavailableError(SimcalcError):
    """The requested parser backend cannot run here (package or model missing)."""


@dataclass
class Parse:
    tokens: list[str]
    pos: list[str]
    heads: list[int]
    rels: list[str]
    backend: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.tokens)
        if not (len(self.pos) == len(self.heads) == len(self.rels) == n):
            raise ParseError(f"tokens/pos/heads/rels lengths differ: {n}, {len(self.pos)}, "
                             f"{len(self.heads)}, {len(self.rels)}")
        for i, h in enumerate(self.heads, 1):
            if not isinstance(h, int) or not 0 <= h <= n or h == i:
                raise ParseError(f"token {i} has invalid head {h!r} (sentence of {n} tokens)")
        if n and 0 not in self.heads:
            raise ParseError("no token is attached to the root")
        for start in range(1, n + 1):  # every chain must reach the root
            seen, node = set(), start
            while node != 0:
                if node in seen:
                    raise ParseError(f"the heads form a cycle through token {node}")
                seen.add(node)
                node = self.heads[node - 1]

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def root(self) -> int:
        """1-based index of the first token attached to the root (0 for an empty parse)."""
        return self.heads.index(0) + 1 if 0 in self.heads else 0

    def children(self, index: int) -> list[int]:
        """1-based indices of the dependents of token ``index`` (0 = the root)."""
        return [i for i, h in enumerate(self.heads, 1) if h == index]

    def arcs(self) -> list[tuple[int, str, int]]:
        """(dependent, relation, head) triples, 1-based."""
        return [(i, r, h) for i, (h, r) in enumerate(zip(self.heads, self.rels), 1)]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not out["warnings"]:
            del out["warnings"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Parse":
        return cls(list(data["tokens"]), list(data["pos"]), [int(h) for h in data["heads"]],
                   list(data["rels"]), data.get("backend", ""), list(data.get("warnings", [])))


@runtime_checkable
class Parser(Protocol):
    """What every backend offers; texts are validated and normalised with :func:`simcalc.text.prepare`."""

    name: str

    def parse(self, text: str) -> Parse: ...

    def parse_batch(self, texts: Sequence[str]) -> list[Parse]: ...

    def parse_tokens(self, tokens: Sequence[str]) -> Parse: ...

    def parse_tokens_batch(self, batch: Sequence[Sequence[str]]) -> list[Parse]: ...


def render_parse(parse: Parse) -> str:
    """A readable tree: one line per token, indented under its head, e.g. ``└─ SBV 我/r``."""
    if not parse.tokens:
        return "(empty parse)"
    lines = [f"parser: {parse.backend}" if parse.backend else ""]

    def walk(node: int, prefix: str, last: bool) -> None:
        i = node - 1
        branch = "└─ " if last else "├─ "
        lines.append(f"{prefix}{branch}{parse.rels[i]} {parse.tokens[i]}/{parse.pos[i]}  [{node}→{parse.heads[i]}]")
        kids = parse.children(node)
        for k, child in enumerate(kids):
            walk(child, prefix + ("   " if last else "│  "), k == len(kids) - 1)

    roots = parse.children(0)
    for k, r in enumerate(roots):
        walk(r, "", k == len(roots) - 1)
    lines.extend(f"warning: {w}" for w in parse.warnings)
    return "\n".join(line for line in lines if line)
