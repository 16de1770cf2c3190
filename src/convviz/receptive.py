"""Receptive fields of a stack of convolution (or pooling) layers, in closed form.

Layer ``l`` (``l = 1..L``, input first) has kernel ``k_l``, stride ``s_l``, padding
``p_l`` and dilation ``d_l``; a dilated kernel acts like a kernel of extent
``k'_l = d_l (k_l - 1) + 1``. Following Araujo, Norris and Sim, *Computing receptive
fields of convolutional neural networks*, Distill (2019), with ``S_l = s_1 ... s_l``
(``S_0 = 1``), output cell ``u`` of the last layer sees the input interval
``[u S_L - P, u S_L - P + r - 1]`` where

* ``r = sum_l (k'_l - 1) S_{l-1} + 1`` is the receptive field size,
* ``S_L = prod_l s_l`` is the effective stride,
* ``P = sum_l p_l S_{l-1}`` is the effective padding (minus the offset).

Per axis, independently: every quantity is a tuple with one entry per spatial axis.

Two caveats the book states and the tests check against PyTorch: the interval may
have *holes* (dilation, or a stride larger than the next kernel's reach, skips
cells), and near the border the cells seen are those of the interval inside the
input, *minus* cells a layer dropped when its windows did not reach the end (the
floor in the output size). :func:`input_support` gives the exact set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from convviz.shapes import IntOrTuple, _per_axis, conv_output_size

__all__ = [
    "Layer",
    "ReceptiveField",
    "input_interval",
    "input_support",
    "receptive_field",
    "receptive_field_loop",
]


def _len(value: object) -> int | None:
    return len(value) if isinstance(value, Sequence) and not isinstance(value, str) else None


@dataclass(frozen=True)
class Layer:
    """One convolution or pooling layer, as far as geometry goes.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Kernel size ``k`` (per axis if a tuple).
    stride : int or tuple of int, default 1
    padding : int or tuple of int, default 0
        Zeros on each side (only the left/top one moves the receptive field).
    dilation : int or tuple of int, default 1
        ``1`` means no gaps (PyTorch's convention).
    """

    kernel_size: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple = 0
    dilation: IntOrTuple = 1

    @property
    def ndim(self) -> int | None:
        """Number of axes if any setting is a tuple, else ``None`` (fits any)."""
        lengths = {
            n
            for n in map(_len, (self.kernel_size, self.stride, self.padding, self.dilation))
            if n is not None
        }
        if len(lengths) > 1:
            raise ValueError(f"per-axis settings of a layer must have the same length, got {self}")
        return lengths.pop() if lengths else None

    def axis(self, ndim: int) -> tuple[tuple[int, int, int, int], ...]:
        """``(k, s, p, d)`` for each of ``ndim`` axes, checked."""
        k = _per_axis("kernel_size", self.kernel_size, ndim, 1)
        s = _per_axis("stride", self.stride, ndim, 1)
        p = _per_axis("padding", self.padding, ndim, 0)
        d = _per_axis("dilation", self.dilation, ndim, 1)
        return tuple(zip(k, s, p, d, strict=True))

    def __post_init__(self) -> None:
        self.axis(self.ndim or 1)


class ReceptiveField(NamedTuple):
    """Closed-form receptive field of a stack, one entry per axis.

    Attributes
    ----------
    size : tuple of int
        ``r``: how many input cells (from first to last) one output cell depends on.
    stride : tuple of int
        ``S_L``: moving one output cell moves the field by this many input cells.
    padding : tuple of int
        ``P``: output cell ``u`` starts at input cell ``u S_L - P``.
    """

    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]


def _ndim(layers: Sequence[Layer], ndim: int | None) -> int:
    if len(layers) == 0:
        raise ValueError("layers must hold at least one Layer, got layers=[]")
    for layer in layers:
        if not isinstance(layer, Layer):
            raise TypeError(f"layers must hold Layer objects, got {layer!r}")
    found = {layer.ndim for layer in layers} - {None}
    if ndim is not None:
        found.add(ndim)
    if len(found) > 1:
        raise ValueError(f"layers disagree on the number of axes: {sorted(found)}")
    return found.pop() if found else 1


def receptive_field(layers: Sequence[Layer], ndim: int | None = None) -> ReceptiveField:
    """Receptive field size, effective stride and effective padding of a stack.

    Parameters
    ----------
    layers : sequence of Layer
        From the input side to the output side.
    ndim : int, optional
        Number of spatial axes; by default taken from the per-axis tuples, else 1.

    Returns
    -------
    ReceptiveField
        Per axis ``r = sum_l (d_l (k_l - 1)) S_{l-1} + 1``, ``S_L = prod_l s_l`` and
        ``P = sum_l p_l S_{l-1}`` with ``S_{l-1} = s_1 ... s_{l-1}``.

    Examples
    --------
    Three 3x3 layers with dilations 1, 2, 4 see 15 x 15 input cells:

    >>> receptive_field([Layer(3, dilation=d) for d in (1, 2, 4)]).size
    (15,)
    """
    n = _ndim(layers, ndim)
    per_layer = [layer.axis(n) for layer in layers]
    sizes, strides, pads = [], [], []
    for ax in range(n):
        r, jump, pad = 1, 1, 0
        for settings in per_layer:
            k, s, p, d = settings[ax]
            r += d * (k - 1) * jump
            pad += p * jump
            jump *= s
        sizes.append(r)
        strides.append(jump)
        pads.append(pad)
    return ReceptiveField(tuple(sizes), tuple(strides), tuple(pads))


def receptive_field_loop(layers: Sequence[Layer], ndim: int | None = None) -> ReceptiveField:
    """:func:`receptive_field` by the top-down recursion of Araujo et al.

    Going from the output (``r_L = 1``, ``P_L = 0``) towards the input:
    ``r_{l-1} = s_l r_l + (k'_l - s_l)`` and ``P_{l-1} = s_l P_l + p_l``.
    """
    n = _ndim(layers, ndim)
    per_layer = [layer.axis(n) for layer in layers]
    sizes, strides, pads = [], [], []
    for ax in range(n):
        r, pad, jump = 1, 0, 1
        for settings in reversed(per_layer):
            k, s, p, d = settings[ax]
            r = s * r + (d * (k - 1) + 1 - s)
            pad = s * pad + p
            jump *= s
        sizes.append(r)
        strides.append(jump)
        pads.append(pad)
    return ReceptiveField(tuple(sizes), tuple(strides), tuple(pads))


def _index(index: IntOrTuple, n: int) -> tuple[int, ...]:
    return _per_axis("index", index, n, 0)


def input_interval(
    layers: Sequence[Layer],
    index: IntOrTuple,
    input_shape: IntOrTuple | None = None,
) -> tuple[tuple[int, int], ...]:
    """First and last input cell seen by one output cell, per axis.

    Parameters
    ----------
    layers : sequence of Layer
    index : int or tuple of int
        Output cell ``u`` (per axis).
    input_shape : int or tuple of int, optional
        Spatial input sizes; if given, the interval is clipped to ``[0, n - 1]`` (the
        rest lies in the padding).

    Returns
    -------
    tuple of (int, int)
        Inclusive ``(start, end)`` with ``start = u S_L - P`` and ``end = start + r - 1``
        (before clipping).
    """
    n_hint = _len(index) or _len(input_shape)
    rf = receptive_field(layers, _ndim(layers, n_hint))
    n = len(rf.size)
    u = _index(index, n)
    out = []
    for ax in range(n):
        start = u[ax] * rf.stride[ax] - rf.padding[ax]
        out.append((start, start + rf.size[ax] - 1))
    if input_shape is None:
        return tuple(out)
    shape = _per_axis("input_shape", input_shape, n, 1)
    return tuple((max(a, 0), min(b, size - 1)) for (a, b), size in zip(out, shape, strict=True))


def input_support(
    layers: Sequence[Layer],
    index: IntOrTuple,
    input_shape: IntOrTuple,
) -> tuple[np.ndarray, ...]:
    """The input cells one output cell actually depends on, per axis (holes and borders).

    Walks from the output cell down the stack: layer ``l`` maps cell ``j`` to cells
    ``j s_l - p_l + t d_l`` (``t = 0..k_l - 1``) of its input, keeping only those inside
    it (the rest is zero padding). For layers whose kernels have no zero weights the
    cells seen form the product of these per-axis sets.

    Parameters
    ----------
    layers : sequence of Layer
    index : int or tuple of int
        Output cell (per axis); must exist for ``input_shape``.
    input_shape : int or tuple of int
        Spatial input sizes.

    Returns
    -------
    tuple of ndarray of int
        For each axis, the sorted input coordinates reached; a subset of
        :func:`input_interval` clipped to the input.
    """
    n = _ndim(layers, _len(index) or _len(input_shape))
    shape = _per_axis("input_shape", input_shape, n, 1)
    u = _index(index, n)
    per_layer = [layer.axis(n) for layer in layers]
    result = []
    for ax in range(n):
        sizes = [shape[ax]]
        for settings in per_layer:
            k, s, p, d = settings[ax]
            sizes.append(conv_output_size(sizes[-1], k, s, p, d))
        if u[ax] >= sizes[-1]:
            raise ValueError(
                f"index must be below the output size {sizes[-1]} on axis {ax}, got index={index}"
            )
        cells = np.array([u[ax]])
        for settings, below in zip(reversed(per_layer), reversed(sizes[:-1]), strict=True):
            k, s, p, d = settings[ax]
            cells = np.unique((cells[:, None] * s - p + np.arange(k)[None, :] * d).ravel())
            cells = cells[(cells >= 0) & (cells < below)]
        result.append(cells)
    return tuple(result)
