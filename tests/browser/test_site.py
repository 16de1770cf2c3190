"""Every built page loads cleanly, offline, and every figure responds to its controls."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SITE
from tests.browser.figures import (
    expected_values,
    has_steps,
    keys_to_try,
    last_step,
    registry,
    set_control,
    shown_values,
    stage_html,
    view_titles,
    wait_for_rooms,
)

PAGES = (
    sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(("_static/", "_mathjax/"))
    )
    if SITE.exists()
    else []
)
# photographs (kind 'image' panels) are driven by tests/browser/test_images.py
FIGURES = {k: f for k, f in registry().items() if not k.startswith("photo-")}


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_without_errors_or_outside_requests(visit, base_url, page_path):
    visit.page.goto(f"{base_url}/{page_path}", wait_until="load")
    visit.page.wait_for_timeout(300)
    assert visit.outside == [], f"{page_path} asked for outside resources: {visit.outside}"
    # before the console errors, which report a missing file without naming it
    assert visit.failed == [], f"{page_path} asked for files the site lacks: {visit.failed}"
    assert visit.errors == [], f"{page_path} logged errors: {visit.errors}"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_declares_an_icon_the_site_has(page_path):
    # without one, browsers ask every host for /favicon.ico, a 404 in its logs
    text = (SITE / page_path).read_text(encoding="utf-8")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', text)
    assert icon, f"{page_path} has no <link rel='icon'>"
    assert ((SITE / page_path).parent / icon.group(1)).resolve().is_file(), icon.group(1)


def test_there_are_pages():
    assert "book/01-convolution-vs-cross-correlation.html" in PAGES


def _figure_pages():
    pairs = []
    for page_path in PAGES:
        text = (SITE / page_path).read_text(encoding="utf-8")
        for fig_id in FIGURES:
            if f'id="cv-{fig_id}"' in text:
                pairs.append((page_path, fig_id))
    return pairs


FIGURE_PAGES = _figure_pages()


def test_every_registered_figure_is_in_the_book():
    assert sorted({f for _, f in FIGURE_PAGES}) == sorted(FIGURES)


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_figure_math_and_figure_render(visit, base_url, page_path, fig_id):
    page = visit.page
    page.goto(f"{base_url}/{page_path}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")
    assert page.eval_on_selector(f"#cv-{fig_id}", "e => e.hasAttribute('data-cv-mounted')")
    # MathJax is served by the site and typesets the page's formulas.
    if "$" in (SITE / page_path).read_text(encoding="utf-8") or "math" in page.content():
        page.wait_for_function(
            "() => document.querySelectorAll('mjx-container').length > 0", timeout=10000
        )


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_each_control_changes_the_figure_and_shows_convviz_numbers(
    visit, base_url, page_path, fig_id
):
    fig = FIGURES[fig_id]
    page = visit.page
    page.goto(f"{base_url}/{page_path}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")
    for ci, control in enumerate(fig.controls):
        before = stage_html(page, fig_id)
        changed = False
        for oi in range(len(control.options)):
            if oi == control.default:
                continue
            set_control(page, fig_id, control.name, oi)
            changed = changed or stage_html(page, fig_id) != before
        assert changed, f"control {control.name!r} of figure {fig_id!r} never changed the picture"
        set_control(page, fig_id, control.name, control.default)
        assert ci >= 0
    for key in keys_to_try(fig):
        for control, index in zip(fig.controls, key.split(","), strict=True):
            set_control(page, fig_id, control.name, int(index))
        last_step(page, fig_id)
        assert shown_values(page, fig_id) == expected_values(fig, key), f"{fig_id} at {key}"
        # the views' titles follow the setting (patched in place when only their text changes)
        titles = [v["title"].strip() for v in fig.frame(key)["views"]]
        assert view_titles(page, fig_id) == titles, f"{fig_id} at {key}"


@pytest.mark.parametrize(("page_path", "fig_id"), FIGURE_PAGES)
def test_play_and_keyboard_advance_the_step(visit, base_url, page_path, fig_id):
    if not has_steps(FIGURES[fig_id]):
        pytest.skip(f"{fig_id}: a permutation, nothing to step through")
    page = visit.page
    page.goto(f"{base_url}/{page_path}", wait_until="load")
    root = f"#cv-{fig_id}"
    page.wait_for_selector(f"{root} .cv-stage svg")
    # the first step shown is an informative one, not always step 0
    page.focus(f"{root} .cv-step")
    page.keyboard.press("Home")
    assert page.get_attribute(root, "data-step") == "0"
    page.click(f"{root} .cv-play")
    page.wait_for_function(
        f"() => +document.querySelector('{root}').getAttribute('data-step') >= 2", timeout=5000
    )
    page.click(f"{root} .cv-play")  # pause
    paused = page.get_attribute(root, "data-step")
    page.wait_for_timeout(900)
    assert page.get_attribute(root, "data-step") == paused
    # keyboard: the step slider is a native range input
    page.focus(f"{root} .cv-step")
    page.keyboard.press("Home")
    assert page.get_attribute(root, "data-step") == "0"
    page.keyboard.press("ArrowRight")
    assert page.get_attribute(root, "data-step") == "1"
    # the next-step button works from the keyboard too (one step at a time when a long
    # setting offers larger step sizes: tests/browser/test_layout.py covers those)
    if page.is_visible(f"{root} .cv-by"):
        page.select_option(f"{root} .cv-by", "1")
    page.focus(f"{root} .cv-next")
    page.keyboard.press("Enter")
    assert page.get_attribute(root, "data-step") == "2"


def test_site_works_from_a_local_folder(visit):
    """Opened as file://, the chapter still mounts its figures and typesets its maths."""
    page = visit.page
    page.goto((SITE / "book/01-convolution-vs-cross-correlation.html").as_uri(), wait_until="load")
    page.wait_for_selector("#cv-flip .cv-stage svg")
    page.wait_for_function(
        "() => document.querySelectorAll('mjx-container').length > 0", timeout=10000
    )
    assert visit.errors == []
    assert visit.outside == []


_CONTRAST = """root => {
  const parse = s => { const v = s.match(/[\\d.]+/g).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const lum = ([r, g, b]) => {
    const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, base) => top.slice(0, 3).map((v, i) => v * top[3] + base[i] * (1 - top[3]));
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const style = getComputedStyle(root);
  const card = parse(style.backgroundColor);
  let cells = Infinity;  // the least contrast between a number and its cell
  for (const text of root.querySelectorAll('.cv-cells text:not(.cv-pair)')) {
    const rect = text.parentElement.querySelector('rect');
    const style = getComputedStyle(rect);
    if (style.fill.startsWith('url(')) continue;  // padding and inserted zeros: patterns
    const rgba = parse(style.fill);
    rgba[3] *= +style.fillOpacity;
    const fill = over(rgba, card);
    cells = Math.min(cells, ratio(fill, parse(getComputedStyle(text).fill)));
  }
  const wrapper = root.closest('.cv-host') || root.parentElement;
  return {
    card: lum(card),
    text: ratio(card, parse(style.color)),
    cells: cells,
    wrapper: getComputedStyle(wrapper).backgroundColor,
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_follow_the_colour_scheme_and_stay_legible(browser, base_url, scheme):
    page_path, fig_id = next(p for p in FIGURE_PAGES if p[1] == "dilated-kernel")
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{page_path}", wait_until="load")
        page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")
        seen = page.eval_on_selector(f"#cv-{fig_id}", _CONTRAST)
    finally:
        context.close()
    # a light card on a light page, a dark card on a dark page (no white panel around it)
    assert (seen["card"] > 0.8) if scheme == "light" else (seen["card"] < 0.05), seen
    assert seen["text"] >= 7, seen  # WCAG AAA for the card's text
    assert 4.5 <= seen["cells"] < float("inf"), seen  # WCAG AA for every number on its cell
    if scheme == "dark":
        assert seen["wrapper"] in ("rgba(0, 0, 0, 0)", "transparent"), seen


def test_the_header_contents_button_keeps_the_reading_place(browser, base_url):
    """On a page whose figures take the contents column's room (1200 px and wider), the
    header's contents button opens the page's contents where the reader is: the page does
    not scroll, and closing the contents leaves it there."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/book/06-transposed-convolution.html", wait_until="load")
        page.wait_for_function("() => document.documentElement.classList.contains('cv-wide-page')")
        # the figures keep their largest setting's room once measured (idle time): let the
        # page settle first, so nothing above the reading place changes height while it is read
        wait_for_rooms(page)
        page.evaluate("() => window.scrollTo(0, 3000)")
        page.wait_for_timeout(300)
        before = page.evaluate("() => scrollY")
        # a script click: the button sits in the sticky header, no scrolling to reach it
        page.evaluate(
            "() => document.querySelector('.bd-header-article .secondary-toggle').click()"
        )
        page.wait_for_timeout(200)
        assert page.is_visible("#pst-secondary-sidebar-modal nav.page-toc")
        opened = page.evaluate("() => scrollY")
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        closed = page.evaluate("() => scrollY")
    finally:
        context.close()
    assert before > 2000, before
    assert (opened, closed) == (before, before), (
        f"the page scrolled from {before}: {opened} open, {closed} closed"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_padding_hatching_stops_short_of_the_digits(browser, base_url, scheme):
    """A padding zero's digit is drawn over a halo of the hatching's own background, so no
    hatch line crosses it (in both themes)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/book/05-convolution-arithmetic.html", wait_until="load")
        page.wait_for_selector("#cv-arithmetic-conv .cv-pad text")
        seen = page.evaluate(
            """() => {
              const bg = getComputedStyle(document.querySelector('.cv-pat-pad-bg')).fill;
              return Array.from(document.querySelectorAll('#cv-arithmetic-conv .cv-pad text'))
                .map(t => { const s = getComputedStyle(t);
                  return [t.textContent, s.paintOrder.startsWith('stroke'), s.stroke === bg,
                          parseFloat(s.strokeWidth) >= 3]; });
            }"""
        )
    finally:
        context.close()
    assert seen, "no padding digits drawn"
    bad = [s for s in seen if not all(s[1:])]
    assert bad == [], f"{scheme}: padding digits without a halo: {bad}"
