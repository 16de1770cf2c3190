"""Chapter 9, flattened convolution: every number and claim it states, against torch and brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import check_steps

import convviz as cv
from convviz.figures.flattened import (
    FL_CHANNEL,
    FL_HORIZONTAL,
    FL_IMAGE,
    FL_VERTICAL,
    flattened_figure,
)

STEM = "09-flattened-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _macs(h, w, kh, kw, c_in, c_out, groups=1, pad=(0, 0)):
    """Multiplications (padding taps included) of a stride-1 convolution, by loops over outputs."""
    oh, ow = h + 2 * pad[0] - kh + 1, w + 2 * pad[1] - kw + 1
    n = 0
    for _o in range(c_out):
        for _i in range(oh):
            for _j in range(ow):
                n += (c_in // groups) * kh * kw
    return n


def test_glued_numbers(chapter):
    _ns, g = chapter(STEM)
    assert g["flat_equal"] is True
    std = _macs(32, 32, 3, 3, 64, 64, pad=(1, 1))
    flat = (
        _macs(32, 32, 1, 1, 64, 64)
        + _macs(32, 32, 3, 1, 64, 64, groups=64, pad=(1, 0))
        + _macs(32, 32, 1, 3, 64, 64, groups=64, pad=(0, 1))
    )
    assert (g["std_macs"], g["flat_macs"]) == (std, flat)
    assert g["std_params"] == 64 * 64 * 9
    assert g["flat_params"] == 64 * (64 + 3 + 3)
    assert np.isclose(g["flat_macs_ratio"], flat / std)
    # the rank-1 fit can't beat the unfolding floor, and a random filter is far from rank 1
    assert g["random_floor"] - 1e-9 <= g["random_err"] < 1
    assert g["random_err"] > 0.5
    assert g["noisy_err"] < 0.2


def test_rank1_fit_is_a_local_optimum(chapter):
    _ns, _ = chapter(STEM)
    W = np.random.default_rng(3).normal(size=(6, 3, 3))
    c, v, h = cv.fit_rank1(W)
    best = np.linalg.norm(W - np.einsum("i,r,s->irs", c, v, h))
    rng = np.random.default_rng(4)
    for _ in range(20):  # small perturbations never do better
        dc, dv, dh = (1e-3 * rng.normal(size=a.shape) for a in (c, v, h))
        other = np.linalg.norm(W - np.einsum("i,r,s->irs", c + dc, v + dv, h + dh))
        assert other >= best - 1e-9


def test_flattened_layer_equals_torch_conv_with_rank1_filters():
    rng = np.random.default_rng(5)
    c, v, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    W = np.einsum("oi,or,os->oirs", c, v, h)
    x = rng.normal(size=(1, 4, 8, 8))
    t = torch.from_numpy(x)
    t = F.conv2d(t, torch.from_numpy(c)[:, :, None, None])
    t = F.conv2d(t, torch.from_numpy(v)[:, None, :, None], groups=3)
    t = F.conv2d(t, torch.from_numpy(h)[:, None, None, :], groups=3)
    ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(W))
    assert torch.allclose(t, ref)


def test_exercise_answers():
    assert cv.flattened_cost((1, 256, 8, 8), 1, 3, bias=False).params == 256 + 3 + 3
    assert cv.conv_cost((1, 256, 8, 8), 1, 3, bias=False).params == 256 * 9
    flat = _macs(7, 7, 1, 1, 3, 1) + _macs(7, 7, 3, 1, 1, 1) + _macs(5, 7, 1, 3, 1, 1)
    assert flat == 147 + 105 + 75 == 327
    assert cv.flattened_cost((1, 3, 7, 7), 1, 3, bias=False).macs == flat
    assert cv.conv_cost((1, 3, 7, 7), 1, 3, bias=False).macs == _macs(7, 7, 3, 3, 3, 1) == 675
    reverse = (
        _macs(7, 7, 1, 3, 3, 3, groups=3)
        + _macs(7, 5, 3, 1, 3, 3, groups=3)
        + _macs(5, 5, 1, 1, 3, 1)
    )
    assert reverse == 315 + 225 + 75 == 615
    rng = np.random.default_rng(6)
    xs = torch.from_numpy(rng.normal(size=(1, 3, 7, 7)))
    cc, vv, hh = (torch.from_numpy(rng.normal(size=3)) for _ in range(3))
    a = F.conv2d(
        F.conv2d(F.conv2d(xs, cc.view(1, 3, 1, 1)), vv.view(1, 1, 3, 1)), hh.view(1, 1, 1, 3)
    )
    b = F.conv2d(xs, hh.repeat(3, 1).view(3, 1, 1, 3), groups=3)
    b = F.conv2d(F.conv2d(b, vv.repeat(3, 1).view(3, 1, 3, 1), groups=3), cc.view(1, 3, 1, 1))
    assert torch.allclose(a, b)
    sob = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    assert np.linalg.matrix_rank(np.stack([sob, sob.T]).reshape(2, -1)) == 2


def test_figure_matches_torch_and_counts():
    fig = flattened_figure()
    for key in fig.keys():
        s = fig.setting(key)
        C, k = s["channels"], s["k"]
        c, v, h = FL_CHANNEL[:C], FL_VERTICAL[k], FL_HORIZONTAL[k]
        W = torch.einsum("i,r,s->irs", *(torch.from_numpy(a) for a in (c, v, h)))
        y = F.conv2d(torch.from_numpy(FL_IMAGE[:C])[None], W[None])[0, 0].numpy()
        build, three, one = fig.frame(key)["views"]
        for i in range(C):
            np.testing.assert_allclose(build["panels"][4 + i]["values"], W[i].flatten().numpy())
        np.testing.assert_allclose(three["panels"][-1]["values"], y.ravel())
        np.testing.assert_allclose(one["panels"][-1]["values"], y.ravel())
        for v_ in (build, three, one):
            assert check_steps(v_)
        o = 6 - k + 1
        flat = _macs(6, 6, 1, 1, C, 1) + _macs(6, 6, k, 1, 1, 1) + _macs(o, 6, 1, k, 1, 1)
        assert sum(len(t) for t in three["steps"]) == flat
        assert sum(len(t) for t in one["steps"]) == _macs(6, 6, k, k, C, 1)
        # 3D: the 1D filters are thin blocks along height (k×1), width (1×k) and depth (C)
        shape = {
            b["label"].split(",")[0]: (
                (1, 1, panels[b["panels"][0]]["cols"])
                if b.get("along") == "depth"
                else (
                    len(b["panels"]),
                    panels[b["panels"][0]]["rows"],
                    panels[b["panels"][0]]["cols"],
                )
            )
            for panels, b in (
                (view["panels"], b) for view in (build, three) for b in view["volumes"]
            )
        }
        assert (shape["v"], shape["h"], shape["a"]) == ((1, k, 1), (1, 1, k), (1, 1, C))
        assert shape["W"] == (C, k, k) and shape["input x"] == (C, 6, 6)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "09-flattened-convolution")


def test_rank1_parameters_and_degrees_of_freedom(chapter):
    """Finding: C + k_h + k_w parameters, C + k_h + k_w - 2 degrees of freedom."""
    _ns, g = chapter(STEM)
    c, k = 5, 3
    assert g["r1_entries"] == c * k * k
    assert g["r1_numbers"] == c + k + k
    # independent: numerical Jacobian of (a, v, h) -> outer product, by finite differences
    rng = np.random.default_rng(7)
    theta = rng.normal(size=c + 2 * k)

    def outer(t):
        return np.einsum("c,m,n->cmn", t[:c], t[c : c + k], t[c + k :]).ravel()

    eps = 1e-6
    jac = np.stack(
        [(outer(theta + eps * e) - outer(theta - eps * e)) / (2 * eps) for e in np.eye(len(theta))],
        axis=1,
    )
    assert g["r1_dof"] == np.linalg.matrix_rank(jac, tol=1e-6) == c + 2 * k - 2
    text = (BOOK / f"{STEM}.md").read_text()
    assert "$C + k_h + k_w$ degrees of freedom" not in text


def test_paper_layer_described_as_it_is(chapter):
    """Finding: Jin et al.'s layer is a cascade with its own biases and two stages."""
    _ns, g = chapter(STEM)
    text = (BOOK / f"{STEM}.md").read_text()
    for phrase in ("bias", "stages", '"full" mode', "no non-linearity"):
        assert phrase in text
    assert "training needed care" not in text  # unsourced claim dropped
    # two stages are not rank 1: brute force the equivalent filter by unit impulses
    assert g["two_stage_rank"] > 1
