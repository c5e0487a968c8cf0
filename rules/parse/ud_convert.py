"""Universal Dependencies (v1 as in GSD 1.4, and common v2 labels) → LTP's dependency scheme.

UD makes content words heads; LTP (HIT-CDT) makes some function words heads. So besides renaming
relations, four constructions are rebuilt (applied in this order):

1. **copula** — ``X ←cop— 是``: 是 takes X's place (HED if X was root), X becomes ``VOB`` of 是,
   and X's clause-level dependents (everything before 是; punctuation, conjoined clauses and
   particles after X) move to 是 — so the subject becomes ``SBV`` of 是.
2. **localizers** — 上/中/里/后/时 ... after their noun or clause (``acl``/``mark``/``case``/``nmod``):
   the localizer takes the phrase's place and the noun becomes its ``ATT``.
3. **prepositions** — ``N ←case— P`` with P before a noun (or localizer phrase) N: P takes N's place and N becomes ``POB`` of P;
   P is ``ADV`` before a verb, ``CMP`` after it, ``ATT`` inside a noun phrase. GSD 1.4 marks
   post-verbal 于/在/到/给/成/为 ... as ``mark`` of the verb with the noun as its object: those become
   ``CMP`` of the verb and the following object their ``POB``.
4. **把/将 and 被** (``aux:caus``/``auxpass``): the marker becomes ``ADV`` of the verb and the noun
   between marker and verb (把's object, 被's agent) its ``POB``.

Then: ``cc`` attaches to the next conjunct as ``LAD``; a verb's ``dobj`` followed by its ``xcomp``
(请他吃饭) becomes ``DBL``. Everything else is renamed by :data:`LABEL_TABLE`; see
:func:`mapping_table` for the printable version (also in the model card).
"""
from __future__ import annotations

from dataclasses import dataclass

from .types import ParseError

NOMINAL = {"NOUN", "PROPN", "PRON", "NUM"}
LOCALIZERS = {"上", "下", "中", "里", "裡", "内", "內", "外", "前", "后", "後", "间", "間", "旁", "边",
              "时", "時", "以来", "以后", "以前", "之后", "之前", "之间", "之中", "之内", "之外", "之上", "之下",
              "期间", "以上", "以下", "以内", "以外", "当中", "时候"}
POSTVERBAL_PREPS = {"于", "於", "在", "到", "给", "給", "向", "自", "往", "至", "成", "为", "為", "作"}
BA = {"把", "将", "將"}
BEI = {"被", "叫", "让", "讓", "给", "給", "为", "為"}
PARTICLES = {"的", "地", "得", "之", "了", "着", "著", "过", "過", "吗", "嗎", "呢", "吧", "啊", "呀", "嘛", "等",
             "们", "們", "似的", "一样", "而已", "的话", "的話", "罢了", "所"}
COMPLEMENTS = {"来", "來", "去", "上", "下", "进", "進", "出", "回", "过", "過", "起", "开", "開", "到", "完", "好",
               "住", "掉", "走", "见", "見", "懂", "成", "光", "死", "遍", "够", "夠", "清楚", "起来", "下来",
               "出来", "上来", "进来", "回来", "过来", "下去", "出去", "上去"}

#: UD relation (or relation:subtype) → LTP label, for arcs no restructuring rule decided.
#: Values with "|" depend on context: "ATT|ADV" is ATT under a noun (or the root) else ADV.
LABEL_TABLE: dict[str, str] = {
    "root": "HED",
    "nsubj": "SBV", "nsubjpass": "SBV", "nsubj:pass": "SBV", "csubj": "SBV", "csubjpass": "SBV",
    "csubj:pass": "SBV", "expl": "SBV",
    "dobj": "VOB", "obj": "VOB", "ccomp": "VOB", "xcomp": "VOB|CMP", "iobj": "IOB",
    "nmod": "ATT|ADV", "nmod:tmod": "ATT|ADV", "nmod:poss": "ATT", "obl": "ATT|ADV", "obl:tmod": "ATT|ADV",
    "obl:patient": "FOB", "obl:agent": "ADV",
    "amod": "ATT", "det": "ATT", "nummod": "ATT", "acl": "ATT", "acl:relcl": "ATT", "appos": "ATT",
    "compound": "ATT", "flat": "ATT", "flat:name": "ATT", "clf": "ATT", "foreign": "ATT",
    "case:pref": "ATT", "case:suff": "ATT", "name": "ATT",
    "advmod": "ADV", "neg": "ADV", "aux": "ADV|RAD", "advcl": "ADV", "mark": "ADV|RAD", "aux:caus": "ADV",
    "auxpass": "ADV", "aux:pass": "ADV", "cop": "ADV",
    "case": "ADV|RAD", "case:dec": "RAD", "case:aspect": "RAD", "discourse": "RAD", "mark:relcl": "RAD",
    "mark:adv": "RAD", "mark:prt": "RAD", "aux:asp": "RAD", "discourse:sp": "RAD",
    "conj": "COO", "cc": "LAD", "dep": "COO", "parataxis": "COO", "list": "COO", "dislocated": "FOB",
    "vocative": "IS", "reparandum": "IS", "orphan": "COO", "goeswith": "ATT",
    "punct": "WP",
}

#: GSD 1.4 XPOS → LTP POS; anything missing falls back on :data:`UPOS_TO_LTP`.
XPOS_TO_LTP = {
    "NN": "n", "NNP": "nz", "NNB": "q", "SFN": "k", "SFV": "k", "SFA": "k", "PFA": "h", "PFN": "h",
    "CD": "m", "VV": "v", "VC": "v", "MD": "v", "BB": "p", "IN": "p", "RB": "d", "JJ": "a", "CC": "c",
    "PRP": "r", "PRD": "r", "WP": "r", "DT": "r", "DEC": "u", "DEV": "u", "AS": "u", "UH": "u",
    "FW": "ws", "XX": "x", "ADD": "nz", "LS": "x", "HYPH": "wp",
}
UPOS_TO_LTP = {
    "NOUN": "n", "PROPN": "nz", "PRON": "r", "NUM": "m", "VERB": "v", "AUX": "v", "ADJ": "a", "ADV": "d",
    "ADP": "p", "CCONJ": "c", "CONJ": "c", "SCONJ": "c", "PART": "u", "DET": "r", "INTJ": "e",
    "PUNCT": "wp", "SYM": "wp", "X": "x",
}
_TEMPORAL = {"年", "月", "日", "号", "時", "时", "点", "世纪", "年代", "岁", "歲"}


def ltp_pos(token: str, upos: str, xpos: str = "") -> str:
    """LTP POS of a UD token: localizers are ``nd``, time units ``nt``, then XPOS, then UPOS."""
    if upos == "PUNCT" or xpos in {",", ".", "(", ")", "``", "''", ":", "/", "EC", "...", '"'}:
        return "wp"
    if token in LOCALIZERS and xpos in {"IN", "NN", ""} and upos in {"ADP", "NOUN"}:
        return "nd"
    if xpos == "NNB" and token in _TEMPORAL:
        return "nt"
    return XPOS_TO_LTP.get(xpos) or UPOS_TO_LTP.get(upos, "x")


@dataclass
class LTPTree:
    heads: list[int]
    rels: list[str]
    pos: list[str]


def convert(tokens: list[str], upos: list[str], heads: list[int], deprels: list[str],
            xpos: list[str] | None = None) -> LTPTree:
    """Convert one UD tree (1-based heads, 0 = root) to LTP heads, labels and POS."""
    n = len(tokens)
    if not (len(upos) == len(heads) == len(deprels) == n):
        raise ParseError("convert: tokens, upos, heads and deprels must have the same length")
    xpos = list(xpos) if xpos is not None else [""] * n
    h = [0] + list(heads)  # 1-based working copies; index 0 unused
    lab = [""] + [d.lower() for d in deprels]
    tok, up = [""] + list(tokens), [""] + list(upos)
    forced: list[str | None] = [None] * (n + 1)

    def deps(x: int) -> list[int]:
        return [i for i in range(1, n + 1) if h[i] == x]

    def take_place(new: int, old: int, old_rel: str) -> None:
        """``new`` replaces ``old`` under old's head; ``old`` hangs from ``new`` as ``old_rel``."""
        h[new], lab[new], forced[new] = h[old], lab[old], forced[old]
        h[old], forced[old] = new, old_rel

    # 1. copula
    for c in range(1, n + 1):
        if lab[c] != "cop" or h[c] == 0:
            continue
        x = h[c]
        take_place(c, x, "VOB")
        for d in deps(x):
            if d == c:
                continue
            clause_level = lab[d] in {"punct", "dep", "advcl", "parataxis", "discourse", "cc"} or (
                lab[d] == "conj" and (up[d] in {"VERB", "ADJ"} or any(lab[e] in {"cop", "nsubj"} for e in deps(d))))
            if d < c or (d > x and clause_level):
                h[d] = c

    # 2. localizers after their noun/clause
    for loc in range(1, n + 1):
        x = h[loc]
        if (tok[loc] in LOCALIZERS and 0 < x < loc and forced[loc] is None
                and lab[loc] in {"acl", "mark", "case", "nmod", "case:suff", "dep", "advmod"}):
            take_place(loc, x, "ATT")
            for d in deps(x):  # a preposition before the noun governs the whole localizer phrase
                if lab[d] == "case" and d < x:
                    h[d] = loc

    # 3a. prepositions before their noun
    for p in range(1, n + 1):
        x = h[p]
        governs_noun = x > 0 and (up[x] in NOMINAL or tok[x] in LOCALIZERS)  # not a subordinator (如果/因为 + clause)
        if lab[p] == "case" and x > p and governs_noun and forced[p] is None and tok[p] not in PARTICLES:
            take_place(p, x, "POB")
            forced[p] = forced[p] or _attach_label(p, h[p], up, lab, forced)
    # 3b. post-verbal prepositions marked as the verb's "mark" (GSD 1.4: 用 于 技术)
    preps: set[int] = set()
    for p in range(1, n + 1):
        v = h[p]
        if lab[p] == "mark" and tok[p] in POSTVERBAL_PREPS and 0 < v < p and forced[p] is None:
            forced[p] = "CMP"
            preps.add(p)
            objects = [d for d in deps(v) if d > p and lab[d] in {"dobj", "obj", "iobj", "nmod", "ccomp"}
                       and forced[d] is None]
            if objects:
                h[objects[0]], forced[objects[0]] = p, "POB"

    # 4. 把/将 and 被
    for b in range(1, n + 1):
        v = h[b]
        is_ba = lab[b] == "aux:caus" or (tok[b] in BA and lab[b] in {"aux", "mark", "advmod", "dep"})
        is_bei = lab[b] in {"auxpass", "aux:pass"} or (tok[b] == "被" and lab[b] in {"aux", "mark", "advmod", "dep"})
        if not (is_ba or is_bei) or not b < v or forced[b] is not None:
            continue
        forced[b] = "ADV"
        allowed = {"dobj", "obj", "nsubj", "nmod", "iobj", "nsubjpass", "obl", "obl:agent", "obl:patient"}
        between = [d for d in deps(v) if b < d < v and lab[d] in allowed and forced[d] is None]
        if between:
            preferred = [d for d in between if lab[d] in ({"dobj", "obj"} if is_ba else {"nsubj", "nmod"})]
            obj = (preferred or between)[0]
            h[obj], forced[obj] = b, "POB"

    # 5. coordination: the conjunction leans on the next conjunct
    for c in range(1, n + 1):
        if lab[c] == "cc" and forced[c] is None:
            following = [d for d in deps(h[c]) if lab[d] == "conj" and d > c]
            if following:
                h[c] = min(following)
            forced[c] = "LAD"

    # 6. pivot (兼语): V obj xcomp
    for v in range(1, n + 1):
        ds = deps(v)
        objs = [d for d in ds if lab[d] in {"dobj", "obj"} and forced[d] is None and d > v]
        comps = [d for d in ds if lab[d] in {"xcomp", "ccomp"} and forced[d] is None and up[d] in {"VERB", "ADJ"}]
        if objs and comps and objs[0] < comps[0]:
            forced[objs[0]], forced[comps[0]] = "DBL", "VOB"

    rels = [forced[i] or _relabel(i, up, tok, lab, h) for i in range(1, n + 1)]
    pos = [ltp_pos(t, u, x) for t, u, x in zip(tokens, upos, xpos)]
    for p in preps:  # GSD 1.4 tags 于/在 after a verb as verbs; LTP calls them prepositions
        if tok[p] not in {"成", "为", "為", "作"}:
            pos[p - 1] = "p"
    heads_out = h[1:]
    promote_adverbial_root(tokens, pos, heads_out, rels)
    return LTPTree(heads_out, rels, pos)


def _attach_label(p: int, head: int, up: list[str], lab: list[str], forced: list[str | None]) -> str:
    """Label of a preposition that took its noun's place: HED/ATT/ADV/CMP by where it now hangs."""
    if head == 0:
        return "HED"
    if up[head] in NOMINAL and forced[head] != "VOB" and lab[p] not in {"nsubj", "dobj", "obj"}:
        return "ATT"
    return "ADV" if p < head else "CMP"


def _relabel(i: int, up: list[str], tok: list[str], lab: list[str], h: list[int]) -> str:
    rel = lab[i]
    value = LABEL_TABLE.get(rel) or LABEL_TABLE.get(rel.split(":")[0], "ATT|ADV")
    head = h[i]
    if head == 0:
        return "HED"
    if "|" not in value:
        if value == "HED":  # a "root" label on a non-root word (a parser's slip)
            return "COO"
        if value == "FOB" and not (up[i] in NOMINAL and i < head):
            return "COO"
        return value
    if value == "VOB|CMP":  # xcomp: a resultative/directional complement right after its verb
        adjacent = head == i - 1
        return "CMP" if adjacent and (tok[i] in COMPLEMENTS or up[i] == "ADJ") else "VOB"
    if value == "ADV|RAD":  # function words: particles after their head are right adjuncts
        return "RAD" if (i > head and tok[i] in PARTICLES) else "ADV"
    if up[head] in NOMINAL:
        return "ATT"
    return "ADV" if i < head else "VOB"


#: Root words LTP makes adverbials of the verb after them (negation, frequency and yes/no adverbs). GSD
#: heads 没有 + verb with 没有; questions are full of them (我没有收到, 是否影响), and the rule engine needs
#: the verb as the predicate.
ADVERBIAL_ROOTS = frozenset({"没", "没有", "未", "不", "是否", "能否", "可否", "总是", "老是", "一直"})
#: Politeness openers that head a request only in form (请您稍等, 请问…是): the verb after them is the
#: predicate, when they open the sentence (我请他吃饭 keeps its verb 请).
POLITE_OPENERS = frozenset({"请", "请问", "麻烦"})


def promote_adverbial_root(tokens: list[str], pos: list[str], heads: list[int], rels: list[str]) -> None:
    """When the root is an adverbial (:data:`ADVERBIAL_ROOTS`) or a sentence-opening politeness word
    (:data:`POLITE_OPENERS`) with a verb dependent after it, that verb becomes the root (HED), the old
    root its ADV, and the old root's other dependents move to the verb. In place, on LTP labels and
    POS; the result is still a tree (only the root and its direct dependents move)."""
    if 0 not in heads:
        return
    root = heads.index(0) + 1
    word = tokens[root - 1]
    opener = word in POLITE_OPENERS and all(pos[k] == "wp" for k in range(root - 1))
    if word not in ADVERBIAL_ROOTS and not opener:
        return
    verb = next((k for k in range(root + 1, len(tokens) + 1)
                 if heads[k - 1] == root and pos[k - 1] == "v" and rels[k - 1] in ("VOB", "COO", "POB", "CMP")), 0)
    if not verb:
        return
    for k in range(1, len(tokens) + 1):
        if heads[k - 1] == root and k != verb:
            heads[k - 1] = verb
    heads[verb - 1], rels[verb - 1] = 0, "HED"
    heads[root - 1], rels[root - 1] = verb, "ADV"
    pos[root - 1] = "d"


def mapping_table() -> str:
    """The relation table as Markdown (used in the model card and docs)."""
    rows = ["| UD relation | LTP label |", "|---|---|"]
    for ud, ltp in LABEL_TABLE.items():
        shown = {"ATT|ADV": "ATT under a noun, ADV before a verb, VOB after it",
                 "VOB|CMP": "CMP for a complement right after its verb (吃完), else VOB",
                 "ADV|RAD": "RAD for a particle after its head (的/了/吗...), else ADV",
                 "FOB": "FOB for a nominal before its verb, else COO",
                 "HED": "HED (COO if a non-root word carries it)"}.get(ltp, ltp)
        rows.append(f"| {ud} | {shown} |")
    return "\n".join(rows)
