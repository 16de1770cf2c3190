"""Figures on real photographs (scikit-image's bundled samples), one or more per chapter.

Each factory returns an :class:`~convviz.figures.engine.Figure` whose views draw
pictures with :mod:`convviz.figures.imageview`: the photograph with the kernel's
window, the kernel's numbers, and the output map, computed here by convviz.
The chapter modules list these factories in their ``FIGURES``.
"""

from __future__ import annotations

import functools

import numpy as np

from convviz import images
from convviz.figures.engine import Control, Figure, grid, view
from convviz.figures.imageview import image_panel, image_steps, window

__all__ = ["PHOTO_KERNELS", "photo_flip", "photo_flip_figure"]

#: Side of the photographs in the figures, in pixels.
SIZE = 64

#: Kernels of the chapter 1 photo figure: (label, kernel, what the flip does to it).
PHOTO_KERNELS: dict[str, np.ndarray] = {
    "box blur 3x3 (symmetric)": np.full((3, 3), 1.0 / 9.0),
    "Gaussian blur 5x5 (symmetric)": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
    "Laplacian 3x3 (symmetric)": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    "Sobel x (antisymmetric)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "emboss (asymmetric)": np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]),
    "shift by 3 pixels (asymmetric)": np.pad([[1.0]], ((3, 3), (0, 6))),
}


@functools.cache
def _photo(name: str, size: int = SIZE, grey: bool = True) -> np.ndarray:
    image = images.load(name, size, grey=grey)
    image.setflags(write=False)
    return image


def photo_flip(kernel: str, photo: str = "camera") -> dict[str, np.ndarray]:
    """Convolution and cross-correlation of a photograph with one kernel ('same' size).

    Parameters
    ----------
    kernel : str
        A key of :data:`PHOTO_KERNELS` (odd sizes ``k``; padding ``p = (k - 1) / 2``).
    photo : str
        A name of :data:`convviz.images.SAMPLES`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (SIZE, SIZE), ``w`` (k, k), ``conv`` and ``corr`` (SIZE, SIZE):
        ``conv = cv.conv2d(x, w[::-1, ::-1])``, ``corr = cv.conv2d(x, w)``.
    """
    x, w = _photo(photo), PHOTO_KERNELS[kernel]
    pad = w.shape[0] // 2
    return {
        "x": x,
        "w": w,
        "conv": images.filter_image(x, w, padding=pad, flip=True),
        "corr": images.filter_image(x, w, padding=pad),
    }


def _is_picture(w: np.ndarray) -> bool:
    """A kernel whose weights do not sum to zero keeps a picture a picture (grey scale).

    One that sums to zero (an edge or Laplacian kernel) answers 0 on flat regions, so
    its output is signed, drawn blue below zero and red above.
    """
    return not bool(np.isclose(w.sum(), 0.0))


def _build_flip(kernel: str) -> dict:
    r = photo_flip(kernel)
    x, w, conv, corr = r["x"], r["w"], r["conv"], r["corr"]
    k, pad = w.shape[0], w.shape[0] // 2
    grid_shape = conv.shape
    win = window(grid_shape, k, padding=pad)
    here = window(grid_shape)
    if _is_picture(w):
        scale = "image"
        lo, hi = float(min(conv.min(), corr.min())), float(max(conv.max(), corr.max()))
    else:
        scale, lo, hi = "diverging", None, float(max(np.abs(conv).max(), np.abs(corr).max()))
    diff = conv - corr
    gap = float(np.abs(diff).max())
    agree = gap < 1e-9
    steps = image_steps(grid_shape)

    def one(title: str, shown: np.ndarray, y: np.ndarray, what: str) -> dict:
        return view(
            title,
            [
                image_panel("x", f"photo x ({SIZE}x{SIZE}, zero padding {pad})", x, win=win),
                grid("w", what, shown, role="kernel", index=k <= 3),
                image_panel("y", "output y", y, role="output", scale=scale, lo=lo, hi=hi, win=here),
            ],
            steps,
        )

    diff_label = (
        "y_conv − y_corr: zero everywhere"
        if agree
        else f"y_conv − y_corr (largest |difference| {gap:.3g})"
    )
    views = [
        one("convolution: kernel turned 180°", w[::-1, ::-1], conv, "w turned 180° (what meets x)"),
        one("cross-correlation: kernel as it is", w, corr, "w as it is"),
        view(
            "where they differ",
            [image_panel("d", diff_label, diff, role="other", scale="diverging", win=here)],
            steps,
        ),
    ]
    if agree:
        verdict = "w equals itself turned 180°: the two outputs are the same picture"
    elif np.allclose(w[::-1, ::-1], -w):
        verdict = "w turned 180° is −w: convolution gives the negative of cross-correlation"
    else:
        verdict = "w is not symmetric under a 180° turn: the two outputs differ"
    return {
        "views": views,
        "formula": [
            "convolution        y[r, q] = Σᵢⱼ x[r − i, q − j]·w[i, j]  (w turned 180°)",
            "cross-correlation  y[r, q] = Σᵢⱼ x[r + i, q + j]·w[i, j]  (what conv2d computes)",
            f"{k}x{k} kernel, zero padding p = {pad}: output {SIZE}x{SIZE} (the photo's size)",
            verdict,
        ],
        "code": (
            f"y_corr = F.conv2d(x, w, padding={pad})\n"
            f"y_conv = F.conv2d(x, w.flip(-2, -1), padding={pad})"
        ),
    }


def photo_flip_figure() -> Figure:
    """Chapter 1 on a photograph: blur and edge kernels, flipped and unflipped.

    Returns
    -------
    Figure
        One control, the kernel; views: convolution, cross-correlation, their difference.
    """
    return Figure(
        id="photo-flip",
        title="On a photograph: convolution and cross-correlation with the same kernel",
        description=(
            f"The camera photograph from scikit-image, {SIZE} by {SIZE} pixels, filtered "
            "twice with the same kernel: by convolution (the kernel turned 180 degrees) "
            "and by cross-correlation (the kernel as it is). A square on the photo shows "
            "the window of the current output pixel. A third picture shows the difference. "
            "Symmetric kernels (box blur, Gaussian blur, Laplacian) give the same picture "
            "both ways; the Sobel kernel gives the negative; the emboss and shift kernels "
            "give different pictures (lit from the other side, shifted the other way)."
        ),
        controls=[Control("kernel", "kernel w", list(PHOTO_KERNELS))],
        build=_build_flip,
    )
