"""A transposed convolution is a direct convolution of stride 1 (Dumoulin and Visin, 8-14)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv


def _direct(y: np.ndarray, w: np.ndarray, eq: cv.DirectEquivalent) -> np.ndarray:
    """Stretch, pad (or crop), and correlate with the flipped kernel, written out with numpy."""
    stretched = np.zeros((len(y) - 1) * (eq.zeros_between + 1) + 1)
    stretched[:: eq.zeros_between + 1] = y
    before, after = eq.pad_before, eq.pad_after
    padded = np.pad(stretched, (max(before, 0), max(after, 0)))
    padded = padded[max(-before, 0) : len(padded) - max(-after, 0)]
    taps = w[::-1]
    span = eq.dilation * (len(w) - 1)
    return np.array(
        [
            sum(padded[o + j * eq.dilation] * taps[j] for j in range(len(w)))
            for o in range(len(padded) - span)
        ]
    )


@settings(max_examples=60, deadline=None)
@given(
    i=st.integers(1, 6),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 4),
    d=st.integers(1, 3),
    a=st.integers(0, 2),
    seed=st.integers(0, 2**31 - 1),
)
def test_direct_equivalent_is_the_transposed_convolution(i, k, s, p, d, a, seed):
    if a >= max(s, d):  # PyTorch refuses such an output_padding, and so does convviz
        with pytest.raises(ValueError, match="output_padding"):
            cv.direct_equivalent(k, s, p, a, d)
        return
    assume((i - 1) * s - 2 * p + d * (k - 1) + a + 1 >= 1)  # torch refuses empty outputs
    rng = np.random.default_rng(seed)
    y, w = rng.normal(size=i), rng.normal(size=k)
    want = F.conv_transpose1d(
        torch.from_numpy(y)[None, None], torch.from_numpy(w)[None, None],
        stride=s, padding=p, output_padding=a, dilation=d,
    )[0, 0].numpy()  # fmt: skip
    eq = cv.direct_equivalent(k, s, p, a, d)
    assert (eq.zeros_between, eq.stride, eq.dilation) == (s - 1, 1, d)
    np.testing.assert_allclose(_direct(y, w, eq), want, atol=1e-12)


def test_the_guides_padding_and_errors():
    # relationship 13's example in the guide's notation: k = 3, s = 2, p = 1 -> p' = k - p - 1 = 1
    assert cv.direct_equivalent(3, 2, 1) == (1, 1, 1, 1, 1)
    assert cv.direct_equivalent(3, 2, 1, output_padding=1) == (1, 1, 2, 1, 1)
    with pytest.raises(ValueError, match="output_padding"):
        cv.direct_equivalent(3, 2, 1, output_padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        cv.direct_equivalent(0)
