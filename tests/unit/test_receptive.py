"""Receptive fields: the closed form against torch autograd on random stacks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from convviz.receptive import (
    Layer,
    input_interval,
    input_support,
    receptive_field,
    receptive_field_loop,
)
from convviz.shapes import conv_output_shape, is_valid_conv


def torch_support(layers, pool, input_shape, index):
    """Input cells with a nonzero gradient for one output cell of a torch stack.

    Every kernel is all ones (and the input positive), so no contribution cancels.
    ``pool[l]`` makes layer ``l`` an average pooling instead of a convolution.
    """
    x = torch.ones(1, 1, *input_shape, dtype=torch.float64, requires_grad=True)
    h = x
    for layer, is_pool in zip(layers, pool, strict=True):
        k, s, p, d = zip(*layer.axis(len(input_shape)), strict=True)
        if is_pool:
            h = F.avg_pool2d(h, k, s, p)
        else:
            w = torch.ones(1, 1, *k, dtype=torch.float64)
            h = F.conv2d(h, w, stride=s, padding=p, dilation=d)
    h[(0, 0, *index)].backward()
    return x.grad[0, 0].numpy() != 0


def per_axis(values):
    return st.tuples(values, values)


@st.composite
def stacks(draw):
    n_layers = draw(st.integers(1, 3))
    layers, pool = [], []
    for _ in range(n_layers):
        k = draw(per_axis(st.integers(1, 3)))
        s = draw(per_axis(st.integers(1, 2)))
        p = draw(per_axis(st.integers(0, 2)))
        d = draw(per_axis(st.integers(1, 3)))
        layers.append(Layer(k, s, p, d))
        # torch pools only without dilation and with padding at most half the kernel.
        poolable = d == (1, 1) and all(pi <= ki // 2 for pi, ki in zip(p, k, strict=True))
        pool.append(poolable and draw(st.booleans()))
    rf = receptive_field(layers)
    input_shape = tuple(draw(st.integers(1, r + 6)) for r in rf.size)
    shape = input_shape
    for layer in layers:
        assume(is_valid_conv(shape, layer.kernel_size, layer.stride, layer.padding, layer.dilation))
        shape = conv_output_shape(shape, layer.kernel_size, layer.stride, layer.padding,
                                  layer.dilation)  # fmt: skip
    index = tuple(draw(st.integers(0, o - 1)) for o in shape)
    return layers, pool, input_shape, index


def no_holes(layers, ax):
    """Each layer's taps, spaced d_l S_{l-1} apart, overlap the blocks below them."""
    r, jump = 1, 1
    for layer in layers:
        k, s, _, d = layer.axis(2)[ax]
        if k > 1 and d * jump > r:
            return False
        r += d * (k - 1) * jump
        jump *= s
    return True


@settings(max_examples=150, deadline=None)
@given(stacks())
def test_receptive_field_against_torch_gradients(case):
    layers, pool, input_shape, index = case
    seen = torch_support(layers, pool, input_shape, index)
    # Exact set (holes and borders included): product of the per-axis supports.
    rows, cols = input_support(layers, index, input_shape)
    expected = np.zeros(input_shape, dtype=bool)
    expected[np.ix_(rows, cols)] = True
    assert np.array_equal(seen, expected)
    # The closed-form interval, clipped to the input, bounds what torch sees.
    where = np.nonzero(seen)
    clipped = input_interval(layers, index, input_shape)
    full = input_interval(layers, index)
    inside = all(0 <= a and b < n for (a, b), n in zip(full, input_shape, strict=True))
    if not seen.any():  # an output cell can read nothing but padding
        assert not inside
        return
    for ax in range(2):
        lo, hi = clipped[ax]
        assert lo <= where[ax].min() and where[ax].max() <= hi
        start, end = full[ax]
        if 0 <= start and end < input_shape[ax]:
            # Away from the borders it is exact: first and last cell are reached...
            assert (where[ax].min(), where[ax].max()) == (start, end)
            # ...and without holes every cell between them too.
            event("interior axis")
            if no_holes(layers, ax):
                event("interior axis without holes")
                assert np.array_equal(np.unique(where[ax]), np.arange(start, end + 1))


@settings(max_examples=150, deadline=None)
@given(stacks())
def test_closed_form_equals_recursion(case):
    layers = case[0]
    assert receptive_field(layers) == receptive_field_loop(layers)


def test_hand_derived_border_effect():
    # Input 0..4, layer 1: k=2, s=2 -> cells covering {0,1} and {2,3}; input 4 is dropped.
    # Layer 2: k=3, p=1; output 1 reads layer-1 cells 0, 1 and 2 (padding).
    layers = [Layer(2, 2), Layer(3, padding=1)]
    # r = 1 + (2-1)*1 + (3-1)*2 = 6, S = 2, P = 0 + 1*2 = 2: output 1 -> [0, 5].
    assert receptive_field(layers) == ((6,), (2,), (2,))
    assert input_interval(layers, 1) == ((0, 5),)
    assert input_interval(layers, 1, 5) == ((0, 4),)
    # Cell 4 is inside the clipped interval but never reached.
    assert input_support(layers, 1, 5)[0].tolist() == [0, 1, 2, 3]
    seen = torch_support(
        [Layer((1, 2), (1, 2)), Layer((1, 3), padding=(0, 1))], [False] * 2, (1, 5), (0, 1)
    )
    assert np.nonzero(seen[0])[0].tolist() == [0, 1, 2, 3]


def brute_force_extent(layers, size=41):
    """Width (first to last) and count of input cells a central output cell sees (torch)."""
    shape = (size, size)
    for layer in layers:
        shape = conv_output_shape(shape, layer.kernel_size, layer.stride, layer.padding,
                                  layer.dilation)  # fmt: skip
    centre = (shape[0] // 2, shape[1] // 2)
    seen = torch_support(layers, [False] * len(layers), (size, size), centre)
    rows, cols = np.nonzero(seen)
    assert rows.min() > 0 and rows.max() < size - 1  # away from the borders
    return (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1), int(seen.sum())


def test_article_dilated_stack():
    # Stacked 3x3 layers with dilations 1, 2, 4: 3x3, 7x7, 15x15, every cell covered.
    stack = [Layer(3, dilation=d) for d in (1, 2, 4)]
    for depth, side in zip((1, 2, 3), (3, 7, 15), strict=True):
        assert receptive_field(stack[:depth], ndim=2).size == (side, side)
        assert brute_force_extent(stack[:depth]) == ((side, side), side * side)
    # The 15x15 field belongs to the third layer (l = 3), not the second.
    assert receptive_field(stack[:2], ndim=2).size != (15, 15)


def test_article_single_dilated_kernel():
    # One 3x3 kernel with dilation 1, 2, 4 spans 3, 5, 9 cells but reads only 3 x 3 of them.
    for d, side in zip((1, 2, 4), (3, 5, 9), strict=True):
        assert receptive_field([Layer(3, dilation=d)], ndim=2).size == (side, side)
        assert brute_force_extent([Layer(3, dilation=d)]) == ((side, side), 9)


def test_per_axis_layers():
    layers = [Layer((3, 1), (2, 1)), Layer((3, 5), padding=(1, 2))]
    # Axis 0: r = 1 + 2*1 + 2*2 = 7, S = 2, P = 0 + 1*2 = 2; axis 1: r = 1 + 0 + 4 = 5, P = 2.
    assert receptive_field(layers) == ((7, 5), (2, 1), (2, 2))
    assert input_interval(layers, (3, 4)) == ((4, 10), (2, 6))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: Layer(0), "kernel_size"),
        (lambda: Layer(3, stride=0), "stride"),
        (lambda: Layer((3, 3), stride=(1, 1, 1)), "per-axis"),
        (lambda: receptive_field([Layer((3, 3)), Layer((3, 3, 3))]), "axes"),
        (lambda: receptive_field([]), "layers"),
        (lambda: input_support([Layer(3)], 3, 5), "index"),
        (lambda: input_interval([Layer(3)], -1), "index"),
    ],
)
def test_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
