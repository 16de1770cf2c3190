"""The raw GEMM behind the vectorised convolutions, in both libraries it can use."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz import _blas

LIBRARIES = {"numpy": _blas._numpy_openblas(), "scipy": _blas._scipy_blas()}


def test_numpy_wheel_openblas_is_found_and_preferred():
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    if blas != "scipy-openblas":
        pytest.skip(f"NumPy is built against {blas}, not the wheel's OpenBLAS")
    assert LIBRARIES["numpy"] is not None
    assert _blas.BLAS_SOURCE == "numpy's OpenBLAS"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(LIBRARIES)),
    st.sampled_from(["float32", "float64"]),
    st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)),  # m, n, k
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),  # ld - columns
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),  # offsets
    st.sampled_from([0.0, 1.0, -0.5]),
    st.integers(0, 2**32 - 1),
)
def test_gemm_on_strided_windows_matches_numpy(name, dtype, mnk, pads, offsets, beta, seed):
    library = LIBRARIES[name]
    if library is None:
        pytest.skip("no OpenBLAS bundled with NumPy")
    (m, n, k), (pa, pb, pc), (oa, ob, oc) = mnk, pads, offsets
    lda, ldb, ldc = k + pa, n + pb, n + pc
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(oa + m * lda).astype(dtype)
    b = rng.standard_normal(ob + k * ldb).astype(dtype)
    c = rng.standard_normal(oc + m * ldc).astype(dtype)

    def window(arr, offset, rows, cols, ld):  # the matrix the call should see
        return arr[offset : offset + rows * ld].reshape(rows, ld)[:, :cols].astype(np.float64)

    expected_c = c.copy()
    window_c = expected_c[oc : oc + m * ldc].reshape(m, ldc)
    window_c[:, :n] = window(a, oa, m, k, lda) @ window(b, ob, k, n, ldb) + beta * window_c[:, :n]
    _blas.gemm_rowmajor(c, a, b, m, n, k, lda, ldb, ldc, beta, oa, ob, oc, library=library)
    tolerance = 1e-4 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(c, expected_c, rtol=tolerance, atol=tolerance)
