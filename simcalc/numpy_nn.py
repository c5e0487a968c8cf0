"""The numpy building blocks of torch-free inference, shared by the parser/segmenter and the neural scorers.

Why: the parser and segmenter (:mod:`simcalc.rules.parse.embedded.numpy_net`) and the CV-LSTM / MGF
scorers (:mod:`simcalc.neural.numpy_net`) run their trained torch networks forward in numpy, so that
scoring never pays torch's import (~1.7 s, ~300 MB). Reading the weights, bounding BLAS threads, batching
by length, dense products and the LSTM recurrence are the same idea in both, and live here once.

Only numpy is needed: weights are read by :func:`load_safetensors` (an 8-byte header length, a JSON
header and raw little-endian arrays), so neither torch nor the ``safetensors`` package is required.
"""
from __future__ import annotations

import json
import struct
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32,
           "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}


def load_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """All tensors of a safetensors file as float32 numpy arrays (bfloat16 and float16 widened)."""
    raw = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8: 8 + size])
    body = memoryview(raw)[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        if info["dtype"] == "BF16":  # the high half of a float32
            bits = np.frombuffer(body[start:end], dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif info["dtype"] in _DTYPES:
            array = np.frombuffer(body[start:end], dtype=np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        out[name] = np.ascontiguousarray(array.reshape(shape), dtype=np.float32)
    return out


_blas_pools: Any = None  # threadpoolctl's BLAS pools, found once; False without threadpoolctl


@contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Run a block with at most ``threads`` BLAS threads (threadpoolctl, when installed), restored after.

    None, or no threadpoolctl: the BLAS library's own setting (``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``).
    The pools are found once per process (threadpoolctl scans the loaded libraries, ≈ 1 ms: a third of a
    one-pair call if done each time)."""
    global _blas_pools
    if threads is None:
        yield
        return
    if _blas_pools is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # scikit-learn brings it; without it numpy keeps its own thread count
            _blas_pools = False
        else:
            _blas_pools = ThreadpoolController().select(user_api="blas")
    if not _blas_pools:
        yield
        return
    with _blas_pools.limit(limits=threads):
        yield


def length_batches(lengths: Sequence[int], max_sentences: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (shortest first, stable): at most ``max_sentences``
    each, and at most ``max_tokens`` positions once padded to the batch's longest, so that padding (which
    costs as much as words in every product) stays small and memory per batch stays bounded."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (len(current) == max_sentences or (len(current) + 1) * lengths[i] > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def dense(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w + b`` over the last axis as one 2-D product (numpy runs a 3-D ``@`` as many small ones)."""
    out = x.reshape(-1, x.shape[-1]) @ w
    if b is not None:
        out += b
    return out.reshape(*x.shape[:-1], w.shape[1])


def conv_weight(weight: np.ndarray) -> np.ndarray:
    """A ``Conv1d`` weight [out, in, k] as [k * in, out] for :func:`conv1d` (window position major)."""
    out_channels, in_channels, kernel = weight.shape
    return np.ascontiguousarray(weight.transpose(2, 1, 0).reshape(kernel * in_channels, out_channels))


def conv_windows(x: np.ndarray, kernel: int) -> np.ndarray:
    """The ``kernel`` shifted windows of [B, L, C] side by side, [B, L', kernel * C] (zero-padded by ``kernel // 2``):
    a ``Conv1d`` is then one product with :func:`conv_weight`'s matrix."""
    pad = kernel // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
    width = x.shape[1] + 2 * pad - kernel + 1
    return np.concatenate([padded[:, k: k + width] for k in range(kernel)], axis=-1)


def conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, kernel: int) -> np.ndarray:
    """``Conv1d(padding=kernel // 2)`` of [B, L, C] → [B, L', out], ``weight`` from :func:`conv_weight`:
    :func:`conv_windows`, then one :func:`dense` product."""
    return dense(conv_windows(x, kernel), weight, bias)


# -- LSTM ---------------------------------------------------------------------------------------------
# Gates in torch's order i f g o. sigmoid(x) = 0.5 * tanh(x / 2) + 0.5, so the weights of the sigmoid gates
# (i, f, o) are pre-scaled by 0.5 at load time and one tanh call per step serves all four gates.


def lstm_weights(weights: Mapping[str, np.ndarray], prefix: str, layer: int, suffix: str = ""
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W_ih^T [D, 4H], W_hh^T [H, 4H], bias [4H]) of one ``nn.LSTM`` layer/direction, gate rows pre-scaled."""
    w_ih = weights[f"{prefix}.weight_ih_l{layer}{suffix}"]
    w_hh = weights[f"{prefix}.weight_hh_l{layer}{suffix}"]
    bias = weights[f"{prefix}.bias_ih_l{layer}{suffix}"] + weights[f"{prefix}.bias_hh_l{layer}{suffix}"]
    hidden = w_hh.shape[1]
    scale = np.full(4 * hidden, 0.5, dtype=np.float32)
    scale[2 * hidden: 3 * hidden] = 1.0  # the cell candidate g keeps its tanh
    return (np.ascontiguousarray((w_ih * scale[:, None]).T, dtype=np.float32),
            np.ascontiguousarray((w_hh * scale[:, None]).T, dtype=np.float32),
            (bias * scale).astype(np.float32))


def packing(sorted_lengths: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(real, alive, offsets) of rows sorted by descending length, packed time-major like torch's
    PackedSequence. ``real`` [width, rows] marks real positions (its True cells in C order are the packed
    order: ``np.nonzero(real)`` gives each packed row's step and row); the rows still running at step t
    are packed rows ``offsets[t] .. offsets[t] + alive[t]``."""
    real = np.arange(width)[:, None] < np.asarray(sorted_lengths)[None, :]
    alive = real.sum(1)
    return real, alive, np.cumsum(alive) - alive


def lstm_layer(gates_x: np.ndarray, w_hh: np.ndarray, alive: np.ndarray, offsets: np.ndarray,
               keep: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """One LSTM layer/direction over packed rows (see :func:`packing`): no padding is ever computed.

    ``gates_x`` [N, 4H] is the input side of the gates (pre-scaled, bias included, as :func:`lstm_weights`),
    ``w_hh`` [H, 4H]. Returns each row's last hidden state [rows, H] and, if ``keep``, the states [N, H]."""
    hid = w_hh.shape[0]
    h = np.zeros((int(alive[0]) if len(alive) else 0, hid), dtype=np.float32)
    c = np.zeros_like(h)
    out = np.empty((gates_x.shape[0], hid), dtype=np.float32) if keep else None
    for n, o in zip(alive.tolist(), offsets.tolist()):
        if n == 0:
            break
        gates = h[:n] @ w_hh
        gates += gates_x[o: o + n]
        np.tanh(gates, out=gates)
        for part in (gates[:, : 2 * hid], gates[:, 3 * hid:]):  # i, f and o: sigmoid(x) = ½·tanh(x/2) + ½
            part *= 0.5
            part += 0.5
        cell = c[:n]
        cell *= gates[:, hid: 2 * hid]
        cell += gates[:, :hid] * gates[:, 2 * hid: 3 * hid]
        np.multiply(gates[:, 3 * hid:], np.tanh(cell), out=h[:n])
        if out is not None:
            out[o: o + n] = h[:n]
    return h, out
