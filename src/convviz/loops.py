"""The 2D formulas of the book as plain loops, one multiply-add at a time, for reading.

``conv2d`` and ``conv_transpose2d`` (vectorised, every dimension and option) are
what the book computes with; the functions here are what the chapters *show*: each
body is the chapter's formula with ``for`` in place of the sums. They take
batched NCHW arrays and integer (square) stride, padding and dilation, and the
tests hold them equal to PyTorch.
"""

from __future__ import annotations

import numpy as np

from convviz._validate import _check_int, conv_operands
from convviz.conv import _refuse_narrow_ints
from convviz.shapes import conv_output_size, conv_transpose_output_size

__all__ = ["conv2d_plain", "conv_transpose2d_plain"]


def _checked(op, x, weight, bias, stride, padding, dilation, groups, c_axis):
    """Torch's checks on a 2D call with int settings; returns the float64 operands."""
    x, weight, bias = conv_operands(op, 2, x, weight, bias)
    if x.ndim != 4:
        raise ValueError(f"{op}: x must have shape (N, C, H, W), got x of shape {x.shape}")
    s = _check_int("stride", stride, 1)
    p = _check_int("padding", padding, 0)
    d = _check_int("dilation", dilation, 1)
    g = _check_int("groups", groups, 1)
    if weight.shape[0] % g or x.shape[1] != weight.shape[c_axis] * (g if c_axis else 1):
        raise ValueError(
            f"{op}: x of shape {x.shape} and weight of shape {weight.shape} do not match "
            f"with groups={g}"
        )
    n_out = weight.shape[0] if c_axis else weight.shape[1] * g
    if bias is not None and bias.shape != (n_out,):
        raise ValueError(f"{op}: bias must have shape ({n_out},), got bias of shape {bias.shape}")
    _refuse_narrow_ints(op, x.dtype, d if c_axis else None)
    b = np.zeros(n_out) if bias is None else bias.astype(np.float64)
    return x.astype(np.float64), weight.astype(np.float64), b, s, p, d, g


def conv2d_plain(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    groups: int = 1,
) -> np.ndarray:
    """2D convolution (PyTorch's cross-correlation) as the loops of its formula.

    ``y[n, o, r, q] = b[o] + sum_c sum_u sum_v x_pad[n, first + c, r s + u d, q s + v d]
    w[o, c, u, v]``, where ``first = (o // (C_out / g)) (C_in / g)`` is the first input
    channel of output channel ``o``'s group and ``c`` runs over ``C_in / g`` channels.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_out, C_in / g, k_h, k_w)
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation : int
        ``s``, zeros ``p`` on every side, ``d`` (1 = no gaps); the same on both axes.
    groups : int, default 1
        ``g``, which divides ``C_in`` and ``C_out``.

    Returns
    -------
    ndarray, shape (N, C_out, o_h, o_w), float64
        ``o = floor((i + 2p - d (k - 1) - 1) / s) + 1`` per axis.

    Raises
    ------
    ValueError, TypeError
        For arrays or settings PyTorch refuses.
    """
    x, w, b, s, p, d, g = _checked(
        "conv2d_plain", x, weight, bias, stride, padding, dilation, groups, 1
    )
    n_batch, c_out, (c_group, k_h, k_w) = x.shape[0], w.shape[0], w.shape[1:]
    o_h = conv_output_size(x.shape[2], k_h, s, p, d)
    o_w = conv_output_size(x.shape[3], k_w, s, p, d)
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    y = np.zeros((n_batch, c_out, o_h, o_w))
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // (c_out // g)) * c_group
            for r in range(o_h):
                for q in range(o_w):
                    total = b[o]
                    for c in range(c_group):
                        for u in range(k_h):
                            for v in range(k_w):
                                total += (
                                    x[n, first + c, r * s + u * d, q * s + v * d] * w[o, c, u, v]
                                )
                    y[n, o, r, q] = total
    return y


def conv_transpose2d_plain(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    groups: int = 1,
    dilation: int = 1,
) -> np.ndarray:
    """2D transposed convolution as the loops of its scatter.

    Every input cell ``x[n, c, j_h, j_w]`` adds ``x[n, c, j_h, j_w] w[c, o, u, v]`` to
    ``y_full[n, first + o, j_h s + u d, j_w s + v d]`` (``first`` the first output channel
    of ``c``'s group); then ``p`` cells are cut from the start of each axis and the
    output is ``o' = (i' - 1) s - 2p + d (k - 1) + a + 1`` cells long. Output cells past
    the full result (``a > p``) receive only the bias.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_in, C_out / g, k_h, k_w)
    bias : ndarray, shape (C_out,), optional
    stride, padding, output_padding, dilation : int
        ``s``, ``p``, ``a`` (below ``s`` or ``d``), ``d``; the same on both axes.
    groups : int, default 1

    Returns
    -------
    ndarray, shape (N, C_out, o'_h, o'_w), float64

    Raises
    ------
    ValueError, TypeError
        For arrays or settings PyTorch refuses.
    """
    x, w, b, s, p, d, g = _checked(
        "conv_transpose2d_plain", x, weight, bias, stride, padding, dilation, groups, 0
    )
    (n_batch, c_in, i_h, i_w), (o_group, k_h, k_w) = x.shape, w.shape[1:]
    a = _check_int("output_padding", output_padding, 0)
    o_h = conv_transpose_output_size(i_h, k_h, s, p, a, d)
    o_w = conv_transpose_output_size(i_w, k_w, s, p, a, d)
    y = np.zeros((n_batch, o_group * g, o_h + 2 * p, o_w + 2 * p))  # room for every stamp
    for n in range(n_batch):
        for c in range(c_in):
            first = (c // (c_in // g)) * o_group
            for j_h in range(i_h):
                for j_w in range(i_w):
                    for o in range(o_group):
                        for u in range(k_h):
                            for v in range(k_w):
                                y[n, first + o, j_h * s + u * d, j_w * s + v * d] += (
                                    x[n, c, j_h, j_w] * w[c, o, u, v]
                                )
    return y[:, :, p : p + o_h, p : p + o_w] + b[:, None, None]
