"""Gradients of the convolutions, with the names and arguments of ``torch.nn.grad``.

A convolution ``y = conv(x, w) + b`` (see :mod:`convviz.conv`) computes

.. math::

    y[n, o, r] = b[o] + \\sum_{c, t} x_{pad}[n, c_0(o) + c, s \\odot r + d \\odot t] \\, w[o, c, t]

with ``r`` the output cell, ``t`` the tap of the kernel (tuples, one entry per spatial
axis) and ``c_0(o) = (o // (C_out / g)) C_in / g`` the first input channel of output
channel ``o``'s group. Given the gradient ``gy = dL/dy`` of a loss ``L``, the chain
rule sends each term of that sum back to the two factors it multiplies:

* input: ``dL/dx_pad[n, c_0(o) + c, s r + d t] += w[o, c, t] gy[n, o, r]``: every
  output gradient stamps its kernel back onto the input at ``s r``. That is exactly a
  *transposed convolution* of ``gy`` with the same weights (:mod:`convviz.transposed`),
  cropped by the padding; cells that no window reads get zero.
* weight: ``dL/dw[o, c, t] = sum_(n, r) x_pad[n, c_0(o) + c, s r + d t] gy[n, o, r]``:
  a *correlation* of the input with the output gradient.
* bias: ``dL/db[o] = sum_(n, r) gy[n, o, r]``.

The ``*_loop`` functions run those sums one multiply-add at a time; the others use a
transposed convolution (input) and one matrix product per group (weight; the faster
formulations of ``convviz._fast`` for tiny images and for 3x3 kernels at stride 1,
named by ``_fast.choose_weight``).

References
----------
Dumoulin, V. and Visin, F. (2016). A guide to convolution arithmetic for deep learning.
arXiv:1603.07285 (section 4: transposed convolution as the backward pass).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convviz import _fast
from convviz._validate import _check_int, as_float_array, check_same_dtype, int_tuple
from convviz.shapes import conv_output_size, same_padding
from convviz.transposed import conv_transpose1d, conv_transpose2d, conv_transpose3d

__all__ = [
    "conv1d_input",
    "conv1d_input_loop",
    "conv1d_weight",
    "conv1d_weight_loop",
    "conv2d_input",
    "conv2d_input_loop",
    "conv2d_weight",
    "conv2d_weight_loop",
    "conv3d_input",
    "conv3d_input_loop",
    "conv3d_weight",
    "conv3d_weight_loop",
    "conv_bias",
]

IntOrTuple = int | Sequence[int]
_TRANSPOSE = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}


# --------------------------------------------------------------------------- checks


def _shape(name: str, value: object, nd: int, batch_min: int = 1) -> tuple[int, ...]:
    """``input_size`` or ``weight_size``: ``nd + 2`` positive integers.

    ``batch_min=0`` lets the first entry be 0: an empty batch, as torch allows for
    ``input_size``.
    """
    if isinstance(value, np.ndarray) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a tuple of {nd + 2} integers, got {name}={value!r}")
    if len(value) != nd + 2:
        raise ValueError(
            f"{name} must have {nd + 2} entries (N, C, {nd} spatial sizes), got {name}={value!r}"
        )
    first = _check_int(name, value[0], batch_min)
    return (first, *(_check_int(name, v, 1) for v in value[1:]))


def _pairs(padding, kernel, stride, dilation) -> tuple[tuple[int, int], ...]:
    """``(left, right)`` zeros per axis for an int, a tuple, ``'same'`` or ``'valid'``."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
        if padding == "valid":
            return ((0, 0),) * nd
        if any(s != 1 for s in stride):
            raise ValueError(
                f"padding='same' is not supported for strided convolutions, got stride={stride}"
            )
        return tuple(same_padding(k, d) for k, d in zip(kernel, dilation, strict=True))
    return tuple((p, p) for p in int_tuple("padding", padding, nd, 0))


def _setup(op, nd, input_size, weight_size, grad_output, stride, padding, dilation, groups):
    """Check that a forward ``conv{nd}d`` maps ``input_size`` to ``grad_output``'s shape.

    Returns ``(grad_output, stride, dilation, groups, pairs)``.
    """
    grad_output = as_float_array("grad_output", grad_output)
    if grad_output.ndim != nd + 2:
        raise ValueError(
            f"{op} expects grad_output of shape (N, C_out, {nd} spatial sizes), "
            f"got grad_output of shape {grad_output.shape}"
        )
    stride = int_tuple("stride", stride, nd, 1)
    dilation = int_tuple("dilation", dilation, nd, 1)
    groups = _check_int("groups", groups, 1)
    c_out, c_per_group, *kernel = weight_size
    pairs = _pairs(padding, kernel, stride, dilation)
    n_batch, c_in, *size = input_size
    if c_out % groups or c_in != c_per_group * groups:
        raise ValueError(
            f"{op}: input of shape {tuple(input_size)} and weight of shape {tuple(weight_size)} "
            f"do not fit groups={groups} (C_in = groups * weight.shape[1], groups | C_out)"
        )
    try:
        out = tuple(
            conv_output_size(i, k, s, pair, d)
            for i, k, s, pair, d in zip(size, kernel, stride, pairs, dilation, strict=True)
        )
    except ValueError as err:
        raise ValueError(
            f"{op}: no convolution with weight of shape {tuple(weight_size)}, stride={stride}, "
            f"padding={padding!r}, dilation={dilation} maps an input of shape "
            f"{tuple(input_size)} to grad_output of shape {grad_output.shape} ({err})"
        ) from None
    expected = (n_batch, c_out, *out)
    if grad_output.shape != expected:
        raise ValueError(
            f"{op}: grad_output of shape {grad_output.shape} is not the output shape "
            f"{expected} of a convolution of an input of shape {tuple(input_size)} with weight "
            f"of shape {tuple(weight_size)}, stride={stride}, padding={padding!r}, "
            f"dilation={dilation}, groups={groups}"
        )
    return grad_output, stride, dilation, groups, pairs


def _input_args(op, nd, input_size, weight, grad_output, stride, padding, dilation, groups):
    weight = as_float_array("weight", weight)
    if weight.ndim != nd + 2:
        raise ValueError(f"{op} expects a {nd + 2}-d weight, got weight of shape {weight.shape}")
    input_size = _shape("input_size", input_size, nd, batch_min=0)
    gy, stride, dilation, groups, pairs = _setup(
        op, nd, input_size, weight.shape, grad_output, stride, padding, dilation, groups
    )
    check_same_dtype(op, weight=weight, grad_output=gy)
    return input_size, weight, gy, stride, dilation, groups, pairs


def _weight_args(op, nd, x, weight_size, grad_output, stride, padding, dilation, groups):
    x = as_float_array("input", x)
    if x.ndim != nd + 2:
        raise ValueError(f"{op} expects a {nd + 2}-d input, got input of shape {x.shape}")
    weight_size = _shape("weight_size", weight_size, nd)
    gy, stride, dilation, groups, pairs = _setup(
        op, nd, x.shape, weight_size, grad_output, stride, padding, dilation, groups
    )
    check_same_dtype(op, input=x, grad_output=gy)
    return x, weight_size, gy, stride, dilation, groups, pairs


def _zero_padded(x: np.ndarray, pairs, name: str | None = None) -> np.ndarray:
    """``x`` with ``pairs[a] = (left, right)`` zeros around spatial axis ``a``; in a
    reused work array when ``name`` is given (then valid until the next call)."""
    if not any(map(any, pairs)):
        return x
    if name is None:
        return np.pad(x, [(0, 0), (0, 0), *pairs])
    spatial = x.shape[2:]
    size = [i + left + right for i, (left, right) in zip(spatial, pairs, strict=True)]
    out = _fast._scratch(f"grad_{name}", (*x.shape[:2], *size), x.dtype)
    for axis, ((left, _), i) in enumerate(zip(pairs, spatial, strict=True)):
        before = (slice(None),) * (2 + axis)
        out[(*before, slice(0, left))] = 0
        out[(*before, slice(left + i, None))] = 0
    inside = tuple(slice(left, left + i) for i, (left, _) in zip(spatial, pairs, strict=True))
    out[(slice(None), slice(None), *inside)] = x
    return out


# --------------------------------------------------------------------------- loops


def _cell(stride, r, dilation, t) -> tuple[int, ...]:
    """Padded input cell ``s r + d t`` (per axis) read by tap ``t`` of the window at ``r``."""
    return tuple(s * rj + d * tj for s, rj, d, tj in zip(stride, r, dilation, t, strict=True))


def _input_loop(op, nd, input_size, weight, grad_output, stride, padding, dilation, groups):
    """``dx_pad[n, c_0(o) + c, s r + d t] += w[o, c, t] gy[n, o, r]``, then crop."""
    input_size, w, gy, s, d, groups, pairs = _input_args(
        op, nd, input_size, weight, grad_output, stride, padding, dilation, groups
    )
    n_batch, c_in, *size = input_size
    c_out, c_per_group, *kernel = w.shape
    padded = [i + left + right for i, (left, right) in zip(size, pairs, strict=True)]
    dx = np.zeros((n_batch, c_in, *padded), dtype=gy.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // (c_out // groups)) * c_per_group  # first input channel of o's group
            for r in np.ndindex(*gy.shape[2:]):  # every output cell
                for c in range(c_per_group):
                    for t in np.ndindex(*kernel):  # every tap of its window
                        cell = _cell(s, r, d, t)
                        dx[(n, first + c, *cell)] += w[(o, c, *t)] * gy[(n, o, *r)]
    crop = tuple(slice(left, left + i) for i, (left, _) in zip(size, pairs, strict=True))
    return dx[(slice(None), slice(None), *crop)]


def _weight_loop(op, nd, x, weight_size, grad_output, stride, padding, dilation, groups):
    """``dw[o, c, t] = sum_(n, r) x_pad[n, c_0(o) + c, s r + d t] gy[n, o, r]``."""
    x, weight_size, gy, s, d, groups, pairs = _weight_args(
        op, nd, x, weight_size, grad_output, stride, padding, dilation, groups
    )
    x = _zero_padded(x, pairs)
    c_out, c_per_group, *kernel = weight_size
    dw = np.zeros(weight_size, dtype=gy.dtype)
    for o in range(c_out):
        first = (o // (c_out // groups)) * c_per_group
        for c in range(c_per_group):
            for t in np.ndindex(*kernel):
                total = 0.0
                for n in range(x.shape[0]):
                    for r in np.ndindex(*gy.shape[2:]):
                        cell = _cell(s, r, d, t)
                        total += x[(n, first + c, *cell)] * gy[(n, o, *r)]
                dw[(o, c, *t)] = total
    return dw


# --------------------------------------------------------------------------- fast


def _input_fast(op, nd, input_size, weight, grad_output, stride, padding, dilation, groups):
    """A transposed convolution of ``grad_output`` with ``weight``.

    ``conv_transpose`` with ``padding=left`` cuts ``left`` cells from both ends of the
    stamped result; ``output_padding = a`` keeps ``a`` more at the far end, the cells
    of the padded input past the last window (``a < s``), so that the crop falls on
    them (they are padding when ``a <= p``). Uneven ``'same'`` padding, whose
    right cut is one larger, is cropped afterwards.
    """
    input_size, w, gy, s, d, groups, pairs = _input_args(
        op, nd, input_size, weight, grad_output, stride, padding, dilation, groups
    )
    kernel, size, out = w.shape[2:], input_size[2:], gy.shape[2:]
    left = tuple(pair[0] for pair in pairs)
    full = [(o - 1) * sj + dj * (k - 1) + 1 for o, sj, dj, k in zip(out, s, d, kernel, strict=True)]
    extra = [i + 2 * p - f for i, p, f in zip(size, left, full, strict=True)]
    if all(0 <= a < max(sj, dj) for a, sj, dj in zip(extra, s, d, strict=True)):
        return _TRANSPOSE[nd](gy, w, None, s, left, extra, groups, d)
    # 'same' with an odd d (k - 1): one cell more is cut on the right
    dx = _TRANSPOSE[nd](gy, w, None, s, left, 0, groups, d)
    return np.ascontiguousarray(dx[(slice(None), slice(None), *(slice(0, i) for i in size))])


def _weight_fast(op, nd, x, weight_size, grad_output, stride, padding, dilation, groups):
    """One matrix product per group on the input's columns (im2col, tap by tap).

    ``cols[g, (c, t), (n, r)] = x_pad[n, g C_g + c, s r + d t]`` is copied one kernel tap
    ``t`` at a time (a strided slice of the padded input per tap), then
    ``dw[g] = (cols[g] (C_g prod(K), N prod(O)) @ gy[g].T (N prod(O), O_g)).T``.
    """
    x, weight_size, gy, s, d, groups, pairs = _weight_args(
        op, nd, x, weight_size, grad_output, stride, padding, dilation, groups
    )
    if x.shape[0] == 0:  # no sample: the gradient of the weight is zero
        return np.zeros(weight_size, dtype=np.result_type(x.dtype, gy.dtype))
    method = _fast.choose_weight(x.shape, weight_size, s, d, groups, x.dtype)
    if method == "selection":  # tiny images: the columns as one product with a 0/1 matrix
        return _fast.weight_selection(x, weight_size, gy, s, d, groups, pairs)
    if method == "winograd":  # 3x3 at stride 1: the same sums with 16 products instead of 36
        return _fast.weight_winograd(x, weight_size, gy, groups, pairs)
    x = _zero_padded(x, pairs, "padded_input")
    c_out, c_per_group, *kernel = weight_size
    n_batch, c_in = x.shape[:2]
    out = gy.shape[2:]
    taps = math.prod(kernel)
    cols = _fast._scratch("grad_columns", (c_in, *kernel, n_batch, *out), gy.dtype)
    images = np.swapaxes(x, 0, 1)  # (C_in, N, *D_pad)
    for k in np.ndindex(*kernel):
        src = tuple(
            slice(dj * kj, dj * kj + sj * (o - 1) + 1, sj)
            for kj, sj, dj, o in zip(k, s, d, out, strict=True)
        )
        cols[(slice(None), *k)] = images[(slice(None), slice(None), *src)]
    cols = cols.reshape(groups, c_per_group * taps, n_batch * math.prod(out))
    o_per_group = c_out // groups
    gyg = np.swapaxes(gy.reshape(n_batch, groups, o_per_group, -1), 0, 1)  # (G, N, O_g, P)
    gyg = np.swapaxes(gyg, 1, 2).reshape(groups, o_per_group, -1)  # (G, O_g, N P)
    # (C_g prod(K), N P) @ (N P, O_g), transposed: on 2 OpenBLAS threads this order
    # was 5x faster than gy[g] @ cols[g].T for the VGG-sized benchmark layer
    dw = np.empty((groups, o_per_group, c_per_group * taps), dtype=gy.dtype)
    for g in range(groups):
        dw[g] = (cols[g] @ gyg[g].T).T
    return dw.reshape(weight_size)


# --------------------------------------------------------------------------- public


def conv_bias(grad_output: np.ndarray) -> np.ndarray:
    """Gradient of a convolution's bias: ``db[o] = sum_(n, r) gy[n, o, r]``.

    Parameters
    ----------
    grad_output : ndarray, shape (N, C_out, *O)
        Gradient of the loss with respect to the convolution's output (at least 2-d).

    Returns
    -------
    ndarray, shape (C_out,)
        The sum over the batch and every output position of each channel.

    Raises
    ------
    ValueError
        If ``grad_output`` has fewer than 2 axes.
    TypeError
        If it does not hold real numbers.
    """
    gy = as_float_array("grad_output", grad_output)
    if gy.ndim < 2:
        raise ValueError(
            f"conv_bias expects grad_output of shape (N, C_out, ...), got shape {gy.shape}"
        )
    return gy.sum(axis=(0, *range(2, gy.ndim)))


_INPUT_DOC = """Gradient of ``conv{nd}d`` with respect to its input, as ``torch.nn.grad.{op}``.

    The chain rule sends every output gradient back along the taps that produced its
    output, ``dx_pad[n, c_0(o) + c, s r + d t] += w[o, c, t] gy[n, o, r]`` (``r`` the
    output cell, ``t`` the tap, ``c_0(o)`` the first input channel of ``o``'s group), and the
    padding is cut off: this is a transposed convolution of ``grad_output`` with the
    same weight, ``conv_transpose{nd}d(grad_output, weight, stride=s, padding=p,
    output_padding=a, groups=g, dilation=d)``, with ``a = i + 2p - ((o - 1) s + d (k - 1)
    + 1)`` the cells of the padded input past the last window. Input cells that no
    window reads (past the last window when ``a > p``, or skipped by a stride) get
    zero.

    Parameters
    ----------
    input_size : tuple of {nd2} int
        Shape ``(N, C_in, {dims})`` of the convolution's input.
    weight : ndarray, shape (C_out, C_in / groups, {kdims})
        The convolution's filters.
    grad_output : ndarray, shape (N, C_out, {odims})
        Gradient of the loss with respect to the convolution's output; same dtype.
    stride : int or tuple of {nd} int, default 1
    padding : int, tuple of {nd} int, 'valid' or 'same', default 0
        Zeros on both sides (``'same'``: ``d (k - 1)`` in all, the odd one on the right).
    dilation : int or tuple of {nd} int, default 1
    groups : int, default 1

    Returns
    -------
    ndarray, shape input_size
        ``dL/dx``.

    Raises
    ------
    ValueError
        If ``grad_output``'s shape is not the output shape of a convolution of an input
        of shape ``input_size`` (message names both shapes), channels that do not fit
        ``groups``, stride or dilation < 1, negative padding or ``'same'`` with a stride.
    TypeError
        Non-float arrays, mixed dtypes, non-integer arguments.

    References
    ----------
    Dumoulin, V. and Visin, F. (2016). A guide to convolution arithmetic for deep
    learning. arXiv:1603.07285.
    """

_WEIGHT_DOC = """Gradient of ``conv{nd}d`` with respect to its weight, as ``torch.nn.grad.{op}``.

    ``dw[o, c, t] = sum_(n, r) x_pad[n, c_0(o) + c, s r + d t] gy[n, o, r]`` (``r`` the
    output cell, ``t`` the tap, ``c_0(o)`` the first input channel of ``o``'s group): a
    correlation of the padded input with the output gradient (the output gradient
    slides over the input with step ``d``, its taps ``s`` apart).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, {dims})
        The convolution's input.
    weight_size : tuple of {nd2} int
        Shape ``(C_out, C_in / groups, {kdims})`` of the weight.
    grad_output : ndarray, shape (N, C_out, {odims})
        Gradient of the loss with respect to the convolution's output; same dtype.
    stride : int or tuple of {nd} int, default 1
    padding : int, tuple of {nd} int, 'valid' or 'same', default 0
    dilation : int or tuple of {nd} int, default 1
    groups : int, default 1

    Returns
    -------
    ndarray, shape weight_size
        ``dL/dw``.

    Raises
    ------
    ValueError
        If ``grad_output``'s shape is not the output shape of a convolution of
        ``input`` with a weight of shape ``weight_size`` (message names both shapes),
        channels that do not fit ``groups``, or invalid stride, padding or dilation.
    TypeError
        Non-float arrays, mixed dtypes, non-integer arguments.

    References
    ----------
    Dumoulin, V. and Visin, F. (2016). A guide to convolution arithmetic for deep
    learning. arXiv:1603.07285.
    """


def _doc(template: str, nd: int, op: str, loop: bool) -> str:
    doc = template.format(
        nd=nd,
        nd2=nd + 2,
        op=op,
        dims=["L", "H, W", "D, H, W"][nd - 1],
        kdims=["kL", "kH, kW", "kD, kH, kW"][nd - 1],
        odims=["L_out", "H_out, W_out", "D_out, H_out, W_out"][nd - 1],
    )
    if loop:
        doc = (
            f"Loop version of :func:`{op}`: same arguments, same result, one multiply-add "
            "per step of the chain rule (slow; for reading and testing).\n" + doc.split("\n", 1)[1]
        )
    return doc


def _make_input(nd: int, impl, loop: bool):
    op = f"conv{nd}d_input"

    def conv_input(
        input_size: Sequence[int],
        weight: np.ndarray,
        grad_output: np.ndarray,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
    ) -> np.ndarray:
        return impl(op, nd, input_size, weight, grad_output, stride, padding, dilation, groups)

    conv_input.__name__ = conv_input.__qualname__ = op + ("_loop" if loop else "")
    conv_input.__doc__ = _doc(_INPUT_DOC, nd, op, loop)
    return conv_input


def _make_weight(nd: int, impl, loop: bool):
    op = f"conv{nd}d_weight"

    def conv_weight(
        input: np.ndarray,
        weight_size: Sequence[int],
        grad_output: np.ndarray,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
    ) -> np.ndarray:
        return impl(op, nd, input, weight_size, grad_output, stride, padding, dilation, groups)

    conv_weight.__name__ = conv_weight.__qualname__ = op + ("_loop" if loop else "")
    conv_weight.__doc__ = _doc(_WEIGHT_DOC, nd, op, loop)
    return conv_weight


conv1d_input = _make_input(1, _input_fast, loop=False)
conv2d_input = _make_input(2, _input_fast, loop=False)
conv3d_input = _make_input(3, _input_fast, loop=False)
conv1d_input_loop = _make_input(1, _input_loop, loop=True)
conv2d_input_loop = _make_input(2, _input_loop, loop=True)
conv3d_input_loop = _make_input(3, _input_loop, loop=True)
conv1d_weight = _make_weight(1, _weight_fast, loop=False)
conv2d_weight = _make_weight(2, _weight_fast, loop=False)
conv3d_weight = _make_weight(3, _weight_fast, loop=False)
conv1d_weight_loop = _make_weight(1, _weight_loop, loop=True)
conv2d_weight_loop = _make_weight(2, _weight_loop, loop=True)
conv3d_weight_loop = _make_weight(3, _weight_loop, loop=True)
