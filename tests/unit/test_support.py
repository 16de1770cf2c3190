"""The autograd probe of `convviz.support` against the derived support of `convviz.receptive`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv


def stack(dilations, strides):
    def fn(x):
        for d, s in zip(dilations, strides, strict=True):
            x = F.conv2d(x, torch.ones(1, 1, 3, 3), stride=s, dilation=d)
        return x

    return fn


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.data(),
)
def test_gradient_support_equals_the_derived_support(dilations, data):
    strides = [data.draw(st.integers(1, 2)) for _ in dilations]
    layers = [cv.Layer(3, stride=s, dilation=d) for d, s in zip(dilations, strides, strict=True)]
    size = n = 30
    for d, s in zip(dilations, strides, strict=True):  # keep every layer's output non-empty
        assume(cv.is_valid_conv(n, 3, s, 0, d))
        n = cv.conv_output_size(n, 3, s, 0, d)
    fn = stack(dilations, strides)
    o = fn(torch.zeros(1, 1, size, size)).shape[-1]
    j = data.draw(st.integers(0, o - 1))
    mask = cv.gradient_support(fn, (1, 1, size, size), (0, 0, j, j))
    rows, cols = cv.input_support(layers, (j, j), (size, size))
    expected = np.zeros((size, size), bool)
    expected[np.ix_(rows, cols)] = True
    np.testing.assert_array_equal(mask[0, 0], expected)
    side = rows[-1] - rows[0] + 1
    assert cv.support_extent(mask) == (side, side)


def test_extent_of_a_support_with_holes():
    mask = np.zeros((1, 1, 7, 7), bool)
    mask[0, 0, ::3, ::3] = True  # 9 cells, bounding box 7 x 7
    assert cv.support_extent(mask) == (7, 7)
    assert mask.sum() == 9
    assert cv.support_extent(np.zeros((3, 3), bool)) == (0, 0)


def test_bad_index_is_refused():
    with pytest.raises(ValueError, match="index"):
        cv.gradient_support(stack([1], [1]), (1, 1, 5, 5), (0, 0, 3, 0))
    with pytest.raises(ValueError, match="input_shape"):
        cv.gradient_support(stack([1], [1]), (1, 1, 0, 5), (0, 0, 0, 0))


def test_torch_flop_counter_macs_counts_conv_macs():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8))
    net.train()
    macs = cv.torch_flop_counter_macs(net, (2, 3, 10, 10))
    assert macs == 2 * 8 * 10 * 10 * 3 * 3 * 3  # out elements x C_in x k x k; BN not priced
    assert net.training  # the mode is restored
    assert cv.torch_flop_counter_macs(lambda x: x @ torch.zeros(4, 5), (3, 4)) == 3 * 4 * 5
    with pytest.raises(ValueError, match="input_shape"):
        cv.torch_flop_counter_macs(net, (1, 3, 0, 4))
    with torch.device("meta"):  # a model with no storage is counted on its own device
        meta = torch.nn.Conv2d(3, 8, 3, padding=1)
    assert cv.torch_flop_counter_macs(meta, (2, 3, 10, 10)) == 2 * 8 * 10 * 10 * 3 * 3 * 3
    # a network built on the meta device (shapes, no storage) is counted on that device
    with torch.device("meta"):
        meta_net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.Linear(10, 4))
    assert (
        cv.torch_flop_counter_macs(meta_net, (2, 3, 10, 10))
        == 2 * 8 * 10 * 10 * 27 + 2 * 8 * 10 * 10 * 4
    )


def _holes(dilations, k=3):
    """Brute force: does a stack of k-tap layers leave holes in one output's 1D support?"""
    cells = {0}
    for d in dilations:
        cells = {c + t * d for c in cells for t in range(k)}
    return len(cells) != max(cells) - min(cells) + 1


def test_hdc_condition_is_sufficient_against_the_exact_support():
    from itertools import product

    for n in (2, 3, 4):
        for rest in product(range(1, 8), repeat=n - 1):
            rates = (1, *rest)
            if cv.hdc_max_gap(rates) <= 3:
                assert not _holes(rates), rates
    assert cv.hdc_max_gap((1, 2, 5)) == 2 and not _holes((1, 2, 5))  # the paper's example
    assert cv.hdc_max_gap((1, 2, 9)) > 3 and _holes((1, 2, 9))  # its counter-example
    assert not _holes((1, 3, 1)) and cv.hdc_max_gap((1, 3, 1)) > 3  # sufficient, not necessary
    # the input_support of convviz.receptive agrees with this brute force
    for rates in [(1, 2, 5), (2, 3), (1, 4), (1, 2, 3)]:
        (cells,) = cv.input_support([cv.Layer(3, dilation=d) for d in rates], 0, 1 + 2 * sum(rates))
        assert (len(cells) != cells[-1] - cells[0] + 1) == _holes(rates)
    with pytest.raises(ValueError, match="dilations"):
        cv.hdc_max_gap((2,))
