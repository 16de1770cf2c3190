"""What a reader sees in each figure: the current step visible, click to step, legible on a
phone, links to a setting, the SVG download, reduced motion."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

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
    page.click(
        f"{root} .cv-view[data-view='{vi}'] .cv-panel[data-panel='{panel}'] "
        f"g.cv-cell[data-cell='{cell}']",
        force=True,
    )
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


@pytest.mark.parametrize(
    ("page_path", "fig_id"),
    [p for p in FIGURE_PAGES if any(v.get("volumes") for v in FIGURES[p[1]].frame()["views"])],
)
def test_the_3d_view_shows_the_volumes_and_turns(visit, base_url, page_path, fig_id):
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    page.click(f"{root} .cv-3d-toggle")
    svg = f"{root} .cv-3d-box svg.cv-3d"
    page.wait_for_selector(svg)
    first = page.inner_html(f"{root} .cv-3d-box")
    # the current window and output are outlined in 3D, in the highlight colours
    assert page.locator(f"{svg} .cv-hl-in .cv-ring").count() > 0
    assert page.locator(f"{svg} .cv-hl-out .cv-ring").count() == 1
    # the step moves the 3D window with the slice view
    page.click(f"{root} .cv-next")
    assert page.inner_html(f"{root} .cv-3d-box") != first
    # turning: the next fixed angle, from the keyboard too
    label = page.get_attribute(svg, "aria-label")
    page.focus(f"{root} .cv-3d-turn")
    page.keyboard.press("Enter")
    assert page.get_attribute(svg, "aria-label") != label
    page.click(f"{root} .cv-3d-toggle")
    assert page.locator(svg).count() == 0
