"""stack_input_gradient / effective_receptive_field against torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv


def _torch_gradient(x, weights, relu):
    t = torch.from_numpy(x).requires_grad_(True)
    a = t
    for n, w in enumerate(weights):
        a = F.conv2d(a, torch.from_numpy(w), padding=w.shape[2] // 2)
        if relu and n < len(weights) - 1:
            a = torch.relu(a)
    a[:, :, a.shape[2] // 2, a.shape[3] // 2].sum().backward()
    return t.grad.numpy()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 3), st.sampled_from([1, 3, 5])), min_size=1, max_size=4),
    st.integers(1, 3),
    st.integers(0, 5),
    st.integers(0, 5),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_gradient_matches_autograd(layers, c_in, h_extra, w_extra, relu, seed):
    rng = np.random.default_rng(seed)
    h, w = 5 + 2 * h_extra, 5 + 2 * w_extra
    x = rng.normal(size=(2, c_in, h, w))
    weights, c = [], c_in
    for c_out, k in layers:
        weights.append(rng.normal(size=(c_out, c, k, k)))
        c = c_out
    ours = cv.stack_input_gradient(x, weights, relu)
    np.testing.assert_allclose(ours, _torch_gradient(x, weights, relu), atol=1e-10)
    field = cv.effective_receptive_field(x, weights, relu) if np.abs(ours).sum() else None
    if field is not None:
        assert field.shape == (h, w) and np.isclose(field.sum(), 1)
        expected = np.abs(ours).sum(axis=1).mean(axis=0)
        np.testing.assert_allclose(field, expected / expected.sum())


def test_support_is_the_receptive_field():
    """Nonzero gradient exactly on the (2n+1)-wide square a linear 3x3 stack can see."""
    rng = np.random.default_rng(0)
    weights = [rng.uniform(0.5, 1, size=(1, 1, 3, 3)) for _ in range(4)]
    field = cv.effective_receptive_field(np.ones((1, 1, 15, 15)), weights, relu=False)
    rows, cols = np.nonzero(field)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (3, 11, 3, 11)


def test_central_mass_fraction():
    field = np.zeros((5, 5))
    field[2, 2], field[0, 0] = 3, 1
    assert cv.central_mass_fraction(field, 1) == 0.75 == cv.central_mass_fraction(field, 3)
    assert cv.central_mass_fraction(field, 5) == 1


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((np.zeros((1, 5, 5)), [np.zeros((1, 1, 3, 3))]), "x"),
        ((np.zeros((1, 1, 5, 5)), []), "weights"),
        ((np.zeros((1, 1, 5, 5)), [np.zeros((1, 1, 2, 2))]), r"weights\[0\]"),
        ((np.zeros((1, 2, 5, 5)), [np.zeros((1, 1, 3, 3))]), r"weights\[0\]"),
    ],
)
def test_errors_name_the_argument(args, word):
    with pytest.raises(ValueError, match=word):
        cv.stack_input_gradient(*args)


def test_mass_fraction_errors():
    with pytest.raises(ValueError, match="side"):
        cv.central_mass_fraction(np.ones((5, 5)), 4)
    with pytest.raises(ValueError, match="field"):
        cv.central_mass_fraction(np.ones((4, 5)), 3)
    # a field must be a distribution: no negative cell, a positive total (no 0/0)
    with pytest.raises(ValueError, match="field must be non-negative"):
        cv.central_mass_fraction(np.zeros((5, 5)), 3)
    signed = np.ones((3, 3))
    signed[1, 1] = -5.0
    with pytest.raises(ValueError, match="field must be non-negative"):
        cv.central_mass_fraction(signed, 1)


def test_zero_gradient_is_refused_naming_the_inputs():
    # every first-layer output negative -> every ReLU closed -> the gradient is zero
    x = np.ones((1, 1, 7, 7))
    weights = [-np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3))]
    assert not np.any(cv.stack_input_gradient(x, weights))
    with pytest.raises(ValueError, match="x and weights"):
        cv.effective_receptive_field(x, weights)
