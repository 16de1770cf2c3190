"""The live host of a figure: an anywidget whose controls recompute with convviz.

The widget ships the same ``convviz.js`` as the static page, plus a few lines
that connect it to the kernel: when the reader picks a setting the page has
not seen, the key travels to Python, :meth:`Figure.frame` builds that frame
with convviz, and the renderer draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anywidget
import traitlets

from convviz.figures.engine import renderer_source

if TYPE_CHECKING:
    from convviz.figures.engine import Figure

__all__ = ["LiveFigure"]

_GLUE = """
export default {
  render({ model, el }) {
    const spec = model.get("spec");
    const waiting = {};
    const fig = document.createElement("figure");
    el.appendChild(fig);
    model.on("change:frame", () => {
      const f = model.get("frame");
      const done = waiting[f.key];
      delete waiting[f.key];
      if (done) done(f.frame);
    });
    window.convviz.mount(fig, spec, {
      frame(key, done) {
        if (spec.frames[key]) return done(spec.frames[key]);
        waiting[key] = (frame) => { spec.frames[key] = frame; done(frame); };
        model.set("key", key);
        model.save_changes();
      },
    });
  },
};
"""


class LiveFigure(anywidget.AnyWidget):
    """A :class:`~convviz.figures.engine.Figure` running against the kernel.

    Parameters
    ----------
    figure : Figure
        The figure definition; only its default frame is sent up front.
    """

    _esm = traitlets.Unicode().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    key = traitlets.Unicode().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)

    def __init__(self, figure: Figure) -> None:
        from importlib import resources

        self.figure = figure
        css = resources.files("convviz.figures").joinpath("static/convviz.css").read_text("utf-8")
        super().__init__(
            _esm=renderer_source() + _GLUE,
            _css=css,
            spec=figure.spec(all_frames=False),
            key=figure.default_key(),
        )

    @traitlets.observe("key")
    def _recompute(self, change: dict) -> None:
        key = change["new"]
        self.frame = {"key": key, "frame": self.figure.frame(key)}
