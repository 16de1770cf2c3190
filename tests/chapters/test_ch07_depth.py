"""Chapter 7, "Two 3×3 layers or one 5×5" and "The effective receptive field".

Weight counts come from torch layers, receptive fields from brute-force input
support, and the effective field from torch autograd on the chapter's own
random weights, recomputed here independently of convviz.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from solutions import run_solution

STEM = "07-dilated-convolution"


def _weights(*shape):
    return torch.nn.Conv2d(*shape, bias=False).weight.numel()


def _support_width(kernels):
    """Width of the input region one output cell depends on (autograd on a stride-1 stack)."""
    size = sum(k - 1 for k in kernels) * 2 + 3
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    a = x
    for k in kernels:
        a = F.conv2d(a, torch.ones(1, 1, k, k))
    a[0, 0, a.shape[2] // 2, a.shape[3] // 2].backward()
    cols = torch.nonzero(x.grad[0, 0].sum(0))
    return int(cols.max() - cols.min() + 1)


def test_vgg_numbers(chapter):
    _ns, glued = chapter(STEM)
    c = 64
    assert glued["vgg2_rf"] == _support_width([3, 3]) == _support_width([5]) == 5
    assert glued["vgg3_rf"] == _support_width([3, 3, 3]) == _support_width([7]) == 7
    assert glued["vgg2_w"] == 2 * _weights(c, c, 3) == 18 * c * c
    assert glued["vgg2_w1"] == _weights(c, c, 5) == 25 * c * c
    assert glued["vgg3_w"] == 3 * _weights(c, c, 3) == 27 * c * c
    assert glued["vgg3_w1"] == _weights(c, c, 7) == 49 * c * c
    assert round(glued["vgg3_more"]) == 81  # the paper's "81% more"
    assert np.isclose(glued["vgg2_more"], 100 * (25 / 18 - 1))
    # MACs at stride 1, 'same' padding: per output cell 9 C^2 per 3x3 layer, k^2 C^2 for one
    assert np.isclose(glued["vgg2_macs_ratio"], 18 / 25)
    assert np.isclose(glued["vgg3_macs_ratio"], 27 / 49)


def test_linear_stack_is_one_convolution(chapter):
    ns, glued = chapter(STEM)
    a, b = (torch.from_numpy(ns[n]) for n in ("a3", "b3"))
    img = torch.from_numpy(ns["img"])
    # the combined kernel by brute force: k5[u+i, v+j] += a[u, v] b[i, j]
    k5 = torch.zeros(1, 1, 5, 5, dtype=a.dtype)
    for u in range(3):
        for v in range(3):
            k5[0, 0, u : u + 3, v : v + 3] += a[0, 0, u, v] * b[0, 0]
    two = F.conv2d(F.conv2d(img, a), b)
    assert glued["vgg_linear_equal"] is True and torch.allclose(two, F.conv2d(img, k5))
    relu = F.conv2d(torch.relu(F.conv2d(img, a)), b)
    assert glued["vgg_relu_equal"] is False and not torch.allclose(relu, F.conv2d(img, k5))


def _torch_field(probe, weights):
    x = torch.from_numpy(probe).requires_grad_(True)
    a = x
    for n, w in enumerate(weights):
        a = F.conv2d(a, torch.from_numpy(w), padding=1)
        if n < len(weights) - 1:
            a = torch.relu(a)
    a[:, :, a.shape[2] // 2, a.shape[3] // 2].sum().backward()
    m = x.grad.abs().sum(1).mean(0).numpy()
    return m / m.sum()


def _square(field, side):
    c, h = field.shape[0] // 2, side // 2
    return field[c - h : c + h + 1, c - h : c + h + 1].sum()


def test_effective_receptive_field(chapter):
    _ns, glued = chapter(STEM)
    # replay the chapter's random draws to get the same weights, then use autograd
    rng = np.random.default_rng(0)
    channels, side = 8, 63
    probe = rng.normal(size=(4, channels, side, side))
    std_w = np.sqrt(2 / (channels * 9))
    for depth in (4, 10, 20):
        weights = [rng.normal(scale=std_w, size=(channels, channels, 3, 3)) for _ in range(depth)]
        field = _torch_field(probe, weights)
        rf = 2 * depth + 1
        assert glued[f"erf{depth}_rf"] == rf
        half = glued[f"erf{depth}_half"]
        assert half % 2 == 1 and abs(half - rf / 2) <= 1
        assert np.isclose(glued[f"erf{depth}_in_half"], 100 * _square(field, half))
        side90 = next(s for s in range(1, side + 1, 2) if _square(field, s) >= 0.9)
        assert glued[f"erf{depth}_side90"] == side90
        offsets = np.arange(side) - side // 2
        assert np.isclose(glued[f"erf{depth}_std"], np.sqrt((field.sum(0) * offsets**2).sum()))
        # nothing outside the theoretical field
        assert _square(field, rf) > 1 - 1e-12
    # the prose: deeper stacks put more of the gradient in the central half-width square,
    # the spread grows about like the square root of the depth ratio, slower than the field
    assert glued["erf4_in_half"] < glued["erf10_in_half"] < glued["erf20_in_half"]
    assert glued["erf20_side90"] < glued["erf20_rf"]
    assert np.isclose(glued["erf_rf_growth"], 41 / 9)
    assert abs(glued["erf_std_growth"] - np.sqrt(5)) < 0.3 < glued["erf_rf_growth"] - 2
    assert 0.2 < (21 / 41) ** 2 < 0.3  # "a quarter of its area"


def test_exercise_solutions(chapter):
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch07-ex-vgg-stack")
    assert scope["first"] == 4
    scope = run_solution(ns, STEM, "ch07-ex-erf-linear")
    assert np.isclose(scope["std"], np.sqrt(8))
