"""The front page's figure: a kernel slides over a small image and writes one sum per step.

It is the book's idea at a glance, and it plays by itself when the page opens
(``Figure(..., autoplay=True)``), unless the reader's system asks for reduced motion.
"""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix, padding, shapes
from convviz.figures._common import pad_cells, padded_conv_panels
from convviz.figures.engine import Control, Figure, steps_from_triples, view

__all__ = ["FRONT_IMAGE", "FRONT_KERNEL", "FRONT_PADDINGS", "FRONT_STRIDES", "sliding_figure"]

CHAPTER = "index"
TITLE = "The front page: a kernel slides over an image"

#: A 5×5 image of small integers (a bright diagonal band), so every sum can be checked by eye.
FRONT_IMAGE = np.array(
    [
        [0.0, 1.0, 2.0, 3.0, 2.0],
        [1.0, 2.0, 3.0, 2.0, 1.0],
        [2.0, 3.0, 2.0, 1.0, 0.0],
        [3.0, 2.0, 1.0, 0.0, 1.0],
        [2.0, 1.0, 0.0, 1.0, 2.0],
    ]
)

#: A 3×3 vertical-edge kernel (Sobel): positive where the image gets darker to the right.
FRONT_KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def _settings() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Strides and paddings (of 1, 2 and 0, 1) valid together for the image and kernel."""
    valid = shapes.valid_settings(
        FRONT_IMAGE.shape[0],
        kernel_sizes=(FRONT_KERNEL.shape[0],),
        strides=(1, 2),
        paddings=(0, 1),
        dilations=(1,),
    )
    pairs = {(v.stride, v.padding) for v in valid}
    strides = tuple(sorted({s for s, _ in pairs}))
    paddings = tuple(sorted({p for _, p in pairs}))
    assert all((s, p) in pairs for s in strides for p in paddings)
    return strides, paddings


#: The options of the two controls: every combination is a valid convolution.
FRONT_STRIDES, FRONT_PADDINGS = _settings()


def _build(s: int, p: int) -> dict:
    x, w = FRONT_IMAGE, FRONT_KERNEL
    i, k = x.shape[0], w.shape[0]
    y = conv.conv2d(x[None, None], w[None, None], stride=s, padding=p)[0, 0]
    o = shapes.conv_output_size(i, k, stride=s, padding=p)
    xp = padding.pad(x, (p, p, p, p))
    triples = matrix.conv_triples((1, *xp.shape), (1, 1, k, k), stride=s)
    marks: dict[str, list[int]] = {"pad": pad_cells(i, i, p)}
    unread = shapes.unread_cells(i, k, stride=s, padding=p)
    if unread:  # cells of the unpadded image no window reads, on the padded grid
        side = i + 2 * p
        marks["drop"] = sorted(
            (r + p) * side + (c + p)
            for r in range(i)
            for c in range(i)
            if r in unread or c in unread
        )
    panels = padded_conv_panels(xp, (i, i), p, marks, w, y)
    formula = [
        "y[r,q] = Σᵤᵥ x[s·r − p + u, s·q − p + v] · w[u,v]",
        f"o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊({i} + 2·{p} − {k})/{s}⌋ + 1 = {o} on each axis: "
        f"y is {o}×{o}",
    ]
    return {
        "views": [
            view(
                f"a {k}×{k} kernel slides over a {i}×{i} image: stride s = {s}, padding p = {p}",
                panels,
                steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0)),
            )
        ],
        "formula": formula,
        "code": f"y = F.conv2d(x, w, stride={s}, padding={p})   # x: (1, 1, {i}, {i}), "
        f"w: (1, 1, {k}, {k}), y: (1, 1, {o}, {o})",
    }


def sliding_figure() -> Figure:
    """The front page's figure: a 3×3 kernel slides over a 5×5 image, one sum per step.

    Returns
    -------
    Figure
        Controls: the stride ``s`` and the padding ``p`` (every combination valid by
        :func:`convviz.shapes.valid_settings`); it plays by itself on load.
    """
    return Figure(
        id="front-slide",
        title="A convolution, one output at a time",
        description=(
            "A 5×5 image of small whole numbers and a 3×3 kernel. At each step the kernel "
            "lies over one 3×3 window of the image: each image cell in the window is "
            "multiplied by the kernel weight over it, the nine products are added, and "
            "the total is written into one cell of the output. The written sum below the "
            "grids shows every product. The figure plays by itself; the stride s (how "
            "far the kernel jumps) and the padding p (a ring of zeros around the image) "
            "change the output's size, given by the formula line."
        ),
        controls=[
            Control("s", "stride s", list(FRONT_STRIDES)),
            Control("p", "padding p", list(FRONT_PADDINGS)),
        ],
        build=_build,
        autoplay=True,
    )


FIGURES = [sliding_figure]
