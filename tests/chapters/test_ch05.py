"""Chapter 5, convolution arithmetic: every number and claim it states, measured with torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from frame_checks import check_steps

import convviz as cv
from convviz.figures.arithmetic import (
    AR_INPUT,
    AR_KERNEL,
    conv_arithmetic_figure,
    transposed_arithmetic_figure,
)

STEM = "05-convolution-arithmetic"


def conv_len(i, k, s=1, p=0, d=1):
    return F.conv1d(
        torch.zeros(1, 1, i), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d
    ).shape[-1]


def tconv_len(i, k, s=1, p=0, a=0, d=1):
    w = torch.zeros(1, 1, k)
    return F.conv_transpose1d(
        torch.zeros(1, 1, i), w, stride=s, padding=p, output_padding=a, dilation=d
    ).shape[-1]


def brute_extent(k, d):
    """Cells from the first to the last tap, counted from the tap positions."""
    taps = [t * d for t in range(k)]
    return taps[-1] - taps[0] + 1


def test_calculator_and_2d_example(chapter):
    _ns, glued = chapter(STEM)
    fig = conv_arithmetic_figure()
    sizes = fig.controls[0].options
    assert glued["ar_min_size"] == min(sizes)
    assert glued["ar_n_frames"] == np.prod([len(c.options) for c in fig.controls])
    layer = torch.nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    h, w = layer(torch.zeros(1, 3, 11, 20)).shape[2:]
    assert (glued["ex2d_h"], glued["ex2d_w"]) == (h, w) == (6, 16)


def test_effective_sizes(chapter):
    _ns, glued = chapter(STEM)
    for d in (1, 2, 4):
        assert glued[f"eff_3_{d}"] == brute_extent(3, d) == 3 + 2 * (d - 1)
    assert glued["eff_5_3"] == brute_extent(5, 3) == 13


def test_floor_drop(chapter):
    _ns, glued = chapter(STEM)
    assert glued["drop_o"] == conv_len(8, 3, 2) == 3
    # brute force: which input cells does some window read?
    read = {start + t for start in range(0, 8 - 3 + 1, 2) for t in range(3)}
    assert glued["drop_n"] == 8 - len(read) == 1
    assert glued["drop_same"] is True
    # the demo shows something: its output is not all zeros (a ramp under [1, -2, 1] was)
    x = torch.tensor([3.0, 1, 4, 1, 5, 9, 2, 6]).view(1, 1, 8)
    y = F.conv1d(x, torch.tensor([[[1.0, -2.0, 1.0]]]), stride=2).view(-1).tolist()
    assert glued["drop_out"] == y and any(v != 0 for v in y)


def test_relationship_numbers_are_the_papers(chapter):
    """arXiv:1603.07285 v2: 1-6 convolution, 7 pooling, 8-14 transposed, 15 dilated."""
    ns, _glued = chapter(STEM)
    names = {label: name for label, name, *_ in ns["rows"]}
    assert names["7"] == "pooling"
    assert names["8"].startswith("transposed: no zero padding, unit strides")
    assert names["14"].startswith("transposed: zero padding, non-unit strides, any")
    assert names["15"] == "dilated convolution"
    assert "15T" in names and "not in the paper" in names["15T"]


def test_relationship_table(chapter):
    ns, glued = chapter(STEM)
    assert glued["rel_count"] == 16 and glued["rel_all_ok"] is True
    for label, _name, _case, formula, measured, ok in ns["rows"]:
        i, k, s, p, d = ns["cases"][label]
        rel = cv.relationship(label)
        assert ok
        if rel.transposed:
            a = (i + 2 * p - d * (k - 1) - 1) % s
            assert formula == measured == i == tconv_len(conv_len(i, k, s, p, d), k, s, p, a, d)
        elif rel.operation == "pooling":
            pool = torch.nn.MaxPool1d(k, s)(torch.zeros(1, 1, i)).shape[-1]
            assert formula == measured == pool
        else:
            assert formula == measured == conv_len(i, k, s, p, d)


def test_same_padding(chapter):
    _ns, glued = chapter(STEM)
    assert glued["same_5_3"] == 6 and conv_len(10, 5, 1, 6, 3) == 10
    assert (glued["even_left"], glued["even_right"]) == (1, 2)
    x, w = torch.randn(1, 1, 9), torch.randn(1, 1, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same = F.conv1d(x, w, padding="same")
    assert torch.allclose(same, F.conv1d(F.pad(x, (1, 2)), w))
    assert not torch.allclose(same, F.conv1d(F.pad(x, (2, 1)), w))
    assert glued["even_matches"] is True
    assert glued["torch_refuses_same"] is True
    with pytest.raises(RuntimeError, match="same"):
        F.conv1d(torch.zeros(1, 1, 9), torch.zeros(1, 1, 3), stride=2, padding="same")


def test_going_back(chapter):
    _ns, glued = chapter(STEM)
    assert conv_len(7, 3, 2, 1) == conv_len(8, 3, 2, 1) == 4
    assert glued["back_o7"] == tconv_len(4, 3, 2, 1) == 7
    assert glued["back_o"] == conv_len(7, 3, 2, 1) == conv_len(8, 3, 2, 1) == 4
    assert glued["back_a8"] == 1 and tconv_len(4, 3, 2, 1, 1) == 8


def test_exercise_answers():
    stem = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 7, 2, 3), torch.nn.MaxPool2d(3, 2, 1))
    assert stem(torch.zeros(1, 3, 224, 224)).shape[2:] == (56, 56)
    assert stem(torch.zeros(1, 3, 225, 225)).shape[2:] == (57, 57)
    assert [conv_len(i, 7, 2, 3) for i in (224, 225)] == [112, 113]
    assert cv.padding_for_same(5, 3) == 6
    assert cv.same_padding(2, 3) == (1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        n = F.conv1d(torch.zeros(1, 1, 10), torch.zeros(1, 1, 2), padding="same", dilation=3).shape[
            -1
        ]
    assert n == 10
    assert [i for i in range(3, 30) if conv_len(i, 3, 3) == 4] == [12, 13, 14]
    assert [tconv_len(4, 3, 3, 0, a) for a in (0, 1, 2)] == [12, 13, 14]
    assert brute_extent(3, 4) == 9 and conv_len(20, 3, 1, 0, 4) == 12


def test_conv_calculator_frames_match_torch():
    fig = conv_arithmetic_figure()
    for key in fig.keys():
        st = fig.setting(key)
        i, k, s, p, d = st["i"], st["k"], st["s"], st["p"], st["d"]
        frame = fig.frame(key)
        (v,) = frame["views"]
        x_panel, _w_panel, y_panel = v["panels"]
        x, w = torch.tensor(AR_INPUT[:i]).view(1, 1, -1), torch.tensor(AR_KERNEL[:k]).view(1, 1, -1)
        y = F.conv1d(x, w, stride=s, padding=p, dilation=d).view(-1).numpy()
        np.testing.assert_allclose(y_panel["values"], y)
        o = len(y)
        assert f"= {o}" in frame["formula"][0]
        assert f"-> (1, 1, {o})" in frame["code"]
        # marks: padding cells and the real input cells no window reads at the tail
        assert x_panel["marks"]["pad"] == list(range(p)) + list(range(p + i, i + 2 * p))
        read = {j * s + t * d for j in range(o) for t in range(k)}
        tail = [c for c in range(max(read) + 1, i + 2 * p) if p <= c < p + i]
        assert x_panel["marks"]["drop"] == tail
        assert len(v["steps"]) == o
        assert len(check_steps(v)) == o


def test_transposed_calculator_frames_match_torch():
    fig = transposed_arithmetic_figure()
    for key in fig.keys():
        st = fig.setting(key)
        i, k, s, p, d = st["i"], st["k"], st["s"], st["p"], st["d"]
        frame = fig.frame(key)
        (v,) = frame["views"]
        _y_panel, _w_panel, z_panel = v["panels"]
        i_t = conv_len(i, k, s, p, d)
        a = (i + 2 * p - d * (k - 1) - 1) % s
        y, w = (
            torch.tensor(AR_INPUT[:i_t]).view(1, 1, -1),
            torch.tensor(AR_KERNEL[:k]).view(1, 1, -1),
        )
        z = F.conv_transpose1d(y, w, stride=s, padding=p, output_padding=a, dilation=d).view(-1)
        assert len(z) == i  # the transposed convolution gives the forward input size back
        shown = np.asarray(z_panel["values"], dtype=float)
        kept = [c for c in range(len(shown)) if c not in z_panel["marks"]["drop"]]  # cut by p
        np.testing.assert_allclose(shown[kept], z.numpy(), atol=1e-9)
        assert "pad" not in z_panel["marks"]  # cut cells are struck, not padding zeros
        assert set(frame["legend"]) == {"drop", "hot"}
        assert f"= {i}" in frame["formula"][1]
        assert (f"output_padding={a}" in frame["code"]) == (a > 0)
        check_steps(v)
        # the steps compute the cells of z first (in order), then the cells padding cuts:
        # the first step a reader sees is a cell of z, not a struck one
        cut = set(range(p)) | set(range(len(shown) - p, len(shown)))
        order = [terms[0][1] for terms in v["steps"]]
        n_kept = sum(c not in cut for c in order)
        assert order[:n_kept] == sorted(c for c in order if c not in cut)
        assert all(c in cut for c in order[n_kept:])
        assert order[0] not in cut


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "05-convolution-arithmetic")


def test_calculator_shows_the_direct_equivalent_of_every_transposed_case():
    """Issue 9: the guide's equivalent direct convolution, in the calculator, for every setting."""
    fig = transposed_arithmetic_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        k, s, p, d = st_["k"], st_["s"], st_["p"], st_["d"]
        (line,) = [text for text in fig.frame(key)["formula"] if "as a direct convolution" in text]
        # p' = d(k - 1) - p, computed here from the setting, not read from the package
        assert f"p′ = d(k − 1) − p = {d * (k - 1) - p}," in line
        zeros = f"{s - 1} zero" if s == 2 else f"{s - 1} zeros"  # never "zero(s)"
        assert f"insert s − 1 = {zeros} between" in line
        # the direct form's output count is torch's transposed output size (the forward
        # convolution of size i gives i′ cells; output_padding brings it back to i)
        assert f"= {st_['i']} outputs, the same values" in line
        i_t = conv_len(st_["i"], k, s, p, d)
        assert (
            tconv_len(i_t, k, s, p, cv.output_padding_for(i_t, st_["i"], k, s, p, d), d) == st_["i"]
        )
