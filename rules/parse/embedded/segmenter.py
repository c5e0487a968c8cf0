"""The trained word segmenter: a character BiLSTM tagging B/M/E/S, trained on UD Chinese GSD words.

Why: the parser was trained on GSD's words, and jieba's words agree with GSD's on only ~79 % of
words, so most raw-text parse errors were segmentation mismatches. The tagger reads each character
with its two bigrams, jieba's own B/M/E/S tag for it and whether jieba's dictionary (user words
included) has a 2-5 character word starting or ending there; it learns where GSD's conventions
differ from jieba's (suffixes such as 市/人/性 split off, for instance) while dictionary and user words
still steer it. Two post-steps keep what the rule engine needs from jieba: user-dictionary words are
forced as whole words, and (optionally) adjacent pieces that together form a word the lexicon knows
(HowNet) are merged back.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from simcalc.errors import ResourceNotFoundError
from simcalc.numpy_nn import length_batches
from simcalc.resources import project_data_path

from simcalc.text import simplify_chars
from .numpy_net import log_softmax

log = logging.getLogger(__name__)

TAGS = "BMES"
MAX_DICT_LEN = 5  # dictionary features: words of 2..5 characters starting/ending at a character
N_DICT = 2 * (MAX_DICT_LEN - 1)
SEG_FILES = ("segmenter.json", "segmenter.safetensors")
BATCH_CHARS = 8192  # padded characters per network batch (bounded memory, little padding)
PAD, UNK = "<pad>", "<unk>"
_ASCII_LETTER = re.compile(r"[a-z]")


@lru_cache(maxsize=20_000)
def char_key(ch: str) -> str:
    """The form the tagger's vocabulary sees: NFKC, lower case, simplified, digits → 0, latin → a."""
    form = unicodedata.normalize("NFKC", ch).lower()[:1] or ch
    if form.isdigit():
        return "0"
    if _ASCII_LETTER.fullmatch(form):
        return "a"
    return simplify_chars(form)


def bmes(words: Sequence[str]) -> list[int]:
    """Tag ids (B=0, M=1, E=2, S=3) of the characters of ``words``."""
    out: list[int] = []
    for w in words:
        out += [3] if len(w) == 1 else [0] + [1] * (len(w) - 2) + [2]
    return out


def words_from_tags(text: str, tags: Sequence[int]) -> list[str]:
    words, start = [], 0
    for i, t in enumerate(tags):
        if t in (2, 3) or i == len(text) - 1:
            words.append(text[start: i + 1])
            start = i + 1
    return words


def dict_features(text: str, vocab: Callable[[str], bool]) -> list[list[int]]:
    """Per character: [word of length n ends here for n=2..5] + [word of length n starts here]."""
    n = len(text)
    feats = [[0] * N_DICT for _ in range(n)]
    for i in range(n):
        for k in range(2, MAX_DICT_LEN + 1):
            if i + k <= n and vocab(text[i: i + k]):
                feats[i][MAX_DICT_LEN - 1 + k - 2] = 1  # starts at i
                feats[i + k - 1][k - 2] = 1  # ends at i + k - 1
    return feats


@dataclass
class SegConfig:
    n_chars: int
    n_bigrams: int
    char_dim: int = 64
    bigram_dim: int = 32
    hidden: int = 128
    dropout: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SegVocab:
    chars: list[str]
    bigrams: list[str]

    def __post_init__(self) -> None:
        self.char_index = {c: i for i, c in enumerate(self.chars)}
        self.bigram_index = {b: i for i, b in enumerate(self.bigrams)}

    @classmethod
    def build(cls, texts: Iterable[str], min_char: int = 1, min_bigram: int = 2) -> "SegVocab":
        from collections import Counter

        chars: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        for text in texts:
            keys = [char_key(c) for c in text]
            chars.update(keys)
            bigrams.update(a + b for a, b in zip(keys, keys[1:] + ["</s>"]))
        keep = lambda counts, m: sorted((k for k, c in counts.items() if c >= m), key=lambda k: (-counts[k], k))  # noqa: E731
        return cls([PAD, UNK] + keep(chars, min_char), [PAD, UNK] + keep(bigrams, min_bigram))

    def encode(self, text: str) -> tuple[list[int], list[int], list[int]]:
        """Char ids, ids of the bigram ending at each char and of the one starting there."""
        keys = [char_key(c) for c in text]
        chars = [self.char_index.get(k, 1) for k in keys]
        right = [self.bigram_index.get(a + b, 1) for a, b in zip(keys, keys[1:] + ["</s>"])]
        left = [self.bigram_index.get(a + b, 1) for a, b in zip(["<s>"] + keys[:-1], keys)]
        return chars, left, right


def build_network(config: SegConfig):
    """The tagger network for training (torch imported only here; inference runs :class:`.numpy_net.SegmenterNet`)."""
    import torch
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self, c: SegConfig) -> None:
            super().__init__()
            self.char_embed = nn.Embedding(c.n_chars, c.char_dim, padding_idx=0)
            self.bigram_embed = nn.Embedding(c.n_bigrams, c.bigram_dim, padding_idx=0)
            self.dropout = nn.Dropout(c.dropout)
            self.lstm = nn.LSTM(c.char_dim + 2 * c.bigram_dim + 4 + N_DICT, c.hidden, batch_first=True,
                                bidirectional=True)
            self.out = nn.Linear(2 * c.hidden, len(TAGS))

        def forward(self, chars, left, right, jieba_tags, dict_feats):
            x = torch.cat([self.char_embed(chars), self.bigram_embed(left), self.bigram_embed(right),
                           nn.functional.one_hot(jieba_tags, 4).float(), dict_feats.float()], -1)
            lengths = chars.ne(0).sum(1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(self.dropout(x), lengths, batch_first=True,
                                                       enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=chars.size(1))
            return self.out(self.dropout(h))

    return Tagger(config)


#: Allowed tag transitions (B→M/E, M→M/E, E→B/S, S→B/S); a word starts with B or S and ends with E or S.
_ALLOWED = {(0, 1), (0, 2), (1, 1), (1, 2), (2, 0), (2, 3), (3, 0), (3, 3)}


def viterbi(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Best valid B/M/E/S sequence per sentence from log-probs [B, L, 4], batched over sentences (numpy)."""
    scores = np.asarray(scores, dtype=np.float32)
    lengths = np.asarray(lengths)
    batch, length, _ = scores.shape
    trans = np.full((4, 4), -1e4, dtype=np.float32)
    for a, b in _ALLOWED:
        trans[a, b] = 0.0
    start = np.array([0.0, -1e4, -1e4, 0.0], dtype=np.float32)
    end = np.array([-1e4, -1e4, 0.0, 0.0], dtype=np.float32)
    best = scores[:, 0] + start
    back = np.empty((max(length - 1, 0), batch, 4), dtype=np.int64)
    keep = np.broadcast_to(np.arange(4), (batch, 4))
    for t in range(1, length):
        cand = best[:, :, None] + trans  # [B, from, to]
        arg = cand.argmax(1)
        val = np.take_along_axis(cand, arg[:, None, :], 1)[:, 0] + scores[:, t]
        alive = (t < lengths)[:, None]
        best = np.where(alive, val, best)
        back[t - 1] = np.where(alive, arg, keep)
    last = (best + end).argmax(1)
    path = np.empty((batch, length), dtype=np.int64)
    path[:, -1] = last
    rows = np.arange(batch)
    for t in range(length - 2, -1, -1):
        last = back[t][rows, last]
        path[:, t] = last
    return path


def featurize(text: str, vocab: SegVocab, jieba_cut: Callable[[str], Iterable[str]],
              in_dict: Callable[[str], bool]) -> tuple[list[int], list[int], list[int], list[int], list[list[int]]]:
    chars, left, right = vocab.encode(text)
    return chars, left, right, bmes(list(jieba_cut(text))), dict_features(text, in_dict)


def pad(features: list[tuple]) -> tuple[np.ndarray, ...]:
    """Padded int64 arrays [B, L] of char, left/right bigram and jieba tag ids, and uint8 [B, L, N_DICT]
    dictionary features, of :func:`featurize` outputs (training wraps them with ``torch.from_numpy``)."""
    length = max(len(f[0]) for f in features)
    out = [np.zeros((len(features), length), dtype=np.int64) for _ in range(4)]
    dicts = np.zeros((len(features), length, N_DICT), dtype=np.uint8)
    for b, f in enumerate(features):
        n = len(f[0])
        for k in range(4):
            out[k][b, :n] = f[k]
        if n:
            dicts[b, :n] = f[4]
    return (*out, dicts)


def force_words(text: str, words: list[str], forced: Iterable[str]) -> list[str]:
    """Re-cut ``words`` (a segmentation of ``text``) so each occurrence of a forced word is one word
    (longest first, left to right, non-overlapping); the words around it are cut at its edges."""
    forced = sorted({w for w in forced if w and len(w) > 1}, key=len, reverse=True)
    if not forced:
        return words
    starts = set()
    pos = 0
    for w in words:
        starts.add(pos)
        pos += len(w)
    taken = [False] * len(text)
    for w in forced:
        i = text.find(w)
        while i >= 0:
            if not any(taken[i: i + len(w)]):
                for k in range(i, i + len(w)):
                    taken[k] = True
                starts.difference_update(range(i + 1, i + len(w)))
                starts.update((i, i + len(w)))
            i = text.find(w, i + 1)
    cuts = sorted(s for s in starts if s < len(text)) + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


def merge_known(words: list[str], known: Callable[[str], bool], max_chars: int = 4,
                protected: frozenset[str] = frozenset()) -> list[str]:
    """Merge runs of adjacent words whose concatenation the lexicon knows (longest run first, left to
    right, at most ``max_chars`` characters), so a word HowNet knows is never split apart."""
    out, i = [], 0
    while i < len(words):
        best = 1
        if words[i] not in protected:
            total = len(words[i])
            for j in range(i + 1, len(words)):
                total += len(words[j])
                if total > max_chars or words[j] in protected:
                    break
                if known("".join(words[i: j + 1])):
                    best = j + 1 - i
        out.append("".join(words[i: i + best]))
        i += best
    return out


def segmenter_available(model_dir: str | Path | None = None) -> bool:
    try:
        folder = Path(model_dir) if model_dir else project_data_path("parser/segmenter.json").parent
    except ResourceNotFoundError:
        return False
    return all((folder / f).is_file() for f in SEG_FILES)


class TrainedSegmenter:
    """``TrainedSegmenter(user_dict=None, known=None)(text) -> list[str]``, GSD-style words.

    ``known``: a lexicon membership test (HowNet's ``knows``); when given, adjacent words that
    together form a known word of at most four characters are merged. ``.frequencies`` and
    ``.add_word`` are the jieba tokenizer's (the same interface as :class:`..segment.Segmenter`).
    """

    def __init__(self, user_dict: str | Path | None = None, known: Callable[[str], bool] | None = None,
                 model_dir: str | Path | None = None, batch_size: int = 512) -> None:
        from ..jieba_segment import Segmenter
        from simcalc.numpy_nn import load_safetensors

        from .numpy_net import SegmenterNet

        folder = Path(model_dir) if model_dir else project_data_path("parser/segmenter.json").parent
        if not segmenter_available(folder):
            raise ResourceNotFoundError(f"segmenter weights not found in {folder} (need {', '.join(SEG_FILES)}); "
                                        "retrain with `python -m simcalc.rules.parse.embedded.train_segmenter`")
        meta = json.loads((folder / "segmenter.json").read_text(encoding="utf-8"))
        self.meta = {k: meta.get(k) for k in ("dev", "epoch", "training_data")}
        self.vocab = SegVocab(meta["vocab"]["chars"], meta["vocab"]["bigrams"])
        #: the tagger's forward pass in numpy (no torch at inference; :mod:`.numpy_net`)
        self.net = SegmenterNet(load_safetensors(folder / "segmenter.safetensors"))
        self.jieba = Segmenter(user_dict)
        self.user_dict = self.jieba.user_dict
        self.user_words = frozenset(_read_user_words(user_dict)) if user_dict else frozenset()
        self.known = known
        self.batch_size = batch_size

    @property
    def frequencies(self) -> dict[str, int]:
        return self.jieba.frequencies

    def add_word(self, word: str, freq: int | None = None) -> None:
        self.jieba.add_word(word, freq)
        self.user_words = self.user_words | {word}

    def __call__(self, text: str) -> list[str]:
        return self.cut_many([text])[0]

    def cut_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Segment many texts in batches (whitespace is a word boundary and never a word)."""
        return [final for _, final in self.cut_pairs(texts)]

    def cut_pairs(self, texts: Sequence[str]) -> list[tuple[list[str], list[str]]]:
        """Per text: the model's own words (the treebank's conventions, what the parser reads) and the
        final words (user words forced, lexicon words merged), which may be coarser."""
        pieces = [[p for p in re.split(r"\s+", t) if p] for t in texts]
        flat = [p for ps in pieces for p in ps]
        cut = self._tag(flat)
        out, k = [], 0
        for ps in pieces:
            fine = [w for words in cut[k: k + len(ps)] for w in words]
            final = [w for p, words in zip(ps, cut[k: k + len(ps)]) for w in self.finish(p, words)]
            k += len(ps)
            out.append((fine, final))
        return out

    def finish(self, text: str, words: list[str]) -> list[str]:
        """The post-steps: user-dictionary words forced whole, then lexicon words merged back."""
        if self.user_words:
            words = force_words(text, words, self.user_words)
        if self.known is not None:
            words = merge_known(words, self.known, protected=self.user_words)
        return words

    def _tag(self, texts: list[str]) -> list[list[str]]:
        """The model's words for whitespace-free texts (batched, constrained Viterbi decoding)."""
        freq = self.jieba.frequencies
        in_dict = lambda w: freq.get(w, 0) > 0  # noqa: E731 (jieba stores every prefix with count 0)
        jieba_cut = self.jieba._tokenizer.cut
        results: list = [None] * len(texts)
        for ids in length_batches([len(t) for t in texts], self.batch_size, BATCH_CHARS):
            feats = [featurize(texts[i], self.vocab, lambda t: jieba_cut(t, HMM=True), in_dict) for i in ids]
            x = pad(feats)
            paths = viterbi(log_softmax(self.net(*x)), np.maximum((x[0] != 0).sum(1), 1))
            for b, i in enumerate(ids):
                results[i] = words_from_tags(texts[i], paths[b, : len(texts[i])].tolist())
        return results

    def describe(self) -> dict:
        return {"name": "trained", "user_dict": self.user_dict, "merge_known": self.known is not None, **self.meta}


def _read_user_words(path: str | Path) -> list[str]:
    """Words of a jieba user dictionary (first field of each line)."""
    text = Path(path).expanduser().read_text(encoding="utf-8")
    return [line.split()[0] for line in text.splitlines() if line.strip()]
