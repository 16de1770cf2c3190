"""Figures on real photographs (scikit-image's bundled samples), one or more per chapter.

Each factory returns an :class:`~convviz.figures.engine.Figure` whose views draw
pictures with :mod:`convviz.figures.imageview`: the photograph with the kernel's
window, the kernel's numbers, and the output map, computed here by convviz.
The chapter modules list these factories in their ``FIGURES``.
"""

from __future__ import annotations

import functools

import numpy as np

from convviz import images, shapes
from convviz.conv import conv2d, conv3d
from convviz.figures.engine import Control, Figure, grid, view
from convviz.figures.imageview import image_panel, image_steps, window
from convviz.pixel_shuffle import pixel_shuffle as cv_pixel_shuffle
from convviz.transposed import conv_transpose2d

__all__ = [
    "BANK",
    "DILATED_KERNELS",
    "DILATIONS",
    "MIXES",
    "PHOTO_KERNELS",
    "SEPARABLE",
    "UPSAMPLERS",
    "VIDEO_KERNELS",
    "photo_bank",
    "photo_bank_figure",
    "photo_dilated",
    "photo_dilated_figure",
    "photo_flip",
    "photo_flip_figure",
    "photo_mix",
    "photo_mix_figure",
    "photo_separable",
    "photo_separable_figure",
    "photo_upsample",
    "photo_upsample_figure",
    "photo_video",
    "photo_video_figure",
    "shifted_video",
]

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


def _weights(w: np.ndarray) -> np.ndarray:
    """Kernel weights for a grid panel: numbers that print in 4 characters, else fractions.

    ``1/9`` fits a cell where ``0.1111`` does not; the page shows such weights as text.
    """
    from fractions import Fraction

    def one(v: float) -> float | str:
        text = f"{v:g}"
        frac = Fraction(v).limit_denominator(256)
        if len(text.lstrip("-")) <= 4 or abs(float(frac) - v) > 1e-12:
            return float(v)
        return f"{'−' if frac < 0 else ''}{abs(frac.numerator)}/{frac.denominator}"

    return np.array([one(float(v)) for v in np.ravel(w)], dtype=object).reshape(np.shape(w))


def _kernel(name: str, label: str, w: np.ndarray, fractions: bool = True, **kwargs) -> dict:
    """A kernel's grid panel: its weights as :func:`_weights` prints them (as they are, if
    not ``fractions``), in cells wide enough for them (44 px when a weight takes 5
    characters, as 0.213 or 1/256 do: in the default 34 px cell such numbers touch their
    neighbours and read as one)."""
    shown = _weights(w) if fractions else np.asarray(w)
    texts = [
        v if isinstance(v, str) else f"{round(float(v), 3):g}".replace("-", "−")
        for v in np.ravel(shown)
    ]
    wide = max(map(len, texts), default=0) >= 5
    return grid(name, label, shown, role="kernel", cell=44 if wide else None, **kwargs)


def _pick(table: dict, key: str, name: str):
    """``table[key]``, or a ValueError naming the argument, its value and the choices."""
    if key not in table:
        raise ValueError(f"{name} must be one of {list(table)}, got {name}={key!r}")
    return table[key]


def _check_colour(x: np.ndarray, photo: str) -> None:
    if x.ndim != 3:
        raise ValueError(
            f"photo must be a colour sample (H, W, 3), got photo={photo!r} of shape {x.shape}"
        )


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

    Raises
    ------
    ValueError
        If ``kernel`` is not one of the choices, naming it.
    """
    w = _pick(PHOTO_KERNELS, kernel, "kernel")
    x = _photo(photo)
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


def _signed_hi(*maps: np.ndarray, border: int) -> float:
    """Largest ``|value|`` of signed maps, ``border`` pixels in from their edges.

    Zero padding puts a dark frame around the photo, and an edge kernel answers it with
    the strongest "edges" of the map; on a scale set by them, the edges inside the picture
    would be faint. The colour scale is set by the inside; the page clips the frame.
    """
    inner = [m[border : m.shape[0] - border, border : m.shape[1] - border] for m in maps]
    return float(max(np.abs(m).max() for m in inner))


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
        scale, lo, hi = "diverging", None, _signed_hi(conv, corr, border=pad)
    diff = conv - corr
    gap = float(np.abs(diff).max())
    agree = gap < 1e-9
    steps = image_steps(grid_shape)

    def one(title: str, shown: np.ndarray, y: np.ndarray, what: str, steps: list) -> dict:
        return view(
            title,
            [
                image_panel("x", f"photo x ({SIZE}x{SIZE}, zero padding {pad})", x, win=win),
                _kernel("w", what, shown, index=k <= 3),
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
        one(
            "convolution: kernel turned 180°",
            w[::-1, ::-1],
            conv,
            "w turned 180°",
            steps,
        ),
        one("cross-correlation: kernel as it is", w, corr, "w as it is", []),
        view(
            "where they differ",
            [
                image_panel(
                    "d",
                    diff_label,
                    diff,
                    role="other",
                    scale="diverging",
                    hi=_signed_hi(diff, border=pad),
                    win=here,
                )
            ],
            [],
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
            "convolution        y[r, q] = Σᵤᵥ x[r − u, q − v]·w[u, v]  (w turned 180°)",
            "cross-correlation  y[r, q] = Σᵤᵥ x[r + u, q + v]·w[u, v]  (what conv2d computes)",
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


# --------------------------------------------------------------------------- #
# Chapter 2: an RGB photograph through a bank of filters
# --------------------------------------------------------------------------- #

#: Side of the colour photograph of the filter-bank figure (three channels cost more).
BANK_SIZE = 48

_LUMA = np.array([0.2, 0.7, 0.1])  # brightness, rounded from rgb2gray's 0.2125, 0.7154, 0.0721
_BOX = np.full((3, 3), 1.0 / 9.0)
_SOBEL_X = PHOTO_KERNELS["Sobel x (antisymmetric)"]
_CENTRE = np.pad([[1.0]], 1)
_SOFT = np.array([[0.0, 0.1, 0.0], [0.1, 0.6, 0.1], [0.0, 0.1, 0.0]])  # a light blur, sum 1


def _bank() -> dict[str, np.ndarray]:
    bank = {
        "brightness, blurred": _LUMA[:, None, None] * _BOX,
        "vertical edges of brightness": _LUMA[:, None, None] * _SOBEL_X,
        "red minus green": np.stack([_SOFT, -_SOFT, 0 * _SOFT]),
        "blue minus yellow": np.stack([-0.5 * _CENTRE, -0.5 * _CENTRE, _CENTRE]),
    }
    return {name: w.astype(np.float64) for name, w in bank.items()}


#: The filter bank of the chapter 2 photo figure: name -> weight (C_in = 3, 3, 3).
BANK: dict[str, np.ndarray] = _bank()


def photo_bank(photo: str = "astronaut") -> dict[str, np.ndarray]:
    """A colour photograph through :data:`BANK`: ``y = cv.conv2d(x, w, padding=1)``.

    Parameters
    ----------
    photo : str
        A colour sample of :data:`convviz.images.SAMPLES`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (BANK_SIZE, BANK_SIZE, 3) in [0, 1]; ``w`` (4, 3, 3, 3), the bank;
        ``y`` (4, BANK_SIZE, BANK_SIZE), one map per filter; ``parts``
        (4, 3, BANK_SIZE, BANK_SIZE), each channel's share: ``y[c] = parts[c].sum(0)``.

    Raises
    ------
    ValueError
        If ``photo`` is not one of the choices or not a colour sample, naming it.
    """
    x = _photo(photo, BANK_SIZE, grey=False)
    _check_colour(x, photo)
    w = np.stack(list(BANK.values()))
    y = images.filter_image(x, w, padding=1)
    parts = np.stack(
        [
            np.stack([images.filter_image(x[:, :, ch], w[c, ch], padding=1) for ch in range(3)])
            for c in range(len(w))
        ]
    )
    return {"x": x, "w": w, "y": y, "parts": parts}


_CHANNELS = ("red", "green", "blue")


def _build_bank(filt: str) -> dict:
    r = photo_bank()
    x, w, y, parts = r["x"], r["w"], r["y"], r["parts"]
    names = list(BANK)
    c = names.index(filt)
    shape = y.shape[1:]
    steps = image_steps(shape)
    win, here = window(shape, 3, padding=1), window(shape)
    px = 4.0

    def scale_of(ci: int, maps: np.ndarray) -> dict:
        if ci == 0:  # a blur: a picture, on the grey scale of its own range
            return {"scale": "image", "lo": float(min(0.0, maps.min())), "hi": float(maps.max())}
        return {"scale": "diverging", "hi": _signed_hi(*maps.reshape(-1, *shape), border=1)}

    sel = scale_of(c, np.concatenate([parts[c], y[c : c + 1]]))
    panels = [image_panel("x", f"photo x ({BANK_SIZE}x{BANK_SIZE}, 3 channels)", x, win=win, px=px)]
    for ch, colour in enumerate(_CHANNELS):
        panels.append(_kernel(f"w{colour[0].upper()}", f"w[{c}, {colour}]", w[c, ch]))
        panels.append(
            image_panel(
                f"p{colour[0]}",
                f"{colour} channel's share",
                parts[c, ch],
                role="other",
                win=here,
                px=px,
                **sel,
            )
        )
    panels.append(
        image_panel("y", f"y[{c}] = sum of the three", y[c], role="output", win=here, px=px, **sel)
    )
    bank = [
        image_panel(
            f"y{ci}",
            f"y[{ci}]: {name}" + (" (above)" if ci == c else ""),
            y[ci],
            role="output" if ci == c else "other",
            win=here,
            px=3.0,
            **scale_of(ci, y[ci]),
        )
        for ci, name in enumerate(names)
    ]
    err = float(np.abs(parts.sum(axis=1) - y).max())
    return {
        "views": [
            view(f"filter {c}, {filt}: one 3x3 kernel per channel, one sum", panels, steps),
            view("the bank: one output map per filter", bank, []),
        ],
        "formula": [
            "y[o, r, q] = Σ over c, u, v of x[c, r − 1 + u, q − 1 + v]·w[o, c, u, v]   (c = red, green, blue)",
            f"weights w: (C_out, C_in, k, k) = {w.shape}, {w.size} numbers; output y: "
            f"(C_out, H, W) = {y.shape}",
            f"largest |y[o] − sum of its three shares| = {err:.1e}",
        ],
        "code": (
            f"y = F.conv2d(x, w, padding=1)   # x: (1, 3, {BANK_SIZE}, {BANK_SIZE}), "
            f"w: {tuple(w.shape)} -> y: (1, {len(w)}, {BANK_SIZE}, {BANK_SIZE})"
        ),
    }


def photo_bank_figure() -> Figure:
    """Chapter 2 on a photograph: an RGB photo through a bank of four 3x3x3 filters.

    Returns
    -------
    Figure
        One control, the filter whose three channel kernels and channel shares are shown.
    """
    return Figure(
        id="photo-bank",
        title="On a photograph: a bank of filters, each summing over the three colour channels",
        description=(
            f"The astronaut photograph from scikit-image, {BANK_SIZE} by {BANK_SIZE} pixels in "
            "red, green and blue, goes through a bank of four filters, each with one 3 by 3 "
            "kernel per colour channel. For the chosen filter the figure shows its three "
            "kernels, what each channel contributes, and their sum, the filter's output map. "
            "Below, the four output maps of the bank: a blurred brightness, the vertical edges "
            "of the brightness, red minus green, and blue minus yellow."
        ),
        controls=[Control("filt", "filter", list(BANK))],
        build=_build_bank,
    )


# --------------------------------------------------------------------------- #
# Chapter 6: upsampling a photograph, with and without the checkerboard
# --------------------------------------------------------------------------- #

#: Side of the small photograph the chapter 6 figure doubles.
UP_SIZE = 32


#: Upsamplers of the chapter 6 figure: label -> (method, kernel size k).
UPSAMPLERS: dict[str, tuple[str, int]] = {
    "transposed conv, k = 3, s = 2, equal weights": ("transposed", 3),
    "transposed conv, k = 4, s = 2, equal weights": ("transposed", 4),
    "transposed conv, k = 3, s = 2, tent weights": ("tent", 3),
    "nearest resize x2, then 3x3 conv": ("resize", 3),
    "3x3 conv to 4 channels, then pixel shuffle": ("shuffle", 3),
}


def _upsample(x: np.ndarray, method: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(output, kernel)`` of one upsampler on a grey picture ``x``: twice its size."""
    if method in ("transposed", "tent"):
        if method == "tent":  # bilinear interpolation's kernel: even weights per phase
            tent = np.array([0.5, 1.0, 0.5])
            w = np.outer(tent, tent)
        else:  # equal weights, scaled so the average output equals the average input
            w = np.full((k, k), 4.0 / (k * k))
        pad, extra = (k - 1) // 2, (k - 2 * ((k - 1) // 2)) % 2  # k = 3: p 1, a 1; k = 4: p 1, a 0
        y = conv_transpose2d(
            x[None, None], w[None, None], stride=2, padding=pad, output_padding=extra
        )
        return y[0, 0], w
    w = np.full((k, k), 1.0 / (k * k))
    if method == "resize":
        big = np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)
        return conv2d(big[None, None], w[None, None], padding=k // 2)[0, 0], w
    four = conv2d(x[None, None], np.repeat(w[None, None], 4, axis=0), padding=k // 2)[0]
    return cv_pixel_shuffle(four[None], 2)[0, 0], w  # (1, 4, H, W) -> (1, 1, 2H, 2W)


def photo_upsample(method: str, photo: str = "camera") -> dict[str, np.ndarray]:
    """A photograph doubled in size by one of :data:`UPSAMPLERS`, and a flat image likewise.

    Parameters
    ----------
    method : str
        A key of :data:`UPSAMPLERS`.
    photo : str
        A name of :data:`convviz.images.SAMPLES`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (UP_SIZE, UP_SIZE); ``w``, the kernel; ``y`` (2 UP_SIZE, 2 UP_SIZE);
        ``flat``, the same upsampler on an image of ones (the pattern it stamps on
        every picture); ``levels``, the distinct values of ``flat`` away from the
        border (2 pixels), rounded to 6 decimals.

    Raises
    ------
    ValueError
        If ``method`` is not one of the choices, naming it.
    """
    kind, k = _pick(UPSAMPLERS, method, "method")
    x = _photo(photo, UP_SIZE)
    y, w = _upsample(x, kind, k)
    flat, _ = _upsample(np.ones_like(x), kind, k)
    levels = np.unique(np.round(flat[2:-2, 2:-2], 6))
    return {"x": x, "w": w, "y": y, "flat": flat, "levels": levels}


def _build_upsample(method: str) -> dict:
    kind, k = UPSAMPLERS[method]
    r = photo_upsample(method)
    x, w, y, flat, levels = r["x"], r["w"], r["y"], r["flat"], r["levels"]
    n, big = UP_SIZE, 2 * UP_SIZE
    lo, hi = 0.0, float(max(1.0, y.max()))
    flat_panel = {"scale": "image", "lo": 0.0, "hi": float(max(2.0, flat.max()))}
    if kind in ("transposed", "tent"):
        pad = (k - 1) // 2
        grid_shape = (n, n)  # a step per input pixel: its scatter
        panels = [
            image_panel("x", f"photo x ({n}x{n})", x, win=window(grid_shape), px=6.0),
            _kernel("w", "kernel w (stamped once per input pixel)", w),
            image_panel(
                "y",
                f"output y ({big}x{big}): the stamp of the current pixel",
                y,
                role="output",
                lo=lo,
                hi=hi,
                win=window(grid_shape, k, stride=2, padding=pad),
            ),
            image_panel(
                "f",
                "the same on a flat image of ones",
                flat,
                role="other",
                win=window(grid_shape, k, stride=2, padding=pad),
                **flat_panel,
            ),
        ]
        a = (k - 2 * pad) % 2
        code = f"F.conv_transpose2d(x, w, stride=2, padding={pad}, output_padding={a})"
        rule = f"o = (i − 1)·s − 2p + k + a = ({n} − 1)·2 − 2·{pad} + {k} + {a} = {big}"
    elif kind == "resize":
        grid_shape = (big, big)
        resized = np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)
        panels = [
            image_panel("x", f"photo x ({n}x{n})", x, win=window(grid_shape, 1, stride=1), px=6.0),
            image_panel(
                "u", f"nearest resize ({big}x{big})", resized, win=window(grid_shape, k, padding=1)
            ),
            _kernel("w", "kernel w", w),
            image_panel(
                "y",
                f"output y ({big}x{big})",
                y,
                role="output",
                lo=lo,
                hi=hi,
                win=window(grid_shape),
            ),
            image_panel(
                "f",
                "the same on a flat image of ones",
                flat,
                role="other",
                win=window(grid_shape),
                **flat_panel,
            ),
        ]
        # on the small photo, the window of the resized pixel (r, q) is pixel (r // 2, q // 2):
        # drawn with stride 1 on a grid of the output, it would leave the picture, so it is omitted
        del panels[0]["window"]
        code = "F.conv2d(F.interpolate(x, scale_factor=2, mode='nearest'), w, padding=1)"
        rule = f"resize: {n} → {big}; conv: o = i + 2p − k + 1 = {big} + 2 − {k} + 1 = {big}"
    else:
        grid_shape = (n, n)  # a step per pixel of the four maps: it fills a 2x2 block
        panels = [
            image_panel("x", f"photo x ({n}x{n})", x, win=window(grid_shape, k, padding=1), px=6.0),
            _kernel("w", "kernel w (the same for the 4 maps)", w),
            image_panel(
                "y",
                f"output y ({big}x{big}): 4 maps interleaved",
                y,
                role="output",
                lo=lo,
                hi=hi,
                win=window(grid_shape, 2, stride=2),
            ),
            image_panel(
                "f",
                "the same on a flat image of ones",
                flat,
                role="other",
                win=window(grid_shape, 2, stride=2),
                **flat_panel,
            ),
        ]
        code = "F.pixel_shuffle(F.conv2d(x, w, padding=1), 2)   # w: (4, 1, 3, 3), 4 maps -> 2x2 blocks"
        rule = f"conv: {n}x{n} → 4 maps of {n}x{n}; pixel shuffle: (4, {n}, {n}) → ({big}, {big})"
    shown = ", ".join(f"{v:g}" for v in levels)
    verdict = (
        f"a flat image comes out flat inside (value {shown}): no checkerboard"
        if len(levels) == 1
        else f"a flat image comes out with {len(levels)} levels inside ({shown}): a checkerboard"
    )
    frame = {
        "views": [view(method, panels, image_steps(grid_shape))],
        "formula": [rule, verdict],
        "code": code,
    }
    if kind in ("transposed", "tent"):  # the key says what a scatter's boxes are
        frame["legend"] = {
            "in": "the input pixel stamping now",
            "out": "the cells its stamp adds to",
        }
    elif kind != "resize":  # pixel shuffle: one conv window, one 2x2 block of the output
        frame["legend"] = {"out": "the 2x2 block its 4 maps fill"}
    return frame


def photo_upsample_figure() -> Figure:
    """Chapter 6 on a photograph: doubling a photo with and without the checkerboard.

    Returns
    -------
    Figure
        One control, the upsampler.
    """
    return Figure(
        id="photo-upsample",
        title="On a photograph: doubling the size, with and without a checkerboard",
        description=(
            f"The camera photograph, {UP_SIZE} by {UP_SIZE} pixels, doubled to "
            f"{2 * UP_SIZE} by {2 * UP_SIZE} in five ways: a stride-2 transposed convolution "
            "with a 3 by 3 kernel of equal weights, which stamps a grid of bright and dark "
            "pixels over the photo; the same with a 4 by 4 kernel, or with tent-shaped "
            "weights, which do not; nearest-neighbour resizing followed by a 3 by 3 "
            "convolution; and a convolution to four maps, all with the same kernel, followed "
            "by a pixel shuffle. The last picture applies the same method to a flat image, "
            "which shows the pattern alone."
        ),
        controls=[
            Control(
                "method",
                "upsampling",
                list(UPSAMPLERS),
                labels=[
                    "transposed k=3 (equal)",
                    "transposed k=4 (equal)",
                    "transposed k=3 (tent)",
                    "resize, 3x3 conv",
                    "conv, pixel shuffle",
                ],
            )
        ],
        build=_build_upsample,
    )


# --------------------------------------------------------------------------- #
# Chapter 8: a separable kernel as one 2D pass or two 1D passes
# --------------------------------------------------------------------------- #

#: Separable kernels of the chapter 8 figure: label -> (column a, row b); w = outer(a, b).
SEPARABLE: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "Sobel, vertical edges": (np.array([1.0, 2.0, 1.0]), np.array([1.0, 0.0, -1.0])),
    "Sobel, horizontal edges": (np.array([1.0, 0.0, -1.0]), np.array([1.0, 2.0, 1.0])),
    "Gaussian blur 5x5": (
        np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16,
        np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16,
    ),
}


def photo_separable(
    name: str, photo: str = "camera", size: int | None = SIZE
) -> dict[str, np.ndarray]:
    """A photograph filtered by a separable kernel in one 2D pass and in two 1D passes.

    ``w = outer(a, b)``: ``one = cv.conv2d(x, w, padding=p)``; ``mid = cv.conv2d(x, a
    as a (k, 1) column, padding=(p, 0))``; ``two = cv.conv2d(mid, b as a (1, k) row,
    padding=(0, p))``, with ``p = (k - 1) / 2``, so all three keep the photo's size.

    Parameters
    ----------
    name : str
        A key of :data:`SEPARABLE`.
    photo : str
        A name of :data:`convviz.images.SAMPLES`.
    size : int or None
        Side of the photo (``None``: the full photograph).

    Returns
    -------
    dict of str to ndarray
        ``x``, ``w`` (k, k), ``a`` (k,), ``b`` (k,), ``one``, ``mid``, ``two``.

    Raises
    ------
    ValueError
        If ``name`` is not one of the choices, naming it.
    """
    a, b = _pick(SEPARABLE, name, "name")
    x = _photo(photo, size) if size is not None else images.load(photo, None, grey=True)
    k, p = len(a), len(a) // 2
    xs = x[None, None]
    one = conv2d(xs, np.outer(a, b)[None, None], padding=p)[0, 0]
    mid = conv2d(xs, a.reshape(1, 1, k, 1), padding=(p, 0))
    two = conv2d(mid, b.reshape(1, 1, 1, k), padding=(0, p))[0, 0]
    return {"x": x, "w": np.outer(a, b), "a": a, "b": b, "one": one, "mid": mid[0, 0], "two": two}


def _build_separable(name: str) -> dict:
    r = photo_separable(name)
    x, w, a, b, one, mid, two = (r[key] for key in ("x", "w", "a", "b", "one", "mid", "two"))
    k, p = len(a), len(a) // 2
    shape = one.shape
    blur = _is_picture(w)
    if blur:
        out = {
            "scale": "image",
            "lo": float(min(one.min(), two.min())),
            "hi": float(max(one.max(), two.max())),
        }
        mid_scale = {"scale": "image"}
    else:
        out = {"scale": "diverging", "hi": _signed_hi(one, two, border=p)}
        mid_scale = (
            {"scale": "diverging", "hi": _signed_hi(mid, border=p)}
            if np.isclose(a.sum(), 0)
            else {"scale": "image"}
        )
    here = window(shape)
    gap = float(np.abs(one - two).max())
    views = [
        view(
            f"one {k}x{k} kernel: {k * k} multiplications a pixel",
            [
                image_panel("x", f"photo x ({SIZE}x{SIZE})", x, win=window(shape, k, padding=p)),
                _kernel("w", f"w = a·bᵀ ({k}x{k})", w, index=False),
                image_panel("y", "output", one, role="output", win=here, **out),
            ],
            image_steps(shape),
        ),
        view(
            f"{k}x1 then 1x{k}: {k} + {k} multiplications a pixel",
            [
                image_panel("x", "photo x", x, win=window(shape, (k, 1), padding=(p, 0))),
                _kernel("a", f"column a ({k}x1)", a[:, None], index=False),
                image_panel(
                    "t",
                    "after the column pass",
                    mid,
                    role="other",
                    win=window(shape, (1, k), padding=(0, p)),
                    **mid_scale,
                ),
                _kernel("b", f"row b (1x{k})", b[None, :], index=False),
                image_panel("z", "output", two, role="output", win=here, **out),
            ],
            [],
        ),
    ]
    return {
        "views": views,
        "formula": [
            "y[r, q] = Σᵤᵥ x[r − p + u, q − p + v]·a[u]·b[v] = Σᵥ b[v]·(Σᵤ x[r − p + u, q − p + v]·a[u])",
            f"largest |one pass − two passes| = {gap:.1e} (rounding)",
            f"{k * k} versus {2 * k} multiplications per output pixel",
        ],
        "code": (
            f"one = F.conv2d(x, w.view(1, 1, {k}, {k}), padding={p})\n"
            f"two = F.conv2d(F.conv2d(x, a.view(1, 1, {k}, 1), padding=({p}, 0)), "
            f"b.view(1, 1, 1, {k}), padding=(0, {p}))"
        ),
    }


def photo_separable_figure() -> Figure:
    """Chapter 8 on a photograph: a separable kernel in one pass and in two.

    Returns
    -------
    Figure
        One control, the kernel (two Sobel kernels and a Gaussian blur).
    """
    return Figure(
        id="photo-separable",
        title="On a photograph: one 2D pass or a column pass then a row pass",
        description=(
            f"The camera photograph, {SIZE} by {SIZE} pixels, filtered by a separable kernel "
            "twice: once with the whole square kernel, once with its column, then its row. "
            "A square window on the photo moves with the step; in the two-pass route a "
            "column window reads the photo and a row window reads the intermediate picture. "
            "The two outputs are the same picture."
        ),
        controls=[Control("name", "kernel", list(SEPARABLE))],
        build=_build_separable,
    )


# --------------------------------------------------------------------------- #
# Chapter 7: dilated kernels on a photograph
# --------------------------------------------------------------------------- #

#: 3x3 kernels of the chapter 7 figure.
DILATED_KERNELS: dict[str, np.ndarray] = {
    "mean of the 9 taps (blur)": np.full((3, 3), 1.0 / 9.0),
    "centre minus mean of the 8 others (edges)": np.where(
        np.eye(3)[1][:, None] * np.eye(3)[1], 1.0, -1.0 / 8.0
    ),
}

#: Dilations of the chapter 7 figure (the 64-pixel photo fits a span of 17).
DILATIONS = (1, 2, 4, 8)


def photo_dilated(kernel: str, dilation: int, photo: str = "camera") -> dict[str, np.ndarray]:
    """A photograph through a dilated 3x3 kernel with ``padding = dilation`` (same size).

    Parameters
    ----------
    kernel : str
        A key of :data:`DILATED_KERNELS`.
    dilation : int
        ``d``; the kernel spans ``d (3 - 1) + 1`` pixels.
    photo : str
        A name of :data:`convviz.images.SAMPLES`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (SIZE, SIZE), ``w`` (3, 3), ``y`` (SIZE, SIZE).

    Raises
    ------
    ValueError
        If ``kernel`` is not one of the choices, naming it.
    """
    w = _pick(DILATED_KERNELS, kernel, "kernel")
    x = _photo(photo)
    return {"x": x, "w": w, "y": images.filter_image(x, w, padding=dilation, dilation=dilation)}


def _build_dilated(kernel: str, dilation: int) -> dict:
    from convviz.shapes import effective_kernel_size

    r = photo_dilated(kernel, dilation)
    x, w, y = r["x"], r["w"], r["y"]
    d, span = dilation, effective_kernel_size(3, dilation)
    scale = (
        {"scale": "image", "lo": 0.0, "hi": 1.0}
        if _is_picture(w)
        else {"scale": "diverging", "hi": _signed_hi(y, border=d)}
    )
    shape = y.shape
    panels = [
        image_panel(
            "x",
            f"photo x ({SIZE}x{SIZE}, zero padding {d})",
            x,
            win=window(shape, 3, padding=d, dilation=d),
        ),
        _kernel("w", "kernel w (3x3, 9 weights)", w, index=False),
        image_panel("y", "output y", y, role="output", win=window(shape), **scale),
    ]
    return {
        "views": [
            view(
                f"dilation d = {d}: taps {d} pixel{'s' if d > 1 else ''} apart",
                panels,
                image_steps(shape),
            )
        ],
        "formula": [
            f"span d·(k − 1) + 1 = {d}·(3 − 1) + 1 = {span} pixels, still 9 weights",
            "y[r, q] = Σᵤᵥ x[r + d·(u − 1), q + d·(v − 1)]·w[u, v]",
        ],
        "code": f"F.conv2d(x, w, padding={d}, dilation={d})",
    }


def photo_dilated_figure() -> Figure:
    """Chapter 7 on a photograph: one 3x3 kernel at dilations 1, 2, 4 and 8.

    Returns
    -------
    Figure
        Controls: the kernel (a blur or an edge kernel) and the dilation.
    """
    return Figure(
        id="photo-dilated",
        title="On a photograph: one 3x3 kernel, dilated",
        description=(
            f"The camera photograph, {SIZE} by {SIZE} pixels, filtered by a 3 by 3 kernel with "
            "its taps 1, 2, 4 or 8 pixels apart. The window on the photo shows the nine pixels "
            "one output reads. With larger dilations the blur turns into overlaid shifted "
            "copies of the photo, and the edge kernel responds to coarser structures."
        ),
        controls=[
            Control(
                "kernel",
                "kernel",
                list(DILATED_KERNELS),
                labels=["blur (mean)", "edges (centre − ring)"],
            ),
            Control("dilation", "dilation d", list(DILATIONS)),
        ],
        build=_build_dilated,
    )


# --------------------------------------------------------------------------- #
# Chapter 4: colour mixing and grey conversion as 1x1 convolutions
# --------------------------------------------------------------------------- #

#: 1x1 convolutions of the chapter 4 figure: label -> weight (C_out, C_in = 3).
MIXES: dict[str, np.ndarray] = {
    # skimage.color.rgb2gray's weights 0.2125, 0.7154, 0.0721, to 3 decimals (they sum to 1)
    "grey (luminance)": np.array([[0.213, 0.715, 0.072]]),
    "swap red and blue": np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
    "sepia": np.array([[0.39, 0.77, 0.19], [0.35, 0.69, 0.17], [0.27, 0.53, 0.13]]),
    "red only": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
}


def photo_mix(mix: str, photo: str = "chelsea") -> dict[str, np.ndarray]:
    """A colour photograph through a 1x1 convolution: ``y = cv.conv2d(x, w[:, :, None, None])``.

    Every output pixel mixes the three colours of the same input pixel:
    ``y[o, r, q] = Σ over c of w[o, c]·x[c, r, q]``.

    Parameters
    ----------
    mix : str
        A key of :data:`MIXES`.
    photo : str
        A colour sample of :data:`convviz.images.SAMPLES`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (SIZE, SIZE, 3), ``w`` (C_out, 3), ``y`` (SIZE, SIZE, C_out), channels last.

    Raises
    ------
    ValueError
        If ``mix`` is not one of the choices, or ``photo`` not a colour sample, naming it.
    """
    w = _pick(MIXES, mix, "mix")
    x = _photo(photo, SIZE, grey=False)
    _check_colour(x, photo)
    y = images.filter_image(x, w[:, :, None, None])
    return {"x": x, "w": w, "y": np.moveaxis(y, 0, -1)}


def _build_mix(mix: str) -> dict:
    r = photo_mix(mix)
    x, w, y = r["x"], r["w"], r["y"]
    shape = y.shape[:2]
    here = window(shape)
    hi = float(max(1.0, y.max()))
    out = y[:, :, 0] if y.shape[2] == 1 else y
    c_out = w.shape[0]
    return {
        "views": [
            view(
                f"1x1 convolution, 3 → {c_out} channel{'s' if c_out > 1 else ''}",
                [
                    image_panel("x", f"photo x ({SIZE}x{SIZE}, red, green, blue)", x, win=here),
                    _kernel(
                        "w",
                        f"w ({c_out}x3): row = output channel, column = input colour",
                        w,
                        fractions=False,  # 0.213, not 213/1000
                    ),
                    image_panel("y", "output y", out, role="output", lo=0.0, hi=hi, win=here),
                ],
                image_steps(shape),
            )
        ],
        "formula": [
            "y[o, r, q] = Σ over c of w[o, c]·x[c, r, q]   (each pixel on its own: a 1x1 window)",
            f"weights: (C_out, C_in, 1, 1) = ({c_out}, 3, 1, 1), {w.size} numbers",
        ],
        "code": f"F.conv2d(x, w.view({c_out}, 3, 1, 1))   # x: (1, 3, {SIZE}, {SIZE})",
    }


def photo_mix_figure() -> Figure:
    """Chapter 4 on a photograph: colour mixing and grey conversion as 1x1 convolutions.

    Returns
    -------
    Figure
        One control, the mixing matrix.
    """
    return Figure(
        id="photo-mix",
        title="On a photograph: a 1x1 convolution mixes colours, pixel by pixel",
        description=(
            f"The cat photograph from scikit-image, {SIZE} by {SIZE} pixels in red, green and "
            "blue, through a 1 by 1 convolution: each output pixel is a weighted sum of the "
            "three colours of the same input pixel. The weight matrix turns the photo grey "
            "(one output channel), swaps red and blue, tints it sepia, or keeps only red."
        ),
        controls=[Control("mix", "1x1 weights", list(MIXES))],
        build=_build_mix,
    )


# --------------------------------------------------------------------------- #
# Chapter 3: a short video made from a photograph, and a kernel over time
# --------------------------------------------------------------------------- #

#: Frames, side and horizontal move (pixels per frame) of the chapter 3 video.
VIDEO_FRAMES, VIDEO_SIZE, VIDEO_STEP = 6, 32, 2


def shifted_video(
    photo: str = "camera",
    frames: int = VIDEO_FRAMES,
    size: int = VIDEO_SIZE,
    step: int = VIDEO_STEP,
) -> np.ndarray:
    """A short video from one photograph: a square crop moving ``step`` pixels right a frame.

    Parameters
    ----------
    photo : str
        A name of :data:`convviz.images.SAMPLES` (grey).
    frames, size, step : int
        ``T`` frames of ``size x size`` pixels; frame ``t`` is the crop starting at
        column ``t·step`` of the 64-pixel photo (rows 8 to 8 + size).

    Returns
    -------
    ndarray of float64, shape (T, size, size)

    Raises
    ------
    ValueError
        If the crops leave the photograph.
    """
    x = _photo(photo)
    if 8 + size > x.shape[0] or (frames - 1) * step + size > x.shape[1]:
        raise ValueError(
            f"frames={frames}, size={size}, step={step} leave the photo of shape {x.shape}"
        )
    return np.stack([x[8 : 8 + size, t * step : t * step + size] for t in range(frames)])


_IMPULSE = np.pad([[1.0]], 1)

#: 3D kernels (k_t, 3, 3) of the chapter 3 figure.
VIDEO_KERNELS: dict[str, np.ndarray] = {
    "change: frame t+1 minus frame t": np.stack([-_IMPULSE, _IMPULSE]),
    "mean of 3 frames (motion blur)": np.stack([_IMPULSE, _IMPULSE, _IMPULSE]) / 3,
    "3x3 blur of 3 frames": np.full((3, 3, 3), 1.0 / 27),
}


def photo_video(kernel: str) -> dict[str, np.ndarray]:
    """The video of :func:`shifted_video` through a 3D kernel with ``cv.conv3d``.

    Time is not padded (the output has ``T - k_t + 1`` frames); space is padded by 1.

    Parameters
    ----------
    kernel : str
        A key of :data:`VIDEO_KERNELS`.

    Returns
    -------
    dict of str to ndarray
        ``x`` (T, H, W), ``w`` (k_t, 3, 3), ``y`` (T - k_t + 1, H, W).

    Raises
    ------
    ValueError
        If ``kernel`` is not one of the choices, naming it.
    """
    w = _pick(VIDEO_KERNELS, kernel, "kernel")
    x = shifted_video()
    y = conv3d(x[None, None], w[None, None], padding=(0, 1, 1))[0, 0]
    return {"x": x, "w": w, "y": y}


def _build_video(kernel: str, t: int) -> dict:
    r = photo_video(kernel)
    x, w, y = r["x"], r["w"], r["y"]
    kt = w.shape[0]
    shape = y.shape[1:]
    read = window(shape, 3, padding=1)
    here = window(shape)
    if _is_picture(w):
        out = {"scale": "image", "lo": 0.0, "hi": 1.0}
    else:
        out = {"scale": "diverging", "hi": float(np.abs(y).max())}
    frames = [
        image_panel(
            f"x{f}",
            f"x[{f}]" + (f" × w[{f - t}]" if t <= f < t + kt else ""),
            x[f],
            win=read if t <= f < t + kt else None,
            px=3.0,
        )
        for f in range(len(x))
    ]
    kernels = [_kernel(f"w{i}", f"w[{i}]", w[i], index=False) for i in range(kt)]
    outs = [
        image_panel(
            f"y{f}",
            f"y[{f}]" + (" (being computed)" if f == t else ""),
            y[f],
            role="output" if f == t else "other",
            win=here if f == t else None,
            px=3.0,
            **out,
        )
        for f in range(len(y))
    ]
    return {
        "views": [
            view(
                f"video x: {len(x)} frames, the crop moves {VIDEO_STEP} pixels right a frame",
                frames,
                image_steps(shape),
            ),
            view(f"3D kernel w: {kt} frames of 3x3", kernels, []),
            view(f"output y: {len(y)} frames", outs, []),
        ],
        "formula": [
            "y[t, r, q] = Σ over τ, u, v of x[t + τ, r − 1 + u, q − 1 + v]·w[τ, u, v]",
            f"frames: T − k_t + 1 = {len(x)} − {kt} + 1 = {len(y)}; output frame {t} reads "
            f"input frames {t} to {t + kt - 1}",
        ],
        "code": f"F.conv3d(x, w, padding=(0, 1, 1))   # x: (1, 1, {len(x)}, {shape[0]}, {shape[1]}), "
        f"w: (1, 1, {kt}, 3, 3)",
    }


def photo_video_figure() -> Figure:
    """Chapter 3 on a photograph: a 3D kernel over the frames of a short video.

    Returns
    -------
    Figure
        Controls: the kernel and the output frame (every kernel has at least 4).
    """
    n_out = min(shapes.conv_output_size(VIDEO_FRAMES, w.shape[0]) for w in VIDEO_KERNELS.values())
    return Figure(
        id="photo-video",
        title="On a photograph: a 3D kernel slides over time as well as space",
        description=(
            f"A short video made from the camera photograph: {VIDEO_FRAMES} frames of "
            f"{VIDEO_SIZE} by {VIDEO_SIZE} pixels, the view moving {VIDEO_STEP} pixels to the "
            "right each frame. A 3D kernel reads a 3 by 3 window in several consecutive "
            "frames. The difference of two frames lights up the vertical edges that moved; "
            "the mean of three frames blurs them along the motion."
        ),
        controls=[
            Control("kernel", "kernel w", list(VIDEO_KERNELS)),
            Control("t", "output frame t", list(range(n_out))),
        ],
        build=_build_video,
    )
