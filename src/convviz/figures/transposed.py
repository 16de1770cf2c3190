"""Chapter 6 figures: transposed convolution, its matrix, and checkerboard artifacts."""

from __future__ import annotations

import numpy as np

from convviz import matrix, overlap, shapes
from convviz.conv import conv2d
from convviz.figures._common import count_of
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, steps_on_grid, view
from convviz.transposed import conv_transpose2d
from convviz.transposed_views import direct_conv_input, transposed_stamps

__all__ = [
    "MATRIX_INPUT",
    "SCATTER_CASES",
    "UPSAMPLE_CASES",
    "UPSAMPLE_INPUT",
    "UPSAMPLE_KERNEL",
    "checkerboard_figure",
    "checkerboard_stack_figure",
    "direct_picture",
    "matrix_figure",
    "scatter_figure",
    "upsample_figure",
]

CHAPTER = "06-transposed-convolution"
TITLE = "Transposed convolution and checkerboard artifacts"

#: The 2x2 image the upsampling figure enlarges.
UPSAMPLE_INPUT = np.array([[1.0, 2.0], [3.0, -1.0]])

#: A 3x3 kernel with no symmetry, so that flipping it visibly matters.
UPSAMPLE_KERNEL = np.array([[1.0, 2.0, -1.0], [-2.0, 1.0, 3.0], [1.0, 2.0, 1.0]])

#: The 4x4 image of the matrix figure (the article's "Large").
MATRIX_INPUT = np.array(
    [[1.0, 0.0, 2.0, 1.0], [0.0, 3.0, 1.0, 0.0], [2.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 2.0]]
)

#: (stride, padding, output_padding) of the upsampling figure's cases, by label.
UPSAMPLE_CASES: dict[str, tuple[int, int, int]] = {
    "2×2 → 4×4: stride 1": (1, 0, 0),
    "2×2 → 5×5: stride 2": (2, 0, 0),
    "2×2 → 3×3: stride 2, padding 1": (2, 1, 0),
    "2×2 → 4×4: stride 2, padding 1, output_padding 1": (2, 1, 1),
}


def direct_picture(
    x: np.ndarray, stride: int, padding_: int, output_padding: int, kernel_size: int
) -> tuple[np.ndarray, list[int], list[int]]:
    """The direct form's input of a 2D transposed convolution, and where its zeros are.

    The values come from :func:`convviz.direct_conv_input`; this adds the marks the
    figure draws.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Input of the transposed convolution.
    stride, padding_, output_padding : int
        ``s, p, a`` of ``conv_transpose2d`` (dilation 1).
    kernel_size : int
        ``k``.

    Returns
    -------
    expanded : ndarray, shape ((H - 1) s + 1 + 2 (k - 1 - p) + a, ...)
        ``cv.direct_conv_input(x, k, s, p, a)`` for one image and channel.
    zeros : list of int
        Flat indices of the inserted zeros.
    pads : list of int
        Flat indices of the padding.
    """
    args = (kernel_size, stride, padding_, output_padding)
    expanded = direct_conv_input(x[None, None], *args)[0, 0]
    is_x = direct_conv_input(np.ones((1, 1, *x.shape)), *args)[0, 0]
    spread = ((x.shape[0] - 1) * stride + 1, (x.shape[1] - 1) * stride + 1)
    is_core = direct_conv_input(np.ones((1, 1, *spread)), kernel_size, 1, padding_, 0)[0, 0]
    is_core = np.pad(is_core, ((0, output_padding), (0, output_padding)))
    zeros = np.flatnonzero((is_core == 1) & (is_x == 0)).tolist()
    pads = np.flatnonzero(is_core == 0).tolist()
    return expanded, zeros, pads


def _upsample_build(case: tuple[int, int, int]) -> dict:
    s, p, a = case
    x, w = UPSAMPLE_INPUT, UPSAMPLE_KERNEL
    k, i = w.shape[0], x.shape[0]
    y = conv_transpose2d(x[None, None], w[None, None], stride=s, padding=p, output_padding=a)[0, 0]
    o = shapes.conv_transpose_output_size(i, k, s, p, a)
    expanded, zeros, pads = direct_picture(x, s, p, a, k)
    flipped = w[::-1, ::-1]
    direct = conv2d(expanded[None, None], flipped[None, None].copy())[0, 0]
    assert np.allclose(direct, y)  # the two pictures show the same numbers
    e = expanded.shape[0]
    direct_steps = steps_from_triples(matrix.conv_triples((1, e, e), (1, 1, k, k)))
    scatter_steps = steps_from_triples(
        matrix.conv_transpose_triples((1, i, i), (1, 1, k, k), s, p, a)
    )
    lead = k - 1 - p
    direct_view = view(
        "as a direct convolution: zeros inserted, padded, kernel flipped, stride 1",
        [
            grid(
                "x′",
                f"x with {count_of(s - 1, 'zero')} between cells (dotted) and padding (dashed)"
                if s > 1
                else "x with padding (dashed); stride 1 inserts no zeros",
                expanded,
                role="input",
                marks={"zero": zeros, "pad": pads},
            ),
            grid("w′", "w flipped: w′[u,v] = w[2−u,2−v]", flipped, role="kernel"),
            grid("y", f"output y, {o}×{o}", direct, role="output", progressive=True),
        ],
        direct_steps,
    )
    scatter_view = view(
        "as a transposed convolution: each x[j] stamps x[j]·w at s·j; y gathers the stamps",
        [
            grid("x", "input x, 2×2", x, role="input"),
            grid("w", "kernel w, as stored", w, role="kernel"),
            grid("y", f"output y, {o}×{o}", y, role="output", progressive=True),
        ],
        scatter_steps,
    )
    call = "F.conv_transpose2d(x, w" + (f", stride={s}" if s > 1 else "")
    call += (f", padding={p}" if p else "") + (f", output_padding={a}" if a else "") + ")"
    pad_args = f"({lead}, {lead + a}, {lead}, {lead + a})"
    return {
        "views": [direct_view, scatter_view],
        "formula": [
            f"o = (i − 1)·s − 2p + (k − 1) + a + 1 = ({i} − 1)·{s} − 2·{p} + ({k} − 1) + {a} + 1"
            f" = {o}",
            f"direct form: insert s − 1 = {count_of(s - 1, 'zero')} between inputs → "
            f"{(i - 1) * s + 1}×{(i - 1) * s + 1}; pad k − 1 − p = {lead} on each side"
            + (f" and a = {a} more at the bottom and right" if a else "")
            + f" → {e}×{e}; convolve with the flipped kernel, stride 1 → {o}×{o}",
        ],
        "code": (
            f"{call}\n"
            f"# the same numbers as a plain convolution:\n"
            f"xs = F.conv_transpose2d(x, torch.ones(1, 1, 1, 1), stride={s})  # zeros inserted\n"
            f"F.conv2d(F.pad(xs, {pad_args}), w.flip(-1, -2))"
        ),
    }


def upsample_figure() -> Figure:
    """Upsampling a 2x2 image with a 3x3 transposed convolution, two ways.

    Returns
    -------
    Figure
        Control: the case (stride, padding, output_padding). Top view: the direct
        convolution on the zero-inserted, padded input with the flipped kernel.
        Bottom view: the same outputs gathered from the stamps of the kernel.
    """
    return Figure(
        id="transposed-upsample",
        title="Upsampling 2×2 to 4×4 or 5×5 with a 3×3 transposed convolution",
        description=(
            f"A 2×2 input x = {UPSAMPLE_INPUT.astype(int).tolist()} and a 3×3 kernel "
            f"w = {UPSAMPLE_KERNEL.astype(int).tolist()}. Two views side by side (one above the other on a "
            "narrow screen). First view: the transposed convolution "
            "written as an ordinary stride-1 convolution: stride − 1 zeros are inserted "
            "between input cells (dotted), k − 1 − padding zeros are added around "
            "(dashed), and the kernel is turned by 180 degrees. Second view: the same output "
            "seen as every input cell stamping a scaled copy of the unflipped kernel; each "
            "step sums the stamps that land on one output cell. Stride 1 gives 4×4, "
            "stride 2 gives 5×5; padding crops the output, output_padding adds one more "
            "row and column of real values."
        ),
        controls=[
            Control("case", "case", list(UPSAMPLE_CASES.values()), list(UPSAMPLE_CASES)),
        ],
        build=_upsample_build,
    )


# --------------------------------------------------------------------------- #
# The scatter, one input cell at a time
# --------------------------------------------------------------------------- #

#: (stride, padding, output_padding) of the scatter figure: the upsampling cases and one
#: whose output_padding reaches past the full output (a > p: bias-only cells).
SCATTER_CASES: dict[str, tuple[int, int, int]] = {
    **UPSAMPLE_CASES,
    "2×2 → 6×6: stride 2, output_padding 1 (a > p)": (2, 0, 1),
}

_SUB = "₀₁₂₃₄₅₆₇₈₉"  # subscript digits: the stamp of x[r,q] is y_rq


def _scatter_build(case: tuple[int, int, int]) -> dict:
    s, p, a = case
    x, w = UPSAMPLE_INPUT, UPSAMPLE_KERNEL
    i, k = x.shape[0], w.shape[0]
    stamps = transposed_stamps(x, w, s)  # (4, F, F), nothing cropped yet
    full = stamps.shape[1]
    computed, bias_only = shapes.output_padding_cells(p, a)
    side = full + bias_only  # bias-only cells lie past the full output
    o = shapes.conv_transpose_output_size(i, k, s, p, a)
    y = np.zeros((side, side))
    y[:full, :full] = stamps.sum(axis=0)
    # which stamp (input cell) and tap reaches each cell of y: the scatter rule s·j + t
    reach: dict[int, list[tuple[int, int]]] = {}
    corners = [divmod(j, i) for j in range(i * i)]
    for j, (r, c) in enumerate(corners):
        for t in range(k * k):
            u, v = divmod(t, k)
            reach.setdefault((s * r + u) * side + s * c + v, []).append((j, t))
    rows, cols = np.divmod(np.arange(side * side), side)

    def inside(lo: int, hi: int) -> np.ndarray:
        return (rows >= lo) & (rows < hi) & (cols >= lo) & (cols < hi)

    in_y = inside(p, p + o)
    kept = in_y & ((rows >= full - p) | (cols >= full - p)) & ~((rows >= full) | (cols >= full))
    past = in_y & ((rows >= full) | (cols >= full))
    reached = np.zeros(side * side, dtype=int)
    for cell, hits in reach.items():
        reached[cell] = len(hits)
    # cells of y that sum more than one stamp (a cell has one mark: those cut by padding stay
    # struck, those handed back by output_padding stay outlined)
    overlap = in_y & ~kept & ~past & (reached > 1)
    overlap_cut = int(np.count_nonzero(~in_y & (reached > 1)))
    overlap_kept = int(np.count_nonzero(kept & (reached > 1)))
    marks = {
        "drop": np.flatnonzero(~in_y).tolist(),
        "hot": np.flatnonzero(kept).tolist(),
        "pad": np.flatnonzero(past).tolist(),
        "overlap": np.flatnonzero(overlap).tolist(),
    }
    names = [f"y{_SUB[r]}{_SUB[c]}" for r, c in corners]
    panels = [
        grid("x", f"input x, {i}×{i}", x, role="input"),
        grid("w", f"kernel w, {k}×{k}", w, role="kernel"),
        *(
            grid(
                name,
                f"{name} = x[{r},{c}]·w",
                x[r, c] * w,
                role="other",
                origin=(s * r - p, s * c - p),
                progressive=True,
            )
            for name, (r, c) in zip(names, corners, strict=True)
        ),
        grid(
            "y",
            f"y = {' + '.join(names)}",
            y,
            role="output",
            origin=(-p, -p),
            marks=marks,
            progressive=True,
        ),
    ]
    out = len(panels) - 1
    # one step per stamp: input cell j scales the kernel into its stamp panel
    steps = [[(2 + j, t, 0, j, 1, t) for t in range(k * k)] for j in range(i * i)]
    # then one step per cell of y: the stamps there add up (plain terms, no weight); the
    # cells of y in reading order, then those output_padding hands back, then those padding cuts
    order = sorted(reach, key=lambda cell: (not in_y[cell], bool(kept[cell]), cell))
    for cell in order:
        r, c = divmod(cell, side)
        steps.append(
            [
                (out, cell, 2 + j, (r - s * corners[j][0]) * k + c - s * corners[j][1], -1, -1)
                for j, _ in reach[cell]
            ]
        )
    if a == 0:
        op_line = "output_padding a = 0: no cell added"
    else:
        op_line = (
            f"output_padding a = {a}: cv.output_padding_cells(p, a) = ({computed}, {bias_only}): "
            f"{count_of(computed, 'cut cell')} handed back, computed (outlined); {bias_only} added past "
            "the full output, bias only (hatched)"
        )
    return {
        "legend": {
            "in": "the input cell stamping now, or the stamps a sum adds",
            "k": "the kernel weights it scales",
            "out": "the cells of its stamp, or the cell of y being summed",
            "drop": "cut by padding: not part of y",
            "hot": "handed back by output_padding: a computed cell",
            "pad": "added by output_padding past every stamp: holds only the bias",
            **(
                {"overlap": "heavy border: stamps overlap here, their products add"}
                if overlap.any()
                else {}
            ),
        },
        "views": [
            view(
                f"the scatter: each input cell x[r,q] stamps x[r,q]·w with its corner at "
                f"s·(r, q) − p; y adds the {i * i} stamps",
                panels,
                steps,
            )
        ],
        "formula": [
            f"steps 1 to {i * i}: x[r,q] stamps y_rq[s·r + u − p, s·q + v − p] = x[r,q]·w[u,v] "
            "for every tap (u, v)",
            f"then one step per cell of y: y = {' + '.join(names)}; "
            f"{count_of(int(overlap.sum()), 'cell of y is', 'cells of y are')} reached by more "
            "than one stamp (heavy border), and there the products add"
            + (f"; {overlap_kept} more among the cells handed back" if overlap_kept else "")
            + (f"; {overlap_cut} more in the cut border" if overlap_cut else ""),
            f"every stamp lies in the full (i − 1)s + k = {full}×{full} grid; "
            + (
                f"padding p = {p} cuts {count_of(p, 'cell')} from each side (struck, the last "
                "steps)"
                if p
                else "padding p = 0 cuts nothing"
            ),
            op_line,
            f"o = (i − 1)·s − 2p + (k − 1) + a + 1 = ({i} − 1)·{s} − 2·{p} + ({k} − 1) + {a} "
            f"+ 1 = {o}",
        ],
        "code": (
            f"stamps = cv.transposed_stamps(x, w, stride={s})   # ({i * i}, {full}, {full})\n"
            "full = stamps.sum(axis=0)\n"
            + (
                f"full = np.pad(full, (0, {bias_only}))   # cells past every stamp\n"
                if bias_only
                else ""
            )
            + f"full[{p}:{p + o}, {p}:{p + o}] == F.conv_transpose2d(x, w, stride={s}"
            + (f", padding={p}" if p else "")
            + (f", output_padding={a}" if a else "")
            + ")[0, 0]"
        ),
    }


def scatter_figure() -> Figure:
    """A transposed convolution as a scatter: each input cell stamps the kernel, then y adds.

    Returns
    -------
    Figure
        Control: the case (stride, padding, output_padding). One stepper: first one
        step per input cell (its stamp, the kernel scaled by its value), then one step
        per cell of y (the stamps there added up): the cells of y, then those
        output_padding hands back, then those padding cuts.
    """
    return Figure(
        id="transposed-scatter",
        title="A transposed convolution as a scatter: each input cell stamps the kernel",
        description=(
            "A 2×2 input and a 3×3 kernel. The first four steps are the stamps, in reading "
            "order: input cell x[r,q] multiplies the whole kernel, and its stamp y_rq is "
            "drawn with the output indices it lands on, its corner at stride × (r, q) minus "
            "the padding. The next steps add the stamps up, one output cell at a time: a "
            "cell that one stamp reaches has one term, a cell where stamps overlap (heavy "
            "border) has one term per stamp. The cells that output_padding hands back "
            "(outlined) come after the others, and the cells that padding cuts off (struck) "
            "come last; cells past every stamp, which hold only the bias, are hatched."
        ),
        controls=[
            Control("case", "case", list(SCATTER_CASES.values()), list(SCATTER_CASES), default=1),
        ],
        build=_scatter_build,
    )


# --------------------------------------------------------------------------- #
# The matrix view
# --------------------------------------------------------------------------- #


def _off_support(triples: np.ndarray, rows: int, cols: int) -> list[int]:
    """Flat indices of the cells of a ``rows x cols`` matrix that no triple ``(r, c, w)`` fills."""
    support = {(int(r), int(col)) for r, col, _ in triples}
    return [r * cols + col for r in range(rows) for col in range(cols) if (r, col) not in support]


def _pixel_names(name: str, side: int) -> list[str]:
    """``name[r,c]`` of every pixel of a ``side x side`` image, in reading order."""
    return [f"{name}[{r},{c}]" for r in range(side) for c in range(side)]


def _numbered(names: list[str]) -> list[str]:
    """``"4 x[1,0]"``: a matrix's row or column index before the pixel it stands for, so that
    the sum's ``C[0,4]`` is found by eye."""
    return [f"{i} {name}" for i, name in enumerate(names)]


def _matrix_build(direction: str) -> dict:
    x, w = MATRIX_INPUT, UPSAMPLE_KERNEL
    w4 = w[None, None]
    c = matrix.conv_matrix((1, 4, 4), w4, dense=True)
    small = conv2d(x[None, None], w4)[0, 0]
    big = conv_transpose2d(small[None, None], w4)[0, 0]
    nnz = int(np.count_nonzero(c))
    gram_id = matrix.gram_is_identity((1, 4, 4), w4)
    xs, ys, zs = _pixel_names("x", 4), _pixel_names("y", 2), _pixel_names("z", 4)
    if direction == "C":
        triples = matrix.conv_triples((1, 4, 4), w4)  # (output, input, tap)
        # matrix view: y[m] = sum over n of C[m, n] x[n], the nonzero n of row m
        steps = [
            [(2, m, 1, n, 0, m * 16 + n) for m, n, _ in triples[triples[:, 0] == row]]
            for row in range(4)
        ]
        zeros = _off_support(triples, 4, 16)
        panels = [
            grid(
                "C",
                "C, 4×16",
                c,
                role="kernel",
                marks={"zero": zeros},
                row_names=_numbered(ys),
                col_names=_numbered(xs),
            ),
            grid(
                "x",
                "· x, 16×1",
                x.reshape(16, 1),
                role="input",
                row_names=xs,
            ),
            grid(
                "y", "= y, 4×1", small.reshape(4, 1), role="output", progressive=True, row_names=ys
            ),
        ]
        image_panels = [
            grid("x", "x as the 4×4 image", x, role="input"),
            grid("w", "kernel w", w, role="kernel"),
            grid("y", "y as the 2×2 image", small, role="output", progressive=True),
        ]
        image_steps = steps_from_triples(triples)
        v = view(
            "y = C·x: x is the 4×4 image read row by row; one step per row of C", panels, steps
        )
        v_image = view("the same numbers as a convolution of images", image_panels, image_steps)
        formula = [
            "y = C·x:  (4×16)·(16×1) = (4×1), read back as the 2×2 image y",
            f"C has {nnz} nonzeros out of 64: row m holds the 9 weights at the columns of "
            "the pixels in output m's window",
        ]
        code = (
            "C = cv.conv_matrix((1, 4, 4), w, dense=True)   # 4×16\n"
            "C @ x.ravel()  ==  F.conv2d(x, w).ravel()"
        )
    else:
        ct = c.T
        triples = matrix.conv_transpose_triples((1, 2, 2), w4)  # (output z, input y, tap)
        # Cᵀ[n, m] = C[m, n]: z[n] = sum over m of Cᵀ[n, m] y[m]
        steps = [
            [(2, n, 1, m, 0, n * 4 + m) for n, m, _ in triples[triples[:, 0] == row]]
            for row in range(16)
        ]
        zeros = _off_support(triples, 16, 4)
        panels = [
            grid(
                "Cᵀ",
                "Cᵀ, 16×4",
                ct,
                role="kernel",
                marks={"zero": zeros},
                row_names=_numbered(zs),
                col_names=_numbered(ys),
            ),
            grid("y", "· y, 4×1", small.reshape(4, 1), role="input", row_names=ys),
            grid(
                "z",
                "= z, 16×1",
                big.reshape(16, 1),
                role="output",
                progressive=True,
                row_names=zs,
            ),
        ]
        image_panels = [
            grid("y", "y as the 2×2 image", small, role="input"),
            grid("w", "kernel w", w, role="kernel"),
            grid(
                "z",
                "z as the 4×4 image",
                big,
                role="output",
                progressive=True,
            ),
            grid("x", "x, for comparison", x, role="other"),
        ]
        image_steps = steps_from_triples(triples)
        v = view(
            "z = Cᵀ·y: row n of Cᵀ lists the outputs whose window covers pixel n; one step per row",
            panels,
            steps,
        )
        v_image = view(
            "the same numbers as a transposed convolution of images", image_panels, image_steps
        )
        differ = int(np.count_nonzero(~np.isclose(big, x)))
        formula = [
            "z = Cᵀ·y:  (16×4)·(4×1) = (16×1), read back as the 4×4 image z",
            f"Cᵀ·C·x ≠ x: {differ} of 16 cells differ. CᵀC is 16×16 of rank at most 4, "
            "so it cannot be the identity"
            + (
                " (cv.gram_is_identity agrees)"
                if not gram_id
                else " (yet cv.gram_is_identity says it is)"
            ),
        ]
        code = (
            "C.T @ y.ravel()  ==  F.conv_transpose2d(y, w).ravel()\n"
            "# and the gradient of F.conv2d(x, w) with respect to x, for upstream gradient y"
        )
    return {
        "views": [v, v_image],
        "formula": formula,
        "code": code,
        "legend": {"zero": "zero of the matrix (no weight there)"},
    }


def matrix_figure() -> Figure:
    """The convolution as a 4x16 matrix C, and the transposed convolution as its transpose.

    Returns
    -------
    Figure
        Control: the direction (C from 4x4 to 2x2, or Cᵀ from 2x2 to 4x4); one
        step per row of the matrix shown.
    """
    return Figure(
        id="transposed-matrix",
        title="The sparse matrix C of a 3×3 convolution on a 4×4 image, and Cᵀ",
        description=(
            "A 3×3 convolution of a 4×4 image is a 4×16 matrix C times the image read row "
            "by row as a 16×1 vector; the product is a 4×1 vector, the 2×2 output read row "
            "by row. The columns of C are labelled with the input pixel each one "
            "multiplies, its rows with the output pixel each one makes. Each step picks one "
            "row of C: its nine nonzero entries (the kernel's weights) meet the pixels of "
            "one output's window, and their dot product is that output; below, the same "
            "step as a window on the images. Switch to Cᵀ, 16×4: it maps the 2×2 result "
            "back to a 4×4 image, one step per row, and the result has the shape of the "
            "original image but not its values; the steps start again, at the first row "
            "with more than one nonzero product (the rows before it are steps back)."
        ),
        controls=[
            Control(
                "direction",
                "matrix",
                ["C", "CT"],
                ["C: convolution, 4×4 → 2×2", "Cᵀ: transposed convolution, 2×2 → 4×4"],
            )
        ],
        build=_matrix_build,
    )


# --------------------------------------------------------------------------- #
# Checkerboard artifacts
# --------------------------------------------------------------------------- #

CHECKER_SIZE = {"1D": (5,), "2D": (5, 5)}
STACK_SIZE = {"1D": (4,), "2D": (4, 4)}


def _fmt(u: float) -> str:
    return "∞ (some interior cells get no tap: holes)" if u == float("inf") else f"{u:g}"


def _interior_marks(shape: tuple[int, ...], region: tuple[slice, ...]) -> list[int]:
    inside = np.zeros(shape, dtype=bool)
    inside[region] = True
    return np.flatnonzero(inside).tolist()


def _ones_triples_view(
    title, in_label, in_values, k_shape, out_label, out_values, triples, interior, common=None
) -> dict:
    shape = np.shape(out_values)
    steps = steps_from_triples(triples)
    # A 2D map grows past the size at which the renderer paints grids on a canvas as the
    # kernel size or stride grows; painted on a canvas at every setting, a change of setting
    # repaints it instead of swapping hundreds of SVG cells for a canvas (or back), and the
    # map looks the same on both sides of that size. A 1D row stays SVG, numbers and all:
    # at most 17 cells in checkerboard, 46 in checkerboard-stack (three layers, k = 4),
    # far below the renderer's canvas size for a row.
    paint = np.ndim(out_values) > 1
    if common is not None:  # the views of one figure step through the same positions
        steps = steps_on_grid(steps, shape, common)
    return view(
        title,
        [
            grid("x", in_label, in_values, role="input", canvas=paint),
            grid("w", "kernel of ones", np.ones(k_shape), role="kernel"),
            grid(
                "m",
                out_label,
                out_values,
                role="output",
                progressive=False,  # the whole map at once: its pattern is the point
                marks={"hot": _interior_marks(shape, interior)},
                canvas=paint,
            ),
        ],
        steps,
    )


def _checker_build(dims: str, kernel_size: int, stride: int) -> dict:
    k, s = kernel_size, stride
    size = CHECKER_SIZE[dims]
    n = len(size)
    m = overlap.overlap_map(size, k, s)
    interior = overlap.interior_slices(size, k, s)
    uneven = overlap.unevenness(m, interior)
    phases = overlap.phase_counts(k, s)
    even = overlap.is_even(k, s)
    t_triples = matrix.conv_transpose_triples((1, *size), (1, 1, *(k,) * n), s)
    pr = (k - 1) // 2
    up = tuple(i * s for i in size)
    r = overlap.resize_conv_overlap(size, s, k, pr)
    r_interior = overlap.resize_conv_interior_slices(size, s, k, pr)
    r_uneven = overlap.unevenness(r, r_interior)
    r_triples = matrix.conv_triples((1, *up), (1, 1, *(k,) * n), padding=pr)
    ones_in = np.ones(size if n > 1 else size[0])
    ones_up = np.ones(up if n > 1 else up[0])
    kshape = (k,) * n if n > 1 else k
    common = tuple(max(a, b) for a, b in zip(m.shape, r.shape, strict=True))
    views = [
        _ones_triples_view(
            f"transposed convolution, k = {k}, s = {s}",
            f"input of ones, {'×'.join(map(str, size))}",
            ones_in,
            kshape,
            "overlap map (interior outlined)",
            m,
            t_triples,
            interior,
            common,
        ),
        _ones_triples_view(
            f"remedy: resize ×{s} (nearest), then convolve k = {k}, stride 1, padding {pr}",
            f"resized input, {'×'.join(map(str, up))}",
            ones_up,
            kshape,
            "overlap map (interior outlined)",
            r,
            r_triples,
            r_interior,
            common,
        ),
    ]
    taps = "·".join([str(k)] * n)
    rule = f"rule: even iff s divides k: {k} mod {s} = {k % s} → " + ("even" if even else "uneven")
    per_phase = ", ".join(f"{c}" for c in phases.tolist())
    return {
        "legend": {"hot": "interior (free of border effects)"},
        "views": views,
        "formula": [
            "m[q] = #{(input cell j, tap t) : j·s + t = q}  (the transposed convolution of "
            "ones with ones)",
            f"one axis: interior cells receive [{per_phase}] taps by phase q mod {s}"
            + (" (per axis; the 2D map is their outer product)" if n > 1 else ""),
            f"transposed: unevenness max/min on the interior = {_fmt(uneven)}",
            rule,
            (
                f"resize-conv: every interior cell gets all k = {k} taps: "
                if n == 1
                else f"resize-conv: every interior cell gets all {taps} = {k**n} taps: "
            )
            + f"unevenness {_fmt(r_uneven)}",
        ],
        "code": (
            f"F.conv_transpose{n}d(torch.ones(1, 1, {', '.join(map(str, size))}), "
            f"torch.ones(1, 1, {', '.join([str(k)] * n)}), stride={s})\n"
            f"F.conv{n}d(F.interpolate(torch.ones(1, 1, {', '.join(map(str, size))}), "
            f"scale_factor={s}), torch.ones(1, 1, {', '.join([str(k)] * n)}), padding={pr})"
        ),
    }


def checkerboard_figure() -> Figure:
    """Overlap maps of one transposed convolution, and of resize-then-convolve.

    Returns
    -------
    Figure
        Controls: 1D or 2D, kernel size 1-5, stride 1-3. Every setting is valid
        (no padding, so the output is never empty).
    """
    return Figure(
        id="checkerboard",
        title="Uneven overlap: where checkerboard artifacts come from",
        description=(
            "A transposed convolution of an input of ones with a kernel of ones counts, "
            "for every output cell, how many kernel taps land on it. Left (above on a "
            "narrow screen): the transposed "
            "convolution with kernel size k and stride s; away from the borders (the "
            "outlined interior) the count repeats with period s, and it is constant only "
            "when s divides k; otherwise neighbouring pixels are built from different "
            "numbers of products, a checkerboard in 2D. Right (below): the remedy, nearest-"
            "neighbour resizing by s followed by a stride-1 convolution, whose interior "
            "count is the same everywhere."
        ),
        controls=[
            Control("dims", "dimensions", ["1D", "2D"], default=1),
            Control("kernel_size", "kernel size k", [1, 2, 3, 4, 5], default=2),
            Control("stride", "stride s", [1, 2, 3], default=1),
        ],
        build=_checker_build,
    )


def _stack_build(dims: str, layers: int, kernel_size: int) -> dict:
    k, s = kernel_size, 2
    size = STACK_SIZE[dims]
    n = len(size)
    stack = [overlap.TransposedLayer(k, s)] * layers
    before = overlap.overlap_map_stack(size, stack[:-1]) if layers > 1 else np.ones(size, dtype=int)
    m = overlap.overlap_map_stack(size, stack)
    interior = overlap.interior_slices_stack(size, stack)
    uneven = overlap.unevenness(m, interior)
    shape_before = before.shape
    triples = matrix.conv_transpose_triples((1, *shape_before), (1, 1, *(k,) * n), s)
    sizes = [size]
    for _ in range(layers):
        sizes.append(tuple(shapes.conv_transpose_output_size(v, k, s) for v in sizes[-1]))
    chain = " → ".join("×".join(map(str, t)) for t in sizes)
    shown_before = before if n > 1 else before.ravel()
    shown = m if n > 1 else m.ravel()
    v = _ones_triples_view(
        f"{count_of(layers, 'transposed convolution layer')}, k = {k}, s = 2",
        "overlap map after the previous layers" if layers > 1 else "input of ones",
        shown_before,
        (k,) * n if n > 1 else k,
        f"overlap map after layer {layers} (interior outlined)",
        shown,
        triples,
        interior,
    )
    values = np.unique(m[interior]).tolist()
    return {
        "legend": {"hot": "interior (free of border effects)"},
        "views": [v],
        "formula": [
            f"sizes: {chain}",
            "m_L = T_L(m_(L−1)): each layer transposes-convolves the previous map with ones",
            f"interior values: {values}; unevenness max/min = {_fmt(uneven)}",
            f"rule: even iff s divides k: {k} mod 2 = {k % 2} → "
            + (
                "even at every layer"
                if overlap.is_even(k, s)
                else "uneven, and stacking compounds it"
            ),
        ],
        "code": (
            "m = torch.ones(1, 1, " + ", ".join(map(str, size)) + ")\n"
            f"for _ in range({layers}):\n"
            f"    m = F.conv_transpose{n}d(m, torch.ones(1, 1, "
            + ", ".join([str(k)] * n)
            + "), stride=2)"
        ),
    }


def checkerboard_stack_figure() -> Figure:
    """Overlap maps of a stack of stride-2 transposed convolutions.

    Returns
    -------
    Figure
        Controls: 1D or 2D, number of layers 1-3, kernel size 2-4 (stride 2).
    """
    return Figure(
        id="checkerboard-stack",
        title="Stacking stride-2 transposed convolutions compounds the unevenness",
        description=(
            "The overlap map of a stack of stride-2 transposed convolutions with kernels "
            "of ones: each layer transposes-convolves the previous layer's map. Each step "
            "sums the previous map's values that land on one output cell. With an even "
            "kernel size the interior stays flat at every depth; with an odd one the "
            "pattern of the first layer is multiplied by each further layer, and in 2D "
            "it becomes a grid of many levels."
        ),
        controls=[
            Control("dims", "dimensions", ["1D", "2D"]),
            Control("layers", "layers", [1, 2, 3], default=1),
            Control("kernel_size", "kernel size k", [2, 3, 4], default=1),
        ],
        build=_stack_build,
    )


from convviz.figures.photos import photo_upsample_figure  # noqa: E402 (real photographs)

FIGURES = [
    scatter_figure,
    upsample_figure,
    matrix_figure,
    checkerboard_figure,
    checkerboard_stack_figure,
    photo_upsample_figure,
]
