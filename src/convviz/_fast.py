"""The fast formulations behind convviz's vectorised convolutions (private).

:mod:`convviz.conv` and :mod:`convviz.transposed` state the maths, a loop that follows
it and the im2col version the book shows; this module holds what makes the same numbers
fast on a CPU: per-thread scratch buffers, a small thread pool, GEMMs called straight
from BLAS (:mod:`convviz._blas`) on shifted windows, and the choice among them.

Every function here returns exactly what the loop twins of the public functions
return (``tests/unit/test_conv.py`` and ``test_transposed.py`` hold them equal);
:func:`choose_conv` is the dispatcher's rule, which :func:`convviz.conv_method` names.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convviz._blas import gemm_rowmajor
from convviz.shapes import conv_output_size

GEMM_KINDS = (np.dtype(np.float32), np.dtype(np.float64))
# Rows of the shifted-input and product matrices are this many elements longer than
# the data: a power-of-two row length (2 x 16 x 32 x 32 in the 3-d benchmark) put every
# row in the same cache sets; 16 more made that case 3 % faster (in-process A/B).
_ROW_PAD = 16
DEEP = 256  # C_in/groups * prod(K) above which a full im2col pays for its copy

#: the names :func:`choose_conv` returns, with what each computes
CONV_METHODS = {
    "im2col": "im2col on a strided view, one matrix product per group (the reference)",
    "pointwise": "1x1 kernels: one matrix product per group, pixels as columns, no copy",
    "depthwise": "one channel per group, stride 1: prod(K) shifted multiply-adds per block",
    "patches": "deep products: im2col a few images at a time into a reused buffer, one GEMM",
    "shifted": "stride 1, shallow products: one GEMM per outer tap on shifted windows",
    "shifted_folded": "as 'shifted' (3-d): one GEMM for every outer tap, then shifted adds",
    "selection": "tiny images: im2col as a product with a 0/1 matrix, then one GEMM per image",
}
#: the formulations that add the zero padding themselves, while copying into a buffer
PAD_INSIDE = ("depthwise", "patches", "selection")
#: at most this many cells per input plane for 'selection' (its 0/1 matrix grows as the square)
TINY = 64


def choose_conv(n_batch: int, weight_shape, stride, groups: int, acc: np.dtype, size=()) -> str:
    """The formulation the vectorised convolution uses (a key of :data:`CONV_METHODS`).

    ``weight_shape`` is ``(C_out, C_in / groups, *K)``, ``acc`` the dtype the sums are
    taken in, ``size`` the input's spatial sizes (unpadded). The rule, first match wins:

    * depthwise (one input and one output channel per group), stride 1: ``depthwise``;
    * float32/float64, tiny images (``prod(D) <= TINY`` and ``prod(D) <= 4 C_out/groups``:
      the 0/1 product then costs at most 4 times the convolution's own, and saves
      copies that cost more on such images): ``selection``;
    * float32/float64 with deep products (``C_in/groups * prod(K) > DEEP``) and a kernel
      larger than 1x1: ``patches``;
    * an empty batch: ``im2col``;
    * 1x1 kernels: ``pointwise``;
    * stride 1, float32/float64: ``shifted`` (``shifted_folded`` with 3 or more axes);
    * everything else (strides with shallow products, integer and complex dtypes):
      ``im2col``.
    """
    c_out, c_per_group, *kernel = weight_shape
    taps, unit = math.prod(kernel), all(s == 1 for s in stride)
    if c_per_group == 1 and c_out == groups and unit and n_batch:
        return "depthwise"
    if acc in GEMM_KINDS and n_batch and size and _tiny(size, 4 * c_out // groups):
        return "selection"
    if acc in GEMM_KINDS and c_per_group * taps > DEEP and n_batch and taps > 1:
        return "patches"
    if n_batch == 0:
        return "im2col"
    if taps == 1:
        return "pointwise"
    if unit and acc in GEMM_KINDS:
        return "shifted_folded" if len(kernel) >= 3 else "shifted"
    return "im2col"


def run_conv(method: str, x, weight, bias, stride, dilation, groups, acc, zeros=None):
    """Run the fast formulation ``method`` (not ``'im2col'``, which lives in :mod:`convviz.conv`).

    ``x`` is ``(N, C_in, *D)``; the formulations of :data:`PAD_INSIDE` add the zero
    padding ``zeros`` (``(left, right)`` per spatial axis) themselves, the others get
    ``x`` already padded.
    """
    if method == "depthwise":
        return depthwise(x, weight, bias, dilation, acc, zeros=zeros)
    if method == "patches":
        return patches(x, weight, bias, stride, dilation, groups, acc, zeros=zeros)
    if method == "pointwise":
        return pointwise(x, weight, bias, stride, groups, acc)
    if method == "selection":
        return selection(x, weight, bias, stride, dilation, groups, acc, zeros)
    # stack the taps of all but the first kernel axis side by side, a partial
    # im2col, so that each GEMM has a useful depth
    nd = weight.ndim - 2
    return shifted(
        x, weight, bias, dilation, groups, acc, max(nd - 1, 1), method == "shifted_folded"
    )


def threads() -> int:
    """Threads the formulations split their work into: ``OMP_NUM_THREADS`` when it is
    set to a positive integer (its first entry, for a list such as ``"4,2"``), as the
    BLAS library reads it; otherwise the CPUs this process may run on."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_POOL: tuple[ThreadPoolExecutor, int] | None = None  # the pool and its size
_POOL_LOCK = threading.Lock()


def _pool() -> tuple[ThreadPoolExecutor, int] | None:
    """The thread pool and its size, started on first use with :func:`threads` workers;
    ``None`` while one thread is asked for (the work then runs in the calling thread)."""
    global _POOL
    if _POOL is None:
        count = threads()
        if count == 1:
            return None
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = (ThreadPoolExecutor(count, thread_name_prefix="convviz"), count)
    return _POOL


def _run_shards(work, items) -> None:
    """``work(shard)`` for the shards ``items[t::T]``, one per thread of the pool."""
    pool = _pool()
    if pool is None:
        work(items)
        return
    executor, count = pool
    list(executor.map(work, [items[t::count] for t in range(count) if items[t::count]]))


def _products_on_the_pool(a, b, out) -> None:
    """``out[i] = a[i] @ b[i].T`` for a list of products, shared among the pool's threads,
    each product on one BLAS thread.

    ``a[i]`` and ``b[i]`` are 2-d arrays whose rows may be strided (views into larger
    arrays: BLAS reads them in place). For many small products with a long inner dimension
    (Winograd's 16 of shape 64 x 64 x 6700 in :func:`weight_winograd`) this beats one
    threaded BLAS call per product, whose threads meet at every block of the inner
    dimension: measured on the 2-vCPU benchmark machine, the 16 products took 9.1-10.8 ms
    this way against a median of 169 ms (best 9.6 ms) on two OpenBLAS threads, under a load
    of 3.5. The BLAS thread count is the process's (threadpoolctl), set to one for the call:
    BLAS calls from the caller's other threads meanwhile run on one thread too.
    """

    if _pool() is None:
        _products(a, b, out, range(len(a)))
        return
    with _blas_one_thread():
        _run_shards(functools.partial(_products, a, b, out), list(range(len(a))))


def _products(a, b, out, items) -> None:
    """``out[i] = a[i] @ b[i].T`` for each ``i`` of ``items``, on the calling thread."""
    for i in items:
        np.matmul(a[i], b[i].T, out=out[i])


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_BLAS_LOCK = threading.RLock()


@contextlib.contextmanager
def _blas_one_thread():
    """A context in which the BLAS libraries run one thread (threadpoolctl).

    The BLAS thread count is the process's, and with OpenBLAS's pthreads layer only the
    thread that set a limit can restore it (threadpoolctl ignores the others). So one
    thread at a time runs inside this context: a second caller waits for the first to
    leave (both share the same pool, so little is lost). Overlapping limits, one per
    thread, restored the counts out of order and left BLAS on one thread for good.
    """
    with _BLAS_LOCK, _blas_controller().limit(limits=1, user_api="blas"):
        yield


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


def pointwise(x, weight, bias, stride, groups, acc):
    """1x1 kernels: ``y[n, g] = W[g] @ x[n, g]`` with pixels as columns (one GEMM each)."""
    x = x[(slice(None), slice(None), *(slice(None, None, s) for s in stride))]
    n_batch, c_in, *size = x.shape
    c_out = weight.shape[0]
    pixels = math.prod(size)
    xg = x.astype(acc, copy=False).reshape(n_batch, groups, c_in // groups, pixels)
    w = weight.astype(acc, copy=False).reshape(groups, c_out // groups, c_in // groups)
    out = np.matmul(w, xg).reshape(n_batch, c_out, *size)
    return _add_bias(out, bias, acc)


def depthwise(x, weight, bias, dilation, acc, cells=1 << 17, zeros=None):
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
    each thread's buffer keeps zero borders. The blocks are shared among the threads of
    the pool (:func:`threads`).
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
    _run_shards(work, firsts)
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


def patches(x, weight, bias, stride, dilation, groups, acc, columns=2048, zeros=None):
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
    """The outer taps of :func:`shifted` as one GEMM per group, then shifts.

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


def shifted(x, weight, bias, dilation, groups, acc, stacked=1, fold=False):
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


# --------------------------------------------------------------------------- tiny images


def _tiny(size, columns: int) -> bool:
    """Whether a 0/1 selection product pays: at most :data:`TINY` cells per plane, and
    at most ``columns`` (the selection product costs ``prod(D) / O_g`` of the main one).

    Measured on the 2-vCPU machine (1 thread, float32, batch 32, 3x3, the layers of
    chapter 15's network): 8x8 images with 16 or 32 filters and 4x4 images with 64
    ran 1.2-10x faster than 'shifted', 'im2col' or 'patches' (their strided copies
    and additions loop over rows of 4 to 8 cells, at a fixed cost per row)."""
    cells = math.prod(size)
    return 0 < cells <= min(TINY, columns)


@functools.lru_cache(maxsize=64)
def _selector(size, kernel, out_size, stride, dilation, shift, transposed, dtype):
    """0/1 matrix ``S`` of shape ``(prod(D), prod(K) * prod(O))``: ``S[i, (k, j)] = 1`` where

    * convolution (``transposed=False``): input cell ``i = s j + d k - shift`` is what
      tap ``k`` of output ``j`` reads (none, in the zero padding, when out of range);
    * transposed convolution: output cell ``j = s i + d k - shift`` is where input ``i``
      stamps tap ``k``.

    So ``x (N C, prod(D)) @ S`` is the im2col of every image at once, padding,
    stride and dilation included, without a single strided copy (on images of a few
    dozen cells NumPy's strided copies cost more per element than the product).
    """
    select = np.ones((1, 1, 1), dtype=dtype)
    for i, k, o, s, d, left in zip(size, kernel, out_size, stride, dilation, shift, strict=True):
        a, b, c = np.ix_(np.arange(i), np.arange(k), np.arange(o))
        axis = (b * d + (a if transposed else c) * s - left) == (c if transposed else a)
        select = np.einsum("ikj,alb->iakljb", select, axis.astype(dtype)).reshape(
            select.shape[0] * i, select.shape[1] * k, select.shape[2] * o
        )
    select.setflags(write=False)
    return select.reshape(select.shape[0], -1)


def selection(x, weight, bias, stride, dilation, groups, acc, zeros):
    """Tiny images: ``cols = x (N C_in, prod(D)) @ S`` (:func:`_selector`), then per image
    and group ``y[n, g] = W[g] (O_g, C_g prod(K)) @ cols[n, g] (C_g prod(K), prod(O))``.

    The first product costs ``prod(D) / O_g`` of the second.
    """
    n_batch, c_in, *size = x.shape
    c_out, c_per_group, *kernel = weight.shape
    o_per_group = c_out // groups
    out_size = tuple(
        conv_output_size(i + left + right, k, s, 0, d)
        for i, (left, right), k, s, d in zip(size, zeros, kernel, stride, dilation, strict=True)
    )
    shift = tuple(left for left, _ in zeros)
    select = _selector(
        tuple(size), tuple(kernel), out_size, tuple(stride), tuple(dilation), shift, False, acc
    )
    w = weight.astype(acc, copy=False).reshape(groups, o_per_group, -1)
    cols = x.astype(acc, copy=False).reshape(n_batch * c_in, -1) @ select
    cols = cols.reshape(n_batch, groups, c_per_group * math.prod(kernel), -1)
    out = np.matmul(w, cols)  # (N, G, O_g, prod(O))
    return _add_bias(out.reshape(n_batch, c_out, *out_size), bias, acc)


def tiny_transposed(size, out_size, c_per_group: int) -> bool:
    """Whether :func:`place_stamps` pays for a transposed convolution: at most
    :data:`TINY` input cells, at most ``4 TINY`` output cells, and at most ``4 C_g``
    output cells (its placing product then costs at most 4 times the stamping one).

    Measured (1 thread, batch 32, 3x3, float32): the input gradients of chapter 15's
    network (4x4 -> 8x8 at stride 2 with 32 channels, 4x4 -> 4x4 with 64) ran
    1.5-3x faster than the phases, whose grid pads 4x4 to 6x6 at stride 1.
    """
    cells, out_cells = math.prod(size), math.prod(out_size)
    return 0 < cells <= TINY and 0 < out_cells <= min(4 * TINY, 4 * c_per_group)


@functools.lru_cache(maxsize=64)
def _placer(size, kernel, out_size, stride, dilation, padding, dtype):
    """0/1 matrix ``P`` of shape ``(prod(K) prod(D), prod(O))``: ``P[(k, i), j] = 1`` where
    input cell ``i`` stamps tap ``k`` on output cell ``j = s i + d k - p``."""
    select = _selector(size, kernel, out_size, stride, dilation, padding, True, dtype)
    place = select.reshape(math.prod(size), math.prod(kernel), -1).transpose(1, 0, 2)
    place = np.ascontiguousarray(place).reshape(-1, math.prod(out_size))
    place.setflags(write=False)
    return place


def place_stamps(x, weight, bias, stride, padding, dilation, groups, out_size, acc):
    """Tiny transposed convolutions: every stamp by one product per image and group,
    then every stamp put in place by one product with a 0/1 matrix (:func:`_placer`):

        stamps[n, g, (o, k), i] = sum_c w[g, c, o, k] x[n, g, c, i]
        y[n, g, o, j] = sum_(k, i) stamps[n, g, o, (k, i)] P[(k, i), j]

    which is col2im (the stamps added onto ``s i + d k - p``, cells cut by the padding
    dropped) as a matrix product, without one strided addition.
    """
    n_batch, c_in, *size = x.shape
    o_per_group, *kernel = weight.shape[1:]
    c_per_group, taps = c_in // groups, math.prod(kernel)
    place = _placer(
        tuple(size), tuple(kernel), tuple(out_size), tuple(stride), tuple(dilation),
        tuple(padding), np.dtype(acc),
    )  # fmt: skip
    w = weight.astype(acc, copy=False).reshape(groups, c_per_group, o_per_group * taps)
    w = np.ascontiguousarray(np.swapaxes(w, 1, 2))  # (G, O_g prod(K), C_g)
    x = x.astype(acc, copy=False).reshape(n_batch, groups, c_per_group, -1)
    stamps = np.matmul(w, x)  # (N, G, O_g prod(K), prod(D))
    y = stamps.reshape(n_batch * groups * o_per_group, -1) @ place
    return _add_bias(y.reshape(n_batch, groups * o_per_group, *out_size), bias, acc)


def weight_selection(x, weight_size, gy, stride, dilation, groups, zeros):
    """Gradient of a convolution's weight on tiny images: the columns of
    :func:`selection`, ``cols = x (N C_in, prod(D)) @ S``, then per group

        dw[g] (O_g, C_g prod(K)) = sum_(n, p) gy[n, g, :, p] cols[n, g, :, p]

    one contraction over the batch and the output positions.
    """
    n_batch, c_in, *size = x.shape
    c_out, c_per_group, *kernel = weight_size
    o_per_group, positions = c_out // groups, math.prod(gy.shape[2:])
    select = _selector(
        tuple(size),
        tuple(kernel),
        tuple(gy.shape[2:]),
        tuple(stride),
        tuple(dilation),
        tuple(left for left, _ in zeros),
        False,
        x.dtype,
    )
    cols = (x.reshape(n_batch * c_in, -1) @ select).reshape(n_batch, groups, -1, positions)
    gy = gy.reshape(n_batch, groups, o_per_group, positions)
    dw = np.empty((groups, o_per_group, c_per_group * math.prod(kernel)), dtype=x.dtype)
    for g in range(groups):
        dw[g] = np.tensordot(gy[:, g], cols[:, g], axes=([0, 2], [0, 2]))
    return dw.reshape(weight_size)


#: the formulations of the weight gradient (``convviz.grad.conv{nd}d_weight``), by name
WEIGHT_METHODS = {
    "im2col": "the input's columns tap by tap, one matrix product per group (convviz.grad)",
    "selection": "tiny images: the columns as a product with a 0/1 matrix, one contraction",
    "winograd": "3x3, stride 1: Winograd's F(3, 2) on 2x2 tiles of grad_output, 16 products",
}
#: 'winograd' from this many products ``C_in/groups * C_out/groups`` on: below it the
#: transforms, which grow as ``C_in + C_out``, cost more than the products they save
WINOGRAD_MIN = 256
#: 'winograd' transforms this many tiles' worth of images at a time (16 transformed
#: values per tile per channel): a few megabytes, which stay in the CPU's cache
WINOGRAD_CELLS = 1 << 19


def choose_weight(x_shape, weight_size, stride, dilation, groups: int, dtype) -> str:
    """The formulation of the weight gradient (a key of :data:`WEIGHT_METHODS`).

    First match wins: float32/float64 and a non-empty batch of tiny images
    (:func:`_tiny`): ``selection``; float32/float64, a 3x3 kernel at stride 1 and
    dilation 1 with at least :data:`WINOGRAD_MIN` products ``C_in/groups x C_out/groups``:
    ``winograd``; everything else: ``im2col``.

    Measured on the 2-vCPU benchmark machine (VGG-like layer 8x64x56x56, float32): on
    one thread 'winograd' took 17.5 ms of processor time against 26.3 ms for 'im2col'
    (torch: 17.0 ms). On two threads its 16 products run one per BLAS thread on the
    pool (:func:`_products_on_the_pool`); left to two OpenBLAS threads each, they
    synchronised at every block of their long inner dimension and were many times slower.
    """
    n_batch, _, *size = x_shape
    c_out, c_per_group, *kernel = weight_size
    fast = np.dtype(dtype) in GEMM_KINDS and n_batch > 0
    if fast and _tiny(size, 4 * c_out // groups):
        return "selection"
    if (
        fast
        and tuple(kernel) == (3, 3)
        and all(s == 1 for s in stride)
        and all(d == 1 for d in dilation)
        and c_per_group * (c_out // groups) >= WINOGRAD_MIN
    ):
        return "winograd"
    return "im2col"


def _parity_spans(pad: int, size: int, cells: int) -> list[tuple[int, int, int]]:
    """Where the cells of one axis of an unpadded array land in its two parity planes.

    Padded cell ``2 a + p`` (``p`` the parity) is cell ``2 a + p - pad`` of the array;
    per parity ``(a_0, first, count)``: planes ``a_0 ... a_0 + count - 1`` (at most
    ``cells`` in all) hold the array's cells ``first, first + 2, ...``.
    """
    spans = []
    for p in range(2):
        a_0 = max(0, (pad - p + 1) // 2)
        first = 2 * a_0 + p - pad
        count = max(0, min(-(-(size - first) // 2), cells - a_0))
        spans.append((a_0, first, count))
    return spans


def _to_parity_planes(dest, src, rows, cols) -> None:
    """``dest[c, p_r, p_c, n, a, b] = src_pad[n, c, 2 a + p_r, 2 b + p_c]`` (zeros elsewhere,
    and in the planes of ``dest`` past the images of ``src``) with ``rows``/``cols`` the
    :func:`_parity_spans` of the two axes. Only the cells outside the copied blocks are
    zeroed (the work arrays are reused and may hold anything)."""
    n_src = src.shape[0]
    dest[:, :, :, n_src:] = 0
    for pr, (a_0, r_0, n_r) in enumerate(rows):
        for pc, (b_0, c_0, n_c) in enumerate(cols):
            plane = dest[:, pr, pc, :n_src]
            if not (n_r and n_c):
                plane[...] = 0
                continue
            plane[:, :, :a_0] = 0
            plane[:, :, a_0 + n_r :] = 0
            plane[:, :, a_0 : a_0 + n_r, :b_0] = 0
            plane[:, :, a_0 : a_0 + n_r, b_0 + n_c :] = 0
            plane[:, :, a_0 : a_0 + n_r, b_0 : b_0 + n_c] = np.swapaxes(
                src[:, :, r_0 : r_0 + 2 * n_r - 1 : 2, c_0 : c_0 + 2 * n_c - 1 : 2], 0, 1
            )


#: Winograd's F(3, 2) input transform as ``(first, second, op)``: value ``a`` of the
#: transform of ``(x_0, x_1, x_2, x_3)`` is ``op(x_first, x_second)``
_WINOGRAD_INPUT = ((0, 2, np.subtract), (1, 2, np.add), (2, 1, np.subtract), (1, 3, np.subtract))


def _gradient_rows(g, sums):
    """Winograd's gradient transform along the rows, ``(g_0, g_0 + g_1, g_0 - g_1, g_1)``,
    each value as its pair of parity columns ``(g_0, g_1)`` for the transform along the
    columns: ``g`` the parity planes ``(C, 2, 2, L)`` (row parity, column parity), ``sums``
    their sums and differences along the rows ``(2, 2, C, L)`` (+/-, column parity)."""
    return (
        (g[:, 0, 0], g[:, 0, 1]),
        (sums[0, 0], sums[0, 1]),
        (sums[1, 0], sums[1, 1]),
        (g[:, 1, 0], g[:, 1, 1]),
    )


def _winograd_out(m, axis):
    """Winograd's output transform along ``axis``: ``(m_0, m_1, m_2, m_3) -> (y_0, y_1, y_2)``
    with ``y_0 = m_0 + (m_1 + m_2) / 2``, ``y_1 = (m_1 - m_2) / 2``, ``y_2 = (m_1 + m_2) / 2 - m_3``."""
    m_0, m_1, m_2, m_3 = (np.take(m, i, axis=axis) for i in range(4))
    half = 0.5 * (m_1 + m_2)
    return np.stack([m_0 + half, 0.5 * (m_1 - m_2), half - m_3], axis=axis)


def weight_winograd(x, weight_size, gy, groups, zeros, cells=None):
    """Gradient of a 3x3, stride-1 convolution's weight by Winograd's minimal filtering.

    Along one axis the weight gradient is ``dw[t] = sum_r g[r] x_pad[r + t]`` for the
    three taps ``t`` (``g`` the output gradient). Cut ``g`` into pairs ``(g_0, g_1) =
    g[2 i], g[2 i + 1]``; each pair reads four cells ``(x_0 ... x_3) = x_pad[2 i ... 2 i + 3]``
    and adds ``dw[t] += g_0 x_t + g_1 x_(t+1)``: six products, which Winograd's F(3, 2)
    does in four,

        v = (x_0 - x_2, x_1 + x_2, x_2 - x_1, x_1 - x_3)        (input transform)
        u = (g_0, g_0 + g_1, g_0 - g_1, g_1)                    (gradient transform)
        m = u * v,   dw += (m_0 + (m_1 + m_2)/2, (m_1 - m_2)/2, (m_1 + m_2)/2 - m_3)

    (the F(2, 3) of Lavin and Gray with the roles of filter and output swapped; the
    output transform is linear, so it is applied once, to the sum over every pair).
    In 2-d the two axes nest: 2x2 tiles of ``grad_output``, 4x4 patches of the input,
    16 products instead of 36, and for each of the 16 transformed positions ``xi``
    the sum over tiles and images is one matrix product per group,

        M[xi, g] (O_g, C_g) = U[xi, g] (O_g, tiles) @ V[xi, g] (C_g, tiles).T

    The transforms are additions on whole rows: the padded input is split by the
    parity of its rows and columns into four planes of ``(H_t + 1) x (W_t + 1)`` cells
    (``H_t x W_t`` tiles), so that moving a patch by one tile is a flat offset, and every
    tile of a chunk of images is one position of a flat row (the tiles of the last row
    and column of each plane are computed on the way and meet a zero gradient). The
    images go through in chunks of about ``cells`` (default :data:`WINOGRAD_CELLS`)
    transformed values per channel; the
    work is shared among the threads of the pool (:func:`threads`): with at least as many
    images as threads, each thread takes its share of the images through the whole
    computation on one BLAS thread, and the threads' sums are added at the end (no thread
    waits for another before then); with fewer images, the channels of each chunk are
    shared among the threads and the products spread over them
    (:func:`_products_on_the_pool`). Exact in exact arithmetic; in floating point the sums are
    formed in another order than the direct sum's. The work arrays are kept per thread
    (:func:`_scratch`) for the next call: about 32 MB for each thread's share of 4 images
    of the VGG-like layer (8 x 64 x 56 x 56) in float32.

    References
    ----------
    Lavin, A. and Gray, S. (2016). Fast algorithms for convolutional neural networks.
    CVPR 2016, arXiv:1509.09308.
    """
    n_batch, c_in = x.shape[:2]
    c_out = weight_size[0]
    pool = _pool()
    if pool is not None and n_batch >= pool[1]:
        executor, count = pool
        bounds = [n_batch * t // count for t in range(count + 1)]

        def share(t: int) -> np.ndarray:
            part = slice(bounds[t], bounds[t + 1])
            return _winograd_sums(x[part], weight_size, gy[part], groups, zeros, cells, False)

        with _blas_one_thread():
            m = sum(executor.map(share, range(count)))
    else:
        m = _winograd_sums(x, weight_size, gy, groups, zeros, cells, pool is not None)
    m = m.reshape(4, 4, c_out, c_in // groups)
    dw = _winograd_out(_winograd_out(m, 0), 1)
    return np.ascontiguousarray(dw.transpose(2, 3, 0, 1))


def _winograd_sums(x, weight_size, gy, groups, zeros, cells, parallel: bool) -> np.ndarray:
    """The sums ``M[xi, g]`` of :func:`weight_winograd` before its output transform, shape
    ``(16, groups, C_out/groups, C_in/groups)``: the transforms and products of all images
    of ``x``, on the pool's threads when ``parallel``, else on the calling thread alone."""
    n_batch, c_in, height, width_in = x.shape
    c_out = weight_size[0]
    o_per_group, c_per_group = c_out // groups, c_in // groups
    out_h, out_w = gy.shape[2:]
    tiles_h, tiles_w = -(-out_h // 2), -(-out_w // 2)
    plane_h, plane_w = tiles_h + 1, tiles_w + 1
    plane, dtype = plane_h * plane_w, x.dtype
    chunk = max(1, min(n_batch, (cells or WINOGRAD_CELLS) // (16 * plane)))
    width = chunk * plane
    length = width - plane_w - 1  # flat tiles whose patch lies inside the chunk
    rows = _parity_spans(zeros[0][0], height, plane_h)
    cols = _parity_spans(zeros[1][0], width_in, plane_w)
    gy_rows = _parity_spans(0, out_h, tiles_h)
    gy_cols = _parity_spans(0, out_w, tiles_w)
    planes_x = _scratch("winograd_x", (c_in, 2, 2, chunk, plane_h, plane_w), dtype)
    planes_g = _scratch("winograd_g", (c_out, 2, 2, chunk, plane_h, plane_w), dtype)
    v = _scratch("winograd_v", (4, 4, c_in, length), dtype)
    u = _scratch("winograd_u", (4, 2, c_out, length), dtype)  # u[a, 1], u[a, 2]
    s = _scratch("winograd_s", (2, 2, c_out, length), dtype)
    m = np.zeros((16, groups, o_per_group, c_per_group), dtype)
    product = np.empty_like(m)

    def input_transform(cs, n_0, b) -> None:
        _to_parity_planes(planes_x[cs], x[n_0 : n_0 + b, cs], rows, cols)
        q = planes_x[cs].reshape(-1, 2, 2, width)
        # per row of the transform: r[p_c] = the transform of rows 2i ... 2i + 3 of parity
        # column p_c, then at once along the columns, while r is still in the cache
        r = _scratch("winograd_r", (2, q.shape[0], length + 1), dtype)
        rows_of = [
            [q[:, p_r, p_c, shift : shift + length + 1] for shift in (0, plane_w) for p_r in (0, 1)]
            for p_c in (0, 1)
        ]  # rows_of[p_c] = (x_0, x_1, x_2, x_3)
        for a, (first, second, op) in enumerate(_WINOGRAD_INPUT):
            for pc in range(2):
                op(rows_of[pc][first], rows_of[pc][second], out=r[pc])
            by_col = (r[0, :, :length], r[1, :, :length], r[0, :, 1:], r[1, :, 1:])  # x_0 ... x_3
            for b_col, (first, second, op) in enumerate(_WINOGRAD_INPUT):
                op(by_col[first], by_col[second], out=v[a, b_col, cs])

    def gradient_transform(cs, n_0, b) -> None:
        _to_parity_planes(planes_g[cs], gy[n_0 : n_0 + b, cs], gy_rows, gy_cols)
        g = planes_g[cs].reshape(-1, 2, 2, width)[..., :length]
        sums = s[:, :, cs]  # along the rows: g_0 +- g_1
        np.add(g[:, 0, 0], g[:, 1, 0], out=sums[0, 0])
        np.add(g[:, 0, 1], g[:, 1, 1], out=sums[0, 1])
        np.subtract(g[:, 0, 0], g[:, 1, 0], out=sums[1, 0])
        np.subtract(g[:, 0, 1], g[:, 1, 1], out=sums[1, 1])
        for a, (g_0, g_1) in enumerate(_gradient_rows(g, sums)):
            np.add(g_0, g_1, out=u[a, 0, cs])  # u[a, 1]; u[a, 0] and u[a, 3] are g_0, g_1
            np.subtract(g_0, g_1, out=u[a, 1, cs])  # u[a, 2]

    pool = _pool() if parallel else None
    # several blocks a thread to even out the load; on one thread, one block (measured:
    # 7.75 ms against 7.89 for 4 blocks, 4 images of the VGG-like layer)
    blocks = 4 * pool[1] if pool else 1
    work = [
        (transform, slice(first, min(first + step, total)))
        for transform, total in ((input_transform, c_in), (gradient_transform, c_out))
        for step in [-(-total // blocks)]
        for first in range(0, total, step)
    ]
    # the 16 transformed gradients: u[a, 0] and u[a, 3] are rows of the parity planes
    # (a = 0, 3) or of their sums and differences ``s`` (a = 1, 2), read in place
    ends = _gradient_rows(planes_g.reshape(c_out, 2, 2, width)[..., :length], s)
    u_of = [[ends[a][0], u[a, 0], u[a, 1], ends[a][1]] for a in range(4)]
    us, vs, products = [], [], []
    for xi in range(16):
        for k in range(groups):
            rows_o, rows_c = (
                slice(k * o_per_group, (k + 1) * o_per_group),
                slice(k * c_per_group, (k + 1) * c_per_group),
            )
            us.append(u_of[xi // 4][xi % 4][rows_o])
            vs.append(v[xi // 4, xi % 4, rows_c])
            products.append(product[xi, k])
    for n_0 in range(0, n_batch, chunk):
        b = min(chunk, n_batch - n_0)
        if pool:
            _run_shards(lambda items, n_0=n_0, b=b: [f(cs, n_0, b) for f, cs in items], work)
            _products_on_the_pool(us, vs, products)
        else:
            for f, cs in work:
                f(cs, n_0, b)
            _products(us, vs, products, range(len(us)))
        m += product
    return m


# --------------------------------------------------------------------------- transposed


def transpose_phases(x, weight, bias, stride, padding, dilation, groups, out_size, acc):
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
