"""Pooling arithmetic: the output size of ``MaxPool`` and ``AvgPool`` layers.

A pooling layer slides a window over each channel like a convolution, but it has
no weights: it keeps the maximum (or the mean) of each window. Its output size
follows the rules of ``torch.nn.MaxPool{1,2,3}d`` / ``AvgPool{1,2,3}d``:

* the stride defaults to the kernel size (non-overlapping windows);
* the padding may be at most half the kernel size, ``p <= k // 2``, so that every
  window holds at least one real input cell;
* ``ceil_mode=True`` rounds the window count up, keeping a last window that sticks
  out of the padded input by less than a stride, but only if it *starts* inside
  the input or its left padding.

Dumoulin and Visin's relationship 7 is the case ``p = 0``, ``d = 1``, floor mode:
``o = floor((i - k) / s) + 1``.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285 (2016), section 3 (pooling arithmetic, relationship 7).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convviz._validate import _check_int, as_array, int_tuple

__all__ = [
    "avg_pool2d",
    "avg_pool2d_loop",
    "max_pool2d",
    "max_pool2d_loop",
    "pool_output_shape",
    "pool_output_size",
    "pool_output_size_loop",
]


def _check(
    input_size: int,
    kernel_size: int,
    stride: int | None,
    padding: int,
    dilation: int,
    ceil_mode: bool,
) -> tuple[int, int, int, int, int, bool]:
    """Validated ``(i, k, s, p, d, ceil_mode)`` for one axis."""
    i = _check_int("input_size", input_size, 1)
    k = _check_int("kernel_size", kernel_size, 1)
    s = k if stride is None else _check_int("stride", stride, 1)
    p = _check_int("padding", padding, 0)
    d = _check_int("dilation", dilation, 1)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be a bool, got ceil_mode={ceil_mode!r}")
    if p > k // 2:
        raise ValueError(
            f"padding must be at most half of kernel_size, got padding={p} "
            f"with kernel_size={k} (at most {k // 2})"
        )
    return i, k, s, p, d, ceil_mode


def _too_small(i: int, k: int, s: int, p: int, d: int, o: int) -> ValueError:
    return ValueError(
        f"no pooling window fits: input_size={i}, kernel_size={k}, stride={s}, "
        f"padding={p}, dilation={d} give an output size of {o}"
    )


def pool_output_size(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a max or average pooling along one axis, as PyTorch computes it.

    Parameters
    ----------
    input_size : int
        Input length ``i`` (at least 1).
    kernel_size : int
        Window length ``k`` (at least 1).
    stride : int, optional
        Step ``s`` between windows; ``None`` (the default) means ``s = k``.
    padding : int, default 0
        Cells ``p`` added on both sides (``-inf`` for max pooling, zeros for
        average pooling); at most ``k // 2``.
    dilation : int, default 1
        Spacing ``d`` between the window's taps (max pooling only; 1: none).
    ceil_mode : bool, default False
        Round the number of windows up instead of down.

    Returns
    -------
    int
        With ``L = i + 2p - d (k - 1) - 1``: ``o = floor(L / s) + 1``, or in ceil
        mode ``o = ceil(L / s) + 1``, minus 1 when that last window would start at
        or after ``i + p`` (past the input and its left padding).

    Raises
    ------
    ValueError
        ``kernel_size``, ``stride`` or ``dilation`` below 1, negative ``padding``,
        ``padding > kernel_size // 2``, or no window at all (``o < 1``), as torch.
    TypeError
        Non-integer sizes, or ``ceil_mode`` not a bool.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), relationship 7
    (``p = 0``, ``d = 1``, floor mode: ``o = floor((i - k) / s) + 1``).

    Examples
    --------
    >>> pool_output_size(5, 2)                    # windows at 0 and 2; cell 4 is dropped
    2
    >>> pool_output_size(5, 2, ceil_mode=True)    # a third window starts at 4
    3
    """
    i, k, s, p, d, ceil_mode = _check(input_size, kernel_size, stride, padding, dilation, ceil_mode)
    slack = i + 2 * p - d * (k - 1) - 1
    o = (slack + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= i + p:
        o -= 1  # the last window would start in the right padding or beyond
    if o < 1:
        raise _too_small(i, k, s, p, d, o)
    return o


def pool_output_size_loop(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """:func:`pool_output_size` by walking the windows one by one (same arguments).

    Window ``t`` starts at cell ``t s`` of the padded input and spans
    ``d (k - 1) + 1`` cells. It is kept if it fits in the padded input; in ceil
    mode also if it sticks out by less than one stride, provided it starts inside
    the input or its left padding.
    """
    i, k, s, p, d, ceil_mode = _check(input_size, kernel_size, stride, padding, dilation, ceil_mode)
    span = d * (k - 1) + 1
    padded = i + 2 * p
    count = 0
    start = 0
    while True:
        overhang = start + span - padded  # cells past the end of the padded input
        fits = overhang <= 0
        kept_by_ceil = ceil_mode and overhang < s and start < i + p
        if not (fits or kept_by_ceil):
            break
        count += 1
        start += s
    if count < 1:
        raise _too_small(i, k, s, p, d, count)
    return count


def pool_output_shape(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> tuple[int, ...]:
    """Spatial output shape of ``max_pool{1,2,3}d`` / ``avg_pool{1,2,3}d``.

    Parameters
    ----------
    input_size : int or tuple of int
        Spatial input sizes ``(i_1, ..., i_n)``, ``n`` in 1..3 (no batch or channel
        axis); an int is one axis.
    kernel_size, padding, dilation : int or tuple of int
        One value for every axis, or a tuple of one or ``n`` values (torch's reading).
    stride : int, tuple of int or None, default None
        ``None`` (or an empty tuple, as torch) means the kernel size.
    ceil_mode : bool, default False
        Round the window count up (see :func:`pool_output_size`).

    Returns
    -------
    tuple of int
        :func:`pool_output_size` of every axis.

    Raises
    ------
    ValueError, TypeError
        As :func:`pool_output_size`, per axis; also tuples of the wrong length.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), relationship 7.

    Examples
    --------
    >>> pool_output_shape((7, 7), 3, stride=2, padding=1, ceil_mode=True)
    (4, 4)
    >>> pool_output_shape((112, 112), 3, stride=2, padding=1)   # ResNet's stem pooling
    (56, 56)
    """
    if isinstance(input_size, Sequence) and not isinstance(input_size, str):
        sizes = tuple(input_size)
    else:
        sizes = (input_size,)
    n = len(sizes)
    if not 1 <= n <= 3:
        raise ValueError(
            f"input_size must have 1, 2 or 3 spatial sizes, got input_size={input_size!r}"
        )
    k = int_tuple("kernel_size", kernel_size, n, -(2**62))
    empty = isinstance(stride, Sequence) and not isinstance(stride, str) and len(stride) == 0
    s = (None,) * n if stride is None or empty else int_tuple("stride", stride, n, -(2**62))
    p = int_tuple("padding", padding, n, -(2**62))
    d = int_tuple("dilation", dilation, n, -(2**62))
    return tuple(
        pool_output_size(*axis, ceil_mode=ceil_mode) for axis in zip(sizes, k, s, p, d, strict=True)
    )


# --------------------------------------------------------------------------- operations

_MAX_DTYPES = tuple(
    np.dtype(t)
    for t in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8")
)
_AVG_DTYPES = tuple(np.dtype(t) for t in ("float16", "float32", "float64", "int64"))


def _prepare_pool(
    op: str,
    x: object,
    kernel_size: object,
    stride: object,
    padding: object,
    dilation: object,
    ceil_mode: bool,
    dtypes: tuple[np.dtype, ...],
) -> tuple[np.ndarray, bool, tuple[tuple[int, int, int, int, int], ...]]:
    """``x`` as (N, C, H, W), whether it had no batch axis, and ``(i, k, s, p, d, o)`` per axis."""
    x = as_array("x", x)
    if x.dtype not in dtypes:
        allowed = ", ".join(str(d) for d in dtypes)
        raise TypeError(f"{op} does not support x of dtype {x.dtype}; use one of {allowed}")
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(
            f"{op} expects x of shape (N, C, H, W) or (C, H, W) with non-empty C, H, W, "
            f"got x of shape {x.shape}"
        )
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    k = int_tuple("kernel_size", kernel_size, 2, -(2**62))
    empty = isinstance(stride, Sequence) and not isinstance(stride, str) and len(stride) == 0
    s = (None, None) if stride is None or empty else int_tuple("stride", stride, 2, -(2**62))
    p = int_tuple("padding", padding, 2, -(2**62))
    d = int_tuple("dilation", dilation, 2, -(2**62))
    axes = []
    for i, ki, si, pi, di in zip(x.shape[2:], k, s, p, d, strict=True):
        o = pool_output_size(i, ki, si, pi, di, ceil_mode)
        axes.append((i, ki, ki if si is None else si, pi, di, o))
    return x, unbatched, tuple(axes)


def _padded(x: np.ndarray, axes, fill) -> np.ndarray:
    """``x`` padded with ``fill``: ``p`` cells on the left, enough on the right for every window."""
    pads = [(0, 0), (0, 0)]
    for i, k, s, p, d, o in axes:
        end = (o - 1) * s + d * (k - 1) + 1  # one past the last tap, in padded coordinates
        pads.append((p, max(end - i - p, 0)))
    return np.pad(x, pads, constant_values=fill)


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def max_pool2d(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """2-d max pooling with the semantics of ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or (C, H, W)
        float16/32/64 or int8/16/32/64, uint8 (as torch on CPU).
    kernel_size, stride, padding, dilation, ceil_mode
        As :func:`pool_output_shape`; ``stride=None`` means ``kernel_size``.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out) (or without N), dtype of ``x``
        ``y[n, c, a, b] = max_(u, v) x_pad[n, c, s_h a + d_h u, s_w b + d_w v]`` where
        ``x_pad`` holds ``-inf`` (the lowest integer) outside the image, so the
        padding never wins; NaN propagates. Sizes from :func:`pool_output_shape`.

    Raises
    ------
    ValueError, TypeError
        As :func:`pool_output_shape`; ``x`` not 3-d or 4-d, empty, or of another dtype.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), section 3.
    """
    x, unbatched, axes = _prepare_pool(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode, _MAX_DTYPES
    )
    padded = _padded(x, axes, _lowest(x.dtype))
    (_, kh, sh, _, dh, oh), (_, kw, sw, _, dw, ow) = axes
    out = None
    for u in range(kh):
        for v in range(kw):
            tap = padded[
                :,
                :,
                u * dh : u * dh + (oh - 1) * sh + 1 : sh,
                v * dw : v * dw + (ow - 1) * sw + 1 : sw,
            ]
            out = tap.copy() if out is None else np.maximum(out, tap)  # NaN wins, as in torch
    return out[0] if unbatched else out


def max_pool2d_loop(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """:func:`max_pool2d` one window at a time, reading only real input cells (same result)."""
    x, unbatched, axes = _prepare_pool(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode, _MAX_DTYPES
    )
    (ih, kh, sh, ph, dh, oh), (iw, kw, sw, pw, dw, ow) = axes
    out = np.empty((*x.shape[:2], oh, ow), dtype=x.dtype)
    for a in range(oh):
        for b in range(ow):
            rows = [a * sh - ph + u * dh for u in range(kh) if 0 <= a * sh - ph + u * dh < ih]
            cols = [b * sw - pw + v * dw for v in range(kw) if 0 <= b * sw - pw + v * dw < iw]
            if not rows or not cols:  # a dilated window whose taps all miss the image
                out[:, :, a, b] = _lowest(x.dtype)
                continue
            window = x[:, :, rows][:, :, :, cols]
            out[:, :, a, b] = window.max(axis=(2, 3))
    return out[0] if unbatched else out


def _divisors(axes, count_include_pad: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per axis, the window length PyTorch divides by: clipped to the padded or the real input."""
    lengths = []
    for i, k, s, p, _d, o in axes:
        start = np.arange(o) * s - p
        stop = np.minimum(start + k, i + p)
        if count_include_pad:
            lengths.append(stop - start)
        else:
            lengths.append(np.minimum(stop, i) - np.maximum(start, 0))
    return lengths[0], lengths[1]


def _divide(total: np.ndarray, divisor: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "f":
        return (total / divisor).astype(dtype)
    sign = np.sign(total) * np.sign(divisor)  # C's integer division truncates towards zero
    return (sign * (np.abs(total) // np.abs(divisor))).astype(dtype)


def _check_divisor(divisor_override: object) -> int | None:
    if divisor_override is None:
        return None
    if isinstance(divisor_override, bool) or not hasattr(divisor_override, "__index__"):
        raise TypeError(
            f"divisor_override must be an int or None, got divisor_override={divisor_override!r}"
        )
    if int(divisor_override) == 0:
        raise ValueError("divisor_override must not be zero, got divisor_override=0")
    return int(divisor_override)


def avg_pool2d(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """2-d average pooling with the semantics of ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or (C, H, W)
        float16/32/64 or int64 (as torch on CPU; int64 divides with truncation).
    kernel_size, stride, padding, ceil_mode
        As :func:`pool_output_shape` (no dilation); ``stride=None`` means ``kernel_size``.
    count_include_pad : bool, default True
        Divide by the window's size within the *padded* input (zeros count) rather
        than by the number of real cells it covers.
    divisor_override : int, optional
        Divide every window's sum by this instead (non-zero).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out) (or without N), dtype of ``x``
        The sum of each window's real cells divided by: ``divisor_override``; else
        with ``count_include_pad`` the window's area clipped to the padded input
        (a ceil-mode window sticking out of it counts only its inside part); else
        the number of real cells in the window.

    Raises
    ------
    ValueError, TypeError
        As :func:`pool_output_shape`; ``x`` not 3-d or 4-d, empty, or of another
        dtype; ``divisor_override`` zero or not an int.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), section 3.
    """
    divisor_override = _check_divisor(divisor_override)
    if not isinstance(count_include_pad, bool):
        raise TypeError(
            f"count_include_pad must be a bool, got count_include_pad={count_include_pad!r}"
        )
    x, unbatched, axes = _prepare_pool(
        "avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode, _AVG_DTYPES
    )
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    padded = _padded(x.astype(acc), axes, 0)
    (_, kh, sh, _, _, oh), (_, kw, sw, _, _, ow) = axes
    total = np.zeros((*x.shape[:2], oh, ow), dtype=acc)
    for u in range(kh):
        for v in range(kw):
            total += padded[:, :, u : u + (oh - 1) * sh + 1 : sh, v : v + (ow - 1) * sw + 1 : sw]
    if divisor_override is not None:
        divisor = np.full((oh, ow), divisor_override)
    else:
        rows, cols = _divisors(axes, count_include_pad)
        divisor = np.outer(rows, cols)
    out = _divide(total, divisor, x.dtype)
    return out[0] if unbatched else out


def avg_pool2d_loop(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """:func:`avg_pool2d` one window at a time (same arguments and result)."""
    divisor_override = _check_divisor(divisor_override)
    x, unbatched, axes = _prepare_pool(
        "avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode, _AVG_DTYPES
    )
    (ih, kh, sh, ph, _, oh), (iw, kw, sw, pw, _, ow) = axes
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    out = np.empty((*x.shape[:2], oh, ow), dtype=x.dtype)
    for a in range(oh):
        for b in range(ow):
            top, left = a * sh - ph, b * sw - pw
            bottom, right = min(top + kh, ih + ph), min(left + kw, iw + pw)
            total = (
                x[:, :, max(top, 0) : min(bottom, ih), max(left, 0) : min(right, iw)]
                .astype(acc)
                .sum(axis=(2, 3))
            )
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = (bottom - top) * (right - left)
            else:
                divisor = (min(bottom, ih) - max(top, 0)) * (min(right, iw) - max(left, 0))
            out[:, :, a, b] = _divide(total, np.asarray(divisor), x.dtype)
    return out[0] if unbatched else out
