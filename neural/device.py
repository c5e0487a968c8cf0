"""Device and thread selection shared by training and scoring.

Threads: torch's thread count is process-wide, and its default (one per core) is the worst choice on a
busy machine: a user measured 88 pairs/s for mgf with the default against 2.8x that with one thread.
:func:`auto_threads` therefore counts the cores that are *free* (cores this process may use minus the
1-minute load average), and :func:`torch_threads` applies a count only around a block of work and then
restores what the caller had, so that constructing or using a scorer never changes the process behind
the caller's back.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from simcalc.errors import ScorerUnavailableError
from simcalc.threads import torch_threads  # noqa: F401  (re-exported: training and scorers use it)

if TYPE_CHECKING:  # torch only where a device is chosen: the numpy scorers use the thread helpers below
    import torch


def select_device(device: str | None = "auto") -> torch.device:
    """``auto``: CUDA when torch sees a GPU, else CPU; ``cuda`` without a GPU is a clear error."""
    import torch

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


#: Upper bound for :func:`auto_threads`: the models are small (hidden 150-300), so many threads mostly
#: synchronise; a conservative cap, not measured beyond 2 cores here.
MAX_AUTO_THREADS = 8


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def auto_threads() -> int:
    """Free cores: usable cores minus the 1-minute load average, at least 1, at most ``MAX_AUTO_THREADS``."""
    cores = usable_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, min(MAX_AUTO_THREADS, int(cores - load + 0.5)))


def resolve_threads(threads: int | str | None) -> int | None:
    """``"auto"`` → :func:`auto_threads`; an int ≥ 1 as is; ``None`` → None (leave torch's setting)."""
    if threads is None:
        return None
    if isinstance(threads, str):
        if threads.strip().lower() == "auto":
            return auto_threads()
        threads = threads.strip()
    try:
        value = int(threads)
    except (TypeError, ValueError):
        raise ScorerUnavailableError(f"threads must be a positive integer or 'auto', not {threads!r}") from None
    if value < 1:
        raise ScorerUnavailableError(f"threads must be a positive integer or 'auto', not {threads!r}")
    return value
