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

from collections.abc import Sequence

__all__ = [
    "effective_kernel_size",
    "conv_output_size",
    "conv_transpose_output_size",
    "same_padding",
]


def _check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an ``int`` or raise naming ``name`` and the value."""
    if isinstance(value, bool) or not isinstance(value, (int,)) and not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)  # type: ignore[arg-type]
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value}")
    return value


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
        Input length ``i`` along the axis.
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
    i = _check_int("size", size, 0)
    s = _check_int("stride", stride, 1)
    if isinstance(padding, Sequence) and not isinstance(padding, str):
        if len(padding) != 2:
            raise ValueError(f"padding must be an int or a (left, right) pair, got padding={padding!r}")
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
        ``o = (i - 1) s - 2p + d (k - 1) + a + 1``.

    Raises
    ------
    ValueError
        If ``output_padding`` is not smaller than the stride or the dilation, or
        the result is not positive.
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
    if out < 1:
        raise ValueError(
            f"transposed convolution output size is {out} (not positive) for size={i}, "
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
