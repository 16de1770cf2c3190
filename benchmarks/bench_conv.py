"""Speed of convviz's vectorised convolutions next to torch's, on 2 threads.

Run: ``.venv/bin/python benchmarks/bench_conv.py`` (``--repeats N``). Prints a
markdown table (median milliseconds, ratio convviz / torch) and writes
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


def medians_ms(fns, repeats: int, rounds: int = 3) -> list[float]:
    """Median wall time of each function, timed in blocks.

    Each function runs in a block of its own (a warm-up call, then its share of the
    repeats), in the order A B, then B A, and so on, so drifting load from other
    processes hits both alike. Blocks rather than interleaved calls: OpenBLAS's worker
    threads keep spinning for a while after NumPy's last call and would steal the
    cores from torch's next call (seen here: torch's conv2d took 55 ms interleaved,
    21 ms alone).
    """
    times = [[] for _ in fns]
    per_block = max(1, repeats // rounds)
    for r in range(rounds):
        order = list(range(len(fns)))
        if r % 2:
            order.reverse()
        for i in order:
            fns[i]()  # warm-up
            for _ in range(per_block):
                start = time.perf_counter()
                fns[i]()
                times[i].append(time.perf_counter() - start)
    return [1e3 * float(np.median(t)) for t in times]


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
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    rows = []
    for name, op, x_shape, w_shape, kwargs, target in CASES:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        ours = getattr(convviz, op)
        theirs = getattr(F, op)
        with torch.no_grad():
            error = float(np.abs(ours(x, w, **kwargs) - theirs(tx, tw, **kwargs).numpy()).max())
            t_torch, t_ours = medians_ms(
                [lambda: theirs(tx, tw, **kwargs), lambda: ours(x, w, **kwargs)],  # noqa: B023
                args.repeats,
            )
        rows.append(
            {
                "case": name,
                "torch_ms": round(t_torch, 3),
                "convviz_ms": round(t_ours, 3),
                "ratio": round(t_ours / t_torch, 2),
                "target_ratio": target,
                "max_abs_diff": error,
            }
        )
    cores, load = openblas_cores(), os.getloadavg()
    print(f"threads: {THREADS}; numpy {np.__version__} ({blas_info()}); torch {torch.__version__}")
    print(f"OpenBLAS kernels: {cores}; 1-min load average at the end: {load[0]:.2f}")
    print()
    print("| case | torch ms | convviz ms | ratio | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['case']} | {r['torch_ms']:.2f} | {r['convviz_ms']:.2f} | "
            f"{r['ratio']:.2f}x | <= {r['target_ratio']}x |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "threads": THREADS,
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "repeats": args.repeats,
        "loadavg_after": os.getloadavg(),  # other processes on a shared machine skew all rows
        "openblas_cores": cores,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
    }
    RESULTS.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
