"""upsample_nearest / upsample_bilinear (and loops) against F.interpolate, align_corners=False."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 5),
    st.sampled_from(["float32", "float64"]),
    st.integers(0, 2**32 - 1),
)
def test_matches_interpolate(n, c, h, w, r, dtype, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, size=(n, c, h, w)).astype(dtype)
    t = torch.from_numpy(x)
    near = F.interpolate(t, scale_factor=r, mode="nearest").numpy()
    bil = F.interpolate(t, scale_factor=r, mode="bilinear", align_corners=False).numpy()
    ours_near = cv.upsample_nearest(x, r)
    ours_bil = cv.upsample_bilinear(x, r)
    assert ours_near.dtype == ours_bil.dtype == x.dtype
    np.testing.assert_array_equal(ours_near, near)
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(ours_bil, bil, rtol=tol, atol=tol)
    np.testing.assert_array_equal(cv.upsample_nearest_loop(x, r), ours_near)
    np.testing.assert_allclose(cv.upsample_bilinear_loop(x, r), ours_bil, rtol=tol, atol=tol)


def test_bilinear_weights_for_factor_2():
    # interior cells mix neighbours 3:1 and 1:3; the first and last cells copy the edge
    x = np.array([0.0, 4.0, 8.0])[None, None, None, :]
    np.testing.assert_allclose(cv.upsample_bilinear(x, 2)[0, 0, 0], [0, 1, 3, 5, 7, 8])


@pytest.mark.parametrize(
    ("x", "r", "error", "word"),
    [
        (np.zeros((1, 2, 2)), 2, ValueError, "x"),
        (np.zeros((1, 1, 2, 2)), 0, ValueError, "scale_factor"),
        (np.zeros((1, 1, 2, 2)), 1.5, TypeError, "scale_factor"),
        (np.zeros((1, 1, 0, 2)), 2, ValueError, "x"),
        (np.zeros((1, 1, 2, 2), dtype=complex), 2, TypeError, "x"),
    ],
)
def test_errors_name_the_argument(x, r, error, word):
    for fn in (cv.upsample_nearest, cv.upsample_bilinear):
        with pytest.raises(error, match=word):
            fn(x, r)
