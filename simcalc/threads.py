"""Torch thread counts applied around a block of work only.

torch's thread count is process-wide; the parser and the neural scorers set theirs around each batch and
restore the caller's afterwards, so constructing or using a scorer never changes the process behind the
caller's back. torch is imported only when a count is actually applied.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run a block with ``threads`` intra-op threads, then restore the caller's count (None: no change)."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
