"""Chapter 1, convolution versus cross-correlation: every number and claim it states."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import check_steps
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv
from convviz.figures.flip import FLIP_KERNELS, FLIP_SIGNAL, flip_figure
from convviz.signal import torch_padding

STEM = "01-convolution-vs-cross-correlation"


def test_glued_numbers(chapter):
    _ns, glued = chapter(STEM)
    x = FLIP_SIGNAL
    w = FLIP_KERNELS["ramp [1, 2, 3] (asymmetric)"]
    assert glued["n_signal"] == len(x) == 8
    assert glued["n_kernel"] == len(w) == 3
    differ = np.sum(~np.isclose(np.convolve(x, w), np.correlate(x, w, "full")))
    assert glued["ramp_differs"] == differ > 0
    # the table's lengths, from NumPy itself
    for mode, expected in (("full", 8 + 3 - 1), ("same", 8), ("valid", 8 - 3 + 1)):
        assert glued[f"len_{mode}"] == len(np.convolve(x, w, mode)) == expected
    assert glued["torch_is_corr"] is True
    assert glued["fit_error"] < 1e-9


def test_learned_kernel_is_the_flipped_true_kernel(chapter):
    ns, _ = chapter(STEM)
    assert np.allclose(ns["learned"], ns["true_kernel"][::-1, ::-1])
    assert not np.allclose(ns["learned"], ns["true_kernel"])


def test_torch_conv2d_is_cross_correlation():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 2))
    out = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None])[
        0, 0
    ].numpy()
    assert np.allclose(out, cv.correlate2d(image, kernel))
    assert not np.allclose(out, cv.convolve2d(image, kernel, "valid"))


def test_algebra_claims():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    assert np.allclose(np.convolve(a, b), np.convolve(b, a))
    assert not np.allclose(np.correlate(a, b, "full"), np.correlate(b, a, "full"))
    x, g, h = FLIP_SIGNAL, np.array([1.0, -1.0]), np.array([0.5, 0.25, 2.0])
    assert np.allclose(np.convolve(np.convolve(x, g), h), np.convolve(x, np.convolve(g, h)))
    lhs = np.correlate(np.correlate(x, g, "full"), h, "full")
    rhs = np.correlate(x, np.correlate(g, h, "full"), "full")
    assert lhs.shape != rhs.shape or not np.allclose(lhs, rhs)


def test_exercise_answers():
    # by hand: flip [0, 1, 0.5] and slide it over [1, 2, 3]
    assert np.allclose(
        cv.convolve1d_loop(np.array([1.0, 2, 3]), np.array([0.0, 1, 0.5])), [0, 1, 2.5, 4, 1.5]
    )
    w = np.array([1.0, 0.0, -1.0])
    assert np.allclose(cv.convolve1d(FLIP_SIGNAL, w), -cv.correlate1d(FLIP_SIGNAL, w, "full"))
    w4 = np.array([1.0, -2.0, 0.5, 3.0])
    t = F.conv1d(
        torch.from_numpy(FLIP_SIGNAL).view(1, 1, -1), torch.from_numpy(w4).view(1, 1, -1), padding=3
    )
    assert np.allclose(t.view(-1).numpy(), np.correlate(FLIP_SIGNAL, w4, "full"))


def test_symmetric_kernels_agree_and_asymmetric_differ():
    for label, w in FLIP_KERNELS.items():
        same = np.allclose(np.convolve(FLIP_SIGNAL, w), np.correlate(FLIP_SIGNAL, w, "full"))
        assert same == bool(np.array_equal(w, w[::-1])), label
        assert ("(symmetric" in label) == same


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 9),
    m=st.integers(1, 6),
    mode=st.sampled_from(["full", "same", "valid"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_the_torch_call_the_figure_shows_is_right(n, m, mode, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=n), rng.normal(size=m)
    left, right = torch_padding(n, m, mode)
    padded = F.pad(torch.from_numpy(x).view(1, 1, -1), (left, right))
    out = F.conv1d(padded, torch.from_numpy(w).view(1, 1, -1)).view(-1).numpy()
    np.testing.assert_allclose(out, np.correlate(x, w, mode), atol=1e-12)


def test_flip_figure_frames_hold_numpy_outputs_and_true_triples():
    fig = flip_figure()
    for key in fig.keys():
        setting = fig.setting(key)
        w = FLIP_KERNELS[setting["kernel"]]
        frame = fig.frame(key)
        for view, flipped in zip(frame["views"], (True, False), strict=True):
            _x_panel, aligned, _w_panel, y_panel = view["panels"]
            # the row under x reads the steps' terms of these panels, on its own line
            assert aligned["kind"] == "aligned" and aligned["values"] == []
            assert (aligned["input"], aligned["kernel"], aligned["output"]) == (0, 2, 3)
            assert view["breaks"] == [1, 2]
            reference = (np.convolve if flipped else np.correlate)(FLIP_SIGNAL, w, setting["mode"])
            np.testing.assert_allclose(y_panel["values"], reference)
            # every step's terms sum to its output value: the triples are the computation
            assert len(check_steps(view)) == len(reference)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "01-convolution-vs-cross-correlation")


def test_flip_figure_puts_the_reversed_kernel_under_its_window():
    """The row under the signal writes each step's weights under the cells they multiply:
    left to right they read w[k-1] .. w[0] for convolution, w[0] .. w[k-1] for
    cross-correlation, and the window is the k cells of x that np.convolve pairs with them."""
    fig = flip_figure()
    for key in fig.keys():
        setting = fig.setting(key)
        w = FLIP_KERNELS[setting["kernel"]]
        k = len(w)
        frame = fig.frame(key)
        for view, flipped in zip(frame["views"], (True, False), strict=True):
            x_panel = view["panels"][0]
            left = -x_panel["origin"][1]
            for terms in view["steps"]:
                by_column = sorted((t[3], t[5]) for t in terms)
                cols = [c for c, _ in by_column]
                taps = [t for _, t in by_column]
                assert cols == list(range(cols[0], cols[0] + k))  # one contiguous window
                assert taps == (list(range(k))[::-1] if flipped else list(range(k)))
                # the full-mode index of this output, independently: y[r] = sum_t x[r - t] w[t]
                # (convolution) or x[r + t] w[t] (correlation), x zero outside
                r = terms[0][1]
                for col, t in by_column:
                    n = col - left
                    shown = x_panel["values"][col]
                    assert shown == (FLIP_SIGNAL[n] if 0 <= n < len(FLIP_SIGNAL) else 0)
                    if flipped and setting["mode"] == "full":
                        assert n == r - t
                    if not flipped and setting["mode"] == "valid" and len(FLIP_SIGNAL) >= k:
                        assert n == r + t


def test_flip_formula_names_the_cells_each_step_reads():
    """The formula under the grids, y[r] = Σₜ x[r + c ∓ t]·w[t], has the shift c of the mode:
    summed with x zero outside it gives np.convolve (np.correlate) in that mode, and it names
    the cells every step highlights (it wrote x[r + t] for correlation in 'full' mode, where
    y[2] reads x[0], x[1], x[2])."""
    import re

    fig = flip_figure()
    for key in fig.keys():
        setting = fig.setting(key)
        w, x, mode = FLIP_KERNELS[setting["kernel"]], FLIP_SIGNAL, setting["mode"]
        frame = fig.frame(key)
        for line, view, flipped in zip(
            frame["formula"][:2], frame["views"], (True, False), strict=True
        ):
            m = re.search(r"x\[r(?: ([+−]) (\d+))? ([+−]) t\]", line)
            assert m, line
            c = (int(m[2]) if m[1] == "+" else -int(m[2])) if m[1] else 0
            sign = -1 if m[3] == "−" else 1
            assert sign == (-1 if flipped else 1), line
            expect = (np.convolve if flipped else np.correlate)(x, w, mode=mode)

            def at(n, x=x):
                return x[n] if 0 <= n < len(x) else 0.0

            ours = [
                sum(at(r + c + sign * t) * w[t] for t in range(len(w))) for r in range(len(expect))
            ]
            np.testing.assert_allclose(ours, expect)
            left = -view["panels"][0]["origin"][1]
            for terms in view["steps"]:
                for t in terms:
                    assert t[3] - left == t[1] + c + sign * t[5], (key, line, t)
