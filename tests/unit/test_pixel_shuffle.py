"""pixel_shuffle / pixel_unshuffle (and their loops) against F.pixel_shuffle / F.pixel_unshuffle."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import outcome, random_array

import convviz as cv

shapes = st.lists(st.integers(0, 6), min_size=1, max_size=5).map(tuple)
factors = st.integers(-1, 3)
kinds = st.sampled_from(["float32", "float64", "int64", "bool"])


def assert_same_acceptance(reference, torch_error, ours, our_error, *, empty):
    """Both refuse (ours naming x or the factor), or both accept (then True)."""
    if torch_error is not None:
        assert isinstance(our_error, (ValueError, TypeError)), (torch_error, our_error)
        assert re.search(r"\b(x|upscale_factor|downscale_factor)\b", str(our_error)), our_error
        return False
    if our_error is not None:
        assert empty, f"torch accepted but convviz refused: {our_error!r}"
        return False
    return True


@settings(max_examples=60, deadline=None)
@given(shapes, factors, kinds, st.integers(0, 2**32 - 1))
def test_pixel_shuffle_matches_torch(shape, r, dtype, seed):
    x = random_array(np.random.default_rng(seed), shape, dtype)
    reference, torch_error = outcome(F.pixel_shuffle, torch.from_numpy(x), r)
    ours, our_error = outcome(cv.pixel_shuffle, x, r)
    if assert_same_acceptance(reference, torch_error, ours, our_error, empty=x.size == 0):
        assert ours.dtype == x.dtype
        np.testing.assert_array_equal(ours, reference.numpy())
        np.testing.assert_array_equal(cv.pixel_shuffle_loop(x, r), ours)


@settings(max_examples=60, deadline=None)
@given(shapes, factors, kinds, st.integers(0, 2**32 - 1))
def test_pixel_unshuffle_matches_torch(shape, r, dtype, seed):
    x = random_array(np.random.default_rng(seed), shape, dtype)
    reference, torch_error = outcome(F.pixel_unshuffle, torch.from_numpy(x), r)
    ours, our_error = outcome(cv.pixel_unshuffle, x, r)
    empty = x.size == 0
    if assert_same_acceptance(reference, torch_error, ours, our_error, empty=empty):
        np.testing.assert_array_equal(cv.pixel_unshuffle_loop(x, r), ours)
        if not empty:  # torch returns an empty input unchanged, whatever its shape
            np.testing.assert_array_equal(ours, reference.numpy())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_valid_shapes_roundtrip_and_match(lead, c, r, h, w, seed):
    """Always-valid shapes (with and without batch axes): equal to torch, and inverses."""
    x = np.random.default_rng(seed).normal(size=(*lead, c * r * r, h, w))
    up = cv.pixel_shuffle(x, r)
    assert up.shape == (*lead, c, h * r, w * r)
    np.testing.assert_array_equal(up, F.pixel_shuffle(torch.from_numpy(x), r).numpy())
    np.testing.assert_array_equal(cv.pixel_unshuffle(up, r), x)
    down = F.pixel_unshuffle(torch.from_numpy(up), r).numpy()
    np.testing.assert_array_equal(cv.pixel_unshuffle(up, r), down)


def test_block_layout():
    # 4 channels of one value each become the 2x2 blocks 0 1 / 2 3
    x = np.arange(4).reshape(4, 1, 1) * np.ones((4, 2, 2), dtype=int)
    np.testing.assert_array_equal(
        cv.pixel_shuffle(x, 2)[0], [[0, 1, 0, 1], [2, 3, 2, 3], [0, 1, 0, 1], [2, 3, 2, 3]]
    )


@pytest.mark.parametrize(
    ("fn", "x", "r", "error", "word"),
    [
        (cv.pixel_shuffle, np.zeros((4, 2)), 2, ValueError, "x"),
        (cv.pixel_shuffle, np.zeros((1, 5, 2, 2)), 2, ValueError, "upscale_factor"),
        (cv.pixel_shuffle, np.zeros((1, 4, 2, 2)), 0, ValueError, "upscale_factor"),
        (cv.pixel_shuffle, np.zeros((1, 4, 2, 2)), True, TypeError, "upscale_factor"),
        (cv.pixel_shuffle, np.zeros((1, 4, 2, 2)), 2.0, TypeError, "upscale_factor"),
        (cv.pixel_unshuffle, np.zeros((1, 1, 3, 4)), 2, ValueError, "downscale_factor"),
        (cv.pixel_unshuffle, np.zeros((1, 1, 4, 4)), -1, ValueError, "downscale_factor"),
    ],
)
def test_errors_name_the_argument(fn, x, r, error, word):
    with pytest.raises(error, match=word):
        fn(x, r)
