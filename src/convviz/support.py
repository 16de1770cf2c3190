"""Which input cells does an output cell depend on? Measured with torch autograd.

The gradient of one output cell with respect to the input is nonzero exactly on
the input cells that output reads, as long as nothing cancels (give the layers
positive weights, e.g. all ones). :func:`convviz.receptive.input_support`
derives the same set from the layer settings; this module measures it, so the
two can check each other. torch is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from convviz._validate import _check_int, require_torch

__all__ = ["gradient_support", "hdc_max_gap", "support_extent"]


def gradient_support(
    fn: Callable[[Any], Any],
    input_shape: Sequence[int],
    index: Sequence[int],
    *,
    fill: float = 1.0,
) -> np.ndarray:
    """The input cells one output cell depends on: where its gradient is nonzero.

    Parameters
    ----------
    fn : callable
        A torch function or module taking one tensor, e.g. an ``nn.Sequential`` of
        convolutions with positive weights (so that no contributions cancel).
    input_shape : sequence of int
        Shape of the input, ``(N, C_in, H, W)`` for a 2D network.
    index : sequence of int
        The output cell, a full index into ``fn``'s output, e.g. ``(0, 0, row, col)``.
    fill : float, default 1.0
        Value of every input cell (ones keep ReLUs open).

    Returns
    -------
    ndarray of bool, shape ``input_shape``
        ``True`` where ``d y[index] / d x`` is nonzero.

    Raises
    ------
    ValueError
        If ``index`` does not name one cell of the output.
    """
    torch = require_torch("convviz.gradient_support")

    shape = tuple(_check_int("input_shape", v, 1) for v in input_shape)
    x = torch.full(shape, float(fill), requires_grad=True)
    y = fn(x)
    idx = tuple(int(v) for v in index)
    if len(idx) != y.dim() or any(not 0 <= v < n for v, n in zip(idx, y.shape, strict=True)):
        raise ValueError(
            f"index must name one cell of the output {tuple(y.shape)}, got index={index}"
        )
    y[idx].backward()
    return (x.grad != 0).numpy()


def support_extent(mask: np.ndarray, axes: Sequence[int] = (-2, -1)) -> tuple[int, ...]:
    """Side of the bounding box of a support, per axis.

    Parameters
    ----------
    mask : ndarray of bool
        A support, e.g. from :func:`gradient_support`.
    axes : sequence of int, default (-2, -1)
        The axes to measure (height and width of an NCHW mask).

    Returns
    -------
    tuple of int
        For each axis, ``last - first + 1`` over the cells set on it (0 if none). The
        support itself can have holes: its cell count can be smaller than the
        product of these sides.
    """
    m = np.asarray(mask, dtype=bool)
    sides = []
    for ax in axes:
        others = tuple(a for a in range(m.ndim) if a != ax % m.ndim)
        hit = np.flatnonzero(m.any(axis=others))
        sides.append(int(hit[-1] - hit[0] + 1) if hit.size else 0)
    return tuple(sides)


def hdc_max_gap(dilations: Sequence[int]) -> int:
    """Wang et al.'s ``M_2``: the largest gap a dilated 3-tap stack leaves for its first layer.

    Hybrid dilated convolution (HDC) asks of a schedule of dilation rates
    ``r_1, ..., r_n`` (kernel size ``K``) that ``M_2 <= K``, where ``M_n = r_n`` and
    ``M_i = max(M_{i+1} - 2 r_i, M_{i+1} - 2 (M_{i+1} - r_i), r_i)`` is the maximum
    distance between two nonzero values of the support seen from layer ``i``. Then a
    dense first layer (``r_1 = 1``) of size ``K`` closes every gap.

    Parameters
    ----------
    dilations : sequence of int
        ``r_1, ..., r_n`` (at least two; ``r_1`` is not used).

    Returns
    -------
    int
        ``M_2``.

    Raises
    ------
    ValueError
        If fewer than two dilations are given or one is below 1.

    References
    ----------
    P. Wang et al., "Understanding convolution for semantic segmentation", WACV 2018,
    arXiv:1702.08502, section 3.2.
    """
    rates = [_check_int("dilations", r, 1) for r in dilations]
    if len(rates) < 2:
        raise ValueError(f"dilations must hold at least two rates, got dilations={dilations!r}")
    m = rates[-1]
    for r in reversed(rates[1:-1]):
        m = max(m - 2 * r, m - 2 * (m - r), r)
    return m
