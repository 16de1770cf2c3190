"""Chapter 1 figures: convolution flips the kernel, cross-correlation does not."""

from __future__ import annotations

import numpy as np

from convviz import signal
from convviz.figures.engine import Control, Figure, aligned_panel, grid, view

__all__ = ["FLIP_KERNELS", "FLIP_SIGNAL", "flip_figure"]

CHAPTER = "01-convolution-vs-cross-correlation"
TITLE = "Convolution versus cross-correlation"

#: The signal of the flip figure: a ramp up, a drop, and a lone bump.
FLIP_SIGNAL = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 2.0, 0.0])

#: Kernels the reader can choose, by label; symmetric ones make the two agree.
FLIP_KERNELS: dict[str, np.ndarray] = {
    "ramp [1, 2, 3] (asymmetric)": np.array([1.0, 2.0, 3.0]),
    "shift [0, 0, 1] (asymmetric)": np.array([0.0, 0.0, 1.0]),
    "difference [1, 0, -1] (antisymmetric)": np.array([1.0, 0.0, -1.0]),
    "blur [1, 2, 1] (symmetric)": np.array([1.0, 2.0, 1.0]),
    "box [1, 1, 1, 1] (symmetric, even)": np.array([1.0, 1.0, 1.0, 1.0]),
}

MODES = ("full", "same", "valid")


def _one_view(title: str, x: np.ndarray, w: np.ndarray, mode: str, flipped: bool) -> dict:
    n, m = len(x), len(w)
    y = signal.convolve1d(x, w, mode) if flipped else signal.correlate1d(x, w, mode)  # type: ignore[arg-type]
    taps = signal.correlation_taps(n, m, mode, flipped=flipped, padded=True)  # type: ignore[arg-type]
    left = max(0, -int(taps[:, 1].min()))
    right = max(0, int(taps[:, 1].max()) - (n - 1))
    shown = np.pad(x, (left, right))
    pads = [*range(left), *range(left + n, left + n + right)]
    # panels: x, then (on its own line, under x) the kernel where it meets x, then w and y
    steps = [
        [(3, int(o), 0, int(i) + left, 2, int(k)) for o, i, k in taps[taps[:, 0] == out]]
        for out in range(len(y))
    ]
    panels = [
        grid(
            "x",
            "signal x (zeros outside, dashed)",
            shown,
            role="input",
            origin=-left,
            marks={"pad": pads},
        ),
        aligned_panel(
            "under the window: the weight each cell of x is multiplied by; "
            "below: each output under the middle of its window",
            input=0,
            kernel=2,
            output=3,
        ),
        grid("w", "kernel w", w, role="kernel"),
        grid("y", "output y", y, role="output", progressive=True),
    ]
    return view(title, panels, steps, breaks=[1, 2])


def _index(n: int, m: int, mode: str, flipped: bool) -> str:
    """The input index tap t of output r reads, as the steps name it: ``r + c ∓ t``."""
    taps = signal.correlation_taps(n, m, mode, flipped=flipped, padded=True)  # type: ignore[arg-type]
    o, i, k = taps[0]
    c = int(i + k - o) if flipped else int(i - k - o)
    shift = "" if c == 0 else f" + {c}" if c > 0 else f" − {-c}"
    return f"r{shift} {'−' if flipped else '+'} t"


def _build(kernel: str, mode: str) -> dict:
    x, w = FLIP_SIGNAL, FLIP_KERNELS[kernel]
    n, m = len(x), len(w)
    conv = signal.convolve1d(x, w, mode)  # type: ignore[arg-type]
    corr = signal.correlate1d(x, w, mode)  # type: ignore[arg-type]
    agree = conv.shape == corr.shape and bool(np.allclose(conv, corr))
    _start, length = signal.mode_window(n, m, mode, flipped=True)  # type: ignore[arg-type]
    left, right = signal.torch_padding(n, m, mode)  # type: ignore[arg-type]
    length_rule = {
        "full": f"i + k − 1 = {n} + {m} − 1 = {length}",
        "same": f"max(i, k) = max({n}, {m}) = {length}",
        "valid": f"max(i, k) − min(i, k) + 1 = {max(n, m)} − {min(n, m)} + 1 = {length}",
    }[mode]
    pad = f"padding={left}" if left == right else f"F.pad(x, ({left}, {right}))"
    torch_call = (
        f"F.conv1d(x.view(1, 1, -1), w.view(1, 1, -1), {pad})"
        if left == right
        else f"F.conv1d({pad}.view(1, 1, -1), w.view(1, 1, -1))"
    )
    return {
        "views": [
            _one_view("convolution: kernel flipped", x, w, mode, flipped=True),
            _one_view("cross-correlation: kernel as it is", x, w, mode, flipped=False),
        ],
        "formula": [
            f"convolution        y[r] = Σₜ x[{_index(n, m, mode, True)}]·w[t]   "
            "(as t goes up, x goes down: w reversed)",
            f"cross-correlation  y[r] = Σₜ x[{_index(n, m, mode, False)}]·w[t]   "
            "(what deep learning calls convolution)",
            f"mode '{mode}': signal length i = {n}, kernel size k = {m}, "
            f"output length {length_rule}",
            "the two outputs agree"
            if agree
            else "the two outputs differ: this kernel is not symmetric",
        ],
        "code": (
            f"np.convolve(x, w, mode='{mode}')\n"
            f"np.correlate(x, w, mode='{mode}')   # the same as:\n"
            f"{torch_call}"
        ),
    }


def flip_figure() -> Figure:
    """The flipped-versus-unflipped figure: convolution and cross-correlation stepping together.

    Returns
    -------
    Figure
        Controls: the kernel (asymmetric, antisymmetric or symmetric) and the
        output mode; both views share the step.
    """
    return Figure(
        id="flip",
        title="Convolution flips the kernel; cross-correlation slides it as it is",
        description=(
            f"The signal x = {FLIP_SIGNAL.astype(int).tolist()} is filtered twice with the "
            "same kernel w, in two views side by side (one above the other on a narrow "
            "screen). First view: convolution, which pairs x[r + c − t] with w[t], so the "
            "kernel meets the signal reversed. Second view: cross-correlation, which pairs "
            "x[r + c + t] with w[t] (the shift c is set by the mode and written under the "
            "grids). Each step highlights the input cells of one output "
            "value and writes the sum; the row under the signal shows the kernel "
            "weights under the cells they multiply (w[2], w[1], w[0] from left to "
            "right for convolution, w[0], w[1], w[2] for cross-correlation), and below "
            "it each output computed so far sits under the middle of its window. With "
            "an asymmetric kernel the outputs differ; with a symmetric kernel they are "
            "equal."
        ),
        controls=[
            Control("kernel", "kernel w", list(FLIP_KERNELS)),
            Control("mode", "mode", list(MODES)),
        ],
        build=_build,
    )


from convviz.figures.photos import photo_flip_figure  # noqa: E402 (real photographs)

FIGURES = [flip_figure, photo_flip_figure]
