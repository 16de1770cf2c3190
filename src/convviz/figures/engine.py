"""The interactive figure engine: one definition, two hosts, one renderer.

A :class:`Figure` is a title, a text alternative, a list of :class:`Control`
(each with a finite list of options, so a reader can only reach valid
settings) and a ``build`` function that turns one setting into a *frame*: plain
numbers computed by convviz. A frame holds one or more *views*, each a row of
*panels* (grids of values) and a list of *steps*; a step is a list of
:class:`Term` (output cell, input cell, kernel cell), exactly the nonzeros of
the convolution's matrix that produce one output value. The format is typed
once, here (:class:`FrameSpec`, :class:`ViewSpec`, :class:`PanelSpec`,
:class:`VolumeSpec`, :class:`Term`), mirrored by the schema comment at the top
of the renderer, and :func:`check_frame` is the one check of a frame: every
frame is checked when :meth:`Figure.frame` builds it, and every figure's tests
use it.

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
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, NamedTuple, NotRequired, TypedDict

import numpy as np

__all__ = [
    "Control",
    "Figure",
    "FrameSpec",
    "ImageSpec",
    "PanelSpec",
    "Term",
    "ViewSpec",
    "VolumeSpec",
    "WindowSpec",
    "WiringSpec",
    "aligned_panel",
    "check_frame",
    "footprint_panel",
    "grid",
    "renderer_source",
    "steps_from_triples",
    "steps_on_grid",
    "view",
    "volume",
    "wiring",
]


# --------------------------------------------------------------------------- #
# The frame format (the schema comment at the top of static/convviz.js matches it)
# --------------------------------------------------------------------------- #


class Term(NamedTuple):
    """One term of a step: ``panels[in_panel][in_cell] * panels[k_panel][k_cell]``.

    It adds into ``panels[out_panel][out_cell]``. Cells are flat (row-major)
    indices of their panel. With ``k_panel = k_cell = -1`` (:data:`PLAIN`) the term
    is ``panels[in_panel][in_cell]`` added as it is, with no weight: a sum of maps,
    written and drawn as an addition, not a product by 1. Serialised as a list of
    six integers (a NamedTuple is a tuple), which the renderer reads with its
    ``term()`` helper.
    """

    out_panel: int
    out_cell: int
    in_panel: int
    in_cell: int
    k_panel: int
    k_cell: int


#: ``(k_panel, k_cell)`` of a plain term: its input cell is added as it is (no weight).
PLAIN = (-1, -1)


#: What a cell mark means: ``pad`` padding zero, ``zero`` a zero the method inserts
#: (between inputs, between taps, off a matrix's support), ``drop`` a cell no window
#: reads, ``hot`` an outlined region (its meaning given by the frame's ``legend``),
#: ``overlap`` a cell that sums more than one contribution (a heavy border; its meaning in
#: the frame's ``legend``, e.g. the stamps of a transposed convolution that overlap there),
#: ``g0`` ... ``g7`` the colour of group 0 ... 7 (named in the frame's ``legend``).
Mark = Literal[
    "pad", "zero", "drop", "hot", "overlap", "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7"
]

#: Group colours the visual language has (CSS classes ``cv-g0`` ... ``cv-g7``).
GROUP_COLOURS = 8


#: Panels drawn by a renderer plugin rather than as a grid of cells: ``image`` (a picture,
#: :func:`convviz.figures.imageview.image_panel`, drawn by ``static/image.js``), ``wiring``
#: (:func:`wiring`), ``aligned`` (:func:`aligned_panel`), ``footprint`` (:func:`footprint_panel`).
PanelKind = Literal["image", "wiring", "aligned", "footprint"]
PANEL_KINDS = ("image", "wiring", "aligned", "footprint")


class WiringRow(TypedDict):
    """One row of dots of a wiring panel: a layer's channels."""

    label: str
    groups: list[int]
    text: list[str]
    boxes: list[list[int]]


class WiringSpec(TypedDict):
    """The picture of a ``wiring`` panel (made by :func:`wiring`).

    ``links[r]`` holds ``[dot in row r, dot in row r + 1, group]`` per line; ``hot`` has
    ``dots`` (``[row, dot]``) and ``links`` (``[gap, link index]``) drawn bold.
    """

    rows: list[WiringRow]
    links: list[list[list[int]]]
    hot: dict[str, list[list[int]]]
    value_row: int


class ImageSpec(TypedDict):
    """The pixels of an ``image`` panel: ``h * w * c`` uint8 codes, base64 (row-major)."""

    h: int
    w: int
    c: int
    data: str
    lo: float
    hi: float
    px: float


class WindowSpec(TypedDict):
    """The kernel's window over an ``image`` panel: step ``n`` is cell ``n`` of ``grid``."""

    grid: list[int]
    k: list[int]
    s: list[int]
    d: list[int]
    p: list[int]


class PanelSpec(TypedDict):
    """One grid of numbers (made by :func:`grid`), or a panel of a ``kind`` drawn by a plugin.

    A ``kind`` panel carries the fields of its kind: ``wiring`` (a :class:`WiringSpec`),
    ``image`` (an :class:`ImageSpec`, and maybe a ``window``), ``aligned`` (the indices
    ``input``, ``kernel``, ``output`` of the panels it reads), ``footprint`` (``input``).
    """

    name: str
    label: str
    rows: int
    cols: int
    oneD: bool
    values: list[float | str]
    origin: list[int]
    role: Literal["input", "kernel", "output", "other"]
    marks: dict[str, list[int]]
    progressive: bool
    index: bool
    scale: Literal["diverging", "image"]
    names: NotRequired[dict[str, list[str]]]
    cell: NotRequired[int]
    canvas: NotRequired[bool]
    kind: NotRequired[PanelKind]
    wiring: NotRequired[WiringSpec]
    image: NotRequired[ImageSpec]
    window: NotRequired[WindowSpec]
    input: NotRequired[int]
    kernel: NotRequired[int]
    output: NotRequired[int]


class _ViewRequired(TypedDict):
    title: str
    panels: list[PanelSpec]
    steps: list[list[Term]]


class _VolumeRequired(TypedDict):
    label: str
    panels: list[int]


class VolumeSpec(_VolumeRequired, total=False):
    """Panels that are the slices of one block (channels or depth), drawn in 3D.

    With ``along="depth"`` the block is one panel whose columns lie along depth and
    whose rows along height: a ``(1, C)`` panel is a 1×1×C kernel, a ``(C_out, C)``
    panel is C_out of them stacked. ``groups`` gives each slice's group (one colour
    per group across the figure). Made by :func:`volume`.
    """

    along: Literal["depth"]
    groups: list[int]


class ViewSpec(_ViewRequired, total=False):
    """Panels side by side and the steps through them (made by :func:`view`).

    ``breaks`` lists the panels that start a new line (so that, say, input channel
    ``c`` and kernel slice ``c`` share a line).
    """

    bias: float
    volumes: list[VolumeSpec]
    breaks: list[int]


class _FrameRequired(TypedDict):
    views: list[ViewSpec]
    formula: list[str]
    code: str


class FrameSpec(_FrameRequired, total=False):
    """What ``build(**setting)`` returns: views, rule lines, the PyTorch call.

    ``legend`` maps a mark (a :data:`Mark`: ``pad``, ``zero``, ``drop``, ``hot``, and
    ``overlap`` and ``g0`` ... ``g7``, which have no default words) or a highlight ring
    (``in``, ``k``, ``out``: the window read, the kernel weight used, the output being
    computed) to the words the figure's key uses for it, where the default ones do not fit.
    """

    legend: dict[str, str]


Frame = FrameSpec


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
    widget : {'auto', 'buttons'}, default 'auto'
        ``auto``: a slider for more than two numbers, else a drop-down list;
        ``buttons``: a segmented control, one button per option (for a few short ones).
    """

    name: str
    label: str
    options: Sequence[Any]
    labels: Sequence[str] | None = None
    default: int = 0
    widget: Literal["auto", "buttons"] = "auto"

    def __post_init__(self) -> None:
        if len(self.options) == 0:
            raise ValueError(f"control {self.name!r} needs at least one option, got options=[]")
        if not 0 <= self.default < len(self.options):
            raise ValueError(
                f"control {self.name!r}: default={self.default} is not an index of its "
                f"{len(self.options)} options"
            )
        if self.widget not in ("auto", "buttons"):
            raise ValueError(
                f"control {self.name!r}: widget must be 'auto' or 'buttons', got {self.widget!r}"
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
            "kind": "buttons"
            if self.widget == "buttons"
            else "range"
            if numeric and len(self.options) > 2
            else "select",
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
    autoplay : bool, default False
        Step through the figure by itself, in a loop, from the moment it is drawn
        (a front page's figure). The renderer does not when the reader's system
        asks for reduced motion or the address names a step; any step control stops it.
    """

    id: str
    title: str
    description: str
    controls: list[Control]
    build: Callable[..., Frame]
    autoplay: bool = False
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
        """The frame for one setting (the default one if ``key`` is None), checked.

        Raises
        ------
        ValueError
            If ``key`` names no setting, or the frame ``build`` returns fails
            :func:`check_frame` (a term names a cell that does not exist, a step's
            terms do not add up to the value shown, ...): the message names the
            figure, the setting and what is wrong, so a broken figure stops the book
            build and the live widget instead of drawing a wrong sum.
        """
        key = self.default_key() if key is None else key
        if key not in self._cache:
            setting = self.setting(key)
            frame = _jsonable(self.build(**setting))
            try:
                check_frame(frame)
            except FrameError as e:
                raise ValueError(f"figure {self.id!r}, setting {setting}: {e}") from None
            self._cache[key] = frame
        return self._cache[key]

    # -- hosts -------------------------------------------------------------
    def spec(self, *, all_frames: bool = True) -> dict[str, Any]:
        """JSON-ready description of the figure for the renderer."""
        keys = list(self.keys()) if all_frames else [self.default_key()]
        spec = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "controls": [c.spec() for c in self.controls],
            "frames": {k: self.frame(k) for k in keys},
        }
        if self.autoplay:
            spec["autoplay"] = True
        return spec

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


#: The renderer's files, in load order: panel drawers (``image.js``), then ``convviz.js``.
RENDERER_FILES = ("image.js", "convviz.js")


def renderer_source() -> str:
    """The JavaScript renderer shared by the static page and the live widget."""
    static = resources.files("convviz.figures").joinpath("static")
    return "\n".join(static.joinpath(name).read_text("utf-8") for name in RENDERER_FILES)


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
    scale: Literal["diverging", "image"] = "diverging",
    row_names: Sequence[str] | None = None,
    col_names: Sequence[str] | None = None,
    cell: int | None = None,
    canvas: bool = False,
) -> PanelSpec:
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
    scale : {'diverging', 'image'}
        Colours of the values: red positive, blue negative, stronger for larger
        magnitudes (``diverging``), or grey from dark (lowest) to bright
        (highest), for a picture (``image``).
    row_names, col_names : sequence of str, optional
        Labels of the rows and columns drawn instead of their numbers, e.g. the
        input pixel ``x[1,2]`` a column of a convolution's matrix multiplies; a
        cell of a one-column (one-row) panel is then called by its row (column)
        name in the sums.
    cell : int, optional
        Side of a cell in CSS pixels, to draw small grids side by side (default:
        the renderer's choice). Below 30 no numbers are printed: the grid gets a
        colour bar, and hovering a cell gives its value.
    canvas : bool
        Paint the grid on one canvas even when it is small (large grids always
        are): for a figure whose setting changes every cell of many grids at
        once, repainting a canvas is cheaper than restyling each cell's
        elements. It looks and answers the same (numbers, marks, group
        outlines, rings, hover, click).

    Raises
    ------
    ValueError
        If ``scale`` is unknown, ``values`` is not 1D or 2D, a list of names
        does not have one name per row (column), or ``cell`` is below 6.
    """
    if cell is not None and not (isinstance(cell, int) and cell >= 6):
        raise ValueError(f"panel {name!r}: cell must be an int >= 6 (pixels), got {cell!r}")
    if scale not in ("diverging", "image"):
        raise ValueError(f"panel {name!r}: scale must be 'diverging' or 'image', got {scale!r}")
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"panel {name!r}: values must be 1D or 2D, got shape {arr.shape}")
    o = (0, origin) if isinstance(origin, int) else tuple(origin)
    one_row = np.asarray(values).ndim == 1
    names = {}
    for axis, given, n in (("rows", row_names, arr.shape[0]), ("cols", col_names, arr.shape[1])):
        if given is not None:
            if len(given) != n:
                raise ValueError(
                    f"panel {name!r}: {axis[:-1]}_names must have {n} names, got {len(given)}"
                )
            names[axis] = [str(g) for g in given]
    spec: PanelSpec = {
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
        "scale": scale,
    }
    if names:
        spec["names"] = names
    if cell is not None:
        spec["cell"] = cell
    if canvas:
        spec["canvas"] = True
    return spec


def wiring(
    name: str,
    label: str,
    rows: Sequence[tuple[str, Sequence[int], Sequence[str]]],
    links: Sequence[Sequence[tuple[int, int, int]]],
    *,
    value_row: int,
    boxes: dict[int, Sequence[tuple[int, int]]] | None = None,
    hot_dots: Iterable[tuple[int, int]] = (),
    hot_links: Iterable[tuple[int, int]] = (),
) -> PanelSpec:
    """A wiring panel: rows of channels drawn as dots, coloured by group, and their links.

    The picture ShuffleNet's Figure 1 draws: each row is a set of channels (a layer's
    inputs or outputs), each dot filled with its group's colour, and the lines between
    one row and the next say which channel feeds which (a grouped layer's connections,
    the crossing wires of a channel shuffle).

    Parameters
    ----------
    name, label : str
        As for :func:`grid`.
    rows : sequence of (str, sequence of int, sequence of str)
        Per row: its caption, the group (colour ``0 .. 7``) of each dot, the text in each dot.
    links : sequence of sequence of (int, int, int)
        Per pair of consecutive rows ``r, r + 1``: ``(dot in row r, dot in row r + 1, group)``.
    value_row : int
        The row whose dots carry the panel's values (their texts, for tests and tooltips).
    boxes : dict of int to sequence of (int, int), optional
        Per row, ranges ``[first, stop)`` of dots outlined together (a layer's groups).
    hot_dots, hot_links : iterable of (int, int)
        ``(row, dot)`` and ``(gap, link index)`` drawn bold (a traced path); the other
        links are faded when any link is hot.

    Raises
    ------
    ValueError
        If there is not one list of links per pair of rows, a link or box names a dot
        that does not exist, or a group has no colour.
    """
    if len(links) != len(rows) - 1:
        raise ValueError(f"wiring {name!r}: {len(rows)} rows need {len(rows) - 1} lists of links")
    sizes = [len(groups) for _, groups, _ in rows]
    for r, (_, groups, text) in enumerate(rows):
        if len(text) != len(groups):
            raise ValueError(f"wiring {name!r}: row {r} has {len(groups)} dots, {len(text)} texts")
        if any(not 0 <= int(g) < GROUP_COLOURS for g in groups):
            raise ValueError(f"wiring {name!r}: row {r} groups must be in 0..{GROUP_COLOURS - 1}")
    for r, gap in enumerate(links):
        for a, b, g in gap:
            if not (0 <= a < sizes[r] and 0 <= b < sizes[r + 1] and 0 <= g < GROUP_COLOURS):
                raise ValueError(f"wiring {name!r}: link {(a, b, g)} of gap {r} is off the rows")
    for r, spans in (boxes or {}).items():
        if any(not 0 <= a < b <= sizes[r] for a, b in spans):
            raise ValueError(f"wiring {name!r}: boxes {list(spans)} of row {r} are off the row")
    panel = grid(name, label, np.array(rows[value_row][2]), role="other", index=False)
    panel["kind"] = "wiring"
    panel["wiring"] = {
        "rows": [
            {
                "label": lab,
                "groups": [int(g) for g in groups],
                "text": [str(t) for t in text],
                "boxes": [list(b) for b in (boxes or {}).get(r, [])],
            }
            for r, (lab, groups, text) in enumerate(rows)
        ],
        "links": [[[int(a), int(b), int(g)] for a, b, g in gap] for gap in links],
        "hot": {"dots": [list(d) for d in hot_dots], "links": [list(k) for k in hot_links]},
        "value_row": value_row,
    }
    return panel


def view(
    title: str,
    panels: list[dict[str, Any]],
    steps: Sequence[Sequence[Term | tuple[int, int, int, int, int, int]]],
    *,
    bias: float | None = None,
    volumes: Sequence[tuple[str, Sequence[int]] | VolumeSpec] | None = None,
    breaks: Sequence[int] | None = None,
) -> ViewSpec:
    """One view: panels side by side and the steps that walk through them.

    Parameters
    ----------
    title : str
        Caption of the view.
    panels : list of dict
        Made by :func:`grid`.
    steps : list of list of Term
        One list of :class:`Term` per step (plain 6-tuples are converted); a step
        may be empty (nothing to show in this view at that step).
    bias : float, optional
        Added to every output value (shown in the formula).
    volumes : list of (str, list of int) or VolumeSpec, optional
        Blocks drawn in the view's 3D picture: a label and the panels that are
        its slices (front to back), e.g. ``("input x", [0, 1, 2])``, or a block
        made by :func:`volume` (a block along depth, group colours).
    breaks : list of int, optional
        Panels that start a new line of the view (rows of panels that belong
        together, e.g. each input channel beside its kernel slice).

    Raises
    ------
    ValueError
        If a volume or a break names a panel the view does not have, or a volume
        has a group for each of a different number of slices.
    """
    bad_breaks = [i for i in breaks or () if not 0 < i < len(panels)]
    if bad_breaks:
        raise ValueError(
            f"breaks={list(breaks or ())}: {bad_breaks} are not indices 1..{len(panels) - 1} "
            "of the view's panels"
        )
    specs: list[VolumeSpec] = []
    for block in volumes or ():
        spec = block if isinstance(block, dict) else volume(*block)
        members, label = spec["panels"], spec["label"]
        bad = [i for i in members if not 0 <= i < len(panels)]
        if bad or not members:
            raise ValueError(
                f"volume {label!r}: panels {list(members)} must be indices of the "
                f"{len(panels)} panels"
            )
        slices = panels[members[0]]["cols"] if spec.get("along") == "depth" else len(members)
        if "groups" in spec and len(spec["groups"]) != slices:
            raise ValueError(
                f"volume {label!r}: groups={spec['groups']} must name one group for each "
                f"of its {slices} slices"
            )
        specs.append(spec)
    out: ViewSpec = {
        "title": title,
        "panels": panels,
        "steps": [[t if type(t) is Term else Term(*t) for t in terms] for terms in steps],
    }
    if bias is not None:
        out["bias"] = bias
    if volumes:
        out["volumes"] = specs
    if breaks:
        out["breaks"] = sorted(int(i) for i in breaks)
    return out


def volume(
    label: str,
    panels: Sequence[int],
    *,
    along: Literal["depth"] | None = None,
    groups: Sequence[int] | None = None,
) -> VolumeSpec:
    """One block of a view's 3D picture (pass it in ``view(..., volumes=[...])``).

    Parameters
    ----------
    label : str
        Caption under the block, e.g. ``"input x, 3×7×7"``.
    panels : sequence of int
        The panels that are its slices, front to back; with ``along="depth"``,
        one panel.
    along : {'depth'}, optional
        The one panel's columns lie along depth and its rows along height: a
        ``(1, C)`` panel is a 1×1×C kernel, a ``(C_out, C)`` panel C_out of them.
    groups : sequence of int, optional
        The group of each slice (front to back): slices of one group, in any
        block of the figure, carry one colour (``cv-group-<n>``, eight colours, the palette of the grid marks g0..g7).

    Returns
    -------
    VolumeSpec

    Raises
    ------
    ValueError
        If ``along`` is not ``"depth"``, or is with more than one panel, or a
        group is negative.
    """
    spec: VolumeSpec = {"label": label, "panels": [int(i) for i in panels]}
    if along is not None:
        if along != "depth" or len(spec["panels"]) != 1:
            raise ValueError(
                f"volume {label!r}: along must be 'depth' with one panel, got "
                f"along={along!r}, panels={spec['panels']}"
            )
        spec["along"] = "depth"
    if groups is not None:
        if any(int(g) < 0 for g in groups):
            raise ValueError(f"volume {label!r}: groups must be >= 0, got groups={list(groups)}")
        spec["groups"] = [int(g) for g in groups]
    return spec


def _drawn_panel(kind: str, label: str, **refs: int) -> PanelSpec:
    """A panel with no cells of its own, drawn by the renderer's ``kind`` drawer."""
    panel: dict[str, Any] = {
        "name": "",
        "label": label,
        "rows": 0,
        "cols": 0,
        "oneD": True,
        "values": [],
        "origin": [0, 0],
        "role": "other",
        "marks": {},
        "progressive": False,
        "index": False,
        "scale": "diverging",
        "kind": kind,
        **refs,
    }
    return panel  # type: ignore[return-value]


def aligned_panel(label: str, *, input: int, kernel: int, output: int) -> PanelSpec:
    """A row drawn under a one-row input panel: the kernel where it meets the input.

    At each step the renderer writes every kernel weight of the step's sum under
    the input cell it multiplies (with the weight's index, so a flipped kernel
    reads backwards), and below that row every output computed so far, placed
    under the middle of its window. Put it on its own line right under the input
    panel (``view(..., breaks=...)``), so the columns line up.

    Parameters
    ----------
    label : str
        Caption of the row.
    input, kernel, output : int
        Indices, in the view, of the input, kernel and output panels the steps name.

    Returns
    -------
    PanelSpec
        A panel with no cells (``rows = cols = 0``) and ``kind = "aligned"``.
    """
    return _drawn_panel("aligned", label, input=input, kernel=kernel, output=output)


def footprint_panel(input: int) -> PanelSpec:
    """Outline, on a 2D input panel, the box the step's window spans.

    At each step the renderer draws the bounding box of the input cells the
    step reads (a dilated kernel's ``k_eff x k_eff`` footprint) on panel
    ``input`` and marks the cells inside it that the step skips. The panel
    itself takes no room.

    Parameters
    ----------
    input : int
        Index, in the view, of the input panel.

    Returns
    -------
    PanelSpec
        A panel with no cells (``rows = cols = 0``) and ``kind = "footprint"``.
    """
    return _drawn_panel("footprint", "", input=input)


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
    list of list of Term
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
            [
                Term(*place(int(o), out), *place(int(i), inp), *place(int(k), ker))
                for o, i, k in rows
            ]
        )
    return steps


def steps_on_grid(
    steps: Sequence[Sequence[Term]], shape: Sequence[int], common: Sequence[int]
) -> list[list[Term]]:
    """Renumber one-output-per-step steps onto a grid shared by several views.

    Views of one figure move together: step ``n`` of every view computes the
    output cell at the same position. A view whose output is smaller than the
    shared grid (or that has no taps on a cell) gets an empty step there.

    Parameters
    ----------
    steps : list of list of Term
        One step per output cell, each naming its cell (flat in ``shape``).
    shape : sequence of int
        Shape of this view's output panel.
    common : sequence of int
        Shape of the shared grid (each axis at least ``shape``'s).

    Returns
    -------
    list of list of Term, length prod(common)
        Step ``n`` computes the cell at position ``unravel(n, common)``, or is empty.
    """
    if len(shape) != len(common) or any(a > b for a, b in zip(shape, common, strict=True)):
        raise ValueError(f"shape={tuple(shape)} does not fit in common={tuple(common)}")
    out: list[list[Term]] = [[] for _ in range(int(np.prod(common)))]
    for terms in steps:
        if not terms:
            continue
        where = np.unravel_index(terms[0][1], tuple(shape))
        out[int(np.ravel_multi_index(where, tuple(common)))] = list(terms)
    return out


class FrameError(ValueError):
    """A frame that the renderer would draw wrong: a sum that does not add up, a term or a
    mark naming a cell that does not exist, a field the renderer does not know."""


def _require(ok: bool, message: str) -> None:
    """Raise :class:`FrameError` with ``message`` unless ``ok`` (never skipped, unlike assert)."""
    if not ok:
        raise FrameError(message)


def check_frame(frame: FrameSpec, *, atol: float = 1e-3) -> set[tuple[int, int, int]]:
    """Check a frame is well formed; the one check behind every figure's tests.

    Every panel's values fill its ``rows x cols``; every mark is a :data:`Mark`
    and names a cell that exists; role, scale, axis names and cell size are ones
    the renderer knows; a panel of a ``kind`` carries that kind's fields (a
    wiring's links join dots that exist, an aligned or footprint panel names an
    input grid of the view, an image has 1 or 3 channels); a view's breaks and
    3D blocks (volumes, along depth, their groups) name its grids; every term
    names a cell that exists; a step is one output's sum (all terms name one
    output cell, and the products plus the view's bias add up to the value the
    panel shows; a weight written as a fraction, ``"1/45"``, counts as its quotient,
    as the renderer reads it) or one input's scatter (all terms name one input cell).

    Parameters
    ----------
    frame : FrameSpec
        A frame as built (before or after JSON rounding).
    atol : float
        Tolerance per term for the sums (the page rounds values to 4 decimals).

    Returns
    -------
    set of (int, int, int)
        ``(view, panel, cell)`` of every output cell some step sums.

    Raises
    ------
    FrameError
        A :class:`ValueError` naming the view, step and what is wrong (raised under
        ``python -O`` too).
    """
    summed: set[tuple[int, int, int]] = set()
    marks = set(Mark.__args__)  # type: ignore[attr-defined]
    rings = {"in", "k", "out"}  # the highlight rings a figure may name in its key
    for mark in frame.get("legend", {}):
        _require(
            mark in marks | rings,
            (f"legend names {mark!r}, not a mark or ring ({sorted(marks | rings)})"),
        )
    for vi, v in enumerate(frame["views"]):
        panels = v["panels"]
        for pi, p in enumerate(panels):
            n = p["rows"] * p["cols"]
            _require(
                len(p["values"]) == n,
                (f"view {vi} panel {pi}: {len(p['values'])} values, {n} cells"),
            )
            for mark, cells in p["marks"].items():
                _require(mark in marks, f"view {vi} panel {pi}: {mark!r} is not a mark")
                _require(
                    all(0 <= c < n for c in cells), f"view {vi} panel {pi}: mark {mark} off grid"
                )
            _check_panel(f"view {vi} panel {pi}", p, pi, panels)
        _check_layout(f"view {vi} ({v['title']!r})", v)
        for si, terms in enumerate(v["steps"]):
            where = f"view {vi} ({v['title']!r}) step {si}"
            for t in terms:
                _require(
                    len(t) == 6 and all(isinstance(i, (int, np.integer)) for i in t),
                    f"{where}: term {list(t)} is not 6 integers",
                )
                t = Term(*t)
                pairs = [(t.out_panel, t.out_cell), (t.in_panel, t.in_cell)]
                if (t.k_panel, t.k_cell) != PLAIN:
                    pairs.append((t.k_panel, t.k_cell))
                for panel, cell in pairs:
                    _require(0 <= panel < len(panels), f"{where}: no panel {panel}")
                    _require(
                        0 <= cell < len(panels[panel]["values"]),
                        (f"{where}: no cell {cell} in panel {panel}"),
                    )
            if not terms:
                continue
            t0 = Term(*terms[0])
            one_out = all((t[0], t[1]) == (t0.out_panel, t0.out_cell) for t in terms)
            one_in = all((t[2], t[3]) == (t0.in_panel, t0.in_cell) for t in terms)
            _require(
                one_out or one_in, f"{where}: neither one output's sum nor one input's scatter"
            )
            if one_out:
                total = sum(
                    _factor(panels, t[2], t[3], where)
                    * (1.0 if (t[4], t[5]) == PLAIN else _factor(panels, t[4], t[5], where))
                    for t in terms
                ) + float(v.get("bias", 0))
                shown = float(panels[t0.out_panel]["values"][t0.out_cell])
                _require(
                    abs(total - shown) <= atol * (1 + len(terms)),
                    (f"{where}: the terms add up to {total}, the panel shows {shown}"),
                )
                summed.add((vi, t0.out_panel, t0.out_cell))
    return summed


#: A weight written as a fraction, read as the renderer's ``weightValue`` reads it.
_FRACTION = re.compile(r"^([\u2212-]?)(\d+)/(\d+)$")


def _factor(panels: Sequence[PanelSpec], panel: int, cell: int, where: str) -> float:
    """The number a term reads from a cell: a number, or a weight written as a fraction
    (``"1/45"``, ``"\u22124/9"``) as its quotient, as ``convviz.js`` reads it."""
    value = panels[panel]["values"][cell]
    if isinstance(value, str):
        m = _FRACTION.match(value)
        if m and int(m[3]) != 0:
            return (-1.0 if m[1] else 1.0) * int(m[2]) / int(m[3])
        try:
            return float(value)
        except ValueError:
            raise FrameError(
                f"{where}: cell {cell} of panel {panel} holds {str(value)!r}, not a number"
            ) from None
    return float(value)


def _check_panel(where: str, p: PanelSpec, pi: int, panels: Sequence[PanelSpec]) -> None:
    """The fields of one panel beyond its cells: role, scale, names, cell size, its kind's."""
    _require(p["role"] in ("input", "kernel", "output", "other"), f"{where}: role {p['role']!r}")
    _require(p["scale"] in ("diverging", "image"), f"{where}: scale {p['scale']!r}")
    _require(len(p["origin"]) == 2, f"{where}: origin {p['origin']} is not [row0, col0]")
    for axis, n in (("rows", p["rows"]), ("cols", p["cols"])):
        given = p.get("names", {}).get(axis)
        _require(given is None or len(given) == n, f"{where}: {len(given or ())} {axis} names, {n}")
    _require(
        "cell" not in p or (isinstance(p["cell"], int) and p["cell"] >= 6),
        (f"{where}: cell {p.get('cell')!r} is not an int >= 6"),
    )
    _require(p.get("canvas", True) is True, f"{where}: canvas {p.get('canvas')!r} is not true")
    kind = p.get("kind")
    _require(kind is None or kind in PANEL_KINDS, f"{where}: unknown kind {kind!r}")
    others = [i for i in range(len(panels)) if i != pi]
    if kind in ("aligned", "footprint"):
        refs = ("input", "kernel", "output") if kind == "aligned" else ("input",)
        for ref in refs:
            _require(p.get(ref) in others, f"{where}: {ref}={p.get(ref)!r} names no other panel")
        src = panels[p["input"]]
        _require(
            "kind" not in src and src["rows"] * src["cols"] > 0,
            (f"{where}: input {p['input']} is not a grid of cells"),
        )
        _require(
            kind == "footprint" or src["rows"] == 1, f"{where}: input {p['input']} not one row"
        )
    elif kind == "wiring":
        w = p["wiring"]
        rows = w["rows"]
        sizes = [len(r["groups"]) for r in rows]
        _require(
            len(w["links"]) == len(rows) - 1, (f"{where}: {len(rows)} rows, {len(w['links'])} gaps")
        )
        _require(0 <= w["value_row"] < len(rows), f"{where}: value_row {w['value_row']}")
        _require(
            [str(t) for t in p["values"]] == list(rows[w["value_row"]]["text"]),
            (f"{where}: values are not the texts of row {w['value_row']}"),
        )
        for r, row in enumerate(rows):
            _require(len(row["text"]) == sizes[r], f"{where}: row {r} texts")
            _require(all(0 <= g < GROUP_COLOURS for g in row["groups"]), f"{where}: row {r} groups")
            _require(
                all(0 <= a < b <= sizes[r] for a, b in row["boxes"]), f"{where}: row {r} boxes"
            )
        for r, gap in enumerate(w["links"]):
            for a, b, g in gap:
                _require(
                    0 <= a < sizes[r] and 0 <= b < sizes[r + 1] and 0 <= g < GROUP_COLOURS,
                    (f"{where}: link {(a, b, g)} of gap {r} is off the rows"),
                )
        for r, d in w["hot"].get("dots", []):
            _require(0 <= r < len(rows) and 0 <= d < sizes[r], f"{where}: hot dot {(r, d)}")
        for r, k in w["hot"].get("links", []):
            _require(
                0 <= r < len(w["links"]) and 0 <= k < len(w["links"][r]),
                (f"{where}: hot link {(r, k)}"),
            )
    elif kind == "image":
        im = p["image"]
        _require(im["c"] in (1, 3) and im["h"] > 0 and im["w"] > 0, f"{where}: image {im}")
    else:
        _require("wiring" not in p and "image" not in p, f"{where}: kind fields without a kind")


def _check_layout(where: str, v: ViewSpec) -> None:
    """A view's line breaks and 3D blocks name its panels, as :func:`view` makes them."""
    n = len(v["panels"])
    breaks = v.get("breaks", [])
    _require(
        breaks == sorted(set(breaks)) and all(0 < i < n for i in breaks),
        (f"{where}: breaks {breaks} are not increasing indices 1..{n - 1}"),
    )
    for block in v.get("volumes", []):
        members = block["panels"]
        _require(
            members and all(0 <= i < n for i in members),
            (f"{where}: volume {block['label']!r} panels {members} off the view"),
        )
        grids = [v["panels"][i] for i in members]
        _require(
            all("kind" not in q and q["rows"] * q["cols"] > 0 for q in grids),
            (f"{where}: volume {block['label']!r} has a slice that is not a grid of cells"),
        )
        along = block.get("along")
        _require(along in (None, "depth"), f"{where}: volume along={along!r}")
        slices = grids[0]["cols"] if along == "depth" else len(members)
        _require(along is None or len(members) == 1, f"{where}: along depth with {members}")
        groups = block.get("groups")
        _require(
            groups is None or (len(groups) == slices and min(groups) >= 0),
            (f"{where}: volume {block['label']!r} groups {groups} for {slices} slices"),
        )


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
