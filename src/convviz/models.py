"""Networks built from the convolutions of the book, for counting and for the labs.

Two kinds, none with downloaded weights (every weight is randomly initialised):

* **Real networks, from their papers' tables**, with torchvision-style names:
  :func:`alexnet` (the paper's two-group layers), :func:`vgg16`, :func:`resnet18`,
  :func:`resnet50`, :func:`resnext50_32x4d`, :func:`mobilenet_v1`,
  :func:`mobilenet_v2` and :func:`shufflenet_v1`. Each takes ``(N, 3, 224, 224)``
  and returns ``(N, num_classes)``. Build them under ``torch.device("meta")`` to
  count them without allocating their weights.
* **Tiny networks**: small versions of the blocks that made each convolution type
  famous (MobileNet's depthwise separable blocks, ResNeXt's grouped 3x3,
  ShuffleNet's pointwise group convolutions with a channel shuffle, an upsampling
  decoder with transposed convolutions and its resize-convolution twin).

Needs torch (imported here at module level; ``import convviz`` does not import
this module).

References
----------
A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet Classification with Deep
Convolutional Neural Networks", NeurIPS (2012).
K. Simonyan and A. Zisserman, "Very Deep Convolutional Networks for Large-Scale
Image Recognition", arXiv:1409.1556 (2014).
K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition",
arXiv:1512.03385 (2015).
S. Xie, R. Girshick, P. Dollar, Z. Tu and K. He, "Aggregated Residual
Transformations for Deep Neural Networks" (ResNeXt), arXiv:1611.05431 (2016).
A. G. Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications", arXiv:1704.04861 (2017).
M. Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
arXiv:1801.04381 (2018).
X. Zhang, X. Zhou, M. Lin and J. Sun, "ShuffleNet: An Extremely Efficient
Convolutional Neural Network for Mobile Devices", arXiv:1707.01083 (2017).
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill (2016).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "NETWORKS",
    "BasicBlock",
    "Bottleneck",
    "InvertedResidual",
    "ResNeXtBlock",
    "ShuffleNetV1Unit",
    "ShuffleUnit",
    "alexnet",
    "depthwise_separable_block",
    "mobilenet_v1",
    "mobilenet_v2",
    "resize_conv_decoder",
    "resnet18",
    "resnet50",
    "resnext50_32x4d",
    "shufflenet_v1",
    "tiny_mobilenet",
    "tiny_resnext",
    "tiny_shufflenet",
    "upsampling_decoder",
    "vgg16",
]


def depthwise_separable_block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    """MobileNet block: depthwise 3x3, BN, ReLU, pointwise 1x1, BN, ReLU.

    Parameters
    ----------
    c_in, c_out : int
        Channels in and out.
    stride : int, default 1
        Stride of the depthwise convolution.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, c_in, H, W)`` to ``(N, c_out, ceil(H / s), ceil(W / s))``
        (padding 1); weights ``9 c_in + c_in c_out`` plus the norms.
    """
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False),
        nn.BatchNorm2d(c_in),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_in, c_out, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


def tiny_mobilenet(
    in_channels: int = 3, num_classes: int = 10, widths: Sequence[int] = (8, 16, 32)
) -> nn.Sequential:
    """A MobileNet-like classifier: a 3x3 stem, depthwise separable blocks, a linear head.

    Parameters
    ----------
    in_channels : int, default 3
        Input channels.
    num_classes : int, default 10
        Outputs of the head.
    widths : sequence of int, default (8, 16, 32)
        Channels of the stem and of each block; every block after the first
        halves the resolution.

    Returns
    -------
    torch.nn.Sequential
        ``(N, in_channels, H, W) -> (N, num_classes)``.
    """
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, widths[0], 3, 2, 1, bias=False),
        nn.BatchNorm2d(widths[0]),
        nn.ReLU(inplace=True),
    ]
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(depthwise_separable_block(a, b, 1 if i == 0 else 2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], num_classes)]
    return nn.Sequential(*layers)


class ResNeXtBlock(nn.Module):
    """ResNeXt bottleneck: 1x1 reduce, grouped 3x3 (``cardinality`` groups), 1x1 expand, residual.

    Parameters
    ----------
    channels : int
        Channels in and out (identity shortcut).
    cardinality : int, default 4
        Number of groups of the 3x3 convolution.
    group_width : int, default 4
        Channels per group; the bottleneck has ``cardinality * group_width``.

    Notes
    -----
    Maps ``(N, channels, H, W)`` to the same shape. The grouped 3x3 has
    ``(C_b / g) C_b 9`` weights, ``1 / g`` of a dense 3x3.
    """

    def __init__(self, channels: int, cardinality: int = 4, group_width: int = 4) -> None:
        super().__init__()
        width = cardinality * group_width
        self.reduce = nn.Conv2d(channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.grouped = nn.Conv2d(width, width, 3, padding=1, groups=cardinality, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.expand = nn.Conv2d(width, channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``relu(x + bn3(expand(relu(bn2(grouped(relu(bn1(reduce(x)))))))))``."""
        y = self.relu(self.bn1(self.reduce(x)))
        y = self.relu(self.bn2(self.grouped(y)))
        return self.relu(x + self.bn3(self.expand(y)))


def tiny_resnext(
    in_channels: int = 3, num_classes: int = 10, channels: int = 16, blocks: int = 2
) -> nn.Sequential:
    """A ResNeXt-like classifier: a 3x3 stem, ``blocks`` ResNeXt blocks, a linear head.

    Parameters
    ----------
    in_channels, num_classes : int
        Input channels and outputs.
    channels : int, default 16
        Width of the trunk.
    blocks : int, default 2
        Number of :class:`ResNeXtBlock`.

    Returns
    -------
    torch.nn.Sequential
        ``(N, in_channels, H, W) -> (N, num_classes)``.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        *[ResNeXtBlock(channels) for _ in range(blocks)],
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, num_classes),
    )


class ShuffleUnit(nn.Module):
    """ShuffleNet unit: grouped 1x1, channel shuffle, depthwise 3x3, grouped 1x1.

    Parameters
    ----------
    c_in : int
        Input channels (a multiple of ``groups``).
    c_out : int
        Output channels. With ``stride=1`` it must equal ``c_in`` (identity
        shortcut, added); with ``stride=2`` the shortcut is a 3x3 average
        pool concatenated to the branch, which then makes ``c_out - c_in``.
    groups : int, default 2
        Groups of both pointwise convolutions.
    stride : int, default 1
        Stride of the depthwise convolution (1 or 2).

    Notes
    -----
    Maps ``(N, c_in, H, W)`` to ``(N, c_out, H / s, W / s)``. The pointwise
    group convolutions cost ``1 / g`` of dense 1x1 convolutions.
    """

    def __init__(self, c_in: int, c_out: int, groups: int = 2, stride: int = 1) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got stride={stride}")
        if stride == 1 and c_out != c_in:
            raise ValueError(f"c_out must equal c_in at stride 1, got c_in={c_in}, c_out={c_out}")
        branch = c_out if stride == 1 else c_out - c_in
        mid = max(groups, (branch // 4) // groups * groups)
        self.stride = stride
        self.gconv1 = nn.Conv2d(c_in, mid, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.relu = nn.ReLU()
        self.shuffle = nn.ChannelShuffle(groups)
        self.depthwise = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.gconv2 = nn.Conv2d(mid, branch, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch)
        self.pool = nn.AvgPool2d(3, 2, 1) if stride == 2 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Branch ``bn3(gconv2(bn2(depthwise(shuffle(relu(bn1(gconv1(x))))))))`` plus shortcut."""
        y = self.shuffle(self.relu(self.bn1(self.gconv1(x))))
        y = self.bn3(self.gconv2(self.bn2(self.depthwise(y))))
        if self.pool is None:
            return self.relu(x + y)
        return self.relu(torch.cat([self.pool(x), y], dim=1))


def tiny_shufflenet(in_channels: int = 3, num_classes: int = 10, groups: int = 2) -> nn.Sequential:
    """A ShuffleNet-like classifier: stem, a stride-2 and a stride-1 unit, a linear head.

    Parameters
    ----------
    in_channels, num_classes : int
        Input channels and outputs.
    groups : int, default 2
        Groups of the pointwise convolutions.

    Returns
    -------
    torch.nn.Sequential
        ``(N, in_channels, H, W) -> (N, num_classes)``.
    """
    stem = 8 * groups
    return nn.Sequential(
        nn.Conv2d(in_channels, stem, 3, 2, 1, bias=False),
        nn.BatchNorm2d(stem),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
        ShuffleUnit(stem, 2 * stem, groups, stride=2),
        ShuffleUnit(2 * stem, 2 * stem, groups),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2 * stem, num_classes),
    )


def upsampling_decoder(
    channels: Sequence[int] = (16, 8, 4, 1),
    kernel_size: int = 4,
    stride: int = 2,
    padding: int = 1,
) -> nn.Sequential:
    """A decoder of transposed convolutions (each doubling the size with the defaults).

    Parameters
    ----------
    channels : sequence of int, default (16, 8, 4, 1)
        Channels from the input to the output.
    kernel_size, stride, padding : int
        Of every ``ConvTranspose2d``; ``k = 4, s = 2, p = 1`` gives
        ``H_out = 2 H`` and an even overlap map, ``k = 3, s = 2`` a
        checkerboard.

    Returns
    -------
    torch.nn.Sequential
        ``ConvTranspose2d, BatchNorm2d, ReLU`` per step, a plain
        ``ConvTranspose2d`` and ``Sigmoid`` last.
    """
    layers: list[nn.Module] = []
    pairs = list(itertools.pairwise(channels))
    for i, (a, b) in enumerate(pairs):
        layers.append(nn.ConvTranspose2d(a, b, kernel_size, stride, padding))
        if i < len(pairs) - 1:
            layers += [nn.BatchNorm2d(b), nn.ReLU()]
    layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def resize_conv_decoder(
    channels: Sequence[int] = (16, 8, 4, 1), scale_factor: int = 2, kernel_size: int = 3
) -> nn.Sequential:
    """The remedy for checkerboards: nearest-neighbour upsampling then a stride-1 convolution.

    Parameters
    ----------
    channels : sequence of int, default (16, 8, 4, 1)
        Channels from the input to the output.
    scale_factor : int, default 2
        Upsampling factor of every step.
    kernel_size : int, default 3
        Odd kernel of each ``Conv2d`` (padding ``k // 2`` keeps the size).

    Returns
    -------
    torch.nn.Sequential
        ``Upsample, Conv2d, BatchNorm2d, ReLU`` per step, ``Sigmoid`` last.
    """
    layers: list[nn.Module] = []
    pairs = list(itertools.pairwise(channels))
    for i, (a, b) in enumerate(pairs):
        layers += [
            nn.Upsample(scale_factor=scale_factor, mode="nearest"),
            nn.Conv2d(a, b, kernel_size, padding=kernel_size // 2),
        ]
        if i < len(pairs) - 1:
            layers += [nn.BatchNorm2d(b), nn.ReLU()]
    layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------- #
# Real networks, from their papers' tables
# --------------------------------------------------------------------------- #


def _check_count(name: str, value: object, minimum: int = 1) -> int:
    """A positive integer argument, or a TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {name}={value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value}")
    return value


def _check_fraction(name: str, value: object, low: float, high: float) -> float:
    """A real number in ``[low, high)`` (``(0, high)`` when ``low`` is 0 and excluded)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {name}={value!r}")
    value = float(value)
    if not low <= value < high:
        raise ValueError(f"{name} must be in [{low}, {high}), got {name}={value}")
    return value


def _check_multiplier(name: str, value: object) -> float:
    """A width multiplier: a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {name}={value!r}")
    value = float(value)
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a finite number > 0, got {name}={value}")
    return value


def _conv_bn(
    c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1, act: type | None = nn.ReLU
) -> nn.Sequential:
    """``Conv2d`` (no bias, padding ``k // 2``), ``BatchNorm2d``, and an activation."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
    ]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """AlexNet as Krizhevsky et al. describe it, with the two-GPU layers as two groups.

    Five convolutions (96 kernels 11x11 stride 4; 256 of 5x5x48; 384 of 3x3x256;
    384 of 3x3x192; 256 of 3x3x192) and three fully connected layers (4096, 4096,
    ``num_classes``). The layers that the paper splits over two GPUs, whose kernels
    see only the 48 or 192 channels on their own GPU, are ``groups=2``
    convolutions (conv2, conv4, conv5); conv3 and the fully connected layers see
    both halves. Local response normalisation (``k = 2, n = 5, alpha = 1e-4,
    beta = 0.75``; torch divides ``alpha`` by ``n``, so it is given ``5e-4``) and
    overlapping 3x3 stride-2 max pooling follow conv1 and conv2; pooling also
    follows conv5. Dropout precedes the first two fully connected layers.

    Parameters
    ----------
    num_classes : int, default 1000
        Outputs of the last layer.
    dropout : float, default 0.5
        Dropout probability, in ``[0, 1)``.

    Returns
    -------
    torch.nn.Sequential
        ``features`` (``(N, 3, 224, 224) -> (N, 256, 6, 6)``), ``flatten``,
        ``classifier`` (``-> (N, num_classes)``). The paper's 224x224 input gives
        the 55x55 maps it states only with 2 pixels of padding around conv1
        (``(224 + 2 * 2 - 11) // 4 + 1 = 55``); that padding is used here.

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` is not a positive int or ``dropout`` not in ``[0, 1)``.

    References
    ----------
    A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks", NeurIPS (2012), section 3 and figure 2.
    """
    _check_count("num_classes", num_classes)
    dropout = _check_fraction("dropout", dropout, 0.0, 1.0)

    def lrn() -> nn.LocalResponseNorm:
        return nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)

    features = nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4, padding=2),
        nn.ReLU(inplace=True),
        lrn(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2),
        nn.ReLU(inplace=True),
        lrn(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=2),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2),
    )
    classifier = nn.Sequential(
        nn.Dropout(dropout),
        nn.Linear(256 * 6 * 6, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(4096, 4096),
        nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    )
    return nn.Sequential(
        OrderedDict(features=features, flatten=nn.Flatten(), classifier=classifier)
    )


#: VGG configuration D (VGG-16): output channels of each 3x3 convolution, "M" a 2x2 max pool.
VGG16_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512,
                512, "M")  # fmt: skip


def vgg16(num_classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """VGG-16, configuration D of Simonyan and Zisserman's table 1.

    Thirteen 3x3 convolutions (stride 1, padding 1, each followed by ReLU) in five
    stages of 64, 128, 256, 512 and 512 channels, each stage closed by a 2x2
    stride-2 max pool; then fully connected layers of 4096, 4096 and
    ``num_classes`` units, dropout after the first two.

    Parameters
    ----------
    num_classes : int, default 1000
    dropout : float, default 0.5
        In ``[0, 1)``.

    Returns
    -------
    torch.nn.Sequential
        ``features`` (``(N, 3, 224, 224) -> (N, 512, 7, 7)``), ``flatten``,
        ``classifier`` (``-> (N, num_classes)``).

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` is not a positive int or ``dropout`` not in ``[0, 1)``.

    References
    ----------
    K. Simonyan and A. Zisserman, arXiv:1409.1556 (2014), tables 1 and 2.
    """
    _check_count("num_classes", num_classes)
    dropout = _check_fraction("dropout", dropout, 0.0, 1.0)
    layers: list[nn.Module] = []
    c = 3
    for v in VGG16_LAYERS:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, int(v), 3, padding=1), nn.ReLU(inplace=True)]
            c = int(v)
    classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(4096, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(4096, num_classes),
    )
    return nn.Sequential(
        OrderedDict(features=nn.Sequential(*layers), flatten=nn.Flatten(), classifier=classifier)
    )


def _projection(c_in: int, c_out: int, stride: int) -> nn.Sequential | None:
    """ResNet shortcut option B: a strided 1x1 projection where the shape changes."""
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 convolutions and a shortcut.

    Parameters
    ----------
    c_in, c_out : int
        Channels in and out.
    stride : int, default 1
        Stride of the first 3x3 convolution and of the projection shortcut.

    Notes
    -----
    ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``; the shortcut is the
    identity, or a strided 1x1 convolution and a norm (option B of He et al.) when
    the shape changes. Maps ``(N, c_in, H, W)`` to ``(N, c_out, H / s, W / s)``.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = _projection(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Residual branch plus shortcut, then ReLU."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """ResNet/ResNeXt bottleneck: 1x1 reduce, 3x3 (grouped for ResNeXt), 1x1 expand.

    Parameters
    ----------
    c_in : int
        Input channels.
    width : int
        Channels of the 3x3 convolution (64 in conv2_x of ResNet-50; 128 with 32
        groups in ResNeXt-50 32x4d).
    c_out : int
        Output channels.
    stride : int, default 1
    groups : int, default 1
        Groups of the 3x3 convolution (the cardinality of ResNeXt).
    stride_on : {"1x1", "3x3"}, default "1x1"
        Which convolution of the block strides when ``stride > 1``: the first 1x1
        (the models released with the ResNet paper) or the 3x3 (ResNeXt, and
        torchvision's ResNet-50).

    Notes
    -----
    ``relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))``,
    shortcut as in :class:`BasicBlock`.
    """

    def __init__(
        self,
        c_in: int,
        width: int,
        c_out: int,
        stride: int = 1,
        groups: int = 1,
        stride_on: str = "1x1",
    ) -> None:
        super().__init__()
        if not isinstance(stride_on, str):
            raise TypeError(f"stride_on must be '1x1' or '3x3', got stride_on={stride_on!r}")
        if stride_on not in ("1x1", "3x3"):
            raise ValueError(f"stride_on must be '1x1' or '3x3', got stride_on={stride_on!r}")
        s1, s3 = (stride, 1) if stride_on == "1x1" else (1, stride)
        self.conv1 = nn.Conv2d(c_in, width, 1, s1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, s3, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _projection(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Residual branch plus shortcut, then ReLU."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """The ResNet trunk: 7x7 stride-2 stem, 3x3 stride-2 max pool, four stages, pool, fc.

    Parameters
    ----------
    stages : sequence of sequence of nn.Module
        The blocks of conv2_x ... conv5_x.
    c_stem, c_last : int
        Channels of the stem and of the last stage.
    num_classes : int

    Notes
    -----
    ``(N, 3, 224, 224) -> (N, num_classes)``; the stages run at 56, 28, 14 and 7
    pixels a side.
    """

    def __init__(
        self, stages: Sequence[Sequence[nn.Module]], c_stem: int, c_last: int, num_classes: int
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, c_stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c_stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(*stages[0])
        self.layer2 = nn.Sequential(*stages[1])
        self.layer3 = nn.Sequential(*stages[2])
        self.layer4 = nn.Sequential(*stages[3])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c_last, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Stem, four stages, global average pool, fully connected layer."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.flatten(self.avgpool(x)))


def resnet18(num_classes: int = 1000, width: int = 64) -> ResNet:
    """ResNet-18 of He et al.'s table 1: [3x3, 3x3] blocks, 2 per stage.

    Parameters
    ----------
    num_classes : int, default 1000
    width : int, default 64
        Channels of conv2_x; the later stages have 2, 4 and 8 times as many.

    Returns
    -------
    ResNet
        ``(N, 3, 224, 224) -> (N, num_classes)``. Projection shortcuts (option
        B) where the shape changes, identity elsewhere.

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` or ``width`` is not a positive int.

    References
    ----------
    K. He et al., arXiv:1512.03385 (2015), table 1.
    """
    _check_count("num_classes", num_classes)
    _check_count("width", width)
    stages, c = [], width
    for i in range(4):
        w = width * 2**i
        stride = 1 if i == 0 else 2
        stages.append([BasicBlock(c, w, stride), BasicBlock(w, w)])
        c = w
    return ResNet(stages, width, c, num_classes)


def _bottleneck_stages(
    blocks: Sequence[int], widths: Sequence[int], c_stem: int, groups: int, stride_on: str
) -> tuple[list[list[nn.Module]], int]:
    stages, c = [], c_stem
    for i, (n, w) in enumerate(zip(blocks, widths, strict=True)):
        c_out = 4 * c_stem * 2**i
        stride = 1 if i == 0 else 2
        stage = [Bottleneck(c, w, c_out, stride, groups, stride_on)]
        stage += [Bottleneck(c_out, w, c_out, 1, groups, stride_on) for _ in range(n - 1)]
        stages.append(stage)
        c = c_out
    return stages, c


def resnet50(num_classes: int = 1000, width: int = 64, stride_on: str = "1x1") -> ResNet:
    """ResNet-50 of He et al.'s table 1: bottleneck blocks [3, 4, 6, 3].

    Parameters
    ----------
    num_classes : int, default 1000
    width : int, default 64
        Bottleneck channels of conv2_x (its blocks output ``4 * width``); doubled
        at each later stage.
    stride_on : {"1x1", "3x3"}, default "1x1"
        Where conv3_1, conv4_1 and conv5_1 stride: on their first 1x1 convolution,
        as in the models released with the paper, or on the 3x3, as ResNeXt and
        torchvision do (which costs more MACs: the 1x1 then runs at full
        resolution).

    Returns
    -------
    ResNet
        ``(N, 3, 224, 224) -> (N, num_classes)``; projection shortcuts (option B)
        where the shape changes.

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` or ``width`` is not a positive int, or ``stride_on`` is
        neither ``"1x1"`` nor ``"3x3"``.

    References
    ----------
    K. He et al., arXiv:1512.03385 (2015), table 1.
    """
    _check_count("num_classes", num_classes)
    _check_count("width", width)
    if not isinstance(stride_on, str):
        raise TypeError(f"stride_on must be '1x1' or '3x3', got stride_on={stride_on!r}")
    if stride_on not in ("1x1", "3x3"):
        raise ValueError(f"stride_on must be '1x1' or '3x3', got stride_on={stride_on!r}")
    widths = [width * 2**i for i in range(4)]
    stages, c = _bottleneck_stages((3, 4, 6, 3), widths, width, 1, stride_on)
    return ResNet(stages, width, c, num_classes)


def resnext50_32x4d(num_classes: int = 1000, groups: int = 32, width_per_group: int = 4) -> ResNet:
    """ResNeXt-50 (32x4d) of Xie et al.'s table 1: ResNet-50 with grouped 3x3 convolutions.

    Parameters
    ----------
    num_classes : int, default 1000
    groups : int, default 32
        The cardinality ``C``: groups of every 3x3 convolution.
    width_per_group : int, default 4
        The bottleneck width ``d`` of conv2_x; the 3x3 layers have ``C d``
        channels (128 for 32x4d), doubled at each later stage.

    Returns
    -------
    ResNet
        ``(N, 3, 224, 224) -> (N, num_classes)``; the blocks output 256, 512,
        1024 and 2048 channels; the first block of conv3, 4 and 5 strides on its
        3x3 convolution, as the paper's section 4 states.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int.

    References
    ----------
    S. Xie et al., arXiv:1611.05431 (2016), table 1 and section 4.
    """
    _check_count("num_classes", num_classes)
    _check_count("groups", groups)
    _check_count("width_per_group", width_per_group)
    widths = [groups * width_per_group * 2**i for i in range(4)]
    stages, c = _bottleneck_stages((3, 4, 6, 3), widths, 64, groups, "3x3")
    return ResNet(stages, 64, c, num_classes)


#: MobileNet v1 (Howard et al., table 1): (output channels, stride) of each
#: depthwise separable layer after the 3x3 stride-2 stem of 32 channels.
MOBILENET_V1_LAYERS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
                       (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))  # fmt: skip


def mobilenet_v1(num_classes: int = 1000, width_multiplier: float = 1.0) -> nn.Sequential:
    """MobileNet (v1) of Howard et al.'s table 1: a stem and 13 depthwise separable layers.

    Each layer is a 3x3 depthwise convolution (the stride of the table) and a 1x1
    pointwise convolution, each followed by batch norm and ReLU; then a global
    average pool and a fully connected layer.

    Parameters
    ----------
    num_classes : int, default 1000
    width_multiplier : float, default 1.0
        The paper's ``alpha``: every layer has ``int(alpha * C)`` channels.

    Returns
    -------
    torch.nn.Sequential
        ``features`` (``(N, 3, 224, 224) -> (N, 1024 alpha, 7, 7)``), ``avgpool``,
        ``flatten``, ``classifier``.

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` is not a positive int, or ``width_multiplier`` is not a
        finite number > 0 or leaves a layer with no channel.

    References
    ----------
    A. G. Howard et al., arXiv:1704.04861 (2017), tables 1 and 6.
    """
    _check_count("num_classes", num_classes)
    alpha = _check_multiplier("width_multiplier", width_multiplier)

    def ch(c: int) -> int:
        out = int(c * alpha)
        if out < 1:
            raise ValueError(
                f"width_multiplier={width_multiplier} leaves a layer of {c} channels with none"
            )
        return out

    c = ch(32)
    layers: list[nn.Module] = [_conv_bn(3, c, 3, 2)]
    for c_out, stride in MOBILENET_V1_LAYERS:
        layers.append(nn.Sequential(_conv_bn(c, c, 3, stride, groups=c), _conv_bn(c, ch(c_out), 1)))
        c = ch(c_out)
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(*layers),
            avgpool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            classifier=nn.Linear(c, num_classes),
        )
    )


class InvertedResidual(nn.Module):
    """MobileNetV2 bottleneck: 1x1 expansion, 3x3 depthwise, linear 1x1 projection.

    Parameters
    ----------
    c_in, c_out : int
    stride : int
        Of the depthwise convolution.
    expand_ratio : int
        The expansion factor ``t``: the depthwise layer has ``t c_in`` channels
        (with ``t = 1`` there is no expansion layer).

    Notes
    -----
    ReLU6 after the expansion and the depthwise layer, none after the
    projection; the input is added when ``stride = 1`` and ``c_in = c_out``.
    """

    def __init__(self, c_in: int, c_out: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = c_in * expand_ratio
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(_conv_bn(c_in, hidden, 1, act=nn.ReLU6))
        layers += [
            _conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            _conv_bn(hidden, c_out, 1, act=None),
        ]
        self.conv = nn.Sequential(*layers)
        self.use_residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x + conv(x)`` when shapes allow, else ``conv(x)``."""
        return x + self.conv(x) if self.use_residual else self.conv(x)


#: MobileNetV2 (Sandler et al., table 2): (t, c, n, s) of each bottleneck sequence.
MOBILENET_V2_LAYERS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip


def _make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of ``divisor``, never below 90 % of ``value``."""
    out = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * value else out


def mobilenet_v2(num_classes: int = 1000, width_multiplier: float = 1.0) -> nn.Sequential:
    """MobileNetV2 of Sandler et al.'s table 2.

    A 3x3 stride-2 stem of 32 channels, 17 inverted residual bottlenecks in
    seven sequences ``(t, c, n, s)``, a 1x1 convolution to 1280 channels, global
    average pool, and a fully connected classifier (the table's final 1x1
    convolution on a 1x1 map).

    Parameters
    ----------
    num_classes : int, default 1000
    width_multiplier : float, default 1.0
        Scales every layer's channels (rounded to a multiple of 8, as the
        authors' code does); the last convolution keeps 1280 channels for
        multipliers below 1, as the paper says.

    Returns
    -------
    torch.nn.Sequential
        ``features`` (``(N, 3, 224, 224) -> (N, 1280, 7, 7)``), ``avgpool``,
        ``flatten``, ``classifier``.

    Raises
    ------
    TypeError, ValueError
        If ``num_classes`` is not a positive int or ``width_multiplier`` not a
        finite number > 0.

    References
    ----------
    M. Sandler et al., arXiv:1801.04381 (2018), tables 1 and 2.
    """
    _check_count("num_classes", num_classes)
    alpha = _check_multiplier("width_multiplier", width_multiplier)
    c = _make_divisible(32 * alpha)
    layers: list[nn.Module] = [_conv_bn(3, c, 3, 2, act=nn.ReLU6)]
    for t, c_seq, n, s in MOBILENET_V2_LAYERS:
        c_out = _make_divisible(c_seq * alpha)
        for i in range(n):
            layers.append(InvertedResidual(c, c_out, s if i == 0 else 1, t))
            c = c_out
    last = _make_divisible(1280 * max(1.0, alpha))
    layers.append(_conv_bn(c, last, 1, act=nn.ReLU6))
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(*layers),
            avgpool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            classifier=nn.Linear(last, num_classes),
        )
    )


class ShuffleNetV1Unit(nn.Module):
    """ShuffleNet unit (Zhang et al., figure 2 b and c).

    1x1 group convolution, BN, ReLU, channel shuffle; 3x3 depthwise convolution,
    BN (no ReLU); 1x1 group convolution, BN. With stride 1 the input is added;
    with stride 2 a 3x3 stride-2 average pool of the input is concatenated. ReLU
    last.

    Parameters
    ----------
    c_in, c_out : int
        Channels in and out; the bottleneck has ``c_out // 4``.
    groups : int
        Groups of the pointwise convolutions.
    stride : {1, 2}
    group_first : bool, default True
        Whether the first 1x1 convolution is grouped (the paper leaves it dense
        in the first unit of stage 2, whose input has only 24 channels).
    """

    def __init__(
        self, c_in: int, c_out: int, groups: int, stride: int, group_first: bool = True
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got stride={stride}")
        mid = c_out // 4
        branch = c_out - c_in if stride == 2 else c_out
        g1 = groups if group_first else 1
        self.gconv1 = nn.Conv2d(c_in, mid, 1, groups=g1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.relu = nn.ReLU(inplace=True)
        self.shuffle = nn.ChannelShuffle(groups) if g1 > 1 else nn.Identity()
        self.dwconv = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.gconv2 = nn.Conv2d(mid, branch, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch)
        self.pool = nn.AvgPool2d(3, 2, 1) if stride == 2 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Branch plus (stride 1) or concatenated to (stride 2) the shortcut, then ReLU."""
        y = self.shuffle(self.relu(self.bn1(self.gconv1(x))))
        y = self.bn3(self.gconv2(self.bn2(self.dwconv(y))))
        if self.pool is None:
            return self.relu(x + y)
        return self.relu(torch.cat([self.pool(x), y], dim=1))


#: ShuffleNet 1x (Zhang et al., table 1): output channels of stage 2 for each number of groups.
SHUFFLENET_V1_CHANNELS = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}


def shufflenet_v1(groups: int = 3, num_classes: int = 1000) -> nn.Sequential:
    """ShuffleNet 1x of Zhang et al.'s table 1.

    A 3x3 stride-2 stem of 24 channels and a 3x3 stride-2 max pool; stages 2, 3
    and 4 of 4, 8 and 4 units (the first of each with stride 2), whose output
    channels depend on ``groups`` (240, 480, 960 for ``g = 3``); global average
    pool and a fully connected layer.

    Parameters
    ----------
    groups : {1, 2, 3, 4, 8}, default 3
        Groups of the pointwise convolutions (a column of table 1).
    num_classes : int, default 1000

    Returns
    -------
    torch.nn.Sequential
        ``conv1``, ``maxpool``, ``stage2``, ``stage3``, ``stage4``, ``avgpool``,
        ``flatten``, ``fc``: ``(N, 3, 224, 224) -> (N, num_classes)``.

    Raises
    ------
    TypeError, ValueError
        If ``groups`` is not one of table 1's columns or ``num_classes`` not a
        positive int.

    References
    ----------
    X. Zhang et al., arXiv:1707.01083 (2017), table 1 and section 3.3.
    """
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"groups must be an int, got groups={groups!r}")
    if groups not in SHUFFLENET_V1_CHANNELS:
        raise ValueError(
            f"groups must be one of {sorted(SHUFFLENET_V1_CHANNELS)} (table 1), got groups={groups}"
        )
    _check_count("num_classes", num_classes)
    c, c_out = 24, SHUFFLENET_V1_CHANNELS[groups]
    stages = {}
    for name, repeat in (("stage2", 4), ("stage3", 8), ("stage4", 4)):
        units = [ShuffleNetV1Unit(c, c_out, groups, 2, group_first=name != "stage2")]
        units += [ShuffleNetV1Unit(c_out, c_out, groups, 1) for _ in range(repeat - 1)]
        stages[name] = nn.Sequential(*units)
        c, c_out = c_out, 2 * c_out
    return nn.Sequential(
        OrderedDict(
            conv1=_conv_bn(3, 24, 3, 2),
            maxpool=nn.MaxPool2d(3, 2, 1),
            **stages,
            avgpool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            fc=nn.Linear(c, num_classes),
        )
    )


#: The real networks of this module, by the names the book uses.
NETWORKS = {
    "AlexNet": alexnet,
    "VGG-16": vgg16,
    "ResNet-18": resnet18,
    "ResNet-50": resnet50,
    "ResNeXt-50 (32x4d)": resnext50_32x4d,
    "MobileNet v1": mobilenet_v1,
    "MobileNet v2": mobilenet_v2,
    "ShuffleNet v1 (g=3)": shufflenet_v1,
}
