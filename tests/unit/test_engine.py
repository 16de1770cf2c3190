"""The figure engine: controls, keys, frames, HTML, and the invariants of every registered figure."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import convviz as cv
from convviz.figures.engine import (
    Control,
    Figure,
    FrameError,
    Term,
    aligned_panel,
    check_frame,
    footprint_panel,
    grid,
    steps_from_triples,
    steps_on_grid,
    view,
    volume,
)

ALL = [f for _title, fs in cv.figures.REGISTRY.values() for f in fs]


def _tiny(**_):
    return {
        "views": [view("v", [grid("x", "x", np.array([1.0, 2.0]))], [])],
        "formula": [],
        "code": "",
    }


def test_control_validation():
    with pytest.raises(ValueError, match="needs at least one option"):
        Control("k", "k", [])
    with pytest.raises(ValueError, match="default=3 is not an index"):
        Control("k", "k", [1, 2], default=3)
    with pytest.raises(ValueError, match="1 labels for 2 options"):
        Control("k", "k", [1, 2], labels=["a"])
    assert Control("k", "k", [1, 2, 3]).spec()["kind"] == "range"
    assert Control("k", "k", ["a", "b", "c"]).spec()["kind"] == "select"


def test_keys_cover_the_product_and_bad_keys_are_refused():
    fig = Figure(
        "t", "t", "d", [Control("a", "a", [1, 2]), Control("b", "b", ["x", "y", "z"])], _tiny
    )
    assert sorted(fig.keys()) == sorted(f"{i},{j}" for i in range(2) for j in range(3))
    assert fig.setting("1,2") == {"a": 2, "b": "z"}
    with pytest.raises(ValueError, match="one option for each of 2 controls"):
        fig.setting("1")
    with pytest.raises(ValueError, match="option 5 out of range for control 'b'"):
        fig.setting("0,5")


def test_html_is_self_contained_and_escaped():
    def build(**_):
        return {"views": [], "formula": ["</script><b>"], "code": ""}

    html = Figure("t", "T <1>", "desc & more", [], build).to_html()
    assert "</script><b>" not in html
    assert "&lt;1&gt;" in html and "desc &amp; more" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    spec = json.loads(
        re.search(r'class="cv-spec">(.*?)</script>', html).group(1).replace("<\\/", "</")
    )
    assert spec["frames"][""]["formula"] == ["</script><b>"]


def test_steps_from_triples_splits_channels():
    triples = np.array([[0, 5, 1], [0, 0, 0], [1, 7, 3]])
    steps = steps_from_triples(triples, out=(4, 0), inp=(0, 4), ker=(2, 2))
    assert steps == [[(4, 0, 1, 1, 2, 1), (4, 0, 0, 0, 2, 0)], [(4, 1, 1, 3, 3, 1)]]
    by_in = steps_from_triples(triples, by="in")
    assert [s[0][3] for s in by_in] == [0, 5, 7]


def test_grid_shapes():
    g = grid("x", "x", np.arange(6).reshape(2, 3), origin=(-1, -1), marks={"pad": [0, 1]})
    assert (g["rows"], g["cols"], g["oneD"], g["origin"]) == (2, 3, False, [-1, -1])
    assert grid("y", "y", np.arange(4))["oneD"] is True
    with pytest.raises(ValueError, match="must be 1D or 2D"):
        grid("z", "z", np.zeros((2, 2, 2)))


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_every_figure_within_budget_and_steps_sum_to_outputs(factory):
    fig = factory()
    html = fig.to_html()
    assert len(gzip.compress(html.encode())) <= 150_000, "a figure may add at most 150 KB gzipped"
    assert fig.description and fig.title
    for key in fig.keys():
        frame = fig.frame(key)
        assert frame["code"], f"{fig.id} {key}: no PyTorch call shown"
        check_frame(frame)


def test_steps_are_terms_and_empty_steps_fill_a_shared_grid():
    steps = steps_from_triples(np.array([[0, 0, 0], [1, 1, 0], [3, 2, 1]]))
    assert isinstance(steps[0][0], Term) and steps[2][0].out_cell == 3
    # a 2x2 output on a 2x3 shared grid: cell 3 = (1, 1) lands on step 4 = (1, 1)
    shared = steps_on_grid(steps, (2, 2), (2, 3))
    assert len(shared) == 6
    assert [bool(s) for s in shared] == [True, True, False, False, True, False]
    assert shared[4][0].in_cell == 2
    with pytest.raises(ValueError, match="does not fit"):
        steps_on_grid(steps, (3, 2), (2, 3))


def _frame(values, steps, bias=None):
    panels = [grid("x", "x", np.array([1.0, 2.0])), grid("w", "w", np.array([3.0]))]
    panels.append(grid("y", "y", np.array(values)))
    return {"views": [view("v", panels, steps, bias=bias)], "formula": [], "code": ""}


def test_check_frame_catches_bad_sums_and_missing_cells():
    ok = _frame([3.0, 6.0], [[(2, 0, 0, 0, 1, 0)], [(2, 1, 0, 1, 1, 0)], []])
    assert check_frame(ok) == {(0, 2, 0), (0, 2, 1)}
    with pytest.raises(ValueError, match=r"add up to 3\.0, the panel shows 4\.0"):
        check_frame(_frame([4.0, 6.0], [[(2, 0, 0, 0, 1, 0)]]))
    with pytest.raises(ValueError, match="no cell 5 in panel 0"):
        check_frame(_frame([3.0, 6.0], [[(2, 0, 0, 5, 1, 0)]]))
    with pytest.raises(ValueError, match="neither one output"):
        check_frame(_frame([3.0, 6.0], [[(2, 0, 0, 0, 1, 0), (2, 1, 0, 1, 1, 0)]]))
    assert check_frame(_frame([4.0, 6.0], [[(2, 0, 0, 0, 1, 0)]], bias=1.0))


def test_check_frame_reads_weights_as_the_renderer_does():
    """A weight written as a fraction ("1/2", "\u22121/4": a photo kernel's) is its quotient in
    the sums, as the renderer reads it (convviz.js weightValue); a term naming a cell that
    holds no number, or a term that is not six integers, is a FrameError naming the step, not
    a bare error from float() or Term() that names no figure."""
    panels = [
        grid("x", "x", np.array([2.0, 4.0])),
        grid("w", "w", np.array(["1/2", "\u22121/4", "a"])),
        grid("y", "y", np.array([0.0, 1.0])),
    ]
    ok = [[(2, 0, 0, 0, 1, 0), (2, 0, 0, 1, 1, 1)], [(2, 1, 0, 0, 1, 0)]]
    assert check_frame({"views": [view("v", panels, ok)], "formula": [], "code": ""})
    bad = {"views": [view("v", panels, [[(2, 0, 0, 0, 1, 2)]])], "formula": [], "code": ""}
    with pytest.raises(FrameError, match=r"step 0: cell 2 of panel 1 holds 'a', not a number"):
        check_frame(bad)
    short = {"views": [view("v", panels, [])], "formula": [], "code": ""}
    short["views"][0]["steps"] = [[[2, 0, 0, 0, 1]]]
    with pytest.raises(FrameError, match=r"step 0: term \[2, 0, 0, 0, 1\] is not 6 integers"):
        check_frame(short)


def test_a_figure_checks_each_frame_when_it_builds_it():
    """A figure whose build returns a wrong sum fails when the frame is built (the book
    build, the live widget), naming the figure and the setting, not when a test runs."""
    ok, bad = [3.0, 6.0], [4.0, 6.0]
    fig = Figure(
        "sums",
        "t",
        "d",
        [Control("y", "y", ["ok", "bad"])],
        lambda y: _frame(ok if y == "ok" else bad, [[(2, 0, 0, 0, 1, 0)]]),
    )
    assert fig.frame("0")["views"][0]["panels"][2]["values"] == ok
    with pytest.raises(ValueError, match=r"'sums', setting \{'y': 'bad'\}: .*add up to 3"):
        fig.frame("1")
    with pytest.raises(ValueError, match="'sums'"):
        fig.to_html()  # the static page embeds every frame: the build stops there
    assert "1" not in fig._cache  # a bad frame is never kept


def test_plain_terms_add_their_cell_as_it_is():
    """A plain term (k_panel = k_cell = -1) adds its input cell with no weight: x0 + x1 = 3."""
    assert check_frame(_frame([3.0, 6.0], [[(2, 0, 0, 0, -1, -1), (2, 0, 0, 1, -1, -1)]]))
    with pytest.raises(ValueError, match=r"add up to 3\.0, the panel shows 9\.0"):
        check_frame(_frame([9.0, 6.0], [[(2, 0, 0, 0, -1, -1), (2, 0, 0, 1, -1, -1)]]))
    with pytest.raises(ValueError, match="no panel -1"):  # only (-1, -1) is plain
        check_frame(_frame([3.0, 6.0], [[(2, 0, 0, 0, -1, 0)]]))


def test_grid_scale_is_checked():
    assert grid("x", "x", np.ones(2), scale="image")["scale"] == "image"
    with pytest.raises(ValueError, match="scale must be"):
        grid("x", "x", np.ones(2), scale="grey")


def test_view_volumes_name_panels_that_exist():
    panels = [grid("x", "x", np.ones((2, 2))), grid("y", "y", np.ones((2, 2)))]
    v = view("v", panels, [], volumes=[("block", [0, 1])])
    assert v["volumes"] == [{"label": "block", "panels": [0, 1]}]
    with pytest.raises(ValueError, match="must be indices of the 2 panels"):
        view("v", panels, [], volumes=[("block", [0, 2])])


def test_a_volume_along_depth_is_one_panel():
    panels = [grid("w", "w", np.ones(3)), grid("y", "y", np.ones((2, 2)))]
    v = view("v", panels, [], volumes=[volume("kernel", [0], along="depth")])
    assert v["volumes"] == [{"label": "kernel", "panels": [0], "along": "depth"}]
    with pytest.raises(ValueError, match="along must be 'depth' with one panel"):
        volume("kernel", [0, 1], along="depth")
    with pytest.raises(ValueError, match="along must be 'depth'"):
        volume("kernel", [0], along="width")


def test_volume_groups_name_one_group_per_slice():
    panels = [grid("w", "w", np.ones(3)), grid("y", "y", np.ones((2, 2)))]
    v = view("v", panels, [], volumes=[volume("w", [0], along="depth", groups=[0, 1, 1])])
    assert v["volumes"][0]["groups"] == [0, 1, 1]  # one per column along depth
    with pytest.raises(ValueError, match="one group for each of its 3 slices"):
        view("v", panels, [], volumes=[volume("w", [0], along="depth", groups=[0])])
    with pytest.raises(ValueError, match="one group for each of its 2 slices"):
        view("v", panels, [], volumes=[volume("b", [0, 1], groups=[0])])
    with pytest.raises(ValueError, match="groups must be >= 0"):
        volume("b", [0, 1], groups=[0, -1])


def test_view_breaks_name_panels_that_exist():
    panels = [grid("x", "x", np.ones(3)), grid("w", "w", np.ones(2)), grid("y", "y", np.ones(2))]
    assert view("v", panels, [], breaks=[2, 1])["breaks"] == [1, 2]
    assert "breaks" not in view("v", panels, [])
    for bad in ([0], [3]):  # a break before the first panel, or past the last
        with pytest.raises(ValueError, match="breaks="):
            view("v", panels, [], breaks=bad)


def test_drawn_panels_have_no_cells_and_pass_check_frame():
    x, w, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0]), np.array([-1.0, -1.0])
    panels = [
        grid("x", "x", x, role="input"),
        aligned_panel("under x", input=0, kernel=2, output=3),
        grid("w", "w", w, role="kernel"),
        grid("y", "y", y, role="output"),
        footprint_panel(0),
    ]
    steps = [[(3, r, 0, r + t, 2, t) for t in range(2)] for r in range(2)]
    frame = {"views": [view("v", panels, steps, breaks=[1, 2])], "formula": [], "code": ""}
    assert check_frame(frame) == {(0, 3, 0), (0, 3, 1)}
    assert panels[1]["kind"] == "aligned" and panels[1]["values"] == []
    assert (panels[1]["input"], panels[1]["kernel"], panels[1]["output"]) == (0, 2, 3)
    assert panels[4]["kind"] == "footprint" and panels[4]["rows"] == panels[4]["cols"] == 0
    # the renderer has a drawer for each kind
    source = cv.figures.engine.renderer_source()
    assert "convvizPanels.aligned = aligned" in source
    assert "convvizPanels.footprint = footprint" in source


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_volume_slices_have_one_shape(factory):
    # the 3D view draws a block's slices on top of each other: they must line up
    frame = factory().frame()
    for v in frame["views"]:
        for block in v.get("volumes", []):
            if block.get("along") == "depth":
                continue  # one panel: nothing to line up
            shapes = {(v["panels"][i]["rows"], v["panels"][i]["cols"]) for i in block["panels"]}
            assert len(shapes) == 1, (block["label"], shapes)


def test_grid_axis_names_one_per_row_and_column():
    p = grid("C", "C", np.zeros((2, 3)), row_names=["a", "b"], col_names=["x", "y", "z"])
    assert p["names"] == {"rows": ["a", "b"], "cols": ["x", "y", "z"]}
    assert "names" not in grid("x", "x", np.zeros((2, 3)))  # pages stay small without names
    with pytest.raises(ValueError, match="col_names must have 3 names, got 2"):
        grid("C", "C", np.zeros((2, 3)), col_names=["x", "y"])
    with pytest.raises(ValueError, match="row_names must have 2 names, got 1"):
        grid("C", "C", np.zeros((2, 3)), row_names=["a"])


def test_grid_cell_size_is_optional_and_checked():
    assert "cell" not in grid("x", "x", np.ones((2, 2)))  # pages without it stay the same
    assert grid("x", "x", np.ones((2, 2)), cell=12)["cell"] == 12
    for bad in (5, 12.5, "12"):
        with pytest.raises(ValueError, match="cell must be an int >= 6"):
            grid("x", "x", np.ones((2, 2)), cell=bad)


def test_grid_asks_for_a_canvas_only_when_told():
    assert "canvas" not in grid("x", "x", np.ones((2, 2)))  # pages without it stay the same
    assert grid("x", "x", np.ones((2, 2)), canvas=True)["canvas"] is True


def _drawn_frame():
    x, w, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0]), np.array([-1.0, -1.0])
    panels = [
        grid("x", "x", x, role="input"),
        aligned_panel("under x", input=0, kernel=2, output=3),
        grid("w", "w", w, role="kernel"),
        grid("y", "y", y, role="output"),
        footprint_panel(0),
        grid("c", "c", np.ones((2, 2))),
        grid("d", "d", np.ones((2, 2))),
    ]
    steps = [[(3, r, 0, r + t, 2, t) for t in range(2)] for r in range(2)]
    volumes = [volume("c, d", [5, 6], groups=[0, 1]), volume("w", [2], along="depth")]
    v = view("v", panels, steps, breaks=[1, 2], volumes=volumes)
    return {"views": [v], "formula": [], "code": "", "legend": {"g0": "group 0"}}


def _wiring_frame():
    rows = [("in", [0, 1], ["a", "b"]), ("out", [0, 1], ["c", "d"])]
    panel = cv.figures.engine.wiring(
        "w", "w", rows, [[(0, 1, 0), (1, 0, 1)]], value_row=1, hot_links=[(0, 1)]
    )
    return {"views": [view("v", [panel], [])], "formula": [], "code": ""}


def _broken(make, path, value):
    frame = make()
    node = frame
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return frame


def test_check_frame_raises_under_python_O():
    """A bad sum stops the build even when Python runs with -O (asserts off)."""
    code = (
        "from convviz.figures.engine import check_frame, grid, view\n"
        "import numpy as np\n"
        "panels = [grid('x', 'x', np.array([1.0])), grid('w', 'w', np.array([3.0])),"
        " grid('y', 'y', np.array([4.0]))]\n"
        "frame = {'views': [view('v', panels, [[(2, 0, 0, 0, 1, 0)]])], 'formula': [], 'code': ''}\n"
        "try:\n    check_frame(frame)\nexcept ValueError as e:\n    print('refused:', e)\n"
    )
    run = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "refused:" in run.stdout and "add up to 3.0, the panel shows 4.0" in run.stdout


@pytest.mark.parametrize(
    ("make", "path", "value", "words"),
    [
        (_drawn_frame, ("legend", "g9"), "x", "legend names 'g9'"),
        (_drawn_frame, ("views", 0, "panels", 5, "marks", "hole"), [0], "'hole' is not a mark"),
        (_drawn_frame, ("views", 0, "panels", 5, "role"), "bias", "role 'bias'"),
        (_drawn_frame, ("views", 0, "panels", 5, "names"), {"rows": ["a"]}, "1 rows names, 2"),
        (_drawn_frame, ("views", 0, "panels", 5, "cell"), 4, "cell 4 is not an int >= 6"),
        (_drawn_frame, ("views", 0, "panels", 5, "canvas"), 1, "canvas 1 is not true"),
        (_drawn_frame, ("views", 0, "panels", 5, "kind"), "chart", "unknown kind 'chart'"),
        (_drawn_frame, ("views", 0, "panels", 1, "kernel"), 1, "kernel=1 names no other panel"),
        (_drawn_frame, ("views", 0, "panels", 1, "input"), 5, "input 5 not one row"),
        (_drawn_frame, ("views", 0, "panels", 4, "input"), 1, "is not a grid of cells"),
        (_drawn_frame, ("views", 0, "breaks"), [2, 1], "breaks [2, 1] are not increasing"),
        (_drawn_frame, ("views", 0, "volumes", 0, "panels"), [5, 9], "panels [5, 9] off the view"),
        (_drawn_frame, ("views", 0, "volumes", 0, "panels"), [1], "not a grid of cells"),
        (_drawn_frame, ("views", 0, "volumes", 0, "groups"), [0], "groups [0] for 2 slices"),
        (_drawn_frame, ("views", 0, "volumes", 1, "groups"), [0, 1, 1], "[0, 1, 1] for 2 slices"),
        (
            _wiring_frame,
            ("views", 0, "panels", 0, "wiring", "links"),
            [[(0, 2, 0)]],
            "off the rows",
        ),
        (_wiring_frame, ("views", 0, "panels", 0, "wiring", "value_row"), 0, "not the texts"),
        (
            _wiring_frame,
            ("views", 0, "panels", 0, "wiring", "hot"),
            {"links": [[0, 2]]},
            "hot link",
        ),
    ],
)
def test_check_frame_covers_every_panel_kind_and_the_3d_blocks(make, path, value, words):
    assert check_frame(make()) == ({(0, 3, 0), (0, 3, 1)} if make is _drawn_frame else set())
    with pytest.raises(FrameError, match=re.escape(words)):
        check_frame(_broken(make, path, value))


def _schema_comment() -> dict[str, str]:
    """The renderer's schema comment, one entry per type (``Frame = {...}``)."""
    source = cv.figures.engine.renderer_source()
    head = source[source.index("Frame schema") : source.index("A step's terms")]
    text = re.sub(r"\n \*\s*", " ", head)
    parts = re.split(r"\b(Frame|View|Volume|Panel|Term)\s+= ", text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_renderer_schema_comment_matches_the_typed_frame_format():
    from typing import NotRequired, get_origin, get_type_hints

    from convviz.figures import engine

    schema = _schema_comment()
    typed = {
        "Frame": engine.FrameSpec,
        "View": engine.ViewSpec,
        "Volume": engine.VolumeSpec,
        "Panel": engine.PanelSpec,
    }
    for name, spec in typed.items():
        hints = get_type_hints(spec, include_extras=True)
        for field, hint in hints.items():
            # NotRequired[...] under postponed annotations is not in __optional_keys__
            optional = field in spec.__optional_keys__ or get_origin(hint) is NotRequired
            assert re.search(rf"\b{field}{'[?]' if optional else ''}:?", schema[name]), (
                f"{name}.{field} ({'optional' if optional else 'required'}) missing from the "
                "schema comment at the top of convviz.js"
            )
    assert all(f in schema["Term"] for f in ("outPanel", "inCell", "kCell"))
    assert len(engine.Term._fields) == 6


def test_every_renderer_function_has_a_doc_line():
    """Every named function of the renderer carries a /** ... */ line just above it."""
    source = cv.figures.engine.renderer_source().split("\n")
    missing = []
    for i, line in enumerate(source):
        m = re.match(r"\s*function (\w+)\s*\(|\s*(?:var )?([\w.]+) = function\s*\(", line)
        if not m:
            continue
        j = i - 1
        while j >= 0 and not source[j].strip():
            j -= 1
        if not source[j].strip().endswith("*/"):
            missing.append(m.group(1) or m.group(2))
    assert not missing, f"functions without a /** */ line: {missing}"
