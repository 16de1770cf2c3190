"""conv_transpose1d/2d/3d against torch on random (possibly invalid) configurations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    assert_matches,
    assert_same_acceptance,
    dtypes,
    outcome,
    per_axis,
    random_array,
)

from convviz import (
    conv2d,
    conv_transpose1d,
    conv_transpose1d_loop,
    conv_transpose2d,
    conv_transpose2d_loop,
    conv_transpose3d,
    conv_transpose3d_loop,
    conv_transpose_method,
)

OURS = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}
LOOPS = {1: conv_transpose1d_loop, 2: conv_transpose2d_loop, 3: conv_transpose3d_loop}
TORCH_F = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
MAX_SIZE = {1: 6, 2: 5, 3: 3}
ARGS = ("stride", "padding", "output_padding", "groups", "dilation")


@st.composite
def transposed_configs(draw, valid_only=False):
    nd = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    c_in_g, c_out_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    size = tuple(draw(st.integers(1, MAX_SIZE[nd])) for _ in range(nd))
    batch = draw(st.sampled_from([None, 1, 2, 2, 0]))
    c_in = c_in_g * groups
    w_in = c_in
    if not valid_only and draw(st.integers(0, 9)) == 0:
        c_in += 1  # channel mismatch
    if not valid_only and draw(st.integers(0, 9)) == 0:
        w_in += 1  # groups do not divide the weight's input channels
    bad = None if valid_only else 0
    return {
        "nd": nd,
        "x_shape": ((batch,) if batch is not None else ()) + (c_in, *size),
        "w_shape": (w_in, c_out_g, *kernel),
        "bias": draw(st.booleans()),
        "stride": draw(per_axis(nd, 1, 3, bad)),
        "padding": draw(per_axis(nd, 0, 2, None if valid_only else -1)),
        "output_padding": draw(per_axis(nd, 0, 1 if valid_only else 2)),
        "dilation": draw(per_axis(nd, 1, 2, bad)),
        "groups": groups,
        "dtype": "float64" if valid_only else draw(dtypes),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _arrays(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = random_array(rng, cfg["x_shape"], cfg["dtype"])
    w = random_array(rng, cfg["w_shape"], cfg["dtype"])
    c_out = cfg["w_shape"][1] * cfg["groups"]
    b = random_array(rng, (c_out,), cfg["dtype"]) if cfg["bias"] else None
    return x, w, b


def _torch(cfg, x, w, b):
    t = [None if a is None else torch.from_numpy(a) for a in (x, w, b)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return TORCH_F[cfg["nd"]](*t, **{k: cfg[k] for k in ARGS})


def _empty(reference) -> bool:
    """Torch returned an empty result: some of its paths skip checks (e.g. output size 0)."""
    return reference is not None and reference.numel() == 0


@settings(max_examples=400, deadline=None)
@given(transposed_configs())
def test_conv_transpose_matches_torch(cfg):
    x, w, b = _arrays(cfg)
    reference, torch_error = outcome(_torch, cfg, x, w, b)
    ours, our_error = outcome(OURS[cfg["nd"]], x, w, b, **{k: cfg[k] for k in ARGS})
    if 0 in np.atleast_1d(cfg["dilation"]).tolist():
        # torch's transposed convolution skips its dilation check on some paths (1x1
        # kernels, empty inputs); convviz always refuses dilation 0
        assert isinstance(our_error, (ValueError, TypeError))
        return
    if (
        torch_error is not None
        and "Output size is too small" in str(torch_error)
        and our_error is None
    ):
        # Deliberate: an output size of exactly 0 is an empty axis, as torch's oneDNN
        # path and an empty batch give; torch's slow kernels refuse it
        assert 0 in ours.shape[-cfg["nd"] :] and ours.size == 0
        return
    if assert_same_acceptance(
        reference, torch_error, ours, our_error, empty=x.size == 0 or _empty(reference)
    ):
        fan_in = w.shape[0] * int(np.prod(w.shape[2:]))
        assert_matches(ours, reference, cfg["dtype"], fan_in)


@settings(max_examples=40, deadline=None)
@given(transposed_configs(valid_only=True))
def test_loop_equals_vectorised(cfg):
    x, w, b = _arrays(cfg)
    args = {k: cfg[k] for k in ARGS}
    fast, error = outcome(OURS[cfg["nd"]], x, w, b, **args)
    if error is not None:  # a negative output size: both refuse alike
        with pytest.raises(type(error)):
            LOOPS[cfg["nd"]](x, w, b, **args)
        return
    slow = LOOPS[cfg["nd"]](x, w, b, **args)
    assert slow.shape == fast.shape and slow.dtype == fast.dtype
    np.testing.assert_allclose(slow, fast, rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_transpose_is_the_adjoint_of_conv(stride, padding, seed):
    """<conv(x), y> == <x, conv_transpose(y)>: the defining property, torch-free."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    y_shape = conv2d(x, w, stride=stride, padding=padding).shape
    y = rng.standard_normal(y_shape)
    back = conv_transpose2d(y, w, stride=stride, padding=padding)
    # output_padding recovers the cells the strided convolution never read
    extra = tuple(a - b for a, b in zip(x.shape[2:], back.shape[2:], strict=True))
    back = conv_transpose2d(y, w, stride=stride, padding=padding, output_padding=extra)
    assert back.shape == x.shape
    lhs = np.vdot(conv2d(x, w, stride=stride, padding=padding), y)
    np.testing.assert_allclose(lhs, np.vdot(x, back), rtol=1e-10)


# The vectorised path sums stamps phase by phase (output cell s m + r): shapes with
# several taps per phase, phases with no tap (s > d k), output_padding and groups.
PHASE_CASES = [
    # nd, x shape, w shape, kwargs
    (2, (3, 6, 7, 5), (6, 4, 4, 4), {"stride": 2, "padding": 1}),
    (2, (2, 4, 5, 6), (4, 3, 3, 2), {"stride": (3, 2), "dilation": (2, 1), "output_padding": 1}),
    (1, (2, 6, 9), (6, 2, 5), {"stride": 2, "padding": 2, "groups": 3, "output_padding": 1}),
    (3, (1, 4, 3, 4, 2), (4, 2, 2, 3, 2), {"stride": (2, 1, 3), "padding": (1, 0, 0)}),
    (2, (2, 3, 4, 4), (3, 2, 2, 2), {"stride": 4, "padding": 1, "output_padding": 3}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("nd", "x_shape", "w_shape", "kwargs"), PHASE_CASES)
def test_phase_sums_match_torch(nd, x_shape, w_shape, kwargs, dtype):
    rng = np.random.default_rng(sum(x_shape))
    x, w = random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)
    b = random_array(rng, (w_shape[1] * kwargs.get("groups", 1),), dtype)
    reference = TORCH_F[nd](*map(torch.from_numpy, (x, w, b)), **kwargs)
    assert conv_transpose_method(x_shape, w_shape, dtype=dtype, **kwargs) == "phases"
    ours = OURS[nd](x, w, b, **kwargs)
    assert ours.shape == tuple(reference.shape)
    assert_matches(ours, reference, dtype, int(np.prod(w_shape[2:])) * x_shape[1])
    if dtype == "float64":
        np.testing.assert_allclose(ours, LOOPS[nd](x, w, b, **kwargs), rtol=1e-12, atol=1e-12)


# Tiny float inputs (at most 64 input cells, at most min(256, 4 C_in/groups) output cells)
# take the selection products: a 0/1 matrix places every stamp; strides, padding, dilation, groups, output_padding.
SELECTION_CASES = [
    # nd, x shape, w shape, kwargs
    (2, (3, 6, 4, 4), (6, 20, 3, 3), {"padding": 1}),
    (
        2,
        (2, 12, 3, 2),
        (12, 3, 3, 2),
        {
            "stride": (2, 1),
            "dilation": (1, 2),
            "groups": 2,
            "padding": (1, 0),
            "output_padding": (1, 0),
        },
    ),
    (1, (2, 3, 5), (3, 12, 4), {"stride": 2, "padding": 2, "output_padding": 1}),
    (3, (1, 4, 2, 3, 2), (4, 3, 2, 2, 3), {"padding": (0, 1, 1)}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("nd", "x_shape", "w_shape", "kwargs"), SELECTION_CASES)
def test_selection_matches_torch_and_the_loop(nd, x_shape, w_shape, kwargs, dtype):
    rng = np.random.default_rng(sum(x_shape) + 2)
    x, w = random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)
    b = random_array(rng, (w_shape[1] * kwargs.get("groups", 1),), dtype)
    reference = TORCH_F[nd](*map(torch.from_numpy, (x, w, b)), **kwargs)
    assert conv_transpose_method(x_shape, w_shape, dtype=dtype, **kwargs) == "selection"
    ours = OURS[nd](x, w, b, **kwargs)
    assert ours.shape == tuple(reference.shape)
    assert_matches(ours, reference, dtype, int(np.prod(w_shape[2:])) * x_shape[1])
    assert_matches(
        OURS[nd](x[0], w, b, **kwargs), reference[0], dtype, int(np.prod(w_shape[2:])) * x_shape[1]
    )
    if dtype == "float64":
        np.testing.assert_allclose(ours, LOOPS[nd](x, w, b, **kwargs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("nd", "x_shape", "w_shape", "kwargs"), PHASE_CASES)
def test_col2im_reference_equals_the_loop(nd, x_shape, w_shape, kwargs):
    """The version the book shows (one product, then col2im), on the phase cases."""
    from convviz.shapes import conv_transpose_output_shape
    from convviz.transposed import _conv_transpose_nd_col2im

    rng = np.random.default_rng(sum(x_shape) + 1)
    x, w = random_array(rng, x_shape, "float64"), random_array(rng, w_shape, "float64")
    b = random_array(rng, (w_shape[1] * kwargs.get("groups", 1),), "float64")
    loop = LOOPS[nd](x, w, b, **kwargs)
    args = {k: kwargs.get(k, d) for k, d in [("stride", 1), ("padding", 0), ("dilation", 1)]}
    args = {k: (v,) * nd if isinstance(v, int) else v for k, v in args.items()}
    out_size = conv_transpose_output_shape(
        x_shape[2:], w_shape[2:], output_padding=kwargs.get("output_padding", 0), **args
    )
    ours = _conv_transpose_nd_col2im(
        x,
        w,
        b,
        args["stride"],
        args["padding"],
        args["dilation"],
        kwargs.get("groups", 1),
        out_size,
    )
    assert ours.shape == loop.shape
    np.testing.assert_allclose(ours, loop, rtol=1e-12, atol=1e-12)


def test_an_empty_batch_takes_the_col2im_path():
    x, w = np.zeros((0, 6, 7, 5)), np.ones((6, 4, 4, 4))
    assert conv_transpose_method(x.shape, w.shape, stride=2, padding=1) == "col2im"
    reference = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1)
    assert conv_transpose2d(x, w, stride=2, padding=1).shape == tuple(reference.shape)


def test_conv_transpose_method_refuses_what_conv_transpose_refuses():
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose_method((1, 2, 5), (2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="weight_shape"):
        conv_transpose_method((1, 2, 5), (2, 3))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8", "int64"])
@pytest.mark.parametrize(("nd", "stride"), [(1, 1), (1, 2), (2, 1), (3, 2)])
def test_integer_dtypes_refused_exactly_where_torch_has_no_kernel(dtype, nd, stride):
    """torch on CPU has no transposed kernel for int8/16/32, uint8 (int64 it has):
    convviz refuses the same calls, with a TypeError naming the dtype."""
    x = (np.arange(2 * 3 * 4**nd) % 7).reshape(2, 3, *[4] * nd).astype(dtype)
    w = (np.arange(3 * 2 * 2**nd) % 3).reshape(3, 2, *[2] * nd).astype(dtype)
    reference, torch_error = outcome(
        TORCH_F[nd], torch.from_numpy(x), torch.from_numpy(w), stride=stride
    )
    refused = dtype != "int64"
    assert (torch_error is not None) == refused  # what torch 2.13 does, checked here
    for fn in (OURS[nd], LOOPS[nd]):
        ours, our_error = outcome(fn, x, w, stride=stride)
        if refused:
            assert isinstance(our_error, TypeError) and dtype in str(our_error)
        else:
            np.testing.assert_array_equal(ours, reference.numpy())
            assert ours.dtype == x.dtype


ZERO_OUTPUTS = [
    # nd, x shape (N, C_in, *D), w shape, kwargs: one axis with output size exactly 0
    (1, (1, 2, 1), (2, 3, 2), {"stride": 2, "padding": 1}),  # the example of issue 15
    (1, (2, 2, 1), (2, 3, 2), {"stride": 2, "padding": 1}),
    (2, (2, 4, 1, 3), (4, 1, 2, 2), {"stride": 2, "padding": (1, 0), "groups": 2}),
    (3, (2, 2, 3, 1, 2), (2, 2, 1, 2, 1), {"padding": (0, 1, 0), "dilation": (1, 1, 2)}),
    (2, (0, 2, 1, 3), (2, 3, 2, 2), {"stride": 2, "padding": 1}),  # and an empty batch
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("nd", "x_shape", "w_shape", "kwargs"), ZERO_OUTPUTS)
def test_an_output_size_of_zero_is_an_empty_axis(nd, x_shape, w_shape, kwargs, dtype):
    """Shape (N, C_out, ..., 0, ...), as torch's oneDNN path (two float32 images, or
    groups) and an empty batch give it; torch's slow kernels refuse the same call."""
    x = np.ones(x_shape, dtype)
    w = np.ones(w_shape, dtype)
    b = np.ones(w_shape[1] * kwargs.get("groups", 1), dtype)
    for batch in (2, 0):  # the two torch paths that return the empty result
        t = torch.ones((batch, *x_shape[1:]), dtype=torch.float32)
        tw, tb = torch.ones(w_shape), torch.ones(b.shape)
        expected = (x_shape[0], *TORCH_F[nd](t, tw, tb, **kwargs).shape[1:])
        assert 0 in expected
        assert conv_transpose_method(x_shape, w_shape, dtype=dtype, **kwargs) == "col2im"
        for fn in (OURS[nd], LOOPS[nd]):
            ours = fn(x, w, b, **kwargs)
            assert ours.shape == expected and ours.dtype == x.dtype
            if x_shape[0]:
                assert fn(x[0], w, b, **kwargs).shape == expected[1:]  # unbatched


@pytest.mark.parametrize("fn", [conv_transpose1d, conv_transpose1d_loop])
def test_a_negative_output_size_is_refused_naming_the_arguments(fn):
    x, w = np.ones((2, 2, 1)), np.ones((2, 3, 1))
    with pytest.raises(ValueError, match=r"output size is -1 \(negative\).*padding=1"):
        fn(x, w, padding=1)
    with pytest.raises(RuntimeError):  # torch refuses it too, on every path
        F.conv_transpose1d(torch.ones(2, 2, 1), torch.ones(2, 3, 1), padding=1)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "groups": 2}])
def test_an_empty_batch_gives_torchs_shape(nd, kwargs):
    x = np.zeros((0, 4, *[3] * nd))
    w = np.ones((4, 3, *[2] * nd))
    expected = TORCH_F[nd](torch.from_numpy(x), torch.from_numpy(w), **kwargs).shape
    for fn in (OURS[nd], LOOPS[nd]):
        assert fn(x, w, **kwargs).shape == tuple(expected)
