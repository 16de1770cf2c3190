"""Transposed convolutions in NumPy: ``conv_transpose1d``, ``2d`` and ``3d``.

A transposed convolution runs a convolution backwards: every input cell ``x[n, c, i]``
stamps a copy of its kernel, scaled by its value, onto the output at ``s i``:

.. math::

    y_{full}[n, g(c) C_out/g + o, s \\odot i + d \\odot k] \\mathrel{+}= x[n, c, i] \\, w[c, o, k]

and ``y`` is ``y_full`` with ``padding`` cells cut from both ends of each axis
(``output_padding`` extra cells are kept at the far end), plus the bias. Weights
have shape ``(C_in, C_out / groups, *K)``, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from convviz._validate import (
    _check_int,
    check_weight_axes,
    conv_operands,
    int_tuple,
)
from convviz.conv import IntOrTuple, _accumulator, _cell, _fill_doc, _scratch
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
    """Vectorised, by output phases (sub-pixel decomposition), one GEMM per group.

    Tap ``k`` lands on full-output cell ``s i + d k = s (i + q) + r`` with phase
    ``r = d k mod s`` and shift ``q = d k // s`` (per axis). So each phase of the
    output is an ordinary unit-step correlation of the input with the taps of that
    phase, read ``q`` cells back:

        y_full[n, g, o, s m + r] = sum_(c, k: d k mod s = r) w[g, c, o, k] x[n, g, c, m - q(k)]

    Lay the input out channels first on a grid padded with zeros at the far end of
    each axis (by ``max q``): there a shift by ``q`` is a flat offset, and one
    shifted copy per distinct shift ``q`` stacks the reads into a matrix ``B`` of
    rows ``(c, q)``. One product per group, ``Z = W @ B``, with ``W`` holding the
    weight of tap ``k`` at row ``(r(k), o)`` and column ``(c, q(k))`` (zero where no
    tap has that phase and shift), gives every phase at once; each phase is then
    written into its strided cells of the output.
    """
    acc = _accumulator(x.dtype)
    x, weight = x.astype(acc, copy=False), weight.astype(acc, copy=False)
    n_batch, c_in, *size = x.shape
    o_per_group, *kernel = weight.shape[1:]
    c_per_group, c_out = c_in // groups, groups * o_per_group
    grid = [i + d * (k - 1) // s for i, k, s, d in zip(size, kernel, stride, dilation, strict=True)]
    step = [math.prod(grid[a + 1 :]) for a in range(len(grid))]
    flat = n_batch * math.prod(grid)
    phase_of, shift_of = {}, {}  # phase r and shift q (per axis) -> their row/column index
    placed = []
    for k in np.ndindex(*kernel):
        cell = [d * kj for d, kj in zip(dilation, k, strict=True)]
        r = tuple(c % s for c, s in zip(cell, stride, strict=True))
        q = tuple(c // s for c, s in zip(cell, stride, strict=True))
        placed.append(
            (phase_of.setdefault(r, len(phase_of)), shift_of.setdefault(q, len(shift_of)))
        )
    # b[g, c, j, p] = x on the padded grid, flat, read shift j back (zeros before the start)
    # (copied from a separate array: NumPy copies a source that shares the
    # destination's buffer to a temporary first, which doubled the time)
    xs = _scratch("grid_input", (c_in, n_batch, *grid), acc)
    xs[(slice(None), slice(None), *(slice(0, i) for i in size))] = np.swapaxes(x, 0, 1)
    for axis, i in enumerate(size):  # the zeros at the far end of each axis
        xs[(slice(None),) * (2 + axis) + (slice(i, None),)] = 0
    xs = xs.reshape(groups, c_per_group, flat)
    b = _scratch("phase_reads", (groups, c_per_group, len(shift_of), flat), acc)
    for q, j in shift_of.items():
        off = sum(qa * st for qa, st in zip(q, step, strict=True))
        b[:, :, j, :off] = 0
        b[:, :, j, off:] = xs[..., : flat - off]
    # w_all[g, r, o, c, j]: the weight of the tap with phase r and shift j (or 0)
    w_all = np.zeros((groups, len(phase_of), o_per_group, c_per_group, len(shift_of)), acc)
    taps = weight.reshape(groups, c_per_group, o_per_group, -1)
    for t, (r, j) in enumerate(placed):
        w_all[:, r, :, :, j] = np.swapaxes(taps[..., t], 1, 2)
    rows, depth = len(phase_of) * o_per_group, c_per_group * len(shift_of)
    z = np.matmul(w_all.reshape(groups, rows, depth), b.reshape(groups, depth, flat))
    z = z.reshape(groups, len(phase_of), o_per_group, n_batch, *grid)
    # every output cell j belongs to phase (j + p) mod s at m = (j + p) // s < grid?
    covered = len(phase_of) == math.prod(stride) and all(
        (o - 1 + p) // s < g for o, p, s, g in zip(out_size, padding, stride, grid, strict=True)
    )
    y = (np.empty if covered else np.zeros)((n_batch, c_out, *out_size), dtype=acc)
    by_group = y.reshape(n_batch, groups, o_per_group, *out_size)
    for r, index in phase_of.items():
        _write_phase(by_group, z[:, index], r, stride, padding, grid)
    if bias is not None:
        y += bias.astype(acc).reshape(-1, *([1] * len(kernel)))
    return y


def _write_phase(y, phase, r, stride, padding, grid) -> None:
    """``y[n, g, o, j] = phase[g, o, n, m]`` for the output cells ``j = s m + r - p``."""
    dest, src = [], []
    for o, r_a, s, p, g in zip(y.shape[3:], r, stride, padding, grid, strict=True):
        lo = max(0, -((r_a - p) // s))  # first m with s m + r - p >= 0
        hi = min(g, (o - 1 + p - r_a) // s + 1)  # past the last m with j < o
        if hi <= lo:
            return
        dest.append(slice(s * lo + r_a - p, s * (hi - 1) + r_a - p + 1, s))
        src.append(slice(lo, hi))
    whole = (slice(None),) * 3
    y[(*whole, *dest)] = np.moveaxis(phase[(*whole, *src)], 2, 0)


def _conv_transpose(op, nd, impl, x, weight, bias, stride, padding, output_padding, groups, dil):
    x, weight, bias, stride, padding, dil, groups, out_size, unbatched = _prepare(
        op, nd, x, weight, bias, stride, padding, output_padding, groups, dil
    )
    out = impl(x, weight, bias, stride, padding, dil, groups, out_size).astype(x.dtype, copy=False)
    return out[0] if unbatched else out


_DOC = """{nd}-d transposed convolution with the semantics of ``torch.nn.functional.{op}``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, {dims}) or (C_in, {dims})
        Input. float16/32/64, complex64/128 or int8/16/32/64, uint8 (as torch on CPU).
    weight : ndarray, shape (C_in, C_out / groups, {kdims})
        Kernels, laid out as torch lays them out; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of {nd} int, default 1
        Stride ``s`` of the convolution being transposed (spacing of the stamps).
    padding : int or tuple of {nd} int, default 0
        ``d (k - 1) - padding`` zeros are implicitly added to both sides: ``padding``
        cells are cut from both ends of the full result.
    output_padding : int or tuple of {nd} int, default 0
        Extra cells kept at the far end of each axis; smaller than ``s`` or ``d``.
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    dilation : int or tuple of {nd} int, default 1
        Spacing ``d`` between kernel taps (1: none).

    Returns
    -------
    ndarray, shape (N, C_out, {odims}) (or without N)
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


def _make(nd: int, impl, loop: bool):
    op = f"conv_transpose{nd}d"

    def conv_transpose(
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        stride: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        output_padding: IntOrTuple = 0,
        groups: int = 1,
        dilation: IntOrTuple = 1,
    ) -> np.ndarray:
        return _conv_transpose(
            op, nd, impl, x, weight, bias, stride, padding, output_padding, groups, dilation
        )

    conv_transpose.__name__ = conv_transpose.__qualname__ = op + ("_loop" if loop else "")
    conv_transpose.__doc__ = _fill_doc(_DOC, nd, op, loop)
    return conv_transpose


conv_transpose1d = _make(1, _conv_transpose_nd, loop=False)
conv_transpose2d = _make(2, _conv_transpose_nd, loop=False)
conv_transpose3d = _make(3, _conv_transpose_nd, loop=False)
conv_transpose1d_loop = _make(1, _conv_transpose_nd_loop, loop=True)
conv_transpose2d_loop = _make(2, _conv_transpose_nd_loop, loop=True)
conv_transpose3d_loop = _make(3, _conv_transpose_nd_loop, loop=True)
