"""Pixel shuffle and unshuffle (sub-pixel convolution), as ``torch.nn.functional``.

A sub-pixel convolution upsamples by ``r`` without a transposed convolution: an
ordinary stride-1 convolution computes ``C r^2`` channels at the low resolution,
and :func:`pixel_shuffle` rearranges each group of ``r^2`` channels into an
``r x r`` block of output pixels. No value is computed or lost; it is a
permutation of the cells. :func:`pixel_unshuffle` is its inverse, a lossless
downsampling that moves each ``r x r`` block into ``r^2`` channels.

References
----------
W. Shi, J. Caballero, F. Huszár, J. Totz, A. P. Aitken, R. Bishop, D. Rueckert and
Z. Wang, "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network", CVPR 2016, arXiv:1609.05158.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pixel_shuffle", "pixel_shuffle_loop", "pixel_unshuffle", "pixel_unshuffle_loop"]


def _factor(op: str, name: str, value: object) -> int:
    """A positive int, refused as torch refuses it (bools and floats are type errors)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {name}={value!r}")
    if value < 1:
        raise ValueError(f"{op} expects a positive {name}, got {name}={int(value)}")
    return int(value)


def _check_shuffle(x: object, upscale_factor: object) -> tuple[np.ndarray, int]:
    x = np.asarray(x)
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise ValueError(
            f"pixel_shuffle expects x with at least 3 axes (*, C, H, W), got x of shape {x.shape}"
        )
    if x.shape[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle needs the {x.shape[-3]} channels of x (shape {x.shape}) to be "
            f"divisible by upscale_factor**2 = {r * r} (upscale_factor={r})"
        )
    return x, r


def _check_unshuffle(x: object, downscale_factor: object) -> tuple[np.ndarray, int]:
    x = np.asarray(x)
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise ValueError(
            f"pixel_unshuffle expects x with at least 3 axes (*, C, H, W), got x of shape {x.shape}"
        )
    for axis, name in ((-2, "height"), (-1, "width")):
        if x.shape[axis] % r:
            raise ValueError(
                f"pixel_unshuffle needs the {name} of x (shape {x.shape}), {x.shape[axis]}, "
                f"to be divisible by downscale_factor={r}"
            )
    return x, r


def pixel_shuffle(x: np.ndarray, upscale_factor: int) -> np.ndarray:
    """Rearrange ``C r^2`` channels into ``C`` channels ``r`` times larger in each direction.

    Parameters
    ----------
    x : ndarray, shape (*, C r^2, H, W)
        Any dtype, any number of leading axes (none: a single image).
    upscale_factor : int
        ``r`` (at least 1).

    Returns
    -------
    ndarray, shape (*, C, H r, W r)
        ``y[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w]`` for
        ``0 <= i, j < r``: channel ``c r^2 + i r + j`` supplies the pixel at offset
        ``(i, j)`` of every ``r x r`` block of output channel ``c``.

    Raises
    ------
    ValueError
        ``x`` with fewer than 3 axes, ``upscale_factor < 1``, or channels not
        divisible by ``upscale_factor**2``.
    TypeError
        ``upscale_factor`` not an int (a bool or float), as torch.

    References
    ----------
    Shi et al., CVPR 2016, arXiv:1609.05158 (the periodic shuffling operator PS).
    """
    x, r = _check_shuffle(x, upscale_factor)
    *lead, c, h, w = x.shape
    blocks = x.reshape(*lead, c // (r * r), r, r, h, w)  # (..., C, i, j, h, w)
    n = len(lead)
    order = [*range(n), n, n + 3, n + 1, n + 4, n + 2]  # (..., C, h, i, w, j)
    return np.ascontiguousarray(blocks.transpose(order)).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_shuffle_loop(x: np.ndarray, upscale_factor: int) -> np.ndarray:
    """:func:`pixel_shuffle` one block offset at a time (same arguments and result)."""
    x, r = _check_shuffle(x, upscale_factor)
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c // (r * r), h * r, w * r), dtype=x.dtype)
    for ch in range(c // (r * r)):
        for i in range(r):
            for j in range(r):
                out[..., ch, i::r, j::r] = x[..., ch * r * r + i * r + j, :, :]
    return out


def pixel_unshuffle(x: np.ndarray, downscale_factor: int) -> np.ndarray:
    """Inverse of :func:`pixel_shuffle`: move every ``r x r`` block into ``r^2`` channels.

    Parameters
    ----------
    x : ndarray, shape (*, C, H r, W r)
        Any dtype, any number of leading axes (none: a single image).
    downscale_factor : int
        ``r`` (at least 1); must divide the height and the width.

    Returns
    -------
    ndarray, shape (*, C r^2, H, W)
        ``y[..., c r^2 + i r + j, h, w] = x[..., c, h r + i, w r + j]``.

    Raises
    ------
    ValueError
        ``x`` with fewer than 3 axes, ``downscale_factor < 1``, or a height or
        width not divisible by ``downscale_factor``.
    TypeError
        ``downscale_factor`` not an int (a bool or float), as torch.

    References
    ----------
    Shi et al., CVPR 2016, arXiv:1609.05158.
    """
    x, r = _check_unshuffle(x, downscale_factor)
    *lead, c, h, w = x.shape
    cells = x.reshape(*lead, c, h // r, r, w // r, r)  # (..., C, h, i, w, j)
    n = len(lead)
    order = [*range(n), n, n + 2, n + 4, n + 1, n + 3]  # (..., C, i, j, h, w)
    return np.ascontiguousarray(cells.transpose(order)).reshape(*lead, c * r * r, h // r, w // r)


def pixel_unshuffle_loop(x: np.ndarray, downscale_factor: int) -> np.ndarray:
    """:func:`pixel_unshuffle` one block offset at a time (same arguments and result)."""
    x, r = _check_unshuffle(x, downscale_factor)
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c * r * r, h // r, w // r), dtype=x.dtype)
    for ch in range(c):
        for i in range(r):
            for j in range(r):
                out[..., ch * r * r + i * r + j, :, :] = x[..., ch, i::r, j::r]
    return out
