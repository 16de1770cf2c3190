"""A grid painted on a canvas looks as its SVG grid does (convviz.js drawCanvas): here, the
line between two cells is one line of the SVG's width (.cv-bg: 1 px), not two."""

from __future__ import annotations

_LINE_WIDTH = """(id) => {
  // device pixels of the line colour along the middle of the last row of the first canvas grid,
  // from the centre of cell (7, 2) to the centre of cell (7, 4): two lines between plain cells
  // (row 0 is the step's: its cells are ringed)
  const root = document.querySelector('#cv-' + id);
  const canvas = root.querySelector('canvas.cv-canvas');
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  root.querySelector('svg.cv-grid').appendChild(probe);
  probe.style.stroke = getComputedStyle(root).getPropertyValue('--cv-line').trim();
  const want = getComputedStyle(probe).stroke;
  probe.remove();
  const cols = JSON.parse(canvas.getAttribute('data-values')).length ** 0.5;
  const dpr = canvas.width / parseFloat(canvas.style.width);
  const size = (parseFloat(canvas.style.width) - 4) / cols, y = Math.floor((2 + (cols - 0.5) * size) * dpr);
  const x0 = Math.floor((2 + 2.5 * size) * dpr), x1 = Math.floor((2 + 4.5 * size) * dpr);
  const d = canvas.getContext('2d').getImageData(x0, y, x1 - x0, 1).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (`rgb(${d[i]}, ${d[i + 1]}, ${d[i + 2]})` === want) n++;
  return {dpr, n};
}"""


def test_a_canvas_grid_draws_one_line_between_two_cells(browser, base_url):
    """Chapter 11's 8x8 matrices (canvas grids): at a device pixel ratio of 2, the lines
    between cells (7, 2), (7, 3) and (7, 4), all plain zeros, are 2 device pixels each."""
    context = browser.new_context(device_scale_factor=2, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(
            f"{base_url}/book/11-shuffled-grouped-convolution.html#cv-shuffle-connectivity?groups=4"
        )
        page.wait_for_selector("#cv-shuffle-connectivity canvas.cv-canvas[data-values]")
        seen = page.evaluate(_LINE_WIDTH, "shuffle-connectivity")
        assert seen == {"dpr": 2, "n": 4}, seen  # two lines of 1 px (2 device pixels each)
        assert errors == []
    finally:
        context.close()


def test_a_canvas_grid_is_sharp_in_the_svg_download(visit, base_url, tmp_path):
    """The SVG download embeds each canvas grid painted again at twice the screen's scale
    (convviz.js sharpCanvas): its numbers stay as sharp as the SVG grids' beside it on a
    slide and in the PNG (rasterised at twice the screen's scale), not a 1x bitmap."""
    import base64
    import xml.etree.ElementTree as ET

    page = visit.page
    page.goto(
        f"{base_url}/book/11-shuffled-grouped-convolution.html#cv-shuffle-connectivity?groups=4"
    )
    page.wait_for_selector("#cv-shuffle-connectivity canvas.cv-canvas[data-values]")
    with page.expect_download() as info:
        page.click("#cv-shuffle-connectivity .cv-download")
    # named by its setting as the address names it (groups=4), not by the option's index (2)
    assert info.value.suggested_filename == "shuffle-connectivity-groups4-step1.svg"
    path = tmp_path / "figure.svg"
    info.value.save_as(path)
    images = ET.parse(path).getroot().findall(".//{http://www.w3.org/2000/svg}image")
    assert len(images) == 6  # the six matrices
    for image in images:
        png = base64.b64decode(image.get("href").split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(png[16:20], "big")
        assert width == 2 * round(float(image.get("width"))), (width, image.get("width"))
    assert visit.errors == []


_OUTLINE_WIDTHS = """(id) => {
  // the width a canvas grid painted its group outlines with (data-groups), and .cv-gline's
  const root = document.querySelector('#cv-' + id);
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  probe.setAttribute('class', 'cv-gline cv-g0');
  root.querySelector('svg.cv-grid').appendChild(probe);
  const css = parseFloat(getComputedStyle(probe).strokeWidth);
  probe.remove();
  const painted = Array.from(root.querySelectorAll('canvas[data-groups]'))
    .flatMap(c => Object.values(JSON.parse(c.getAttribute('data-groups'))).map(g => g[2]));
  return {css, painted: Array.from(new Set(painted))};
}"""


def test_a_canvas_grid_paints_group_outlines_as_wide_as_the_stylesheet_says(visit, base_url):
    """Group outlines on a canvas take their width from --cv-gw, as .cv-gline does: a new
    width in the stylesheet reaches both (after a repaint, here a change of theme)."""
    page = visit.page
    root = "#cv-shuffle-connectivity"
    page.goto(
        f"{base_url}/book/11-shuffled-grouped-convolution.html#cv-shuffle-connectivity?groups=4"
    )
    page.wait_for_selector(f"{root} canvas.cv-canvas[data-groups]")
    assert page.evaluate(_OUTLINE_WIDTHS, "shuffle-connectivity") == {"css": 3, "painted": [3]}
    page.evaluate("document.documentElement.style.setProperty('--cv-gw', '5px')")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")  # the canvases repaint
    page.wait_for_function(
        "() => document.querySelector('#cv-shuffle-connectivity canvas[data-groups]')"
        ".getAttribute('data-groups').includes(',5]')"
    )
    assert page.evaluate(_OUTLINE_WIDTHS, "shuffle-connectivity") == {"css": 5, "painted": [5]}
    assert visit.errors == []


_DIGIT_COLOURS = """() => {
  // a 1x2 grey-scale canvas grid (a dark pixel, a bright one) mounted after the stylesheet's
  // digit colours are set to pure red (on dark fills) and pure green (on bright ones)
  document.documentElement.style.setProperty('--cv-on-dark', '#ff0000');
  document.documentElement.style.setProperty('--cv-on-light', '#00ff00');
  const fig = document.createElement('figure');
  fig.id = 'cv-digits-test';
  document.body.appendChild(fig);
  const panel = {name: 'x', label: 'x', rows: 1, cols: 2, oneD: false, values: [0, 255],
    origin: [0, 0], role: 'input', marks: {}, progressive: false, index: false, scale: 'image',
    canvas: true};
  const frame = {views: [{title: 'v', panels: [panel], steps: [[]]}], formula: [], code: ''};
  const spec = {id: 'digits-test', title: 't', description: 'd', frames: {'': frame}, controls: []};
  window.convviz.mount(fig, spec, {frame: (k, done) => done(spec.frames[k])});
  const canvas = fig.querySelector('canvas.cv-canvas');
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const half = canvas.width / 2, found = {red: [0, 0], green: [0, 0]};  // [left cell, right cell]
  for (let i = 0; i < d.length; i += 4) {
    const right = ((i / 4) % canvas.width) >= half ? 1 : 0;
    if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) found.red[right]++;
    if (d[i + 1] > 200 && d[i] < 60 && d[i + 2] < 60) found.green[right]++;
  }
  return found;
}"""


def test_a_canvas_grid_paints_digits_in_the_stylesheet_colours(visit, base_url):
    """Digits on a dark pixel and on a bright one take --cv-on-dark and --cv-on-light, as the
    SVG grid's .cv-on-dark / .cv-on-light text does (they were literal colours on the canvas,
    matched to the stylesheet by value)."""
    page = visit.page
    page.goto(f"{base_url}/book/14-errata.html", wait_until="load")
    found = page.evaluate(_DIGIT_COLOURS)
    assert found["red"][0] > 5 and found["red"][1] == 0, found  # "0" on the dark pixel
    assert found["green"][1] > 5 and found["green"][0] == 0, found  # "255" on the bright one
    assert visit.errors == []


_PAIR_COLOURS = """() => {
  // a 1x2 grey-scale canvas grid (a dark pixel, a bright one) read by one step through a 1x1
  // kernel of 3: each cell carries its weight ("×3") under its number; the weight on a bright
  // cell is set to pure magenta
  document.documentElement.style.setProperty('--cv-pair-on-light', '#ff00ff');
  const fig = document.createElement('figure');
  fig.id = 'cv-pairs-test';
  document.body.appendChild(fig);
  const common = {oneD: false, origin: [0, 0], marks: {}, progressive: false, index: false};
  const x = {...common, name: 'x', label: 'x', rows: 1, cols: 2, values: [0, 255], role: 'input',
    scale: 'image', canvas: true};
  const w = {...common, name: 'w', label: 'w', rows: 1, cols: 1, values: [3], role: 'kernel'};
  const y = {...common, name: 'y', label: 'y', rows: 1, cols: 1, values: [765], role: 'output'};
  const steps = [[[2, 0, 0, 0, 1, 0], [2, 0, 0, 1, 1, 0]]];
  const frame = {views: [{title: 'v', panels: [x, w, y], steps: steps}], formula: [], code: ''};
  const spec = {id: 'pairs-test', title: 't', description: 'd', frames: {'': frame}, controls: []};
  window.convviz.mount(fig, spec, {frame: (k, done) => done(spec.frames[k])});
  const canvas = fig.querySelector('canvas.cv-canvas');
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const half = canvas.width / 2, magenta = [0, 0];  // [left cell, right cell]
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] > 200 && d[i + 2] > 200 && d[i + 1] < 60) magenta[((i / 4) % canvas.width) >= half ? 1 : 0]++;
  }
  return magenta;
}"""


def test_a_canvas_grid_paints_weights_in_the_stylesheet_colour(visit, base_url):
    """The weight written under an input cell ("×3") on a bright cell takes
    --cv-pair-on-light, as the SVG grid's .cv-pair.cv-on-light does; on a dark cell it is
    --cv-on-dark (the digits' colour, checked above)."""
    page = visit.page
    page.goto(f"{base_url}/book/14-errata.html", wait_until="load")
    magenta = page.evaluate(_PAIR_COLOURS)
    assert magenta[1] > 5 and magenta[0] == 0, magenta  # "×3" on the bright pixel only
    assert visit.errors == []
