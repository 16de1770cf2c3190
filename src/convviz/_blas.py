"""GEMM with explicit leading dimensions and ``beta``, straight from SciPy's BLAS.

NumPy's ``matmul`` cannot accumulate into its output and SciPy's ``sgemm`` wrapper
copies any matrix that is not contiguous; the convolutions want both: a matrix
that is a strided window into a larger array (``lda`` > number of columns) and
``C += A @ B`` in place. SciPy publishes the raw Fortran BLAS symbols as PyCapsules
(``scipy.linalg.cython_blas``); this module wraps ``sgemm``/``dgemm`` with ctypes.
"""

from __future__ import annotations

import ctypes

import numpy as np
from scipy.linalg import cython_blas

__all__ = ["gemm_rowmajor"]

_get_name = ctypes.pythonapi.PyCapsule_GetName
_get_name.restype = ctypes.c_char_p
_get_name.argtypes = [ctypes.py_object]
_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

_P = ctypes.c_void_p
_I = ctypes.POINTER(ctypes.c_int)


def _load(name: str, real: type) -> object:
    capsule = cython_blas.__pyx_capi__[name]
    address = _get_pointer(capsule, _get_name(capsule))
    proto = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_char_p, _I, _I, _I, _P, _P, _I, _P, _I, _P, _P, _I
    )
    return proto(address), real


_GEMM = {
    np.dtype(np.float32): _load("sgemm", ctypes.c_float),
    np.dtype(np.float64): _load("dgemm", ctypes.c_double),
}


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
) -> None:
    """``C = A @ B + beta C`` on row-major matrices living inside the arrays ``a, b, c``.

    ``A`` is ``m x k`` starting at element ``offset_a`` of ``a`` with ``lda`` elements
    between rows; likewise ``B`` (``k x n``) and ``C`` (``m x n``). All three arrays
    must be C-contiguous, of the same dtype (float32 or float64); the caller is
    responsible for the matrices lying inside the arrays.
    """
    fn, real = _GEMM[c.dtype]
    item = c.itemsize
    # Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
    fn(
        b"N",
        b"N",
        ctypes.byref(ctypes.c_int(n)),
        ctypes.byref(ctypes.c_int(m)),
        ctypes.byref(ctypes.c_int(k)),
        ctypes.byref(real(1.0)),
        ctypes.c_void_p(b.ctypes.data + offset_b * item),
        ctypes.byref(ctypes.c_int(ldb)),
        ctypes.c_void_p(a.ctypes.data + offset_a * item),
        ctypes.byref(ctypes.c_int(lda)),
        ctypes.byref(real(beta)),
        ctypes.c_void_p(c.ctypes.data + offset_c * item),
        ctypes.byref(ctypes.c_int(ldc)),
    )
