"""Chapter 11, shuffled grouped convolution: every number and claim it states."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.shuffle import SHUFFLE_IMAGE, connectivity_figure, permutation_figure
from convviz.groups import connection_matrices, shuffle_matrix

STEM = "11-shuffled-grouped-convolution"


def _torch_reach(c, g, shuffle, layers=2):
    """Which input channels reach output channel 0, by perturbing inputs in torch."""
    torch.manual_seed(0)
    convs = [nn.Conv2d(c, c, 1, groups=g, bias=False).double() for _ in range(layers)]
    reach = []
    with torch.no_grad():
        for conv in convs:
            conv.weight.copy_(conv.weight.abs() + 0.1)  # positive: no cancellation
        for i in range(c):
            x = torch.zeros(1, c, 1, 1, dtype=torch.float64)
            x[0, i] = 1.0
            h = x
            for j, conv in enumerate(convs):
                h = conv(h)
                if shuffle and j < layers - 1:
                    h = nn.ChannelShuffle(g)(h)
            reach.append(bool(h[0, 0, 0, 0] != 0))
    return reach


def test_isolation_and_mixing(chapter):
    _ns, glued = chapter(STEM)
    assert glued["C"] == 8
    assert glued["moved_plain"] == 4 == sum(_torch_reach(8, 2, False))
    assert glued["moved_shuffled"] == 8 == sum(_torch_reach(8, 2, True))


def test_shuffle_equals_torch_and_order(chapter):
    _ns, glued = chapter(STEM)
    assert glued["shuffle_matches_torch"] is True
    order = nn.ChannelShuffle(3)(torch.arange(12.0).view(1, 12, 1, 1)).view(-1).int().tolist()
    assert order == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    for i in range(4):
        assert glued[f"order_g3_{i}"] == order[i]
    assert glued["inverse_ok"] is True


@settings(max_examples=40, deadline=None)
@given(
    g=st.integers(1, 6),
    n=st.integers(1, 5),
    batch=st.integers(1, 2),
    seed=st.integers(0, 2**31 - 1),
)
def test_channel_shuffle_is_torch_and_the_formula(g, n, batch, seed):
    c = g * n
    x = np.random.default_rng(seed).normal(size=(batch, c, 2, 3))
    ours = cv.channel_shuffle(x, g)
    assert np.array_equal(ours, F.channel_shuffle(torch.from_numpy(x), g).numpy())
    for out in range(c):
        assert np.array_equal(ours[:, out], x[:, (out % g) * n + out // g])
    assert np.array_equal(cv.channel_shuffle(ours, n), x)


def test_connection_matrices(chapter):
    ns, glued = chapter(STEM)
    m = ns["m"]
    block = np.kron(np.eye(2), np.ones((4, 4)))
    assert np.array_equal(m["layer"], block)
    assert np.array_equal(m["plain2"], block @ block)
    assert glued["plain_zero_share"] == 0.5
    # P from torch: P @ v == ChannelShuffle(v)
    p = nn.ChannelShuffle(2)(torch.eye(8, dtype=torch.float64).view(1, 8, 8, 1))[0, :, :, 0]
    assert np.array_equal(m["shuffle"], p.numpy())
    assert np.array_equal(m["shuffled2"], block @ p.numpy() @ block)
    assert glued["shuffled_min_paths"] == 2 == int((block @ p.numpy() @ block).min())


def test_cost_and_gradient(chapter):
    _ns, glued = chapter(STEM)
    assert glued["shuffle_macs"] == 0
    assert glued["grad_is_inverse"] is True


def test_four_groups_of_two(chapter):
    _ns, glued = chapter(STEM)
    assert glued["n_84"] == nn.Conv2d(8, 8, 1, groups=4).weight.shape[1] == 2
    # group 0 of the second layer: the input channels that reach it through one shuffle
    reach = _torch_reach(8, 4, True, layers=2)
    groups = {i // 2 for i, r in enumerate(reach) if r}
    assert glued["groups_reached_84"] == len(groups) == 2


def test_exercise_answers():
    def order(c, g):
        return cv.channel_shuffle(np.arange(float(c)).reshape(1, c, 1), g).ravel().tolist()

    assert order(6, 2) == [0, 3, 1, 4, 2, 5]
    assert order(6, 3) == [0, 2, 4, 1, 3, 5]
    x = torch.arange(12.0).view(1, 12, 1, 1)
    fixed = [g for g in (1, 2, 3, 4, 6, 12) if torch.equal(nn.ChannelShuffle(g)(x), x)]
    assert fixed == [1, 12]
    assert sum(_torch_reach(8, 4, True, layers=2)) == 4
    assert sum(_torch_reach(8, 4, True, layers=3)) == 8
    m = connection_matrices(8, 4)
    M, P = m["layer"], m["shuffle"]
    assert np.count_nonzero((M @ P @ M)[0]) == 4
    assert np.count_nonzero((M @ P @ M @ P @ M)[0]) == 8


def test_shuffle_matrix_is_the_torch_permutation():
    for c, g in ((12, 3), (8, 4), (6, 6)):
        v = np.random.default_rng(c).normal(size=c)
        expected = nn.ChannelShuffle(g)(torch.from_numpy(v).view(1, c, 1, 1)).view(-1).numpy()
        assert np.array_equal(shuffle_matrix(c, g) @ v, expected)


def test_permutation_figure_frames():
    fig = permutation_figure()
    for key in fig.keys():
        g = fig.setting(key)["groups"]
        frame = fig.frame(key)
        check_frame(frame)
        wires, moves, blocks = frame["views"]
        expected = (
            nn.ChannelShuffle(g)(torch.arange(12.0).view(1, 12, 1, 1)).view(-1).int().tolist()
        )
        wire = wires["panels"][0]
        assert wire["kind"] == "wiring" and wire["values"] == expected
        # one wire per channel, from its old place to its new one, in its group's colour
        assert sorted(wire["wiring"]["links"][0]) == sorted(
            [e, q, e // (12 // g)] for q, e in enumerate(expected)
        )
        assert moves["panels"][2]["values"] == [str(e) for e in expected]
        assert [p["rows"] for p in moves["panels"][:2]] == [g, 12 // g]
        # no multiply-add by 1: a permutation has no steps
        assert all(not v["steps"] for v in frame["views"])
        x = torch.from_numpy(SHUFFLE_IMAGE[None])
        y = nn.ChannelShuffle(g)(x)[0].numpy()
        for q in range(12):
            assert blocks["panels"][12 + q]["values"] == y[q].ravel().tolist()
        assert [len(v["panels"]) for v in blocks["volumes"]] == [12, 12]


def test_connectivity_figure_frames():
    fig = connectivity_figure()
    for key in fig.keys():
        g = fig.setting(key)["groups"]
        frame = fig.frame(key)
        check_frame(frame)
        wires, plain, shuffled = frame["views"]
        reach_plain = sum(_torch_reach(8, g, False))
        reach_shuffled = sum(_torch_reach(8, g, True))
        for panel, reach in zip(wires["panels"], (reach_plain, reach_shuffled), strict=True):
            hot_inputs = {d for r, d in panel["wiring"]["hot"]["dots"] if r == 0}
            assert len(hot_inputs) == reach
        r_plain = np.array(plain["panels"][2]["values"]).reshape(8, 8)
        r_shuffled = np.array(shuffled["panels"][2]["values"]).reshape(8, 8)
        assert np.count_nonzero(r_plain[0]) == reach_plain == 8 // g
        assert np.count_nonzero(r_shuffled[0]) == reach_shuffled
        assert f"depends on {reach_shuffled} of 8" in frame["formula"][2]


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "11-shuffled-grouped-convolution")


def test_connectivity_matrix_sums_are_written_in_full():
    """Each entry R[o, c] is the whole sum over the 8 middle channels j (the zero products
    too), so the two products' sums read alike and every term can be checked against M2, M1, S."""
    fig = connectivity_figure()
    for key in fig.keys():
        for v in fig.frame(key)["views"][1:]:
            left, right = (np.array(p["values"]).reshape(8, 8) for p in v["panels"][:2])
            assert len(v["steps"]) == 64
            for terms in v["steps"]:
                o, c = divmod(terms[0][1], 8)
                assert sorted(t[3] % 8 for t in terms) == list(range(8))  # j = 0..7
                assert (
                    sum(left[o, t[3] % 8] * right[t[5] // 8, c] for t in terms)
                    == (left @ right)[o, c]
                )
