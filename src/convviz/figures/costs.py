"""Chapter 13 figures: what each convolution type costs, layer by layer."""

from __future__ import annotations

import math
import re

from convviz import cost
from convviz.figures.engine import Control, Figure, grid, view

__all__ = ["COST_TYPES", "cost_figure", "fill_formula"]

CHAPTER = "13-counting-flops-and-parameters"
TITLE = "Counting FLOPs and parameters"

#: label -> (FORMULAS key, groups); the types the reader can price.
COST_TYPES: dict[str, tuple[str, int]] = {
    "standard": ("standard", 1),
    "depthwise separable": ("depthwise_separable", 1),
    "grouped, g = 2": ("grouped", 2),
    "grouped, g = 4": ("grouped", 4),
    "depthwise only": ("depthwise", 1),
    "pointwise (1×1)": ("pointwise", 1),
    "pointwise grouped, g = 4": ("pointwise_grouped", 4),
    "spatially separable": ("spatially_separable", 1),
    "flattened": ("flattened", 1),
}

CHANNELS = (16, 32, 64)
KERNELS = (3, 5)
SIZES = (8, 32)


def _torch_calls(kind: str, c_in: int, c_out: int, k: int, g: int) -> list[str]:
    """The PyTorch layers of a type, one call per layer of :func:`convviz.cost.layer_costs`."""
    p = k // 2
    groups = f", groups={g}" if g > 1 else ""
    if kind in ("standard", "grouped"):
        return [f"nn.Conv2d({c_in}, {c_out}, {k}, padding={p}{groups}, bias=False)"]
    depthwise = f"nn.Conv2d({c_in}, {c_in}, {k}, padding={p}, groups={c_in}, bias=False)"
    if kind == "depthwise":
        return [depthwise]
    if kind in ("pointwise", "pointwise_grouped"):
        return [f"nn.Conv2d({c_in}, {c_out}, 1{groups}, bias=False)"]
    if kind == "depthwise_separable":
        return [depthwise, f"nn.Conv2d({c_in}, {c_out}, 1, bias=False)"]
    if kind == "spatially_separable":
        return [
            f"nn.Conv2d({c_in}, {c_out}, ({k}, 1), padding=({p}, 0), bias=False)",
            f"nn.Conv2d({c_out}, {c_out}, (1, {k}), padding=(0, {p}), bias=False)",
        ]
    return [  # flattened
        f"nn.Conv2d({c_in}, {c_out}, 1, bias=False)",
        f"nn.Conv2d({c_out}, {c_out}, ({k}, 1), padding=({p}, 0), groups={c_out}, bias=False)",
        f"nn.Conv2d({c_out}, {c_out}, (1, {k}), padding=(0, {p}), groups={c_out}, bias=False)",
    ]


def _layers(
    kind: str, c_in: int, c_out: int, k: int, size: int, g: int
) -> list[tuple[str, str, cost.Cost]]:
    """``(name, torch call, cost)`` per layer: the package's costs, the figure's code lines."""
    priced = cost.layer_costs(kind, (1, c_in, size, size), c_out, k, k // 2, g, bias=False)
    calls = _torch_calls(kind, c_in, c_out, k, g)
    return [(name, call, c) for (name, c), call in zip(priced, calls, strict=True)]


_SYMBOL = re.compile(r"\b(H_out|W_out|C_in|C_out|k_h|k_w|H|W|g)\b")
_JUXTA = re.compile(r"(?<=[\w)])\s+(?=[\w(])")


def fill_formula(text: str, symbols: dict[str, int]) -> str:
    """A :class:`convviz.cost.Formula` text with numbers in place of the symbols.

    Parameters
    ----------
    text : str
        E.g. ``"H_out W_out C_in (k_h k_w + C_out)"``; juxtaposition is a product.
    symbols : dict of str to int
        Values of ``H, W, H_out, W_out, C_in, C_out, k_h, k_w, g``.

    Returns
    -------
    str
        E.g. ``"8·8·16·(3·3 + 32)"``.
    """
    filled = _SYMBOL.sub(lambda m: str(symbols[m.group(1)]), text)
    return _JUXTA.sub("·", filled)


def _dots(text: str) -> str:
    """A formula's text with its products written out: ``C_in (k_h k_w + C_out)`` becomes
    ``C_in·(k_h·k_w + C_out)``, as the book writes them."""
    return _JUXTA.sub("·", text)


def _layers_view(title: str, layers: list[tuple[str, str, cost.Cost]]) -> dict:
    names = [name for name, _call, _c in layers]
    elements = [math.prod(c.output_shape) for _n, _call, c in layers]
    per = [c.macs // e for (_n, _call, c), e in zip(layers, elements, strict=True)]
    macs = [c.macs for _n, _call, c in layers]
    n = len(layers)
    steps = [[(2, i, 0, i, 1, i)] for i in range(n)]
    steps.append([(3, 0, 0, i, 1, i) for i in range(n)])
    label = ", ".join(names)
    return view(
        title,
        [
            grid(
                "n",
                f"n: output elements per layer ({label})",
                elements,
                role="input",
                index=True,
                cell=44,
            ),
            grid("m", "m: MACs per output element", per, role="kernel", cell=44),
            grid("MACs", "MACs = n·m, per layer", macs, role="output", progressive=True, cell=44),
            grid(
                "total",
                "total = Σ n·m",
                [sum(macs)],
                role="output",
                progressive=True,
                index=False,
                cell=44,
            ),
        ],
        steps,
    )


def _build(kind: str, c_in: int, c_out: int, k: int, size: int) -> dict:
    key, g = COST_TYPES[kind]
    layers = _layers(key, c_in, c_out, k, size, g)
    total = layers[0][2]
    for _n, _call, c in layers[1:]:
        total = total + c
    base = cost.conv_cost((1, c_in, size, size), c_out, k, padding=k // 2, bias=False)
    symbols = {"H": size, "W": size, "H_out": size, "W_out": size, "C_in": c_in,
               "C_out": c_out, "k_h": k, "k_w": k, "g": g}  # fmt: skip
    f = cost.FORMULAS[key]
    # with g = 1 (every type but the grouped ones, and the standard layer) no "/ g" is shown
    macs, params = (t.replace(" / g", "") if g == 1 else t for t in (f.macs, f.params))
    std_macs = cost.FORMULAS["standard"].macs.replace(" / g", "")
    ratio = total.macs / base.macs
    lines = [
        f"{kind}: MACs = {_dots(macs)} = {fill_formula(macs, symbols)} = {total.macs:,}",
        f"{kind}: weights = {_dots(params)} = {fill_formula(params, symbols)} = {total.params:,}",
        f"standard {k}×{k}: MACs = {_dots(std_macs)} = {fill_formula(std_macs, symbols)} = "
        f"{base.macs:,}; weights = {base.params:,}",
        f"MACs against the standard layer: {total.macs:,} / {base.macs:,} = {ratio:.4f}; "
        f"FLOPs = 2 × MACs = {total.flops:,}",
    ]
    code = "\n".join(
        [f"x = torch.zeros(1, {c_in}, {size}, {size})", "layer = nn.Sequential("]
        + [f"    {call},  # {name}" for name, call, _c in layers]
        + [")", "cv.count(layer, x.shape).total_macs  # " + f"{total.macs:,}"]
    )
    return {
        "views": [
            _layers_view(
                f"standard {k}×{k} convolution, same input and output", [("standard", "", base)]
            ),
            _layers_view(f"{kind}", layers),
        ],
        "formula": lines,
        "code": code,
        "legend": {
            "in": "output elements of the layer being priced",
            "k": "MACs per output element",
            "out": "MACs being summed",
        },
    }


def cost_figure() -> Figure:
    """The cost calculator: pick a convolution type and a shape, see MACs and parameters.

    Returns
    -------
    Figure
        Controls: the type, ``C_in``, ``C_out``, the kernel side and the image
        side. Views: the standard convolution and the chosen type, each as
        per-layer output elements times MACs per element, summed to the total.
    """
    return Figure(
        id="cost-calculator",
        title="What a convolution costs: MACs and parameters by type",
        description=(
            "Choose a convolution type (standard, depthwise separable, grouped with 2 or 4 "
            "groups, depthwise alone, pointwise, pointwise grouped, spatially separable, "
            "flattened), the input and output channels, the kernel side and the image side. "
            "The left view (the upper one on a narrow screen) prices the standard convolution "
            "with the same shapes, the right view the chosen type: one cell per layer, each layer's MACs being its number of "
            "output elements times the MACs per output element, and the last step sums the "
            "layers. The formula lines give the cost formula with the numbers filled in, the "
            "parameter count and the ratio to the standard convolution; the code is the "
            "PyTorch layer. Stride 1, padding that keeps the size, no bias."
        ),
        controls=[
            Control("kind", "type", list(COST_TYPES), default=1),
            Control("c_in", "C_in", list(CHANNELS), default=1),
            Control("c_out", "C_out", list(CHANNELS), default=2),
            Control("k", "kernel k", list(KERNELS), labels=[f"{k}×{k}" for k in KERNELS]),
            Control("size", "image H = W", list(SIZES), labels=[str(s) for s in SIZES]),
        ],
        build=_build,
    )


FIGURES = [cost_figure]
