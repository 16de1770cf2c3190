"""convviz.signal against NumPy, SciPy and torch on random shapes; loop == vectorised."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv

MODES = st.sampled_from(["full", "same", "valid"])


def _arrays(draw, shape, dtype=np.float64):
    seed = draw(st.integers(0, 2**31 - 1))
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), m=st.integers(1, 12), mode=MODES)
def test_1d_equals_numpy(data, n, m, mode):
    x, w = _arrays(data.draw, n), _arrays(data.draw, m)
    np.testing.assert_allclose(cv.correlate1d(x, w, mode), np.correlate(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(cv.convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-12)
    np.testing.assert_allclose(
        cv.correlate1d_loop(x, w, mode), np.correlate(x, w, mode), atol=1e-12
    )
    np.testing.assert_allclose(cv.convolve1d_loop(x, w, mode), np.convolve(x, w, mode), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    h=st.integers(1, 7),
    w_=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    mode=MODES,
)
def test_2d_equals_scipy_and_loops(data, h, w_, kh, kw, mode):
    x, k = _arrays(data.draw, (h, w_)), _arrays(data.draw, (kh, kw))
    if mode == "valid" and (kh > h or kw > w_):
        with pytest.raises(ValueError, match="kernel size"):
            cv.correlate2d(x, k, mode)
        return
    for ours, loop, ref in (
        (cv.correlate2d, cv.correlate2d_loop, scipy.signal.correlate2d),
        (cv.convolve2d, cv.convolve2d_loop, scipy.signal.convolve2d),
    ):
        expected = ref(x, k, mode)
        np.testing.assert_allclose(ours(x, k, mode), expected, atol=1e-12)
        np.testing.assert_allclose(loop(x, k, mode), expected, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    h=st.integers(3, 8),
    w_=st.integers(3, 8),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
)
def test_2d_against_torch_conv2d(data, h, w_, kh, kw):
    x, k = _arrays(data.draw, (h, w_)), _arrays(data.draw, (kh, kw))
    tx, tk = torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None]
    valid = F.conv2d(tx, tk)[0, 0].numpy()
    full = F.conv2d(tx, tk, padding=(kh - 1, kw - 1))[0, 0].numpy()
    np.testing.assert_allclose(cv.correlate2d(x, k), valid, atol=1e-12)
    np.testing.assert_allclose(cv.correlate2d(x, k, "full"), full, atol=1e-12)
    flipped = torch.from_numpy(k[::-1, ::-1].copy())[None, None]
    np.testing.assert_allclose(
        cv.convolve2d(x, k, "valid"), F.conv2d(tx, flipped)[0, 0].numpy(), atol=1e-12
    )


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 10),
    m=st.integers(1, 10),
    mode=MODES,
    flipped=st.booleans(),
    padded=st.booleans(),
)
def test_taps_are_the_computation(n, m, mode, flipped, padded):
    rng = np.random.default_rng(n * 100 + m)
    x, w = rng.normal(size=n), rng.normal(size=m)
    taps = cv.correlation_taps(n, m, mode, flipped=flipped, padded=padded)
    ref = np.convolve(x, w, mode) if flipped else np.correlate(x, w, mode)
    y = np.zeros(len(ref))
    xp = np.concatenate([x, np.zeros(2 * m)])  # zeros for padded taps beyond the end
    for o, i, k in taps:
        if padded and not 0 <= i < n:
            assert i < 0 or i >= n
            continue
        y[o] += xp[i] * w[k]
    np.testing.assert_allclose(y, ref, atol=1e-12)


def test_dtypes_and_errors():
    x32 = np.arange(5, dtype=np.float32)
    assert cv.correlate1d(x32, x32[:2]).dtype == np.float32
    assert cv.correlate1d(np.arange(5), np.array([1, 2])).dtype == np.float64
    with pytest.raises(ValueError, match="mode must be one of"):
        cv.correlate1d(x32, x32, "middle")
    with pytest.raises(ValueError, match=r"x must be 1-D, got x.shape=\(2, 2\)"):
        cv.convolve1d(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="w must not be empty"):
        cv.convolve1d(np.ones(3), np.ones(0))
    with pytest.raises(TypeError, match="real numbers"):
        cv.correlate2d(np.array([["a"]]), np.ones((1, 1)))


def test_nan_propagates_like_numpy():
    x = np.array([1.0, np.nan, 2.0, 3.0])
    w = np.array([1.0, 1.0])
    np.testing.assert_array_equal(np.isnan(cv.convolve1d(x, w)), np.isnan(np.convolve(x, w)))


# -- edges: non-finite numbers, kinds of bad argument ---------------------------------

_EDGE_VALUES = [0.0, 1.0, -2.0, 0.5, np.inf, -np.inf, np.nan]


def _edge_array(draw, shape):
    """A small array that holds inf, -inf and nan now and then (and zeros: 0 * inf)."""
    values = draw(
        st.lists(
            st.sampled_from(_EDGE_VALUES),
            min_size=int(np.prod(shape)),
            max_size=int(np.prod(shape)),
        )
    )
    return np.array(values, dtype=np.float64).reshape(shape)


def test_an_infinite_kernel_at_the_ends_from_the_report():
    # numpy.convolve forms only products of signal and kernel entries: no 0 * inf at the ends
    x, w = [1.0, 2.0, 3.0], [1.0, np.inf]
    expected = np.array([1.0, np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(np.convolve(x, w), expected)
    np.testing.assert_array_equal(cv.convolve1d(x, w), expected)
    np.testing.assert_array_equal(cv.convolve1d_loop(x, w), expected)
    # scipy.signal.convolve2d multiplies its fill zeros too: 0 * inf = nan at the first cell
    # (silently, as SciPy: pytest turns any warning into an error)
    expected2 = np.array([[np.nan, np.inf, np.inf, np.inf]])
    np.testing.assert_array_equal(scipy.signal.convolve2d([x], [w]), expected2)
    np.testing.assert_array_equal(cv.convolve2d([x], [w]), expected2)
    np.testing.assert_array_equal(cv.convolve2d_loop([x], [w]), expected2)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 7), m=st.integers(1, 7), mode=MODES)
def test_1d_twins_follow_numpy_on_non_finite_input(data, n, m, mode):
    x, w = _edge_array(data.draw, (n,)), _edge_array(data.draw, (m,))
    for ours, ref in (
        ((cv.correlate1d, cv.correlate1d_loop), np.correlate),
        ((cv.convolve1d, cv.convolve1d_loop), np.convolve),
    ):
        expected = ref(x, w, mode)
        for fn in ours:  # same values, and silent like NumPy (a warning is an error here)
            np.testing.assert_allclose(fn(x, w, mode), expected, atol=1e-12, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    h=st.integers(1, 4),
    w_=st.integers(1, 4),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    mode=MODES,
)
def test_2d_twins_follow_scipy_on_non_finite_input(data, h, w_, kh, kw, mode):
    if mode == "valid" and (kh > h or kw > w_):
        return  # refused by convviz: a documented difference (SciPy swaps the arrays)
    x, w = _edge_array(data.draw, (h, w_)), _edge_array(data.draw, (kh, kw))
    for ours, ref in (
        ((cv.correlate2d, cv.correlate2d_loop), scipy.signal.correlate2d),
        ((cv.convolve2d, cv.convolve2d_loop), scipy.signal.convolve2d),
    ):
        expected = ref(x, w, mode)
        for fn in ours:  # same values, and silent like SciPy
            np.testing.assert_allclose(fn(x, w, mode), expected, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize(
    "fn",
    [
        cv.correlate1d,
        cv.correlate1d_loop,
        cv.convolve1d,
        cv.convolve1d_loop,
        cv.correlate2d,
        cv.correlate2d_loop,
        cv.convolve2d,
        cv.convolve2d_loop,
    ],
)
def test_mode_of_the_wrong_kind_is_a_type_error(fn):
    d = np.ones(3) if fn.__name__.endswith(("1d", "1d_loop")) else np.ones((3, 3))
    k = d[:2]
    # numpy: np.convolve(d, k, None) -> TypeError "mode not understood"
    with pytest.raises(TypeError, match=r"mode must be a string.*got mode=None of type NoneType"):
        fn(d, k, None)
    with pytest.raises(TypeError, match=r"mode must be a string.*got mode=1 of type int"):
        fn(d, k, 1)  # numpy reads 1 as 'same'; convviz asks for the name
    with pytest.raises(ValueError, match=r"mode must be one of .*got mode='middle'"):
        fn(d, k, "middle")


@pytest.mark.parametrize(
    ("call", "name", "wrong_value"),
    [
        (lambda v: cv.pad(np.ones((1, 1, 4)), (1, 1), mode=v), "mode", "wrap"),
        (lambda v: cv.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), padding=v), "padding", "full"),
        (
            lambda v: cv.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), padding_mode=v),
            "padding_mode",
            "wrap",
        ),
        (lambda v: cv.conv_output_shape((4,), 3, padding=v), "padding", "full"),
        (lambda v: cv.mode_window(4, 3, v, flipped=False), "mode", "middle"),
    ],
)
def test_every_choice_argument_tells_the_kind_from_the_value(call, name, wrong_value):
    # the rule of convviz._validate: a wrong kind is a TypeError, a wrong value a ValueError
    with pytest.raises(TypeError, match=rf"{name}"):
        call(None)
    with pytest.raises(ValueError, match=rf"{name} must be one of .*got {name}='{wrong_value}'"):
        call(wrong_value)


def test_refused_inputs_the_docstrings_state():
    with pytest.raises(TypeError, match="real numbers"):
        cv.convolve1d(np.array([1.0, 2j]), np.ones(2))  # numpy accepts complex
    with pytest.raises(TypeError, match="real numbers"):
        cv.correlate2d(np.ones((2, 2)), np.array([[1j]]))  # scipy accepts complex
    with pytest.raises(ValueError, match="x must not be empty"):
        cv.correlate1d(np.ones(0), np.ones(1))  # numpy refuses too
    with pytest.raises(ValueError, match="x must not be empty"):
        cv.convolve2d(np.ones((0, 2)), np.ones((1, 1)))  # scipy returns an empty array
    for fn in (cv.correlate1d, cv.convolve1d, cv.correlate2d, cv.convolve2d):
        doc = fn.__doc__
        assert "Raises" in doc and "omplex" in doc and "empty" in doc, fn.__name__


@pytest.mark.parametrize("name", ["correlate1d", "convolve1d", "correlate2d", "convolve2d"])
def test_twins_refuse_what_their_docstrings_say_and_return_the_stated_dtype(name):
    ours, loop = getattr(cv, name), getattr(cv, f"{name}_loop")
    nd = int(name[-2])
    one = np.ones((3,) * nd)
    for fn in (ours, loop):
        doc = fn.__doc__
        for word in ("TypeError", "ValueError", "complex", "empty"):
            assert word in doc, (fn.__name__, word)
        with pytest.raises(TypeError, match=r"x must hold real numbers"):
            fn(one.astype(complex), one)
        with pytest.raises(ValueError, match=r"w must not be empty"):
            fn(one, np.ones((0,) * nd))
        with pytest.raises(TypeError, match=r"mode must be a string"):
            fn(one, one, None)
        # integers and bools are summed in float64, floats keep their dtype
        assert fn(one.astype(np.int8), one.astype(np.int8)).dtype == np.float64
        assert fn(one.astype(bool), one.astype(bool)).dtype == np.float64
        assert fn(one.astype(np.float32), one.astype(np.float32)).dtype == np.float32
    assert "float64 for integer or bool input" in ours.__doc__


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), m=st.integers(1, 12), mode=MODES)
def test_torch_padding_makes_conv1d_equal_numpy(data, n, m, mode):
    """F.conv1d on the signal padded by torch_padding is np.correlate in that mode."""
    x, w = _arrays(data.draw, n), _arrays(data.draw, m)
    left, right = cv.torch_padding(n, m, mode)
    assert left >= 0 and right >= 0
    xt = F.pad(torch.from_numpy(x).view(1, 1, -1), (left, right))
    y = F.conv1d(xt, torch.from_numpy(w).view(1, 1, -1)).view(-1).numpy()
    np.testing.assert_allclose(y, np.correlate(x, w, mode), atol=1e-12)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((0, 3, "same"), ValueError, "n must be >= 1, got n=0"),
        ((4, 0, "same"), ValueError, "m must be >= 1, got m=0"),
        ((4.0, 3, "same"), TypeError, "n must be an integer"),
        ((4, 3, "middle"), ValueError, "mode"),
    ],
)
def test_torch_padding_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        cv.torch_padding(*args)
