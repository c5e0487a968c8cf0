"""The RE2 matcher (:mod:`simcalc.neural.re2`) in numpy: inference without torch, same scores.

The network has no per-sentence vector (the two sentences meet in every block), so the scorers'
``sentence_vectors`` step only hands on the ids and lengths, and :meth:`NumpyRE2.head` runs the whole
network on the pairs, in chunks of similar length (padding costs as much as characters in every product).
Convolution windows and weights are :mod:`simcalc.numpy_nn`'s; what is new here is the masked soft alignment
and the products over real positions only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from simcalc.numpy_nn import conv_weight, conv_windows, dense

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


def _scatter(rows: Array, mask: Array) -> Array:
    """Packed rows (N, D) back to padded (B, L, D), zeros at the pads."""
    out = np.zeros(mask.shape + (rows.shape[1],), dtype=np.float32)
    out[mask] = rows
    return out


def _packed(x: Array, mask: Array, w: Array, b: Array) -> Array:
    """``relu(x @ w + b)`` at the real positions of padded (B, L, D) ``x``, zeros at the pads."""
    return _scatter(_relu(dense(x[mask], w, b)), mask)


class NumpyRE2:
    """:class:`simcalc.neural.re2.RE2` in eval mode (dropout is the identity).

    Two things make it cheaper than a line-by-line copy, with the same result: position-wise products run on
    the real positions only (packed with the mask; pads are zero, and nothing real reads a pad's value), and
    each fusion's three layers over [f; a′], [f; f − a′], [f; f ∘ a′] are regrouped at load time into one
    product of f, one of a′ and one of f ∘ a′ (the f − a′ layer splits into its f and a′ parts)."""

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
        self.fusions = [self._regroup(k) for k in range(self.blocks)]
        for k in range(self.blocks):  # regrouped above: the three layers' own copies are not read again
            for i in (1, 2, 3):
                del self.linear[f"blocks.{k}.fuse{i}"]

    def _regroup(self, k: int) -> tuple[Array, Array, Array, Array]:
        """(W_f [F, 3H], bias [3H], W_a′ [F, 2H], W_f∘a′ [F, H]) of block ``k``'s three fusion layers."""
        (w1, b1), (w2, b2), (w3, b3) = (self.linear[f"blocks.{k}.fuse{i}"] for i in (1, 2, 3))
        feat = w1.shape[0] // 2
        w_f = np.concatenate([w1[:feat], w2[:feat] + w2[feat:], w3[:feat]], axis=1)
        w_a = np.concatenate([w1[feat:], -w2[feat:]], axis=1)
        return (np.ascontiguousarray(w_f), np.concatenate([b1, b2, b3]), np.ascontiguousarray(w_a),
                np.ascontiguousarray(w3[feat:]))

    def _encode(self, k: int, x: Array, mask: Array) -> Array:
        """[input; convolutions] of padded (B, L, D) input, pads zeroed (as the torch model)."""
        x = x * mask[..., None]
        h = x
        for i in range(self.enc_layers):
            name = f"blocks.{k}.convs.{i}"
            h = _packed(conv_windows(h, self.kernel), mask, self.convs[f"{name}.weight"], self.w[f"{name}.bias"])
        return np.concatenate([x, h], axis=-1)

    def _fusion(self, k: int, f: Array, aligned: Array) -> Array:
        """Fusion of packed rows (N, F) with what they aligned to."""
        w_f, bias, w_a, w_fa = self.fusions[k]
        hid = w_fa.shape[1]
        g = f @ w_f
        g += bias
        g[:, : 2 * hid] += aligned @ w_a
        g[:, 2 * hid:] += (f * aligned) @ w_fa
        w, b = self.linear[f"blocks.{k}.fuse"]
        return _relu(_relu(g) @ w + b)

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
            ra, rb = fa[ma], fb[mb]  # the real positions, gathered once for the alignment and the fusion
            w, b = self.linear[f"blocks.{k}.align"]
            pa, pb = _scatter(_relu(dense(ra, w, b)), ma), _scatter(_relu(dense(rb, w, b)), mb)
            a_aligned, b_aligned = align(fa, fb, pa, pb, ma, mb, self.scale)
            xa = _scatter(self._fusion(k, ra, a_aligned[ma]), ma)
            xb = _scatter(self._fusion(k, rb, b_aligned[mb]), mb)
        va = np.where(ma[..., None], xa, NEG).max(1)
        vb = np.where(mb[..., None], xb, NEG).max(1)
        w, b = self.linear["predict"]
        h = _relu(np.concatenate([va + vb, np.abs(va - vb), va * vb], -1) @ w + b)
        w, b = self.linear["out"]
        return h @ w + b

    # the scorers' interface (see simcalc.neural.scorers.NeuralScorer): ids pass through, the head does the work
    def sentence_vectors(self, side: dict[str, Array]) -> tuple[Array, ...]:
        return side["ids"], side["len"]

    def head(self, a: tuple[Array, ...], b: tuple[Array, ...]) -> dict[str, Array]:
        """``{"logits": (n, 2)}`` for row-aligned sides (ids padded to any width, lengths), in length-sorted chunks."""
        (ids_a, len_a), (ids_b, len_b) = a, b
        ids_a, ids_b = np.asarray(ids_a), np.asarray(ids_b)
        len_a, len_b = np.maximum(np.asarray(len_a), 1), np.maximum(np.asarray(len_b), 1)
        order = np.argsort(len_a + len_b, kind="stable")
        logits = np.empty((len(order), 2), dtype=np.float32)
        for start in range(0, len(order), CHUNK):
            idx = order[start:start + CHUNK]
            wa, wb = int(len_a[idx].max()), int(len_b[idx].max())
            logits[idx] = self.pair(ids_a[idx, :wa], len_a[idx], ids_b[idx, :wb], len_b[idx])
        return {"logits": logits}
