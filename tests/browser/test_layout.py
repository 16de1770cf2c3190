"""How each figure sits on the screen: it fits 900 px or keeps its controls in view, views
to compare side by side when they fit, no jump when a setting changes, one button set,
setting sliders unlike the step slider, long settings step by row, phones and tables."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import SITE
from tests.browser.figures import keys_to_try, registry
from tests.browser.test_site import PAGES

ALL = registry()  # the photographs too: layout is the same for every figure


def _pages_with_figures():
    pairs = []
    for page_path in PAGES:
        text = (SITE / page_path).read_text(encoding="utf-8")
        pairs += [(page_path, f) for f in ALL if f'id="cv-{f}"' in text]
    return pairs


FIGS = _pages_with_figures()
# every page of the book, the API reference too: its long dotted names and signatures
# wrap and a wide inline formula scrolls inside its own box (convviz.css)
CHAPTERS = [p for p in PAGES if p.startswith("book/")]
# views meant to be compared (issue 10): convolution vs cross-correlation (ch1), transposed
# convolution vs resize-convolution (ch6), no shuffle vs shuffle (ch11)
COMPARED = {"flip", "checkerboard", "shuffle-connectivity"}
LONG = 100  # convviz.js: frames with more steps offer a step size


def _next_frames(page, n: int = 2) -> None:
    """Wait until the page has drawn ``n`` animation frames (a fixed wait was too short on a
    loaded machine: a CI run saw the figure before its room was fitted, as if it had grown)."""
    page.evaluate(
        """n => new Promise(done => { const tick = k => k ? requestAnimationFrame(() => tick(k - 1)) : done();
                                      tick(n); })""",
        n,
    )


def _open(page, base_url, page_path, fig_id):
    page.goto(f"{base_url}/{page_path}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-controls")
    page.wait_for_function(
        "(id) => document.querySelector('#cv-' + id).hasAttribute('data-step')", arg=f"{fig_id}"
    )


_IN_VIEW = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const far = Array.from(root.querySelectorAll('.cv-role-output, .cv-sums'))
    .reduce((m, e) => Math.max(m, e.getBoundingClientRect().bottom), 0);
  // scroll so that the last result (output grid or sum) sits at the bottom of the window
  window.scrollBy(0, far - innerHeight + 4);
  // the next-step button, or (a figure of one-step frames has none) its first setting
  let probe = root.querySelector('.cv-next');
  if (!probe.getClientRects().length) probe = root.querySelector('.cv-control select, .cv-control input, .cv-control button');
  const next = probe.getBoundingClientRect();
  const hit = document.elementFromPoint(next.left + next.width / 2, next.top + next.height / 2);
  const bar = root.querySelector('.cv-controls').getBoundingClientRect();
  return {top: bar.top, bottom: bar.bottom, h: innerHeight,
          onTop: !!hit && (hit === probe || probe.contains(hit) || hit.contains(probe)),
          hit: hit ? hit.outerHTML.slice(0, 60) : null};
}"""


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_default_setting_fits_900px_or_keeps_its_controls_in_view(
    visit, base_url, page_path, fig_id
):
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    height = page.eval_on_selector(f"#cv-{fig_id}", "e => e.getBoundingClientRect().height")
    if height <= 900:
        return
    seen = page.evaluate(_IN_VIEW, fig_id)
    assert seen["top"] >= 0 and seen["bottom"] <= seen["h"], (fig_id, height, seen)
    assert seen["onTop"], f"{fig_id}: the next button (or setting) is covered: {seen}"


_SIDE = """(id) => {
  const stage = document.querySelector('#cv-' + id + ' .cv-stage');
  const views = Array.from(stage.querySelectorAll(':scope > .cv-view.cv-pair'));
  // a panel's drawing (its label wraps to it)
  const widest = views.map(v => Math.max(0, ...Array.from(
    v.querySelectorAll('.cv-panel > :not(.cv-panel-label)')).map(p => p.getBoundingClientRect().width)));
  const gap = parseFloat(getComputedStyle(stage).columnGap) || 0;
  const need = widest.reduce((a, b) => a + b, 0) + gap * (views.length - 1);
  const tops = views.map(v => Math.round(v.getBoundingClientRect().top));
  return {n: views.length, fit: need <= stage.clientWidth, oneRow: new Set(tops).size === 1};
}"""


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_views_that_fit_side_by_side_sit_side_by_side(visit, base_url, page_path, fig_id):
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    side = page.evaluate(_SIDE, fig_id)
    if fig_id in COMPARED:
        assert side["n"] == 2 and side["oneRow"], f"{fig_id}: the two views are not side by side"
    if side["n"] > 1 and side["fit"]:
        assert side["oneRow"], f"{fig_id}: its views would fit side by side: {side}"


_OVERLAPS = """() => {
  const box = e => e.getBoundingClientRect();
  const shown = e => { const s = getComputedStyle(e), b = box(e);
    return s.display !== 'none' && s.visibility !== 'hidden' && b.width > 0 && b.height > 0; };
  // what the page draws beside the article: the contents column and the primary sidebar
  const others = ['#pst-secondary-sidebar', '#pst-primary-sidebar']
    .map(s => document.querySelector(s)).filter(e => e && shown(e));
  const hits = [];
  for (const fig of document.querySelectorAll('.cv-root')) {
    const f = box(fig);
    for (const o of others) {
      const b = box(o);
      // their boxes, not only what is on screen now: the contents column is sticky
      if (f.left < b.right - 1 && b.left < f.right - 1) hits.push([fig.id, o.id, Math.round(f.left),
        Math.round(f.right), Math.round(b.left), Math.round(b.right)]);
    }
  }
  const button = document.querySelector('.bd-header-article .secondary-toggle');
  return {hits, sideways: document.documentElement.scrollWidth > innerWidth + 1,
          contents: others.some(o => o.id === 'pst-secondary-sidebar') || (!!button && shown(button))};
}"""


WIDE_PAGES = sorted({p for p, f in FIGS if f in COMPARED})


@pytest.mark.parametrize("size", [(1280, 900), (1440, 900), (1920, 1080), (1100, 900), (390, 844)])
@pytest.mark.parametrize("page_path", WIDE_PAGES)
def test_no_figure_overlaps_the_page_columns(browser, base_url, page_path, size):
    """A figure wider than the text column covers neither the contents column nor the
    chapters column, the page never scrolls sideways, and the page's contents stay reachable
    (their column, or the header's contents button)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{page_path}", wait_until="load")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.cv-root')).every(e => e.hasAttribute('data-step'))"
        )
        page.wait_for_timeout(100)  # figures widen on the next animation frame
        seen = page.evaluate(_OVERLAPS)
        if size[0] >= 1200 and page.evaluate("() => !!document.querySelector('.cv-wide')"):
            page.click(".bd-header-article .secondary-toggle")
            assert page.is_visible("#pst-secondary-sidebar-modal nav.page-toc"), page_path
    finally:
        context.close()
    assert seen["hits"] == [], f"{page_path} at {size}: a figure overlaps a column: {seen['hits']}"
    assert not seen["sideways"], f"{page_path} at {size}: the page scrolls sideways"
    assert seen["contents"], f"{page_path} at {size}: the page's contents are unreachable"


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_a_setting_change_never_shrinks_the_figure(visit, base_url, page_path, fig_id):
    fig = ALL[fig_id]
    if not fig.controls:
        pytest.skip("no settings")
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    heights = []
    for key in [*keys_to_try(fig, limit=6), keys_to_try(fig)[0]]:
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", key)
        _next_frames(page)  # the room is reserved on the next animation frame
        heights.append(page.eval_on_selector(root, "e => e.getBoundingClientRect().height"))
    shrank = [(a, b) for a, b in itertools.pairwise(heights) if b < a - 2]
    assert shrank == [], f"{fig_id}: the figure shrank and the page jumped: {heights}"


_CONTROLS = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const box = e => e.getBoundingClientRect();
  const set = ['.cv-prev', '.cv-play', '.cv-next'].map(s => box(root.querySelector(s)));
  const lines = Array.from(root.querySelectorAll('.cv-control, .cv-btn-set')).map(e =>
    [e.textContent.trim().slice(0, 20), box(e).height]);
  const accent = s => { const e = root.querySelector(s); return e ? getComputedStyle(e).accentColor : null; };
  return {stepper: getComputedStyle(root.querySelector('.cv-steps')).display !== 'none', tops: set.map(b => Math.round(b.top)), gaps: [set[1].left - set[0].right, set[2].left - set[1].right],
          tall: lines.filter(l => l[1] > 40), step: accent('.cv-step'), setting: accent('input.cv-setting')};
}"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_buttons_are_one_set_and_no_control_wraps(browser, base_url, page_path, fig_id, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        c = page.evaluate(_CONTROLS, fig_id)
    finally:
        context.close()
    if c["stepper"]:  # a figure whose frames have one step each has no step buttons
        assert len(set(c["tops"])) == 1, f"{fig_id}: previous, play, next not on one line: {c}"
        assert all(abs(g) <= 1 for g in c["gaps"]), f"{fig_id}: the step buttons are apart: {c}"
    assert c["tall"] == [], f"{fig_id}: a control wraps onto two lines at {width} px: {c['tall']}"
    if c["setting"]:
        assert c["setting"] != c["step"], f"{fig_id}: a setting slider looks like the step slider"


def _one_step_settings(fig):
    """Settings whose frame has at most one step (a single sum, or a permutation)."""
    out = []
    for key in itertools.product(*(range(len(c.options)) for c in fig.controls)):
        key = ",".join(map(str, key))
        if max((len(v["steps"]) for v in fig.frame(key)["views"]), default=0) <= 1:
            out.append(key)
    return out


ONE_STEP = {f: keys for f in {f for _, f in FIGS} if (keys := _one_step_settings(ALL[f]))}


@pytest.mark.parametrize(("page_path", "fig_id"), [(p, f) for p, f in FIGS if f in ONE_STEP])
def test_one_step_frames_show_no_step_controls(visit, base_url, page_path, fig_id):
    """Nothing to step through, no step buttons: none at all for a figure whose first frame
    has one step (they take no room), and hidden (their room kept) once a frame of several
    steps was shown, so the controls bar does not jump."""
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    one = ONE_STEP[fig_id]
    default = ",".join(str(c.default) for c in ALL[fig_id].controls)
    box = f"{root} .cv-steps"
    if default in one:
        assert page.eval_on_selector(box, "e => getComputedStyle(e).display") == "none", fig_id
    else:
        assert page.is_visible(f"{root} .cv-next"), f"{fig_id}: {default} has steps"
    for key in one[:3]:
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", key)
        for part in (".cv-prev", ".cv-play", ".cv-next", ".cv-step", ".cv-step-label"):
            assert not page.is_visible(f"{root} {part}"), f"{fig_id} at {key}: {part} shown"
    several = [k for k in keys_to_try(ALL[fig_id]) if k not in one]
    if several:  # and back: the step controls return
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", several[0])
        assert page.is_visible(f"{root} .cv-next"), f"{fig_id} at {several[0]}: no step buttons"


def _long_settings(fig):
    out = []
    for key in keys_to_try(fig, limit=40):
        n = max(len(v["steps"]) for v in fig.frame(key)["views"])
        if n > LONG:
            out.append((key, n))
    return out


LONG_FIGS = [(p, f) for p, f in FIGS if _long_settings(ALL[f])]


@pytest.mark.parametrize(("page_path", "fig_id"), LONG_FIGS)
def test_long_settings_step_by_row(visit, base_url, page_path, fig_id):
    """More than 100 steps: a step size is offered, and next/previous go a row at a time."""
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    for key, n in _long_settings(ALL[fig_id]):
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", key)
        assert page.is_visible(f"{root} .cv-by"), f"{fig_id} at {key}: {n} steps, no step size"
        clicks = page.eval_on_selector(
            root,
            """e => { const next = e.querySelector('.cv-next'); let i = 0;
                     while (+e.getAttribute('data-step') < +e.querySelector('.cv-step').max && i < 5000) {
                       next.click(); i++; }
                     return i; }""",
        )
        # a person steps through it: by row (or by 10 where the steps have one row)
        assert clicks <= max(n // 5, 12), f"{fig_id} at {key}: {clicks} clicks for {n} steps"
        back = page.eval_on_selector(
            root,
            "e => { e.querySelector('.cv-prev').click(); return +e.getAttribute('data-step'); }",
        )
        assert back < n - 1
        # and one step at a time is still there
        page.select_option(f"{root} .cv-by", "1")
        before = int(page.get_attribute(root, "data-step"))
        page.click(f"{root} .cv-next")
        assert int(page.get_attribute(root, "data-step")) == before + 1
        page.select_option(f"{root} .cv-by", index=0)


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_short_settings_step_one_at_a_time(visit, base_url, page_path, fig_id):
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    n = int(page.eval_on_selector(f"#cv-{fig_id} .cv-step", "e => +e.max")) + 1
    assert page.is_visible(f"#cv-{fig_id} .cv-by") == (n > LONG), (fig_id, n)


_OVERFLOW = """() => {
  const W = document.documentElement.clientWidth, out = [];
  for (const t of document.querySelectorAll('article table')) {
    const b = t.getBoundingClientRect();
    if (b.right <= W + 1) continue;
    // a wide table scrolls inside its own box, which stays within the page
    let e = t.parentElement, ok = false;
    while (e && e !== document.body) {
      const s = getComputedStyle(e);
      if (['auto', 'scroll'].includes(s.overflowX) && e.getBoundingClientRect().right <= W + 1) { ok = true; break; }
      e = e.parentElement;
    }
    if (!ok) out.push(t.className + ':' + Math.round(b.right));
  }
  return {tables: out, page: document.documentElement.scrollWidth > W + 1};
}"""


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_tables_and_figures_stay_within_a_phone_page(browser, base_url, page_path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{page_path}", wait_until="load")
        page.wait_for_timeout(200)
        seen = page.evaluate(_OVERFLOW)
    finally:
        context.close()
    assert seen["tables"] == [], f"{page_path}: tables wider than a 390 px page: {seen['tables']}"
    assert not seen["page"], f"{page_path}: the page scrolls sideways at 390 px"


_ZERO_CELLS = """() => {
  // every drawn inserted zero (SVG grids): the dots of its pattern and the boxes of its texts
  const pat = document.getElementById('cv-pat-zero');
  const bbox = pat.getAttribute('patternContentUnits') === 'objectBoundingBox';
  const pw = +pat.getAttribute('width'), ph = +pat.getAttribute('height');
  const dots = Array.from(pat.querySelectorAll('circle')).map(c => [+c.getAttribute('cx'), +c.getAttribute('cy'), +c.getAttribute('r')]);
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = c => { const l = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const ratio = (a, b) => { const x = lum(rgb(a)), y = lum(rgb(b)); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  probe.setAttribute('class', 'cv-pat-zero-bg');
  pat.appendChild(probe);
  const bg = getComputedStyle(probe).fill;
  probe.remove();
  const out = {cells: 0, crossed: [], faint: []};
  for (const cell of document.querySelectorAll('svg.cv-grid g.cv-cell.cv-zero')) {
    const r = cell.querySelector('.cv-bg').getBBox();
    if (getComputedStyle(cell.querySelector('.cv-bg')).fill.indexOf('cv-pat-zero') < 0) continue;
    out.cells += 1;
    const centres = [];
    if (bbox) dots.forEach(d => centres.push([r.x + d[0] * r.width, r.y + d[1] * r.height, d[2] * Math.min(r.width, r.height)]));
    else for (let y = Math.floor(r.y / ph) * ph; y < r.y + r.height; y += ph)
      for (let x = Math.floor(r.x / pw) * pw; x < r.x + r.width; x += pw)
        dots.forEach(d => centres.push([x + d[0], y + d[1], d[2]]));
    for (const t of cell.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const b = t.getBBox();
      const hit = centres.some(c => c[0] + c[2] > b.x && c[0] - c[2] < b.x + b.width &&
                                    c[1] + c[2] > b.y && c[1] - c[2] < b.y + b.height);
      if (hit) out.crossed.push(t.textContent);
      const k = ratio(getComputedStyle(t).fill, bg);
      if (k < 4.5) out.faint.push([t.textContent, getComputedStyle(t).fill, bg, k.toFixed(2)]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_inserted_zeros_keep_their_digits_clear(browser, base_url, theme):
    """The dots that mark an inserted zero stay off its digits and its xw label, and the
    digits keep a contrast of 4.5:1 with the zero's tint, in light and dark."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        if theme == "dark":
            page.add_init_script(
                "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark')"
            )
        page.goto(f"{base_url}/book/06-transposed-convolution.html", wait_until="load")
        root = "#cv-transposed-upsample"
        page.wait_for_selector(f"{root}[data-step]")
        fig = ALL["transposed-upsample"]
        key = next(
            k
            for k in keys_to_try(fig)
            if any(
                p.get("marks", {}).get("zero") for v in fig.frame(k)["views"] for p in v["panels"]
            )
        )
        # a step whose window covers inserted zeros, so their cells carry xw labels too
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 3)", key)
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme
        seen = page.evaluate(_ZERO_CELLS)
    finally:
        context.close()
    assert seen["cells"] > 0, "no inserted zero drawn"
    assert seen["crossed"] == [], f"the zero pattern runs through digits: {seen['crossed'][:5]}"
    assert seen["faint"] == [], f"digits without contrast on inserted zeros: {seen['faint'][:5]}"


def test_large_grids_keep_their_indices_at_the_edges(visit, base_url):
    """A grid drawn as a canvas (chapter 7's 17x17 input of three stacked layers) carries its
    row and column indices at its edges, so the receptive-field numbers can be checked."""
    fig = ALL["dilated-stack"]
    key = next(
        k for k in keys_to_try(fig, limit=40) if fig.frame(k)["views"][0]["panels"][0]["cols"] > 16
    )
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, "book/07-dilated-convolution.html", "dilated-stack")
    root = "#cv-dilated-stack"
    page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", key)
    seen = page.eval_on_selector(
        f"{root} .cv-view[data-view='0'] .cv-panel[data-panel='0']",
        """p => { const axes = Array.from(p.querySelectorAll('.cv-axes svg.cv-axis'));
                 const canvas = p.querySelector('canvas').getBoundingClientRect();
                 const labels = s => Array.from(s.querySelectorAll('tspan')).map(t => {
                   const b = t.getBoundingClientRect();
                   return [t.textContent, b.left + b.width / 2, b.top + b.height / 2]; });
                 return {n: axes.length, cols: axes[0] ? labels(axes[0]) : [],
                         rows: axes[1] ? labels(axes[1]) : [],
                         canvas: [canvas.left, canvas.top, canvas.width, canvas.height]}; }""",
    )
    panel = fig.frame(key)["views"][0]["panels"][0]
    n = panel["cols"]
    assert seen["n"] == 2, f"no indices at the edges of the {n}x{n} input: {seen}"
    assert [c[0] for c in seen["cols"]] == [str(i) for i in range(n)]
    assert [r[0] for r in seen["rows"]] == [str(i) for i in range(panel["rows"])]
    left, top, width, _ = seen["canvas"]
    size = (width - 4) / n
    # each index sits over (beside) its own column (row) of cells
    for i, (_, x, _) in enumerate(seen["cols"]):
        assert abs(x - (left + 2 + size * (i + 0.5))) < size / 2, (i, x)
    for i, (_, _, y) in enumerate(seen["rows"]):
        assert abs(y - (top + 2 + size * (i + 0.5))) < size / 2, (i, y)


def test_overlapping_stamps_are_marked_and_keyed(visit, base_url):
    """Chapter 6's scatter: the cells of y that sum more than one stamp carry the overlap
    mark (a heavy border, unlike a plain cell's), and the key says what it means."""
    fig = ALL["transposed-scatter"]
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, "book/06-transposed-convolution.html", "transposed-scatter")
    root = "#cv-transposed-scatter"
    y_at = [q["name"] for q in fig.frame()["views"][0]["panels"]].index("y")
    for key in keys_to_try(fig):
        want = fig.frame(key)["views"][0]["panels"][y_at]["marks"].get("overlap", [])
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), 0)", key)
        seen = page.eval_on_selector(
            root,
            """e => { const y = e.querySelector(".cv-panel[data-name='y']");
                     const cells = Array.from(y.querySelectorAll('g.cv-cell'));
                     const width = g => parseFloat(getComputedStyle(g.querySelector('.cv-bg')).strokeWidth);
                     const plain = cells.find(g => g.getAttribute('class') === 'cv-cell');
                     const key = e.querySelector('.cv-key .cv-key-item.cv-overlap');
                     return {marked: cells.filter(g => g.classList.contains('cv-overlap'))
                               .map(g => +g.getAttribute('data-cell')),
                             widths: cells.filter(g => g.classList.contains('cv-overlap')).map(width),
                             plain: plain ? width(plain) : 1,
                             key: key ? key.textContent : null}; }""",
        )
        assert seen["marked"] == want, f"at {key}: overlap cells {seen['marked']} != {want}"
        assert all(w >= 2 * seen["plain"] for w in seen["widths"]), (key, seen)
        if want:
            assert seen["key"] and "overlap" in seen["key"], f"at {key}: no key for the mark"
    assert any(
        fig.frame(k)["views"][0]["panels"][y_at]["marks"].get("overlap") for k in keys_to_try(fig)
    )


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_a_setting_change_does_not_grow_the_figure(visit, base_url, page_path, fig_id):
    """After the first paint and the room of the largest setting (measured in idle time,
    convviz.js largestRoom), walking the settings grows the figure by at most 8 px (the
    learner pass measured up to +683 px: ch6's stack from 1D to 2D). The blank kept at the
    figure's end for that is capped (data-cv-room-cap, about a third of the screen: reviewers
    found up to 1,567 px of empty box under small defaults), so only a figure whose blank is
    full at its cap may grow, when a setting needs more."""
    fig = ALL[fig_id]
    if not fig.controls:
        pytest.skip("no settings")
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, page_path, fig_id)
    root = f"#cv-{fig_id}"
    page.wait_for_selector(f"{root}[data-cv-room]", state="attached", timeout=20_000)
    _next_frames(page)  # the room is applied on the next animation frame
    first = page.eval_on_selector(root, "e => e.getBoundingClientRect().height")
    blank, cap = page.eval_on_selector(
        root, "e => [e.querySelector('.cv-room').offsetHeight, +e.getAttribute('data-cv-room-cap')]"
    )
    assert cap > 0 and blank <= cap + 1, f"{fig_id}: {blank} px of blank at first, cap {cap}"
    grown = {}
    for key in keys_to_try(fig):
        page.eval_on_selector(root, "(e, k) => e.cvSet(k.split(',').map(Number), null)", key)
        _next_frames(page)  # the room is reserved on the next animation frame
        h = page.eval_on_selector(root, "e => e.getBoundingClientRect().height")
        if h > first + 8:
            grown[key] = round(h - first)
    assert not grown or blank >= cap - 1, (
        f"{fig_id} ({round(first)} px at first, {blank} px of it blank) grows at these settings: {grown}"
    )


def test_volume_two_views_slices_share_a_row(visit, base_url):
    """Chapter 3's two readings (2,419 px tall at 1280x900 with 5×5 slices of 34 px cells):
    each view's input slices sit in one row of the text column, so the default takes fewer
    rows (its controls stay in view, test above)."""
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, "book/03-3d-convolution.html", "volume-two-views")
    tops = page.eval_on_selector(
        "#cv-volume-two-views",
        """e => Array.from(e.querySelectorAll('.cv-view')).map(v =>
             Array.from(v.querySelectorAll('.cv-panel.cv-role-input'))
               .map(p => [p.getAttribute('data-name'), Math.round(p.getBoundingClientRect().top)]))""",
    )
    article, torch = tops
    assert len(article) == 4 and len({t for _, t in article}) == 1, article
    # torch's clip, 2 channels of 3 frames: two rows (three with 5×5 slices)
    assert len(torch) == 6 and len({t for _, t in torch}) == 2, torch


@pytest.mark.parametrize("c_out", [1, 2, 3])
def test_depthwise_separable_stage_two_is_one_row(visit, base_url, c_out):
    """Chapter 8's depthwise separable figure: stage 2's pointwise weights and every output
    z_j sit on one row at 1280x900 (a weights label wider than its grid pushed z1 onto a
    line of its own, breaking the row of outputs)."""
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, "book/08-separable-convolution.html", "depthwise-separable")
    tops = page.eval_on_selector(
        "#cv-depthwise-separable",
        """(e, c) => {
             const s = e.querySelector('input.cv-setting');
             s.value = c - 1;
             s.dispatchEvent(new Event('input', {bubbles: true}));
             return Array.from(e.querySelectorAll('.cv-panel'))
               .filter(p => /^(w_pw|z\\d)$/.test(p.getAttribute('data-name')))
               .map(p => [p.getAttribute('data-name'), Math.round(p.getBoundingClientRect().top)]);
           }""",
        c_out,
    )
    assert len(tops) == 1 + c_out and len({t for _, t in tops}) == 1, tops


def test_pointwise_grouped_product_reads_in_one_row(visit, base_url):
    """Chapter 12's figure at 1280x900 (default g = 2): x, W and y share a row, and so do
    D, x and y = D·x, a matrix product read left to right (long labels put each panel on
    a line of its own)."""
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, base_url, "book/12-pointwise-grouped-convolution.html", "pointwise-grouped")
    views = page.eval_on_selector(
        "#cv-pointwise-grouped",
        """e => Array.from(e.querySelectorAll('.cv-view')).map(v =>
             Array.from(v.querySelectorAll('.cv-panel')).map(p =>
               [p.getAttribute('data-name'), Math.round(p.getBoundingClientRect().top)]))""",
    )
    column, product = views
    assert [n for n, _ in column] == ["x", "W", "y"] and len({t for _, t in column}) == 1, column
    assert [n for n, _ in product] == ["D", "x", "y"] and len({t for _, t in product}) == 1, product


@pytest.mark.parametrize(("page_path", "fig_id"), FIGS)
def test_the_step_bar_spans_the_card_on_a_phone(browser, base_url, page_path, fig_id):
    """On a phone the step row sticks while the figure scrolls under it; it kept a padding's
    width short of the card's right edge, where the figure showed through beside it."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        _open(page, base_url, page_path, fig_id)
        edges = page.eval_on_selector(
            f"#cv-{fig_id}",
            """f => { const s = f.querySelector('.cv-steps');
                     if (!s || getComputedStyle(s).display === 'none') return null;
                     const a = f.getBoundingClientRect(), b = s.getBoundingClientRect();
                     return [b.left - (a.left + f.clientLeft), (a.left + f.clientLeft + f.clientWidth) - b.right]; }""",
        )
    finally:
        context.close()
    if edges is None:
        pytest.skip(f"{fig_id}: no step row")
    assert all(abs(e) <= 1 for e in edges), f"{fig_id}: step bar short of the card by {edges} px"
