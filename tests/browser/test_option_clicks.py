"""A click on a segmented control's option is the figure's alone (wireOptionClicks in
convviz.js): it picks the option and goes no further, so the theme's Bootstrap listeners on
document, which search the whole page on every click, do not run for it. While a theme menu
is open the click goes on as any other and closes the menu, and the option is still picked."""

from __future__ import annotations

PAGE_10 = "book/10-grouped-convolution.html"
FIG = "#cv-grouped"

# every click that reaches document, in either phase, counted from the page's first script
COUNT = """() => {
  window.__docClicks = 0;
  const n = () => { window.__docClicks += 1; };
  document.addEventListener('click', n, true);
  document.addEventListener('click', n);
}"""


def _open(page, base_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.add_init_script(f"({COUNT})()")
    page.goto(f"{base_url}/{PAGE_10}", wait_until="load")
    page.wait_for_selector(f"{FIG} .cv-stage svg")


def _checked(page) -> list[str]:
    return page.eval_on_selector_all(
        f"{FIG} .cv-seg > [data-option]", "bs => bs.map(b => b.getAttribute('aria-checked'))"
    )


def _key(page) -> str:
    return page.get_attribute(FIG, "data-key")


def test_an_option_click_picks_the_option_and_stops_at_the_figure(visit, base_url):
    page = visit.page
    _open(page, base_url)
    before, key = _checked(page), _key(page)
    assert before.count("true") == 1, before
    target = before.index("false")
    page.click(f"{FIG} .cv-seg > [data-option='{target}']")
    after = _checked(page)
    assert after.index("true") == target, after
    assert _key(page) != key  # the figure drew the new setting
    assert page.evaluate("window.__docClicks") == 0
    # any other click in the figure still reaches document (the step buttons, say)
    page.click(f"{FIG} .cv-next")
    assert page.evaluate("window.__docClicks") == 2


def test_an_option_click_closes_an_open_theme_menu(visit, base_url):
    page = visit.page
    _open(page, base_url)
    toggle = page.locator('[data-bs-toggle="dropdown"][aria-label="Download this page"]')
    toggle.click()
    page.wait_for_selector(".dropdown-menu.show")
    clicks = page.evaluate("window.__docClicks")
    before = _checked(page)
    target = before.index("false")
    page.click(f"{FIG} .cv-seg > [data-option='{target}']")
    assert page.locator(".dropdown-menu.show").count() == 0
    assert page.evaluate("window.__docClicks") == clicks + 2  # it went on: capture and bubble
    assert _checked(page).index("true") == target
