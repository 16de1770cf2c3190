"""convviz.dilation: the spread kernel against torch's dilated convolution and a strided
assignment; a stack's one kernel against the full convolution of its spread kernels."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


def _rng_array(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    d=st.integers(1, 4),
    extra=st.integers(0, 4),
)
def test_spread_kernel_is_torch_dilation(seed, kh, kw, d, extra):
    """conv2d with the spread kernel equals torch's conv2d with dilation=d."""
    w = _rng_array(seed, (kh, kw))
    spread = cv.spread_kernel(w, d)
    assert spread.shape == (d * (kh - 1) + 1, d * (kw - 1) + 1)
    x = _rng_array(seed + 1, (1, 1, spread.shape[0] + extra, spread.shape[1] + extra))
    want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w)[None, None], dilation=d).numpy()
    plain = F.conv2d(torch.from_numpy(x), torch.from_numpy(spread)[None, None]).numpy()
    np.testing.assert_allclose(plain, want, atol=1e-12)
    np.testing.assert_array_equal(cv.spread_kernel_loop(w, d), spread)
    independent = np.zeros_like(spread)
    independent[::d, ::d] = w
    np.testing.assert_array_equal(spread, independent)


@settings(max_examples=40, deadline=None)
@given(dilations=st.lists(st.integers(1, 4), min_size=1, max_size=3), k=st.integers(1, 3))
def test_stack_kernel_is_the_full_convolution_of_the_spread_layers(dilations, k):
    """A stack of linear layers is the full convolution of their (spread) kernels."""
    ones = np.ones((k, k))
    want = np.ones((1, 1))
    for d in dilations:
        want = scipy.signal.convolve2d(want, cv.spread_kernel(ones, d), mode="full")
    got = cv.stack_kernel(dilations, k)
    r = 1 + sum(d * (k - 1) for d in dilations)
    assert got.shape == (r, r)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_stack_kernel_counts_paths_through_torch():
    """Entry j is the stack's response at its one output to an impulse at input j."""
    dilations, k = (2, 2, 2), 3
    got = cv.stack_kernel(dilations, k)
    r = got.shape[0]
    x = torch.eye(r * r, dtype=torch.float64).view(r * r, 1, r, r)
    for d in dilations:
        x = F.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), dilation=d)
    np.testing.assert_allclose(got.ravel(), x.view(-1).numpy())
    assert (got == 0).any()  # the same dilation each layer: holes (gridding)
    assert (cv.stack_kernel((1, 2, 4), 3) > 0).all()  # doubling: none


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: cv.spread_kernel(np.ones((3, 3)), 0), ValueError, "d must be >= 1, got d=0"),
        (lambda: cv.spread_kernel(np.ones((3, 3)), 1.5), TypeError, "d must be an integer"),
        (lambda: cv.spread_kernel(np.ones(3), 2), ValueError, r"w must be .*shape \(3,\)"),
        (lambda: cv.spread_kernel(np.ones((3, 3), complex), 2), TypeError, "w must hold real"),
        (lambda: cv.spread_kernel_loop(np.ones((0, 3)), 2), ValueError, "w must be"),
        (lambda: cv.stack_kernel([]), ValueError, "dilations must name at least one"),
        (lambda: cv.stack_kernel([1, 0]), ValueError, "dilations must be >= 1"),
        (lambda: cv.stack_kernel([1], k=0), ValueError, "k must be >= 1, got k=0"),
    ],
)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("module", [cv.dilation, cv.signal], ids=["dilation", "signal"])
def test_the_examples_run(module):
    """The docstrings' examples (make unit doctests only a few modules)."""
    import doctest

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
