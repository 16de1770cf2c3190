"""Chapter 14, where the article is wrong: every correction, checked by torch or brute force."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from solutions import run_solution
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

STEM = "14-errata"
BOOK = Path(__file__).resolve().parents[2] / "book"


def torch_macs(module: nn.Module, shape) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(torch.zeros(shape))
    return int(counter.get_total_flops()) // 2


def test_cross_correlation(chapter):
    ns, glued = chapter(STEM)
    assert glued["layer_is_corr"] is True and glued["layer_is_conv"] is False
    image, kernel = ns["image"], ns["kernel"]
    brute = np.array(
        [[np.sum(image[i : i + 3, j : j + 3] * kernel) for j in range(4)] for i in range(4)]
    )
    np.testing.assert_allclose(ns["layer"], brute)


def _torch_conv_matrix(w: np.ndarray) -> np.ndarray:
    """C column by column: the convolution of every basis image (torch)."""
    cols = []
    for i in range(16):
        e = torch.zeros(1, 1, 4, 4, dtype=torch.float64)
        e.view(-1)[i] = 1
        cols.append(F.conv2d(e, torch.from_numpy(w)).flatten().numpy())
    return np.stack(cols, axis=1)


def test_transposed_is_not_an_inverse(chapter):
    ns, glued = chapter(STEM)
    c = _torch_conv_matrix(ns["w"])
    assert (glued["c_rows"], glued["c_cols"]) == c.shape == (4, 16)
    assert glued["c_rank"] == np.linalg.matrix_rank(c) == 4
    out = F.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3))
    assert glued["c_out_side"] == out.shape[-1] == 2 and isinstance(glued["c_out_side"], int)
    gram = c.T @ c
    assert np.linalg.matrix_rank(gram) <= 4
    assert glued["gram_err"] == pytest.approx(np.abs(gram - np.eye(16)).max())
    x = ns["x"]
    assert glued["roundtrip_err"] == pytest.approx(np.abs(gram @ x.ravel() - x.ravel()).max())
    assert glued["roundtrip_err"] > 0.1
    y = ns["y"]
    t = F.conv_transpose2d(torch.from_numpy(y), torch.from_numpy(ns["w"]))[0].numpy()
    np.testing.assert_allclose((c.T @ y.ravel()).reshape(1, 4, 4), t)
    assert glued["ct_is_transposed"] is True and glued["ct_is_grad"] is True


def _brute_seen(dilations, size=41):
    """Support of one central output by propagating a set of input offsets (no autograd)."""
    offsets = {0}
    for d in dilations:
        offsets = {o + d * t for o in offsets for t in (-1, 0, 1)}
    return max(offsets) - min(offsets) + 1


def test_receptive_fields(chapter):
    _ns, glued = chapter(STEM)
    for rate, expected in ((1, 3), (2, 5), (3, 7), (4, 9)):
        assert glued[f"single_{rate}"] == _brute_seen([rate]) == (3 - 1) * rate + 1 == expected
    for n, expected in ((1, 3), (2, 7), (3, 15)):
        assert glued[f"stacked_{n}"] == _brute_seen([1, 2, 4][:n]) == expected
    assert glued["single_3"] != 15


def test_spatially_separable_ratio(chapter):
    _ns, glued = chapter(STEM)
    n, m = glued["sep_N"], glued["sep_m"]
    std = torch_macs(nn.Conv2d(1, 1, m, bias=False), (1, 1, n, n))
    sep = torch_macs(
        nn.Sequential(nn.Conv2d(1, 1, (m, 1), bias=False), nn.Conv2d(1, 1, (1, m), bias=False)),
        (1, 1, n, n),
    )
    assert std == (n - m + 1) ** 2 * m * m
    assert glued["sep_torch"] == pytest.approx(sep / std)
    general = Fraction(2, m) + Fraction(m - 1, m * (n - m + 1))
    assert glued["sep_general"] == pytest.approx(float(general)) == sep / std
    assert glued["sep_article"] == pytest.approx(2 / m + 2 / (m * (n - 2)))
    assert glued["sep_article"] != pytest.approx(glued["sep_general"])
    # m = 3: N - 2 = N - m + 1
    assert glued["sep_agree_3"] is True
    assert Fraction(2, 3) + Fraction(2, 3 * (n - 2)) == Fraction(2, 3) + Fraction(
        3 - 1, 3 * (n - 3 + 1)
    )


def test_depthwise_ratio(chapter):
    _ns, glued = chapter(STEM)
    for h in (2, 3, 4, 5, 7):
        dws = torch_macs(
            nn.Sequential(
                nn.Conv2d(8, 8, h, groups=8, bias=False), nn.Conv2d(8, 16, 1, bias=False)
            ),
            (1, 8, 12, 12),
        )
        std = torch_macs(nn.Conv2d(8, 16, h, bias=False), (1, 8, 12, 12))
        assert Fraction(dws, std) == Fraction(1, 16) + Fraction(1, h * h), h
    assert glued["dw_torch_3"] == pytest.approx(1 / 16 + 1 / 9)
    assert glued["dw_formula_3"] == pytest.approx(1 / 16 + 1 / 9)
    assert glued["dw_term_share"] == pytest.approx((1 / 16) / (1 / 9)) and 16 > 5 * 3


def test_conv3d(chapter):
    ns, glued = chapter(STEM)
    assert glued["c3_weight"] == str((2, 3, 2, 3, 3))
    stack, w = ns["stack"], ns["w3"]
    # brute force: the article's kernel sliding along the 5 stacked maps
    brute = np.zeros((4, 4, 4))
    for d in range(4):
        for i in range(4):
            for j in range(4):
                brute[d, i, j] = np.sum(stack[0, d : d + 2, i : i + 3, j : j + 3] * w[0, 0])
    np.testing.assert_allclose(ns["article"][0], brute)
    assert glued["c3_depth_out"] == 5 - 2 + 1
    assert glued["c3_one_channel"] is True


def test_mobilenet_depthwise(chapter):
    ns, glued = chapter(STEM)
    assert glued["mb_all_depthwise"] is True
    assert glued["mb_n_grouped"] == len(ns["grouped"]) == 2
    assert glued["dw_params"] == sum(
        p.numel() for p in nn.Conv2d(16, 16, 3, groups=16, bias=False).parameters()
    )
    assert glued["g2_params"] == sum(
        p.numel() for p in nn.Conv2d(16, 16, 3, groups=2, bias=False).parameters()
    )


def test_alexnet_split(chapter):
    _ns, glued = chapter(STEM)
    dense = nn.Conv2d(96, 256, 5, padding=2, bias=False)
    split = nn.Conv2d(96, 256, 5, padding=2, groups=2, bias=False)
    assert glued["alex_dense"] == dense.weight.numel() == 256 * 96 * 25
    assert glued["alex_split"] == split.weight.numel() == glued["alex_dense"] // 2


def _gap(net, split):
    """Whole-batch gradient against the share-weighted mean of the shares' gradients."""
    torch.manual_seed(1)
    x, y = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))

    def grad(xs, ys):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(xs), ys).backward()
        return torch.cat([p.grad.flatten() for p in net.parameters()])

    whole = grad(x, y)
    parts = [grad(x[a:b], y[a:b]) * (b - a) / 8 for a, b in split]
    return float((whole - sum(parts)).abs().max())


def _net(batch_norm):
    torch.manual_seed(0)
    norm = [nn.BatchNorm2d(8)] if batch_norm else []
    return nn.Sequential(
        nn.Conv2d(3, 8, 3), *norm, nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10)
    )


def test_data_parallel_gradient(chapter):
    _ns, glued = chapter(STEM)
    assert glued["dp_diff"] < 1e-5
    assert _gap(_net(False), [(0, 4), (4, 8)]) < 1e-5


def test_data_parallel_breaks_with_batch_statistics(chapter):
    """Finding: equality holds only when no layer uses batch statistics (BatchNorm)."""
    _ns, glued = chapter(STEM)
    assert _gap(_net(True), [(0, 4), (4, 8)]) > 1e-3
    assert glued["dp_diff_bn"] > 1e-3
    text = (BOOK / f"{STEM}.md").read_text()
    assert "SyncBatchNorm" in text and "statistics of the batch" in text
    bn_eval = _net(True).eval()
    assert _gap(bn_eval, [(0, 4), (4, 8)]) < 1e-5  # exercise: eval mode restores it


def test_exercises_are_new(chapter):
    """Finding: the errata chapter's exercises no longer repeat those of chapters 6, 7 and 8."""
    import re

    labels = {}
    for path in sorted(BOOK.glob("[01][0-9]-*.md")):
        for block in re.findall(
            r"```\{exercise\}\n:label: [^\n]+\n\n(.*?)```", path.read_text(), re.S
        ):
            labels.setdefault(" ".join(block.split()), []).append(path.stem)
    repeats = {q: stems for q, stems in labels.items() if len(stems) > 1}
    assert not repeats
    text = (BOOK / f"{STEM}.md").read_text()
    for old in ("ch14-ex-orthogonal", "ch14-ex-receptive", "ch14-ex-nc", "ch14-ex-separable"):
        assert old not in text


def test_exercise_answers():
    # unequal shares: the plain mean is wrong, the share-weighted mean is right
    net = _net(False)
    assert _gap(net, [(0, 6), (6, 8)]) < 1e-5
    torch.manual_seed(1)
    x, y = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))

    def grad(xs, ys):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(xs), ys).backward()
        return torch.cat([p.grad.flatten() for p in net.parameters()])

    plain = (grad(x[:6], y[:6]) + grad(x[6:], y[6:])) / 2
    assert float((grad(x, y) - plain).abs().max()) > 1e-3
    # flip back: a true convolution with the turned kernel is the cross-correlation
    rng = np.random.default_rng(0)
    x1, w1 = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    y1 = torch.nn.functional.conv2d(
        torch.from_numpy(x1)[None, None], torch.from_numpy(w1)[None, None]
    )
    from scipy.signal import convolve2d

    np.testing.assert_allclose(convolve2d(x1, w1[::-1, ::-1], mode="valid"), y1[0, 0].numpy())


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "14-errata")


def test_transposed_size_exercise_is_new_and_right(chapter):
    """ch14-impl-tsize asks a dilated case, not ch5's worked 4 -> 7 or 8 again; torch decides."""
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch14-impl-tsize")
    sizes = [
        F.conv_transpose1d(
            torch.zeros(1, 1, 5),
            torch.zeros(1, 1, 3),
            stride=2,
            padding=2,
            output_padding=a,
            dilation=3,
        ).shape[-1]
        for a in range(3)
    ]
    back = [
        F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, 3), stride=2, padding=2, dilation=3).shape[
            -1
        ]
        for n in sizes
    ]
    assert scope["sizes"] == sizes == [11, 12, 13]
    assert back == [5, 5, 6]
    assert "for n in sizes]  # [5, 5, 6]" in (BOOK / f"{STEM}.md").read_text()
