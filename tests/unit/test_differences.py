"""Every deliberate difference from torch, NumPy and SciPy, as ``book/differences.md`` lists them.

Each test asserts both sides: what the library does (so a change there is noticed)
and what convviz does instead. The page names each test; the last test checks that
the page and this file list the same ones.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from torch import nn

import convviz as cv

PAGE = Path(__file__).resolve().parents[2] / "book" / "differences.md"


# -- torch ------------------------------------------------------------------------


def test_negative_padding_is_refused_in_every_padding_mode():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    w = np.ones((1, 1, 3, 3))
    layer = nn.Conv2d(1, 1, 3, padding=-1, padding_mode="reflect", bias=False)
    assert tuple(layer(torch.from_numpy(x).float()).shape) == (1, 1, 2, 2)  # torch crops
    with pytest.raises(RuntimeError):
        F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=-1)  # F.conv2d refuses
    for mode in ("zeros", "reflect", "replicate", "circular"):
        with pytest.raises(ValueError, match=r"padding must be >= 0, got padding=-1"):
            cv.conv2d(x, w, padding=-1, padding_mode=mode)


def test_arguments_are_checked_on_an_empty_batch_too():
    x = np.zeros((0, 1, 4, 4), dtype=np.float32)
    w = np.ones((1, 1, 3, 3), dtype=np.float32)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), dilation=0)
    assert tuple(out.shape) == (0, 1, 4, 4)  # torch skips the check: nothing to compute
    with pytest.raises(ValueError, match=r"dilation must be >= 1, got dilation=0"):
        cv.conv2d(x, w, dilation=0)
    # the transposed convolution skips its output_padding check the same way
    out = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), output_padding=2)
    assert tuple(out.shape) == (0, 1, 8, 8)
    with pytest.raises(ValueError, match=r"output_padding must be smaller than either stride"):
        cv.conv_transpose2d(x, w, output_padding=2)
    # with valid arguments an empty batch is accepted, as by torch (test_empty_batch.py)
    assert cv.conv2d(x, w).shape == tuple(F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).shape)


def test_a_weight_with_an_empty_axis_is_refused():
    x = np.zeros((1, 0, 4, 4), dtype=np.float32)
    w = np.zeros((1, 0, 3, 3), dtype=np.float32)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w))
    assert tuple(out.shape) == (1, 0, 2, 2)  # torch: no output channel, though C_out = 1
    with pytest.raises(ValueError, match=r"weight must have no empty axis"):
        cv.conv2d(x, w)


def test_a_circular_pad_that_crops_an_axis_to_nothing_is_refused():
    x = np.zeros((1, 1, 2), dtype=np.float32)
    # torch crops both cells, then wraps "what is left" into a cell it never writes
    assert tuple(F.pad(torch.from_numpy(x), (-2, 1), mode="circular").shape) == (1, 1, 1)
    with pytest.raises(ValueError, match=r"leaves none of axis"):
        cv.pad(x, (-2, 1), mode="circular")


def test_a_circular_wrap_longer_than_the_kept_cells_repeats_them():
    x = np.arange(6.0).reshape(1, 2, 3, 1)
    pad = (0, 0, 2, -2)  # keep 1 cell of the height axis, then wrap 2 cells before it
    # torch accepts, but fills part of the result from cells of its output not yet
    # written (uninitialised memory); only the shape can be compared
    assert tuple(F.pad(torch.from_numpy(x), pad, mode="circular").shape) == (1, 2, 3, 1)
    expected = np.pad(x[:, :, :1, :], [(0, 0), (0, 0), (2, 0), (0, 0)], mode="wrap")
    np.testing.assert_array_equal(cv.pad(x, pad, mode="circular"), expected)


def test_a_reflect_crop_past_the_axis_is_refused_on_an_empty_batch():
    x = np.zeros((0, 1, 1, 1), dtype=np.float32)
    out = F.pad(torch.from_numpy(x), (0, 0, 0, -2), mode="reflect")
    assert tuple(out.shape) == (0, 1, -1, 1)  # a negative axis length
    with pytest.raises(ValueError, match=r"leaves -1 cells of axis 2"):
        cv.pad(x, (0, 0, 0, -2), mode="reflect")


def test_narrow_integers_are_refused_on_an_empty_batch_too():
    w = np.ones((1, 1, 2, 2), dtype=np.int8)
    for n, accepted in ((0, True), (1, False)):
        x = torch.zeros((n, 1, 5, 5), dtype=torch.int8)
        for call in (
            lambda x: F.conv2d(x, torch.from_numpy(w), dilation=2),
            lambda x: F.conv_transpose2d(x, torch.from_numpy(w)),
        ):
            if accepted:  # nothing to compute: torch skips the dtype check
                assert call(x).shape[0] == 0
            else:  # torch has no dilated or transposed kernel for int8
                with pytest.raises(NotImplementedError):
                    call(x)
        with pytest.raises(TypeError, match=r"conv2d with dilation=\(2, 2\) does not support"):
            cv.conv2d(x.numpy(), w, dilation=2)
        with pytest.raises(TypeError, match=r"conv_transpose2d does not support x of dtype int8"):
            cv.conv_transpose2d(x.numpy(), w)
    # int64 has both kernels in torch, and convviz accepts it on an empty batch as torch does
    x64 = np.zeros((0, 1, 5, 5), dtype=np.int64)
    assert cv.conv2d(x64, w.astype(np.int64), dilation=2).shape == (0, 1, 3, 3)


def test_a_transposed_output_of_size_0_is_empty_in_every_dtype():
    # length 1, kernel 2, stride 2, padding 1: o = (1 - 1) 2 - 2 + 2 = 0
    # torch runs oneDNN for float32 here only because the batch is above 1, and for float16
    # only where oneDNN has fp16 on this CPU (x86 with AVX-512 FP16); its slow kernels refuse
    fp16_onednn = torch.ops.mkldnn._is_mkldnn_fp16_supported()
    for batch, dtype, answers in (
        (2, np.float32, True),
        (1, np.float32, False),
        (2, np.float64, False),
        (2, np.float16, fp16_onednn),
        (2, np.int64, False),
    ):
        x = torch.from_numpy(np.ones((batch, 1, 1), dtype=dtype))
        w = torch.from_numpy(np.ones((1, 3, 2), dtype=dtype))
        ours = cv.conv_transpose1d(x.numpy(), w.numpy(), stride=2, padding=1)
        assert ours.shape == (batch, 3, 0) and ours.dtype == dtype
        if answers:  # oneDNN returns the empty result
            out = F.conv_transpose1d(x, w, stride=2, padding=1)
            assert tuple(out.shape) == ours.shape
        else:
            with pytest.raises(RuntimeError, match=r"Output size is too small"):
                F.conv_transpose1d(x, w, stride=2, padding=1)
    assert cv.conv_transpose_output_size(1, 2, stride=2, padding=1) == 0


def test_pixel_unshuffle_of_an_empty_batch_has_the_shape_of_the_formula():
    x = np.zeros((0, 4, 4, 6), dtype=np.float32)
    # torch returns an empty input unchanged, whatever the factor
    assert tuple(F.pixel_unshuffle(torch.from_numpy(x), 2).shape) == (0, 4, 4, 6)
    assert tuple(F.pixel_unshuffle(torch.ones(1, 4, 4, 6), 2).shape) == (1, 16, 2, 3)
    assert cv.pixel_unshuffle(x, 2).shape == (0, 16, 2, 3)
    assert cv.pixel_unshuffle_loop(x, 2).shape == (0, 16, 2, 3)
    # pixel_shuffle of an empty batch already has the formula's shape in torch
    assert cv.pixel_shuffle(x, 2).shape == tuple(F.pixel_shuffle(torch.from_numpy(x), 2).shape)


def test_the_gradients_take_the_string_paddings_of_the_forward_convolution():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 4))  # 'same' along the columns: 1 zero left, 2 right
    for padding in ("same", "valid"):
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch: 'same' with an even kernel copies x
            y = F.conv2d(xt, wt, padding=padding)  # the forward convolution takes both
        gy = rng.standard_normal(tuple(y.shape))
        y.backward(torch.tensor(gy))
        with pytest.raises(RuntimeError):  # torch.nn.grad takes integers only
            torch.nn.grad.conv2d_input(x.shape, wt.detach(), torch.tensor(gy), padding=padding)
        with pytest.raises(RuntimeError):
            torch.nn.grad.conv2d_weight(xt.detach(), w.shape, torch.tensor(gy), padding=padding)
        gx = cv.grad.conv2d_input(x.shape, w, gy, padding=padding)
        gw = cv.grad.conv2d_weight(x, w.shape, gy, padding=padding)
        np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-12, atol=1e-12)


# -- NumPy and SciPy (convviz.signal) ----------------------------------------------


def test_integer_signals_are_convolved_in_float64():
    x, w = np.array([100, 50], dtype=np.int8), np.array([2, 1], dtype=np.int8)
    wrapped = np.convolve(x, w)
    assert wrapped.dtype == np.int8 and wrapped[0] == -56  # 200 wraps around in int8
    ours = cv.convolve1d(x, w)
    assert ours.dtype == np.float64
    np.testing.assert_array_equal(ours, [200.0, 200.0, 50.0])
    assert scipy.signal.convolve2d([[1, 2]], [[3]]).dtype.kind == "i"
    assert cv.convolve2d([[1, 2]], [[3]]).dtype == np.float64


def test_complex_signals_are_refused():
    x, w = np.array([1.0, 2j]), np.array([1.0, 1j])
    assert np.correlate(x, w)[0] == 1 + 2  # NumPy conjugates w: 1 * 1 + 2j * conj(1j)
    with pytest.raises(TypeError, match=r"x must hold real numbers, got dtype complex128"):
        cv.correlate1d(x, w)
    assert scipy.signal.correlate2d([[1, 2j]], [[1j]]).dtype.kind == "c"
    with pytest.raises(TypeError, match=r"x must hold real numbers"):
        cv.correlate2d([[1, 2j]], [[1j]])


def test_mode_is_a_name_not_a_number():
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])
    np.testing.assert_array_equal(np.convolve(x, w, 1), np.convolve(x, w, "same"))
    with pytest.raises(TypeError, match=r"mode must be a string.*got mode=1 of type int"):
        cv.convolve1d(x, w, 1)


def test_empty_2d_input_is_refused():
    assert scipy.signal.convolve2d(np.ones((0, 2)), np.ones((1, 1))).size == 0
    np.testing.assert_array_equal(
        scipy.signal.correlate2d(np.ones((2, 2)), np.ones((0, 1))), [[0.0, 0.0]]
    )
    with pytest.raises(ValueError, match=r"x must not be empty"):
        cv.convolve2d(np.ones((0, 2)), np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"w must not be empty"):
        cv.correlate2d(np.ones((2, 2)), np.ones((0, 1)))
    with pytest.raises(ValueError):  # NumPy refuses in 1D, as convviz does
        np.convolve(np.ones(0), np.ones(1))


def test_valid_2d_with_a_kernel_larger_than_the_image_is_refused():
    image, kernel = np.arange(2.0).reshape(1, 2), np.arange(6.0).reshape(2, 3)
    swapped = scipy.signal.correlate2d(image, kernel, "valid")
    assert swapped.shape == (2, 2)  # SciPy slides the image over the kernel instead
    with pytest.raises(ValueError, match=r"kernel to fit inside the image"):
        cv.correlate2d(image, kernel, "valid")


# -- the page ------------------------------------------------------------------------


def test_the_page_lists_every_test_of_this_file():
    text = PAGE.read_text()
    on_page = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    here = {
        name
        for name in globals()
        if name.startswith("test_") and name != "test_the_page_lists_every_test_of_this_file"
    }
    assert on_page == here, (sorted(here - on_page), sorted(on_page - here))
