"""Chapter 7, dilated convolution: every number and claim it states, against torch and brute force."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import check_steps

import convviz as cv
from convviz.figures.dilated import (
    DIL_IMAGE,
    DIL_KERNEL,
    STACK_IMAGE,
    STACK_SCHEDULES,
    dilated_kernel_figure,
    dilated_stack_figure,
)

STEM = "07-dilated-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _torch_span(dilations, size=41):
    """Side of the region one output depends on: brute force over unit impulses (no autograd)."""
    w = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    seen_rows = set()
    for r in range(size):
        x = torch.zeros(1, 1, size, 1 + 2 * sum(dilations), dtype=torch.float64)
        x[0, 0, r, :] = 1.0
        y = x
        for d in dilations:
            y = F.conv2d(y, w, dilation=d)
        if y[0, 0, y.shape[2] // 2, 0] != 0:
            seen_rows.add(r)
    return max(seen_rows) - min(seen_rows) + 1


def _reached_cells(dilations):
    """Brute force: cells of an r x r input that change the single output (impulse by impulse)."""
    r = 1 + 2 * sum(dilations)
    w = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    count = 0
    for i in range(r):
        for j in range(r):
            x = torch.zeros(1, 1, r, r, dtype=torch.float64)
            x[0, 0, i, j] = 1.0
            y = x
            for d in dilations:
                y = F.conv2d(y, w, dilation=d)
            count += int(y.item() != 0)
    return r, count


def test_glued_numbers(chapter):
    _ns, g = chapter(STEM)
    # effective size l (k - 1) + 1, by the output length torch gives
    for name, d in (("eff_l2", 2), ("eff_l4", 4)):
        out = F.conv1d(torch.zeros(1, 1, 30), torch.zeros(1, 1, 3), dilation=d).shape[-1]
        assert g[name] == 30 - out + 1 == 2 * d + 1
    assert g["spread2_zeros"] == 25 - 9
    assert g["dil_matches_torch"] is True
    for d in (1, 2, 3, 4):
        assert g[f"single_l{d}"] == _torch_span([d]) == 2 * d + 1
    assert (g["stack_r1"], g["stack_r2"], g["stack_r3"]) == (3, 7, 15)
    assert g["stack_r3"] == _torch_span([1, 2, 4])
    assert g["stack_r2"] == _torch_span([1, 2])
    assert g["plain3_r"] == _torch_span([1, 1, 1]) == 7
    assert g["dil222_r"] == _torch_span([2, 2, 2]) == 13
    assert g["torch_l3"] == _torch_span([3]) == 7
    assert g["torch_stack"] == 15
    dil6 = [2**n for n in range(6)]
    assert g["six_r"] == _torch_span(dil6, size=150) == 2**7 - 1
    assert g["six_plain"] == 2 * 6 + 1
    assert g["six_weights"] == 6 * 9
    assert g["six_big"] == 127**2
    r, seen = _reached_cells((2, 2, 2))
    assert (g["grid_r"], g["grid_cells"], g["grid_seen"]) == (r, r * r, seen) == (13, 169, 49)


def test_the_article_pairing_is_wrong():
    # a single 3x3 kernel with dilation 3 does not see 15x15
    assert _torch_span([3]) != 15
    assert _torch_span([1, 2, 4]) == 15


def test_exercise_answers(chapter):
    ns, _ = chapter(STEM)
    assert F.conv2d(torch.zeros(1, 1, 20, 20), torch.zeros(1, 1, 5, 5), dilation=3).shape[-1] == 8
    assert cv.effective_kernel_size(5, 3) == 13
    assert _torch_span([1, 2, 4, 8], size=70) == 31
    assert ns["measured_side"]([1, 2, 4, 8]) == 31
    assert cv.receptive_field([cv.Layer(3, dilation=d) for d in (1, 2, 4, 8)]).size == (31,)
    out = F.conv2d(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 3, 3), dilation=4, padding=4)
    assert out.shape[-1] == 9 and cv.padding_for_same(3, 4) == 4
    assert _reached_cells((2, 4, 8)) == (29, 225)
    assert ns["support"]((2, 4, 8)) == (29, 225)
    assert _reached_cells((1, 2, 3)) == (13, 169)


def _check_steps(view):
    assert check_steps(view)  # the engine's one check: each step sums to its output


def test_kernel_figure_matches_torch():
    fig = dilated_kernel_figure()
    x = torch.from_numpy(DIL_IMAGE)[None, None]
    w = torch.from_numpy(DIL_KERNEL)[None, None]
    for key in fig.keys():
        s = fig.setting(key)
        d = s["dilation"]
        p = d if s["pad"] == "same" else 0
        y = F.conv2d(x, w, dilation=d, padding=p)[0, 0].numpy()
        view = fig.frame(key)["views"][0]
        np.testing.assert_allclose(np.reshape(view["panels"][2]["values"], y.shape), y)
        assert len(view["steps"]) == y.size
        assert all(len(t) == 9 for t in view["steps"])  # padded cells are read too
        _check_steps(view)
        spread = np.reshape(view["panels"][3]["values"], (2 * d + 1, 2 * d + 1))
        assert np.count_nonzero(spread) == 9
        np.testing.assert_array_equal(spread[::d, ::d], DIL_KERNEL)


def test_stack_figure_matches_torch():
    fig = dilated_stack_figure()
    for key in fig.keys():
        s = fig.setting(key)
        dil = STACK_SCHEDULES[s["schedule"]][: s["layers"]]
        view = fig.frame(key)["views"][0]
        x_panel, p_panel, y_panel = view["panels"]
        n = x_panel["rows"]
        y = torch.from_numpy(STACK_IMAGE[:n, :n])[None, None]
        for d in dil:
            y = F.conv2d(y, torch.ones(1, 1, 3, 3, dtype=torch.float64), dilation=d)
        np.testing.assert_allclose(y_panel["values"], y.flatten().numpy())
        # P counts paths: it sums to 9^L and its side is the receptive field
        assert sum(p_panel["values"]) == 9 ** len(dil)
        assert p_panel["rows"] == 1 + 2 * sum(dil)
        _check_steps(view)
        # each step reads exactly the cells that reach an output
        assert all(len(t) == np.count_nonzero(p_panel["values"]) for t in view["steps"])
        assert len(view["steps"]) == 9
        # the fields after 1, 2, 3 layers side by side: sides and reached cells by brute force
        fields = fig.frame(key)["views"][1]
        assert fields["steps"] == []
        full = STACK_SCHEDULES[s["schedule"]]
        for n_layers, panel in enumerate(fields["panels"], start=1):
            r, seen = _reached_cells(full[:n_layers])
            assert panel["rows"] == panel["cols"] == r == _torch_span(full[:n_layers])
            assert np.count_nonzero(panel["values"]) == seen
            assert len(panel["marks"]["zero"]) == r * r - seen
            assert f"dilation {full[n_layers - 1]}" in panel["label"]
        assert "(" not in fig.frame(key)["views"][0]["title"]  # no Python tuples in labels


def test_doubling_stack_fields_are_3_7_15_side_by_side():
    fig = dilated_stack_figure()
    key = next(k for k in fig.keys() if fig.setting(k)["schedule"].startswith("1, 2, 4"))
    sides = [p["rows"] for p in fig.frame(key)["views"][1]["panels"]]
    assert sides == [_torch_span([1, 2, 4][:n]) for n in (1, 2, 3)] == [3, 7, 15]
    assert sides == [cv.receptive_field([cv.Layer(3, dilation=d) for d in (1, 2, 4)[:n]]).size[0]
                     for n in (1, 2, 3)]  # fmt: skip


def test_kernel_figure_footprint_is_k_eff_square_with_skipped_cells():
    """Each step's nine taps span a k_eff x k_eff box (what the footprint outlines), and the
    box holds k_eff^2 - 9 cells the step skips."""
    fig = dilated_kernel_figure()
    for key in fig.keys():
        d = fig.setting(key)["dilation"]
        view = fig.frame(key)["views"][0]
        foot = view["panels"][-1]
        assert foot["kind"] == "footprint" and foot["input"] == 0
        cols = view["panels"][0]["cols"]
        for terms in view["steps"]:
            rows_ = sorted({t[3] // cols for t in terms})
            cols_ = sorted({t[3] % cols for t in terms})
            k_eff = (3 - 1) * d + 1
            assert rows_[-1] - rows_[0] + 1 == cols_[-1] - cols_[0] + 1 == k_eff
            assert len(terms) == 9
            assert np.all(np.diff(rows_) == d) and np.all(np.diff(cols_) == d)


def test_figure_inputs_have_structure_not_noise():
    # a shape and an edge: few distinct values, most cells zero, the highlight stands out
    assert set(np.unique(DIL_IMAGE)) == {0.0, 2.0, 4.0}
    assert np.count_nonzero(DIL_IMAGE) == 17
    np.testing.assert_array_equal(STACK_IMAGE, np.fromfunction(lambda r, c: c > r, (17, 17)))


# --------------------------------------------------------------------------- #
# The receptive fields of real networks
# --------------------------------------------------------------------------- #


def _field(layers):
    """(r, S, P) of a stack of (k, s, p), by the top-down recursion (independent of cv)."""
    r, p_eff, s_eff = 1, 0, 1
    for k, s, p in reversed(layers):
        r = s * r + (k - s)
        p_eff = s * p_eff + p
        s_eff *= s
    return r, s_eff, p_eff


def _resnet_main_path(blocks, kind, stride_on="1x1"):
    """The longest path of a ResNet: stem, max pool, then the 3x3 layers of every block."""
    layers = [(7, 2, 3), (3, 2, 1)]
    for i, n in enumerate(blocks):
        for j in range(n):
            s = 2 if (i > 0 and j == 0) else 1
            if kind == "basic":
                layers += [(3, s, 1), (3, 1, 1)]
            elif stride_on == "1x1":
                layers += [(1, s, 0), (3, 1, 1), (1, 1, 0)]
            else:
                layers += [(1, 1, 0), (3, s, 1), (1, 1, 0)]
    return layers


def _hand_fields():
    vgg = []
    for n in (2, 2, 3, 3, 3):
        vgg += [(3, 1, 1)] * n + [(2, 2, 0)]
    mb1 = [(3, 2, 1)]
    for s in (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1):  # Howard et al., table 1
        mb1 += [(3, s, 1), (1, 1, 0)]
    mb2 = [(3, 2, 1)]
    for t, _c, n, s in (
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ):  # Sandler et al., table 2
        for j in range(n):
            mb2 += ([(1, 1, 0)] if t != 1 else []) + [(3, s if j == 0 else 1, 1), (1, 1, 0)]
    mb2 += [(1, 1, 0)]
    shuffle = [(3, 2, 1), (3, 2, 1)]
    for repeat in (4, 8, 4):  # Zhang et al., table 1
        for j in range(repeat):
            shuffle += [(1, 1, 0), (3, 2 if j == 0 else 1, 1), (1, 1, 0)]
    alex = [(11, 4, 2), (3, 2, 0), (5, 1, 2), (3, 2, 0), (3, 1, 1), (3, 1, 1), (3, 1, 1),
            (3, 2, 0)]  # fmt: skip
    return {
        "AlexNet": _field(alex),
        "VGG-16": _field(vgg),
        "ResNet-18": _field(_resnet_main_path((2, 2, 2, 2), "basic")),
        "ResNet-50": _field(_resnet_main_path((3, 4, 6, 3), "bottleneck")),
        "ResNet-50, stride on the 3x3": _field(_resnet_main_path((3, 4, 6, 3), "b", "3x3")),
        "ResNeXt-50 (32x4d)": _field(_resnet_main_path((3, 4, 6, 3), "b", "3x3")),
        "MobileNet v1": _field(mb1),
        "MobileNet v2": _field(mb2),
        "ShuffleNet v1 (g=3)": _field(shuffle),
    }


# Araujo et al., google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md, resolution 224
PUBLISHED = {
    "AlexNet": ("alexnet_v2", 195, 32, 64),
    "VGG-16": ("vgg_16", 212, 32, 90),
    "MobileNet v1": ("mobilenet_v1", 315, 32, 126),
    "ResNet-50": ("resnet_v1_50", 483, 32, 239),
}


def test_real_network_fields(chapter):
    ns, g = chapter(STEM)
    hand = _hand_fields()
    assert ns["fields"] == hand
    assert ns["PUBLISHED"] == PUBLISHED
    assert g["rf_count"] == len(hand) == 9
    assert g["rf_common_s"] == 32 and {s for _r, s, _p in hand.values()} == {32}
    assert g["rf_over_224"] == sum(r > 224 for r, _s, _p in hand.values()) == 7
    # r and S as published; the TensorFlow rebuild reproduces the published triples
    assert g["rf_same_rs"] is True and g["rf_rebuilt_match"] is True
    for name, (_model, r, s, p) in PUBLISHED.items():
        assert hand[name][:2] == (r, s)
        assert ns["rebuilt"][name] == (r, s, p)
    for key, name in (("alex", "AlexNet"), ("vgg", "VGG-16"), ("mb1", "MobileNet v1"),
                      ("r50", "ResNet-50"), ("r50b", "ResNet-50, stride on the 3x3"),
                      ("r18", "ResNet-18"), ("shuffle", "ShuffleNet v1 (g=3)")):  # fmt: skip
        assert (g[f"rf_{key}_r"], g[f"rf_{key}_s"], g[f"rf_{key}_p"]) == hand[name]
    # the explanations: where padding goes
    assert hand["VGG-16"] == (212, 32, 90)
    assert g["rf_alex_p"] - g["rf_alex_pub_p"] == 2 * 1  # conv1 pads 2 cells at S = 1
    assert g["rf_mb1_strided"] == 5 and g["rf_mb1_jumps"] == "1, 2, 4, 8, 16"
    assert g["rf_mb1_gap"] == 31 == g["rf_mb1_p"] - g["rf_mb1_pub_p"]
    assert g["rf_r50_p"] - g["rf_r50_pub_p"] == 1 * 2  # the max pool's one cell, at S = 2
    # a 3x3 striding instead of the 1x1 before it adds 2 S_before instead of 2 (2 S_before)
    assert g["rf_r50b_gap"] == sum(2 * s for s in (4, 8, 16)) == 56


def test_real_network_gradient_check(chapter):
    ns, g = chapter(STEM)
    assert g["rf_grad_all"] is True
    hand = _hand_fields()
    for name, key in (("AlexNet", "alex"), ("ResNet-18", "r18")):
        r, s, p = hand[name]
        u = next(c[0] for n, c in ns["checks"].items() if n.startswith(name))
        assert (g[f"rf_grad_{key}_first"], g[f"rf_grad_{key}_last"]) == (
            u * s - p,
            u * s - p + r - 1,
        )
    # and the support itself, measured here again with torch for the narrow ResNet-18
    from torch import nn

    from convviz import models

    torch.manual_seed(0)
    net = models.resnet18(width=2)
    trunk = ns["positive_twin"](nn.Sequential(*list(net.children())[:8]))
    u, rows = ns["gradient_support"](trunk, 480)
    r, s, p = hand["ResNet-18"]
    assert rows.tolist() == list(range(u * s - p, u * s - p + r))


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "07-dilated-convolution")


def _holes_brute(dilations):
    """Impulse by impulse (1D): does some cell of the bounding box not reach the output?"""
    r = 1 + 2 * sum(dilations)
    w = torch.ones(1, 1, 3, dtype=torch.float64)
    reached = []
    for i in range(r):
        x = torch.zeros(1, 1, r, dtype=torch.float64)
        x[0, 0, i] = 1.0
        y = x
        for d in dilations:
            y = F.conv1d(y, w, dilation=d)
        reached.append(y.item() != 0)
    return not all(reached)


def test_gridding_rules_and_the_hdc_condition(chapter):
    """Finding: 'start at 1, or no common factor' does not avoid gridding; HDC's M_2 <= K does."""
    _ns, g = chapter(STEM)
    # the old summary's rules are false: both schedules leave holes
    assert _holes_brute((1, 4)) and _holes_brute((2, 3))
    assert g["g14_holes"] > 0 and g["g23_holes"] > 0
    r, seen = _reached_cells((1, 4))
    assert g["g14_holes"] == r * r - seen
    r, seen = _reached_cells((2, 3))
    assert g["g23_holes"] == r * r - seen
    # the HDC condition (Wang et al. 2018): M_n = r_n, M_i = max(M_{i+1} - 2 r_i,
    # M_{i+1} - 2 (M_{i+1} - r_i), r_i), M_2 <= K -> no holes with r_1 = 1
    assert g["hdc_meet_holes"] == 0 and g["hdc_meet"] > 0
    assert g["hdc_m2_125"] == 2 and not _holes_brute((1, 2, 5))
    text = (BOOK / f"{STEM}.md").read_text()
    assert "starting at 1, or with no common factor, avoids them" not in text


def test_receptive_field_set_and_side_are_both_defined(chapter):
    """Finding: the receptive field is a set of cells; its size is the side of its bounding box."""
    _ns, g = chapter(STEM)
    text = (BOOK / f"{STEM}.md").read_text()
    assert "**set** of input cells" in text and "bounding box" in text
    # one 3x3 layer with dilation 4: a 9-wide bounding box, 9 cells in the set (brute force)
    x = torch.zeros(1, 1, 20, 20, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, 3, 3), dilation=4)[0, 0, 0, 0].backward()
    assert g["single_cells"] == int((x.grad != 0).sum()) == 9
    assert g["single_l4"] == 9


def test_no_dilation_written_l_outside_the_article_quote():
    text = (BOOK / f"{STEM}.md").read_text()
    uses = [m.start() for m in re.finditer(r"\$l\b|\bl_n\b|dilation=l\b", text)]
    quote = text.index("writes the dilation rate as $l$")
    assert all(
        quote <= u <= quote + 200 or "15×15 at $l = 3$" in text[u - 20 : u + 20] for u in uses
    )


def test_vgg_field_exercise(chapter):
    from solutions import run_solution

    ns, _g = chapter(STEM)
    scope = run_solution(ns, STEM, "ch07-ex-vgg-field")
    # the hand recursion lands on Araujo et al.'s published triple for vgg_16 at 224
    _model, r, s, p = PUBLISHED["VGG-16"]
    assert (scope["r"], scope["S"], scope["P"]) == (r, s, p)
    # output 3 of the 7x7 map: rows u S - P .. u S - P + r - 1, all inside the 224-row image
    assert scope["first"] == 3 * 32 - 90 == 6 and 6 + 212 - 1 == 217 < 224


def test_network_summary_bullet(chapter):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "book" / f"{STEM}.md").read_text(encoding="utf-8")
    summary = text.split("## Summary")[1].split("## Exercises")[0]
    assert "{glue:text}`rf_common_s`" in summary
    _ns, g = chapter(STEM)
    # "most with fields wider than their 224-pixel input": 7 of the 9 by the hand recursion
    assert g["rf_over_224"] > g["rf_count"] / 2
