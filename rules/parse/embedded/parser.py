"""The embedded parser: simcalc's own biaffine model, trained on UD Chinese GSD v1.4.

It predicts UD (v1) trees and GSD tags, which :func:`simcalc.rules.parse.ud_convert.convert` turns into LTP
labels and POS, so the rule engine sees the same labels whichever backend ran. Raw text is segmented
by the trained segmenter (GSD's words; :mod:`.segmenter`), or jieba on request (a user dictionary can
be given to either).
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from simcalc.errors import ResourceNotFoundError
from simcalc.numpy_nn import blas_threads, length_batches
from simcalc.resources import project_data_path

from ..base import BaseParser
from ..conllu import is_punct
from ..question_root import repair_question_root
from ..segment import default_segmenter, model_segmenter
from ..types import Parse, ParserUnavailableError
from ..ud_convert import convert

log = logging.getLogger(__name__)

#: GSD 1.4 XPOS → UPOS (the treebank's own pairing), to feed the UD → LTP conversion.
XPOS_UPOS = {
    "NN": "NOUN", "NNB": "NOUN", "NNP": "PROPN", "VV": "VERB", "VC": "VERB", "BB": "VERB", "MD": "AUX",
    "RB": "ADV", "IN": "ADP", "JJ": "ADJ", "CC": "CONJ", "CD": "NUM", "PRP": "PRON", "PRD": "PRON",
    "WP": "PRON", "DT": "DET", "DEC": "PART", "DEV": "PART", "AS": "PART", "SFN": "PART", "SFV": "PART",
    "SFA": "PART", "PFA": "PART", "PFN": "PART", "FW": "X", "UH": "X", "XX": "X", "LS": "X", "ADD": "SYM",
}
MODEL_FILES = ("model.json", "model.safetensors")
#: Longest piece the network and tree decoder see at once. Chu-Liu-Edmonds copies an n×n matrix per
#: contracted cycle, so one 512-token sentence of a repeated character cost ~700 MB and 7 s; longer
#: token lists are cut into pieces (at punctuation where possible) whose trees are joined (parataxis).
MAX_PIECE = 96
#: Padded positions per network batch (see :func:`length_batches`).
BATCH_TOKENS = 4096
#: Word forms whose input vectors are kept between batches (200 floats each: ~16 MB at most).
FEATURE_CACHE = 20_000
ROOT_KEY = "\x00<root>"  # the cache key of the artificial root (no text contains it after normalisation)


def split_pieces(tokens: Sequence[str], limit: int = MAX_PIECE) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` covering ``tokens``, each at most ``limit`` long, cut after the last
    punctuation mark of a window when there is one in its second half, else at the limit."""
    spans, start, n = [], 0, len(tokens)
    while n - start > limit:
        end = start + limit
        for cut in range(end, start + limit // 2, -1):
            if is_punct(tokens[cut - 1]):
                end = cut
                break
        spans.append((start, end))
        start = end
    spans.append((start, n))
    return spans


def join_pieces(pieces: list[tuple[list[str], list[int], list[str]]]) -> tuple[list[str], list[int], list[str]]:
    """One tree from the pieces' trees: heads shifted by each piece's offset, later roots under the first."""
    tags: list[str] = []
    heads: list[int] = []
    rels: list[str] = []
    first_root = 0
    for xpos, piece_heads, piece_rels in pieces:
        offset = len(heads)
        for h, r in zip(piece_heads, piece_rels):
            if h == 0 and first_root:
                heads.append(first_root)
                rels.append("parataxis")
            else:
                heads.append(h + offset if h else 0)
                rels.append(r)
        if not first_root:
            first_root = piece_heads.index(0) + 1 if 0 in piece_heads else 0
        tags.extend(xpos)
    return tags, heads, rels


def default_model_dir() -> Path:
    return project_data_path("parser/model.json").parent


def model_available(model_dir: str | Path | None = None) -> bool:
    try:
        folder = Path(model_dir) if model_dir else default_model_dir()
    except ResourceNotFoundError:
        return False
    return all((folder / f).is_file() for f in MODEL_FILES)


#: Clause-final modal particles. GSD (encyclopedia text) has almost none, so the model attaches them
#: as objects; questions are full of them, and LTP makes them RAD of the clause's predicate.
FINAL_PARTICLES = {"吗", "嗎", "呢", "吧", "啊", "呀", "嘛", "啦", "哦", "么", "麼", "呗", "哇", "哈", "咯", "嘞"}


def attach_final_particles(tokens: Sequence[str], heads: list[int], deprels: list[str],
                           xpos: list[str]) -> None:
    """Re-attach clause-final particles (吗/呢/吧 ... before punctuation or the end) in place.

    The particle's dependents first give it up (the nearest one takes its head and relation, the
    others hang from that one), then the particle becomes ``discourse`` (→ RAD) of the highest word
    of its clause above the word before it. Only leaf moves are made, so the tree stays a tree.
    """
    n = len(tokens)
    for i in range(1, n):  # 0-based; a particle never starts the text
        nxt = i + 1
        clause_final = nxt == n or is_punct(tokens[nxt])
        if tokens[i] not in FINAL_PARTICLES or not clause_final or is_punct(tokens[i - 1]):
            continue
        me = i + 1
        kids = [k for k in range(1, n + 1) if heads[k - 1] == me]
        if kids:
            heir = max(kids, key=lambda k: (k < me, k))  # the nearest word before the particle
            heads[heir - 1], deprels[heir - 1] = heads[me - 1], deprels[me - 1]
            for k in kids:
                if k != heir:
                    heads[k - 1] = heir
        start = i - 1  # the clause: back to the previous punctuation mark
        while start > 0 and not is_punct(tokens[start - 1]):
            start -= 1
        node = i  # 1-based index of the word before the particle
        while heads[node - 1] != 0 and start < heads[node - 1] <= i and heads[node - 1] != me:
            node = heads[node - 1]
        heads[me - 1], deprels[me - 1], xpos[me - 1] = node, "discourse", "UH"


def refine(tokens: Sequence[str], cut: Sequence[str]) -> tuple[list[str], list[int]]:
    """Split ``tokens`` further at the boundaries of ``cut`` (another segmentation of the same text).

    Returns the finer tokens and, for each, the index of the caller's token it came from. When the two
    segmentations are not of the same text, the tokens are returned unchanged.
    """
    if "".join(tokens) != "".join(cut):
        return list(tokens), list(range(len(tokens)))
    bounds, pos = set(), 0
    for w in cut:
        pos += len(w)
        bounds.add(pos)
    fine, group, pos = [], [], 0
    for k, token in enumerate(tokens):
        start = 0
        for i in range(1, len(token) + 1):
            if i == len(token) or pos + i in bounds:
                fine.append(token[start:i])
                group.append(k)
                start = i
        pos += len(token)
    return fine, group


def merge_subwords(parse: Parse, tokens: Sequence[str], group: Sequence[int]) -> Parse:
    """The tree of ``parse`` (over finer words) on the caller's ``tokens``: each token is represented by
    its piece nearest the root (its head, relation and POS); arcs inside a token disappear, and arcs
    into any piece point to the token. Choosing the piece nearest the root keeps the result a tree."""
    if len(tokens) == len(parse.tokens):
        return Parse(list(tokens), parse.pos, parse.heads, parse.rels, parse.backend, parse.warnings)
    depth = [0] * len(parse.tokens)
    for i in range(len(parse.tokens)):
        node, d = i + 1, 0
        while node:
            node, d = parse.heads[node - 1], d + 1
        depth[i] = d
    rep: dict[int, int] = {}
    for i, k in enumerate(group):
        if k not in rep or depth[i] < depth[rep[k]]:
            rep[k] = i
    heads, rels, pos = [], [], []
    for k in range(len(tokens)):
        i = rep[k]
        h = parse.heads[i]
        heads.append(group[h - 1] + 1 if h else 0)
        rels.append(parse.rels[i])
        pos.append(parse.pos[i])
    return Parse(list(tokens), pos, heads, rels, parse.backend, parse.warnings)


class EmbeddedParser(BaseParser):
    """``EmbeddedParser(model_dir=None, user_dict=None)``: the shipped model unless a folder is given."""

    name = "embedded"

    def __init__(self, model_dir: str | Path | None = None, user_dict: str | Path | None = None,
                 batch_size: int = 256, threads: int | None = 1, segmenter: str = "trained", refine: bool = False,
                 question_roots: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        from simcalc.numpy_nn import load_safetensors

        from .numpy_net import ParserNet
        from .vocab import Vocabs

        folder = Path(model_dir) if model_dir else None
        if folder is None:
            try:
                folder = default_model_dir()
            except ResourceNotFoundError as exc:
                raise ParserUnavailableError(f"embedded parser weights missing: {exc}") from None
        if not model_available(folder):
            raise ParserUnavailableError(
                f"embedded parser weights not found in {folder} (need {', '.join(MODEL_FILES)}); "
                "retrain with `python -m simcalc.rules.parse.embedded.train --export data/parser`")
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        self.meta = {k: meta.get(k) for k in ("format", "dev", "epoch", "training_data")}
        self.vocabs = Vocabs.from_dict(meta["vocabs"])
        #: the network's forward pass in numpy: parsing never imports torch (:mod:`.numpy_net`)
        self.net = ParserNet(load_safetensors(folder / "model.safetensors"))
        #: input vector (word embedding ⊕ char-CNN features) per word form, bounded: FAQ words repeat
        self._features: dict[str, np.ndarray] = {}
        self.model_dir = folder
        self.batch_size = batch_size
        self.user_dict = str(user_dict) if user_dict else None
        #: BLAS threads while parsing (via threadpoolctl when installed), restored after: one thread is
        #: the fastest on a busy machine (the LSTM's products over short questions are small, and
        #: oversubscribed threads were 12× slower at load 8 on 2 cores); None = the BLAS default
        self.threads = threads
        if segmenter not in ("trained", "jieba"):
            raise ValueError(f"segmenter must be 'trained' or 'jieba', not {segmenter!r}")
        #: raw text is cut by the trained segmenter (GSD's words, which the parser was trained on) unless
        #: "jieba" is asked for; the trained one falls back to jieba when its weights are missing
        self.segmenter_kind = segmenter
        #: re-cut the caller's tokens into the treebank's finer words before parsing (see
        #: :meth:`_parse_tokenized`). Off by default: it helped on questions with jieba tokens (HED
        #: +3, subject +5 points) but splits names (张三 → 张 三) and changed the rule engine's trees
        #: on hand-built role sentences; off, the parser reads the given tokens as they are
        self.refine = refine and segmenter == "trained"
        #: re-root questions by the question gold set's conventions (:mod:`..question_root`): GSD has
        #: almost no questions, so the model often roots one in a circumstance clause, a noun or an adverb
        self.question_roots = question_roots

    def segmenter(self):
        if self.segmenter_kind == "jieba":
            return default_segmenter(self.user_dict)
        return model_segmenter(self.user_dict)

    def segment(self, text: str) -> list[str]:
        return self.segmenter()(text)

    def _parse_texts(self, texts: list[str]) -> list[Parse]:
        seg = self.segmenter()
        if not hasattr(seg, "cut_pairs"):
            return self._parse_capped([seg(t) or [t] for t in texts])
        pairs = [(fine or [t], final or [t]) for (fine, final), t in zip(seg.cut_pairs(texts), texts)]
        return self._parse_capped([final for _, final in pairs], cuts=[fine for fine, _ in pairs])

    def parse_ud(self, batch: Sequence[Sequence[str]]) -> list[tuple[list[str], list[int], list[str]]]:
        """UD-level output per sentence: (GSD XPOS tags, heads, UD v1 relations).

        Sentences longer than :data:`MAX_PIECE` tokens are parsed in pieces, so memory and time per
        sentence stay bounded whatever the text.
        """
        spans = [split_pieces(tokens) for tokens in batch]
        flat = [list(tokens[a:b]) for tokens, sp in zip(batch, spans) for a, b in sp]
        with blas_threads(self.threads or None):
            parsed = self._parse_ud(flat)
        results, k = [], 0
        for sp in spans:
            results.append(parsed[k] if len(sp) == 1 else join_pieces(parsed[k: k + len(sp)]))
            k += len(sp)
        return results

    def _parse_ud(self, batch: Sequence[Sequence[str]]) -> list[tuple[list[str], list[int], list[str]]]:
        """Batches of similar length: encode, arc scores, trees (:func:`.decode.decode_batch`), tags and
        the relation of each word with its chosen head only."""
        from .decode import decode_batch
        from .numpy_net import log_softmax

        results: list = [None] * len(batch)
        tags, rels = self.vocabs.tags.items, self.vocabs.rels.items
        for ids in length_batches([len(s) + 1 for s in batch], self.batch_size, BATCH_TOKENS):
            x, lengths = self._inputs([batch[i] for i in ids])
            h = self.net.encode_embedded(x, lengths)
            heads = decode_batch(log_softmax(self.net.arc_scores(h, lengths)), lengths)
            tag_ids = (self.net.tag_scores(h, lengths)[:, :, 1:].argmax(-1) + 1).tolist()  # never the padding tag
            rel_ids = (self.net.rel_scores_for(h, heads, lengths)[:, :, 1:].argmax(-1) + 1).tolist()
            head_lists = heads.tolist()
            for b, i in enumerate(ids):
                n = len(batch[i]) + 1
                results[i] = ([tags[t] for t in tag_ids[b][1:n]], head_lists[b][1:n],
                              [rels[r] for r in rel_ids[b][1:n]])
        return results

    def _inputs(self, sentences: list[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Input vectors [B, L, D] (the root at position 0, zero padding) and lengths (root included).

        Each distinct word form is embedded once (char CNN included) and kept in a bounded cache."""
        cache = self._features
        forms = {t for tokens in sentences for t in tokens} | {ROOT_KEY}
        # this batch's own table: another thread may clear the shared cache meanwhile
        table = {t: v for t in forms if (v := cache.get(t)) is not None}
        missing = [t for t in forms if t not in table]
        if missing:
            encoded = [self.vocabs.encode_root() if t == ROOT_KEY else self.vocabs.encode_token(t) for t in missing]
            width = max(len(c) for _, c in encoded)
            chars = np.zeros((len(encoded), width), dtype=np.int64)
            for k, (_, c) in enumerate(encoded):
                chars[k, : len(c)] = c
            vectors = list(self.net.embed(np.array([w for w, _ in encoded], dtype=np.int64), chars))
            table.update(zip(missing, vectors))
            if len(cache) + len(missing) > FEATURE_CACHE:
                cache.clear()
            cache.update(zip(missing, vectors))
        lengths = np.array([len(tokens) + 1 for tokens in sentences], dtype=np.int64)
        x = np.zeros((len(sentences), int(lengths.max()), self.net.input_dim), dtype=np.float32)
        for b, tokens in enumerate(sentences):
            x[b, : lengths[b]] = [table[ROOT_KEY], *(table[t] for t in tokens)]
        return x, lengths

    def _parse_tokenized(self, batch: list[list[str]], cuts: list[list[str]] | None = None) -> list[Parse]:
        """Parse the caller's tokens. With ``refine=True``, each sentence is first re-cut into the
        treebank's finer words inside the caller's tokens (jieba's 银行卡 → 银行 卡, a user word, a merged
        HowNet word), parsed as such, and the tree is merged back onto the caller's tokens
        (:func:`merge_subwords`), so the parser sees words like those it was trained on whatever
        segmenter the caller used, and the caller gets its own tokens back."""
        if cuts is None:
            seg = self.segmenter() if self.refine else None
            if seg is None or not hasattr(seg, "cut_pairs"):
                return self._parse_fine(batch)
            cuts = [fine for fine, _ in seg.cut_pairs(["".join(t) for t in batch])]
        fine, groups = [], []
        for tokens, cut in zip(batch, cuts):
            sub, group = refine(tokens, cut)
            fine.append(sub)
            groups.append(group)
        return [merge_subwords(parse, tokens, group)
                for parse, tokens, group in zip(self._parse_fine(fine), batch, groups)]

    def _parse_fine(self, batch: list[list[str]]) -> list[Parse]:
        parses = []
        for tokens, (xpos, heads, deprels) in zip(batch, self.parse_ud(batch)):
            # punctuation is decided by the characters, not the model: no WP on words, no words as WP
            punct = [is_punct(t) for t in tokens]
            upos = ["PUNCT" if p else XPOS_UPOS.get(x, "X") for p, x in zip(punct, xpos)]
            xpos = ["," if p else x for p, x in zip(punct, xpos)]
            deprels = ["punct" if p and h != 0 else ("dep" if d == "punct" else d)
                       for p, h, d in zip(punct, heads, deprels)]
            deprels = ["root" if h == 0 else d for h, d in zip(heads, deprels)]
            if len(tokens) > 1:
                attach_final_particles(tokens, heads, deprels, xpos)
            tree = convert(tokens, upos, heads, deprels, xpos)
            if self.question_roots:
                repair_question_root(tokens, tree.pos, tree.heads, tree.rels)
            parses.append(Parse(list(tokens), tree.pos, tree.heads, tree.rels, self.name))
        return parses

    def describe(self) -> dict:
        seg = self.segmenter()
        return {"name": self.name, "model_dir": str(self.model_dir), **self.meta,
                "segmenter": seg.describe() if hasattr(seg, "describe") else "jieba"}
