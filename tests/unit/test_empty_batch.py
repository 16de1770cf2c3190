"""Every operation on an empty batch (N = 0): torch returns an empty result of the
shape the formulas give, and so do convviz's vectorised and loop versions.

The random tests elsewhere let convviz refuse where torch accepts an empty input
(torch skips some checks when there is nothing to compute); with every other
argument valid, an empty batch must be accepted, so here it is checked on its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


def _same_empty(ours: np.ndarray, reference: torch.Tensor) -> None:
    assert isinstance(ours, np.ndarray), type(ours)
    assert ours.shape == tuple(reference.shape), (ours.shape, tuple(reference.shape))
    assert ours.dtype == reference.numpy().dtype, (ours.dtype, reference.dtype)
    assert ours.size == 0


def test_unfold_of_an_empty_batch_from_the_report() -> None:
    # the case of the bug report: torch and unfold_loop give (0, 1, 4), unfold raised
    x = np.zeros((0, 1, 2, 2))
    assert cv.unfold(x, 1).shape == (0, 1, 4)
    assert cv.unfold_loop(x, 1).shape == (0, 1, 4)
    assert tuple(F.unfold(torch.from_numpy(x), 1).shape) == (0, 1, 4)


@settings(max_examples=40, deadline=None)
@given(
    channels=st.integers(1, 3),
    size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dtype=st.sampled_from(["float64", "float32", "complex128", "bool"]),
)
def test_unfold_and_fold_of_an_empty_batch(
    channels, size, kernel, dilation, padding, stride, dtype
):
    params = {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if any(sp > i + 2 * p for sp, i, p in zip(span, size, padding, strict=True)):
        return  # no window fits: both refuse, whatever the batch
    x = np.zeros((0, channels, *size), dtype=dtype)
    reference = F.unfold(torch.from_numpy(x), **params)
    for unfold in (cv.unfold, cv.unfold_loop):
        _same_empty(unfold(x, **params), reference)
    cols = np.zeros(tuple(reference.shape), dtype=dtype)
    reference = F.fold(torch.from_numpy(cols), size, **params)
    for fold in (cv.fold, cv.fold_loop):
        _same_empty(fold(cols, size, **params), reference)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"stride": 2, "padding": 1},
        {"dilation": 2, "groups": 2},
        {"padding": "same"},
    ],
)
def test_convolutions_of_an_empty_batch(nd, loop, params) -> None:
    x = np.zeros((0, 4) + (5,) * nd, dtype=np.float32)
    w = np.ones((6, 4 // params.get("groups", 1)) + (2,) * nd, dtype=np.float32)
    b = np.ones(6, dtype=np.float32)
    ours = getattr(cv, f"conv{nd}d" + "_loop" * loop)(x, w, b, **params)
    with warnings.catch_warnings():  # torch warns that 'same' with an even kernel copies x
        warnings.simplefilter("ignore", UserWarning)
        reference = getattr(F, f"conv{nd}d")(
            torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **params
        )
    _same_empty(ours, reference)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize(
    "params",
    [{}, {"stride": 2, "padding": 1, "output_padding": 1}, {"dilation": 2, "groups": 2}],
)
def test_transposed_convolutions_of_an_empty_batch(nd, loop, params) -> None:
    x = np.zeros((0, 4) + (3,) * nd, dtype=np.float64)
    w = np.ones((4, 6 // params.get("groups", 1)) + (2,) * nd, dtype=np.float64)
    ours = getattr(cv, f"conv_transpose{nd}d" + "_loop" * loop)(x, w, **params)
    reference = getattr(F, f"conv_transpose{nd}d")(
        torch.from_numpy(x), torch.from_numpy(w), **params
    )
    _same_empty(ours, reference)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize(
    ("shape", "padding"),
    [((0, 2, 4), (1, 2)), ((0, 2, 3, 4), (1, 0, 2, 1)), ((0, 1, 3, 3, 3), (1,) * 6)],
)
def test_pad_of_an_empty_batch(mode, loop, shape, padding) -> None:
    x = np.zeros(shape, dtype=np.float32)
    ours = (cv.pad_loop if loop else cv.pad)(x, padding, mode=mode)
    _same_empty(ours, F.pad(torch.from_numpy(x), padding, mode=mode))


@pytest.mark.parametrize("loop", [False, True])
# a 2-d (0, 6) is refused by both: channel_shuffle needs (N, C, *)
@pytest.mark.parametrize("shape", [(0, 6, 3), (0, 6, 2, 2), (0, 6, 1, 2, 3)])
def test_channel_shuffle_of_an_empty_batch(loop, shape) -> None:
    x = np.zeros(shape, dtype=np.float32)
    ours = (cv.channel_shuffle_loop if loop else cv.channel_shuffle)(x, 3)
    _same_empty(ours, F.channel_shuffle(torch.from_numpy(x), 3))


_POOL_AND_RESAMPLE = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 2, stride=1, padding=1)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, stride=1, padding=1)),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2)),
    ("upsample_nearest", lambda x: F.interpolate(x, scale_factor=2, mode="nearest")),
    (
        "upsample_bilinear",
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
    ),
]
_OUR_ARGS = {
    "max_pool2d": lambda fn, x: fn(x, 2, stride=1, padding=1),
    "avg_pool2d": lambda fn, x: fn(x, 2, stride=1, padding=1),
    "pixel_shuffle": lambda fn, x: fn(x, 2),
    "upsample_nearest": lambda fn, x: fn(x, 2),
    "upsample_bilinear": lambda fn, x: fn(x, 2),
}


@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize(("name", "torch_call"), _POOL_AND_RESAMPLE)
def test_pooling_and_resampling_of_an_empty_batch(name, torch_call, loop) -> None:
    # pixel_unshuffle is a deliberate difference (book/differences.md)
    x = np.zeros((0, 4, 3, 5), dtype=np.float32)
    ours = _OUR_ARGS[name](getattr(cv, name + "_loop" * loop), x)
    _same_empty(ours, torch_call(torch.from_numpy(x)))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    ("kind", "loop"),
    [
        ("input", False),
        ("input", True),
        ("weight", False),
        ("weight", True),
    ],
)
def test_gradients_of_an_empty_batch(nd, kind, loop) -> None:
    from torch.nn import grad as torch_grad

    x = np.zeros((0, 2) + (5,) * nd)
    w = np.ones((3, 2) + (3,) * nd)
    gy = np.zeros((0, 3) + (3,) * nd)
    name = f"conv{nd}d_{kind}"
    ours_fn = getattr(cv.grad, name + "_loop" * loop)
    theirs_fn = getattr(torch_grad, name)
    if kind == "input":
        ours = ours_fn(x.shape, w, gy)
        reference = theirs_fn(x.shape, torch.from_numpy(w), torch.from_numpy(gy))
        _same_empty(ours, reference)
    else:  # the weight gradient of no sample is zero, of the weight's shape
        ours = ours_fn(x, w.shape, gy)
        reference = theirs_fn(torch.from_numpy(x), w.shape, torch.from_numpy(gy))
        assert ours.shape == tuple(reference.shape) == w.shape
        np.testing.assert_array_equal(ours, reference.numpy())
