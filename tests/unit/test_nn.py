"""convviz.nn layers, loss and optimisers against the same network in torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz import nn


def f64(rng):
    return dict(rng=rng, dtype=np.float64)


def check_layer(layer, x, rng):
    """Forward and backward of ``layer`` (as a one-layer Sequential) against torch."""
    net = nn.Sequential(layer)
    twin = net.to_torch()
    xt = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        # torch warns (once per process) that an even kernel with padding='same' pads a copy
        warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)
        yt = twin(xt)
    y = net.forward(x)
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-12)
    gy = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(net.backward(gy), xt.grad.numpy(), atol=1e-12)
    for name in layer.params:
        want = getattr(twin[0], name).grad.numpy()
        np.testing.assert_allclose(layer.grads[name], want, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    groups=st.integers(1, 3),
    c_g=st.integers(1, 3),
    o_g=st.integers(1, 3),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.sampled_from([0, 1, 2, "same", "valid"]),
    dilation=st.integers(1, 2),
    bias=st.booleans(),
    seed=st.integers(0, 999),
)
def test_conv2d_layer(groups, c_g, o_g, k, stride, padding, dilation, bias, seed):
    if padding == "same":
        stride = 1
    rng = np.random.default_rng(seed)
    layer = nn.Conv2d(
        c_g * groups, o_g * groups, k, stride, padding, dilation, groups, bias, **f64(rng)
    )
    check_layer(layer, rng.standard_normal((2, c_g * groups, 7, 6)), rng)


@pytest.mark.parametrize(
    "layer",
    [
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.MaxPool2d(3, 2),
        nn.MaxPool2d((2, 3), (1, 2)),
        nn.AvgPool2d(2),
        nn.AvgPool2d(3, 2),
        nn.ChannelShuffle(3),
        nn.Flatten(),
    ],
    ids=repr,
)
def test_parameter_free_layers(layer):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 7, 8))
    x[0, 0, :2, :2] = 0.0  # ties in a max-pooling window: torch sends the gradient to the first
    check_layer(layer, x, rng)


def test_linear_layer():
    rng = np.random.default_rng(1)
    check_layer(nn.Linear(5, 3, **f64(rng)), rng.standard_normal((4, 5)), rng)
    check_layer(nn.Linear(5, 3, bias=False, **f64(rng)), rng.standard_normal((4, 5)), rng)


def test_cross_entropy():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((6, 4)) * 30  # large: the shift by the maximum matters
    labels = rng.integers(0, 4, 6)
    lt = torch.tensor(logits, requires_grad=True)
    want = F.cross_entropy(lt, torch.tensor(labels))
    want.backward()
    loss, g = nn.cross_entropy(logits, labels)
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(g, lt.grad.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="labels"):
        nn.cross_entropy(logits, labels[:3])
    with pytest.raises(ValueError, match="labels"):
        nn.cross_entropy(logits, labels + 4)


def small_cnn(rng):
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, **f64(rng)),
        nn.ReLU(),
        nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=3, **f64(rng)),
        nn.ChannelShuffle(3),
        nn.ReLU(),
        nn.Conv2d(6, 8, 3, padding=2, dilation=2, **f64(rng)),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AvgPool2d(1),
        nn.Flatten(),
        nn.Linear(32, 10, **f64(rng)),
    )


def test_whole_network_against_torch_both_ways():
    rng = np.random.default_rng(3)
    net = small_cnn(rng)
    twin = net.to_torch()
    x = rng.standard_normal((5, 1, 8, 8))
    labels = rng.integers(0, 10, 5)

    def compare():
        xt = torch.tensor(x, requires_grad=True)
        twin.zero_grad()
        loss_t = F.cross_entropy(twin(xt), torch.tensor(labels))
        loss_t.backward()
        loss, g = nn.cross_entropy(net.forward(x), labels)
        assert loss == pytest.approx(loss_t.item(), rel=1e-12)
        np.testing.assert_allclose(net.backward(g), xt.grad.numpy(), atol=1e-12)
        for (layer, name), (_, p) in zip(net.parameters(), twin.named_parameters(), strict=True):
            np.testing.assert_allclose(layer.grads[name], p.grad.numpy(), atol=1e-12)

    compare()
    # without the input's gradient: the same parameter gradients, None for the input
    grads = {(id(layer), name): layer.grads[name].copy() for layer, name in net.parameters()}
    assert net.backward(nn.cross_entropy(net.forward(x), labels)[1], input_grad=False) is None
    for layer, name in net.parameters():
        np.testing.assert_array_equal(layer.grads[name], grads[id(layer), name])
    with torch.no_grad():  # torch -> convviz
        for p in twin.parameters():
            p.mul_(-1.5).add_(0.1)
    net.load_torch(twin)
    compare()
    assert net.num_parameters() == sum(p.numel() for p in twin.parameters())


def test_finite_differences():
    """The gradient of the loss against central differences, a few weights."""
    rng = np.random.default_rng(4)
    net = small_cnn(rng)
    x, labels = rng.standard_normal((3, 1, 8, 8)), rng.integers(0, 10, 3)
    _, g = nn.cross_entropy(net.forward(x), labels)
    net.backward(g)
    for layer, name in list(net.parameters())[::2]:
        p = layer.params[name]
        index = tuple(rng.integers(0, s) for s in p.shape)
        old = p[index]
        p[index] = old + 1e-6
        up = nn.cross_entropy(net.forward(x), labels)[0]
        p[index] = old - 1e-6
        down = nn.cross_entropy(net.forward(x), labels)[0]
        p[index] = old
        assert layer.grads[name][index] == pytest.approx((up - down) / 2e-6, abs=1e-7)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda m: nn.SGD(m, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda m: nn.SGD(m, lr=0.05, momentum=0.9, weight_decay=1e-3),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
        ),
        (lambda m: nn.Adam(m, lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2)),
    ],
)
def test_optimisers_match_torch(ours, theirs):
    rng = np.random.default_rng(5)
    net = small_cnn(rng)
    twin = net.to_torch()
    opt, opt_t = ours(net), theirs(twin.parameters())
    for _ in range(4):
        x, labels = rng.standard_normal((4, 1, 8, 8)), rng.integers(0, 10, 4)
        _, g = nn.cross_entropy(net.forward(x), labels)
        net.backward(g)
        opt.step()
        opt_t.zero_grad()
        F.cross_entropy(twin(torch.tensor(x)), torch.tensor(labels)).backward()
        opt_t.step()
    for (layer, name), (_, p) in zip(net.parameters(), twin.named_parameters(), strict=True):
        np.testing.assert_allclose(layer.params[name], p.detach().numpy(), atol=1e-10)


def test_bad_arguments():
    with pytest.raises(ValueError, match="groups=2"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(TypeError, match="in_channels"):
        nn.Conv2d(1.5, 4, 3)
    with pytest.raises(ValueError, match="out_channels=0"):
        nn.Conv2d(3, 0, 3)
    with pytest.raises(TypeError, match="out_features"):
        nn.Linear(3, "4")
    with pytest.raises(ValueError, match="kernel_size"):
        nn.MaxPool2d(3).forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="to_torch"):
        nn.Sequential(nn.Layer()).to_torch()
