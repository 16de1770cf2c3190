"""Chapter 12 figures: a pointwise (1x1) grouped convolution on each pixel's channel column."""

from __future__ import annotations

from functools import cache

import numpy as np

from convviz import cost, matrix
from convviz.figures._common import filter_triples, grouped_layer
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view

__all__ = ["PWG_CHOICES", "PWG_IMAGE", "pwg_dense_weights", "pwg_figure", "pwg_weights"]

CHAPTER = "12-pointwise-grouped-convolution"
TITLE = "Pointwise grouped convolution"

#: Input of the figure: 8 channels of a 2x2 image (4 pixels), small integers.
PWG_IMAGE = np.random.default_rng(12).integers(0, 4, size=(8, 2, 2)).astype(float)

#: Output channels of the figure's layer.
PWG_C_OUT = 8

#: Group counts the reader can choose.
PWG_CHOICES = (1, 2, 4, 8)


def _span(noun: str, first: int, count: int) -> str:
    """``channel 6`` for one, ``channels 4–7`` for several."""
    return f"{noun} {first}" if count == 1 else f"{noun}s {first}–{first + count - 1}"


def pwg_weights(groups: int) -> np.ndarray:
    """The figure's 1x1 weights for ``groups`` groups.

    Parameters
    ----------
    groups : int
        ``g``, a divisor of 8.

    Returns
    -------
    ndarray, shape (8, 8 / groups, 1, 1)
        Small nonzero integers (OIHW), fixed per ``groups``.
    """
    shape = (PWG_C_OUT, PWG_IMAGE.shape[0] // groups, 1, 1)
    w = np.random.default_rng(200 + groups).integers(-2, 3, size=shape).astype(float)
    return np.where(w == 0, 1.0, w)


def pwg_dense_weights(groups: int) -> np.ndarray:
    """The grouped 1x1 layer as one dense ``(C_out, C_in)`` matrix: block diagonal.

    Parameters
    ----------
    groups : int
        ``g``.

    Returns
    -------
    ndarray, shape (8, 8)
        ``cv.conv_matrix`` of the layer on a single pixel: zero outside the ``g``
        diagonal blocks.
    """
    c_in = PWG_IMAGE.shape[0]
    return matrix.conv_matrix((c_in, 1, 1), pwg_weights(groups), groups=groups, dense=True)


@cache
def _layer(groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = pwg_weights(groups)
    return (w, *grouped_layer(PWG_IMAGE, w, groups))


def _build(groups: int, out_channel: int) -> dict:
    c_in, h, w = PWG_IMAGE.shape
    hw = h * w
    weight, y, triples = _layer(groups)
    c_in_g = c_in // groups
    group = out_channel // (PWG_C_OUT // groups)
    first = group * c_in_g
    mine = filter_triples(triples, out_channel, hw, c_in_g)
    # x drawn as C_in×(H W): column q is pixel q's channel column, flat index = x's
    column_steps = steps_from_triples(mine, out=(2, 0), inp=(0, 0), ker=(1, 0))
    row_group = np.repeat(np.arange(c_in) // c_in_g, hw)  # group of each cell of x
    x_marks = {f"g{k}": np.flatnonzero(row_group == k).tolist() for k in range(groups)}
    col_panels = [
        grid(
            "x",
            # short labels: x, W and y share one row (the view title names the group's rows)
            f"x[c, q], {c_in}×{hw}: row c, pixel q",
            PWG_IMAGE.reshape(c_in, hw),
            role="input",
            marks=x_marks,
        ),
        grid(
            "W",
            f"W[{out_channel}, c]: output {out_channel}'s 1×1×{c_in_g} kernel",
            weight[out_channel, :, 0, 0][None, :],
            role="kernel",
            marks={f"g{group}": range(c_in_g)},
            origin=(out_channel, 0),
        ),
        grid(
            "y",
            f"y[{out_channel}, q]: output {out_channel} at pixel q",
            y[out_channel][None].reshape(1, hw),
            role="output",
            progressive=True,
            origin=(out_channel, 0),
        ),
    ]
    # the same sums with the dense block-diagonal matrix: weight index o*C_in + c
    dense = pwg_dense_weights(groups)
    # y = D·x in reading order: panels D (0), x (1), y (2); term: x[c, q] times D[o, c]
    dense_steps = [
        [(2, q, 1, (first + j) * hw + q, 0, out_channel * c_in + first + j) for j in range(c_in_g)]
        for q in range(hw)
    ]
    zeros = [i for i in range(dense.size) if dense.flat[i] == 0]
    d_group = np.repeat(np.arange(PWG_C_OUT) // (PWG_C_OUT // groups), c_in)
    d_marks = {
        f"g{k}": [i for i in range(dense.size) if dense.flat[i] != 0 and d_group[i] == k]
        for k in range(groups)
    }
    dense_panels = [
        grid(
            "D",
            # short labels: D, x and y = D·x share one row, in reading order
            f"D, {PWG_C_OUT}×{c_in}: row o, column c",
            dense,
            role="kernel",
            marks={"zero": zeros, **d_marks},
        ),
        grid(
            "x",
            f"x, {c_in}×{hw}",
            PWG_IMAGE.reshape(c_in, hw),
            role="input",
            marks=x_marks,
        ),
        grid(
            "y",
            f"row {out_channel} of y = D·x",
            y[out_channel].reshape(1, hw),
            role="output",
            progressive=True,
            origin=(out_channel, 0),
        ),
    ]
    grouped = cost.pointwise_grouped_cost((1, c_in, h, w), PWG_C_OUT, groups, bias=False)
    full = cost.pointwise_cost((1, c_in, h, w), PWG_C_OUT, bias=False)
    return {
        "legend": {
            "zero": "zero outside the blocks",
            **{f"g{k}": f"group {k}" for k in range(groups)},
        },
        "views": [
            view(
                f"g = {groups}: output channel {out_channel} (group {group}) mixes input "
                f"{_span('channel', first, c_in_g)} of each pixel",
                col_panels,
                column_steps,
            ),
            view(
                f"the same numbers as a matrix product y = D·x, D with {groups} "
                + ("block" if groups == 1 else "diagonal blocks"),
                dense_panels,
                dense_steps,
            ),
        ],
        "formula": [
            "y[o, q] = Σ over c < C_in/g of W[o, c]·x[j(o)·C_in/g + c, q]   at every pixel q,   "
            "j(o) = ⌊o / (C_out/g)⌋",
            f"MACs per output value = C_in/g = {c_in}/{groups} = {c_in_g}",
            f"MACs = H·W·C_in·C_out/g = {h}·{w}·{c_in}·{PWG_C_OUT}/{groups} = {grouped.macs}"
            f"  (dense 1x1: {full.macs}, {groups}× more)",
            f"weights = C_in·C_out/g = {grouped.params}  (dense 1x1: {full.params})",
        ],
        "code": (
            f"w = torch.randn({PWG_C_OUT}, {c_in_g}, 1, 1)   # (C_out, C_in/g, 1, 1)\n"
            f"F.conv2d(x, w, groups={groups})"
        ),
    }


def pwg_figure() -> Figure:
    """A 1x1 grouped convolution: each output mixes only its group's channels of a pixel.

    Returns
    -------
    Figure
        Controls: the number of groups (1, 2, 4, 8) and the output channel.
    """
    c_in, h, w = PWG_IMAGE.shape
    return Figure(
        id="pointwise-grouped",
        title="Pointwise grouped convolution: a 1x1 layer whose outputs read one group each",
        description=(
            f"An input of {c_in} channels and {h * w} pixels, drawn as a {c_in}-row table: "
            "each column is one pixel's channel column. A 1x1 convolution with "
            f"{PWG_C_OUT} output channels and g groups computes, at every pixel, each output "
            "channel as a weighted sum of the input channels of its group only (the rows outlined in its group's colour and pattern). "
            "Each step computes the chosen output channel at one pixel, with C_in/g terms. "
            "Below, the same layer is a dense matrix with g diagonal blocks and zeros "
            "elsewhere. The formula lines count the multiply-accumulates: g times fewer than "
            "a dense 1x1 layer."
        ),
        controls=[
            Control("groups", "groups g", list(PWG_CHOICES), default=1, widget="buttons"),
            Control("out_channel", "output channel", list(range(PWG_C_OUT)), default=6),
        ],
        build=_build,
    )


FIGURES = [pwg_figure]
