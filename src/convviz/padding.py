"""Padding an array, as ``torch.nn.functional.pad`` does.

``pad`` lists ``(left, right)`` pairs starting from the *last* axis:
``pad=(1, 1, 2, 0)`` adds one cell on each side of the last axis and two cells
before the second-to-last. Four modes fill the new cells:

* ``'constant'``: a fixed ``value`` (zero by default);
* ``'reflect'``: the mirror image, without repeating the edge (``d c b | a b c d``);
* ``'replicate'``: the edge cell repeated (``a a a | a b c d``);
* ``'circular'``: the array wrapped around (``b c d | a b c d``).

Negative entries crop instead of pad.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convviz._validate import as_array, check_choice

__all__ = ["pad", "pad_loop"]

MODES = ("constant", "reflect", "replicate", "circular")


def _check_pad(x: np.ndarray, pad: Sequence[int], mode: str, value: float | None) -> list:
    """Torch's rules for ``F.pad``; returns ``[(axis, left, right), ...]``."""
    check_choice("mode", mode, MODES)
    if isinstance(pad, (str, bytes)) or not isinstance(pad, Sequence | np.ndarray):
        raise TypeError(f"pad must be a sequence of integers, got pad={pad!r}")
    pad = list(pad)
    for p in pad:
        if isinstance(p, bool) or not hasattr(p, "__index__"):
            raise TypeError(f"pad must contain integers, got pad={tuple(pad)!r}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise ValueError(f"pad must have an even length, got pad={tuple(pad)} of length {len(pad)}")
    n = len(pad) // 2
    if n > x.ndim:
        raise ValueError(
            f"pad={tuple(pad)} pads {n} axes but x has only {x.ndim} (shape {x.shape})"
        )
    pairs = [(x.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(n)]
    if mode == "constant":
        if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"value must be a real number, got value={value!r}")
        for axis, left, right in pairs:
            kept = x.shape[axis] + min(left, 0) + min(right, 0)  # torch crops, then pads
            if kept < 0:
                raise ValueError(
                    f"pad={tuple(pad)} crops more than axis {axis} holds: "
                    f"{x.shape[axis]} + {min(left, 0)} + {min(right, 0)} < 0"
                )
        return pairs
    if value not in (None, 0):
        raise ValueError(f"mode={mode!r} takes no value argument, got value={value!r}")
    if n not in (1, 2, 3) or x.ndim not in (n + 1, n + 2):
        raise ValueError(
            f"mode={mode!r} pads the last 1, 2 or 3 axes of an input with one or two more "
            f"axes (channels, batch); got pad={tuple(pad)} ({n} axes) for x of shape {x.shape}"
        )
    if mode in ("reflect", "replicate"):
        if x.dtype == bool:
            raise TypeError(f"mode={mode!r} does not support x of dtype bool")
        first = x.ndim - n - 1 if x.ndim == n + 2 else 0
        if 0 in x.shape[first:]:
            raise ValueError(
                f"mode={mode!r} needs non-empty channel and spatial axes, got x of shape {x.shape}"
            )
    for axis, left, right in pairs:
        size = x.shape[axis]
        if mode == "reflect" and (left >= size or right >= size):
            raise ValueError(
                f"mode='reflect' needs each pad < the size of its axis, got pad=({left}, {right}) "
                f"for axis {axis} of size {size}"
            )
        kept = size + min(left, 0) + min(right, 0)
        if mode == "circular" and x.size and kept <= 0 < max(left, right):
            raise ValueError(
                f"mode='circular' crops first and then wraps the remaining cells, but "
                f"pad=({left}, {right}) leaves none of axis {axis} of size {size}"
            )
        if mode == "circular" and (left > size or right > size):
            raise ValueError(
                f"mode='circular' needs each pad <= the size of its axis (wraps at most once), "
                f"got pad=({left}, {right}) for axis {axis} of size {size}"
            )
        if size + left + right < 0:
            raise ValueError(
                f"pad=({left}, {right}) leaves {size + left + right} cells of axis {axis} "
                f"(size {size}) in mode={mode!r}"
            )
    sizes = tuple(x.shape[axis] + left + right for axis, left, right in pairs)
    if mode != "circular" and max(sizes) < 1:  # torch: an empty axis only beside kept ones
        raise ValueError(
            f"pad={tuple(pad)} leaves {sizes} cells on the padded axes of x of shape {x.shape}; "
            f"mode={mode!r} needs at least one of them non-empty"
        )
    return pairs


def _source_index(size: int, left: int, right: int, mode: str) -> np.ndarray:
    """For each output cell of one axis, the input cell it copies (or -1 for ``value``)."""
    if mode == "circular":  # torch crops first, then wraps what is left
        lo, hi = max(-left, 0), size - max(-right, 0)
        kept = np.arange(lo, hi)
        if kept.size == 0:  # only reached for an empty x: any index will do
            return np.zeros(max(size + left + right, 0), dtype=int)
        return kept[np.arange(-max(left, 0), kept.size + max(right, 0)) % kept.size]
    j = np.arange(-left, size + right)  # position of each output cell in input coordinates
    if mode == "constant":
        return np.where((j >= 0) & (j < size), j, -1)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    j = np.abs(j)  # reflect: mirror about the first and the last cell
    return np.where(j >= size, 2 * (size - 1) - j, j)


def _fill_value(x: np.ndarray, value: float | None) -> object:
    """``value`` converted to ``x.dtype`` as torch converts it (ints truncate, range checked)."""
    value = 0 if value is None else value
    if x.dtype.kind in "iu":
        if not np.isfinite(value) or not (
            np.iinfo(x.dtype).min <= int(value) <= np.iinfo(x.dtype).max
        ):
            raise ValueError(f"value={value!r} does not fit in x of dtype {x.dtype}")
        return int(value)
    if x.dtype == bool:
        return bool(value)
    return value


def pad(
    x: np.ndarray,
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> np.ndarray:
    """Pad (or crop) the last ``len(pad) // 2`` axes of ``x``, as ``F.pad``.

    Parameters
    ----------
    x : ndarray, shape (*, D_1, ..., D_m)
        Any numeric array. The non-constant modes need ``m`` in 1..3 and ``x`` of
        ``m + 1`` (unbatched, ``(C, *D)``) or ``m + 2`` (``(N, C, *D)``) axes.
    pad : sequence of int, length 2m
        ``(left_m, right_m, left_{m-1}, right_{m-1}, ...)``: the last axis first.
        Negative entries crop.
    mode : {'constant', 'reflect', 'replicate', 'circular'}
        How the new cells are filled.
    value : float, optional
        Fill value for ``'constant'`` (default 0).

    Returns
    -------
    ndarray, shape (*, D_1 + l_1 + r_1, ..., D_m + l_m + r_m)
        Output cell ``j`` of a padded axis copies input cell ``j - l``, mapped back
        into ``[0, D)`` by the mode: ``|i|`` then ``2(D - 1) - i`` (reflect),
        ``clip(i, 0, D - 1)`` (replicate), ``i mod D`` (circular).

    Raises
    ------
    ValueError
        Odd ``pad`` length, more pairs than axes, a reflect pad ``>= D``, a
        circular pad ``> D``, a crop that leaves no cells, or a mode/shape pair
        torch does not support.

    See Also
    --------
    pad_loop : the same cells, one at a time.
    convviz.conv.conv2d : ``padding_mode`` pads with this function before convolving.
    convviz.shapes.same_padding : the padding that keeps the size.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(4.0).reshape(1, 1, 4)
    >>> y = cv.pad(x, (1, 2), mode="reflect")  # torch: F.pad(x, (1, 2), mode="reflect")
    >>> y
    array([[[1., 0., 1., 2., 3., 2., 1.]]])
    >>> np.array_equal(y, cv.pad_loop(x, (1, 2), mode="reflect"))
    True
    >>> cv.pad(x, (1, 2))
    array([[[0., 0., 1., 2., 3., 0., 0.]]])
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.pad(torch.from_numpy(x), (1, 2), mode="reflect")
    ...     assert np.allclose(t.numpy(), y)
    """
    x = as_array("x", x)
    pairs = _check_pad(x, pad, mode, value)
    if mode == "constant":  # crop what is cut, copy the rest into a filled array
        shape, src, dst = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for axis, left, right in pairs:
            size = x.shape[axis]
            kept = size + min(left, 0) + min(right, 0)
            shape[axis] = size + left + right
            src[axis] = slice(max(-left, 0), max(-left, 0) + kept)
            dst[axis] = slice(max(left, 0), max(left, 0) + kept)
        out = np.full(shape, _fill_value(x, value), dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        return out
    out = x
    for axis, left, right in pairs:
        out = np.take(out, _source_index(x.shape[axis], left, right, mode), axis=axis)
    return out if out is not x else x.copy()


def pad_loop(
    x: np.ndarray,
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> np.ndarray:
    """:func:`pad` written as a loop over output cells (same arguments and result).

    See Also
    --------
    pad : the vectorised twin, same result.
    convviz.conv.conv2d : ``padding_mode`` pads with this function before convolving.
    convviz.shapes.same_padding : the padding that keeps the size.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(4.0).reshape(1, 1, 4)
    >>> y = cv.pad_loop(x, (1, 2), mode="reflect")  # torch: F.pad(x, (1, 2), mode="reflect")
    >>> y
    array([[[1., 0., 1., 2., 3., 2., 1.]]])
    >>> np.array_equal(y, cv.pad(x, (1, 2), mode="reflect"))
    True
    >>> cv.pad_loop(x, (1, 2))
    array([[[0., 0., 1., 2., 3., 0., 0.]]])
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.pad(torch.from_numpy(x), (1, 2), mode="reflect")
    ...     assert np.allclose(t.numpy(), y)
    """
    x = as_array("x", x)
    pairs = _check_pad(x, pad, mode, value)
    shape = list(x.shape)
    sources = [np.arange(n) for n in shape]  # identity on unpadded axes
    for axis, left, right in pairs:
        sources[axis] = _source_index(shape[axis], left, right, mode)
        shape[axis] = sources[axis].size
    out = np.empty(shape, dtype=x.dtype)
    for j in np.ndindex(*shape):
        i = tuple(sources[axis][k] for axis, k in enumerate(j))
        out[j] = _fill_value(x, value) if min(i, default=0) < 0 else x[i]
    return out
