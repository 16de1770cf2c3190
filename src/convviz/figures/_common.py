"""Helpers shared by several chapters' figure modules (no maths of their own: they call convviz)."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix
from convviz.figures.engine import grid


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 cell"``, ``"3 cells"``: a count with its noun in the right number (never "cell(s)")."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def grouped_layer(
    image: np.ndarray, weight: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Output and matrix triples of a grouped 2D convolution of one image.

    Parameters
    ----------
    image : ndarray, shape (C_in, H, W)
        One image, no batch axis.
    weight : ndarray, shape (C_out, C_in / groups, k_h, k_w)
        OIHW weights.
    groups : int
        ``g``.

    Returns
    -------
    y : ndarray, shape (C_out, H_out, W_out)
        ``conv2d(image, weight, groups=groups)`` without the batch axis.
    triples : ndarray of int64, shape (nnz, 3)
        :func:`convviz.conv_triples` of the same layer.
    """
    y = conv.conv2d(image[None], weight, groups=groups)[0]
    return y, matrix.conv_triples(image.shape, weight.shape, groups=groups)


def pad_cells(height: int, width: int, p: int) -> list[int]:
    """Flat indices of the padding ring in a ``(height + 2p, width + 2p)`` grid."""
    hp, wp = height + 2 * p, width + 2 * p
    return [
        r * wp + c
        for r in range(hp)
        for c in range(wp)
        if not (p <= r < p + height and p <= c < p + width)
    ]


def padded_conv_panels(
    padded: np.ndarray,
    size: tuple[int, int],
    pad: int,
    marks: dict[str, list[int]],
    kernel: np.ndarray,
    output: np.ndarray,
    *,
    scale: str = "diverging",
    output_canvas: bool = False,
) -> list[dict]:
    """Panels ``x, w, y`` of a one-channel 2D convolution drawn on its zero-padded input.

    Parameters
    ----------
    padded : ndarray, shape (H + 2p, W + 2p)
        The input with its zeros (drawn dashed with ``marks["pad"]``).
    size : (int, int)
        ``(H, W)`` of the input before padding.
    pad : int
        ``p``; the panel's origin is ``(-p, -p)`` so cells are numbered as in ``x``.
    marks : dict
        Marks of the input panel (``pad``, and e.g. ``drop``).
    kernel : ndarray, shape (k, k)
        The kernel.
    output : ndarray, shape (H_out, W_out)
        The convolution's output, filled in step by step.
    scale : {'diverging', 'image'}
        Colours of the input panel (``image``: grey, dark to bright, for a picture).
    output_canvas : bool
        Paint the output on a canvas at every size (``grid(canvas=True)``).
    """
    h, w = size
    k = kernel.shape[0]
    oh, ow = output.shape
    return [
        grid(
            "x",
            f"input x, {h}×{w}" + (f", padded by {pad} (dashed zeros)" if pad else ""),
            padded,
            role="input",
            origin=(-pad, -pad),
            marks=marks,
            scale=scale,
        ),
        grid("w", f"kernel w, {k}×{k}", kernel, role="kernel"),
        grid(
            "y",
            f"output y, {oh}×{ow}",
            output,
            role="output",
            progressive=True,
            canvas=output_canvas,
        ),
    ]


def filter_triples(
    triples: np.ndarray, out_channel: int, per_channel: int, per_filter: int
) -> np.ndarray:
    """The triples of one output channel, renumbered to start at 0.

    Parameters
    ----------
    triples : ndarray of int, shape (nnz, 3)
        Triples ``(r, c, w)`` of a whole layer (:func:`convviz.conv_triples`).
    out_channel : int
        The output channel kept.
    per_channel : int
        Output cells per channel (``H_out W_out``).
    per_filter : int
        Weights per filter (``C_in / g * k_h * k_w``).

    Returns
    -------
    ndarray of int, shape (nnz_o, 3)
        The rows with ``r // per_channel == out_channel``, ``r`` counted within the
        channel and ``w`` within the channel's filter; ``c`` unchanged.
    """
    mine = triples[triples[:, 0] // per_channel == out_channel].copy()
    mine[:, 0] -= out_channel * per_channel
    mine[:, 2] -= out_channel * per_filter
    return mine
