"""Chapter 6, "Checkerboards in the gradient" and "Two other ways up": every glued number.

Recomputed with torch (autograd, conv_transpose2d, pixel_shuffle, interpolate)
and brute-force tap counting, independently of the chapter's code.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from solutions import run_solution

STEM = "06-transposed-convolution"


def _counts_1d(size, k, s, p):
    """How many (output cell, tap) pairs of a 1-D strided convolution read each input cell."""
    o = (size + 2 * p - k) // s + 1
    counts = np.zeros(size, dtype=int)
    for j in range(o):
        for t in range(k):
            q = j * s + t - p
            if 0 <= q < size:
                counts[q] += 1
    return counts


def test_gradient_checkerboard(chapter):
    _ns, glued = chapter(STEM)
    x = torch.zeros(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(x, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2, padding=1)
    y.backward(torch.ones_like(y))
    grad = x.grad[0, 0].numpy()
    # the gradient of a constant output gradient is the outer product of the 1-D tap counts
    c = _counts_1d(8, 3, 2, 1)
    assert np.array_equal(grad, np.outer(c, c))
    inner = grad[1:-2, 1:-2]
    assert glued["gck_levels"] == ", ".join(f"{v:g}" for v in np.unique(inner)) == "1, 2, 4"
    assert glued["gck_ratio"] == inner.max() / inner.min() == 4
    assert glued["gck_autograd"] is True
    c4 = _counts_1d(8, 4, 2, 1)
    assert glued["gck_k4_levels"] == np.unique(np.outer(c4, c4)[1:-1, 1:-1]).size == 1
    assert glued["gck_k4"] == 4
    c1 = _counts_1d(8, 3, 1, 1)
    assert glued["gck_s1"] == np.outer(c1, c1)[1:-1, 1:-1].min() == 9


def test_pixel_shuffle_numbers(chapter):
    _ns, glued = chapter(STEM)
    low = torch.arange(2 * 4 * 2 * 3).reshape(8, 2, 3)
    up = F.pixel_shuffle(low, 2)
    assert glued["ps_in"] == "(8, 2, 3)" and glued["ps_out"] == str(tuple(up.shape)) == "(2, 4, 6)"
    assert glued["ps_block"] == ", ".join(str(int(v)) for v in up[0, :2, :2].flatten())
    # the first cell of channels 0..3
    assert [int(v) for v in up[0, :2, :2].flatten()] == [int(low[c, 0, 0]) for c in range(4)]
    assert glued["ps_equal"] is True


def test_ways_up_levels(chapter):
    ns, glued = chapter(STEM)
    w3, w4, ws = (torch.from_numpy(ns[k]) for k in ("w_k3", "w_k4", "w_sub"))
    flat = torch.ones(1, 1, 6, 6, dtype=torch.float64)
    outs = {
        "up_t3": F.conv_transpose2d(flat, w3, stride=2, padding=1, output_padding=1),
        "up_t4": F.conv_transpose2d(flat, w4, stride=2, padding=1),
        "up_ps": F.pixel_shuffle(F.conv2d(flat, ws, padding=1), 2),
        "up_near": F.conv2d(F.interpolate(flat, scale_factor=2, mode="nearest"), w3, padding=1),
        "up_bil": F.conv2d(
            F.interpolate(flat, scale_factor=2, mode="bilinear", align_corners=False),
            w3,
            padding=1,
        ),
    }
    for key, out in outs.items():
        assert out.shape[-2:] == (12, 12)
        inner = out[0, 0, 2:-2, 2:-2].numpy()
        assert glued[key] == np.unique(inner.round(12)).size, key
    assert glued["up_near"] == glued["up_bil"] == 1
    assert glued["up_t3"] == glued["up_t4"] == glued["up_ps"] == 4
    # the interior of a resize-convolution of ones is the kernel's sum
    assert np.allclose(outs["up_near"][0, 0, 2:-2, 2:-2].numpy(), ns["w_k3"].sum())


def test_exercise_solutions(chapter):
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch06-ex-grad-flat")
    assert scope["table"][(3, 2)] == 3 and scope["table"][(4, 2)] == 1
    scope = run_solution(ns, STEM, "ch06-ex-subpixel")
    assert scope["subpixel_weight"](np.ones((1, 1, 4, 4))).shape == (4, 1, 3, 3)
