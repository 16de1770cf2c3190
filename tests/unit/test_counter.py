"""Tests for convviz.counter: against FlopCounterMode and parameter sums, on tiny networks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convviz import counter
from convviz.counter import Report, count
from convviz.models import (
    ResNeXtBlock,
    ShuffleUnit,
    depthwise_separable_block,
    resize_conv_decoder,
    tiny_mobilenet,
    tiny_resnext,
    tiny_shufflenet,
    upsampling_decoder,
)

SETTINGS = settings(max_examples=25, deadline=None)
CONV_OPS = {"aten.convolution", "aten._convolution"}
MATMUL_OPS = {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm"}


def torch_counts(model: nn.Module, shape) -> dict[str, dict[str, int]]:
    """FlopCounterMode's per-module flop counts, keyed by module path and op name."""
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as c:
        model(torch.zeros(shape))
    return {k: {str(op): n for op, n in v.items()} for k, v in c.get_flop_counts().items()}


def check_against_torch(model: nn.Module, shape) -> Report:
    """Compare totals per category, per-layer counts and the parameter count."""
    report = count(model, shape)
    flops = torch_counts(model, shape)
    total = flops.get("Global", {})
    by_cat = report.macs_by_category()
    assert 2 * (by_cat["conv"] + by_cat["conv_transpose"]) == sum(
        n for op, n in total.items() if op in CONV_OPS
    )
    assert 2 * by_cat["linear"] == sum(n for op, n in total.items() if op in MATMUL_OPS)
    assert set(total) <= CONV_OPS | MATMUL_OPS
    root = type(model).__name__
    names = [r.name for r in report.rows]
    for r in report.rows:
        if r.category in ("conv", "conv_transpose", "linear") and names.count(r.name) == 1:
            key = f"{root}.{r.name}" if r.name else root
            assert 2 * r.macs == sum(flops[key].values()), r.name
    assert report.total_params == sum(p.numel() for p in model.parameters())
    assert report.params_outside_rows == 0
    assert 2 * report.conv_linear_macs == sum(total.values())
    return report


# --------------------------------------------------------------------------- #
# The tiny networks
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("build", "shape"),
    [
        (lambda: tiny_mobilenet(), (2, 3, 32, 32)),
        (lambda: depthwise_separable_block(8, 16, 2), (1, 8, 9, 9)),
        (lambda: tiny_resnext(), (1, 3, 16, 16)),
        (lambda: ResNeXtBlock(16, cardinality=8, group_width=2), (2, 16, 7, 7)),
        (lambda: tiny_shufflenet(groups=2), (1, 3, 32, 32)),
        (lambda: tiny_shufflenet(groups=4), (1, 3, 32, 32)),
        (lambda: ShuffleUnit(12, 12, groups=3), (1, 12, 8, 8)),
        (lambda: upsampling_decoder(), (1, 16, 4, 4)),
        (lambda: upsampling_decoder(kernel_size=3, padding=0), (2, 16, 3, 5)),
        (lambda: resize_conv_decoder(), (1, 16, 4, 4)),
    ],
)
def test_tiny_networks_against_flop_counter(build, shape):
    torch.manual_seed(0)
    report = check_against_torch(build(), shape)
    assert report.total_macs > 0
    assert report.input_shape == shape


def test_model_types_appear_as_rows():
    report = count(tiny_shufflenet(groups=2), (1, 3, 32, 32))
    types = {r.type for r in report.rows}
    assert {"Conv2d", "BatchNorm2d", "ReLU", "ChannelShuffle", "MaxPool2d", "AvgPool2d"} <= types
    assert {"AdaptiveAvgPool2d", "Flatten", "Linear"} <= types
    for r in report.rows:
        if r.type in {"ReLU", "ChannelShuffle", "MaxPool2d", "AvgPool2d", "Flatten"}:
            assert r.macs == 0
    decoder = count(upsampling_decoder(), (1, 16, 4, 4))
    assert decoder.rows[-2].type == "ConvTranspose2d"
    assert decoder.rows[-1].output_shape == (1, 1, 32, 32)


def test_batchnorm_costs_one_mac_per_element():
    bn = nn.BatchNorm2d(4)
    report = count(bn, (2, 4, 5, 3))
    (row,) = report.rows
    assert (row.category, row.macs, row.params) == ("norm", 2 * 4 * 5 * 3, 8)
    assert count(nn.BatchNorm2d(4, affine=False), (2, 4, 5, 3)).total_params == 0


def test_the_article_example_as_a_model():
    std = count(nn.Conv2d(3, 128, 3, bias=False), (1, 3, 7, 7))
    sep = count(nn.Sequential(nn.Conv2d(3, 3, 3, groups=3, bias=False),
                              nn.Conv2d(3, 128, 1, bias=False)), (1, 3, 7, 7))  # fmt: skip
    assert (std.total_macs, sep.total_macs) == (86400, 675 + 9600)
    assert [r.macs for r in sep.rows] == [675, 9600]


# --------------------------------------------------------------------------- #
# Random convolution layers of every dimension and option
# --------------------------------------------------------------------------- #


@st.composite
def conv_layers(draw):
    dims = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    g = draw(st.integers(1, 3))
    c_in, c_out = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    bias = draw(st.booleans())
    size = tuple(draw(st.integers(5, 7)) for _ in range(dims))
    shape = (draw(st.integers(1, 2)), c_in, *size)
    if transposed:
        s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
        p = tuple(draw(st.integers(0, 1)) for _ in range(dims))
        a = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
        cls = [nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d][dims - 1]
        layer = cls(c_in, c_out, k, s, p, a, g, bias, d)
    else:
        same = draw(st.booleans())
        s = (1,) * dims if same else tuple(draw(st.integers(1, 3)) for _ in range(dims))
        p = "same" if same else tuple(draw(st.integers(0, 1)) for _ in range(dims))
        assume(not same or all(ki % 2 for ki in k))  # even 'same' kernels make torch warn
        mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
        cls = [nn.Conv1d, nn.Conv2d, nn.Conv3d][dims - 1]
        layer = cls(c_in, c_out, k, s, p, d, g, bias, padding_mode=mode)
    return layer, shape


@SETTINGS
@given(conv_layers())
def test_random_conv_layers_against_flop_counter(setting):
    layer, shape = setting
    model = nn.Sequential(layer, nn.ReLU())
    report = check_against_torch(model, shape)
    with torch.no_grad():
        out = model(torch.zeros(shape))
    assert report.rows[0].output_shape == tuple(out.shape)
    assert report.rows[0].params == sum(p.numel() for p in layer.parameters())


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.booleans())
def test_linear_on_sequences(batch, length, features, bias):
    model = nn.Sequential(nn.Linear(features, 3, bias=bias), nn.GELU(), nn.Linear(3, 2))
    report = check_against_torch(model, (batch, length, features))
    assert report.rows[0].macs == batch * length * features * 3


# --------------------------------------------------------------------------- #
# Bookkeeping
# --------------------------------------------------------------------------- #


class Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.unused = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.conv(x))


def test_shared_module_counts_macs_per_call_and_params_once():
    model = Shared()
    report = count(model, (1, 2, 4, 4))
    assert [r.name for r in report.rows] == ["conv", "conv"]
    assert report.rows[0].macs == report.rows[1].macs == 16 * 2 * 2 * 9
    assert [r.params for r in report.rows] == [2 * 2 * 9 + 2, 0]
    assert report.total_params == sum(p.numel() for p in model.parameters())
    assert report.params_outside_rows == 12  # the unused Linear(3, 3)


class Odd(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bil = nn.Bilinear(2, 2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bil(x, x)


def test_unknown_layers_raise_naming_the_type():
    with pytest.raises(TypeError, match=r"'bil' of type torch\.nn\.modules\.linear\.Bilinear"):
        count(Odd(), (1, 2))


class Swish(nn.Module):  # a custom leaf: no rule, even if it costs nothing
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


def test_custom_leaf_raises():
    model = nn.Sequential(nn.Conv2d(1, 1, 1), Swish())
    with pytest.raises(TypeError, match=r"'1' of type .*Swish"):
        count(model, (1, 1, 2, 2))


class FunctionalConv(nn.Module):
    """A block that owns a weight and convolves with F.conv2d: hooks cannot price it."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2, 2, 3, 3))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(torch.nn.functional.conv2d(x, self.weight, padding=1))


class MatmulInForward(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) @ self.lin.weight


@pytest.mark.parametrize(
    ("model", "shape", "where"),
    [
        (nn.Sequential(nn.Identity(), FunctionalConv()), (1, 2, 4, 4), r"'1' \(FunctionalConv\)"),
        (MatmulInForward(), (2, 3), r"the model \(MatmulInForward\)"),
    ],
)
def test_costly_operations_outside_layers_raise(model, shape, where):
    # FlopCounterMode sees these operations; a hook-based count would silently miss them.
    assert torch_counts(model, shape)["Global"]
    with pytest.raises(TypeError, match=where) as caught:
        count(model, shape)
    assert "1 such call in all" in str(caught.value)  # one stray call, named in the singular


# --------------------------------------------------------------------------- #
# Every way of calling and reusing a layer counts as FlopCounterMode does
# --------------------------------------------------------------------------- #


class KeywordCall(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(input=x)


def test_keyword_call_issue_15():
    # The issue's case: a 1x1 Conv2d called as self.conv(input=x) on (1, 1, 2, 2): 4 MACs.
    report = count(KeywordCall(), (1, 1, 2, 2))
    assert (
        report.total_macs
        == 4
        == torch_counts(KeywordCall(), (1, 1, 2, 2))["Global"]["aten.convolution"] // 2
    )
    assert [(r.name, r.macs, r.params) for r in report.rows] == [("conv", 4, 2)]


class Parent(nn.Module):
    def __init__(self, shared: nn.Module) -> None:
        super().__init__()
        self.shared = shared

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shared(x)


class Reuse(nn.Module):
    """One Linear shared by two parents, also called twice directly, by keyword and positionally."""

    def __init__(self) -> None:
        super().__init__()
        lin = nn.Linear(4, 4)
        self.a, self.b = Parent(lin), Parent(lin)
        self.lin = lin
        self.norm = nn.LayerNorm(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.b(self.a(x))
        y = self.lin(input=y)
        return self.norm(self.lin(y))


def test_shared_and_repeated_calls_against_flop_counter():
    model = Reuse()
    report = check_against_torch(model, (3, 4))
    # four calls of the same Linear, 3 x 4 x 4 MACs each; its 20 parameters once
    linear = [r for r in report.rows if r.type == "Linear"]
    assert [r.macs for r in linear] == [48] * 4
    assert [r.params for r in linear] == [20, 0, 0, 0]
    assert report.total_params == 20 + 8
    assert report.total_macs == 4 * 48 + 12


@SETTINGS
@given(
    st.integers(1, 3),
    st.sampled_from([1, 3]),  # odd: padding k // 2 keeps the 5x5 size
    st.sampled_from(["positional", "keyword"]),
    st.integers(1, 3),
    st.booleans(),
)
def test_random_call_patterns_against_flop_counter(c, k, style, calls, shared):
    conv = nn.Conv2d(c, c, k, padding=k // 2)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first = Parent(conv) if shared else conv
            self.again = conv

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.first(x)
            for _ in range(calls):
                x = self.again(input=x) if style == "keyword" else self.again(x)
            return x

    model = Net()
    report = check_against_torch(model, (1, c, 5, 5))
    assert len(report.rows) == calls + 1
    assert report.total_macs == (calls + 1) * 25 * c * c * k * k
    assert sum(r.params for r in report.rows) == c * c * k * k + c


def test_meta_device_model():
    with torch.device("meta"):
        model = tiny_mobilenet()
    report = count(model, (1, 3, 32, 32))
    assert report.total_macs == count(tiny_mobilenet(), (1, 3, 32, 32)).total_macs


def test_training_mode_is_restored_and_hooks_removed():
    model = tiny_mobilenet()
    model.train()
    model[1].eval()
    count(model, (1, 3, 16, 16))
    assert model.training and not model[1].training
    assert all(not m._forward_hooks for m in model.modules())


def test_markdown_and_html_tables():
    report = count(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), (1, 3, 5, 5))
    md = report.to_markdown()
    lines = md.splitlines()
    assert lines[0] == "| layer | type | output shape | params | MACs |"
    assert len(lines) == 2 + 2 + 1
    assert "| 0 | Conv2d | 1x4x3x3 | 112 | 972 |" in md  # 4*3*9+4 params, 9*4*27 MACs
    assert lines[-1].count("**") == 6
    assert str(report) == md
    page = report._repr_html_()
    assert page.startswith("<table") and page.count("<tr>") == 4 and "Conv2d" in page


@pytest.mark.parametrize(
    ("args", "exc"),
    [
        ((object(), (1, 3)), TypeError),
        ((nn.ReLU(), "1x3"), TypeError),
        ((nn.ReLU(), (1, 0)), ValueError),
    ],
)
def test_bad_arguments(args, exc):
    with pytest.raises(exc, match=r"model|input_shape"):
        count(*args)


def test_counter_does_not_import_torch_at_module_level():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(counter))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    modules = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module for n in top if isinstance(n, ast.ImportFrom)]
    assert all(m.split(".")[0] != "torch" for m in modules), modules


def test_every_public_function_has_a_numpy_docstring():
    from convviz import models

    for module in (counter, models):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                doc = obj.__doc__ or ""
                assert "Returns" in doc or "Attributes" in doc or "Parameters" in doc, name
