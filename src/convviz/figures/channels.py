"""Chapter 2 figures: a kernel on one channel, and filters that span many channels."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix, padding, shapes
from convviz.figures._common import pad_cells, padded_conv_panels
from convviz.figures.engine import PLAIN, Control, Figure, Term, grid, steps_from_triples, view

__all__ = [
    "MULTI_BIAS",
    "MULTI_IMAGE",
    "MULTI_WEIGHT",
    "ONE_IMAGE",
    "ONE_KERNELS",
    "ONE_PADDINGS",
    "ONE_STRIDES",
    "multi_channel_figure",
    "one_channel_figure",
    "pad_cells",
]

CHAPTER = "02-convolution-in-deep-learning"
TITLE = "Convolution in deep learning: one channel and many"

#: The one-channel image: a dark left half, a bright right half, one bright dot (in the
#: dark half, brighter than the bright half, so it is the brightest pixel of the picture).
ONE_IMAGE = np.array(
    [
        [1.0, 1.0, 1.0, 4.0, 4.0],
        [1.0, 5.0, 1.0, 4.0, 4.0],
        [1.0, 1.0, 1.0, 4.0, 4.0],
        [1.0, 1.0, 1.0, 4.0, 4.0],
        [1.0, 1.0, 1.0, 4.0, 4.0],
    ]
)

#: Kernels the reader can choose, by label (integers, so every sum can be checked by eye).
ONE_KERNELS: dict[str, np.ndarray] = {
    "vertical edge (Sobel) 3×3": np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]),
    "blur (binomial, ×16) 3×3": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]),
    "sharpen 3×3": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "diagonal difference (Roberts) 2×2": np.array([[1.0, 0.0], [0.0, -1.0]]),
}

_CANDIDATE_STRIDES = (1, 2, 3)
_CANDIDATE_PADDINGS = (0, 1, 2)


def _valid_for_every_kernel(size: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Strides and paddings valid (by ``convviz.shapes``) with every kernel of ``ONE_KERNELS``."""
    kernel_sizes = sorted({w.shape[0] for w in ONE_KERNELS.values()})
    settings = shapes.valid_settings(
        size,
        kernel_sizes=kernel_sizes,
        strides=_CANDIDATE_STRIDES,
        paddings=_CANDIDATE_PADDINGS,
        dilations=(1,),
    )
    ok = {(s.kernel_size, s.stride, s.padding) for s in settings}
    strides = tuple(s for s in _CANDIDATE_STRIDES if all((k, s, 0) in ok for k in kernel_sizes))
    paddings = tuple(
        p
        for p in _CANDIDATE_PADDINGS
        if all((k, s, p) in ok for k in kernel_sizes for s in strides)
    )
    return strides, paddings


#: Strides and paddings of the one-channel figure: every combination is a valid convolution.
ONE_STRIDES, ONE_PADDINGS = _valid_for_every_kernel(ONE_IMAGE.shape[0])


def _size_line(i: int, k: int, s: int, p: int, o: int) -> str:
    return f"o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊({i} + 2·{p} − {k})/{s}⌋ + 1 = {o}"


def _one_build(kernel: str, stride: int, pad: int) -> dict:
    x, w = ONE_IMAGE, ONE_KERNELS[kernel]
    h, wd = x.shape
    k = w.shape[0]
    y = conv.conv2d(x[None, None], w[None, None], stride=stride, padding=pad)[0, 0]
    oh, ow = shapes.conv_output_shape((h, wd), k, stride=stride, padding=pad)
    xp = padding.pad(x, (pad, pad, pad, pad))
    # the windows on the padded image: the same convolution, with the zeros visible
    triples = matrix.conv_triples((1, *xp.shape), (1, 1, k, k), stride=stride)
    ring = pad_cells(h, wd, pad)
    # input cells no window reads (the floor's leftovers), placed on the padded grid
    unread_in = shapes.unread_mask((h, wd), k, stride=stride, padding=pad)
    unread = np.flatnonzero(np.pad(unread_in, pad)).tolist()
    marks: dict[str, list[int]] = {"pad": ring}
    if unread:
        marks["drop"] = unread
    # the image is a picture: grey from dark to bright, as the text describes it
    panels = padded_conv_panels(xp, (h, wd), pad, marks, w, y, scale="image")
    steps = steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0))
    formula = [
        "y[r,q] = Σᵤᵥ x[s·r − p + u, s·q − p + v]·w[u,v]   (taps u, v from 0 to k − 1)",
        _size_line(h, k, stride, pad, oh) + f" per axis, so y is {oh}×{ow}",
    ]
    if unread:
        formula.append(f"the floor drops {len(unread)} input cells (marked) that no window reaches")
    return {
        "views": [view(f"{kernel}, stride {stride}, padding {pad}", panels, steps)],
        "formula": formula,
        "code": (
            f"x = torch.tensor(image).view(1, 1, {h}, {wd})   # (N, C_in, H, W)\n"
            f"w = torch.tensor(kernel).view(1, 1, {k}, {k})   # (C_out, C_in, kH, kW)\n"
            f"y = F.conv2d(x, w, stride={stride}, padding={pad})   # shape (1, 1, {oh}, {ow})"
        ),
    }


def one_channel_figure() -> Figure:
    """One channel: a kernel stepping over a padded image with a stride.

    Returns
    -------
    Figure
        Controls: the kernel (four named kernels), the stride and the padding;
        every combination is a valid convolution (``convviz.shapes.valid_settings``).
    """
    return Figure(
        id="one-channel",
        title="One channel: a kernel steps over the padded image",
        description=(
            "A 5×5 single-channel image (a dark left half, a bright right half and one "
            "bright dot) is convolved with a chosen kernel. Padding adds a ring of zeros, "
            "drawn dashed; the stride is how far the kernel jumps between windows. Each "
            "step highlights one window, labels each input cell with the weight it is "
            "multiplied by, and writes the sum that becomes one output cell. The "
            "formula below gives the output size with the chosen numbers, and the code "
            "line is the PyTorch call that computes the same output."
        ),
        controls=[
            Control("kernel", "kernel", list(ONE_KERNELS)),
            Control("stride", "stride s", list(ONE_STRIDES)),
            Control("pad", "padding p", list(ONE_PADDINGS), default=1),
        ],
        build=_one_build,
    )


#: The many-channel input: 3 channels of 4×4 (think red, green, blue).
MULTI_IMAGE = np.array(
    [
        [[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 0], [1, 0, 1, 2]],
        [[0, 1, 1, 0], [2, 0, 1, 1], [1, 3, 0, 1], [0, 1, 2, 0]],
        [[3, 0, 1, 1], [1, 1, 0, 2], [0, 2, 1, 0], [1, 1, 0, 1]],
    ],
    dtype=float,
)

#: Two filters, each with one 3×3 slice per input channel: shape (C_out, C_in, kH, kW).
MULTI_WEIGHT = np.array(
    [
        [
            [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
            [[0, 1, 0], [1, -1, 1], [0, 1, 0]],
            [[0, 0, 0], [0, 2, 0], [0, 0, 0]],
        ],
        [
            [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
            [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
            [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        ],
    ],
    dtype=float,
)

#: One bias per filter.
MULTI_BIAS = np.array([1.0, -2.0])

MULTI_PADDINGS = (0, 1)


def _channel_of(filt: int):
    """Sort key of the output panels (the followed filter's map first) by output channel."""

    def channel(panel: int) -> int:
        j = panel - 2 * MULTI_IMAGE.shape[0]  # 0 is filter `filt`, then the others in order
        others = [o for o in range(MULTI_WEIGHT.shape[0]) if o != filt]
        return filt if j == 0 else others[j - 1]

    return channel


def _multi_build(filt: int, pad: int) -> dict:
    x, w, b = MULTI_IMAGE, MULTI_WEIGHT, MULTI_BIAS
    c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    y = conv.conv2d(x, w, b, padding=pad)  # (C_out, H_out, W_out)
    oh, ow = shapes.conv_output_shape((h, wd), (kh, kw), padding=pad)
    xp = padding.pad(x, (pad, pad, pad, pad))
    cells = xp.shape[1] * xp.shape[2]
    ring = pad_cells(h, wd, pad)
    # view 1: every term of the 3-D window, split into a panel per channel; input channel c
    # (panel 2c) and the filter's slice c (panel 2c + 1) share a line, the outputs follow
    triples = matrix.conv_triples(xp.shape, (1, c_in, kh, kw))
    first_out = 2 * c_in
    panels = []
    for c in range(c_in):
        panels.append(
            grid(
                f"x{c}",
                f"input channel {c}" + (" (padded)" if pad else ""),
                xp[c],
                role="input",
                origin=(-pad, -pad),
                marks={"pad": ring},
            )
        )
        panels.append(
            grid(
                f"w{filt},{c}",
                f"filter {filt}, slice {c}: meets channel {c}",
                w[filt, c],
                role="kernel",
            )
        )
    panels.append(
        grid(
            f"y{filt}",
            f"output channel {filt} (bias {b[filt]:g})",
            y[filt],
            role="output",
            progressive=True,
        )
    )
    panels += [
        grid(f"y{o}", f"output channel {o} (the other filter)", y[o], role="other")
        for o in range(c_out)
        if o != filt
    ]
    by_channel = steps_from_triples(
        triples, out=(first_out, 0), inp=(0, cells), ker=(0, kh * kw)
    )  # input channel c in "panel" c, slice c in "panel" c: placed at 2c and 2c + 1 below
    steps = [
        [
            Term(t.out_panel, t.out_cell, 2 * t.in_panel, t.in_cell, 2 * t.k_panel + 1, t.k_cell)
            for t in map(Term._make, terms)
        ]
        for terms in by_channel
    ]
    # view 2: the same output cells as a sum of one 2-D map per channel, plus the bias
    partial = np.stack(
        [
            conv.conv2d(x[c : c + 1], w[filt : filt + 1, c : c + 1], padding=pad)[0]
            for c in range(c_in)
        ]
    )
    sum_panels = [
        grid(f"m{c}", f"m{c} = x{c} ⋆ w{filt},{c}", partial[c], role="input") for c in range(c_in)
    ]
    sum_panels.append(
        grid(f"y{filt}", f"output channel {filt}", y[filt], role="output", progressive=True)
    )
    n_out = oh * ow
    # each map's cell is added as it is (a plain term: an addition, not a product by 1)
    sum_steps = [[Term(c_in, j, c, j, *PLAIN) for c in range(c_in)] for j in range(n_out)]
    params = c_out * c_in * kh * kw + c_out
    return {
        "views": [
            view(
                f"filter {filt}: one 3×3 slice per input channel, {c_in * kh * kw} products per output",
                panels,
                steps,
                bias=float(b[filt]),
                breaks=[*range(2, 2 * c_in + 1, 2)],
                volumes=[
                    (f"input x, {c_in}×{h + 2 * pad}×{wd + 2 * pad}", range(0, 2 * c_in, 2)),
                    (f"filter {filt}, {c_in}×{kh}×{kw}: as deep as x", range(1, 2 * c_in, 2)),
                    # output channels in order: the followed filter's map is panel first_out
                    (
                        f"output y, {c_out}×{oh}×{ow}",
                        sorted(range(first_out, first_out + c_out), key=_channel_of(filt)),
                    ),
                ],
            ),
            view(
                "the same sum, channel by channel: m_c is channel c alone convolved with its slice; "
                "the maps added, plus the bias",
                sum_panels,
                sum_steps,
                bias=float(b[filt]),
            ),
        ],
        "formula": [
            f"weight shape (C_out, C_in, kH, kW) = ({c_out}, {c_in}, {kh}, {kw}): "
            f"{c_out} filters, each {c_in} slices of {kh}×{kw}",
            f"y[o,r,q] = b[o] + Σ over c, u, v of x[c, r − p + u, q − p + v]·w[o,c,u,v]"
            f"   ({c_in}·{kh}·{kw} = {c_in * kh * kw} products)",
            f"output shape (C_out, H_out, W_out) = ({c_out}, {oh}, {ow}): one map per filter",
            f"parameters: {c_out}·{c_in}·{kh}·{kw} + {c_out} biases = {params}",
        ],
        "code": (
            f"x = torch.tensor(image).view(1, {c_in}, {h}, {wd})   # (N, C_in, H, W)\n"
            f"w = torch.tensor(filters)   # shape {tuple(w.shape)}\n"
            f"b = torch.tensor({b.tolist()})\n"
            f"y = F.conv2d(x, w, bias=b, padding={pad})   # shape (1, {c_out}, {oh}, {ow}); "
            f"this view is y[0, {filt}]"
        ),
    }


def multi_channel_figure() -> Figure:
    """Many channels: one filter has a slice per input channel; N filters give N maps.

    Returns
    -------
    Figure
        Controls: which filter (output channel) to follow, and the padding.
        The first view spreads each step's products over the channel panels;
        the second adds the per-channel maps and the bias.
    """
    return Figure(
        id="many-channels",
        title="Many channels: one filter, one slice per input channel, one output map",
        description=(
            "A 3-channel 4×4 input (think red, green and blue) meets a layer of two "
            "filters, weight shape (2, 3, 3, 3). Top: each input channel is on a line "
            "of its own beside the filter's slice for it (channel c meets slice c), and "
            "each step of the chosen filter "
            "multiplies a 3×3 window of every input channel by that channel's slice of "
            "the filter; all 27 products and the filter's bias add up to one cell of "
            "its output map. The other filter's map is shown beside it: two filters, "
            "two output channels. Bottom: the same output cell as the sum of three "
            "single-channel maps (each channel convolved with its own slice) plus the "
            "bias."
        ),
        controls=[
            Control("filt", "filter (output channel)", [0, 1]),
            Control("pad", "padding p", list(MULTI_PADDINGS)),
        ],
        build=_multi_build,
    )


from convviz.figures.photos import photo_bank_figure  # noqa: E402 (real photographs)

FIGURES = [one_channel_figure, multi_channel_figure, photo_bank_figure]
