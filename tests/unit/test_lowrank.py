"""Rank-1 filters and the alternating least-squares fit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


def unfolding_floor(w):
    """Error floor from the SVD of the channels-by-space unfolding (no rank-1 fit beats it)."""
    s = np.linalg.svd(w.reshape(w.shape[0], -1), compute_uv=False)
    return np.sqrt(max(np.sum(s**2) - s[0] ** 2, 0.0))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_rank1_filter_is_the_outer_product(c, kh, kw, seed):
    rng = np.random.default_rng(seed)
    a, v, h = rng.normal(size=c), rng.normal(size=kh), rng.normal(size=kw)
    w = cv.rank1_filter(a, v, h)
    assert w.shape == (c, kh, kw)
    for i in range(c):
        np.testing.assert_allclose(w[i], a[i] * np.outer(v, h))
    # a rank-1 filter is recovered exactly
    fit = cv.rank1_filter(*cv.fit_rank1(w))
    np.testing.assert_allclose(fit, w, atol=1e-9 * max(1.0, np.abs(w).max()))


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(2, 4), st.integers(0, 2**31 - 1))
def test_fit_is_no_worse_than_its_start_and_respects_the_floor(c, k, seed):
    w = np.random.default_rng(seed).normal(size=(c, k, k))
    start = np.linalg.norm(w - cv.rank1_filter(*cv.fit_rank1(w, iters=0)))
    err = np.linalg.norm(w - cv.rank1_filter(*cv.fit_rank1(w)))
    assert err <= start + 1e-9
    assert err >= unfolding_floor(w) - 1e-9


def test_bad_input():
    with pytest.raises(ValueError, match="w must"):
        cv.fit_rank1(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="a must"):
        cv.rank1_filter(np.zeros((2, 2)), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="iters"):
        cv.fit_rank1(np.ones((2, 2, 2)), iters=-1)
