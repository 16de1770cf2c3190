"""The matrix view of convolution, checked against torch convolutions and autograd."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CONV, CONV_T

from convviz.matrix import (
    conv_input_gradient,
    conv_matrix,
    conv_transpose_matrix,
    conv_transpose_triples,
    conv_triples,
    conv_triples_loop,
    gram_is_identity,
    transpose_roundtrip,
)
from convviz.shapes import is_valid_conv, output_padding_for


def tconv(x, w, **kw):
    """torch convolution of one image (no batch axis) in float64, as NumPy."""
    n = x.ndim - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # even kernels with padding='same'
        return CONV[n](torch.from_numpy(x)[None], torch.from_numpy(w), **kw)[0].numpy()


def tconv_t(y, w, **kw):
    n = y.ndim - 1
    return CONV_T[n](torch.from_numpy(y)[None], torch.from_numpy(w), **kw)[0].numpy()


@st.composite
def conv_cases(draw, string_padding=True):
    """A valid convolution: shapes, settings and random float64 data."""
    n = draw(st.integers(1, 3))
    big = {1: 9, 2: 6, 3: 4}[n]
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    spatial = tuple(draw(st.lists(st.integers(1, big), min_size=n, max_size=n)))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)))
    paddings = st.tuples(*[st.integers(0, 2)] * n)
    if string_padding:
        paddings = st.one_of(paddings, st.sampled_from(["same", "valid"]))
    padding = draw(paddings)
    assume(is_valid_conv(spatial, kernel, stride, padding, dilation))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(c_in, *spatial))
    w = rng.normal(size=(c_out, c_in // groups, *kernel))
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x, w, kw, rng


@settings(max_examples=120, deadline=None)
@given(conv_cases())
def test_matrix_times_input_is_the_convolution(case):
    x, w, kw, _ = case
    c = conv_matrix(x.shape, w, **kw)
    y = tconv(x, w, **kw)
    assert c.shape == (y.size, x.size)
    np.testing.assert_allclose(c @ x.ravel(), y.ravel(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv_matrix(x.shape, w, dense=True, **kw), c.toarray())


@settings(max_examples=120, deadline=None)
@given(conv_cases(string_padding=False))
def test_matrix_transpose_is_the_transposed_convolution(case):
    x, w, kw, rng = case
    c = conv_matrix(x.shape, w, **kw)
    y_shape = tconv(x, w, **kw).shape
    g = rng.normal(size=y_shape)
    a = output_padding_for(y_shape[1:], x.shape[1:], w.shape[2:], kw["stride"],
                           kw["padding"], kw["dilation"])  # fmt: skip
    expected = tconv_t(g, w, output_padding=a, **kw)
    assert expected.shape == x.shape
    np.testing.assert_allclose(c.T @ g.ravel(), expected.ravel(), rtol=1e-10, atol=1e-10)
    # The same matrix, built from the transposed side.
    t = conv_transpose_matrix(g.shape, w, kw["stride"], kw["padding"], a, kw["groups"],
                              kw["dilation"])  # fmt: skip
    assert (t != c.T).nnz == 0


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 2),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.data(),
)
def test_conv_transpose_matrix_matches_torch_for_any_output_padding(groups, spatial, data):
    n = len(spatial)
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    dilation = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    padding = tuple(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    # output_padding may reach up to max(stride, dilation) - 1, beyond the stride.
    a = tuple(
        data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    y = rng.normal(size=(groups * 2, *spatial))
    w = rng.normal(size=(groups * 2, data.draw(st.integers(1, 2)), *kernel))
    kw = dict(stride=stride, padding=padding, output_padding=a, groups=groups, dilation=dilation)
    try:
        expected = tconv_t(y, w, **kw)
    except RuntimeError:
        assume(False)
    assume(0 not in expected.shape)
    t = conv_transpose_matrix(y.shape, w, **kw)
    np.testing.assert_allclose(t @ y.ravel(), expected.ravel(), rtol=1e-10, atol=1e-10)


def one_hot_jacobians(x_shape, w_shape, kw):
    """For each weight index j, the 0/1 matrix of conv with the one-hot weight e_j (torch)."""
    eye = np.eye(int(np.prod(x_shape))).reshape(-1, *x_shape)
    n = len(x_shape) - 1
    out = {}
    for j in range(int(np.prod(w_shape))):
        w = np.zeros(int(np.prod(w_shape)))
        w[j] = 1.0
        cols = CONV[n](torch.from_numpy(eye), torch.from_numpy(w.reshape(w_shape)), **kw)
        out[j] = cols.reshape(cols.shape[0], -1).numpy().T  # (outputs, inputs)
    return out


@settings(max_examples=40, deadline=None)
@given(conv_cases(string_padding=False))
def test_triples_are_exactly_the_taps_torch_uses(case):
    x, w, kw, _ = case
    assume(x.size * w.size <= 3000)
    triples = conv_triples(x.shape, w.shape, **kw)
    # Sorted by output index, then input index; no duplicate (output, input) pair.
    order = np.lexsort((triples[:, 1], triples[:, 0]))
    assert np.array_equal(order, np.arange(len(triples)))
    assert len({(r, c) for r, c, _ in triples}) == len(triples)
    for j, m in one_hot_jacobians(x.shape, w.shape, kw).items():
        mine = triples[triples[:, 2] == j]
        rows, cols = np.nonzero(m)
        assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == {
            (r, c) for r, c, _ in mine.tolist()
        }
    assert np.array_equal(triples, conv_triples_loop(x.shape, w.shape, **kw))
    assert np.array_equal(triples, conv_triples(x.shape, w, **kw))  # an array for its shape


def test_padding_taps_give_no_triple():
    # 1D, 3 cells, kernel 3, padding 1: the first output reads cells -1, 0, 1 and the
    # last reads 1, 2, 3; cells -1 and 3 are padding, so 3 + 3 + 3 - 2 = 7 triples.
    triples = conv_triples((1, 3), (1, 1, 3), padding=1)
    assert len(triples) == 7
    assert triples.tolist() == [
        [0, 0, 1], [0, 1, 2],
        [1, 0, 0], [1, 1, 1], [1, 2, 2],
        [2, 1, 0], [2, 2, 1],
    ]  # fmt: skip


def test_transpose_triples_are_the_swapped_conv_triples():
    fwd = conv_triples((2, 5, 4), (4, 1, 3, 2), stride=2, padding=1, groups=2)
    back = conv_transpose_triples((4, 3, 3), (4, 1, 3, 2), stride=2, padding=1,
                                  output_padding=0, groups=2)  # fmt: skip
    assert sorted(map(tuple, back[:, [1, 0, 2]].tolist())) == sorted(map(tuple, fwd.tolist()))
    assert np.all(np.diff(back[:, 0]) >= 0)


def test_article_example_3x3_kernel_on_4x4_input_is_4_by_16():
    w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    c = conv_matrix((1, 4, 4), w, dense=True)
    assert c.shape == (4, 16)
    # Hand-derived first row: the kernel rows sit at columns 0-2, 4-6, 8-10.
    expected = np.zeros(16)
    expected[[0, 1, 2, 4, 5, 6, 8, 9, 10]] = np.arange(1.0, 10.0)
    np.testing.assert_array_equal(c[0], expected)
    # The article's C^T C = I is false: a 16 x 16 matrix of rank at most 4.
    assert not gram_is_identity((1, 4, 4), w)


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_transposed_convolution_is_the_input_gradient(case):
    x, w, kw, rng = case
    xt = torch.from_numpy(x)[None].requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = CONV[x.ndim - 1](xt, torch.from_numpy(w), **kw)
    g = rng.normal(size=tuple(y.shape[1:]))
    (y * torch.from_numpy(g)[None]).sum().backward()
    np.testing.assert_allclose(
        conv_input_gradient(g, x.shape, w, **kw), xt.grad[0].numpy(), rtol=1e-10, atol=1e-10
    )


@settings(max_examples=60, deadline=None)
@given(conv_cases(string_padding=False))
def test_roundtrip_restores_the_shape_not_the_values(case):
    x, w, kw, _ = case
    back = transpose_roundtrip(x, w, **kw)
    assert back.shape == x.shape
    y = tconv(x, w, **kw)
    a = output_padding_for(y.shape[1:], x.shape[1:], w.shape[2:], kw["stride"],
                           kw["padding"], kw["dilation"])  # fmt: skip
    np.testing.assert_allclose(back, tconv_t(y, w, output_padding=a, **kw), atol=1e-9)
    # Random Gaussian weights: C^T C is not the identity (almost surely), so x is lost.
    assert not gram_is_identity(x.shape, w, **kw)
    assert not np.allclose(back, x)


def test_gram_is_identity_for_hand_derived_cases():
    # A 1x1 kernel of weight 1 is the identity map.
    assert gram_is_identity((1, 3, 3), np.ones((1, 1, 1, 1)))
    # A 1x1 convolution mixing channels by a rotation Q: C^T C = Q^T Q = I.
    t = 0.3
    q = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]).reshape(2, 2, 1, 1)
    assert gram_is_identity((2, 3, 2), q)
    # Stride 2 with a 1x1 kernel keeps every other cell: C^T C zeroes the rest.
    assert not gram_is_identity((1, 4), np.ones((1, 1, 1)), stride=2)
    x = np.arange(1.0, 5.0)[None]
    np.testing.assert_array_equal(
        transpose_roundtrip(x, np.ones((1, 1, 1)), stride=2), [[1.0, 0.0, 3.0, 0.0]]
    )


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: conv_triples((3, 5), (2, 2, 3), groups=2), "groups"),
        (lambda: conv_triples((2, 5), (2, 1, 3)), "C_in"),
        (lambda: conv_triples((2, 5, 5), (2, 2, 3)), "weight"),
        (lambda: conv_triples((1, 5), (1, 1, 3), stride=0), "stride"),
        (lambda: conv_triples((1, 2), (1, 1, 3)), "kernel_size"),
        (lambda: conv_transpose_triples((1, 2), (1, 1, 3), output_padding=1), "output_padding"),
        (lambda: conv_input_gradient(np.ones(5), (1, 5), np.ones((1, 1, 3))), "grad_output"),
    ],
)
def test_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
