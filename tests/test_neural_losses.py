"""The losses against hand computations (MGF Eq. 8–10, Erlangshen Eq. 2–4)."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from simcalc.neural.losses import (equilibrium_cross_entropy, label_smoothing_cross_entropy, pcl_constants,  # noqa: E402
                           propensity_corrected_loss)


def test_equilibrium_cross_entropy_equals_hand_computation():
    logits = torch.tensor([2.0, -1.0, 0.5])
    labels = torch.tensor([1, 0, 0])
    p = [1 / (1 + math.exp(-z)) for z in (2.0, -1.0, 0.5)]
    y = [1, 0, 0]
    l_mse = sum((yi - pi) ** 2 for yi, pi in zip(y, p)) / (2 * 3)
    terms = [-(l_mse * yi * math.log(pi) + (1 - l_mse) * (1 - yi) * math.log(1 - pi)) for yi, pi in zip(y, p)]
    assert equilibrium_cross_entropy(logits, labels, reduction="sum").item() == pytest.approx(sum(terms), rel=1e-6)
    assert equilibrium_cross_entropy(logits, labels).item() == pytest.approx(sum(terms) / 3, rel=1e-6)


def test_equilibrium_weight_flows_through_mse():
    """L_mse is part of the graph (not detached): its gradient differs from a detached version."""
    logits = torch.tensor([0.3, -0.2], requires_grad=True)
    labels = torch.tensor([1, 0])
    equilibrium_cross_entropy(logits, labels).backward()
    full = logits.grad.clone()
    logits.grad = None
    p = torch.sigmoid(logits)
    l_mse = (((labels - p) ** 2).sum() / 4).detach()
    y = labels.float()
    detached = -(l_mse * y * torch.log(p) + (1 - l_mse) * (1 - y) * torch.log(1 - p)).mean()
    detached.backward()
    assert not torch.allclose(full, logits.grad)


def test_equilibrium_is_finite_when_saturated():
    value = equilibrium_cross_entropy(torch.tensor([80.0, -80.0]), torch.tensor([0, 1]))
    assert torch.isfinite(value)


def test_pcl_constants_and_conditions_by_hand():
    plus, minus = pcl_constants([50, 30, 20], epsilon=0.2)
    assert plus == pytest.approx(0.2 * 50 / 50)
    assert minus == pytest.approx(0.2 * 70 / 30)
    # rows: correct (cond. 3), 1 -> 2 near mistake (cond. 1), 0 -> 2 far mistake (cond. 2)
    logits = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 2.0]])
    labels = torch.tensor([0, 1, 0])
    ls = label_smoothing_cross_entropy(logits, labels, 0.1, reduction="none")
    expected = [ls[0].item(), ls[1].item() - minus, ls[2].item() + plus]
    got = propensity_corrected_loss(logits, labels, plus, minus, smoothing=0.1, reduction="sum").item()
    assert got == pytest.approx(sum(expected), rel=1e-6)
