"""Convolution and cross-correlation as signal processing defines them.

Chapter 1 of the book. Convolution flips the kernel before sliding it;
cross-correlation slides it as it is. Deep learning's "convolution"
(:func:`convviz.conv.conv2d`, ``torch.nn.functional.conv2d``) is cross-correlation.

The three output modes are NumPy's and SciPy's:

* ``'full'``: every shift at which kernel and signal overlap at all,
  length ``N + M - 1``;
* ``'valid'``: only shifts where the kernel lies inside the signal,
  length ``max(N, M) - min(N, M) + 1``;
* ``'same'``: the centre of ``'full'``: length ``max(N, M)`` in 1D (NumPy),
  the image's own size in 2D (SciPy).

In 2D, ``'valid'`` refuses a kernel larger than the image, as a deep-learning
convolution does (SciPy would swap the two arrays).

Each operation comes twice: a ``*_loop`` version written as the formula, and a
vectorised one (1D: one shifted copy of the signal per kernel tap; 2D: built on
:func:`numpy.lib.stride_tricks.sliding_window_view`).

Edges with non-finite numbers follow the library each function names: NumPy's 1D
functions multiply only signal entries by kernel entries, so ``convolve1d([1, 2, 3],
[1, inf])`` is ``[1, inf, inf, inf]``; SciPy's 2D functions multiply the zeros around
the image too (``boundary='fill'``), so ``convolve2d([[1, 2, 3]], [[1, inf]])`` is
``[[nan, inf, inf, inf]]``. Both twins of each function do the same.

What is refused, where NumPy and SciPy accept it: complex input (``TypeError``; use the
real and imaginary parts), mode given as an integer code (``TypeError``; NumPy reads
0, 1, 2 as 'valid', 'same', 'full'), and in 2D ``'valid'`` with a kernel larger than
the image (``ValueError``). Empty input is refused (``ValueError``), as
:func:`numpy.convolve` does. Integer and bool inputs are converted to float64 before
the sums (NumPy and SciPy sum in the integer type, which wraps around on overflow);
float inputs keep their common dtype.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convviz._validate import _check_int, as_float_array, check_choice

__all__ = [
    "Mode",
    "convolve1d",
    "convolve1d_loop",
    "convolve2d",
    "convolve2d_loop",
    "correlate1d",
    "correlate1d_loop",
    "correlate2d",
    "correlate2d_loop",
    "correlation_taps",
    "mode_window",
    "torch_padding",
]

Mode = Literal["full", "same", "valid"]
_MODES = ("full", "same", "valid")


def _check_mode(mode: str) -> str:
    return check_choice("mode", mode, _MODES)


def mode_window(n: int, m: int, mode: Mode, *, flipped: bool) -> tuple[int, int]:
    """Where a mode's output starts inside the ``'full'`` output, and its length.

    Parameters
    ----------
    n, m : int
        Lengths of the signal and the kernel along one axis (both at least 1).
    mode : {'full', 'same', 'valid'}
        Output mode.
    flipped : bool
        ``True`` for convolution, ``False`` for cross-correlation. They differ
        only for ``'same'`` when the kernel is longer than the signal, where
        NumPy computes the correlation with the arguments swapped.

    Returns
    -------
    (start, length) : (int, int)
        The mode's output is ``full[start:start + length]``.
    """
    _check_mode(mode)
    full = n + m - 1
    if mode == "full":
        return 0, full
    if mode == "valid":
        return min(n, m) - 1, max(n, m) - min(n, m) + 1
    if flipped or n >= m:
        return (min(n, m) - 1) // 2, max(n, m)
    return full - m - (n - 1) // 2, m


def torch_padding(n: int, m: int, mode: Mode) -> tuple[int, int]:
    """Left and right zero padding that make ``F.conv1d`` give ``np.correlate(mode)``.

    ``F.conv1d(F.pad(x, (left, right)), w)`` (deep learning's convolution, which is
    a cross-correlation with no padding of its own) equals
    ``np.correlate(x, w, mode)`` for a signal of length ``n`` and a kernel of
    length ``m``. The mode's output ``o`` starts its window at signal position
    ``start + o - (m - 1)``, where ``start`` is the mode's offset inside the
    ``'full'`` output (:func:`mode_window`), so

    ``left = m - 1 - start`` and ``right = length + m - 1 - n - left``.

    Parameters
    ----------
    n, m : int
        Signal and kernel lengths, at least 1.
    mode : {'full', 'same', 'valid'}
        NumPy's mode.

    Returns
    -------
    (left, right) : (int, int)
        Zeros to add on each side of the signal (both at least 0). With
        ``left == right`` this is ``F.conv1d(x, w, padding=left)``.

    Raises
    ------
    TypeError
        If ``n`` or ``m`` is not an integer.
    ValueError
        If ``n`` or ``m`` is below 1, or ``mode`` is unknown.

    See Also
    --------
    mode_window : where the mode's output lies inside the ``'full'`` one.

    Examples
    --------
    >>> import convviz as cv
    >>> cv.torch_padding(8, 3, "same")  # F.conv1d(x, w, padding=1)
    (1, 1)
    >>> cv.torch_padding(8, 4, "same")  # numpy puts the extra zero on the left
    (2, 1)
    """
    n = _check_int("n", n, 1)
    m = _check_int("m", m, 1)
    start, length = mode_window(n, m, mode, flipped=False)
    left = m - 1 - start
    right = length + m - 1 - n - left
    return left, right


def correlation_taps(
    n: int, m: int, mode: Mode = "valid", *, flipped: bool = False, padded: bool = False
) -> np.ndarray:
    """Index triples of a 1D correlation (or convolution) in a given mode.

    Output ``y[o]`` is the sum of ``x[i] * w[k]`` over the rows ``(o, i, k)``.
    In ``'full'`` and ``'same'`` mode some taps meet the implicit zeros around
    the signal; they are listed only if ``padded`` is true, with ``i < 0`` or
    ``i >= N``.

    Parameters
    ----------
    n, m : int
        Signal and kernel lengths.
    mode : {'full', 'same', 'valid'}
        Output mode.
    flipped : bool, default False
        ``True`` pairs ``x[i]`` with ``w[M - 1 - k]``: convolution.
    padded : bool, default False
        Also list the taps that land on the zeros outside the signal.

    Returns
    -------
    ndarray of int, shape (T, 3)
        Rows ``(o, i, k)`` sorted by output index ``o``.
    """
    start, length = mode_window(n, m, mode, flipped=flipped)
    rows = []
    for o in range(length):
        lag = start + o - (m - 1)  # full index j corresponds to lag j - (M - 1)
        for k in range(m):
            i = lag + k
            if padded or 0 <= i < n:
                rows.append((o, i, m - 1 - k if flipped else k))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _axis_window(n: int, m: int, mode: Mode, axis: int, flipped: bool) -> tuple[int, int]:
    """SciPy's 2D windows: ``'same'`` keeps the image's size, ``'valid'`` needs the kernel inside."""
    if mode == "same":
        return ((m - 1) // 2 if flipped else m // 2), n
    if mode == "valid" and m > n:
        raise ValueError(
            f"mode='valid' needs the kernel to fit inside the image, got kernel size {m} "
            f"larger than image size {n} along axis {axis}"
        )
    return mode_window(n, m, mode, flipped=flipped)


def _pair(x: object, w: object, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array("x", x)
    w = as_float_array("w", w)
    for name, a in (("x", x), ("w", w)):
        if a.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-D, got {name}.shape={a.shape}")
        if a.size == 0:
            raise ValueError(f"{name} must not be empty, got {name}.shape={a.shape}")
    dtype = np.result_type(x, w)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False)


def _slide1d(x: object, w: object, mode: Mode, flipped: bool) -> np.ndarray:
    """Vectorised 1D correlation (``flipped=False``) or convolution (kernel reversed).

    One scaled, shifted copy of the signal per kernel tap: tap ``k`` adds
    ``w[k] * x`` to ``full[M - 1 - k :][:N]``. As in :func:`numpy.convolve`, only
    products of a signal entry and a kernel entry are formed; the zeros outside the
    signal are never multiplied, so an infinite kernel gives ``inf``, not
    ``0 * inf = nan``, at the ends.
    """
    x, w = _pair(x, w, 1)
    _check_mode(mode)
    n, m = x.shape[0], w.shape[0]
    kernel = w[::-1] if flipped else w
    full = np.zeros(n + m - 1, dtype=x.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as NumPy
        for k in range(m):
            full[m - 1 - k : m - 1 - k + n] += kernel[k] * x
    start, length = mode_window(n, m, mode, flipped=flipped)
    return full[start : start + length]


def _slide2d(x: object, w: object, mode: Mode, flipped: bool) -> np.ndarray:
    """Vectorised 2D correlation (``flipped=False``) or convolution (kernel reversed on both axes).

    As :func:`scipy.signal.correlate2d` with its default ``boundary='fill'``, the image
    is padded with zeros that are multiplied like any other entry: a non-finite kernel
    entry that meets the padding gives ``0 * inf = nan`` there, as in SciPy.
    """
    x, w = _pair(x, w, 2)
    kh, kw = _check_mode(mode) and w.shape
    padded = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    kernel = w[::-1, ::-1] if flipped else w
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as SciPy
        full = np.einsum("abpq,pq->ab", sliding_window_view(padded, w.shape), kernel)
    r0, rows = _axis_window(x.shape[0], kh, mode, 0, flipped)
    c0, cols = _axis_window(x.shape[1], kw, mode, 1, flipped)
    return full[r0 : r0 + rows, c0 : c0 + cols]


def correlate1d(x: np.ndarray, w: np.ndarray, mode: Mode = "valid") -> np.ndarray:
    """Cross-correlation of two 1D signals, as :func:`numpy.correlate`.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Signal.
    w : ndarray, shape (M,)
        Kernel, used as it is (not flipped).
    mode : {'full', 'same', 'valid'}, default 'valid'
        Output mode (see the module docstring).

    Returns
    -------
    ndarray, shape (L,), float (float64 for integer or bool input)
        ``y[j] = sum_k x[j + k - (M - 1)] w[k]`` over the ``'full'`` index
        ``j``, cut to the mode's window; ``x`` is zero outside ``0..N-1``.

    Raises
    ------
    TypeError
        Complex, string or object input (NumPy accepts complex), or ``mode`` that is
        not a string (NumPy reads the codes 0, 1, 2 as modes).
    ValueError
        ``x`` or ``w`` not 1-D or empty (as NumPy), or an unknown ``mode``.
    """
    return _slide1d(x, w, mode, flipped=False)


def convolve1d(x: np.ndarray, w: np.ndarray, mode: Mode = "full") -> np.ndarray:
    """Convolution of two 1D signals, as :func:`numpy.convolve`.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Signal.
    w : ndarray, shape (M,)
        Kernel; it is flipped before it slides.
    mode : {'full', 'same', 'valid'}, default 'full'
        Output mode.

    Returns
    -------
    ndarray, shape (L,), float (float64 for integer or bool input)
        ``y[n] = sum_k x[n - k] w[k]``, cut to the mode's window; only products of
        a signal entry and a kernel entry are summed, as in NumPy, so
        ``convolve1d([1., 2., 3.], [1., inf])`` is ``[1, inf, inf, inf]``.

    Raises
    ------
    TypeError
        Complex, string or object input (NumPy accepts complex), or ``mode`` that is
        not a string (NumPy reads the codes 0, 1, 2 as modes).
    ValueError
        ``x`` or ``w`` not 1-D or empty (as NumPy), or an unknown ``mode``.
    """
    return _slide1d(x, w, mode, flipped=True)


def correlate1d_loop(x: np.ndarray, w: np.ndarray, mode: Mode = "valid") -> np.ndarray:
    """Loop version of :func:`correlate1d`: slide ``w`` over ``x`` as it is.

    Same arguments, result and refusals (``TypeError`` for complex input or a ``mode``
    that is not a string, ``ValueError`` for empty input) as :func:`correlate1d`.
    """
    x, w = _pair(x, w, 1)
    n, m = len(x), len(w)
    start, length = mode_window(n, m, mode, flipped=False)
    y = np.zeros(length, dtype=x.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as NumPy and SciPy
        for o in range(length):
            shift = start + o - (m - 1)
            for j in range(m):
                if 0 <= shift + j < n:
                    y[o] += x[shift + j] * w[j]
    return y


def convolve1d_loop(x: np.ndarray, w: np.ndarray, mode: Mode = "full") -> np.ndarray:
    """Loop version of :func:`convolve1d`: ``y[n] = sum_j x[n - j] w[j]``.

    Same arguments, result and refusals (``TypeError`` for complex input or a ``mode``
    that is not a string, ``ValueError`` for empty input) as :func:`convolve1d`.
    """
    x, w = _pair(x, w, 1)
    n, m = len(x), len(w)
    start, length = mode_window(n, m, mode, flipped=True)
    y = np.zeros(length, dtype=x.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as NumPy and SciPy
        for o in range(length):
            t = start + o
            for j in range(m):
                if 0 <= t - j < n:
                    y[o] += x[t - j] * w[j]
    return y


def correlate2d(x: np.ndarray, w: np.ndarray, mode: Mode = "valid") -> np.ndarray:
    """Cross-correlation of two 2D arrays, as :func:`scipy.signal.correlate2d`.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Image.
    w : ndarray, shape (kH, kW)
        Kernel, not flipped.
    mode : {'full', 'same', 'valid'}, default 'valid'
        Output mode, applied to each axis.

    Returns
    -------
    ndarray, shape (H_out, W_out), float (float64 for integer or bool input)
        ``y[a, b] = sum_{p, q} x[a + p, b + q] w[p, q]`` (``'valid'``); the same
        as ``torch.nn.functional.conv2d`` with one channel.

    Raises
    ------
    TypeError
        Complex, string or object input (SciPy accepts complex), or ``mode`` that is
        not a string.
    ValueError
        ``x`` or ``w`` not 2-D, or empty (SciPy returns an empty or zero array), an
        unknown ``mode``, or ``mode='valid'`` with a kernel larger than the image on
        some axis (SciPy swaps the two arrays).
    """
    return _slide2d(x, w, mode, flipped=False)


def convolve2d(x: np.ndarray, w: np.ndarray, mode: Mode = "full") -> np.ndarray:
    """Convolution of two 2D arrays, as :func:`scipy.signal.convolve2d`.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Image.
    w : ndarray, shape (kH, kW)
        Kernel; flipped along both axes before it slides.
    mode : {'full', 'same', 'valid'}, default 'full'
        Output mode, applied to each axis.

    Returns
    -------
    ndarray, shape (H_out, W_out), float (float64 for integer or bool input)
        ``y[a, b] = sum_{p, q} x[a - p, b - q] w[p, q]``, cut to the mode's window.

    Raises
    ------
    TypeError
        Complex, string or object input (SciPy accepts complex), or ``mode`` that is
        not a string.
    ValueError
        ``x`` or ``w`` not 2-D, or empty (SciPy returns an empty or zero array), an
        unknown ``mode``, or ``mode='valid'`` with a kernel larger than the image on
        some axis (SciPy swaps the two arrays).
    """
    return _slide2d(x, w, mode, flipped=True)


def correlate2d_loop(x: np.ndarray, w: np.ndarray, mode: Mode = "valid") -> np.ndarray:
    """Loop version of :func:`correlate2d`: ``y[a, b] = sum x[a + p, b + q] w[p, q]``.

    ``x`` is zero outside the image, and those zeros are multiplied like any entry
    (SciPy's ``boundary='fill'``), so the loop runs over a zero-padded copy. Same arguments, result and refusals
    (``TypeError`` for complex input or a ``mode`` that is not a string, ``ValueError`` for
    empty input or a ``'valid'`` kernel larger than the image) as :func:`correlate2d`.
    """
    x, w = _pair(x, w, 2)
    (h, wd), (kh, kw) = x.shape, w.shape
    r0, rows = _axis_window(h, kh, mode, 0, False)
    c0, cols = _axis_window(wd, kw, mode, 1, False)
    xp = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))  # x[r, c] is xp[r + kh - 1, c + kw - 1]
    y = np.zeros((rows, cols), dtype=x.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as NumPy and SciPy
        for a in range(rows):
            for b in range(cols):
                for p in range(kh):
                    for q in range(kw):
                        y[a, b] += xp[r0 + a + p, c0 + b + q] * w[p, q]
    return y


def convolve2d_loop(x: np.ndarray, w: np.ndarray, mode: Mode = "full") -> np.ndarray:
    """Loop version of :func:`convolve2d`: ``y[a, b] = sum x[a - p, b - q] w[p, q]``.

    ``x`` is zero outside the image, and those zeros are multiplied like any entry
    (SciPy's ``boundary='fill'``), so the loop runs over a zero-padded copy. Same arguments, result and refusals
    (``TypeError`` for complex input or a ``mode`` that is not a string, ``ValueError`` for
    empty input or a ``'valid'`` kernel larger than the image) as :func:`convolve2d`.
    """
    x, w = _pair(x, w, 2)
    (h, wd), (kh, kw) = x.shape, w.shape
    r0, rows = _axis_window(h, kh, mode, 0, True)
    c0, cols = _axis_window(wd, kw, mode, 1, True)
    xp = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))  # x[r, c] is xp[r + kh - 1, c + kw - 1]
    y = np.zeros((rows, cols), dtype=x.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # silent, as NumPy and SciPy
        for a in range(rows):
            for b in range(cols):
                for p in range(kh):
                    for q in range(kw):
                        y[a, b] += xp[r0 + a - p + kh - 1, c0 + b - q + kw - 1] * w[p, q]
    return y
