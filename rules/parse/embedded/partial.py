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
from typing import Callable

from ..ud_convert import COMPLEMENTS

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
    #: POS targets (GSD XPOS), when filled from the initial model (``train --keep-init``); None = no POS loss
    tags: list[str] | None = None

    def __len__(self) -> int:
        return len(self.tokens)


def partial_trees(path: str | Path, jieba_view: bool = False) -> list[PartialTree]:
    """Read a partial question file (the format of questions_gold.conllu) into UD-side targets.

    ``jieba_view``: also each question cut by jieba (the words the rule engine passes the parser: it splits
    花呗 → 花|呗, 微粒贷 → 微粒|贷) where those differ from the file's, the annotation carried over to
    jieba's words (see :func:`project`); questions whose HED is not one jieba word are skipped."""
    from ..gold import read_question_gold

    out = []
    cut: Callable[[str], list[str]] | None = None
    if jieba_view:
        from ..segment import default_segmenter

        cut = default_segmenter(None)
    for q in read_question_gold(path):
        out.append(project(q.tokens, q.slots, q.tokens))
        if cut is not None:
            words = [w for w in cut("".join(q.tokens)) if w.strip()]
            if "".join(words) == "".join(q.tokens) and words != q.tokens:
                tree = project(words, q.slots, q.tokens)
                if tree is not None:
                    out.append(tree)
    return [t for t in out if t is not None]


def project(words: list[str], slots: dict, annotated_words: list[str]) -> PartialTree | None:
    """Targets on ``words`` from slots given as character spans (over the same text). A slot word that is
    not exactly one of ``words`` is left unannotated, and then forbids nothing (None when it is the HED)."""
    starts, pos = [], 0
    for t in words:
        starts.append(pos)
        pos += len(t)
    index = {(s, s + len(t)): i for i, (s, t) in enumerate(zip(starts, words))}
    found = {k: (index.get(span, -1) if span is not None else None) for k, span in slots.items()}
    if found["HED"] in (None, -1):
        return None
    tree = to_ud_targets(words, found["HED"], found["SBV"] if found["SBV"] != -1 else None,
                         found["VOB"] if found["VOB"] != -1 else None)
    for slot, labels in (("SBV", SBV_RELS), ("VOB", VOB_RELS + VOB_AFTER_RELS)):
        if found[slot] == -1:  # annotated, but split or merged differently here: no claim about it
            tree.forbid = [tuple(r for r in f if r not in labels) for f in tree.forbid]
    return tree


def to_ud_targets(tokens: list[str], hed: int, sbv: int | None, vob: int | None) -> PartialTree:
    """UD-side targets of one annotation (0-based word indices; None = the slot is absent)."""
    n = len(tokens)
    heads = [-1] * n
    none: tuple[str, ...] = ()
    rels = [none] * n
    forbid = [none] * n
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
        vob_rels = VOB_RELS + (VOB_AFTER_RELS if i > root else ())
        if i == root + 1 and tokens[i] in COMPLEMENTS:  # V + 完/到/上 as xcomp converts to CMP, not VOB
            vob_rels = tuple(r for r in vob_rels if r != "xcomp")
        forbid[i] = SBV_RELS + (vob_rels if forbid_vob else ())
    return PartialTree(list(tokens), heads, rels, root + 1, forbid)
