"""Chapter 9 figures: a rank-1 3D filter is three 1D filters (channel, vertical, horizontal)."""

from __future__ import annotations

import numpy as np

from convviz import conv, cost, matrix, shapes
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view, volume
from convviz.lowrank import rank1_filter

__all__ = [
    "FL_CELL",
    "FL_CHANNEL",
    "FL_HORIZONTAL",
    "FL_IMAGE",
    "FL_VERTICAL",
    "flattened_figure",
]

CHAPTER = "09-flattened-convolution"
TITLE = "Flattened convolution"

#: The input of the figure: 4 channels of 6x6 small integers (the first C are used).
FL_IMAGE = np.random.default_rng(90).integers(0, 4, size=(4, 6, 6)).astype(float)

#: Cell side of the figure's grids, in px (numbers print from 30): three 6x6 input channels
#: share a line of the text column.
FL_CELL = 30

#: The channel (lateral) filter: the first C entries are used.
FL_CHANNEL = np.array([1.0, -1.0, 2.0, 1.0])

#: The vertical and horizontal 1D filters, by kernel side k.
FL_VERTICAL: dict[int, np.ndarray] = {
    3: np.array([1.0, 2.0, 1.0]),
    5: np.array([1.0, 2.0, 3.0, 2.0, 1.0]),
}
FL_HORIZONTAL: dict[int, np.ndarray] = {
    3: np.array([1.0, 0.0, -1.0]),
    5: np.array([1.0, 1.0, 0.0, -1.0, -1.0]),
}


def _build(channels: int, k: int) -> dict:
    C = channels
    x = FL_IMAGE[:C]
    n = x.shape[1]
    c, v, h = FL_CHANNEL[:C], FL_VERTICAL[k], FL_HORIZONTAL[k]
    P = np.outer(v, h)
    W = rank1_filter(c, v, h)
    o = shapes.conv_output_size(n, k)
    # view 1: the filter from its three factors
    f_panels = [
        grid("v", f"vertical v, {k}×1", v.reshape(k, 1), role="input", cell=FL_CELL),
        grid("h", f"horizontal h, 1×{k}", h.reshape(1, k), role="kernel", cell=FL_CELL),
        grid("P", f"P = v hᵀ, {k}×{k}", P, role="output", progressive=True, cell=FL_CELL),
        grid("a", f"lateral a, length {C}", c, role="input", cell=FL_CELL),
    ] + [
        grid(
            f"W{i}",
            f"W{i} = a[{i}]·P (slice {i} of W)",
            W[i],
            role="output",
            progressive=True,
            cell=FL_CELL,
        )
        for i in range(C)
    ]
    # the 1D filters as thin blocks along height (v), width (h) and depth (a)
    f_volumes = [
        (f"v, {k}×1", [0]),
        (f"h, 1×{k}", [1]),
        (f"P = v hᵀ, {k}×{k}", [2]),
        volume(f"a, 1×1×{C}", [3], along="depth"),
        (f"W, {C}×{k}×{k}", range(4, 4 + C)),
    ]
    f_steps = [[(2, r * k + s, 0, r, 1, s)] for r in range(k) for s in range(k)]
    f_steps += [[(4 + i, cell, 3, i, 2, cell)] for i in range(C) for cell in range(k * k)]
    # view 2: three 1D convolutions
    z = conv.conv2d(x[None], c.reshape(1, C, 1, 1))[0, 0]
    t = conv.conv2d(z[None, None], v.reshape(1, 1, k, 1))[0, 0]
    y = conv.conv2d(t[None, None], h.reshape(1, 1, 1, k))[0, 0]
    s_panels = [
        grid(f"x{i}", f"input channel x{i}", x[i], role="input", cell=FL_CELL) for i in range(C)
    ] + [
        grid("a", f"a, 1×1×{C}", c, role="kernel", cell=FL_CELL),
        grid(
            "z",
            f"z: the input mixed by a, {n}×{n}",
            z,
            role="output",
            progressive=True,
            cell=FL_CELL,
        ),
        grid("v", f"v, {k}×1", v.reshape(k, 1), role="kernel", cell=FL_CELL),
        grid("t", f"t: vertical, {o}×{n}", t, role="output", progressive=True, cell=FL_CELL),
        grid("h", f"h, 1×{k}", h.reshape(1, k), role="kernel", cell=FL_CELL),
        grid("y", f"y: horizontal, {o}×{o}", y, role="output", progressive=True, cell=FL_CELL),
    ]
    s_steps = (
        steps_from_triples(
            matrix.conv_triples((C, n, n), (1, C, 1, 1)), out=(C + 1, 0), inp=(0, n * n), ker=(C, 0)
        )
        + steps_from_triples(
            matrix.conv_triples((1, n, n), (1, 1, k, 1)),
            out=(C + 3, 0),
            inp=(C + 1, 0),
            ker=(C + 2, 0),
        )
        + steps_from_triples(
            matrix.conv_triples((1, o, n), (1, 1, 1, k)),
            out=(C + 5, 0),
            inp=(C + 3, 0),
            ker=(C + 4, 0),
        )
    )
    # view 3: the standard convolution with the 3D filter (its input and filter slices are
    # canvases: a change of k or C rewrote some 1,000 SVG elements of them, over a frame)
    y_std = conv.conv2d(x[None], W[None])[0, 0]
    d_panels = (
        [
            grid(f"x{i}", f"input channel x{i}", x[i], role="input", cell=FL_CELL, canvas=True)
            for i in range(C)
        ]
        + [
            grid(f"W{i}", f"W{i}: slice {i} of W", W[i], role="kernel", cell=FL_CELL, canvas=True)
            for i in range(C)
        ]
        + [grid("y", f"y, {o}×{o}", y_std, role="output", progressive=True, cell=FL_CELL)]
    )
    d_steps = steps_from_triples(
        matrix.conv_triples((C, n, n), (1, C, k, k)), out=(2 * C, 0), inp=(0, n * n), ker=(C, k * k)
    )
    shape = (1, C, n, n)
    std = cost.conv_cost(shape, 1, k, bias=False)
    flat = cost.flattened_cost(shape, 1, k, bias=False)
    first = cost.pointwise_cost(shape, 1, bias=False).macs
    second = cost.depthwise_cost((1, 1, n, n), (k, 1), bias=False).macs
    return {
        "views": [
            view(
                f"first, the filter: the {C}×{k}×{k} W is an outer product",
                f_panels,
                f_steps,
                volumes=f_volumes,
            ),
            view(
                f"second, flattened: three 1D convolutions, {flat.macs} multiplications",
                s_panels,
                s_steps,
                volumes=[
                    (f"input x, {C}×{n}×{n}", range(C)),
                    volume(f"a, 1×1×{C}", [C], along="depth"),
                    (f"z, {n}×{n}", [C + 1]),
                    (f"v, {k}×1", [C + 2]),
                    (f"t, {o}×{n}", [C + 3]),
                    (f"h, 1×{k}", [C + 4]),
                    (f"y, {o}×{o}", [C + 5]),
                ],
            ),
            view(
                f"third, standard: one convolution with W, {std.macs} multiplications",
                d_panels,
                d_steps,
                volumes=[
                    (f"input x, {C}×{n}×{n}", range(C)),
                    (f"W, {C}×{k}×{k}", range(C, 2 * C)),
                    (f"y, {o}×{o}", [2 * C]),
                ],
            ),
        ],
        "formula": [
            f"W[c, m, n] = a[c]·v[m]·h[n]  (rank 1): C_in + 2k = {C} + {k} + {k} = {flat.params} "
            f"numbers instead of C_in·k² = {C}·{k}·{k} = {std.params}",
            f"o = i − k + 1 = {n} − {k} + 1 = {o};  flattened: i²·C_in + o·i·k + o²·k "
            f"= {n}²·{C} + {o}·{n}·{k} + {o}²·{k} "
            f"= {first} + {second} + {flat.macs - first - second} = {flat.macs}",
            f"standard: o²·C_in·k² = {o}²·{C}·{k * k} = {std.macs}",
            "both give the same y: x ⋆ W = ((x ⋆ a) ⋆ v) ⋆ h",
        ],
        "code": (
            f"z = F.conv2d(x, a.view(1, {C}, 1, 1))      # lateral: 1×1 across the input\n"
            f"t = F.conv2d(z, v.view(1, 1, {k}, 1))      # vertical\n"
            f"y = F.conv2d(t, h.view(1, 1, 1, {k}))      # horizontal\n"
            f"# == F.conv2d(x, W.view(1, {C}, {k}, {k})) with W = a ⊗ v ⊗ h"
        ),
    }


def flattened_figure() -> Figure:
    """The rank-1 3D filter, its three 1D factors, and the three 1D convolutions.

    Returns
    -------
    Figure
        Controls: the number of input channels C_in (2 or 3) and the kernel size k (3 or 5).
    """
    return Figure(
        id="flattened",
        title="A rank-1 3D filter: one lateral, one vertical and one horizontal 1D filter",
        description=(
            "First view: the C_in×k×k filter W built from three 1D filters; the vertical "
            "filter v times the horizontal filter h gives a k×k slice P, and slice c of W "
            "is P times a[c]. Second view: an image with C_in channels goes through "
            "three 1D convolutions in turn: a 1×1 lateral convolution with a that mixes the "
            "C_in channels into one map, a k×1 vertical pass with v and a 1×k horizontal pass "
            "with h. Third view: one standard convolution with W gives the same output, "
            "at a higher count of multiplications (in the formula lines). The 3D button "
            "draws each view's blocks: the three 1D filters as thin blocks along depth (a), "
            "height (v) and width (h), with the current window outlined."
        ),
        controls=[
            Control("channels", "input channels C_in", [2, 3], default=1),
            Control("k", "kernel size k", [3, 5]),
        ],
        build=_build,
    )


FIGURES = [flattened_figure]
