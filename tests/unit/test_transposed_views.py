"""The stamps and the direct form of a transposed convolution, against torch and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@settings(max_examples=60, deadline=None)
@given(
    nd=st.integers(1, 3),
    i=st.integers(1, 4),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p=st.integers(0, 3),
    d=st.integers(1, 2),
    a=st.integers(0, 2),
    c_in=st.integers(1, 2),
    c_out=st.integers(1, 2),
    seed=st.integers(0, 2**31 - 1),
)
def test_direct_form_is_torchs_transposed_convolution(nd, i, k, s, p, d, a, c_in, c_out, seed):
    assume(a < max(s, d))
    assume(cv.is_valid_conv_transpose((i,) * nd, k, s, p, a, d))
    assume(cv.conv_transpose_output_size(i, k, s, p, a, d) > 0)  # torch float64 refuses 0
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, c_in, *(i,) * nd))
    w = rng.normal(size=(c_in, c_out, *(k,) * nd))
    ref = _CONV_T[nd](
        torch.from_numpy(x), torch.from_numpy(w), stride=s, padding=p, output_padding=a, dilation=d
    ).numpy()
    xin = cv.direct_conv_input(x, k, s, p, a, d)
    direct = _CONV[nd](
        torch.from_numpy(xin), torch.from_numpy(cv.direct_conv_weight(w)), dilation=d
    ).numpy()
    np.testing.assert_allclose(direct, ref, atol=1e-10)


def test_direct_input_by_hand():
    """Zeros inserted, padded by k - 1 - p (plus a at the end), written out with numpy."""
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    for s, p, a in [(1, 0, 0), (2, 0, 0), (2, 1, 0), (2, 1, 1), (3, 2, 2)]:
        spread = np.zeros(((2 - 1) * s + 1,) * 2)
        spread[::s, ::s] = x
        lead = 3 - 1 - p
        expected = np.pad(spread, ((lead, lead + a), (lead, lead + a)))
        got = cv.direct_conv_input(x[None, None], 3, s, p, a)[0, 0]
        np.testing.assert_array_equal(got, expected)


def test_direct_input_crops_when_padding_exceeds_the_kernel_span():
    x = np.arange(1.0, 6.0)[None, None]  # 5 cells, k = 2, p = 3: p' = 1 - 3 = -2
    got = cv.direct_conv_input(x, 2, stride=2, padding=3)[0, 0]
    spread = np.zeros(9)
    spread[::2] = x[0, 0]
    np.testing.assert_array_equal(got, spread[2:-2])


def test_direct_weight_is_flipped_and_channel_swapped():
    w = np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2)
    got = cv.direct_conv_weight(w)
    assert got.shape == (3, 2, 2, 2)
    for c in range(2):
        for o in range(3):
            np.testing.assert_array_equal(got[o, c], w[c, o, ::-1, ::-1])


@settings(max_examples=60, deadline=None)
@given(
    nd=st.integers(1, 3),
    i=st.integers(1, 4),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_stamps_add_up_to_torch_and_each_is_one_cell_scattered(nd, i, k, s, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(i,) * nd)
    w = rng.normal(size=(k,) * nd)
    stamps = cv.transposed_stamps(x, w, s)
    ref = _CONV_T[nd](torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], stride=s)[
        0, 0
    ].numpy()
    assert stamps.shape == (x.size, *ref.shape)
    np.testing.assert_allclose(stamps.sum(axis=0), ref, atol=1e-12)
    for j, cell in enumerate(np.ndindex(*x.shape)):  # brute force: a one-hot input
        one = np.zeros_like(x)
        one[cell] = x[cell]
        alone = _CONV_T[nd](
            torch.from_numpy(one)[None, None], torch.from_numpy(w)[None, None], stride=s
        )[0, 0].numpy()
        np.testing.assert_allclose(stamps[j], alone, atol=1e-12)


def test_stamps_cropped_by_padding_are_torchs_output():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    w = np.array([[1.0, 2.0, -1.0], [-2.0, 1.0, 3.0], [1.0, 2.0, 1.0]])
    full = cv.transposed_stamps(x, w, 2).sum(axis=0)
    ref = F.conv_transpose2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], stride=2, padding=1
    )[0, 0].numpy()
    np.testing.assert_allclose(full[1:-1, 1:-1], ref)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cv.direct_conv_input(np.ones((1, 1)), 3), "x must have 2 leading axes"),
        (lambda: cv.direct_conv_input(np.ones((1, 1, 4)), 0), "kernel_size must be >= 1"),
        (
            lambda: cv.direct_conv_input(np.ones((1, 1, 4)), 3, 2, output_padding=2),
            "output_padding must be smaller than stride or dilation",
        ),
        (lambda: cv.direct_conv_input(np.ones((1, 1, 4)), 3, padding=-1), "padding must be >= 0"),
        (lambda: cv.direct_conv_weight(np.ones((3, 3))), "weight must have 2 leading axes"),
        (lambda: cv.transposed_stamps(np.ones((2, 2)), np.ones(3)), "weight must have as many"),
        (lambda: cv.transposed_stamps(np.ones((2, 0)), np.ones((3, 3))), "must not be empty"),
        (lambda: cv.transposed_stamps(np.ones(3), np.ones(3), 0), "stride must be >= 1"),
        (lambda: cv.transposed_stamps(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1))), "x must have"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_non_integer_stride_is_a_type_error():
    with pytest.raises(TypeError, match="stride"):
        cv.transposed_stamps(np.ones(3), np.ones(3), 1.5)
    with pytest.raises(TypeError, match="x must be a numeric array"):
        cv.direct_conv_input(np.array([["a"]]), 1)


def test_upsample_direct_view_names_its_inserted_zeros_only_when_there_are_some():
    """Stride 1 inserts no zeros: the panel said "x with 0 zeros between cells (dotted)"."""
    from convviz.figures import transposed

    for name, case in transposed.UPSAMPLE_CASES.items():
        built = transposed._upsample_build(case)
        labels = [p["label"] for p in built["views"][0]["panels"]]
        assert not any("0 zeros" in label for label in labels), (name, labels)
        s = case[0]
        want = "stride 1 inserts no zeros" if s == 1 else f"{s - 1} zero"
        assert want in labels[0], (name, labels[0])
