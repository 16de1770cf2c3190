"""channel_shuffle (and its loop) against F.channel_shuffle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import assert_same_acceptance, outcome, random_array

from convviz import channel_shuffle, channel_shuffle_loop


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=5).map(tuple),
    st.integers(-1, 6),
    st.sampled_from(["float32", "int64", "bool"]),
    st.integers(0, 2**32 - 1),
)
def test_channel_shuffle_matches_torch(shape, groups, dtype, seed):
    x = random_array(np.random.default_rng(seed), shape, dtype)
    reference, torch_error = outcome(F.channel_shuffle, torch.from_numpy(x), groups)
    ours, our_error = outcome(channel_shuffle, x, groups)
    if assert_same_acceptance(reference, torch_error, ours, our_error, empty=x.size == 0):
        np.testing.assert_array_equal(ours, reference.numpy())
        np.testing.assert_array_equal(channel_shuffle_loop(x, groups), ours)


def test_shuffle_interleaves_groups():
    x = np.arange(6).reshape(1, 6, 1)  # groups of 3: (0 1 2) (3 4 5)
    np.testing.assert_array_equal(channel_shuffle(x, 2).ravel(), [0, 3, 1, 4, 2, 5])


# -- the channel connections of grouped layers and of the shuffle ------------------------

from convviz.groups import connection_matrices, group_connections, shuffle_matrix  # noqa: E402

channel_groups = st.integers(1, 6).flatmap(
    lambda g: st.tuples(st.integers(1, 4).map(lambda n: g * n), st.just(g))
)


def _ones_layer(c_in: int, c_out: int, groups: int) -> torch.nn.Conv2d:
    layer = torch.nn.Conv2d(c_in, c_out, 1, groups=groups, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
    return layer


@settings(max_examples=40, deadline=None)
@given(channel_groups, st.integers(1, 3))
def test_group_connections_is_what_a_torch_grouped_layer_reads(cg, factor):
    c_in, groups = cg
    c_out = groups * factor
    layer = _ones_layer(c_in, c_out, groups)
    # column c: the outputs that a one-hot input on channel c moves
    with torch.no_grad():
        cols = [
            layer(torch.eye(c_in)[c].reshape(1, c_in, 1, 1)).reshape(c_out) for c in range(c_in)
        ]
    expected = (torch.stack(cols, 1) != 0).double().numpy()
    np.testing.assert_array_equal(group_connections(c_in, c_out, groups), expected)


@settings(max_examples=40, deadline=None)
@given(channel_groups)
def test_shuffle_matrix_applies_torch_channel_shuffle(cg):
    c, groups = cg
    v = np.random.default_rng(c * 7 + groups).normal(size=c)
    expected = F.channel_shuffle(torch.from_numpy(v).reshape(1, c, 1, 1), groups).reshape(c)
    p = shuffle_matrix(c, groups)
    np.testing.assert_allclose(p @ v, expected.numpy())
    np.testing.assert_array_equal(p @ p.T, np.eye(c))  # a permutation


@settings(max_examples=30, deadline=None)
@given(channel_groups)
def test_connection_matrices_count_the_paths_through_torch_layers(cg):
    c, groups = cg
    m = connection_matrices(c, groups)
    conv1, conv2 = _ones_layer(c, c, groups), _ones_layer(c, c, groups)
    eye = torch.eye(c).reshape(c, c, 1, 1).double()  # batch of one-hot inputs: column i
    with torch.no_grad():
        plain = conv2.double()(conv1.double()(eye)).reshape(c, c).T
        shuffled = conv2(F.channel_shuffle(conv1(eye), groups)).reshape(c, c).T
    # with all weights 1 the output value is the number of paths from input i to output o
    np.testing.assert_array_equal(m["plain2"], plain.numpy())
    np.testing.assert_array_equal(m["shuffled2"], shuffled.numpy())
    np.testing.assert_array_equal(m["shuffled"], m["shuffle"] @ m["layer"])
    # brute force over the middle channel j: o reads j (same group), j lands where o's group reads
    n = c // groups
    brute = np.zeros((c, c))
    for o in range(c):
        for i in range(c):
            for j in range(c):  # j: output of layer 1 (same group as i)
                if j // n != i // n:
                    continue
                pos = next(q for q in range(c) if (q % groups) * n + q // groups == j)
                brute[o, i] += pos // n == o // n
    np.testing.assert_array_equal(m["shuffled2"], brute)


@pytest.mark.parametrize("fn", [shuffle_matrix, connection_matrices])
def test_shuffle_connections_refuse_bad_input(fn):
    with pytest.raises(ValueError, match="groups=3 must divide channels=8"):
        fn(8, 3)
    with pytest.raises(ValueError, match="groups=0"):
        fn(8, 0)
    with pytest.raises(TypeError, match="channels must be an integer"):
        fn(8.0, 2)


def test_group_connections_refuse_bad_input():
    with pytest.raises(ValueError, match="groups=2 must divide out_channels=3"):
        group_connections(4, 3, 2)
    with pytest.raises(ValueError, match="in_channels=0"):
        group_connections(0, 4, 2)
