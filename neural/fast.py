"""Faster inference for the trained LSTMs, exactly the same function as :mod:`simcalc.neural.models` in eval mode.

Two costs dominate scoring on a CPU, and both are avoidable at inference time:

* **The input projection of the first LSTM layer** (``W_ih · embedding(token) + b``) depends on the token
  only, so it is computed once per vocabulary entry when the scorer loads (a ``vocab × 4·hidden`` table)
  and looked up afterwards. For CV-LSTM (400-d input, 200 units) that is two thirds of the work.
* **Padding.** A batch is padded to its longest sentence; here each step runs only on the sentences that
  are still that long (sentences sorted by length), as ``pack_padded_sequence`` does.

Dropout is the identity in eval mode, so the result equals ``model.sentence_vectors`` up to float
rounding (tested). Used by the scorers; training keeps torch's fused LSTM.
"""
from __future__ import annotations

import torch
from torch import nn


def _steps(input_gates, width: int, lengths: torch.Tensor, w_hh: torch.Tensor, keep_outputs: bool,
           like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Run one LSTM layer, rows sorted by length (descending); ``input_gates(t, n)`` gives the (n, 4H)
    input part of the gates (biases included) of the first ``n`` rows at step ``t``.

    Returns the last real hidden state of each row and, if asked, all outputs (zeros past each length).
    """
    batch, hidden = lengths.numel(), w_hh.size(1)
    h = like.new_zeros(batch, hidden)
    c = like.new_zeros(batch, hidden)
    out = like.new_zeros(batch, width, hidden) if keep_outputs else None
    w = w_hh.t()
    active = (lengths.view(1, -1) > torch.arange(width, device=lengths.device).view(-1, 1)).sum(1).tolist()
    for t, n in enumerate(active):
        if n == 0:
            break
        gates = torch.addmm(input_gates(t, n), h[:n], w)
        i, f, g, o = gates.chunk(4, 1)
        c_new = torch.sigmoid(f) * c[:n] + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        c[:n], h[:n] = c_new, h_new
        if out is not None:
            out[:n, t] = h_new
    return h, out


class _FastLSTM:
    """An ``nn.LSTM`` (batch_first, unidirectional) fed from an embedding, with its first layer tabled."""

    def __init__(self, lstm: nn.LSTM, embedding: nn.Embedding) -> None:
        if lstm.bidirectional or not lstm.batch_first or lstm.proj_size:
            raise ValueError("only batch-first, unidirectional LSTMs without projections")
        with torch.no_grad():
            self.table = (embedding.weight @ lstm.weight_ih_l0.t() + lstm.bias_ih_l0 + lstm.bias_hh_l0).contiguous()
        self.layers = [(getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}"),
                        getattr(lstm, f"weight_hh_l{k}")) for k in range(lstm.num_layers)]

    def __call__(self, ids: torch.Tensor, lengths: torch.Tensor, keep_outputs: bool
                 ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(last states, outputs or None) in the caller's row order."""
        lengths = lengths.clamp(min=1)
        order = torch.argsort(lengths, descending=True, stable=True)
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel(), device=order.device)
        ids, sorted_len = ids[order], lengths[order]
        table, width = self.table, ids.size(1)
        h, out = None, None
        for k, (w_ih, bias, w_hh) in enumerate(self.layers):
            if k == 0:
                def gates(t, n):  # the tabled projection: a row lookup per token, no padding touched
                    return table[ids[:n, t]]
            else:
                below, w_in = out, w_ih.t()

                def gates(t, n, below=below, w_in=w_in, bias=bias):
                    return torch.addmm(bias, below[:n, t], w_in)
            last = k == len(self.layers) - 1
            h, out = _steps(gates, width, sorted_len, w_hh, keep_outputs or not last, table)
        return h[inverse], (out[inverse] if keep_outputs else None)


class FastEncoder:
    """``sentence_vectors`` of a CV-LSTM (LSTM encoder) or MGF model, computed with :class:`_FastLSTM`.

    Built from a model in eval mode; rebuild it if the weights change. CNN encoders are not covered
    (``supports`` says so) and keep the model's own path.
    """

    def __init__(self, model: nn.Module) -> None:
        from .models import CVLSTM, MGF

        self.model = model
        if isinstance(model, CVLSTM):
            self.kind = "cvlstm"
            self.lstm = _FastLSTM(model.encoder, model.embedding)
        elif isinstance(model, MGF):
            self.kind = "mgf"
            self.char2 = _FastLSTM(model.char_lstm2, model.char_embedding)
            self.char1 = _FastLSTM(model.char_lstm1, model.char_embedding)
            self.word = _FastLSTM(model.word_lstm, model.word_embedding)
        else:
            raise ValueError(f"no fast path for {type(model).__name__}")

    @staticmethod
    def supports(model: nn.Module) -> bool:
        return type(model).__name__ == "MGF" or getattr(model, "encoder_kind", None) == "lstm"

    def sentence_vectors(self, side: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        if self.kind == "cvlstm":
            return (self.lstm(side["ids"], side["len"], keep_outputs=False)[0],)
        m = self.model
        cmask, wmask = m._mask(side["chars"], side["clen"]), m._mask(side["words"], side["wlen"])
        _, c2 = self.char2(side["chars"], side["clen"], keep_outputs=True)
        _, c1 = self.char1(side["chars"], side["clen"], keep_outputs=True)
        _, w = self.word(side["words"], side["wlen"], keep_outputs=True)
        return m.char_att2(c2, cmask) + m.char_att1(c1, cmask), m.word_att(w, wmask)


class TorchNetwork:
    """A torch model behind the numpy interface of :mod:`simcalc.neural.numpy_net` (numpy ids in, numpy
    arrays out), so that the scorers run either backend with one code path. Sentence vectors use
    :class:`FastEncoder` where it applies, the model's own ``sentence_vectors`` otherwise."""

    def __init__(self, model: nn.Module, device: torch.device) -> None:
        self.model, self.device = model, device
        self.encoder = FastEncoder(model) if FastEncoder.supports(model) else model

    def _tensors(self, arrays: tuple) -> tuple:
        import numpy as np

        return tuple(torch.from_numpy(np.ascontiguousarray(v)).to(self.device) for v in arrays)

    def sentence_vectors(self, side: dict) -> tuple:
        with torch.inference_mode():
            vectors = self.encoder.sentence_vectors({k: torch.from_numpy(v).to(self.device) for k, v in side.items()})
        return tuple(v.float().cpu().numpy() for v in vectors)

    def head(self, a: tuple, b: tuple) -> dict:
        with torch.inference_mode():
            out = self.model.head(self._tensors(a), self._tensors(b))
        return {k: v.float().cpu().numpy() for k, v in out.items()}
