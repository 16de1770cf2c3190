"""What a convolution costs: multiplications, FLOPs and parameters, layer by layer.

Every convolution type of the book is priced here from real shapes (batch, channels,
spatial sizes, stride, padding, dilation, groups). The closed-form formulas the
chapters quote, and the article's worked examples, are in :mod:`convviz.formulas`.

Conventions
-----------
MACs
    Multiply-accumulates: one multiplication of a weight by an input value,
    added to a running sum. A convolution performs, for every output element,
    one MAC per kernel tap and per input channel of its group. **Taps that
    land on zero padding are counted too** (they are performed by a direct
    implementation, and this is what ``torch.utils.flop_counter.FlopCounterMode``
    counts): ``MACs = N * C_out * prod(out_spatial) * (C_in / g) * prod(k)``.
    Pass ``padding_taps=False`` to count only the taps that land on real input.
    A transposed convolution scatters every input element through the whole
    kernel: ``MACs = N * C_in * prod(in_spatial) * (C_out / g) * prod(k)``,
    including taps that land on cropped (``padding``) cells.
FLOPs
    ``2 * MACs`` (one multiplication and one addition per MAC), the usual
    convention and the one ``FlopCounterMode`` uses. Bias additions are left
    out of ``flops``; :attr:`Cost.flops_with_bias` adds one addition per
    output element when the layer has a bias.
Parameters
    Weights plus the bias (``C_out`` values) when ``bias=True``.

Shapes are full PyTorch shapes, batch included: ``input_shape = (N, C_in, *spatial)``
with one to three (or more) spatial axes; ``kernel_size``, ``stride``, ``padding``
and ``dilation`` are an ``int`` (same on every axis) or one value per axis.

References
----------
K. Bai, "A Comprehensive Introduction to Different Types of Convolutions in
Deep Learning", Towards Data Science (2019): the worked numbers.
J. Jin, A. Dundar and E. Culurciello, "Flattened convolutional neural networks
for feedforward acceleration", arXiv:1412.5474 (2014).
A. G. Howard et al., "MobileNets", arXiv:1704.04861 (2017).
X. Zhang et al., "ShuffleNet", arXiv:1707.01083 (2017).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convviz._validate import _check_int, check_choice, int_tuple

# The closed-form formulas moved to convviz.formulas; still reachable as convviz.cost.<name>
from convviz.formulas import (  # noqa: F401
    FORMULAS,
    Formula,
    article_separable_ratio,
    depthwise_separable_ratio,
    depthwise_separable_ratio_exact,
    depthwise_separable_ratio_limit,
    grouped_params_ratio,
    separable_ratio,
    separable_ratio_exact,
    separable_ratio_limit,
    spatially_separable_macs_square,
    standard_macs_formula,
    standard_macs_square,
    standard_params_formula,
)
from convviz.shapes import (
    _padding_pairs,
    conv_output_size,
    conv_transpose_output_size,
)

__all__ = [
    "LAYER_KINDS",
    "Cost",
    "conv_cost",
    "conv_transpose_cost",
    "depthwise_cost",
    "depthwise_separable_cost",
    "flattened_cost",
    "grouped_conv_cost",
    "layer_costs",
    "pointwise_cost",
    "pointwise_grouped_cost",
    "spatially_separable_cost",
]


# --------------------------------------------------------------------------- #
# The result type
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Cost:
    """Cost of one layer, or of a sequence of layers added with ``+``.

    Attributes
    ----------
    macs : int
        Multiply-accumulates (see the module conventions on padding taps).
    params : int
        Learned parameters, weights plus biases.
    output_shape : tuple of int
        ``(N, C_out, *out_spatial)`` of the (last) layer.
    bias_adds : int, default 0
        Additions of a bias, one per output element of each layer with a bias.
    """

    macs: int
    params: int
    output_shape: tuple[int, ...]
    bias_adds: int = 0

    @property
    def flops(self) -> int:
        """``2 * macs``: one multiplication and one addition per MAC, bias excluded."""
        return 2 * self.macs

    @property
    def flops_with_bias(self) -> int:
        """``2 * macs + bias_adds``."""
        return 2 * self.macs + self.bias_adds

    def __add__(self, other: Cost) -> Cost:
        """Cost of running ``self`` then ``other``: sums, and the shape of ``other``."""
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(
            self.macs + other.macs,
            self.params + other.params,
            other.output_shape,
            self.bias_adds + other.bias_adds,
        )


# --------------------------------------------------------------------------- #
# Argument handling
# --------------------------------------------------------------------------- #


def _input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    if not isinstance(input_shape, Sequence) or isinstance(input_shape, str):
        raise TypeError(f"input_shape must be a sequence (N, C_in, *spatial), got {input_shape!r}")
    if len(input_shape) < 3:
        raise ValueError(
            f"input_shape must be (N, C_in, *spatial) with at least one spatial axis, "
            f"got input_shape={tuple(input_shape)!r}"
        )
    return tuple(_check_int("input_shape", v, 1) for v in input_shape)


def _groups(c_in: int, c_out: int, groups: object) -> int:
    g = _check_int("groups", groups, 1)
    if c_in % g or c_out % g:
        raise ValueError(
            f"groups must divide in_channels and out_channels, got groups={g}, "
            f"in_channels={c_in}, out_channels={c_out}"
        )
    return g


def _layer_args(
    input_shape: Sequence[int],
    out_channels: object,
    groups: object,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int],
) -> tuple[int, int, tuple[int, ...], int, int, tuple[int, ...], tuple[int, ...]]:
    """Checked ``(N, C_in, spatial, C_out, g, kernel, stride)`` of a (transposed) convolution."""
    shape = _input_shape(input_shape)
    n, c_in, spatial = shape[0], shape[1], shape[2:]
    dims = len(spatial)
    c_out = _check_int("out_channels", out_channels, 1)
    g = _groups(c_in, c_out, groups)
    k = int_tuple("kernel_size", kernel_size, dims, 1)
    s = int_tuple("stride", stride, dims, 1)
    return n, c_in, spatial, c_out, g, k, s


def _layer_cost(
    macs: int, weights: int, n: int, c_out: int, out: tuple[int, ...], bias: bool
) -> Cost:
    """Cost of one layer: its MACs, weights plus ``C_out`` biases, shape ``(N, C_out, *out)``."""
    out_shape = (n, c_out, *out)
    params = weights + (c_out if bias else 0)
    return Cost(macs, params, out_shape, math.prod(out_shape) if bias else 0)


def _taps_in_bounds(
    n_out: int, size: int, kernel: int, step: int, offset: int, dilation: int
) -> int:
    """Pairs (o, t) with ``0 <= o * step - offset + t * dilation < size``."""
    pos = np.arange(n_out)[:, None] * step - offset + np.arange(kernel)[None, :] * dilation
    return int(np.count_nonzero((pos >= 0) & (pos < size)))


# --------------------------------------------------------------------------- #
# Per-layer costs
# --------------------------------------------------------------------------- #


def conv_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    bias: bool = True,
    *,
    padding_taps: bool = True,
) -> Cost:
    """Cost of a (possibly grouped) convolution, ``torch.nn.ConvNd`` semantics.

    Covers the standard, 1x1 (pointwise), depthwise (``groups = C_in``),
    grouped and pointwise grouped convolutions.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    kernel_size, stride, dilation : int or sequence of int
        Per spatial axis, or one value for all.
    padding : int, sequence of int, 'same' or 'valid'
        As in ``torch.nn.Conv2d`` (``'same'`` pads ``d (k - 1)`` cells, the odd
        one on the right).
    groups : int, default 1
        ``g``; must divide ``C_in`` and ``C_out``.
    bias : bool, default True
        Whether the layer has a bias (adds ``C_out`` parameters).
    padding_taps : bool, default True
        Count the multiplications by padded zeros (PyTorch's and the book's
        convention). ``False`` counts only the taps that land on real input.

    Returns
    -------
    Cost
        ``macs = N C_out prod(out) (C_in / g) prod(k)`` (2D: ``N H_out W_out
        C_out C_in k_h k_w / g``), ``params = C_out (C_in / g) prod(k) [+ C_out]``,
        ``output_shape = (N, C_out, *out)`` with ``out`` from
        :func:`convviz.shapes.conv_output_size`.
    """
    n, c_in, spatial, c_out, g, k, s = _layer_args(
        input_shape, out_channels, groups, kernel_size, stride
    )
    d = int_tuple("dilation", dilation, len(spatial), 1)
    pads = _padding_pairs(padding, k, s, d, per_axis=int_tuple)
    out = tuple(
        conv_output_size(i, ki, si, pi, di)
        for i, ki, si, pi, di in zip(spatial, k, s, pads, d, strict=True)
    )
    per_output = (c_in // g) * math.prod(k)
    if padding_taps:
        macs = n * c_out * math.prod(out) * per_output
    else:
        pairs = math.prod(
            _taps_in_bounds(o, i, ki, si, pi[0], di)
            for o, i, ki, si, pi, di in zip(out, spatial, k, s, pads, d, strict=True)
        )
        macs = n * c_out * (c_in // g) * pairs
    return _layer_cost(macs, c_out * per_output, n, c_out, out, bias)


def pointwise_cost(
    input_shape: Sequence[int], out_channels: int, groups: int = 1, bias: bool = True
) -> Cost:
    """Cost of a 1x1 (pointwise) convolution.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    groups : int, default 1
        ``g > 1`` gives ShuffleNet's pointwise group convolution.
    bias : bool, default True
        Whether the layer has a bias.

    Returns
    -------
    Cost
        ``macs = N H W C_in C_out / g``, ``params = C_in C_out / g [+ C_out]``;
        the spatial shape is kept.
    """
    return conv_cost(input_shape, out_channels, 1, groups=groups, bias=bias)


def pointwise_grouped_cost(
    input_shape: Sequence[int], out_channels: int, groups: int, bias: bool = True
) -> Cost:
    """Cost of ShuffleNet's pointwise group convolution (1x1, ``g`` groups).

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    groups : int
        ``g``; divides ``C_in`` and ``C_out``.
    bias : bool, default True
        Whether the layer has a bias.

    Returns
    -------
    Cost
        ``macs = N H W C_in C_out / g``: ``g`` times fewer than the dense 1x1.

    References
    ----------
    X. Zhang, X. Zhou, M. Lin and J. Sun, "ShuffleNet", arXiv:1707.01083 (2017).
    """
    return pointwise_cost(input_shape, out_channels, groups=groups, bias=bias)


def grouped_conv_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    groups: int,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    bias: bool = True,
) -> Cost:
    """Cost of a grouped convolution (AlexNet's two groups, ResNeXt's cardinality).

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    kernel_size : int or sequence of int
        Kernel per axis.
    groups : int
        ``g``: each group sees ``C_in / g`` channels and makes ``C_out / g``.
    stride, padding, dilation : see :func:`conv_cost`.
    bias : bool, default True
        Whether the layer has a bias.

    Returns
    -------
    Cost
        ``macs = N H_out W_out C_out C_in k_h k_w / g``; weights
        ``C_out C_in k_h k_w / g``, i.e. ``1 / g`` of the standard layer
        (halved by two groups).
    """
    return conv_cost(
        input_shape, out_channels, kernel_size, stride, padding, dilation, groups, bias
    )


def depthwise_cost(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    depth_multiplier: int = 1,
    bias: bool = True,
) -> Cost:
    """Cost of a depthwise convolution (``groups = C_in``).

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    kernel_size, stride, padding, dilation : see :func:`conv_cost`.
    depth_multiplier : int, default 1
        Output channels per input channel: ``C_out = C_in * depth_multiplier``.
    bias : bool, default True
        Whether the layer has a bias.

    Returns
    -------
    Cost
        ``macs = N H_out W_out C_in k_h k_w`` (times the multiplier),
        ``params = C_in k_h k_w [+ C_in]``.
    """
    c_in = _input_shape(input_shape)[1]
    mult = _check_int("depth_multiplier", depth_multiplier, 1)
    return conv_cost(input_shape, c_in * mult, kernel_size, stride, padding, dilation, c_in, bias)


def depthwise_separable_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    bias: bool = True,
) -> Cost:
    """Cost of a depthwise separable convolution: depthwise ``k x k`` then pointwise 1x1.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out`` of the pointwise step.
    kernel_size, stride, padding, dilation : see :func:`conv_cost`
        Of the depthwise step (the pointwise step has stride 1, no padding).
    bias : bool, default True
        Whether both steps have a bias.

    Returns
    -------
    Cost
        ``macs = N H_out W_out C_in (k_h k_w + C_out)``; the ratio to the
        standard convolution is ``1 / C_out + 1 / (k_h k_w)``
        (:func:`convviz.formulas.depthwise_separable_ratio`).

    References
    ----------
    A. G. Howard et al., "MobileNets", arXiv:1704.04861 (2017).
    """
    dw = depthwise_cost(input_shape, kernel_size, stride, padding, dilation, bias=bias)
    return dw + pointwise_cost(dw.output_shape, out_channels, bias=bias)


def _axis_kernel(dims: int, axis: int, value: int, rest: int) -> tuple[int, ...]:
    return tuple(value if a == axis else rest for a in range(dims))


def _axis_passes(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int],
    padding: int | Sequence[int],
    dilation: int | Sequence[int],
) -> tuple[tuple[int, ...], list[tuple[tuple[int, ...], ...]]]:
    """The checked input shape and one ``(kernel, stride, padding, dilation)`` per spatial axis.

    Each is the setting of a 1D pass along that axis: the axis's own values there, and
    kernel 1, stride 1, padding 0, dilation 1 on the other axes.
    """
    shape = _input_shape(input_shape)
    dims = len(shape) - 2
    if isinstance(padding, str):
        raise ValueError(f"padding must be an int or a tuple here, got {padding=}")
    k = int_tuple("kernel_size", kernel_size, dims, 1)
    s = int_tuple("stride", stride, dims, 1)
    p = int_tuple("padding", padding, dims, 0)
    d = int_tuple("dilation", dilation, dims, 1)
    passes = [
        (
            _axis_kernel(dims, axis, k[axis], 1),
            _axis_kernel(dims, axis, s[axis], 1),
            _axis_kernel(dims, axis, p[axis], 0),
            _axis_kernel(dims, axis, d[axis], 1),
        )
        for axis in range(dims)
    ]
    return shape, passes


def spatially_separable_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    bias: bool = True,
    mid_channels: int | None = None,
) -> Cost:
    """Cost of a spatially separable convolution: ``k_h x 1`` then ``1 x k_w``.

    One 1D convolution per spatial axis, in order (first axis first). Each
    carries the stride, padding and dilation of its own axis, so the output
    shape equals that of the standard ``k_h x k_w`` convolution.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out`` of the last step.
    kernel_size, stride, padding, dilation : int or sequence of int
        Per axis (``'same'`` is not accepted here).
    bias : bool, default True
        Whether every step has a bias.
    mid_channels : int, optional
        Channels between the steps; defaults to ``C_out``. With one channel
        throughout (the article's example) a rank-1 kernel ``a b^T`` is
        reproduced exactly.

    Returns
    -------
    Cost
        2D: ``macs = N (H_out W C_mid C_in k_h + H_out W_out C_out C_mid k_w)``.
        For an ``N x N`` image, ``m x m`` kernel, one channel, stride 1, no
        padding: ``N (N - m + 1) m + (N - m + 1)^2 m``
        (:func:`convviz.formulas.spatially_separable_macs_square`).
    """
    shape, passes = _axis_passes(input_shape, kernel_size, stride, padding, dilation)
    c_out = _check_int("out_channels", out_channels, 1)
    mid = c_out if mid_channels is None else _check_int("mid_channels", mid_channels, 1)
    total: Cost | None = None
    current = shape
    for axis, settings in enumerate(passes):
        step = conv_cost(current, c_out if axis == len(passes) - 1 else mid, *settings, bias=bias)
        total = step if total is None else total + step
        current = step.output_shape
    assert total is not None
    return total


def flattened_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    bias: bool = True,
) -> Cost:
    """Cost of a flattened convolution: channel 1D, then vertical 1D, then horizontal 1D.

    The ``C_in x k_h x k_w`` filter of a standard layer is replaced by three
    one-dimensional filters (Jin, Dundar & Culurciello): a lateral 1x1 across
    channels (``C_in -> C_out``), then per channel a ``k_h x 1`` and a ``1 x k_w``
    filter (depthwise). Stride, padding and dilation go to the axis they act on.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    kernel_size, stride, padding, dilation : int or sequence of int
        Per spatial axis.
    bias : bool, default True
        Whether every step has a bias.

    Returns
    -------
    Cost
        2D: ``macs = N C_out (H W C_in + H_out W k_h + H_out W_out k_w)``,
        weights ``C_out (C_in + k_h + k_w)`` instead of ``C_out C_in k_h k_w``.

    References
    ----------
    J. Jin, A. Dundar and E. Culurciello, "Flattened convolutional neural
    networks for feedforward acceleration", arXiv:1412.5474 (2014).
    """
    shape, passes = _axis_passes(input_shape, kernel_size, stride, padding, dilation)
    total = pointwise_cost(shape, out_channels, bias=bias)
    for kernel, step, pad, dil in passes:  # one depthwise 1D pass per axis, first axis first
        total = total + depthwise_cost(total.output_shape, kernel, step, pad, dil, bias=bias)
    return total


def conv_transpose_cost(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    bias: bool = True,
    dilation: int | Sequence[int] = 1,
    *,
    padding_taps: bool = True,
) -> Cost:
    """Cost of a transposed convolution, ``torch.nn.ConvTransposeNd`` semantics.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels : int
        ``C_out``.
    kernel_size, stride, padding, output_padding, dilation : int or sequence of int
        Per spatial axis, as in ``torch.nn.ConvTranspose2d`` (same argument order).
    groups : int, default 1
        ``g``.
    bias : bool, default True
        Whether the layer has a bias.
    padding_taps : bool, default True
        Count the taps that land on cropped border cells (``padding``) too,
        as PyTorch does; ``False`` counts only taps landing inside the output.

    Returns
    -------
    Cost
        ``macs = N C_in prod(in) (C_out / g) prod(k)`` (2D: ``N H W C_in C_out
        k_h k_w / g``): every input element is multiplied by the whole kernel;
        ``params = C_in (C_out / g) prod(k) [+ C_out]``; ``out`` from
        :func:`convviz.shapes.conv_transpose_output_size`.
    """
    n, c_in, spatial, c_out, g, k, s = _layer_args(
        input_shape, out_channels, groups, kernel_size, stride
    )
    dims = len(spatial)
    p = int_tuple("padding", padding, dims, 0)
    a = int_tuple("output_padding", output_padding, dims, 0)
    d = int_tuple("dilation", dilation, dims, 1)
    out = tuple(
        conv_transpose_output_size(i, ki, si, pi, ai, di)
        for i, ki, si, pi, ai, di in zip(spatial, k, s, p, a, d, strict=True)
    )
    weights = c_in * (c_out // g) * math.prod(k)
    if padding_taps:
        macs = n * math.prod(spatial) * weights
    else:
        pairs = math.prod(
            _taps_in_bounds(i, o, ki, si, pi, di)
            for i, o, ki, si, pi, di in zip(spatial, out, k, s, p, d, strict=True)
        )
        macs = n * c_in * (c_out // g) * pairs
    return _layer_cost(macs, weights, n, c_out, out, bias)


# --------------------------------------------------------------------------- #
# A type, layer by layer
# --------------------------------------------------------------------------- #

#: The kinds :func:`layer_costs` prices: the keys of ``FORMULAS`` but ``'transposed'``.
LAYER_KINDS = (
    "standard",
    "grouped",
    "depthwise",
    "pointwise",
    "pointwise_grouped",
    "depthwise_separable",
    "spatially_separable",
    "flattened",
)


def layer_costs(
    kind: str,
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int,
    padding: int = 0,
    groups: int = 1,
    bias: bool = True,
) -> list[tuple[str, Cost]]:
    """The layers one convolution type is made of, each with its cost.

    A standard, grouped, depthwise or 1x1 convolution is one layer; a depthwise
    separable one is a depthwise ``k x k`` then a pointwise 1x1 (MobileNets); a
    spatially separable one a ``k x 1`` then a ``1 x k`` convolution; a flattened one a
    pointwise 1x1 then a depthwise ``k x 1`` and a depthwise ``1 x k`` (Jin et al.).
    Every layer has stride 1; ``padding`` goes to the axes a kernel spans, so
    ``padding = k // 2`` keeps the size of an odd kernel. The costs added up are
    those of :func:`conv_cost`, :func:`depthwise_separable_cost`,
    :func:`spatially_separable_cost` and :func:`flattened_cost`, and
    ``FORMULAS[kind]`` gives them in closed form.

    Parameters
    ----------
    kind : str
        One of :data:`LAYER_KINDS`.
    input_shape : sequence of int
        ``(N, C_in, H, W)``.
    out_channels : int
        ``C_out`` of the last layer (the depthwise-only type keeps ``C_in``).
    kernel_size : int
        ``k``: the kernels are ``k x k``, or ``k x 1`` and ``1 x k``.
    padding : int, default 0
        ``p`` on each side of every axis a kernel spans.
    groups : int, default 1
        ``g`` of the ``'grouped'`` and ``'pointwise_grouped'`` kinds; 1 for the others.
    bias : bool, default True
        Whether every layer has a bias.

    Returns
    -------
    list of (str, Cost)
        ``(name, cost)`` per layer, in the order they run; the names are
        ``'standard'``, ``'grouped'``, ``'depthwise'``, ``'pointwise'``,
        ``'k×1'`` and ``'1×k'``, ``'pointwise 1×1'``, ``'vertical k×1'`` and
        ``'horizontal 1×k'`` (with the number for ``k``). Their sum (``+``) is the
        type's cost: 2D ``MACs = H_out W_out C_in (k^2 + C_out)`` for the depthwise
        separable type, for instance.

    Raises
    ------
    TypeError
        If ``kind`` is not a string or a size is not an integer.
    ValueError
        If ``kind`` is not one of :data:`LAYER_KINDS`, ``input_shape`` is not 4D,
        ``groups`` is not 1 for a kind without groups, ``groups`` does not divide the
        channels, or a kernel does not fit the padded input.

    References
    ----------
    A. G. Howard et al., "MobileNets", arXiv:1704.04861 (2017).
    J. Jin, A. Dundar and E. Culurciello, "Flattened convolutional neural networks
    for feedforward acceleration", arXiv:1412.5474 (2014).
    X. Zhang et al., "ShuffleNet", arXiv:1707.01083 (2017).
    """
    check_choice("kind", kind, LAYER_KINDS)
    shape = _input_shape(input_shape)
    if len(shape) != 4:
        raise ValueError(f"input_shape must be (N, C_in, H, W), got input_shape={shape!r}")
    c_out = _check_int("out_channels", out_channels, 1)
    k = _check_int("kernel_size", kernel_size, 1)
    p = _check_int("padding", padding, 0)
    g = _check_int("groups", groups, 1)
    if g != 1 and kind not in ("grouped", "pointwise_grouped"):
        raise ValueError(f"groups must be 1 for kind={kind!r}, got groups={g}")
    if kind in ("standard", "grouped"):
        return [(kind, conv_cost(shape, c_out, k, padding=p, groups=g, bias=bias))]
    if kind == "depthwise":
        return [("depthwise", depthwise_cost(shape, k, padding=p, bias=bias))]
    if kind in ("pointwise", "pointwise_grouped"):
        return [("pointwise", pointwise_cost(shape, c_out, groups=g, bias=bias))]
    if kind == "depthwise_separable":
        dw = depthwise_cost(shape, k, padding=p, bias=bias)
        return [("depthwise", dw), ("pointwise", pointwise_cost(dw.output_shape, c_out, bias=bias))]
    if kind == "spatially_separable":
        a = conv_cost(shape, c_out, (k, 1), padding=(p, 0), bias=bias)
        b = conv_cost(a.output_shape, c_out, (1, k), padding=(0, p), bias=bias)
        return [(f"{k}×1", a), (f"1×{k}", b)]
    # flattened
    a = pointwise_cost(shape, c_out, bias=bias)
    b = depthwise_cost(a.output_shape, (k, 1), padding=(p, 0), bias=bias)
    c = depthwise_cost(b.output_shape, (1, k), padding=(0, p), bias=bias)
    return [("pointwise 1×1", a), (f"vertical {k}×1", b), (f"horizontal 1×{k}", c)]
