"""Resizing by an integer factor, as ``F.interpolate(..., align_corners=False)``.

Resize-convolution (Odena, Dumoulin and Olah, 2016) upsamples an image first and
convolves it with stride 1 afterwards, instead of using a transposed convolution.
These two resizes are the ones the article names, nearest-neighbour and
bilinear, restricted to integer scale factors, where PyTorch's coordinate
mapping is exact:

* nearest: output cell ``q`` copies input cell ``floor(q / r)``;
* bilinear (``align_corners=False``): output cell ``q`` sits at input coordinate
  ``(q + 1/2) / r - 1/2``, clamped at 0, and mixes the two nearest input cells
  linearly; the last cell is repeated past the end.

References
----------
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill (2016), doi:10.23915/distill.00003.
"""

from __future__ import annotations

import numpy as np

from convviz._validate import _check_int, as_float_array

__all__ = [
    "upsample_bilinear",
    "upsample_bilinear_loop",
    "upsample_nearest",
    "upsample_nearest_loop",
]


def _check(op: str, x: object, scale_factor: object) -> tuple[np.ndarray, int]:
    x = as_float_array("x", x)
    r = _check_int("scale_factor", scale_factor, 1)
    if x.ndim != 4:
        raise ValueError(f"{op} expects x of shape (N, C, H, W), got x of shape {x.shape}")
    if 0 in x.shape[2:]:
        raise ValueError(f"{op} expects a non-empty image, got x of shape {x.shape}")
    return x, r


def _bilinear_axis(size: int, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of the ``size * r`` output cells: left input cell, right cell, right weight."""
    q = np.arange(size * r)
    src = np.maximum((q + 0.5) / r - 0.5, 0.0)
    left = np.floor(src).astype(np.intp)
    right = np.minimum(left + 1, size - 1)
    return left, right, src - left


def upsample_nearest(x: np.ndarray, scale_factor: int) -> np.ndarray:
    """Nearest-neighbour upsampling by an integer factor (``mode='nearest'``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Real input (ints become float64).
    scale_factor : int
        ``r`` (at least 1), the same along both axes.

    Returns
    -------
    ndarray, shape (N, C, H r, W r)
        ``y[n, c, a, b] = x[n, c, floor(a / r), floor(b / r)]``: every pixel
        becomes an ``r x r`` block.

    Raises
    ------
    ValueError
        ``x`` not 4-d or empty, ``scale_factor < 1``.
    TypeError
        ``x`` not real, ``scale_factor`` not an int.

    References
    ----------
    Odena, Dumoulin and Olah, Distill (2016): resize-convolution.
    """
    x, r = _check("upsample_nearest", x, scale_factor)
    return np.repeat(np.repeat(x, r, axis=2), r, axis=3)


def upsample_nearest_loop(x: np.ndarray, scale_factor: int) -> np.ndarray:
    """:func:`upsample_nearest` one output cell at a time (same arguments and result)."""
    x, r = _check("upsample_nearest", x, scale_factor)
    n, c, h, w = x.shape
    out = np.empty((n, c, h * r, w * r), dtype=x.dtype)
    for a in range(h * r):
        for b in range(w * r):
            out[:, :, a, b] = x[:, :, a // r, b // r]
    return out


def upsample_bilinear(x: np.ndarray, scale_factor: int) -> np.ndarray:
    """Bilinear upsampling by an integer factor (``mode='bilinear', align_corners=False``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Real input (ints become float64).
    scale_factor : int
        ``r`` (at least 1), the same along both axes.

    Returns
    -------
    ndarray, shape (N, C, H r, W r)
        Along each axis, output cell ``q`` reads input coordinate
        ``u = max((q + 1/2) / r - 1/2, 0)`` and returns
        ``(1 - λ) x[floor(u)] + λ x[min(floor(u) + 1, size - 1)]`` with
        ``λ = u - floor(u)``; the two axes are interpolated one after the other.

    Raises
    ------
    ValueError
        ``x`` not 4-d or empty, ``scale_factor < 1``.
    TypeError
        ``x`` not real, ``scale_factor`` not an int.

    References
    ----------
    Odena, Dumoulin and Olah, Distill (2016): resize-convolution.
    """
    x, r = _check("upsample_bilinear", x, scale_factor)
    top, bottom, wy = _bilinear_axis(x.shape[2], r)
    left, right, wx = _bilinear_axis(x.shape[3], r)
    wy = wy.astype(x.dtype)[:, None]
    wx = wx.astype(x.dtype)
    rows = x[:, :, top, :] * (1 - wy) + x[:, :, bottom, :] * wy
    return rows[:, :, :, left] * (1 - wx) + rows[:, :, :, right] * wx


def upsample_bilinear_loop(x: np.ndarray, scale_factor: int) -> np.ndarray:
    """:func:`upsample_bilinear` one output cell at a time (same arguments and result)."""
    x, r = _check("upsample_bilinear", x, scale_factor)
    n, c, h, w = x.shape
    top, bottom, wy = _bilinear_axis(h, r)
    left, right, wx = _bilinear_axis(w, r)
    out = np.empty((n, c, h * r, w * r), dtype=x.dtype)
    for a in range(h * r):
        for b in range(w * r):
            upper = (1 - wy[a]) * x[:, :, top[a], left[b]] + wy[a] * x[:, :, bottom[a], left[b]]
            lower = (1 - wy[a]) * x[:, :, top[a], right[b]] + wy[a] * x[:, :, bottom[a], right[b]]
            out[:, :, a, b] = (1 - wx[b]) * upper + wx[b] * lower
    return out
