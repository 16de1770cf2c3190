"""Shape arithmetic: how big is the output of a convolution?

Every size formula of the book lives here, once. The convolutions in
:mod:`convviz.conv` and :mod:`convviz.transposed` call these functions, and so
do the figures, so a slider can only reach settings that are valid.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
learning", arXiv:1603.07285 (2016).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple

import numpy as np

from convviz._validate import _check_int, check_choice

__all__ = [
    "RELATIONSHIPS",
    "ConvSetting",
    "DirectEquivalent",
    "Relationship",
    "conv_output_shape",
    "conv_output_size",
    "conv_transpose_output_shape",
    "conv_transpose_output_size",
    "direct_equivalent",
    "effective_kernel_size",
    "floor_remainder",
    "is_valid_conv",
    "is_valid_conv_transpose",
    "output_padding_cells",
    "output_padding_for",
    "padding_for_same",
    "relationship",
    "relationships_that_apply",
    "same_padding",
    "unread_cells",
    "unread_mask",
    "valid_settings",
]


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel along one axis.

    Parameters
    ----------
    kernel_size : int
        Number of taps ``k`` (at least 1).
    dilation : int, default 1
        Spacing ``d`` between taps; ``1`` means no gaps (PyTorch's convention).

    Returns
    -------
    int
        ``k + (k - 1)(d - 1) = d (k - 1) + 1``.
    """
    k = _check_int("kernel_size", kernel_size, 1)
    d = _check_int("dilation", dilation, 1)
    return d * (k - 1) + 1


def conv_output_size(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
) -> int:
    """Output length of a convolution along one axis, as PyTorch computes it.

    Parameters
    ----------
    size : int
        Input length ``i`` along the axis (at least 1: PyTorch refuses empty inputs).
    kernel_size : int
        Kernel length ``k``.
    stride : int, default 1
        Step ``s`` between windows (at least 1).
    padding : int or (int, int), default 0
        Zeros ``p`` added on each side, or ``(left, right)`` for an uneven pad.
    dilation : int, default 1
        Spacing ``d`` between kernel taps.

    Returns
    -------
    int
        ``o = floor((i + p_left + p_right - d (k - 1) - 1) / s) + 1``; with a
        symmetric pad and ``d = 1`` this is ``floor((i + 2p - k) / s) + 1``.

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input (no window fits).
    """
    i = _check_int("size", size, 1)
    s = _check_int("stride", stride, 1)
    if isinstance(padding, Sequence) and not isinstance(padding, str):
        if len(padding) != 2:
            raise ValueError(
                f"padding must be an int or a (left, right) pair, got padding={padding!r}"
            )
        left = _check_int("padding", padding[0], 0)
        right = _check_int("padding", padding[1], 0)
    else:
        left = right = _check_int("padding", padding, 0)
    extent = effective_kernel_size(kernel_size, dilation)
    padded = i + left + right
    if extent > padded:
        raise ValueError(
            f"kernel_size={kernel_size} with dilation={dilation} spans {extent} cells, "
            f"larger than the padded input of size {i} + {left} + {right} = {padded}"
        )
    return (padded - extent) // s + 1


def conv_transpose_output_size(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Output length of a transposed convolution along one axis (PyTorch's rule).

    Parameters
    ----------
    size : int
        Input length ``i`` (at least 1).
    kernel_size : int
        Kernel length ``k``.
    stride : int, default 1
        Stride ``s`` of the convolution being transposed.
    padding : int, default 0
        Padding ``p`` of the convolution being transposed (removed from the output).
    output_padding : int, default 0
        Extra cells ``a`` added on one side; must be smaller than ``s`` or ``d``.
    dilation : int, default 1
        Spacing ``d`` between kernel taps.

    Returns
    -------
    int
        ``o = (i - 1) s - 2p + d (k - 1) + a + 1``; 0 when the padding cuts away the
        whole result (the transposed convolution then returns an empty axis, as torch
        does on its oneDNN path and on an empty batch).

    Raises
    ------
    ValueError
        If ``output_padding`` is not smaller than the stride or the dilation, or
        the result is negative.
    """
    i = _check_int("size", size, 1)
    s = _check_int("stride", stride, 1)
    p = _check_int("padding", padding, 0)
    a = _check_int("output_padding", output_padding, 0)
    d = _check_int("dilation", dilation, 1)
    extent = effective_kernel_size(kernel_size, d)
    if a >= s and a >= d:
        raise ValueError(
            f"output_padding must be smaller than either stride or dilation, "
            f"got output_padding={a}, stride={s}, dilation={d}"
        )
    out = (i - 1) * s - 2 * p + extent + a
    if out < 0:
        raise ValueError(
            f"transposed convolution output size is {out} (negative) for size={i}, "
            f"kernel_size={kernel_size}, stride={s}, padding={p}, "
            f"output_padding={a}, dilation={d}"
        )
    return out


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """Left and right padding that keep the size at stride 1 (``padding='same'``).

    PyTorch pads ``total = d (k - 1)`` cells, ``total // 2`` on the left and the
    rest on the right, so an even kernel gets one more cell on the right.

    Parameters
    ----------
    kernel_size : int
        Kernel length ``k``.
    dilation : int, default 1
        Spacing ``d`` between taps.

    Returns
    -------
    (int, int)
        ``(left, right)`` with ``left + right = d (k - 1)``.
    """
    total = effective_kernel_size(kernel_size, dilation) - 1
    return total // 2, total - total // 2


# ---------------------------------------------------------------------------
# Several axes at once
# ---------------------------------------------------------------------------

IntOrTuple = int | Sequence[int]
Padding = int | Sequence[int] | str


def _spatial(input_shape: IntOrTuple) -> tuple[int, ...]:
    """The spatial sizes as a tuple of 1 to 3 positive ints."""
    if isinstance(input_shape, Sequence) and not isinstance(input_shape, str):
        shape = tuple(_check_int("input_shape", v, 1) for v in input_shape)
    else:
        shape = (_check_int("input_shape", input_shape, 1),)
    if not 1 <= len(shape) <= 3:
        raise ValueError(
            f"input_shape must have 1, 2 or 3 spatial sizes, got input_shape={input_shape!r}"
        )
    return shape


def _per_axis(name: str, value: object, ndim: int, minimum: int) -> tuple[int, ...]:
    """Broadcast an int to ``ndim`` axes, or check a per-axis tuple has ``ndim`` entries."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != ndim:
            raise ValueError(f"{name} must be an int or {ndim} ints, got {name}={value!r}")
        return tuple(_check_int(name, v, minimum) for v in value)
    return (_check_int(name, value, minimum),) * ndim


def _padding_pairs(
    padding: Padding,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    per_axis: Callable[[str, object, int, int], tuple[int, ...]] = _per_axis,
) -> tuple[tuple[int, int], ...]:
    """``(left, right)`` padding per axis for an int, a tuple, ``'same'`` or ``'valid'``.

    ``per_axis`` reads an int or tuple: :func:`_per_axis` (one entry per axis) for the
    shape functions, ``convviz._validate.int_tuple`` (torch's reading, which also
    repeats a single entry) for the operations and their costs.
    """
    ndim = len(kernel)
    if isinstance(padding, str):
        check_choice("padding", padding, ("valid", "same"))
        if padding == "valid":
            return ((0, 0),) * ndim
        if any(s != 1 for s in stride):
            raise ValueError(
                f"padding='same' is not supported for strided convolutions, got stride={stride}"
            )
        return tuple(same_padding(k, d) for k, d in zip(kernel, dilation, strict=True))
    return tuple((p, p) for p in per_axis("padding", padding, ndim, 0))


def conv_output_shape(
    input_shape: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> tuple[int, ...]:
    """Spatial output shape of ``conv1d``, ``conv2d`` or ``conv3d``.

    Parameters
    ----------
    input_shape : int or tuple of int
        Spatial input sizes ``(i_1, ..., i_n)``, ``n`` in 1..3 (no batch or channel axis).
    kernel_size, stride, dilation : int or tuple of int
        One value for every axis, or one per axis.
    padding : int, tuple of int, 'same' or 'valid', default 0
        Zeros on both sides of each axis. ``'valid'`` is 0; ``'same'`` (stride 1 only)
        pads ``d (k - 1)`` cells per axis, the extra one on the right when that is odd.

    Returns
    -------
    tuple of int
        ``o_j = floor((i_j + 2 p_j - d_j (k_j - 1) - 1) / s_j) + 1`` for every axis ``j``.

    Raises
    ------
    ValueError
        Where PyTorch refuses: an empty input, a dilated kernel larger than the padded
        input, ``padding='same'`` with a stride, a non-positive stride or dilation, or
        per-axis tuples of the wrong length. The message names the argument.
    TypeError
        If a size is not an integer.

    Examples
    --------
    >>> conv_output_shape((5, 7), 3, stride=(2, 1), padding=1)
    (3, 7)
    """
    shape = _spatial(input_shape)
    n = len(shape)
    k = _per_axis("kernel_size", kernel_size, n, 1)
    s = _per_axis("stride", stride, n, 1)
    d = _per_axis("dilation", dilation, n, 1)
    pads = _padding_pairs(padding, k, s, d)
    return tuple(
        conv_output_size(i, kj, sj, pj, dj)
        for i, kj, sj, pj, dj in zip(shape, k, s, pads, d, strict=True)
    )


def conv_transpose_output_shape(
    input_shape: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> tuple[int, ...]:
    """Spatial output shape of ``conv_transpose1d``, ``conv_transpose2d`` or ``conv_transpose3d``.

    Parameters
    ----------
    input_shape : int or tuple of int
        Spatial input sizes ``(i_1, ..., i_n)``, ``n`` in 1..3.
    kernel_size, stride, padding, output_padding, dilation : int or tuple of int
        Settings of the convolution being transposed (PyTorch's arguments), one value
        for every axis or one per axis. PyTorch accepts no string padding here.

    Returns
    -------
    tuple of int
        ``o_j = (i_j - 1) s_j - 2 p_j + d_j (k_j - 1) + a_j + 1`` for every axis ``j``.

    Raises
    ------
    ValueError
        Where PyTorch refuses: ``a_j`` not smaller than ``s_j`` or ``d_j``, a negative
        result, an empty input, or per-axis tuples of the wrong length. A result of 0
        is an empty axis (see :func:`conv_transpose_output_size`).

    Examples
    --------
    >>> conv_transpose_output_shape((3, 7), 3, stride=(2, 1), padding=1, output_padding=(1, 0))
    (6, 7)
    """
    shape = _spatial(input_shape)
    n = len(shape)
    k = _per_axis("kernel_size", kernel_size, n, 1)
    s = _per_axis("stride", stride, n, 1)
    p = _per_axis("padding", padding, n, 0)
    a = _per_axis("output_padding", output_padding, n, 0)
    d = _per_axis("dilation", dilation, n, 1)
    return tuple(
        conv_transpose_output_size(i, kj, sj, pj, aj, dj)
        for i, kj, sj, pj, aj, dj in zip(shape, k, s, p, a, d, strict=True)
    )


# ---------------------------------------------------------------------------
# Dumoulin and Visin's relationships
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    """One numbered relationship of Dumoulin and Visin (arXiv:1603.07285, v2).

    The guide numbers its relationships in the order of its sections: 1 to 6 are
    convolutions, 7 is pooling, 8 to 14 are transposed convolutions and 15 is
    dilated convolution. The dilated *transposed* case is ours, labelled ``"15T"``
    (the guide does not state it).

    Attributes
    ----------
    label : str
        ``"1"`` to ``"15"`` (the paper's number), or ``"15T"`` for ours.
    name : str
        Short name, e.g. ``"half (same) padding"``.
    operation : str
        ``"convolution"``, ``"pooling"`` or ``"transposed"``.
    conditions : str
        When it holds. For a transposed relationship the conditions are on the
        *forward* convolution ``(i, k, s, p, d)`` being transposed.
    formula : str
        The size it gives, in the paper's letters (``i'`` is the transposed input).
    applies : callable ``(i, k, s, p, d) -> bool``
        ``conditions`` as code, on the forward convolution's input size ``i``.
    output : callable ``(i, k, s, p, d, a) -> int``
        The formula. For a transposed relationship ``i`` is the transposed input ``i'``
        (the forward convolution's output size) and ``a`` the output padding.
    """

    label: str
    name: str
    operation: str
    conditions: str
    formula: str
    applies: Callable[[int, int, int, int, int], bool]
    output: Callable[[int, int, int, int, int, int], int]

    @property
    def number(self) -> int | None:
        """The paper's number (1 to 15), or ``None`` for a relationship the paper lacks."""
        return int(self.label) if self.label.isdigit() else None

    @property
    def transposed(self) -> bool:
        """Whether ``output`` is the size of a transposed convolution."""
        return self.operation == "transposed"


def _rel(label, name, operation, conditions, formula, applies, output) -> Relationship:
    return Relationship(label, name, operation, conditions, formula, applies, output)


_C, _P, _T = "convolution", "pooling", "transposed"

RELATIONSHIPS: tuple[Relationship, ...] = (
    _rel("1", "no zero padding, unit strides", _C, "s = 1, p = 0, d = 1",
         "o = (i - k) + 1",
         lambda i, k, s, p, d: s == 1 and p == 0 and d == 1,
         lambda i, k, s, p, d, a: (i - k) + 1),
    _rel("2", "zero padding, unit strides", _C, "s = 1, d = 1",
         "o = (i - k) + 2p + 1",
         lambda i, k, s, p, d: s == 1 and d == 1,
         lambda i, k, s, p, d, a: (i - k) + 2 * p + 1),
    _rel("3", "half (same) padding", _C, "s = 1, d = 1, k = 2n + 1, p = floor(k / 2) = n",
         "o = i",
         lambda i, k, s, p, d: s == 1 and d == 1 and k % 2 == 1 and p == k // 2,
         lambda i, k, s, p, d, a: i),
    _rel("4", "full padding", _C, "s = 1, d = 1, p = k - 1",
         "o = i + (k - 1)",
         lambda i, k, s, p, d: s == 1 and d == 1 and p == k - 1,
         lambda i, k, s, p, d, a: i + (k - 1)),
    _rel("5", "no zero padding, non-unit strides", _C, "p = 0, d = 1",
         "o = floor((i - k) / s) + 1",
         lambda i, k, s, p, d: p == 0 and d == 1,
         lambda i, k, s, p, d, a: (i - k) // s + 1),
    _rel("6", "zero padding, non-unit strides", _C, "d = 1",
         "o = floor((i + 2p - k) / s) + 1",
         lambda i, k, s, p, d: d == 1,
         lambda i, k, s, p, d, a: (i + 2 * p - k) // s + 1),
    _rel("7", "pooling", _P, "p = 0, d = 1 (a pooling window of k cells, stride s)",
         "o = floor((i - k) / s) + 1",
         lambda i, k, s, p, d: p == 0 and d == 1,
         lambda i, k, s, p, d, a: (i - k) // s + 1),
    _rel("8", "transposed: no zero padding, unit strides", _T, "forward s = 1, p = 0, d = 1",
         "o' = i' + (k - 1)  (equivalent direct convolution: k' = k, s' = 1, p' = k - 1)",
         lambda i, k, s, p, d: s == 1 and p == 0 and d == 1,
         lambda i, k, s, p, d, a: i + (k - 1)),
    _rel("9", "transposed: zero padding, unit strides", _T, "forward s = 1, d = 1",
         "o' = i' + (k - 1) - 2p  (equivalent direct convolution: k' = k, s' = 1, p' = k - p - 1)",
         lambda i, k, s, p, d: s == 1 and d == 1,
         lambda i, k, s, p, d, a: i + (k - 1) - 2 * p),
    _rel("10", "transposed: half (same) padding", _T,
         "forward s = 1, d = 1, k = 2n + 1, p = floor(k / 2) = n",
         "o' = i'  (equivalent direct convolution: k' = k, s' = 1, p' = p)",
         lambda i, k, s, p, d: s == 1 and d == 1 and k % 2 == 1 and p == k // 2,
         lambda i, k, s, p, d, a: i),
    _rel("11", "transposed: full padding", _T, "forward s = 1, d = 1, p = k - 1",
         "o' = i' - (k - 1)  (equivalent direct convolution: k' = k, s' = 1, p' = 0)",
         lambda i, k, s, p, d: s == 1 and d == 1 and p == k - 1,
         lambda i, k, s, p, d, a: i - (k - 1)),
    _rel("12", "transposed: no zero padding, non-unit strides", _T,
         "forward p = 0, d = 1, (i - k) a multiple of s",
         "o' = s (i' - 1) + k  (direct convolution on the input stretched by s - 1 zeros "
         "between units: k' = k, s' = 1, p' = k - 1)",
         lambda i, k, s, p, d: p == 0 and d == 1 and i >= k and (i - k) % s == 0,
         lambda i, k, s, p, d, a: s * (i - 1) + k),
    _rel("13", "transposed: zero padding, non-unit strides", _T,
         "forward d = 1, (i + 2p - k) a multiple of s",
         "o' = s (i' - 1) + k - 2p  (stretched input, k' = k, s' = 1, p' = k - p - 1)",
         lambda i, k, s, p, d: d == 1 and i + 2 * p >= k and (i + 2 * p - k) % s == 0,
         lambda i, k, s, p, d, a: s * (i - 1) + k - 2 * p),
    _rel("14", "transposed: zero padding, non-unit strides, any input size", _T,
         "forward d = 1; a = (i + 2p - k) mod s",
         "o' = s (i' - 1) + a + k - 2p  (stretched input, a extra zeros on the far side, "
         "k' = k, s' = 1, p' = k - p - 1)",
         lambda i, k, s, p, d: d == 1,
         lambda i, k, s, p, d, a: s * (i - 1) + a + k - 2 * p),
    _rel("15", "dilated convolution", _C, "any i, k, s, p, d",
         "o = floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1",
         lambda i, k, s, p, d: True,
         lambda i, k, s, p, d, a: (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1),
    _rel("15T", "dilated transposed convolution (ours, not in the paper)", _T,
         "any forward i, k, s, p, d; a = (i + 2p - d (k - 1) - 1) mod s",
         "o' = (i' - 1) s - 2p + d (k - 1) + a + 1",
         lambda i, k, s, p, d: True,
         lambda i, k, s, p, d, a: (i - 1) * s - 2 * p + d * (k - 1) + a + 1),
)  # fmt: skip
"""Dumoulin and Visin's relationships 1-15 in the paper's numbering, then ``"15T"`` (ours).

``RELATIONSHIPS[n - 1].number == n`` for the paper's ``n = 1..15``; see :func:`relationship`.
"""


def relationship(label: int | str) -> Relationship:
    """The relationship with this label: the paper's number (1 to 15) or ``"15T"``.

    Parameters
    ----------
    label : int or str
        ``1`` to ``15`` (or ``"1"`` to ``"15"``) for Dumoulin and Visin's numbering,
        ``"15T"`` for the dilated transposed case the guide does not state.

    Returns
    -------
    Relationship
        The entry of ``RELATIONSHIPS`` with that label.

    Raises
    ------
    ValueError
        If no relationship has this label.
    """
    for rel in RELATIONSHIPS:
        if rel.label == str(label):
            return rel
    labels = ", ".join(r.label for r in RELATIONSHIPS)
    raise ValueError(f"label must be one of {labels}, got label={label!r}")


def relationships_that_apply(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    *,
    operation: str = "convolution",
) -> list[str]:
    """Labels of the relationships of Dumoulin and Visin whose conditions hold here.

    The guide's cases nest: a convolution with ``p = 0``, ``s = 1``, ``d = 1`` meets
    the conditions of relationships 1, 2, 5, 6 and 15 at once, and each of their
    formulas gives the same ``o = floor((i + 2p - d (k - 1) - 1) / s) + 1``.

    Parameters
    ----------
    size : int
        Input length ``i`` of the (forward) convolution.
    kernel_size, stride, padding, dilation : int
        ``k``, ``s``, ``p`` (on each side) and ``d`` of that convolution.
    operation : {'convolution', 'pooling', 'transposed'}, default 'convolution'
        Which relationships to test: 1-6 and 15, pooling's 7, or the transposed
        8-14 and ``"15T"`` (ours), whose conditions are on the forward convolution
        being transposed.

    Returns
    -------
    list of str
        Labels (``"1"`` ... ``"15"``, ``"15T"``) in the paper's order; see
        :func:`relationship` for each one's name, conditions and formula.

    Raises
    ------
    TypeError
        If a size is not an integer.
    ValueError
        If ``operation`` is not one of the three, a value is out of range, or no
        window fits (see :func:`conv_output_size`).

    Examples
    --------
    >>> relationships_that_apply(5, 3)
    ['1', '2', '5', '6', '15']
    >>> relationships_that_apply(5, 3, stride=2, padding=1, operation="transposed")
    ['13', '14', '15T']

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
    arXiv:1603.07285 (2016), relationships 1-15.
    """
    check_choice("operation", operation, ("convolution", "pooling", "transposed"))
    conv_output_size(size, kernel_size, stride, padding, dilation)  # checks the arguments
    args = (int(size), int(kernel_size), int(stride), int(padding), int(dilation))
    return [r.label for r in RELATIONSHIPS if r.operation == operation and r.applies(*args)]


# ---------------------------------------------------------------------------
# Inverse questions
# ---------------------------------------------------------------------------


def padding_for_same(kernel_size: IntOrTuple, dilation: IntOrTuple = 1) -> int | tuple[int, ...]:
    """The symmetric padding that keeps the size of a stride-1 convolution.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Kernel length ``k`` (per axis if a tuple).
    dilation : int or tuple of int, default 1
        Spacing ``d`` between taps.

    Returns
    -------
    int or tuple of int
        ``p = d (k - 1) / 2`` (an int if ``kernel_size`` is an int, else one per axis):
        then ``o = i + 2p - d (k - 1) = i``.

    Raises
    ------
    ValueError
        If ``d (k - 1)`` is odd on some axis (an even kernel with odd dilation): no
        symmetric padding keeps the size; ``padding='same'`` then pads unevenly, see
        :func:`same_padding`.
    """
    as_tuple = isinstance(kernel_size, Sequence) and not isinstance(kernel_size, str)
    n = len(kernel_size) if as_tuple else 1  # type: ignore[arg-type]
    ks = _per_axis("kernel_size", kernel_size, n, 1)
    ds = _per_axis("dilation", dilation, n, 1)
    out = []
    for k, d in zip(ks, ds, strict=True):
        total = d * (k - 1)
        if total % 2:
            left, right = same_padding(k, d)
            raise ValueError(
                f"no symmetric padding keeps the size for kernel_size={k}, dilation={d}: "
                f"d (k - 1) = {total} is odd; padding='same' pads ({left}, {right})"
            )
        out.append(total // 2)
    return tuple(out) if as_tuple else out[0]


def output_padding_for(
    size: IntOrTuple,
    target: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution reach a wanted size.

    Parameters
    ----------
    size : int or tuple of int
        Input length ``i'`` of the transposed convolution (per axis if a tuple).
    target : int or tuple of int
        Wanted output length ``o'``, typically the input size of the forward convolution.
    kernel_size, stride, padding, dilation : int or tuple of int
        Settings of the convolution being transposed.

    Returns
    -------
    int or tuple of int
        ``a = o' - ((i' - 1) s - 2p + d (k - 1) + 1)``, an int if ``size`` is an int.

    Raises
    ------
    ValueError
        If no allowed ``a`` (``0 <= a`` and ``a < s`` or ``a < d``) gives ``target``.
    """
    as_tuple = isinstance(size, Sequence) and not isinstance(size, str)
    shape = _spatial(size)
    n = len(shape)
    t = _per_axis("target", target, n, 1)
    k = _per_axis("kernel_size", kernel_size, n, 1)
    s = _per_axis("stride", stride, n, 1)
    p = _per_axis("padding", padding, n, 0)
    d = _per_axis("dilation", dilation, n, 1)
    out = []
    for ij, tj, kj, sj, pj, dj in zip(shape, t, k, s, p, d, strict=True):
        base = (ij - 1) * sj - 2 * pj + dj * (kj - 1) + 1
        a = tj - base
        if not 0 <= a < max(sj, dj):
            reach = f"{base}" if max(sj, dj) == 1 else f"{max(base, 1)}..{base + max(sj, dj) - 1}"
            raise ValueError(
                f"no output_padding gives target={tj} from size={ij} with kernel_size={kj}, "
                f"stride={sj}, padding={pj}, dilation={dj}: reachable sizes are {reach}"
            )
        out.append(a)
    return tuple(out) if as_tuple else out[0]


def floor_remainder(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> int:
    """Cells of the padded input after the last window: what the floor of the size throws away.

    Parameters
    ----------
    size : int
        Input length ``i`` along the axis.
    kernel_size, stride, padding, dilation : int
        ``k``, ``s``, ``p`` (on each side) and ``d`` of the convolution.

    Returns
    -------
    int
        ``r = (i + 2p - d (k - 1) - 1) mod s``, between 0 and ``s - 1``. The last
        ``r`` cells of the padded input are read by no window; ``max(r - p, 0)`` of them
        are real input cells. ``r`` is also the ``output_padding`` that makes the
        transposed convolution of the same settings return length ``i``
        (Dumoulin and Visin's relationship 14, and 15T with dilation).

    Raises
    ------
    ValueError
        If no window fits (see :func:`conv_output_size`).

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
    arXiv:1603.07285 (2016), section 4.6.
    """
    conv_output_size(size, kernel_size, stride, padding, dilation)  # checks the arguments
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) % stride


def _unread_axis(i: int, k: int, s: int, p: int, d: int) -> list[int]:
    """Unread cells of one axis (the arguments already checked)."""
    o = conv_output_size(i, k, s, p, d)
    read = {j * s - p + t * d for j in range(o) for t in range(k)}
    return [c for c in range(i) if c not in read]


def unread_cells(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> list[int] | tuple[list[int], ...]:
    """The input cells (``0 .. i - 1``) that no tap of any window reads.

    Output cell ``j`` reads input cells ``j s - p + t d`` for ``t = 0 .. k - 1``; every
    other cell of the input does not influence the output. The floor leaves up to
    ``s - 1`` such cells at the end (:func:`floor_remainder`). Cells are skipped
    between windows when ``s > d (k - 1) + 1``, and between the taps of a dilated
    window when no other window reads them: with ``s = d = 2`` only every second
    cell is read, while with ``s = 1`` every cell from the first window to the last
    is read whatever ``d``.

    The windows of a 2D or 3D convolution are products of the windows of each axis,
    so a cell of an image is unread exactly when its row or its column is
    (:func:`unread_mask`): given a tuple ``size``, the answer is one list per axis.

    Parameters
    ----------
    size : int or tuple of int
        Input length ``i``, or the spatial sizes ``(H, W)`` / ``(D, H, W)``.
    kernel_size, stride, padding, dilation : int or tuple of int
        ``k``, ``s``, ``p`` (on each side) and ``d``; one value for every axis, or
        one per axis when ``size`` is a tuple.

    Returns
    -------
    list of int, or tuple of list of int
        The unread input indices in increasing order; for a tuple ``size``, one
        such list per axis.

    Raises
    ------
    TypeError
        If an argument is not an integer (or a tuple of integers).
    ValueError
        If a tuple has the wrong length, a value is out of range (``i, k, s, d >= 1``,
        ``p >= 0``), or no window fits on an axis (see :func:`conv_output_size`).

    Examples
    --------
    >>> unread_cells(10, 2, stride=4)
    [2, 3, 6, 7]
    >>> unread_cells((5, 6), 2, stride=2)
    ([4], [])

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
    arXiv:1603.07285 (2016), section 2.4 (the cells the floor leaves out).
    """
    as_tuple = isinstance(size, Sequence) and not isinstance(size, str)
    shape = _spatial(size) if as_tuple else (_check_int("size", size, 1),)
    n = len(shape)
    per = [
        _per_axis(name, value, n, low)
        for name, value, low in (
            ("kernel_size", kernel_size, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
            ("dilation", dilation, 1),
        )
    ]
    axes = tuple(_unread_axis(i, *args) for i, *args in zip(shape, *per, strict=True))
    return axes if as_tuple else axes[0]


def unread_mask(
    input_shape: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Which input cells no window of a convolution reads, as a boolean array.

    A window of an ``n``-dimensional convolution is the product of one window per
    axis, so cell ``(r, c)`` is read when row ``r`` is read along the height and
    column ``c`` along the width: ``mask[r, c] = r in U_H or c in U_W`` with the
    per-axis lists ``U`` of :func:`unread_cells`. An unread cell gets a zero gradient
    and never changes the output.

    Parameters
    ----------
    input_shape : int or tuple of int
        Spatial sizes, e.g. ``(H, W)`` (no batch or channel axes).
    kernel_size, stride, padding, dilation : int or tuple of int
        ``k``, ``s``, ``p`` (on each side) and ``d``, one value or one per axis.

    Returns
    -------
    ndarray of bool, shape input_shape
        ``True`` where no tap of any window lands.

    Raises
    ------
    TypeError, ValueError
        As :func:`unread_cells`.

    Examples
    --------
    >>> int(unread_mask((5, 5), 2, stride=2).sum())  # the last row and column
    9

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
    arXiv:1603.07285 (2016), section 2.4.
    """
    shape = _spatial(input_shape)
    axes = unread_cells(shape, kernel_size, stride, padding, dilation)
    mask = np.zeros(shape, dtype=bool)
    for axis, cells in enumerate(axes):
        index = [slice(None)] * len(shape)
        index[axis] = cells
        mask[tuple(index)] = True
    return mask


def output_padding_cells(padding: int, output_padding: int) -> tuple[int, int]:
    """How many of the ``output_padding`` cells of a transposed convolution carry a result.

    A transposed convolution first computes its full output, ``(i' - 1) s + d (k - 1) + 1``
    cells, then crops ``p`` cells at the start and ``p - a`` at the end. When
    ``a <= p`` the ``a`` extra cells are cropped-away cells of the full output, so
    they hold computed values; when ``a > p`` the last ``a - p`` lie past the full
    output and hold only the bias (zero without one).

    Parameters
    ----------
    padding : int
        ``p`` of the convolution being transposed.
    output_padding : int
        ``a``, the cells added on the far side.

    Returns
    -------
    (int, int)
        ``(min(a, p), max(a - p, 0))``: computed cells, bias-only cells.
    """
    p = _check_int("padding", padding, 0)
    a = _check_int("output_padding", output_padding, 0)
    return min(a, p), max(a - p, 0)


class DirectEquivalent(NamedTuple):
    """A transposed convolution written as a direct convolution (one axis).

    Stretch the input by ``zeros_between`` zeros between neighbours, pad it with
    ``pad_before`` zeros at the start and ``pad_after`` at the end (a negative
    number crops that many cells instead), then convolve at stride 1 with the
    *flipped* kernel and the same ``dilation``.
    """

    zeros_between: int
    pad_before: int
    pad_after: int
    stride: int
    dilation: int


def direct_equivalent(
    kernel_size: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> DirectEquivalent:
    """The direct convolution equal to a transposed convolution (Dumoulin and Visin).

    The guide's relationships 8-14 state every transposed convolution as a
    direct convolution of stride 1: insert ``s - 1`` zeros between the input
    cells, pad ``p' = d (k - 1) - p`` zeros on each side (plus ``a`` at the end),
    and convolve with the kernel flipped. The output size is then
    ``(i' - 1) s + 1 + 2 p' + a - d (k - 1) = (i' - 1) s - 2 p + d (k - 1) + a + 1``,
    the transposed convolution's (:func:`conv_transpose_output_size`). With
    ``d = 1`` this is the guide's ``p' = k - p - 1``.

    Parameters
    ----------
    kernel_size, stride, padding, output_padding, dilation : int
        ``k, s, p, a, d`` of the transposed convolution (PyTorch's arguments of
        ``conv_transpose1d``), on one axis.

    Returns
    -------
    DirectEquivalent
        ``(s - 1, d (k - 1) - p, d (k - 1) - p + a, 1, d)``.

    Raises
    ------
    ValueError
        If ``k``, ``s`` or ``d`` is below 1, ``p`` or ``a`` below 0, or
        ``a >= max(s, d)`` (PyTorch's rule for ``output_padding``).

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
    learning", arXiv:1603.07285 (2016), relationships 8-14.
    """
    k = _check_int("kernel_size", kernel_size, 1)
    s = _check_int("stride", stride, 1)
    p = _check_int("padding", padding, 0)
    a = _check_int("output_padding", output_padding, 0)
    d = _check_int("dilation", dilation, 1)
    if a >= max(s, d):
        raise ValueError(
            f"output_padding must be smaller than stride or dilation, got output_padding={a}, "
            f"stride={s}, dilation={d}"
        )
    span = d * (k - 1)
    return DirectEquivalent(s - 1, span - p, span - p + a, 1, d)


def is_valid_conv(
    input_shape: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> bool:
    """Whether PyTorch accepts these convolution settings (see :func:`conv_output_shape`)."""
    try:
        conv_output_shape(input_shape, kernel_size, stride, padding, dilation)
    except (ValueError, TypeError):
        return False
    return True


def is_valid_conv_transpose(
    input_shape: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> bool:
    """Whether PyTorch accepts these settings (see :func:`conv_transpose_output_shape`)."""
    try:
        conv_transpose_output_shape(
            input_shape, kernel_size, stride, padding, output_padding, dilation
        )
    except (ValueError, TypeError):
        return False
    return True


class ConvSetting(NamedTuple):
    """One valid setting of a convolution along one axis, and the size it gives."""

    kernel_size: int
    stride: int
    padding: int
    dilation: int
    output_size: int


def valid_settings(
    size: int,
    kernel_sizes: Iterable[int] = range(1, 8),
    strides: Iterable[int] = range(1, 5),
    paddings: Iterable[int] = range(0, 4),
    dilations: Iterable[int] = range(1, 4),
) -> list[ConvSetting]:
    """Every valid ``(kernel_size, stride, padding, dilation)`` for an input length.

    For figure sliders: they range over this list, so they can only reach settings
    that PyTorch accepts.

    Parameters
    ----------
    size : int
        Input length ``i`` along the axis.
    kernel_sizes, strides, paddings, dilations : iterable of int
        Candidate values of ``k``, ``s``, ``p`` and ``d``.

    Returns
    -------
    list of ConvSetting
        The settings where the dilated kernel fits, ``d (k - 1) + 1 <= i + 2p``, in
        lexicographic order of ``(k, s, p, d)``, each with its output size
        ``floor((i + 2p - d (k - 1) - 1) / s) + 1``.
    """
    i = _check_int("size", size, 1)
    found = []
    for k, s, p, d in product(kernel_sizes, strides, paddings, dilations):
        if is_valid_conv((i,), k, s, p, d):
            found.append(ConvSetting(k, s, p, d, conv_output_size(i, k, s, p, d)))
    return sorted(found)
