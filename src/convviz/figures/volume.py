"""Chapter 3 figures: a 3D kernel sliding over depth, height and width, slice by slice."""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix, shapes
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view, volume

__all__ = [
    "ARTICLE_STACK",
    "TORCH_CLIP",
    "VOLUMES",
    "VOLUME_KERNELS",
    "moving_square",
    "slice_panels",
    "tube_volume",
    "two_views_figure",
    "volume_figure",
]

CHAPTER = "03-3d-convolution"
TITLE = "3D convolution"


def tube_volume(depth: int = 5, size: int = 6) -> np.ndarray:
    """A CT-like block: soft tissue (1) with a bright vessel (5) winding through it.

    Returns
    -------
    ndarray, shape (depth, size, size)
        Slice ``d`` holds a 2×2 vessel cross-section whose top-left corner
        moves diagonally down and right from slice to slice.
    """
    vol = np.ones((depth, size, size))
    path = [(0, 0), (1, 1), (1, 2), (2, 3), (3, 3), (4, 4)]
    for d in range(depth):
        r, c = path[d % len(path)]
        vol[d, r : r + 2, c : c + 2] = 5.0
    return vol


def moving_square(frames: int = 5, size: int = 6) -> np.ndarray:
    """A short clip: a 2×2 bright square moving one pixel right per frame, on black.

    Returns
    -------
    ndarray, shape (frames, size, size)
        Time is the first axis, the depth of a 3D convolution.
    """
    clip = np.zeros((frames, size, size))
    for t in range(frames):
        c = min(t, size - 2)
        clip[t, 2:4, c : c + 2] = 1.0
    return clip


#: The volumes of the slice figure, by label: shape (D, H, W), one input channel.
VOLUMES: dict[str, np.ndarray] = {
    "CT block with a winding vessel": tube_volume(),
    "video: a square moving right": moving_square(),
}

#: 3D kernels of the slice figure, by label: shape (kD, kH, kW).
VOLUME_KERNELS: dict[str, np.ndarray] = {
    "3×3×3 sum (all ones)": np.ones((3, 3, 3)),
    "2×2×2 sum (all ones)": np.ones((2, 2, 2)),
    "2×1×1 change along depth [−1, 1]": np.array([-1.0, 1.0]).reshape(2, 1, 1),
}


def slice_panels(
    name: str, label: str, block: np.ndarray, role: str, *, progressive: bool = False
) -> list[dict]:
    """One panel per depth slice of a ``(D, H, W)`` block, named ``name[d]``."""
    return [
        grid(f"{name}[{d}]", f"{label} {d}", block[d], role=role, progressive=progressive)
        for d in range(block.shape[0])
    ]


def _slices_view(title: str, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> dict:
    """A view of a one-channel 3D convolution: input, kernel and output slices."""
    d_in, h, wd = x.shape
    kd, kh, kw = w.shape
    panels = slice_panels("x", "input slice", x, "input")
    panels += slice_panels("w", "kernel slice", w, "kernel")
    panels += slice_panels("y", "output slice", y, "output", progressive=True)
    triples = matrix.conv_triples((1, d_in, h, wd), (1, 1, kd, kh, kw))
    steps = steps_from_triples(
        triples, inp=(0, h * wd), ker=(d_in, kh * kw), out=(d_in + kd, y.shape[1] * y.shape[2])
    )
    volumes = [
        (f"input x, {d_in}×{h}×{wd}", range(d_in)),
        (f"kernel w, {kd}×{kh}×{kw}", range(d_in, d_in + kd)),
        ("output y, " + "×".join(map(str, y.shape)), range(d_in + kd, d_in + kd + y.shape[0])),
    ]
    return view(title, panels, steps, volumes=volumes)


def _volume_build(volume: str, kernel: str) -> dict:
    x, w = VOLUMES[volume], VOLUME_KERNELS[kernel]
    y = conv.conv3d(x[None, None], w[None, None])[0, 0]
    out = shapes.conv_output_shape(x.shape, w.shape)
    dims = "×".join(map(str, x.shape))
    kdims = "×".join(map(str, w.shape))
    odims = "×".join(map(str, out))
    return {
        "views": [
            _slices_view(f"{volume}: D×H×W = {dims}, kernel {kdims}", x, w, y),
        ],
        "formula": [
            "y[z, r, q] = Σ over taps (t, u, v) of x[z + t, r + u, q + v]·w[t, u, v]   "
            "(no padding, stride 1)",
            "o = i − k + 1 on each axis: "
            + ", ".join(
                f"{i} − {k} + 1 = {o}" for i, k, o in zip(x.shape, w.shape, out, strict=True)
            )
            + f", so the output is a volume of {odims}",
            f"the kernel slides along all three axes: {int(np.prod(out))} positions, "
            f"{w.size} products each",
        ],
        "code": (
            f"x = torch.tensor(volume).view(1, 1, {', '.join(map(str, x.shape))})   "
            "# (N, C_in, D, H, W)\n"
            f"w = torch.tensor(kernel).view(1, 1, {', '.join(map(str, w.shape))})   "
            "# (C_out, C_in, kD, kH, kW)\n"
            f"y = F.conv3d(x, w)   # shape (1, 1, {', '.join(map(str, out))})"
        ),
    }


def volume_figure() -> Figure:
    """A 3D kernel sliding over a small volume, drawn as slices side by side.

    Returns
    -------
    Figure
        Controls: the volume (CT block with a vessel, or a clip of a moving
        square) and the 3D kernel.
    """
    return Figure(
        id="volume-slices",
        title="A 3D kernel slides over depth, height and width",
        description=(
            "A one-channel volume of 5 slices of 6×6 (a CT-like block with a bright "
            "vessel winding through it, or 5 frames of a square moving right) is drawn "
            "as its slices side by side, then the slices of a 3D kernel, then the "
            "slices of the output volume. Each step highlights the cells of a few "
            "consecutive input slices that one kernel position covers, labels each "
            "with its kernel weight, and writes their sum into one cell of one output "
            "slice. The kernel is shallower than the volume, so it moves along depth as "
            "well as height and width, and the output is a volume too."
        ),
        controls=[
            Control("volume", "volume", list(VOLUMES)),
            Control("kernel", "3D kernel", list(VOLUME_KERNELS)),
        ],
        build=_volume_build,
    )


#: The article's picture: a stack of 4 slices ("channels" in the article), each 4×4 (the
#: top-left corner of a 5×5 stack: a 3×3 kernel still has four positions per slice, and the
#: figure's two views fit a laptop screen with fewer rows).
ARTICLE_STACK = np.array(
    [
        [[1, 0, 2, 1, 0], [0, 1, 1, 0, 2], [2, 0, 1, 1, 0], [1, 1, 0, 2, 1], [0, 2, 1, 0, 1]],
        [[0, 1, 1, 2, 0], [1, 2, 0, 1, 1], [0, 1, 2, 0, 1], [2, 0, 1, 1, 0], [1, 1, 0, 1, 2]],
        [[2, 1, 0, 0, 1], [1, 0, 2, 1, 0], [0, 1, 1, 2, 1], [1, 2, 0, 1, 0], [0, 0, 1, 1, 2]],
        [[1, 1, 0, 1, 2], [0, 2, 1, 0, 1], [1, 0, 0, 2, 1], [2, 1, 1, 0, 0], [1, 0, 2, 1, 1]],
    ],
    dtype=float,
)[:, :4, :4]

#: torch's picture: a clip with 2 channels (say, two colours), 3 frames of 4×4: (C, D, H, W);
#: channel 0 is a 2×2 square moving right one cell a frame.
TORCH_CLIP = np.stack(
    [
        np.stack([np.pad(np.ones((2, 2)), ((1, 1), (t, 2 - t))) for t in range(3)]),
        ARTICLE_STACK[:3] % 2,
    ]
)

_SPATIAL_KERNEL = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])

#: Kernel depths the reader can choose (both views accept each).
KERNEL_DEPTHS = tuple(
    kd
    for kd in (1, 2, 3)
    if shapes.is_valid_conv(ARTICLE_STACK.shape, (kd, 3, 3))
    and shapes.is_valid_conv(TORCH_CLIP.shape[1:], (kd, 3, 3))
)


#: Cell size (px) of the two-views figure: the smallest that still prints numbers (30), so
#: four 4×4 slices sit in a row of the text column and the default takes fewer rows.
_TWO_VIEWS_CELL = 30


def _depth_kernel(kd: int, sign: float = 1.0) -> np.ndarray:
    """``kd`` slices of the plus-shaped 3×3 kernel, alternating sign along depth."""
    return np.stack([_SPATIAL_KERNEL * (sign if a % 2 == 0 else -sign) for a in range(kd)])


def _two_views_build(kd: int) -> dict:
    # the article: the stack's "channel" axis is a depth axis of a one-channel volume
    xa = ARTICLE_STACK
    wa = _depth_kernel(kd)
    ya = conv.conv3d(xa[None, None], wa[None, None])[0, 0]
    view_a = _slices_view(
        f"the article's picture: a kernel of depth k_D = {kd} < 4 slides along the stack "
        f"(PyTorch: Conv3d with one input channel, input 1×{'×'.join(map(str, xa.shape))})",
        xa,
        wa,
        ya,
    )
    # torch: the kernel spans both channels and slides over D, H, W
    xt = TORCH_CLIP
    c_in, d_in, h, wd = xt.shape
    wt = np.stack([_depth_kernel(kd), _depth_kernel(kd, -1.0)])  # (C_in, kD, 3, 3)
    yt = conv.conv3d(xt[None], wt[None])[0, 0]
    panels = []
    for c in range(c_in):
        panels += [
            grid(f"x{c}[{d}]", f"channel {c}, slice {d}", xt[c, d], role="input")
            for d in range(d_in)
        ]
    for c in range(c_in):
        panels += [
            grid(f"w{c}[{a}]", f"kernel, channel {c}, slice {a}", wt[c, a], role="kernel")
            for a in range(kd)
        ]
    first_out = c_in * d_in + c_in * kd
    panels += slice_panels("y", "output slice", yt, "output", progressive=True)
    triples = matrix.conv_triples(xt.shape, (1, *wt.shape))
    steps = steps_from_triples(
        triples, inp=(0, h * wd), ker=(c_in * d_in, 9), out=(first_out, yt.shape[1] * yt.shape[2])
    )
    # 3D: each input channel is a block of D slices, the kernel a block of k_D slices per
    # input channel (one colour per channel: the kernel's part c reads channel c only)
    out_dims = "×".join(map(str, yt.shape))
    volumes = [
        volume(
            f"x, channel {c}: {d_in}×{h}×{wd}", range(c * d_in, (c + 1) * d_in), groups=[c] * d_in
        )
        for c in range(c_in)
    ]
    volumes += [
        volume(
            f"w, channel {c}: {kd}×3×3",
            range(c_in * d_in + c * kd, c_in * d_in + (c + 1) * kd),
            groups=[c] * kd,
        )
        for c in range(c_in)
    ]
    volumes.append(volume(f"output y, {out_dims}", range(first_out, first_out + yt.shape[0])))
    view_t = view(
        f"PyTorch's Conv3d with {c_in} input channels: the kernel spans both channels "
        f"and slides over D, H, W",
        panels,
        steps,
        volumes=volumes,
    )
    for panel in (*view_a["panels"], *view_t["panels"]):
        panel["cell"] = _TWO_VIEWS_CELL  # four slices to a row in the text column
    out_a = shapes.conv_output_shape(xa.shape, wa.shape)
    out_t = shapes.conv_output_shape(xt.shape[1:], wt.shape[1:])
    return {
        "views": [view_a, view_t],
        "formula": [
            f"article: x (N, C_in, D, H, W) = (1, 1, {', '.join(map(str, xa.shape))}), w (1, 1, {kd}, 3, 3) "
            f"→ y (1, 1, {', '.join(map(str, out_a))}): {out_a[0]} output slices",
            f"torch: x (1, {c_in}, {d_in}, {h}, {wd}), w (1, {c_in}, {kd}, 3, 3) "
            f"→ y (1, 1, {', '.join(map(str, out_t))}): the kernel never moves along C_in",
            f"each torch step sums C_in·k_D·k_H·k_W = {c_in}·{kd}·3·3 = {c_in * kd * 9} products",
        ],
        "code": (
            f"F.conv3d(stack.view(1, 1, {', '.join(map(str, xa.shape))}), w.view(1, 1, {kd}, 3, 3))   "
            "# the article's 'sliding along channels'\n"
            f"F.conv3d(clip.view(1, {c_in}, {d_in}, {h}, {wd}), w.view(1, {c_in}, {kd}, 3, 3))"
            "   # what Conv3d does with channels"
        ),
    }


def two_views_figure() -> Figure:
    """The article's 3D convolution and torch's Conv3d, side by side.

    Returns
    -------
    Figure
        Control: the kernel depth ``kD``. Top: a one-channel volume whose depth
        is the article's channel axis. Bottom: a two-channel clip, where the
        kernel spans both channels and slides over depth, height and width.
    """
    return Figure(
        id="volume-two-views",
        title="Two readings of '3D convolution': sliding along channels, or along depth",
        description=(
            "Top: the article's picture. A stack of 4 slices of 4×4, which the article "
            "calls channels, is convolved with a kernel of depth k_D smaller than 4, so "
            "the kernel slides along the stack as well as over height and width; in "
            "PyTorch this is Conv3d with one input channel, the stack being the depth "
            "axis. Bottom: what PyTorch's Conv3d does with real channels. The input is "
            "a 2-channel clip of 3 frames; the kernel has a part for each channel, "
            "spans both, and slides over depth (time), height and width. Each step "
            "shows the cells one kernel position covers and their sum."
        ),
        controls=[Control("kd", "kernel depth k_D", list(KERNEL_DEPTHS), default=1)],
        build=_two_views_build,
    )


from convviz.figures.photos import photo_video_figure  # noqa: E402 (real photographs)

FIGURES = [volume_figure, two_views_figure, photo_video_figure]
