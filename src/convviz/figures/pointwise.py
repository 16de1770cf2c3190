"""Chapter 4 figures: a 1x1 convolution is one linear map applied at every pixel."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view, volume

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

#: What each output channel computes (the figure's formula line writes the chosen row of W
#: out in full; the control's buttons are the channel numbers, which fit a phone).
PW_LABELS = ("0: a weighted average", "1: x[0] − x[1]", "2: a mix")

#: The bias values the reader can choose (the same for every output channel).
PW_BIASES = (0.0, 1.0)


def _signed_sum(terms: list[tuple[float, str]]) -> str:
    """``[(0.5, "x[0]"), (-1, "x[2]"), (1, "")]`` as ``0.5·x[0] − 1·x[2] + 1``."""
    out = ""
    for v, name in terms:
        text = f"{abs(v):g}" + (f"·{name}" if name else "")
        out += (
            text
            if not out and v >= 0
            else f"−{text}"
            if not out
            else f" {'−' if v < 0 else '+'} {text}"
        )
    return out


def _build(out_channel: int, bias: float) -> dict:
    c_in, h, w = PW_IMAGE.shape
    c_out = PW_WEIGHTS.shape[0]
    b = np.full(c_out, bias)
    y = conv.conv2d(PW_IMAGE[None], PW_WEIGHTS, b)[0]
    row = PW_WEIGHTS[out_channel : out_channel + 1]  # (1, C_in, 1, 1)
    triples = matrix.conv_triples(PW_IMAGE.shape, row.shape)
    hw = h * w
    # view 1: the channels as panels, all of W, every output channel; one step per pixel of
    # the followed output channel, one term per input channel (W's flat cell o·C_in + c)
    in_w = triples.copy()
    in_w[:, 2] += out_channel * c_in
    first_out = c_in + 1
    per_pixel = steps_from_triples(
        in_w, out=(first_out + out_channel, 0), inp=(0, hw), ker=(c_in, 0)
    )
    # channel c of x is the panel x[c], so the sums name cells x[c, r, q] as the prose does
    panels = [grid(f"x[{c}]", f"input channel {c}", PW_IMAGE[c], role="input") for c in range(c_in)]
    panels.append(
        grid(
            "W",
            f"weights W, {c_out}×{c_in}: row {out_channel} is the 1×1×{c_in} kernel in use",
            PW_WEIGHTS[:, :, 0, 0],
            role="kernel",
        )
    )
    panels += [
        grid(f"y[{o}]", f"output channel {o}", y[o], role="output", progressive=True)
        if o == out_channel
        else grid(f"y[{o}]", f"output channel {o} (row {o} of W)", y[o], role="other")
        for o in range(c_out)
    ]
    volumes = [
        (f"input x, {c_in}×{h}×{w}", range(c_in)),
        volume(f"kernels W, {c_out} of 1×1×{c_in}", [c_in], along="depth"),
        (f"output y, {c_out}×{h}×{w}", range(first_out, first_out + c_out)),
    ]
    # view 2: the same numbers as a matrix product; X's flat index is x's flat index
    as_matmul = steps_from_triples(triples, out=(2, 0), inp=(0, 0), ker=(1, 0))
    mat_panels = [
        grid(
            "X",
            f"X: x as {c_in}×{hw}, one column per pixel",
            PW_IMAGE.reshape(c_in, hw),
            role="input",
        ),
        grid(
            "W",
            f"row {out_channel} of W ({c_in} weights)",
            row[0, :, 0, 0][None, :],
            role="kernel",
            origin=(out_channel, 0),
        ),
        grid(
            "Y",
            f"row {out_channel} of Y = W·X + b",
            y[out_channel].reshape(1, hw),
            role="output",
            progressive=True,
            origin=(out_channel, 0),
        ),
    ]
    bias_arg = None if bias == 0 else bias
    recipe = _signed_sum([(v, f"x[{c}]") for c, v in enumerate(row[0, :, 0, 0])] + [(bias, "")])
    return {
        "views": [
            view(
                "1×1 convolution: one pixel's column through the input at a time",
                panels,
                per_pixel,
                bias=bias_arg,
                volumes=volumes,
            ),
            view(
                "the same map as a matrix product over all pixels",
                mat_panels,
                as_matmul,
                bias=bias_arg,
            ),
        ],
        "formula": [
            "y[o, r, q] = Σ over c of W[o, c]·x[c, r, q] + b[o]   (the same W at every pixel)",
            f"output channel {PW_LABELS[out_channel]} (row {out_channel} of W, bias {bias:g}): "
            f"y[{out_channel}] = {recipe}",
            f"as matrices: Y ({c_out}×{hw}) = W ({c_out}×{c_in}) · X ({c_in}×{hw}) + b",
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
        title="A 1×1 convolution is the same small linear map at every pixel",
        description=(
            f"An image with {c_in} channels of {h}×{w} pixels goes through a 1×1 convolution "
            f"with {PW_WEIGHTS.shape[0]} output channels. Top: the input channels side by side, "
            "the weight matrix W (one row, a 1×1×C_in kernel, per output channel) and the "
            "output channels; each step takes one pixel, reads the value of every input channel "
            "at that pixel, multiplies each by its weight in the chosen row of W, adds them (and "
            "the bias) and writes one output value at the same pixel. The 3D button draws the "
            "input, the kernels and the output as blocks, with the pixel's column through the "
            "input block outlined. Bottom: the same numbers arranged as a matrix "
            "product, with one column per pixel: the 1×1 convolution is a dense layer "
            "applied to every pixel's channel vector."
        ),
        controls=[
            Control(
                "out_channel",
                "output channel o",
                list(range(PW_WEIGHTS.shape[0])),
                widget="buttons",
            ),
            Control(
                "bias",
                "bias b",
                list(PW_BIASES),
                labels=[f"{v:g}" for v in PW_BIASES],
                widget="buttons",
            ),
        ],
        build=_build,
    )


from convviz.figures.photos import photo_mix_figure  # noqa: E402 (real photographs)

FIGURES = [pointwise_figure, photo_mix_figure]
