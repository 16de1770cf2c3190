"""The package as a new user gets it: a wheel installed into a fresh virtual environment.

The editable install of the development environment hides packaging mistakes (a data
file left out of the wheel, a module that imports an optional dependency at the top),
so this test builds the wheel from a copy of the sources, installs it with NumPy and
SciPy only into a new ``venv``, and uses it from a directory outside the repository
with the repository off ``sys.path``. Then it adds the ``live`` extra and builds a live
widget. The versions come from the pinned ``requirements.txt``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# Runs in the fresh environment: `import convviz` needs NumPy, SciPy and threadpoolctl only,
# and the figure renderer ships inside the package.
_BASE = r"""
import sys
import convviz
assert convviz.__file__.startswith(sys.prefix), convviz.__file__
heavy = sorted(m for m in ("torch", "matplotlib", "anywidget", "traitlets", "IPython")
               if m in sys.modules)
assert not heavy, f"import convviz imported {heavy}"
from importlib.metadata import version
assert version("convviz") == convviz.__version__, (version("convviz"), convviz.__version__)
from convviz.figures import engine
from convviz.figures.flip import flip_figure
js = engine.renderer_source()
assert "mountAll" in js, js[:200]
page = flip_figure().to_html()
assert 'class="cv-spec"' in page and "data-cv-figure" in page, page[:200]
import numpy as np
y = convviz.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
assert y.shape == (1, 1, 2, 2) and (y == 4).all(), y
try:
    import anywidget  # noqa: F401
except ImportError:
    pass
else:
    raise AssertionError("anywidget is installed without the live extra")
print("base ok", convviz.__version__)
"""

_LIVE = r"""
import sys
import convviz
assert convviz.__file__.startswith(sys.prefix), convviz.__file__
from convviz.figures.flip import flip_figure
widget = flip_figure().live()
assert "mountAll" in widget._esm and widget._css.strip(), type(widget)
assert widget.spec["frames"], widget.spec.keys()
print("live ok", type(widget).__name__)
"""


def _pins() -> dict[str, str]:
    """Package name (lower case) -> pinned version, from requirements.txt."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")) and "==" in line:
            name, version = line.split("==", 1)
            pins[name.lower().replace("_", "-")] = version
    return pins


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{cmd}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a clean copy of the sources (no stale build/ directory)."""
    src = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", src / "src", ignore=ignore)
    out = tmp_path_factory.mktemp("wheelhouse")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)], src)
    (whl,) = out.glob("convviz-*.whl")
    return whl


def test_wheel_ships_the_renderer(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for data in ("convviz/figures/static/convviz.js", "convviz/figures/static/convviz.css"):
        assert data in names, sorted(n for n in names if not n.endswith(".py"))
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    requires = sorted(
        line.split(":", 1)[1].strip().split(";")[0].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert requires == ["numpy", "scipy", "threadpoolctl"], requires
    assert "License-Expression: MIT" in meta.splitlines(), meta[:600]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    extras = sorted(
        line.split(":", 1)[1].strip()
        for line in meta.splitlines()
        if line.startswith("Provides-Extra:")
    )
    assert {"live", "torch"} <= set(extras), extras


def test_wheel_in_a_fresh_environment(wheel: Path, tmp_path: Path) -> None:
    pins = _pins()
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q"]
    base = [f"{n}=={pins[n]}" for n in ("numpy", "scipy", "threadpoolctl")]
    _run([*pip, str(wheel), *base], tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    # -I: no PYTHONPATH, no user site, and neither the cwd nor a script directory on sys.path
    assert "base ok" in _run([python, "-I", "-c", _BASE], work)

    # the live extra, at the versions the lock file pins
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()))
    _run([*pip, "-c", str(constraints), f"{wheel}[live]"], tmp_path)
    assert "live ok" in _run([python, "-I", "-c", _LIVE], work)
