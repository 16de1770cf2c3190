"""Bytes beside MACs: what a convolution layer has to move, and how much it computes per byte.

A count of multiply-accumulates (:mod:`convviz.cost`) measures the arithmetic.
The time of a layer also depends on the data it moves. The model here is the
simplest useful one, the lower bound of the roofline model: the layer reads
its input and its weights once and writes its output once, each value
``itemsize`` bytes (4 for float32). Then

* activation bytes = input bytes + output bytes (what the layer's feature maps
  occupy; in training each layer's output is also kept for the backward pass);
* weight bytes = (weights + bias) x itemsize;
* arithmetic intensity = MACs / (input + weight + output bytes).

A processor that can do ``P`` MACs per second and move ``B`` bytes per second
needs at least ``max(MACs / P, bytes / B)`` seconds for the layer; when the
intensity is below ``P / B`` the bytes, not the MACs, set that bound.

References
----------
S. Williams, A. Waterman and D. Patterson, "Roofline: An Insightful Visual
Performance Model for Multicore Architectures", Communications of the ACM 52(4),
2009, doi:10.1145/1498765.1498785.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from convviz._validate import _check_int
from convviz.cost import conv_cost

__all__ = [
    "LayerMemory",
    "activation_bytes",
    "arithmetic_intensity",
    "conv_memory",
    "itemsize",
    "weight_bytes",
]


def itemsize(dtype: object = "float32") -> int:
    """Bytes per value of ``dtype`` (a NumPy dtype or its name): 4 for float32."""
    try:
        return np.dtype(dtype).itemsize  # type: ignore[call-overload]
    except TypeError as error:
        raise TypeError(f"dtype must name a NumPy dtype, got dtype={dtype!r}") from error


def _shape(name: str, shape: object) -> tuple[int, ...]:
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        raise TypeError(f"{name} must be a sequence of ints, got {name}={shape!r}")
    try:
        values = tuple(_check_int(name, v, 0) for v in shape)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name} must hold ints >= 0, got {name}={tuple(shape)!r}") from error
    if not values:
        raise ValueError(f"{name} must have at least one axis, got {name}={shape!r}")
    return values


def activation_bytes(
    input_shape: Sequence[int], output_shape: Sequence[int], dtype: object = "float32"
) -> int:
    """Bytes of a layer's input and output feature maps.

    Parameters
    ----------
    input_shape, output_shape : sequence of int
        Full shapes, e.g. ``(N, C_in, H, W)`` and ``(N, C_out, H_out, W_out)``.
    dtype : NumPy dtype or name, default 'float32'
        Type of every value (4 bytes for float32).

    Returns
    -------
    int
        ``(prod(input_shape) + prod(output_shape)) * itemsize`` bytes.

    Raises
    ------
    TypeError
        A shape that is not a sequence of ints, or ``dtype`` not a NumPy dtype.
    ValueError
        An empty shape or a negative size.
    """
    size = itemsize(dtype)
    return size * (
        int(np.prod(_shape("input_shape", input_shape)))
        + int(np.prod(_shape("output_shape", output_shape)))
    )


def weight_bytes(weight_shape: Sequence[int], bias: bool = True, dtype: object = "float32") -> int:
    """Bytes of a convolution's weights and bias.

    Parameters
    ----------
    weight_shape : sequence of int
        ``(C_out, C_in / g, *kernel)``, PyTorch's layout.
    bias : bool, default True
        Add ``C_out`` bias values.
    dtype : NumPy dtype or name, default 'float32'

    Returns
    -------
    int
        ``(prod(weight_shape) + C_out * bias) * itemsize`` bytes.

    Raises
    ------
    TypeError
        ``weight_shape`` not a sequence of ints, ``bias`` not a bool, or ``dtype``
        not a NumPy dtype.
    ValueError
        An empty ``weight_shape`` or a negative size.
    """
    shape = _shape("weight_shape", weight_shape)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be a bool, got bias={bias!r}")
    return itemsize(dtype) * (int(np.prod(shape)) + (shape[0] if bias else 0))


def arithmetic_intensity(macs: int, bytes_moved: int) -> float:
    """MACs per byte moved.

    Parameters
    ----------
    macs : int
        Multiply-accumulates of the layer.
    bytes_moved : int
        Bytes read and written (at least 1).

    Returns
    -------
    float
        ``macs / bytes_moved``; twice this is FLOPs per byte.

    Raises
    ------
    TypeError
        ``macs`` or ``bytes_moved`` not an int.
    ValueError
        ``macs`` negative or ``bytes_moved`` below 1.

    References
    ----------
    Williams, Waterman and Patterson, CACM 52(4), 2009 (operational intensity,
    there in FLOPs per byte of DRAM traffic).
    """
    macs = _check_int("macs", macs, 0)
    bytes_moved = _check_int("bytes_moved", bytes_moved, 1)
    return macs / bytes_moved


class LayerMemory(NamedTuple):
    """Bytes and MACs of one convolution layer (see the module's model).

    Attributes
    ----------
    input_bytes : int
        Bytes of the input feature maps.
    output_bytes : int
        Bytes of the output feature maps.
    weight_bytes : int
        Bytes of the weights plus the bias.
    macs : int
        Multiply-accumulates, padding taps included (:func:`convviz.cost.conv_cost`).
    """

    input_bytes: int
    output_bytes: int
    weight_bytes: int
    macs: int

    @property
    def activation_bytes(self) -> int:
        """Input plus output bytes."""
        return self.input_bytes + self.output_bytes

    @property
    def bytes_moved(self) -> int:
        """Input, weights and output, each moved once."""
        return self.input_bytes + self.weight_bytes + self.output_bytes

    @property
    def intensity(self) -> float:
        """MACs per byte moved (:func:`arithmetic_intensity`)."""
        return arithmetic_intensity(self.macs, self.bytes_moved)


def conv_memory(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    bias: bool = True,
    dtype: object = "float32",
) -> LayerMemory:
    """Bytes moved and MACs of a convolution, with ``torch.nn.ConvNd``'s arguments.

    Parameters
    ----------
    input_shape : sequence of int
        ``(N, C_in, *spatial)``.
    out_channels, kernel_size, stride, padding, dilation, groups, bias
        As ``torch.nn.Conv2d`` (and :func:`convviz.cost.conv_cost`).
    dtype : NumPy dtype or name, default 'float32'
        Type of inputs, weights and outputs.

    Returns
    -------
    LayerMemory
        ``input_bytes = prod(input_shape) * b``, ``output_bytes`` likewise for the
        output shape, ``weight_bytes = (C_out C_in / g prod(k) + C_out bias) * b``
        and the MACs ``N C_out prod(out_spatial) (C_in / g) prod(k)``, with
        ``b = itemsize(dtype)``; ``.intensity`` is MACs per byte moved.

    Raises
    ------
    ValueError, TypeError
        As :func:`convviz.cost.conv_cost` for the layer, and for a bad ``dtype``.

    References
    ----------
    Williams, Waterman and Patterson, CACM 52(4), 2009 (the roofline model).

    Examples
    --------
    A depthwise 3x3 layer on 64 channels of 56x56 moves about as many bytes as
    it does MACs:

    >>> m = conv_memory((1, 64, 56, 56), 64, 3, padding=1, groups=64, bias=False)
    >>> round(m.intensity, 2)
    1.12
    """
    size = itemsize(dtype)
    cost = conv_cost(
        input_shape, out_channels, kernel_size, stride, padding, dilation, groups, bias
    )
    n_in = int(np.prod(input_shape))
    n_out = int(np.prod(cost.output_shape))
    return LayerMemory(n_in * size, n_out * size, cost.params * size, cost.macs)
