"""Tiny networks built from the convolutions of the book, for counting and for the labs.

Small, randomly initialised versions of the blocks that made each convolution
type famous: MobileNet's depthwise separable blocks, ResNeXt's grouped 3x3,
ShuffleNet's pointwise group convolutions with a channel shuffle, and an
upsampling decoder with transposed convolutions (and its resize-convolution
twin). No weights are downloaded. Needs torch (imported here at module level;
``import convviz`` does not import this module).

References
----------
A. G. Howard et al., "MobileNets", arXiv:1704.04861 (2017).
S. Xie et al., "Aggregated Residual Transformations for Deep Neural Networks"
(ResNeXt), arXiv:1611.05431 (2016).
X. Zhang et al., "ShuffleNet", arXiv:1707.01083 (2017).
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill (2016).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "ResNeXtBlock",
    "ShuffleUnit",
    "depthwise_separable_block",
    "resize_conv_decoder",
    "tiny_mobilenet",
    "tiny_resnext",
    "tiny_shufflenet",
    "upsampling_decoder",
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
