"""Chapter 8 figures: spatially separable kernels, and depthwise then pointwise."""

from __future__ import annotations

import numpy as np

from convviz import conv, cost, matrix, shapes
from convviz.figures.engine import (
    Control,
    Figure,
    Term,
    grid,
    steps_from_triples,
    view,
    volume,
)

__all__ = [
    "DW_IMAGE",
    "DW_KERNELS",
    "DW_POINTWISE",
    "SEP_IMAGE",
    "SEP_KERNELS",
    "depthwise_separable_figure",
    "spatially_separable_figure",
]

CHAPTER = "08-separable-convolution"
TITLE = "Separable convolutions: spatial and depthwise"

#: The image of the spatially separable figure; its top-left i x i corner is used.
SEP_IMAGE = np.random.default_rng(80).integers(0, 5, size=(7, 7)).astype(float)

#: Separable kernels as (column a, row b): the kernel is the outer product a bᵀ.
SEP_KERNELS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "Sobel 3×3 = [1, 2, 1]ᵀ [1, 0, −1]": (np.array([1.0, 2.0, 1.0]), np.array([1.0, 0.0, -1.0])),
    "blur 3×3 = [1, 2, 1]ᵀ [1, 2, 1]": (np.array([1.0, 2.0, 1.0]), np.array([1.0, 2.0, 1.0])),
    "Sobel 5×5 = [1, 4, 6, 4, 1]ᵀ [1, 2, 0, −2, −1]": (
        np.array([1.0, 4.0, 6.0, 4.0, 1.0]),
        np.array([1.0, 2.0, 0.0, -2.0, -1.0]),
    ),
}

#: The 6x6x3 input of the depthwise separable figure (the article's is 7x7x3: one size less,
#: each channel, its kernel and its map fit on one line, and a 5x5 kernel still leaves 2x2 maps).
DW_IMAGE = np.random.default_rng(81).integers(0, 4, size=(3, 6, 6)).astype(float)

#: Cell side of the depthwise separable figure's grids, in px (numbers print from 30).
DW_CELL = 30

#: One kernel per input channel, by kernel side h.
DW_KERNELS: dict[int, np.ndarray] = {
    3: np.array(
        [
            [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],
            [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
            [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]],
        ]
    ),
    5: np.random.default_rng(82).integers(-1, 2, size=(3, 5, 5)).astype(float),
}

#: Pointwise weights: row c mixes the three depthwise maps into output channel c.
DW_POINTWISE = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.0], [0.0, 2.0, -1.0], [-1.0, 0.0, 1.0]])


def _sep_build(kernel: str, n: int) -> dict:
    a, b = SEP_KERNELS[kernel]
    k = len(a)
    x = SEP_IMAGE[:n, :n]
    w = np.outer(a, b)
    o = shapes.conv_output_size(n, k)
    y = conv.conv2d(x[None, None], w[None, None])[0, 0]
    mid = conv.conv2d(x[None, None], a.reshape(1, 1, k, 1))[0, 0]
    y2 = conv.conv2d(mid[None, None], b.reshape(1, 1, 1, k))[0, 0]
    std_panels = [
        grid("x", f"image x, {n}×{n}", x, role="input"),
        grid("w", f"kernel w = a bᵀ, {k}×{k}", w, role="kernel"),
        grid("y", f"output y, {o}×{o}", y, role="output", progressive=True),
    ]
    std_steps = steps_from_triples(
        matrix.conv_triples((1, n, n), (1, 1, k, k)), out=(2, 0), inp=(0, 0), ker=(1, 0)
    )
    sep_panels = [
        grid("x", f"image x, {n}×{n}", x, role="input"),
        grid("a", f"column a, {k}×1", a.reshape(k, 1), role="kernel"),
        grid("t", f"t = x ⋆ a, {o}×{n}", mid, role="output", progressive=True),
        grid("b", f"row b, 1×{k}", b.reshape(1, k), role="kernel"),
        grid("y", f"y = t ⋆ b, {o}×{o}", y2, role="output", progressive=True),
    ]
    sep_steps = steps_from_triples(
        matrix.conv_triples((1, n, n), (1, 1, k, 1)), out=(2, 0), inp=(0, 0), ker=(1, 0)
    ) + steps_from_triples(
        matrix.conv_triples((1, o, n), (1, 1, 1, k)), out=(4, 0), inp=(2, 0), ker=(3, 0)
    )
    one = (1, 1, n, n)
    std = cost.conv_cost(one, 1, k, bias=False).macs
    first = cost.conv_cost(one, 1, (k, 1), bias=False).macs
    second = cost.conv_cost((1, 1, o, n), 1, (1, k), bias=False).macs
    sep = cost.spatially_separable_cost(one, 1, k, bias=False).macs
    exact = cost.separable_ratio_exact(n, k)
    article = cost.article_separable_ratio(n, k)
    return {
        "views": [
            view(f"one {k}×{k} kernel: {std} multiplications", std_panels, std_steps),
            view(
                f"{k}×1 then 1×{k}: {first} + {second} = {sep} multiplications",
                sep_panels,
                sep_steps,
            ),
        ],
        "formula": [
            f"weights: {k}·{k} = {k * k} for w, {k} + {k} = {2 * k} for a and b",
            f"o = i − k + 1 = {n} − {k} + 1 = {o}",
            f"standard: o²·k² = {o}²·{k * k} = {std}",
            f"separable: i·o·k + o²·k = {n}·{o}·{k} + {o}²·{k} = {first} + {second} = {sep}",
            f"ratio {sep}/{std} = 2/k + (k − 1)/(k·o) = {float(exact):.3f} → 2/k = {2 / k:.3f} for large i",
            f"the article's i − 2 form gives {float(article):.3f}"
            + (" (the same: k = 3)" if article == exact else " (wrong: it holds only for k = 3)"),
        ],
        "code": (
            f"F.conv2d(x, w.view(1, 1, {k}, {k}))   # == \n"
            f"F.conv2d(F.conv2d(x, a.view(1, 1, {k}, 1)), b.view(1, 1, 1, {k}))"
        ),
    }


def spatially_separable_figure() -> Figure:
    """One separable kernel against its two 1D factors, with multiplication counts.

    Returns
    -------
    Figure
        Controls: the kernel (Sobel 3x3, blur 3x3, Sobel 5x5) and the image side i.
    """
    return Figure(
        id="spatially-separable",
        title="A separable kernel: one k×k pass or a k×1 pass then a 1×k pass",
        description=(
            "Top: an i×i image convolved with a k×k kernel w that is the outer product "
            "of a column a and a row b (for the Sobel kernel, [1, 2, 1]ᵀ times [1, 0, −1]); "
            "each output costs k² multiplications. Bottom: the same image convolved with "
            "a first (each step a sum of k products), giving an intermediate t, then t with "
            "b. Both outputs are equal. For a 5×5 image and a 3×3 kernel that is 81 "
            "multiplications against 45 + 27 = 72."
        ),
        controls=[
            Control("kernel", "kernel", list(SEP_KERNELS)),
            Control("n", "image side i", [5, 7], labels=["5 (the article's)", "7"]),
        ],
        build=_sep_build,
    )


def _renumber(steps, panel_of: dict[int, int]) -> list[list[Term]]:
    """The same steps with their panels renumbered (``panel_of``: old index -> new index)."""
    return [
        [Term(panel_of[t[0]], t[1], panel_of[t[2]], t[3], panel_of[t[4]], t[5]) for t in terms]
        for terms in steps
    ]


def _dw_build(k: int, c_out: int) -> dict:
    x = DW_IMAGE
    c_in, n = x.shape[0], x.shape[1]
    kern = DW_KERNELS[k]
    p = DW_POINTWISE[:c_out]
    o = shapes.conv_output_size(n, k)
    d = conv.conv2d(x[None], kern[:, None], groups=c_in)[0]
    z = conv.conv2d(d[None], p[:, :, None, None])[0]
    # one line per channel: input channel c, its kernel w_c beside it, the map d_c it makes
    # (panels 3c, 3c + 1, 3c + 2); then the pointwise weights (3 C_in) and the outputs z
    x_at, w_at, d_at = (lambda c: 3 * c), (lambda c: 3 * c + 1), (lambda c: 3 * c + 2)
    pw_at, z_at = 3 * c_in, (lambda j: 3 * c_in + 1 + j)
    panels = []
    for c in range(c_in):
        panels += [
            grid(f"x{c}", f"input channel x{c}", x[c], role="input", cell=DW_CELL),
            grid(f"w{c}", f"its kernel w{c}, {k}×{k}", kern[c], role="kernel", cell=DW_CELL),
            grid(
                f"d{c}",
                f"stage 1, depthwise: d{c} = x{c} ⋆ w{c}",
                d[c],
                role="output",
                progressive=True,
                cell=DW_CELL,
            ),
        ]
    panels.append(
        grid(
            "w_pw",
            # labels no wider than their grids: the weights and every output z share one row
            f"stage 2: w_pw, {c_out}×{c_in}",
            p,
            role="kernel",
            cell=DW_CELL,
        )
    )
    panels += [
        grid(
            f"z{j}",
            f"z{j} = row {j} of w_pw · d",
            z[j],
            role="output",
            progressive=True,
            cell=DW_CELL,
        )
        for j in range(c_out)
    ]
    # the depthwise steps first (every map d computed), then the pointwise ones, which read
    # only maps already computed: one sequence, the maps filling in as they are made
    dw_steps = steps_from_triples(
        matrix.conv_triples((c_in, n, n), (c_in, 1, k, k), groups=c_in),
        out=(2 * c_in, o * o),
        inp=(0, n * n),
        ker=(c_in, k * k),
    )
    pw_steps = steps_from_triples(
        matrix.conv_triples((c_in, o, o), (c_out, c_in, 1, 1)),
        out=(c_in + 1, o * o),
        inp=(0, o * o),
        ker=(c_in, 0),
    )
    steps = _renumber(
        dw_steps,
        {
            **{c: x_at(c) for c in range(c_in)},
            **{c_in + c: w_at(c) for c in range(c_in)},
            **{2 * c_in + c: d_at(c) for c in range(c_in)},
        },
    ) + _renumber(
        pw_steps,
        {
            **{c: d_at(c) for c in range(c_in)},
            c_in: pw_at,
            **{c_in + 1 + j: z_at(j) for j in range(c_out)},
        },
    )
    # groups = C_in: channel c, its kernel and its map are group c (one colour)
    volumes = [
        volume(f"input x, {c_in}×{n}×{n}", [x_at(c) for c in range(c_in)], groups=range(c_in)),
        *(volume(f"kernel w{c}, {k}×{k}×1", [w_at(c)], groups=[c]) for c in range(c_in)),
        volume(
            f"depthwise maps d, {c_in}×{o}×{o}", [d_at(c) for c in range(c_in)], groups=range(c_in)
        ),
        volume(f"kernels w_pw, {c_out} of 1×1×{c_in}", [pw_at], along="depth"),
        (f"output z, {c_out}×{o}×{o}", [z_at(j) for j in range(c_out)]),
    ]
    shape = (1, c_in, n, n)
    dw = cost.depthwise_cost(shape, k, bias=False).macs
    pw = cost.pointwise_cost((1, c_in, o, o), c_out, bias=False).macs
    std = cost.conv_cost(shape, c_out, k, bias=False).macs
    ratio = cost.depthwise_separable_ratio_exact(c_out, k)
    # the article's example: a 7×7×3 input and 128 output channels
    article = (1, c_in, 7, 7)
    big_std = cost.conv_cost(article, 128, k, bias=False).macs
    big_dw = cost.depthwise_cost(article, k, bias=False).macs
    big_sep = cost.depthwise_separable_cost(article, 128, k, bias=False).macs
    return {
        "views": [
            view(
                f"stage 1, depthwise {k}×{k}: each channel its own kernel ({dw} multiplications); "
                f"stage 2, pointwise 1×1: mix the {c_in} maps into {c_out} ({pw})",
                panels,
                steps,
                volumes=volumes,
                breaks=[3 * c for c in range(1, c_in + 1)],
            ),
        ],
        "formula": [
            f"depthwise: H_out W_out C_in k² = {o}·{o}·{c_in}·{k * k} = {dw}",
            f"pointwise: H_out W_out C_in C_out = {o}·{o}·{c_in}·{c_out} = {pw}",
            f"standard: C_out = {c_out} filters of {k}×{k}×{c_in}: "
            f"H_out W_out C_out C_in k² = {o}·{o}·{c_out}·{c_in}·{k * k} = {std}",
            f"ratio ({dw} + {pw})/{std} = 1/C_out + 1/k² = 1/{c_out} + 1/{k * k} = {float(ratio):.3f}",
            f"the article's 7×7×3 input with C_out = 128: {big_std} vs {big_dw} + "
            f"{big_sep - big_dw} = {big_sep} ({100 * big_sep / big_std:.1f}%)",
        ],
        "code": (
            f"d = F.conv2d(x, w_dw.view({c_in}, 1, {k}, {k}), groups={c_in})   # depthwise\n"
            f"z = F.conv2d(d, w_pw.view({c_out}, {c_in}, 1, 1))   # pointwise"
        ),
    }


def depthwise_separable_figure() -> Figure:
    """Depthwise (one kernel per channel) then pointwise (1x1 across channels), with costs.

    Returns
    -------
    Figure
        Controls: kernel size k (3 or 5) and the number of output channels C_out.
    """
    return Figure(
        id="depthwise-separable",
        title="Depthwise separable: filter each channel alone, then mix channels with 1×1",
        description=(
            "A 6×6 input with 3 channels, one line per channel: input channel c, its own "
            "k×k kernel w_c beside it, and the map d_c it makes. The steps run in order. "
            "First the depthwise step: channel c is convolved with its kernel only, each "
            "step a sum of k² products within one channel, and the maps fill in as they are "
            "computed. Then the pointwise step, in the last line: each pixel of each output "
            "channel z_j is a weighted sum of the three finished maps at the same pixel "
            "(three products, weights in row j of w_pw). The 3D button draws the blocks: the "
            "input, one k×k×1 kernel per channel, the maps, the C_out kernels of 1×1×3 and "
            "the output, with the current window outlined. The formula lines count "
            "multiplications against a standard convolution with the same output, and for "
            "the article's 7×7×3 input and 128 output channels: 86400 against 675 + 9600 = "
            "10275."
        ),
        controls=[
            Control("k", "kernel size k", [3, 5]),
            # up to 3: at most 3·16 + 3·16 = 96 steps, stepped one at a time (convviz.js: LONG)
            Control("c_out", "output channels C_out", [1, 2, 3], default=1),
        ],
        build=_dw_build,
    )


from convviz.figures.photos import photo_separable_figure  # noqa: E402 (real photographs)

FIGURES = [spatially_separable_figure, depthwise_separable_figure, photo_separable_figure]
