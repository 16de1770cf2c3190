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


def _operands(dtype="float32", m=3, n=4, k=5):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(m * k).astype(dtype)
    b = rng.standard_normal(k * n).astype(dtype)
    c = np.zeros(m * n, dtype=dtype)
    return c, a, b, {"m": m, "n": n, "k": k, "lda": k, "ldb": n, "ldc": n, "beta": 0.0}


def test_a_good_call_still_works_and_an_empty_one_does_nothing():
    c, a, b, args = _operands()
    _blas.gemm_rowmajor(c, a, b, **args)
    expected = a.reshape(3, 5).astype(np.float64) @ b.reshape(5, 4)
    np.testing.assert_allclose(c.reshape(3, 4), expected, rtol=1e-5, atol=1e-5)
    before = c.copy()
    _blas.gemm_rowmajor(c, a, b, **{**args, "m": 0})
    np.testing.assert_array_equal(c, before)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"m": 4}, ValueError, "matrix a .* past the 15 elements of a"),  # A runs past a
        ({"k": 6, "lda": 6}, ValueError, "past the 15 elements of a"),
        ({"n": 5, "ldb": 5, "ldc": 5}, ValueError, "past the 20 elements of b"),
        ({"offset_c": 1}, ValueError, "past the 12 elements of c"),
        ({"offset_b": 1}, ValueError, "past the 20 elements of b"),
        ({"lda": 4}, ValueError, "lda must be at least the 5 columns"),
        ({"ldc": 3}, ValueError, "ldc must be at least the 4 columns"),
        ({"offset_a": -1}, ValueError, "offset_a"),
        ({"m": -1}, ValueError, "m must be >= 0"),
        ({"n": 2.0}, TypeError, "n must be an integer"),
    ],
)
def test_a_call_outside_the_arrays_is_refused(change, error, words):
    c, a, b, args = _operands()
    before = c.copy()
    with pytest.raises(error, match=words):
        _blas.gemm_rowmajor(c, a, b, **{**args, **change})
    np.testing.assert_array_equal(c, before)  # nothing written


def test_operands_must_be_contiguous_one_dtype_and_c_writeable():
    c, a, b, args = _operands()
    with pytest.raises(TypeError, match="a must be a C-contiguous"):
        _blas.gemm_rowmajor(c, np.repeat(a, 2)[::2], b, **args)
    with pytest.raises(TypeError, match="b of dtype float64"):
        _blas.gemm_rowmajor(c, a, b.astype(np.float64), **args)
    with pytest.raises(TypeError, match="dtype"):
        c16, a16, b16, _ = _operands("float16")
        _blas.gemm_rowmajor(c16, a16, b16, **args)
    with pytest.raises(TypeError, match="c must be a C-contiguous ndarray"):
        _blas.gemm_rowmajor(list(c), a, b, **args)
    c.flags.writeable = False
    with pytest.raises(ValueError, match="c must be writeable"):
        _blas.gemm_rowmajor(c, a, b, **args)


def test_the_pool_starts_on_first_use_and_follows_omp_num_threads():
    """In a fresh interpreter: no convviz thread at import; OMP_NUM_THREADS=3 gives a
    pool of 3 on the first depthwise call; OMP_NUM_THREADS=1 runs in the caller."""
    import os
    import subprocess
    import sys

    code = (
        "import threading, numpy as np, convviz as cv, convviz._fast as f\n"
        "names = lambda: sorted(t.name for t in threading.enumerate() if 'convviz' in t.name)\n"
        "assert f._POOL is None and names() == [], names()\n"
        "x = np.ones((2, 6, 9, 8), np.float32); w = np.ones((6, 1, 3, 3), np.float32)\n"
        "y = cv.conv2d(x, w, groups=6)\n"
        "assert np.all(y == 9)\n"
        "print(f.threads(), None if f._POOL is None else f._POOL[1], len(names()))\n"
    )
    found = {}
    for value in ("3", "1"):
        env = {**os.environ, "OMP_NUM_THREADS": value}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        found[value] = run.stdout.split()
    assert found["3"][:2] == ["3", "3"] and 1 <= int(found["3"][2]) <= 3
    assert found["1"] == ["1", "None", "0"]
