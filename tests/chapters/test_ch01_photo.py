"""Chapter 1, "On a photograph": the glued numbers against SciPy and torch, and the figure."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.imageview import check_image_frame, decode
from convviz.figures.photos import PHOTO_KERNELS, photo_flip, photo_flip_figure

STEM = "01-convolution-vs-cross-correlation"


def _scipy(photo, w):
    """Zero-padded 'same' convolution and correlation by scipy.ndimage (odd kernels)."""
    return (
        ndi.convolve(photo, w, mode="constant", cval=0.0),
        ndi.correlate(photo, w, mode="constant", cval=0.0),
    )


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    photo = ns["photo"]
    assert photo.shape == (64, 64) and 0 <= photo.min() and photo.max() <= 1
    assert glued["photo_side"] == 64 == photo_flip("Sobel x (antisymmetric)")["x"].shape[0]
    gaps = {}
    for name, w in PHOTO_KERNELS.items():
        conv, corr = _scipy(photo, w)
        gaps[name] = np.abs(conv - corr).max()
        # torch: F.conv2d is the correlation; with the kernel flipped, the convolution
        t = torch.tensor(photo)[None, None]
        k = torch.tensor(w)[None, None]
        pad = w.shape[0] // 2
        np.testing.assert_allclose(F.conv2d(t, k, padding=pad)[0, 0].numpy(), corr, atol=1e-12)
        np.testing.assert_allclose(
            F.conv2d(t, k.flip(-2, -1), padding=pad)[0, 0].numpy(), conv, atol=1e-12
        )
    symmetric = max(g for n, g in gaps.items() if "(symmetric)" in n)
    assert glued["photo_symmetric_gap"] < 1e-12 and symmetric < 1e-12
    conv, corr = _scipy(photo, PHOTO_KERNELS["Sobel x (antisymmetric)"])
    assert np.abs(conv).max() > 1  # real edges, and yet the two cancel
    assert glued["photo_sobel_sum"] < 1e-12 and np.abs(conv + corr).max() < 1e-12
    assert glued["photo_emboss_gap"] == pytest.approx(gaps["emboss (asymmetric)"], abs=1e-12)
    assert glued["photo_emboss_gap"] > 1
    # the shift: correlation reads x[r, q - 3] (moves right), convolution x[r, q + 3]
    conv, corr = _scipy(photo, PHOTO_KERNELS["shift by 3 pixels (asymmetric)"])
    assert np.allclose(corr[:, 3:], photo[:, :-3]) and np.allclose(conv[:, :-3], photo[:, 3:])
    assert glued["photo_shift_corr"] == 3 and glued["photo_shift_conv"] == 3


def test_the_figure_shows_what_convviz_computes():
    fig = photo_flip_figure()
    assert fig.id == "photo-flip"
    assert photo_flip_figure in cv.figures.REGISTRY[STEM][1]
    for key in fig.keys():
        name = fig.setting(key)["kernel"]
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        r = photo_flip(name)
        conv, corr = _scipy(r["x"], PHOTO_KERNELS[name])
        out_conv, out_corr = frame["views"][0]["panels"][2], frame["views"][1]["panels"][2]
        lo, hi = out_conv["image"]["lo"], out_conv["image"]["hi"]
        assert (lo, hi) == (out_corr["image"]["lo"], out_corr["image"]["hi"])  # one scale
        b = PHOTO_KERNELS[name].shape[0] // 2
        # signed maps: the scale fits the inside; only the zero-padded frame may be clipped
        inside = max(np.abs(conv[b:-b, b:-b]).max(), np.abs(corr[b:-b, b:-b]).max())
        assert lo - 1e-4 <= min(conv[b:-b, b:-b].min(), corr[b:-b, b:-b].min())
        assert inside <= hi + 1e-4, name
        if out_conv["scale"] == "diverging":
            assert inside == pytest.approx(hi, abs=1e-4), name
        # the page shows 8-bit pictures: within one code of the true maps (clipped)
        span = hi - lo
        assert np.abs(decode(out_conv) - np.clip(conv, lo, hi)).max() <= span / 255 + 1e-4, name
        assert np.abs(decode(out_corr) - np.clip(corr, lo, hi)).max() <= span / 255 + 1e-4, name
        shown_w = [
            float(Fraction(v.replace("−", "-"))) if isinstance(v, str) else v
            for v in frame["views"][0]["panels"][1]["values"]
        ]
        np.testing.assert_allclose(
            shown_w,
            PHOTO_KERNELS[name][::-1, ::-1].ravel(),
            atol=1e-4,  # the page rounds to 4 decimals
        )


def test_the_figure_refuses_nothing_it_offers_and_stays_in_budget():
    import gzip

    html = photo_flip_figure().to_html()
    assert len(gzip.compress(html.encode())) <= 150_000
