"""Convolutions (PyTorch's cross-correlation) in NumPy: ``conv1d``, ``conv2d``, ``conv3d``.

For an input ``x`` of shape ``(N, C_in, *D)`` and weights of shape
``(C_out, C_in / groups, *K)``, output position ``p`` of channel ``o`` is

.. math::

    y[n, o, p] = b[o] + \\sum_{c=0}^{C_in/g - 1} \\sum_{k}
                 x_{pad}[n, g(o) C_in/g + c, s \\odot p + d \\odot k] \\, w[o, c, k]

with ``g(o) = o // (C_out / groups)`` the group of output channel ``o``, ``s`` the
stride, ``d`` the dilation and ``x_pad`` the input padded as ``padding_mode`` says.
The ``*_loop`` functions compute exactly that sum; the others compute the same
numbers with a handful of matrix products.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convviz._blas import gemm_rowmajor
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
    "conv1d",
    "conv1d_loop",
    "conv2d",
    "conv2d_loop",
    "conv3d",
    "conv3d_loop",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
IntOrTuple = int | Sequence[int]


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


GEMM_KINDS = (np.dtype(np.float32), np.dtype(np.float64))
_POOL = ThreadPoolExecutor(max_workers=2)
# Rows of the shifted-input and product matrices are this many elements longer than
# the data: a power-of-two row length (2 x 16 x 32 x 32 in the 3-d benchmark) put every
# row in the same cache sets; 16 more made that case 3 % faster (in-process A/B).
_ROW_PAD = 16
DEEP = 256  # C_in/groups * prod(K) above which a full im2col pays for its copy


def _conv_nd(x, weight, bias, stride, dilation, groups, zeros=None):
    """Vectorised convolution: picks the fastest of the formulations below.

    ``x`` still lacks the zero padding ``zeros`` (``(left, right)`` per spatial axis,
    none if omitted); the depthwise formulation adds it while copying blocks into
    its own buffer, the others pad first.

    * 1x1 kernels: one matrix product per group, in NCHW, no copy;
    * depthwise (one input channel per group): ``prod(K)`` shifted multiply-adds;
    * float32/float64 with deep products (``C_in/groups * prod(K) > DEEP``): im2col
      into a reused buffer, image by image, one deep GEMM each
      (:func:`_conv_nd_patches`);
    * stride 1, float32/float64, shallow products: one GEMM per tap on shifted
      windows of the padded input, in place (:func:`_conv_nd_shifted`);
    * everything else: im2col on a strided view (:func:`_conv_nd_im2col`).
    """
    acc = _accumulator(x.dtype)
    c_out, c_per_group, *kernel = weight.shape
    taps = math.prod(kernel)
    zeros = zeros or [(0, 0)] * len(kernel)
    if c_per_group == 1 and c_out == groups and all(s == 1 for s in stride) and x.shape[0]:
        return _conv_nd_depthwise(x, weight, bias, dilation, acc, zeros=zeros)
    if acc in GEMM_KINDS and c_per_group * taps > DEEP and x.shape[0] and taps > 1:
        return _conv_nd_patches(x, weight, bias, stride, dilation, groups, acc, zeros=zeros)
    x = _zero_pad(x, zeros)
    if x.shape[0] == 0:
        return _conv_nd_im2col(x, weight, bias, stride, dilation, groups)
    if taps == 1:
        return _conv_nd_pointwise(x, weight, bias, stride, groups, acc)
    if all(s == 1 for s in stride) and acc in GEMM_KINDS:
        # stack the taps of all but the first kernel axis side by side, a partial
        # im2col, so that each GEMM has a useful depth
        nd = len(kernel)
        return _conv_nd_shifted(x, weight, bias, dilation, groups, acc, max(nd - 1, 1), nd >= 3)
    return _conv_nd_im2col(x, weight, bias, stride, dilation, groups)


_SCRATCH = threading.local()


def _scratch(name: str, shape, dtype) -> np.ndarray:
    """An uninitialised work array kept per thread and reused by the next call.

    Only for arrays that do not escape the call. Measured on the 2-vCPU benchmark
    machine: a fresh multi-megabyte array, written by NumPy and then read by the BLAS
    threads, made the 3-d benchmark case 3x slower than a reused one (page faults,
    and freeing memory that another CPU touched).
    """
    size, dtype = math.prod(shape), np.dtype(dtype)
    buf = getattr(_SCRATCH, name, None)
    if buf is None or buf.size < size or buf.dtype != dtype:
        buf = np.empty(size, dtype=dtype)
        setattr(_SCRATCH, name, buf)
    return buf[:size].reshape(shape)


def _add_bias(out, bias, acc):
    if bias is not None:
        out += bias.astype(acc, copy=False).reshape(-1, *([1] * (out.ndim - 2)))
    return out


def _tap_offsets(kernel, dilation, step) -> tuple[int, ...]:
    """Flat offset ``sum_a d_a k_a step_a`` of every tap ``k`` (in ``np.ndindex`` order)."""
    offsets = [0]
    for k, d, r in zip(kernel, dilation, step, strict=True):  # the last axis varies fastest
        offsets = [o + d * r * j for o in offsets for j in range(k)]
    return tuple(offsets)


# The layouts below are pure functions of a few small tuples, cached: recomputing them
# cost about 20 us a call, 1.5 % of the 3-d benchmark case.


@functools.lru_cache(maxsize=256)
def _grid(size: tuple, kernel: tuple, dilation: tuple):
    """Output sizes at stride 1, flat offset of every kernel tap on the grid ``size``,
    and the flat length that covers every valid output."""
    out_size = tuple(
        conv_output_size(i, k, 1, 0, d) for i, k, d in zip(size, kernel, dilation, strict=True)
    )
    step = [math.prod(size[a + 1 :]) for a in range(len(size))]
    offsets = _tap_offsets(kernel, dilation, step)
    length = sum((o - 1) * r for o, r in zip(out_size, step, strict=True)) + 1
    return out_size, offsets, length


@functools.lru_cache(maxsize=256)
def _split_taps(size: tuple, kernel: tuple, dilation: tuple, split: int):
    """Flat offsets of the taps of the first ``split`` kernel axes and of the rest."""
    step = [math.prod(size[a + 1 :]) for a in range(len(size))]
    outer = _tap_offsets(kernel[:split], dilation[:split], step[:split])
    return outer, _tap_offsets(kernel[split:], dilation[split:], step[split:])


def _conv_nd_pointwise(x, weight, bias, stride, groups, acc):
    """1x1 kernels: ``y[n, g] = W[g] @ x[n, g]`` with pixels as columns (one GEMM each)."""
    x = x[(slice(None), slice(None), *(slice(None, None, s) for s in stride))]
    n_batch, c_in, *size = x.shape
    c_out = weight.shape[0]
    pixels = math.prod(size)
    xg = x.astype(acc, copy=False).reshape(n_batch, groups, c_in // groups, pixels)
    w = weight.astype(acc, copy=False).reshape(groups, c_out // groups, c_in // groups)
    out = np.matmul(w, xg).reshape(n_batch, c_out, *size)
    return _add_bias(out, bias, acc)


def _conv_nd_depthwise(x, weight, bias, dilation, acc, cells=1 << 17, zeros=None):
    """One input and one output channel per group, stride 1.

    A block of channels (one, or a few when the images are small: about ``cells``
    cells per block) is copied channel-major, ``src[c, n * prod(D) + q] = x[n, c, q]``:
    the padded planes of one channel in all images, end to end, as one row. Moving
    the kernel by one tap moves every window by the same flat offset ``off(k)``, so

        y[c, :L] = sum_k w[c, k] * src[c, off(k) : off(k) + L]

    is ``prod(K)`` scaled, shifted slices added in place, on a block that stays in
    the CPU cache. Positions whose window runs past the edge of a plane are computed
    on the way and cut off when the block is written to the NC(D) output. The zero
    padding ``zeros`` (``(left, right)`` per spatial axis) is added on the way in:
    each thread's buffer keeps zero borders. The blocks are shared by two threads.
    """
    n_batch, channels, *inner = x.shape
    kernel = weight.shape[2:]
    zeros = zeros or [(0, 0)] * len(kernel)
    size = tuple(i + left + right for i, (left, right) in zip(inner, zeros, strict=True))
    interior = tuple(slice(left, left + i) for i, (left, _) in zip(inner, zeros, strict=True))
    out_size, offsets, length = _grid(size, kernel, dilation)
    plane = math.prod(size)
    length += (n_batch - 1) * plane  # valid outputs of every image, in one row
    per_block = min(channels, max(1, cells // (n_batch * plane)))
    x = x.astype(acc, copy=False)
    w = weight.astype(acc, copy=False).reshape(channels, -1)
    out = np.empty((n_batch, channels, *out_size), dtype=acc)
    crop = (slice(None), slice(None), *(slice(0, o) for o in out_size))

    def work(firsts) -> None:
        src = np.zeros((per_block, n_batch, *size), dtype=acc)
        y = np.empty((per_block, n_batch * plane), dtype=acc)
        tmp = np.empty((per_block, length), dtype=acc)
        for first in firsts:
            cs = slice(first, min(first + per_block, channels))
            b = cs.stop - cs.start
            np.copyto(src[(slice(0, b), slice(None), *interior)], np.swapaxes(x[:, cs], 0, 1))
            row, acc_y, wb = src[:b].reshape(b, -1), y[:b, :length], w[cs, :, None]
            np.multiply(row[:, offsets[0] : offsets[0] + length], wb[:, 0], out=acc_y)
            for t, off in enumerate(offsets[1:], start=1):
                np.multiply(row[:, off : off + length], wb[:, t], out=tmp[:b])
                acc_y += tmp[:b]
            block = y[:b].reshape(b, n_batch, *size)[crop]
            out[:, cs] = np.swapaxes(block, 0, 1)

    firsts = range(0, channels, per_block)
    list(_POOL.map(work, [firsts[0::2], firsts[1::2]]))
    return _add_bias(out, bias, acc)


def _tap_copies(size, zeros, out_size, kernel, stride, dilation):
    """Where each kernel tap reads the unpadded input: ``[(k, dest, src), ...]``.

    Output position ``o`` (per axis) of tap ``k`` reads padded cell ``s o + d k``, that
    is input cell ``s o + d k - left``; ``dest`` is the range of ``o`` for which that
    cell exists, ``src`` the matching strided range of input cells. Outside ``dest``
    the tap reads zero padding.
    """
    copies = []
    for k in np.ndindex(*kernel):
        dest, src = [], []
        for i, (left, _), o, kj, s, d in zip(
            size, zeros, out_size, k, stride, dilation, strict=True
        ):
            off = d * kj - left
            lo, hi = max(0, -(off // s)), min(o, (i - 1 - off) // s + 1)
            dest.append(slice(lo, max(lo, hi)))
            src.append(slice(s * lo + off, s * (hi - 1) + off + 1 if hi > lo else s * lo + off, s))
        copies.append((k, tuple(dest), tuple(src)))
    return copies


def _conv_nd_patches(x, weight, bias, stride, dilation, groups, acc, columns=2048, zeros=None):
    """im2col a few images at a time into one reused buffer, one deep GEMM per group.

    For a chunk of ``B`` images the buffer holds

        cols[c, k, b, p] = x_pad[n0 + b, c, s p + d k]        shape (C_in, prod(K), B, prod(O))

    so row ``(c, k)`` is one kernel tap of one channel over every output position,
    contiguous: one strided copy per tap from the unpadded input; the cells that
    fall in the zero padding ``zeros`` (``(left, right)`` per spatial axis) are zeroed
    once, as the buffer is reused. Then, per group ``g``,

        y[g] (O_g, B prod(O)) = W[g] (O_g, C_g prod(K)) @ cols[g] (C_g prod(K), B prod(O))

    is a single GEMM of depth ``C_g prod(K)`` (576 for 64 channels and a 3x3 kernel),
    fast enough to be near the BLAS peak. With ``B = 1`` its rows are already the NCHW
    output of the image; ``B > 1`` (small images, at least ``columns`` positions per
    product) costs one transpose.
    """
    n_batch, c_in, *size = x.shape
    c_out, c_per_group, *kernel = weight.shape
    o_per_group, nd = c_out // groups, len(kernel)
    zeros = zeros or [(0, 0)] * nd
    out_size = [
        conv_output_size(i + left + right, k, s, 0, d)
        for i, (left, right), k, s, d in zip(size, zeros, kernel, stride, dilation, strict=True)
    ]
    positions, taps = math.prod(out_size), math.prod(kernel)
    chunk = min(n_batch, -(-columns // positions))
    depth, width = c_per_group * taps, chunk * positions
    # (O_g... per group, C_g * prod(K)): weight rows are already in (c, k) order
    w = np.ascontiguousarray(weight.astype(acc, copy=False).reshape(c_out, depth))
    cols = np.zeros((c_in, *kernel, chunk, *out_size), dtype=acc)
    out = np.empty((n_batch, c_out, *out_size), dtype=acc)
    staging = out if chunk == 1 else np.empty((c_out, width), dtype=acc)
    copies = _tap_copies(size, zeros, out_size, kernel, stride, dilation)
    x = x.astype(acc, copy=False)
    for n0 in range(0, n_batch, chunk):
        b = min(chunk, n_batch - n0)
        images = np.swapaxes(x[n0 : n0 + b], 0, 1)  # (C, B, *D)
        for k, dest, src in copies:
            cols[(slice(None), *k, slice(0, b), *dest)] = images[(slice(None), slice(None), *src)]
        for g in range(groups):
            gemm_rowmajor(
                staging,
                w,
                cols,
                m=o_per_group,
                n=b * positions,
                k=depth,
                lda=depth,
                ldb=width,
                ldc=width if chunk > 1 else positions,
                beta=0.0,
                offset_a=g * o_per_group * depth,
                offset_b=g * depth * width,
                offset_c=g * o_per_group * width
                if chunk > 1
                else (n0 * c_out + g * o_per_group) * positions,
            )
        if chunk > 1:
            block = staging.reshape(c_out, chunk, *out_size)[:, :b]
            out[n0 : n0 + b] = np.swapaxes(block, 0, 1)
    return _add_bias(out, bias, acc)


def _fold_outer_taps(src, wt, groups, span, ld, offsets, x_shape, out_size):
    """The outer taps of :func:`_conv_nd_shifted` as one GEMM per group, then shifts.

    ``z[g, t, o, p] = sum_(c, j) w[g, o, c, t, j] src[g, c, j, p]`` stacks the taps
    ``t`` along the rows (``M = taps * O_g``). Tap ``t`` moves every window by the
    flat offset ``offsets[t]`` within an image's plane, so

        y[n, g, o, q] = sum_t z[g, t, o, n, offsets[t] + q]        (q flat, over the plane)

    The sum runs image by image over these flat rows (long contiguous runs: faster
    than summing cropped windows), and the valid outputs are then copied out of the
    plane.
    """
    rows, k_dim = wt.shape[1:]
    n_batch, size = x_shape[0], x_shape[2:]
    plane, o_per_group = math.prod(size), rows // len(offsets)
    z = _scratch("taps", (groups, len(offsets), o_per_group, ld), src.dtype)
    for g in range(groups):
        gemm_rowmajor(
            z,
            wt,
            src,
            m=rows,
            n=span + offsets[-1],
            k=k_dim,
            lda=k_dim,
            ldb=ld,
            ldc=ld,
            beta=0.0,
            offset_a=g * rows * k_dim,
            offset_b=g * k_dim * ld,
            offset_c=g * rows * ld,
        )
    z = z[..., : n_batch * plane].reshape(groups, len(offsets), o_per_group, n_batch, plane)
    length = span - (n_batch - 1) * plane  # flat extent of one image's valid outputs
    total = _scratch("total", (groups, o_per_group, plane), src.dtype)
    flat = total[..., :length]  # the rest of the plane lies past every valid output
    grid = total.reshape(groups, o_per_group, *size)[
        (slice(None), slice(None), *(slice(0, o) for o in out_size))
    ]
    out = np.empty((n_batch, groups, o_per_group, *out_size), dtype=src.dtype)
    for n in range(n_batch):
        window = [z[:, t, :, n, off : off + length] for t, off in enumerate(offsets)]
        if len(window) == 1:
            np.copyto(flat, window[0])
        else:
            np.add(window[0], window[1], out=flat)
        for t in range(2, len(window)):
            flat += window[t]
        out[n] = grid
    return out.reshape(n_batch, -1, *out_size)


def _conv_nd_shifted(x, weight, bias, dilation, groups, acc, stacked=1, fold=False):
    """Stride 1: ``y[n, g] = sum_k W[g, :, :, k] @ X[n, g][:, off(k) : off(k) + L]``.

    Lay the padded input out as ``(C_in, N * prod(D))``: moving the kernel by one
    tap moves every window by the same number of cells, so for each tap the windows
    of all output positions of all images form one ``C_g x L`` matrix inside that
    array, with no copy. BLAS multiplies it in place and adds it to the output
    (``beta = 1``); or, with ``fold``, one GEMM per group multiplies every tap at once
    (:func:`_fold_outer_taps`: fewer, taller products, which pays off with few output
    channels, as in small 3-d convolutions). Positions whose window would run over
    the right edge are computed on the way (a few percent of extra work) and cut off
    at the end.

    ``stacked`` trailing kernel axes are instead copied side by side first (a partial
    im2col), which makes fewer, larger products: 0 copies nothing, ``nd`` is a full
    im2col with one product per image and group.
    """
    (n_batch, c_in), (c_out, c_per_group) = x.shape[:2], weight.shape[:2]
    size, kernel, o_per_group = x.shape[2:], weight.shape[2:], c_out // groups
    out_size, _, length = _grid(size, kernel, dilation)
    plane = math.prod(size)
    outer, inner = _split_taps(size, kernel, dilation, len(kernel) - stacked)
    # channels first, images side by side, one matrix for the batch, shifted copies of it:
    # src[c, j, n prod(D) + q] = x[n, c, q + inner[j]] (zeros past the end of the image)
    width = n_batch * plane
    ld = width + _ROW_PAD
    src = _scratch("shifted", (c_in, len(inner), ld), acc)
    images = x.reshape(n_batch, c_in, plane)
    for n in range(n_batch):
        for j, off in enumerate(inner):
            start, stop = n * plane, (n + 1) * plane
            src[:, j, start : stop - off] = images[n, :, off:]
            src[:, j, stop - off : stop] = 0
    k_dim, rows = c_per_group * len(inner), len(outer) * o_per_group
    span = (n_batch - 1) * plane + length  # the valid outputs of every image, flat
    # (G, outer taps * O_g, C_g * inner taps): one contiguous matrix per group
    wt = weight.astype(acc, copy=False).reshape(groups, o_per_group, c_per_group, len(outer), -1)
    wt = np.ascontiguousarray(wt.transpose(0, 3, 1, 2, 4)).reshape(groups, rows, k_dim)
    if fold:
        out = _fold_outer_taps(src, wt, groups, span, ld, outer, x.shape, out_size)
        return _add_bias(out, bias, acc)
    out = np.empty((c_out, width), dtype=acc)
    for g in range(groups):
        for t, off in enumerate(outer):  # out += W[g, t] @ X[g] shifted by off(t)
            gemm_rowmajor(
                out,
                wt,
                src,
                m=o_per_group,
                n=span,
                k=k_dim,
                lda=k_dim,
                ldb=ld,
                ldc=width,
                beta=0.0 if t == 0 else 1.0,
                offset_a=(g * len(outer) + t) * o_per_group * k_dim,
                offset_b=g * k_dim * ld + off,
                offset_c=g * o_per_group * width,
            )
    out = out.reshape(c_out, n_batch, *size)
    out = np.swapaxes(out[(slice(None), slice(None), *(slice(0, o) for o in out_size))], 0, 1)
    return _add_bias(np.ascontiguousarray(out), bias, acc)


# --------------------------------------------------------------------------- public


def _conv(op, nd, impl, x, weight, bias, stride, padding, dilation, groups, padding_mode):
    x, weight, bias, stride, dilation, groups, unbatched, zeros = _prepare(
        op, nd, x, weight, bias, stride, padding, dilation, groups, padding_mode
    )
    if impl is _conv_nd:  # the vectorised formulations add the zeros where it suits them
        out = _conv_nd(x, weight, bias, stride, dilation, groups, zeros)
    else:
        out = impl(_zero_pad(x, zeros), weight, bias, stride, dilation, groups)
    out = out.astype(x.dtype, copy=False)
    return out[0] if unbatched else out


_DOC = """{nd}-d convolution (cross-correlation) with the semantics of ``torch.nn.functional.{op}``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, {dims}) or (C_in, {dims})
        Input. float16/32/64, complex64/128 or int8/16/32/64, uint8 (as torch on CPU).
    weight : ndarray, shape (C_out, C_in / groups, {kdims})
        Filters; same dtype as ``x``.
    bias : ndarray, shape (C_out,), optional
        Added to every output position of its channel.
    stride : int or tuple of {nd} int, default 1
        Step ``s`` between windows.
    padding : int, tuple of {nd} int, 'valid' or 'same', default 0
        Cells added on both sides of each spatial axis. ``'same'`` (stride 1 only)
        pads ``d (k - 1)`` cells, the odd one on the right.
    dilation : int or tuple of {nd} int, default 1
        Spacing ``d`` between kernel taps (1: none).
    groups : int, default 1
        Input and output channels are split into ``groups`` independent blocks.
    padding_mode : {{'zeros', 'reflect', 'replicate', 'circular'}}, default 'zeros'
        How the padded cells are filled, as ``nn.Conv{nd}d``'s argument of that name.

    Returns
    -------
    ndarray, shape (N, C_out, {odims}) (or without N)
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
        Non-numeric or bool arrays, mixed dtypes, non-integer arguments.
    """


def _fill_doc(template: str, nd: int, op: str, loop: bool) -> str:
    """``template`` for ``op`` with ``nd`` spatial axes; a ``*_loop`` twin says so first."""
    doc = template.format(
        nd=nd,
        op=op,
        dims=["L", "H, W", "D, H, W"][nd - 1],
        kdims=["kL", "kH, kW", "kD, kH, kW"][nd - 1],
        odims=["L_out", "H_out, W_out", "D_out, H_out, W_out"][nd - 1],
    )
    if loop:
        doc = (
            f"Loop version of :func:`{op}`: same arguments, same result, one multiply-add "
            "per step of the formula (slow; for reading and testing).\n" + doc.split("\n", 1)[1]
        )
    return doc


def _make(nd: int, impl, loop: bool):
    op = f"conv{nd}d"

    def conv(
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        padding_mode: str = "zeros",
    ) -> np.ndarray:
        return _conv(op, nd, impl, x, weight, bias, stride, padding, dilation, groups, padding_mode)

    conv.__name__ = conv.__qualname__ = op + ("_loop" if loop else "")
    conv.__doc__ = _fill_doc(_DOC, nd, op, loop)
    return conv


conv1d = _make(1, _conv_nd, loop=False)
conv2d = _make(2, _conv_nd, loop=False)
conv3d = _make(3, _conv_nd, loop=False)
conv1d_loop = _make(1, _conv_nd_loop, loop=True)
conv2d_loop = _make(2, _conv_nd_loop, loop=True)
conv3d_loop = _make(3, _conv_nd_loop, loop=True)
