"""The two networks: CV-LSTM (and its comparison variants) and MGF. torch is imported by this module.

Read :func:`build_model` for the hyper-parameters each takes; a checkpoint's ``config.json`` holds them.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .tokens import PAD_ID


def last_states(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Output at each sequence's last real step: the final hidden state of a left-aligned padded batch."""
    index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, outputs.size(-1))
    return outputs.gather(1, index).squeeze(1)


class CNNEncoder(nn.Module):
    """CV-CNN / WV-CNN: 2 convolutions (kernel 3, 128 filters) each followed by max-pooling.

    The first pooling halves the sequence (window 2); the second is max-pooling over the remaining
    positions (pads masked), which yields the fixed-size sentence vector.
    """

    def __init__(self, emb_dim: int, filters: int = 128, kernel: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(emb_dim, filters, kernel, padding=kernel // 2)
        self.conv2 = nn.Conv1d(filters, filters, kernel, padding=kernel // 2)
        self.out_dim = filters

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = (torch.arange(x.size(1), device=x.device)[None, :] < lengths[:, None]).unsqueeze(1)
        h = torch.relu(self.conv1(x.transpose(1, 2))).masked_fill(~mask, 0.0)
        h = F.max_pool1d(h, 2, ceil_mode=True)
        half = (lengths + 1) // 2
        mask = (torch.arange(h.size(2), device=x.device)[None, :] < half[:, None]).unsqueeze(1)
        h = torch.relu(self.conv2(h)).masked_fill(~mask, float("-inf"))
        return h.max(dim=2).values


class CVLSTM(nn.Module):
    """Siamese encoder → cosine similarity → softmax classifier (He & Wang, CV-LSTM).

    ``encoder="lstm"``: one LSTM (200 units), the final hidden state is the sentence vector; dropout
    (0.3) on its input as in Keras' ``LSTM(dropout=...)``. ``encoder="cnn"``: :class:`CNNEncoder`.
    The level (characters for CV-*, words for WV-*) is a matter of the ids fed in.
    """

    def __init__(self, vocab_size: int, emb_dim: int = 400, hidden: int = 200, dropout: float = 0.3,
                 encoder: str = "lstm", filters: int = 128, kernel: int = 3, num_classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD_ID)
        self.dropout = nn.Dropout(dropout)
        self.encoder_kind = encoder
        if encoder == "lstm":
            self.encoder = nn.LSTM(emb_dim, hidden, batch_first=True)
        elif encoder == "cnn":
            self.encoder = CNNEncoder(emb_dim, filters, kernel)
        else:
            raise ValueError(f"encoder must be 'lstm' or 'cnn', not {encoder!r}")
        self.classifier = nn.Linear(1, num_classes)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.embedding(ids))
        if self.encoder_kind == "lstm":
            outputs, _ = self.encoder(x)
            return last_states(outputs, lengths)
        return self.encoder(x, lengths)

    def sentence_vectors(self, side: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """Vectors of a batch of single sentences (keys ``ids``, ``len``); sentences are independent."""
        return (self.encode(side["ids"], side["len"]),)

    def head(self, a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        cosine = F.cosine_similarity(a[0], b[0], dim=-1, eps=1e-8)
        return {"logits": self.classifier(cosine.unsqueeze(-1)), "cosine": cosine}

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self.head((self.encode(batch["ids_a"], batch["len_a"]),),
                         (self.encode(batch["ids_b"], batch["len_b"]),))


class Attention(nn.Module):
    """Additive attention pooling: ``softmax(v·tanh(W h_t))`` over the real (unpadded) steps."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.score = nn.Linear(dim, 1, bias=False)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.score(torch.tanh(self.proj(h))).squeeze(-1).masked_fill(~mask, float("-inf"))
        return torch.bmm(torch.softmax(scores, dim=-1).unsqueeze(1), h).squeeze(1)


class MGF(nn.Module):
    """Multi-granularity fusion (Zhang et al., MGF §3), one reading of its figures.

    Encoding (Fig. 2): words → 2 stacked LSTMs → attention; characters → 2 stacked LSTMs → attention,
    plus characters → 1 LSTM → attention, the two added; the word and character vectors added (Q).
    Dropout (0.5) on the embeddings and on Q ("in the fusion layer").

    Matching (Fig. 3), ``d`` = hidden units (300 in the paper):
      C1 = |Q1−Q2|, C2 = Q1×Q2 (element-wise), C3 = Q1·Q2 (dot product, divided by d here so that the
      logit starts near 0 — the paper's raw dot of 300-d vectors saturates the sigmoid);
      [Q1, Q2, C1, C2] → Dense(d) → Dense(2d) (the paper's 300/600; C1 and C2 are drawn as inputs
      of this path in Fig. 3 though Eq. 4 lists only [Q1, Q2]);
      Q1′ = Dense(d)(Q1), Q2′ = Dense(d)(Q2) (shared), [|Q1′−Q2′|, Q1′×Q2′] (2d);
      the two 2d vectors added → Dense(1), plus C3 → sigmoid. Dense layers use ReLU except the last.
    """

    def __init__(self, char_vocab_size: int, word_vocab_size: int, emb_dim: int = 300, hidden: int = 300,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.char_embedding = nn.Embedding(char_vocab_size, emb_dim, padding_idx=PAD_ID)
        self.word_embedding = nn.Embedding(word_vocab_size, emb_dim, padding_idx=PAD_ID)
        self.dropout = nn.Dropout(dropout)
        self.word_lstm = nn.LSTM(emb_dim, hidden, num_layers=2, batch_first=True)
        self.char_lstm2 = nn.LSTM(emb_dim, hidden, num_layers=2, batch_first=True)
        self.char_lstm1 = nn.LSTM(emb_dim, hidden, batch_first=True)
        self.word_att, self.char_att2, self.char_att1 = Attention(hidden), Attention(hidden), Attention(hidden)
        self.dense1 = nn.Linear(4 * hidden, hidden)
        self.dense2 = nn.Linear(hidden, 2 * hidden)
        self.prime = nn.Linear(hidden, hidden)
        self.out = nn.Linear(2 * hidden, 1)
        self.hidden = hidden

    @staticmethod
    def _mask(ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return torch.arange(ids.size(1), device=ids.device)[None, :] < lengths[:, None]

    def encode(self, chars: torch.Tensor, char_len: torch.Tensor, words: torch.Tensor,
               word_len: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(character-stream vector, word-stream vector) of a batch of sentences."""
        c = self.dropout(self.char_embedding(chars))
        w = self.dropout(self.word_embedding(words))
        cmask, wmask = self._mask(chars, char_len), self._mask(words, word_len)
        char_vec = self.char_att2(self.char_lstm2(c)[0], cmask) + self.char_att1(self.char_lstm1(c)[0], cmask)
        word_vec = self.word_att(self.word_lstm(w)[0], wmask)
        return char_vec, word_vec

    def match(self, q1: torch.Tensor, q2: torch.Tensor) -> dict[str, torch.Tensor]:
        c1, c2 = (q1 - q2).abs(), q1 * q2
        c3 = c2.sum(-1) / self.hidden
        path = torch.relu(self.dense2(torch.relu(self.dense1(torch.cat([q1, q2, c1, c2], dim=-1)))))
        p1, p2 = torch.relu(self.prime(q1)), torch.relu(self.prime(q2))
        path_prime = torch.cat([(p1 - p2).abs(), p1 * p2], dim=-1)
        dense_logit = self.out(path + path_prime).squeeze(-1)
        return {"logit": dense_logit + c3, "dense_logit": dense_logit, "dot_logit": c3}

    def sentence_vectors(self, side: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """(char, word) vectors of a batch of single sentences (keys ``chars``, ``clen``, ``words``, ``wlen``)."""
        return self.encode(side["chars"], side["clen"], side["words"], side["wlen"])

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        a = self.encode(batch["chars_a"], batch["clen_a"], batch["words_a"], batch["wlen_a"])
        b = self.encode(batch["chars_b"], batch["clen_b"], batch["words_b"], batch["wlen_b"])
        return self.head(a, b)

    def head(self, a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        (ca, wa), (cb, wb) = a, b
        out = self.match(self.dropout(ca + wa), self.dropout(cb + wb))
        out["char_cosine"] = F.cosine_similarity(ca, cb, dim=-1, eps=1e-8)
        out["word_cosine"] = F.cosine_similarity(wa, wb, dim=-1, eps=1e-8)
        return out


def build_model(config: dict[str, Any], vocab_sizes: dict[str, int]) -> nn.Module:
    """A fresh model from a checkpoint config (``kind`` = ``cvlstm``, ``mgf`` or ``re2``)."""
    kind = config["kind"]
    if kind == "cvlstm":
        return CVLSTM(vocab_sizes[config["level"]], emb_dim=config["emb_dim"], hidden=config["hidden"],
                      dropout=config["dropout"], encoder=config["encoder"], filters=config["filters"],
                      kernel=config["kernel"], num_classes=config["num_classes"])
    if kind == "mgf":
        return MGF(vocab_sizes["char"], vocab_sizes["word"], emb_dim=config["emb_dim"],
                   hidden=config["hidden"], dropout=config["dropout"])
    if kind == "re2":  # the cross-attention matcher lives in its own module
        from .re2 import build

        return build(config, vocab_sizes["char"])
    raise ValueError(f"unknown model kind {kind!r}")


def probabilities(kind: str, out: dict[str, torch.Tensor]) -> torch.Tensor:
    """(batch, classes) probabilities: softmax for CV-LSTM, [1−p, p] from the sigmoid for MGF."""
    if kind == "mgf":
        p = torch.sigmoid(out["logit"])
        return torch.stack([1 - p, p], dim=-1)
    return torch.softmax(out["logits"], dim=-1)
