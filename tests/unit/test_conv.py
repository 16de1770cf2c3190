"""conv1d/2d/3d against torch on random (possibly invalid) configurations, and loop == vectorised."""

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
    CONV_METHODS,
    conv1d,
    conv1d_loop,
    conv2d,
    conv2d_loop,
    conv3d,
    conv3d_loop,
    conv_method,
)

OURS = {1: conv1d, 2: conv2d, 3: conv3d}
LOOPS = {1: conv1d_loop, 2: conv2d_loop, 3: conv3d_loop}
TORCH_F = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
MAX_SIZE = {1: 7, 2: 6, 3: 4}


@st.composite
def conv_configs(draw, nd=None, valid_only=False):
    nd = nd or draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    c_in_g, c_out_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    size = tuple(draw(st.integers(1, MAX_SIZE[nd])) for _ in range(nd))
    batch = draw(st.sampled_from([None, 1, 2, 2, 0]))
    c_in = c_in_g * groups
    if not valid_only and draw(st.integers(0, 9)) == 0:  # channel mismatch
        c_in += draw(st.sampled_from([-1, 1]))
    c_out = c_out_g * groups
    if not valid_only and draw(st.integers(0, 9)) == 0:  # groups do not divide C_out
        c_out += 1
    bad = None if valid_only else 0
    cfg = {
        "nd": nd,
        "x_shape": ((batch,) if batch is not None else ()) + (c_in, *size),
        "w_shape": (c_out, c_in_g, *kernel),
        "bias": draw(st.booleans()),
        "stride": draw(per_axis(nd, 1, 3, bad)),
        "dilation": draw(per_axis(nd, 1, 2, bad)),
        "groups": groups,
        "padding_mode": draw(st.sampled_from(["zeros"] * 3 + ["reflect", "replicate", "circular"])),
        "dtype": "float64" if valid_only else draw(dtypes),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }
    cfg["padding"] = draw(
        st.one_of(
            per_axis(nd, 0, 2, None if valid_only else -1), st.sampled_from(["same", "valid"])
        )
    )
    if valid_only:
        if cfg["padding"] == "same":
            cfg["stride"] = 1
        cfg["padding_mode"] = "zeros"
    return cfg


def _arrays(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = random_array(rng, cfg["x_shape"], cfg["dtype"])
    w = random_array(rng, cfg["w_shape"], cfg["dtype"])
    b = random_array(rng, cfg["w_shape"][:1], cfg["dtype"]) if cfg["bias"] else None
    return x, w, b


def _torch_conv(cfg, x, w, b):
    """F.convNd for zero padding; nn.ConvNd (with our weights) for the other padding modes."""
    with warnings.catch_warnings():  # 'same' with an even kernel; complex modules
        warnings.simplefilter("ignore", UserWarning)
        return _torch_conv_warned(cfg, x, w, b)


def _torch_conv_warned(cfg, x, w, b):
    t = [None if a is None else torch.from_numpy(a) for a in (x, w, b)]
    nd, mode, padding = cfg["nd"], cfg["padding_mode"], cfg["padding"]
    args = {k: cfg[k] for k in ("stride", "dilation", "groups")}
    if mode == "zeros":
        return TORCH_F[nd](*t, padding=padding, **args)

    # What nn.ConvNd.forward does for the other modes: F.pad, then an unpadded convolution.
    def axes(v):
        return (v,) * nd if isinstance(v, int) else tuple(v)

    if padding == "same":
        if axes(cfg["stride"]) != (1,) * nd:
            raise ValueError("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(axes(cfg["dilation"]), w.shape[2:], strict=True)]
        pairs = [(t_ // 2, t_ - t_ // 2) for t_ in total]
    else:
        pairs = [(p, p) for p in axes(0 if padding == "valid" else padding)]
    flat = [v for pair in reversed(pairs) for v in pair]
    return TORCH_F[nd](F.pad(t[0], flat, mode=mode), t[1], t[2], padding=0, **args)


def _empty(reference) -> bool:
    """Torch returned an empty result: some of its paths skip checks (e.g. output size 0)."""
    return reference is not None and reference.numel() == 0


@settings(max_examples=400, deadline=None)
@given(conv_configs())
def test_conv_matches_torch(cfg):
    x, w, b = _arrays(cfg)
    args = {k: cfg[k] for k in ("stride", "padding", "dilation", "groups", "padding_mode")}
    reference, torch_error = outcome(_torch_conv, cfg, x, w, b)
    ours, our_error = outcome(OURS[cfg["nd"]], x, w, b, **args)
    padding = cfg["padding"]
    if cfg["padding_mode"] != "zeros" and -1 in np.atleast_1d(padding).tolist():
        # Deliberate deviation: nn.ConvNd forwards a negative padding to F.pad, which
        # crops; convviz refuses negative padding in every padding mode.
        assert isinstance(our_error, (ValueError, TypeError))
        return
    if assert_same_acceptance(
        reference, torch_error, ours, our_error, empty=x.size == 0 or _empty(reference)
    ):
        assert_matches(ours, reference, cfg["dtype"], int(np.prod(w.shape[1:])))


@settings(max_examples=40, deadline=None)
@given(conv_configs(valid_only=True))
def test_loop_equals_vectorised(cfg):
    x, w, b = _arrays(cfg)
    args = {k: cfg[k] for k in ("stride", "padding", "dilation", "groups", "padding_mode")}
    fast, error = outcome(OURS[cfg["nd"]], x, w, b, **args)
    if error is not None:  # e.g. a kernel larger than the input: both must refuse alike
        with pytest.raises(type(error), match="kernel"):
            LOOPS[cfg["nd"]](x, w, b, **args)
        return
    slow = LOOPS[cfg["nd"]](x, w, b, **args)
    assert slow.shape == fast.shape and slow.dtype == fast.dtype
    np.testing.assert_allclose(slow, fast, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_same_padding_keeps_size_with_even_kernels(nd, mode):
    rng = np.random.default_rng(nd)
    x = rng.standard_normal((2, 3, *[5] * nd)).astype(np.float32)
    w = rng.standard_normal((4, 3, *[2, 4, 3][:nd])).astype(np.float32)
    cfg = {"nd": nd, "padding_mode": mode, "dtype": "float32", "stride": 1, "padding": "same"}
    cfg |= {"dilation": 1, "groups": 1}
    reference = _torch_conv(cfg, x, w, None)
    ours = OURS[nd](x, w, padding="same", padding_mode=mode)
    assert ours.shape == (*x.shape[:1], 4, *x.shape[2:])
    assert_matches(ours, reference, "float32", w[0].size)


@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_propagate_as_in_torch(special):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 6, 6))
    x[0, 1, 2, 3] = special
    w = rng.standard_normal((3, 2, 3, 3))
    w[1, 0, 0, 0] = 0.0  # 0 * inf = nan where the kernel has a zero tap
    ours = conv2d(x, w, padding=1)
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(reference))
    assert np.isnan(ours).any() or np.isinf(ours).any()
    finite = np.isfinite(reference)
    np.testing.assert_allclose(ours[finite], reference[finite], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.complex64])
def test_dtype_is_kept(dtype):
    x = np.ones((1, 2, 4, 4), dtype=dtype)
    w = np.ones((1, 2, 3, 3), dtype=dtype)
    out = conv2d(x, w)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 18, dtype=dtype))


def test_integer_overflow_wraps_as_torch():
    x = np.full((1, 1, 3, 3), 100, dtype=np.int8)
    w = np.full((1, 1, 3, 3), 3, dtype=np.int8)
    ours = conv2d(x, w)
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    np.testing.assert_array_equal(ours, reference)


# One case or more per formulation of the vectorised path, labelled with the one it
# reaches (cv.conv_method names it; the tests assert it): 'patches' needs float32/64
# and C_in/groups * prod(K) > 256, 'shifted' stride 1 and shallower products, 'selection'
# float32/64 images of at most 64 cells and at most 4 C_out/groups.
FAST_PATHS = [
    # method, nd, x shape, w shape, kwargs
    ("patches", 2, (2, 40, 9, 8), (6, 40, 3, 3), {"padding": 1}),
    ("patches", 2, (2, 64, 7, 9), (6, 32, 3, 3), {"padding": (2, 1), "dilation": 2, "groups": 2}),
    ("patches", 1, (3, 100, 33), (5, 100, 3), {"padding": "same"}),
    ("patches", 3, (1, 12, 5, 6, 4), (4, 12, 3, 3, 3), {"padding": 1}),
    ("patches", 2, (2, 30, 9, 8), (4, 30, 3, 3), {"stride": 2, "padding": 1}),
    ("depthwise", 2, (3, 5, 9, 8), (5, 1, 3, 3), {"padding": 1, "groups": 5}),
    ("depthwise", 3, (2, 4, 5, 6, 7), (4, 1, 2, 3, 3), {"dilation": (2, 1, 2), "groups": 4}),
    ("pointwise", 2, (2, 6, 9, 8), (4, 6, 1, 1), {"stride": 2}),
    ("pointwise", 2, (2, 6, 9, 8), (4, 3, 1, 1), {"groups": 2, "padding": 1}),
    ("shifted", 2, (2, 8, 9, 8), (6, 8, 3, 3), {"padding": 1}),
    ("shifted", 1, (2, 6, 11), (4, 3, 3), {"dilation": 2, "groups": 2, "padding": "same"}),
    ("shifted_folded", 3, (2, 4, 6, 7, 8), (8, 4, 3, 3, 3), {}),
    ("im2col", 2, (2, 6, 9, 8), (4, 6, 3, 3), {"stride": 2, "padding": 1}),
    ("im2col", 3, (2, 4, 5, 6, 5), (4, 2, 2, 3, 2), {"stride": (1, 2, 1), "groups": 2}),
    ("im2col", 2, (3, 5, 9, 8), (5, 1, 3, 3), {"stride": 2, "groups": 5}),  # strided depthwise
    ("selection", 2, (3, 4, 5, 4), (8, 4, 3, 3), {"padding": 1}),
    (
        "selection",
        2,
        (2, 6, 4, 3),
        (8, 3, 3, 2),
        {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2},
    ),
    ("selection", 1, (3, 4, 7), (6, 4, 3), {"stride": 2, "padding": "valid"}),
    ("selection", 3, (2, 3, 3, 3, 2), (8, 3, 2, 2, 2), {"padding": 1}),
]


def test_every_formulation_has_a_case():
    assert {case[0] for case in FAST_PATHS} == set(CONV_METHODS)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("method", "nd", "x_shape", "w_shape", "kwargs"), FAST_PATHS)
def test_every_vectorised_formulation_matches_torch(method, nd, x_shape, w_shape, kwargs, dtype):
    assert conv_method(x_shape, w_shape, dtype=dtype, **kwargs) == method
    assert conv_method(x_shape[1:], w_shape, dtype=dtype, **kwargs) == method  # unbatched
    rng = np.random.default_rng(len(x_shape) + x_shape[1])
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, w_shape, dtype)
    b = random_array(rng, w_shape[:1], dtype)
    reference = TORCH_F[nd](torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs)
    ours = OURS[nd](x, w, b, **kwargs)
    assert_matches(ours, reference, dtype, int(np.prod(w_shape[1:])))
    assert_matches(OURS[nd](x[0], w, b, **kwargs), reference[0], dtype, int(np.prod(w_shape[1:])))
    if dtype == "float64":  # the loop twin sums in the same dtype: equal to rounding
        np.testing.assert_allclose(ours, LOOPS[nd](x, w, b, **kwargs), rtol=1e-12, atol=1e-12)


def test_float16_sums_in_float32_so_takes_the_float_paths():
    assert conv_method((2, 8, 9, 8), (6, 8, 3, 3), padding=1, dtype="float16") == "shifted"
    assert conv_method((2, 40, 9, 8), (6, 40, 3, 3), dtype="float16") == "patches"


@pytest.mark.parametrize("dtype", ["int64", "int32", "complex128"])
def test_other_dtypes_take_the_reference_path_unless_1x1_or_depthwise(dtype):
    assert conv_method((2, 8, 9, 8), (6, 8, 3, 3), padding=1, dtype=dtype) == "im2col"
    assert conv_method((2, 40, 9, 8), (6, 40, 3, 3), dtype=dtype) == "im2col"
    assert conv_method((2, 6, 9, 8), (4, 6, 1, 1), dtype=dtype) == "pointwise"
    assert conv_method((2, 5, 9, 8), (5, 1, 3, 3), groups=5, dtype=dtype) == "depthwise"


def test_an_empty_batch_takes_the_reference_path():
    assert conv_method((0, 40, 9, 8), (6, 40, 3, 3), padding=1) == "im2col"
    assert conv_method((0, 5, 9, 8), (5, 1, 3, 3), groups=5) == "im2col"


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs"),
    [
        ((2, 6, 9, 8), (4, 4, 3, 3), {}),  # channel mismatch
        ((2, 6, 9, 8), (4, 3, 3, 3), {"groups": 3}),  # groups do not divide C_out
        ((2, 6, 2, 8), (4, 6, 3, 3), {}),  # kernel larger than the input
        ((2, 6, 9, 8), (4, 6, 3, 3), {"stride": 0}),
        ((2, 6, 9, 8), (4, 6, 3, 3), {"padding": "same", "stride": 2}),
        ((2, 6, 9, 8), (4, 6, 3, 3), {"padding_mode": "mirror"}),
        ((2, 6, 9, 8), (4, 6, 3, 3), {"dtype": "bool"}),
    ],
)
def test_conv_method_refuses_what_conv_refuses(x_shape, w_shape, kwargs):
    dtype = kwargs.pop("dtype", "float64")
    _, expected = outcome(conv2d, np.zeros(x_shape, dtype), np.zeros(w_shape, dtype), **kwargs)
    assert expected is not None
    with pytest.raises(type(expected)) as caught:
        conv_method(x_shape, w_shape, dtype=dtype, **kwargs)
    assert str(caught.value) == str(expected)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (((2, 6, 9, 8), (4, 6)), ValueError, "weight_shape"),
        (((2, 6, 9, 8), "4x6x3x3"), TypeError, "weight_shape"),
        (((2, 6, -1, 8), (4, 6, 3, 3)), ValueError, "input_shape"),
        (((2, 6, 9.5, 8), (4, 6, 3, 3)), TypeError, "input_shape"),
    ],
)
def test_conv_method_checks_its_shapes(args, error, match):
    with pytest.raises(error, match=match):
        conv_method(*args)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("groups", [1, 2])
def test_shifted_gemm_matches_torch_for_every_stacking(nd, groups):
    from convviz._fast import shifted  # the formulation behind stride-1 conv

    rng = np.random.default_rng(nd * 10 + groups)
    x = random_array(rng, (2, 4, *[5, 6, 4][:nd]), "float64")
    w = random_array(rng, (6, 4 // groups, *[3, 2, 3][:nd]), "float64")
    dilation = (2, 1, 1)[:nd]
    reference = TORCH_F[nd](torch.from_numpy(x), torch.from_numpy(w), None, 1, 0, dilation, groups)
    for stacked in range(nd + 1):
        for fold in (False, True):  # outer taps: accumulated GEMMs, or one GEMM + shifts
            ours = shifted(x, w, None, dilation, groups, np.dtype(np.float64), stacked, fold)
            assert_matches(ours, reference, "float64", w[0].size)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("images", [1, 2, 3])
def test_patches_matches_torch_for_every_chunk(nd, groups, images):
    """im2col + deep GEMM, ``images`` images per chunk (2: a partial last chunk)."""
    from convviz._fast import patches

    rng = np.random.default_rng(nd * 100 + groups * 10 + images)
    x = random_array(rng, (3, 4, *[7, 6, 5][:nd]), "float64")
    w = random_array(rng, (6, 4 // groups, *[3, 2, 2][:nd]), "float64")
    b = random_array(rng, (6,), "float64")
    stride, dilation = (2, 1, 1)[:nd], (1, 2, 1)[:nd]
    for zeros in ([(0, 0)] * nd, [(1, 2), (2, 0), (0, 1)][:nd]):  # padding added by the copies
        padded = F.pad(torch.from_numpy(x), [v for pair in reversed(zeros) for v in pair])
        reference = TORCH_F[nd](padded, *map(torch.from_numpy, (w, b)), stride, 0, dilation, groups)
        columns = images * int(np.prod(reference.shape[2:]))  # output positions per chunk
        acc = np.dtype(np.float64)
        ours = patches(x, w, b, stride, dilation, groups, acc, columns, zeros)
        assert ours.shape == tuple(reference.shape)
        assert_matches(ours, reference, "float64", w[0].size)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("cells", [1, 100, 1 << 16])
def test_depthwise_matches_torch_for_every_block_size(nd, cells):
    """Depthwise blocks of 1 channel (``cells`` = 1), a few, or all 5 channels at once;
    the zero padding is added inside the blocks."""
    from convviz._fast import depthwise

    rng = np.random.default_rng(nd * 10 + cells % 97)
    x = random_array(rng, (2, 5, *[7, 6, 5][:nd]), "float32")
    w = random_array(rng, (5, 1, *[3, 2, 3][:nd]), "float32")
    b = random_array(rng, (5,), "float32")
    dilation = (2, 1, 1)[:nd]
    zeros = [(1, 2), (0, 0), (2, 1)][:nd]
    padded = F.pad(torch.from_numpy(x), [v for pair in reversed(zeros) for v in pair])
    reference = TORCH_F[nd](padded, *map(torch.from_numpy, (w, b)), 1, 0, dilation, 5)
    ours = depthwise(x, w, b, dilation, np.dtype(np.float32), cells, zeros)
    assert ours.shape == tuple(reference.shape)
    assert_matches(ours, reference, "float32", w[0].size)


NARROW_INTS = ["int8", "int16", "int32", "uint8"]


@pytest.mark.parametrize("dtype", [*NARROW_INTS, "int64"])
@pytest.mark.parametrize(("nd", "dilation"), [(1, 1), (1, 2), (2, 1), (2, (1, 2)), (3, 2)])
def test_integer_dtypes_refused_exactly_where_torch_has_no_kernel(dtype, nd, dilation):
    """torch on CPU has no dilated kernel for int8/16/32, uint8 (int64 it has): convviz
    refuses the same calls, with a TypeError naming the dtype and the dilation."""
    x = (np.arange(2 * 3 * 5**nd) % 7).reshape(2, 3, *[5] * nd).astype(dtype)
    w = (np.arange(2 * 3 * 2**nd) % 3).reshape(2, 3, *[2] * nd).astype(dtype)
    reference, torch_error = outcome(
        TORCH_F[nd], torch.from_numpy(x), torch.from_numpy(w), None, 1, 0, dilation
    )
    refused = dtype in NARROW_INTS and np.max(dilation) > 1
    assert (torch_error is not None) == refused  # what torch 2.13 does, checked here
    for fn in (OURS[nd], LOOPS[nd]):
        ours, our_error = outcome(fn, x, w, dilation=dilation)
        if refused:
            assert isinstance(our_error, TypeError)
            assert dtype in str(our_error) and "dilation" in str(our_error)
        else:
            np.testing.assert_array_equal(ours, reference.numpy())
            assert ours.dtype == x.dtype


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stride": 2, "padding": 1, "groups": 2}, {"padding": "same", "dilation": 2}],
)
def test_an_empty_batch_gives_torchs_shape(nd, kwargs):
    x = np.zeros((0, 4, *[5] * nd))
    w = np.ones((6, 4 // kwargs.get("groups", 1), *[3] * nd))
    b = np.ones(6)
    expected = TORCH_F[nd](*map(torch.from_numpy, (x, w, b)), **kwargs)
    for fn in (OURS[nd], LOOPS[nd]):
        ours = fn(x, w, b, **kwargs)
        assert ours.shape == tuple(expected.shape) and ours.dtype == x.dtype
