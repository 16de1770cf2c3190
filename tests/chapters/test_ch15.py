"""Chapter 15, training a CNN: every glued number against torch, sklearn or brute force."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.flop_counter import FlopCounterMode

STEM = "15-training-a-cnn"
BOOK = Path(__file__).resolve().parents[2] / "book"


@pytest.fixture(scope="module")
def ch(chapter):
    return chapter(STEM)


def torch_predictions(model, x):
    with torch.no_grad():
        return model.to_torch()(torch.from_numpy(x)).argmax(dim=1).numpy()


def test_gradient_section(ch):
    ns, g = ch
    assert g["grad_vs_torch"] < 1e-12
    # o = 4 for i = 8, k = 3, s = 2, p = 1; the transposed convolution of 4 cells gives 7
    assert g["out_pad"] == 8 - ((4 - 1) * 2 - 2 * 1 + 3) == 1
    gy = torch.tensor(ns["gy"])
    xt = torch.tensor(ns["x"], requires_grad=True)
    F.conv2d(xt, torch.tensor(ns["w"]), stride=2, padding=1).backward(gy)
    back = F.conv_transpose2d(gy, torch.tensor(ns["w"]), stride=2, padding=1, output_padding=1)
    assert torch.allclose(back, xt.grad) and g["transpose_equal"] is True
    twin = ns["check"].to_torch()
    assert g["check_arrays"] == len(list(twin.parameters())) == 8
    assert g["check_diff"] < 1e-5


def test_data(ch):
    ns, g = ch
    digits = load_digits()
    assert g["n_images"] == len(digits.target) == 1797
    # "8x8 pixels with 17 grey levels (0 to 16)"
    assert digits.images.shape[1:] == (8, 8)
    assert set(np.unique(digits.images)) <= set(range(17)) and digits.images.max() == 16
    assert g["n_levels"] == len(set(digits.images.ravel().tolist())) == 17
    assert g["max_level"] == 16
    assert g["n_train"] + g["n_test"] == 1797 and g["n_test"] == int(np.ceil(0.25 * 1797))
    assert np.isclose(g["one_image"], 100 / g["n_test"])
    # the test set is balanced like the whole set (stratified)
    counts = np.bincount(ns["y_test"], minlength=10) / g["n_test"]
    assert np.allclose(counts, np.bincount(digits.target) / 1797, atol=0.01)


def test_standard_network(ch):
    ns, g = ch
    y_test, x_test = ns["y_test"], ns["x_test"]
    accs = []
    for run in ns["runs"]["standard"]:
        pred = torch_predictions(run["model"], x_test)
        assert np.mean(pred != run["pred"]) <= 1 / len(y_test)  # float32 ties at most
        accs.append(100 * np.mean(run["pred"] == y_test))
    assert np.isclose(g["std_acc_min"], min(accs)) and np.isclose(g["std_acc_max"], max(accs))
    assert min(accs) >= 97.0  # the target, on every seed
    assert g["epochs"] == len(ns["best"]["history"]) == 6 and g["n_seeds"] == 3
    assert g["n_wrong"] == int(np.sum(ns["best"]["pred"] != y_test))


def test_first_layer_kernels(ch):
    ns, g = ch
    w = ns["best"]["model"].to_torch()[0].weight.detach().numpy()[:, 0]
    mixed = 0
    for kernel in w:
        pos, neg = kernel.max(), -kernel.min()
        mixed += min(pos, neg) >= max(pos, neg) / 3
    assert g["n_contrast"] == mixed and g["n_kernels"] == 16


def test_checkerboard(ch):
    ns, g = ch
    # windows of a 3x3, stride-2, padding-1 convolution covering each cell of 8x8, by brute force
    cover = np.zeros(8)
    for o in range(4):
        for k in range(3):
            cell = 2 * o + k - 1
            if 0 <= cell < 8:
                cover[cell] += 1
    reads = np.outer(cover, cover)
    np.testing.assert_array_equal(ns["reads"], reads)
    # the gradient arriving at the strided layer and at the image, by torch autograd
    twin = ns["best"]["model"].to_torch()
    h = torch.tensor(ns["x_test"], requires_grad=True)
    kept = {}
    for index, module in enumerate(twin):
        if index == 2:
            h.retain_grad()
        kept[index] = h
        h = module(h)
    F.cross_entropy(h, torch.tensor(ns["y_test"])).backward()
    at_stride = kept[2].grad.abs().mean(dim=(0, 1)).numpy()
    at_image = kept[0].grad.abs().mean(dim=(0, 1)).numpy()
    checker = at_stride[reads == 4].mean() / at_stride[reads == 1].mean()
    assert g["checker"] == pytest.approx(checker, rel=1e-3)
    assert g["corr_stride"] == pytest.approx(
        np.corrcoef(reads.ravel(), at_stride.ravel())[0, 1], rel=1e-3
    )
    interior = at_image[1:7:2, 1:7:2].mean() / at_image[2:8:2, 2:8:2].mean()
    assert g["checker_image"] == pytest.approx(interior, rel=1e-3)
    assert g["checker"] > 2 and g["corr_stride"] > 0.5  # "the pattern is there"
    # the window counts summed over each 3x3 neighbourhood (zeros outside), by brute force
    box = np.zeros((8, 8))
    for r in range(8):
        for c in range(8):
            box[r, c] = reads[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2].sum()
    assert box[1, 1] == 16 and box[2, 2] == 25 and box[6, 6] == 16  # 4 x 4, 5 x 5, 4 x 4
    box_ratio = box[1:7:2, 1:7:2].mean() / box[2:8:2, 2:8:2].mean()
    assert g["checker_box"] == pytest.approx(box_ratio)
    ink = np.mean([img[0] for img in ns["x_test"]], axis=0)
    ink_ratio = np.mean([ink[r, c] for r in (1, 3, 5) for c in (1, 3, 5)]) / np.mean(
        [ink[r, c] for r in (2, 4, 6) for c in (2, 4, 6)]
    )
    assert g["ink_ratio"] == pytest.approx(ink_ratio, rel=1e-5)
    # "inverted and weaker": below 1, and a smaller contrast than at the strided layer;
    # close to what the spread window counts predict, and not from the digits' ink
    assert g["checker_image"] < 1 and 1 / g["checker_image"] < g["checker"]
    assert g["checker_box"] < 1 and abs(g["checker_image"] - g["checker_box"]) < 0.15
    assert abs(g["ink_ratio"] - 1) < 0.1 and g["ink_ratio"] - g["checker_image"] > 0.15


def test_table(ch):
    ns, g = ch
    y_test, runs = ns["y_test"], ns["runs"]
    assert list(runs) == ns["KINDS"] and len(ns["KINDS"]) == 6
    summary = {}
    for kind, kind_runs in runs.items():
        assert len(kind_runs) == 3
        twin = kind_runs[0]["model"].to_torch()
        params = sum(p.numel() for p in twin.parameters())
        with FlopCounterMode(display=False) as counter:
            twin(torch.zeros(1, 1, 8, 8))
        macs = counter.get_total_flops() // 2
        acc = np.array([100 * np.mean(r["pred"] == y_test) for r in kind_runs])
        assert ns["rows"][kind]["params"] == params and ns["rows"][kind]["macs"] == macs
        summary[kind.split()[0]] = dict(
            params=params, macs=macs, acc=acc, t=ns["rows"][kind]["seconds"]
        )
    std = summary["standard"]
    for key, s in summary.items():
        assert g[f"{key}_params_ratio"] == pytest.approx(s["params"] / std["params"])
        assert g[f"{key}_macs_ratio"] == pytest.approx(s["macs"] / std["macs"])
        assert g[f"{key}_acc"] == pytest.approx(s["acc"].mean())
        assert g[f"{key}_acc_std"] == pytest.approx(s["acc"].std(ddof=1))
        assert g[f"{key}_drop"] == pytest.approx(std["acc"].mean() - s["acc"].mean())
        assert g[f"{key}_time_ratio"] == pytest.approx(s["t"] / std["t"])
    assert g["std_macs"] == std["macs"]
    cheap = [k for k in summary if summary[k]["macs"] < std["macs"]]
    assert sorted(cheap) == sorted(["depthwise", "grouped", "pointwise", "flattened"])
    assert g["cheapest_macs_ratio"] == pytest.approx(
        min(summary[k]["macs"] for k in cheap) / std["macs"]
    )
    ratios = [summary[k]["t"] / std["t"] for k in cheap]
    assert g["min_time_ratio"] == pytest.approx(min(ratios))
    assert g["max_time_ratio"] == pytest.approx(max(ratios))
    # the claims of the prose
    assert g["dilated_params_ratio"] == g["dilated_macs_ratio"] == 1.0
    assert g["depthwise_macs_ratio"] > 1 / 32 + 1 / 9  # the untouched layers weigh on the total
    assert abs(g["dilated_drop"]) <= 1.0
    assert 0 < g["grouped_drop"] < 2.0
    drop_over_std = [
        (std["acc"].mean() - summary[k]["acc"].mean()) / summary[k]["acc"].std(ddof=1)
        for k in ("depthwise", "pointwise", "flattened")
    ]
    assert g["min_drop_over_std"] == pytest.approx(min(drop_over_std))
    assert g["min_drop_over_std"] > 2  # "each at least ... times the spread"
    for key in ("depthwise", "pointwise", "flattened"):
        assert g[f"{key}_params_ratio"] <= 0.25
    # the binomial standard error of an accuracy on the test set, by simulation
    q, n = std["acc"].mean() / 100, len(y_test)
    draws = np.random.default_rng(0).binomial(n, q, size=200_000) / n
    assert g["test_se"] == pytest.approx(100 * draws.std(), rel=0.02)
    # "the grouped network's loss could vanish; the factored networks' losses are too large"
    assert g["grouped_drop"] < 2 * g["test_se"]
    for key in ("depthwise", "pointwise", "flattened"):
        assert g[f"{key}_drop"] > 2 * g["test_se"]
    assert g["min_time_ratio"] > 0.5 > 3 * g["cheapest_macs_ratio"]


def solutions() -> list[tuple[str, str]]:
    text = (BOOK / f"{STEM}.md").read_text()
    found = re.findall(r"````\{solution\} (\S+)\n(.*?)\n````", text, flags=re.S)
    return [
        (label, "\n".join(re.findall(r"```python\n(.*?)```", body, flags=re.S)))
        for label, body in found
    ]


def test_exercise_solutions_run(ch, capsys):
    ns, _ = ch
    # the implement-it solutions run in test_implement_it_solutions_pass_their_checks,
    # on a copy of the namespace (here they would replace the scaffolds it checks)
    sols = {k: v for k, v in solutions() if not k.startswith("ch15-impl-")}
    assert len(sols) == 5 and all(sols.values())
    for label, code in sols.items():
        exec(compile(code, f"{STEM}.md:{label}", "exec"), ns)
    # ch15-ex-longer: "ends well above the 6-epoch runs of the table"
    longer = 100 * np.mean(ns["longer"]["pred"] == ns["y_test"])
    assert (
        longer > max(100 * np.mean(r["pred"] == ns["y_test"]) for r in ns["runs"]["flattened"]) + 1
    )
    assert ns["EPOCHS"] == 6
    # ch15-ex-weight: the learner's unfold version passes the exercise checker
    assert ns["report"].passed, str(ns["report"])
    # ch15-ex-time measures wall-clock time: tests check behaviour, not speed, so only
    # that it measured every size (benchmarks/ hold the speed measurements)
    speedup = ns["speedup"]
    assert sorted(speedup) == [4, 16, 64] and all(v > 0 for v in speedup.values())


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, STEM)
