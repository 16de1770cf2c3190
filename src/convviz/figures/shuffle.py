"""Chapter 11 figures: channel shuffle, and what it does to stacked grouped convolutions."""

from __future__ import annotations

import numpy as np

import convviz.shuffle as ops
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view
from convviz.groups import connection_matrices, shuffle_matrix

__all__ = [
    "CONNECT_CHANNELS",
    "PERM_CHANNELS",
    "connectivity_figure",
    "permutation_figure",
]

CHAPTER = "11-shuffled-grouped-convolution"
TITLE = "Shuffled grouped convolution"

#: Channels of the permutation figure (every divisor is a group count).
PERM_CHANNELS = 12

#: Channels of the connectivity figure.
CONNECT_CHANNELS = 8


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _perm_build(groups: int) -> dict:
    c = PERM_CHANNELS
    n = c // groups
    index = np.arange(c, dtype=float)
    group_of = index // n
    shuffled = ops.channel_shuffle(index[None, :, None], groups)[0, :, 0]
    shuffled_group = ops.channel_shuffle(group_of[None, :, None], groups)[0, :, 0]
    p = shuffle_matrix(c, groups)
    # P as triples: output channel r takes input channel src times the weight 1; in the
    # (g, n) grid, channel src sits at flat cell src, so step c reads cell (c mod g)·n + c // g
    rows, cols = np.nonzero(p)
    triples = np.stack([rows, cols, np.zeros_like(rows)], 1)
    steps_index = steps_from_triples(triples, out=(3, 0), inp=(1, 0), ker=(2, 0))
    steps_group = steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0))
    one = np.ones(1)
    index_panels = [
        grid("x", f"input channels 0–{c - 1}", index, role="input", index=True),
        grid(
            "G", f"x.view({groups}, {n}): row r = group r", index.reshape(groups, n), role="input"
        ),
        grid("p", "weight 1 (a permutation)", one, role="kernel", index=False),
        grid(
            "y", "shuffled: .transpose(0, 1).flatten()", shuffled, role="output", progressive=True
        ),
    ]
    group_panels = [
        grid("gin", "group of each input channel", group_of, role="input"),
        grid("p", "weight 1", one, role="kernel", index=False),
        grid(
            "gout",
            "group of each shuffled channel",
            shuffled_group,
            role="output",
            progressive=True,
        ),
    ]
    grid_t = index.reshape(groups, n).T
    transposed = grid("T", f"transposed: ({n}, {groups})", grid_t, role="other")
    return {
        "views": [
            view("channel indices: reshape (g, n), transpose, flatten", index_panels, steps_index),
            view(
                "the same permutation seen as groups: every run of g channels holds one "
                "channel of each group",
                group_panels,
                steps_group,
            ),
            view("the transposed grid, read row by row, is the output order", [transposed], []),
        ],
        "formula": [
            f"C = {c} channels, g = {groups} groups of n = C/g = {n}",
            "y[c] = x[(c mod g)·n + c // g]",
            f"order: {shuffled.astype(int).tolist()}",
            "inverse: channel_shuffle(y, n) (transpose back)",
        ],
        "code": (
            f"x.view(N, {groups}, {n}, H, W).transpose(1, 2).reshape(N, {c}, H, W)\n"
            f"nn.ChannelShuffle({groups})(x)   # the same"
        ),
    }


def permutation_figure() -> Figure:
    """Channel shuffle as reshape, transpose, flatten: the permutation for each group count.

    Returns
    -------
    Figure
        Control: the number of groups (every divisor of 12).
    """
    c = PERM_CHANNELS
    return Figure(
        id="shuffle-permutation",
        title="Channel shuffle: reshape to (g, n), transpose, flatten",
        description=(
            f"{c} channels, numbered 0 to {c - 1}, are split into g groups of n = {c}/g "
            "consecutive channels. The shuffle writes them into a g-by-n grid (one row per "
            "group), transposes it and reads it out row by row. Each step fills one output "
            "position and highlights the grid cell it comes from: output c takes input "
            "(c mod g)·n + c // g. The second row shows the group of every channel before "
            "and after: after the shuffle, each run of g consecutive channels holds one "
            "channel from every group. With g = 1 or g = 12 the shuffle changes nothing."
        ),
        controls=[Control("groups", "groups g", _divisors(c), default=2)],
        build=_perm_build,
    )


def _matrix_view(
    title: str,
    first: np.ndarray,
    second: np.ndarray,
    names: tuple[str, str],
    labels: tuple[str, str],
) -> dict:
    c = first.shape[0]
    total = second @ first
    # entry [o, i] = Σ_j second[o, j]·first[j, i]: one step per reachable pair, one term per path
    triples = [
        (o * c + i, j * c + i, o * c + j)
        for o in range(c)
        for i in range(c)
        for j in range(c)
        if second[o, j] and first[j, i]
    ]
    steps = steps_from_triples(np.array(triples), out=(2, 0), inp=(0, 0), ker=(1, 0))
    panels = [
        grid(names[0], labels[0], first, role="input"),
        grid(names[1], labels[1], second, role="kernel"),
        grid("R", "R = paths from input i (column) to output o (row)", total, role="output"),
    ]
    return view(title, panels, steps)


def _connect_build(groups: int) -> dict:
    c = CONNECT_CHANNELS
    m = connection_matrices(c, groups)
    plain_reach = int(np.count_nonzero(m["plain2"][0]))
    shuffled_reach = int(np.count_nonzero(m["shuffled2"][0]))
    n = c // groups
    return {
        "views": [
            _matrix_view(
                "two grouped layers, no shuffle: R = M·M",
                m["layer"],
                m["layer"],
                ("A", "M"),
                ("layer 1: A = M (block diagonal)", "layer 2: M"),
            ),
            _matrix_view(
                "two grouped layers with a shuffle between: R = M·(P·M)",
                m["shuffled"],
                m["layer"],
                ("S", "M"),
                ("layer 1 then shuffle: S = P·M", "layer 2: M"),
            ),
        ],
        "formula": [
            f"C = {c}, g = {groups}: M[o, i] = 1 if output o of a grouped 1x1 layer reads input i",
            f"without shuffle: output 0 depends on {plain_reach} of {c} input channels "
            "(its own group only)",
            f"with shuffle: output 0 depends on {shuffled_reach} of {c} input channels"
            + (
                " (every group)"
                if shuffled_reach == c
                else f" (n = {n} < g = {groups}: one shuffle cannot reach every group)"
                if n < groups
                else ""
            ),
        ],
        "code": (
            f"conv1 = nn.Conv2d({c}, {c}, 1, groups={groups})\n"
            f"conv2 = nn.Conv2d({c}, {c}, 1, groups={groups})\n"
            f"y = conv2(nn.ChannelShuffle({groups})(conv1(x)))"
        ),
    }


def connectivity_figure() -> Figure:
    """Which input channels reach each output after two grouped layers, with and without shuffle.

    Returns
    -------
    Figure
        Control: the number of groups (1, 2, 4, 8 for 8 channels).
    """
    c = CONNECT_CHANNELS
    return Figure(
        id="shuffle-connectivity",
        title="Without a shuffle, stacked grouped convolutions never mix their groups",
        description=(
            f"Two grouped 1x1 convolutions on {c} channels, each drawn as its {c}-by-{c} "
            "connection matrix M (1 where an output channel reads an input channel; block "
            "diagonal with g blocks). Multiplying the matrices counts the paths from every "
            "input channel (column) to every output channel (row). Top: without a shuffle "
            "the product keeps the block-diagonal shape, so each output depends on its own "
            "group only. Bottom: with a channel shuffle between the layers the product is "
            "full when each group has at least g channels: every output sees every group. "
            "Each step computes one entry of the product as a sum over the middle channels."
        ),
        controls=[Control("groups", "groups g", _divisors(c), default=1)],
        build=_connect_build,
    )


FIGURES = [permutation_figure, connectivity_figure]
