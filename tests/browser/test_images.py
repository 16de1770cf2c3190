"""The photograph figures in the built book: controls redraw the pictures, in both
themes and on a phone; the window moves with the step; a click on an output steps to it."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import SITE
from tests.browser.figures import registry, set_control

PHOTOS = {k: f for k, f in registry().items() if k.startswith("photo-")}


def _pages():
    pages = {}
    if not SITE.exists():
        return pages
    for path in sorted(SITE.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for fig_id in PHOTOS:
            if f'id="cv-{fig_id}"' in text:
                pages[fig_id] = path.relative_to(SITE).as_posix()
    return pages


PAGES = _pages()
CASES = sorted(PAGES.items())

# A digest of every picture of a figure as drawn now (the canvases' pixels).
_DIGEST = """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' canvas.cv-image')).map(c => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) % 1000000007;
  return c.width + 'x' + c.height + ':' + h;
}).join('|')"""


# The input photograph's pixel at three quarters of its width and height (away from
# the window, which starts at the top left).
_PIXEL = """(id) => {
  const c = document.querySelector('#cv-' + id + ' canvas.cv-image');
  return Array.from(c.getContext('2d').getImageData(
    Math.floor(c.width * 0.75), Math.floor(c.height * 0.75), 1, 1).data);
}"""


def _open(page, base_url, path, fig_id):
    page.goto(f"{base_url}/{path}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} canvas.cv-image")
    page.eval_on_selector(f"#cv-{fig_id}", "e => e.scrollIntoView()")


def test_every_photo_figure_is_in_the_book():
    assert sorted(PAGES) == sorted(PHOTOS)
    assert len(PHOTOS) >= 7


@pytest.mark.parametrize(("fig_id", "path"), CASES)
def test_each_control_redraws_the_pictures(visit, base_url, fig_id, path):
    fig = PHOTOS[fig_id]
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, path, fig_id)
    for control in fig.controls:
        before = page.evaluate(_DIGEST, fig_id)
        seen = {before}
        for oi in range(len(control.options)):
            if oi == control.default:
                continue
            set_control(page, fig_id, control.name, oi)
            seen.add(page.evaluate(_DIGEST, fig_id))
        # every option draws different pictures (a new kernel, dilation, frame...)
        assert len(seen) == len(control.options), (fig_id, control.name, len(seen))
        set_control(page, fig_id, control.name, control.default)
        assert page.evaluate(_DIGEST, fig_id) == before  # and coming back restores them
    # the redraw time is measured by benchmarks/bench_figures.py, not asserted here
    assert visit.errors == [] and visit.outside == [] and visit.failed == []


@pytest.mark.parametrize(("fig_id", "path"), CASES)
def test_the_window_moves_with_the_step(visit, base_url, fig_id, path):
    page = visit.page
    _open(page, base_url, path, fig_id)
    root = f"#cv-{fig_id}"
    page.focus(f"{root} .cv-step")
    page.keyboard.press("Home")
    first = page.evaluate(_DIGEST, fig_id)
    page.eval_on_selector(
        f"{root} .cv-step",
        "e => { e.value = Math.floor(e.max / 2); e.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    middle = page.evaluate(_DIGEST, fig_id)
    assert middle != first
    steps = page.eval_on_selector(f"{root} .cv-step", "e => +e.max + 1")
    assert steps == max(len(v["steps"]) for v in PHOTOS[fig_id].frame()["views"])


def test_clicking_an_output_pixel_steps_to_it(visit, base_url):
    fig_id = "photo-flip"
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, PAGES[fig_id], fig_id)
    out = f"#cv-{fig_id} .cv-view[data-view='0'] .cv-panel[data-panel='2'] canvas.cv-image"
    box = page.eval_on_selector(
        out, "c => { const r = c.getBoundingClientRect(); return [r.width, r.height]; }"
    )
    # the output has no padding margin: 64 pixels across the canvas; aim at pixel (10, 40)
    page.click(out, position={"x": (40 + 0.5) * box[0] / 64, "y": (10 + 0.5) * box[1] / 64})
    assert page.get_attribute(f"#cv-{fig_id}", "data-step") == str(10 * 64 + 40)


@pytest.mark.parametrize(("fig_id", "path"), CASES)
def test_dark_theme_and_phone_width(browser, base_url, fig_id, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        _open(page, base_url, path, fig_id)
        light = page.evaluate(_DIGEST, fig_id)
        photo_light = page.evaluate(_PIXEL, fig_id)
        page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
        page.wait_for_timeout(100)
        # the window's outline (and signed maps, and the padding margin) take the dark
        # theme's colours; the photograph itself stays the same photograph
        assert page.evaluate(_DIGEST, fig_id) != light
        assert page.evaluate(_PIXEL, fig_id) == photo_light
        sizes = page.evaluate(
            """(id) => ({page: document.documentElement.scrollWidth,
                        view: document.documentElement.clientWidth,
                        widest: Math.max(...Array.from(document.querySelectorAll(
                          '#cv-' + id + ' canvas.cv-image')).map(c => c.getBoundingClientRect().right))})""",
            fig_id,
        )
        assert sizes["widest"] <= sizes["view"], sizes  # every picture fits a phone
        assert sizes["page"] <= sizes["view"] + 1, sizes  # and the page does not scroll sideways
        assert errors == []
    finally:
        context.close()


# Per kernel cell of the figure as drawn now: its text and the class and opacity of its fill.
_KERNEL_FILLS = """(id) => Array.from(document.querySelectorAll(
    '#cv-' + id + ' .cv-view .cv-panel.cv-role-kernel g.cv-cell')).map(g => {
  const r = g.querySelector('rect.cv-bg'), panel = g.closest('.cv-panel');
  return [g.querySelector('text') ? g.querySelector('text').textContent : '',
          r.getAttribute('class'), parseFloat(r.style.fillOpacity || '0'),
          panel.closest('.cv-view').getAttribute('data-view') + ':' + panel.getAttribute('data-panel')];
})"""


@pytest.mark.parametrize(
    ("fig_id", "path"), [c for c in CASES if c[0] in ("photo-bank", "photo-upsample")]
)
def test_fraction_weights_are_coloured_on_the_scale_the_key_shows(visit, base_url, fig_id, path):
    """A kernel written in fractions (1/45, 4/9) is filled like any number: red for a positive
    weight, stronger for a larger one (it was drawn blank beside a key showing a value scale)."""
    page = visit.page
    _open(page, base_url, path, fig_id)
    cells = page.evaluate(_KERNEL_FILLS, fig_id)
    fractions = [c for c in cells if "/" in c[0]]
    assert fractions, cells
    for text, cls, opacity, _ in fractions:
        assert "cv-vpos" in cls or "cv-vneg" in cls, (text, cls)
        assert opacity > 0.1, (text, opacity)

    def size(t):
        a, b = t.replace("\u2212", "-").split("/")
        return abs(float(a) / float(b))

    # within a grid (each grid has its own scale) a larger weight is drawn stronger
    for grid in {c[3] for c in fractions}:
        ranked = sorted((size(c[0]), c[2]) for c in fractions if c[3] == grid)
        assert all(a[1] <= b[1] + 1e-9 for a, b in itertools.pairwise(ranked)), (grid, ranked)


# Per printed cell of the grids: its text and how far it runs into the 2 px inside each side.
_TEXT_PAST_CELL = """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' g.cv-cell')).map(g => {
  const t = g.querySelector('text'), r = g.querySelector('rect.cv-bg');
  if (!t || !t.textContent) return null;
  const a = t.getBBox(), b = r.getBBox();
  // 2 px of the cell's own on each side, so that neighbouring numbers do not touch
  return [t.textContent, Math.max(b.x + 2 - a.x, a.x + a.width - b.x - b.width + 2)];
}).filter(Boolean)"""


@pytest.mark.parametrize(("fig_id", "path"), CASES)
def test_every_printed_weight_fits_its_cell(visit, base_url, fig_id, path):
    """No number fills its cell to the edge (photo-mix printed 0.213, 0.715 and 0.072, 33 px
    wide, in 34 px cells, where they ran together as 0.2130.7150.072), for every option of
    the first control."""
    fig = PHOTOS[fig_id]
    page = visit.page
    _open(page, base_url, path, fig_id)
    over = {}
    options = range(len(fig.controls[0].options)) if fig.controls else [None]
    for option in options:
        if option is not None:
            set_control(page, fig_id, fig.controls[0].name, option)
            page.wait_for_timeout(100)
        wide = [c for c in page.evaluate(_TEXT_PAST_CELL, fig_id) if c[1] > 0.5]
        if wide:
            over[option] = wide[:4]
    assert not over, over
