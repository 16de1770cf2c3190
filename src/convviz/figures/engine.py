"""The interactive figure engine: one definition, two hosts, one renderer.

A :class:`Figure` is a title, a text alternative, a list of :class:`Control`
(each with a finite list of options, so a reader can only reach valid
settings) and a ``build`` function that turns one setting into a *frame*: plain
numbers computed by convviz. A frame holds one or more *views*, each a row of
*panels* (grids of values) and a list of *steps*; a step is a list of index
triples ``(output cell, input cell, kernel cell)``, exactly the nonzeros of
the convolution's matrix that produce one output value.

The same JavaScript renderer (``static/convviz.js``) draws a frame in both
hosts:

* in the static book page, :meth:`Figure.to_html` embeds every frame as JSON,
  so the controls work with no kernel and no network;
* in a running notebook, :meth:`Figure.live` returns an anywidget whose
  controls send the setting to Python, which builds that one frame with convviz.

The page carries numbers, not pictures: a figure costs kilobytes, not megabytes.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

__all__ = [
    "Control",
    "Figure",
    "grid",
    "renderer_source",
    "steps_from_triples",
    "view",
]

Frame = dict[str, Any]


@dataclass(frozen=True)
class Control:
    """One control of a figure: a finite list of options.

    Parameters
    ----------
    name : str
        Keyword passed to the figure's ``build`` function.
    label : str
        What the reader sees next to the control.
    options : sequence
        The values ``build`` accepts; only these can be reached.
    labels : sequence of str, optional
        Display text for each option (default ``str(option)``).
    default : int, default 0
        Index of the option selected at first.
    """

    name: str
    label: str
    options: Sequence[Any]
    labels: Sequence[str] | None = None
    default: int = 0

    def __post_init__(self) -> None:
        if len(self.options) == 0:
            raise ValueError(f"control {self.name!r} needs at least one option, got options=[]")
        if not 0 <= self.default < len(self.options):
            raise ValueError(
                f"control {self.name!r}: default={self.default} is not an index of its "
                f"{len(self.options)} options"
            )
        if self.labels is not None and len(self.labels) != len(self.options):
            raise ValueError(
                f"control {self.name!r}: {len(self.labels)} labels for {len(self.options)} options"
            )

    def spec(self) -> dict[str, Any]:
        labels = self.labels if self.labels is not None else [str(o) for o in self.options]
        numeric = all(isinstance(o, (int, float)) and not isinstance(o, bool) for o in self.options)
        return {
            "name": self.name,
            "label": self.label,
            "options": list(labels),
            "default": self.default,
            "kind": "range" if numeric and len(self.options) > 2 else "select",
        }


@dataclass
class Figure:
    """An interactive figure built from numbers convviz computed.

    Parameters
    ----------
    id : str
        Unique, stable identifier (used for the HTML id and the lab notebooks).
    title : str
        Short title shown above the figure.
    description : str
        Text alternative: what the figure shows, for readers who cannot see it.
    controls : list of Control
        The settings a reader can change (the step is built in).
    build : callable
        ``build(**setting) -> frame``; see :func:`view` and :func:`grid`.
    """

    id: str
    title: str
    description: str
    controls: list[Control]
    build: Callable[..., Frame]
    _cache: dict[str, Frame] = field(default_factory=dict, repr=False)

    # -- settings and keys -------------------------------------------------
    def keys(self) -> Iterable[str]:
        """Every key of every reachable setting (the product of all options)."""
        ranges = [range(len(c.options)) for c in self.controls]
        for combo in itertools.product(*ranges):
            yield ",".join(map(str, combo))

    def default_key(self) -> str:
        return ",".join(str(c.default) for c in self.controls)

    def setting(self, key: str) -> dict[str, Any]:
        """The keyword arguments of ``build`` for a key such as ``"0,2"``."""
        parts = key.split(",") if self.controls else []
        if len(parts) != len(self.controls):
            raise ValueError(
                f"key={key!r} does not name one option for each of {len(self.controls)} controls"
            )
        setting = {}
        for control, part in zip(self.controls, parts, strict=True):
            index = int(part)
            if not 0 <= index < len(control.options):
                raise ValueError(
                    f"key={key!r}: option {index} out of range for control {control.name!r}"
                )
            setting[control.name] = control.options[index]
        return setting

    def frame(self, key: str | None = None) -> Frame:
        """The frame for one setting (the default one if ``key`` is None)."""
        key = self.default_key() if key is None else key
        if key not in self._cache:
            self._cache[key] = _jsonable(self.build(**self.setting(key)))
        return self._cache[key]

    # -- hosts -------------------------------------------------------------
    def spec(self, *, all_frames: bool = True) -> dict[str, Any]:
        """JSON-ready description of the figure for the renderer."""
        keys = list(self.keys()) if all_frames else [self.default_key()]
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "controls": [c.spec() for c in self.controls],
            "frames": {k: self.frame(k) for k in keys},
        }

    def to_html(self) -> str:
        """Static, self-contained HTML: every frame as JSON, drawn by ``convviz.js``."""
        data = json.dumps(self.spec(), separators=(",", ":")).replace("</", "<\\/")
        desc = html.escape(self.description)
        return (
            f'<figure class="cv-figure" id="cv-{html.escape(self.id)}" data-cv-figure '
            f'aria-label="{html.escape(self.title)}">'
            f'<script type="application/json" class="cv-spec">{data}</script>'
            f"<noscript><p>{desc}</p></noscript></figure>"
            "<script>window.convviz&&window.convviz.mountAll()</script>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The live widget in a Jupyter kernel, self-contained HTML elsewhere.

        See :func:`convviz.figures.live.mimebundle`; the book build gets :meth:`to_html`.
        """
        from convviz.figures.live import mimebundle

        return mimebundle(self)

    def live(self) -> Any:
        """A live notebook widget: the controls recompute the frame with convviz."""
        from convviz.figures.live import LiveFigure

        return LiveFigure(self)


def renderer_source() -> str:
    """The JavaScript renderer shared by the static page and the live widget."""
    return resources.files("convviz.figures").joinpath("static/convviz.js").read_text("utf-8")


def grid(
    name: str,
    label: str,
    values: np.ndarray,
    *,
    role: str = "other",
    origin: tuple[int, int] | int = 0,
    marks: dict[str, Iterable[int]] | None = None,
    progressive: bool = False,
    index: bool = True,
) -> dict[str, Any]:
    """One panel: a grid of numbers.

    Parameters
    ----------
    name : str
        Symbol used in formulas, e.g. ``"x"`` gives ``x[2]`` or ``x[1,2]``.
    label : str
        Caption above the panel.
    values : ndarray, shape (L,) or (R, C)
        The numbers; a 1D array is drawn as one row.
    role : {'input', 'kernel', 'output', 'other'}
        How step highlights colour the panel.
    origin : int or (int, int)
        Index of the top-left cell (``-p`` for a panel that shows padding).
    marks : dict of str to iterable of int
        Flat cell indices to draw specially: ``pad``, ``zero`` (inserted),
        ``drop`` (cut by floor division), ``hot``.
    progressive : bool
        Hide output cells until the step that computes them.
    index : bool
        Whether formulas name cells by index.
    """
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"panel {name!r}: values must be 1D or 2D, got shape {arr.shape}")
    o = (0, origin) if isinstance(origin, int) else tuple(origin)
    one_row = np.asarray(values).ndim == 1
    return {
        "name": name,
        "label": label,
        "rows": int(arr.shape[0]),
        "cols": int(arr.shape[1]),
        "oneD": bool(one_row),
        "values": arr.ravel(),
        "origin": list(o),
        "role": role,
        "marks": {k: sorted(int(i) for i in v) for k, v in (marks or {}).items()},
        "progressive": progressive,
        "index": index,
    }


def view(
    title: str,
    panels: list[dict[str, Any]],
    steps: list[list[tuple[int, int, int, int, int, int]]],
    *,
    bias: float | None = None,
) -> dict[str, Any]:
    """One view: panels side by side and the steps that walk through them.

    Parameters
    ----------
    title : str
        Caption of the view.
    panels : list of dict
        Made by :func:`grid`.
    steps : list of list of 6-tuples
        ``(out_panel, out_cell, in_panel, in_cell, k_panel, k_cell)`` per term;
        one list per step.
    bias : float, optional
        Added to every output value (shown in the formula).
    """
    out: dict[str, Any] = {"title": title, "panels": panels, "steps": steps}
    if bias is not None:
        out["bias"] = bias
    return out


def steps_from_triples(
    triples: np.ndarray,
    *,
    out: tuple[int, int] = (2, 0),
    inp: tuple[int, int] = (0, 0),
    ker: tuple[int, int] = (1, 0),
    by: str = "out",
) -> list[list[tuple[int, ...]]]:
    """Group matrix triples into figure steps.

    Parameters
    ----------
    triples : ndarray of int, shape (T, 3)
        Rows ``(o, i, k)``: flat output, input and kernel indices.
    out, inp, ker : (int, int)
        ``(first panel, cells per panel)`` for each role; a flat index ``f``
        lands in panel ``first + f // cells`` at cell ``f % cells``. A cells
        count of 0 means "one panel, the flat index is the cell".
    by : {'out', 'in'}
        One step per output cell (convolution) or per input cell (the
        scatter view of a transposed convolution).

    Returns
    -------
    list of list of 6-tuples
        Steps in increasing order of the grouping index.
    """
    t = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
    col = {"out": 0, "in": 1}[by]

    def place(flat: int, where: tuple[int, int]) -> tuple[int, int]:
        first, cells = where
        return (first, flat) if cells == 0 else (first + flat // cells, flat % cells)

    steps = []
    for g in np.unique(t[:, col]):
        rows = t[t[:, col] == g]
        steps.append(
            [(*place(int(o), out), *place(int(i), inp), *place(int(k), ker)) for o, i, k in rows]
        )
    return steps


def _jsonable(obj: Any) -> Any:
    """Numbers rounded for display; arrays to lists; tuples to lists."""
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if not np.isfinite(v):
            return str(v)
        r = round(v, 4)
        return int(r) if r == int(r) and abs(r) < 2**53 else r
    return obj
