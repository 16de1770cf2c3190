"""Pooling arithmetic: the output size of ``MaxPool`` and ``AvgPool`` layers.

A pooling layer slides a window over each channel like a convolution, but it has
no weights: it keeps the maximum (or the mean) of each window. Its output size
follows the rules of ``torch.nn.MaxPool{1,2,3}d`` / ``AvgPool{1,2,3}d``:

* the stride defaults to the kernel size (non-overlapping windows);
* the padding may be at most half the kernel size, ``p <= k // 2``, so that every
  window holds at least one real input cell;
* ``ceil_mode=True`` rounds the window count up, keeping a last window that sticks
  out of the padded input by less than a stride, but only if it *starts* inside
  the input or its left padding.

Dumoulin and Visin's relationship 7 is the case ``p = 0``, ``d = 1``, floor mode:
``o = floor((i - k) / s) + 1``.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285 (2016), section 3 (pooling arithmetic, relationship 7).
"""

from __future__ import annotations

from collections.abc import Sequence

from convviz._validate import _check_int, int_tuple

__all__ = ["pool_output_shape", "pool_output_size", "pool_output_size_loop"]


def _check(
    input_size: int,
    kernel_size: int,
    stride: int | None,
    padding: int,
    dilation: int,
    ceil_mode: bool,
) -> tuple[int, int, int, int, int, bool]:
    """Validated ``(i, k, s, p, d, ceil_mode)`` for one axis."""
    i = _check_int("input_size", input_size, 1)
    k = _check_int("kernel_size", kernel_size, 1)
    s = k if stride is None else _check_int("stride", stride, 1)
    p = _check_int("padding", padding, 0)
    d = _check_int("dilation", dilation, 1)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be a bool, got ceil_mode={ceil_mode!r}")
    if p > k // 2:
        raise ValueError(
            f"padding must be at most half of kernel_size, got padding={p} "
            f"with kernel_size={k} (at most {k // 2})"
        )
    return i, k, s, p, d, ceil_mode


def _too_small(i: int, k: int, s: int, p: int, d: int, o: int) -> ValueError:
    return ValueError(
        f"no pooling window fits: input_size={i}, kernel_size={k}, stride={s}, "
        f"padding={p}, dilation={d} give an output size of {o}"
    )


def pool_output_size(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a max or average pooling along one axis, as PyTorch computes it.

    Parameters
    ----------
    input_size : int
        Input length ``i`` (at least 1).
    kernel_size : int
        Window length ``k`` (at least 1).
    stride : int, optional
        Step ``s`` between windows; ``None`` (the default) means ``s = k``.
    padding : int, default 0
        Cells ``p`` added on both sides (``-inf`` for max pooling, zeros for
        average pooling); at most ``k // 2``.
    dilation : int, default 1
        Spacing ``d`` between the window's taps (max pooling only; 1: none).
    ceil_mode : bool, default False
        Round the number of windows up instead of down.

    Returns
    -------
    int
        With ``L = i + 2p - d (k - 1) - 1``: ``o = floor(L / s) + 1``, or in ceil
        mode ``o = ceil(L / s) + 1``, minus 1 when that last window would start at
        or after ``i + p`` (past the input and its left padding).

    Raises
    ------
    ValueError
        ``kernel_size``, ``stride`` or ``dilation`` below 1, negative ``padding``,
        ``padding > kernel_size // 2``, or no window at all (``o < 1``), as torch.
    TypeError
        Non-integer sizes, or ``ceil_mode`` not a bool.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), relationship 7
    (``p = 0``, ``d = 1``, floor mode: ``o = floor((i - k) / s) + 1``).

    Examples
    --------
    >>> pool_output_size(5, 2)                    # windows at 0 and 2; cell 4 is dropped
    2
    >>> pool_output_size(5, 2, ceil_mode=True)    # a third window starts at 4
    3
    """
    i, k, s, p, d, ceil_mode = _check(input_size, kernel_size, stride, padding, dilation, ceil_mode)
    slack = i + 2 * p - d * (k - 1) - 1
    o = (slack + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= i + p:
        o -= 1  # the last window would start in the right padding or beyond
    if o < 1:
        raise _too_small(i, k, s, p, d, o)
    return o


def pool_output_size_loop(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """:func:`pool_output_size` by walking the windows one by one (same arguments).

    Window ``t`` starts at cell ``t s`` of the padded input and spans
    ``d (k - 1) + 1`` cells. It is kept if it fits in the padded input; in ceil
    mode also if it sticks out by less than one stride, provided it starts inside
    the input or its left padding.
    """
    i, k, s, p, d, ceil_mode = _check(input_size, kernel_size, stride, padding, dilation, ceil_mode)
    span = d * (k - 1) + 1
    padded = i + 2 * p
    count = 0
    start = 0
    while True:
        overhang = start + span - padded  # cells past the end of the padded input
        fits = overhang <= 0
        kept_by_ceil = ceil_mode and overhang < s and start < i + p
        if not (fits or kept_by_ceil):
            break
        count += 1
        start += s
    if count < 1:
        raise _too_small(i, k, s, p, d, count)
    return count


def pool_output_shape(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> tuple[int, ...]:
    """Spatial output shape of ``max_pool{1,2,3}d`` / ``avg_pool{1,2,3}d``.

    Parameters
    ----------
    input_size : int or tuple of int
        Spatial input sizes ``(i_1, ..., i_n)``, ``n`` in 1..3 (no batch or channel
        axis); an int is one axis.
    kernel_size, padding, dilation : int or tuple of int
        One value for every axis, or a tuple of one or ``n`` values (torch's reading).
    stride : int, tuple of int or None, default None
        ``None`` (or an empty tuple, as torch) means the kernel size.
    ceil_mode : bool, default False
        Round the window count up (see :func:`pool_output_size`).

    Returns
    -------
    tuple of int
        :func:`pool_output_size` of every axis.

    Raises
    ------
    ValueError, TypeError
        As :func:`pool_output_size`, per axis; also tuples of the wrong length.

    References
    ----------
    V. Dumoulin and F. Visin, arXiv:1603.07285 (2016), relationship 7.

    Examples
    --------
    >>> pool_output_shape((7, 7), 3, stride=2, padding=1, ceil_mode=True)
    (4, 4)
    >>> pool_output_shape((112, 112), 3, stride=2, padding=1)   # ResNet's stem pooling
    (56, 56)
    """
    if isinstance(input_size, Sequence) and not isinstance(input_size, str):
        sizes = tuple(input_size)
    else:
        sizes = (input_size,)
    n = len(sizes)
    if not 1 <= n <= 3:
        raise ValueError(
            f"input_size must have 1, 2 or 3 spatial sizes, got input_size={input_size!r}"
        )
    k = int_tuple("kernel_size", kernel_size, n, -(2**62))
    empty = isinstance(stride, Sequence) and not isinstance(stride, str) and len(stride) == 0
    s = (None,) * n if stride is None or empty else int_tuple("stride", stride, n, -(2**62))
    p = int_tuple("padding", padding, n, -(2**62))
    d = int_tuple("dilation", dilation, n, -(2**62))
    return tuple(
        pool_output_size(*axis, ceil_mode=ceil_mode) for axis in zip(sizes, k, s, p, d, strict=True)
    )
