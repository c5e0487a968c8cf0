"""Sentence similarity from components (Li & Li 2015, formula (3)): ``Sim = K · |S|``.

``S = 0.3·S_subject + 0.5·S_predicate + 0.2·S_object`` over the components both sentences have (weights
renormalised over them; the components only one sentence has are what K2 penalises), and
``K = K1·K2·K3·K4`` (pattern, components, negation, supplementary), times simcalc's role-exchange
coefficient. Readings of the paper implemented here (the formula images are missing from the seed):

* Word similarities enter S by magnitude; the sign of antonymy enters once, through K3. Otherwise an
  antonymous predicate would cancel its own subject and object (0.3 + 0.5·(−0.9) + 0.2 ≈ 0) instead of
  making the sentences opposite.
* Component rules (1)–(4): centre words weigh 0.6, the other words 0.4. Other words pair one-to-one
  (greedy) only with words of the same notional class (noun, verb, adjective, pronoun); a pair under
  the same relation on both sides counts fully, under different relations it counts too (rule (3));
  their weighted mean (POS weights 0.3/0.3/0.2/0.2) is multiplied by the granularity coefficient
  ``2k/(n1+n2)`` (k pairs, n1, n2 other words). With no pair at all, only centre words count (rule (4)).
* K2 = ``2m/(n1+n2)`` over the component sets (at most 1: a crossed participant counts as shared); K3 = −1 when exactly one of "one side negated" and
  "antonymous/converse predicate heads" holds; K4 = −1 when the heads are antonymous/converse and the
  roles are exchanged, so converse predicates with swapped roles (A 卖给 B / B 从 A 买) give +1.
* Ba/Bei: with one 把 and one 被 sentence, when the role-normalised subjects and objects are each more
  similar than 0.5, both count as 1 (the paper: the sentences' similarity is 1; here the predicates are
  still compared, so 把门打开 / 被关上 stays opposite).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from simcalc.align import greedy_align

from .components import Clause, Component, Sentence, Word
from .config import RuleConfig
from .patterns import pattern_coefficient
from .words import WordRelation

ROLES = ("subject", "predicate", "object")
PROPER = frozenset({"nh", "ns", "ni", "nz"})


def _words(side: "Side") -> list[Word]:
    p = side.sentence.parse
    return [Word(i, t, q, r, h) for i, (t, q, r, h) in enumerate(zip(p.tokens, p.pos, p.rels, p.heads), 1)]


def _senses_view(senses: Any) -> str | None:
    if not senses:
        return None
    if len(senses) == 1:
        return senses[0].concept.raw
    return f"{len(senses)} senses (no context evidence: best pair)"


class WordKnowledge(Protocol):
    def relation(self, w1: str, w2: str, s1: Any = None, s2: Any = None) -> WordRelation: ...


@dataclass
class Side:
    """A sentence ready to compare: its analysis, pattern and chosen senses."""

    text: str
    sentence: Sentence
    pattern: tuple[str, str]
    senses: list[Any]
    profile: Any = None  # the signed engine's view (rules/signed.Profile)
    words: tuple[str, ...] = ()  # the segmenter's cut before the token repairs (the typo reading's words)
    _view: dict | None = field(default=None, repr=False)  # the explanation's view, built once (RulesScorer)

    def sense(self, word: Word) -> Any:
        return self.senses[word.index - 1] if 0 < word.index <= len(self.senses) else None


@dataclass
class Comparer:
    """The paper's comparison of two analysed sentences. ``explain=False`` computes the same numbers
    (score, S, components, coefficients' values and whether they fired, pairing) without the words,
    reasons and formula of the explanation: what a score needs, at a fraction of the cost."""

    config: RuleConfig
    words: WordKnowledge
    _memo: dict = field(default_factory=dict, repr=False)
    explain: bool = True

    # -- words ------------------------------------------------------------------------------------
    def _knows(self, word: str) -> bool:
        knows = getattr(self.words, "knows", None)
        return True if knows is None else knows(word)

    def rel(self, a: Side, x: Word, b: Side, y: Word) -> WordRelation:
        sx, sy = a.sense(x), b.sense(y)
        r = self.words.relation(x.token, y.token, sx, sy)
        cap = self.config.distinct_entity_cap
        if (cap < 1.0 and x.token != y.token and abs(r.score) > cap
                and ((x.pos in PROPER and y.pos in PROPER) or (not self._knows(x.token) and not self._knows(y.token)))):
            return WordRelation(cap if r.score > 0 else -cap, False, None, "distinct_entities", r.method)
        return r

    def _pair_detail(self, a: Side, x: Word, b: Side, y: Word, r: WordRelation) -> dict:
        sx, sy = a.sense(x), b.sense(y)
        out = {"words": [x.token, y.token], "similarity": round(r.score, 4)}
        if sx or sy:
            out["senses"] = [_senses_view(sx), _senses_view(sy)]
        if r.kind:
            out["relation"] = r.kind + ("" if r.opposite else " (not trusted for negation)")
        return out

    # -- components -------------------------------------------------------------------------------
    def component(self, a: Side, c1: Component, b: Side, c2: Component) -> tuple[float, dict]:
        """Li & Li's rules (1)-(4) for one pair of components, memoised for this comparer: the role
        exchange test and the role pairing ask for the same pairs."""
        key = (id(c1), id(c2))
        found = self._memo.get(key)
        if found is None:  # the components are kept in the value, so their ids cannot be reused
            found = self._memo[key] = (c1, c2, self._component(a, c1, b, c2))
        score, detail = found[2]
        return score, dict(detail)

    def _component(self, a: Side, c1: Component, b: Side, c2: Component) -> tuple[float, dict]:
        cfg = self.config
        r = self.rel(a, c1.centre, b, c2.centre)
        centre = r.magnitude
        explain = self.explain
        detail: dict = {"centre": self._pair_detail(a, c1.centre, b, c2.centre, r)} if explain else {}
        m1, m2 = c1.words, c2.words
        if not m1 and not m2:
            if explain:
                detail["rule"] = "centre words only (no other words)"
            return centre, detail

        def pair_score(x: Word, y: Word) -> float | None:
            if x.cls is None or x.cls != y.cls:
                return None
            return self.rel(a, x, b, y).magnitude

        aligned = greedy_align(m1, m2, pair_score)
        if not aligned:
            if explain:
                detail["rule"] = "centre words only (no other words of the same class)"
            return centre, detail
        weights = cfg.pos_weights
        total_w = sum(weights.get(m1[i].cls or "", 0.0) for i, _, _ in aligned) or 1.0
        mean = sum(weights.get(m1[i].cls or "", 0.0) * s for i, _, s in aligned) / total_w
        granularity = 2 * len(aligned) / (len(m1) + len(m2))
        others = mean * granularity
        score = cfg.centre_weight * centre + cfg.modifier_weight * others
        if not explain:
            return score, detail
        shared = sorted(c1.relations & c2.relations)
        detail.update(
            rule="centre 0.6 + other words 0.4 (same-class pairs × granularity)",
            aligned=[{**self._pair_detail(a, m1[i], b, m2[j], self.rel(a, m1[i], b, m2[j])),
                      "relations": [m1[i].rel, m2[j].rel]} for i, j, _ in aligned],
            shared_relations=shared, granularity=round(granularity, 4), others=round(others, 4))
        return score, detail

    # -- clauses ----------------------------------------------------------------------------------
    def _best_match(self, a: Side, c: Component, b: Side, pool: Sequence[Component]) -> tuple[float, int]:
        best, where = 0.0, -1
        for k, other in enumerate(pool):
            s, _ = self.component(a, c, b, other)
            if s > best:
                best, where = s, k
        return best, where

    def clause(self, a: Side, k1: Clause, b: Side, k2: Clause) -> dict:
        """S, K2..K4 and the role-exchange coefficient of two clauses, with their reasons."""
        cfg = self.config
        out: dict = {"components": {}, "coefficients": {}}
        coeffs = out["coefficients"]
        pred_score, pred_detail = self.component(a, k1.predicate, b, k2.predicate)
        head_rel = self.rel(a, k1.predicate.centre, b, k2.predicate.centre)
        opposite = cfg.use_negation and head_rel.kind is not None and (head_rel.opposite or
                                                                       head_rel.rule in cfg.opposite_rules)
        scores: dict[str, float] = {"predicate": pred_score}
        details: dict[str, Any] = {"predicate": pred_detail}
        pairing = "straight"
        s1, o1, s2, o2 = k1.subject, k1.object, k2.subject, k2.object
        copula = k1.construction == k2.construction == "copula" and cfg.copula_symmetric

        # role exchange: is each sentence's subject found among the other's non-subject participants?
        exchanged, exchange_note = False, None
        others1 = [c for c in (o1, *[c for _, c in k1.participants]) if c is not None]
        others2 = [c for c in (o2, *[c for _, c in k2.participants]) if c is not None]
        if s1 is not None and s2 is not None and others1 and others2 and not copula:
            straight_s, _ = self.component(a, s1, b, s2)
            straight_o = max(self.component(a, x, b, y)[0] for x in others1 for y in others2)
            cross_1, _ = self._best_match(a, s1, b, others2)
            cross_2, _ = self._best_match(b, s2, a, others1)
            crossed = cross_1 + cross_2
            straight = straight_s + straight_o
            tokens1 = {w.token for c in others1 for w in (c.centre, *c.words)}
            tokens2 = {w.token for c in others2 for w in (c.centre, *c.words)}
            same_words = (s1.centre.token != s2.centre.token and s1.centre.token in tokens2
                          and s2.centre.token in tokens1)
            if same_words:  # the same words in swapped roles: lexical evidence, whatever the similarities
                cross_1 = cross_2 = 1.0
                crossed = 2.0
            if (crossed > straight + cfg.exchange_margin and min(cross_1, cross_2) > 0.5) or same_words:
                exchanged = True
                exchange_note = "" if not self.explain else (f"roles exchanged: {s1.centre.token}/{s2.centre.token} each found in the other's "
                                 f"object or participants (crossed {crossed:.3f} > straight {straight:.3f} + "
                                 f"{cfg.exchange_margin})")
                if opposite:  # converse/antonymous predicates: compare the swapped roles (K3·K4 = +1)
                    # the same event seen from the other side (卖给/从…买): the heads describe one event
                    scores["predicate"] = max(pred_score, 1.0)
                    scores["subject"], scores["object"] = cross_1, cross_2
                    if self.explain:
                        pred_detail["rule"] = "converse heads with exchanged roles: one event, predicate counts 1"
                        details["subject"] = {"crossed": [s1.centre.token, "participant of sentence 2"],
                                              "score": cross_1}
                        details["object"] = {"crossed": [s2.centre.token, "participant of sentence 1"],
                                             "score": cross_2}
                    pairing = "crossed (converse predicates)"
        if pairing == "straight":
            pairs = {"subject": (s1, s2), "object": (o1, o2)}
            if cfg.topic_alignment and not exchanged:
                if s1 is not None and o1 is None and s2 is None and o2 is not None:
                    pairs = {"subject": (s1, o2)}
                    pairing = "topic: subject of sentence 1 ~ object of sentence 2"
                elif s1 is None and o1 is not None and s2 is not None and o2 is None:
                    pairs = {"object": (o1, s2)}
                    pairing = "topic: object of sentence 1 ~ subject of sentence 2"
            for role, (x, y) in pairs.items():
                if x is not None and y is not None:
                    scores[role], details[role] = self.component(a, x, b, y)
            if copula and s1 and s2 and o1 and o2:
                crossed = (self.component(a, s1, b, o2)[0], self.component(a, o1, b, s2)[0])
                if sum(crossed) > scores.get("subject", 0) + scores.get("object", 0):
                    scores["subject"], scores["object"] = crossed
                    pairing = "copula: subject and object compared crossed (A 是 B / B 是 A)"
        # Ba/Bei (Li & Li): a 把 and a 被 sentence whose roles match are paraphrases
        ba_bei = {k1.construction, k2.construction} == {"ba", "bei"}
        if cfg.use_ba_bei and ba_bei and not exchanged:
            subj, obj = scores.get("subject", 0.0), scores.get("object", 0.0)
            fired = subj > cfg.ba_bei_threshold and obj > cfg.ba_bei_threshold
            coeffs["ba_bei"] = {"fired": fired, "reason": "" if not self.explain else (
                f"把/被 pair, agent {subj:.3f} and patient {obj:.3f} > {cfg.ba_bei_threshold}: both count as 1"
                if fired else f"把/被 pair, but agent {subj:.3f} / patient {obj:.3f} not both > {cfg.ba_bei_threshold}")}
            if fired:
                scores["subject"] = scores["object"] = 1.0
        else:
            coeffs["ba_bei"] = {"fired": False, "reason": "roles exchanged" if ba_bei else
                                "not a 把 sentence against a 被 sentence"}
        # S over the components both have; K2 over the component sets
        weights = {"subject": cfg.subject_weight, "predicate": cfg.predicate_weight, "object": cfg.object_weight}
        total = sum(weights[r] for r in scores)
        s_value = sum(weights[r] * scores[r] for r in scores) / total
        n1, n2 = len(k1.components), len(k2.components)
        m = len(scores)
        k2_value = min(1.0, 2 * m / (n1 + n2)) if cfg.use_component_coefficient else 1.0
        coeffs["K2"] = {"value": round(k2_value, 4), "fired": k2_value != 1.0,
                        "reason": "" if not self.explain else f"2·{m} shared / ({n1} + {n2}) components"
                        + ("" if cfg.use_component_coefficient else " (switched off)")}
        neg_differs = k1.negated != k2.negated and cfg.use_negation
        k3 = -1.0 if neg_differs != opposite else 1.0
        k4 = -1.0 if (opposite and exchanged and cfg.use_supplementary) else 1.0
        swap = cfg.role_exchange if (exchanged and not opposite and cfg.use_role_exchange) else 1.0
        if not self.explain:
            coeffs["role_exchange"] = {"value": swap, "fired": swap != 1.0}
            out.update(components={r: {"score": round(scores[r], 4), **details.get(r, {})} for r in scores},
                       S=s_value, pairing=pairing, K=k2_value * k3 * k4 * swap)
            return out
        why = []
        if neg_differs:
            why.append(f"negation on one side only ({'/'.join(k1.negations) or '-'} vs {'/'.join(k2.negations) or '-'})")
        if opposite:
            why.append(f"predicate heads {k1.predicate.centre.token}/{k2.predicate.centre.token} are {head_rel.kind}s")
        if neg_differs and opposite:
            why.append("both: they cancel")
        coeffs["K3"] = {"value": k3, "fired": k3 < 0, "reason": "; ".join(why) or "same polarity, heads not opposite"}
        coeffs["K4"] = {"value": k4, "fired": k4 < 0, "reason": (
            "opposite predicate heads with roles exchanged (converse: a paraphrase)" if k4 < 0 else
            "roles not exchanged" if not exchanged else "roles exchanged but heads not opposite")}
        coeffs["role_exchange"] = {"value": swap, "fired": swap != 1.0, "reason": exchange_note or "roles not exchanged"}
        out.update(components={r: {"score": round(scores[r], 4), **details.get(r, {})} for r in scores},
                   S=s_value, pairing=pairing, K=k2_value * k3 * k4 * swap,
                   negations=[list(k1.negations), list(k2.negations)])
        return out

    # -- sentences --------------------------------------------------------------------------------
    def sentences(self, a: Side, b: Side) -> tuple[float, dict]:
        cfg = self.config
        k1_value, k1_reason = pattern_coefficient(a.pattern[0], b.pattern[0], cfg)
        if not cfg.use_pattern:
            k1_value, k1_reason = 1.0, "switched off"
        k1 = {"value": k1_value, "fired": k1_value != 1.0, "patterns": [a.pattern[0], b.pattern[0]],
              "markers": [a.pattern[1], b.pattern[1]], "reason": k1_reason}
        if a.sentence.nominal is not None or b.sentence.nominal is not None:
            s_value, detail = self._nominal(a, b)
            k3 = -1.0 if cfg.use_negation and self._neg_parity(a) != self._neg_parity(b) else 1.0
            detail["coefficients"] = {"K3": {"value": k3, "fired": k3 < 0, "reason": "negation words on one side only"
                                             if k3 < 0 else "same polarity"}}
            score = k1_value * self._mix(a, b, k3 * abs(s_value))
            return score, {"mode": "noun phrase", "K1": k1, "clauses": [detail], "S": s_value,
                           "formula": f"K1 {k1_value:g} · K3 {k3:g} · |S| {s_value:.4f} = {score:.4f}"
                           if self.explain else ""}
        c1, c2 = a.sentence.clauses, b.sentence.clauses
        results = {(i, j): self.clause(a, x, b, y) for i, x in enumerate(c1) for j, y in enumerate(c2)}
        aligned = greedy_align(range(len(c1)), range(len(c2)),
                               lambda i, j: results[(i, j)]["S"] * abs(results[(i, j)]["K"]))
        clause_scores = []
        shown = []
        for i, j, _ in aligned:
            r = results[(i, j)]
            clause_scores.append(r["K"] * abs(r["S"]))
            shown.append({"clauses": [i, j], **r})
        total = sum(clause_scores) / max(len(c1), len(c2))
        s_value = sum(abs(results[(i, j)]["S"]) for i, j, _ in aligned) / max(len(c1), len(c2))
        score = max(-1.0, min(1.0, k1_value * self._mix(a, b, total)))
        if not self.explain:
            formula = ""
        elif len(c1) == len(c2) == 1:
            r = results[(0, 0)]
            formula = (f"K1 {k1_value:g} · K2 {r['coefficients']['K2']['value']:g} · K3 {r['coefficients']['K3']['value']:g}"
                       f" · K4 {r['coefficients']['K4']['value']:g} · exchange {r['coefficients']['role_exchange']['value']:g}"
                       f" · |S| {abs(r['S']):.4f} = {score:.4f}")
        else:
            formula = (f"K1 {k1_value:g} · Σ clause (K·|S|) / max({len(c1)}, {len(c2)}) clauses = {score:.4f}")
        mode = "clauses" if max(len(c1), len(c2)) > 1 else "components"
        return score, {"mode": mode, "K1": k1, "clauses": shown, "S": s_value, "formula": formula}

    def _mix(self, a: Side, b: Side, structured: float) -> float:
        """simcalc: blend the structured score with an alignment of all notional words (weight
        ``word_alignment_weight``; 0 = the paper). The sign of the structured score is kept."""
        w = self.config.word_alignment_weight
        if w <= 0:
            return structured
        words1 = [x for x in _words(a) if x.cls is not None]
        words2 = [y for y in _words(b) if y.cls is not None]
        if not words1 or not words2:
            return structured
        aligned = greedy_align(words1, words2, lambda x, y: self.rel(a, x, b, y).magnitude)
        bag = 2 * sum(s for _, _, s in aligned) / (len(words1) + len(words2))
        sign = -1.0 if structured < 0 else 1.0
        return (1 - w) * structured + w * sign * bag

    def _neg_parity(self, side: Side) -> bool:
        return sum(t in self.config.negation_words for t in side.sentence.parse.tokens) % 2 == 1

    def _phrase(self, side: Side) -> Component:
        s = side.sentence
        if s.nominal is not None:
            return s.nominal
        clause = s.clauses[0]
        words = [w for c in (clause.subject, clause.object, *[c for _, c in clause.participants]) if c is not None
                 for w in (c.centre, *c.words)] + clause.predicate.words
        return Component("phrase", clause.predicate.centre, words)

    def _nominal(self, a: Side, b: Side) -> tuple[float, dict]:
        p1, p2 = self._phrase(a), self._phrase(b)
        score, detail = self.component(a, p1, b, p2)
        # the centre of a noun phrase vs a clause's verb says little: also align the centre with any word
        centre = self.rel(a, p1.centre, b, p2.centre).magnitude
        best_centre = max([self.rel(a, p1.centre, b, w).magnitude for w in p2.words]
                          + [self.rel(a, w, b, p2.centre).magnitude for w in p1.words] + [centre])
        if best_centre > centre:
            score += self.config.centre_weight * (best_centre - centre)
            detail["centre_realigned"] = round(best_centre, 4)
        return score, {"components": {"phrase": {"score": round(score, 4), **detail}}}
