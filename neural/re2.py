"""RE2-style cross-attention matcher (Yang et al. 2019, "Simple and Effective Text Matching with Richer
Alignment Features"), small enough to train on one CPU core: the torch model.

Why a cross-attention member: the shipped neural members (CV-LSTM, MGF) are siamese — each sentence is
pooled into one vector before the two meet — so they barely see *which* words of one sentence match
which of the other, nor their order. RE2 aligns every character of one sentence with the other's
(soft attention) and compares each with what it aligned to, which is what paraphrase-adversarial pairs
(PAWS-X: same words, swapped roles) and near-duplicate questions need.

Network (char level; ``blocks`` × [encoder → alignment → fusion], then pooling and prediction):

* embedding (``emb_dim``, skip-gram vectors trained on the training sentences) → dropout;
* block k: input = embedding (k = 1) or [embedding; previous block's output] (augmented residual);
  encoder = ``enc_layers`` convolutions (kernel 3, ``hidden`` filters, ReLU, pads zeroed);
  features f = [input; encoder output]; alignment e_ij = F(f_a,i)·F(f_b,j) / √hidden with F a shared
  ReLU dense layer, pads masked; a′ = softmax_j(e)·f_b, b′ = softmax_i(e)ᵀ·f_a;
  fusion = ReLU dense over [G1(f; f′), G2(f; f − f′), G3(f; f ∘ f′)] (each a ReLU dense layer);
* max-pooling over real positions → v_a, v_b; prediction: ReLU dense over the *symmetric*
  [v_a + v_b; |v_a − v_b|; v_a ∘ v_b] → 2 logits (so score(a, b) = score(b, a)).

Training: :mod:`simcalc.neural.re2_training`. Inference without torch: :mod:`simcalc.neural.re2_numpy`
(same weights, same scores within float32).
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .tokens import PAD_ID

#: Model and training defaults (:func:`simcalc.neural.re2_training.train_re2` options).
DEFAULTS: dict[str, Any] = {
    "emb_dim": 200, "hidden": 150, "blocks": 2, "enc_layers": 2, "kernel": 3, "dropout": 0.2,
    "lr": 1e-3, "batch_size": 256, "epochs": 30, "parts": 1, "patience": 3, "seed": 1, "min_count": 2,
    "max_chars": 64, "w2v_epochs": 5, "max_minutes": None, "grad_clip": 5.0, "lr_decay": 0.5,
}


class Block(nn.Module):
    """One RE2 block: convolutional encoder, soft alignment, fusion (see the module docstring)."""

    def __init__(self, in_dim: int, hidden: int, enc_layers: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(in_dim if i == 0 else hidden, hidden, kernel, padding=kernel // 2)
                                   for i in range(enc_layers))
        feat = in_dim + hidden
        self.align = nn.Linear(feat, hidden)
        self.fuse1, self.fuse2, self.fuse3 = (nn.Linear(2 * feat, hidden) for _ in range(3))
        self.fuse = nn.Linear(3 * hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.scale = 1.0 / math.sqrt(hidden)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[input; convolutional encoding] of (B, L, D), pads zeroed (``mask`` (B, L) bool) so that a score
        does not depend on how far a batch pads the sentence (the convolutions look one step past the end)."""
        x = x * mask.unsqueeze(-1)
        h = x
        for conv in self.convs:
            h = torch.relu(conv(self.dropout(h).transpose(1, 2))).transpose(1, 2) * mask.unsqueeze(-1)
        return torch.cat([x, h], dim=-1)

    def fusion(self, f: torch.Tensor, aligned: torch.Tensor) -> torch.Tensor:
        g1 = torch.relu(self.fuse1(torch.cat([f, aligned], -1)))
        g2 = torch.relu(self.fuse2(torch.cat([f, f - aligned], -1)))
        g3 = torch.relu(self.fuse3(torch.cat([f, f * aligned], -1)))
        return torch.relu(self.fuse(self.dropout(torch.cat([g1, g2, g3], -1))))

    def forward(self, xa: torch.Tensor, ma: torch.Tensor, xb: torch.Tensor, mb: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        fa, fb = self.encode(xa, ma), self.encode(xb, mb)
        pa = torch.relu(self.align(self.dropout(fa)))
        pb = torch.relu(self.align(self.dropout(fb)))
        e = torch.bmm(pa, pb.transpose(1, 2)) * self.scale  # (B, La, Lb)
        a_aligned = torch.bmm(torch.softmax(e.masked_fill(~mb.unsqueeze(1), -1e9), dim=2), fb)
        b_aligned = torch.bmm(torch.softmax(e.masked_fill(~ma.unsqueeze(2), -1e9), dim=1).transpose(1, 2), fa)
        return self.fusion(fa, a_aligned), self.fusion(fb, b_aligned)


class RE2(nn.Module):
    """The whole matcher; ``forward`` takes a :class:`~simcalc.neural.checkpoint.Featurizer` batch
    (``ids_a``, ``len_a``, ``ids_b``, ``len_b``) and returns ``{"logits": (B, 2)}``."""

    def __init__(self, vocab_size: int, emb_dim: int = 200, hidden: int = 150, blocks: int = 2,
                 enc_layers: int = 2, kernel: int = 3, dropout: float = 0.2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD_ID)
        self.blocks = nn.ModuleList(Block(emb_dim if k == 0 else emb_dim + hidden, hidden, enc_layers, kernel, dropout)
                                    for k in range(blocks))
        self.predict = nn.Linear(3 * hidden, hidden)
        self.out = nn.Linear(hidden, 2)
        self.dropout = nn.Dropout(dropout)

    @staticmethod
    def _mask(ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.arange(ids.size(1), device=ids.device)[None, :] < lengths[:, None]

    def pair(self, ids_a: torch.Tensor, len_a: torch.Tensor, ids_b: torch.Tensor, len_b: torch.Tensor
             ) -> dict[str, torch.Tensor]:
        ma, mb = self._mask(ids_a, len_a), self._mask(ids_b, len_b)
        ea, eb = self.dropout(self.embedding(ids_a)), self.dropout(self.embedding(ids_b))
        xa, xb = ea, eb
        for k, block in enumerate(self.blocks):
            if k:
                xa, xb = torch.cat([ea, xa], -1), torch.cat([eb, xb], -1)
            xa, xb = block(xa, ma, xb, mb)
        va = xa.masked_fill(~ma.unsqueeze(-1), -1e9).max(1).values
        vb = xb.masked_fill(~mb.unsqueeze(-1), -1e9).max(1).values
        h = torch.relu(self.predict(self.dropout(torch.cat([va + vb, (va - vb).abs(), va * vb], -1))))
        return {"logits": self.out(self.dropout(h))}

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self.pair(batch["ids_a"], batch["len_a"], batch["ids_b"], batch["len_b"])

    # the scorers' siamese interface: "sentence vectors" are the ids themselves; all work is in the head
    def sentence_vectors(self, side: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return side["ids"], side["len"]

    def head(self, a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        return self.pair(a[0], a[1], b[0], b[1])


def build(config: dict[str, Any], vocab_size: int) -> RE2:
    return RE2(vocab_size, emb_dim=config["emb_dim"], hidden=config["hidden"], blocks=config["blocks"],
               enc_layers=config["enc_layers"], kernel=config["kernel"], dropout=config["dropout"])
