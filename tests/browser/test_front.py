"""The front page in a browser: its figure plays by itself (unless the reader asks for reduced
motion), its chapter list links every chapter, and it stays within the page-weight budget."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import SITE
from tests.browser.test_page_weight import BUDGET_KB, CHAPTERS, _gz_size, _load, _local

INDEX = "book/index.html"
FIG = "#cv-front-slide"
OWN_BUDGET_KB = 400  # the page's own HTML, figures included (issue 11's budget per page)


def _step(page) -> int:
    return int(page.get_attribute(FIG, "data-step"))


def test_the_figure_plays_by_itself_and_pause_stops_it(visit, base_url):
    page = visit.page
    page.goto(f"{base_url}/{INDEX}", wait_until="load")
    page.wait_for_selector(f"{FIG} .cv-stage svg")
    assert page.get_attribute(f"{FIG} .cv-play", "aria-label") == "pause"
    first = _step(page)
    page.wait_for_function(
        f"s => +document.querySelector('{FIG}').getAttribute('data-step') !== s", arg=first,
        timeout=5000,
    )  # fmt: skip
    assert "#" not in page.url  # playing by itself never rewrites the address
    page.click(f"{FIG} .cv-play")  # pause
    assert page.get_attribute(f"{FIG} .cv-play", "aria-label") == "play"
    paused = _step(page)
    page.wait_for_timeout(1600)
    assert _step(page) == paused
    assert not visit.errors and not visit.outside and not visit.failed, visit.errors


def test_the_figure_loops_back_to_its_first_step(visit, base_url):
    page = visit.page
    page.goto(f"{base_url}/{INDEX}", wait_until="load")
    page.wait_for_selector(f"{FIG} .cv-stage svg")
    # the default 3x3 output's 9 steps at 0.7 s each, a rest on the last, then step 0 again
    seen = page.evaluate(
        """(sel) => new Promise(done => {
            const steps = [];
            const t = setInterval(() => {
              steps.push(+document.querySelector(sel).getAttribute('data-step'));
              const last = steps.indexOf(8);
              if ((last >= 0 && steps.slice(last).includes(0)) || steps.length > 100) {
                clearInterval(t);
                done(steps);
              }
            }, 150);
        })""",
        FIG,
    )
    assert 8 in seen and 0 in seen[seen.index(8) :], seen
    # it rests on the last step longer than on the others
    rest = seen[seen.index(8) :].index(0)
    assert rest * 150 >= 3 * 700 - 300, seen


def test_reduced_motion_keeps_the_figure_still(browser, base_url):
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{INDEX}", wait_until="load")
        page.wait_for_selector(f"{FIG} .cv-stage svg")
        first = _step(page)
        page.wait_for_timeout(2000)
        assert _step(page) == first
        assert page.is_disabled(f"{FIG} .cv-play")
        page.click(f"{FIG} .cv-next")  # the step buttons still work
        assert _step(page) == first + 1
    finally:
        context.close()


def test_the_chapter_list_links_every_chapter(visit, base_url):
    page = visit.page
    page.goto(f"{base_url}/{INDEX}", wait_until="load")
    hrefs = page.eval_on_selector_all(
        "section#chapters a.reference.internal", "as => as.map(a => a.getAttribute('href'))"
    )
    stems = [h.split("#")[0].removesuffix(".html") for h in hrefs]
    assert stems[: len(CHAPTERS)] == CHAPTERS, stems
    for href in hrefs:
        assert (SITE / "book" / href.split("#")[0]).is_file(), href


def test_first_visit_within_budget(visit, base_url):
    urls = _load(visit, f"{base_url}/{INDEX}")
    sizes = {urlparse(u).path: _gz_size(_local(u)) for u in urls if urlparse(u).scheme != "data"}
    own = _gz_size(SITE / INDEX) / 1024
    total = sum(sizes.values()) / 1024
    assert own <= OWN_BUDGET_KB, f"index.html alone: {own:.1f} KB gzipped"
    assert total <= BUDGET_KB, (
        f"first visit {total:.1f} KB gzipped; heaviest: "
        f"{sorted(sizes.items(), key=lambda kv: -kv[1])[:5]}"
    )
    assert not visit.errors and not visit.failed and not visit.outside, visit.errors


@pytest.mark.parametrize("width", [390, 1280])
def test_the_figure_fits_the_screen(browser, base_url, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{INDEX}", wait_until="load")
        page.wait_for_selector(f"{FIG} .cv-stage svg")
        box = page.eval_on_selector(FIG, "e => e.getBoundingClientRect().toJSON()")
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        # every grid is on screen, its cells at least 24 px: legible on a phone
        grids = page.eval_on_selector_all(
            f"{FIG} svg.cv-grid", "gs => gs.map(g => g.getBoundingClientRect().toJSON())"
        )
        assert grids and all(g["x"] >= 0 and g["x"] + g["width"] <= width + 1 for g in grids)
        cell = page.eval_on_selector(
            f"{FIG} g.cv-cell rect.cv-bg", "r => r.getBoundingClientRect().width"
        )
        assert cell >= 24, cell
    finally:
        context.close()


def test_formula_lines_do_not_break_inside_an_index(browser, base_url):
    """On a phone the formula under the figure wraps between its terms, never inside an
    index such as x[s·q − p + v]: each bracket's text sits on one rendered line."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{INDEX}", wait_until="load")
        page.wait_for_selector(f"{FIG} .cv-formula .cv-rule")
        broken = page.evaluate(
            """(fig) => {
              const out = [];
              document.querySelectorAll(fig + ' .cv-formula .cv-rule').forEach(rule => {
                const node = rule.firstChild, text = node ? node.data : '';
                for (const m of text.matchAll(/\\[[^\\[\\]]*\\]/g)) {
                  const r = document.createRange();
                  r.setStart(node, m.index);
                  r.setEnd(node, m.index + m[0].length);
                  const tops = new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top)));
                  if (tops.size > 1) out.push(m[0]);
                }
              });
              return out;
            }""",
            FIG,
        )
        assert broken == []
    finally:
        context.close()


_EQUALS = """() => {
  // ranges that must sit on one rendered line: in each rule, every "name = first word"; in
  // each sum, its left-hand side ("y[0, 1] =", or the second line's "=") with its first term
  const out = [];
  const oneLine = r => {
    const tops = Array.from(r.getClientRects()).filter(b => b.width > 0).map(b => b.top);
    return Math.max(...tops) - Math.min(...tops) < 4;
  };
  document.querySelectorAll('figure[data-cv-figure] .cv-formula .cv-rule').forEach(rule => {
    const node = rule.firstChild, text = node ? node.data : '';
    for (const m of text.matchAll(/\\S+\\s=\\s\\S/g)) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      if (!oneLine(r)) out.push(m[0]);
    }
  });
  document.querySelectorAll('figure[data-cv-figure] .cv-sum .cv-lhs').forEach(lhs => {
    const first = lhs.nextElementSibling;
    if (!first || !first.classList.contains('cv-term')) return;
    const r = document.createRange();
    r.setStartBefore(lhs);
    r.setEnd(first.firstChild, 1);
    if (!oneLine(r)) out.push(lhs.textContent + ' ' + first.textContent);
  });
  return out;
}"""


@pytest.mark.parametrize(
    "page_path",
    [INDEX, "book/05-convolution-arithmetic.html", "book/06-transposed-convolution.html"],
)
def test_formula_lines_do_not_break_after_an_equals_sign(browser, base_url, page_path):
    """On a phone a formula line never ends in "i′ =" or "y[0, 1] =": the left-hand side and
    its equals sign stay on the line of the first term that follows (rules and sums)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{page_path}", wait_until="load")
        page.wait_for_selector("figure[data-cv-figure] .cv-formula .cv-rule")
        assert page.evaluate(_EQUALS) == []
    finally:
        context.close()
