"""What a reader sees in each figure: the current step visible, click to step, legible on a
phone, links to a setting, the SVG download, reduced motion."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.browser.figures import has_steps
from tests.browser.test_site import FIGURE_PAGES, FIGURES

_RINGS = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const css = getComputedStyle(root);
  const colour = name => {  // a CSS variable resolved to rgb() the way a stroke computes
    const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    probe.style.stroke = css.getPropertyValue(name).trim();
    root.querySelector('svg.cv-grid').appendChild(probe);
    const value = getComputedStyle(probe).stroke;
    probe.remove();
    return value;
  };
  const out = {};
  for (const kind of ['in', 'out']) {
    const rings = Array.from(root.querySelectorAll('.cv-stage .cv-hl-' + kind + ' .cv-ring'));
    out[kind] = rings.map(ring => {
      ring.scrollIntoView({block: 'center', inline: 'center'});
      const box = ring.getBoundingClientRect();
      // the topmost element on the ring's left edge must be the ring itself: no cell,
      // group outline or neighbour drawn over it
      const top = document.elementFromPoint(box.left + 1, box.top + box.height / 2);
      const style = getComputedStyle(ring);
      return {stroke: style.stroke, want: colour('--cv-' + kind), width: parseFloat(style.strokeWidth),
              onTop: top === ring, visible: box.width > 0,
              top: top ? top.tagName + '.' + top.getAttribute('class') : null};
    });
  }
  return out;
}"""


_CANVAS_RINGS = """([id, cells]) => {
  // rings painted on a canvas grid: the pixels 1 and 2.5 px inside the cell's left edge, half
  // way down, must be the highlight's colour (a ring at least 2 px wide, nothing over it)
  const root = document.querySelector('#cv-' + id);
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  root.querySelector('svg.cv-grid').appendChild(probe);
  const out = [];
  for (const [vi, pi, cell, kind, cols] of cells) {
    const canvas = root.querySelector(`.cv-view[data-view="${vi}"] .cv-panel[data-panel="${pi}"] canvas`);
    if (!canvas) continue;
    probe.style.stroke = getComputedStyle(root).getPropertyValue('--cv-' + kind).trim();
    const want = getComputedStyle(probe).stroke;
    const size = (parseFloat(canvas.style.width) - 4) / cols, dpr = canvas.width / parseFloat(canvas.style.width);
    const r = Math.floor(cell / cols), c = cell % cols, ctx = canvas.getContext('2d');
    const at = dx => {
      const d = ctx.getImageData(Math.floor((2 + c * size + dx) * dpr), Math.floor((2 + r * size + size / 2) * dpr), 1, 1).data;
      return `rgb(${d[0]}, ${d[1]}, ${d[2]})`;
    };
    const seen = [at(1), at(2.5)];
    out.push({kind, stroke: seen[0], want, width: seen.every(x => x === want) ? 2 : 0,
              onTop: seen.every(x => x === want), visible: true, top: 'canvas ' + seen.join(' / ')});
  }
  probe.remove();
  return out;
}"""


def _step_cells(fig, step):
    """[view, panel, cell, kind, columns of the panel] of each output and input cell the
    figure's default frame highlights at ``step``."""
    cells = []
    for vi, v in enumerate(fig.frame()["views"]):
        cols = [p.get("cols", 0) for p in v["panels"]]
        for t in v["steps"][min(step, len(v["steps"]) - 1)] if v["steps"] else []:
            cells += [[vi, t[0], t[1], "out", cols[t[0]]], [vi, t[2], t[3], "in", cols[t[2]]]]
    return cells


def _open(page, base_url, page_path, fig_id, hash_=""):
    page.goto(f"{base_url}/{page_path}{hash_}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_current_window_and_output_are_drawn_on_top(visit, base_url, page_path, fig_id):
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    page.eval_on_selector(f"#cv-{fig_id}", "e => e.scrollIntoView()")
    rings = page.evaluate(_RINGS, fig_id)
    step = int(page.get_attribute(f"#cv-{fig_id}", "data-step"))
    for ring in page.evaluate(_CANVAS_RINGS, [fig_id, _step_cells(FIGURES[fig_id], step)]):
        rings[ring["kind"]].append(ring)  # rings painted on canvas grids
    if not has_steps(FIGURES[fig_id]):  # a permutation: nothing is summed, nothing outlined
        assert not rings["out"] and not rings["in"], (fig_id, rings)
        return
    assert rings["out"], f"{fig_id}: no current output outlined"
    for kind in ("in", "out"):
        for ring in rings[kind]:
            assert ring["stroke"] == ring["want"] and ring["width"] >= 2, (fig_id, kind, ring)
        seen = [r for r in rings[kind] if r["visible"]]
        on_top = [r for r in seen if r["onTop"]]
        # rings scrolled out of the page's view cannot be hit-tested; the rest must be on top
        assert len(on_top) >= min(1, len(seen)), (fig_id, kind, rings[kind])


def _target(fig):
    """An output cell of the default frame, the view it is in and the first step summing it."""
    frame = fig.frame()
    for vi, v in enumerate(frame["views"]):
        sums = [
            (s, t[0][0], t[0][1])
            for s, t in enumerate(v["steps"])
            if t and all((u[0], u[1]) == (t[0][0], t[0][1]) for u in t)
        ]
        if not sums:
            continue
        _, panel, cell = sums[-1]
        rows, cols = v["panels"][panel]["rows"], v["panels"][panel]["cols"]
        if rows * cols > 400 or (cols > 16 and rows * cols > 150):
            continue  # a canvas
        first = min(s for s, p, c in sums if (p, c) == (panel, cell))
        return vi, panel, cell, first
    return None


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_clicking_an_output_cell_steps_to_it(visit, base_url, page_path, fig_id):
    target = _target(FIGURES[fig_id])
    if target is None:
        pytest.skip(f"{fig_id}: no output summed in a grid")
    vi, panel, cell, step = target
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    page.focus(f"{root} .cv-step")
    page.keyboard.press("End")
    where = f"{root} .cv-view[data-view='{vi}'] .cv-panel[data-panel='{panel}']"
    canvas = page.locator(f"{where} canvas")
    if canvas.count():  # a canvas grid: click the cell's place on it
        cols = FIGURES[fig_id].frame()["views"][vi]["panels"][panel]["cols"]
        size = (canvas.bounding_box()["width"] - 4) / cols
        r, c = divmod(cell, cols)
        canvas.click(position={"x": 2 + (c + 0.5) * size, "y": 2 + (r + 0.5) * size})
    else:
        page.click(f"{where} g.cv-cell[data-cell='{cell}']", force=True)
    assert page.get_attribute(root, "data-step") == str(step)


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_no_text_under_10px_on_a_phone(browser, base_url, page_path, fig_id):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        small = page.evaluate(
            """(id) => {
              const root = document.querySelector('#cv-' + id);
              const out = [];
              for (const t of root.querySelectorAll('svg text')) {
                const svg = t.ownerSVGElement, vb = svg.viewBox.baseVal;
                const k = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
                const px = parseFloat(getComputedStyle(t).fontSize) * k;
                if (px < 10 && t.textContent.trim()) out.push([t.textContent, px]);
              }
              for (const e of root.querySelectorAll('*')) {
                if (e.closest('svg') || !e.childNodes.length) continue;
                const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
                const px = parseFloat(getComputedStyle(e).fontSize);
                if (own && px < 10) out.push([e.textContent.slice(0, 20), px]);
              }
              const page = document.documentElement;
              return {small: out.slice(0, 5), overflow: page.scrollWidth > page.clientWidth + 1};
            }""",
            fig_id,
        )
    finally:
        context.close()
    assert small["small"] == [], f"{fig_id}: text under 10 px at 390 px: {small['small']}"
    assert not small["overflow"], f"{fig_id}: the page scrolls sideways at 390 px"


def _pick(fig):
    """A setting other than the default and a step past the first, as a hash."""
    sel = [c.default for c in fig.controls]
    if fig.controls:
        c = fig.controls[0]
        sel[0] = (c.default + 1) % len(c.options)
    key = ",".join(map(str, sel))
    steps = max(len(v["steps"]) for v in fig.frame(key)["views"])
    spec = [c.spec() for c in fig.controls]
    parts = [f"{s['name']}={s['options'][i]}" for s, i in zip(spec, sel, strict=True)]
    step = min(3, steps)
    return key, step, "&".join([*parts, f"step={step}"])


@pytest.mark.parametrize(
    ("page_path", "fig_id"),
    [p for p in FIGURE_PAGES if p[1] in ("one-channel", "checkerboard", "grouped", "flip")],
)
def test_a_link_opens_a_setting_and_the_link_button_makes_one(visit, base_url, page_path, fig_id):
    from urllib.parse import quote

    fig = FIGURES[fig_id]
    key, step, query = _pick(fig)
    page = visit.page
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    hash_ = "#cv-" + fig_id + "?" + quote(query, safe="=&")
    _open(page, base_url, page_path, fig_id, hash_)
    root = f"#cv-{fig_id}"
    assert page.get_attribute(root, "data-key") == key
    assert page.get_attribute(root, "data-step") == str(step - 1)
    history = page.evaluate("() => history.length")
    # change the setting: the address follows, with no new history entry
    if page.is_visible(f"{root} .cv-by"):
        page.select_option(f"{root} .cv-by", "1")
    page.click(f"{root} .cv-next")
    page.wait_for_timeout(400)
    assert page.evaluate("() => history.length") == history
    assert f"step={step + 1}" in page.evaluate("() => decodeURIComponent(location.hash)")
    page.click(f"{root} .cv-link")
    link = page.get_attribute(root, "data-link")
    assert link and f"#cv-{fig_id}?" in link
    again = visit.context.new_page()
    again.goto(link, wait_until="load")
    again.wait_for_selector(f"{root} .cv-stage svg")
    assert again.get_attribute(root, "data-key") == key
    assert again.get_attribute(root, "data-step") == str(step)


_MOUNT_AMP = """() => {
  const fig = document.createElement('figure');
  fig.id = 'cv-amp-test';
  document.body.appendChild(fig);
  const panel = {name: 'x', label: 'x', rows: 1, cols: 2, oneD: true, values: [1, 2],
    origin: [0, 0], role: 'input', marks: {}, progressive: false, index: true, scale: 'diverging'};
  const frame = {views: [{title: 'v', panels: [panel], steps: [[], [], []]}], formula: [], code: ''};
  const spec = {id: 'amp-test', title: 't', description: 'd', frames: {'0': frame, '1': frame},
    controls: [{name: 'mode', label: 'mode', options: ['a', 'x & y=z'], default: 0, kind: 'select'}]};
  window.convviz.mount(fig, spec, {frame: (k, done) => done(spec.frames[k])});
  return [fig.getAttribute('data-key'), fig.getAttribute('data-step')];
}"""


def test_a_link_reads_back_an_option_whose_label_holds_an_ampersand(visit, base_url):
    """The address is split on & and = before decoding: a label such as 'Yu & Koltun'
    (dilated-stack's default schedule) comes back whole, and the step after it too."""
    page = visit.page
    page.goto(
        f"{base_url}/book/14-errata.html#cv-amp-test?mode=x%20%26%20y%3Dz&step=2", wait_until="load"
    )
    assert page.evaluate(_MOUNT_AMP) == ["1", "1"]


@pytest.mark.parametrize(
    ("page_path", "fig_id"),
    [p for p in FIGURE_PAGES if p[1] in ("one-channel", "checkerboard-stack")],
)
def test_download_saves_the_frame_as_svg(visit, base_url, page_path, fig_id, tmp_path):
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    with page.expect_download() as info:
        page.click(f"#cv-{fig_id} .cv-download")
    path = tmp_path / "figure.svg"
    info.value.save_as(path)
    tree = ET.parse(path)
    assert tree.getroot().tag.endswith("svg")
    ns = "{http://www.w3.org/2000/svg}"
    assert len(tree.getroot().findall(f".//{ns}rect")) > 10


_PNG_CASES = [
    (
        "book/06-transposed-convolution.html",
        "checkerboard",
        {"dims": 1, "kernel_size": 4, "stride": 2},
    ),
    ("book/03-3d-convolution.html", "photo-video", {}),
]


@pytest.mark.parametrize(("page_path", "fig_id", "setting"), _PNG_CASES)
def test_download_saves_a_canvas_frame_as_png(
    visit, base_url, page_path, fig_id, setting, tmp_path
):
    """A frame drawn (in part) on a canvas offers PNG: the whole picture, rasterised."""
    from tests.browser.figures import set_control

    page = visit.page
    page.goto(f"{base_url}/{page_path}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg, #cv-{fig_id} .cv-stage canvas")
    for name, index in setting.items():
        set_control(page, fig_id, name, index)
    button = page.locator(f"#cv-{fig_id} .cv-download-png")
    assert button.is_visible()
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename.endswith(".png")
    path = tmp_path / "figure.png"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 200 and height > 100, (width, height)


def test_png_is_offered_only_where_a_canvas_is_drawn(visit, base_url):
    page = visit.page
    page.goto(f"{base_url}/book/01-convolution-vs-cross-correlation.html", wait_until="load")
    page.wait_for_selector("#cv-flip .cv-stage svg")
    assert page.locator("#cv-flip .cv-stage canvas").count() == 0
    assert not page.locator("#cv-flip .cv-download-png").is_visible()


def test_play_respects_reduced_motion(browser, base_url):
    page_path, fig_id = next(p for p in FIGURE_PAGES if p[1] == "flip")
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        root = f"#cv-{fig_id}"
        assert page.eval_on_selector(f"{root} .cv-play", "e => e.disabled")
        before = int(page.get_attribute(root, "data-step"))
        page.click(f"{root} .cv-next")
        assert int(page.get_attribute(root, "data-step")) == before + 1
    finally:
        context.close()


def test_reduced_motion_asked_with_the_page_open_stops_play(browser, base_url):
    """The system's setting can change while the page is open: play stops and turns off,
    and comes back when the setting is lifted."""
    page_path, fig_id = next(p for p in FIGURE_PAGES if p[1] == "flip")
    context = browser.new_context()
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        root = f"#cv-{fig_id}"
        page.click(f"{root} .cv-play")
        assert page.get_attribute(f"{root} .cv-play", "aria-label") == "pause"
        page.emulate_media(reduced_motion="reduce")
        page.wait_for_function(f"document.querySelector('{root} .cv-play').disabled")
        assert page.get_attribute(f"{root} .cv-play", "aria-label") == "play"  # stopped
        step = page.get_attribute(root, "data-step")
        page.wait_for_timeout(1500)
        assert page.get_attribute(root, "data-step") == step  # nothing moves by itself
        page.emulate_media(reduced_motion="no-preference")
        page.wait_for_function(f"!document.querySelector('{root} .cv-play').disabled")
    finally:
        context.close()


def test_first_step_reads_more_than_padding(visit, base_url):
    page_path, fig_id = next(p for p in FIGURE_PAGES if p[1] == "flip")
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    pads = page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-stage .cv-hl-in')).map(h => {
          const ring = h.querySelector('.cv-ring').getBBox();
          const svg = h.ownerSVGElement;
          const cell = Array.from(svg.querySelectorAll('g.cv-cell')).find(g => {
            const b = g.querySelector('rect').getBBox();
            return Math.abs(b.x - ring.x + 1.5) < 0.1 && Math.abs(b.y - ring.y + 1.5) < 0.1;
          });
          return cell.classList.contains('cv-pad');
        })""",
        fig_id,
    )
    assert pads and not all(pads), pads
    # every figure opens on a step that reads real input: not a cell that padding cuts, not
    # a window of equal values (all padding, or a flat patch) when its input has others
    faults = {}
    for path in sorted({p for p, _ in FIGURE_PAGES}):
        page.goto(f"{base_url}/{path}", wait_until="load")
        for fid in [f for p, f in FIGURE_PAGES if p == path]:
            root = f"#cv-{fid}"
            page.wait_for_selector(f"{root}[data-step]")
            key = page.get_attribute(root, "data-key")
            step = int(page.get_attribute(root, "data-step"))
            why = _first_step_faults(FIGURES[fid], key, step)
            if why:
                faults[fid] = why
    assert not faults, faults


def _first_step_faults(fig, key, step):
    """What makes ``step`` of the frame ``key`` a poor first step, per view (empty: none)."""
    out = []
    for vi, v in enumerate(fig.frame(key)["views"]):
        terms = v["steps"][min(step, len(v["steps"]) - 1)] if v["steps"] else []
        if not terms:  # a picture's window, or nothing summed
            continue
        panels = v["panels"]

        def marked(pi, cell, *names, panels=panels):
            return any(cell in panels[pi]["marks"].get(m, ()) for m in names)

        cut = sorted({(t[0], t[1]) for t in terms if marked(t[0], t[1], "drop")})
        if cut:
            out.append(f"view {vi} computes cells that are cut: {cut}")
        # the terms whose weight is not 0 (a plain term has no weight)
        live = [t for t in terms if t[4] < 0 or float(panels[t[4]]["values"][t[5]]) != 0]
        if not [t for t in live if not marked(t[2], t[3], "pad", "zero")]:
            out.append(f"view {vi} reads only padding or inserted zeros")
        read = {(t[2], t[3]): float(panels[t[2]]["values"][t[3]]) for t in live}
        # flat where the input had other values to offer (a map of ones, or the 0/1 entries
        # of a connection matrix, has none)
        whole = {float(u) for pi, _ in read for u in panels[pi]["values"]}
        if len(read) > 1 and len(set(read.values())) == 1 and len(whole) > 2:
            out.append(f"view {vi} reads a flat window: every value {set(read.values())}")
        if not any(read.values()):
            out.append(f"view {vi}: every product is 0")
        # a step that sums half as many nonzero products as the fullest step or fewer (a
        # corner's lone product, y[0,0] = 1·1) shows no sum and no overlap
        fullest = max(_nonzero_products(panels, t) for t in v["steps"])
        if vi == 0 and _nonzero_products(panels, terms) <= fullest / 2:
            out.append(
                f"view {vi} sums {_nonzero_products(panels, terms)} nonzero products, "
                f"its fullest step {fullest}"
            )
    return out


def _nonzero_products(panels, terms):
    """How many of ``terms`` multiply two nonzero numbers (a plain term's weight is 1)."""
    return sum(
        float(panels[t[2]]["values"][t[3]])
        * (1.0 if t[4] < 0 else float(panels[t[4]]["values"][t[5]]))
        != 0
        for t in terms
    )


_VOLUME_PAGES = [
    p for p in FIGURE_PAGES if any(v.get("volumes") for v in FIGURES[p[1]].frame()["views"])
]

_RINGS_3D = """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-view')).map(v =>
  Array.from(v.querySelectorAll('.cv-3d-box svg.cv-3d .cv-hl')).map(h =>
    h.getAttribute('class').split(' ').pop() + ' ' + h.getAttribute('data-k')).sort())"""


def _expected_rings(fig, key, step):
    """The cells the slice view highlights at ``step``, per view, restricted to its blocks."""
    kinds = ("out", "in", "k")
    out = []
    for v in fig.frame(key)["views"]:
        in_blocks = {pi for b in v.get("volumes", []) for pi in b["panels"]}
        terms = v["steps"][min(step, len(v["steps"]) - 1)] if v["steps"] else []
        cells = {}
        for t in terms:
            for kind, (pi, cell) in zip(
                kinds, ((t[0], t[1]), (t[2], t[3]), (t[4], t[5])), strict=True
            ):
                cells.setdefault((pi, cell), kind)
        out.append(
            sorted(f"cv-hl-{kind} {pi}:{c}" for (pi, c), kind in cells.items() if pi in in_blocks)
            if v.get("volumes")
            else []
        )
    return out


@pytest.mark.parametrize(("page_path", "fig_id"), _VOLUME_PAGES)
def test_the_3d_view_shows_the_volumes_linked_to_the_slices_and_turns(
    visit, base_url, page_path, fig_id
):
    fig = FIGURES[fig_id]
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    key = page.get_attribute(root, "data-key")
    page.click(f"{root} .cv-3d-toggle")
    svg = f"{root} .cv-3d-box svg.cv-3d"
    page.wait_for_selector(svg)
    # present: one block per volume of every view that has volumes
    blocks = sum(len(v.get("volumes", [])) for v in fig.frame(key)["views"])
    assert page.locator(svg).count() == blocks
    stepped = any(v.get("volumes") and v["steps"] for v in fig.frame(key)["views"])
    if stepped:
        # the current window and output are outlined in 3D, exactly the slice view's cells
        step = int(page.get_attribute(root, "data-step"))
        rings = page.evaluate(_RINGS_3D, fig_id)
        assert rings == _expected_rings(fig, key, step)
        assert any("cv-hl-out" in r for view in rings for r in view)
        assert any("cv-hl-in" in r for view in rings for r in view)
        # stepping moves the 3D window with the slice view (keyboard and button)
        page.click(f"{root} .cv-next")
        assert page.evaluate(_RINGS_3D, fig_id) == _expected_rings(fig, key, step + 1)
        page.focus(f"{root} .cv-step")
        page.keyboard.press("ArrowRight")
        assert page.evaluate(_RINGS_3D, fig_id) == _expected_rings(fig, key, step + 2)
        # clicking an output cell in 3D steps the slice view to it
        vi, panel, cell, target = _target(fig) or (None, None, None, None)
        if vi is not None and any(
            panel in b["panels"] for b in fig.frame(key)["views"][vi].get("volumes", [])
        ):
            page.click(
                f"{root} .cv-view[data-view='{vi}'] svg.cv-3d .cv-3d-cells [data-k='{panel}:{cell}']",
                force=True,
            )
            assert page.get_attribute(root, "data-step") == str(target)
            assert page.evaluate(_RINGS_3D, fig_id) == _expected_rings(fig, key, target)
    else:  # blocks that only move (a channel shuffle): every slice in its group's colour
        groups = page.eval_on_selector_all(
            f"{svg} g.cv-cell",
            "gs => gs.map(g => (g.className.baseVal.match(/cv-g\\d/) || [''])[0])",
        )
        assert groups and all(groups), groups[:5]
    # turning: the next fixed angle with the pointer, then with the keyboard
    angles = [page.get_attribute(svg, "data-angle")]
    page.click(f"{root} .cv-3d-turn")
    angles.append(page.get_attribute(svg, "data-angle"))
    page.focus(f"{root} .cv-3d-turn")
    page.keyboard.press("Enter")
    angles.append(page.get_attribute(svg, "data-angle"))
    assert len(set(angles)) == 3, angles
    # and by dragging the picture sideways (which is not a click on the cell under it)
    step = int(page.get_attribute(root, "data-step"))
    page.eval_on_selector(svg, "e => e.scrollIntoView({block: 'center'})")
    box = page.locator(svg).first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # the press lands on the picture, not on the sticky step bar scrolled over it
    assert page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.cv-3d-box')", [x, y]
    ), "the drag would start outside the 3D view"
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y + 5, steps=4)
    page.mouse.up()
    assert page.get_attribute(svg, "data-angle") == angles[1]  # one angle back
    assert int(page.get_attribute(root, "data-step")) == step
    assert page.evaluate(_RINGS_3D, fig_id) == _expected_rings(fig, key, step)
    page.click(f"{root} .cv-3d-toggle")
    assert page.locator(svg).count() == 0


@pytest.mark.parametrize(("page_path", "fig_id"), _VOLUME_PAGES)
def test_the_3d_view_is_legible_on_a_phone(browser, base_url, page_path, fig_id):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        page.click(f"#cv-{fig_id} .cv-3d-toggle")
        page.wait_for_selector(f"#cv-{fig_id} .cv-3d-box svg.cv-3d")
        found = {"small": [], "wide": [], "tall": [], "overflow": False}
        for angle in range(3):  # every fixed angle: the blocks are sized to fit each
            if angle:
                page.click(f"#cv-{fig_id} .cv-3d-turn >> nth=0")
                page.wait_for_selector(f"#cv-{fig_id} svg.cv-3d[data-angle='{angle}']")
            seen = page.evaluate(_PHONE_3D, fig_id)
            found["small"] += [(angle, *s) for s in seen["small"]]
            found["wide"] += [(angle, w) for w in seen["wide"]]
            found["tall"] += [(angle, *t) for t in seen["tall"]]
            found["overflow"] |= seen["overflow"]
    finally:
        context.close()
    assert found["small"] == [], found
    assert found["wide"] == [], f"{fig_id}: a 3D block wider than a phone: {found['wide']}"
    assert found["tall"] == [], f"{fig_id}: a 3D block taller than 340 px: {found['tall']}"
    assert not found["overflow"], f"{fig_id}: the page scrolls sideways at 390 px with 3D on"


_PHONE_3D = """(id) => {
  // 3D blocks wider than a phone's column or taller than 340 px (with the label's 26 px and
  // the margins' 8: volumeScale), 3D text under 10 px, a page that scrolls sideways
  const root = document.querySelector('#cv-' + id);
  const small = [], wide = [], tall = [];
  for (const svg of root.querySelectorAll('svg.cv-3d')) {
    const box = svg.getBoundingClientRect(), k = box.width / svg.viewBox.baseVal.width;
    if (box.width > 390 - 40) wide.push(svg.getAttribute('aria-label'));
    if (box.height > 340 + 26 + 8 + 1) tall.push([svg.getAttribute('aria-label'), box.height]);
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * k;
      if (px < 10) small.push([t.textContent, px]);
    }
  }
  const page = document.documentElement;
  return {small, wide, tall, overflow: page.scrollWidth > page.clientWidth + 1};
}"""


_GROUP_COLOURS = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const fill = {}, ring = {};
  for (const c of root.querySelectorAll('.cv-wiring circle.cv-w-node')) {
    const k = c.getAttribute('class').match(/cv-g(\\d)/)[1];
    fill[k] = getComputedStyle(c).fill;
  }
  // a grid draws a group as the outline of its region (convviz.js groupOutlineSVG), a canvas
  // grid paints it and keeps what it painted in data-groups (paintGroupOutlines)
  for (const line of root.querySelectorAll('svg.cv-grid .cv-gline')) {
    const m = line.getAttribute('class').match(/cv-g(\\d)/);
    if (m) ring[m[1]] = getComputedStyle(line).stroke;
  }
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  root.querySelector('svg.cv-grid').appendChild(probe);
  for (const canvas of root.querySelectorAll('.cv-stage canvas[data-groups]')) {
    const painted = JSON.parse(canvas.getAttribute('data-groups'));
    for (const k in painted) { probe.style.stroke = painted[k][0]; ring[k] = getComputedStyle(probe).stroke; }
  }
  probe.remove();
  return {fill, ring};
}"""


@pytest.mark.parametrize("fig_id", ["shuffle-permutation", "shuffle-connectivity"])
def test_groups_keep_one_colour_in_wires_and_grids(visit, base_url, fig_id):
    page_path = next(p for p, f in FIGURE_PAGES if f == fig_id)
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    # pick 4 groups with the segmented control, from the keyboard
    control = f"{root} [data-control='groups']"
    options = FIGURES[fig_id].controls[0].options
    page.click(f"{control} button[data-option='{options.index(4) - 1}']")
    page.focus(f"{control} button[aria-checked='true']")
    page.keyboard.press("ArrowRight")
    assert (
        page.get_attribute(f"{control} button[data-option='{options.index(4)}']", "aria-checked")
        == "true"
    )
    colours = page.evaluate(_GROUP_COLOURS, fig_id)
    assert sorted(colours["fill"]) == ["0", "1", "2", "3"], colours
    assert len(set(colours["fill"].values())) == 4, colours  # one colour per group
    for k, stroke in colours["ring"].items():  # the grids use the same colour for the group
        assert stroke == colours["fill"][k], (k, colours)
    # the wires: one per channel in the shuffle, in the colour of the channel they carry
    c = 12 if fig_id == "shuffle-permutation" else 8
    if fig_id == "shuffle-permutation":
        wires = page.eval_on_selector_all(  # a group's wires share one path: count its moves
            f"{root} .cv-wiring .cv-w-link",
            "ps => ps.map(p => p.getAttribute('d').split('M').length - 1)",
        )
        assert sum(wires) == c, wires
    else:  # the bold paths into output 0 reach every group only through the shuffle
        hot_inputs = page.eval_on_selector_all(
            f"{root} .cv-wiring",
            """ws => ws.map(w => new Set(Array.from(w.querySelectorAll('circle.cv-w-hot'))
                 .filter(c => +c.getAttribute('cy') < 40).map(c => c.getAttribute('cx'))).size)""",
        )
        assert hot_inputs == [c // 4, c // 2], hot_inputs


_NODE_INKS = """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-wiring circle.cv-w-node'))
  .map(c => [c.getAttribute('class').match(/cv-g(\\d)/)[1], getComputedStyle(c).fill,
             getComputedStyle(c.nextElementSibling).fill])"""


def _luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_channel_numbers_stay_legible_on_every_group_colour(visit, base_url, theme):
    """The digits in a wiring's dots contrast at least 4:1 with the dot's group colour, for
    each of the 8 group colours, in light and in dark (white on the dark theme's lighter
    palette measured 1.5 to 2.8)."""
    fig_id = "shuffle-connectivity"
    page_path = next(p for p, f in FIGURE_PAGES if f == fig_id)
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    options = FIGURES[fig_id].controls[0].options
    page.click(f"#cv-{fig_id} [data-control='groups'] button[data-option='{options.index(8)}']")
    nodes = page.evaluate(_NODE_INKS, fig_id)
    assert {g for g, _fill, _ink in nodes} == {str(g) for g in range(8)}, nodes
    low = {g: round(_contrast(fill, ink), 2) for g, fill, ink in nodes if _contrast(fill, ink) < 4}
    assert not low, f"{theme}: group colour -> contrast of its digits {low}"


def _swipe(cdp, x0, y0, x1, y1, steps=6):
    """A one-finger swipe from (x0, y0) to (x1, y1), as a touch screen sends it."""
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for i in range(1, steps + 1):
        x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_the_3d_view_turns_with_a_swipe_on_a_phone(browser, base_url):
    """On a touch screen a sideways swipe over the 3D view turns it (the browser would
    otherwise take the gesture as a pan and cancel the pointer, so nothing turned), and a
    later tap elsewhere does not turn it."""
    page_path, fig_id = next(p for p in _VOLUME_PAGES if p[1] == "many-channels")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        root = f"#cv-{fig_id}"
        page.click(f"{root} .cv-3d-toggle >> nth=0")
        svg = f"{root} .cv-3d-box svg.cv-3d >> nth=0"
        page.wait_for_selector(svg)
        page.locator(svg).scroll_into_view_if_needed()
        box = page.locator(svg).bounding_box()
        x, y = box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2
        cdp = context.new_cdp_session(page)
        _swipe(cdp, x, y, x - 120, y + 4)
        page.wait_for_timeout(300)
        assert page.get_attribute(svg, "data-angle") == "2"  # one angle back, from the left
        step = page.get_attribute(root, "data-step")
        page.tap(f"{root} .cv-title")  # a tap elsewhere, far from where the swipe began
        page.wait_for_timeout(200)
        assert page.get_attribute(svg, "data-angle") == "2"
        assert page.get_attribute(root, "data-step") == step
    finally:
        context.close()


_FILLS_3D = """(id) => {
  const root = document.querySelector('#cv-' + id), out = [];
  for (const q of root.querySelectorAll('.cv-3d-box .cv-3d-cells > g[data-k]')) {
    const [pi, cell] = q.getAttribute('data-k').split(':');
    const view = q.closest('.cv-view');
    const g = view.querySelector(`.cv-panel[data-panel="${pi}"] g.cv-cell[data-cell="${cell}"]`);
    if (!g) continue;  // a canvas grid in the slice view
    const look = n => { const cs = getComputedStyle(n); return [cs.fill, cs.fillOpacity].join(' '); };
    out.push([q.getAttribute('data-k'), look(q.querySelector('path')), look(g.querySelector('.cv-bg'))]);
  }
  return out;
}"""


@pytest.mark.parametrize(("page_path", "fig_id"), _VOLUME_PAGES)
def test_the_3d_cells_show_the_values_of_the_slice_cells(visit, base_url, page_path, fig_id):
    """Every cell of a 3D block is filled as its cell in the slice view (the same value
    colour and strength, mark, or not-computed-yet blank), at the first and the last step."""
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    page.click(f"{root} .cv-3d-toggle >> nth=0")
    page.wait_for_selector(f"{root} .cv-3d-box svg.cv-3d")
    for where in ("first", "last"):
        if where == "last":
            page.eval_on_selector(
                f"{root} .cv-step",
                "e => { e.value = e.max; e.dispatchEvent(new Event('input', {bubbles: true})); }",
            )
        cells = page.evaluate(_FILLS_3D, fig_id)
        assert cells, f"{fig_id}: no 3D cell has a slice-view cell"
        differ = [c for c in cells if c[1] != c[2]]
        assert not differ, (where, differ[:5])


_SEEN_THROUGH = """(id) => {
  // per 3D cell: what lies under its centre, top down, until something opaque; a cell whose
  // own fill is translucent (a value's strength) must sit on its own slice, not on the cell
  // of a slice behind it, or the reader sees the two colours mixed
  const root = document.querySelector('#cv-' + id), out = [];
  const opaque = n => { const cs = getComputedStyle(n);
    return cs.fill.startsWith('rgb(') && parseFloat(cs.fillOpacity) === 1 && parseFloat(cs.opacity) === 1; };
  for (const q of root.querySelectorAll('.cv-3d-box .cv-3d-cells > g[data-k]')) {
    const path = q.querySelector('path'), box = path.getBBox(), m = path.getScreenCTM();
    const pt = new DOMPoint(box.x + box.width / 2, box.y + box.height / 2).matrixTransform(m);
    const under = document.elementsFromPoint(pt.x, pt.y)
      .filter(n => !n.closest('.cv-3d-rings') && n.closest('.cv-3d-cells'));
    const i = under.indexOf(path);
    if (i < 0) continue;  // the centre is under a cell in front (a thin block seen edge on)
    for (const n of under.slice(i)) {
      if (n !== path && n.closest('g[data-k]')) {
        out.push([q.getAttribute('data-k'), n.closest('g[data-k]').getAttribute('data-k')]);
        break;
      }
      if (opaque(n)) break;
    }
  }
  return out;
}"""


@pytest.mark.parametrize(("page_path", "fig_id"), _VOLUME_PAGES)
def test_a_3d_slice_hides_the_slices_behind_it(visit, base_url, page_path, fig_id):
    """A 3D cell's value colour is translucent, as in the slice view, where it lies on the
    card; in 3D it lies on its own slice, so a slice behind it does not show through (a
    pale cell over the dark cell of the next slice looked dark, at every angle)."""
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    page.click(f"{root} .cv-3d-toggle >> nth=0")
    page.wait_for_selector(f"{root} .cv-3d-box svg.cv-3d")
    for angle in range(3):
        page.locator(f"{root} .cv-3d-box >> nth=0").scroll_into_view_if_needed()
        seen = page.evaluate(_SEEN_THROUGH, fig_id)
        assert not seen, (angle, seen[:5])
        page.click(f"{root} .cv-3d-turn >> nth=0")


_GROUP_LOOK = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  probe.style.fill = getComputedStyle(root).getPropertyValue('--cv-cell').trim();
  root.querySelector('svg.cv-grid').appendChild(probe);
  const zero = getComputedStyle(probe).fill;  // the value scale's zero, as a fill computes
  probe.remove();
  const zeros = [];
  for (const g of root.querySelectorAll('.cv-stage svg.cv-grid:not(.cv-3d) g.cv-cell[data-value="0"]')) {
    if (!/ cv-g\\d/.test(g.getAttribute('class'))) continue;
    const bg = getComputedStyle(g.querySelector(':scope > .cv-bg'));
    zeros.push({fill: bg.fill, opacity: bg.fillOpacity, cls: g.getAttribute('class')});
  }
  const lines = {}, keys = {};
  for (const p of root.querySelectorAll('.cv-stage .cv-gline')) {
    const k = p.getAttribute('class').match(/cv-g(\\d)/)[1], st = getComputedStyle(p);
    lines[k] = {dash: st.strokeDasharray, stroke: st.stroke, width: parseFloat(st.strokeWidth)};
  }
  const paint = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  root.querySelector('svg.cv-grid').appendChild(paint);
  for (const canvas of root.querySelectorAll('.cv-stage canvas[data-groups]')) {  // painted outlines
    const painted = JSON.parse(canvas.getAttribute('data-groups'));
    for (const k in painted) {
      paint.style.stroke = painted[k][0];
      paint.style.strokeDasharray = painted[k][1];
      const st = getComputedStyle(paint);
      lines[k] = {dash: st.strokeDasharray, stroke: st.stroke, width: painted[k][2]};
    }
  }
  paint.remove();
  for (const it of root.querySelectorAll('.cv-key-item[class*=" cv-g"]')) {
    const k = it.getAttribute('class').match(/cv-g(\\d)/)[1];
    const bg = getComputedStyle(it.querySelector('.cv-bg'));
    keys[k] = {dash: bg.strokeDasharray, stroke: bg.stroke, fill: bg.fill};
  }
  return {zero, zeros, lines, keys};
}"""


@pytest.mark.parametrize(
    "fig_id", ["grouped", "pointwise-grouped", "shuffle-permutation", "shuffle-connectivity"]
)
def test_a_group_is_an_outline_with_its_own_pattern_and_a_zero_stays_zero(visit, base_url, fig_id):
    """Issue 10's learner pass: zero cells of a group were filled with the group's colour (a
    zero must read as zero), and groups differed by colour alone. Now a group is the outline
    of its region, in its colour and its own dash pattern, the same in the key; a cell's fill
    is its value's, so a zero in a group has the zero colour."""
    page_path = next(p for p, f in FIGURE_PAGES if f == fig_id)
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    options = FIGURES[fig_id].controls[0].options
    page.click(f"#cv-{fig_id} [data-control='groups'] button[data-option='{options.index(4)}']")
    look = page.evaluate(_GROUP_LOOK, fig_id)
    if fig_id in ("grouped", "pointwise-grouped"):  # their inputs hold zeros inside groups
        assert look["zeros"], look
    for z in look["zeros"]:
        assert z["fill"] == look["zero"] and float(z["opacity"]) == 1, (fig_id, z, look["zero"])
    assert sorted(look["lines"]) == ["0", "1", "2", "3"], look["lines"]
    dashes = [look["lines"][k]["dash"] for k in sorted(look["lines"])]
    assert len(set(dashes)) == 4, f"{fig_id}: two groups share a dash pattern: {dashes}"
    assert all(line["width"] >= 2 for line in look["lines"].values()), look["lines"]
    for k, line in look["lines"].items():  # the key shows each group as its outline looks
        assert look["keys"][k]["dash"] == line["dash"], (k, look["keys"], line)
        assert look["keys"][k]["stroke"] == line["stroke"], (k, look["keys"], line)
        assert look["keys"][k]["fill"] == look["zero"], (k, look["keys"])


_TRACED = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const css = getComputedStyle(root);
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  probe.style.stroke = css.getPropertyValue('--cv-out').trim();
  root.querySelector('svg.cv-grid').appendChild(probe);
  const green = getComputedStyle(probe).stroke;
  probe.remove();
  const wirings = Array.from(root.querySelectorAll('.cv-wiring')).map(w => {
    const hot = Array.from(w.querySelectorAll('circle.cv-w-hot'));
    const last = Math.max(...Array.from(w.querySelectorAll('circle.cv-w-node')).map(c => +c.getAttribute('cy')));
    return hot.map(c => ({last: +c.getAttribute('cy') === last, feed: c.classList.contains('cv-w-feed'),
      stroke: getComputedStyle(c).stroke, width: parseFloat(getComputedStyle(c).strokeWidth)}));
  });
  const key = {};
  for (const name of ['cv-wout', 'cv-wfeed']) {
    const it = root.querySelector('.cv-key-item.' + name);
    key[name] = it ? {text: it.textContent, stroke: getComputedStyle(it.querySelector('.cv-bg')).stroke} : null;
  }
  return {green, wirings, key};
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_inputs_feeding_the_traced_output_have_their_own_ring_in_the_key(visit, base_url, theme):
    """Issue 10's learner pass: the wiring ringed the input dots on the traced paths in the
    green of the current output. The output followed keeps the green ring; the dots that feed
    it have a ring of their own, and the key names both."""
    fig_id = "shuffle-connectivity"
    page_path = next(p for p, f in FIGURE_PAGES if f == fig_id)
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    seen = page.evaluate(_TRACED, fig_id)
    assert len(seen["wirings"]) == 2, seen
    for dots in seen["wirings"]:
        out = [d for d in dots if d["last"]]
        feed = [d for d in dots if not d["last"]]
        assert len(out) == 1 and out[0]["stroke"] == seen["green"] and not out[0]["feed"], out
        assert feed and all(d["feed"] for d in feed), feed
        assert all(d["stroke"] != seen["green"] and d["width"] >= 3 for d in feed), feed
        assert seen["key"]["cv-wfeed"]["stroke"] == feed[0]["stroke"], seen["key"]
    assert seen["key"]["cv-wout"]["stroke"] == seen["green"], seen["key"]
    assert "path into" in seen["key"]["cv-wfeed"]["text"], seen["key"]


_DW_LOOK = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const panel = name => root.querySelector('.cv-stage .cv-panel[data-name="' + name + '"]');
  const tops = [0, 1, 2].map(c => ['x', 'w', 'd'].map(s => Math.round(panel(s + c).getBoundingClientRect().top)));
  const pending = name => panel(name).querySelectorAll('g.cv-cell.cv-pending').length;
  const read = Array.from(root.querySelectorAll('.cv-stage .cv-hl-in'))
    .map(h => h.closest('.cv-panel').getAttribute('data-name'));
  return {tops, pending: {d0: pending('d0'), d1: pending('d1'), d2: pending('d2'), z0: pending('z0')}, read};
}"""


def test_depthwise_separable_puts_each_channel_beside_its_kernel_and_steps_in_order(
    visit, base_url
):
    """Issue 10's learner pass: input channel c was not drawn beside its kernel w_c, and the
    pointwise stage showed the finished depthwise maps at step 1. Now each line holds x_c, w_c
    and d_c; the maps are blank until computed, and the pointwise steps come after them."""
    fig_id = "depthwise-separable"
    page_path = next(p for p, f in FIGURE_PAGES if f == fig_id)
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    v = FIGURES[fig_id].frame()["views"][0]
    first_pw = next(s for s, terms in enumerate(v["steps"]) if terms[0][0] >= 10)
    slide = "(e, i) => { e.value = i; e.dispatchEvent(new Event('input', {bubbles: true})); }"
    page.eval_on_selector(f"#cv-{fig_id} .cv-step", slide, 0)
    look = page.evaluate(_DW_LOOK, fig_id)
    for line in look["tops"]:  # channel, kernel and map on one line
        assert len(set(line)) == 1, look["tops"]
    assert look["tops"][0][0] < look["tops"][1][0] < look["tops"][2][0], look["tops"]
    cells = len(v["panels"][2]["values"])
    assert look["pending"] == {"d0": cells - 1, "d1": cells, "d2": cells, "z0": cells}, look
    assert set(look["read"]) == {"x0"}, look
    page.eval_on_selector(f"#cv-{fig_id} .cv-step", slide, first_pw)
    look = page.evaluate(_DW_LOOK, fig_id)
    assert look["pending"] == {"d0": 0, "d1": 0, "d2": 0, "z0": cells - 1}, look
    assert set(look["read"]) == {"d0", "d1", "d2"}, look


@pytest.mark.parametrize(
    ("page_path", "fig_id", "lhs", "term"),
    [
        (
            "book/04-1x1-convolution.html",
            "pointwise",
            r"y\[\d,\d,\d\] =",
            r"x\[\d,\d,\d\]·W\[\d,\d\]",
        ),
        ("book/03-3d-convolution.html", "volume-slices", r"\w\[\d,\d,\d\] =", r"\w\[\d,\d,\d\]"),
    ],
)
def test_a_slice_of_a_volume_names_its_cells_as_the_prose_does(
    visit, base_url, page_path, fig_id, lhs, term
):
    """Issue 10's learner pass: the sums named a cell of channel 0 x[0][1,2] (or x0[1,2])
    where the prose writes x[c, r, q]; a slice named by its index gives x[0,1,2]."""
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    text = page.inner_text(f"#cv-{fig_id} .cv-sum")
    assert re.search(lhs, text), text
    assert re.search(term, text) and "][" not in text, text


@pytest.mark.parametrize(
    ("page_path", "fig_id"),
    [
        ("book/10-grouped-convolution.html", "grouped"),
        ("book/09-flattened-convolution.html", "flattened"),
        ("book/02-convolution-in-deep-learning.html", "one-channel"),
    ],
)
def test_the_weight_under_a_number_clears_it(visit, base_url, page_path, fig_id):
    """Issue 10's last learner pass: in 30 px cells the '×w' written under an input cell's
    number ran into the number. Every such label's box clears the number's box above it."""
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    # digits have no descenders and stand about 0.72 em above their baseline: the gap is
    # from the number's baseline down to the top of the weight's digits
    pairs = page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-stage svg.cv-grid text.cv-pair'))
          .filter(t => t.textContent).map(t => {
            const svg = t.ownerSVGElement, x = +t.getAttribute('x'), y = +t.getAttribute('y');
            const digit = Array.from(svg.querySelectorAll('g.cv-cell > text')).find(d =>
              Math.abs(+d.getAttribute('x') - x) < 0.5 && y - +d.getAttribute('y') > 0 &&
              y - +d.getAttribute('y') < 20);
            const em = parseFloat(getComputedStyle(t).fontSize);
            return {pair: t.textContent, digit: digit ? digit.textContent : null,
                    gap: digit ? y - 0.72 * em - +digit.getAttribute('y') : null};
          })""",
        fig_id,
    )
    assert pairs, f"{fig_id}: no weight written under a number"
    for p in pairs:
        assert p["digit"] is not None and p["gap"] >= 1.5, (fig_id, p)


def test_a_kernel_in_use_still_shows_its_group(visit, base_url):
    """Issue 10's last learner pass: chapter 10's filter kernels, ringed as 'kernel weight used'
    at every step, hid their group's outline (drawn inside the cells, where the rings are). On
    the grid's own edge the outline now lies outside the cells, so it shows around the rings."""
    page = visit.page
    _open(page, base_url, "book/10-grouped-convolution.html", "grouped")
    seen = page.evaluate(
        """() => Array.from(document.querySelectorAll('#cv-grouped .cv-panel'))
          .filter(p => p.getAttribute('data-name').startsWith('W['))
          .map(p => {
            const cells = Array.from(p.querySelectorAll('g.cv-cell > .cv-bg')).map(r => r.getBoundingClientRect());
            const line = p.querySelector('.cv-gline'), rings = p.querySelectorAll('.cv-hl-k .cv-ring').length;
            if (!line) return {name: p.getAttribute('data-name'), line: false};
            const b = line.getBoundingClientRect();
            const left = Math.min(...cells.map(c => c.left)), right = Math.max(...cells.map(c => c.right));
            const top = Math.min(...cells.map(c => c.top)), bottom = Math.max(...cells.map(c => c.bottom));
            return {name: p.getAttribute('data-name'), line: true, rings,
                    out: [left - b.left, b.right - right, top - b.top, b.bottom - bottom]};
          })"""
    )
    assert len(seen) >= 2, seen
    for w in seen:
        assert w["line"] and w["rings"] == 4, w  # every weight of the kernel is in use
        assert all(o >= 1.5 for o in w["out"]), w  # the group's line shows outside the rings
