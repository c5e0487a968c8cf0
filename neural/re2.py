"""RE2-style cross-attention matcher (Yang et al. 2019, "Simple and Effective Text Matching with Richer
Alignment Features"), small enough to train on one CPU core: torch model and training loop.

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

Inference without torch: :mod:`simcalc.neural.re2_numpy` (same weights, same scores within float32).
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .tokens import PAD_ID

log = logging.getLogger(__name__)

#: Model and training defaults (``train_re2`` options).
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


# -- training -----------------------------------------------------------------------------------------

def _probabilities(model: RE2, featurizer: Any, encoded: Sequence, batch: int = 512) -> np.ndarray:
    """P(similar) of encoded pairs, eval mode, length-sorted batches."""
    model.eval()
    order = np.argsort([len(a["char"].ids) + len(b["char"].ids) for a, b in encoded], kind="stable")
    out = np.empty(len(encoded), dtype=np.float64)
    with torch.no_grad():
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            logits = model(featurizer.collate([encoded[i] for i in idx]))["logits"]
            out[idx] = torch.softmax(logits, -1)[:, 1].double().numpy()
    model.train()
    return out


def train_re2(train: str | Path, dev: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Train on a labelled pair file (0/1), early-stop on ``dev`` accuracy (threshold chosen there);
    the best epoch goes to ``out`` as a checkpoint (``kind = "re2"``), resumable from ``out/train_state.pt``.

    ``options``: see :data:`DEFAULTS`; ``lr_decay``: after an epoch without a better dev accuracy, back
    to the best weights with the rate multiplied by it (as :func:`simcalc.neural.training._decay`).
    ``parts``: evaluate and checkpoint every 1/parts epoch (a *step*; ``patience`` and ``best_epoch`` count
    steps), so that a slow CPU run can stop at any time with a recent best. ``max_minutes``: stop after the
    step that passes this budget. One torch thread is the caller's choice."""
    from simcalc.errors import InputFormatError
    from simcalc.evaluate import best_threshold, binary_metrics

    from .checkpoint import STATE, Featurizer, load_train_state, save_checkpoint, save_train_state, write_metrics
    from .embeddings import embedding_matrix, train_keyed_vectors
    from .training import _batches, _decay, optimise, training_rows
    from .tokens import Vocab, tokenize

    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise InputFormatError(f"unknown re2 option(s): {', '.join(sorted(unknown))}")
    s = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    torch.manual_seed(s["seed"])
    rows, labels, dev_rows, dev_labels = training_rows(train, dev, {"max_train": None, "seed": s["seed"]})
    if max(labels) > 1 or max(dev_labels) > 1:
        raise InputFormatError("re2 is trained on 0/1 labels")
    tokens = [(tokenize(a, "char"), tokenize(b, "char")) for a, b, _ in rows]
    vocab = Vocab.build((t for pair in tokens for t in pair), min_count=s["min_count"])
    config: dict[str, Any] = {"format": 1, "kind": "re2", "level": "char", "num_classes": 2,
                              "max_words": s["max_chars"],
                              **{k: s[k] for k in ("emb_dim", "hidden", "blocks", "enc_layers", "kernel", "dropout",
                                                   "max_chars")}}
    featurizer = Featurizer(config, {"char": vocab})
    train_enc = [(featurizer.encode(a), featurizer.encode(b)) for a, b, _ in rows]
    dev_enc = [(featurizer.encode(a), featurizer.encode(b)) for a, b, _ in dev_rows]
    y_all = torch.tensor(labels, dtype=torch.long)
    dev_y = np.asarray(dev_labels)
    model = build(config, len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=s["lr"])
    state_path = out_dir / STATE
    history: list[dict[str, Any]] = []
    best_acc, best_epoch, first, best_state = -1.0, 0, 0, None
    if state_path.exists():
        state = load_train_state(state_path)
        if state["vocab"] != vocab.itos or state["settings"] != {k: v for k, v in s.items() if k != "max_minutes"}:
            raise InputFormatError(f"cannot resume {out_dir}: other data or settings; use a new out folder")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        history, best_acc, best_epoch, first = state["history"], state["best_acc"], state["best_epoch"], state["epoch"]
        best_state, config["threshold"] = state["best_model"], state["best_threshold"]
        log.info("resuming after epoch %d (best %.4f at %d)", first, best_acc, best_epoch)
    else:
        kv = (train_keyed_vectors([t for pair in tokens for t in pair], dim=s["emb_dim"], epochs=s["w2v_epochs"],
                                  seed=s["seed"]) if s["w2v_epochs"] else None)
        matrix, covered = embedding_matrix(vocab, s["emb_dim"], kv, seed=s["seed"])
        model.embedding.weight.data.copy_(torch.from_numpy(matrix))
        log.info("vocab %d chars, %d with skip-gram vectors (%.1f min)", len(vocab), covered,
                 (time.time() - started) / 60)
    rng = np.random.default_rng(s["seed"])
    lengths = [len(a["char"].ids) + len(b["char"].ids) for a, b in train_enc]
    metrics: dict[str, Any] = {}
    parts = max(1, int(s["parts"]))
    batches: list = []
    for step in range(first, s["epochs"] * parts):  # a step: 1/parts of an epoch, then dev and a checkpoint
        epoch, part = divmod(step, parts)
        if step == first or part == 0:
            for _ in range(epoch if step == first else 0):  # the batch orders already used: a resumed run
                _batches(lengths, s["batch_size"], rng, shuffle=True)  # draws what a straight one draws
            batches = _batches(lengths, s["batch_size"], rng, shuffle=True)
        t0, total, seen = time.time(), 0.0, 0
        model.train()
        for idx in batches[part * len(batches) // parts: (part + 1) * len(batches) // parts]:
            loss = F.cross_entropy(model(featurizer.collate([train_enc[i] for i in idx]))["logits"], y_all[idx])
            total += optimise(model, optimizer, loss, s["grad_clip"]) * len(idx)
            seen += len(idx)
        scores = _probabilities(model, featurizer, dev_enc)
        threshold = best_threshold(scores, dev_y)
        dev_metrics = binary_metrics(scores, dev_y, threshold)
        record = {"step": step + 1, "epoch": round((step + 1) / parts, 3), "lr": optimizer.param_groups[0]["lr"], "train_loss": total / max(seen, 1),
                  "dev_accuracy": dev_metrics["accuracy"], "dev_auc": dev_metrics.get("roc_auc"),
                  "threshold": threshold, "minutes": (time.time() - t0) / 60}
        history.append(record)
        log.info("re2 epoch %.2f: loss %.4f dev acc %.4f auc %s thr %.3f (%.1f min)", record["epoch"], record["train_loss"],
                 record["dev_accuracy"], record["dev_auc"], threshold, record["minutes"])
        if record["dev_accuracy"] > best_acc:
            best_acc, best_epoch = record["dev_accuracy"], step + 1
            config["threshold"], config["epoch"] = threshold, best_epoch
            save_checkpoint(out_dir, config, {"char": vocab}, model)
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif s["lr_decay"] and best_state is not None:
            _decay(model, optimizer, best_state, float(s["lr_decay"]), best_epoch)
        metrics = {"kind": "re2", "settings": s, "train_file": str(train), "dev_file": str(dev),
                   "train_pairs": len(rows), "dev_pairs": len(dev_rows), "vocab": len(vocab), "history": history,
                   "best_epoch": best_epoch, "best_dev_accuracy": best_acc, "threshold": config.get("threshold"),
                   "parameters": sum(p.numel() for p in model.parameters()),
                   "train_minutes_total": sum(h["minutes"] for h in history)}
        write_metrics(out_dir, metrics)
        save_train_state(out_dir, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                   "torch_rng": torch.get_rng_state(), "epoch": step + 1, "best_acc": best_acc,
                                   "best_epoch": best_epoch, "best_threshold": config.get("threshold"),
                                   "best_model": best_state, "history": history, "vocab": vocab.itos,
                                   "settings": {k: v for k, v in s.items() if k != "max_minutes"}})
        if step + 1 - best_epoch >= s["patience"]:
            metrics["stop_reason"] = f"no better dev accuracy for {s['patience']} steps"
            break
        if s["max_minutes"] and (time.time() - started) / 60 >= s["max_minutes"]:
            metrics["stop_reason"] = f"time budget of {s['max_minutes']} minutes reached"
            break
    write_metrics(out_dir, metrics)
    return metrics
