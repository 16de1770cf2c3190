"""fit_correlation_kernel recovers the kernel that made the data, flipped or not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), kh=st.integers(1, 4), kw=st.integers(1, 4))
def test_recovers_flipped_kernel_from_a_convolution(seed, kh, kw):
    rng = np.random.default_rng(seed)
    x, g = rng.normal(size=(10, 11)), rng.normal(size=(kh, kw))
    learned = cv.fit_correlation_kernel(x, cv.convolve2d(x, g, "valid"), (kh, kw))
    np.testing.assert_allclose(learned, g[::-1, ::-1], atol=1e-8)
    learned_corr = cv.fit_correlation_kernel(x, cv.correlate2d(x, g), (kh, kw))
    np.testing.assert_allclose(learned_corr, g, atol=1e-8)


def test_1d_and_errors():
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=30), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(
        cv.fit_correlation_kernel(x, np.convolve(x, g, "valid"), 3), g[::-1], atol=1e-10
    )
    with pytest.raises(ValueError, match="y must have the 'valid' shape"):
        cv.fit_correlation_kernel(x, np.ones(5), 3)
    with pytest.raises(ValueError, match="needs x with 2 dimensions"):
        cv.fit_correlation_kernel(x, np.ones(5), (3, 3))
