"""Speed of a convviz training step and of ``convviz.grad`` next to torch's, on CPU.

Run: ``nice .venv/bin/python benchmarks/bench_train.py`` (``--rounds``, ``--per-block``,
``--only NAME``). Cases:

* one training step (forward, cross-entropy, backward, Adam) of chapter 15's standard
  network on a batch of 32 digits, ``convviz.nn`` against the same network in torch,
  on 2 threads and on 1 (the chapter trains on one: its matrices are too small for a
  second BLAS thread to pay);
* ``conv2d_input`` and ``conv2d_weight`` against ``torch.nn.grad``'s on a VGG-like layer
  (8 x 64 x 56 x 56, 64 filters of 3x3, padding 1), on 2 threads.

Paired alternating rounds as ``bench_conv.py`` (:func:`bench_conv.block_medians_ms`);
the ratio convviz / torch is the median of the rounds' ratios. Prints a markdown
table and writes ``benchmarks/results/train.json``. Not a test: nothing asserts.
"""

from __future__ import annotations

import os

THREADS = 2
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)  # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from bench_conv import blas_info, block_medians_ms, openblas_cores  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from convviz import grad, nn  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "train.json"
TARGET = 2.0


def standard_network(rng: np.random.Generator) -> nn.Sequential:
    """Chapter 15's standard network (book/15-training-a-cnn.md, ``network('standard')``)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 10, rng=rng),
    )


def train_step_case():
    """Two closures, torch's and convviz's training step, and the largest weight gap."""
    rng = np.random.default_rng(0)
    digits = load_digits()
    x = (digits.images[:32] / 16).astype(np.float32)[:, None]
    labels = digits.target[:32]
    model = standard_network(rng)
    twin = model.to_torch()
    opt, opt_t = nn.Adam(model, lr=1e-3), torch.optim.Adam(twin.parameters(), lr=1e-3)
    xt, lt = torch.from_numpy(x), torch.from_numpy(labels)

    def ours() -> None:  # main() times it inside threadpool_limits(threads)
        _, g = nn.cross_entropy(model.forward(x), labels)
        model.backward(g, input_grad=False)  # torch: the data does not require a gradient
        opt.step()

    def theirs() -> None:
        opt_t.zero_grad()
        F.cross_entropy(twin(xt), lt).backward()
        opt_t.step()

    ours(), theirs()  # one step each from the same weights: the same update
    gap = max(
        float(abs(layer.params[name] - p.detach().numpy()).max())
        for (layer, name), p in zip(model.parameters(), twin.parameters(), strict=True)
    )
    return theirs, ours, gap


def grad_cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 56, 56), dtype=np.float32)
    w = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    gy = rng.standard_normal((8, 64, 56, 56), dtype=np.float32)
    xt, wt, gyt = (torch.from_numpy(a) for a in (x, w, gy))
    d_in = float(
        abs(
            grad.conv2d_input(x.shape, w, gy, padding=1)
            - torch.nn.grad.conv2d_input(x.shape, wt, gyt, padding=1).numpy()
        ).max()
    )
    d_w = float(
        abs(
            grad.conv2d_weight(x, w.shape, gy, padding=1)
            - torch.nn.grad.conv2d_weight(xt, w.shape, gyt, padding=1).numpy()
        ).max()
    )
    return [
        (
            "conv2d_input 8x64x56x56 3x3 p1",
            lambda: torch.nn.grad.conv2d_input(x.shape, wt, gyt, padding=1),
            lambda: grad.conv2d_input(x.shape, w, gy, padding=1),
            d_in,
            THREADS,
        ),
        (
            "conv2d_weight 8x64x56x56 3x3 p1",
            lambda: torch.nn.grad.conv2d_weight(xt, w.shape, gyt, padding=1),
            lambda: grad.conv2d_weight(x, w.shape, gy, padding=1),
            d_w,
            THREADS,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="paired rounds per case")
    parser.add_argument("--per-block", type=int, default=5, help="timed calls per block")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    cases = []
    for threads in (THREADS, 1):
        theirs, ours, gap = train_step_case()
        cases.append((f"train step, batch 32 ({threads} thread(s))", theirs, ours, gap, threads))
    cases += grad_cases()
    rows = []
    for name, theirs, ours, diff, threads in cases:
        if args.only not in name:
            continue
        torch.set_num_threads(threads)
        with threadpool_limits(threads):
            times = block_medians_ms([theirs, ours], args.rounds, args.per_block)
        ratios = times[:, 1] / times[:, 0]
        rows.append(
            {
                "case": name,
                "threads": threads,
                "torch_ms": round(float(np.median(times[:, 0])), 3),
                "convviz_ms": round(float(np.median(times[:, 1])), 3),
                "ratio": round(float(np.median(ratios)), 2),
                "ratio_range": [round(float(ratios.min()), 2), round(float(ratios.max()), 2)],
                "rounds_within_target": int((ratios <= TARGET).sum()),
                "target_ratio": TARGET,
                "max_abs_diff": diff,
            }
        )
    cores, load = openblas_cores(), os.getloadavg()
    print(f"numpy {np.__version__} ({blas_info()}); torch {torch.__version__}")
    print(f"OpenBLAS kernels: {cores}; 1-min load average at the end: {load[0]:.2f}")
    print()
    print("| case | torch ms | convviz ms | ratio (median) | ratio range | rounds <= target |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        low, high = r["ratio_range"]
        print(
            f"| {r['case']} | {r['torch_ms']:.2f} | {r['convviz_ms']:.2f} | {r['ratio']:.2f}x | "
            f"{low:.2f}-{high:.2f}x | {r['rounds_within_target']}/{args.rounds} |"
        )
    meta = {
        "threads": THREADS,
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "rounds": args.rounds,
        "per_block": args.per_block,
        "loadavg_after": load,  # other processes on a shared machine skew all rows
        "openblas_cores": cores,
    }
    if args.only:  # a partial run does not replace the recorded results
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
