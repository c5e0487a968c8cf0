"""The question gold set (data/parser/questions_gold.conllu) and how predictions are scored on it.

The file is partial CoNLL-U: only the HED word and the subject (SBV) and object (VOB) centres of the HED
are annotated (other words have HEAD ``_``). A predicted slot is compared by character span, so any
segmentation can be scored: *strict* when the predicted word's span equals the gold word's, *overlap*
when the two spans share a character. A slot absent in both counts as right.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from simcalc.errors import InputFormatError

from .types import Parse

Span = tuple[int, int]
SLOTS = ("HED", "SBV", "VOB")


@dataclass
class GoldQuestion:
    sent_id: str
    source: str
    text: str
    tokens: list[str]
    slots: dict[str, Span | None]  # HED / SBV / VOB → character span in "".join(tokens)


def read_question_gold(path: str | Path) -> list[GoldQuestion]:
    return list(_iter(path))


def _iter(path: str | Path) -> Iterator[GoldQuestion]:
    meta: dict[str, str] = {}
    rows: list[list[str]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(list(handle) + [""], 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                if " = " in line:
                    key, value = line[1:].split(" = ", 1)
                    meta[key.strip()] = value
            elif line:
                cols = line.split("\t")
                if len(cols) != 10:
                    raise InputFormatError(f"{path}:{number}: expected 10 columns, got {len(cols)}")
                rows.append(cols)
            elif rows:
                yield _question(rows, meta, path)
                rows, meta = [], {}


def _question(rows: list[list[str]], meta: dict[str, str], path) -> GoldQuestion:
    tokens = [r[1] for r in rows]
    starts = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))]
    slots: dict[str, Span | None] = {s: None for s in SLOTS}
    for i, r in enumerate(rows):
        if r[7] in SLOTS:
            slots[r[7]] = (starts[i], starts[i] + len(tokens[i]))
    if slots["HED"] is None:
        raise InputFormatError(f"{path}: {meta.get('sent_id')} has no HED")
    return GoldQuestion(meta.get("sent_id", ""), meta.get("source", ""), meta.get("text", ""), tokens, slots)


def predicted_slots(parse: Parse) -> dict[str, Span | None]:
    """HED of a parse and the first SBV / VOB dependent of it, as character spans."""
    starts, pos = [], 0
    for t in parse.tokens:
        starts.append(pos)
        pos += len(t)
    span = lambda i: (starts[i], starts[i] + len(parse.tokens[i]))  # noqa: E731
    hed = next((i for i, h in enumerate(parse.heads) if h == 0), None)
    out: dict[str, Span | None] = {s: None for s in SLOTS}
    if hed is None:
        return out
    out["HED"] = span(hed)
    for rel in ("SBV", "VOB"):
        kid = next((i for i, (h, r) in enumerate(zip(parse.heads, parse.rels)) if h == hed + 1 and r == rel), None)
        out[rel] = span(kid) if kid is not None else None
    return out


def slot_right(gold: Span | None, pred: Span | None, strict: bool = True) -> bool:
    if gold is None or pred is None:
        return gold is None and pred is None
    return gold == pred if strict else (pred[0] < gold[1] and gold[0] < pred[1])


def score_questions(gold: Sequence[GoldQuestion], parses: Sequence[Parse]) -> dict[str, float]:
    """Percent right per slot, strict and overlap, plus word F1 of the parses' words against the gold words."""
    out: dict[str, float] = {}
    preds = [predicted_slots(p) for p in parses]
    for slot in SLOTS:
        for strict in (True, False):
            right = sum(slot_right(g.slots[slot], p[slot], strict) for g, p in zip(gold, preds))
            out[f"{slot}{'' if strict else '_overlap'}"] = 100 * right / len(gold)
    g_n = p_n = ok = 0
    for g, p in zip(gold, parses):
        gs, ps = _spans(g.tokens), _spans(p.tokens)
        g_n, p_n, ok = g_n + len(gs), p_n + len(ps), ok + len(gs & ps)
    out["word_f1"] = 200 * ok / (g_n + p_n)
    return out


def _spans(tokens: Sequence[str]) -> set[Span]:
    out, pos = set(), 0
    for t in tokens:
        out.add((pos, pos + len(t)))
        pos += len(t)
    return out
