"""A view's head (its title, and the 3D buttons and box of a view with volumes) follows the
frame through every kind of change: only the title's text (patched in place, the buttons and
the open 3D box kept), a title that was empty, a view gaining or losing its volumes, and the
number of views changing. A synthetic figure walks through them all, drawn by the renderer
of this tree (not the built site's copy)."""

from __future__ import annotations

import numpy as np

from convviz.figures.engine import Control, Figure, grid, view

# each option: the views of the frame, as (title, with volumes)
SHAPES = [
    [("alpha", False)],
    [("beta", False)],  # only the text changes
    [("", False)],  # no title at all
    [("delta", False)],  # a title where there was none
    [("eps", True)],  # gains the 3D buttons and box
    [("zeta", True)],  # only the text changes, the buttons stay (the 3D view just opened)
    [("kappa", True)],  # only the text changes, the open 3D box stays
    [("eta & <b>", True), ("second", False)],  # a second view comes
    [("theta", False)],  # loses the 3D buttons, the second view goes
    [("iota", True)],
]


def _view(title: str, volumes: bool):
    x = np.arange(9.0).reshape(3, 3)
    w = np.array([[1.0, -1.0], [2.0, 0.0]])
    y = np.array([[(x[r : r + 2, c : c + 2] * w).sum() for c in range(2)] for r in range(2)])
    panels = [
        grid("x", "input x", x, role="input"),
        grid("w", "kernel w", w, role="kernel"),
        grid("y", "output y", y, role="output"),
    ]
    steps = [
        [(2, r * 2 + c, 0, (r + i) * 3 + c + j, 1, i * 2 + j) for i in range(2) for j in range(2)]
        for r in range(2)
        for c in range(2)
    ]
    vols = [("input x", [0]), ("kernel w", [1]), ("output y", [2])] if volumes else None
    return view(title, panels, steps, volumes=vols)


def _build(shape: int):
    return {"views": [_view(t, v) for t, v in SHAPES[shape]], "formula": [], "code": "y = f(x)"}


FIG = Figure(
    "heads",
    "view heads",
    "a synthetic figure whose views change their heads",
    [Control("shape", "shape", list(range(len(SHAPES))))],
    _build,
)

_HEADS = """() => Array.from(document.querySelectorAll('#cv-heads .cv-view')).map(v => {
  const title = v.querySelector('.cv-view-title'), box = v.querySelector('.cv-3d-box');
  return {
    text: Array.from(title.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('').trim(),
    toggles: v.querySelectorAll('.cv-3d-toggle').length,
    turns: v.querySelectorAll('.cv-3d-turn').length,
    box: !!box, drawn: !!(box && !box.hidden && box.querySelector('svg.cv-3d')),
    kept: !!title.cvMark, boxKept: !!(box && box.cvMark),
  };
})"""

_MARK = """() => document.querySelectorAll('#cv-heads .cv-view-title, #cv-heads .cv-3d-box')
  .forEach(n => { n.cvMark = true; })"""


def test_a_views_head_follows_every_kind_of_change(draw):
    drawn = draw(FIG)
    page = drawn.page
    opened = None  # the shape at which the 3D view was opened
    for shape, views in enumerate(SHAPES):
        if shape:
            page.evaluate(_MARK)
            page.eval_on_selector("#cv-heads", "(e, s) => e.cvSet([s], 0)", shape)
        assert page.get_attribute("#cv-heads", "data-key") == str(shape)
        heads = page.evaluate(_HEADS)
        assert [h["text"] for h in heads] == [t for t, _ in views], (shape, heads)
        for h, (_, vols) in zip(heads, views, strict=True):
            assert (h["toggles"], h["turns"], h["box"]) == (vols, vols, vols), (shape, h)
            assert h["drawn"] == (vols and opened is not None), (shape, h)
        before = SHAPES[shape - 1] if shape else None
        same = before and len(before) == len(views) and before[0][1] == views[0][1]
        if same and before[0][0] and views[0][0] and opened != shape - 1:
            # only the text changed (and the 3D view was not just opened): patched in place
            assert heads[0]["kept"], (shape, heads[0])
            assert heads[0]["boxKept"] == views[0][1], (shape, heads[0])
        if views[0][1] and opened is None:  # open the 3D view once it is offered
            page.click("#cv-heads .cv-3d-toggle")
            page.wait_for_selector("#cv-heads .cv-3d-box svg.cv-3d")
            opened = shape
    assert not drawn.errors, drawn.errors
