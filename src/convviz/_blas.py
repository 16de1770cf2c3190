"""GEMM with explicit leading dimensions and ``beta``, straight from a BLAS library.

NumPy's ``matmul`` cannot accumulate into its output and SciPy's ``sgemm`` wrapper
copies any matrix that is not contiguous; the convolutions want both: a matrix
that is a strided window into a larger array (``lda`` > number of columns) and
``C += A @ B`` in place. So this module calls ``sgemm``/``dgemm`` itself, with ctypes,
from one of two libraries:

* the OpenBLAS that NumPy's wheels bundle (``numpy.libs/libscipy_openblas64_*``,
  ``scipy_cblas_sgemm64_``: CBLAS, row-major, 64-bit integers). Preferred: it is
  the library ``matmul`` uses, so the convolutions and the reader's own NumPy code
  share one thread pool, and it is the newer build (measured with
  ``benchmarks/bench_conv3d_floor.py``: 0.65-0.71 ms against 0.92-1.03 ms for
  SciPy's on the same 24 x 36 by 36 x 32768 float32 product, 2 threads);
* otherwise (a NumPy built against another BLAS) SciPy's, whose Fortran symbols
  ``scipy.linalg.cython_blas`` publishes as PyCapsules.
"""

from __future__ import annotations

import ctypes
import glob
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["BLAS_SOURCE", "gemm_rowmajor"]

_P = ctypes.c_void_p
_ROW_MAJOR, _NO_TRANS = 101, 111  # CBLAS enum values
Gemm = Callable[..., None]


def _numpy_openblas() -> dict[np.dtype, Gemm] | None:
    """Row-major GEMMs from the OpenBLAS bundled with NumPy's wheel, if there is one."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(glob.glob(str(libs / "libscipy_openblas64_*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        found = {}
        for kind, real, name in (
            (np.float32, ctypes.c_float, "scipy_cblas_sgemm64_"),
            (np.float64, ctypes.c_double, "scipy_cblas_dgemm64_"),
        ):
            if not hasattr(lib, name):
                break
            fn = getattr(lib, name)
            i = ctypes.c_int64
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, real, _P, i]
            fn.argtypes += [_P, i, real, _P, i]
            fn.restype = None

            def gemm(m, n, k, a, lda, b, ldb, beta, c, ldc, fn=fn) -> None:
                fn(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc)

            found[np.dtype(kind)] = gemm
        else:
            return found
    return None


def _ref(value: float, kind: type = ctypes.c_int) -> object:
    """A pointer to ``value`` as a C ``kind`` (Fortran passes every argument by reference)."""
    return ctypes.byref(kind(value))


def _scipy_blas() -> dict[np.dtype, Gemm]:
    """Row-major GEMMs from SciPy's Fortran BLAS (column-major: operands swapped)."""
    from scipy.linalg import cython_blas

    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    i = ctypes.POINTER(ctypes.c_int)
    proto = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_char_p, i, i, i, _P, _P, i, _P, i, _P, _P, i
    )
    found = {}
    for kind, real, name in (
        (np.float32, ctypes.c_float, "sgemm"),
        (np.float64, ctypes.c_double, "dgemm"),
    ):
        capsule = cython_blas.__pyx_capi__[name]
        fn = proto(get_pointer(capsule, get_name(capsule)))

        def gemm(m, n, k, a, lda, b, ldb, beta, c, ldc, fn=fn, real=real) -> None:
            # Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
            fn(b"N", b"N", _ref(n), _ref(m), _ref(k), _ref(1.0, real), b, _ref(ldb), a,
               _ref(lda), _ref(beta, real), c, _ref(ldc))  # fmt: skip

        found[np.dtype(kind)] = gemm
    return found


_GEMM = _numpy_openblas()
BLAS_SOURCE = "numpy's OpenBLAS" if _GEMM else "scipy's BLAS"
_GEMM = _GEMM or _scipy_blas()


def gemm_rowmajor(
    c: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    m: int,
    n: int,
    k: int,
    lda: int,
    ldb: int,
    ldc: int,
    beta: float,
    offset_a: int = 0,
    offset_b: int = 0,
    offset_c: int = 0,
    library: dict[np.dtype, Gemm] | None = None,
) -> None:
    """``C = A @ B + beta C`` on row-major matrices living inside the arrays ``a, b, c``.

    ``A`` is ``m x k`` starting at element ``offset_a`` of ``a`` with ``lda`` elements
    between rows; likewise ``B`` (``k x n``) and ``C`` (``m x n``). All three arrays
    must be C-contiguous, of the same dtype (float32 or float64), ``c`` writeable, and
    each matrix must lie inside its array: checked here (:func:`_check_gemm`), since
    the library reads and writes raw memory. ``library`` (tests) picks the GEMMs of
    :func:`_numpy_openblas` or :func:`_scipy_blas` instead of the default.

    Raises
    ------
    TypeError
        An operand that is not a C-contiguous ndarray of the one dtype the library
        has, or a non-integer size.
    ValueError
        A negative size or offset, a leading dimension shorter than a row, a matrix
        reaching past the end of its array, or a read-only ``c``.
    """
    library = library or _GEMM
    _check_gemm(c, a, b, m, n, k, lda, ldb, ldc, offset_a, offset_b, offset_c, library)
    if m == 0 or n == 0:
        return
    item = c.itemsize
    library[c.dtype](
        m,
        n,
        k,
        a.ctypes.data + offset_a * item,
        lda,
        b.ctypes.data + offset_b * item,
        ldb,
        beta,
        c.ctypes.data + offset_c * item,
        ldc,
    )


def _check_gemm(c, a, b, m, n, k, lda, ldb, ldc, offset_a, offset_b, offset_c, library) -> None:
    """Refuse a call that would make the library touch memory outside ``a, b, c``."""
    for name, value in (("m", m), ("n", n), ("k", k), ("lda", lda), ("ldb", ldb), ("ldc", ldc)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {name}={value!r}")
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {name}={value}")
    for name, arr in (("c", c), ("a", a), ("b", b)):
        if not isinstance(arr, np.ndarray) or not arr.flags.c_contiguous:
            raise TypeError(f"{name} must be a C-contiguous ndarray, got {name} of {type(arr)}")
        if arr.dtype != c.dtype or arr.dtype not in library:
            raise TypeError(
                f"a, b and c must share one dtype of {sorted(str(d) for d in library)}, "
                f"got {name} of dtype {arr.dtype} (c is {c.dtype})"
            )
    if not c.flags.writeable:
        raise ValueError("c must be writeable, got a read-only array")
    for name, arr, offset, rows, cols, ld in (
        ("a", a, offset_a, m, k, lda),
        ("b", b, offset_b, k, n, ldb),
        ("c", c, offset_c, m, n, ldc),
    ):
        if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or offset < 0:
            raise ValueError(f"offset_{name} must be an integer >= 0, got offset_{name}={offset!r}")
        if ld < max(1, cols):
            raise ValueError(
                f"ld{name} must be at least the {cols} columns of {name}, got ld{name}={ld}"
            )
        if rows and cols and offset + (rows - 1) * ld + cols > arr.size:
            raise ValueError(
                f"the {rows} x {cols} matrix {name} at offset_{name}={offset} with ld{name}={ld} "
                f"ends at element {offset + (rows - 1) * ld + cols}, past the {arr.size} "
                f"elements of {name}"
            )
