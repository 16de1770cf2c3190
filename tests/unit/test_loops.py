"""The plain 2D loops of `convviz.loops` against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 2),
    st.sampled_from([1, 2, 3]),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.integers(1, 2),
    st.booleans(),
    st.integers(0, 2**31 - 1),
)
def test_conv2d_plain_is_torch(n, g, c_mult, k, s, p, d, with_bias, seed):
    rng = np.random.default_rng(seed)
    c_in, c_out = g * c_mult, g * 2
    size = 6
    assume(size + 2 * p >= d * (k - 1) + 1)
    x = rng.normal(size=(n, c_in, size, size + 1))
    w = rng.normal(size=(c_out, c_in // g, k, k))
    b = rng.normal(size=c_out) if with_bias else None
    ours = cv.conv2d_plain(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    theirs = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        None if b is None else torch.from_numpy(b),
        stride=s,
        padding=p,
        dilation=d,
        groups=g,
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([1, 2]),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
    st.data(),
)
def test_conv_transpose2d_plain_is_torch(g, k, s, p, d, data):
    a = data.draw(st.integers(0, max(s, d) - 1))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.normal(size=(2, 2 * g, 3, 4))
    w = rng.normal(size=(2 * g, 3, k, k))
    b = rng.normal(size=3 * g)
    try:
        theirs = F.conv_transpose2d(
            torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
            stride=s, padding=p, output_padding=a, groups=g, dilation=d,
        ).numpy()  # fmt: skip
    except RuntimeError:
        # torch's float64 kernel refuses an output of size 0 or less; convviz returns the
        # empty result at exactly 0 (as torch's float32 batched path does) and refuses
        # a negative size (book/differences.md)
        sizes = [(i - 1) * s - 2 * p + d * (k - 1) + a + 1 for i in (3, 4)]
        if min(sizes) < 0:
            with pytest.raises(ValueError):
                cv.conv_transpose2d_plain(x, w, b, s, p, a, g, d)
        else:
            assert min(sizes) == 0
            out = cv.conv_transpose2d_plain(x, w, b, s, p, a, g, d)
            assert out.shape == (2, 3 * g, *sizes)
        return
    assume(0 not in theirs.shape)
    ours = cv.conv_transpose2d_plain(x, w, b, s, p, a, g, d)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_bad_input_names_the_argument():
    x, w = np.zeros((1, 2, 5, 5)), np.zeros((4, 2, 3, 3))
    with pytest.raises(ValueError, match="stride"):
        cv.conv2d_plain(x, w, stride=0)
    with pytest.raises(ValueError, match="groups"):
        cv.conv2d_plain(x, w, groups=2)
    with pytest.raises(ValueError, match="bias"):
        cv.conv2d_plain(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="output_padding"):
        cv.conv_transpose2d_plain(np.zeros((1, 4, 3, 3)), w, stride=2, output_padding=2)
