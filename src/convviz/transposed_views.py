"""Two ways to see a transposed convolution: as stamps, and as a direct convolution.

* **Stamps.** Every input cell ``x[j]`` adds a copy of the kernel, scaled by its
  value, to the output with the copy's corner at ``s j`` (taps ``d`` apart);
  :func:`transposed_stamps` returns those copies one by one, before they are
  added up and before ``padding`` crops the result.
* **Direct form.** The same output is an ordinary stride-1 convolution of the
  input with ``s - 1`` zeros inserted between neighbours and ``d (k - 1) - p``
  zeros of padding (plus ``a`` at the far end), with the kernel flipped and its
  two channel axes swapped: :func:`direct_conv_input` and :func:`direct_conv_weight`
  build those operands, :func:`convviz.shapes.direct_equivalent` gives the numbers.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285 (2016), section 4 (relationships 8-14).
"""

from __future__ import annotations

import numpy as np

from convviz._validate import as_array, int_tuple
from convviz.conv import IntOrTuple
from convviz.shapes import direct_equivalent

__all__ = ["direct_conv_input", "direct_conv_weight", "transposed_stamps"]


def _spatial(name: str, x: np.ndarray, lead: int) -> int:
    """Number of spatial axes of ``x`` after ``lead`` leading axes (1 to 3), or raise."""
    nd = x.ndim - lead
    if not 1 <= nd <= 3:
        raise ValueError(
            f"{name} must have {lead} leading axes and 1 to 3 spatial axes, got "
            f"{name}.shape={x.shape}"
        )
    return nd


def direct_conv_input(
    x: np.ndarray,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """The input of the stride-1 convolution that equals a transposed convolution.

    Along every spatial axis: put ``s - 1`` zeros between neighbouring cells, then
    ``p' = d (k - 1) - p`` zeros before and ``p' + a`` after (a negative count
    crops that many cells instead). Then

    ``conv{n}d(direct_conv_input(x, k, s, p, a, d), direct_conv_weight(w), dilation=d)``
    equals ``conv_transpose{n}d(x, w, stride=s, padding=p, output_padding=a, dilation=d)``
    (``groups=1``).

    Parameters
    ----------
    x : ndarray, shape (N, C_in, *spatial)
        Input of the transposed convolution, with 1 to 3 spatial axes.
    kernel_size, stride, padding, output_padding, dilation : int or tuple of int
        ``k, s, p, a, d`` of the transposed convolution, one value for every
        spatial axis or one per axis (PyTorch's arguments).

    Returns
    -------
    ndarray, shape (N, C_in, *spatial')
        ``spatial'[i] = (spatial[i] - 1) s + 1 + 2 p' + a``, dtype of ``x``.

    Raises
    ------
    ValueError
        If ``x`` does not have 1 to 3 spatial axes, a size is below 1, ``p`` or
        ``a`` is negative, or ``a >= max(s, d)`` (PyTorch's rule), naming the
        argument.
    TypeError
        If an argument is not an integer (or a tuple of them).

    References
    ----------
    V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep
    learning", arXiv:1603.07285 (2016), relationships 8-14.
    """
    x = as_array("x", x)
    nd = _spatial("x", x, 2)
    ks = int_tuple("kernel_size", kernel_size, nd, 1)
    ss = int_tuple("stride", stride, nd, 1)
    ps = int_tuple("padding", padding, nd, 0)
    ap = int_tuple("output_padding", output_padding, nd, 0)
    ds = int_tuple("dilation", dilation, nd, 1)
    out = x
    for axis, (k, s, p, a, d) in enumerate(zip(ks, ss, ps, ap, ds, strict=True), start=2):
        eq = direct_equivalent(k, s, p, a, d)
        n = out.shape[axis]
        shape = list(out.shape)
        shape[axis] = (n - 1) * s + 1 + max(eq.pad_before, 0) + max(eq.pad_after, 0)
        grown = np.zeros(shape, dtype=out.dtype)
        where = [slice(None)] * out.ndim
        start = max(eq.pad_before, 0)
        where[axis] = slice(start, start + (n - 1) * s + 1, s)
        grown[tuple(where)] = out
        keep = [slice(None)] * out.ndim
        keep[axis] = slice(max(-eq.pad_before, 0), shape[axis] - max(-eq.pad_after, 0))
        out = grown[tuple(keep)]
    return out


def direct_conv_weight(weight: np.ndarray) -> np.ndarray:
    """The kernel of the direct form: the transposed convolution's, flipped, channels swapped.

    Parameters
    ----------
    weight : ndarray, shape (C_in, C_out, *K)
        Weight of ``conv_transpose{n}d`` (``groups=1``), 1 to 3 spatial axes.

    Returns
    -------
    ndarray, shape (C_out, C_in, *K)
        ``w'[o, c, t] = w[c, o, K - 1 - t]`` on every spatial axis: the weight of
        the ordinary convolution that :func:`direct_conv_input` feeds.

    Raises
    ------
    ValueError
        If ``weight`` does not have 2 channel axes and 1 to 3 spatial axes.
    """
    w = as_array("weight", weight)
    nd = _spatial("weight", w, 2)
    flipped = np.flip(w, axis=tuple(range(2, 2 + nd)))
    return np.swapaxes(flipped, 0, 1).copy()


def transposed_stamps(x: np.ndarray, weight: np.ndarray, stride: IntOrTuple = 1) -> np.ndarray:
    """The scaled copies of the kernel that the input cells of a transposed convolution add up.

    One channel, no dilation, nothing cropped:

    .. math::

        \\text{stamps}[j, s \\odot j + t] = x[j] \\, w[t]

    for every input cell ``j`` (in row-major order) and tap ``t``, zeros
    elsewhere. ``stamps.sum(axis=0)`` is the full output of the transposed
    convolution; cutting ``p`` cells from both ends of each axis gives
    ``conv_transpose{n}d(x, w, stride=s, padding=p)``, and a running sum over the
    first axis is the output as the scatter builds it, one input cell at a time.

    Parameters
    ----------
    x : ndarray, shape (*spatial)
        One channel of input, 1 to 3 axes.
    weight : ndarray, shape (*K)
        The kernel, as many axes as ``x``.
    stride : int or tuple of int, default 1
        ``s``, one value or one per axis.

    Returns
    -------
    ndarray, shape (prod(spatial), *full)
        ``full[i] = (spatial[i] - 1) s + K[i]``; dtype float64 (or complex128).

    Raises
    ------
    ValueError
        If ``x`` has no axis or more than 3, ``weight`` a different number of axes,
        an axis is empty, or ``stride`` is below 1, naming the argument.
    TypeError
        If ``stride`` is not an integer (or a tuple of them).

    References
    ----------
    A. Odena, V. Dumoulin and C. Olah, "Deconvolution and checkerboard
    artifacts", Distill (2016): the stamps and their overlap.
    """
    x = as_array("x", x)
    w = as_array("weight", weight)
    nd = _spatial("x", x, 0)
    if w.ndim != nd:
        raise ValueError(
            f"weight must have as many axes as x, got x.shape={x.shape}, weight.shape={w.shape}"
        )
    if x.size == 0 or w.size == 0:
        raise ValueError(
            f"x and weight must not be empty, got x.shape={x.shape}, weight.shape={w.shape}"
        )
    ss = int_tuple("stride", stride, nd, 1)
    full = tuple((n - 1) * s + k for n, s, k in zip(x.shape, ss, w.shape, strict=True))
    dtype = np.result_type(x.dtype, w.dtype, np.float64)
    out = np.zeros((x.size, *full), dtype=dtype)
    for j, cell in enumerate(np.ndindex(*x.shape)):
        corner = tuple(slice(c * s, c * s + k) for c, s, k in zip(cell, ss, w.shape, strict=True))
        out[(j, *corner)] = x[cell] * w
    return out
