"""Sentence → clauses → subject / predicate / object components (Li & Li 2015, §3.3).

From a :class:`~rules.parse.Parse` in LTP labels: the predicate is the HED with its adverbials and
complements; the subject is the SBV side, the object the VOB side (IOB/FOB/DBL when there is no VOB),
each a centre word plus the notional words of its subtree with their relations.

What simcalc adds to the paper (its stated limits), each recorded in ``Clause.notes``:

* **Agent / patient.** Components are role-normalised: in a 把 sentence the object is the noun after 把;
  in a 被 sentence the subject is the agent after 被 and the object is the surface subject. So a Ba and a
  Bei sentence are compared role by role. The spans are taken from word order around 把/被 when the
  parse's labels disagree (the embedded parser often labels them ATT/ADV).
* **Participants.** Prepositional objects (从/向/给/跟 … + noun) and indirect objects are kept as
  participants: they let the scorer see that 张三 sells *to* 李四 and 李四 buys *from* 张三.
* **Negation.** Negation words (data/wordlists/negation.txt) governing the predicate are counted; a
  negating head with a verb complement (没有去, 不是喜欢) hands the predicate to that verb. Parity decides
  (double negation is affirmative).
* **Clauses.** Verbs coordinated with the head (COO) form their own clauses, inheriting the subject.
* **Nominal sentences.** A sentence whose head is not a verb or adjective (FAQ titles such as
  花呗分期手续费) is marked ``nominal``; the scorer compares it as one noun phrase.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .config import RuleConfig
from .parse.types import Parse
from .tokens import pos_class

#: Prepositions whose object is a participant of the event (not a modifier of the predicate).
PARTICIPANT_PREPOSITIONS = frozenset("从 向 给 跟 和 同 与 对 替 为 朝 由 让 叫".split())
COPULAS = frozenset({"是", "为"})
_ARG_RELS = ("SBV", "VOB", "IOB", "FOB", "DBL")


@dataclass
class Word:
    index: int  # 1-based position in the parse
    token: str
    pos: str
    rel: str
    head: int

    @property
    def cls(self) -> str | None:
        return pos_class(self.pos)

    def to_dict(self) -> dict:
        return {"token": self.token, "pos": self.pos, "rel": self.rel, "class": self.cls}


@dataclass
class Component:
    """A centre word and the other notional words of its span, each with its relation."""

    role: str
    centre: Word
    words: list[Word] = field(default_factory=list)  # notional words other than the centre

    @property
    def relations(self) -> set[str]:
        return {w.rel for w in self.words}

    def tokens(self) -> list[str]:
        return [self.centre.token] + [w.token for w in self.words]

    def to_dict(self) -> dict:
        return {"role": self.role, "centre": self.centre.token,
                "modifiers": [f"{w.token}/{w.pos}/{w.rel}" for w in self.words],
                # 1-based token positions, so a drawing can mark the component's words in the tree
                "centre_index": self.centre.index, "modifier_indices": [w.index for w in self.words]}


@dataclass
class Clause:
    predicate: Component
    subject: Component | None = None
    object: Component | None = None
    participants: list[tuple[str, Component]] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    construction: str | None = None  # "ba" | "bei" | "copula" | None
    notes: list[str] = field(default_factory=list)

    @property
    def negated(self) -> bool:
        return len(self.negations) % 2 == 1

    @property
    def components(self) -> dict[str, Component]:
        found = {"subject": self.subject, "predicate": self.predicate, "object": self.object}
        return {k: v for k, v in found.items() if v is not None}

    def to_dict(self) -> dict:
        return {
            "components": {k: v.to_dict() for k, v in self.components.items()},
            "participants": [{"marker": m, **c.to_dict()} for m, c in self.participants],
            "negations": list(self.negations), "negated": self.negated,
            "construction": self.construction, "notes": list(self.notes),
        }


@dataclass
class Sentence:
    parse: Parse
    clauses: list[Clause]
    nominal: Component | None = None  # set for sentences without a verbal/adjectival head
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {"tokens": list(self.parse.tokens), "pos": list(self.parse.pos), "heads": list(self.parse.heads),
               "rels": list(self.parse.rels), "clauses": [c.to_dict() for c in self.clauses]}
        if self.nominal is not None:
            out["nominal"] = self.nominal.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


class _Tree:
    def __init__(self, parse: Parse) -> None:
        self.parse = parse
        self.words = [Word(i, t, p, r, h) for i, (t, p, r, h) in
                      enumerate(zip(parse.tokens, parse.pos, parse.rels, parse.heads), 1)]
        self.kids: dict[int, list[int]] = {i: [] for i in range(len(parse) + 1)}
        for w in self.words:
            self.kids[w.head].append(w.index)

    def word(self, i: int) -> Word:
        return self.words[i - 1]

    def subtree(self, i: int, stop: Iterable[int] = ()) -> list[int]:
        blocked, out, todo = set(stop), [], [i]
        while todo:
            n = todo.pop()
            out.append(n)
            todo.extend(k for k in self.kids[n] if k not in blocked)
        return sorted(out)

    def children(self, i: int, *rels: str) -> list[int]:
        return [k for k in self.kids[i] if not rels or self.word(k).rel in rels]


def _component(tree: _Tree, role: str, centre: int, span: Iterable[int]) -> Component:
    words = [tree.word(i) for i in span if i != centre and tree.word(i).cls is not None]
    return Component(role, tree.word(centre), words)


def _span_head(tree: _Tree, span: list[int]) -> int | None:
    """The notional word of a span whose head lies outside it (else the last notional word)."""
    inside = set(span)
    notional = [i for i in span if tree.word(i).cls in ("noun", "pron")] or \
               [i for i in span if tree.word(i).cls is not None]
    if not notional:
        return None
    tops = [i for i in notional if tree.word(i).head not in inside]
    return tops[-1] if tops else notional[-1]


def analyse(parse: Parse, config: RuleConfig) -> Sentence:
    """Clauses and components of one parsed sentence."""
    tree = _Tree(parse)
    if not len(parse):
        raise ValueError("empty parse")
    root = parse.root
    negation_words = config.negation_words
    head_cls = tree.word(root).cls
    if head_cls not in ("verb", "adj") and tree.word(root).token not in negation_words:
        span = [i for i in range(1, len(parse) + 1) if tree.word(i).rel != "WP"]
        nominal = _component(tree, "phrase", root, span)
        return Sentence(parse, [], nominal, [f"no verbal or adjectival head ({tree.word(root).token}/"
                                             f"{tree.word(root).pos}): compared as a noun phrase"])
    heads = [root] + [k for k in tree.children(root, "COO") if tree.word(k).cls in ("verb", "adj")]
    clauses = []
    inherited: Component | None = None
    for n, head in enumerate(heads[: config.max_clauses]):
        blocked = [k for k in heads if k != head]
        clause = _clause(tree, head, blocked, negation_words)
        if clause.subject is None and inherited is not None and n > 0:
            clause.subject = inherited
            clause.notes.append("subject inherited from the first clause")
        inherited = inherited or clause.subject
        clauses.append(clause)
    notes = [f"{len(heads)} clauses; only the first {config.max_clauses} compared"] if len(heads) > config.max_clauses else []
    return Sentence(parse, clauses, None, notes)


def _clause(tree: _Tree, head: int, blocked: list[int], negation_words: frozenset[str]) -> Clause:
    notes: list[str] = []
    negations: list[str] = []
    # A negating head with a verbal complement (没有去, 不是喜欢): the negation is counted, the verb leads.
    if tree.word(head).token in negation_words:
        verbs = [k for k in tree.children(head, "VOB", "CMP", "COO") if tree.word(k).cls in ("verb", "adj")]
        if verbs:
            negations.append(tree.word(head).token)
            notes.append(f"negating head {tree.word(head).token} hands the predicate to {tree.word(verbs[0]).token}")
            outer = head
            head = verbs[0]
            # the outer head's subject and adverbials belong to the clause too
            for k in tree.children(outer):
                if k != head and k not in blocked and tree.word(k).rel in ("SBV", "ADV"):
                    tree.word(k).head = head
                    tree.kids[head].append(k)
            blocked = blocked + [outer]
    kids = [k for k in tree.children(head) if k not in blocked]
    tokens = tree.parse.tokens
    ba = next((k for k in kids if tokens[k - 1] == "把" and tree.word(k).rel in ("ADV", "ATT", "SBV")), None)
    bei = next((k for k in kids if tokens[k - 1] in ("被", "叫", "让") and tree.word(k).pos == "p"), None)
    if bei is None:
        bei = next((k for k in kids if tokens[k - 1] == "被"), None)

    subj_idx = next((k for k in kids if tree.word(k).rel == "SBV"), None)
    obj_idx = next((k for k in kids if tree.word(k).rel == "VOB"), None)
    if obj_idx is None:
        obj_idx = next((k for k in kids if tree.word(k).rel in ("FOB", "DBL", "IOB")), None)

    participants: list[tuple[str, Component]] = []
    predicate_span = [head]
    used: set[int] = {head}
    for k in kids:
        w = tree.word(k)
        if k in (subj_idx, obj_idx, ba, bei):
            continue
        if w.token in negation_words and w.rel in ("ADV", "ATT", "CMP"):
            negations.append(w.token)
            # the negation word's own modifiers (e.g. 不 in 不是不) count too
            for g in tree.subtree(k):
                if g != k and tokens[g - 1] in negation_words:
                    negations.append(tokens[g - 1])
            used.update(tree.subtree(k))
            continue
        pobs = tree.children(k, "POB")
        if w.pos == "p" and pobs and (w.token in PARTICIPANT_PREPOSITIONS or w.rel == "CMP"):
            span = tree.subtree(pobs[0])
            centre = _span_head(tree, span)
            if centre is not None:
                participants.append((w.token, _component(tree, "participant", centre, span)))
            used.update(tree.subtree(k))
            continue
        if w.rel in ("ADV", "CMP", "COO") or (w.rel == "ATT" and w.cls not in ("noun", "pron")):
            span = tree.subtree(k, blocked)
            predicate_span += span
            used.update(span)
    for k in kids:  # IOB besides VOB: the recipient (给李四一本书)
        if tree.word(k).rel == "IOB" and k != obj_idx:
            participants.append(("IOB", _component(tree, "participant", k, tree.subtree(k, blocked))))
    def arg(idx: int | None, role: str) -> Component | None:
        if idx is None:
            return None
        return _component(tree, role, idx, tree.subtree(idx, blocked))

    subject, obj = arg(subj_idx, "subject"), arg(obj_idx, "object")
    construction = None
    if ba is not None:
        construction = "ba"
        patient = _after_marker(tree, ba, head)
        agent = subject or _before_marker(tree, ba)
        if patient is not None:
            if obj is not None:
                participants.append(("VOB", obj))
            obj = Component("object", patient.centre, patient.words)
        if agent is not None:
            subject = Component("subject", agent.centre, agent.words)
        notes.append("把 sentence: object = the noun after 把 (patient), subject = the agent before it")
    elif bei is not None:
        construction = "bei"
        agent = _after_marker(tree, bei, head)
        patient = subject or _before_marker(tree, bei)
        subject = Component("subject", agent.centre, agent.words) if agent is not None else None
        if patient is not None:
            if obj is not None:
                participants.append(("VOB", obj))
            obj = Component("object", patient.centre, patient.words)
        notes.append("被 sentence: subject = the agent after 被" + ("" if agent else " (none given)")
                     + ", object = the surface subject (patient)")
    elif tree.word(head).token in COPULAS and subject is not None and obj is not None:
        construction = "copula"
    if subject is None and construction is None:
        before = [k for k in kids if k < head and k not in used and tree.word(k).cls in ("noun", "pron")
                  and tree.word(k).rel != "POB"]
        if before:
            k = before[0]
            subject = _component(tree, "subject", k, tree.subtree(k, blocked))
            notes.append(f"no SBV: {tree.word(k).token} ({tree.word(k).rel}) before the predicate taken as subject")
    claimed = {w.index for c in [subject, obj] + [c for _, c in participants] if c is not None
               for w in [c.centre, *c.words]}
    predicate = _component(tree, "predicate", head, sorted(set(predicate_span) - claimed))
    return Clause(predicate, subject, obj, participants, negations, construction, notes)


def _marker_span(tree: _Tree, start: int, stop: int) -> Component | None:
    span = [i for i in range(start, stop) if tree.word(i).rel != "WP" and tree.word(i).cls is not None]
    if not span:
        return None
    centre = _span_head(tree, span)
    return _component(tree, "argument", centre, span) if centre is not None else None


def _after_marker(tree: _Tree, marker: int, head: int) -> Component | None:
    """The noun phrase between 把/被 and the predicate (its POB, or by word order)."""
    pobs = tree.children(marker, "POB")
    if pobs:
        span = tree.subtree(pobs[0])
        centre = _span_head(tree, span)
        if centre is not None:
            return _component(tree, "argument", centre, span)
    stop = head
    for i in range(marker + 1, head):  # stop before adverbs that modify the verb (都, 已经 …)
        if tree.word(i).cls in (None, "verb", "adj") and tree.word(i).pos in ("d", "p", "u", "c"):
            stop = i
            break
    return _marker_span(tree, marker + 1, stop)


def _before_marker(tree: _Tree, marker: int) -> Component | None:
    """The noun phrase before 把/被 (the Ba agent / the Bei patient) by word order."""
    start = marker - 1
    while start >= 1 and tree.word(start).cls in ("noun", "pron") or (start >= 1 and tree.word(start).pos == "u"
                                                                      and tree.word(start).token == "的"):
        start -= 1
    return _marker_span(tree, start + 1, marker)
