"""Device and thread selection shared by training and scoring."""
from __future__ import annotations

import torch

from simcalc.errors import ScorerUnavailableError


def select_device(device: str | None = "auto") -> torch.device:
    """``auto``: CUDA when torch sees a GPU, else CPU; ``cuda`` without a GPU is a clear error."""
    device = (device or "auto").lower()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ScorerUnavailableError("device 'cuda' asked for, but torch sees no CUDA GPU; use --device cpu")
        return torch.device(device)
    if device == "cpu":
        return torch.device("cpu")
    raise ScorerUnavailableError(f"unknown device {device!r}; use auto, cpu or cuda")


def set_threads(threads: int | None) -> None:
    """Limit torch's intra-op threads (process-wide in torch); ``None`` leaves torch's default."""
    if threads is not None:
        torch.set_num_threads(max(1, int(threads)))
