"""The lab notebooks: generated from the registry, runnable top to bottom, live."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import convviz as cv
from convviz import labs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_labs_match_the_registry():
    assert labs.write_labs(check=True) == []
    assert [p.stem for p in NOTEBOOKS] == sorted(cv.figures.REGISTRY)


def test_labs_have_no_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lab_runs_top_to_bottom_and_shows_live_widgets(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    widgets = [o for c in nb.cells for o in c.get("outputs", []) if WIDGET in o.get("data", {})]
    _title, factories = cv.figures.REGISTRY[path.stem]
    assert len(widgets) == len(factories)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


@pytest.mark.parametrize(
    "factory", [f for _t, fs in cv.figures.REGISTRY.values() for f in fs], ids=lambda f: f.__name__
)
def test_live_widget_recomputes_each_setting_with_convviz(factory):
    fig = factory()
    widget = fig.live()
    assert widget.spec["frames"].keys() == {fig.default_key()}
    for key in list(fig.keys())[:8]:
        widget.key = key
        assert widget.frame["key"] == key
        fresh = factory().frame(key)  # an independent build of the same setting
        assert widget.frame["frame"] == fresh
    assert "window.convviz.mount" in widget._esm and "export default" in widget._esm


def test_flip_lab_numbers_are_numpy_numbers():
    fig = cv.figures.flip.flip_figure()
    widget = fig.live()
    for key in fig.keys():
        widget.key = key
        setting = fig.setting(key)
        w = cv.figures.flip.FLIP_KERNELS[setting["kernel"]]
        x = cv.figures.flip.FLIP_SIGNAL
        conv, corr = widget.frame["frame"]["views"]
        np.testing.assert_allclose(conv["panels"][2]["values"], np.convolve(x, w, setting["mode"]))
        np.testing.assert_allclose(corr["panels"][2]["values"], np.correlate(x, w, setting["mode"]))
