"""The embedded parser's network: a biaffine dependency parser (Dozat & Manning 2017), smaller.

Words are read as a word embedding plus a character CNN (so unseen jieba words still get a vector
from their characters), a BiLSTM encodes the sentence, one softmax tags POS (joint training helps
the shared encoder), and two biaffine scorers give every (dependent, head) pair an arc score and a
score per relation. Imported only when the embedded parser is used: it needs torch.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class ModelConfig:
    n_words: int
    n_chars: int
    n_tags: int
    n_rels: int
    word_dim: int = 100
    char_dim: int = 50
    char_out: int = 100
    hidden: int = 200
    layers: int = 3
    arc_dim: int = 256
    rel_dim: int = 64
    dropout: float = 0.33

    def to_dict(self) -> dict:
        return asdict(self)


class Biaffine(nn.Module):
    """``x_i^T W y_j`` with a bias column on ``x`` (and optionally ``y``), one matrix per output."""

    def __init__(self, dim: int, n_out: int = 1, bias_x: bool = True, bias_y: bool = True) -> None:
        super().__init__()
        self.bias_x, self.bias_y, self.n_out = bias_x, bias_y, n_out
        self.weight = nn.Parameter(torch.zeros(n_out, dim + bias_x, dim + bias_y))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.bias_x:
            x = torch.cat([x, x.new_ones(*x.shape[:-1], 1)], -1)
        if self.bias_y:
            y = torch.cat([y, y.new_ones(*y.shape[:-1], 1)], -1)
        # [batch, n_out, len_x, len_y] as two matmuls (einsum picked a slow path on CPU)
        scores = (x.unsqueeze(1) @ self.weight.unsqueeze(0)) @ y.unsqueeze(1).transpose(-1, -2)
        return scores.squeeze(1) if self.n_out == 1 else scores


class MLP(nn.Sequential):
    def __init__(self, n_in: int, n_out: int, dropout: float) -> None:
        super().__init__(nn.Linear(n_in, n_out), nn.LeakyReLU(0.1), nn.Dropout(dropout))


class BiaffineParser(nn.Module):
    """Inputs: ``words`` [B, L] and ``chars`` [B, L, C] with position 0 the artificial root.

    Outputs arc scores [B, L(dep), L(head)], relation scores [B, L, L, R] and tag scores [B, L, T].
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = self.config = config
        self.word_embed = nn.Embedding(c.n_words, c.word_dim, padding_idx=0)
        self.char_embed = nn.Embedding(c.n_chars, c.char_dim, padding_idx=0)
        self.char_cnn = nn.Conv1d(c.char_dim, c.char_out, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(c.dropout)
        self.lstm = nn.LSTM(c.word_dim + c.char_out, c.hidden, num_layers=c.layers, batch_first=True,
                            bidirectional=True, dropout=c.dropout if c.layers > 1 else 0.0)
        enc = 2 * c.hidden
        self.tag_out = nn.Linear(enc, c.n_tags)
        self.arc_dep, self.arc_head = MLP(enc, c.arc_dim, c.dropout), MLP(enc, c.arc_dim, c.dropout)
        self.rel_dep, self.rel_head = MLP(enc, c.rel_dim, c.dropout), MLP(enc, c.rel_dim, c.dropout)
        self.arc_attn = Biaffine(c.arc_dim, 1, bias_x=True, bias_y=False)
        self.rel_attn = Biaffine(c.rel_dim, c.n_rels, bias_x=True, bias_y=True)

    def encode(self, words: torch.Tensor, chars: torch.Tensor) -> torch.Tensor:
        """BiLSTM states [B, L, 2*hidden] of words plus character-CNN features."""
        mask = words.ne(0)
        batch, length, n_chars = chars.shape
        flat = chars.view(batch * length, n_chars)
        if self.training:
            ch = self._char_features(flat)
        else:  # words repeat (的, 是, 吗, padding): run the CNN once per distinct word of the batch
            distinct, inverse = torch.unique(flat, dim=0, return_inverse=True)
            ch = self._char_features(distinct)[inverse]
        x = torch.cat([self.word_embed(words), ch.view(batch, length, -1)], -1)
        x = self.dropout(x)
        lengths = mask.sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=length)
        return self.dropout(h)

    def _char_features(self, chars: torch.Tensor) -> torch.Tensor:
        """Max-pooled character-CNN features [N, char_out] of N words' character ids [N, C]."""
        ch = torch.relu(self.char_cnn(self.char_embed(chars).transpose(1, 2)))
        return ch.masked_fill(chars.unsqueeze(1).eq(0), 0.0).max(-1).values

    def arc_scores(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        s_arc = self.arc_attn(self.arc_dep(h), self.arc_head(h))
        return s_arc.masked_fill(~mask.unsqueeze(1), float("-inf"))

    def forward(self, words: torch.Tensor, chars: torch.Tensor):
        h = self.encode(words, chars)
        s_arc = self.arc_scores(h, words.ne(0))
        s_rel = self.rel_attn(self.rel_dep(h), self.rel_head(h)).permute(0, 2, 3, 1)
        return s_arc, s_rel, self.tag_out(h)

    def rel_scores_for(self, h: torch.Tensor, heads: torch.Tensor) -> torch.Tensor:
        """Relation scores [B, L, R] of each word with the given head only (no [L, L, R] tensor)."""
        dep = self.rel_dep(h)
        head = self.rel_head(h).gather(1, heads.unsqueeze(-1).expand(-1, -1, self.config.rel_dim))
        dep = torch.cat([dep, dep.new_ones(*dep.shape[:-1], 1)], -1)
        head = torch.cat([head, head.new_ones(*head.shape[:-1], 1)], -1)
        # one bilinear form per relation on (word, its head) pairs only: no [B, L, R, D] intermediate
        scores = nn.functional.bilinear(dep.reshape(-1, dep.size(-1)), head.reshape(-1, head.size(-1)),
                                        self.rel_attn.weight)
        return scores.view(*dep.shape[:-1], -1)


def pad_batch(encoded: list[tuple[list[int], list[list[int]]]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad word ids [B, L] and char ids [B, L, C] of sentences from :meth:`Vocabs.encode_tokens`."""
    length = max(len(w) for w, _ in encoded)
    width = max(len(c) for _, chars in encoded for c in chars)
    blank = [0] * width
    words = [w + [0] * (length - len(w)) for w, _ in encoded]
    chars = [[c + blank[len(c):] for c in cs] + [blank] * (length - len(cs)) for _, cs in encoded]
    return torch.tensor(words, dtype=torch.long), torch.tensor(chars, dtype=torch.long)
