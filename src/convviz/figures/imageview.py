"""The image view of the figure engine: photographs as pixels, the kernel's window on them.

An image panel is a panel of the engine's frame format (:class:`~convviz.figures.engine.
PanelSpec`) with no cells (``rows = cols = 0``, so the step machinery ignores it) and two
more keys, drawn by ``static/image.js``:

* ``image``: the picture as uint8 codes in base64 (``h * w * c`` bytes, row-major,
  channels last) with the range ``lo``, ``hi`` the codes 0 and 255 stand for, and
  ``px``, the CSS pixels per image pixel;
* ``window`` (optional): the geometry of the kernel's window. Step ``n`` of the view
  is the cell ``(r, q) = divmod(n, gw)`` of a ``gh x gw`` grid, and the window covers
  the pixels ``(s r - p + d i, s q - p + d j)`` for ``i < k_h``, ``j < k_w``: the taps
  of output ``(r, q)`` of a convolution, or, drawn on the output of a transposed
  convolution, the outputs its input ``(r, q)`` scatters to.

One view of the figure has one (empty) step per cell of the window grid, so the
figure's stepper moves the windows of every view (the image drawer is given the
figure's step); the output values themselves are the pictures, computed in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from convviz.figures.engine import _require
from convviz.images import check_image, to_uint8, uint8_base64

__all__ = ["check_image_frame", "decode", "image_panel", "image_steps", "window"]


def _pair(name: str, value: int | Sequence[int]) -> list[int]:
    pair = [int(value), int(value)] if np.isscalar(value) else [int(v) for v in value]  # type: ignore[arg-type]
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {name}={value!r}")
    return pair


def window(
    grid: Sequence[int],
    kernel_size: int | Sequence[int] = 1,
    *,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> dict[str, list[int]]:
    """The window an image panel outlines at each step.

    Parameters
    ----------
    grid : (int, int)
        ``(g_h, g_w)``: the cells the steps walk through, row by row (the output
        of a convolution; the input of a transposed convolution).
    kernel_size, stride, padding, dilation : int or (int, int)
        ``k``, ``s``, ``p``, ``d``: step ``(r, q)`` outlines the pixels
        ``(s r - p + d i, s q - p + d j)``, ``0 <= i < k_h``, ``0 <= j < k_w``.
        The defaults outline the single pixel ``(r, q)``.

    Returns
    -------
    dict
        ``{"grid", "k", "s", "d", "p"}``, each a pair of ints.

    Raises
    ------
    ValueError
        If a size is not positive or the padding is negative.
    """
    out = {
        "grid": _pair("grid", grid),
        "k": _pair("kernel_size", kernel_size),
        "s": _pair("stride", stride),
        "d": _pair("dilation", dilation),
        "p": _pair("padding", padding),
    }
    for key, name in (("grid", "grid"), ("k", "kernel_size"), ("s", "stride"), ("d", "dilation")):
        if min(out[key]) < 1:
            raise ValueError(f"{name} must be >= 1, got {name}={out[key]}")
    if min(out["p"]) < 0:
        raise ValueError(f"padding must be >= 0, got padding={out['p']}")
    return out


def image_panel(
    name: str,
    label: str,
    image: np.ndarray,
    *,
    role: str = "input",
    scale: str = "image",
    lo: float | None = None,
    hi: float | None = None,
    px: float = 3.0,
    win: dict[str, list[int]] | None = None,
) -> dict[str, Any]:
    """One picture as a panel of a frame: uint8 codes in base64 and the window's geometry.

    Parameters
    ----------
    name : str
        Symbol of the picture (``x``, ``y``).
    label : str
        Caption above it.
    image : ndarray, shape (H, W) or (H, W, 3)
        A grey picture or a map (any range), or a colour picture in [0, 1].
    role : {'input', 'output', 'other'}
        Colour of the window: the input ring's or the output ring's.
    scale : {'image', 'diverging'}
        ``image``: grey (or colour) from ``lo`` (black) to ``hi`` (white), the
        range by default the map's own. ``diverging``: signed values, blue below
        zero and red above, symmetric (``lo = -hi``, by default ``hi = max |v|``).
    lo, hi : float, optional
        The range the codes span.
    px : float, default 3
        CSS pixels per image pixel.
    win : dict, optional
        Made by :func:`window`.

    Returns
    -------
    dict
        A panel (``kind='image'``) for :func:`convviz.figures.engine.view`.

    Raises
    ------
    ValueError
        If the image is not 2D or 3D with 1 or 3 channels, or ``scale`` is unknown.
    """
    arr = check_image(image, "image").astype(np.float64)
    if arr.ndim == 3 and arr.shape[2] not in (1, 3):
        raise ValueError(f"image must have 1 or 3 channels, got image.shape={arr.shape}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if scale == "diverging":
        m = float(np.abs(arr).max()) if hi is None else float(hi)
        m = m if m > 0 else 1.0
        codes, lo, hi = to_uint8(arr, -m, m)
    elif scale == "image":
        codes, lo, hi = to_uint8(arr, lo, hi)
    else:
        raise ValueError(f"scale must be 'image' or 'diverging', got scale={scale!r}")
    panel: dict[str, Any] = {
        "name": name,
        "label": label,
        "rows": 0,
        "cols": 0,
        "oneD": False,
        "values": [],
        "origin": [0, 0],
        "role": role,
        "marks": {},
        "progressive": False,
        "index": False,
        "scale": scale,
        "kind": "image",
        "image": {
            "h": int(arr.shape[0]),
            "w": int(arr.shape[1]),
            "c": 3 if arr.ndim == 3 else 1,
            "data": uint8_base64(codes),
            "lo": float(lo),
            "hi": float(hi),
            "px": float(px),
        },
    }
    if win is not None:
        panel["window"] = win
    return panel


def image_steps(grid: Sequence[int]) -> list[list]:
    """One empty step per cell of a window grid (the stepper then walks the window)."""
    return [[] for _ in range(int(np.prod(grid)))]


def decode(panel: dict[str, Any]) -> np.ndarray:
    """The values an image panel shows, from its codes (to half a code step).

    Parameters
    ----------
    panel : dict
        Made by :func:`image_panel`.

    Returns
    -------
    ndarray of float64, shape (h, w) or (h, w, 3)
    """
    import base64

    im = panel["image"]
    codes = np.frombuffer(base64.b64decode(im["data"]), np.uint8).astype(np.float64)
    shape = (im["h"], im["w"]) if im["c"] == 1 else (im["h"], im["w"], im["c"])
    return im["lo"] + codes.reshape(shape) * (im["hi"] - im["lo"]) / 255.0


def check_image_frame(frame: dict[str, Any]) -> None:
    """Check every image panel of a frame is well formed and its window stays near it.

    The codes fill ``h * w * c`` bytes; a window's grid has one cell per step of the
    figure (the most steps of any view: a view may carry no steps of its own and
    still move its windows with the figure's step); every window, at every step, lies within the picture and its padding
    margin (``p`` pixels on each side).

    Raises
    ------
    convviz.figures.engine.FrameError
        A :class:`ValueError` naming the view, panel and what is wrong.
    """
    import base64

    n_steps = max(len(v["steps"]) for v in frame["views"])
    for vi, v in enumerate(frame["views"]):
        for pi, p in enumerate(v["panels"]):
            if p.get("kind") != "image":
                continue
            where = f"view {vi} panel {pi} ({p['label']!r})"
            im = p["image"]
            n = len(base64.b64decode(im["data"]))
            _require(n == im["h"] * im["w"] * im["c"], f"{where}: {n} bytes for {im}")
            _require(im["hi"] > im["lo"], where)
            w = p.get("window")
            if w is None:
                continue
            gh, gw = w["grid"]
            _require(n_steps == gh * gw, f"{where}: {n_steps} steps, grid {w['grid']}")
            for axis, size in ((0, im["h"]), (1, im["w"])):
                last = (w["grid"][axis] - 1) * w["s"][axis] + (w["k"][axis] - 1) * w["d"][axis]
                first = -w["p"][axis]
                _require(
                    first >= -w["p"][axis] and last - w["p"][axis] <= size - 1 + w["p"][axis],
                    (f"{where}: the window leaves the picture on axis {axis}"),
                )
