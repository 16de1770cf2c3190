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
* Activations (``ReLU``, ``PReLU``, ...), pooling, ``ChannelShuffle``,
  upsampling, padding, ``Dropout``, ``Flatten``, ``Identity``: 0 MACs.
* Bias additions are not counted.
* Any other leaf module counts 0 MACs and is listed in
  ``Report.unsupported``. Operations done in ``forward`` outside modules
  (``x + y`` of a residual, ``torch.cat``, ``F.relu``) are not seen.

These agree with ``torch.utils.flop_counter.FlopCounterMode`` (which counts
``2 * MACs`` for convolutions, transposed convolutions and matrix products
and nothing for the other operations).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    "unsupported",
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
    unsupported : tuple of str
        Types of leaf modules whose MACs are unknown (counted as 0).
    """

    rows: tuple[LayerRow, ...]
    total_params: int
    input_shape: tuple[int, ...]
    unsupported: tuple[str, ...] = ()

    @property
    def total_macs(self) -> int:
        """Sum of the MACs of all rows."""
        return sum(r.macs for r in self.rows)

    @property
    def total_flops(self) -> int:
        """``2 * total_macs`` (bias additions excluded)."""
        return 2 * self.total_macs

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


def _price(module: Any, x: Any, y: Any) -> tuple[str, int]:
    """``(category, macs)`` of one call with input tensor ``x`` and output ``y``."""
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
    if isinstance(module, nn.Identity):
        return "other", 0
    category = _ZERO_MODULES.get(type(module).__module__)
    if category is not None and not isinstance(module, nn.MultiheadAttention):
        return category, 0
    return "unsupported", 0


def count(model: torch.nn.Module, input_shape: Sequence[int] | torch.Tensor) -> Report:
    """Parameters and MACs of every layer of ``model`` on one input.

    Parameters
    ----------
    model : torch.nn.Module
        Any module. It is run once in eval mode under ``torch.no_grad()``; its
        training flags are restored afterwards.
    input_shape : sequence of int or torch.Tensor
        Full input shape, batch included, e.g. ``(1, 3, 32, 32)``; zeros of that
        shape are fed. A tensor is used as it is.

    Returns
    -------
    Report
        ``rows`` (name, type, output shape, params, MACs per leaf-module call),
        ``total_macs`` and ``total_params``; see the module docstring for what
        each layer type counts. For a convolution ``MACs = N H_out W_out C_out
        C_in k_h k_w / g``.

    Examples
    --------
    >>> from torch import nn
    >>> count(nn.Conv2d(3, 128, 3, bias=False), (1, 3, 7, 7)).total_macs
    86400
    """
    import torch

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
        x = torch.zeros(tuple(input_shape), dtype=dtype)

    rows: list[LayerRow] = []
    seen: set[int] = set()
    unsupported: list[str] = []

    def hook(name: str):
        def record(module: torch.nn.Module, args: tuple, output: Any) -> None:
            inp = args[0] if args else None
            out = output[0] if isinstance(output, tuple | list) else output
            category, macs = _price(module, inp, out)
            if category == "unsupported" and type(module).__name__ not in unsupported:
                unsupported.append(type(module).__name__)
            params = 0
            if id(module) not in seen:
                seen.add(id(module))
                params = sum(p.numel() for p in module.parameters(recurse=False))
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
            rows.append(LayerRow(name, type(module).__name__, category, shape, params, macs))

        return record

    modes = {m: m.training for m in model.modules()}
    handles = [
        m.register_forward_hook(hook(name))
        for name, m in model.named_modules()
        if next(m.children(), None) is None
    ]
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        for m, training in modes.items():
            m.training = training

    total = sum(p.numel() for p in model.parameters())
    return Report(tuple(rows), total, tuple(x.shape), tuple(unsupported))


def torch_flop_counter_macs(model: Any, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates PyTorch's own ``FlopCounterMode`` counts for one forward pass.

    An independent check on :func:`count`: ``FlopCounterMode`` intercepts the
    operators themselves (convolution, transposed convolution, matrix product) and
    reports two FLOPs per MAC; it prices nothing else (no normalisation, no
    element-wise operations). The model runs in eval mode under ``torch.no_grad``,
    on zeros of ``input_shape``; its training flag is restored afterwards.

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
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    shape = tuple(int(v) for v in input_shape)
    if not shape or min(shape) < 1:
        raise ValueError(f"input_shape must hold positive sizes, got input_shape={input_shape!r}")
    modes = {m: m.training for m in model.modules()} if isinstance(model, torch.nn.Module) else {}
    try:
        if modes:
            model.eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.zeros(shape))
    finally:
        for m, training in modes.items():
            m.training = training
    return counter.get_total_flops() // 2
