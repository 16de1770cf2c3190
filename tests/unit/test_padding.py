"""pad (and pad_loop) against F.pad on random arrays, pads and modes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import DTYPES, assert_same_acceptance, outcome, random_array

from convviz import pad, pad_loop

MODES = ["constant", "reflect", "replicate", "circular"]


@st.composite
def pad_configs(draw):
    ndim = draw(st.integers(1, 5))
    shape = tuple(
        draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 4)) for _ in range(ndim)
    )
    n_pairs = draw(st.integers(0, min(ndim + 1, 4)))
    pads = tuple(draw(st.integers(-4, 5)) for _ in range(2 * n_pairs))
    if draw(st.integers(0, 19)) == 0:
        pads = (*pads, 1)  # odd length
    return {
        "shape": shape,
        "pad": pads,
        "mode": draw(st.sampled_from(MODES)),
        "value": draw(st.sampled_from([None, None, 0, 1.5, -2])),
        "dtype": draw(st.sampled_from(["float64", "float32", "int64", "bool"])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _torch_pad(cfg, x):
    return F.pad(torch.from_numpy(x), cfg["pad"], mode=cfg["mode"], value=cfg["value"])


@settings(max_examples=500, deadline=None)
@given(pad_configs())
def test_pad_matches_torch(cfg):
    x = random_array(np.random.default_rng(cfg["seed"]), cfg["shape"], cfg["dtype"])
    args = (cfg["pad"], cfg["mode"], cfg["value"])
    reference, torch_error = outcome(_torch_pad, cfg, x)
    ours, our_error = outcome(pad, x, *args)
    if torch_error is not None and "single memory location" in str(torch_error):
        # torch's circular pad copies the wrap from its own output and refuses when the
        # two slices overlap in memory (a layout artefact, not a rule); convviz wraps
        # the cropped axis as many times as needed
        assert our_error is None
        kept = [
            x.shape[-1 - i] + min(lo, 0) + min(hi, 0)
            for i, (lo, hi) in enumerate(zip(cfg["pad"][::2], cfg["pad"][1::2], strict=True))
        ]
        assert ours.shape[x.ndim - len(kept) :] == tuple(
            k + max(lo, 0) + max(hi, 0)
            for k, lo, hi in reversed(
                list(zip(kept, cfg["pad"][::2], cfg["pad"][1::2], strict=False))
            )
        )
        return
    if reference is not None and min(reference.shape, default=0) < 0:
        # torch's reflect pad of an empty batch can return a negative axis length
        # (seen: shape (0, 1, 1, 1), pad (0, 0, 0, -2) -> (0, 1, -1, 1)); convviz refuses
        assert isinstance(our_error, ValueError)
        return
    pairs = list(zip(cfg["pad"][::2], cfg["pad"][1::2], strict=False))
    if cfg["mode"] == "circular" and x.size and len(cfg["pad"]) % 2 == 0:
        sizes = [x.shape[-1 - i] for i in range(min(len(pairs), x.ndim))]
        kept = [s + min(lo, 0) + min(hi, 0) for s, (lo, hi) in zip(sizes, pairs, strict=False)]
        if any(k <= 0 < max(lo, hi) for k, (lo, hi) in zip(kept, pairs, strict=False)):
            # an axis cropped to nothing (or past nothing) and then wrapped: torch returns
            # uninitialised memory or a shape error, depending on the sizes; convviz refuses
            assert isinstance(our_error, ValueError)
            return
        if torch_error is None and any(
            max(lo, hi) > k for k, (lo, hi) in zip(kept, pairs, strict=False)
        ):
            # a wrap longer than what the crop kept: torch copies part of it from cells
            # of its output not yet written (uninitialised memory, seen: shape (1, 2, 3, 1),
            # pad (0, 0, 2, -2)); convviz repeats the kept cells, as np.pad's 'wrap' does
            crop = [slice(None)] * x.ndim
            widths = [(0, 0)] * x.ndim
            for i, (lo, hi) in enumerate(pairs):
                crop[-1 - i] = slice(max(-lo, 0), sizes[i] - max(-hi, 0))
                widths[-1 - i] = (max(lo, 0), max(hi, 0))
            np.testing.assert_array_equal(ours, np.pad(x[tuple(crop)], widths, mode="wrap"))
            return
    if assert_same_acceptance(reference, torch_error, ours, our_error):
        expected = reference.numpy()
        assert ours.dtype == x.dtype == expected.dtype
        np.testing.assert_array_equal(ours, expected)
        if ours.size <= 200:
            np.testing.assert_array_equal(pad_loop(x, *args), ours)


def test_reflect_replicate_circular_fill_by_hand():
    x = np.arange(1.0, 5.0).reshape(1, 1, 4)  # a b c d = 1 2 3 4
    np.testing.assert_array_equal(pad(x, (3, 1), "reflect")[0, 0], [4, 3, 2, 1, 2, 3, 4, 3])
    np.testing.assert_array_equal(pad(x, (3, 1), "replicate")[0, 0], [1, 1, 1, 1, 2, 3, 4, 4])
    np.testing.assert_array_equal(pad(x, (3, 1), "circular")[0, 0], [2, 3, 4, 1, 2, 3, 4, 1])
    np.testing.assert_array_equal(pad(x, (1, -2), value=9)[0, 0], [9, 1, 2])


def test_dtype_table_is_consistent():
    assert set(DTYPES) >= {"float32", "float64", "int64", "bool"}


def test_circular_wraps_the_cropped_axis_as_torch_does():
    x = np.arange(4.0).reshape(1, 2, 2)
    expected = F.pad(torch.from_numpy(x), (-1, 2, 0, 0), mode="circular").numpy()
    np.testing.assert_array_equal(pad(x, (-1, 2, 0, 0), "circular"), expected)
    np.testing.assert_array_equal(expected, [[[1, 1, 1], [3, 3, 3]]])
