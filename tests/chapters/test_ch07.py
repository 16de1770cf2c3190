"""Chapter 7, dilated convolution: every number and claim it states, against torch and brute force."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

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
    panels = view["panels"]
    for terms in view["steps"]:
        o_p, o_c = terms[0][0], terms[0][1]
        total = sum(panels[t[2]]["values"][t[3]] * panels[t[4]]["values"][t[5]] for t in terms)
        assert np.isclose(total, panels[o_p]["values"][o_c])


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
