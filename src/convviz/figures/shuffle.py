"""Chapter 11 figures: channel shuffle, and what it does to stacked grouped convolutions."""

from __future__ import annotations

import numpy as np

import convviz.shuffle as ops
from convviz.figures.engine import Control, Figure, grid, view, wiring
from convviz.groups import connection_matrices, shuffle_matrix

__all__ = [
    "CONNECT_CHANNELS",
    "PERM_CHANNELS",
    "PERM_GROUPS",
    "SHUFFLE_IMAGE",
    "connectivity_figure",
    "permutation_figure",
]

CHAPTER = "11-shuffled-grouped-convolution"
TITLE = "Shuffled grouped convolution"

#: Channels of the permutation figure (every divisor is a group count).
PERM_CHANNELS = 12

#: Group counts of the permutation figure: the divisors of 12 with a colour per group
#: (12 groups of one channel change nothing, like 1 group).
PERM_GROUPS = [1, 2, 3, 4, 6]

#: The input drawn as a block: 12 channels of 2x2 small integers.
SHUFFLE_IMAGE = np.random.default_rng(11).integers(0, 9, size=(PERM_CHANNELS, 2, 2)).astype(float)

#: Channels of the connectivity figure.
CONNECT_CHANNELS = 8

#: Cell side of the connectivity figure's 8x8 matrices, in px (numbers print from 30).
MATRIX_CELL = 30


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _group_marks(groups_of: np.ndarray) -> dict[str, list[int]]:
    """Marks ``gK`` (group colour K) for the flat cells of a panel, from each cell's group."""
    flat = np.asarray(groups_of).ravel()
    return {
        f"g{k}": np.flatnonzero(flat == k).tolist() for k in np.unique(flat).astype(int) if k >= 0
    }


def _legend(groups: int) -> dict[str, str]:
    return {f"g{k}": f"group {k}" for k in range(groups)}


def _perm_build(groups: int) -> dict:
    c = PERM_CHANNELS
    n = c // groups
    channel = np.arange(c)
    group_of = channel // n
    order = shuffle_matrix(c, groups).argmax(axis=1)  # position q takes input channel order[q]
    wire = wiring(
        "y",
        "channel shuffle as ShuffleNet draws it: each wire takes one channel to its new place",
        [
            (f"output channels of grouped layer 1 ({groups} groups of n = {n})", group_of, channel),
            (
                f"input channels of grouped layer 2 (its {groups} groups outlined)",
                group_of[order],
                order,
            ),
        ],
        [[(int(order[q]), q, int(group_of[order[q]])) for q in range(c)]],
        value_row=1,
        boxes={
            0: [(k * n, (k + 1) * n) for k in range(groups)],
            1: [(k * n, (k + 1) * n) for k in range(groups)],
        },
    )
    as_text = np.vectorize(str)
    grid_gn = channel.reshape(groups, n)
    steps3 = [
        grid(
            "A",
            f"1. reshape to (g, n) = ({groups}, {n}): row = group",
            as_text(grid_gn),
            marks=_group_marks(grid_gn // n),
        ),
        grid(
            "B",
            f"2. transpose to (n, g) = ({n}, {groups})",
            as_text(grid_gn.T),
            marks=_group_marks(grid_gn.T // n),
        ),
        grid(
            "y",
            "3. flatten: the shuffled order",
            as_text(order),
            marks=_group_marks(group_of[order]),
        ),
    ]
    h, w = SHUFFLE_IMAGE.shape[1:]
    shuffled = ops.channel_shuffle(SHUFFLE_IMAGE[None], groups)[0]
    blocks = [
        grid(
            f"x{ch}",
            f"x[{ch}]",
            SHUFFLE_IMAGE[ch],
            role="input",
            index=False,
            marks=_group_marks(np.full(h * w, group_of[ch])),
        )
        for ch in range(c)
    ] + [
        grid(
            f"y{q}",
            f"y[{q}] = x[{order[q]}]",
            shuffled[q],
            role="output",
            index=False,
            marks=_group_marks(np.full(h * w, group_of[order[q]])),
        )
        for q in range(c)
    ]
    return {
        "legend": _legend(groups),
        "views": [
            view("the wiring", [wire], []),
            view("the same permutation in three moves: reshape, transpose, flatten", steps3, []),
            view(
                f"whole channels move: an input x of {c}×{h}×{w} and its shuffle y",
                blocks,
                [],
                volumes=[
                    (f"input x, {c}×{h}×{w}", range(c)),
                    (f"y = channel_shuffle(x, {groups})", range(c, 2 * c)),
                ],
                breaks=[c],  # the output's channels start a line of their own
            ),
        ],
        "formula": [
            f"C = {c} channels, g = {groups} groups of n = C/g = {n} channels",
            "channel q of y is channel π(q) = (q mod g)·n + ⌊q / g⌋ of x",
            f"π = ({', '.join(str(int(v)) for v in order)})",
            f"undone by a shuffle with n = {n} groups",
        ],
        "code": (
            f"x.view(N, {groups}, {n}, H, W).transpose(1, 2).reshape(N, {c}, H, W)\n"
            f"nn.ChannelShuffle({groups})(x)   # the same"
        ),
    }


def permutation_figure() -> Figure:
    """Channel shuffle as wires, as reshape-transpose-flatten, and as blocks of channels.

    Returns
    -------
    Figure
        Control: the number of groups (the divisors of 12 up to 6).
    """
    c = PERM_CHANNELS
    return Figure(
        id="shuffle-permutation",
        title="Channel shuffle: reshape to (g, n), transpose, flatten",
        description=(
            f"{c} channels, numbered 0 to {c - 1}, come out of a grouped layer in g groups of "
            f"n = {c}/g consecutive channels, each group in its own colour and line pattern "
            "(solid, dashed, dotted, ...). First view: the "
            "wiring diagram of ShuffleNet's Figure 1, one line from each channel to its new "
            "position; the outlined runs of n positions are the groups of the next grouped "
            "layer, and each holds channels of every colour. Second view: the same order made "
            "by writing the channels into a g-by-n grid (one row per group), transposing it "
            "and reading it out row by row. Third view: the input as a block of channels and "
            "its shuffle, drawn flat or in 3D; whole channels move, no value changes. "
            "With one group the shuffle changes nothing."
        ),
        controls=[Control("groups", "groups g", PERM_GROUPS, default=2, widget="buttons")],
        build=_perm_build,
    )


def _matrix_view(title: str, left: np.ndarray, right: np.ndarray, names, labels, n: int) -> dict:
    """R = left · right in reading order, one step per entry of R: its full sum over j.

    The three grids are canvases: a change of g rewrites every entry of the six matrices of
    the figure's two products, which as SVG cells (three elements each) took over a frame
    (16 ms) to restyle and lay out.
    """
    c = left.shape[0]
    total = left @ right
    # R[o, i] = Σ_j left[o, j]·right[j, i], written in full: a product is 1 where a path runs
    # from input i through middle channel j to output o, 0 elsewhere
    steps = [
        [(2, o * c + i, 0, o * c + j, 1, j * c + i) for j in range(c)]
        for o in range(c)
        for i in range(c)
    ]
    col_group = np.broadcast_to(np.arange(c) // n, (c, c))  # colour of the input channel i
    panels = [
        grid(
            names[0],
            labels[0],
            left,
            role="input",
            marks=_group_marks(np.where(left > 0, np.arange(c)[:, None] // n, -1)),
            cell=MATRIX_CELL,
            canvas=True,
        ),
        grid(
            names[1],
            labels[1],
            right,
            role="kernel",
            marks=_group_marks(np.where(right > 0, col_group, -1)),
            cell=MATRIX_CELL,
            canvas=True,
        ),
        grid(
            "R",
            f"R = {names[0]}·{names[1]}: paths from input c (column) to output o (row)",
            total,
            role="output",
            marks=_group_marks(np.where(total > 0, col_group, -1)),
            cell=MATRIX_CELL,
            canvas=True,
        ),
    ]
    return view(title, panels, steps)


def _stack_wiring(c: int, groups: int, shuffle: bool, follow: int) -> dict:
    """Two grouped layers (and the shuffle) as wires; the paths into output ``follow`` bold."""
    n = c // groups
    ch = np.arange(c)
    layer = [(i, o, i // n) for o in range(c) for i in range(c) if i // n == o // n]
    order = shuffle_matrix(c, groups).argmax(axis=1)
    colour = ch // n  # a channel's colour: the group of layer 1 it comes out of
    rows = [("input x", colour, ch), ("after grouped layer 1", colour, ch)]
    links = [layer]
    if shuffle:
        rows.append(("after the shuffle", colour[order], order))
        links.append([(int(order[q]), q, int(colour[order[q]])) for q in range(c)])
    rows.append((f"after grouped layer 2 (output {follow} circled)", ch // n, ch))
    links.append([(j, o, int(rows[-2][1][j])) for j, o, _ in layer])
    # trace back from the output: the dots and links on a path into it
    hot_dots, hot_links = {(len(rows) - 1, follow)}, set()
    for gap in range(len(links) - 1, -1, -1):
        for li, (a, b, _g) in enumerate(links[gap]):
            if (gap + 1, b) in hot_dots:
                hot_links.add((gap, li))
                hot_dots.add((gap, a))
    boxes = {r: [(k * n, (k + 1) * n) for k in range(groups)] for r in range(len(rows))}
    title = "with a shuffle between the layers" if shuffle else "no shuffle"
    return wiring(
        "y",  # the last row's dots are the output channels: a hovered dot reads y[o] = o
        title,
        rows,
        links,
        value_row=len(rows) - 1,
        boxes=boxes,
        hot_dots=sorted(hot_dots),
        hot_links=sorted(hot_links),
    )


def _connect_build(groups: int) -> dict:
    c = CONNECT_CHANNELS
    m = connection_matrices(c, groups)
    plain_reach = int(np.count_nonzero(m["plain2"][0]))
    shuffled_reach = int(np.count_nonzero(m["shuffled2"][0]))
    n = c // groups
    return {
        "legend": _legend(groups),
        "views": [
            view(
                "which input reaches which output: two grouped layers, bold = the paths into "
                "output 0",
                [_stack_wiring(c, groups, False, 0), _stack_wiring(c, groups, True, 0)],
                [],
            ),
            _matrix_view(
                "no shuffle, as matrices: R = M2·M1",
                m["layer"],
                m["layer"],
                ("M2", "M1"),
                (
                    "layer 2: M2 (row o reads column j)",
                    "layer 1: M1 (row j reads column c)",
                ),
                n,
            ),
            _matrix_view(
                "shuffle between, as matrices: R = M2·S with S = P·M1",
                m["layer"],
                m["shuffled"],
                ("M2", "S"),
                (
                    "layer 2: M2 (row o reads column j)",
                    "layer 1 then the shuffle: S = P·M1 (row j, column c)",
                ),
                n,
            ),
        ],
        "formula": [
            f"C = {c}, g = {groups}: M1[j, c] = 1 if output j of grouped layer 1 reads input c "
            "(M2[o, j] likewise for layer 2: the same matrix); P[q, π(q)] = 1 is the shuffle",
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
            f"Two grouped 1x1 convolutions on {c} channels, drawn first as wires: a row of "
            "channel dots per stage, each dot in the colour (and ring pattern) of the group it "
            "came from, a line "
            "wherever a channel feeds another, and the paths into output 0 in bold. Without a "
            "shuffle the bold paths stay inside one group; with a channel shuffle between the "
            "layers they fan out to every group when each group has at least g channels. "
            f"Below, the same as {c}-by-{c} matrices in reading order, R = M2·M1 and "
            "R = M2·(P·M1): M1 and M2 (the same matrix, one per layer) have a 1 where an output "
            "channel reads an input channel (g diagonal blocks), P is the shuffle, and entry "
            "R[o, c] counts the paths from input c to output o. Each step computes one entry "
            "as a sum over the middle channels j."
        ),
        controls=[Control("groups", "groups g", _divisors(c), default=1, widget="buttons")],
        build=_connect_build,
    )


FIGURES = [permutation_figure, connectivity_figure]
