"""The RE2 matcher (:mod:`simcalc.neural.re2`) in numpy: inference without torch, same scores.

The network has no per-sentence vector (the two sentences meet in every block), so the scorers'
``sentence_vectors`` step only hands on the ids and lengths, and :meth:`NumpyRE2.head` runs the whole
network on the pairs, in chunks of similar length (padding costs as much as characters in every product).
Convolutions and dense layers are :mod:`simcalc.numpy_nn`'s; what is new here is the masked soft alignment.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from simcalc.numpy_nn import conv1d, conv_weight, dense

Array = np.ndarray
#: Pairs per forward chunk of :meth:`NumpyRE2.head`.
CHUNK = 256
NEG = np.float32(-1e9)


def masked_softmax(scores: Array, mask: Array, axis: int) -> Array:
    """Softmax along ``axis`` with masked-out cells (``mask`` False) at -1e9, as the torch model does."""
    scores = np.where(mask, scores, NEG)
    scores = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return scores / scores.sum(axis=axis, keepdims=True)


def align(fa: Array, fb: Array, pa: Array, pb: Array, ma: Array, mb: Array, scale: float) -> tuple[Array, Array]:
    """Soft alignment: e = pa·pbᵀ·scale; each position of a's weighted mean of fb (softmax over b's real
    positions) and each of b's of fa (softmax over a's)."""
    e = np.matmul(pa, pb.transpose(0, 2, 1)) * np.float32(scale)  # (B, La, Lb)
    a_aligned = np.matmul(masked_softmax(e, mb[:, None, :], axis=2), fb)
    b_aligned = np.matmul(masked_softmax(e, ma[:, :, None], axis=1).transpose(0, 2, 1), fa)
    return a_aligned, b_aligned


def _relu(x: Array) -> Array:
    return np.maximum(x, 0.0, out=x)


class NumpyRE2:
    """:class:`simcalc.neural.re2.RE2` in eval mode (dropout is the identity)."""

    kind = "re2"

    def __init__(self, config: dict[str, Any], weights: dict[str, Array]) -> None:
        self.w = weights
        self.embedding = weights["embedding.weight"]
        self.blocks = int(config["blocks"])
        self.enc_layers = int(config["enc_layers"])
        self.kernel = int(config["kernel"])
        self.scale = 1.0 / float(np.sqrt(int(config["hidden"])))
        self.convs = {k: conv_weight(v) for k, v in weights.items() if ".convs." in k and k.endswith(".weight")}
        self.linear = {k[: -len(".weight")]: (np.ascontiguousarray(v.T), weights[k[: -len(".weight")] + ".bias"])
                       for k, v in weights.items() if v.ndim == 2 and k != "embedding.weight"}

    def _dense(self, name: str, x: Array) -> Array:
        w, b = self.linear[name]
        return dense(x, w, b)

    def _encode(self, k: int, x: Array, mask: Array) -> Array:
        x = x * mask[..., None]  # pads zeroed, as the torch model does
        h = x
        for i in range(self.enc_layers):
            name = f"blocks.{k}.convs.{i}"
            h = _relu(conv1d(h, self.convs[f"{name}.weight"], self.w[f"{name}.bias"], self.kernel)) * mask[..., None]
        return np.concatenate([x, h], axis=-1)

    def _fusion(self, k: int, f: Array, aligned: Array) -> Array:
        g = [_relu(self._dense(f"blocks.{k}.fuse{i}", np.concatenate([f, part], -1)))
             for i, part in ((1, aligned), (2, f - aligned), (3, f * aligned))]
        return _relu(self._dense(f"blocks.{k}.fuse", np.concatenate(g, -1)))

    def pair(self, ids_a: Array, len_a: Array, ids_b: Array, len_b: Array) -> Array:
        """(B, 2) logits of padded id arrays."""
        ma = np.arange(ids_a.shape[1])[None, :] < len_a[:, None]
        mb = np.arange(ids_b.shape[1])[None, :] < len_b[:, None]
        ea, eb = self.embedding[ids_a], self.embedding[ids_b]
        xa, xb = ea, eb
        for k in range(self.blocks):
            if k:
                xa, xb = np.concatenate([ea, xa], -1), np.concatenate([eb, xb], -1)
            fa, fb = self._encode(k, xa, ma), self._encode(k, xb, mb)
            pa, pb = _relu(self._dense(f"blocks.{k}.align", fa)), _relu(self._dense(f"blocks.{k}.align", fb))
            a_aligned, b_aligned = align(fa, fb, pa, pb, ma, mb, self.scale)
            xa, xb = self._fusion(k, fa, a_aligned), self._fusion(k, fb, b_aligned)
        va = np.where(ma[..., None], xa, NEG).max(1)
        vb = np.where(mb[..., None], xb, NEG).max(1)
        h = _relu(self._dense("predict", np.concatenate([va + vb, np.abs(va - vb), va * vb], -1)))
        return self._dense("out", h)

    # the scorers' interface (see simcalc.neural.scorers.NeuralScorer): ids pass through, the head does the work
    def sentence_vectors(self, side: dict[str, Array]) -> tuple[Array, ...]:
        return side["ids"], side["len"]

    def head(self, a: tuple[Array, ...], b: tuple[Array, ...]) -> dict[str, Array]:
        """``{"logits": (n, 2)}`` for row-aligned sides (ids padded to any width, lengths), in length-sorted chunks."""
        (ids_a, len_a), (ids_b, len_b) = a, b
        len_a, len_b = np.maximum(np.asarray(len_a), 1), np.maximum(np.asarray(len_b), 1)
        order = np.argsort(len_a + len_b, kind="stable")
        logits = np.empty((len(order), 2), dtype=np.float32)
        for start in range(0, len(order), CHUNK):
            idx = order[start:start + CHUNK]
            wa, wb = int(len_a[idx].max()), int(len_b[idx].max())
            logits[idx] = self.pair(np.asarray(ids_a)[idx, :wa], len_a[idx], np.asarray(ids_b)[idx, :wb], len_b[idx])
        return {"logits": logits}
