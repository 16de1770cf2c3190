"""unfold/fold (and their loops) against F.unfold/F.fold, and the identities they teach."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import assert_matches, assert_same_acceptance, outcome, per_axis, random_array

import convviz as cv

UNFOLD_DTYPES = st.sampled_from(
    ["float64"] * 4 + ["float32", "float16", "complex128", "bool", "int64"]
)


@st.composite
def unfold_configs(draw):
    ndim = draw(st.sampled_from([4, 4, 4, 3, 3, 2, 5]))
    shape = tuple(
        draw(st.integers(0 if draw(st.integers(0, 15)) == 0 else 1, 7)) for _ in range(ndim)
    )
    cfg = {
        "shape": shape,
        "kernel_size": draw(per_axis(2, 1, 3)),
        "dilation": draw(per_axis(2, 1, 2)),
        "padding": draw(per_axis(2, 0, 2)),
        "stride": draw(per_axis(2, 1, 3)),
        "dtype": draw(UNFOLD_DTYPES),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }
    if draw(st.integers(0, 4)) == 0:  # now and then one parameter torch refuses
        name = draw(st.sampled_from(["kernel_size", "dilation", "padding", "stride"]))
        cfg[name] = draw(st.sampled_from([-1, (1, -1)] if name == "padding" else [0, -1, (0, 1)]))
    return cfg


def _params(cfg):
    return {k: cfg[k] for k in ("kernel_size", "dilation", "padding", "stride")}


@settings(max_examples=300, deadline=None)
@given(unfold_configs())
def test_unfold_matches_torch(cfg):
    x = random_array(np.random.default_rng(cfg["seed"]), cfg["shape"], cfg["dtype"])
    reference, torch_error = outcome(F.unfold, torch.from_numpy(x), **_params(cfg))
    ours, our_error = outcome(cv.unfold, x, **_params(cfg))
    if assert_same_acceptance(reference, torch_error, ours, our_error, empty=x.size == 0):
        assert_matches(ours, reference, cfg["dtype"], 1)
        if ours.size <= 3000:
            np.testing.assert_array_equal(cv.unfold_loop(x, **_params(cfg)), ours)


@settings(max_examples=300, deadline=None)
@given(unfold_configs(), st.sampled_from([0, 0, 0, 1]), st.sampled_from([0, 0, 0, -1, 1]))
def test_fold_matches_torch(cfg, extra_rows, extra_columns):
    # columns of the right shape for a (valid) image of cfg's size, sometimes one off
    size = cfg["shape"][-2:] if len(cfg["shape"]) >= 2 else (3, 3)
    try:
        blocks = F.unfold(torch.zeros(1, 1, *size), **_params(cfg)).shape[-1]
    except Exception:
        blocks = 4
    k = cfg["kernel_size"] if isinstance(cfg["kernel_size"], tuple) else (cfg["kernel_size"],) * 2
    channels = cfg["shape"][1] if len(cfg["shape"]) == 4 else 2
    shape = (channels * k[0] * k[1] + extra_rows, blocks + extra_columns)
    if len(cfg["shape"]) == 4:
        shape = (cfg["shape"][0], *shape)
    shape = tuple(max(v, 0) for v in shape)
    x = random_array(np.random.default_rng(cfg["seed"]), shape, cfg["dtype"])
    args = (size, cfg["kernel_size"])
    kwargs = {k: cfg[k] for k in ("dilation", "padding", "stride")}
    reference, torch_error = outcome(F.fold, torch.from_numpy(x), *args, **kwargs)
    ours, our_error = outcome(cv.fold, x, *args, **kwargs)
    if assert_same_acceptance(reference, torch_error, ours, our_error, empty=x.size == 0):
        fan_in = k[0] * k[1]  # at most this many entries add up in one cell
        assert_matches(ours, reference, cfg["dtype"], fan_in)
        if x.size <= 3000:
            loop = cv.fold_loop(x, *args, **kwargs)
            np.testing.assert_allclose(
                loop, ours, rtol=1e-3 if cfg["dtype"] == "float16" else 1e-12
            )


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(3, 7),
    st.integers(3, 7),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.integers(1, 2),
    st.integers(0, 2**32 - 1),
)
def test_convolutions_are_matrix_products_of_unfold_and_fold(
    n, c_in, c_out, h, w, k, d, p, s, seed
):
    rng = np.random.default_rng(seed)
    if d * (k - 1) + 1 > min(h, w) + 2 * p:
        return
    x = rng.standard_normal((n, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in, k, k))
    params = {"dilation": d, "padding": p, "stride": s}
    y = cv.conv2d(x, weight, stride=s, padding=p, dilation=d)
    # convolution = weight matrix times the columns of the input
    cols = cv.unfold(x, k, **params)
    np.testing.assert_allclose((weight.reshape(c_out, -1) @ cols).reshape(y.shape), y, atol=1e-10)
    # transposed convolution = the columns of the transposed weight, folded back (no output_padding)
    t = cv.conv_transpose2d(y, weight, stride=s, padding=p, dilation=d)
    stamps = weight.reshape(c_out, -1).T @ y.reshape(n, c_out, -1)
    np.testing.assert_allclose(cv.fold(stamps, t.shape[-2:], k, **params), t, atol=1e-10)
    # fold(unfold(x)) counts, for every cell, the windows that cover it
    counts = cv.fold(cv.unfold(np.ones((1, 1, h, w)), k, **params), (h, w), k, **params)
    np.testing.assert_allclose(cv.fold(cols, (h, w), k, **params), x * counts, atol=1e-10)


def test_unfold_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # 0 1 2 / 3 4 5 / 6 7 8
    cols = cv.unfold(x, 2)  # four 2x2 windows, each a column (top-left, tl, ...)
    np.testing.assert_array_equal(
        cols[0].T, [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    )
    np.testing.assert_array_equal(cv.fold(cols, 3, 2)[0, 0], [[0, 2, 2], [6, 16, 10], [6, 14, 8]])


def test_errors_name_the_argument():
    cases = [
        (lambda: cv.unfold(np.ones((1, 1, 3, 3)), 4), ValueError, "kernel_size"),
        (lambda: cv.unfold(np.ones((3, 3)), 2), ValueError, "x"),
        (lambda: cv.unfold(np.ones((1, 1, 3, 3), dtype=np.int64), 2), TypeError, "int64"),
        (lambda: cv.unfold(np.ones((1, 1, 3, 3)), 2, stride=0), ValueError, "stride"),
        (lambda: cv.fold(np.ones((1, 5, 4)), 3, 2), ValueError, "multiple of"),
        (lambda: cv.fold(np.ones((1, 4, 5)), 3, 2), ValueError, "sliding blocks"),
        (lambda: cv.fold(np.ones((1, 4, 4)), 3, 2, padding=-1), ValueError, "padding"),
    ]
    for call, exc, words in cases:
        try:
            call()
        except exc as error:
            assert words in str(error), str(error)
        else:
            raise AssertionError(f"no {exc.__name__} mentioning {words!r}")
