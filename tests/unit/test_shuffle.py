"""channel_shuffle (and its loop) against F.channel_shuffle."""

from __future__ import annotations

import numpy as np
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
