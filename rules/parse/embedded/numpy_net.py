"""The shipped networks' forward passes in numpy: inference without torch.

Why: importing torch alone takes ~1.7 s and ~300 MB; the rule engine only ever runs the parser and
the segmenter forward, which is a few matrix products and a BiLSTM. torch stays the training framework
(:mod:`.model`, :mod:`.segmenter`'s ``build_network``); these classes read the same safetensors files
and must give the same scores (tests/test_parse_numpy.py checks them against torch).

The shared pieces (the safetensors reader, BLAS threads, length batches, ``dense``, the LSTM layer) are
:mod:`simcalc.numpy_nn`'s, the same as the neural scorers'; neither torch nor ``safetensors`` is needed.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from simcalc.numpy_nn import conv1d, conv_weight, dense, lstm_layer, lstm_weights, packing


class BiLSTM:
    """A (multi-layer) bidirectional LSTM with torch's ``nn.LSTM`` weight names under ``prefix``.

    Inputs are padded [B, L, D] with per-sentence lengths; padded positions never influence real ones
    (as with torch's packed sequences) and come out as zeros.
    """

    def __init__(self, weights: Mapping[str, np.ndarray], prefix: str = "lstm") -> None:
        self.layers = []
        layer = 0
        while f"{prefix}.weight_ih_l{layer}" in weights:  # (forward, backward), gates pre-scaled
            self.layers.append([lstm_weights(weights, prefix, layer, suffix) for suffix in ("", "_reverse")])
            layer += 1
        self.hidden = self.layers[0][0][1].shape[0]

    def __call__(self, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """States [B, L, 2*hidden] of inputs [B, L, D]; positions at or past a sentence's length are zero."""
        batch, length, dim = x.shape
        # packed like torch's PackedSequence: longest sentence first, time-major, real positions only, so
        # the sentences still running at step t are rows offsets[t] .. offsets[t] + alive[t]
        order = np.argsort(-lengths, kind="stable")
        lens = lengths[order]
        real, alive, offsets = packing(lens, length)
        steps, ranks = np.nonzero(real)  # ranks: the rank of the row's sentence in ``order``
        rows = order[ranks]
        # flip[p]: the packed position of the same sentence's mirrored word (the backward pass reads the
        # sentence reversed); mirroring twice is the identity, so flip also maps outputs back
        position = np.full((batch, length), -1, dtype=np.int64)
        position[ranks, steps] = np.arange(len(steps))
        flip = position[ranks, lens[ranks] - 1 - steps]
        packed = x[rows, steps]
        for layer in self.layers:
            (wf, uf, bf), (wb, ub, bb) = layer
            forward = lstm_layer(dense(packed, wf, bf), uf, alive, offsets)[1]
            backward = lstm_layer(dense(packed[flip], wb, bb), ub, alive, offsets)[1][flip]  # type: ignore[index]
            packed = np.concatenate([forward, backward], axis=1)
        out = np.zeros((batch, length, packed.shape[1]), dtype=np.float32)
        out[rows, steps] = packed
        return out


def _leaky_relu(x: np.ndarray, slope: float = 0.1) -> np.ndarray:
    return np.where(x > 0, x, slope * x)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = x - top
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class ParserNet:
    """The biaffine parser (:class:`.model.BiaffineParser`) at inference, in numpy.

    ``encode_embedded(x, lengths)`` → states [B, L, 2*hidden]; ``arc_scores`` [B, L, L] (padding heads
    -inf), ``tag_scores`` [B, L, T], ``rel_scores_for(h, heads, lengths)`` [B, L, R] for the chosen heads
    only. ``lengths`` count the root (position 0); the products run on real positions only.
    """

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        w = weights
        self.word_embed = w["word_embed.weight"]
        self.char_embed = w["char_embed.weight"]
        conv = w["char_cnn.weight"]  # [out, in, k]
        self.kernel = conv.shape[2]
        self.conv_w = conv_weight(conv)
        self.conv_b = w["char_cnn.bias"]
        self.input_dim = self.word_embed.shape[1] + conv.shape[0]
        self.lstm = BiLSTM(w, "lstm")
        self.tag_w, self.tag_b = np.ascontiguousarray(w["tag_out.weight"].T), w["tag_out.bias"]
        self.mlps = {name: (np.ascontiguousarray(w[f"{name}.0.weight"].T), w[f"{name}.0.bias"])
                     for name in ("arc_dep", "arc_head", "rel_dep", "rel_head")}
        self.arc_w = w["arc_attn.weight"][0]  # [arc_dim + 1, arc_dim] (bias on the dependent only)
        rel = w["rel_attn.weight"]  # [R, D + 1, D + 1]
        self.n_rels, d1 = rel.shape[0], rel.shape[1]
        # [D + 1, R * (D + 1)]: dependent side first, so one product gives every relation's row
        self.rel_w = np.ascontiguousarray(rel.transpose(1, 0, 2).reshape(d1, -1))

    def char_features(self, chars: np.ndarray) -> np.ndarray:
        """Max-pooled character-CNN features [N, out] of N words' character ids [N, C] (0 = padding)."""
        feats = np.maximum(conv1d(self.char_embed[chars], self.conv_w, self.conv_b, self.kernel), 0.0)
        feats *= (chars != 0)[:, :, None]
        return feats.max(axis=1)

    def embed(self, words: np.ndarray, chars: np.ndarray) -> np.ndarray:
        """Word embedding ⊕ char-CNN features [N, word_dim + char_out] of N words."""
        return np.concatenate([self.word_embed[words], self.char_features(chars)], axis=-1)

    def encode_embedded(self, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        return self.lstm(x, lengths)

    def _mlp(self, name: str, h: np.ndarray, real: np.ndarray) -> np.ndarray:
        """The MLP on the real positions only (``real``: [B, L] mask), zeros at padding."""
        w, b = self.mlps[name]
        out = np.zeros(h.shape[:-1] + (w.shape[1],), dtype=np.float32)
        out[real] = _leaky_relu(dense(h[real], w, b))
        return out

    @staticmethod
    def _real(h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        return np.arange(h.shape[1])[None, :] < lengths[:, None]

    def arc_scores(self, h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        real = self._real(h, lengths)
        dep = self._mlp("arc_dep", h, real)
        head = self._mlp("arc_head", h, real)
        scores = (dense(dep, self.arc_w[:-1], self.arc_w[-1])) @ head.transpose(0, 2, 1)
        scores[~np.broadcast_to(real[:, None, :], scores.shape)] = -np.inf
        return scores

    def tag_scores(self, h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        real = self._real(h, lengths)
        out = np.zeros(h.shape[:-1] + (self.tag_w.shape[1],), dtype=np.float32)
        out[real] = dense(h[real], self.tag_w, self.tag_b)
        return out

    def rel_scores_for(self, h: np.ndarray, heads: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Scores [B, L, R] of each word's relation with the given head (zeros at padding)."""
        real = self._real(h, lengths)
        dep = self._mlp("rel_dep", h, real)[real]
        head = np.take_along_axis(self._mlp("rel_head", h, real), heads[:, :, None], axis=1)[real]
        one = np.ones((len(dep), 1), dtype=np.float32)
        dep, head = np.concatenate([dep, one], -1), np.concatenate([head, one], -1)
        per_rel = dense(dep, self.rel_w).reshape(len(dep), self.n_rels, dep.shape[1])  # [N, R, D+1], small D
        out = np.zeros(h.shape[:-1] + (self.n_rels,), dtype=np.float32)
        out[real] = np.einsum("nrd,nd->nr", per_rel, head)
        return out


class SegmenterNet:
    """The segmenter's tagger (:func:`.segmenter.build_network`) at inference, in numpy: B/M/E/S scores."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        self.char_embed = weights["char_embed.weight"]
        self.bigram_embed = weights["bigram_embed.weight"]
        self.lstm = BiLSTM(weights, "lstm")
        self.out_w, self.out_b = np.ascontiguousarray(weights["out.weight"].T), weights["out.bias"]

    def __call__(self, chars: np.ndarray, left: np.ndarray, right: np.ndarray, jieba_tags: np.ndarray,
                 dict_feats: np.ndarray) -> np.ndarray:
        onehot = np.eye(4, dtype=np.float32)[jieba_tags]
        x = np.concatenate([self.char_embed[chars], self.bigram_embed[left], self.bigram_embed[right], onehot,
                            dict_feats.astype(np.float32)], axis=-1)
        lengths = np.maximum((chars != 0).sum(1), 1)
        return dense(self.lstm(x, lengths), self.out_w, self.out_b)
