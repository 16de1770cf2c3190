"""Chapter 4 figures: a 1x1 convolution is one linear map applied at every pixel."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view

__all__ = ["PW_BIASES", "PW_IMAGE", "PW_LABELS", "PW_WEIGHTS", "pointwise_figure"]

CHAPTER = "04-1x1-convolution"
TITLE = "1x1 convolution"

#: The input of the figure: 3 channels of a 3x4 image, small integers.
PW_IMAGE = np.array(
    [
        [[1.0, 3.0, 0.0, 2.0], [4.0, 1.0, 2.0, 0.0], [2.0, 2.0, 3.0, 1.0]],
        [[0.0, 2.0, 1.0, 4.0], [1.0, 3.0, 0.0, 2.0], [3.0, 1.0, 1.0, 0.0]],
        [[2.0, 0.0, 4.0, 1.0], [0.0, 2.0, 3.0, 1.0], [1.0, 4.0, 0.0, 2.0]],
    ]
)

#: The 1x1 layer's weights, OIHW: 3 output channels, each a recipe over the 3 input channels.
PW_WEIGHTS = np.array(
    [
        [0.25, 0.5, 0.25],  # a weighted average of the channels
        [1.0, -1.0, 0.0],  # channel 0 minus channel 1
        [0.5, 2.0, -1.0],  # a learned-looking mix
    ]
)[:, :, None, None]

#: What each output channel computes, for the control's labels.
PW_LABELS = (
    "0: weighted average 0.25·x0 + 0.5·x1 + 0.25·x2",
    "1: difference x0 − x1",
    "2: mix 0.5·x0 + 2·x1 − x2",
)

#: The bias values the reader can choose (the same for every output channel).
PW_BIASES = (0.0, 1.0)


def _build(out_channel: int, bias: float) -> dict:
    c_in, h, w = PW_IMAGE.shape
    b = np.full(PW_WEIGHTS.shape[0], bias)
    y = conv.conv2d(PW_IMAGE[None], PW_WEIGHTS, b)[0]
    row = PW_WEIGHTS[out_channel : out_channel + 1]  # (1, C_in, 1, 1)
    triples = matrix.conv_triples(PW_IMAGE.shape, row.shape)
    hw = h * w
    # view 1: the channels as panels; one step per pixel, one term per input channel
    per_pixel = steps_from_triples(triples, out=(c_in + 1, 0), inp=(0, hw), ker=(c_in, 0))
    panels = [grid(f"x{c}", f"input channel {c}", PW_IMAGE[c], role="input") for c in range(c_in)]
    panels.append(
        grid("w", f"weights W[{out_channel}, :] (1x1x{c_in})", row[0, :, 0, 0], role="kernel")
    )
    panels.append(
        grid("y", f"output channel {out_channel}", y[out_channel], role="output", progressive=True)
    )
    # view 2: the same numbers as a matrix product; X's flat index is x's flat index
    as_matmul = steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0))
    mat_panels = [
        grid(
            "X",
            f"X = x.reshape({c_in}, {hw}): one column per pixel",
            PW_IMAGE.reshape(c_in, hw),
            role="input",
        ),
        grid("w", f"row {out_channel} of W ({c_in} weights)", row[0, :, 0, 0], role="kernel"),
        grid(
            "Y",
            f"row {out_channel} of Y = W·X + b",
            y[out_channel].reshape(1, hw),
            role="output",
            progressive=True,
        ),
    ]
    bias_arg = None if bias == 0 else bias
    weights = ", ".join(f"{v:g}" for v in row[0, :, 0, 0])
    return {
        "views": [
            view(
                "1x1 convolution: one pixel's channel column at a time",
                panels,
                per_pixel,
                bias=bias_arg,
            ),
            view(
                "the same map as a matrix product over all pixels",
                mat_panels,
                as_matmul,
                bias=bias_arg,
            ),
        ],
        "formula": [
            "y[o, h, w] = Σ_c W[o, c]·x[c, h, w] + b[o]   (the same W at every pixel)",
            f"output channel {out_channel}: y = {weights} · (x0, x1, x2) + {bias:g}",
            f"as matrices: Y ({PW_WEIGHTS.shape[0]}×{hw}) = W ({PW_WEIGHTS.shape[0]}×{c_in}) "
            f"· X ({c_in}×{hw}) + b",
        ],
        "code": (
            f"w = torch.tensor(W).view({PW_WEIGHTS.shape[0]}, {c_in}, 1, 1)\n"
            f"F.conv2d(x, w, bias=torch.full(({PW_WEIGHTS.shape[0]},), {bias:g}))\n"
            "# the same numbers:\n"
            "torch.einsum('oc,nchw->nohw', w[:, :, 0, 0], x) + b.view(1, -1, 1, 1)"
        ),
    }


def pointwise_figure() -> Figure:
    """A 1x1 convolution stepping through the pixels, and the same map as a matrix product.

    Returns
    -------
    Figure
        Controls: the output channel (its row of weights) and the bias.
    """
    c_in, h, w = PW_IMAGE.shape
    return Figure(
        id="pointwise",
        title="A 1x1 convolution is the same small linear map at every pixel",
        description=(
            f"An image with {c_in} channels of {h}x{w} pixels goes through a 1x1 convolution "
            f"with {PW_WEIGHTS.shape[0]} output channels. Top: the input channels side by side; "
            "each step takes one pixel, reads the value of every input channel at that pixel, "
            "multiplies each by its channel's weight, adds them (and the bias) and writes one "
            "output value at the same pixel. Bottom: the same numbers arranged as a matrix "
            "product, with one column per pixel: the 1x1 convolution is a dense layer "
            "applied to every pixel's channel vector."
        ),
        controls=[
            Control(
                "out_channel",
                "output channel",
                list(range(PW_WEIGHTS.shape[0])),
                labels=list(PW_LABELS),
            ),
            Control("bias", "bias b", list(PW_BIASES)),
        ],
        build=_build,
    )


from convviz.figures.photos import photo_mix_figure  # noqa: E402 (real photographs)

FIGURES = [pointwise_figure, photo_mix_figure]
