"""Unread input cells, per axis and as a mask, checked against torch's gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv
from convviz.shapes import unread_cells, unread_mask

axis = st.tuples(
    st.integers(1, 9), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), st.integers(1, 3)
)


def torch_unread(shape, k, s, p, d) -> np.ndarray:
    """Cells whose gradient is exactly zero after a conv with an all-ones kernel."""
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d}[len(shape)]
    x = torch.zeros(1, 1, *shape, dtype=torch.float64, requires_grad=True)
    w = torch.ones(1, 1, *k, dtype=torch.float64)
    conv(x, w, stride=s, padding=p, dilation=d).sum().backward()
    return (x.grad[0, 0] == 0).numpy()


@settings(max_examples=60, deadline=None)
@given(axis, axis)
def test_unread_mask_matches_torch_gradients_2d(row, col):
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = row, col
    assume(h + 2 * ph >= dh * (kh - 1) + 1 and w + 2 * pw >= dw * (kw - 1) + 1)
    args = ((kh, kw), (sh, sw), (ph, pw), (dh, dw))
    expected = torch_unread((h, w), *args)
    mask = unread_mask((h, w), *args)
    assert mask.shape == (h, w) and mask.dtype == bool
    np.testing.assert_array_equal(mask, expected)
    # per axis: each list is the 1D convolution's unread cells, by torch along that axis
    rows, cols = unread_cells((h, w), *args)
    assert rows == np.flatnonzero(torch_unread((h,), (kh,), sh, ph, dh)).tolist()
    assert cols == np.flatnonzero(torch_unread((w,), (kw,), sw, pw, dw)).tolist()


def test_per_axis_form_broadcasts_ints_and_matches_the_1d_form():
    assert unread_cells((5, 6), 2, stride=2) == ([4], [])
    assert unread_cells((9,), 3, 2, 0, 2) == ([1, 3, 5, 7],)
    assert unread_cells(5, 2, stride=2) == [4]  # an int size keeps the flat list
    # the chapter 2 case: a 2x2 kernel at stride 2 on 5x5 misses the last row and column
    mask = cv.unread_mask((5, 5), 2, stride=2)
    assert int(mask.sum()) == 5 + 5 - 1
    assert mask[4].all() and mask[:, 4].all() and not mask[:4, :4].any()


def test_unread_mask_3d_against_brute_force():
    shape, k, s = (4, 5, 3), (1, 2, 3), (3, 2, 1)
    read = np.zeros(shape, dtype=bool)
    for a in range(0, shape[0] - k[0] + 1, s[0]):
        for b in range(0, shape[1] - k[1] + 1, s[1]):
            for c in range(0, shape[2] - k[2] + 1, s[2]):
                read[a : a + k[0], b : b + k[1], c : c + k[2]] = True
    np.testing.assert_array_equal(unread_mask(shape, k, s), ~read)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: unread_cells((5, 5), (2, 2, 2)), ValueError, "kernel_size"),
        (lambda: unread_cells((5, 5), 2, stride=(1,)), ValueError, "stride"),
        (lambda: unread_cells(5, 2, padding=-1), ValueError, "padding=-1"),
        (lambda: unread_cells(5, 2.0), TypeError, "kernel_size"),
        (lambda: unread_cells(0, 1), ValueError, "size"),
        (lambda: unread_cells((3, 5), (4, 2)), ValueError, "kernel_size=4"),
        (lambda: unread_mask((5, 5, 5, 5), 1), ValueError, "input_shape"),
        (lambda: unread_mask((5, "5"), 1), TypeError, "input_shape"),
    ],
)
def test_bad_arguments_name_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()
