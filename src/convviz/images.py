"""Real photographs for the figures: scikit-image's bundled samples, small and offline.

scikit-image ships a few sample photographs inside its wheel (``skimage.data``);
the ones named in :data:`SAMPLES` load from the installed package with no
network access (a test blocks sockets and loads each). This module crops them
square, downscales them to figure size by block means, converts them to floats in [0, 1],
filters them with :func:`convviz.conv.conv2d` and packs the results as uint8 pixels
for the page.
"""

from __future__ import annotations

import base64

import numpy as np

from convviz.conv import conv2d

__all__ = [
    "LUMINANCE",
    "SAMPLES",
    "check_image",
    "check_kernel_fits",
    "downscale",
    "filter_image",
    "load",
    "to_uint8",
    "uint8_base64",
]

#: Sample photographs that ship inside scikit-image's wheel (no download), by name.
SAMPLES: dict[str, str] = {
    "camera": "a man with a camera on a tripod (grey, 512 x 512)",
    "astronaut": "the astronaut Eileen Collins (colour, 512 x 512)",
    "coins": "Greek coins on a dark background (grey, 303 x 384)",
    "chelsea": "Chelsea the cat (colour, 300 x 451)",
    "coffee": "a cup of coffee (colour, 400 x 600)",
}


def check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Return ``image`` as an array after checking it is a 2D or 3D picture.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        A grey or multi-channel picture.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    ndarray
        ``np.asarray(image)``.

    Raises
    ------
    ValueError
        If the array is not 2D or 3D, or has an empty axis.
    """
    arr = np.asarray(image)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must be 2D (H, W) or 3D (H, W, C), got {name}.shape={arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"{name} must not be empty, got {name}.shape={arr.shape}")
    return arr


def check_kernel_fits(
    image_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    *,
    dilation: int = 1,
    padding: int = 0,
) -> None:
    """Raise unless a (dilated) kernel fits inside the (padded) image.

    The kernel's span along an axis is ``d (k - 1) + 1``; it fits when the span is
    at most ``i + 2p``.

    Parameters
    ----------
    image_shape : (int, int)
        ``(H, W)`` of the image.
    kernel_shape : (int, int)
        ``(k_h, k_w)`` of the kernel.
    dilation, padding : int
        ``d`` and ``p``.

    Raises
    ------
    ValueError
        Naming the kernel's shape, its span and the image's shape.
    """
    for i, k in zip(image_shape, kernel_shape, strict=True):
        span = dilation * (k - 1) + 1
        if span > i + 2 * padding:
            raise ValueError(
                f"kernel larger than the image: kernel.shape={tuple(kernel_shape)} "
                f"(span {span} with dilation={dilation}) does not fit "
                f"image.shape={tuple(image_shape)} with padding={padding}"
            )


def downscale(image: np.ndarray, size: int) -> np.ndarray:
    """Crop a centre square and shrink it to ``size x size`` pixels by block means.

    The square's side is the largest multiple of ``size`` that fits the image,
    ``f·size`` with ``f = ⌊min(H, W) / size⌋``; each new pixel is the mean of an
    ``f x f`` block of it (so fine detail blurs rather than aliasing).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        Floats (any range; the range is kept).
    size : int
        Side of the result in pixels, ``1 <= size <= min(H, W)``.

    Returns
    -------
    ndarray of float64, shape (size, size) or (size, size, C)

    Raises
    ------
    ValueError
        If the image is not 2D or 3D, or ``size`` is out of range.
    """
    arr = check_image(image).astype(np.float64)
    side = min(arr.shape[:2])
    if not isinstance(size, (int, np.integer)) or not 1 <= size <= side:
        raise ValueError(
            f"size must be an int in [1, {side}] for image.shape={arr.shape}, got size={size!r}"
        )
    f = side // size
    top, left = (arr.shape[0] - f * size) // 2, (arr.shape[1] - f * size) // 2
    square = arr[top : top + f * size, left : left + f * size]
    blocks = square.reshape(size, f, size, f, *arr.shape[2:])
    return blocks.mean(axis=(1, 3))


#: The file of each sample inside ``skimage/data`` (what ``skimage.data.<name>()`` reads).
_FILES = {name: f"{name}.png" for name in SAMPLES}

#: The colour samples (the others are grey).
_COLOUR = {"astronaut", "chelsea", "coffee"}

#: Luminance weights of ``skimage.color.rgb2gray``.
LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


def load(name: str, size: int | None = 64, *, grey: bool = False) -> np.ndarray:
    """A bundled sample photograph as floats in [0, 1], cropped square and downscaled.

    The photograph is the PNG file that ``skimage.data.<name>()`` returns, read
    from the installed scikit-image package with Pillow (which avoids importing
    ``skimage.io``, a second's start-up).

    Parameters
    ----------
    name : str
        One of :data:`SAMPLES` (``camera``, ``astronaut``, ``coins``, ``chelsea``,
        ``coffee``).
    size : int or None, default 64
        Side in pixels of the square result (:func:`downscale`); ``None`` keeps
        the full photograph (not cropped).
    grey : bool, default False
        Convert a colour photograph to grey with the luminance weights of
        ``skimage.color.rgb2gray``: 0.2125 R + 0.7154 G + 0.0721 B.

    Returns
    -------
    ndarray of float64, shape (size, size) or (size, size, 3)
        Values in [0, 1].

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`SAMPLES`.
    """
    if name not in SAMPLES:
        raise ValueError(f"name must be one of {sorted(SAMPLES)}, got name={name!r}")
    from importlib import resources

    from PIL import Image

    with resources.files("skimage.data").joinpath(_FILES[name]).open("rb") as f:
        image = np.asarray(Image.open(f).convert("RGB" if name in _COLOUR else "L"))
    image = image.astype(np.float64) / 255.0
    if grey and image.ndim == 3:
        image = image @ LUMINANCE
    if size is not None:
        image = downscale(image, size)
    return np.clip(image, 0.0, 1.0)


def to_uint8(
    image: np.ndarray, lo: float | None = None, hi: float | None = None
) -> tuple[np.ndarray, float, float]:
    """Map ``[lo, hi]`` linearly onto the bytes ``0..255`` (values outside are clipped).

    ``code = round(255 (v - lo) / (hi - lo))``; the inverse is
    ``v = lo + code (hi - lo) / 255``, exact to half a step, ``(hi - lo) / 510``.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
    lo, hi : float, optional
        The range; by default the image's minimum and maximum.

    Returns
    -------
    (ndarray of uint8, float, float)
        The codes and the ``lo``, ``hi`` used (``hi > lo``; a constant image
        gets ``hi = lo + 1``).

    Raises
    ------
    ValueError
        If the image is not 2D or 3D, or ``hi < lo``.
    """
    arr = check_image(image).astype(np.float64)
    lo = float(arr.min()) if lo is None else float(lo)
    hi = float(arr.max()) if hi is None else float(hi)
    if hi < lo:
        raise ValueError(f"hi must be >= lo, got lo={lo}, hi={hi}")
    if hi == lo:
        hi = lo + 1.0
    codes = np.rint((np.clip(arr, lo, hi) - lo) * (255.0 / (hi - lo)))
    return codes.astype(np.uint8), lo, hi


def uint8_base64(codes: np.ndarray) -> str:
    """Row-major bytes of a uint8 array as base64 text (what the page decodes).

    Parameters
    ----------
    codes : ndarray of uint8, shape (H, W) or (H, W, C)

    Returns
    -------
    str
    """
    arr = np.ascontiguousarray(codes)
    if arr.dtype != np.uint8:
        raise ValueError(f"codes must be uint8, got codes.dtype={arr.dtype}")
    return base64.b64encode(arr.tobytes()).decode("ascii")


def filter_image(
    image: np.ndarray,
    weight: np.ndarray,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    flip: bool = False,
) -> np.ndarray:
    """Filter a picture with :func:`convviz.conv.conv2d` (cross-correlation, as PyTorch).

    A grey image ``(H, W)`` with a kernel ``(k_h, k_w)`` gives one map
    ``(o_h, o_w)``; an image ``(H, W, C)`` with a bank ``(C_out, C, k_h, k_w)``
    gives ``(C_out, o_h, o_w)``, each map summing over the ``C`` channels:

    ``y[c, r, q] = Σ_{c', i, j} x[c', s r − p + d i, s q − p + d j] w[c, c', i, j]``

    with ``o = ⌊(i + 2p − d (k − 1) − 1) / s⌋ + 1`` per axis.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
    weight : ndarray, shape (k_h, k_w) or (C_out, C, k_h, k_w)
    stride, padding, dilation : int
        ``s``, ``p`` (zeros), ``d`` as in ``F.conv2d``.
    flip : bool, default False
        Flip the kernel on both axes first: a true convolution.

    Returns
    -------
    ndarray of float64, shape (o_h, o_w) or (C_out, o_h, o_w)

    Raises
    ------
    ValueError
        If the image is not 2D or 3D, the kernel's shape does not match it, or
        the kernel (with its dilation) is larger than the padded image.
    """
    x = check_image(image).astype(np.float64)
    w = np.asarray(weight, dtype=np.float64)
    if x.ndim == 2 and w.ndim != 2:
        raise ValueError(f"a grey image needs a 2D kernel (k_h, k_w), got weight.shape={w.shape}")
    if x.ndim == 3 and (w.ndim != 4 or w.shape[1] != x.shape[2]):
        raise ValueError(
            f"an image of shape {x.shape} needs weight of shape (C_out, {x.shape[2]}, k_h, k_w), "
            f"got weight.shape={w.shape}"
        )
    check_kernel_fits(x.shape[:2], w.shape[-2:], dilation=dilation, padding=padding)
    if flip:
        w = w[..., ::-1, ::-1]
    xs = x[None, None] if x.ndim == 2 else x.transpose(2, 0, 1)[None]
    ws = w[None, None] if w.ndim == 2 else w
    y = conv2d(xs, np.ascontiguousarray(ws), stride=stride, padding=padding, dilation=dilation)[0]
    return y[0] if x.ndim == 2 else y
