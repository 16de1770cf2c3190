"""Chapter 5, "Pooling arithmetic": every glued number against torch's pooling layers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from solutions import run_solution

STEM = "05-convolution-arithmetic"


def _len(i, k, s=None, p=0, ceil=False):
    return F.max_pool1d(torch.zeros(1, 1, i), k, s, p, ceil_mode=ceil).shape[-1]


def test_glued_pool_sizes(chapter):
    _ns, glued = chapter(STEM)
    assert glued["pool_224"] == torch.nn.MaxPool2d(2)(torch.zeros(1, 1, 224, 224)).shape[-1] == 112
    assert glued["pool_resnet"] == _len(112, 3, 2, 1) == 56
    assert glued["pool_odd_floor"] == _len(7, 2) == 3
    assert glued["pool_odd_ceil"] == _len(7, 2, ceil=True) == 4
    assert glued["pool_even_ceil"] == _len(8, 2, ceil=True) == _len(8, 2) == 4


def test_glued_last_window_rule(chapter):
    _ns, glued = chapter(STEM)
    # i=5, k=2, s=2, p=1: padded length 7; ceil(5/2) + 1 = 4 windows would start at 0, 2, 4, 6
    assert glued["pool_rule_raw"] == 4
    assert glued["pool_rule_start"] == 6 == 5 + 1  # i + p: the first cell of the right padding
    assert glued["pool_rule_final"] == _len(5, 2, 2, 1, ceil=True) == 3
    # what the dropped window would have pooled: only padding (-inf for max pooling)
    x = torch.arange(5.0)[None, None]
    y = F.max_pool1d(x, 2, 2, 1, ceil_mode=True)[0, 0]
    assert y.tolist() == [0.0, 2.0, 4.0]


def test_glued_pool_values(chapter):
    _ns, glued = chapter(STEM)
    x = torch.arange(1.0, 26.0).reshape(1, 5, 5)
    mx = F.max_pool2d(x, 2, ceil_mode=True)
    assert glued["pool_mx_shape"] == "3×3" and tuple(mx.shape[1:]) == (3, 3)
    assert glued["pool_mx_last"] == mx[0, -1, -1] == 25
    incl = F.avg_pool2d(x, 3, 2, 1)
    excl = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    assert abs(glued["pool_avg_incl"] - (1 + 2 + 6 + 7) / 9) < 1e-12
    assert abs(glued["pool_avg_incl"] - incl[0, 0, 0].item()) < 1e-6
    assert glued["pool_avg_excl"] == excl[0, 0, 0] == 4


def test_exercise_solutions(chapter):
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch05-ex-pool-ceil")
    assert scope["differ"] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    scope = run_solution(ns, STEM, "ch05-ex-pool-impl")
    assert scope["checked"] > 100


def test_stride2_pooling_breaks_shift_equivariance():
    """The prose: a stride-2 max pooling commutes with shifts by 2, not by 1."""
    x = torch.zeros(1, 1, 12, 12)
    x[0, 0, 3:9, 3:9] = torch.rand(6, 6, generator=torch.Generator().manual_seed(0)) + 1
    y = F.max_pool2d(x, 2)
    by_two = F.max_pool2d(torch.roll(x, (2, 2), (2, 3)), 2)
    assert torch.equal(by_two, torch.roll(y, (1, 1), (2, 3)))
    by_one = F.max_pool2d(torch.roll(x, (1, 1), (2, 3)), 2)
    assert not any(
        torch.equal(by_one, torch.roll(y, (a, b), (2, 3))) for a in range(6) for b in range(6)
    )
