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


# --------------------------------------------------------------------------- #
# Whole PyTorch models: the closed form against torch input gradients
# --------------------------------------------------------------------------- #


def _positive_twin(net):
    """Same geometry, no cancellation: max pools become average pools (the gradient of a max
    reaches one input per window), LRN goes, every weight is positive, biases zero; float64."""
    from torch import nn

    def swap(module):
        for name, child in module.named_children():
            if isinstance(child, nn.MaxPool2d):
                setattr(module, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
            elif isinstance(child, nn.LocalResponseNorm):
                setattr(module, name, nn.Identity())
            else:
                swap(child)

    swap(net)
    net = net.double().eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                m.weight.fill_(1.0 / m.weight[0].numel())
                if m.bias is not None:
                    m.bias.zero_()
    return net


def gradient_support(trunk, size):
    """Rows and columns of the input that d out[centre] / d input reaches (torch autograd)."""
    x = torch.full((1, 3, size, size), 1e-3, dtype=torch.float64, requires_grad=True)
    y = trunk(x)
    u = (y.shape[-1] - 1) // 2
    y[0, :, u, u].sum().backward()
    g = x.grad[0].abs().sum(0)
    rows = torch.nonzero(g.sum(1)).flatten().tolist()
    cols = torch.nonzero(g.sum(0)).flatten().tolist()
    return u, rows, cols


def _trunks():
    from torch import nn

    from convviz import models

    def resnet_trunk(net):
        return nn.Sequential(*list(net.children())[:8])  # conv1 ... layer4

    return {
        "AlexNet": (lambda: models.alexnet().features, 288),
        "ResNet-18 (width 4)": (lambda: resnet_trunk(models.resnet18(width=4)), 480),
        "ResNet-50 (width 4)": (lambda: resnet_trunk(models.resnet50(width=4)), 544),
        "ResNet-50 (width 4, 3x3)": (
            lambda: resnet_trunk(models.resnet50(width=4, stride_on="3x3")),
            480,
        ),
        "MobileNet v1 (0.25)": (lambda: models.mobilenet_v1(width_multiplier=0.25).features, 352),
        "MobileNet v2 (0.25)": (lambda: models.mobilenet_v2(width_multiplier=0.25).features, 544),
    }


@pytest.mark.parametrize("name", list(_trunks()))
def test_model_receptive_field_against_torch_gradients(name):
    build, size = _trunks()[name]
    torch.manual_seed(0)
    trunk = build()
    rf = receptive_field(trunk)
    u, rows, cols = gradient_support(_positive_twin(trunk), size)
    start = u * rf.stride[0] - rf.padding[0]
    end = start + rf.size[0] - 1
    assert 0 <= start and end < size  # the whole field lies inside the input
    expected = list(range(start, end + 1))  # and is reached without holes
    assert rows == expected and cols == expected


def test_model_receptive_field_matches_layer_list():
    from torch import nn

    net = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2, 2, (3, 5), stride=2, padding=(0, 2), dilation=(2, 1)),
        nn.AvgPool2d(3, 1, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
    )
    layers = [Layer(3, 1, 1), Layer(2, 2), Layer((3, 5), 2, (0, 2), (2, 1)), Layer(3, 1, 1)]
    assert receptive_field(net) == receptive_field(layers, ndim=2)
    same = nn.Conv1d(1, 1, 4, padding="same", dilation=3)  # pads 3 * 3 // 2 = 4 before
    assert receptive_field(same) == ((10,), (1,), (4,))


def test_residual_paths_take_the_largest_aligned_field():
    from torch import nn

    class Block(nn.Module):
        def __init__(self, shortcut):
            super().__init__()
            self.main = nn.Sequential(nn.Conv2d(1, 1, 3, 2, 1), nn.Conv2d(1, 1, 5, padding=2))
            self.shortcut = shortcut

        def forward(self, x):
            return torch.relu(self.main(x) + self.shortcut(x))

    # main path: r = 3 + 4 * 2 = 11, S = 2, P = 1 + 2 * 2 = 5; shortcut 1x1 stride 2: r = 1, P = 0
    # (centres (11 - 1) / 2 - 5 = 0 and 0: aligned)
    assert receptive_field(Block(nn.Conv2d(1, 1, 1, 2))) == ((11, 11), (2, 2), (5, 5))
    with pytest.raises(ValueError, match="not aligned"):  # 2x2 stride 2: centred half a cell off
        receptive_field(Block(nn.Conv2d(1, 1, 2, 2)))
    with pytest.raises(ValueError, match="effective strides"):
        receptive_field(Block(nn.Identity()))


def test_model_errors_name_the_layer():
    from torch import nn

    with pytest.raises(TypeError, match=r"'1' of type ConvTranspose2d"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ConvTranspose2d(1, 1, 3)))

    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(TypeError, match="could not trace Branchy"):
        receptive_field(Branchy(), ndim=2)
    with pytest.raises(ValueError, match="no convolution or pooling"):
        receptive_field(nn.Sequential(nn.ReLU()))


@settings(max_examples=50, deadline=None)
@given(stacks())
def test_sequential_model_equals_its_layer_list(case):
    from torch import nn

    layers, pool, _shape, _index = case
    modules = []
    for layer, is_pool in zip(layers, pool, strict=True):
        k, s, p, d = zip(*layer.axis(2), strict=True)
        if is_pool:
            modules.append(nn.AvgPool2d(k, s, p) if sum(k) % 2 else nn.MaxPool2d(k, s, p))
        else:
            modules.append(nn.Conv2d(1, 1, k, s, p, d))
        modules.append(nn.ReLU())
    model = nn.Sequential(*modules, nn.AdaptiveAvgPool2d(1), nn.Flatten())
    assert receptive_field(model) == receptive_field(layers, ndim=2)


@pytest.mark.parametrize("layers", ["conv", 3, None])
def test_not_a_stack_names_layers(layers):
    # a string used to be iterated character by character, an int to fail inside len()
    with pytest.raises(TypeError, match=r"layers must be a sequence of Layer objects .*layers="):
        receptive_field(layers)
    with pytest.raises(TypeError, match="layers must be a sequence"):
        input_interval(layers, 0)
