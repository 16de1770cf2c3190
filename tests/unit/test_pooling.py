"""pool_output_size / pool_output_shape against the shapes of torch's pooling layers."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ARG_NAMES, outcome, random_array

import convviz as cv

POOL_ARGS = re.compile(r"\b(input_size|divisor_override|count_include_pad|ceil_mode)\b")


def assert_same_acceptance(reference, torch_error, ours, our_error) -> bool:
    """Both refuse (ours naming an argument), or both accept (then True)."""
    if torch_error is not None:
        assert isinstance(our_error, (ValueError, TypeError)), (torch_error, our_error)
        message = str(our_error)
        assert ARG_NAMES.search(message) or POOL_ARGS.search(message), message
        return False
    assert our_error is None, f"torch accepted but convviz refused: {our_error!r}"
    return True


sizes = st.integers(1, 12)
kernels = st.integers(-1, 6)
strides = st.one_of(st.none(), st.integers(-1, 5))
paddings = st.integers(-1, 4)
dilations = st.integers(0, 3)


def _torch_max(shape, k, s, p, d, ceil):
    x = torch.zeros(1, 1, *shape)
    pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[len(shape)]
    return tuple(pool(x, k, s, p, d, ceil_mode=ceil).shape[2:])


@settings(max_examples=60, deadline=None)
@given(sizes, kernels, strides, paddings, dilations, st.booleans())
def test_1d_matches_max_pool1d(i, k, s, p, d, ceil):
    reference, torch_error = outcome(_torch_max, (i,), k, s, p, d, ceil)
    ours, our_error = outcome(cv.pool_output_shape, i, k, s, p, d, ceil)
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        assert ours == reference
        assert cv.pool_output_size_loop(i, k, s, p, d, ceil) == reference[0]


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(sizes, sizes),
    st.one_of(kernels, st.tuples(kernels, kernels)),
    st.one_of(strides, st.tuples(st.integers(1, 4), st.integers(1, 4))),
    st.one_of(paddings, st.tuples(st.integers(0, 2), st.integers(0, 2))),
    st.one_of(dilations, st.tuples(st.integers(1, 3), st.integers(1, 3))),
    st.booleans(),
)
def test_2d_matches_max_pool2d(shape, k, s, p, d, ceil):
    reference, torch_error = outcome(_torch_max, shape, k, s, p, d, ceil)
    ours, our_error = outcome(cv.pool_output_shape, shape, k, s, p, d, ceil)
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        assert ours == reference


@settings(max_examples=60, deadline=None)
@given(st.tuples(sizes, sizes), kernels, strides, paddings, st.booleans())
def test_2d_matches_avg_pool2d(shape, k, s, p, ceil):
    def torch_avg():
        return tuple(F.avg_pool2d(torch.zeros(1, 1, *shape), k, s, p, ceil_mode=ceil).shape[2:])

    reference, torch_error = outcome(torch_avg)
    ours, our_error = outcome(cv.pool_output_shape, shape, k, s, p, 1, ceil)
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        assert ours == reference


@settings(max_examples=40, deadline=None)
@given(sizes, st.integers(1, 6), st.integers(1, 5), st.integers(0, 3), st.integers(1, 3))
def test_loop_equals_formula(i, k, s, p, d):
    for ceil in (False, True):
        a, ea = outcome(cv.pool_output_size, i, k, s, p, d, ceil)
        b, eb = outcome(cv.pool_output_size_loop, i, k, s, p, d, ceil)
        assert a == b and type(ea) is type(eb)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(1, 6))
def test_relationship_7(i, k, s):
    """Dumoulin and Visin's relationship 7 (no padding, floor): o = floor((i - k)/s) + 1."""
    if k <= i:
        assert cv.pool_output_size(i, k, s) == (i - k) // s + 1


def test_ceil_mode_last_window_rule():
    # ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the 4th starts at 6 >= i + p = 6: dropped
    assert cv.pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert F.max_pool1d(torch.zeros(1, 1, 5), 2, 2, 1, ceil_mode=True).shape[-1] == 3
    # a window that overhangs is kept when it starts inside the input
    assert cv.pool_output_size(6, 3, 2, ceil_mode=True) == 3
    assert F.max_pool1d(torch.zeros(1, 1, 6), 3, 2, ceil_mode=True).shape[-1] == 3


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"input_size": 5, "kernel_size": 3, "padding": 2}, ("padding", "kernel_size")),
        ({"input_size": 5, "kernel_size": 0}, ("kernel_size",)),
        ({"input_size": 5, "kernel_size": 2, "stride": 0}, ("stride",)),
        ({"input_size": 5, "kernel_size": 2, "dilation": 0}, ("dilation",)),
        ({"input_size": 5, "kernel_size": 6}, ("input_size", "kernel_size")),
        ({"input_size": (5, 5, 5, 5), "kernel_size": 2}, ("input_size",)),
    ],
)
def test_errors_name_the_argument(kwargs, names):
    with pytest.raises(ValueError) as info:
        cv.pool_output_shape(**kwargs)
    for name in names:
        assert f"{name}=" in str(info.value)


def test_type_errors():
    with pytest.raises(TypeError, match="ceil_mode"):
        cv.pool_output_size(5, 2, ceil_mode=1)
    with pytest.raises(TypeError, match="kernel_size"):
        cv.pool_output_size(5, 2.0)


# --------------------------------------------------------------------------- operations

pool_dtypes = st.sampled_from(["float32", "float64", "float32", "float64", "int64", "bool"])


def _pool_input(seed, shape, dtype):
    return random_array(np.random.default_rng(seed), shape, dtype)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([(1, 1), (2, 3), (1,)]),
    st.tuples(st.integers(1, 9), st.integers(1, 9)),
    st.one_of(st.integers(0, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    st.one_of(st.none(), st.integers(0, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))),
    st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    st.booleans(),
    pool_dtypes,
    st.integers(0, 2**32 - 1),
)
def test_max_pool2d_matches_torch(lead, hw, k, s, p, d, ceil, dtype, seed):
    x = _pool_input(seed, (*lead, *hw), dtype)
    reference, torch_error = outcome(F.max_pool2d, torch.from_numpy(x), k, s, p, d, ceil_mode=ceil)
    ours, our_error = outcome(cv.max_pool2d, x, k, s, p, d, ceil)
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        assert ours.dtype == x.dtype
        np.testing.assert_array_equal(ours, reference.numpy())
        np.testing.assert_array_equal(cv.max_pool2d_loop(x, k, s, p, d, ceil), ours)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([(1, 1), (2, 3), (1,)]),
    st.tuples(st.integers(1, 9), st.integers(1, 9)),
    st.one_of(st.integers(0, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    st.one_of(st.none(), st.integers(0, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(-3, 5)),
    pool_dtypes,
    st.integers(0, 2**32 - 1),
)
def test_avg_pool2d_matches_torch(lead, hw, k, s, p, ceil, include, divisor, dtype, seed):
    x = _pool_input(seed, (*lead, *hw), dtype)
    reference, torch_error = outcome(
        F.avg_pool2d, torch.from_numpy(x), k, s, p, ceil, include, divisor
    )
    ours, our_error = outcome(cv.avg_pool2d, x, k, s, p, ceil, include, divisor)
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        assert ours.dtype == x.dtype
        tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 0}
        np.testing.assert_allclose(ours, reference.numpy(), **tol)
        np.testing.assert_allclose(
            cv.avg_pool2d_loop(x, k, s, p, ceil, include, divisor), ours, **tol
        )


def test_max_pool2d_nan_and_padding_never_win():
    x = np.array([[[-5.0, -7.0], [np.nan, -1.0]]])
    ours = cv.max_pool2d(x, 2, 1, padding=1)
    ref = F.max_pool2d(torch.from_numpy(x), 2, 1, padding=1).numpy()
    np.testing.assert_array_equal(ours, ref)
    assert np.isnan(ours[0, 1, 0]) and ours[0, 0, 0] == -5  # -inf padding loses to -5


def test_pool_ops_errors_name_the_argument():
    with pytest.raises(ValueError, match="x"):
        cv.max_pool2d(np.zeros((4, 4)), 2)
    with pytest.raises(TypeError, match="x"):
        cv.avg_pool2d(np.zeros((1, 4, 4), dtype=np.int32), 2)
    with pytest.raises(ValueError, match="divisor_override"):
        cv.avg_pool2d(np.zeros((1, 4, 4)), 2, divisor_override=0)
    with pytest.raises(ValueError, match="padding"):
        cv.max_pool2d(np.zeros((1, 4, 4)), 2, padding=2)
