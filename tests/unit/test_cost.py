"""Tests for convviz.cost: brute-force counts, torch, and the article's numbers."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CONV, CONV_T
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convviz import cost, formulas
from convviz.cost import (
    Cost,
    conv_cost,
    conv_transpose_cost,
    depthwise_cost,
    depthwise_separable_cost,
    flattened_cost,
    grouped_conv_cost,
    pointwise_cost,
    pointwise_grouped_cost,
    spatially_separable_cost,
)
from convviz.formulas import (
    FORMULAS,
    article_separable_ratio,
    depthwise_separable_ratio,
    depthwise_separable_ratio_exact,
    depthwise_separable_ratio_limit,
    grouped_params_ratio,
    separable_ratio,
    separable_ratio_exact,
    separable_ratio_limit,
    spatially_separable_macs_square,
    standard_macs_square,
)

SETTINGS = settings(max_examples=40, deadline=None)


def torch_flops(fn, *args, **kwargs) -> int:
    with FlopCounterMode(display=False) as counter:
        fn(*args, **kwargs)
    return counter.get_total_flops()


# --------------------------------------------------------------------------- #
# Random convolution settings
# --------------------------------------------------------------------------- #


@st.composite
def conv_settings(draw, max_dims: int = 3):
    dims = draw(st.integers(1, max_dims))
    g = draw(st.integers(1, 3))
    c_in = g * draw(st.integers(1, 2))
    c_out = g * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    p = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    size = tuple(
        draw(st.integers(max(1, di * (ki - 1) + 1 - 2 * pi), 6))
        for ki, di, pi in zip(k, d, p, strict=True)
    )
    n = draw(st.integers(1, 2))
    return dict(
        input_shape=(n, c_in, *size), out_channels=c_out, kernel_size=k,
        stride=s, padding=p, dilation=d, groups=g,
    )  # fmt: skip


def brute_force_conv_macs(input_shape, out_channels, kernel_size, stride, padding, dilation,
                          groups, count_padding):  # fmt: skip
    """Enumerate every (batch, out channel, out position, in channel, tap) a conv performs."""
    n, c_in, *size = input_shape
    count = 0
    axes_out = []
    for i, k, s, p, d in zip(size, kernel_size, stride, padding, dilation, strict=True):
        o = 0
        while o * s + d * (k - 1) <= i + 2 * p - 1:  # window fits in the padded input
            o += 1
        axes_out.append(range(o))
    for pos in itertools.product(*axes_out):
        for tap in itertools.product(*(range(k) for k in kernel_size)):
            idx = [
                o * s - p + t * d
                for o, t, s, p, d in zip(pos, tap, stride, padding, dilation, strict=True)
            ]
            if count_padding or all(0 <= j < i for j, i in zip(idx, size, strict=True)):
                count += 1
    return n * out_channels * (c_in // groups) * count


@SETTINGS
@given(conv_settings())
def test_conv_macs_match_a_brute_force_loop(kw):
    for padding_taps in (True, False):
        got = conv_cost(**kw, padding_taps=padding_taps).macs
        assert got == brute_force_conv_macs(**kw, count_padding=padding_taps)


@SETTINGS
@given(conv_settings())
def test_conv_cost_matches_torch(kw):
    dims = len(kw["kernel_size"])
    n, c_in, *size = kw["input_shape"]
    weight = torch.ones(kw["out_channels"], c_in // kw["groups"], *kw["kernel_size"])
    bias = torch.zeros(kw["out_channels"])
    conv_args = dict(stride=kw["stride"], dilation=kw["dilation"], groups=kw["groups"])
    x = torch.ones(n, c_in, *size)
    y = CONV[dims](x, weight, bias, padding=kw["padding"], **conv_args)
    c = conv_cost(**kw)
    assert c.output_shape == tuple(y.shape)
    # ones through a ones kernel: each output sums the taps landing on real input
    assert conv_cost(**kw, padding_taps=False).macs == int(y.sum())
    # pad with ones instead of zeros: now padded taps count as well
    pad = [q for p in reversed(kw["padding"]) for q in (p, p)]
    y_all = CONV[dims](F.pad(x, pad, value=1.0), weight, None, **conv_args)
    assert c.macs == int(y_all.sum())
    assert c.flops == torch_flops(CONV[dims], x, weight, bias, padding=kw["padding"], **conv_args)
    assert c.params == weight.numel() + bias.numel()
    assert c.bias_adds == y.numel()
    assert c.flops_with_bias == c.flops + y.numel()
    assert conv_cost(**kw, bias=False).params == weight.numel()


@SETTINGS
@given(
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(3, 7),
)
def test_same_padding_counts_like_torch(c_in, k, d, c_out, n, size):
    x = torch.ones(n, c_in, size, size)
    w = torch.ones(c_out, c_in, k, k)
    with warnings.catch_warnings():  # torch notes that even kernels need a padded copy
        warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)
        y = F.conv2d(x, w, padding="same", dilation=d)
        flops = torch_flops(F.conv2d, x, w, padding="same", dilation=d)
    c = conv_cost(x.shape, c_out, k, padding="same", dilation=d, bias=False)
    assert c.output_shape == tuple(y.shape) == (n, c_out, size, size)
    assert conv_cost(x.shape, c_out, k, padding="same", dilation=d, padding_taps=False).macs == (
        int(y.sum())
    )
    assert c.flops == flops


@st.composite
def transpose_settings(draw):
    dims = draw(st.integers(1, 3))
    g = draw(st.integers(1, 2))
    c_in = g * draw(st.integers(1, 2))
    c_out = g * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    a = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    size = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    p = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    for i, ki, si, pi, ai, di in zip(size, k, s, p, a, d, strict=True):
        assume((i - 1) * si - 2 * pi + di * (ki - 1) + ai + 1 >= 1)
    return dict(
        input_shape=(draw(st.integers(1, 2)), c_in, *size), out_channels=c_out,
        kernel_size=k, stride=s, padding=p, output_padding=a, groups=g, dilation=d,
    )  # fmt: skip


@SETTINGS
@given(transpose_settings())
def test_conv_transpose_cost_matches_torch(kw):
    dims = len(kw["kernel_size"])
    n, c_in, *size = kw["input_shape"]
    w = torch.ones(c_in, kw["out_channels"] // kw["groups"], *kw["kernel_size"])
    x = torch.ones(n, c_in, *size)
    args = {k: kw[k] for k in ("stride", "padding", "output_padding", "groups", "dilation")}
    y = CONV_T[dims](x, w, None, **args)
    c = conv_transpose_cost(**kw)
    assert c.output_shape == tuple(y.shape)
    assert c.flops == torch_flops(CONV_T[dims], x, w, None, **args)
    # every input element times the whole kernel, with no cropping
    no_crop = {**args, "padding": 0, "output_padding": 0}
    assert c.macs == int(CONV_T[dims](x, w, None, **no_crop).sum())
    assert conv_transpose_cost(**kw, padding_taps=False).macs == int(y.sum())
    assert c.params == w.numel() + kw["out_channels"]


# --------------------------------------------------------------------------- #
# Composite layers against torch modules
# --------------------------------------------------------------------------- #


def module_flops_params(module: nn.Module, shape) -> tuple[int, int, tuple[int, ...]]:
    x = torch.randn(*shape)
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    return counter.get_total_flops(), sum(p.numel() for p in module.parameters()), tuple(y.shape)


@st.composite
def image_settings(draw):
    c_in = draw(st.integers(1, 4))
    c_out = draw(st.integers(1, 4))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(draw(st.integers(5, 8)) for _ in range(2))
    return (1, c_in, *size), c_out, k, s, p, d


@SETTINGS
@given(image_settings(), st.booleans())
def test_spatially_separable_against_torch_modules(setting, bias):
    shape, c_out, k, s, p, d = setting
    net = nn.Sequential(
        nn.Conv2d(shape[1], c_out, (k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), bias=bias),
        nn.Conv2d(c_out, c_out, (1, k[1]), (1, s[1]), (0, p[1]), (1, d[1]), bias=bias),
    )
    flops, params, out = module_flops_params(net, shape)
    c = spatially_separable_cost(shape, c_out, k, s, p, d, bias=bias)
    assert (c.flops, c.params, c.output_shape) == (flops, params, out)
    # same output shape as the standard k_h x k_w convolution
    assert c.output_shape == conv_cost(shape, c_out, k, s, p, d).output_shape


def test_rank_one_kernel_is_reproduced_by_the_two_steps():
    torch.manual_seed(0)
    a, b = torch.randn(3), torch.randn(3)
    x = torch.randn(1, 1, 5, 5)
    full = F.conv2d(x, torch.outer(a, b)[None, None])
    two = F.conv2d(F.conv2d(x, a.view(1, 1, 3, 1)), b.view(1, 1, 1, 3))
    torch.testing.assert_close(two, full)
    assert spatially_separable_cost(x.shape, 1, 3, bias=False).output_shape == tuple(full.shape)


@SETTINGS
@given(image_settings(), st.booleans())
def test_flattened_against_torch_modules(setting, bias):
    shape, c_out, k, s, p, d = setting
    net = nn.Sequential(
        nn.Conv2d(shape[1], c_out, 1, bias=bias),
        nn.Conv2d(c_out, c_out, (k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), c_out, bias=bias),
        nn.Conv2d(c_out, c_out, (1, k[1]), (1, s[1]), (0, p[1]), (1, d[1]), c_out, bias=bias),
    )
    flops, params, out = module_flops_params(net, shape)
    c = flattened_cost(shape, c_out, k, s, p, d, bias=bias)
    assert (c.flops, c.params, c.output_shape) == (flops, params, out)
    if not bias:  # Jin et al.: C_out (C_in + k_h + k_w) weights instead of C_out C_in k_h k_w
        assert c.params == c_out * (shape[1] + k[0] + k[1])


@SETTINGS
@given(image_settings(), st.integers(1, 3), st.booleans())
def test_depthwise_separable_against_torch_modules(setting, mult, bias):
    shape, c_out, k, s, p, d = setting
    c_in = shape[1]
    dw = nn.Conv2d(c_in, c_in * mult, k, s, p, d, groups=c_in, bias=bias)
    flops, params, out = module_flops_params(dw, shape)
    c = depthwise_cost(shape, k, s, p, d, depth_multiplier=mult, bias=bias)
    assert (c.flops, c.params, c.output_shape) == (flops, params, out)
    net = nn.Sequential(
        nn.Conv2d(c_in, c_in, k, s, p, d, groups=c_in, bias=bias),
        nn.Conv2d(c_in, c_out, 1, bias=bias),
    )
    flops, params, out = module_flops_params(net, shape)
    c = depthwise_separable_cost(shape, c_out, k, s, p, d, bias=bias)
    assert (c.flops, c.params, c.output_shape) == (flops, params, out)
    assert c == depthwise_cost(shape, k, s, p, d, bias=bias) + pointwise_cost(
        (*c.output_shape[:1], c_in, *c.output_shape[2:]), c_out, bias=bias
    )


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(2, 6))
def test_pointwise_grouped_against_torch(g, a, b, size):
    shape = (1, g * a, size, size)
    m = nn.Conv2d(g * a, g * b, 1, groups=g)
    flops, params, out = module_flops_params(m, shape)
    c = pointwise_grouped_cost(shape, g * b, g)
    assert (c.flops, c.params, c.output_shape) == (flops, params, out)
    dense = pointwise_cost(shape, g * b, bias=False)
    assert pointwise_grouped_cost(shape, g * b, g, bias=False).macs * g == dense.macs


# --------------------------------------------------------------------------- #
# Formulas for the text
# --------------------------------------------------------------------------- #


@SETTINGS
@given(image_settings(), st.integers(1, 3))
def test_formulas_agree_with_the_layer_costs(setting, g):
    shape, c_out, k, s, p, d = setting
    c_in = shape[1]
    H, W = shape[2:]
    out = conv_cost(shape, c_out, k, s, p, d).output_shape
    sym = dict(H=H, W=W, H_out=out[2], W_out=out[3], C_in=c_in, C_out=c_out, k_h=k[0], k_w=k[1])
    layer = dict(stride=s, padding=p, dilation=d, bias=False)
    expected = {
        "standard": conv_cost(shape, c_out, k, **layer),
        "pointwise": pointwise_cost(shape, c_out, bias=False),
        "spatially_separable": spatially_separable_cost(shape, c_out, k, **layer),
        "depthwise": depthwise_cost(shape, k, **layer),
        "depthwise_separable": depthwise_separable_cost(shape, c_out, k, **layer),
        "flattened": flattened_cost(shape, c_out, k, **layer),
    }
    for name, c in expected.items():
        assert FORMULAS[name].macs_of(**sym) == c.macs, name
        assert FORMULAS[name].params_of(**sym) == c.params, name
    gshape = (1, c_in * g, H, W)
    gsym = {**sym, "C_in": c_in * g, "C_out": c_out * g, "g": g}
    grouped = grouped_conv_cost(gshape, c_out * g, k, g, **layer)
    assert FORMULAS["grouped"].macs_of(**gsym) == grouped.macs
    assert FORMULAS["grouped"].params_of(**gsym) == grouped.params
    pg = pointwise_grouped_cost(gshape, c_out * g, g, bias=False)
    assert FORMULAS["pointwise_grouped"].macs_of(**gsym) == pg.macs
    assert FORMULAS["pointwise_grouped"].params_of(**gsym) == pg.params
    tr = conv_transpose_cost(gshape, c_out * g, k, s, groups=g, bias=False)
    assert FORMULAS["transposed"].macs_of(**gsym) == tr.macs
    assert FORMULAS["transposed"].params_of(**gsym) == tr.params


def test_formula_text_names_every_symbol_it_uses():
    assert formulas.standard_macs_formula == "H_out W_out C_out C_in k_h k_w / g"
    for f in FORMULAS.values():
        for token in (f.macs + " " + f.params).replace("(", " ").replace(")", " ").split():
            assert token in {"H", "W", "H_out", "W_out", "C_in", "C_out", "k_h", "k_w", "g"} | {
                "+",
                "/",
            }, (f.name, token)


# --------------------------------------------------------------------------- #
# The article's worked numbers (derived by hand)
# --------------------------------------------------------------------------- #


def test_article_spatially_separable_example():
    # 5x5 image, 3x3 kernel: 3x3 positions x 9 = 81 multiplications
    assert standard_macs_square(5, 3) == 81
    assert conv_cost((1, 1, 5, 5), 1, 3, bias=False).macs == 81
    # 3x1 kernel over 3 x 5 = 15 positions x 3 = 45, then 1x3 over 3 x 3 = 9 positions x 3 = 27
    assert spatially_separable_macs_square(5, 3) == 45 + 27 == 72
    c = spatially_separable_cost((1, 1, 5, 5), 1, 3, bias=False)
    assert c.macs == 72
    assert c.output_shape == (1, 1, 3, 3)
    assert separable_ratio_exact(5, 3) == Fraction(72, 81)


@pytest.mark.parametrize(
    ("n", "m"), [(n, m) for n in (3, 4, 5, 10, 100) for m in (1, 2, 3, 5) if m <= n]
)
def test_square_formulas_match_layer_costs(n, m):
    shape = (1, 1, n, n)
    assert standard_macs_square(n, m) == conv_cost(shape, 1, m, bias=False).macs
    assert spatially_separable_macs_square(n, m) == (
        spatially_separable_cost(shape, 1, m, bias=False).macs
    )


def test_article_ratio_is_the_m_equals_3_case():
    for n in range(3, 40):
        # article: 2/m + 2/(m(N-2)); general: 2/m + (m-1)/(m(N-m+1)); same when m = 3
        assert article_separable_ratio(n, 3) == separable_ratio_exact(n, 3)
    assert article_separable_ratio(10, 5) != separable_ratio_exact(10, 5)
    assert separable_ratio_exact(10, 5) == Fraction(2, 5) + Fraction(4, 5 * 6)


def test_separable_ratio_tends_to_two_over_m():
    for m in (2, 3, 5, 7):
        assert separable_ratio_limit(m) == Fraction(2, m)
        ratios = [separable_ratio(n, m) for n in (10**2, 10**4, 10**6)]
        assert ratios[0] > ratios[1] > ratios[2] > 2 / m
        assert ratios[2] - 2 / m < 1e-5


def test_article_depthwise_separable_example():
    # 7x7x3 -> 5x5x128 with 3x3 kernels
    std = conv_cost((1, 3, 7, 7), 128, 3, bias=False)
    assert std.macs == 128 * 3 * 3 * 3 * 5 * 5 == 86400
    dw = depthwise_cost((1, 3, 7, 7), 3, bias=False)
    assert dw.macs == 3 * 3 * 3 * 5 * 5 == 675
    pw = pointwise_cost(dw.output_shape, 128, bias=False)
    assert pw.macs == 128 * 3 * 5 * 5 == 9600
    sep = depthwise_separable_cost((1, 3, 7, 7), 128, 3, bias=False)
    assert sep.macs == 10275
    assert sep.output_shape == std.output_shape == (1, 128, 5, 5)
    assert Fraction(sep.macs, std.macs) == depthwise_separable_ratio_exact(128, 3)
    assert round(depthwise_separable_ratio(128, 3), 2) == 0.12


@pytest.mark.parametrize("h", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("c_out", [1, 8, 64, 128])
def test_depthwise_separable_ratio_holds_for_odd_and_even_kernels(h, c_out):
    shape = (1, 5, h + 4, h + 6)
    ratio = Fraction(
        depthwise_separable_cost(shape, c_out, h, bias=False).macs,
        conv_cost(shape, c_out, h, bias=False).macs,
    )
    assert (
        ratio
        == depthwise_separable_ratio_exact(c_out, h)
        == Fraction(1, c_out) + Fraction(1, h * h)
    )
    assert depthwise_separable_ratio_limit(h) == Fraction(1, h * h)


@pytest.mark.parametrize("g", [1, 2, 4])
def test_groups_divide_parameters(g):
    shape = (1, 8, 6, 6)
    dense = conv_cost(shape, 8, 3, bias=False)
    grouped = grouped_conv_cost(shape, 8, 3, g, bias=False)
    assert Fraction(grouped.params, dense.params) == grouped_params_ratio(g) == Fraction(1, g)
    assert Fraction(grouped.macs, dense.macs) == Fraction(1, g)
    if g == 2:
        assert 2 * grouped.params == dense.params


# --------------------------------------------------------------------------- #
# The Cost type and argument checks
# --------------------------------------------------------------------------- #


def test_cost_is_frozen_and_adds():
    a = Cost(3, 4, (1, 2, 3), 5)
    b = Cost(10, 20, (1, 7, 1), 1)
    assert a + b == Cost(13, 24, (1, 7, 1), 6)
    assert a.flops == 6
    assert a.flops_with_bias == 11
    with pytest.raises(AttributeError):
        a.macs = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: conv_cost((1, 3, 5, 5), 4, 3, stride=0), ValueError, "stride=0"),
        (lambda: conv_cost((1, 3, 5, 5), 4, 3, groups=2), ValueError, "groups=2"),
        (lambda: conv_cost((1, 3, 5, 5), 4, (3, 3, 3)), ValueError, "kernel_size"),
        (lambda: conv_cost((3, 5), 4, 3), ValueError, "input_shape"),
        (lambda: conv_cost((1, 3, 5, 5), 4, 3, padding="full"), ValueError, "padding"),
        (lambda: conv_cost((1, 3, 5, 5), 4, 3, stride=2, padding="same"), ValueError, "stride"),
        (lambda: conv_cost((1, 3, 5, 5), 4.0, 3), TypeError, "out_channels"),
        (lambda: conv_cost((1, 3, 2, 2), 4, 3), ValueError, "kernel_size=3"),
        (lambda: standard_macs_square(3, 5), ValueError, "m=5"),
    ],
)
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_every_public_name_has_a_numpy_docstring():
    for module, name in [(cost, n) for n in cost.__all__] + [
        (formulas, n) for n in formulas.__all__
    ]:
        obj = getattr(module, name)
        if callable(obj) and not isinstance(obj, dict):
            doc = obj.__doc__ or ""
            assert doc.strip(), name
            if name not in ("Cost", "Formula"):
                assert "Returns" in doc, name
    assert math.isclose(separable_ratio(5, 3), 8 / 9)
