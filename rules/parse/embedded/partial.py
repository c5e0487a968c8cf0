"""Partially annotated question trees (data/parser/questions_*.conllu) as training targets for the parser.

Why: the question files annotate only the predicate (HED) and its subject and object centres, in LTP's
labels, while the parser predicts UD v1 trees that ``ud_convert`` turns into LTP's. So each annotation is
mapped back to the UD arcs the converter would turn into it:

- HED (not a copula) → the word's head is the root, label ``root``;
- copula HED 是 (不是, 是不是) with an object X → X is the UD root, 是 its ``cop`` and the subject X's
  ``nsubj`` (the converter makes 是 HED, X its VOB and the subject its SBV);
- SBV → head = the UD root word, label any of :data:`SBV_RELS`; VOB → any of :data:`VOB_RELS`.

Absence is annotated too (no SBV/VOB row): every other word is then *forbidden* to hang from the UD root
word with a label that converts to SBV (or VOB), which the loss enforces as ``-log(1 - p)`` of that arc.
Everything else in the sentence is left free (no loss), and the POS of question words is unknown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

COPULAS = frozenset({"是", "不是", "是不是"})
SBV_RELS = ("nsubj", "nsubjpass", "csubj", "csubjpass")
VOB_RELS = ("dobj", "ccomp", "xcomp")
#: nmod/nmod:tmod after a verb convert to VOB as well (ud_convert's "ATT|ADV" rule): forbidden after the
#: root word when the object is annotated elsewhere or absent, allowed as a VOB target.
VOB_AFTER_RELS = ("nmod", "nmod:tmod")


@dataclass
class PartialTree:
    """Targets of one question: ``heads[i]`` 1-based (0 = root), -1 when not annotated; ``rels[i]`` the
    allowed UD labels of word i's arc (empty when not annotated); ``forbid[i]``: labels word i must not
    take under the UD root word ``anchor`` (1-based)."""

    tokens: list[str]
    heads: list[int]
    rels: list[tuple[str, ...]]
    anchor: int
    forbid: list[tuple[str, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tokens)


def partial_trees(path: str | Path) -> list[PartialTree]:
    """Read a partial question file (the format of questions_gold.conllu) into UD-side targets."""
    from ..gold import read_question_gold

    out = []
    for q in read_question_gold(path):
        starts, pos = [], 0
        for t in q.tokens:
            starts.append(pos)
            pos += len(t)
        index = {(s, s + len(t)): i for i, (s, t) in enumerate(zip(starts, q.tokens))}
        slot = {k: (index[span] if span is not None else None) for k, span in q.slots.items()}
        out.append(to_ud_targets(q.tokens, slot["HED"], slot["SBV"], slot["VOB"]))
    return out


def to_ud_targets(tokens: list[str], hed: int, sbv: int | None, vob: int | None) -> PartialTree:
    """UD-side targets of one annotation (0-based word indices; None = the slot is absent)."""
    n = len(tokens)
    heads, rels = [-1] * n, [()] * n
    forbid: list[tuple[str, ...]] = [()] * n
    if tokens[hed] in COPULAS and vob is not None:
        root = vob
        heads[hed], rels[hed] = root + 1, ("cop",)
        forbid_vob = False  # the converter makes X itself the VOB of 是
    else:
        root = hed
        forbid_vob = True
    heads[root], rels[root] = 0, ("root",)
    if sbv is not None:
        heads[sbv], rels[sbv] = root + 1, SBV_RELS
    if vob is not None and root != vob:
        heads[vob], rels[vob] = root + 1, VOB_RELS + (VOB_AFTER_RELS if vob > root else ())
    taken = {i for i in (hed, sbv, vob, root) if i is not None}
    for i in range(n):
        if i in taken:
            continue
        banned = SBV_RELS + ((VOB_RELS + (VOB_AFTER_RELS if i > root else ())) if forbid_vob else ())
        forbid[i] = banned
    return PartialTree(list(tokens), heads, rels, root + 1, forbid)
