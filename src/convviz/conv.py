"""Convolutions (PyTorch's cross-correlation) in NumPy: ``conv1d``, ``conv2d``, ``conv3d``.

For an input ``x`` of shape ``(N, C_in, *D)`` and weights of shape
``(C_out, C_in / groups, *K)``, output position ``p`` of channel ``o`` is

.. math::

    y[n, o, p] = b[o] + \\sum_{c=0}^{C_in/g - 1} \\sum_{k}
                 x_{pad}[n, g(o) C_in/g + c, s \\odot p + d \\odot k] \\, w[o, c, k]

with ``g(o) = o // (C_out / groups)`` the group of output channel ``o``, ``s`` the
stride, ``d`` the dilation and ``x_pad`` the input padded as ``padding_mode`` says.
The ``*_loop`` functions compute exactly that sum; the others compute the same
numbers with matrix products: ``_conv_nd_im2col`` is the version the book shows
(one product per group), and where a faster formulation of the same sum applies
(the private ``convviz._fast``) they use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convviz import _fast
from convviz._validate import (
    _check_int,
    check_choice,
    check_weight_axes,
    conv_operands,
    int_tuple,
)
from convviz.padding import pad
from convviz.shapes import _padding_pairs, conv_output_size

__all__ = [
    "CONV_METHODS",
    "conv1d",
    "conv1d_loop",
    "conv2d",
    "conv2d_loop",
    "conv3d",
    "conv3d_loop",
    "conv_method",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
IntOrTuple = int | Sequence[int]
#: integer dtypes torch's CPU convolutions refuse to dilate or transpose (int64 they accept)
NARROW_INTS: tuple[np.dtype, ...] = tuple(np.dtype(t) for t in ("int8", "uint8", "int16", "int32"))


def _refuse_narrow_ints(op: str, dtype: np.dtype, dilation: object = None) -> None:
    """Refuse what torch on CPU has no kernel for: a narrow integer ``dtype`` with a
    dilation above 1 (``dilation`` given), or in any transposed convolution (``None``)."""
    if dtype not in NARROW_INTS:
        return
    if dilation is None:
        raise TypeError(
            f"{op} does not support x of dtype {dtype}, as torch on CPU (it has no "
            f"transposed kernel for int8, int16, int32, uint8); use int64 or a float dtype"
        )
    if any(d > 1 for d in np.atleast_1d(dilation)):
        raise TypeError(
            f"{op} with dilation={dilation} does not support x of dtype {dtype}, as torch "
            f"on CPU (it has no dilated kernel for int8, int16, int32, uint8); use int64 or "
            f"a float dtype"
        )


#: the formulations of the vectorised convolution, by the name :func:`conv_method` returns
CONV_METHODS: dict[str, str] = dict(_fast.CONV_METHODS)


# --------------------------------------------------------------------------- checks


def _accumulator(dtype: np.dtype) -> np.dtype:
    """dtype the sums are taken in: float16 -> float32, integers -> int64 (wrap-around)."""
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype.kind in "iu":
        return np.dtype(np.int64)
    return dtype


def _prepare(op, nd, x, weight, bias, stride, padding, dilation, groups, padding_mode):
    """Validate a ``conv{nd}d`` call as torch does and pad the input.

    Returns ``(x, weight, bias, stride, dilation, groups, unbatched, zeros)`` with ``x``
    batched, ``(N, C_in, *D)``, padded by every mode but ``'zeros'``; zero padding is
    left to the caller: ``zeros`` holds its ``(left, right)`` cells per spatial axis
    (:func:`_zero_pad` adds them), so that a formulation may pad into its own buffer.
    """
    check_choice("padding_mode", padding_mode, PADDING_MODES)
    x, weight, bias = conv_operands(op, nd, x, weight, bias)
    stride = int_tuple("stride", stride, nd, 1)
    dilation = int_tuple("dilation", dilation, nd, 1)
    groups = _check_int("groups", groups, 1)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    c_out, c_in_per_group, *kernel = weight.shape
    check_weight_axes(weight)
    if c_out % groups:
        raise ValueError(
            f"groups={groups} must divide the output channels, got weight of shape "
            f"{weight.shape} with {c_out} output channels"
        )
    if x.shape[1] != c_in_per_group * groups:
        raise ValueError(
            f"x has {x.shape[1]} channels (shape {x.shape}) but weight of shape {weight.shape} "
            f"with groups={groups} expects {c_in_per_group * groups} input channels"
        )
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(
            f"bias must have shape ({c_out},) to match weight of shape {weight.shape}, "
            f"got bias of shape {bias.shape}"
        )
    pairs = _padding_pairs(padding, tuple(kernel), stride, dilation, per_axis=int_tuple)
    if 0 in x.shape[2:]:
        raise ValueError(f"x must have non-empty spatial axes, got x of shape {x.shape}")
    if padding_mode != "zeros":
        flat = [v for pair in reversed(pairs) for v in pair]  # F.pad order: last axis first
        x = pad(x, flat, mode=padding_mode)
        pairs = [(0, 0)] * nd
    padded = (*x.shape[:2], *(i + a + b for i, (a, b) in zip(x.shape[2:], pairs, strict=True)))
    for axis, (size, k, d) in enumerate(zip(padded[2:], kernel, dilation, strict=True)):
        if d * (k - 1) + 1 > size:
            raise ValueError(
                f"kernel of size {k} with dilation={d} spans {d * (k - 1) + 1} cells, larger "
                f"than the padded input along spatial axis {axis} ({size} cells, x of "
                f"shape {padded} after padding)"
            )
    _refuse_narrow_ints(op, x.dtype, dilation)
    return x, weight, bias, stride, dilation, groups, unbatched, pairs


def _zero_pad(x: np.ndarray, pairs) -> np.ndarray:
    """``x`` with ``pairs[a] = (left, right)`` zeros added around spatial axis ``a``."""
    if all(pair == (0, 0) for pair in pairs):
        return x
    flat = [v for pair in reversed(pairs) for v in pair]  # F.pad order: last axis first
    return pad(x, flat, mode="constant")


# --------------------------------------------------------------------------- loops


def _cell(stride, p, dilation, k) -> tuple[int, ...]:
    """Cell ``s * p + d * k`` (per axis) that tap ``k`` of the window at ``p`` lands on."""
    return tuple(s * pj + d * kj for s, pj, d, kj in zip(stride, p, dilation, k, strict=True))


def _conv_nd_loop(x, weight, bias, stride, dilation, groups):
    """The formula of the module docstring, one multiply-add at a time.

    ``x`` is already padded: ``(N, C_in, *D)``; ``weight`` is ``(C_out, C_in/g, *K)``.
    """
    acc = _accumulator(x.dtype)
    x, weight = x.astype(acc), weight.astype(acc)
    n_batch, c_out = x.shape[0], weight.shape[0]
    c_per_group, *kernel = weight.shape[1:]
    o_per_group = c_out // groups
    out_size = [
        conv_output_size(i, k, s, 0, d)
        for i, k, s, d in zip(x.shape[2:], kernel, stride, dilation, strict=True)
    ]
    out = np.zeros((n_batch, c_out, *out_size), dtype=acc)
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // o_per_group) * c_per_group  # first input channel of o's group
            for p in np.ndindex(*out_size):
                total = acc.type(0) if bias is None else acc.type(bias[o])
                for c in range(c_per_group):
                    for k in np.ndindex(*kernel):
                        i = _cell(stride, p, dilation, k)
                        total += x[(n, first + c, *i)] * weight[(o, c, *k)]
                out[(n, o, *p)] = total
    return out


# --------------------------------------------------------------------------- vectorised


def _windows(x: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """View ``(N, C, *O, *K)`` of every (strided, dilated) window of ``x`` (no copy)."""
    nd = len(kernel)
    spatial = tuple(range(2, 2 + nd))
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    view = np.lib.stride_tricks.sliding_window_view(x, extent, axis=spatial)
    take = (slice(None), slice(None))
    take += tuple(slice(None, None, s) for s in stride)
    take += tuple(slice(None, None, d) for d in dilation)
    return view[take]


def _conv_nd_im2col(x, weight, bias, stride, dilation, groups):
    """General vectorised convolution: im2col (a strided view) and one matrix product
    per group. Any dtype, stride and dilation."""
    acc = _accumulator(x.dtype)
    x, weight = x.astype(acc, copy=False), weight.astype(acc, copy=False)
    n_batch = x.shape[0]
    c_out, c_per_group, *kernel = weight.shape
    nd = len(kernel)
    win = _windows(x, kernel, stride, dilation)  # (N, C, *O, *K)
    out_size = win.shape[2 : 2 + nd]
    win = win.reshape(n_batch, groups, c_per_group, *out_size, *kernel)
    # (G, N, *O, C_g, *K): the columns of one group side by side
    order = (1, 0, *range(3, 3 + nd), 2, *range(3 + nd, 3 + 2 * nd))
    cols = win.transpose(order).reshape(groups, -1, c_per_group * math.prod(kernel))
    w = weight.reshape(groups, c_out // groups, -1)
    out = np.matmul(cols, w.transpose(0, 2, 1))  # (G, N * prod(O), C_out/g)
    out = out.reshape(groups, n_batch, *out_size, c_out // groups)
    out = np.moveaxis(out, -1, 1).reshape(groups * (c_out // groups), n_batch, *out_size)
    out = np.ascontiguousarray(np.moveaxis(out, 1, 0))
    if bias is not None:
        out += bias.astype(acc).reshape(-1, *([1] * nd))
    return out


def _conv_nd(x, weight, bias, stride, dilation, groups, zeros):
    """Vectorised convolution: :func:`_conv_nd_im2col`, or a faster formulation of the
    same sum from :mod:`convviz._fast` where one applies (:func:`conv_method` names it).

    ``x`` still lacks the zero padding ``zeros`` (``(left, right)`` per spatial axis):
    some formulations add it while copying into their own buffers.
    """
    acc = _accumulator(x.dtype)
    method = _fast.choose_conv(x.shape[0], weight.shape, stride, groups, acc, x.shape[2:])
    if method == "im2col":
        return _conv_nd_im2col(_zero_pad(x, zeros), weight, bias, stride, dilation, groups)
    if method not in _fast.PAD_INSIDE:
        x, zeros = _zero_pad(x, zeros), None
    return _fast.run_conv(method, x, weight, bias, stride, dilation, groups, acc, zeros)


# --------------------------------------------------------------------------- public


def _conv(op, nd, loop, x, weight, bias, stride, padding, dilation, groups, padding_mode):
    """The body every public function shares: check and pad, compute, restore the dtype."""
    x, weight, bias, stride, dilation, groups, unbatched, zeros = _prepare(
        op, nd, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )
    if loop:
        out = _conv_nd_loop(_zero_pad(x, zeros), weight, bias, stride, dilation, groups)
    else:
        out = _conv_nd(x, weight, bias, stride, dilation, groups, zeros)
    out = out.astype(x.dtype, copy=False)
    return out[0] if unbatched else out


def conv1d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """1-d convolution (cross-correlation) with the semantics of ``torch.nn.functional.conv1d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, L) or (C_in, L)
        Input. float16/32/64, complex64/128, int64, or int8/16/32, uint8 without
        dilation (as torch on CPU, which has no dilated kernel for these four).
    weight : ndarray, shape (C_out, C_in / groups, kL)
        Filters; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 1 int, default 1
        Step ``s`` between windows.
    padding : int, tuple of 1 int, 'valid' or 'same', default 0
        Cells added on both sides. ``'same'`` (stride 1 only) pads ``d (k - 1)``
        cells, the odd one on the right.
    dilation : int or tuple of 1 int, default 1
        Spacing ``d`` between kernel taps (1: none).
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
        How the padded cells are filled, as ``nn.Conv1d``'s argument of that name.

    Returns
    -------
    ndarray, shape (N, C_out, L_out) (or without N)
        ``y[n, o, j] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s j + d k] w[o, c, k]``
        with ``L_out = floor((L + p_l + p_r - d (k - 1) - 1) / s) + 1``
        (:func:`convviz.shapes.conv_output_size`).

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``'same'`` with a
        stride, or a kernel larger than the padded input.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, dilation
        above 1 with int8, int16, int32 or uint8 arrays.

    See Also
    --------
    conv1d_loop : the same sum, one multiply-add at a time.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(6.0).reshape(1, 1, 6)
    >>> w = np.array([[[1.0, 0.0, -1.0]]])
    >>> y = cv.conv1d(x, w, padding=1)  # torch: F.conv1d(x, w, padding=1)
    >>> y
    array([[[-1., -2., -2., -2., -2.,  4.]]])
    >>> np.array_equal(y, cv.conv1d_loop(x, w, padding=1))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv1d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv1d", 1, False, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-d convolution (cross-correlation) with the semantics of ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        Input. float16/32/64, complex64/128, int64, or int8/16/32, uint8 without
        dilation (as torch on CPU, which has no dilated kernel for these four).
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
        Filters; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 2 int, default 1
        Step ``s`` between windows.
    padding : int, tuple of 2 int, 'valid' or 'same', default 0
        Cells added on both sides of each spatial axis. ``'same'`` (stride 1 only)
        pads ``d (k - 1)`` cells, the odd one on the right.
    dilation : int or tuple of 2 int, default 1
        Spacing ``d`` between kernel taps (1: none).
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
        How the padded cells are filled, as ``nn.Conv2d``'s argument of that name.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) (or without N)
        ``y[n, o, p] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s p + d k] w[o, c, k]``
        with output size ``O = floor((D + p_l + p_r - d (k - 1) - 1) / s) + 1`` per axis
        (:func:`convviz.shapes.conv_output_size`).

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``'same'`` with a
        stride, or a kernel larger than the padded input.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, dilation
        above 1 with int8, int16, int32 or uint8 arrays.

    See Also
    --------
    conv2d_loop : the same sum, one multiply-add at a time.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2))
    >>> y = cv.conv2d(x, w, stride=2)  # torch: F.conv2d(x, w, stride=2)
    >>> y
    array([[[[10., 18.],
             [42., 50.]]]])
    >>> np.array_equal(y, cv.conv2d_loop(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv2d", 2, False, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


def conv3d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """3-d convolution (cross-correlation) with the semantics of ``torch.nn.functional.conv3d``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, D, H, W) or (C_in, D, H, W)
        Input. float16/32/64, complex64/128, int64, or int8/16/32, uint8 without
        dilation (as torch on CPU, which has no dilated kernel for these four).
    weight : ndarray, shape (C_out, C_in / groups, kD, kH, kW)
        Filters; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of 3 int, default 1
        Step ``s`` between windows.
    padding : int, tuple of 3 int, 'valid' or 'same', default 0
        Cells added on both sides of each spatial axis. ``'same'`` (stride 1 only)
        pads ``d (k - 1)`` cells, the odd one on the right.
    dilation : int or tuple of 3 int, default 1
        Spacing ``d`` between kernel taps (1: none).
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
        How the padded cells are filled, as ``nn.Conv3d``'s argument of that name.

    Returns
    -------
    ndarray, shape (N, C_out, D_out, H_out, W_out) (or without N)
        ``y[n, o, p] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s p + d k] w[o, c, k]``
        with output size ``O = floor((D + p_l + p_r - d (k - 1) - 1) / s) + 1`` per axis
        (:func:`convviz.shapes.conv_output_size`).

    Raises
    ------
    ValueError
        Wrong number of axes, channel or bias mismatch, groups not dividing the
        channels, stride or dilation < 1, negative padding, ``'same'`` with a
        stride, or a kernel larger than the padded input.
    TypeError
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments, dilation
        above 1 with int8, int16, int32 or uint8 arrays.

    See Also
    --------
    conv3d_loop : the same sum, one multiply-add at a time.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(27.0).reshape(1, 1, 3, 3, 3)
    >>> w = np.ones((2, 1, 2, 2, 2))
    >>> y = cv.conv3d(x, w)  # torch: F.conv3d(x, w)
    >>> y.shape
    (1, 2, 2, 2, 2)
    >>> np.array_equal(y, cv.conv3d_loop(x, w))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv3d(torch.from_numpy(x), torch.from_numpy(w))
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv3d", 3, False, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


def conv1d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Loop version of :func:`conv1d`: one multiply-add per step of the formula.

    Same arguments, same result, same errors as :func:`conv1d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation, groups, padding_mode
        As in :func:`conv1d`: ``x`` of shape (N, C_in, L) or (C_in, L), ``weight`` of
        shape (C_out, C_in / groups, kL).

    Returns
    -------
    ndarray, shape (N, C_out, L_out) (or without N)
        ``y[n, o, j] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s j + d k] w[o, c, k]``.

    See Also
    --------
    conv1d : the vectorised twin, same result.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(6.0).reshape(1, 1, 6)
    >>> w = np.array([[[1.0, 0.0, -1.0]]])
    >>> y = cv.conv1d_loop(x, w, padding=1)  # torch: F.conv1d(x, w, padding=1)
    >>> y
    array([[[-1., -2., -2., -2., -2.,  4.]]])
    >>> np.array_equal(y, cv.conv1d(x, w, padding=1))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv1d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv1d", 1, True, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


def conv2d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Loop version of :func:`conv2d`: one multiply-add per step of the formula.

    Same arguments, same result, same errors as :func:`conv2d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation, groups, padding_mode
        As in :func:`conv2d`: ``x`` of shape (N, C_in, H, W) or (C_in, H, W), ``weight``
        of shape (C_out, C_in / groups, kH, kW).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) (or without N)
        ``y[n, o, p] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s p + d k] w[o, c, k]``.

    See Also
    --------
    conv2d : the vectorised twin, same result.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2))
    >>> y = cv.conv2d_loop(x, w, stride=2)  # torch: F.conv2d(x, w, stride=2)
    >>> y
    array([[[[10., 18.],
             [42., 50.]]]])
    >>> np.array_equal(y, cv.conv2d(x, w, stride=2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=2)
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv2d", 2, True, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


def conv3d_loop(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Loop version of :func:`conv3d`: one multiply-add per step of the formula.

    Same arguments, same result, same errors as :func:`conv3d` (slow; for reading and
    testing).

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation, groups, padding_mode
        As in :func:`conv3d`: ``x`` of shape (N, C_in, D, H, W) or (C_in, D, H, W),
        ``weight`` of shape (C_out, C_in / groups, kD, kH, kW).

    Returns
    -------
    ndarray, shape (N, C_out, D_out, H_out, W_out) (or without N)
        ``y[n, o, p] = b[o] + sum_(c, k) x_pad[n, g(o) C_in/groups + c, s p + d k] w[o, c, k]``.

    See Also
    --------
    conv3d : the vectorised twin, same result.
    convviz.shapes.conv_output_shape : the output size, without computing the convolution.
    convviz.matrix.conv_matrix : the convolution as one (sparse) matrix.
    convviz.cost.conv_cost : its multiply-accumulates and parameters.
    conv_method : which formulation the vectorised version uses for a call.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(27.0).reshape(1, 1, 3, 3, 3)
    >>> w = np.ones((2, 1, 2, 2, 2))
    >>> y = cv.conv3d_loop(x, w)  # torch: F.conv3d(x, w)
    >>> y.shape
    (1, 2, 2, 2, 2)
    >>> np.array_equal(y, cv.conv3d(x, w))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.conv3d(torch.from_numpy(x), torch.from_numpy(w))
    ...     assert np.allclose(t.numpy(), y)
    """
    return _conv(
        "conv3d", 3, True, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )


# --------------------------------------------------------------------------- which formulation


def _stand_in(name: str, shape: object, dtype: object) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` with no memory of its own (a broadcast zero)."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a tuple of integers, got {name}={shape!r}")
    dims = [_check_int(name, v, 0) for v in shape]
    try:
        kind = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be a NumPy dtype, got dtype={dtype!r}") from error
    return np.broadcast_to(np.zeros((), dtype=kind), dims)


def conv_method(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    dtype: object = np.float64,
) -> str:
    """The formulation ``conv{nd}d`` uses for a call, as ``scipy.signal.choose_conv_method``.

    The vectorised convolutions compute the same sum in several ways (a key of
    :data:`CONV_METHODS`): ``'im2col'`` is the reference the book shows, the others
    are faster formulations for 1x1 kernels (``'pointwise'``), one channel per group
    (``'depthwise'``), tiny images (``'selection'``), deep products (``'patches'``)
    and stride 1 (``'shifted'``, ``'shifted_folded'``). All give the loop twin's result.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of ``x``: ``(N, C_in, *D)`` or ``(C_in, *D)``, with
        ``nd = len(weight_shape) - 2`` spatial axes.
    weight_shape : tuple of int
        Shape of ``weight``: ``(C_out, C_in / groups, *K)``.
    stride, padding, dilation, groups, padding_mode
        As in :func:`conv2d`.
    dtype : dtype, default float64
        dtype of ``x`` and ``weight``.

    Returns
    -------
    str
        The name of the formulation, a key of :data:`CONV_METHODS`.

    Raises
    ------
    ValueError, TypeError
        Whatever ``conv{nd}d`` would raise for such arrays and arguments.

    See Also
    --------
    conv2d : the convolution this names a formulation of.
    convviz.transposed.conv_transpose_method : the same for transposed convolutions.

    Examples
    --------
    >>> import convviz as cv
    >>> cv.conv_method((8, 64, 56, 56), (128, 64, 3, 3), padding=1, dtype="float32")
    'patches'
    >>> cv.conv_method((8, 128, 56, 56), (128, 1, 3, 3), padding=1, groups=128)
    'depthwise'
    >>> cv.conv_method((1, 3, 8, 8), (4, 3, 3, 3), stride=2)
    'im2col'
    """
    w = _stand_in("weight_shape", weight_shape, dtype)
    nd = w.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(
            f"weight_shape must have 3, 4 or 5 entries (C_out, C_in / groups, *K), "
            f"got weight_shape={tuple(weight_shape)}"
        )
    x = _stand_in("input_shape", input_shape, dtype)
    x, weight, _, stride, _, groups, _, _ = _prepare(
        f"conv{nd}d", nd, x, w, None, stride, padding, dilation, groups, padding_mode
    )
    acc = _accumulator(x.dtype)
    return _fast.choose_conv(x.shape[0], weight.shape, stride, groups, acc, x.shape[2:])
