"""simcalc.numpy_nn, the shared numpy inference pieces, against plain textbook references (no torch needed).
The safetensors reader is checked against the library in tests/test_parse_numpy.py."""
from __future__ import annotations

import numpy as np
import pytest

from simcalc.numpy_nn import conv1d, conv_weight, lstm_layer, lstm_weights, packing


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _reference_lstm(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One sentence [T, D] through torch's LSTM equations (gates i f g o), float64."""
    hid = w_hh.shape[1]
    h, c, out = np.zeros(hid), np.zeros(hid), []
    for t in range(len(x)):
        z = w_ih @ x[t] + w_hh @ h + b
        i, f, g, o = _sigmoid(z[:hid]), _sigmoid(z[hid: 2 * hid]), np.tanh(z[2 * hid: 3 * hid]), _sigmoid(z[3 * hid:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.array(out)


def test_packed_lstm_layer_equals_the_textbook_lstm_per_sentence():
    rng = np.random.default_rng(3)
    dim, hid = 5, 4
    weights = {"l.weight_ih_l0": rng.normal(size=(4 * hid, dim)).astype(np.float32),
               "l.weight_hh_l0": rng.normal(size=(4 * hid, hid)).astype(np.float32),
               "l.bias_ih_l0": rng.normal(size=4 * hid).astype(np.float32),
               "l.bias_hh_l0": rng.normal(size=4 * hid).astype(np.float32)}
    lengths = np.array([6, 6, 3, 1])  # sorted longest first, as lstm_layer expects
    sentences = [rng.normal(size=(n, dim)).astype(np.float32) for n in lengths]
    real, alive, offsets = packing(lengths, 6)
    steps, rows = np.nonzero(real)
    packed = np.stack([sentences[r][t] for t, r in zip(steps, rows)])
    w_ih_t, w_hh_t, bias = lstm_weights(weights, "l", 0)
    last, states = lstm_layer(packed @ w_ih_t + bias, w_hh_t, alive, offsets)
    b = weights["l.bias_ih_l0"] + weights["l.bias_hh_l0"]
    for r, sentence in enumerate(sentences):
        expected = _reference_lstm(sentence.astype(np.float64), weights["l.weight_ih_l0"], weights["l.weight_hh_l0"], b)
        assert states is not None
        np.testing.assert_allclose(states[rows == r], expected, atol=1e-5)
        np.testing.assert_allclose(last[r], expected[-1], atol=1e-5)
    assert lstm_layer(packed @ w_ih_t + bias, w_hh_t, alive, offsets, keep=False)[1] is None


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_conv1d_equals_a_padded_sliding_window(kernel):
    rng = np.random.default_rng(kernel)
    x = rng.normal(size=(2, 7, 3)).astype(np.float32)
    weight = rng.normal(size=(4, 3, kernel)).astype(np.float32)  # [out, in, k] as torch's Conv1d
    bias = rng.normal(size=4).astype(np.float32)
    got = conv1d(x, conv_weight(weight), bias, kernel)
    pad = kernel // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
    expected = np.array([[[(padded[b, t: t + kernel] * weight[f].T).sum() + bias[f] for f in range(4)]
                          for t in range(7 + 2 * pad - kernel + 1)] for b in range(2)])
    np.testing.assert_allclose(got, expected, atol=1e-4)

