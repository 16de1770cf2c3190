"""cv.layer_costs: each convolution type split into its layers, priced, and checked
layer by layer against torch's FlopCounterMode on the same nn.Conv2d layers."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv
from convviz.cost import LAYER_KINDS, layer_costs


def torch_layers(kind, c_in, c_out, k, p, g, bias):
    """The layers of each type, written here from the papers' descriptions."""
    conv = lambda a, b, kk, pp=0, gg=1: nn.Conv2d(a, b, kk, padding=pp, groups=gg, bias=bias)  # noqa: E731
    return {
        "standard": [conv(c_in, c_out, k, p)],
        "grouped": [conv(c_in, c_out, k, p, g)],
        "depthwise": [conv(c_in, c_in, k, p, c_in)],
        "pointwise": [conv(c_in, c_out, 1)],
        "pointwise_grouped": [conv(c_in, c_out, 1, 0, g)],
        "depthwise_separable": [conv(c_in, c_in, k, p, c_in), conv(c_in, c_out, 1)],
        "spatially_separable": [
            conv(c_in, c_out, (k, 1), (p, 0)),
            conv(c_out, c_out, (1, k), (0, p)),
        ],
        "flattened": [
            conv(c_in, c_out, 1),
            conv(c_out, c_out, (k, 1), (p, 0), c_out),
            conv(c_out, c_out, (1, k), (0, p), c_out),
        ],
    }[kind]


def flops_and_shape(layer: nn.Module, x: torch.Tensor) -> tuple[int, torch.Tensor]:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        y = layer(x)
    return int(counter.get_total_flops()), y


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(LAYER_KINDS),
    st.sampled_from([2, 4, 6]),
    st.sampled_from([2, 4, 8]),
    st.integers(1, 4),
    st.integers(0, 2),
    st.integers(4, 7),
    st.integers(3, 6),
    st.booleans(),
)
def test_every_layer_against_torch(kind, c_in, c_out, k, p, h, w, bias):
    assume(k <= min(h, w) + 2 * p)  # every window fits
    g = 2 if kind in ("grouped", "pointwise_grouped") else 1
    shape = (1, c_in, h, w)
    priced = layer_costs(kind, shape, c_out, k, padding=p, groups=g, bias=bias)
    layers = torch_layers(kind, c_in, c_out, k, p, g, bias)
    assert len(priced) == len(layers)
    x = torch.zeros(shape)
    for (name, c), layer in zip(priced, layers, strict=True):
        flops, x = flops_and_shape(layer, x)
        assert c.flops == flops, name
        assert c.params == sum(q.numel() for q in layer.parameters()), name
        assert c.output_shape == tuple(x.shape), name


def test_names_and_the_sum_of_the_parts():
    shape = (1, 32, 8, 8)
    names = {kind: [n for n, _c in layer_costs(kind, shape, 64, 3, 1)] for kind in LAYER_KINDS}
    assert names["depthwise_separable"] == ["depthwise", "pointwise"]
    assert names["flattened"] == ["pointwise 1×1", "vertical 3×1", "horizontal 1×3"]
    assert names["spatially_separable"] == ["3×1", "1×3"]
    # MobileNets: H W C_in (k^2 + C_out) multiply-adds for a depthwise separable layer
    parts = layer_costs("depthwise_separable", shape, 64, 3, 1, bias=False)
    assert sum(c.macs for _n, c in parts) == 8 * 8 * 32 * (9 + 64)
    assert sum(c.params for _n, c in parts) == 32 * 9 + 32 * 64
    # the parts add up to the one-call prices of the same types
    whole = {
        "depthwise_separable": cv.depthwise_separable_cost(shape, 64, 3, padding=1),
        "spatially_separable": cv.spatially_separable_cost(shape, 64, 3, padding=1),
        "flattened": cv.flattened_cost(shape, 64, 3, padding=1),
    }
    for kind, cost in whole.items():
        first, *rest = [c for _n, c in layer_costs(kind, shape, 64, 3, padding=1)]
        total = first
        for c in rest:  # run in order: the sums, and the last layer's output shape
            total = total + c
        assert (total.macs, total.params, total.output_shape) == (
            cost.macs,
            cost.params,
            cost.output_shape,
        ), kind


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"kind": "transposed"}, ValueError, "kind"),
        ({"kind": 3}, TypeError, "kind"),
        ({"input_shape": (1, 4, 8)}, ValueError, "input_shape"),
        ({"groups": 2}, ValueError, "groups=2"),
        ({"kind": "grouped", "groups": 3}, ValueError, "groups=3"),
        ({"kernel_size": 0}, ValueError, "kernel_size=0"),
        ({"padding": -1}, ValueError, "padding=-1"),
        ({"out_channels": 2.0}, TypeError, "out_channels"),
        ({"kernel_size": 11}, ValueError, "kernel_size"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, words):
    args = {"kind": "standard", "input_shape": (1, 4, 8, 8), "out_channels": 4, "kernel_size": 3}
    with pytest.raises(error, match=words):
        cv.layer_costs(**{**args, **kwargs})
