"""Chapter 13, counting FLOPs and parameters: every number it states, checked by torch."""

from __future__ import annotations

import gzip
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from frame_checks import check_steps
from solutions import run_solution
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv
from convviz import models
from convviz.figures.costs import COST_TYPES, cost_figure, fill_formula

STEM = "13-counting-flops-and-parameters"
BOOK = Path(__file__).resolve().parents[2] / "book"


def torch_flops(module: nn.Module, shape) -> int:
    module.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(torch.zeros(shape))
    return int(counter.get_total_flops())


def brute_macs(module: nn.Conv2d, shape) -> tuple[int, int]:
    """(all taps, taps on real input) of a Conv2d, by walking every output and tap."""
    _n, c_in, h, w = shape
    kh, kw = module.kernel_size
    (sh, sw), (ph, pw), (dh, dw) = module.stride, module.padding, module.dilation
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    per = c_in // module.groups * module.out_channels
    every = real = 0
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    every += per
                    r, c = i * sh - ph + a * dh, j * sw - pw + b * dw
                    real += per * (0 <= r < h and 0 <= c < w)
    return every, real


def test_article_numbers(chapter):
    _ns, glued = chapter(STEM)
    # 7x7x3 -> 5x5x128: positions x taps x channels, written out
    assert glued["art_std"] == 5 * 5 * 128 * 3 * 3 * 3 == 86400
    assert glued["art_dw"] == 5 * 5 * 3 * 3 * 3 == 675
    assert glued["art_pw"] == 5 * 5 * 3 * 128 == 9600
    assert glued["art_dws"] == 10275
    assert glued["art_ratio"] == pytest.approx(1 / 128 + 1 / 9)
    std = nn.Conv2d(3, 128, 3, bias=False)
    assert torch_flops(std, (1, 3, 7, 7)) == 2 * glued["art_std"]
    dws = nn.Sequential(nn.Conv2d(3, 3, 3, groups=3, bias=False), nn.Conv2d(3, 128, 1, bias=False))
    assert torch_flops(dws, (1, 3, 7, 7)) == 2 * glued["art_dws"]


def test_padding_convention(chapter):
    _ns, glued = chapter(STEM)
    every, real = brute_macs(nn.Conv2d(3, 128, 3, padding=1), (1, 3, 7, 7))
    assert glued["pad_macs"] == every
    assert glued["real_macs"] == real < every
    assert glued["pad_share"] == pytest.approx(1 - real / every)
    assert glued["torch_flops_pad"] == torch_flops(nn.Conv2d(3, 128, 3, padding=1), (1, 3, 7, 7))
    assert glued["torch_flops_pad"] == 2 * every
    assert glued["bias_adds"] == 128 * 7 * 7


def _torch_layers(name: str) -> tuple[nn.Module, tuple[int, ...]]:
    """The table's layers for H = W = 32, C_in = 32, C_out = 64, k = 3, g = 4 in torch."""
    c = {
        "standard": nn.Conv2d(32, 64, 3, padding=1, bias=False),
        "grouped": nn.Conv2d(32, 64, 3, padding=1, groups=4, bias=False),
        "pointwise": nn.Conv2d(32, 64, 1, bias=False),
        "pointwise_grouped": nn.Conv2d(32, 64, 1, groups=4, bias=False),
        "depthwise": nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
        "depthwise_separable": nn.Sequential(
            nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
            nn.Conv2d(32, 64, 1, bias=False),
        ),
        "spatially_separable": nn.Sequential(
            nn.Conv2d(32, 64, (3, 1), padding=(1, 0), bias=False),
            nn.Conv2d(64, 64, (1, 3), padding=(0, 1), bias=False),
        ),
        "flattened": nn.Sequential(
            nn.Conv2d(32, 64, 1, bias=False),
            nn.Conv2d(64, 64, (3, 1), padding=(1, 0), groups=64, bias=False),
            nn.Conv2d(64, 64, (1, 3), padding=(0, 1), groups=64, bias=False),
        ),
        "transposed": nn.ConvTranspose2d(32, 64, 3, bias=False),
    }[name]
    return c, (1, 32, 32, 32)


def test_formula_table_against_torch(chapter):
    ns, glued = chapter(STEM)
    assert set(ns["table"]) == set(cv.FORMULAS)
    for name, (macs, params) in ns["table"].items():
        module, shape = _torch_layers(name)
        assert 2 * macs == torch_flops(module, shape), name
        assert params == sum(p.numel() for p in module.parameters()), name
        assert glued[f"f_{name}_macs"] == macs
    assert glued["f_standard_macs"] == 32 * 32 * 64 * 32 * 9
    assert glued["f_std_over_dws"] == pytest.approx(
        (32 * 32 * 64 * 32 * 9) / (32 * 32 * 32 * (9 + 64))
    )
    # the remark that the spatially separable layer costs as much here
    assert glued["f_spatially_separable_macs"] == glued["f_standard_macs"]
    for c in ns["built"].values():
        assert c.macs >= 0
    assert all((c.macs, c.params) == ns["table"][n] for n, c in ns["built"].items())


def test_mobilenet_numbers(chapter):
    _ns, glued = chapter(STEM)
    net = models.tiny_mobilenet()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    # stem 3 -> 8, stride 2: 16 x 16 outputs; then dw 8 (16x16), pw 8->16, dw 16 (8x8), pw 16->32
    assert glued["mb_stem"] == 16 * 16 * 8 * 3 * 9 == torch_flops(convs[0], (1, 3, 32, 32)) // 2
    assert glued["mb_dw"] == 16 * 16 * 8 * 9 + 8 * 8 * 16 * 9
    assert glued["mb_pw"] == 16 * 16 * 16 * 8 + 8 * 8 * 32 * 16
    assert glued["mb_pw_share"] == pytest.approx(glued["mb_pw"] / (glued["mb_pw"] + glued["mb_dw"]))
    assert glued["mb_params"] == sum(p.numel() for p in net.parameters())
    linear = 32 * 10
    assert glued["mb_conv"] == torch_flops(net, (1, 3, 32, 32)) // 2 - linear
    bn_elements = 8 * 16 * 16 * 2 + 16 * 16 * 16 + 16 * 8 * 8 + 32 * 8 * 8
    assert glued["mb_macs"] == glued["mb_conv"] + linear + bn_elements


def test_transposed_output_size(chapter):
    _ns, glued = chapter(STEM)
    out = nn.ConvTranspose2d(1, 1, 3)(torch.zeros(1, 1, 32, 32))
    assert glued["t_out"] == out.shape[-1] == 34 and isinstance(glued["t_out"], int)


def test_networks_against_flop_counter(chapter):
    _ns, glued = chapter(STEM)
    assert glued["n_networks"] == 4 and glued["all_agree"] is True

    def bn_elements(net, shape):
        sizes = []
        hooks = [
            m.register_forward_hook(lambda m, a, o: sizes.append(o.numel()))
            for m in net.modules()
            if isinstance(m, nn.BatchNorm2d)
        ]
        torch_flops(net, shape)
        for h in hooks:
            h.remove()
        return sum(sizes)

    for key, net, shape in (
        ("rx_macs", models.tiny_resnext(), (1, 3, 32, 32)),
        ("sh_macs", models.tiny_shufflenet(), (1, 3, 32, 32)),
        ("dec_macs", models.upsampling_decoder(), (1, 16, 8, 8)),
    ):
        norm = bn_elements(net, shape)
        assert glued[key] == torch_flops(net, shape) // 2 + norm, key
        if key == "rx_macs":
            assert glued["rx_norm"] == norm
    # decoder by hand: every input element times C_out k k
    assert glued["dec_macs"] - 6144 == 16 * 64 * 8 * 16 + 8 * 256 * 4 * 16 + 4 * 1024 * 1 * 16


def test_residual_additions(chapter):
    _ns, glued = chapter(STEM)
    assert glued["rx_blocks"] == 2
    assert glued["rx_adds"] == 2 * 16 * 32 * 32
    assert glued["rx_adds_share"] == pytest.approx(glued["rx_adds"] / glued["rx_macs"])


def test_arithmetic_intensity(chapter):
    _ns, glued = chapter(STEM)
    x = 64 * 56 * 56
    for key, flops, weights, out in (
        ("ai_std", 2 * x * 64 * 9, 64 * 64 * 9, x),
        ("ai_dw", 2 * x * 9, 64 * 9, x),
        ("ai_pw", 2 * x * 64, 64 * 64, x),
    ):
        assert glued[key] == pytest.approx(flops / (4 * (x + weights + out)))
    assert glued["flops_std_over_dw"] == 64
    assert glued["bytes_std_over_dw"] == pytest.approx((x + 64 * 64 * 9 + x) / (x + 64 * 9 + x))
    assert glued["bytes_dw_mb"] == pytest.approx(4 * (2 * x + 576) / 1e6)
    # the torch layers of the timing cell really have the stated FLOP ratio
    std = torch_flops(nn.Conv2d(64, 64, 3, padding=1, bias=False), (1, 64, 56, 56))
    dw = torch_flops(nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False), (1, 64, 56, 56))
    assert std == 64 * dw


def test_exercise_answers():
    layer = nn.Conv2d(64, 128, 3, padding=1, groups=4)
    r = cv.count(layer, (1, 64, 28, 28))
    assert (r.total_macs, r.total_params) == (14450688, 18560)
    assert torch_flops(layer, (1, 64, 28, 28)) == 2 * 14450688
    assert sum(p.numel() for p in layer.parameters()) == 18560
    assert cv.depthwise_separable_ratio_exact(256, 3) == Fraction(1, 256) + Fraction(1, 9)
    assert Fraction(1, 256) + Fraction(1, 9) == Fraction(265, 2304)
    assert cv.depthwise_separable_ratio_limit(3) == Fraction(1, 9)
    t = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    assert torch_flops(t, (1, 16, 8, 8)) == 262144 == 2 * 16 * 64 * 8 * 16
    flops = 2 * 14 * 14 * 256 * 256
    moved = 4 * (2 * 256 * 14 * 14 + 256 * 256)
    assert (flops, moved) == (25690112, 663552)
    assert flops / moved == pytest.approx(38.72, abs=0.01)
    assert flops / moved > 15.84


def test_fill_formula():
    s = {"H": 8, "W": 8, "H_out": 8, "W_out": 8, "C_in": 16, "C_out": 32, "k_h": 3, "k_w": 3}
    assert fill_formula("H_out W_out C_in (k_h k_w + C_out)", s) == "8·8·16·(3·3 + 32)"
    assert eval(fill_formula("H_out W_out C_in (k_h k_w + C_out)", s).replace("·", "*")) == (
        8 * 8 * 16 * (9 + 32)
    )


def test_cost_figure_frames_match_torch():
    fig = cost_figure()
    html = fig.to_html()
    assert len(gzip.compress(html.encode())) <= 150_000
    for key in fig.keys():
        setting = fig.setting(key)
        frame = fig.frame(key)
        kind, g = COST_TYPES[setting["kind"]]
        c_in, c_out, k, size = setting["c_in"], setting["c_out"], setting["k"], setting["size"]
        shape = (1, c_in, size, size)
        layers = cv.layer_costs(kind, shape, c_out, k, padding=k // 2, groups=g, bias=False)
        # the torch call shown is the layer priced: torch agrees on every layer
        code = frame["code"]
        net = eval(code.split("layer = ", 1)[1].rsplit("\ncv.count", 1)[0], {"nn": nn})
        assert len(net) == len(layers)
        assert torch_flops(net, shape) == 2 * sum(c.macs for *_x, c in layers)
        std_view, type_view = frame["views"]
        assert type_view["panels"][3]["values"] == [torch_flops(net, shape) // 2]
        assert type_view["panels"][2]["values"] == [c.macs for *_x, c in layers]
        std = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)
        assert std_view["panels"][3]["values"] == [torch_flops(std, shape) // 2]
        params = sum(p.numel() for p in net.parameters())
        assert f"= {params:,}" in frame["formula"][1]
        assert f"= {torch_flops(net, shape) // 2:,}" in frame["formula"][0]
        # steps: products per layer, then the sum (the engine's one check, CONTRIBUTING.md)
        for v in frame["views"]:
            check_steps(v)
        assert len(type_view["steps"]) == len(layers) + 1


def test_default_setting_has_enough_steps_to_play():
    frame = cost_figure().frame()
    assert max(len(v["steps"]) for v in frame["views"]) >= 3
    assert np.isfinite(frame["views"][1]["panels"][3]["values"][0])


# --------------------------------------------------------------------------- #
# Real networks, counted
# --------------------------------------------------------------------------- #

# The papers' figures, typed from the papers (parameters, MACs); None where a paper gives none.
PAPER_FIGURES = {
    "AlexNet": (60e6, None),  # Krizhevsky et al. 2012, abstract: "60 million parameters"
    "VGG-16": (138e6, None),  # Simonyan & Zisserman, table 2, net D: 138 (millions)
    "ResNet-18": (None, 1.8e9),  # He et al., table 1 (FLOPs there are multiply-adds)
    "ResNet-50": (None, 3.8e9),
    "ResNet-50, stride on the 3x3": (25.5e6, 4.1e9),  # Xie et al., table 1, ResNet-50 column
    "ResNeXt-50 (32x4d)": (25.0e6, 4.2e9),  # Xie et al., table 1
    "MobileNet v1": (4.2e6, 569e6),  # Howard et al., table 6
    "MobileNet v2": (3.4e6, 300e6),  # Sandler et al., table 4
    "ShuffleNet v1 (g=3)": (None, 137e6),  # Zhang et al., table 1, g = 3
}


def _meta(build):
    with torch.device("meta"):
        return build()


def _meta_macs(net) -> int:
    net.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros(1, 3, 224, 224, device="meta"))
    return counter.get_total_flops() // 2


def test_real_networks_table(chapter):
    ns, glued = chapter(STEM)
    counted = ns["counted"]
    assert set(counted) == set(PAPER_FIGURES) and glued["net_count"] == 9
    assert {k: v[:2] for k, v in ns["PAPERS"].items()} == PAPER_FIGURES
    builders = dict(models.NETWORKS)
    builders["ResNet-50, stride on the 3x3"] = lambda: models.resnet50(stride_on="3x3")
    for name, c in counted.items():
        net = _meta(builders[name])
        # cv.count equals torch's counter on every network, and its parameters equal numel
        assert c["macs"] == c["torch_macs"] == _meta_macs(net), name
        assert c["params"] == c["numel"] == sum(p.numel() for p in net.parameters()), name
    assert glued["net_all_agree"] is True
    # which figures differ from the paper by more than 1 %: exactly the three the text explains
    over = set()
    for name, (params, macs) in PAPER_FIGURES.items():
        for what, paper, ours in (("params", params, counted[name]["params"]),
                                  ("MACs", macs, counted[name]["macs"])):  # fmt: skip
            if paper is not None and abs(ours / paper - 1) > 0.01:
                over.add((name, what))
    assert over == {("AlexNet", "params"), ("ResNet-50", "MACs"), ("MobileNet v2", "params")}
    compared = sum(v is not None for pair in PAPER_FIGURES.values() for v in pair)
    assert (glued["net_compared"], glued["net_over"]) == (compared, 3)
    assert glued["net_within"] == compared - 3


def test_real_networks_explanations(chapter):
    _ns, glued = chapter(STEM)
    # AlexNet by hand from the paper's layer sizes (section 3.5 and figure 2)
    convs = [11 * 11 * 3 * 96 + 96, 5 * 5 * 48 * 256 + 256, 3 * 3 * 256 * 384 + 384,
             3 * 3 * 192 * 384 + 384, 3 * 3 * 192 * 256 + 256]  # fmt: skip
    fcs = [9216 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000]
    assert glued["alex_params"] == sum(convs) + sum(fcs) == 60_965_224
    assert glued["alex_fc_share"] == pytest.approx(sum(fcs) / (sum(convs) + sum(fcs)))
    assert glued["alex_diff"] == pytest.approx(60_965_224 / 60e6 - 1)
    assert glued["alex_paper"] == 60
    # ResNet-50: the stride moved from the first 1x1 to the 3x3 of conv3_1, conv4_1, conv5_1
    # leaves the 1x1 at its input's resolution: 4x its MACs instead of 1x.
    extra = sum(3 * (28 // 2**i) ** 2 * (256 * 2**i) * (128 * 2**i) for i in range(3))
    assert glued["r50_extra"] == pytest.approx(extra / 1e6)
    assert glued["r50_macs"] == pytest.approx(_meta_macs(_meta(models.resnet50)) / 1e9)
    assert glued["r50_rounded"] == 3.9 and glued["r50_paper"] == 3.8
    assert glued["r50_3x3_paper"] == 4.1
    assert abs(glued["r50_3x3_diff"]) < 0.01 < glued["r50_diff"]
    # MobileNetV2: two parameters (scale, shift) per batch-norm channel
    net = _meta(models.mobilenet_v2)
    bn = sum(2 * m.num_features for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    assert glued["mb2_bn"] == bn
    assert round(glued["mb2_no_bn"], 2) == glued["mb2_released"] == 3.47
    assert glued["mb2_paper"] == 3.4 and glued["mb2_diff"] > 0.01
    # normalisation MACs: one per element a BatchNorm2d outputs
    sizes = []
    net = _meta(models.resnet50)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.register_forward_hook(lambda m, a, o: sizes.append(o.numel()))
    macs = _meta_macs(net)
    assert glued["r50_norm_share"] == pytest.approx(sum(sizes) / macs)


def test_refusals(chapter):
    ns, _glued = chapter(STEM)
    refusals = ns["refusals"]
    assert set(refusals) == {"functional convolution", "unknown layer"}
    assert "aten.convolution" in refusals["functional convolution"]
    assert "'1' (Scaled)" in refusals["functional convolution"]
    assert "'2.mix' of type torch.nn.modules.linear.Bilinear" in refusals["unknown layer"]
    # torch's operator-level counter sees the functional convolution that no hook can see
    net = ns["unpriced"]["functional convolution"]
    conv_only = torch_flops(net[0], (1, 3, 16, 16))
    assert torch_flops(net, (1, 3, 16, 16)) == conv_only + 2 * (14 * 14 * 8 * 8 * 9)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "13-counting-flops-and-parameters")


def test_which_papers_call_macs_flops(chapter):
    """Finding: MobileNet reports mult-adds; ResNet (Table 1) and ShuffleNet (Table 1) call MACs FLOPs."""
    _ns, glued = chapter(STEM)
    text = (BOOK / f"{STEM}.md").read_text()
    assert "(MobileNet and ShuffleNet among them) report MACs and call them FLOPs" not in text
    assert "Mult-Adds" in text and "Table 1" in text
    # ResNet-34's 3.6 billion "FLOPs" (He et al., Table 1) are MACs: count them with torch
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        _resnet34()(torch.zeros(1, 3, 224, 224))
    counted = counter.get_total_flops() // 2
    assert np.isclose(glued["resnet34_gmacs"], counted / 1e9)
    assert abs(glued["resnet34_gmacs"] - 3.6) < 0.1  # the paper's figure, as MACs
    assert abs(glued["resnet34_gflops"] - 3.6) > 3  # as 2 x MACs it would be far off


def _resnet34():
    """ResNet-34 (He et al., Table 1, projection shortcuts where the size changes), in torch."""

    class Basic(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.a = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.b = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.proj = nn.Conv2d(c_in, c_out, 1, stride, bias=False) if stride > 1 else None

        def forward(self, x):
            y = self.b(torch.relu(self.a(x)))
            return torch.relu(y + (self.proj(x) if self.proj is not None else x))

    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.MaxPool2d(3, 2, 1)]
    c = 64
    for stage, (n, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512), strict=True)):
        for b in range(n):
            layers.append(Basic(c, width, 2 if b == 0 and stage > 0 else 1))
            c = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000, bias=False)]
    return nn.Sequential(*layers).eval()


# Howard et al. (arXiv:1704.04861), table 2, "Resource per layer type": share of Mult-Adds
# of the 1x1 convolutions, and share of parameters of each layer type.
MOBILENET_TABLE_2_MACS_1X1 = 94.86
MOBILENET_TABLE_2_PARAMS = {"1x1": 74.59, "dw": 1.06, "3x3": 0.02, "fc": 24.33}


def test_mobilenet_table2_exercise(chapter):
    from solutions import run_solution

    ns, _glued = chapter(STEM)
    scope = run_solution(ns, STEM, "ch13-ex-mobilenet-table2")
    assert scope["mac_share"]["1x1"] == MOBILENET_TABLE_2_MACS_1X1
    assert scope["weight_share"] == MOBILENET_TABLE_2_PARAMS
    # the weights alone are what the paper counts: with batch norm the total is larger
    net = _meta(models.mobilenet_v1)
    weights = sum(m.weight.numel() for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear))
    assert weights == sum(scope["weights"].values()) < sum(p.numel() for p in net.parameters())
    # the MACs of each kind, against torch's operator counter
    assert sum(scope["macs"].values()) == _meta_macs(net)


@pytest.mark.parametrize("label", ["ch13-ex-grouped", "ch13-ex-transposed"])
def test_flop_counter_solutions_run_as_pasted(chapter, label):
    """The chapter no longer imports FlopCounterMode: a solution that uses it imports it."""
    ns, _ = chapter(STEM)
    ns = {k: v for k, v in ns.items() if k != "FlopCounterMode"}
    scope = run_solution(ns, STEM, label)
    expected = {"ch13-ex-grouped": 2 * 14_450_688, "ch13-ex-transposed": 262_144}[label]
    assert scope["c"].get_total_flops() == expected


def test_the_prose_about_the_cost_figure():
    """The prose: "the depthwise separable layer has two [layers], the flattened layer three",
    and, in the default setting, "with 64 output channels, the pointwise half ... outweighs
    the depthwise half by far": counted by torch, layer by layer."""
    fig = cost_figure()
    setting = fig.setting(fig.default_key())
    assert setting["kind"] == "depthwise separable" and setting["c_out"] == 64
    layers = {label: cv.layer_costs(COST_TYPES[label][0], (1, 32, 8, 8), 64, 3, padding=1,
                                    groups=COST_TYPES[label][1], bias=False)
              for label in ("depthwise separable", "flattened")}  # fmt: skip
    assert [len(v) for v in layers.values()] == [2, 3]
    c_in, k, size = setting["c_in"], setting["k"], setting["size"]
    shape = (1, c_in, size, size)
    dw = torch_flops(nn.Conv2d(c_in, c_in, k, padding=k // 2, groups=c_in, bias=False), shape)
    pw = torch_flops(nn.Conv2d(c_in, 64, 1, bias=False), shape)
    assert pw / dw == pytest.approx(64 / k**2) and pw / dw > 5
    macs = fig.frame()["views"][1]["panels"][2]["values"]
    assert macs == [dw // 2, pw // 2]


def test_cost_figure_words_and_notation():
    """The figure's words: the book's notation (3×3, not 3x3; C_in, C_out, g), no Python
    in its labels (no tuples, no keyword arguments), never "channel(s)", and a key."""
    fig = cost_figure()
    controls = [c.spec() for c in fig.controls]
    assert [c["label"] for c in controls] == ["type", "C_in", "C_out", "kernel k", "image H = W"]
    for key in fig.keys():
        frame = fig.frame(key)
        words = [v["title"] for v in frame["views"]]
        words += [p["label"] for v in frame["views"] for p in v["panels"]]
        words += frame["formula"] + [o for c in controls for o in c["options"]]
        for text in words:
            assert not re.search(r"\dx\d", text), text  # 3×3, never 3x3
            assert "channel(s)" not in text and "=(" not in text and "_(" not in text, text
            assert not re.search(r"\(\d+, \d+\)", text), text  # no Python tuples
            assert " / 1 " not in text + " ", text  # no "/ g" with g = 1 left in
        # the sums under the grids name cells as the prose does: MACs[0] = n[0]·m[0]
        names = [p["name"] for v in frame["views"] for p in v["panels"]]
        assert names[:3] == ["n", "m", "MACs"], names
        # the products of a formula are written out as the book writes them
        assert all(" C_in (" not in line and "H_out W_out" not in line for line in frame["formula"])
    spec = fig.spec(all_frames=False)
    assert spec["title"] and spec["description"]  # the renderer draws the key from the frame


def test_numbers_of_the_real_networks_explanations_not_checked_elsewhere(chapter):
    _ns, glued = chapter(STEM)
    net = _meta(models.mobilenet_v2)
    assert glued["mb2_params"] == pytest.approx(sum(p.numel() for p in net.parameters()) / 1e6)
    r50 = _meta(lambda: models.resnet50(stride_on="3x3"))
    assert glued["r50_3x3_macs"] == pytest.approx(_meta_macs(r50) / 1e9)
    # the depthwise separable exercise's "approx 0.115"
    assert round(265 / 2304, 3) == 0.115


def test_resnet34_structure_the_prose_names():
    """The prose: "the 7×7 stem, the sixteen basic blocks of two 3×3 convolutions, the three 1×1
    projection shortcuts with stride 2": counted on the torch build of He et al.'s Table 1."""
    net = _resnet34()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].kernel_size == (7, 7)
    blocks = [m for m in net.modules() if hasattr(m, "proj")]
    assert len(blocks) == 16
    assert all(b.a.kernel_size == b.b.kernel_size == (3, 3) for b in blocks)
    shortcuts = [b.proj for b in blocks if b.proj is not None]
    assert len(shortcuts) == 3
    assert all(p.kernel_size == (1, 1) and p.stride == (2, 2) for p in shortcuts)
    # "the same layer with padding=1, so that the output stays 7×7"
    assert tuple(nn.Conv2d(3, 128, 3, padding=1)(torch.zeros(1, 3, 7, 7)).shape[2:]) == (7, 7)
