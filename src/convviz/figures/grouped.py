"""Chapter 10 figures: a grouped convolution's filters see only their group's channels."""

from __future__ import annotations

from functools import cache

import numpy as np

from convviz import cost
from convviz import groups as cv_groups
from convviz.figures._common import filter_triples, grouped_layer
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view

__all__ = ["GROUP_CHOICES", "GROUP_IMAGE", "group_weights", "grouped_figure"]

CHAPTER = "10-grouped-convolution"
TITLE = "Grouped convolution"

#: Input of the figure: 8 channels of a 4x4 image, small integers.
GROUP_IMAGE = np.random.default_rng(10).integers(0, 4, size=(8, 4, 4)).astype(float)

#: Output channels of the figure's layer.
GROUP_C_OUT = 8

#: Kernel size of the figure's layer.
GROUP_K = 2

#: The group counts the reader can choose: every divisor of the 8 channels.
GROUP_CHOICES = (1, 2, 4, 8)


def _span(noun: str, first: int, count: int) -> str:
    """``channel 6`` for one, ``channels 4–7`` for several."""
    return f"{noun} {first}" if count == 1 else f"{noun}s {first}–{first + count - 1}"


def group_weights(groups: int) -> np.ndarray:
    """The figure's weights for ``groups`` groups.

    Parameters
    ----------
    groups : int
        ``g``, a divisor of 8.

    Returns
    -------
    ndarray, shape (8, 8 / groups, 2, 2)
        Small integers (OIHW), fixed per ``groups``.
    """
    shape = (GROUP_C_OUT, GROUP_IMAGE.shape[0] // groups, GROUP_K, GROUP_K)
    return np.random.default_rng(100 + groups).integers(-1, 3, size=shape).astype(float)


@cache
def _layer(groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, output and matrix triples of the figure's layer with ``groups`` groups."""
    weight = group_weights(groups)
    return (weight, *grouped_layer(GROUP_IMAGE, weight, groups))


def _build(groups: int, out_channel: int) -> dict:
    c_in, h, w = GROUP_IMAGE.shape
    weight, y, triples = _layer(groups)
    c_in_g, c_out_g = c_in // groups, GROUP_C_OUT // groups
    group = out_channel // c_out_g
    first = group * c_in_g
    oh, ow = y.shape[1:]
    per_out = oh * ow
    # the kernel panels hold filter `out_channel` only: one 2x2 panel per channel it reads
    mine = filter_triples(triples, out_channel, per_out, c_in_g * GROUP_K * GROUP_K)
    taps = GROUP_K * GROUP_K
    steps = steps_from_triples(mine, out=(c_in + c_in_g, 0), inp=(0, h * w), ker=(c_in, taps))

    def colour(grp: int, cells: int) -> dict[str, range]:
        return {f"g{grp}": range(cells)}

    panels = [
        grid(
            f"x{c}",
            f"x{c} · group {c // c_in_g}" + (" (read)" if c // c_in_g == group else ""),
            GROUP_IMAGE[c],
            role="input",
            marks=colour(c // c_in_g, h * w),
            cell=30,  # four channels a line in the text column (numbers print from 30 px)
        )
        for c in range(c_in)
    ]
    panels += [
        grid(
            f"W[{out_channel},{j}]",
            f"W[{out_channel},{j}] on x{first + j} · group {group}",
            weight[out_channel, j],
            role="kernel",
            marks=colour(group, taps),
        )
        for j in range(c_in_g)
    ]
    panels.append(
        grid(
            f"y{out_channel}",  # named like x4: its sum reads y5[0,0] = x4[0,0]·W[5,0,0,0] + ...
            f"y{out_channel} · group {group}: output",
            y[out_channel],
            role="output",
            progressive=True,
            marks=colour(group, oh * ow),
        )
    )
    # the filters against the input channels: row o is filter o, a 1 where it has a kernel
    connect = cv_groups.group_connections(c_in, GROUP_C_OUT, groups)
    rows_of = np.arange(GROUP_C_OUT)[:, None] // c_out_g
    cell_group = np.where(connect > 0, rows_of, -1).ravel()
    marks = {f"g{k}": np.flatnonzero(cell_group == k).tolist() for k in range(groups)}
    conn_panel = grid(
        "M",
        f"all {GROUP_C_OUT} filters (rows o) against the {c_in} input channels (columns c): "
        f"1 where filter o has a kernel on channel c, C_in/g = {c_in_g} per row",
        connect,
        role="other",
        marks=marks,
    )
    grouped = cost.grouped_conv_cost((1, c_in, h, w), GROUP_C_OUT, GROUP_K, groups, bias=False)
    dense = cost.conv_cost((1, c_in, h, w), GROUP_C_OUT, GROUP_K, bias=False)
    ratio = cost.grouped_params_ratio(groups)
    kind = " (depthwise: g = C_in)" if groups == c_in else ""
    return {
        "legend": {f"g{k}": f"group {k}" for k in range(groups)},
        "views": [
            view(
                f"g = {groups}{kind}: output channel {out_channel} is in group {group}, "
                f"so it reads input {_span('channel', first, c_in_g)} only; below them, "
                f"filter {out_channel}'s {c_in_g} "
                + ("kernel" if c_in_g == 1 else "kernels")
                + " and its output",
                panels,
                steps,
                # four input channels a line, then the filter's kernels and its output
                breaks=[4, c_in],
                volumes=[
                    (f"input x, {c_in}×{h}×{w}", range(c_in)),
                    (
                        f"filter {out_channel}, {c_in_g}×{GROUP_K}×{GROUP_K}",
                        range(c_in, c_in + c_in_g),
                    ),
                    (f"output channel {out_channel}, {oh}×{ow}", [c_in + c_in_g]),
                ],
            ),
            view(
                f"every filter of the layer, partitioned into {groups} "
                + ("group" if groups == 1 else "groups")
                + " (block diagonal)",
                [conn_panel],
                [],
            ),
        ],
        "formula": [
            "y[o] = Σ over c < C_in/g of W[o, c] ⋆ x[j(o)·C_in/g + c],   j(o) = ⌊o / (C_out/g)⌋",
            f"each filter spans C_in/g = {c_in}/{groups} = {c_in_g} input "
            + ("channel" if c_in_g == 1 else "channels")
            + f"; each group makes C_out/g = {GROUP_C_OUT}/{groups} = {c_out_g} output "
            + ("channel" if c_out_g == 1 else "channels"),
            f"weights = C_out·(C_in/g)·k_h·k_w = {GROUP_C_OUT}·{c_in_g}·{GROUP_K}·{GROUP_K} "
            f"= {grouped.params}  (dense: {dense.params}, ratio {ratio})",
            f"MACs = H_out·W_out·C_out·(C_in/g)·k_h·k_w = {oh}·{ow}·{GROUP_C_OUT}·{c_in_g}·"
            f"{GROUP_K}·{GROUP_K} = {grouped.macs}  (dense: {dense.macs})",
        ],
        "code": (
            f"w = torch.randn({GROUP_C_OUT}, {c_in_g}, {GROUP_K}, {GROUP_K})   # (C_out, C_in/g, k, k)\n"
            f"F.conv2d(x, w, groups={groups})\n"
            f"nn.Conv2d({c_in}, {GROUP_C_OUT}, {GROUP_K}, groups={groups}, bias=False)"
            f".weight.numel()  # {grouped.params}"
        ),
    }


def grouped_figure() -> Figure:
    """A grouped convolution: each output channel's sum runs over its group's input channels.

    Returns
    -------
    Figure
        Controls: the number of groups (1, 2, 4, 8) and the output channel followed.
    """
    c_in, h, w = GROUP_IMAGE.shape
    return Figure(
        id="grouped",
        title="Grouped convolution: each filter sees only its group's input channels",
        description=(
            f"An input of {c_in} channels of {h}x{w} pixels (one panel per channel) goes through "
            f"a {GROUP_K}x{GROUP_K} convolution with {GROUP_C_OUT} output channels, split into "
            "1, 2, 4 or 8 groups, four input channels a line. Every group has its own colour "
            "and line pattern (solid, dashed, dotted, ...), the same on the outline of the "
            "input channels, of the kernels of the filter followed and of its output channel; "
            "the cells keep the colours of their values, white for zero. Each "
            "step computes one pixel of the chosen output channel: the highlighted terms come "
            "only from the channels of its group, each multiplied by the filter's kernel for "
            "that channel. Below, all the filters of the layer, one row each against the input "
            "channels, with a 1 where a filter has a kernel, each group's block outlined in its "
            "colour and pattern: with g groups the matrix is block diagonal with g blocks. "
            "The formula lines give the "
            "weights and multiplications, 1/g of the dense layer's."
        ),
        controls=[
            Control("groups", "groups g", list(GROUP_CHOICES), default=1, widget="buttons"),
            Control("out_channel", "output channel", list(range(GROUP_C_OUT)), default=5),
        ],
        build=_build,
    )


FIGURES = [grouped_figure]
