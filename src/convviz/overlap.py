"""Overlap maps of transposed convolutions: where checkerboard artifacts come from.

A transposed convolution with stride ``s`` pastes a copy of its kernel, scaled
by each input value, every ``s`` output cells. The *overlap map* counts how
many kernel taps land on each output cell. It is the output of the transposed
convolution of an all-ones input with an all-ones kernel (one channel). When
it is not constant away from the borders, some output cells are built from
more products than their neighbours: the periodic pattern that Odena,
Dumoulin and Olah call checkerboard artifacts.

Definitions
-----------
Interior
    The cells of the output that no border can affect: every cell from which
    a tap *could* reach them exists. For one layer along one axis, in the
    coordinates of the uncropped output (before ``padding`` is removed), these
    are the cells ``q`` with ``d (k - 1) <= q <= (i - 1) s``; stacks apply the
    rule layer after layer (:func:`interior_slices_stack`). On the interior
    the count depends only on ``q mod s``. Near the borders every kernel,
    even or not, receives fewer taps, which is not what "uneven" refers to.
Even
    Constant on the interior. Along one axis the cell ``q`` receives the taps
    ``t`` with ``t d = q (mod s)`` (:func:`phase_counts`), so the map is even
    exactly when ``gcd(d, s) = 1`` and ``s`` divides ``k``; with ``d = 1``,
    when ``k`` is a multiple of ``s`` (:func:`is_even`).
Unevenness
    ``max / min`` of the map over the interior: ``1`` when even, ``inf`` when
    some interior cell receives no tap at all (:func:`unevenness`).

Every function works on any number of spatial axes (``int`` input size: 1D;
tuple: one entry per axis). The map of an all-ones input factorises: it is
the outer product of the per-axis 1D maps.

References
----------
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard
Artifacts", Distill (2016), doi:10.23915/distill.00003.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np

from convviz._validate import _check_int, int_tuple
from convviz.shapes import conv_output_size, conv_transpose_output_size

__all__ = [
    "TransposedLayer",
    "interior_slices",
    "interior_slices_stack",
    "is_even",
    "overlap_map",
    "overlap_map_loop",
    "overlap_map_stack",
    "phase_counts",
    "resize_conv_interior_slices",
    "resize_conv_overlap",
    "unevenness",
]

IntOrTuple = int | Sequence[int]


@dataclass(frozen=True)
class TransposedLayer:
    """Settings of one transposed convolution in a stack (``ConvTranspose`` order).

    Attributes
    ----------
    kernel_size : int or tuple of int
        ``k`` per axis.
    stride : int or tuple of int, default 1
        ``s`` per axis.
    padding : int or tuple of int, default 0
        ``p``: cells cropped from each side of the output.
    output_padding : int or tuple of int, default 0
        ``a``: cells added at the end of each axis.
    dilation : int or tuple of int, default 1
        ``d``: spacing between taps.
    """

    kernel_size: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple = 0
    output_padding: IntOrTuple = 0
    dilation: IntOrTuple = 1


LayerLike = TransposedLayer | Mapping[str, IntOrTuple] | Sequence[IntOrTuple]


# --------------------------------------------------------------------------- #
# Argument handling
# --------------------------------------------------------------------------- #


def _sizes(input_size: IntOrTuple) -> tuple[int, ...]:
    if isinstance(input_size, Sequence) and not isinstance(input_size, str):
        if len(input_size) == 0:
            raise ValueError(f"input_size must have at least one axis, got {input_size=}")
        return tuple(_check_int("input_size", v, 1) for v in input_size)
    return (_check_int("input_size", input_size, 1),)


def _layer(layer: LayerLike) -> TransposedLayer:
    if isinstance(layer, TransposedLayer):
        return layer
    if isinstance(layer, Mapping):
        return TransposedLayer(**layer)
    if isinstance(layer, Sequence) and not isinstance(layer, str):
        return TransposedLayer(*layer)
    raise TypeError(
        f"layers must hold TransposedLayer, mappings or (kernel_size, stride, ...) tuples, "
        f"got layer={layer!r}"
    )


def _axes(layer: TransposedLayer, n: int) -> list[tuple[int, int, int, int, int]]:
    """Per axis ``(k, s, p, a, d)``."""
    return list(
        zip(
            int_tuple("kernel_size", layer.kernel_size, n, 1),
            int_tuple("stride", layer.stride, n, 1),
            int_tuple("padding", layer.padding, n, 0),
            int_tuple("output_padding", layer.output_padding, n, 0),
            int_tuple("dilation", layer.dilation, n, 1),
            strict=True,
        )
    )


def _outer(vectors: Sequence[np.ndarray]) -> np.ndarray:
    return reduce(np.multiply.outer, vectors)


# --------------------------------------------------------------------------- #
# Overlap maps
# --------------------------------------------------------------------------- #


def _scatter_1d(values: np.ndarray, k: int, s: int, p: int, a: int, d: int) -> np.ndarray:
    """Transposed convolution of ``values`` with an all-ones kernel along one axis."""
    o = conv_transpose_output_size(values.size, k, s, p, a, d)
    pos = np.arange(values.size)[:, None] * s + np.arange(k)[None, :] * d - p
    keep = (pos >= 0) & (pos < o)
    out = np.zeros(o, dtype=np.int64)
    np.add.at(out, pos[keep], np.broadcast_to(values[:, None], pos.shape)[keep])
    return out


def overlap_map(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    output_padding: IntOrTuple = 0,
) -> np.ndarray:
    """Number of kernel taps of a transposed convolution landing on each output cell.

    Parameters
    ----------
    input_size : int or tuple of int
        Input length ``i`` (1D) or ``(H, W)`` (2D), or any number of axes.
    kernel_size, stride, padding, dilation, output_padding : int or tuple of int
        ``k, s, p, d, a`` per axis, as in ``torch.nn.ConvTranspose2d``.

    Returns
    -------
    ndarray of int64, shape (o,) or (H_out, W_out)
        ``m[q] = #{(j, t) : j s + t d - p = q}`` (input cell ``j``, tap ``t``),
        with ``o = (i - 1) s - 2p + d (k - 1) + a + 1``
        (:func:`convviz.shapes.conv_transpose_output_size`). In nD the map is
        the outer product of the per-axis maps. Equal to
        ``conv_transpose2d(ones(1, 1, H, W), ones(1, 1, k_h, k_w), ...)``.

    References
    ----------
    Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts",
    Distill (2016).
    """
    return overlap_map_stack(
        input_size, [TransposedLayer(kernel_size, stride, padding, output_padding, dilation)]
    )


def overlap_map_loop(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    output_padding: IntOrTuple = 0,
) -> np.ndarray:
    """Loop version of :func:`overlap_map`: paste the kernel once per input cell.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation, output_padding
        As in :func:`overlap_map`.

    Returns
    -------
    ndarray of int64, shape of the transposed-convolution output
        For each input cell ``j`` and each tap ``t``, add one at ``j s + t d - p``
        when that cell is inside the output.
    """
    size = _sizes(input_size)
    n = len(size)
    axes = _axes(TransposedLayer(kernel_size, stride, padding, output_padding, dilation), n)
    out_shape = tuple(
        conv_transpose_output_size(i, k, s, p, a, d)
        for i, (k, s, p, a, d) in zip(size, axes, strict=True)
    )
    out = np.zeros(out_shape, dtype=np.int64)
    for j in np.ndindex(*size):
        for t in np.ndindex(*(k for k, *_ in axes)):
            q = tuple(
                jj * s + tt * d - p for jj, tt, (_, s, p, _, d) in zip(j, t, axes, strict=True)
            )
            if all(0 <= qq < o for qq, o in zip(q, out_shape, strict=True)):
                out[q] += 1
    return out


def overlap_map_stack(input_size: IntOrTuple, layers: Sequence[LayerLike]) -> np.ndarray:
    """Overlap map of a stack of transposed convolutions (all-ones input and kernels).

    Parameters
    ----------
    input_size : int or tuple of int
        Size of the input of the first layer.
    layers : sequence of TransposedLayer, mapping or tuple
        Each layer's settings; a tuple is read as
        ``(kernel_size, stride, padding, output_padding, dilation)``, a mapping
        by those names.

    Returns
    -------
    ndarray of int64, shape of the last layer's output
        The number of paths (one tap per layer) from the input to each output
        cell: ``m_L = T_L(... T_1(1))`` where ``T_l`` is the transposed
        convolution of layer ``l`` with an all-ones kernel. Stacking multiplies
        the patterns of the layers, which is how artifacts compound.
    """
    size = _sizes(input_size)
    stack = [_layer(layer) for layer in layers]
    if not stack:
        raise ValueError(f"layers must hold at least one layer, got layers={layers!r}")
    per_axis = [np.ones(i, dtype=np.int64) for i in size]
    for layer in stack:
        per_axis = [
            _scatter_1d(v, *axis) for v, axis in zip(per_axis, _axes(layer, len(size)), strict=True)
        ]
    return _outer(per_axis)


# --------------------------------------------------------------------------- #
# Interior, phases, evenness
# --------------------------------------------------------------------------- #


def interior_slices_stack(input_size: IntOrTuple, layers: Sequence[LayerLike]) -> tuple[slice, ...]:
    """Where the overlap map of a stack is free of border effects.

    Parameters
    ----------
    input_size : int or tuple of int
        Size of the input of the first layer.
    layers : sequence of TransposedLayer, mapping or tuple
        As in :func:`overlap_map_stack`.

    Returns
    -------
    tuple of slice
        One slice per axis into the output. Along an axis, with the interior of
        a layer's input ``[lo, hi]`` (the whole input for the first layer), the
        interior of its output is ``[lo s + d (k - 1) - p, hi s - p]``, clipped
        to the output: every tap that could reach such a cell comes from an
        interior input cell. There the map equals that of an infinitely long
        input and is periodic. An empty slice means the input is too small to
        have an interior.
    """
    size = _sizes(input_size)
    stack = [_layer(layer) for layer in layers]
    slices = []
    for axis, i in enumerate(size):
        lo, hi, length = 0, i - 1, i
        for layer in stack:
            k, s, p, a, d = _axes(layer, len(size))[axis]
            out = conv_transpose_output_size(length, k, s, p, a, d)
            lo, hi = max(lo * s + d * (k - 1) - p, 0), min(hi * s - p, out - 1)
            length = out
        slices.append(slice(lo, hi + 1) if lo <= hi else slice(0, 0))
    return tuple(slices)


def interior_slices(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    output_padding: IntOrTuple = 0,
) -> tuple[slice, ...]:
    """Interior of the overlap map of one transposed convolution.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, dilation, output_padding
        As in :func:`overlap_map`.

    Returns
    -------
    tuple of slice
        Per axis, the output cells ``o`` with ``d (k - 1) <= o + p <= (i - 1) s``
        (clipped to the output): all taps that could land there do.
    """
    return interior_slices_stack(
        input_size, [TransposedLayer(kernel_size, stride, padding, output_padding, dilation)]
    )


def phase_counts(kernel_size: int, stride: int, dilation: int = 1) -> np.ndarray:
    """Taps landing on an interior cell, by its phase ``q mod s`` (one axis).

    Parameters
    ----------
    kernel_size : int
        ``k``.
    stride : int
        ``s``.
    dilation : int, default 1
        ``d``.

    Returns
    -------
    ndarray of int64, shape (s,)
        ``c[r] = #{t in 0..k-1 : t d = r (mod s)}``, where ``q`` is the
        position in the uncropped output. Sums to ``k``.
    """
    k = _check_int("kernel_size", kernel_size, 1)
    s = _check_int("stride", stride, 1)
    d = _check_int("dilation", dilation, 1)
    return np.bincount((np.arange(k) * d) % s, minlength=s).astype(np.int64)


def is_even(kernel_size: IntOrTuple, stride: IntOrTuple, dilation: IntOrTuple = 1) -> bool:
    """Whether a transposed convolution has a constant overlap map on its interior.

    Parameters
    ----------
    kernel_size, stride, dilation : int or tuple of int
        ``k, s, d``, per axis or one value for all.

    Returns
    -------
    bool
        True when on every axis ``gcd(d, s) = 1`` and ``s`` divides ``k``.
        With ``d = 1``: ``k`` is a multiple of ``s`` (``k = 4, s = 2`` is even,
        ``k = 3, s = 2`` is not). Why: ``t d mod s`` only takes multiples of
        ``gcd(d, s)``, so other phases get no tap when the gcd exceeds 1;
        when it is 1, ``t -> t d mod s`` walks through all ``s`` phases once
        per ``s`` consecutive taps, so the counts are equal iff ``s | k``.

    References
    ----------
    Odena, Dumoulin and Olah, Distill (2016): "when the kernel size is
    divisible by the stride" for ``d = 1``.
    """
    n = max(
        len(v) if isinstance(v, Sequence) and not isinstance(v, str) else 1
        for v in (kernel_size, stride, dilation)
    )
    ks = int_tuple("kernel_size", kernel_size, n, 1)
    ss = int_tuple("stride", stride, n, 1)
    ds = int_tuple("dilation", dilation, n, 1)
    return all(math.gcd(d, s) == 1 and k % s == 0 for k, s, d in zip(ks, ss, ds, strict=True))


def unevenness(overlap: np.ndarray, region: tuple[slice, ...] | None = None) -> float:
    """How uneven an overlap map is: ``max / min`` over a region (the interior).

    Parameters
    ----------
    overlap : ndarray of int
        An overlap map, e.g. from :func:`overlap_map`.
    region : tuple of slice, optional
        Where to measure, normally :func:`interior_slices`; the whole map if
        omitted (which then includes border effects).

    Returns
    -------
    float
        ``max / min``: ``1.0`` for an even map, ``2.0`` for ``k = 3, s = 2``
        (cells alternate between 1 and 2 taps), ``inf`` when some cell of
        the region receives no tap (holes, e.g. ``d = s = 2``).

    Raises
    ------
    ValueError
        If the region is empty.
    """
    values = np.asarray(overlap)
    if region is not None:
        values = values[region]
    if values.size == 0:
        raise ValueError(
            f"region must select at least one cell, got region={region!r} "
            f"for a map of shape {np.shape(overlap)}"
        )
    low, high = values.min(), values.max()
    return math.inf if low == 0 else float(high / low)


# --------------------------------------------------------------------------- #
# The remedy: resize, then convolve
# --------------------------------------------------------------------------- #


def _resize_axes(
    input_size: IntOrTuple,
    scale_factor: IntOrTuple,
    kernel_size: IntOrTuple,
    padding: IntOrTuple,
    dilation: IntOrTuple,
) -> list[tuple[int, int, int, int, int]]:
    size = _sizes(input_size)
    n = len(size)
    return list(
        zip(
            (
                i * f
                for i, f in zip(size, int_tuple("scale_factor", scale_factor, n, 1), strict=True)
            ),
            int_tuple("kernel_size", kernel_size, n, 1),
            int_tuple("padding", padding, n, 0),
            int_tuple("dilation", dilation, n, 1),
            size,
            strict=True,
        )
    )


def resize_conv_overlap(
    input_size: IntOrTuple,
    scale_factor: IntOrTuple,
    kernel_size: IntOrTuple,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Overlap map of nearest-neighbour upsampling followed by a stride-1 convolution.

    Parameters
    ----------
    input_size : int or tuple of int
        ``i`` per axis.
    scale_factor : int or tuple of int
        Integer upsampling factor ``f`` (each cell repeated ``f`` times).
    kernel_size, padding, dilation : int or tuple of int
        ``k, p, d`` of the convolution (stride 1).

    Returns
    -------
    ndarray of int64, shape ``conv_output_size(i f, k, 1, p, d)`` per axis
        Taps that land on the upsampled image: ``m[o] = #{t : 0 <= o - p + t d
        < i f}``. Equal to ``conv2d(interpolate(ones, scale_factor=f), ones)``.
        Every interior cell gets all ``prod(k)`` taps
        (:func:`resize_conv_interior_slices`): the map is even for every kernel.

    References
    ----------
    Odena, Dumoulin and Olah, Distill (2016), "Better upsampling".
    """
    vectors = []
    for up, k, p, d, _ in _resize_axes(input_size, scale_factor, kernel_size, padding, dilation):
        o = conv_output_size(up, k, 1, p, d)
        pos = np.arange(o)[:, None] - p + np.arange(k)[None, :] * d
        vectors.append(np.count_nonzero((pos >= 0) & (pos < up), axis=1).astype(np.int64))
    return _outer(vectors)


def resize_conv_interior_slices(
    input_size: IntOrTuple,
    scale_factor: IntOrTuple,
    kernel_size: IntOrTuple,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> tuple[slice, ...]:
    """Interior of :func:`resize_conv_overlap`: cells whose window lies inside the image.

    Parameters
    ----------
    input_size, scale_factor, kernel_size, padding, dilation
        As in :func:`resize_conv_overlap`.

    Returns
    -------
    tuple of slice
        Per axis, the outputs ``o`` with ``p <= o <= i f - 1 + p - d (k - 1)``
        (clipped to the output).
    """
    slices = []
    for up, k, p, d, _ in _resize_axes(input_size, scale_factor, kernel_size, padding, dilation):
        o = conv_output_size(up, k, 1, p, d)
        lo, hi = p, min(up - 1 + p - d * (k - 1), o - 1)
        slices.append(slice(lo, hi + 1) if lo <= hi else slice(0, 0))
    return tuple(slices)
