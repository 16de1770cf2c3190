"""conv_memory and friends against torch tensors' byte sizes and FlopCounterMode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv

TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16}


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 2),
    groups=st.integers(1, 3),
    c_in_per=st.integers(1, 3),
    c_out_per=st.integers(1, 3),
    size=st.integers(3, 9),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 2),
    bias=st.booleans(),
    dtype=st.sampled_from(["float32", "float64", "float16"]),
)
def test_matches_torch(n, groups, c_in_per, c_out_per, size, k, stride, padding, bias, dtype):
    c_in, c_out = groups * c_in_per, groups * c_out_per
    tdtype = TORCH_DTYPES[dtype]
    layer = torch.nn.Conv2d(c_in, c_out, k, stride, padding, groups=groups, bias=bias).to(tdtype)
    x = torch.zeros(n, c_in, size, size, dtype=tdtype)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = (
            layer(x)
            if dtype != "float16"
            else torch.nn.functional.conv2d(
                x.float(), layer.weight.float(), None, stride, padding, 1, groups
            ).to(tdtype)
        )
    m = cv.conv_memory((n, c_in, size, size), c_out, k, stride, padding, 1, groups, bias, dtype)
    assert m.input_bytes == x.numel() * x.element_size()
    assert m.output_bytes == y.numel() * y.element_size()
    assert m.weight_bytes == sum(p.numel() * p.element_size() for p in layer.parameters())
    assert 2 * m.macs == counter.get_total_flops()
    assert m.activation_bytes == m.input_bytes + m.output_bytes
    assert m.bytes_moved == m.activation_bytes + m.weight_bytes
    assert m.intensity == m.macs / m.bytes_moved
    assert cv.activation_bytes(tuple(x.shape), tuple(y.shape), dtype) == m.activation_bytes
    assert cv.weight_bytes(tuple(layer.weight.shape), bias, dtype) == m.weight_bytes


def test_depthwise_has_low_intensity():
    std = cv.conv_memory((1, 64, 56, 56), 64, 3, padding=1, bias=False)
    dw = cv.conv_memory((1, 64, 56, 56), 64, 3, padding=1, groups=64, bias=False)
    pw = cv.conv_memory((1, 64, 56, 56), 64, 1, bias=False)
    # by hand: 56*56*64*9 MACs over 4 * (2 * 64*56*56 + 64*9) bytes
    assert np.isclose(dw.intensity, 56 * 56 * 64 * 9 / (4 * (2 * 64 * 56 * 56 + 576)))
    assert dw.intensity < pw.intensity < std.intensity


@pytest.mark.parametrize(
    ("fn", "args", "error", "word"),
    [
        (cv.arithmetic_intensity, (10, 0), ValueError, "bytes_moved"),
        (cv.arithmetic_intensity, (-1, 4), ValueError, "macs"),
        (cv.activation_bytes, ((1, -2), (1,)), ValueError, "input_shape"),
        (cv.activation_bytes, (5, (1,)), TypeError, "input_shape"),
        (cv.weight_bytes, ((), True), ValueError, "weight_shape"),
        (cv.weight_bytes, ((4, 1, 3, 3), 1), TypeError, "bias"),
        (cv.itemsize, ("float99",), TypeError, "dtype"),
    ],
)
def test_errors_name_the_argument(fn, args, error, word):
    with pytest.raises(error, match=word):
        fn(*args)


def test_shape_errors_show_the_whole_shape():
    with pytest.raises(
        ValueError, match=r"input_shape must hold ints >= 0, got input_shape=\(1, -2\)"
    ):
        cv.activation_bytes((1, -2), (1,))
    with pytest.raises(TypeError, match=r"output_shape=\(3, 2.5\)"):
        cv.activation_bytes((1,), (3, 2.5))
