"""Learning a kernel from examples: why deep learning does not care about the flip.

A network layer computes a cross-correlation with a kernel it learns. If the
data were made by a true convolution with kernel ``g``, the best
cross-correlation kernel is ``g`` flipped: learning absorbs the flip.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["fit_correlation_kernel"]


def fit_correlation_kernel(
    x: np.ndarray, y: np.ndarray, kernel_shape: int | tuple[int, ...]
) -> np.ndarray:
    """Least-squares kernel ``w`` with ``correlate(x, w, 'valid') ≈ y``.

    Every output value is the dot product of one window of ``x`` with ``w``, so
    the windows are the rows of a design matrix ``A`` and ``w`` solves
    ``min ||A w - y||²``.

    Parameters
    ----------
    x : ndarray, shape (N,) or (H, W)
        Input signal or image.
    y : ndarray, shape (N - M + 1,) or (H - kH + 1, W - kW + 1)
        Target, the ``'valid'`` output of some linear filter of ``x``.
    kernel_shape : int or tuple of int
        ``M`` or ``(kH, kW)``.

    Returns
    -------
    ndarray, shape (M,) or (kH, kW)
        The fitted cross-correlation kernel.

    Raises
    ------
    ValueError
        If the shapes do not fit a ``'valid'`` correlation.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    shape = (kernel_shape,) if isinstance(kernel_shape, int) else tuple(kernel_shape)
    if x.ndim != len(shape):
        raise ValueError(
            f"kernel_shape={shape} needs x with {len(shape)} dimensions, got x.shape={x.shape}"
        )
    expected = tuple(n - m + 1 for n, m in zip(x.shape, shape, strict=True))
    if min(expected) < 1 or y.shape != expected:
        raise ValueError(
            f"y must have the 'valid' shape {expected} for x.shape={x.shape} and "
            f"kernel_shape={shape}, got y.shape={y.shape}"
        )
    windows = sliding_window_view(x, shape).reshape(-1, int(np.prod(shape)))
    w, *_ = np.linalg.lstsq(windows, y.ravel(), rcond=None)
    return w.reshape(shape)
