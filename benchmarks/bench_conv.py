"""Speed of convviz's vectorised convolutions next to torch's, on 2 threads.

Run: ``.venv/bin/python benchmarks/bench_conv.py`` (``--rounds``, ``--per-block``,
``--only NAME``). For each case, torch and convviz are timed in paired rounds; prints
a markdown table (median milliseconds; the ratio convviz / torch as the median of
the rounds' ratios, their range, and how many rounds met the target) and writes
``benchmarks/results/conv.json``. Not a test: nothing here asserts.
"""

from __future__ import annotations

import os

THREADS = 2
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)  # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import convviz  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "conv.json"

# name, convviz function, torch function, x shape, weight shape, keyword arguments, target ratio
CASES = [
    ("conv2d 8x64->128 56x56 3x3", "conv2d", (8, 64, 56, 56), (128, 64, 3, 3), {"padding": 1}, 1.5),
    ("pointwise 8x128->256 56x56 1x1", "conv2d", (8, 128, 56, 56), (256, 128, 1, 1), {}, 1.0),
    (
        "depthwise 8x128 56x56 3x3",
        "conv2d",
        (8, 128, 56, 56),
        (128, 1, 3, 3),
        {"padding": 1, "groups": 128},
        6.0,
    ),
    ("conv3d 2x4->8 16x32x32 3x3x3", "conv3d", (2, 4, 16, 32, 32), (8, 4, 3, 3, 3), {}, 3.0),
    (
        "conv_transpose2d 8x64->32 28x28 k4 s2 p1",
        "conv_transpose2d",
        (8, 64, 28, 28),
        (64, 32, 4, 4),
        {"stride": 2, "padding": 1},
        2.0,
    ),
]


def block_medians_ms(fns, rounds: int, per_block: int, warm_up: float = 0.15) -> np.ndarray:
    """Median wall time of each function in each round: shape ``(rounds, len(fns))``.

    In every round each function runs in a block of its own (a warm-up, then
    ``per_block`` timed calls), in the order A B, then B A, and so on. Blocks rather
    than interleaved calls: OpenBLAS's worker threads keep spinning for a while after
    NumPy's last call and would steal the cores from torch's next call (seen here:
    torch's conv2d took 55 ms interleaved, 21 ms alone); so each block first warms up
    for ``warm_up`` seconds, longer than the previous block's threads keep spinning
    (OpenBLAS spins for about 2^28 cycles, some 0.1 s, before it sleeps). Rounds,
    because the speed of this virtual machine drifts by up to 1.8x within minutes
    (seen here: torch's conv3d at 0.40 ms, then 0.71 ms): a ratio is taken within a
    round, where both sides met the same machine.
    """
    times = np.empty((rounds, len(fns)))
    for r in range(rounds):
        order = list(range(len(fns)))
        if r % 2:
            order.reverse()
        for i in order:
            start = time.perf_counter()
            while True:  # warm-up
                fns[i]()
                if time.perf_counter() - start > warm_up:
                    break
            block = []
            for _ in range(per_block):
                start = time.perf_counter()
                fns[i]()
                block.append(time.perf_counter() - start)
            times[r, i] = 1e3 * float(np.median(block))
    return times


def medians_ms(fns, repeats: int, rounds: int = 3) -> list[float]:
    """Median over rounds of each function's block median (see :func:`block_medians_ms`)."""
    times = block_medians_ms(fns, rounds, max(1, repeats // rounds))
    return [float(v) for v in np.median(times, axis=0)]


def openblas_cores() -> dict[str, str]:
    """Kernel OpenBLAS picked in each bundled copy (NumPy's, SciPy's), via its own API."""
    import ctypes
    import glob

    import scipy

    found = {}
    for pkg in (np, scipy):
        libs = Path(pkg.__file__).parent.parent / f"{pkg.__name__}.libs"
        for lib in glob.glob(str(libs / "*openblas*")):
            handle = ctypes.CDLL(lib)
            for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename"):
                if hasattr(handle, symbol):
                    fn = getattr(handle, symbol)
                    fn.restype = ctypes.c_char_p
                    found[f"{pkg.__name__}: {Path(lib).name}"] = fn().decode()
                    break
    return found


def blas_info() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="paired rounds per case")
    parser.add_argument("--per-block", type=int, default=5, help="timed calls per block")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    rows = []
    for name, op, x_shape, w_shape, kwargs, target in CASES:
        if args.only not in name:
            continue
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        ours = getattr(convviz, op)
        theirs = getattr(F, op)
        with torch.no_grad():
            error = float(np.abs(ours(x, w, **kwargs) - theirs(tx, tw, **kwargs).numpy()).max())
            times = block_medians_ms(
                [lambda: theirs(tx, tw, **kwargs), lambda: ours(x, w, **kwargs)],  # noqa: B023
                args.rounds,
                args.per_block,
            )
        ratios = times[:, 1] / times[:, 0]  # one per round
        rows.append(
            {
                "case": name,
                "torch_ms": round(float(np.median(times[:, 0])), 3),
                "convviz_ms": round(float(np.median(times[:, 1])), 3),
                "ratio": round(float(np.median(ratios)), 2),
                "ratio_range": [round(float(ratios.min()), 2), round(float(ratios.max()), 2)],
                "rounds_within_target": int((ratios <= target).sum()),
                "target_ratio": target,
                "max_abs_diff": error,
            }
        )
    cores, load = openblas_cores(), os.getloadavg()
    print(f"threads: {THREADS}; numpy {np.__version__} ({blas_info()}); torch {torch.__version__}")
    print(f"OpenBLAS kernels: {cores}; 1-min load average at the end: {load[0]:.2f}")
    print()
    print(
        "| case | torch ms | convviz ms | ratio (median) | ratio range | rounds <= target | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        low, high = r["ratio_range"]
        print(
            f"| {r['case']} | {r['torch_ms']:.2f} | {r['convviz_ms']:.2f} | {r['ratio']:.2f}x | "
            f"{low:.2f}-{high:.2f}x | {r['rounds_within_target']}/{args.rounds} | "
            f"<= {r['target_ratio']}x |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "threads": THREADS,
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "rounds": args.rounds,
        "per_block": args.per_block,
        "loadavg_after": os.getloadavg(),  # other processes on a shared machine skew all rows
        "openblas_cores": cores,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
    }
    if args.only:  # a partial run does not replace the recorded results
        return
    RESULTS.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
