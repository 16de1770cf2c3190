"""Why conv3d misses its 3x target: the cost of each stage of its formulation.

Run: ``.venv/bin/python benchmarks/bench_conv3d_floor.py`` (``--repeats N``).
Times, on the benchmark's 3-d case (2x4x16x32x32 -> 8 channels, 3x3x3 kernel,
float32, 2 threads), torch's ``F.conv3d``, convviz's ``conv3d``, and each stage of
convviz's formulation (``_fast.shifted`` with ``fold``) rebuilt here in a few
lines of plain NumPy, plus the alternatives measured against it:

* ``copies``: the input as ``(C_in, N*D*H*W)`` rows, one shifted copy per (kh, kw)
  tap, image by image: a ``(36, 32768)`` matrix;
* ``gemm``: ``(24, 36) @ (36, 32768)``, rows = (depth tap, output channel), in
  NumPy's OpenBLAS (``np.matmul``; convviz calls the same library) and in SciPy's
  (the library convviz used before);
* ``gemm, channels-last``: the same product the other way round,
  ``(32768, 36) @ (36, 24)``: faster in OpenBLAS, but its output has the 24 rows
  interleaved per position, so the depth sums become 8-float strided runs
  (``sums, channels-last``);
* ``sums``: output = sum over the 3 depth taps of shifted windows of the product,
  on flat rows image by image, then cropped (as convviz does).

``floor`` adds the cheapest copies + GEMM + sums: no formulation built from these
NumPy/BLAS stages can beat it, whatever the Python around them. Writes
``benchmarks/results/conv3d_floor.json``. Not a test: nothing here asserts.
"""

# ruff: noqa: I001  (bench_conv must load first: it sets the BLAS thread count)
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_conv import THREADS, medians_ms, openblas_cores

import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

import convviz
from convviz._blas import _scipy_blas, gemm_rowmajor

RESULTS = Path(__file__).parent / "results" / "conv3d_floor.json"
N, C, C_OUT, SIZE, K = 2, 4, 8, (16, 32, 32), 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, *SIZE), dtype=np.float32)
    w = rng.standard_normal((C_OUT, C, K, K, K), dtype=np.float32)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)

    d, h, wd = SIZE
    plane, out_size = d * h * wd, tuple(s - K + 1 for s in SIZE)
    width = N * plane
    shifts = [kh * wd + kw for kh in range(K) for kw in range(K)]
    rows = np.zeros((C, len(shifts), width), dtype=np.float32)
    weights = np.ascontiguousarray(w.transpose(2, 0, 1, 3, 4)).reshape(K * C_OUT, C * K * K)
    product = np.empty((K * C_OUT, width), dtype=np.float32)
    out = np.empty((N, C_OUT, *out_size), dtype=np.float32)

    images = x.reshape(N, C, plane)

    def copies() -> None:  # image by image, straight from x (as convviz does)
        for n in range(N):
            for j, off in enumerate(shifts):
                start, stop = n * plane, (n + 1) * plane
                rows[:, j, start : stop - off] = images[n, :, off:]
                rows[:, j, stop - off : stop] = 0

    copies()
    b = rows.reshape(C * len(shifts), width)
    b_cl = np.ascontiguousarray(b.T)  # (32768, 36): im2col with the taps innermost
    w_cl = np.ascontiguousarray(weights.T)
    product_cl = np.empty((width, K * C_OUT), dtype=np.float32)

    scipy_blas = _scipy_blas()

    def gemm_scipy() -> None:
        m, k = weights.shape
        gemm_rowmajor(product, weights, b, m, width, k, k, width, width, 0.0, library=scipy_blas)

    z = product.reshape(K, C_OUT, N, plane)
    length = (out_size[0] - 1) * h * wd + (out_size[1] - 1) * wd + out_size[2]
    flat = np.empty((C_OUT, plane), dtype=np.float32)
    grid = flat.reshape(C_OUT, *SIZE)[tuple(slice(0, o) for o in (C_OUT, *out_size))]
    crop = tuple(slice(0, o) for o in out_size[1:])

    def sums() -> None:  # image by image on flat rows, then the valid outputs copied out
        for n in range(N):
            windows = [z[t, :, n, t * h * wd : t * h * wd + length] for t in range(K)]
            np.add(windows[0], windows[1], out=flat[:, :length])
            flat[:, :length] += windows[2]
            out[n] = grid

    z_cl = product_cl.reshape(N, *SIZE, K, C_OUT)
    out_cl = np.empty((N, *out_size, C_OUT), dtype=np.float32)

    def sums_cl() -> None:
        windows = [z_cl[(slice(None), slice(t, t + out_size[0]), *crop, t)] for t in range(K)]
        np.add(windows[0], windows[1], out=out_cl)
        out_cl.__iadd__(windows[2])

    stages = {
        "torch F.conv3d": lambda: F.conv3d(tx, tw),
        "convviz conv3d": lambda: convviz.conv3d(x, w),
        "copies": copies,
        "gemm (NumPy's OpenBLAS)": lambda: np.matmul(weights, b, out=product),
        "gemm (SciPy's OpenBLAS)": gemm_scipy,
        "gemm, channels-last": lambda: np.matmul(b_cl, w_cl, out=product_cl),
        "sums": sums,
        "sums, channels-last": sums_cl,
    }
    with torch.no_grad():
        reference = F.conv3d(tx, tw).numpy()
    stages["gemm (SciPy's OpenBLAS)"]()
    sums()
    stages["gemm, channels-last"]()
    sums_cl()
    error = max(  # the stages rebuilt here compute the convolution
        float(np.abs(out - reference).max()),
        float(np.abs(np.moveaxis(out_cl, -1, 1) - reference).max()),
    )
    with torch.no_grad():
        times = dict(zip(stages, medians_ms(list(stages.values()), args.repeats), strict=True))
    torch_ms = times["torch F.conv3d"]
    gemm = min(times["gemm (NumPy's OpenBLAS)"], times["gemm (SciPy's OpenBLAS)"])
    floor = times["copies"] + gemm + times["sums"]
    floor_cl = times["copies"] + times["gemm, channels-last"] + times["sums, channels-last"]
    print(f"threads: {THREADS}; OpenBLAS kernels: {openblas_cores()}")
    print(f"load average: {os.getloadavg()[0]:.2f}\n")
    print("| stage | ms | / torch |")
    print("| --- | ---: | ---: |")
    for name, ms in times.items():
        print(f"| {name} | {ms:.3f} | {ms / torch_ms:.2f}x |")
    print(f"| floor: copies + gemm + sums | {floor:.3f} | {floor / torch_ms:.2f}x |")
    print(f"| floor, channels-last product | {floor_cl:.3f} | {floor_cl / torch_ms:.2f}x |")
    print(f"\n3x torch is {3 * torch_ms:.3f} ms; stages against torch: max |diff| {error:.1e}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "meta": {"threads": THREADS, "repeats": args.repeats, "loadavg": os.getloadavg()},
        "ms": {k: round(v, 4) for k, v in times.items()},
        "floor_ms": round(floor, 4),
        "floor_channels_last_ms": round(floor_cl, 4),
        "floor_ratio": round(floor / torch_ms, 2),
        "max_abs_diff": error,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
