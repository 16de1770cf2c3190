"""Receptive fields of a stack of convolution (or pooling) layers, in closed form.

Layer ``n`` (``n = 1..L``, input first) has kernel ``k_n``, stride ``s_n``, padding
``p_n`` and dilation ``d_n``; a dilated kernel acts like a kernel of extent
``k'_n = d_n (k_n - 1) + 1``. Following Araujo, Norris and Sim, *Computing receptive
fields of convolutional neural networks*, Distill (2019), with ``S_n = s_1 ... s_n``
(``S_0 = 1``), output cell ``u`` of the last layer sees the input interval
``[u S_L - P, u S_L - P + r - 1]`` where

* ``r = sum_n (k'_n - 1) S_{n-1} + 1`` is the receptive field size,
* ``S_L = prod_n s_n`` is the effective stride,
* ``P = sum_n p_n S_{n-1}`` is the effective padding (minus the offset).

Per axis, independently: every quantity is a tuple with one entry per spatial axis.

:func:`receptive_field` also takes a PyTorch model (an ``nn.Module`` such as the
networks of ``convviz.models``). It traces the model with ``torch.fx`` and
carries ``(r, S, P)`` along every path from the input to the last spatial feature
map (the input of the global pooling, flatten or linear layer). Where paths meet
(a residual addition, a concatenation) they must be *aligned*, as Araujo et al.
require: the same effective stride, and receptive fields centred on the same
input point, ``(r - 1) / 2 - P`` equal; the merged field is the largest one, the
path that sets the receptive field.

Two caveats the book states and the tests check against PyTorch: the interval may
have *holes* (dilation, or a stride larger than the next kernel's reach, skips
cells), and near the border the cells seen are those of the interval inside the
input, *minus* cells a layer dropped when its windows did not reach the end (the
floor in the output size). :func:`input_support` gives the exact set.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from convviz._validate import require_torch
from convviz.shapes import IntOrTuple, _per_axis, conv_output_size

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "Layer",
    "ReceptiveField",
    "input_interval",
    "input_support",
    "module_receptive_field",
    "receptive_field",
    "receptive_field_loop",
]


def _len(value: object) -> int | None:
    return len(value) if isinstance(value, Sequence) and not isinstance(value, str) else None


@dataclass(frozen=True)
class Layer:
    """One convolution or pooling layer, as far as geometry goes.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Kernel size ``k`` (per axis if a tuple).
    stride : int or tuple of int, default 1
    padding : int or tuple of int, default 0
        Zeros on each side (only the left/top one moves the receptive field).
    dilation : int or tuple of int, default 1
        ``1`` means no gaps (PyTorch's convention).
    """

    kernel_size: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple = 0
    dilation: IntOrTuple = 1

    @property
    def ndim(self) -> int | None:
        """Number of axes if any setting is a tuple, else ``None`` (fits any)."""
        lengths = {
            n
            for n in map(_len, (self.kernel_size, self.stride, self.padding, self.dilation))
            if n is not None
        }
        if len(lengths) > 1:
            raise ValueError(f"per-axis settings of a layer must have the same length, got {self}")
        return lengths.pop() if lengths else None

    def axis(self, ndim: int) -> tuple[tuple[int, int, int, int], ...]:
        """``(k, s, p, d)`` for each of ``ndim`` axes, checked."""
        k = _per_axis("kernel_size", self.kernel_size, ndim, 1)
        s = _per_axis("stride", self.stride, ndim, 1)
        p = _per_axis("padding", self.padding, ndim, 0)
        d = _per_axis("dilation", self.dilation, ndim, 1)
        return tuple(zip(k, s, p, d, strict=True))

    def __post_init__(self) -> None:
        self.axis(self.ndim or 1)


class ReceptiveField(NamedTuple):
    """Closed-form receptive field of a stack, one entry per axis.

    Attributes
    ----------
    size : tuple of int
        ``r``: how many input cells (from first to last) one output cell depends on.
    stride : tuple of int
        ``S_L``: moving one output cell moves the field by this many input cells.
    padding : tuple of int
        ``P``: output cell ``u`` starts at input cell ``u S_L - P``.
    """

    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]


def _ndim(layers: Sequence[Layer], ndim: int | None) -> int:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            "layers must be a sequence of Layer objects (or a torch.nn.Module), "
            f"got layers={layers!r}"
        )
    if len(layers) == 0:
        raise ValueError("layers must hold at least one Layer, got layers=[]")
    for layer in layers:
        if not isinstance(layer, Layer):
            raise TypeError(f"layers must hold Layer objects, got {layer!r}")
    found = {layer.ndim for layer in layers} - {None}
    if ndim is not None:
        found.add(ndim)
    if len(found) > 1:
        raise ValueError(f"layers disagree on the number of axes: {sorted(found)}")
    return found.pop() if found else 1


def receptive_field(
    layers: Sequence[Layer] | torch.nn.Module, ndim: int | None = None
) -> ReceptiveField:
    """Receptive field size, effective stride and effective padding of a stack.

    Parameters
    ----------
    layers : sequence of Layer, or torch.nn.Module
        From the input side to the output side; or a PyTorch model, whose last
        spatial feature map is analysed (see the module docstring; the rules for
        each kind of layer are in :func:`module_receptive_field`).
    ndim : int, optional
        Number of spatial axes; by default taken from the per-axis tuples (or the
        model's convolutions), else 1.

    Returns
    -------
    ReceptiveField
        Per axis ``r = sum_n (d_n (k_n - 1)) S_{n-1} + 1``, ``S_L = prod_n s_n`` and
        ``P = sum_n p_n S_{n-1}`` with ``S_{n-1} = s_1 ... s_{n-1}``.

    Raises
    ------
    TypeError, ValueError
        For a malformed stack; for a model, see :func:`module_receptive_field`.

    References
    ----------
    A. Araujo, W. Norris and J. Sim, "Computing Receptive Fields of Convolutional
    Neural Networks", Distill (2019), doi:10.23915/distill.00021.

    Examples
    --------
    Three 3x3 layers with dilations 1, 2, 4 see 15 x 15 input cells:

    >>> receptive_field([Layer(3, dilation=d) for d in (1, 2, 4)]).size
    (15,)
    """
    if _is_module(layers):
        return module_receptive_field(layers, ndim)
    n = _ndim(layers, ndim)
    per_layer = [layer.axis(n) for layer in layers]
    sizes, strides, pads = [], [], []
    for ax in range(n):
        r, jump, pad = 1, 1, 0
        for settings in per_layer:
            k, s, p, d = settings[ax]
            r += d * (k - 1) * jump
            pad += p * jump
            jump *= s
        sizes.append(r)
        strides.append(jump)
        pads.append(pad)
    return ReceptiveField(tuple(sizes), tuple(strides), tuple(pads))


def receptive_field_loop(layers: Sequence[Layer], ndim: int | None = None) -> ReceptiveField:
    """:func:`receptive_field` by the top-down recursion of Araujo et al.

    Going from the output (``r_L = 1``, ``P_L = 0``) towards the input:
    ``r_{n-1} = s_n r_n + (k'_n - s_n)`` and ``P_{n-1} = s_n P_n + p_n``.
    """
    n = _ndim(layers, ndim)
    per_layer = [layer.axis(n) for layer in layers]
    sizes, strides, pads = [], [], []
    for ax in range(n):
        r, pad, jump = 1, 0, 1
        for settings in reversed(per_layer):
            k, s, p, d = settings[ax]
            r = s * r + (d * (k - 1) + 1 - s)
            pad = s * pad + p
            jump *= s
        sizes.append(r)
        strides.append(jump)
        pads.append(pad)
    return ReceptiveField(tuple(sizes), tuple(strides), tuple(pads))


def _index(index: IntOrTuple, n: int) -> tuple[int, ...]:
    return _per_axis("index", index, n, 0)


def input_interval(
    layers: Sequence[Layer],
    index: IntOrTuple,
    input_shape: IntOrTuple | None = None,
) -> tuple[tuple[int, int], ...]:
    """First and last input cell seen by one output cell, per axis.

    Parameters
    ----------
    layers : sequence of Layer
    index : int or tuple of int
        Output cell ``u`` (per axis).
    input_shape : int or tuple of int, optional
        Spatial input sizes; if given, the interval is clipped to ``[0, n - 1]`` (the
        rest lies in the padding).

    Returns
    -------
    tuple of (int, int)
        Inclusive ``(start, end)`` with ``start = u S_L - P`` and ``end = start + r - 1``
        (before clipping).

    Raises
    ------
    ValueError, TypeError
        As :func:`receptive_field` for ``layers``; ``index`` negative or
        ``input_shape`` below 1, or either with a number of axes that does not match.

    References
    ----------
    A. Araujo, W. Norris and J. Sim, "Computing Receptive Fields of Convolutional
    Neural Networks", Distill (2019), doi:10.23915/distill.00021.
    """
    n_hint = _len(index) or _len(input_shape)
    rf = receptive_field(layers, _ndim(layers, n_hint))
    n = len(rf.size)
    u = _index(index, n)
    out = []
    for ax in range(n):
        start = u[ax] * rf.stride[ax] - rf.padding[ax]
        out.append((start, start + rf.size[ax] - 1))
    if input_shape is None:
        return tuple(out)
    shape = _per_axis("input_shape", input_shape, n, 1)
    return tuple((max(a, 0), min(b, size - 1)) for (a, b), size in zip(out, shape, strict=True))


def input_support(
    layers: Sequence[Layer],
    index: IntOrTuple,
    input_shape: IntOrTuple,
) -> tuple[np.ndarray, ...]:
    """The input cells one output cell actually depends on, per axis (holes and borders).

    Walks from the output cell down the stack: layer ``n`` maps cell ``j`` to cells
    ``j s_n - p_n + t d_n`` (``t = 0..k_n - 1``) of its input, keeping only those inside
    it (the rest is zero padding). For layers whose kernels have no zero weights the
    cells seen form the product of these per-axis sets.

    Parameters
    ----------
    layers : sequence of Layer
    index : int or tuple of int
        Output cell (per axis); must exist for ``input_shape``.
    input_shape : int or tuple of int
        Spatial input sizes.

    Returns
    -------
    tuple of ndarray of int
        For each axis, the sorted input coordinates reached; a subset of
        :func:`input_interval` clipped to the input.

    Raises
    ------
    ValueError, TypeError
        As :func:`input_interval`; also an ``index`` at or beyond the output size
        of its axis (the message names the axis and the size).

    References
    ----------
    A. Araujo, W. Norris and J. Sim, Distill (2019), doi:10.23915/distill.00021
    (the receptive field as an interval; this function gives its exact cells).
    """
    n = _ndim(layers, _len(index) or _len(input_shape))
    shape = _per_axis("input_shape", input_shape, n, 1)
    u = _index(index, n)
    per_layer = [layer.axis(n) for layer in layers]
    result = []
    for ax in range(n):
        sizes = [shape[ax]]
        for settings in per_layer:
            k, s, p, d = settings[ax]
            sizes.append(conv_output_size(sizes[-1], k, s, p, d))
        if u[ax] >= sizes[-1]:
            raise ValueError(
                f"index must be below the output size {sizes[-1]} on axis {ax}, got index={index}"
            )
        cells = np.array([u[ax]])
        for settings, below in zip(reversed(per_layer), reversed(sizes[:-1]), strict=True):
            k, s, p, d = settings[ax]
            cells = np.unique((cells[:, None] * s - p + np.arange(k)[None, :] * d).ravel())
            cells = cells[(cells >= 0) & (cells < below)]
        result.append(cells)
    return tuple(result)


# --------------------------------------------------------------------------- #
# PyTorch models
# --------------------------------------------------------------------------- #


def _is_module(obj: object) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


#: The end of the spatial part of a network: after these, every output sees every input.
_GLOBAL = object()


def _geometry(module: Any, n: int) -> Layer | None:
    """The :class:`Layer` of a convolution or pooling module, ``None`` for other modules."""
    from torch import nn

    if isinstance(module, nn.modules.conv._ConvNd) and not module.transposed:
        k, s, d = module.kernel_size, module.stride, module.dilation
        if isinstance(module.padding, str):  # 'same' pads d (k - 1) // 2 before, 'valid' none
            p = tuple(di * (ki - 1) // 2 if module.padding == "same" else 0
                      for ki, di in zip(k, d, strict=True))  # fmt: skip
        else:
            p = module.padding
        return Layer(k, s, p, d)
    pools = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
    if isinstance(module, pools):
        k = module.kernel_size
        s = module.stride if module.stride is not None else k
        d = getattr(module, "dilation", 1)
        return Layer(_per_axis("kernel_size", k, n, 1), _per_axis("stride", s, n, 1),
                     _per_axis("padding", module.padding, n, 0), _per_axis("dilation", d, n, 1))  # fmt: skip
    return None


def _module_ndim(module: Any) -> int | None:
    """Spatial axes of a convolution or pooling module, ``None`` for other modules."""
    from torch import nn

    if isinstance(module, nn.modules.conv._ConvNd):
        return len(module.kernel_size)
    for dims, kinds in (
        (1, (nn.MaxPool1d, nn.AvgPool1d)),
        (2, (nn.MaxPool2d, nn.AvgPool2d)),
        (3, (nn.MaxPool3d, nn.AvgPool3d)),
    ):
        if isinstance(module, kinds):
            return dims
    return None


def _pointwise_module(module: Any) -> bool:
    """Modules that keep every spatial position where it is (norms, activations, shuffles)."""
    from torch import nn

    kinds = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LocalResponseNorm, nn.Identity,
             nn.ChannelShuffle, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)  # fmt: skip
    if isinstance(module, kinds):
        return True
    return type(module).__module__ == "torch.nn.modules.activation" and not isinstance(
        module, nn.MultiheadAttention | nn.Softmax | nn.LogSoftmax | nn.Softmin | nn.Softmax2d
    )


def _global_module(module: Any) -> bool:
    from torch import nn

    kinds = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool1d,
             nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.Flatten, nn.Linear)  # fmt: skip
    return isinstance(module, kinds)


def _apply(rf: ReceptiveField, layer: Layer) -> ReceptiveField:
    """One more layer on top of a field: ``r += d (k - 1) S``, ``P += p S``, ``S *= s``."""
    n = len(rf.size)
    size, stride, pad = [], [], []
    for ax, (k, s, p, d) in enumerate(layer.axis(n)):
        size.append(rf.size[ax] + d * (k - 1) * rf.stride[ax])
        pad.append(rf.padding[ax] + p * rf.stride[ax])
        stride.append(rf.stride[ax] * s)
    return ReceptiveField(tuple(size), tuple(stride), tuple(pad))


def _merge(fields: list[ReceptiveField], where: str) -> ReceptiveField:
    """Aligned paths meeting: same stride and centre; the largest field wins (Araujo et al.)."""
    first = fields[0]
    for other in fields[1:]:
        for ax in range(len(first.size)):
            if other.stride[ax] != first.stride[ax]:
                raise ValueError(
                    f"paths meeting at {where} have effective strides {first.stride} and "
                    f"{other.stride}: the network is not aligned"
                )
            # centre of output cell 0, doubled to stay in integers: r - 1 - 2 P
            if (
                other.size[ax] - 1 - 2 * other.padding[ax]
                != first.size[ax] - 1 - 2 * first.padding[ax]
            ):
                raise ValueError(
                    f"paths meeting at {where} are centred on different input cells "
                    f"(fields {first} and {other}): the network is not aligned"
                )
    return max(fields, key=lambda f: f.size)


_MERGE_FUNCTIONS = {operator.add, operator.iadd, operator.mul, operator.imul}
_GLOBAL_METHODS = {"flatten", "view", "reshape", "mean", "sum", "amax", "max"}
_POINTWISE_METHODS = {"relu", "relu_", "add", "add_", "mul", "mul_", "contiguous", "sigmoid",
                      "clamp", "clamp_"}  # fmt: skip


def module_receptive_field(model: torch.nn.Module, ndim: int | None = None) -> ReceptiveField:
    """Receptive field, effective stride and padding of a PyTorch model's last spatial map.

    The model is traced with ``torch.fx`` (never run) and ``(r, S, P)`` carried
    from the input along every path:

    * ``Conv1d/2d/3d`` (``padding='same'`` included), ``MaxPool`` and ``AvgPool``:
      one more :class:`Layer` (``r += d (k - 1) S``, ``P += p S``, ``S *= s``);
    * normalisation, activations, dropout, ``ChannelShuffle``, ``Identity``, and
      ``+``, ``*``, ``torch.cat``, ``relu`` in ``forward``: unchanged; where two
      or more paths meet they must be aligned (same ``S``, same centre
      ``(r - 1) / 2 - P``) and the largest field is kept, as Araujo et al. do;
    * adaptive pooling, ``Flatten``, ``Linear``, ``torch.flatten``, ``.view``,
      ``.mean``: the end of the spatial part; the field returned is that of the
      feature maps entering them (all of them, merged).

    Parameters
    ----------
    model : torch.nn.Module
        For example a network of ``convviz.models``.
    ndim : int, optional
        Spatial axes; by default those of the first convolution or pooling layer.

    Returns
    -------
    ReceptiveField
        One entry per spatial axis. Output cell ``u`` of the last spatial map sees
        input cells ``u S - P`` to ``u S - P + r - 1`` (clipped to the image).

    Raises
    ------
    TypeError
        If the model cannot be traced, or holds a layer or operation whose
        geometry is not known here (named in the message; transposed
        convolutions, for example).
    ValueError
        If paths that meet are not aligned, or the model has no spatial layer.

    References
    ----------
    A. Araujo, W. Norris and J. Sim, "Computing Receptive Fields of Convolutional
    Neural Networks", Distill (2019), section "Arbitrary computation graphs".

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3))
    >>> module_receptive_field(net)
    ReceptiveField(size=(8, 8), stride=(2, 2), padding=(1, 1))
    """
    torch = require_torch("convviz.module_receptive_field")
    from torch import fx

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got model={model!r}")
    n = (
        ndim
        if ndim is not None
        else next((d for d in map(_module_ndim, model.modules()) if d is not None), None)
    )
    if n is None:
        raise ValueError(f"{type(model).__name__} has no convolution or pooling layer")
    start = ReceptiveField((1,) * n, (1,) * n, (0,) * n)
    single = _geometry(model, n)
    if single is not None:  # a lone layer: fx would trace into its functional call
        return _apply(start, single)
    try:
        graph = fx.symbolic_trace(model).graph
    except Exception as err:  # any tracing failure means the same to the caller
        raise TypeError(
            f"receptive_field could not trace {type(model).__name__} with torch.fx: {err}"
        ) from err

    env: dict[Any, Any] = {}
    finals: list[ReceptiveField] = []

    def inputs(node: fx.Node) -> list[Any]:
        found: list[fx.Node] = []
        fx.node.map_arg((node.args, node.kwargs), found.append)
        return [env.get(a) for a in found]

    def merged(node: fx.Node, where: str) -> Any:
        fields = [f for f in inputs(node) if isinstance(f, ReceptiveField)]
        if any(f is _GLOBAL for f in inputs(node)):
            return _GLOBAL
        return _merge(fields, where) if fields else None

    def end(node: fx.Node) -> Any:
        finals.extend(f for f in inputs(node) if isinstance(f, ReceptiveField))
        return _GLOBAL

    for node in graph.nodes:
        if node.op == "placeholder":
            env[node] = start if not env else None
        elif node.op == "get_attr":
            env[node] = None
        elif node.op == "call_module":
            module = model.get_submodule(str(node.target))
            label = f"layer {node.target!r} of type {type(module).__name__}"
            layer = _geometry(module, n)
            if layer is not None:
                (field,) = [f for f in inputs(node) if f is not None] or [None]
                if field is _GLOBAL:
                    env[node] = _GLOBAL
                elif field is None:
                    raise ValueError(f"{label} gets no input derived from the model's input")
                else:
                    if layer.ndim not in (None, n):
                        raise ValueError(f"{label} has {layer.ndim} axes, the model {n}")
                    env[node] = _apply(field, layer)
            elif _pointwise_module(module):
                env[node] = merged(node, label)
            elif _global_module(module):
                env[node] = end(node)
            else:
                raise TypeError(f"receptive_field knows no geometry for the {label}")
        elif node.op == "call_function":
            fn = node.target
            name = getattr(fn, "__name__", str(fn))
            if fn in _MERGE_FUNCTIONS or fn in (torch.add, torch.mul, torch.cat, torch.relu,
                                                torch.sigmoid, torch.nn.functional.relu):  # fmt: skip
                env[node] = merged(node, f"function {name} ({node.name})")
            elif fn in (torch.flatten, torch.mean, torch.nn.functional.adaptive_avg_pool2d):
                env[node] = end(node)
            elif fn is getattr:
                env[node] = None
            else:
                raise TypeError(f"receptive_field knows no geometry for the function {name}")
        elif node.op == "call_method":
            if node.target in _POINTWISE_METHODS:
                env[node] = merged(node, f"method {node.target} ({node.name})")
            elif node.target in _GLOBAL_METHODS:
                env[node] = end(node)
            elif node.target == "size":
                env[node] = None
            else:
                raise TypeError(f"receptive_field knows no geometry for the method .{node.target}")
        elif node.op == "output":
            out = [f for f in inputs(node) if isinstance(f, ReceptiveField)]
            finals.extend(out)
    if not finals:
        raise ValueError(
            f"{type(model).__name__} has no spatial feature map derived from its input"
        )
    return _merge(finals, "the last spatial feature maps")
