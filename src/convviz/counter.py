"""Count the parameters and multiply-accumulates of a PyTorch model, layer by layer.

What fvcore, ptflops or thop do, in a page: run the model once on an input of
the given shape with a forward hook on every leaf module, and price each call
from the shapes it saw. torch is imported lazily (inside the functions), so
the rest of convviz does not need it.

Conventions
-----------
MACs count the multiplications of an activation by a learned weight (or a
normalisation scale), each followed by an accumulation; FLOPs are ``2 * MACs``.

* ``Conv1d/2d/3d``: ``out_elements * (C_in / g) * prod(k)``, taps on padding
  included, whatever ``padding`` (also ``'same'``) and ``padding_mode``
  (:func:`convviz.cost.conv_cost`).
* ``ConvTranspose1d/2d/3d``: ``in_elements * (C_out / g) * prod(k)``
  (:func:`convviz.cost.conv_transpose_cost`).
* ``Linear``: ``out_elements * in_features``.
* Normalisation (``BatchNorm``, ``InstanceNorm``, ``GroupNorm``, ``LayerNorm``):
  one MAC per output element (at inference a norm is ``y = a x + b`` per
  channel; it costs nothing once folded into the preceding convolution).
* ``LocalResponseNorm(size)``: ``size`` MACs per output element (the sum of
  squares over ``size`` neighbouring channels; the power and the division are
  not multiply-accumulates).
* Activations (``ReLU``, ``PReLU``, ...), pooling, ``ChannelShuffle``,
  upsampling, padding, ``Dropout``, ``Flatten``, ``Identity``: 0 MACs.
* Bias additions are not counted.
* Operations done in ``forward`` outside modules that multiply nothing by a
  weight (``x + y`` of a residual, ``torch.cat``, ``F.relu``) are not counted.

Never a wrong total: a leaf module of any other type, or a convolution or
matrix product run outside the layers above (``F.conv2d(x, self.w)`` or
``x @ w`` written in a ``forward``), makes :func:`count` raise a ``TypeError``
naming the layer, its type and its place in the model.

However a layer is called (positionally, ``self.conv(input=x)``, twice, or
shared by two parents), every call is counted, and its parameters once. On
convolutions, transposed convolutions and linear layers the MACs agree with
``torch.utils.flop_counter.FlopCounterMode`` (which counts ``2 * MACs`` for
them and nothing for the other operations): :attr:`Report.conv_linear_macs`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convviz._validate import require_torch
from convviz.cost import conv_cost, conv_transpose_cost

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["CATEGORIES", "LayerRow", "Report", "count", "torch_flop_counter_macs"]

#: Layer categories used in :meth:`Report.macs_by_category`.
CATEGORIES = (
    "conv",
    "conv_transpose",
    "linear",
    "norm",
    "activation",
    "pool",
    "shuffle",
    "other",
)


@dataclass(frozen=True)
class LayerRow:
    """One call of one leaf module.

    Attributes
    ----------
    name : str
        Qualified name in the model (``"features.0"``; ``""`` for the model itself).
    type : str
        Class name (``"Conv2d"``).
    category : str
        One of :data:`CATEGORIES`.
    output_shape : tuple of int
        Shape of the output, batch included.
    params : int
        Parameters owned by the module (counted at its first call only).
    macs : int
        Multiply-accumulates of this call.
    """

    name: str
    type: str
    category: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


def _fmt(n: int) -> str:
    return f"{n:,}"


@dataclass(frozen=True)
class Report:
    """Per-layer table and totals returned by :func:`count`.

    Attributes
    ----------
    rows : tuple of LayerRow
        One row per call of a leaf module, in execution order.
    total_params : int
        ``sum(p.numel() for p in model.parameters())`` (shared parameters once).
    input_shape : tuple of int
        Shape of the input the model was run on.
    """

    rows: tuple[LayerRow, ...]
    total_params: int
    input_shape: tuple[int, ...]

    @property
    def total_macs(self) -> int:
        """Sum of the MACs of all rows."""
        return sum(r.macs for r in self.rows)

    @property
    def total_flops(self) -> int:
        """``2 * total_macs`` (bias additions excluded)."""
        return 2 * self.total_macs

    @property
    def conv_linear_macs(self) -> int:
        """MACs of convolutions, transposed convolutions and linear layers.

        What ``FlopCounterMode`` counts (it reports ``2 *`` this): the total
        without normalisation layers.
        """
        by_cat = self.macs_by_category()
        return by_cat["conv"] + by_cat["conv_transpose"] + by_cat["linear"]

    @property
    def params_outside_rows(self) -> int:
        """Parameters not owned by any leaf module that ran (e.g. unused layers)."""
        return self.total_params - sum(r.params for r in self.rows)

    def macs_by_category(self) -> dict[str, int]:
        """MACs summed per category.

        Returns
        -------
        dict of str to int
            Every entry of :data:`CATEGORIES`, zero when absent.
        """
        out = dict.fromkeys(CATEGORIES, 0)
        for r in self.rows:
            out[r.category] += r.macs
        return out

    def _table(self) -> tuple[list[str], list[list[str]], list[str]]:
        head = ["layer", "type", "output shape", "params", "MACs"]
        body = [
            [r.name or "(model)", r.type, "x".join(map(str, r.output_shape)), _fmt(r.params),
             _fmt(r.macs)]
            for r in self.rows
        ]  # fmt: skip
        total = ["total", "", "", _fmt(self.total_params), _fmt(self.total_macs)]
        return head, body, total

    def to_markdown(self) -> str:
        """The table as Markdown, with a totals row.

        Returns
        -------
        str
            Columns: layer, type, output shape, params, MACs. The totals row
            has ``total_params`` (all parameters of the model) and ``total_macs``.
        """
        head, body, total = self._table()
        lines = ["| " + " | ".join(head) + " |", "| --- | --- | --- | ---: | ---: |"]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in total) + " |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head, body, total = self._table()

        def row(cells: list[str], tag: str) -> str:
            return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

        return (
            "<table class='convviz-count'><thead>"
            + row(head, "th")
            + "</thead><tbody>"
            + "".join(row(b, "td") for b in body)
            + "</tbody><tfoot>"
            + row(total, "th")
            + "</tfoot></table>"
        )

    def __str__(self) -> str:
        return self.to_markdown()


# --------------------------------------------------------------------------- #
# Pricing one module call
# --------------------------------------------------------------------------- #

_ZERO_MODULES = {
    "torch.nn.modules.activation": "activation",
    "torch.nn.modules.pooling": "pool",
    "torch.nn.modules.channelshuffle": "shuffle",
    "torch.nn.modules.upsampling": "other",
    "torch.nn.modules.padding": "other",
    "torch.nn.modules.dropout": "other",
    "torch.nn.modules.flatten": "other",
    "torch.nn.modules.pixelshuffle": "other",
}


def _price(module: Any, x: Any, y: Any) -> tuple[str, int] | None:
    """``(category, macs)`` of one call with input tensor ``x`` and output ``y``.

    ``None`` for a module type without a rule.
    """
    from torch import nn

    if isinstance(module, nn.modules.conv._ConvNd):
        dims = len(module.kernel_size)
        shape = tuple(x.shape)
        if len(shape) == dims + 1:  # unbatched input
            shape = (1, *shape)
        bias = module.bias is not None
        if module.transposed:
            c = conv_transpose_cost(
                shape, module.out_channels, module.kernel_size, module.stride,
                module.padding, module.output_padding, module.groups, bias, module.dilation,
            )  # fmt: skip
            return "conv_transpose", c.macs
        c = conv_cost(
            shape, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.dilation, module.groups, bias,
        )  # fmt: skip
        return "conv", c.macs
    if isinstance(module, nn.Linear):
        return "linear", y.numel() * module.in_features
    if isinstance(module, nn.modules.batchnorm._NormBase | nn.GroupNorm | nn.LayerNorm):
        return "norm", y.numel()
    if isinstance(module, nn.LocalResponseNorm):
        return "norm", module.size * y.numel()
    if isinstance(module, nn.Identity):
        return "other", 0
    category = _ZERO_MODULES.get(type(module).__module__)
    if category is not None and not isinstance(module, nn.MultiheadAttention):
        return category, 0
    return None


def _price_known(module: Any) -> bool:
    """Whether :func:`_price` has a rule for this module's type (no call needed)."""
    from torch import nn

    if isinstance(
        module,
        nn.modules.conv._ConvNd
        | nn.Linear
        | nn.modules.batchnorm._NormBase
        | nn.GroupNorm
        | nn.LayerNorm
        | nn.LocalResponseNorm
        | nn.Identity,
    ):
        return True
    return type(module).__module__ in _ZERO_MODULES and not isinstance(
        module, nn.MultiheadAttention
    )


def _first_tensor(args: tuple, kwargs: dict) -> Any:
    """The tensor a layer was called on: the first positional one, else ``input=``, else any."""
    import torch

    for a in args:
        if isinstance(a, torch.Tensor):
            return a
    if isinstance(kwargs.get("input"), torch.Tensor):
        return kwargs["input"]
    return next((v for v in kwargs.values() if isinstance(v, torch.Tensor)), None)


def _stray_guard(stack: list, strays: list) -> Any:
    """A dispatch mode noting every costly operator run outside a priced leaf module.

    "Costly" is what ``FlopCounterMode`` counts (its ``flop_registry``:
    convolutions, matrix products, attention); "outside" means the innermost
    module running is not a leaf :func:`count` prices.
    """
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import flop_registry

    class StrayGuard(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func.overloadpacket in flop_registry and not (stack and stack[-1][2]):
                name, module = (stack[-1][0], stack[-1][1]) if stack else ("", None)
                strays.append((str(func.overloadpacket), name, type(module).__name__))
            return func(*args, **(kwargs or {}))

    return StrayGuard()


def count(model: torch.nn.Module, input_shape: Sequence[int] | torch.Tensor) -> Report:
    """Parameters and MACs of every layer of ``model`` on one input.

    Parameters
    ----------
    model : torch.nn.Module
        Any module. It is run once in eval mode under ``torch.no_grad()``; its
        training flags are restored afterwards. Its layers may be called with
        positional or keyword arguments, more than once, or shared by two
        parents: every call is counted, every parameter once.
    input_shape : sequence of int or torch.Tensor
        Full input shape, batch included, e.g. ``(1, 3, 32, 32)``; zeros of that
        shape, dtype and device of the model's first parameter are fed (a model
        on ``torch.device("meta")`` is counted without computing anything). A
        tensor is used as it is.

    Returns
    -------
    Report
        ``rows`` (name, type, output shape, params, MACs per leaf-module call),
        ``total_macs`` and ``total_params``; see the module docstring for what
        each layer type counts. For a convolution ``MACs = N H_out W_out C_out
        C_in k_h k_w / g``.

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``input_shape`` not a sequence; if a leaf
        module has no pricing rule, or a convolution or matrix product runs
        outside the layers priced (the message names the layer, its type and
        the operator): a total that silently missed them would be wrong.
    ValueError
        If ``input_shape`` holds a non-positive size.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (2015), section 3.3 and table 1: a network's
    cost given in multiply-adds (called FLOPs there), the unit of ``total_macs``.

    Examples
    --------
    >>> from torch import nn
    >>> count(nn.Conv2d(3, 128, 3, bias=False), (1, 3, 7, 7)).total_macs
    86400
    """
    torch = require_torch("convviz.count")

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got model={model!r}")
    if isinstance(input_shape, torch.Tensor):
        x = input_shape
    else:
        if isinstance(input_shape, str) or not isinstance(input_shape, Sequence):
            raise TypeError(f"input_shape must be a sequence of ints, got {input_shape=}")
        if not input_shape or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in input_shape
        ):
            raise ValueError(f"input_shape must hold positive ints, got {input_shape=}")
        param = next(model.parameters(), None)
        dtype = param.dtype if param is not None and param.is_floating_point() else None
        device = param.device if param is not None else None
        x = torch.zeros(tuple(input_shape), dtype=dtype, device=device)

    rows: list[LayerRow] = []
    seen: set[int] = set()
    unknown: dict[str, str] = {}  # layer name -> qualified type
    strays: list[tuple[str, str, str]] = []
    stack: list[tuple[str, torch.nn.Module, bool]] = []

    def enter(name: str, leaf: bool):
        def push(module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
            priced = leaf and _price_known(module)
            stack.append((name, module, priced))

        return push

    def leave(name: str, leaf: bool):
        def record(module: torch.nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
            stack.pop()
            if not leaf:
                return
            inp = _first_tensor(args, kwargs)
            out = output[0] if isinstance(output, tuple | list) else output
            priced = _price(module, inp, out)
            if priced is None:
                cls = type(module)
                unknown.setdefault(name or "(model)", f"{cls.__module__}.{cls.__qualname__}")
                return
            category, macs = priced
            params = 0
            if id(module) not in seen:
                seen.add(id(module))
                params = sum(p.numel() for p in module.parameters(recurse=False))
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
            rows.append(LayerRow(name, type(module).__name__, category, shape, params, macs))

        return record

    modes = {m: m.training for m in model.modules()}
    handles = []
    for name, m in model.named_modules():
        leaf = next(m.children(), None) is None
        handles.append(m.register_forward_pre_hook(enter(name, leaf), with_kwargs=True))
        handles.append(m.register_forward_hook(leave(name, leaf), with_kwargs=True))
    try:
        model.eval()
        with torch.no_grad(), _stray_guard(stack, strays):
            model(x)
    finally:
        for h in handles:
            h.remove()
        for m, training in modes.items():
            m.training = training

    if unknown:
        listed = ", ".join(f"{name!r} of type {cls}" for name, cls in unknown.items())
        raise TypeError(
            f"cv.count has no rule for the layer {listed}; a total without it would be "
            "wrong. Supported: convolutions, transposed convolutions, Linear, normalisation, "
            "activations, pooling, ChannelShuffle, upsampling, padding, Dropout, Flatten, "
            "Identity."
        )
    if strays:
        op, name, cls = strays[0]
        where = f"the forward of {name!r} ({cls})" if name else f"the forward of the model ({cls})"
        raise TypeError(
            f"{op} ran in {where}, outside any layer cv.count prices (a functional call "
            f"such as F.conv2d or x @ w; {len(strays)} such call{'' if len(strays) == 1 else 's'} "
            "in all); a total "
            "without it would be wrong. Wrap the operation in an nn.Conv2d or nn.Linear."
        )
    total = sum(p.numel() for p in model.parameters())
    return Report(tuple(rows), total, tuple(x.shape))


def torch_flop_counter_macs(model: Any, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates PyTorch's own ``FlopCounterMode`` counts for one forward pass.

    An independent check on :func:`count`: ``FlopCounterMode`` intercepts the
    operators themselves (convolution, transposed convolution, matrix product) and
    reports two FLOPs per MAC; it prices nothing else (no normalisation, no
    element-wise operations). The model runs in eval mode under ``torch.no_grad``,
    on zeros of ``input_shape`` on the device of its first parameter (so a model
    built on the ``meta`` device is counted without computing anything); its
    training flag is restored afterwards.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Anything that takes one tensor.
    input_shape : sequence of int
        Shape of the input tensor, e.g. ``(N, C_in, H, W)``.

    Returns
    -------
    int
        ``FlopCounterMode().get_total_flops() // 2``.

    Raises
    ------
    ValueError
        If a size in ``input_shape`` is not positive.
    """
    torch = require_torch("convviz.torch_flop_counter_macs")
    from torch.utils.flop_counter import FlopCounterMode

    shape = tuple(int(v) for v in input_shape)
    if not shape or min(shape) < 1:
        raise ValueError(f"input_shape must hold positive sizes, got input_shape={input_shape!r}")
    modes = {m: m.training for m in model.modules()} if isinstance(model, torch.nn.Module) else {}
    # the input lives where the weights live (a model built on the meta device is
    # counted without allocating or computing anything)
    first = next(model.parameters(), None) if isinstance(model, torch.nn.Module) else None
    device = first.device if first is not None else torch.device("cpu")
    try:
        if modes:
            model.eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.zeros(shape, device=device))
    finally:
        for m, training in modes.items():
            m.training = training
    return counter.get_total_flops() // 2
