"""Build the book into _build/html.

Usage: python tools/build_book.py [--strict] [--out DIR]

--strict turns every Sphinx warning into an error (-W -n --keep-going), as CI does.
--out DIR builds into DIR/_build/html instead of ./_build/html (for parallel builds).
With CI=true the execution cache is cleared and every page re-read (--all), so
every chapter runs (the "force" mode of Jupyter Book), even in a reused checkout.
The same happens whenever src/convviz has changed since the last successful build
into this output (a digest of the package is kept in _build/.convviz-package): the
execution cache is keyed on a chapter's own code only, and Sphinx copies changed
static files (convviz.js, convviz.css) only when some page is rewritten, so an
edit to the package would otherwise leave stale numbers, figures and scripts.
A chapter whose kernel stops answering fails its cell after the 30 s timeout in
_config.yml; such a failure (and only that kind)
is retried once: every page is re-read (a failed page must fail again if it is
broken), but only the chapters missing from the execution cache are re-run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSIENT = (
    "CellTimeoutError",
    "Timeout waiting for",
    "DeadKernelError",
    "Kernel died",
    "Kernel didn't respond",
)


def package_digest(package: Path = ROOT / "src" / "convviz") -> str:
    """SHA-256 over the path and bytes of every file of the package (no caches)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build(strict: bool, out: Path, everything: bool) -> tuple[int, str]:
    cmd = [str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT), "--builder", "html"]
    cmd += ["--path-output", str(out)]
    if everything:
        cmd.append("--all")  # re-read every page, so every chapter is executed again
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    return proc.wait(), "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Build the book into OUT/_build/html (see this script's docstring)."
    )
    parser.add_argument(
        "--strict", action="store_true", help="every Sphinx warning is an error (as CI)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT, help="build into OUT/_build/html (default: the repo)"
    )
    args = parser.parse_args()
    strict, out = args.strict, args.out.resolve()
    cache = out / "_build" / ".jupyter_cache"
    stamp, digest = out / "_build" / ".convviz-package", package_digest()
    stale = not stamp.exists() or stamp.read_text() != digest
    if stale and not os.environ.get("CI") == "true" and cache.exists():
        print("build_book: src/convviz changed since the last build: every chapter runs again")
    everything = stale or os.environ.get("CI") == "true"
    if everything and cache.exists():
        shutil.rmtree(cache)
    start = time.perf_counter()
    code, log = build(strict, out, everything=everything)
    if code != 0 and any(marker in log for marker in TRANSIENT):
        print("\nbuild_book: a chapter's kernel timed out or died; retrying once.\n", flush=True)
        code, log = build(strict, out, everything=True)  # cached chapters are not re-run
    if code == 0:
        stamp.write_text(digest)
    print(f"build_book: {'ok' if code == 0 else 'FAILED'} in {time.perf_counter() - start:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
