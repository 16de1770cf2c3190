"""im2col and col2im: ``unfold`` and ``fold``, as ``torch.nn.functional`` has them.

``unfold`` cuts every (strided, dilated) window of a padded image into a column:

.. math::

    cols[n, (c, k_h, k_w), (o_h, o_w)] = x_{pad}[n, c, s_h o_h + d_h k_h, s_w o_w + d_w k_w]

so a convolution is one matrix product, ``weight.reshape(C_out, -1) @ cols``. ``fold``
is its adjoint: it puts every column back where ``unfold`` took it from and *adds*
the entries that land on the same cell (then cuts the padding off), which makes a
transposed convolution ``fold(weight.reshape(C_in, -1).T @ x.reshape(N, C_in, -1))``.
``fold(unfold(x))`` is therefore ``x`` times the number of windows covering each cell.
Both work on 2-d images only, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from convviz._validate import as_array, check_ndim, int_tuple
from convviz.conv import IntOrTuple, _windows
from convviz.shapes import conv_output_size

__all__ = ["fold", "fold_loop", "unfold", "unfold_loop"]

_KINDS = "bfc"  # bool, float and complex arrays: torch's im2col/col2im refuse integers


def _dtype(name: str, arr: np.ndarray, op: str) -> None:
    if arr.dtype.kind not in _KINDS:
        raise TypeError(f"{op} does not support {name} of dtype {arr.dtype} (bool, float, complex)")


def _blocks(
    size: tuple[int, int], kernel_size, dilation, padding, stride
) -> tuple[tuple[int, ...], ...]:
    """Checked ``(kernel, dilation, padding, stride, blocks)`` per axis of a 2-d image.

    :func:`convviz.shapes.conv_output_size` counts the windows per axis and refuses a
    window larger than the padded image.
    """
    k = int_tuple("kernel_size", kernel_size, 2, 1)
    d = int_tuple("dilation", dilation, 2, 1)
    p = int_tuple("padding", padding, 2, 0)
    s = int_tuple("stride", stride, 2, 1)
    blocks = tuple(map(conv_output_size, size, k, s, p, d))
    return k, d, p, s, blocks


def _entries(n_batch, channels, size, k, d, p, s, blocks):
    """Every column entry that holds an image cell: ``(n, c, row, column, r, q)``.

    Row ``(c, i, j)`` and column ``(o_h, o_w)`` of the columns hold cell
    ``(r, q) = (s_h o_h + d_h i - p_h, s_w o_w + d_w j - p_w)`` of channel ``c``;
    entries whose cell falls in the padding hold zero and are skipped. ``unfold_loop``
    copies along this map and ``fold_loop`` adds back along it.
    """
    for n in range(n_batch):
        for c in range(channels):
            for i in range(k[0]):
                for j in range(k[1]):
                    row = (c * k[0] + i) * k[1] + j
                    for oh in range(blocks[0]):
                        for ow in range(blocks[1]):
                            r = s[0] * oh + d[0] * i - p[0]  # the cell in unpadded coordinates
                            q = s[1] * ow + d[1] * j - p[1]
                            if 0 <= r < size[0] and 0 <= q < size[1]:
                                yield n, c, row, oh * blocks[1] + ow, r, q


def _batched(x: np.ndarray, ndim: int) -> tuple[np.ndarray, bool]:
    return (x[None], True) if x.ndim == ndim - 1 else (x, False)


def unfold(
    x: np.ndarray,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """Every sliding window of ``x`` as a column (im2col), as ``F.unfold``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or (C, H, W)
        Images (bool, float or complex, as torch).
    kernel_size, dilation, padding, stride : int or (int, int)
        The window ``(k_h, k_w)``, the spacing of its taps (1: none), the zeros added
        on both sides of each axis, and the step between windows.

    Returns
    -------
    ndarray, shape (N, C k_h k_w, L) or (C k_h k_w, L)
        ``cols[n, (c, i, j), (o_h, o_w)] = x_pad[n, c, s_h o_h + d_h i, s_w o_w + d_w j]``
        with ``L = O_h O_w`` windows, ``O = floor((H + 2p - d (k - 1) - 1) / s) + 1``.

    Raises
    ------
    ValueError
        ``x`` not 3-d or 4-d, an empty channel or spatial axis, a non-positive kernel,
        dilation or stride, negative padding, or a window larger than the padded image.
    TypeError
        Integer or non-numeric ``x``; non-integer parameters.

    See Also
    --------
    unfold_loop : the same columns, one cell at a time.
    fold : the inverse direction, columns back to images (col2im).
    convviz.shapes.conv_output_shape : the window counts ``(O_h, O_w)``.
    convviz.conv.conv2d : the convolution, which is ``weight.reshape(C_out, -1) @ cols``.
    convviz.cost.conv_cost : the cost of that product.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> y = cv.unfold(x, 2)  # torch: F.unfold(x, 2)
    >>> y
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    >>> np.array_equal(y, cv.unfold_loop(x, 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.unfold(torch.from_numpy(x), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, unbatched = _unfold_input(x)
    k, d, p, s, blocks = _blocks(x.shape[2:], kernel_size, dilation, padding, stride)
    x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    windows = _windows(x, k, s, d)  # (N, C, O_h, O_w, k_h, k_w), a view
    rows = x.shape[1] * k[0] * k[1]  # spelt out: with N = 0 a -1 could not be inferred
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(x.shape[0], rows, math.prod(blocks))
    return cols[0] if unbatched else cols


def unfold_loop(
    x: np.ndarray,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """:func:`unfold` written as the loops of its formula (same arguments and result).

    See Also
    --------
    unfold : the vectorised twin, same result.
    fold : the inverse direction, columns back to images (col2im).
    convviz.shapes.conv_output_shape : the window counts ``(O_h, O_w)``.
    convviz.conv.conv2d : the convolution, which is ``weight.reshape(C_out, -1) @ cols``.
    convviz.cost.conv_cost : the cost of that product.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> y = cv.unfold_loop(x, 2)  # torch: F.unfold(x, 2)
    >>> y
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    >>> np.array_equal(y, cv.unfold(x, 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.unfold(torch.from_numpy(x), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, unbatched = _unfold_input(x)
    n_batch, channels, height, width = x.shape
    k, d, p, s, blocks = _blocks((height, width), kernel_size, dilation, padding, stride)
    cols = np.zeros((n_batch, channels * k[0] * k[1], blocks[0] * blocks[1]), dtype=x.dtype)
    for n, c, row, column, r, q in _entries(n_batch, channels, (height, width), k, d, p, s, blocks):
        cols[n, row, column] = x[n, c, r, q]
    return cols[0] if unbatched else cols


def _unfold_input(x: object) -> tuple[np.ndarray, bool]:
    x = as_array("x", x)
    check_ndim("x", x, (3, 4), "unfold")
    _dtype("x", x, "unfold")
    if 0 in x.shape[-3:]:
        raise ValueError(
            f"unfold needs non-empty channel and spatial axes, got x of shape {x.shape}"
        )
    return _batched(x, 4)


def _fold_input(x: object, output_size, kernel_size, dilation, padding, stride):
    x = as_array("x", x)
    check_ndim("x", x, (2, 3), "fold")
    _dtype("x", x, "fold")
    x, unbatched = _batched(x, 3)
    size = int_tuple("output_size", output_size, 2, 1)
    k, d, p, s, blocks = _blocks(size, kernel_size, dilation, padding, stride)
    rows, columns = x.shape[1:]
    if rows == 0 or rows % (k[0] * k[1]):
        raise ValueError(
            f"fold expects x.shape[-2] ({rows}) to be a positive multiple of "
            f"kernel_size[0] * kernel_size[1] = {k[0] * k[1]} (kernel_size={k})"
        )
    if columns != blocks[0] * blocks[1]:
        raise ValueError(
            f"fold expects x.shape[-1] ({columns}) to be the number of sliding blocks, "
            f"{blocks[0]} x {blocks[1]} = {blocks[0] * blocks[1]} for output_size={size}, "
            f"kernel_size={k}, dilation={d}, padding={p}, stride={s}"
        )
    return x, unbatched, size, k, d, p, s, blocks


def fold(
    x: np.ndarray,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """Columns back into images, adding overlaps (col2im), as ``F.fold``.

    Parameters
    ----------
    x : ndarray, shape (N, C k_h k_w, L) or (C k_h k_w, L)
        Columns laid out as :func:`unfold` returns them (bool, float or complex).
    output_size : int or (int, int)
        ``(H, W)`` of the image the columns came from.
    kernel_size, dilation, padding, stride : int or (int, int)
        As for :func:`unfold`; ``L`` must be the number of windows they give.

    Returns
    -------
    ndarray, shape (N, C, H, W) or (C, H, W)
        ``y[n, c, r, q] = sum of x[n, (c, i, j), (o_h, o_w)]`` over every ``(i, j, o_h,
        o_w)`` with ``s_h o_h + d_h i - p_h = r`` and ``s_w o_w + d_w j - p_w = q``.

    Raises
    ------
    ValueError
        ``x`` not 2-d or 3-d, ``x.shape[-2]`` not a positive multiple of ``k_h k_w``,
        ``x.shape[-1]`` not the number of windows, or invalid parameters.
    TypeError
        Integer or non-numeric ``x``; non-integer parameters.

    See Also
    --------
    fold_loop : the same sums, one cell at a time.
    unfold : the forward direction, images to columns (im2col).
    convviz.shapes.conv_output_shape : the window counts ``(O_h, O_w)``.
    convviz.transposed.conv_transpose2d : a transposed convolution is a product, then fold.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> cols = cv.unfold(x, 2)
    >>> y = cv.fold(cols, (3, 3), 2)  # torch: F.fold(cols, (3, 3), 2)
    >>> y  # every cell times the number of windows that cover it
    array([[[[ 0.,  2.,  2.],
             [ 6., 16., 10.],
             [ 6., 14.,  8.]]]])
    >>> np.array_equal(y, cv.fold_loop(cols, (3, 3), 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.fold(torch.from_numpy(cols), (3, 3), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, unbatched, size, k, d, p, s, blocks = _fold_input(
        x, output_size, kernel_size, dilation, padding, stride
    )
    n_batch, channels = x.shape[0], x.shape[1] // (k[0] * k[1])
    cols = x.reshape(n_batch, channels, k[0], k[1], *blocks)
    out = np.zeros((n_batch, channels, size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=x.dtype)
    for i in range(k[0]):  # one strided block of cells per tap, all windows at once
        for j in range(k[1]):
            rows = slice(d[0] * i, d[0] * i + s[0] * (blocks[0] - 1) + 1, s[0])
            cells = slice(d[1] * j, d[1] * j + s[1] * (blocks[1] - 1) + 1, s[1])
            out[:, :, rows, cells] += cols[:, :, i, j]
    out = out[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]]
    out = np.ascontiguousarray(out)
    return out[0] if unbatched else out


def fold_loop(
    x: np.ndarray,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """:func:`fold` written as the loops of its formula (same arguments and result).

    See Also
    --------
    fold : the vectorised twin, same result.
    unfold : the forward direction, images to columns (im2col).
    convviz.shapes.conv_output_shape : the window counts ``(O_h, O_w)``.
    convviz.transposed.conv_transpose2d : a transposed convolution is a product, then fold.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> cols = cv.unfold(x, 2)
    >>> y = cv.fold_loop(cols, (3, 3), 2)  # torch: F.fold(cols, (3, 3), 2)
    >>> y  # every cell times the number of windows that cover it
    array([[[[ 0.,  2.,  2.],
             [ 6., 16., 10.],
             [ 6., 14.,  8.]]]])
    >>> np.array_equal(y, cv.fold(cols, (3, 3), 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.fold(torch.from_numpy(cols), (3, 3), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, unbatched, size, k, d, p, s, blocks = _fold_input(
        x, output_size, kernel_size, dilation, padding, stride
    )
    n_batch, channels = x.shape[0], x.shape[1] // (k[0] * k[1])
    out = np.zeros((n_batch, channels, *size), dtype=x.dtype)
    for n, c, row, column, r, q in _entries(n_batch, channels, size, k, d, p, s, blocks):
        out[n, c, r, q] += x[n, row, column]
    return out[0] if unbatched else out
