"""The chapter notebooks: generated from book/, current, and runnable top to bottom, live.

The chapter tests already execute every chapter's code in-process; here two
generated notebooks run in a real kernel (nbclient), where a figure must display
as the live widget view plus a self-contained HTML fallback.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import convviz as cv
from convviz.figures import live

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
GUARD = "if (!window.convviz)"


def _tool():
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", ROOT / "tools/make_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_are_the_chapters_and_current():
    tool = _tool()
    assert tool.write(check=True) == [], "run `python tools/make_notebooks.py`"
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in tool.chapters()]
    assert tool.main(["--check"]) == 0


def test_check_fails_when_a_notebook_is_stale(tmp_path, monkeypatch):
    tool = _tool()
    monkeypatch.setattr(tool, "NOTEBOOKS", tmp_path)
    assert tool.main(["--check"]) == 1  # nothing written yet
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    first = sorted(tmp_path.glob("*.ipynb"))[0]
    first.write_text(first.read_text().replace("convolution", "convolutoin"))
    (tmp_path / "99-orphan.ipynb").write_text("{}")
    assert tool.write(check=True) == [first.name, "99-orphan.ipynb (no chapter)"]


def test_notebooks_hold_the_chapter_cells_without_outputs():
    tool = _tool()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        install, *rest = nb.cells
        assert "except ImportError:\n    %pip install" in install.source
        assert "output.enable_custom_widget_manager()" in install.source  # Colab
        source = (ROOT / "book" / f"{path.stem}.md").read_text(encoding="utf-8")
        code = [c.source for c in rest if c.cell_type == "code"]
        assert code and all(c in source for c in code), path.name
        assert any("cv.exercises.check(" in c for c in code), path.name
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")
        assert len(rest) == len(tool.jupytext.read(ROOT / "book" / f"{path.stem}.md").cells)


def test_markdown_shows_without_a_myst_extension():
    """JupyterLab and Colab show MyST directives as code: the notebook rewrites them.

    A solution (and a hint) must not sit in plain sight under its exercise, and a
    ``{literalinclude}`` must show the code it includes.
    """
    directive = re.compile(
        r"^`{3,}\{(exercise|solution|hint|dropdown|admonition|literalinclude)\}", re.M
    )
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert not directive.search(markdown), path.name
        source = (ROOT / "book" / f"{path.stem}.md").read_text(encoding="utf-8")
        solutions = source.count("{solution}")
        assert markdown.count("<summary>Solution</summary>") == solutions, path.name
    tool = _tool()
    cell = tool.jupyter_markdown(
        "````{solution} ch99-x\n:class: dropdown\n\n```python\nanswer = 42\n```\n````\n"
        "```{literalinclude} ../src/convviz/shapes.py\n:language: python\n"
        ":pyobject: conv_output_size\n```"
    )
    assert cell.startswith("<details>\n<summary>Solution</summary>\n\n```python\nanswer = 42")
    assert "</details>" in cell and "def conv_output_size(" in cell and "```python" in cell


def _execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != live.STATIC_ENV}
    client = NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


@pytest.mark.parametrize(
    "stem", ["01-convolution-vs-cross-correlation", "11-shuffled-grouped-convolution"]
)
def test_chapter_notebook_runs_top_to_bottom_with_live_figures(stem):
    nb = _execute(ROOT / "notebooks" / f"{stem}.ipynb")
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    figures = [o for o in outputs if WIDGET in o.get("data", {})]
    calls = [
        c for c in nb.cells if c.cell_type == "code" and c.source.strip().endswith("_figure()")
    ]
    assert len(figures) >= 1 and len(figures) == len(calls)
    for out in figures:
        view = out["data"][WIDGET]
        assert (
            view["model_id"]
            in nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        )
        html = out["data"]["text/html"]
        assert "data-cv-figure" in html and "cv-spec" in html
    # the renderer is inlined once per notebook, in the first figure's fallback
    fallbacks = [o["data"]["text/html"] for o in figures]
    assert GUARD in fallbacks[0] and "root.convviz = api" in fallbacks[0]
    assert all(GUARD not in html for html in fallbacks[1:])
    # the scaffolds' checks report a failure without raising
    reports = [
        o for c in nb.cells if "cv.exercises.check(" in c.source for o in c.get("outputs", [])
    ]
    assert reports and all("FAILED" in "".join(o["data"]["text/plain"]) for o in reports)


def test_static_build_gets_the_plain_html(monkeypatch):
    fig = cv.figures.flip.flip_figure()
    monkeypatch.setenv(live.STATIC_ENV, "1")
    bundle = fig._repr_mimebundle_()
    assert bundle["text/html"] == fig.to_html() and WIDGET not in bundle
    assert GUARD not in bundle["text/html"]


def test_fallback_outside_a_kernel_draws_itself_once(monkeypatch):
    monkeypatch.delenv(live.STATIC_ENV, raising=False)
    monkeypatch.setattr(live, "_renderer_sent", False)
    fig = cv.figures.flip.flip_figure()
    first, second = fig._repr_mimebundle_(), fig._repr_mimebundle_()
    assert WIDGET not in first  # no kernel here: no widget
    assert first["text/html"].count(GUARD) == 1 and second["text/html"].count(GUARD) == 0
    assert "<style>" in first["text/html"] and fig.to_html() in first["text/html"]
    spec = first["text/html"].split('class="cv-spec">', 1)[1].split("</script>", 1)[0]
    assert json.loads(spec.replace("<\\/", "</"))["id"] == fig.id


@pytest.mark.parametrize(
    "factory", [f for _t, fs in cv.figures.REGISTRY.values() for f in fs], ids=lambda f: f.__name__
)
def test_live_widget_recomputes_each_setting_with_convviz(factory):
    fig = factory()
    widget = fig.live()
    assert widget.spec["frames"].keys() == {fig.default_key()}
    for key in list(fig.keys())[:4]:
        widget.key = key
        assert widget.frame["key"] == key
        assert widget.frame["frame"] == factory().frame(key)  # an independent build
    assert "window.convviz.mount" in widget._esm and "export default" in widget._esm


def test_flip_widget_numbers_are_numpy_numbers():
    fig = cv.figures.flip.flip_figure()
    widget = fig.live()
    for key in fig.keys():
        widget.key = key
        setting = fig.setting(key)
        w = cv.figures.flip.FLIP_KERNELS[setting["kernel"]]
        x = cv.figures.flip.FLIP_SIGNAL
        conv, corr = (
            next(p for p in v["panels"] if p["role"] == "output")
            for v in widget.frame["frame"]["views"]
        )
        np.testing.assert_allclose(conv["values"], np.convolve(x, w, setting["mode"]))
        np.testing.assert_allclose(corr["values"], np.correlate(x, w, setting["mode"]))
