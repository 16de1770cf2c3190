"""Transposed convolutions in NumPy: ``conv_transpose1d``, ``2d`` and ``3d``.

A transposed convolution runs a convolution backwards: every input cell ``x[n, c, i]``
stamps a copy of its kernel, scaled by its value, onto the output at ``s i``:

.. math::

    y_{full}[n, g(c) C_out/g + o, s \\odot i + d \\odot k] \\mathrel{+}= x[n, c, i] \\, w[c, o, k]

and ``y`` is ``y_full`` with ``padding`` cells cut from both ends of each axis
(``output_padding`` extra cells are kept at the far end), plus the bias. Weights
have shape ``(C_in, C_out / groups, *K)``, as in PyTorch. The ``*_loop`` functions
compute exactly that scatter; the others compute the same numbers with a few matrix
products (the private ``convviz._fast``: the output split into its ``s`` phases, each an
ordinary convolution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convviz import _fast
from convviz._validate import (
    _check_int,
    check_weight_axes,
    conv_operands,
    int_tuple,
)
from convviz.conv import IntOrTuple, _accumulator, _cell, _refuse_narrow_ints, _stand_in
from convviz.shapes import conv_transpose_output_size

__all__ = [
    "conv_transpose1d",
    "conv_transpose1d_loop",
    "conv_transpose2d",
    "conv_transpose2d_loop",
    "conv_transpose3d",
    "conv_transpose3d_loop",
    "conv_transpose_method",
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
    _refuse_narrow_ints(op, x.dtype)
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


def _conv_transpose_nd_col2im(x, weight, bias, stride, padding, dilation, groups, out_size):
    """Vectorised as the book shows it: one matrix product makes every stamp, col2im
    adds them onto the output.

    Per group ``g``, the product ``cols[g] = W[g]^T @ X[g]`` of the weights
    ``(C_g, O_g prod(K))`` and the input ``(C_g, N prod(D))`` holds, in row
    ``(o, k)`` and column ``(n, i)``, the value ``sum_c x[n, g, c, i] w[g, c, o, k]``
    that tap ``k`` of every input cell ``i`` stamps; col2im adds row ``(o, k)`` onto
    the cells ``s i + d k`` of the full output, one strided slice per tap:

        y_full[n, g, o, s i + d k] += cols[g, (o, k), (n, i)]
    """
    acc = _accumulator(x.dtype)
    x, weight = x.astype(acc, copy=False), weight.astype(acc, copy=False)
    n_batch, c_in, *size = x.shape
    o_per_group, *kernel = weight.shape[1:]
    c_per_group = c_in // groups
    xg = np.moveaxis(
        x.reshape(n_batch, groups, c_per_group, math.prod(size)), 0, 2
    )  # (G, C_g, N, D)
    wg = weight.reshape(groups, c_per_group, -1)  # (G, C_g, O_g prod(K))
    cols = np.matmul(np.swapaxes(wg, 1, 2), xg.reshape(groups, c_per_group, n_batch * xg.shape[-1]))
    cols = cols.reshape(groups, o_per_group, *kernel, n_batch, *size)
    full = [o + 2 * p for o, p in zip(out_size, padding, strict=True)]  # before the cut
    y = np.zeros((n_batch, groups, o_per_group, *full), dtype=acc)
    for k in np.ndindex(*kernel):
        cells = tuple(
            slice(d * kj, d * kj + s * (i - 1) + 1, s)
            for kj, i, s, d in zip(k, size, stride, dilation, strict=True)
        )
        y[(slice(None), slice(None), slice(None), *cells)] += np.moveaxis(
            cols[(slice(None), slice(None), *k)], 2, 0
        )
    cut = tuple(slice(p, p + o) for p, o in zip(padding, out_size, strict=True))
    y = y.reshape(n_batch, groups * o_per_group, *full)[(slice(None), slice(None), *cut)]
    if bias is not None:
        y = y + bias.astype(acc).reshape(-1, *([1] * len(size)))
    return np.ascontiguousarray(y)


def _method(n_batch: int, out_size, size=(), c_per_group=0, acc=None) -> str:
    """``'col2im'`` when there is nothing to compute (an empty batch or an output size
    of 0); ``'selection'`` for tiny float inputs (at most 64 input cells per plane,
    and at most ``min(256, 4 C_in/groups)`` output cells); else ``'phases'``."""
    if n_batch == 0 or 0 in out_size:
        return "col2im"
    if acc in _fast.GEMM_KINDS and _fast.tiny_transposed(size, out_size, c_per_group):
        return "selection"
    return "phases"


def _conv_transpose_nd(x, weight, bias, stride, padding, dilation, groups, out_size):
    """Vectorised transposed convolution: the phase decomposition or the selection
    product of :mod:`convviz._fast`, or :func:`_conv_transpose_nd_col2im`
    (:func:`conv_transpose_method` names which)."""
    acc = _accumulator(x.dtype)
    method = _method(x.shape[0], out_size, x.shape[2:], x.shape[1] // groups, acc)
    if method == "col2im":
        return _conv_transpose_nd_col2im(
            x, weight, bias, stride, padding, dilation, groups, out_size
        )
    if method == "selection":
        return _fast.place_stamps(x, weight, bias, stride, padding, dilation, groups, out_size, acc)
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
        Input. float16/32/64, complex64/128 or int64 (as torch on CPU, which has no
        transposed kernel for int8, int16, int32, uint8).
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
        smaller than stride or dilation, or a negative output size. An output
        size of exactly 0 gives an empty axis, as torch's oneDNN path does.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, int8, int16,
        int32 or uint8 arrays.

    See Also
    --------
    conv_transpose1d_loop : the same scatter, one multiply-add at a time.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.array([[[1.0, 2.0, 3.0]]])
    >>> w = np.array([[[1.0, 10.0]]])
    >>> y = cv.conv_transpose1d(x, w, stride=2)  # torch: F.conv_transpose1d(x, w, stride=2)
    >>> y
    array([[[ 1., 10.,  2., 20.,  3., 30.]]])
    >>> np.array_equal(y, cv.conv_transpose1d_loop(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
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
        Input. float16/32/64, complex64/128 or int64 (as torch on CPU, which has no
        transposed kernel for int8, int16, int32, uint8).
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
        smaller than stride or dilation, or a negative output size. An output
        size of exactly 0 gives an empty axis, as torch's oneDNN path does.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, int8, int16,
        int32 or uint8 arrays.

    See Also
    --------
    conv_transpose2d_loop : the same scatter, one multiply-add at a time.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> w = np.ones((1, 1, 2, 2))
    >>> y = cv.conv_transpose2d(x, w, stride=2)  # torch: F.conv_transpose2d(x, w, stride=2)
    >>> y
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.],
             [3., 3., 4., 4.],
             [3., 3., 4., 4.]]]])
    >>> np.array_equal(y, cv.conv_transpose2d_loop(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
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
        Input. float16/32/64, complex64/128 or int64 (as torch on CPU, which has no
        transposed kernel for int8, int16, int32, uint8).
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
        smaller than stride or dilation, or a negative output size. An output
        size of exactly 0 gives an empty axis, as torch's oneDNN path does.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, int8, int16,
        int32 or uint8 arrays.

    See Also
    --------
    conv_transpose3d_loop : the same scatter, one multiply-add at a time.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.ones((1, 1, 2, 2, 2))
    >>> w = np.ones((1, 2, 2, 2, 2))
    >>> y = cv.conv_transpose3d(x, w)  # torch: F.conv_transpose3d(x, w)
    >>> y[0, 0, 1]
    array([[2., 4., 2.],
           [4., 8., 4.],
           [2., 4., 2.]])
    >>> np.array_equal(y, cv.conv_transpose3d_loop(x, w))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose3d(torch.from_numpy(x), torch.from_numpy(w))
    ...     assert np.allclose(t.numpy(), y)
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

    See Also
    --------
    conv_transpose1d : the vectorised twin, same result.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.array([[[1.0, 2.0, 3.0]]])
    >>> w = np.array([[[1.0, 10.0]]])
    >>> y = cv.conv_transpose1d_loop(x, w, stride=2)  # torch: F.conv_transpose1d(x, w, stride=2)
    >>> y
    array([[[ 1., 10.,  2., 20.,  3., 30.]]])
    >>> np.array_equal(y, cv.conv_transpose1d(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
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

    See Also
    --------
    conv_transpose2d : the vectorised twin, same result.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> w = np.ones((1, 1, 2, 2))
    >>> y = cv.conv_transpose2d_loop(x, w, stride=2)  # torch: F.conv_transpose2d(x, w, stride=2)
    >>> y
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.],
             [3., 3., 4., 4.],
             [3., 3., 4., 4.]]]])
    >>> np.array_equal(y, cv.conv_transpose2d(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
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

    See Also
    --------
    conv_transpose3d : the vectorised twin, same result.
    convviz.shapes.conv_transpose_output_shape : the output size, without computing it.
    convviz.matrix.conv_transpose_matrix : the transposed convolution as one matrix.
    convviz.cost.conv_transpose_cost : its multiply-accumulates and parameters.
    conv_transpose_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.ones((1, 1, 2, 2, 2))
    >>> w = np.ones((1, 2, 2, 2, 2))
    >>> y = cv.conv_transpose3d_loop(x, w)  # torch: F.conv_transpose3d(x, w)
    >>> y[0, 0, 1]
    array([[2., 4., 2.],
           [4., 8., 4.],
           [2., 4., 2.]])
    >>> np.array_equal(y, cv.conv_transpose3d(x, w))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv_transpose3d(torch.from_numpy(x), torch.from_numpy(w))
    ...     assert np.allclose(t.numpy(), y)
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


def conv_transpose_method(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    dtype: object = np.float64,
) -> str:
    """The formulation ``conv_transpose{nd}d`` uses for a call (see :func:`convviz.conv.conv_method`).

    ``'phases'``: the output split into its ``s`` phases, each an ordinary convolution,
    all computed by one matrix product per group (in the private ``convviz._fast``); ``'col2im'``:
    one matrix product for every stamp, then col2im adds them onto the output, the
    version the book shows, used when there is nothing to compute (an empty batch or output);
    ``'selection'``: tiny float inputs (at most 64 input cells per plane, at most
    ``min(256, 4 C_in/groups)`` output cells): one product makes every stamp and a
    second, with a 0/1 matrix, puts each in place.
    All give the loop twin's result.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of ``x``: ``(N, C_in, *D)`` or ``(C_in, *D)``, with
        ``nd = len(weight_shape) - 2``.
    weight_shape : tuple of int
        Shape of ``weight``: ``(C_in, C_out / groups, *K)``.
    stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose2d`.
    dtype : dtype, default float64
        dtype of ``x`` and ``weight``.

    Returns
    -------
    str
        ``'phases'``, ``'selection'`` or ``'col2im'``.

    Raises
    ------
    ValueError, TypeError
        Whatever ``conv_transpose{nd}d`` would raise for such arrays and arguments.

    See Also
    --------
    conv_transpose2d : the operation this names a formulation of.
    convviz.conv.conv_method : the same for convolutions.

    Examples
    --------
    >>> import convviz as cv
    >>> cv.conv_transpose_method((8, 64, 28, 28), (64, 32, 4, 4), stride=2, padding=1)
    'phases'
    >>> cv.conv_transpose_method((0, 64, 28, 28), (64, 32, 4, 4), stride=2, padding=1)
    'col2im'
    """
    w = _stand_in("weight_shape", weight_shape, dtype)
    nd = w.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(
            f"weight_shape must have 3, 4 or 5 entries (C_in, C_out / groups, *K), "
            f"got weight_shape={tuple(weight_shape)}"
        )
    x = _stand_in("input_shape", input_shape, dtype)
    x, _, _, _, _, _, groups, out_size, _ = _prepare(
        f"conv_transpose{nd}d", nd, x, w, None, stride, padding, output_padding, groups, dilation
    )
    acc = _accumulator(x.dtype)
    return _method(x.shape[0], out_size, x.shape[2:], x.shape[1] // groups, acc)
