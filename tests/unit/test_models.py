"""The real networks of convviz.models: shapes, parameter counts by hand, papers' figures."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convviz import models
from convviz.counter import count


def build_meta(build, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return build(**kwargs)


def numel(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def torch_macs(net: nn.Module, size: int = 224) -> int:
    net.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, 3, size, size, device="meta"))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


# --------------------------------------------------------------------------- #
# Parameter counts by hand, from the papers' layer tables
# --------------------------------------------------------------------------- #


def conv(c_in, c_out, k, groups=1, bias=False):
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


def fc(c_in, c_out):
    return c_in * c_out + c_out


def bn(c):
    return 2 * c  # scale and shift


def alexnet_params():
    # Krizhevsky et al. section 3.5: conv1 96 x 11x11x3; conv2 256 x 5x5x48; conv3 384 x 3x3x256;
    # conv4 384 x 3x3x192; conv5 256 x 3x3x192; fc 4096, 4096, 1000 (all with biases).
    return (
        (11 * 11 * 3 * 96 + 96)
        + (5 * 5 * 48 * 256 + 256)
        + (3 * 3 * 256 * 384 + 384)
        + (3 * 3 * 192 * 384 + 384)
        + (3 * 3 * 192 * 256 + 256)
        + fc(6 * 6 * 256, 4096)
        + fc(4096, 4096)
        + fc(4096, 1000)
    )


def vgg16_params():
    chans = [3, 64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    convs = sum(conv(a, b, 3, bias=True) for a, b in itertools.pairwise(chans))
    return convs + fc(7 * 7 * 512, 4096) + fc(4096, 4096) + fc(4096, 1000)


def resnet_params(kind):
    total = conv(3, 64, 7) + bn(64)
    c = 64
    if kind == "basic":
        for i, n in enumerate((2, 2, 2, 2)):
            w = 64 * 2**i
            for _ in range(n):
                total += conv(c, w, 3) + bn(w) + conv(w, w, 3) + bn(w)
                if c != w:
                    total += conv(c, w, 1) + bn(w)
                c = w
    else:
        g = 32 if kind == "resnext" else 1
        for i, n in enumerate((3, 4, 6, 3)):
            w = (128 if kind == "resnext" else 64) * 2**i
            out = 256 * 2**i
            for j in range(n):
                total += (
                    conv(c, w, 1) + bn(w) + conv(w, w, 3, g) + bn(w) + conv(w, out, 1) + bn(out)
                )
                if j == 0:
                    total += conv(c, out, 1) + bn(out)
                c = out
    return total + fc(c, 1000)


def mobilenet_v1_params():
    total, c = conv(3, 32, 3) + bn(32), 32
    for c_out, _s in models.MOBILENET_V1_LAYERS:
        total += conv(c, c, 3, groups=c) + bn(c) + conv(c, c_out, 1) + bn(c_out)
        c = c_out
    return total + fc(1024, 1000)


def mobilenet_v2_params():
    total, c = conv(3, 32, 3) + bn(32), 32
    for t, c_out, n, _s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                            (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):  # fmt: skip
        for _ in range(n):
            h = t * c
            if t != 1:
                total += conv(c, h, 1) + bn(h)
            total += conv(h, h, 3, groups=h) + bn(h) + conv(h, c_out, 1) + bn(c_out)
            c = c_out
    return total + conv(320, 1280, 1) + bn(1280) + fc(1280, 1000)


def shufflenet_v1_params(g=3):
    total, c = conv(3, 24, 3) + bn(24), 24
    out = {3: 240, 8: 384}[g]
    for repeat in (4, 8, 4):
        for j in range(repeat):
            mid, branch = out // 4, (out - c if j == 0 else out)
            first_groups = 1 if (c == 24) else g
            total += conv(c, mid, 1, first_groups) + bn(mid)
            total += conv(mid, mid, 3, groups=mid) + bn(mid)
            total += conv(mid, branch, 1, g) + bn(branch)
            c = out
        out *= 2
    return total + fc(c, 1000)


BY_HAND = {
    "AlexNet": alexnet_params,
    "VGG-16": vgg16_params,
    "ResNet-18": lambda: resnet_params("basic"),
    "ResNet-50": lambda: resnet_params("bottleneck"),
    "ResNeXt-50 (32x4d)": lambda: resnet_params("resnext"),
    "MobileNet v1": mobilenet_v1_params,
    "MobileNet v2": mobilenet_v2_params,
    "ShuffleNet v1 (g=3)": shufflenet_v1_params,
}


@pytest.mark.parametrize("name", list(models.NETWORKS))
def test_parameters_by_hand_and_count_agree(name):
    net = build_meta(models.NETWORKS[name])
    assert numel(net) == BY_HAND[name]()
    report = count(net, (1, 3, 224, 224))
    assert report.total_params == numel(net)
    assert report.params_outside_rows == 0
    # cv.count equals torch's counter on every network (MACs of conv and linear layers).
    assert report.conv_linear_macs == torch_macs(net)


@pytest.mark.parametrize("name", list(models.NETWORKS))
def test_output_shape(name):
    net = build_meta(models.NETWORKS[name], num_classes=10)
    with torch.no_grad():
        assert net.eval()(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 10)


def test_real_forward_pass_of_a_small_one():
    torch.manual_seed(0)
    net = models.shufflenet_v1().eval()
    with torch.no_grad():
        y = net(torch.randn(1, 3, 224, 224))
    assert y.shape == (1, 1000) and torch.isfinite(y).all()


# --------------------------------------------------------------------------- #
# Against the figures the papers publish
# --------------------------------------------------------------------------- #

# (value, relative tolerance, source). MACs are multiply-adds ("FLOPs" in ResNet, ResNeXt and
# ShuffleNet, "Mult-Adds" in MobileNet).
PAPER_PARAMS = {
    "AlexNet": (60e6, 0.02, "Krizhevsky et al. 2012, abstract: 60 million parameters"),
    "VGG-16": (138e6, 0.005, "Simonyan & Zisserman, table 2: 138 (millions), net D"),
    "ResNet-50": (25.5e6, 0.005, "Xie et al., table 1: ResNet-50 25.5 x 10^6"),
    "ResNeXt-50 (32x4d)": (25.0e6, 0.005, "Xie et al., table 1: 25.0 x 10^6"),
    "MobileNet v1": (4.2e6, 0.01, "Howard et al., table 8: 4.2 million"),
    "MobileNet v2": (3.4e6, 0.035, "Sandler et al., table 4: 3.4M"),
}
PAPER_MACS = {
    "ResNet-18": (1.8e9, 0.01, "He et al., table 1: 1.8 x 10^9"),
    "ResNet-50": (3.8e9, 0.02, "He et al., table 1: 3.8 x 10^9"),
    "ResNeXt-50 (32x4d)": (4.2e9, 0.01, "Xie et al., table 1: 4.2 x 10^9"),
    "MobileNet v1": (569e6, 0.002, "Howard et al., table 8: 569 million"),
    "MobileNet v2": (300e6, 0.005, "Sandler et al., table 4: 300M"),
    "ShuffleNet v1 (g=3)": (137e6, 0.005, "Zhang et al., table 1: 137M"),
}


@pytest.mark.parametrize("name", list(PAPER_PARAMS))
def test_parameters_against_paper(name):
    value, tol, _source = PAPER_PARAMS[name]
    assert numel(build_meta(models.NETWORKS[name])) == pytest.approx(value, rel=tol)


@pytest.mark.parametrize("name", list(PAPER_MACS))
def test_macs_against_paper(name):
    value, tol, _source = PAPER_MACS[name]
    assert torch_macs(build_meta(models.NETWORKS[name])) == pytest.approx(value, rel=tol)


def test_resnet50_stride_placement():
    # ResNeXt's table 1 prices its ResNet-50 baseline (stride on the 3x3, section 4) at 4.1e9.
    on_3x3 = torch_macs(build_meta(models.resnet50, stride_on="3x3"))
    on_1x1 = torch_macs(build_meta(models.resnet50))
    assert on_3x3 == pytest.approx(4.1e9, rel=0.005)
    # Striding the 3x3 instead of the first 1x1 runs conv3_1, conv4_1, conv5_1's first 1x1 at
    # the full resolution of the block's input: (4 - 1) x H'W' x C_in x width more MACs.
    extra = sum(3 * (56 // 2**i) ** 2 // 4 * (256 * 2**i) * (128 * 2**i) for i in range(3))
    assert on_3x3 - on_1x1 == extra


def test_shufflenet_other_group_counts_match_table_1():
    # Table 1 complexity row: g = 1, 2, 4, 8 -> 143M, 140M, 133M, 137M (g = 4 and 8 land 1.0 %
    # above the table; g = 3, the book's, 0.3 %).
    for g, value in ((1, 143e6), (2, 140e6), (4, 133e6), (8, 137e6)):
        assert torch_macs(build_meta(models.shufflenet_v1, groups=g)) == pytest.approx(
            value, rel=0.011
        )


def test_alexnet_two_groups_and_padding():
    net = build_meta(models.alexnet)
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert [c.weight.shape[1] for c in convs] == [3, 48, 256, 192, 192]
    with torch.no_grad():
        assert net.features[:1](torch.zeros(1, 3, 224, 224, device="meta")).shape[-1] == 55


def test_width_arguments():
    half = build_meta(models.mobilenet_v1, width_multiplier=0.5)
    assert half.classifier.in_features == 512
    assert build_meta(models.resnet18, width=32).fc.in_features == 256
    assert (
        build_meta(models.resnext50_32x4d, groups=8, width_per_group=8).layer1[0].conv2.groups == 8
    )
    assert build_meta(models.mobilenet_v2, width_multiplier=0.5).classifier.in_features == 1280
    assert build_meta(models.mobilenet_v2, width_multiplier=1.4).classifier.in_features == 1792


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: models.alexnet(num_classes=0), ValueError, "num_classes"),
        (lambda: models.vgg16(num_classes=2.5), TypeError, "num_classes"),
        (lambda: models.alexnet(dropout=1.0), ValueError, "dropout"),
        (lambda: models.resnet18(width=0), ValueError, "width"),
        (lambda: models.resnet50(stride_on="7x7"), ValueError, "stride_on"),
        (lambda: models.resnext50_32x4d(groups=True), TypeError, "groups"),
        (lambda: models.mobilenet_v1(width_multiplier=0), ValueError, "width_multiplier"),
        (lambda: models.mobilenet_v1(width_multiplier="1"), TypeError, "width_multiplier"),
        (lambda: models.mobilenet_v1(width_multiplier=0.01), ValueError, "width_multiplier"),
        (lambda: models.mobilenet_v2(width_multiplier=float("inf")), ValueError, "width_mult"),
        (lambda: models.shufflenet_v1(groups=5), ValueError, "groups"),
        (lambda: models.shufflenet_v1(groups=3.0), TypeError, "groups"),
    ],
)
def test_bad_arguments(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


@pytest.mark.parametrize(
    ("alpha", "macs", "params"),
    [(0.75, 325e6, 2.6e6), (0.5, 149e6, 1.3e6), (0.25, 41e6, 0.5e6)],
)
def test_mobilenet_width_multiplier_against_table_6(alpha, macs, params):
    # Howard et al., table 6: million Mult-Adds (3 digits) and million parameters (1 decimal)
    net = build_meta(models.mobilenet_v1, width_multiplier=alpha)
    assert torch_macs(net) == pytest.approx(macs, rel=0.005)
    assert abs(numel(net) - params) <= 0.05e6


# --------------------------------------------------------------------------- #
# Layer by layer against the papers' architecture tables
# --------------------------------------------------------------------------- #


def _conv_trace(net: nn.Module, size: int = 224) -> list[tuple[str, int, int, int, int, int]]:
    """(kind, kernel, C_in, C_out, input side, output side) of every Conv2d, in execution order."""
    trace = []

    def hook(m, args, out):
        if m.kernel_size == (1, 1):
            kind = "pw"
        elif m.groups == m.in_channels > 1:
            kind = "dw"
        else:
            kind = "conv"
        trace.append((kind, m.kernel_size[0], m.in_channels, m.out_channels,
                      args[0].shape[-1], out.shape[-1]))  # fmt: skip

    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(hook)
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, size, size, device="meta"))
    return trace


def _mobilenet_v1_table_1():
    """Howard et al. (arXiv:1704.04861), table 1, one row per layer: (kind, kernel, C_in, C_out,
    input side). The table's sizes are those of each layer's input; the rows are typed in here,
    not taken from convviz.models."""
    rows = [("conv", 3, 3, 32, 224),
            ("dw", 3, 32, 32, 112), ("pw", 1, 32, 64, 112),
            ("dw", 3, 64, 64, 112), ("pw", 1, 64, 128, 56),
            ("dw", 3, 128, 128, 56), ("pw", 1, 128, 128, 56),
            ("dw", 3, 128, 128, 56), ("pw", 1, 128, 256, 28),
            ("dw", 3, 256, 256, 28), ("pw", 1, 256, 256, 28),
            ("dw", 3, 256, 256, 28), ("pw", 1, 256, 512, 14)]  # fmt: skip
    rows += [("dw", 3, 512, 512, 14), ("pw", 1, 512, 512, 14)] * 5
    rows += [("dw", 3, 512, 512, 14), ("pw", 1, 512, 1024, 7),
             ("dw", 3, 1024, 1024, 7), ("pw", 1, 1024, 1024, 7)]  # fmt: skip
    return rows


def test_mobilenet_v1_layer_by_layer_against_table_1():
    net = build_meta(models.mobilenet_v1)
    trace = _conv_trace(net)
    table = _mobilenet_v1_table_1()
    assert len(trace) == len(table) == 27  # 1 full convolution, 13 depthwise, 13 pointwise
    assert [t[:5] for t in trace] == table
    # each layer's output is the next row's input; the last map is the 7x7 the 7x7 pool reads
    assert [t[5] for t in trace] == [row[4] for row in table[1:]] + [7]
    # then a global 7x7 average pool and the fully connected 1024 -> 1000
    assert net.classifier.in_features == 1024 and net.classifier.out_features == 1000


def test_shufflenet_g3_layer_by_layer_against_table_1():
    # Zhang et al. (arXiv:1707.01083), table 1, column g = 3: Conv1 3x3 stride 2 -> 112x112 x 24,
    # MaxPool 3x3 stride 2 -> 56x56, Stage2 -> 28x28 x 240 (1 unit of stride 2, 3 of stride 1),
    # Stage3 -> 14x14 x 480 (1 + 7), Stage4 -> 7x7 x 960 (1 + 3), global pool, FC 1000.
    table = [("stage2", 28, 240, 1 + 3), ("stage3", 14, 480, 1 + 7), ("stage4", 7, 960, 1 + 3)]
    net = build_meta(models.shufflenet_v1, groups=3)
    sizes = {}
    for name in ("conv1", "maxpool", "stage2", "stage3", "stage4"):
        getattr(net, name).register_forward_hook(
            lambda m, a, o, name=name: sizes.__setitem__(name, tuple(o.shape[1:]))
        )
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, 224, 224, device="meta"))
    assert sizes["conv1"] == (24, 112, 112) and sizes["maxpool"] == (24, 56, 56)
    c_in = 24
    for name, side, c_out, repeat in table:
        assert sizes[name] == (c_out, side, side)
        units = list(getattr(net, name))
        assert len(units) == repeat
        for j, unit in enumerate(units):
            # section 3.3: bottleneck of a quarter of the unit's output channels; the first
            # pointwise layer of stage 2 is not grouped (its input has only 24 channels)
            assert unit.dwconv.stride == ((2, 2) if j == 0 else (1, 1))
            assert unit.dwconv.out_channels == c_out // 4 == unit.dwconv.groups
            assert unit.gconv1.groups == (1 if (name == "stage2" and j == 0) else 3)
            assert unit.gconv2.groups == 3
            # a stride-2 unit concatenates the pooled input: its branch adds c_out - c_in
            assert unit.gconv2.out_channels == (c_out - c_in if j == 0 else c_out)
            c_in = c_out
    assert net.fc.in_features == 960 and net.fc.out_features == 1000


def test_alexnet_lrn_is_the_papers_formula():
    # Krizhevsky et al., section 3.3: b[i] = a[i] / (k + alpha * sum_j a[j]^2)^beta over the
    # n channels centred on i (clipped at the ends), k = 2, n = 5, alpha = 1e-4, beta = 0.75;
    # applied after the ReLU of conv1 and conv2, before their max pooling.
    net = models.alexnet()
    lrns = [i for i, m in enumerate(net.features) if isinstance(m, nn.LocalResponseNorm)]
    assert [type(net.features[i - 1]) for i in lrns] == [nn.ReLU, nn.ReLU]
    assert [type(net.features[i + 1]) for i in lrns] == [nn.MaxPool2d, nn.MaxPool2d]
    torch.manual_seed(0)
    a = torch.rand(2, 96, 5, 5, dtype=torch.float64) * 30
    k, n, alpha, beta = 2.0, 5, 1e-4, 0.75
    squares = a**2
    by_hand = torch.empty_like(a)
    for i in range(96):
        lo, hi = max(0, i - n // 2), min(95, i + n // 2)
        by_hand[:, i] = a[:, i] / (k + alpha * squares[:, lo : hi + 1].sum(dim=1)) ** beta
    ours = net.features[lrns[0]].double()(a)
    torch.testing.assert_close(ours, by_hand)
