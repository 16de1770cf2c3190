"""The live host of a figure, and what a notebook shows when a figure is displayed.

:class:`LiveFigure` is an anywidget whose controls recompute with convviz. It ships
the same ``convviz.js`` as the static page, plus a few lines that connect it to the
kernel: when the reader picks a setting the page has not seen, the key travels to
Python, :meth:`Figure.frame` builds that frame with convviz, and the renderer draws it.

:func:`mimebundle` is what a chapter cell that ends with a figure displays, so the
same cell works in three hosts with nothing in it saying which:

* in a Jupyter kernel with anywidget (JupyterLab, Colab, Binder), the widget view,
  plus a self-contained HTML fallback for frontends without a widget manager;
* anywhere else (nbconvert, a kernel without anywidget), the self-contained HTML:
  every frame as JSON, with ``convviz.js`` and ``convviz.css`` inlined in the first
  figure a kernel displays (later figures reuse it: the inline script is guarded by
  ``if (!window.convviz)``, so the renderer runs once per page);
* in the book build, where ``book/_ext/convviz_site.py`` sets ``CONVVIZ_STATIC=1``
  for the kernels, only the static HTML of :meth:`Figure.to_html`: the site's pages
  load ``convviz.js`` once from ``_static``, so no figure carries the renderer.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from typing import TYPE_CHECKING, Any

from convviz.figures.engine import renderer_source

if TYPE_CHECKING:
    from convviz.figures.engine import Figure

try:  # the live widget needs anywidget; the HTML fallback needs nothing
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - anywidget is in requirements.txt
    anywidget = None

__all__ = ["LiveFigure", "mimebundle", "standalone_html"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_ENV = "CONVVIZ_STATIC"

#: whether this process has already sent the renderer inline (once per kernel)
_renderer_sent = False


def _css() -> str:
    return resources.files("convviz.figures").joinpath("static/convviz.css").read_text("utf-8")


def standalone_html(figure: Figure, *, renderer: bool | None = None) -> str:
    """Static HTML that draws itself: :meth:`Figure.to_html` plus, once, the renderer.

    Parameters
    ----------
    figure : Figure
        The figure; every frame is embedded, so the controls work without a kernel.
    renderer : bool, optional
        Inline ``convviz.js`` and ``convviz.css`` (guarded by ``if (!window.convviz)``).
        By default only the first figure of the process carries them.

    Returns
    -------
    str
        HTML for a ``text/html`` output.
    """
    global _renderer_sent
    if renderer is None:
        renderer = not _renderer_sent
    html = figure.to_html()
    if not renderer:
        return html
    _renderer_sent = True
    js = renderer_source().replace("</", "<\\/")
    return f"<style>{_css()}</style>{html}<script>if (!window.convviz) {{\n{js}\n}}</script>"


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def mimebundle(figure: Figure) -> dict[str, Any]:
    """The outputs a notebook gets for a displayed figure (see the module docstring).

    Returns
    -------
    dict
        ``text/plain`` and ``text/html`` always; the widget view
        (``application/vnd.jupyter.widget-view+json``) in a kernel with anywidget,
        unless ``CONVVIZ_STATIC`` is set.
    """
    bundle: dict[str, Any] = {"text/plain": f"<convviz figure {figure.id!r}: {figure.title}>"}
    if os.environ.get(STATIC_ENV):
        bundle["text/html"] = figure.to_html()
        return bundle
    bundle["text/html"] = standalone_html(figure)
    if anywidget is not None and _in_kernel():
        widget = LiveFigure(figure)
        view = widget._repr_mimebundle_()
        bundle[WIDGET_VIEW] = view[0][WIDGET_VIEW] if isinstance(view, tuple) else view[WIDGET_VIEW]
    return bundle


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


_Base: Any = anywidget.AnyWidget if anywidget is not None else object


class LiveFigure(_Base):
    """A :class:`~convviz.figures.engine.Figure` running against the kernel.

    Parameters
    ----------
    figure : Figure
        The figure definition; only its default frame is sent up front.
    """

    if anywidget is not None:
        _esm = traitlets.Unicode().tag(sync=True)
        _css = traitlets.Unicode().tag(sync=True)
        spec = traitlets.Dict().tag(sync=True)
        key = traitlets.Unicode().tag(sync=True)
        frame = traitlets.Dict().tag(sync=True)

    def __init__(self, figure: Figure) -> None:
        if anywidget is None:
            raise ImportError("the live figure needs anywidget: pip install anywidget")
        self.figure = figure
        super().__init__(
            _esm=renderer_source() + _GLUE,
            _css=_css(),
            spec=figure.spec(all_frames=False),
            key=figure.default_key(),
        )

    def _recompute(self, change: dict) -> None:
        key = change["new"]
        self.frame = {"key": key, "frame": self.figure.frame(key)}

    if anywidget is not None:
        _recompute = traitlets.observe("key")(_recompute)
