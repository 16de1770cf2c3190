"""Chapter 2, "Why convolution at all": locality, sharing, equivariance and where it breaks.

Every glued number is recomputed here with torch (convolutions, parameter counts,
autograd for locality) and plain NumPy shifts, independently of the chapter's code.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from solutions import run_solution

import convviz as cv

STEM = "02-convolution-in-deep-learning"


def _conv(x, w, stride=1, padding=1, mode="zeros"):
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))[None]
    k = torch.from_numpy(np.asarray(w, dtype=np.float64))
    if mode == "circular":
        t = F.pad(t, (padding,) * 4, mode="circular")
        padding = 0
    return F.conv2d(t, k, stride=stride, padding=padding)[0].numpy()


def _shift(a, dy, dx):
    """Zero-filled shift, written differently from the chapter's (pad, then crop)."""
    h, w = a.shape[-2:]
    pad = max(abs(dy), abs(dx))
    big = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(pad, pad), (pad, pad)])
    return big[..., pad - dy : pad - dy + h, pad - dx : pad - dx + w]


def test_parameters_and_locality(chapter):
    ns, glued = chapter(STEM)
    side = 32
    conv = torch.nn.Conv2d(1, 1, 3, padding=1)
    dense = torch.nn.Linear(side * side, side * side)
    assert glued["eq_conv_params"] == sum(t.numel() for t in conv.parameters()) == 10
    assert glued["eq_dense_params"] == sum(t.numel() for t in dense.parameters()) == 1049600
    assert np.isclose(glued["eq_ratio"], 1049600 / 10)
    # locality by autograd: one output cell depends on a 3x3 window; one input cell
    # reaches 9 outputs of the convolution and all 1024 of a dense layer
    x = torch.zeros(1, 1, side, side, dtype=torch.float64, requires_grad=True)
    F.conv2d(x, torch.from_numpy(ns["w_conv"]), padding=1)[0, 0, 10, 20].backward()
    assert int((x.grad != 0).sum()) == 9
    poked = np.zeros((1, side, side))
    poked[0, 10, 20] = 1.0
    moved = _conv(poked, ns["w_conv"])
    assert glued["eq_conv_moved"] == np.count_nonzero(moved) == 9
    assert glued["eq_dense_moved"] == np.count_nonzero(ns["w_dense"][:, 10 * side + 20]) == 1024
    assert glued["eq_matrix_side"] == side * side
    assert glued["eq_row_nnz"] == 9
    assert glued["eq_distinct"] == len(np.unique(ns["w_conv"])) == 9
    assert glued["eq_rgb_conv"] == sum(t.numel() for t in torch.nn.Conv2d(3, 64, 3).parameters())
    n_in, n_out = 3 * 224 * 224, 64 * 224 * 224
    assert np.isclose(glued["eq_rgb_dense_e11"], (n_in * n_out + n_out) / 1e11)


def test_equivariance_and_stride(chapter):
    ns, glued = chapter(STEM)
    x, k = ns["pattern"], ns["k3"]
    y = _conv(x, k)
    assert glued["eq_s1_exact"] is True and glued["eq_s1_maxdiff"] == 0
    assert np.array_equal(_conv(_shift(x, 2, 3), k), _shift(y, 2, 3))
    y2 = _conv(x, k, stride=2)
    assert glued["eq_s2_by_two"] is True
    assert np.array_equal(_conv(_shift(x, 2, 2), k, stride=2), _shift(y2, 1, 1))
    by_one = _conv(_shift(x, 1, 1), k, stride=2)
    gaps = [np.abs(by_one - _shift(y2, a, b)).max() for a in range(-2, 3) for b in range(-2, 3)]
    assert glued["eq_s2_min_gap"] == min(gaps) > 0
    assert glued["eq_s2_peak"] == np.abs(y2).max()
    assert min(gaps) >= 0.25 * np.abs(y2).max()  # "differs a lot", not by rounding


def test_border(chapter):
    ns, glued = chapter(STEM)
    tex, k = ns["texture"], ns["k3"]
    rolled = np.roll(tex, (2, 3), axis=(1, 2))
    zero = _conv(rolled, k) - np.roll(_conv(tex, k), (2, 3), axis=(1, 2))
    circ = _conv(rolled, k, mode="circular") - np.roll(
        _conv(tex, k, mode="circular"), (2, 3), axis=(1, 2)
    )
    assert glued["eq_zero_bad"] == np.count_nonzero(zero) > 0
    assert glued["eq_zero_total"] == 144
    assert glued["eq_circ_bad"] == np.count_nonzero(np.abs(circ) > 1e-12) == 0
    # the band, derived: output cells whose 3x3 window (in the rolled or the unrolled
    # frame) reads a padded cell
    rows = np.arange(12)
    touches = lambda r, shift: ((r - shift) % 12 in (0, 11)) or r in (0, 11)  # noqa: E731
    band_rows = [r for r in rows if touches(r, 2)]
    band_cols = [c for c in rows if touches(c, 3)]
    assert glued["eq_band_rows"] == ", ".join(map(str, band_rows)) == "0, 1, 2, 11"
    assert glued["eq_band_cols"] == ", ".join(map(str, band_cols)) == "0, 2, 3, 11"
    outside = zero[0][
        np.ix_([r for r in rows if r not in band_rows], [c for c in rows if c not in band_cols])
    ]
    assert glued["eq_outside_band"] == 0 == np.count_nonzero(outside)


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(8, 14),
    k=st.sampled_from([1, 3, 5]),
    dy=st.integers(-3, 3),
    dx=st.integers(-3, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_stride1_equivariance_inside(size, k, dy, dx, seed):
    """Away from the border (content kept clear of it), cv.conv2d commutes with shifts."""
    rng = np.random.default_rng(seed)
    margin = 3 + k
    x = np.zeros((1, size + 2 * margin, size + 2 * margin))
    x[0, margin:-margin, margin:-margin] = rng.normal(size=(size, size))
    w = rng.normal(size=(1, 1, k, k))
    p = k // 2
    ours = cv.conv2d(_shift(x, dy, dx), w, padding=p)
    np.testing.assert_allclose(ours, _shift(_conv(x, w, padding=p), dy, dx), atol=1e-10)


def test_exercise_solutions(chapter):
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch02-ex-dense")
    assert scope["dense_and_conv_params"](2, 3, 8, 3) == (24768, 57)
    scope = run_solution(ns, STEM, "ch02-ex-circular")
    assert len(scope["even"]) == 25
