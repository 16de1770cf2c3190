"""Chapter 6, transposed convolution: every number and claim it states."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv
from convviz.figures import transposed as tfig
from convviz.figures.engine import check_frame

STEM = "06-transposed-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def t(a: np.ndarray) -> torch.Tensor:
    a = torch.from_numpy(np.asarray(a, dtype=np.float64))
    return a[None, None] if a.ndim == 2 else a[None]


def brute_transpose_1d(x: np.ndarray, w: np.ndarray, s: int) -> np.ndarray:
    """Scatter by hand: y[s i + k] += x[i] w[k]."""
    y = np.zeros((len(x) - 1) * s + len(w))
    for i, xi in enumerate(x):
        for k, wk in enumerate(w):
            y[s * i + k] += xi * wk
    return y


def brute_overlap_1d(i: int, k: int, s: int) -> np.ndarray:
    return brute_transpose_1d(np.ones(i), np.ones(k), s)


def test_upsampling_numbers(chapter):
    _ns, glued = chapter(STEM)
    x = torch.zeros(1, 1, 2, 2)
    w = torch.zeros(1, 1, 3, 3)
    assert glued["out_s1"] == F.conv_transpose2d(x, w).shape[-1] == 4
    assert glued["out_s2"] == F.conv_transpose2d(x, w, stride=2).shape[-1] == 5
    assert glued["pad_s1"] == glued["pad_s2"] == 2
    assert glued["zeros_s1"] == 0 and glued["zeros_s2"] == 1
    assert glued["spread_s1"] == 2 and glued["spread_s2"] == 3
    # 7x7 expanded grid of the stride-2 case holds the 4 input values
    assert glued["expanded_cells"] == (3 + 2 * 2) ** 2 == 49
    assert glued["expanded_nonzero"] == np.count_nonzero(tfig.UPSAMPLE_INPUT) == 4
    assert glued["all_cases_agree"] is True
    assert glued["n_cases"] == len(tfig.UPSAMPLE_CASES) == 4


def test_direct_equivalent_by_hand_and_torch():
    """Zero insertion, padding and the flipped kernel, built here with plain NumPy."""
    x, w = tfig.UPSAMPLE_INPUT, tfig.UPSAMPLE_KERNEL
    for s, p, a in tfig.UPSAMPLE_CASES.values():
        spread = np.zeros(((2 - 1) * s + 1,) * 2)
        spread[::s, ::s] = x
        lead = 3 - 1 - p
        expanded = np.pad(spread, ((lead, lead + a), (lead, lead + a)))
        mine, zeros, pads = tfig.direct_picture(x, s, p, a, 3)
        np.testing.assert_array_equal(mine, expanded)
        core = np.zeros_like(expanded, dtype=bool)
        core[lead : lead + spread.shape[0], lead : lead + spread.shape[1]] = True
        assert sorted(pads) == np.flatnonzero(~core).tolist()
        inserted = np.zeros_like(spread, dtype=bool)
        inserted[:] = True
        inserted[::s, ::s] = False
        full = np.zeros_like(expanded, dtype=bool)
        full[lead : lead + spread.shape[0], lead : lead + spread.shape[1]] = inserted
        assert sorted(zeros) == np.flatnonzero(full).tolist()
        direct = F.conv2d(t(expanded), t(w[::-1, ::-1].copy()))[0, 0].numpy()
        ref = F.conv_transpose2d(t(x), t(w), stride=s, padding=p, output_padding=a)[0, 0].numpy()
        np.testing.assert_allclose(direct, ref)


def test_matrix_numbers(chapter):
    ns, glued = chapter(STEM)
    w = tfig.UPSAMPLE_KERNEL
    # C built by brute force: row r = output (r // 2, r % 2), the kernel at its window
    c = np.zeros((4, 16))
    for r in range(4):
        oi, oj = divmod(r, 2)
        for ki in range(3):
            for kj in range(3):
                c[r, (oi + ki) * 4 + (oj + kj)] = w[ki, kj]
    np.testing.assert_allclose(ns["C"], c)
    assert (glued["c_rows"], glued["c_cols"]) == (4, 16)
    out = F.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3))
    assert glued["c_out_side"] == out.shape[-1] == 2 and isinstance(glued["c_out_side"], int)
    assert glued["c_nnz"] == np.count_nonzero(c) == 36
    assert math.isclose(glued["c_density"], 36 / 64)
    gram = c.T @ c
    assert glued["gram_size"] == 16
    assert glued["gram_rank"] == np.linalg.matrix_rank(gram) == 4
    assert glued["gram_is_identity"] is False and not np.allclose(gram, np.eye(16))
    x = tfig.MATRIX_INPUT
    back = (c.T @ (c @ x.ravel())).reshape(4, 4)
    assert glued["roundtrip_differ"] == np.count_nonzero(~np.isclose(back, x))
    assert math.isclose(glued["roundtrip_max_error"], np.abs(back - x).max())
    assert glued["autograd_is_transpose"] is True


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(3, 7),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_transposed_convolution_is_the_input_gradient(h, k, s, seed):
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.normal(size=(1, 1, h, h))).requires_grad_()
    w = torch.from_numpy(rng.normal(size=(1, 1, k, k)))
    y = F.conv2d(x, w, stride=s)
    g = torch.from_numpy(rng.normal(size=tuple(y.shape)))
    y.backward(g)
    c = cv.conv_matrix((1, h, h), w.numpy(), stride=s, dense=True)
    np.testing.assert_allclose(x.grad.numpy().ravel(), c.T @ g.numpy().ravel(), atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_fold_of_transposed_weights_is_the_transposed_convolution(h, k, s, seed):
    # the chapter's identity, on random sizes: conv_transpose2d(x, w) = fold(W^T @ cols of x)
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, 3, h, h)), rng.standard_normal((3, 2, k, k))
    reference = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=s).numpy()
    stamps = w.reshape(3, -1).T @ x.reshape(2, 3, -1)
    folded = cv.fold(stamps, reference.shape[-2:], k, stride=s)
    np.testing.assert_allclose(folded, reference, atol=1e-12)


def test_fold_glue(chapter):
    _ns, glued = chapter(STEM)
    assert glued["fold_is_transposed"] is True


def test_output_padding_numbers(chapter):
    _ns, glued = chapter(STEM)

    # brute force the convolution output size by sliding windows over a padded line
    def conv_len(i, k=3, s=2, p=1):
        return len(range(0, i + 2 * p - k + 1, s))

    same = [i for i in range(1, 30) if conv_len(i) == 4]
    assert (glued["amb_a"], glued["amb_b"]) == (same[0], same[-1]) == (7, 8)
    assert glued["amb_o"] == 4
    default = F.conv_transpose2d(
        torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), stride=2, padding=1
    )
    assert glued["amb_default"] == default.shape[-1] == 7
    assert glued["amb_op"] == 1
    y, kern = np.arange(1.0, 17.0).reshape(4, 4), np.ones((3, 3))
    longer = F.conv_transpose2d(t(y), t(kern), stride=2, padding=1, output_padding=1)[0, 0]
    assert glued["op_short"] == 7 and glued["op_long"] == longer.shape[-1] == 8
    assert glued["op_last_row_real"] == int((longer[-1] != 0).sum()) == 8
    assert glued["op_is_gradient"] is True


def test_output_padding_past_the_padding_holds_only_the_bias(chapter):
    """Finding: the cells output_padding adds are not always computed (k=3, s=2, p=0, a=1)."""
    _ns, glued = chapter(STEM)
    y = torch.arange(1.0, 17.0, dtype=torch.float64).view(1, 1, 4, 4)
    w = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    b = torch.tensor([0.5], dtype=torch.float64)
    z = F.conv_transpose2d(y, w, b, stride=2, padding=0, output_padding=1)[0, 0]
    full = F.conv_transpose2d(y, w, b, stride=2)[0, 0]  # what is computed before any crop
    assert z.shape[-1] == full.shape[-1] + 1 == glued["op0_size"] == 10
    assert torch.all(z[-1] == 0.5) and torch.all(z[:, -1] == 0.5)  # the bias, nothing else
    assert glued["op0_bias_only"] is True
    assert glued["op0_split"] == (0, 1)
    # and with a <= p every added cell is computed: p = 1, a = 1
    z1 = F.conv_transpose2d(y, w, b, stride=2, padding=1, output_padding=1)[0, 0]
    assert torch.all(z1[-1] != 0.5)
    # the chapter states the rule; the old "always carry real values" is gone
    text = (BOOK / f"{STEM}.md").read_text()
    assert "carry real values" not in text and "$a \\le p$" in text


def test_checkerboard_formulas_state_no_tautology():
    """The resize-conv line counts taps as the book writes them: "all k = 3 taps" in 1D,
    "3·3 = 9" in 2D, never a number equal to itself ("3 = 3 taps")."""
    import re

    fig = tfig.checkerboard_figure()
    for key in fig.keys():
        for line in fig.frame(key)["formula"]:
            assert not re.search(r"(?<![\d·])(\d+) = \1\b", line), line


def test_gram_identity_is_about_orthonormal_columns():
    """Finding: C^T C = I for any C with orthonormal columns, not only square orthogonal ones."""
    text = (BOOK / f"{STEM}.md").read_text()
    assert "holds only\nfor orthogonal matrices" not in text
    assert "does not undo anything" not in text
    assert "orthonormal columns" in text
    tall = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 2)))[0]
    w = tall[:, :, None, None]
    x = np.random.default_rng(2).normal(size=(1, 2, 3, 3))
    there = F.conv2d(torch.from_numpy(x), torch.from_numpy(w))
    again = F.conv_transpose2d(there, torch.from_numpy(w))
    np.testing.assert_allclose(again.numpy(), x, atol=1e-12)
    assert cv.gram_is_identity((2, 3, 3), w)


def test_checkerboard_numbers(chapter):
    _ns, glued = chapter(STEM)
    m = brute_overlap_1d(8, 3, 2)
    interior = m[2 : 7 * 2 + 1]  # d (k - 1) <= q <= (i - 1) s
    assert glued["u_3_2"] == interior.max() / interior.min() == 2.0
    m4 = brute_overlap_1d(8, 4, 2)[3 : 7 * 2 + 1]
    assert glued["u_4_2"] == m4.max() / m4.min() == 1.0
    m2 = np.outer(brute_overlap_1d(6, 3, 2), brute_overlap_1d(6, 3, 2))
    inner = m2[2:11, 2:11]
    assert glued["levels_2d"] == ", ".join(str(int(v)) for v in np.unique(inner)) == "1, 2, 4"
    assert glued["u_2d"] == inner.max() / inner.min() == 4.0
    assert glued["overlap_is_torch"] is True
    # resize x2 then 3x3 conv with padding 1, counted by hand on 12x12
    up = np.ones((14, 14))
    up[0, :] = up[-1, :] = up[:, 0] = up[:, -1] = 0
    counts = F.conv2d(t(up), torch.ones(1, 1, 3, 3, dtype=torch.float64))[0, 0].numpy()
    assert glued["resize_levels"] == str(int(counts[1:-1, 1:-1].max())) == "9"
    assert np.all(counts[1:-1, 1:-1] == 9)


def test_stack_numbers(chapter):
    _ns, glued = chapter(STEM)

    def stack(k, layers=3, i=4):
        m = np.ones(i)
        lo, hi = 0, i - 1
        for _ in range(layers):
            m = brute_transpose_1d(m, np.ones(k), 2)
            lo, hi = lo * 2 + k - 1, hi * 2
        return m[lo : hi + 1]

    inner = stack(3)
    assert glued["stack_levels"] == len(np.unique(inner)) == 5
    assert glued["stack_u"] == inner.max() / inner.min() == 5.0
    inner4 = stack(4)
    assert glued["stack4_u"] == inner4.max() / inner4.min() == 1.0


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 8), s=st.integers(1, 4))
def test_even_iff_stride_divides_kernel(k, s):
    i = k + 3
    m = brute_overlap_1d(i, k, s)
    interior = m[k - 1 : (i - 1) * s + 1]
    assert (len(np.unique(interior)) == 1 and interior.min() > 0) == (k % s == 0)
    assert cv.is_even(k, s) == (k % s == 0)


def test_exercise_answers():
    # 1: ConvTranspose2d(64, 32, 4, 2, 1) doubles 16x16
    layer = torch.nn.ConvTranspose2d(64, 32, 4, 2, 1)
    assert layer(torch.zeros(1, 64, 16, 16)).shape == (1, 32, 32, 32)
    assert cv.conv_transpose_output_size(16, 4, 2, 1) == 32 and cv.is_even(4, 2)
    # 2: stride 3, padding 1, 3x3 on 10x10
    outs = {
        i: F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, 3, 3), stride=3, padding=1).shape[-1]
        for i in range(1, 20)
    }
    assert [i for i, o in outs.items() if o == 4] == [10, 11, 12]
    back = F.conv_transpose2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), stride=3, padding=1)
    assert back.shape[-1] == 10 and cv.output_padding_for(4, 10, 3, 3, 1) == 0
    # 3: k = 6, s = 4
    assert np.bincount(np.arange(6) % 4, minlength=4).tolist() == [2, 2, 1, 1]
    assert cv.phase_counts(6, 4).tolist() == [2, 2, 1, 1]
    m = brute_overlap_1d(10, 6, 4)[5 : 9 * 4 + 1]
    assert m.max() / m.min() == 2.0
    assert cv.unevenness(cv.overlap_map(10, 6, 4), cv.interior_slices(10, 6, 4)) == 2.0
    # 4: an orthogonal 1x1 convolution is undone by its transpose
    theta = 0.3
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    x = np.random.default_rng(0).normal(size=(1, 2, 3, 3))
    there = F.conv2d(torch.from_numpy(x), torch.from_numpy(rot[:, :, None, None]))
    again = F.conv_transpose2d(there, torch.from_numpy(rot[:, :, None, None]))
    np.testing.assert_allclose(again.numpy(), x, atol=1e-12)
    assert cv.gram_is_identity((2, 3, 3), rot[:, :, None, None])


def _values(panel):
    return np.array(panel["values"], dtype=float).reshape(panel["rows"], panel["cols"])


def test_every_frame_sums_and_matches_torch():
    for factory in tfig.FIGURES:
        fig = factory()
        for key in fig.keys():
            frame = fig.frame(key)
            for v in frame["views"]:
                if any(p.get("kind") == "image" for p in v["panels"]):
                    continue  # a photograph's view steps a window (tests/chapters/test_ch06_photo.py)
                assert any(v["steps"]), f"{fig.id} {key}: a view without steps"
            check_frame(frame)


def test_upsample_frames_show_torch_outputs():
    fig = tfig.upsample_figure()
    for key in fig.keys():
        s, p, a = fig.setting(key)["case"]
        ref = F.conv_transpose2d(
            t(tfig.UPSAMPLE_INPUT), t(tfig.UPSAMPLE_KERNEL), stride=s, padding=p, output_padding=a
        )[0, 0].numpy()
        for v in fig.frame(key)["views"]:
            np.testing.assert_allclose(_values(v["panels"][2]), ref)


def test_matrix_frames_show_torch_outputs():
    """C (4x16) times x (16x1) is y (4x1); Cᵀ (16x4) times y is z (16x1): drawn as products."""
    fig = tfig.matrix_figure()
    x, w = tfig.MATRIX_INPUT, tfig.UPSAMPLE_KERNEL
    small = F.conv2d(t(x), t(w))
    big = F.conv_transpose2d(small, t(w))[0, 0].numpy()
    dense = torch.autograd.functional.jacobian(
        lambda v: F.conv2d(v.reshape(1, 1, 4, 4), t(w)).ravel(), t(x).ravel()
    ).numpy()  # C, from autograd
    pixels = [f"x[{r},{c}]" for r in range(4) for c in range(4)]
    outs = [f"y[{r},{c}]" for r in range(2) for c in range(2)]
    fwd = fig.frame("0")["views"][0]["panels"]
    assert (fwd[0]["rows"], fwd[0]["cols"]) == (4, 16)
    np.testing.assert_allclose(_values(fwd[0]), dense)
    # the matrix's axes: its index, then the pixel (so that a sum's C[0,4] is found by eye)
    assert fwd[0]["names"] == {
        "rows": [f"{i} {s}" for i, s in enumerate(outs)],
        "cols": [f"{i} {s}" for i, s in enumerate(pixels)],
    }
    assert (fwd[1]["rows"], fwd[1]["cols"]) == (16, 1) and fwd[1]["names"]["rows"] == pixels
    np.testing.assert_allclose(_values(fwd[1]).ravel(), x.ravel())
    assert (fwd[2]["rows"], fwd[2]["cols"]) == (4, 1)
    np.testing.assert_allclose(_values(fwd[2]).ravel(), small.numpy().ravel())
    back = fig.frame("1")["views"][0]["panels"]
    assert (back[0]["rows"], back[0]["cols"]) == (16, 4)
    np.testing.assert_allclose(_values(back[0]), dense.T)
    assert back[0]["names"]["cols"] == [f"{i} {s}" for i, s in enumerate(outs)]
    np.testing.assert_allclose(_values(back[2]).ravel(), big.ravel())
    assert len(fig.frame("0")["views"][0]["steps"]) == 4
    assert len(fig.frame("1")["views"][0]["steps"]) == 16
    for key in ("0", "1"):  # every step of the product reads one row of the matrix
        for m, terms in enumerate(fig.frame(key)["views"][0]["steps"]):
            cols = fig.frame(key)["views"][0]["panels"][0]["cols"]
            assert {k_cell // cols for *_, k_cell in terms} == {m}


def test_scatter_steps_are_the_stamps_then_their_sums_by_torch():
    """One stepper: a step per input cell (its stamp, by a one-hot torch call), then a step
    per cell of y summing the stamps that reach it; cut cells last."""
    fig = tfig.scatter_figure()
    x, w = tfig.UPSAMPLE_INPUT, tfig.UPSAMPLE_KERNEL
    assert [c.name for c in fig.controls] == ["case"]  # no second step-like control
    for key in fig.keys():
        s, p, a = fig.setting(key)["case"]
        frame = fig.frame(key)
        check_frame(frame)
        (v,) = frame["views"]
        panels = v["panels"]
        assert [q["name"] for q in panels] == ["x", "w", "y₀₀", "y₀₁", "y₁₀", "y₁₁", "y"]
        full = F.conv_transpose2d(t(x), t(w), stride=s)[0, 0].numpy()
        f = full.shape[0]
        bias_only = max(a - p, 0)
        shown = _values(panels[6])
        np.testing.assert_allclose(shown[:f, :f], full)
        assert not shown[f:].any() and not shown[:, f:].any()
        # y is the unstruck part
        ref = F.conv_transpose2d(t(x), t(w), stride=s, padding=p, output_padding=a)[0, 0].numpy()
        o = ref.shape[0]
        grown = np.pad(full, ((0, bias_only), (0, bias_only)))
        np.testing.assert_allclose(grown[p : p + o, p : p + o], ref)
        kept = np.zeros(shown.shape, dtype=bool)
        kept[p : p + o, p : p + o] = True
        assert sorted(panels[6]["marks"]["drop"]) == np.flatnonzero(~kept).tolist()
        past = np.zeros(shown.shape, dtype=bool)
        past[f:, :] = past[:, f:] = True
        assert sorted(panels[6]["marks"]["pad"]) == np.flatnonzero(past & kept).tolist()
        default = np.zeros(shown.shape, dtype=bool)  # y without output_padding
        default[p : f - p, p : f - p] = True
        handed_back = kept & ~past & ~default
        assert sorted(panels[6]["marks"]["hot"]) == np.flatnonzero(handed_back).tolist()
        # how many stamps reach each cell, by torch (stamps of ones)
        count = np.zeros(shown.shape)
        count[:f, :f] = F.conv_transpose2d(t(np.ones_like(x)), t(np.ones_like(w)), stride=s)[
            0, 0
        ].numpy()
        overlap = kept & ~past & ~handed_back & (count > 1)
        assert sorted(panels[6]["marks"]["overlap"]) == np.flatnonzero(overlap).tolist()
        assert ("overlap" in frame["legend"]) == bool(overlap.any())
        steps = v["steps"]
        for j in range(4):  # the stamps: x[j] scales the whole kernel into panel 2 + j
            one = np.zeros_like(x)
            one.flat[j] = x.flat[j]
            stamp = F.conv_transpose2d(t(one), t(w), stride=s)[0, 0].numpy()
            r, c = divmod(j, 2)
            np.testing.assert_allclose(
                _values(panels[2 + j]), stamp[s * r : s * r + 3, s * c : s * c + 3]
            )
            assert panels[2 + j]["origin"] == [s * r - p, s * c - p]
            assert {(u[2], u[3]) for u in steps[j]} == {(0, j)} and len(steps[j]) == 9
            assert {u[0] for u in steps[j]} == {2 + j}
        sums = steps[4:]
        cells = [terms[0][1] for terms in sums]
        assert all(u[0] == 6 and u[1] == cells[n] for n, terms in enumerate(sums) for u in terms)
        assert sorted(cells) == np.flatnonzero(count.ravel() > 0).tolist()  # each once
        assert [len(terms) for terms in sums] == [int(count.flat[c]) for c in cells]
        rank = [
            0 if kept.flat[c] and not handed_back.flat[c] else 1 if kept.flat[c] else 2
            for c in cells
        ]
        assert rank == sorted(rank)  # y's cells, then those handed back, then those cut
        assert [c for c, q in zip(cells, rank, strict=True) if q == 0] == sorted(
            c for c, q in zip(cells, rank, strict=True) if q == 0
        )


def test_checkerboard_frames_match_brute_force():
    fig = tfig.checkerboard_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        k, s = st_["kernel_size"], st_["stride"]
        one = brute_overlap_1d(5, k, s)
        ref = one if st_["dims"] == "1D" else np.outer(one, one)
        shown = np.array(fig.frame(key)["views"][0]["panels"][2]["values"], dtype=float)
        np.testing.assert_array_equal(shown, ref.ravel())
        pr = (k - 1) // 2
        up = torch.ones((1, 1) + (5 * s,) * (1 if st_["dims"] == "1D" else 2), dtype=torch.float64)
        conv = F.conv1d if st_["dims"] == "1D" else F.conv2d
        kern = torch.ones((1, 1) + (k,) * (up.ndim - 2), dtype=torch.float64)
        r = conv(up, kern, padding=pr).numpy().ravel()
        shown_r = np.array(fig.frame(key)["views"][1]["panels"][2]["values"], dtype=float)
        np.testing.assert_array_equal(shown_r, r)


def test_stack_frames_match_torch():
    fig = tfig.checkerboard_stack_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        n = 1 if st_["dims"] == "1D" else 2
        size = tfig.STACK_SIZE[st_["dims"]]
        m = torch.ones((1, 1, *size), dtype=torch.float64)
        kern = torch.ones((1, 1) + (st_["kernel_size"],) * n, dtype=torch.float64)
        op = F.conv_transpose1d if n == 1 else F.conv_transpose2d
        for _ in range(st_["layers"]):
            m = op(m, kern, stride=2)
        shown = np.array(fig.frame(key)["views"][0]["panels"][2]["values"], dtype=float)
        np.testing.assert_array_equal(shown, m.numpy().ravel())


def test_figure_budgets():
    import gzip

    for factory in tfig.FIGURES:
        html = factory().to_html()
        assert len(gzip.compress(html.encode())) <= 150_000


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "06-transposed-convolution")


def test_scatter_overlap_numbers(chapter):
    """How many stamps reach each cell of the stride-2 grid, counted by brute force."""
    _, glued = chapter(STEM)
    x, w = tfig.UPSAMPLE_INPUT, tfig.UPSAMPLE_KERNEL
    count = np.zeros((5, 5), dtype=int)
    for r in range(2):
        for c in range(2):
            count[2 * r : 2 * r + 3, 2 * c : 2 * c + 3] += 1
    assert glued["sc_stamps"] == x.size == 4
    assert glued["sc_full_cells"] == count.size
    assert glued["sc_two"] == np.count_nonzero(count == 2) == 8
    assert glued["sc_four"] == np.count_nonzero(count == 4) == 1
    assert np.all(w != 0) and np.all(x != 0)  # so every stamp reaches all nine of its cells
