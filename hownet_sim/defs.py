"""Structured HowNet definitions (DEFs) in Liu & Li's (2002) four parts.

Why a structure: Liu & Li compare two concepts part by part, so every lexicon (HowNet 2000
``glossary.dat`` or OpenHowNet's KDML) is turned into the same :class:`Concept`:

1. ``first``: the first basic sememe (the concept's main class);
2. ``others``: the other basic sememes (plain sememes, and concrete words written ``(...)``);
3. ``relations``: relation sememes ``role=value``;
4. ``symbols``: relation-symbol sememes ``#x %x $x *x +x &x @x ?x !x ~x ^x``.

A DEF written in braces ``{...}`` belongs to a function word (``function_word=True``).
Sememes are kept as their ``en|zh`` names; a concrete word keeps its parentheses, e.g. ``(China|中国)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Relation symbols of HowNet 2000 (``^`` marks negation in a few DEFs).
SYMBOLS = "#%$*+&@?!~^"


def is_concrete(item: str) -> bool:
    """True for a concrete word ``(China|中国)`` as opposed to a sememe."""
    return item.startswith("(") and item.endswith(")")


@dataclass(frozen=True)
class Concept:
    """One sense's definition split into Liu & Li's four parts (see the module docstring)."""

    first: str | None
    others: tuple[str, ...] = ()
    relations: tuple[tuple[str, str], ...] = ()
    symbols: tuple[tuple[str, str], ...] = ()
    function_word: bool = False
    raw: str = field(default="", compare=False)

    def all_sememes(self) -> list[str]:
        """Every sememe or concrete word the definition mentions, first basic sememe first."""
        out = [self.first] if self.first else []
        out.extend(self.others)
        out.extend(v for _, v in self.relations)
        out.extend(v for _, v in self.symbols)
        return out

    def to_dict(self) -> dict:
        return {
            "def": self.raw,
            "function_word": self.function_word,
            "first": self.first,
            "others": list(self.others),
            "relations": [list(r) for r in self.relations],
            "symbols": [list(s) for s in self.symbols],
        }


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and quotes (``(US|美国),(USSR|苏联)`` stays two items)."""
    parts, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_def(text: str) -> Concept:
    """Parse a HowNet 2000 DEF such as ``aValue|属性值,height|高度,tall|高`` or ``{and|和}``.

    Raises :class:`ValueError` with a short reason for an unusable DEF; lexicon loaders turn
    that into a :class:`~hownet_sim.errors.LexiconFormatError` carrying the line number.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty DEF")
    body, function_word = raw, False
    if raw.startswith("{"):
        if not raw.endswith("}"):
            raise ValueError(f"unbalanced braces in DEF {raw!r}")
        body, function_word = raw[1:-1].strip(), True
    if body.count("(") != body.count(")"):
        raise ValueError(f"unbalanced parentheses in DEF {raw!r}")
    first: str | None = None
    others: list[str] = []
    relations: list[tuple[str, str]] = []
    symbols: list[tuple[str, str]] = []
    for item in split_top_level(body):
        if not item:
            raise ValueError(f"empty item in DEF {raw!r}")
        if item[0] in SYMBOLS:
            value = item[1:].strip()
            if not value:
                raise ValueError(f"symbol {item[0]!r} without a sememe in DEF {raw!r}")
            symbols.append((item[0], value))
        elif "=" in item and not item.startswith("("):
            role, _, value = item.partition("=")
            if not role.strip() or not value.strip():
                raise ValueError(f"relation {item!r} lacks a role or a value in DEF {raw!r}")
            relations.append((role.strip(), value.strip()))
        elif first is None and not is_concrete(item):
            first = item
        else:
            others.append(item)
    return Concept(first, tuple(others), tuple(relations), tuple(symbols), function_word, raw)


# -- OpenHowNet KDML ---------------------------------------------------------------------------


def _kdml_items(text: str) -> list[tuple[str, str]]:
    """(role, value) items of a KDML body ``head:role={..},{..}``; role '' for plain children."""
    items = []
    for part in split_top_level(text):
        if not part:
            continue
        role, value = "", part
        if "=" in part and not part.startswith(("{", '"')):
            role, _, value = part.partition("=")
        items.append((role.strip(), value.strip()))
    return items


def _kdml_node(text: str) -> tuple[str | None, str]:
    """Split ``{head:rest}`` into ``head`` and ``rest``; concrete ``"word"`` becomes ``(word)``."""
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return f"({text[1:-1]})", ""
    if not (text.startswith("{") and text.endswith("}")):
        raise ValueError(f"KDML node {text!r} is not in braces")
    inner = text[1:-1]
    depth, quoted = 0, False
    for i, ch in enumerate(inner):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == ":" and depth == 0:
            return inner[:i].strip() or None, inner[i + 1:]
    return inner.strip() or None, ""


def parse_kdml(text: str) -> Concept:
    """Map an OpenHowNet KDML ``Def`` (e.g. ``{human|人:HostOf={Occupation|职位},domain={police|警}}``).

    Reading used: the root sememe is the first basic sememe; role-less children are other basic
    sememes; ``role={x}`` children are relation sememes (their value is the child's head sememe);
    KDML has no relation symbols, so ``symbols`` stays empty. ``{~}``/``{?}``/``{$}`` pointers are
    skipped. Several top-level trees (``;``) contribute their heads as other basic sememes.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty Def")
    rmk = raw.find("RMK=")
    body = raw[:rmk] if rmk >= 0 else raw
    first: str | None = None
    others: list[str] = []
    relations: list[tuple[str, str]] = []
    for tree in [t for t in split_top_level(body, ";") if t]:
        head, rest = _kdml_node(tree)
        if head is None or head in ("~", "?", "$"):
            continue
        if first is None:
            first = head
        else:
            others.append(head)
        for role, value in _kdml_items(rest):
            child, _ = _kdml_node(value)
            if child is None or child in ("~", "?", "$"):
                continue
            if role:
                relations.append((role, child))
            else:
                others.append(child)
    if first is None:
        raise ValueError(f"no sememe in Def {raw!r}")
    return Concept(first, tuple(others), tuple(relations), (), False, raw)
