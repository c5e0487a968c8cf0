"""The two networks' inference in numpy: the same functions as :mod:`simcalc.neural.models` in eval mode, no torch.

Why: importing torch and building the modules is most of a neural scorer's cold start (and of the default
engine's), while scoring needs only a few matrix products per step. The weights are the checkpoint's own
``model.safetensors`` read by :func:`simcalc.numpy_nn.load_safetensors`, so nothing is converted or shipped
twice (and the ``safetensors`` package is not needed).

What it computes, per model (dropout is the identity at inference):

* LSTM layers as :mod:`simcalc.neural.fast` runs them: the first layer's input projection is a
  ``vocab × 4·hidden`` table made at load time, rows are sorted by length and packed, and each step runs
  only on the rows still that long (:func:`simcalc.numpy_nn.lstm_layer`, the parser's too: one ``tanh``
  pass per step over pre-scaled gates).
* Additive attention pooling, the CNN encoder (two convolutions with max-pooling), and both matching heads.

Scores equal the torch model's within float32 rounding (tests/test_neural_numpy.py: 1e-5 on real pairs).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from simcalc.numpy_nn import conv1d, conv_weight, dense, lstm_layer, lstm_weights, packing

Array = np.ndarray


def _order(lengths: Array) -> Array:
    """Row order by descending length (stable, as the torch fast path sorts)."""
    return np.argsort(-lengths, kind="stable")


class LSTMStack:
    """A unidirectional, batch-first ``nn.LSTM`` (any number of layers) read from an embedding's ids.

    ``__call__`` takes rows already sorted by descending length and returns the last real hidden state
    of each row and, if asked, the top layer's outputs time-major ``(T, B, H)`` (zeros past each length).
    """

    def __init__(self, weights: dict[str, Array], prefix: str, embedding: Array) -> None:
        layers = sum(1 for k in weights if k.startswith(f"{prefix}.weight_ih_l"))
        self.layers = [lstm_weights(weights, prefix, k) for k in range(layers)]  # (W_ih^T, W_hh^T, bias), scaled
        self.hidden = self.layers[0][1].shape[0]
        w_in, _, bias = self.layers[0]
        self.table = np.ascontiguousarray(embedding @ w_in + bias)  # (vocab, 4H): layer 1's input part per token

    def __call__(self, ids: Array, lengths: Array, keep_outputs: bool) -> tuple[Array, Array | None]:
        width = int(lengths[0]) if len(lengths) else 0
        real, alive, offsets = packing(lengths, width)  # real (T, B): its True cells in order are the packed rows
        gates_x = self.table[ids[:, :width].T[real]]  # (N, 4H) packed
        h, below = lstm_layer(gates_x, self.layers[0][1], alive, offsets, keep=keep_outputs or len(self.layers) > 1)
        for k, (w_in, w_hh, bias) in enumerate(self.layers[1:], 2):
            h, below = lstm_layer(dense(below, w_in, bias), w_hh, alive, offsets,  # type: ignore[arg-type]
                                  keep=keep_outputs or k < len(self.layers))
        if below is None:
            return h, None
        out = np.zeros((width, len(lengths), self.hidden), dtype=np.float32)
        out[real] = below
        return h, out


def attention(weights: dict[str, Array], prefix: str, outputs: Array, lengths: Array) -> Array:
    """Additive attention pooling over time-major ``outputs`` (T, B, H), real steps only."""
    width, batch, hid = outputs.shape
    proj = np.tanh(outputs.reshape(-1, hid) @ weights[f"{prefix}.proj.weight"].T + weights[f"{prefix}.proj.bias"])
    scores = (proj @ weights[f"{prefix}.score.weight"][0]).reshape(width, batch)
    scores[np.arange(width)[:, None] >= lengths[None, :]] = -np.inf
    scores = np.exp(scores - scores.max(0, keepdims=True))
    scores /= scores.sum(0, keepdims=True)
    return (scores[:, :, None] * outputs).sum(0)


def cosine(a: Array, b: Array, eps: float = 1e-8) -> Array:
    """torch's ``cosine_similarity``: each vector divided by its norm (at least ``eps``), then the dot product."""
    na = np.maximum(np.linalg.norm(a, axis=-1), eps)
    nb = np.maximum(np.linalg.norm(b, axis=-1), eps)
    return ((a / na[:, None]) * (b / nb[:, None])).sum(-1)


def _linear(weights: dict[str, Array], name: str, x: Array) -> Array:
    return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]


def _relu(x: Array) -> Array:
    return np.maximum(x, 0.0)


def _sigmoid(x: Array) -> Array:
    return 0.5 * np.tanh(0.5 * x) + 0.5


class NumpyCVLSTM:
    """CV-LSTM / WV-LSTM / CV-CNN (:class:`simcalc.neural.models.CVLSTM`) in numpy."""

    kind = "cvlstm"

    def __init__(self, config: dict[str, Any], weights: dict[str, Array]) -> None:
        self.w = weights
        self.encoder = config["encoder"]
        if self.encoder == "lstm":
            self.lstm = LSTMStack(weights, "encoder", weights["embedding.weight"])
        elif self.encoder == "cnn":  # (F, C, k) weights as (k·C, F) once, for conv1d
            self.convs = {name: (conv_weight(weights[f"{name}.weight"]), weights[f"{name}.weight"].shape[2])
                          for name in ("encoder.conv1", "encoder.conv2")}

    def sentence_vectors(self, side: dict[str, Array]) -> tuple[Array, ...]:
        ids, lengths = side["ids"], np.maximum(side["len"], 1)
        if self.encoder == "cnn":
            return (self._cnn(ids, lengths),)
        order = _order(lengths)
        h, _ = self.lstm(ids[order], lengths[order], keep_outputs=False)
        out = np.empty_like(h)
        out[order] = h
        return (out,)

    def _conv(self, x: Array, name: str) -> Array:
        """``Conv1d(padding=k//2)`` of (B, L, C) → (B, L', F)."""
        weight, kernel = self.convs[name]
        return conv1d(x, weight, self.w[f"{name}.bias"], kernel)

    def _cnn(self, ids: Array, lengths: Array) -> Array:
        x = self.w["embedding.weight"][ids]
        h = _relu(self._conv(x, "encoder.conv1"))
        h[np.arange(h.shape[1])[None, :] >= lengths[:, None]] = 0.0
        if h.shape[1] % 2:  # max_pool1d(2, ceil_mode=True): a lone last position is its own window
            h = np.concatenate([h, np.full_like(h[:, :1], -np.inf)], axis=1)
        h = h.reshape(h.shape[0], -1, 2, h.shape[2]).max(2)
        h = _relu(self._conv(h, "encoder.conv2"))
        h[np.arange(h.shape[1])[None, :] >= ((lengths + 1) // 2)[:, None]] = -np.inf
        return h.max(1)

    def head(self, a: tuple[Array, ...], b: tuple[Array, ...]) -> dict[str, Array]:
        cos = cosine(a[0], b[0])
        return {"logits": cos[:, None] @ self.w["classifier.weight"].T + self.w["classifier.bias"], "cosine": cos}


class NumpyMGF:
    """MGF (:class:`simcalc.neural.models.MGF`) in numpy."""

    kind = "mgf"

    def __init__(self, config: dict[str, Any], weights: dict[str, Array]) -> None:
        self.w = weights
        self.hidden = int(config["hidden"])
        self.char2 = LSTMStack(weights, "char_lstm2", weights["char_embedding.weight"])
        self.char1 = LSTMStack(weights, "char_lstm1", weights["char_embedding.weight"])
        self.word = LSTMStack(weights, "word_lstm", weights["word_embedding.weight"])

    def sentence_vectors(self, side: dict[str, Array]) -> tuple[Array, ...]:
        chars, clen = side["chars"], np.maximum(side["clen"], 1)
        words, wlen = side["words"], np.maximum(side["wlen"], 1)
        order = _order(clen)
        ids, lengths = chars[order], clen[order]
        c2 = attention(self.w, "char_att2", self.char2(ids, lengths, keep_outputs=True)[1], lengths)  # type: ignore[arg-type]
        c1 = attention(self.w, "char_att1", self.char1(ids, lengths, keep_outputs=True)[1], lengths)  # type: ignore[arg-type]
        char_vec = np.empty_like(c2)
        char_vec[order] = c2 + c1
        order = _order(wlen)
        lengths = wlen[order]
        w = attention(self.w, "word_att", self.word(words[order], lengths, keep_outputs=True)[1], lengths)  # type: ignore[arg-type]
        word_vec = np.empty_like(w)
        word_vec[order] = w
        return char_vec, word_vec

    def head(self, a: tuple[Array, ...], b: tuple[Array, ...]) -> dict[str, Array]:
        (ca, wa), (cb, wb) = a, b
        q1, q2 = ca + wa, cb + wb
        c2 = q1 * q2
        c3 = c2.sum(-1) / self.hidden
        path = _relu(_linear(self.w, "dense2", _relu(_linear(self.w, "dense1",
                                                             np.concatenate([q1, q2, np.abs(q1 - q2), c2], -1)))))
        p1, p2 = _relu(_linear(self.w, "prime", q1)), _relu(_linear(self.w, "prime", q2))
        path_prime = np.concatenate([np.abs(p1 - p2), p1 * p2], -1)
        dense_logit = _linear(self.w, "out", path + path_prime)[:, 0]
        return {"logit": dense_logit + c3, "dense_logit": dense_logit, "dot_logit": c3,
                "char_cosine": cosine(ca, cb), "word_cosine": cosine(wa, wb)}


def build(config: dict[str, Any], weights: dict[str, Array]) -> NumpyCVLSTM | NumpyMGF:
    """The numpy network of a checkpoint config (``kind`` = ``cvlstm``, ``mgf`` or ``re2``)."""
    if config["kind"] == "cvlstm":
        return NumpyCVLSTM(config, weights)
    if config["kind"] == "mgf":
        return NumpyMGF(config, weights)
    if config["kind"] == "re2":  # cross-attention: its own module (simcalc.neural.re2_numpy)
        from .re2_numpy import NumpyRE2

        return NumpyRE2(config, weights)  # type: ignore[return-value]
    raise ValueError(f"unknown model kind {config['kind']!r}")


def probabilities(kind: str, out: dict[str, Array]) -> Array:
    """(batch, classes) probabilities, as :func:`simcalc.neural.models.probabilities`."""
    if kind == "mgf":
        p = _sigmoid(out["logit"])
        return np.stack([1 - p, p], axis=-1)
    logits = out["logits"] - out["logits"].max(-1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(-1, keepdims=True)
