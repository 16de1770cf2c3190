"""Pictures of where a window lies (chapters 1, 2 and 7): the kernel under the window it
multiplies, each channel beside its slice, a dilated kernel's footprint, receptive fields
side by side. Positions are read from the page and compared with the frame's numbers."""

from __future__ import annotations

import pytest

from tests.browser.test_site import FIGURE_PAGES

PAGES = dict((fig_id, page_path) for page_path, fig_id in FIGURE_PAGES)


def _open(page, base_url, fig_id, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}/{PAGES[fig_id]}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")


_ALIGNED = """(id) => {
  const root = document.querySelector('#cv-' + id);
  return Array.from(root.querySelectorAll('.cv-view')).map(v => {
    const centre = e => { const b = e.getBoundingClientRect(); return b.left + b.width / 2; };
    const window = Array.from(v.querySelectorAll('.cv-panel[data-panel="0"] .cv-hl-in .cv-ring'))
      .map(centre).sort((a, b) => a - b);
    const row = v.querySelector('svg.cv-aligned');
    const weights = Array.from(row.querySelectorAll('.cv-hl-k')).map(g => ({
      x: centre(g.querySelector('.cv-ring')), name: g.querySelector('.cv-aligned-name').textContent}))
      .sort((a, b) => a.x - b.x);
    const now = row.querySelector('.cv-hl-out .cv-ring');
    return {window, weights, now: now ? centre(now) : null};
  });
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_flip_kernel_sits_reversed_under_its_window_and_output_under_its_middle(
    visit, base_url, width
):
    page = visit.page
    _open(page, base_url, "flip", width)
    page.click("#cv-flip .cv-next")
    conv, corr = page.evaluate(_ALIGNED, "flip")
    for view, order in ((conv, ["w[2]", "w[1]", "w[0]"]), (corr, ["w[0]", "w[1]", "w[2]"])):
        assert len(view["window"]) == 3
        assert [w["name"] for w in view["weights"]] == order  # the default kernel has 3 taps
        for cell, weight in zip(view["window"], view["weights"], strict=True):
            assert abs(cell - weight["x"]) < 1.5, view
        assert abs(view["now"] - (view["window"][0] + view["window"][-1]) / 2) < 1.5, view
    # the step label is whole at 390 px: inside the figure, not clipped
    inside = page.eval_on_selector(
        "#cv-flip",
        """root => { const l = root.querySelector('.cv-step-label').getBoundingClientRect();
           const b = root.getBoundingClientRect();
           return l.width > 0 && l.left >= b.left && l.right <= b.right; }""",
    )
    assert inside


def test_many_channels_puts_each_channel_beside_its_slice(visit, base_url):
    page = visit.page
    _open(page, base_url, "many-channels")
    tops = page.eval_on_selector(
        "#cv-many-channels .cv-view[data-view='0']",
        """v => Array.from(v.querySelectorAll(':scope .cv-panels > .cv-panel'))
             .map(p => [p.getAttribute('data-name'), p.querySelector('svg.cv-grid').getBoundingClientRect().top])""",
    )
    top = dict(tops)
    for c in range(3):
        assert abs(top[f"x{c}"] - top[f"w0,{c}"]) < 1, tops  # one line: channel c, slice c
    assert top["x0"] < top["x1"] < top["x2"] < top["y0"], tops


def test_dilated_footprint_outlines_k_eff_square_and_marks_the_skipped(visit, base_url):
    page = visit.page
    _open(page, base_url, "dilated-kernel")  # default: dilation 2, no padding
    seen = page.eval_on_selector(
        "#cv-dilated-kernel",
        """root => { const f = root.querySelector('.cv-footprint');
           const box = f.querySelector('.cv-footprint-box').getBoundingClientRect();
           const cell = root.querySelector('.cv-panel[data-panel="0"] g.cv-cell rect').getBoundingClientRect();
           return {skipped: +f.getAttribute('data-skipped'), marks: f.querySelectorAll('.cv-footprint-skip').length,
                   side: (box.width - 6) / cell.width}; }""",
    )
    assert seen["skipped"] == seen["marks"] == 5 * 5 - 9
    assert abs(seen["side"] - 5) < 0.05


_CANVAS_FOOTPRINT = """root => {
  const canvas = root.querySelector('.cv-panel[data-panel="0"] canvas');
  const mark = root.querySelector('.cv-panel[data-panel="0"] .cv-footprint');
  if (!canvas || !mark) return {canvas: !!canvas, mark: !!mark};
  const hot = getComputedStyle(root).getPropertyValue('--cv-hot').trim();
  const probe = document.createElement('canvas').getContext('2d');
  probe.fillStyle = hot;
  probe.fillRect(0, 0, 1, 1);
  const want = probe.getImageData(0, 0, 1, 1).data;
  const ctx = canvas.getContext('2d'), k = canvas.width / parseFloat(canvas.style.width);
  const size = (parseFloat(canvas.style.width) - 4) / +root.querySelector('.cv-panel[data-panel="0"]')
    .querySelectorAll('.cv-axes svg.cv-axis')[0].querySelectorAll('tspan').length;
  /** Pixels of the footprint's colour in the square [x, x + w) x [y, y + w) (CSS px). */
  const count = (x, y, w) => {
    const d = ctx.getImageData(Math.round(x * k), Math.round(y * k), Math.round(w * k), Math.round(w * k)).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]) < 40) n++;
    return n;
  };
  return {canvas: true, mark: true, skipped: +mark.getAttribute('data-skipped'), size: size,
          // the box's top edge (over row 0, columns 0-8) and a cross in the corner of a skipped cell (0, 1)
          edge: count(2 + 2 * size, 0, 4 * size), cross: count(2 + 2 * size - 8, 2, 8),
          // no footprint colour past the box (row 12, column 12)
          outside: count(2 + 12 * size, 2 + 12 * size, size)};
}"""


def test_dilated_footprint_is_drawn_on_a_canvas_input(visit, base_url):
    """Chapter 7's dilated kernel at d = 4 with padding 'same' draws its 17x17 input as a
    canvas: the key lists the dashed box and the corner crosses, so the canvas shows them."""
    from tests.browser.figures import set_control

    page = visit.page
    _open(page, base_url, "dilated-kernel")
    set_control(page, "dilated-kernel", "dilation", 3)
    set_control(page, "dilated-kernel", "pad", 1)
    # the window at the top left (the figure opens further in, on a fuller window)
    page.eval_on_selector("#cv-dilated-kernel", "e => e.cvSet([3, 1], 0)")
    page.wait_for_timeout(200)
    seen = page.eval_on_selector("#cv-dilated-kernel", _CANVAS_FOOTPRINT)
    assert seen["canvas"] and seen["mark"], seen
    assert seen["skipped"] == 9 * 9 - 9, seen
    assert seen["edge"] > 10 and seen["cross"] > 3, seen
    assert seen["outside"] == 0, seen
    key = page.inner_text("#cv-dilated-kernel .cv-key")
    assert "footprint" in key and "corner cross" in key


def test_stacked_receptive_fields_side_by_side(visit, base_url):
    page = visit.page
    _open(page, base_url, "dilated-stack")  # default: dilations 1, 2, 4
    boxes = page.eval_on_selector(
        "#cv-dilated-stack .cv-view[data-view='1']",
        # the fields are canvas grids (2 px of margin each side); an SVG grid's cells group
        """v => Array.from(v.querySelectorAll('.cv-panel canvas.cv-canvas, .cv-panel g.cv-cells')).map(g => {
             const b = g.getBoundingClientRect(), edge = g.tagName === 'CANVAS' ? 2 : 0;
             return [b.top + edge, b.left + edge, b.width - 2 * edge]; })""",
    )
    assert len(boxes) == 3
    assert max(b[0] for b in boxes) - min(b[0] for b in boxes) < 1  # one line
    assert boxes[0][1] < boxes[1][1] < boxes[2][1]
    sides = [round(b[2] / boxes[0][2] * 3) for b in boxes]
    assert sides == [3, 7, 15]
