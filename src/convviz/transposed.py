"""Transposed convolutions in NumPy: ``conv_transpose1d``, ``2d`` and ``3d``.

A transposed convolution runs a convolution backwards: every input cell ``x[n, c, i]``
stamps a copy of its kernel, scaled by its value, onto the output at ``s i``:

.. math::

    y_{full}[n, g(c) C_out/g + o, s \\odot i + d \\odot k] \\mathrel{+}= x[n, c, i] \\, w[c, o, k]

and ``y`` is ``y_full`` with ``padding`` cells cut from both ends of each axis
(``output_padding`` extra cells are kept at the far end), plus the bias. Weights
have shape ``(C_in, C_out / groups, *K)``, as in PyTorch. The ``*_loop`` functions
compute exactly that scatter; the others compute the same numbers with a few matrix
products (:mod:`convviz._fast`: the output split into its ``s`` phases, each an
ordinary convolution).
"""

from __future__ import annotations

import numpy as np

from convviz import _fast
from convviz._validate import (
    _check_int,
    check_weight_axes,
    conv_operands,
    int_tuple,
)
from convviz.conv import IntOrTuple, _accumulator, _cell
from convviz.shapes import conv_transpose_output_size

__all__ = [
    "conv_transpose1d",
    "conv_transpose1d_loop",
    "conv_transpose2d",
    "conv_transpose2d_loop",
    "conv_transpose3d",
    "conv_transpose3d_loop",
]


def _prepare(op, nd, x, weight, bias, stride, padding, output_padding, groups, dilation):
    """Validate a ``conv_transpose{nd}d`` call as torch does; returns the batched input,
    the per-axis arguments and the output size."""
    x, weight, bias = conv_operands(op, nd, x, weight, bias)
    stride = int_tuple("stride", stride, nd, 1)
    padding = int_tuple("padding", padding, nd, 0)
    output_padding = int_tuple("output_padding", output_padding, nd, 0)
    dilation = int_tuple("dilation", dilation, nd, 1)
    groups = _check_int("groups", groups, 1)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    c_in, o_per_group, *kernel = weight.shape
    check_weight_axes(weight)
    if c_in % groups:
        raise ValueError(
            f"groups={groups} must divide the input channels, got weight of shape "
            f"{weight.shape} with {c_in} input channels"
        )
    if x.shape[1] != c_in:
        raise ValueError(
            f"x has {x.shape[1]} channels (shape {x.shape}) but weight of shape "
            f"{weight.shape} expects {c_in} input channels"
        )
    if bias is not None and bias.shape != (o_per_group * groups,):
        raise ValueError(
            f"bias must have shape ({o_per_group * groups},) to match weight of shape "
            f"{weight.shape} and groups={groups}, got bias of shape {bias.shape}"
        )
    if 0 in x.shape[2:]:
        raise ValueError(f"x must have non-empty spatial axes, got x of shape {x.shape}")
    out_size = tuple(
        conv_transpose_output_size(i, k, s, p, a, d)
        for i, k, s, p, a, d in zip(
            x.shape[2:], kernel, stride, padding, output_padding, dilation, strict=True
        )
    )
    return x, weight, bias, stride, padding, dilation, groups, out_size, unbatched


def _conv_transpose_nd_loop(x, weight, bias, stride, padding, dilation, groups, out_size):
    """The scatter of the module docstring, one multiply-add at a time."""
    acc = _accumulator(x.dtype)
    x, weight = x.astype(acc), weight.astype(acc)
    n_batch, c_in, *size = x.shape
    c_per_group, o_per_group, *kernel = c_in // groups, *weight.shape[1:]
    full = [o + 2 * p for o, p in zip(out_size, padding, strict=True)]  # before cutting the padding
    y = np.zeros((n_batch, groups * o_per_group, *full), dtype=acc)
    for n in range(n_batch):
        for c in range(c_in):
            first = (c // c_per_group) * o_per_group  # first output channel of c's group
            for i in np.ndindex(*size):
                for o in range(o_per_group):
                    for k in np.ndindex(*kernel):
                        j = _cell(stride, i, dilation, k)
                        y[(n, first + o, *j)] += x[(n, c, *i)] * weight[(c, o, *k)]
    cut = tuple(slice(p, p + o) for p, o in zip(padding, out_size, strict=True))
    y = y[(slice(None), slice(None), *cut)]
    if bias is not None:
        y = y + bias.astype(acc).reshape(-1, *([1] * len(size)))
    return y


def _conv_transpose_nd(x, weight, bias, stride, padding, dilation, groups, out_size):
    """Vectorised transposed convolution: the phase decomposition of :mod:`convviz._fast`."""
    acc = _accumulator(x.dtype)
    return _fast.transpose_phases(x, weight, bias, stride, padding, dilation, groups, out_size, acc)


def _conv_transpose(op, nd, loop, x, weight, bias, stride, padding, output_padding, groups, dil):
    """The body every public function shares: check, compute, restore the dtype."""
    x, weight, bias, stride, padding, dil, groups, out_size, unbatched = _prepare(
        op, nd, x, weight, bias, stride, padding, output_padding, groups, dil
    )
    impl = _conv_transpose_nd_loop if loop else _conv_transpose_nd
    out = impl(x, weight, bias, stride, padding, dil, groups, out_size).astype(x.dtype, copy=False)
    return out[0] if unbatched else out


def conv_transpose1d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """1-d transposed convolution with the semantics of ``torch.nn.functional.conv_transpose1d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, L) or (C_in, L)
        Input. float16/32/64, complex64/128 or int8/16/32/64, uint8 (as torch on CPU).
    weight : ndarray, shape (C_in, C_out / groups, kL)
        Kernels, laid out as torch lays them out; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 1 int, default 1
        Stride ``s`` of the convolution being transposed (spacing of the stamps).
    padding : int or tuple of 1 int, default 0
        ``d (k - 1) - padding`` zeros are implicitly added to both sides: ``padding``
        cells are cut from both ends of the full result.
    output_padding : int or tuple of 1 int, default 0
        Extra cells kept at the far end of the axis; smaller than ``s`` or ``d``.
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    dilation : int or tuple of 1 int, default 1
        Spacing ``d`` between kernel taps (1: none).

    Returns
    -------
    ndarray, shape (N, C_out, L_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped to
        ``O = (D - 1) s - 2 p + d (k - 1) + output_padding + 1`` per axis
        (:func:`convviz.shapes.conv_transpose_output_size`), plus ``b[o]``.

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``output_padding`` not
        smaller than stride or dilation, or an output size below 1.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments.
    """
    return _conv_transpose(
        "conv_transpose1d",
        1,
        False,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """2-d transposed convolution with the semantics of ``torch.nn.functional.conv_transpose2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        Input. float16/32/64, complex64/128 or int8/16/32/64, uint8 (as torch on CPU).
    weight : ndarray, shape (C_in, C_out / groups, kH, kW)
        Kernels, laid out as torch lays them out; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 2 int, default 1
        Stride ``s`` of the convolution being transposed (spacing of the stamps).
    padding : int or tuple of 2 int, default 0
        ``d (k - 1) - padding`` zeros are implicitly added to both sides: ``padding``
        cells are cut from both ends of the full result.
    output_padding : int or tuple of 2 int, default 0
        Extra cells kept at the far end of each axis; smaller than ``s`` or ``d``.
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    dilation : int or tuple of 2 int, default 1
        Spacing ``d`` between kernel taps (1: none).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped to
        ``O = (D - 1) s - 2 p + d (k - 1) + output_padding + 1`` per axis
        (:func:`convviz.shapes.conv_transpose_output_size`), plus ``b[o]``.

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``output_padding`` not
        smaller than stride or dilation, or an output size below 1.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments.
    """
    return _conv_transpose(
        "conv_transpose2d",
        2,
        False,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """3-d transposed convolution with the semantics of ``torch.nn.functional.conv_transpose3d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, D, H, W) or (C_in, D, H, W)
        Input. float16/32/64, complex64/128 or int8/16/32/64, uint8 (as torch on CPU).
    weight : ndarray, shape (C_in, C_out / groups, kD, kH, kW)
        Kernels, laid out as torch lays them out; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 3 int, default 1
        Stride ``s`` of the convolution being transposed (spacing of the stamps).
    padding : int or tuple of 3 int, default 0
        ``d (k - 1) - padding`` zeros are implicitly added to both sides: ``padding``
        cells are cut from both ends of the full result.
    output_padding : int or tuple of 3 int, default 0
        Extra cells kept at the far end of each axis; smaller than ``s`` or ``d``.
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    dilation : int or tuple of 3 int, default 1
        Spacing ``d`` between kernel taps (1: none).

    Returns
    -------
    ndarray, shape (N, C_out, D_out, H_out, W_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped to
        ``O = (D - 1) s - 2 p + d (k - 1) + output_padding + 1`` per axis
        (:func:`convviz.shapes.conv_transpose_output_size`), plus ``b[o]``.

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``output_padding`` not
        smaller than stride or dilation, or an output size below 1.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments.
    """
    return _conv_transpose(
        "conv_transpose3d",
        3,
        False,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose1d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Loop version of :func:`conv_transpose1d`: one multiply-add per stamped cell.

    Same arguments, same result, same errors as :func:`conv_transpose1d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose1d`: ``x`` of shape (N, C_in, L) or (C_in, L),
        ``weight`` of shape (C_in, C_out / groups, kL).

    Returns
    -------
    ndarray, shape (N, C_out, L_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped, plus
        ``b[o]``.
    """
    return _conv_transpose(
        "conv_transpose1d",
        1,
        True,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Loop version of :func:`conv_transpose2d`: one multiply-add per stamped cell.

    Same arguments, same result, same errors as :func:`conv_transpose2d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose2d`: ``x`` of shape (N, C_in, H, W) or (C_in, H, W),
        ``weight`` of shape (C_in, C_out / groups, kH, kW).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped, plus
        ``b[o]``.
    """
    return _conv_transpose(
        "conv_transpose2d",
        2,
        True,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Loop version of :func:`conv_transpose3d`: one multiply-add per stamped cell.

    Same arguments, same result, same errors as :func:`conv_transpose3d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose3d`: ``x`` of shape (N, C_in, D, H, W) or (C_in, D, H, W),
        ``weight`` of shape (C_in, C_out / groups, kD, kH, kW).

    Returns
    -------
    ndarray, shape (N, C_out, D_out, H_out, W_out) (or without N)
        ``y_full[n, g(c) C_out/g + o, s i + d k] += x[n, c, i] w[c, o, k]``, cropped, plus
        ``b[o]``.
    """
    return _conv_transpose(
        "conv_transpose3d",
        3,
        True,
        x,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
