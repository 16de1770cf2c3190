"""Chapter 3, 3D convolution: every number and claim it states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import as_tensor as _t
from frame_checks import check_steps

import convviz as cv
from convviz.figures.volume import (
    ARTICLE_STACK,
    TORCH_CLIP,
    VOLUME_KERNELS,
    VOLUMES,
    two_views_figure,
    volume_figure,
)

STEM = "03-3d-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _brute3d(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One-channel valid 3D cross-correlation, one box at a time."""
    od, oh, ow = (np.array(x.shape) - np.array(w.shape) + 1).tolist()
    out = np.zeros((od, oh, ow))
    kd, kh, kw = w.shape
    for d in range(od):
        for r in range(oh):
            for c in range(ow):
                out[d, r, c] = (x[d : d + kd, r : r + kh, c : c + kw] * w).sum()
    return out


def test_glued_numbers_vessel_and_motion(chapter):
    _ns, glued = chapter(STEM)
    vessel = VOLUMES["CT block with a winding vessel"]
    clip = VOLUMES["video: a square moving right"]
    assert glued["vessel_d"] == vessel.shape[0] == 5
    assert glued["vessel_hw"] == vessel.shape[1] == vessel.shape[2] == 6
    y = F.conv3d(_t(vessel[None, None]), torch.ones(1, 1, 3, 3, 3, dtype=torch.float64))[0, 0]
    assert glued["vessel_out"] == "×".join(map(str, y.shape)) == "3×4×4"
    assert glued["vessel_max"] == float(y.max()) == _brute3d(vessel, np.ones((3, 3, 3))).max()
    assert glued["vessel_agree"] is True
    diff = clip[1:] - clip[:-1]  # frame t+1 minus frame t
    assert glued["motion_frames"] == diff.shape[0] == 4
    assert glued["motion_nonzero_per_frame"] == np.count_nonzero(diff[0]) == 4
    assert all(np.count_nonzero(d) == 4 for d in diff)


def test_glued_numbers_two_readings(chapter):
    _ns, glued = chapter(STEM)
    layer = torch.nn.Conv3d(3, 4, kernel_size=(2, 3, 3))
    assert glued["conv3d_weight"] == str(tuple(layer.weight.shape)) == "(4, 3, 2, 3, 3)"
    assert glued["article_out"] == str((1, 1, 3 - 2 + 1, 8 - 3 + 1, 8 - 3 + 1))
    assert glued["torch_out"] == str((1, 4, 5 - 2 + 1, 6, 6))
    conv_a = torch.nn.Conv3d(1, 1, kernel_size=(2, 3, 3))
    assert glued["article_depth"] == conv_a(torch.zeros(1, 1, 3, 8, 8)).shape[2] == 2
    conv_t = torch.nn.Conv3d(3, 4, kernel_size=(2, 3, 3))
    assert glued["torch_time"] == conv_t(torch.zeros(1, 3, 5, 8, 8)).shape[2] == 4
    assert glued["article_agree"] is True
    assert glued["torch_agree"] is True
    assert glued["conv2d_special_case"] is True


def test_glued_costs(chapter):
    _ns, glued = chapter(STEM)
    l2, l3 = torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.Conv3d(64, 64, 3, padding=1)
    assert glued["c2_params"] == sum(t.numel() for t in l2.parameters()) == 36928
    assert glued["c3_params"] == sum(t.numel() for t in l3.parameters()) == 110656
    macs2 = 56 * 56 * 64 * 64 * 9
    macs3 = 16 * 56 * 56 * 64 * 64 * 27
    assert glued["mac_ratio"] == macs3 / macs2 == 3 * 16
    w2, w3 = l2.weight.numel(), l3.weight.numel()
    assert glued["weight_ratio"] == w3 / w2 == 3.0
    assert l2.bias.numel() == l3.bias.numel()


def test_torch_conv3d_spans_all_channels_and_never_slides_along_them():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 3, 4, 5, 5))
    w = rng.normal(size=(2, 3, 2, 3, 3))
    y = F.conv3d(_t(x), _t(w)).numpy()
    # output channel count is C_out, not something depending on C_in: no sliding along channels
    assert y.shape == (1, 2, 3, 3, 3)
    # each output cell sums over every input channel
    ref = np.zeros_like(y)
    for o in range(2):
        for c in range(3):
            ref[0, o] += _brute3d(x[0, c], w[o, c])
    np.testing.assert_allclose(y, ref, atol=1e-10)
    np.testing.assert_allclose(cv.conv3d(x, w), y, atol=1e-10)
    # the article's sliding-along-channels reading needs the channels turned into depth
    img = rng.normal(size=(1, 3, 6, 6))
    k = rng.normal(size=(1, 1, 2, 3, 3))
    art = F.conv3d(_t(img[:, None]), _t(k)).numpy()
    assert art.shape == (1, 1, 2, 4, 4)
    np.testing.assert_allclose(art[0, 0], _brute3d(img[0], k[0, 0]), atol=1e-10)


def test_exercise_answers(chapter):
    ns, _ = chapter(STEM)
    assert cv.conv_output_shape((64, 128, 128), 3, stride=2, padding=1) == (32, 64, 64)
    out = F.conv3d(torch.zeros(1, 1, 64, 128, 128), torch.zeros(8, 1, 3, 3, 3), stride=2, padding=1)
    assert out.shape == (1, 8, 32, 64, 64)
    layer = torch.nn.Conv3d(1, 8, kernel_size=3, stride=2, padding=1)
    assert sum(t.numel() for t in layer.parameters()) == 224
    assert F.conv3d(torch.randn(1, 3, 32, 32).unsqueeze(1), torch.randn(1, 1, 2, 3, 3)).shape == (
        1,
        1,
        2,
        30,
        30,
    )
    clip = ns["clip"]
    motion = F.conv3d(
        _t(clip[None, None]), torch.tensor([-1.0, 1.0], dtype=torch.float64).view(1, 1, 2, 1, 1)
    )
    assert [int(torch.count_nonzero(m)) for m in motion[0, 0]] == [4, 4, 4, 4]
    assert motion.max() == 1 and motion.min() == -1
    x = np.random.default_rng(1).normal(size=(1, 2, 4, 6, 6))
    w = np.random.default_rng(2).normal(size=(3, 2, 4, 3, 3))
    a = F.conv3d(_t(x), _t(w)).numpy()
    b = F.conv2d(_t(x.reshape(1, 8, 6, 6)), _t(w.reshape(3, 8, 3, 3))).numpy()
    assert a.shape == (1, 3, 1, 4, 4)
    np.testing.assert_allclose(a[:, :, 0], b, atol=1e-10)


def _slices(view: dict, role: str) -> np.ndarray:
    ps = [p for p in view["panels"] if p["role"] == role]
    return np.stack([np.reshape(p["values"], (p["rows"], p["cols"])) for p in ps]).astype(float)


def test_volume_figure_frames_hold_brute_force_outputs():
    fig = volume_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        x, w = VOLUMES[st_["volume"]], VOLUME_KERNELS[st_["kernel"]]
        frame = fig.frame(key)
        (v,) = frame["views"]
        ref = _brute3d(x, w)
        np.testing.assert_allclose(_slices(v, "input"), x)
        np.testing.assert_allclose(_slices(v, "kernel"), w)
        np.testing.assert_allclose(_slices(v, "output"), ref)
        assert len(check_steps(v)) == ref.size
        # a step covers kD consecutive input slices
        for terms in v["steps"]:
            depths = sorted({t[2] for t in terms})
            assert depths == list(range(depths[0], depths[0] + w.shape[0]))
        assert f"({', '.join(map(str, (1, 1, *ref.shape)))})" in frame["code"]


def test_two_views_figure_frames():
    fig = two_views_figure()
    for key in fig.keys():
        kd = fig.setting(key)["kd"]
        frame = fig.frame(key)
        art, tor = frame["views"]
        # article: one-channel volume of 4 slices, kernel depth kd
        ya = _slices(art, "output")
        wa = _slices(art, "kernel")
        np.testing.assert_allclose(_slices(art, "input"), ARTICLE_STACK)
        assert ya.shape[0] == 4 - kd + 1
        np.testing.assert_allclose(ya, _brute3d(ARTICLE_STACK, wa))
        # torch: 2-channel clip, kernel (2, kd, 3, 3) spanning both channels
        wt = _slices(tor, "kernel").reshape(2, kd, 3, 3)
        yt = F.conv3d(_t(TORCH_CLIP[None]), _t(wt[None])).numpy()[0, 0]
        np.testing.assert_allclose(_slices(tor, "output"), yt)
        assert yt.shape[0] == TORCH_CLIP.shape[1] - kd + 1
        for terms in tor["steps"]:
            assert len(terms) == 2 * kd * 9  # every step reads both channels
        assert len(check_steps(art)) == ya.size
        assert len(check_steps(tor)) == yt.size
        assert frame["formula"][2].endswith(f"= {2 * kd * 9} products")
        # 3D: one block per input channel (D slices) and per kernel part (k_D slices), the
        # output; a kernel part's slices read only its channel's block, and share its colour
        blocks = tor["volumes"]
        assert [len(b["panels"]) for b in blocks] == [3, 3, kd, kd, yt.shape[0]]
        for c in range(2):
            x_block, w_block = set(blocks[c]["panels"]), set(blocks[2 + c]["panels"])
            assert blocks[c]["groups"] == [c] * 3 and blocks[2 + c]["groups"] == [c] * kd
            for terms in tor["steps"]:
                assert {t[2] for t in terms if t[4] in w_block} <= x_block


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "03-3d-convolution")


def test_output_keeps_a_weighted_sum_of_the_channels(chapter):
    """Finding: Conv3d keeps a weighted sum of the input channels, not their sum."""
    _ns, glued = chapter(STEM)
    rng = np.random.default_rng(11)
    video = torch.from_numpy(rng.normal(size=(1, 3, 5, 8, 8)))
    wt = torch.from_numpy(rng.normal(size=(4, 3, 2, 3, 3)))
    out = F.conv3d(video, wt)
    weighted = sum(F.conv3d(video[:, c : c + 1], wt[:, c : c + 1]) for c in range(3))
    plain = F.conv3d(video.sum(1, keepdim=True), wt[:, :1])
    assert torch.allclose(out, weighted) and not torch.allclose(out, plain)
    assert glued["c3_weighted_sum"] is True and glued["c3_plain_sum"] is False
    text = (BOOK / f"{STEM}.md").read_text()
    assert "channels except their sum" not in text
