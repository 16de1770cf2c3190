"""Run every benchmark (`make bench`): convolution speed, figures and pages, SVG exports, live widgets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in (
    "bench_conv.py",
    "bench_conv3d_floor.py",
    "bench_figures.py",
    "bench_export.py",
    "bench_live.py",
    "bench_train.py",
):
    print(f"\n# {script}\n", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
