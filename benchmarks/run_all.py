"""Run every benchmark (`make bench`): convolution speed, then figures and pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("bench_conv.py", "bench_figures.py"):
    print(f"\n# {script}\n", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
