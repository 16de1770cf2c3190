"""The 3D view in the live notebook widget: the same renderer draws the same blocks.

The widget (``convviz.figures.live.LiveFigure``) is mounted in Chromium with its own
ES module and a stand-in for the anywidget model whose round trip to the kernel is
the real widget's: the page sets ``key``, Python recomputes ``frame`` with convviz.
The static figure (every frame embedded) is mounted beside it; at a setting the widget
had to ask Python for, both 3D views must be the same markup.
"""

from __future__ import annotations

import pytest

from convviz.figures import live
from convviz.figures.engine import renderer_source
from tests.browser.figures import registry

VOLUME_FIGURES = {
    k: f for k, f in registry().items() if any(v.get("volumes") for v in f.frame()["views"])
}

_MOUNT_LIVE = """async ({esm, spec}) => {
  const mod = await import(URL.createObjectURL(new Blob([esm], {type: 'text/javascript'})));
  const data = {spec, key: null, frame: {}}, on = {};
  const model = {
    get: k => data[k],
    set: (k, v) => { data[k] = v; },
    on: (ev, f) => { on[ev] = f; },
    save_changes: async () => {
      data.frame = {key: data.key, frame: await window.pyFrame(data.key)};
      on['change:frame']();
    },
  };
  mod.default.render({model, el: document.getElementById('live')});
}"""

_BOXES = """(sel) => Array.from(document.querySelectorAll(sel + ' .cv-3d-box'))
  .map(b => b.innerHTML)"""


def _other_key(fig):
    """A setting whose frame the widget does not have up front (the last option of each)."""
    return ",".join(str(len(c.options) - 1) for c in fig.controls)


@pytest.mark.parametrize("fig_id", sorted(VOLUME_FIGURES))
def test_the_live_widget_draws_the_same_3d_view(browser, fig_id):
    fig = VOLUME_FIGURES[fig_id]
    widget = fig.live()
    key = _other_key(fig)
    assert key not in widget.spec["frames"] or key == fig.default_key()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()

        asked = []

        def recompute(k):
            asked.append(k)
            widget.key = k  # the widget's own observer builds the frame with convviz
            return widget.frame["frame"]

        page.expose_function("pyFrame", recompute)
        page.set_content(
            f"<html><body><style>{live._css()}</style><div id='static'>{fig.to_html()}</div>"
            f"<div id='live'></div><script>{renderer_source()}</script></body></html>"
        )
        page.evaluate(_MOUNT_LIVE, {"esm": widget._esm, "spec": widget.spec})
        roots = {"static": f"#static #cv-{fig_id}", "live": "#live .cv-root"}
        sel = [int(i) for i in key.split(",")]
        for root in roots.values():
            page.wait_for_selector(f"{root} .cv-stage svg")
            page.eval_on_selector(root, "(e, sel) => e.cvSet(sel, 1)", sel)
            page.wait_for_function(
                "([r, k]) => document.querySelector(r).getAttribute('data-key') === k",
                arg=[root, key],
            )
            page.click(f"{root} .cv-3d-toggle")
            page.click(f"{root} .cv-3d-turn")
            page.wait_for_selector(f"{root} .cv-3d-box svg.cv-3d")
        static, lived = (page.evaluate(_BOXES, roots[n]) for n in ("static", "live"))
    finally:
        context.close()
    assert static
    if any(v.get("volumes") and v["steps"] for v in fig.frame(key)["views"]):
        # blocks with a window (not a channel shuffle, which only moves slices): outlined
        assert all("cv-hl-out" in b or "cv-hl-in" in b for b in static if b)
    assert asked == ([] if key == fig.default_key() else [key])  # the round trip ran
    assert lived == static


def test_the_widget_takes_jupyterlab_dark_theme(browser):
    """JupyterLab marks a dark theme on the body (data-jp-theme-light="false"), not with the
    book's html[data-theme]: the widget's card, cells and 3D view take the dark colours there,
    as in the book's dark mode, and the light ones under a light JupyterLab theme."""
    fig = VOLUME_FIGURES["many-channels"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        looks = {}
        for light in ("true", "false"):
            page.set_content(
                f"<html><body data-jp-theme-light='{light}'><style>{live._css()}</style>"
                f"{fig.to_html()}<script>{renderer_source()}</script></body></html>"
            )
            root = f"#cv-{fig.id}"
            page.wait_for_selector(f"{root} .cv-stage svg")
            page.click(f"{root} .cv-3d-toggle")
            page.wait_for_selector(f"{root} svg.cv-3d")
            looks[light] = page.evaluate(
                """(r) => { const root = document.querySelector(r);
                  const cs = n => getComputedStyle(document.querySelector(r + ' ' + n));
                  return [getComputedStyle(root).backgroundColor, cs('.cv-3d-slab').fill,
                          cs('svg.cv-3d text.cv-3d-label').fill, cs('.cv-title').color]; }""",
                root,
            )
    finally:
        context.close()
    assert looks["false"] == ["rgb(13, 17, 23)"] * 2 + ["rgb(139, 148, 158)", "rgb(230, 237, 243)"]
    assert looks["true"] == ["rgb(255, 255, 255)"] * 2 + ["rgb(87, 96, 106)", "rgb(31, 35, 40)"]


_CELL_PIXEL = """(r) => {
  // the colour a canvas grid painted at the middle of its last cell (a value fill, no digit
  // there: the digit sits lower), as [r, g, b]
  const c = document.querySelector(r + ' canvas.cv-canvas');
  const k = c.width / c.getBoundingClientRect().width, cell = 34;  // a numbered grid's cell
  const x = Math.round(k * (c.getBoundingClientRect().width - 2 - cell + 6));
  const y = Math.round(k * (c.getBoundingClientRect().height - 2 - cell + 6));
  return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
}"""


def test_a_canvas_grid_repaints_when_jupyterlab_turns_dark(browser):
    """A JupyterLab theme switched while the widget is open (the body's
    data-jp-theme-light) repaints canvas grids in the new theme's colours, as a switch of the
    book's html[data-theme] does: the theme observer watches the body, and the palette cached
    per theme is read again."""
    fig = registry()["checkerboard"]  # 2D by default: its maps and input are canvases
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_content(
            f"<html><body data-jp-theme-light='true'><style>{live._css()}</style>"
            f"{fig.to_html()}<script>{renderer_source()}</script></body></html>"
        )
        root = f"#cv-{fig.id}"
        page.wait_for_selector(f"{root} canvas.cv-canvas")
        light = page.evaluate(_CELL_PIXEL, root)
        page.evaluate("document.body.setAttribute('data-jp-theme-light', 'false')")
        page.wait_for_timeout(300)
        dark = page.evaluate(_CELL_PIXEL, root)
        page.set_content(
            f"<html><body data-jp-theme-light='false'><style>{live._css()}</style>"
            f"{fig.to_html()}<script>{renderer_source()}</script></body></html>"
        )
        page.wait_for_selector(f"{root} canvas.cv-canvas")
        fresh = page.evaluate(_CELL_PIXEL, root)
    finally:
        context.close()
    assert fresh != light, (fresh, light)  # the two themes paint the cell differently
    assert dark == fresh, (dark, fresh, light)  # and the switch repaints it as a dark load does
