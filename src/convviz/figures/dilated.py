"""Chapter 7 figures: a dilated kernel reads spread-out cells; stacked dilations see far."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix, padding, receptive, shapes
from convviz.dilation import spread_kernel, stack_kernel
from convviz.figures._common import pad_cells, padded_conv_panels
from convviz.figures.engine import (
    Control,
    Figure,
    footprint_panel,
    grid,
    steps_from_triples,
    view,
)

__all__ = [
    "DIL_DILATIONS",
    "DIL_IMAGE",
    "DIL_KERNEL",
    "STACK_IMAGE",
    "STACK_SCHEDULES",
    "dilated_kernel_figure",
    "dilated_stack_figure",
]

CHAPTER = "07-dilated-convolution"
TITLE = "Dilated (atrous) convolution"


def _square_image() -> np.ndarray:
    """9x9: a square outline of 2s on a background of 0s, and a 4 at its centre."""
    x = np.zeros((9, 9))
    x[2:7, 2:7] = 2.0
    x[3:6, 3:6] = 0.0
    x[4, 4] = 4.0
    return x


#: The 9x9 image of the dilated-kernel figure: a shape (a square outline and its centre)
#: of small integers on zeros, so the taps that land on it stand out and every sum is
#: checkable by eye.
DIL_IMAGE = _square_image()

#: The 3x3 kernel of the dilated-kernel figure (no zero weights: every tap shows).
DIL_KERNEL = np.array([[1.0, 2.0, 1.0], [-1.0, 3.0, -1.0], [2.0, -2.0, 1.0]])

#: Dilations of the dilated-kernel figure: those valid (by convviz.shapes) on the 9x9 image.
DIL_DILATIONS = tuple(
    s.dilation
    for s in shapes.valid_settings(
        9, kernel_sizes=(3,), strides=(1,), paddings=(0,), dilations=(1, 2, 3, 4, 5)
    )
)

#: Dilation schedules of the stack figure, by label.
STACK_SCHEDULES: dict[str, tuple[int, int, int]] = {
    "1, 2, 4 (doubling, Yu & Koltun)": (1, 2, 4),
    "1, 1, 1 (no dilation)": (1, 1, 1),
    "2, 2, 2 (same dilation: gridding)": (2, 2, 2),
}

#: The image of the stack figure, an edge: 1 above the diagonal, 0 on and below it. Its
#: top-left (r + 2) x (r + 2) corner is used, so every setting has a 3x3 output (a 15x15
#: receptive field needs 17x17) and every corner shows the edge.
STACK_IMAGE = np.triu(np.ones((17, 17)), k=1)


def _dil_build(dilation: int, pad: str) -> dict:
    x, w = DIL_IMAGE, DIL_KERNEL
    h = x.shape[0]
    k = w.shape[0]
    e = shapes.effective_kernel_size(k, dilation)
    p = shapes.padding_for_same(k, dilation) if pad == "same" else 0
    y = conv.conv2d(x[None, None], w[None, None], padding=p, dilation=dilation)[0, 0]
    oh = shapes.conv_output_size(h, k, 1, p, dilation)
    xp = padding.pad(x, (p, p, p, p))
    triples = matrix.conv_triples((1, *xp.shape), (1, 1, k, k), dilation=dilation)
    ring = pad_cells(h, h, p)
    spread = spread_kernel(w, dilation)
    holes = [int(i) for i in np.flatnonzero(spread == 0)]
    # the output and the spread kernel change size with every dilation and padding: painted
    # on canvases, a change repaints them instead of restyling about 500 SVG elements
    panels = [
        *padded_conv_panels(xp, (h, h), p, {"pad": ring}, w, y, output_canvas=True),
        grid(
            "ŵ",
            f"w as it lands on x: {e}×{e}, holes = 0",
            spread,
            role="other",
            marks={"zero": holes},
            canvas=True,
        ),
        footprint_panel(0),
    ]
    panels[0]["label"] += ": dashed box, the footprint; corner crosses, the cells skipped"
    steps = steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0))
    gaps = (
        "no cells skipped between taps"
        if dilation == 1
        else f"{dilation - 1} cell{'s' if dilation > 2 else ''} skipped between neighbouring taps"
    )
    return {
        "views": [view(f"3×3 kernel, dilation {dilation}", panels, steps)],
        "formula": [
            f"y[r,q] = Σᵤᵥ x[r − p + {dilation}·u, q − p + {dilation}·v]·w[u,v]   "
            f"(taps u, v = 0, 1, 2; dilation d = {dilation}: {gaps})",
            f"footprint k_eff = k + (k − 1)(d − 1) = {k} + {k - 1}·{dilation - 1} = {e}: "
            f"one output reads {k * k} cells of its {e}×{e} footprint (dashed box), "
            f"{e * e - k * k} skipped (crossed)",
            f"o = i + 2p − k_eff + 1 = {h} + {2 * p} − {e} + 1 = {oh}",
        ],
        "code": f"F.conv2d(x, w, dilation={dilation}, padding={p})   # x: (1, 1, {h}, {h}), w: (1, 1, 3, 3)",
    }


def dilated_kernel_figure() -> Figure:
    """One 3x3 kernel with a dilation slider: which input cells each output reads.

    Returns
    -------
    Figure
        Controls: dilation (1 to 4) and padding (none or 'same').
    """
    return Figure(
        id="dilated-kernel",
        title="A dilated 3×3 kernel reads 9 cells spread over a wider window",
        description=(
            "A 9×9 image x is convolved with a 3×3 kernel w at dilation d. Each step "
            "highlights the nine input cells one output reads, labelled with the weight "
            "they are multiplied by; the cells are d apart, so the window spans "
            "(3 − 1)d + 1 cells a side: 3, 5, 7, 9 for d = 1, 2, 3, 4. A dashed box on "
            "the input outlines that footprint and crosses the cells inside it that the "
            "kernel skips. The fourth panel shows the kernel as it lands on the input, "
            "with zeros in the holes. The image is a square outline with a bright "
            "centre on zeros, so the taps that land on it stand out. With 'same' padding "
            "(p = d) the output keeps the input size."
        ),
        controls=[
            Control("dilation", "dilation d", list(DIL_DILATIONS), default=1),
            Control("pad", "padding", ["none", "same"], labels=["none (valid)", "same (p = d)"]),
        ],
        build=_dil_build,
    )


def _stack_build(schedule: str, layers: int) -> dict:
    dil = STACK_SCHEDULES[schedule][:layers]
    K = stack_kernel(dil)
    r = K.shape[0]
    n = r + 2  # a 3x3 output: nine steps, each one output cell's whole receptive field
    x = STACK_IMAGE[:n, :n]
    rf = receptive.receptive_field([receptive.Layer(3, dilation=d) for d in dil]).size[0]
    # the stack of all-ones layers, run with conv2d layer by layer
    y = x[None, None]
    for d in dil:
        y = conv.conv2d(y, np.ones((1, 1, 3, 3)), dilation=d)
    y = y[0, 0]
    o = y.shape[0]
    triples = matrix.conv_triples((1, n, n), (1, 1, r, r))
    reached = K.ravel()[triples[:, 2]] != 0
    steps = steps_from_triples(triples[reached], out=(2, 0), inp=(0, 0), ker=(1, 0))
    holes = [int(i) for i in np.flatnonzero(K == 0)]
    seen = int(np.count_nonzero(K))
    # x and P grow from 9x9 to 17x17 across the schedules, past the size at which the
    # renderer paints grids on a canvas: painted on one at every setting, a change repaints
    # them instead of swapping about 700 SVG elements for a canvas (or back)
    panels = [
        grid("x", f"input x, {n}×{n}", x, role="input", canvas=True),
        grid(
            "P",
            f"paths from one output to each input cell, {r}×{r}",
            K,
            role="kernel",
            marks={"zero": holes} if holes else None,
            canvas=True,
        ),
        grid(
            "y",
            f"output after {layers} layer{'s' if layers > 1 else ''}, {o}×{o}",
            y,
            role="output",
            progressive=True,
        ),
    ]
    terms = " + ".join(f"{d}·2" for d in dil)
    names = ", ".join(map(str, dil))
    single = shapes.effective_kernel_size(3, dil[-1])
    formula = [
        f"{layers} stacked 3×3 layer{'s' if layers > 1 else ''}, "
        f"dilation{'s' if layers > 1 else ''} {names}, all weights 1",
        f"receptive field r = 1 + Σ d·(k − 1) = 1 + {terms} = {rf}: each output sees {rf}×{rf} inputs",
        f"weights: {layers}·9 = {9 * layers}; paths per output: 9^{layers} = {int(K.sum())} "
        f"(the sum of P); cells reached: {seen} of {rf * rf}"
        + (" (holes: gridding)" if holes else ""),
        f"the last layer alone (one 3×3 kernel, dilation {dil[-1]}) spans only {single}×{single}",
    ]
    code = ",\n    ".join(f"nn.Conv2d(1, 1, 3, dilation={d}, bias=False)" for d in dil)
    full = STACK_SCHEDULES[schedule]
    fields = []
    for n_layers in range(1, len(full) + 1):
        P = stack_kernel(full[:n_layers])
        fields.append(
            grid(
                f"P{n_layers}",
                f"after layer {n_layers} (dilation {full[n_layers - 1]}): "
                f"{P.shape[0]}×{P.shape[0]}",
                P,
                role="kernel" if n_layers == layers else "other",
                marks={"zero": [int(i) for i in np.flatnonzero(P == 0)]},
                index=False,
                cell=12,
                canvas=True,  # a change of schedule rewrites all of them: 500 SVG cells
            )
        )
    return {
        "views": [
            view(
                f"stack of {layers} layer{'s' if layers > 1 else ''}, "
                f"dilation{'s' if layers > 1 else ''} {names}",
                panels,
                steps,
            ),
            view(
                f"receptive fields side by side, dilations {', '.join(map(str, full))}: "
                "paths from one output to each input cell",
                fields,
                [],
            ),
        ],
        "formula": formula,
        "code": f"stack = nn.Sequential(\n    {code},\n)   # all weights 1: y = F.conv2d(x, P)",
    }


def dilated_stack_figure() -> Figure:
    """Receptive field of stacked dilated 3x3 layers, as the paths that reach each input.

    Returns
    -------
    Figure
        Controls: the dilation schedule and the number of layers (1 to 3).
    """
    return Figure(
        id="dilated-stack",
        title="Stacked dilations: 3×3, 7×7, 15×15 with dilations 1, 2, 4",
        description=(
            "A stack of 3×3 layers whose weights are all 1 equals one convolution with "
            "the kernel P (middle panel): P counts the paths from one output cell down "
            "to each input cell. With dilations 1, 2, 4 the receptive field grows "
            "3×3, 7×7, 15×15 while the weights grow 9, 18, 27. Each step highlights the "
            "input cells one output cell depends on. With dilations 2, 2, 2 the reached "
            "cells have holes (zeros in P): the gridding artifact."
        ),
        controls=[
            Control("schedule", "dilations", list(STACK_SCHEDULES)),
            # two layers first: the 9×9 input and the 7×7 P sit side by side and the
            # figure fits a 900 px screen; the slider goes to three (15×15)
            Control("layers", "layers", [1, 2, 3], default=1),
        ],
        build=_stack_build,
    )


from convviz.figures.photos import photo_dilated_figure  # noqa: E402 (real photographs)

FIGURES = [dilated_kernel_figure, dilated_stack_figure, photo_dilated_figure]
