"""Dilation as a kernel: the holes a dilated kernel reads through, and a stack's one kernel.

A convolution with dilation ``d`` reads the input cells ``d`` apart, which is the
same as an undilated convolution with a bigger kernel that has ``d - 1`` zeros
between its taps (:func:`spread_kernel`). A stack of dilated layers with no
nonlinearity between them is one convolution too; with all-ones weights, the
entries of that one kernel count the paths from an output cell down to each input
cell of its receptive field (:func:`stack_kernel`): the picture of chapter 7,
where a doubling schedule covers the field with no holes and a repeated dilation
leaves a grid of them ("gridding").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convviz import matrix, receptive, shapes
from convviz._validate import _check_int

__all__ = ["spread_kernel", "spread_kernel_loop", "stack_kernel"]


def _check_kernel(w: object) -> np.ndarray:
    arr = np.asarray(w)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(
            f"w must be a non-empty 2D kernel of shape (k_h, k_w), got shape {arr.shape}"
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
        raise TypeError(f"w must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(float)


def spread_kernel(w: np.ndarray, d: int) -> np.ndarray:
    """The kernel as a dilated convolution uses it: ``d - 1`` zeros between taps.

    ``conv2d(x, spread_kernel(w, d))`` equals ``conv2d(x, w, dilation=d)``. Computed
    as the one row of a dilated convolution's matrix
    (:func:`convviz.matrix.conv_matrix`) on an input exactly the size of the
    effective kernel: that row holds each weight at the input cell it multiplies.

    Parameters
    ----------
    w : ndarray, shape (k_h, k_w)
        The kernel (one input and one output channel).
    d : int
        Dilation, at least 1 (1 means none, as in ``torch.nn.functional.conv2d``).

    Returns
    -------
    ndarray of float, shape (d (k_h - 1) + 1, d (k_w - 1) + 1)
        ``out[d a, d b] = w[a, b]`` and zeros at the holes in between.

    Raises
    ------
    TypeError
        If ``d`` is not an integer or ``w`` does not hold real numbers.
    ValueError
        If ``d < 1`` or ``w`` is not a non-empty 2D array.

    See Also
    --------
    spread_kernel_loop : the same, written as the formula.
    convviz.shapes.effective_kernel_size : ``d (k - 1) + 1``.

    References
    ----------
    F. Yu and V. Koltun, "Multi-Scale Context Aggregation by Dilated Convolutions",
    ICLR 2016, arXiv:1511.07122.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> cv.spread_kernel(np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    w = _check_kernel(w)
    d = _check_int("d", d, 1)
    eh, ew = (shapes.effective_kernel_size(k, d) for k in w.shape)
    row = matrix.conv_matrix((1, eh, ew), w[None, None], dilation=d, dense=True)
    return np.asarray(row, dtype=float).reshape(eh, ew)


def spread_kernel_loop(w: np.ndarray, d: int) -> np.ndarray:
    """:func:`spread_kernel` written as the formula: ``out[d a, d b] = w[a, b]``.

    Parameters
    ----------
    w : ndarray, shape (k_h, k_w)
    d : int
        Dilation, at least 1.

    Returns
    -------
    ndarray of float, shape (d (k_h - 1) + 1, d (k_w - 1) + 1)

    Raises
    ------
    TypeError, ValueError
        As :func:`spread_kernel`.
    """
    w = _check_kernel(w)
    d = _check_int("d", d, 1)
    kh, kw = w.shape
    out = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1))
    for a in range(kh):
        for b in range(kw):
            out[d * a, d * b] = w[a, b]
    return out


def stack_kernel(dilations: Sequence[int], k: int = 3) -> np.ndarray:
    """The one kernel equal to a stack of all-ones ``k x k`` layers with these dilations.

    Entry ``j`` is the number of paths from one output cell down to input cell ``j``:
    the stack's matrix (the product of its layers' matrices, each from
    :func:`convviz.matrix.conv_matrix`) on an input exactly the size of the receptive
    field, which has one output cell. Equivalently, the full convolution of the
    layers' spread all-ones kernels (:func:`spread_kernel`). A zero is an input cell
    inside the receptive field that no path reaches (a hole: gridding).

    Parameters
    ----------
    dilations : sequence of int
        ``d`` of each layer, from the input side; each at least 1.
    k : int, default 3
        Kernel size of every layer (stride 1, no padding).

    Returns
    -------
    ndarray of float, shape (r, r)
        ``r = 1 + sum_l d_l (k - 1)``, the receptive field
        (:func:`convviz.receptive.receptive_field`).

    Raises
    ------
    TypeError
        If ``k`` or a dilation is not an integer.
    ValueError
        If ``dilations`` is empty, or ``k`` or a dilation is below 1.

    See Also
    --------
    convviz.receptive.receptive_field : the size ``r``.

    References
    ----------
    F. Yu and V. Koltun, "Multi-Scale Context Aggregation by Dilated Convolutions",
    ICLR 2016, arXiv:1511.07122 (the doubling schedule); P. Wang et al., "Understanding Convolution for
    Semantic Segmentation", WACV 2018, arXiv:1702.08502 (gridding).

    Examples
    --------
    >>> import convviz as cv
    >>> cv.stack_kernel([2, 2], k=2).astype(int)  # the same dilation twice: holes
    array([[1, 0, 2, 0, 1],
           [0, 0, 0, 0, 0],
           [2, 0, 4, 0, 2],
           [0, 0, 0, 0, 0],
           [1, 0, 2, 0, 1]])
    """
    k = _check_int("k", k, 1)
    dilations = [_check_int("dilations", d, 1) for d in dilations]
    if not dilations:
        raise ValueError("dilations must name at least one layer, got dilations=[]")
    r = receptive.receptive_field([receptive.Layer(k, dilation=d) for d in dilations]).size[0]
    ones = np.ones((1, 1, k, k))
    total = None
    size = r
    for d in dilations:
        c = matrix.conv_matrix((1, size, size), ones, dilation=d)
        total = c if total is None else c @ total
        size = shapes.conv_output_size(size, k, 1, 0, d)
    return np.asarray(total.todense(), dtype=float).reshape(r, r)
