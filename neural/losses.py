"""Losses: MGF's equilibrium cross-entropy and Erlangshen's propensity-corrected loss (PCL).

Equilibrium cross-entropy (MGF Eq. 8–10), on sigmoid outputs ``p`` and 0/1 labels ``y`` of a batch of n:

    L_mse = 1/(2n) · Σ (y − p)²
    Loss  = − Σ [ L_mse · y · log p + (1 − L_mse) · (1 − y) · log(1 − p) ]

``L_mse`` is computed on the same batch and is *not* detached (the paper's Keras loss is one expression).
``reduction="mean"`` divides the sum by n (a constant factor, so the optimum is the same).

PCL (Erlangshen §3.2, Eq. 2–4) for labels {0 irrelevant, 1 some relevance, 2 highly relevant}:

    PCL+ = ε · N0 / (N1 + N2),   PCL− = ε · (N0 + N2) / N1     (N_k: label counts of the training set)
    L    = LS − PCL−  (condition 1: a "near" mistake: 0→1, 2→1, 1→2)
           LS + PCL+  (condition 2: a "far" mistake: 0→2, 2→0, 1→0)
           LS         (condition 3: correct)

LS is label-smoothing cross-entropy, the condition is read off the arg-max prediction. Note what this
means: PCL± are constants per example, so they shift the loss value, not its gradient; training with PCL
differs from plain label smoothing only through anything that reads the loss value (early stopping on dev
loss, logs). That is what the paper's equations say; we implement them as written.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch.nn import functional as F


def bce(logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, labels.float(), reduction=reduction)


def equilibrium_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """MGF Eq. 10 from logits (log-sigmoid keeps it finite when p saturates)."""
    y = labels.float()
    p = torch.sigmoid(logits)
    l_mse = ((y - p) ** 2).sum() / (2 * y.numel())
    per_example = -(l_mse * y * F.logsigmoid(logits) + (1 - l_mse) * (1 - y) * F.logsigmoid(-logits))
    return per_example.sum() if reduction == "sum" else per_example.mean()


def label_smoothing_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, smoothing: float = 0.1,
                                  reduction: str = "mean") -> torch.Tensor:
    return F.cross_entropy(logits, labels, label_smoothing=smoothing, reduction=reduction)


def pcl_constants(label_counts: Sequence[int], epsilon: float = 0.1) -> tuple[float, float]:
    """(PCL+, PCL−) from the training set's counts of labels 0, 1, 2 (Eq. 2 and 3)."""
    n0, n1, n2 = (list(label_counts) + [0, 0, 0])[:3]
    plus = epsilon * n0 / max(n1 + n2, 1)
    minus = epsilon * (n0 + n2) / max(n1, 1)
    return plus, minus


#: (true, predicted) → condition: 1 = near mistake (bonus), 2 = far mistake (penalty).
_CONDITIONS = {(0, 1): 1, (2, 1): 1, (1, 2): 1, (0, 2): 2, (2, 0): 2, (1, 0): 2}


def propensity_corrected_loss(logits: torch.Tensor, labels: torch.Tensor, pcl_plus: float, pcl_minus: float,
                              smoothing: float = 0.1, reduction: str = "mean") -> torch.Tensor:
    """Erlangshen's PCL over a 3-class softmax (Eq. 4)."""
    ls = label_smoothing_cross_entropy(logits, labels, smoothing, reduction="none")
    predicted = logits.argmax(dim=-1)
    correction = torch.zeros_like(ls)
    for (true, pred), condition in _CONDITIONS.items():
        hit = (labels == true) & (predicted == pred)
        correction = torch.where(hit, torch.full_like(ls, -pcl_minus if condition == 1 else pcl_plus), correction)
    per_example = ls + correction
    return per_example.sum() if reduction == "sum" else per_example.mean()
