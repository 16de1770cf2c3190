"""Chapter 5 figures: the output-size calculator, for convolution and transposed convolution.

Both figures work on one axis: PyTorch computes every spatial axis with the same
rule and its own ``(k, s, p, d)``, so a 2D or 3D shape is this figure once per axis.
"""

from __future__ import annotations

import numpy as np

from convviz import conv, matrix, padding, shapes, transposed, transposed_views
from convviz.figures._common import count_of
from convviz.figures.engine import Control, Figure, grid, view

__all__ = [
    "AR_DILATIONS",
    "AR_INPUT",
    "AR_KERNEL",
    "AR_KERNEL_SIZES",
    "AR_PADDINGS",
    "AR_SIZES",
    "AR_STRIDES",
    "conv_arithmetic_figure",
    "transposed_arithmetic_figure",
]

CHAPTER = "05-convolution-arithmetic"
TITLE = "Convolution arithmetic"

#: Candidate values of the controls.
AR_KERNEL_SIZES = (1, 2, 3, 4)
AR_STRIDES = (1, 2, 3, 4)
AR_PADDINGS = (0, 1, 2, 3)
AR_DILATIONS = (1, 2)
_SIZE_CANDIDATES = range(1, 13)


def _sizes_where_all_valid() -> tuple[int, ...]:
    """Input sizes at which every combination of the other controls is a valid convolution."""
    wanted = len(AR_KERNEL_SIZES) * len(AR_STRIDES) * len(AR_PADDINGS) * len(AR_DILATIONS)
    return tuple(
        i
        for i in _SIZE_CANDIDATES
        if len(shapes.valid_settings(i, AR_KERNEL_SIZES, AR_STRIDES, AR_PADDINGS, AR_DILATIONS))
        == wanted
    )


#: Input sizes the slider offers: those where no other setting can be invalid.
AR_SIZES = _sizes_where_all_valid()

#: Input values (digits of pi) and kernel taps; a setting uses the first i (or i′) and k.
AR_INPUT = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4])
AR_KERNEL = np.array([1.0, -1.0, 2.0, 1.0])


def _kernel_panel(w: np.ndarray, d: int) -> dict:
    k = len(w)
    extent = shapes.effective_kernel_size(k, d)
    label = (
        f"kernel w, k = {k}"
        if d == 1
        else f"kernel w, k = {k}, dilation d = {d}: its taps read inputs {d} apart, "
        f"spanning {extent} cells"
    )
    return grid("w", label, w, role="kernel")


def _conv_build(i: int, k: int, s: int, p: int, d: int) -> dict:
    x, w = AR_INPUT[:i], AR_KERNEL[:k]
    o = shapes.conv_output_size(i, k, s, p, d)
    extent = shapes.effective_kernel_size(k, d)
    padded = padding.pad(x[None, None], (p, p))[0, 0]
    y = conv.conv1d(x[None, None], w[None, None], stride=s, padding=p, dilation=d)[0, 0]
    # triples on the explicitly padded input, so taps on padding are shown too
    triples = matrix.conv_triples((1, len(padded)), (1, 1, k), stride=s, dilation=d)
    steps = [
        [(2, int(r), 0, int(c), 1, int(t)) for r, c, t in triples[triples[:, 0] == out]]
        for out in range(o)
    ]
    read = set(int(c) for c in triples[:, 1])
    last = max(read)
    tail = list(range(last + 1, len(padded)))
    pads = set(range(p)) | set(range(p + i, len(padded)))
    dropped_real = [c for c in tail if c not in pads]
    skipped = [c for c in range(last + 1) if c not in read and c not in pads]
    panels = [
        grid(
            "x",
            f"input x, i = {i}, padded by p = {p} on each side (dashed)",
            padded,
            role="input",
            origin=-p,
            marks={"pad": sorted(pads), "drop": dropped_real},
        ),
        _kernel_panel(w, d),
        grid("y", f"output y, o = {o}", y, role="output", progressive=True),
    ]
    numerator = i + 2 * p - d * (k - 1) - 1
    rest = shapes.floor_remainder(i, k, s, p, d)
    rels = shapes.relationships_that_apply(i, k, s, p, d)
    formula = [
        f"o = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1 = ⌊({i} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 "
        f"= ⌊{numerator}/{s}⌋ + 1 = {o}",
        f"dilated kernel spans k + (k − 1)(d − 1) = {k} + {k - 1}·{d - 1} = {extent} cells",
    ]
    if rest == 0:
        formula.append(f"{numerator} is a multiple of s = {s}: floor division drops nothing")
    else:
        formula.append(
            f"floor division drops {numerator} mod {s} = {count_of(rest, 'cell')} at the end: "
            f"{len(dropped_real)} of input (struck), {rest - len(dropped_real)} of padding"
        )
    if skipped:
        formula.append(
            f"s = {s} > d(k − 1) + 1 = {extent}: {count_of(len(skipped), 'input cell')} between "
            "windows "
            "are never read either"
        )
    formula.append("Dumoulin & Visin relationships that hold here: " + ", ".join(rels))
    args = [f"stride={s}"] + ([f"padding={p}"] if p else []) + ([f"dilation={d}"] if d > 1 else [])
    code = (
        f"F.conv1d(x, w, {', '.join(args)})   # x: (1, 1, {i}), w: (1, 1, {k}) -> (1, 1, {o})\n"
        f"# the same on each axis of an image, e.g. height:\n"
        f"nn.Conv2d(c_in, c_out, kernel_size=({k}, kw), stride=({s}, sw), "
        f"padding=({p}, pw), dilation=({d}, dw))"
    )
    return {
        "views": [view("convolution along one axis", panels, steps)],
        "formula": formula,
        "code": code,
    }


def _direct_line(y: np.ndarray, w: np.ndarray, k: int, s: int, p: int, a: int, d: int) -> str:
    """The guide's direct convolution equal to this transposed one, with its sizes."""
    eq = shapes.direct_equivalent(k, s, p, a, d)
    padded = transposed_views.direct_conv_input(y[None, None], k, s, p, a, d)[0, 0]
    direct = conv.conv1d(
        padded[None, None], transposed_views.direct_conv_weight(w[None, None]), dilation=d
    )[0, 0]
    pads = f"pad {eq.pad_before} before and {eq.pad_after} after" + (
        " (negative: crop)" if min(eq.pad_before, eq.pad_after) < 0 else ""
    )
    return (
        f"as a direct convolution (the guide's relationships 8-14): insert s − 1 = "
        f"{count_of(eq.zeros_between, 'zero')} between the i′ = {len(y)} inputs, {pads} "
        f"(p′ = d(k − 1) − p = {eq.pad_before}, plus a = {a} at the end), then convolve "
        f"with the flipped kernel at stride 1: {len(padded)} − {d * (k - 1)} = {len(direct)} "
        "outputs, the same values"
    )


def _transposed_build(i: int, k: int, s: int, p: int, d: int) -> dict:
    w = AR_KERNEL[:k]
    i_t = shapes.conv_output_size(i, k, s, p, d)  # the transposed input: the forward output
    a = shapes.output_padding_for(i_t, i, k, s, p, d)
    o_t = shapes.conv_transpose_output_size(i_t, k, s, p, a, d)
    without = shapes.conv_transpose_output_size(i_t, k, s, p, 0, d)
    y = AR_INPUT[:i_t]
    full = transposed.conv_transpose1d(y[None, None], w[None, None], stride=s, dilation=d)[0, 0]
    length = len(full)
    shown = np.concatenate([full, np.zeros(a)])  # output_padding cells past the full output
    triples = matrix.conv_transpose_triples((1, i_t), (1, 1, k), stride=s, dilation=d)
    cropped = list(range(p)) + list(range(length + a - p, length + a))
    # the cells of z first, in order, then the cells padding cuts: the first step computes a
    # cell of z (cells no input reaches stay 0 and get no step)
    outs = sorted(np.unique(triples[:, 0]).tolist(), key=lambda out: (out in cropped, out))
    steps = [
        [(2, int(r), 0, int(c), 1, int(t)) for r, c, t in triples[triples[:, 0] == out]]
        for out in outs
    ]
    restored = list(range(length - p, length - p + a))
    computed, bias_only = shapes.output_padding_cells(p, a)
    panels = [
        grid("y", f"input y, i′ = {i_t} (the output of the convolution)", y, role="input"),
        _kernel_panel(w, d),
        grid(
            "z",
            f"output z, o′ = {o_t}: padding p = {p} cuts the struck cells, output_padding "
            f"a = {a} keeps the outlined ones",
            shown,
            role="output",
            origin=-p,
            marks={"drop": cropped, "hot": restored},
            progressive=True,
        ),
    ]
    rels = shapes.relationships_that_apply(i, k, s, p, d, operation="transposed")
    formula = [
        f"forward convolution: i = {i} → o = {i_t}; the transposed convolution goes back, "
        f"i′ = {i_t}",
        f"o′ = (i′ − 1)s − 2p + d(k − 1) + a + 1 = ({i_t} − 1)·{s} − 2·{p} + {d}·({k} − 1) "
        f"+ {a} + 1 = {o_t}",
        f"full output before cropping: (i′ − 1)s + d(k − 1) + 1 = {length} cells; "
        f"padding removes {p} from each end",
        (
            f"a = {a}: no output_padding needed, the forward convolution dropped nothing"
            if a == 0
            else f"a = {a} restores the {count_of(a, 'cell')} the forward floor division dropped "
            f"(without it o′ = {without}): {computed} computed, {bias_only} past the full "
            "output holding only the bias (a > p)"
            if bias_only
            else f"a = {a} restores the {count_of(a, 'cell')} the forward floor division dropped "
            f"(without it o′ = {without}); a ≤ p, so they are computed cells"
        ),
        _direct_line(y, w, k, s, p, a, d),
        "Dumoulin & Visin relationships that hold here: " + ", ".join(rels),
    ]
    args = (
        [f"stride={s}"] + ([f"padding={p}"] if p else []) + ([f"output_padding={a}"] if a else [])
    )
    args += [f"dilation={d}"] if d > 1 else []
    code = (
        f"F.conv_transpose1d(y, w, {', '.join(args)})   "
        f"# y: (1, 1, {i_t}), w: (1, 1, {k}) -> (1, 1, {o_t})\n"
        f"# undoes the shape of F.conv1d(x, w, stride={s}, padding={p}, dilation={d}) "
        f"on x: (1, 1, {i})"
    )
    return {
        "legend": {
            "drop": "cut by padding: not part of z",
            "hot": "handed back by output_padding",
        },
        "views": [view("transposed convolution along one axis", panels, steps)],
        "formula": formula,
        "code": code,
    }


def _controls() -> list[Control]:
    return [
        Control("i", "input size i", list(AR_SIZES), default=AR_SIZES.index(7)),
        Control("k", "kernel size k", list(AR_KERNEL_SIZES), default=2),
        Control("s", "stride s", list(AR_STRIDES), default=1),
        Control("p", "padding p", list(AR_PADDINGS), default=1),
        Control("d", "dilation d", list(AR_DILATIONS), labels=[f"d = {d}" for d in AR_DILATIONS]),
    ]


def conv_arithmetic_figure() -> Figure:
    """The output-size calculator of a convolution, on one axis.

    Returns
    -------
    Figure
        Controls: input size, kernel size, stride, padding and dilation; every
        combination is a valid convolution.
    """
    return Figure(
        id="arithmetic-conv",
        title="How big is the output? A convolution along one axis",
        description=(
            "A row of input values, padded with zeros on both sides (dashed cells), is "
            "convolved with a kernel of k taps; with dilation d > 1 the taps read input cells "
            "d apart, so the kernel spans k + (k − 1)(d − 1) cells. "
            "Each step highlights the window "
            "of one output value and writes its sum. The formula below is filled in with the "
            "current setting: o = floor((i + 2p − d(k − 1) − 1)/s) + 1. Input cells past the "
            "last window, which the floor division drops, are struck through; the text lists the "
            "Dumoulin and Visin relationships that hold, and the PyTorch call."
        ),
        controls=_controls(),
        build=_conv_build,
    )


def transposed_arithmetic_figure() -> Figure:
    """The output-size calculator of a transposed convolution, on one axis.

    Returns
    -------
    Figure
        The controls describe the forward convolution ``(i, k, s, p, d)``; the
        figure transposes it, with the ``output_padding`` that gives back size ``i``.
    """
    return Figure(
        id="arithmetic-transposed",
        title="Going back: the transposed convolution of the same settings",
        description=(
            "The controls set a convolution from size i; its output, of size i′, is the "
            "input of the transposed convolution drawn here. Every input value is spread "
            "over the output through the kernel; each step shows one output value as the "
            "sum of the inputs and taps that reach it. The full output has (i′ − 1)s + "
            "d(k − 1) + 1 cells; padding p cuts p cells from each end (struck), and "
            "output_padding a adds back the cells the forward convolution's floor "
            "division dropped (outlined), so the output has size i again. The formula "
            "o′ = (i′ − 1)s − 2p + d(k − 1) + a + 1 is filled in below with the PyTorch call."
        ),
        controls=_controls(),
        build=_transposed_build,
    )


FIGURES = [conv_arithmetic_figure, transposed_arithmetic_figure]
