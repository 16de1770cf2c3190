"""convviz.signal against NumPy, SciPy and torch on random shapes; loop == vectorised."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv

MODES = st.sampled_from(["full", "same", "valid"])


def _arrays(draw, shape, dtype=np.float64):
    seed = draw(st.integers(0, 2**31 - 1))
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), m=st.integers(1, 12), mode=MODES)
def test_1d_equals_numpy(data, n, m, mode):
    x, w = _arrays(data.draw, n), _arrays(data.draw, m)
    np.testing.assert_allclose(cv.correlate1d(x, w, mode), np.correlate(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(cv.convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(
        cv.correlate1d_loop(x, w, mode), np.correlate(x, w, mode), atol=1e-12
    )
    np.testing.assert_allclose(cv.convolve1d_loop(x, w, mode), np.convolve(x, w, mode), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    h=st.integers(1, 7),
    w_=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    mode=MODES,
)
def test_2d_equals_scipy_and_loops(data, h, w_, kh, kw, mode):
    x, k = _arrays(data.draw, (h, w_)), _arrays(data.draw, (kh, kw))
    if mode == "valid" and (kh > h or kw > w_):
        with pytest.raises(ValueError, match="kernel size"):
            cv.correlate2d(x, k, mode)
        return
    for ours, loop, ref in (
        (cv.correlate2d, cv.correlate2d_loop, scipy.signal.correlate2d),
        (cv.convolve2d, cv.convolve2d_loop, scipy.signal.convolve2d),
    ):
        expected = ref(x, k, mode)
        np.testing.assert_allclose(ours(x, k, mode), expected, atol=1e-12)
        np.testing.assert_allclose(loop(x, k, mode), expected, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    h=st.integers(3, 8),
    w_=st.integers(3, 8),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
)
def test_2d_against_torch_conv2d(data, h, w_, kh, kw):
    x, k = _arrays(data.draw, (h, w_)), _arrays(data.draw, (kh, kw))
    tx, tk = torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None]
    valid = F.conv2d(tx, tk)[0, 0].numpy()
    full = F.conv2d(tx, tk, padding=(kh - 1, kw - 1))[0, 0].numpy()
    np.testing.assert_allclose(cv.correlate2d(x, k), valid, atol=1e-12)
    np.testing.assert_allclose(cv.correlate2d(x, k, "full"), full, atol=1e-12)
    flipped = torch.from_numpy(k[::-1, ::-1].copy())[None, None]
    np.testing.assert_allclose(
        cv.convolve2d(x, k, "valid"), F.conv2d(tx, flipped)[0, 0].numpy(), atol=1e-12
    )


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 10),
    m=st.integers(1, 10),
    mode=MODES,
    flipped=st.booleans(),
    padded=st.booleans(),
)
def test_taps_are_the_computation(n, m, mode, flipped, padded):
    rng = np.random.default_rng(n * 100 + m)
    x, w = rng.normal(size=n), rng.normal(size=m)
    taps = cv.correlation_taps(n, m, mode, flipped=flipped, padded=padded)
    ref = np.convolve(x, w, mode) if flipped else np.correlate(x, w, mode)
    y = np.zeros(len(ref))
    xp = np.concatenate([x, np.zeros(2 * m)])  # zeros for padded taps beyond the end
    for o, i, k in taps:
        if padded and not 0 <= i < n:
            assert i < 0 or i >= n
            continue
        y[o] += xp[i] * w[k]
    np.testing.assert_allclose(y, ref, atol=1e-12)


def test_dtypes_and_errors():
    x32 = np.arange(5, dtype=np.float32)
    assert cv.correlate1d(x32, x32[:2]).dtype == np.float32
    assert cv.correlate1d(np.arange(5), np.array([1, 2])).dtype == np.float64
    with pytest.raises(ValueError, match="mode must be one of"):
        cv.correlate1d(x32, x32, "middle")
    with pytest.raises(ValueError, match=r"x must be 1-D, got x.shape=\(2, 2\)"):
        cv.convolve1d(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="w must not be empty"):
        cv.convolve1d(np.ones(3), np.ones(0))
    with pytest.raises(TypeError, match="real numbers"):
        cv.correlate2d(np.array([["a"]]), np.ones((1, 1)))


def test_nan_propagates_like_numpy():
    x = np.array([1.0, np.nan, 2.0, 3.0])
    w = np.array([1.0, 1.0])
    np.testing.assert_array_equal(np.isnan(cv.convolve1d(x, w)), np.isnan(np.convolve(x, w)))
