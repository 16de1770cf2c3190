"""Chapter 12, pointwise grouped convolution: every number and claim it states."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv
import convviz.models
from convviz.figures.engine import check_frame
from convviz.figures.pointwise_grouped import PWG_IMAGE, pwg_figure, pwg_weights

STEM = "12-pointwise-grouped-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _macs(module, shape):
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module.eval()(torch.zeros(shape))
    return counter.get_total_flops() // 2


def _by_hand_mobilenet():
    """Conv MACs of tiny_mobilenet(widths=(32, ..., 1024)) on 224x224, from the shapes."""
    widths = (32, 64, 128, 256, 512, 1024)
    side = 112  # stem: 3x3 stride 2 padding 1
    stem = side * side * 32 * 3 * 9
    pw = dw = 0
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        if i > 0:
            side = (side + 1) // 2
        dw += side * side * a * 9
        pw += side * side * a * b
    return stem, dw, pw


def test_mobilenet_shares(chapter):
    _ns, glued = chapter(STEM)
    stem, dw, pw = _by_hand_mobilenet()
    assert glued["pw_macs"] == pw
    assert glued["dw_macs"] == dw
    model = cv.models.tiny_mobilenet(widths=(32, 64, 128, 256, 512, 1024))
    convs = sum(_macs(m, s) for m, s in [(model, (1, 3, 224, 224))])
    linear = 1024 * 10
    assert convs == stem + dw + pw + linear
    assert np.isclose(glued["pw_share_blocks"], pw / (pw + dw))
    assert np.isclose(glued["pw_share_all"], pw / (pw + dw + stem))
    assert 0.94 < glued["pw_share_blocks"] < 0.96
    assert np.isclose(glued["block_share"], 256 / (256 + 9))


def test_grouped_pointwise_costs(chapter):
    _ns, glued = chapter(STEM)
    for name, g in (("pwg_dense_macs", 1), ("pwg_g3_macs", 3), ("pwg_g8_macs", 8)):
        layer = nn.Conv2d(240, 240, 1, groups=g, bias=False)
        assert glued[name] == _macs(layer, (1, 240, 28, 28)) == 28 * 28 * 240 * 240 // g
    assert glued["pwg_matches_torch"] is True


def test_unit_costs(chapter):
    _ns, glued = chapter(STEM)
    hw, c, m, g = 28 * 28, 240, 60, 3
    assert glued["resnet_unit_macs"] == hw * (2 * c * m + 9 * m * m)
    assert glued["resnext_unit_macs"] == hw * (2 * c * m + 9 * m * m // g)
    assert glued["shuffle_unit_macs"] == hw * (2 * c * m // g + 9 * m)
    # torch's own counter on the unit's convolutions (norms excluded: FlopCounterMode skips them)
    unit = cv.models.ShuffleUnit(c, c, groups=g)
    assert _macs(unit, (1, c, 28, 28)) == glued["shuffle_unit_macs"]
    assert np.isclose(glued["unit_ratio"], glued["resnet_unit_macs"] / glued["shuffle_unit_macs"])
    assert 6.0 < glued["unit_ratio"] < 6.1
    # the two 1x1 layers of the unit (groups=3) against the bottleneck's (groups=1), by torch
    grouped = _macs(nn.Conv2d(c, m, 1, groups=g), (1, c, 28, 28)) + _macs(
        nn.Conv2d(m, c, 1, groups=g), (1, m, 28, 28)
    )
    dense = _macs(nn.Conv2d(c, m, 1), (1, c, 28, 28)) + _macs(nn.Conv2d(m, c, 1), (1, m, 28, 28))
    assert glued["pw_unit_fraction"] == str(Fraction(grouped, dense)) == "1/3"


def test_tiny_shufflenet(chapter):
    _ns, glued = chapter(STEM)
    model = cv.models.tiny_shufflenet(groups=2)
    assert glued["tiny_params"] == sum(p.numel() for p in model.parameters())
    # a batch norm is one multiply per output element: count them with torch hooks
    outputs = []
    hooks = [
        mod.register_forward_hook(lambda _m, _i, out: outputs.append(out.numel()))
        for mod in model.modules()
        if isinstance(mod, nn.BatchNorm2d)
    ]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 64, 64))
    for h in hooks:
        h.remove()
    norms = sum(outputs)
    assert glued["tiny_macs"] == _macs(model, (1, 3, 64, 64)) + norms


def test_exercise_answers(chapter):
    ns, _ = chapter(STEM)
    assert _macs(nn.Conv2d(480, 120, 1, groups=4, bias=False), (1, 480, 14, 14)) == 2822400
    assert cv.pointwise_grouped_cost((1, 480, 14, 14), 120, 4, bias=False).macs == 2822400
    assert nn.Conv2d(480, 120, 1, groups=4, bias=False).weight.numel() == 14400

    def share(width):
        block = cv.models.depthwise_separable_block(width, width)
        pw = _macs(block[3], (1, width, 8, 8))
        dw = _macs(block[0], (1, width, 8, 8))
        return pw / (pw + dw)

    assert share(81) <= 0.9 < share(82)
    kinds = ns["macs_by_kind"](cv.models.depthwise_separable_block(82, 82), (1, 82, 8, 8))
    assert kinds["1x1"] / (kinds["1x1"] + kinds["depthwise 3x3"]) > 0.9
    valid = [g for g in range(1, 241) if 240 % g == 0 and 60 % g == 0]
    assert [g for g in valid if 2 * 240 * 60 / g < 9 * 60] == [60]


def test_figure_frames_match_torch():
    fig = pwg_figure()
    for key in fig.keys():
        s = fig.setting(key)
        g, o = s["groups"], s["out_channel"]
        frame = fig.frame(key)
        check_frame(frame)
        col, dense = frame["views"]
        y = F.conv2d(torch.from_numpy(PWG_IMAGE[None]), torch.from_numpy(pwg_weights(g)), groups=g)[
            0, o
        ].numpy()
        assert np.allclose(col["panels"][2]["values"], y.ravel())
        assert np.allclose(dense["panels"][2]["values"], y.ravel())
        c_in_g = 8 // g
        first = (o // (8 // g)) * c_in_g
        for v in (col, dense):
            assert len(v["steps"]) == 4
            for terms in v["steps"]:
                assert len(terms) == c_in_g
                # the input rows used are the group's channels (x cell = channel * 4 + pixel)
                assert {t[3] // 4 for t in terms} == set(range(first, first + c_in_g))
                assert terms[0][0] == 2  # into the output panel y
            assert len(check_frame({"views": [v], "formula": [], "code": ""})) == 4
        # one notation: the panels are named as the formula writes them, x[c, q] and y[o, q]
        # (not X and Y beside a formula in x and y)
        assert [p["name"] for p in col["panels"]] == ["x", "W", "y"]
        assert [p["name"] for p in dense["panels"]] == ["D", "x", "y"]
        assert "W[o, c]·x[" in frame["formula"][0] and frame["formula"][0].startswith("y[o, q]")
        d = np.array(dense["panels"][0]["values"]).reshape(8, 8)  # y = D·x: D first
        mask = np.kron(np.eye(g), np.ones((8 // g, 8 // g)))
        assert np.all(d[mask == 0] == 0) and np.all(d[mask == 1] != 0)
        macs = _macs(nn.Conv2d(8, 8, 1, groups=g, bias=False), (1, 8, 2, 2))
        assert f"= {macs}" in frame["formula"][2]


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "12-pointwise-grouped-convolution")


def test_group_exercise_does_not_fix_g_in_advance():
    """Finding: the exercise used to state g = 3 and then ask how large g must be."""
    text = (BOOK / f"{STEM}.md").read_text()
    start = text.index(":label: ch12-ex-groups")
    question = text[start : text.index("```", start)]
    assert "g = 3" not in question and "$g = " not in question
    assert "How large must its number of groups $g$ be" in " ".join(question.split())
